/* interval: interval bound propagation (IBP), sound under floating point.
 *
 * Given an input box [lo, hi], computes for every layer a box containing the
 * layer's exact (real-arithmetic) values for every input in the box. Each
 * layer kind has one transfer function in a table; arithmetic is rounded
 * outward as core/fpround.h documents:
 *  - affine: y_i in [b_i + sum_j min(W_ij l_j, W_ij u_j), b_i + sum_j max(..)],
 *    each end widened by fpr_dot_err and one ulp;
 *  - ReLU / LeakyReLU: exact on the ends (LeakyReLU's alpha x stepped one ulp
 *    outward); non-monotone LeakyReLU (alpha < 0) includes the value at 0;
 *  - Sigmoid / Tanh: monotone, ends widened by FPR_LIBM_ULPS ulps and
 *    clamped to the function's range;
 *  - elementwise add / mul / div: ends stepped one ulp outward.
 * Infinite ends propagate (a zero weight times an infinite end contributes 0).
 */
#ifndef NC_INTERVAL_H
#define NC_INTERVAL_H

#include "core/bounds.h"
#include "core/err.h"
#include "core/net.h"

/* Writes the boxes of all layers of n for the input box [lo, hi] into b
 * (b must come from bounds_new(n); its previous contents are replaced:
 * these are the pure interval bounds). */
nc_status itv_propagate(const net *n, const double *lo, const double *hi, bounds *b, nc_err *e);

/* Interval step through one layer: [ylo, yhi] contains l(x) for x in [xlo, xhi]. */
void itv_layer(const net_layer *l, const double *xlo, const double *xhi, double *ylo, double *yhi);

/* Sound lower bound of  a . y + d  over the box [ylo, yhi] (n entries). */
double itv_row_lower(const double *a, double d, int n, const double *ylo, const double *yhi);
/* Sound upper bound of the same. */
double itv_row_upper(const double *a, double d, int n, const double *ylo, const double *yhi);

#endif
