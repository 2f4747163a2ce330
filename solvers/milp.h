/* milp: the big-M mixed-integer encoding of a property case on GLPK, as a
 * fast search for counterexamples and a claim to be confirmed.
 *
 * Inputs range over the case's box and general input rows; every affine or
 * elementwise layer is an equality row per neuron; a ReLU / LeakyReLU
 * neuron whose pre-activation box [l, u] (from any sound domain, `b`) is
 * one-signed is the linear piece it is, and an unstable one gets a binary
 * d with  a >= z,  a >= alpha z,  a <= z - (1 - alpha) l (1 - d),
 * a <= alpha z + (1 - alpha) u d  (alpha = 0 for ReLU), the tightest big-M
 * the box allows. For one disjunct, t >= row_r(y) for each of its rows and
 * t is minimised: a minimum below zero is a point in the unsafe set.
 * GLPK works in floating point with tolerances, so nothing it says is
 * trusted: a minimiser is only a candidate for the exact check
 * (solvers/exact.h), and "no point below zero" is a claim the caller must
 * confirm by a rigorous method before saying "holds".
 * Sigmoid and Tanh are not piecewise linear: MILP_UNSUPPORTED.
 */
#ifndef NC_MILP_H
#define NC_MILP_H

#include "core/bounds.h"
#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"

typedef enum {
    MILP_BELOW,        /* a solution with t < 0 (its inputs in x) */
    MILP_ABOVE,        /* GLPK's claim: no solution with t < 0 */
    MILP_UNDECIDED,    /* time limit or solver failure */
    MILP_UNSUPPORTED   /* an activation that is not piecewise linear, or an
                          unstable neuron with an infinite bound */
} milp_outcome;

/* Minimises over disjunct k of case pc on n, with per-layer boxes b, until
 * `deadline` (clock_now() time; 0: none). x (n->in_dim) receives the
 * minimiser on MILP_BELOW; *binaries the number of binary variables. */
nc_status milp_disjunct(const net *n, const prop_case *pc, int k, const bounds *b,
                        double deadline, milp_outcome *oc, double *x, int *binaries, nc_err *e);

#endif
