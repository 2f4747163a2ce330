/* onnx_ops: lowering of one ONNX node on the chain to network IR layers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/onnx_ctx.h"

static int is_op(const Onnx__NodeProto *n, const char *op) { return strcmp(n->op_type, op) == 0; }

/* Index of the data input of n (the one named `data`). */
static int data_index(const Onnx__NodeProto *n, const char *data)
{
    for (size_t i = 0; i < n->n_input; i++)
        if (strcmp(n->input[i], data) == 0) return (int)i;
    return -1;
}

/* The constant input other than the data input, or NULL (c->e set). */
static const ctensor *other_const(octx *c, const Onnx__NodeProto *n, int di)
{
    if (n->n_input != 2) {
        ox_fail(c, n, "expected two inputs", NULL);
        return NULL;
    }
    return ox_const_get(c, n->input[1 - di]);
}

static nc_status shape_fail(octx *c, const Onnx__NodeProto *n, const char *msg)
{
    char b[128], d[200];
    snprintf(d, sizeof d, " (data shape %s)", ct_shape_str(&c->cur, b, sizeof b));
    return ox_fail(c, n, msg, d);
}

/* Pushes an affine layer out x in with w (owned) and zero bias. */
static nc_status push_affine(octx *c, int in, int out, double *w)
{
    double *b = err_calloc(c->e, (size_t)out, sizeof *b);
    if (!b) {
        free(w);
        return c->e->code;
    }
    return net_push_affine(c->net, in, out, w, b, c->e);
}

/* Pushes an elementwise layer with constant k broadcast to the data shape. */
static nc_status push_elem(octx *c, const Onnx__NodeProto *n, net_kind kind, const ctensor *k,
                           double sign)
{
    /* the result shape is the broadcast of data and constant; it must hold
     * as many values as the data (the constant may not replicate the data) */
    ct_shape r = c->cur;
    int rank = k->shape.ndims > r.ndims ? k->shape.ndims : r.ndims;
    ct_shape out = { .ndims = rank };
    for (int i = 0; i < rank; i++) {
        int a = i - (rank - r.ndims), b = i - (rank - k->shape.ndims);
        int64_t da = a >= 0 ? r.dims[a] : 1, db = b >= 0 ? k->shape.dims[b] : 1;
        if (da != db && da != 1 && db != 1) return shape_fail(c, n, "constant does not broadcast");
        out.dims[i] = da > db ? da : db;
    }
    if (ct_numel(&out) != ct_numel(&c->cur))
        return shape_fail(c, n, "constant would replicate the data (broadcast enlarges it)");
    char lab[256], what[400];
    snprintf(what, sizeof what, "%s: %s", c->path, ox_node_label(n, lab, sizeof lab));
    double *v;
    if (ct_broadcast(k, &out, &v, what, c->e)) return c->e->code;
    long d = ct_numel(&out);
    for (long i = 0; i < d; i++) v[i] *= sign;   /* sign is +-1: exact */
    c->cur = out;
    return net_push_elem(c->net, kind, (int)d, v, c->e);
}

static nc_status lower_elementwise(octx *c, const Onnx__NodeProto *n, const char *data)
{
    int di = data_index(n, data);
    const ctensor *k = other_const(c, n, di);
    if (!k) return c->e->code;
    if (is_op(n, "Add")) return push_elem(c, n, NET_ADD, k, 1.0);
    if (is_op(n, "Mul")) return push_elem(c, n, NET_MUL, k, 1.0);
    if (is_op(n, "Sub")) {
        if (di == 0) return push_elem(c, n, NET_ADD, k, -1.0);   /* x - k */
        ctensor m1 = { .n = 1, .v = (double[]){ -1.0 } };       /* k - x = -x + k */
        if (push_elem(c, n, NET_MUL, &m1, 1.0)) return c->e->code;
        return push_elem(c, n, NET_ADD, k, 1.0);
    }
    if (di != 0) return ox_fail(c, n, "division by the data is not supported", NULL);
    for (long i = 0; i < k->n; i++)
        if (k->v[i] == 0.0) return ox_fail(c, n, "division by zero constant", NULL);
    return push_elem(c, n, NET_DIV, k, 1.0);
}

/* True when the data shape is a vector along dim `axis` (all others 1). */
static int vector_along(const ct_shape *s, int axis)
{
    for (int i = 0; i < s->ndims; i++)
        if (i != axis && s->dims[i] != 1) return 0;
    return axis >= 0 && axis < s->ndims;
}

static nc_status lower_matmul(octx *c, const Onnx__NodeProto *n, const char *data)
{
    int di = data_index(n, data);
    const ctensor *B = other_const(c, n, di);
    if (!B) return c->e->code;
    if (B->shape.ndims != 2) return ox_fail(c, n, "weight matrix must be 2-D", NULL);
    long r = B->shape.dims[0], k = B->shape.dims[1];
    int last = c->cur.ndims - 1;
    if (di == 0) {   /* x (.., r) @ B (r x k): out_i = sum_j B[j][i] x_j */
        if (!vector_along(&c->cur, last) || c->cur.dims[last] != r)
            return shape_fail(c, n, "MatMul needs a row vector matching the weights");
        double *w = err_calloc(c->e, (size_t)(r * k), sizeof *w);
        if (!w) return c->e->code;
        for (long i = 0; i < k; i++)
            for (long j = 0; j < r; j++) w[i * r + j] = B->v[j * k + i];
        c->cur.dims[last] = k;
        return push_affine(c, (int)r, (int)k, w);
    }
    /* B (r x k) @ x (k x 1) */
    int column = c->cur.ndims == 1 ? c->cur.dims[0] == k
                                   : c->cur.ndims >= 2 && c->cur.dims[last] == 1 &&
                                         c->cur.dims[last - 1] == k && ct_numel(&c->cur) == k;
    if (!column)
        return shape_fail(c, n, "MatMul needs a column vector matching the weights");
    double *w = err_calloc(c->e, (size_t)(r * k), sizeof *w);
    if (!w) return c->e->code;
    memcpy(w, B->v, (size_t)(r * k) * sizeof *w);
    if (c->cur.ndims >= 2) c->cur.dims[last - 1] = r;
    else c->cur.dims[0] = r;
    return push_affine(c, (int)k, (int)r, w);
}

/* y = alpha * A' B' + beta * C with the data as A. */
static nc_status lower_gemm(octx *c, const Onnx__NodeProto *n, const char *data)
{
    if (data_index(n, data) != 0) return ox_fail(c, n, "Gemm with the data as B", NULL);
    if (n->n_input < 2) return ox_fail(c, n, "Gemm needs B", NULL);
    const ctensor *B = ox_const_get(c, n->input[1]);
    if (!B) return c->e->code;
    long ta = ox_attr_int(n, "transA", 0), tb = ox_attr_int(n, "transB", 0);
    double alpha = ox_attr_float(n, "alpha", 1.0), beta = ox_attr_float(n, "beta", 1.0);
    if (B->shape.ndims != 2) return ox_fail(c, n, "B must be 2-D", NULL);
    if (c->cur.ndims != 2 || !vector_along(&c->cur, ta ? 0 : 1))
        return shape_fail(c, n, "Gemm needs A to be a single row (batch 1)");
    long k = c->cur.dims[ta ? 0 : 1];
    long bk = tb ? B->shape.dims[1] : B->shape.dims[0], m = tb ? B->shape.dims[0] : B->shape.dims[1];
    if (bk != k) return shape_fail(c, n, "inner dimensions of A and B differ");
    double *w = err_calloc(c->e, (size_t)(k * m), sizeof *w);
    if (!w) return c->e->code;
    for (long i = 0; i < m; i++)
        for (long j = 0; j < k; j++) {
            double bij = tb ? B->v[i * k + j] : B->v[j * m + i], p = alpha * bij;
            if (fma(alpha, bij, -p) != 0.0) {   /* float32 products are exact */
                free(w);
                return ox_fail(c, n, "alpha * B is not exact in double precision", NULL);
            }
            w[i * k + j] = p;
        }
    c->cur.dims[0] = 1;
    c->cur.dims[1] = m;
    if (push_affine(c, (int)k, (int)m, w)) return c->e->code;
    if (n->n_input < 3 || !*n->input[2] || beta == 0.0) return NC_OK;
    const ctensor *C = ox_const_get(c, n->input[2]);
    if (!C) return c->e->code;
    ctensor sc = *C;
    sc.v = err_calloc(c->e, (size_t)C->n, sizeof(double));
    if (!sc.v) return c->e->code;
    nc_status s = NC_OK;
    for (long i = 0; i < C->n && !s; i++) {
        sc.v[i] = beta * C->v[i];
        if (fma(beta, C->v[i], -sc.v[i]) != 0.0)
            s = ox_fail(c, n, "beta * C is not exact in double precision", NULL);
    }
    if (!s) s = push_elem(c, n, NET_ADD, &sc, 1.0);
    free(sc.v);
    return s;
}

static nc_status lower_shape_op(octx *c, const Onnx__NodeProto *n)
{
    nc_status s = NC_OK;
    if (is_op(n, "Flatten")) {
        s = ct_flatten(&c->cur, ox_attr_int(n, "axis", 1), c->e);
    } else if (is_op(n, "Reshape")) {
        if (n->n_input < 2) return ox_fail(c, n, "Reshape without a shape input", NULL);
        const ctensor *t = ox_const_get(c, n->input[1]);
        if (!t) return c->e->code;
        s = ct_reshape(&c->cur, t, c->e);
    } else {
        int64_t axes[CT_MAX_DIMS];
        int na;
        if (ox_axes(c, n, axes, &na)) return c->e->code;
        s = is_op(n, "Squeeze") ? ct_squeeze(&c->cur, axes, na, c->e)
                                : ct_unsqueeze(&c->cur, axes, na, c->e);
    }
    if (s) {
        char lab[256];
        return err_prefix(c->e, "%s: %s: ", c->path, ox_node_label(n, lab, sizeof lab));
    }
    return NC_OK;
}

nc_status ox_lower_node(octx *c, const Onnx__NodeProto *n, const char *data)
{
    int d = (int)ct_numel(&c->cur);
    if (is_op(n, "Relu")) return net_push_act(c->net, NET_RELU, d, 0.0, c->e);
    if (is_op(n, "Sigmoid")) return net_push_act(c->net, NET_SIGMOID, d, 0.0, c->e);
    if (is_op(n, "Tanh")) return net_push_act(c->net, NET_TANH, d, 0.0, c->e);
    if (is_op(n, "LeakyRelu"))
        return net_push_act(c->net, NET_LEAKY_RELU, d, ox_attr_float(n, "alpha", (double)0.01f),
                            c->e);
    if (is_op(n, "Identity") || is_op(n, "Dropout")) return NC_OK;
    if (is_op(n, "Add") || is_op(n, "Sub") || is_op(n, "Mul") || is_op(n, "Div"))
        return lower_elementwise(c, n, data);
    if (is_op(n, "MatMul")) return lower_matmul(c, n, data);
    if (is_op(n, "Gemm")) return lower_gemm(c, n, data);
    if (is_op(n, "Flatten") || is_op(n, "Reshape") || is_op(n, "Squeeze") || is_op(n, "Unsqueeze"))
        return lower_shape_op(c, n);
    return ox_fail(c, n, "op is not supported on the data path", NULL);
}
