/* zonotope: the DeepZ abstract domain (Singh et al., NeurIPS 2018).
 *
 * A layer's values are enclosed by  x = c + G eps + delta,  eps in [-1,1]^p,
 * |delta_i| <= e_i: a zonotope (centre c, generators G, d x p) plus a box
 * term e that absorbs every rounding error of our own arithmetic, so the
 * enclosure is sound for the exact network.
 *  - affine layers are exact on the zonotope (c' = W c + b, G' = W G by
 *    BLAS), their rounding bounded as in docs/domains.md and added to e;
 *  - ReLU / LeakyReLU: the minimal-area relaxation, y in [l x, l x + t] with
 *    l = u/(u-l) the chord slope, written as one new generator t/2;
 *  - Sigmoid / Tanh: the parallelogram with slope min(f'(l), f'(u)), as a new
 *    generator of half its height;
 *  - elementwise add / mul / div scale or shift the centre and generators.
 * The box of every layer input is the zonotope's concretisation (intersected
 * with what the bounds already hold when `intersect` is set).
 */
#ifndef NC_ZONOTOPE_H
#define NC_ZONOTOPE_H

#include "core/bounds.h"
#include "core/err.h"
#include "core/net.h"

/* Propagates the input box b->lo[0], b->hi[0] through n, writing the box of
 * every layer into b. With m > 0, also writes sound lower bounds of the m
 * rows C y + d (C: m x out_dim) into lower. */
nc_status zono_propagate(const net *n, bounds *b, int intersect, int m, const double *C,
                         const double *d, double *lower, nc_err *e);

#endif
