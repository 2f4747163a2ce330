/* bounds: per-layer boxes, the currency between analysis stages.
 *
 * For a net with L layers, box k (0 <= k <= L) bounds the values after
 * layer k-1: box 0 is the input box, box L the output box, and for an
 * activation layer k, box k is its pre-activation box. Each box has
 * dim[k] entries lo[k][i] <= hi[k][i] (possibly infinite).
 * A domain writes the boxes it computes; bounds_meet() intersects a new box
 * with what is already known, so a neuron's bound is the tightest found.
 * Ownership: the bounds own all arrays; they borrow nothing from the net.
 */
#ifndef NC_BOUNDS_H
#define NC_BOUNDS_H

#include "core/err.h"
#include "core/net.h"

typedef struct {
    int n_boxes;     /* layers + 1 */
    int *dim;
    double **lo, **hi;
} bounds;

/* New bounds shaped for n, every entry (-inf, +inf). */
bounds *bounds_new(const net *n, nc_err *e);
void bounds_free(bounds *b);

/* Copies every box of src into dst (both shaped for the same net). */
void bounds_copy(bounds *dst, const bounds *src);

/* Intersects box k with [lo, hi]. Returns 1 if some entry became empty
 * (lo > hi), which means the box is infeasible. */
int bounds_meet(bounds *b, int k, const double *lo, const double *hi);

#endif
