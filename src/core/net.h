/* net: the network IR, a chain of layers.
 *
 * The network is the function f = L_{n-1} o ... o L_0 on real vectors, where
 * every layer is one of
 *   NET_AFFINE      y = W x + b       W is out x in, row-major; b has out entries
 *   NET_RELU        y_i = max(x_i, 0)
 *   NET_LEAKY_RELU  y_i = x_i >= 0 ? x_i : alpha x_i
 *   NET_SIGMOID     y_i = 1 / (1 + exp(-x_i))
 *   NET_TANH        y_i = tanh(x_i)
 *   NET_ADD         y_i = x_i + c_i   (elementwise constant; c stored in b)
 *   NET_MUL         y_i = x_i * c_i
 *   NET_DIV         y_i = x_i / c_i   (c_i != 0)
 * Every number stored is a double and is read as the exact rational it
 * denotes, so f is a well-defined real function; loaders convert float32
 * weights to doubles without rounding. Elementwise constant layers come from
 * input normalisation and bias-adds; net_fold() merges them into a
 * neighbouring affine layer only when the merged weights are exactly equal
 * to the composition, so folding never changes f.
 *
 * Invariants after net_validate(): layer k's `in` equals layer k-1's `out`,
 * in_dim is layer 0's `in`, out_dim is the last layer's `out`, every weight
 * is finite, and every divisor is non-zero.
 * Ownership: the net owns every array in its layers.
 */
#ifndef NC_NET_H
#define NC_NET_H

#include "core/err.h"

typedef enum {
    NET_AFFINE,
    NET_RELU,
    NET_LEAKY_RELU,
    NET_SIGMOID,
    NET_TANH,
    NET_ADD,
    NET_MUL,
    NET_DIV
} net_kind;

typedef struct {
    net_kind kind;
    int in, out;
    double *w;     /* NET_AFFINE only: out x in, row-major */
    double *b;     /* NET_AFFINE: bias; NET_ADD/MUL/DIV: the constant c */
    double alpha;  /* NET_LEAKY_RELU only */
} net_layer;

typedef struct {
    int n, cap;
    net_layer *layers;
    int in_dim, out_dim;
} net;

net *net_new(nc_err *e);
void net_free(net *n);

/* Appends a layer. The net takes ownership of w and b (also on failure). */
nc_status net_push_affine(net *n, int in, int out, double *w, double *b, nc_err *e);
nc_status net_push_elem(net *n, net_kind kind, int dim, double *c, nc_err *e);
nc_status net_push_act(net *n, net_kind kind, int dim, double alpha, nc_err *e);

/* Checks shapes and values (see the invariants above) and sets in_dim and
 * out_dim. `src` names the file in messages. NC_EINPUT on failure. */
nc_status net_validate(net *n, const char *src, nc_err *e);

/* Folds elementwise constant layers into a neighbouring affine layer where
 * the result is exactly the same function (checked with error-free
 * transformations); removes identity layers. Keeps f unchanged. */
nc_status net_fold(net *n, nc_err *e);

/* True for the activation kinds (elementwise nonlinearities). */
int net_is_activation(net_kind k);
const char *net_kind_name(net_kind k);

/* Largest layer width (in or out) over the net: scratch size for eval. */
int net_max_width(const net *n);

/* Applies one layer in double precision: out = layer(in). */
void net_layer_eval(const net_layer *l, const double *in, double *out);

/* Evaluates f(x) in double precision (round to nearest, not sound);
 * y receives out_dim values. x and y may not alias. */
void net_eval(const net *n, const double *x, double *y);

/* Number of stored parameters (weights and constants). */
long net_param_count(const net *n);

#endif
