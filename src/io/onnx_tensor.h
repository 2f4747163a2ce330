/* onnx_tensor: decoding ONNX TensorProto constants and the shape arithmetic
 * the loader needs (broadcast, flatten, reshape, squeeze).
 *
 * A ctensor is a dense constant: ndims <= CT_MAX_DIMS dimensions, n values
 * stored as doubles (float32, float64, int32 and int64 data are converted
 * exactly; int64 beyond 2^53 is rejected). The ctensor owns v.
 */
#ifndef NC_ONNX_TENSOR_H
#define NC_ONNX_TENSOR_H

#include <stdint.h>

#include "core/err.h"
#include "onnx.pb-c.h"

#define CT_MAX_DIMS 8

typedef struct {
    int ndims;
    int64_t dims[CT_MAX_DIMS];
} ct_shape;

typedef struct {
    ct_shape shape;
    long n;
    double *v;
    int is_int;   /* came from an integer type */
} ctensor;

/* Decodes t into out (caller frees out->v with free()). `what` names the
 * tensor in messages (e.g. "initializer 'W'"). Rejects unsupported data
 * types, external data, value counts that do not match the shape (a
 * truncated tensor) and non-finite values. */
nc_status ct_decode(const Onnx__TensorProto *t, ctensor *out, const char *what, nc_err *e);

/* Number of elements of s (product of dims; 1 for a scalar). */
long ct_numel(const ct_shape *s);

/* Expands constant c to the shape `to` by numpy broadcasting; the result
 * has numel(to) values (caller frees). NC_EINPUT when c does not broadcast
 * to `to` without enlarging it. */
nc_status ct_broadcast(const ctensor *c, const ct_shape *to, double **out, const char *what,
                       nc_err *e);

/* Shape transformers. Each returns NC_EINPUT with a message on bad axes. */
nc_status ct_flatten(ct_shape *s, long axis, nc_err *e);
nc_status ct_reshape(ct_shape *s, const ctensor *target, nc_err *e);
nc_status ct_squeeze(ct_shape *s, const int64_t *axes, int n_axes, nc_err *e);
nc_status ct_unsqueeze(ct_shape *s, const int64_t *axes, int n_axes, nc_err *e);

/* Writes "[1,5]" style text of s into buf. */
const char *ct_shape_str(const ct_shape *s, char *buf, int size);

#endif
