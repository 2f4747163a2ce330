/* star: star sets (Tran et al., FM 2019; Bak et al., CAV 2020), sound
 * under floating point.
 *
 * A star over one layer's d values is  x = c + V z + delta,  z in P,
 * |delta_i| <= err_i,  where z ranges over the predicate polytope P
 * (solvers/lp.h: a box plus rows; at the start z is the input itself) and
 * err absorbs every rounding of our own arithmetic, so the set contains the
 * exact network's values. Operations:
 *  - affine and elementwise layers: exact on c and V, their rounding (bounded
 *    as for dot products, core/fpround.h) added to err;
 *  - ReLU / LeakyReLU, exact: a neuron whose range is one-signed is the
 *    linear piece it is; otherwise star_split adds the row  x_i >= 0  or
 *    x_i <= 0  to P (relaxed by err_i, so the two halves cover every exact
 *    value) and applies that piece: two stars, one per sign;
 *  - any activation, over-approximate (approx-star): one new variable per
 *    undecided neuron, bounded by its linear relaxation (for ReLU the
 *    triangle: y >= 0, y >= x, y <= u (x - l) / (u - l)).
 * Ranges of neurons and of linear functions come from LPs over P with
 * rigorous bounds (solvers/lp.h), after a cheap interval bound over P's box
 * that decides most neurons without an LP.
 * Ownership: a star owns its arrays and its lp.
 */
#ifndef NC_STAR_H
#define NC_STAR_H

#include "core/bounds.h"
#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"
#include "solvers/lp.h"

typedef struct star_s {
    int nv;       /* predicate variables (columns of P) */
    int dim;      /* values of the current layer */
    double *c;    /* dim */
    double *V;    /* dim x nv, row-major */
    double *err;  /* dim */
    lp *P;
    long lp_calls;   /* LPs solved on this star and its ancestors */
} star;

/* The input set of a property case: its outer box and general input rows
 * (each relaxed by its decimal conversion slack). c = 0, V = I. */
nc_status star_from_case(star *s, const prop_case *pc, int n_in, nc_err *e);
/* A deep copy (new lp). */
nc_status star_copy(star *dst, const star *src, nc_err *e);
void star_free(star *s);

/* Applies an affine or elementwise layer (NET_AFFINE, NET_ADD/MUL/DIV). */
nc_status star_affine(star *s, const net_layer *l, nc_err *e);

/* Cheap rigorous range of value i: interval over P's box, widened by err. */
void star_box_range(const star *s, int i, double *lo, double *hi);

/* Rigorous range of value i by LP over P (either end skipped when its flag
 * is 0: then left as given). Returns 0, or -1 when an LP failed (the end
 * stays as given, which must already be sound). */
int star_lp_range(star *s, int i, int want_lo, int want_hi, double deadline, double *lo,
                  double *hi);

/* Tightens P's box to the LP range of each variable over P (rigorous),
 * skipping the variables that have less than `share` of the newest row's
 * sum_j |a_j| width_j (0: every variable). Returns 1 when P is proved
 * empty, 0 otherwise, -1 when an LP failed (the box then stays sound, only
 * less tight). */
int star_tighten_box(star *s, double share, double deadline);

/* One piece of a ReLU / LeakyReLU neuron: sign > 0 keeps x_i (adding the
 * row x_i >= 0 unless `no_row`), sign < 0 maps it to alpha x_i (adding
 * x_i <= 0 unless `no_row`). `no_row` is for neurons whose range already
 * has that sign. */
nc_status star_piece(star *s, int i, int sign, double alpha, int no_row, nc_err *e);

/* Over-approximates activation layer l on neuron i whose pre-activation
 * range is [lo, hi] (sound): a new variable y_i with the relaxation's rows.
 * Stable ReLU / LeakyReLU neurons are mapped exactly. */
nc_status star_approx(star *s, const net_layer *l, int i, double lo, double hi, nc_err *e);

/* Row  a . x + d  of the current values as an affine function of z:
 * G (nv entries) and g, with a rigorous bound `slack` on
 * |exact a . x + d - (G z + g)| for z in P's box. */
void star_row(const star *s, const double *a, double d, double *G, double *g, double *slack);

/* The approx-star domain: propagates the input set of case pc through n,
 * exact on affine layers and over-approximate on activations (star_approx,
 * neuron ranges by LP where the interval bound over P's box is undecided),
 * writing the box of every layer into b (met with what b holds when
 * `intersect`, else replacing it). With m > 0 also writes rigorous lower
 * bounds of the m rows C y + d (C: m x out_dim) by LP into lower. Past
 * `deadline` (clock_now(); 0: none) no further LPs are solved: the boxes
 * stay sound, only looser. */
nc_status star_propagate(const net *n, const prop_case *pc, bounds *b, int intersect, int m,
                         const double *C, const double *d, double *lower, double deadline,
                         nc_err *e);

#endif
