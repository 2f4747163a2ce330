/* lp_dense: a small dense LP solver for few variables and a bounded box.
 *
 *     minimise c . z   subject to   a_i . z >= b_i  (i < mc),   lo <= z <= hi,
 *
 * with n <= LPD_MAX_COLS variables and every lo, hi finite (star sets over
 * a low-dimensional input box: ACAS Xu's five inputs). It is the dual
 * simplex in active-set form: a basis is n constraints held with equality
 * (rows or box ends), whose vertex z solves B z = b_B and whose multipliers
 * solve B^T y = c. The start, the box corner minimising c, has y >= 0 (dual
 * feasible); each step brings in the most violated constraint and drops
 * the basic one that keeps y >= 0 (ratio test), raising the dual
 * objective, until z is feasible (optimal) or no constraint can leave
 * (the rows are infeasible: a ray of the dual is returned).
 * The basis matrix is factorised afresh at every step (n^3 flops, nothing
 * accumulates), so there is no drift; no tolerance decides soundness, as
 * callers turn the multipliers into rigorous bounds (solvers/lp.h).
 * A general-purpose solver (GLPK) is used for everything else.
 */
#ifndef NC_LP_DENSE_H
#define NC_LP_DENSE_H

#define LPD_MAX_COLS 16

typedef enum {
    LPD_OPTIMAL,      /* z optimal (to tolerances), y its multipliers */
    LPD_INFEASIBLE,   /* y is a dual ray: y >= 0 on rows, sum y_i a_i ~ 0 on the
                         box directions, sum y_i b_i > max over the box */
    LPD_FAILED        /* singular basis or iteration limit: nothing usable */
} lpd_status;

/* A (mc x n, row-major), b (mc), c, lo, hi (n). On LPD_OPTIMAL z (n)
 * receives the vertex and y (mc) the rows' multipliers (>= 0; those of box
 * ends are implicit: c - A^T y); on LPD_INFEASIBLE y receives the ray. */
lpd_status lpd_solve(int n, int mc, const double *A, const double *b, const double *c,
                     const double *lo, const double *hi, double *z, double *y);

#endif
