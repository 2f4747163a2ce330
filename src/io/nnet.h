/* nnet: loader for the NNet text format (Julian et al., the ACAS Xu format).
 *
 * Layout: `//` comment lines; then "L, n_in, n_out, max_width"; the L+1 layer
 * sizes; a flag line; the input minima, maxima, means and ranges (n_in values
 * each, the means and ranges lines with one more value for the outputs);
 * then per layer the weight rows (one line per output neuron) followed by
 * the biases (one line each). Hidden layers use ReLU, the last layer none.
 * Some files carry extra values on the normalisation lines (7/7/8/8 instead
 * of 5/5/6/6); the first n_in (+1) are read and the rest ignored.
 *
 * Normalisation convention: the network is returned on the *normalised*
 * input scale (x_norm = (x_raw - mean) / range), which is the scale of the
 * VNN-COMP ACAS Xu ONNX files and their VNNLIB properties, and with *raw*
 * network outputs (no output de-normalisation), which is what those ONNX
 * files compute. Input clipping to [min, max] is not applied. The metadata
 * is returned for display. Each decimal weight is read as the nearest
 * double, and that double is the network's weight.
 */
#ifndef NC_NNET_H
#define NC_NNET_H

#include "core/err.h"
#include "core/net.h"

typedef struct {
    int n_in;
    double *min, *max, *mean, *range;  /* n_in values; mean/range have n_in+1 */
} nnet_meta;

/* Loads path. On success *out is a validated net (caller frees with
 * net_free); if meta is non-NULL it is filled (free with nnet_meta_free).
 * NC_EINPUT with file:line on malformed input. */
nc_status nnet_load(const char *path, net **out, nnet_meta *meta, nc_err *e);
void nnet_meta_free(nnet_meta *m);

#endif
