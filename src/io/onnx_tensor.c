#include "io/onnx_tensor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long ct_numel(const ct_shape *s)
{
    long n = 1;
    for (int i = 0; i < s->ndims; i++) n *= s->dims[i];
    return n;
}

const char *ct_shape_str(const ct_shape *s, char *buf, int size)
{
    int off = snprintf(buf, (size_t)size, "[");
    for (int i = 0; i < s->ndims && off < size; i++)
        off += snprintf(buf + off, (size_t)(size - off), "%s%lld", i ? "," : "",
                        (long long)s->dims[i]);
    if (off < size) snprintf(buf + off, (size_t)(size - off), "]");
    return buf;
}

/* Little-endian reads of raw_data, independent of the host's byte order. */
static uint64_t le_bytes(const uint8_t *p, int k)
{
    uint64_t v = 0;
    for (int i = k - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

nc_status ct_decode(const Onnx__TensorProto *t, ctensor *out, const char *what, nc_err *e)
{
    memset(out, 0, sizeof *out);
    if (t->n_dims > CT_MAX_DIMS)
        return err_set(e, NC_EINPUT, "%s has %zu dimensions (at most %d supported)", what,
                       t->n_dims, CT_MAX_DIMS);
    out->shape.ndims = (int)t->n_dims;
    long n = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        if (t->dims[i] < 0 || t->dims[i] > (1L << 31))
            return err_set(e, NC_EINPUT, "%s has invalid dimension %lld", what,
                           (long long)t->dims[i]);
        out->shape.dims[i] = t->dims[i];
        n *= t->dims[i];
        if (n > (1L << 31)) return err_set(e, NC_EINPUT, "%s is too large", what);
    }
    if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return err_set(e, NC_EINPUT, "%s uses external data (not supported)", what);
    int dt = t->has_data_type ? t->data_type : 0;
    int width;
    size_t typed;
    switch (dt) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: width = 4; typed = t->n_float_data; break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: width = 8; typed = t->n_double_data; break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: width = 8; typed = t->n_int64_data; break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: width = 4; typed = t->n_int32_data; break;
    default:
        return err_set(e, NC_EINPUT, "%s has unsupported data type %d", what, dt);
    }
    out->is_int = dt == ONNX__TENSOR_PROTO__DATA_TYPE__INT64 ||
                  dt == ONNX__TENSOR_PROTO__DATA_TYPE__INT32;
    int raw = t->has_raw_data && t->raw_data.len > 0;
    size_t have = raw ? t->raw_data.len / (size_t)width : typed;
    if (raw && t->raw_data.len % (size_t)width)
        return err_set(e, NC_EINPUT, "%s: raw data length %zu is not a multiple of %d", what,
                       t->raw_data.len, width);
    if ((long)have != n)
        return err_set(e, NC_EINPUT, "%s holds %zu values but its shape needs %ld "
                       "(truncated or inconsistent)", what, have, n);
    out->n = n;
    out->v = err_calloc(e, (size_t)n, sizeof(double));
    if (!out->v) return e->code;
    for (long i = 0; i < n; i++) {
        double x;
        const uint8_t *p = raw ? t->raw_data.data + (size_t)i * width : NULL;
        if (dt == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
            float f;
            if (p) {
                uint32_t u = (uint32_t)le_bytes(p, 4);
                memcpy(&f, &u, 4);
            } else {
                f = t->float_data[i];
            }
            x = (double)f;
        } else if (dt == ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE) {
            if (p) {
                uint64_t u = le_bytes(p, 8);
                memcpy(&x, &u, 8);
            } else {
                x = t->double_data[i];
            }
        } else {
            int64_t k;
            if (dt == ONNX__TENSOR_PROTO__DATA_TYPE__INT64)
                k = p ? (int64_t)le_bytes(p, 8) : t->int64_data[i];
            else
                k = p ? (int32_t)(uint32_t)le_bytes(p, 4) : t->int32_data[i];
            if (k > (1LL << 53) || k < -(1LL << 53)) {
                free(out->v);
                out->v = NULL;
                return err_set(e, NC_EINPUT, "%s: integer %lld too large", what, (long long)k);
            }
            x = (double)k;
        }
        if (!isfinite(x)) {
            free(out->v);
            out->v = NULL;
            return err_set(e, NC_EINPUT, "%s: value %ld is %s", what, i,
                           isnan(x) ? "NaN" : "infinite");
        }
        out->v[i] = x;
    }
    return NC_OK;
}

nc_status ct_broadcast(const ctensor *c, const ct_shape *to, double **out, const char *what,
                       nc_err *e)
{
    *out = NULL;
    char b1[96], b2[96];
    if (c->shape.ndims > to->ndims)
        goto bad;
    int off = to->ndims - c->shape.ndims;
    for (int i = 0; i < c->shape.ndims; i++) {
        int64_t cd = c->shape.dims[i], td = to->dims[i + off];
        if (cd != td && cd != 1) goto bad;
    }
    long n = ct_numel(to);
    double *v = err_calloc(e, (size_t)n, sizeof *v);
    if (!v) return e->code;
    for (long k = 0; k < n; k++) {
        long rem = k, src = 0, stride = 1;
        for (int i = to->ndims - 1; i >= 0; i--) {
            long idx = rem % to->dims[i];
            rem /= to->dims[i];
            int ci = i - off;
            if (ci >= 0) {
                long cd = c->shape.dims[ci];
                src += (cd == 1 ? 0 : idx) * stride;
                stride *= cd;
            }
        }
        v[k] = c->v[src];
    }
    *out = v;
    return NC_OK;
bad:
    return err_set(e, NC_EINPUT, "%s: constant of shape %s does not broadcast to the data "
                   "shape %s", what, ct_shape_str(&c->shape, b1, sizeof b1),
                   ct_shape_str(to, b2, sizeof b2));
}

static int norm_axis(long axis, int rank) { return (int)(axis < 0 ? axis + rank : axis); }

nc_status ct_flatten(ct_shape *s, long axis, nc_err *e)
{
    int a = norm_axis(axis, s->ndims);
    if (a < 0 || a > s->ndims)
        return err_set(e, NC_EINPUT, "Flatten axis %ld out of range for rank %d", axis,
                       s->ndims);
    int64_t d0 = 1, d1 = 1;
    for (int i = 0; i < s->ndims; i++) *(i < a ? &d0 : &d1) *= s->dims[i];
    s->ndims = 2;
    s->dims[0] = d0;
    s->dims[1] = d1;
    return NC_OK;
}

nc_status ct_reshape(ct_shape *s, const ctensor *target, nc_err *e)
{
    if (target->n > CT_MAX_DIMS)
        return err_set(e, NC_EINPUT, "Reshape to rank %ld (at most %d supported)", target->n,
                       CT_MAX_DIMS);
    ct_shape r = { .ndims = (int)target->n };
    long known = 1, infer = -1, total = ct_numel(s);
    for (int i = 0; i < r.ndims; i++) {
        long d = (long)target->v[i];
        if (d == 0) {
            if (i >= s->ndims) return err_set(e, NC_EINPUT, "Reshape copies missing dim %d", i);
            d = s->dims[i];
        }
        if (d == -1) {
            if (infer >= 0) return err_set(e, NC_EINPUT, "Reshape has two -1 dims");
            infer = i;
            continue;
        }
        if (d < 0) return err_set(e, NC_EINPUT, "Reshape has negative dim %ld", d);
        r.dims[i] = d;
        known *= d;
    }
    if (infer >= 0) {
        if (known == 0 || total % known)
            return err_set(e, NC_EINPUT, "Reshape cannot infer a dim for %ld elements", total);
        r.dims[infer] = total / known;
        known *= r.dims[infer];
    }
    if (known != total)
        return err_set(e, NC_EINPUT, "Reshape to %ld elements, data has %ld", known, total);
    *s = r;
    return NC_OK;
}

nc_status ct_squeeze(ct_shape *s, const int64_t *axes, int n_axes, nc_err *e)
{
    int drop[CT_MAX_DIMS] = { 0 };
    if (n_axes == 0) {
        for (int i = 0; i < s->ndims; i++) drop[i] = s->dims[i] == 1;
    }
    for (int k = 0; k < n_axes; k++) {
        int a = norm_axis(axes[k], s->ndims);
        if (a < 0 || a >= s->ndims || s->dims[a] != 1)
            return err_set(e, NC_EINPUT, "Squeeze axis %lld is not a dimension of size 1",
                           (long long)axes[k]);
        drop[a] = 1;
    }
    ct_shape r = { 0 };
    for (int i = 0; i < s->ndims; i++)
        if (!drop[i]) r.dims[r.ndims++] = s->dims[i];
    *s = r;
    return NC_OK;
}

nc_status ct_unsqueeze(ct_shape *s, const int64_t *axes, int n_axes, nc_err *e)
{
    int rank = s->ndims + n_axes;
    if (rank > CT_MAX_DIMS) return err_set(e, NC_EINPUT, "Unsqueeze beyond rank %d", CT_MAX_DIMS);
    int ins[CT_MAX_DIMS] = { 0 };
    for (int k = 0; k < n_axes; k++) {
        int a = norm_axis(axes[k], rank);
        if (a < 0 || a >= rank || ins[a])
            return err_set(e, NC_EINPUT, "Unsqueeze axis %lld invalid", (long long)axes[k]);
        ins[a] = 1;
    }
    ct_shape r = { .ndims = rank };
    int j = 0;
    for (int i = 0; i < rank; i++) r.dims[i] = ins[i] ? 1 : s->dims[j++];
    *s = r;
    return NC_OK;
}
