/* onnx_ctx: state shared by the ONNX loader's graph walk (onnx.c) and its
 * op lowering (onnx_ops.c). Internal to src/io. */
#ifndef NC_ONNX_CTX_H
#define NC_ONNX_CTX_H

#include <stddef.h>

#include "core/net.h"
#include "io/onnx_tensor.h"

/* One named constant: an initializer (decoded on first use) or a value
 * computed from constants (Constant nodes, shape ops on constants). */
typedef struct {
    const char *name;
    const Onnx__TensorProto *src;
    ctensor val;
    int ready;
} cent;

typedef struct {
    const char *path;
    const Onnx__GraphProto *g;
    cent *consts;
    int n_consts;
    char *is_const_node;   /* per node: folded as a constant */
    char *visited;         /* per node: lowered on the chain */
    net *net;
    ct_shape cur;          /* shape of the data flowing along the chain */
    nc_err *e;
} octx;

/* Sets c->e to "path: node 'x' (Op): <msg><detail>" and returns NC_EINPUT. */
nc_status ox_fail(octx *c, const Onnx__NodeProto *n, const char *msg, const char *detail);
const char *ox_node_label(const Onnx__NodeProto *n, char *buf, size_t size);
long ox_attr_int(const Onnx__NodeProto *n, const char *name, long dflt);
double ox_attr_float(const Onnx__NodeProto *n, const char *name, double dflt);
/* The decoded constant `name` (borrowed from c), or NULL with c->e set. */
const ctensor *ox_const_get(octx *c, const char *name);
int ox_is_const(octx *c, const char *name);
/* Squeeze/Unsqueeze axes from the attribute or the second input. */
nc_status ox_axes(octx *c, const Onnx__NodeProto *n, int64_t *axes, int *n_axes);
/* Appends the layers for node n, whose data input is `data`, to c->net and
 * updates c->cur. */
nc_status ox_lower_node(octx *c, const Onnx__NodeProto *n, const char *data);

#endif
