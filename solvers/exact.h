/* exact: the exact re-check of a counterexample candidate (GMP/MPFR).
 *
 * The candidate x (doubles, i.e. exact rationals) is checked against the
 * real-valued network and the exact decimal property:
 *  - x lies in the case's input set: x_i within the inner box [lo_in, hi_in]
 *    (inside the exact decimal box by construction) and every general input
 *    row satisfies  a.x + d + cerr*sum|x_i| + derr <= 0  (< 0 when strict),
 *    which implies the exact decimal row holds;
 *  - y = f(x) is computed in exact rational arithmetic (mpq) for affine,
 *    ReLU, LeakyReLU and elementwise layers; Sigmoid and Tanh are enclosed
 *    by MPFR at EXACT_PREC bits with directed rounding, so y is known to lie
 *    in a rational box [ylo, yhi] (a point when the net is piecewise linear);
 *  - some disjunct of the unsafe set holds for *every* y in that box, with
 *    the rows' conversion errors added the same way.
 * Only when all three hold is the candidate a counterexample.
 */
#ifndef NC_EXACT_H
#define NC_EXACT_H

#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"

#define EXACT_PREC 256

typedef struct {
    int in_input;     /* x is in the case's input set */
    int disjunct;     /* index of an unsafe disjunct that holds, or -1 */
    double *y;        /* n->out_dim doubles nearest the exact outputs (owned) */
} exact_result;

/* Checks candidate x for case pc of a property on net n. On success fills
 * r (free with exact_result_free); the candidate is a counterexample iff
 * r->in_input && r->disjunct >= 0. */
nc_status exact_check(const net *n, const prop_case *pc, const double *x, exact_result *r,
                      nc_err *e);
void exact_result_free(exact_result *r);

/* Evaluates f(x) exactly and writes the doubles nearest the exact outputs
 * into y (midpoints of the enclosure for Sigmoid/Tanh nets). */
nc_status exact_eval(const net *n, const double *x, double *y, nc_err *e);

#endif
