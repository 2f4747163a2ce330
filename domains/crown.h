/* crown: backward linear bound propagation (CROWN, Zhang et al. 2018) and
 * its slope-optimised variant (alpha-CROWN, Xu et al. 2021).
 *
 * For a matrix of rows C (m x n_out) and offsets d, CROWN computes, for each
 * row r, a linear function of the input  A_r x + c_r  with
 *     C_r f(x) + d_r  >=  A_r x + c_r - err_r    for every x in the input box,
 * by substituting every layer backwards: affine layers exactly, activations
 * by the linear relaxations of domains/relax.h chosen by the sign of each
 * coefficient. The lower bound is the minimum of the right side over the
 * box. Upper bounds are lower bounds of the negated rows.
 *
 * Full CROWN: the pre-activation bounds that the relaxations need are
 * themselves computed by a backward pass from each activation layer (rows
 * +e_i and -e_i for every neuron), layer by layer from the input.
 *
 * Floating point: err_r is a rigorous bound on the effect of every rounding
 * in the backward pass (matrix products through BLAS in any summation
 * order, slope scalings, offset sums), derived in docs/domains.md, so the
 * returned bounds are sound for the exact network.
 *
 * Ownership: the caller owns every array; a crown object borrows the net
 * and the bounds it is given.
 */
#ifndef NC_CROWN_H
#define NC_CROWN_H

#include "core/bounds.h"
#include "core/err.h"
#include "core/net.h"

/* Scratch space for repeated bounding on one net (branch and bound):
 * backward-pass buffers, |W| of every affine layer and the rounding-error
 * vector |W| y_max + |b| (reused while a later box lies within the one it
 * came from: docs/domains.md), kept between calls
 * instead of allocated and recomputed by each. One thread at a time. */
typedef struct crown_scratch crown_scratch;

crown_scratch *crown_scratch_new(const net *n, nc_err *e);
void crown_scratch_free(crown_scratch *s);
/* The weights or bias of layer k of the scratch's net were changed in
 * place (same shape): what the scratch derived from them is remade on its
 * next use. Relaxations depend on the boxes alone and stay. */
void crown_scratch_layer_changed(crown_scratch *s, int k);

typedef struct {
    int intersect;      /* relax with the intersection of the new bounds and what
                           the bounds object already holds (else pure CROWN) */
    int alpha_iters;    /* alpha-CROWN iterations for output rows (0: plain CROWN) */
    double alpha_lr;    /* Adam step size for the slopes */
    double beta_lr;     /* Adam step size for split multipliers (crown_rows_split) */
    double deadline;    /* clock_now() time to stop optimising at (0: none) */
    int keep_below;     /* crown_intermediate: activation layers k <= keep_below
                           keep the boxes b holds (already sound; -1: none) */
    crown_scratch *scratch;   /* reused work space for o's net (NULL: per call) */
    const double *stop_above; /* alpha iterations stop once every row r's bound
                                 exceeds stop_above[r] (NULL: run them all) */
    int estimate_first;       /* alpha-CROWN: the starting slopes' bound is
                                 estimated too (one rigorous pass, at the
                                 best iterate, instead of two; the result may
                                 then fall below the starting slopes' bound
                                 by an estimate's rounding) */
    int single_products;      /* the rigorous passes' affine products in
                                 single precision, their rounding error
                                 bounded as such (about 1e-4 of the
                                 products' scale instead of 1e-13; half the
                                 memory traffic): for searches that move box
                                 ends, where that is far below what they
                                 move, not for final verdicts */
    const char *out_need;     /* crown_intermediate, when the last layer is
                                 affine: the outputs whose box is computed
                                 (NULL: all); the others get [-inf, inf], met
                                 with what b holds when intersecting */
} crown_opts;

void crown_opts_init(crown_opts *o);

/* Threads the BLAS library may use (process-wide; the CLI sets 1 unless
 * OPENBLAS_NUM_THREADS is given, since parallelism comes from running
 * instances side by side). */
void crown_set_blas_threads(int n);

/* Computes the pre-activation box of every activation layer by CROWN from
 * the input box b->lo[0], b->hi[0] (which the caller sets), writing all
 * boxes of b (non-activation boxes by interval steps from them). */
nc_status crown_intermediate(const net *n, bounds *b, const crown_opts *o, nc_err *e);

/* Sound lower bounds of the m rows  C y + d  (C: m x n_out row-major) over
 * the input box, using the activation boxes already in b. With
 * o->alpha_iters > 0 the lower slopes of unstable ReLU/LeakyReLU neurons are
 * optimised per row (alpha-CROWN); the result is never below plain CROWN's.
 * If A is non-NULL it receives the linear bounds (m x n_in) and c the
 * offsets: C_r f(x) + d_r >= A_r x + c_r - (A_r x + c_r - lower_r at worst):
 * precisely, for every x in the box, C_r f(x) + d_r >= A_r x + c_r - slack_r
 * with slack_r written to slack (all three may be NULL). */
nc_status crown_rows(const net *n, const bounds *b, int m, const double *C, const double *d,
                     const crown_opts *o, double *lower, double *A, double *c, double *slack,
                     nc_err *e);

/* Split constraints and warm starts for crown_rows_split. Per-layer arrays
 * have an entry per layer of the net (NULL: nothing there). */
typedef struct {
    /* sign[k][j] for activation layer k: +1 for  z_j >= 0,  -1 for
     * z_j <= 0,  0 for no constraint (z: the input of layer k) */
    const signed char *const *sign;
    double **slopes;   /* in: start slopes (m x d_k); out: the best found */
    double **beta;     /* in: start multipliers (m x d_k, >= 0); out: the best */
    double **lam;      /* out: backward coefficients on the output of layer k (m x d_k) */
    double *xmin;      /* out: per row (m x n_in), the input-box corner minimising
                          its final linear bound */
} crown_split_io;

/* crown_rows on a region cut by split constraints (beta-CROWN): the boxes
 * of b must be sound on the region (the caller clamps split neurons'
 * boxes). The constraints' multipliers are optimised with the slopes for
 * o->alpha_iters steps. lower (m) receives sound lower bounds of
 * C_r y + d_r  over the region; io (may be NULL) as above. */
nc_status crown_rows_split(const net *n, const bounds *b, int m, const double *C, const double *d,
                           const crown_opts *o, const crown_split_io *io, double *lower, nc_err *e);

/* Convenience: lower and upper bounds of every output (C = I), after
 * crown_intermediate. */
nc_status crown_outputs(const net *n, const bounds *b, const crown_opts *o, double *lo,
                        double *hi, nc_err *e);

#endif
