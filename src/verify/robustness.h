/* robustness: the local robustness property of one labelled sample.
 *
 * For a sample x (in data space), label c, radius eps in the L-infinity
 * norm, an optional clip range [clip_lo, clip_hi] of valid data values and
 * an input normalisation z = (x - mean) / std applied before the network,
 * the input set is the box
 *   Z = { (x' - mean) / std : |x' - x|_inf <= eps, clip_lo <= x' <= clip_hi }
 * and the unsafe set is "some other class scores at least as high":
 *   OR over j != c of  (y_c - y_j <= 0).
 * The property holds iff the network classifies every point of Z as c with
 * a strict margin. All numbers are the given doubles; Z is computed with a
 * rigorous bound on the floating-point error of the normalisation, so the
 * outer box contains Z and the inner box lies inside it (prop.h). When
 * eps is so small that no inner box exists in some coordinate, that
 * coordinate's inner box is the rounded point and *inner_exact is 0: a
 * counterexample found there is not trusted (callers say unknown).
 */
#ifndef NC_ROBUSTNESS_H
#define NC_ROBUSTNESS_H

#include "core/err.h"
#include "core/prop.h"

typedef struct {
    int n_in, n_out;
    const double *mean, *std;   /* n_in values each, or NULL for 0 and 1 */
    double clip_lo, clip_hi;    /* -inf/+inf for no clipping */
} robust_space;

/* Builds the property for sample x with label c at radius eps >= 0.
 * The caller owns *out (prop_free). */
nc_status robust_prop(const robust_space *s, const double *x, int label, double eps, prop **out,
                      int *inner_exact, nc_err *e);

/* Normalised point z = (x - mean) / std (rounded to nearest), for the
 * clean prediction. */
void robust_normalise(const robust_space *s, const double *x, double *z);

#endif
