/* LP: the dense solver and lp_min_max against brute-force vertex
 * enumeration on random small polytopes (optimum, emptiness), and the
 * rigour of lp_min_max's bounds at sampled feasible points. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "solvers/lp.h"
#include "solvers/lp_dense.h"

#define MAXN 4       /* a polytope's variables */
#define MAXV 5       /* enumeration: the variables and t */
#define MAXC 32

/* Solves the n x n system M z = r by Gaussian elimination; -1 if singular. */
static int solve_sq(int n, double M[MAXV][MAXV + 1], double *z)
{
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(M[r][c]) > fabs(M[p][c])) p = r;
        if (fabs(M[p][c]) < 1e-9) return -1;
        for (int j = 0; j <= n; j++) {
            double t = M[c][j];
            M[c][j] = M[p][j], M[p][j] = t;
        }
        for (int r = 0; r < n; r++) {
            if (r == c) continue;
            double f = M[r][c] / M[c][c];
            for (int j = c; j <= n; j++) M[r][j] -= f * M[c][j];
        }
    }
    for (int c = 0; c < n; c++) z[c] = M[c][n] / M[c][c];
    return 0;
}

/* min c.z over {a_i z >= b_i} (rows and box ends as constraints) by trying
 * every n-subset of constraints as a vertex; +inf when none is feasible. */
static double brute_min(int n, int nc, double A[MAXC][MAXV], const double *b, const double *c)
{
    double best = INFINITY;
    int idx[MAXV];
    for (int i = 0; i < n; i++) idx[i] = i;
    for (;;) {
        double M[MAXV][MAXV + 1], z[MAXV];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < n; j++) M[r][j] = A[idx[r]][j];
            M[r][n] = b[idx[r]];
        }
        if (solve_sq(n, M, z) == 0) {
            int ok = 1;
            for (int i = 0; i < nc && ok; i++) {
                double s = -b[i];
                for (int j = 0; j < n; j++) s += A[i][j] * z[j];
                ok = s >= -1e-7 * (1 + fabs(b[i]));
            }
            double v = 0;
            for (int j = 0; j < n; j++) v += c[j] * z[j];
            if (ok && v < best) best = v;
        }
        int k = n - 1;   /* next subset */
        while (k >= 0 && idx[k] == nc - n + k) k--;
        if (k < 0) break;
        idx[k]++;
        for (int j = k + 1; j < n; j++) idx[j] = idx[j - 1] + 1;
    }
    return best;
}

typedef struct {
    int n, m;
    double lo[MAXN], hi[MAXN], R[MAXC][MAXN], rl[MAXC], ru[MAXC];
} poly;

/* A random polytope: a box, and m rows through (or, with `shift`, pushed
 * away from) a point of it; some rows two-sided, some equalities. */
static void random_poly(rng *r, poly *p, double shift)
{
    p->n = 1 + (int)(rng_unif(r) * MAXN);
    if (p->n > MAXN) p->n = MAXN;
    p->m = (int)(rng_unif(r) * 7);
    double x0[MAXN];
    for (int j = 0; j < p->n; j++) {
        p->lo[j] = rng_normal(r);
        p->hi[j] = p->lo[j] + 0.1 + 2 * rng_unif(r);
        x0[j] = p->lo[j] + rng_unif(r) * (p->hi[j] - p->lo[j]);
    }
    for (int i = 0; i < p->m; i++) {
        double s = 0;
        for (int j = 0; j < p->n; j++) s += (p->R[i][j] = rng_normal(r)) * x0[j];
        double u = rng_unif(r);
        p->rl[i] = u < 0.4 ? s - rng_unif(r) + shift : -INFINITY;
        p->ru[i] = u >= 0.3 ? s + rng_unif(r) - shift : INFINITY;
        if (u > 0.95) p->rl[i] = p->ru[i] = s;
        if (p->rl[i] > p->ru[i]) p->ru[i] = INFINITY;
    }
}

/* The polytope as constraints a . z >= b (rows' finite ends, then the box). */
static int as_constraints(const poly *p, double A[MAXC][MAXV], double *b)
{
    int k = 0;
    for (int i = 0; i < p->m; i++) {
        if (isfinite(p->rl[i])) {
            for (int j = 0; j < p->n; j++) A[k][j] = p->R[i][j];
            b[k++] = p->rl[i];
        }
        if (isfinite(p->ru[i])) {
            for (int j = 0; j < p->n; j++) A[k][j] = -p->R[i][j];
            b[k++] = -p->ru[i];
        }
    }
    for (int j = 0; j < p->n; j++) {
        for (int q = 0; q < p->n; q++) A[k][q] = q == j, A[k + 1][q] = -(q == j);
        b[k] = p->lo[j], b[k + 1] = -p->hi[j];
        k += 2;
    }
    return k;
}

Test(lp, dense_solver_matches_vertex_enumeration)
{
    rng r;
    rng_seed(&r, 5);
    int optimal = 0, infeasible = 0;
    for (int trial = 0; trial < 3000; trial++) {
        poly p;
        random_poly(&r, &p, trial % 3 == 0 ? 0.8 : 0.0);
        double A[MAXC][MAXV], b[MAXC], c[MAXN], z[MAXN], y[MAXC];
        int nc = as_constraints(&p, A, b), mc = nc - 2 * p.n;
        double flat[MAXC * MAXN];
        for (int i = 0; i < mc; i++)
            for (int j = 0; j < p.n; j++) flat[i * p.n + j] = A[i][j];
        for (int j = 0; j < p.n; j++) c[j] = trial % 7 == 0 && j == 0 ? 0.0 : rng_normal(&r);
        double want = brute_min(p.n, nc, A, b, c);
        lpd_status st = lpd_solve(p.n, mc, flat, b, c, p.lo, p.hi, z, y);
        cr_assert_neq(st, LPD_FAILED, "trial %d", trial);
        if (!isfinite(want)) {
            cr_assert_eq(st, LPD_INFEASIBLE, "trial %d: empty by enumeration", trial);
            infeasible++;
            continue;
        }
        cr_assert_eq(st, LPD_OPTIMAL, "trial %d: feasible by enumeration", trial);
        double got = 0;
        for (int j = 0; j < p.n; j++) got += c[j] * z[j];
        cr_assert(fabs(got - want) <= 1e-6 * (1 + fabs(want)), "trial %d: %g vs %g", trial, got, want);
        for (int i = 0; i < mc; i++) cr_assert_geq(y[i], 0.0);
        optimal++;
    }
    cr_log_info("dense LP: %d optimal, %d infeasible", optimal, infeasible);
    cr_assert_gt(optimal, 1000);
    cr_assert_gt(infeasible, 100);
}

/* lp_min_max on the same polytopes, with one row and with three (the max
 * of rows): its bound is below every feasible sample, close to the
 * enumerated optimum, and +inf or LP_EMPTY only on empty polytopes. Run
 * through the dense solver (few columns) and through GLPK (the same
 * polytope padded with unconstrained-by-rows columns beyond its limit). */
static void min_max_case(int pad)
{
    rng r;
    rng_seed(&r, 17 + pad);
    int tight = 0, total = 0;
    for (int trial = 0; trial < 600; trial++) {
        poly p;
        random_poly(&r, &p, trial % 4 == 0 ? 0.8 : 0.0);
        int n = p.n + pad;
        double lo[MAXN + LPD_MAX_COLS], hi[MAXN + LPD_MAX_COLS];
        for (int j = 0; j < n; j++) lo[j] = j < p.n ? p.lo[j] : 0.0, hi[j] = j < p.n ? p.hi[j] : 1.0;
        nc_err e;
        lp *P = lp_new(n, lo, hi, &e);
        cr_assert_not_null(P);
        for (int i = 0; i < p.m; i++) {
            double a[MAXN + LPD_MAX_COLS] = { 0 };
            for (int j = 0; j < p.n; j++) a[j] = p.R[i][j];
            cr_assert_eq(lp_add_row(P, a, p.rl[i], p.ru[i], &e), NC_OK);
        }
        int m = trial % 2 ? 3 : 1;
        double G[3 * (MAXN + LPD_MAX_COLS)] = { 0 }, g[3];
        for (int k = 0; k < m; k++) {
            for (int j = 0; j < p.n; j++) G[k * n + j] = rng_normal(&r);
            g[k] = rng_normal(&r);
        }
        double lower, x[MAXN + LPD_MAX_COLS];
        lp_outcome oc = lp_min_max(P, m, G, g, 0.0, &lower, x);
        double A[MAXC][MAXV], b[MAXC];
        int nc = as_constraints(&p, A, b);
        double want;
        if (m == 1) {
            want = brute_min(p.n, nc, A, b, G) + g[0];
        } else {   /* min t over (z, t): t - G_k z >= g_k, |t| <= 1e6 */
            int nt = p.n + 1;
            for (int i = 0; i < nc; i++) A[i][p.n] = 0.0;
            for (int k = 0; k < m; k++, nc++) {
                for (int j = 0; j < p.n; j++) A[nc][j] = -G[k * n + j];
                A[nc][p.n] = 1.0;
                b[nc] = g[k];
            }
            for (int s2 = 0; s2 < 2; s2++, nc++) {
                for (int j = 0; j < p.n; j++) A[nc][j] = 0.0;
                A[nc][p.n] = s2 ? -1.0 : 1.0;
                b[nc] = -1e6;
            }
            double ct[MAXV] = { 0 };
            ct[p.n] = 1.0;
            want = brute_min(nt, nc, A, b, ct);
        }
        if (!isfinite(want)) {
            cr_assert(oc == LP_EMPTY || lower == INFINITY, "trial %d: empty polytope", trial);
            lp_free(P);
            continue;
        }
        cr_assert_neq(oc, LP_FAILED, "trial %d", trial);
        /* rigour: below the objective at feasible samples */
        for (int s = 0; s < 200; s++) {
            double z[MAXN];
            for (int j = 0; j < p.n; j++) z[j] = p.lo[j] + rng_unif(&r) * (p.hi[j] - p.lo[j]);
            int ok = 1;
            for (int i = 0; i < p.m && ok; i++) {
                double v = 0;
                for (int j = 0; j < p.n; j++) v += p.R[i][j] * z[j];
                ok = v >= p.rl[i] && v <= p.ru[i];
            }
            if (!ok) continue;
            double f = -INFINITY;
            for (int k = 0; k < m; k++) {
                double v = g[k];
                for (int j = 0; j < p.n; j++) v += G[k * n + j] * z[j];
                f = fmax(f, v);
            }
            cr_assert_leq(lower, f, "trial %d: bound above a feasible point", trial);
        }
        if (oc == LP_BOUND) {
            cr_assert_leq(lower, want + 1e-9 * (1 + fabs(want)), "trial %d", trial);
            total++;
            tight += lower >= want - 1e-6 * (1 + fabs(want));
        }
        lp_free(P);
    }
    cr_log_info("lp_min_max (pad %d): %d of %d bounds within 1e-6 of the optimum", pad, tight, total);
    cr_assert_eq(tight, total);
}

Test(lp, min_max_dense_is_rigorous_and_tight) { min_max_case(0); }
Test(lp, min_max_glpk_is_rigorous_and_tight) { min_max_case(LPD_MAX_COLS); }
