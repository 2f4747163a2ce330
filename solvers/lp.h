/* lp: a polytope over boxed variables, minimised over by LP, with bounds
 * that hold in exact arithmetic. Few variables and a finite box: the dense
 * simplex of solvers/lp_dense.h; otherwise (or when it fails) GLPK.
 *
 * P = { z : lo <= z <= hi,  rl_r <= R_r z <= ru_r for every row r }.
 * The rows and the box are doubles and mean exactly the rationals they
 * denote. Both solvers work in floating point with tolerances, so an
 * optimum is never taken on trust: lp_min_max turns the solver's row duals
 * y into a bound that holds for ANY y (Neumaier and Shcherbina, "Safe bounds
 * in linear and mixed-integer programming", Math. Prog. 2004):
 *     c . z = y . (R z) + (c - R^T y) . z
 *          >= sum_r min_{rl_r <= rho <= ru_r} y_r rho
 *           + sum_j min_{lo_j <= z_j <= hi_j} (c - R^T y)_j z_j,
 * evaluated with every rounding bounded (core/fpround.h), with y_r set to 0
 * where its side of the row is infinite. The bound is finite whenever the
 * box is, and close to the optimum when y is close to optimal; a solver
 * failure (time limit, numerical trouble) only makes it -inf.
 *
 * The dense solver's "infeasible" is a dual ray, trusted only when the same
 * bound with a zero objective is above zero (then *lower = +inf).
 * One lp object keeps its GLPK problem (built on first need) and basis
 * between calls, so successive GLPK minimisations over the same P are
 * warm-started. An lp is used
 * by one thread at a time. GLPK keeps its memory per thread, so an lp that
 * moves to another thread must first be released (lp_release) by the
 * thread that used it: the next user rebuilds the problem from our copy of
 * the rows, with the saved basis. GLPK's terminal output is off.
 * Ownership: an lp owns its GLPK problem and its copy of the rows.
 */
#ifndef NC_LP_H
#define NC_LP_H

#include "core/err.h"

typedef struct lp lp;

/* P = the box [lo, hi] over n variables (ends may be infinite). */
lp *lp_new(int n, const double *lo, const double *hi, nc_err *e);
/* An independent copy (rows, box and the current basis). */
lp *lp_copy(const lp *p, nc_err *e);
/* Frees the GLPK problem (keeping rows, box and basis); any thread may use
 * or free the lp afterwards. */
void lp_release(lp *p);
void lp_free(lp *p);

int lp_cols(const lp *p);
int lp_rows(const lp *p);

/* Adds the row  rl <= a . z <= ru  (a: n entries; either end may be
 * infinite, not both). */
nc_status lp_add_row(lp *p, const double *a, double rl, double ru, nc_err *e);

/* Adds a variable with box [lo, hi] (coefficient 0 in the existing rows);
 * returns its index, or -1 when out of memory (e set). */
int lp_add_col(lp *p, double lo, double hi, nc_err *e);

/* Row r as a dense vector a (n entries) with its ends. */
void lp_get_row(const lp *p, int r, double *a, double *rl, double *ru);

/* Tightens the box of variable j to [lo, hi] intersected with the old one. */
void lp_tighten(lp *p, int j, double lo, double hi);
const double *lp_lo(const lp *p);
const double *lp_hi(const lp *p);

typedef enum {
    LP_BOUND,    /* *lower is a rigorous bound from an optimal solve */
    LP_EMPTY,    /* the solver found P empty (*lower is still rigorous, maybe -inf) */
    LP_FAILED    /* no usable solve (time limit, numerical failure): *lower = -inf */
} lp_outcome;

/* A rigorous lower bound on  min_{z in P} max_{r < m} (G_r . z + g_r)
 * (G: m x n row-major). x, if non-NULL, receives the solver's minimiser
 * (clamped to the box) when the solve succeeded. `deadline` is a
 * clock_now() time (0: none) that also limits GLPK. With m == 1 this is the
 * minimum of one affine function. */
lp_outcome lp_min_max(lp *p, int m, const double *G, const double *g, double deadline,
                      double *lower, double *x);

/* 1 when P is proved empty: the largest violation of its rows,
 * max_r max(rl_r - R_r z, R_r z - ru_r), has a rigorous lower bound above
 * zero over P's box (an LP that is always feasible, so its duals give a
 * useful bound where the solver's "infeasible" proves nothing); 0 when not
 * proved (-1 when out of memory). */
int lp_prove_empty(const lp *p, double deadline);

/* Frees this thread's GLPK environment. A thread that used lps calls it
 * before it exits (GLPK keeps per-thread memory that is otherwise lost),
 * after freeing or releasing every lp it used. */
void lp_thread_done(void);

/* Solver calls made by this thread (all lps), and how many of them failed
 * for numerical reasons (their bounds were -inf; solves cut by the
 * deadline are not counted), for statistics. */
long lp_solves(void);
long lp_failures(void);

#endif
