#include "solvers/lp_dense.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Constraint i: rows first (a_i . z >= b_i), then the lower ends of the box
 * (z_j >= lo_j), then the upper ends (-z_j >= -hi_j). */
typedef struct {
    int n, mc;
    const double *A, *b, *lo, *hi;
} problem;

static void con_row(const problem *p, int i, double *a)
{
    int n = p->n;
    if (i < p->mc) {
        memcpy(a, &p->A[(size_t)i * n], (size_t)n * sizeof *a);
        return;
    }
    memset(a, 0, (size_t)n * sizeof *a);
    i -= p->mc;
    if (i < n) a[i] = 1.0;
    else a[i - n] = -1.0;
}

static double con_rhs(const problem *p, int i)
{
    if (i < p->mc) return p->b[i];
    i -= p->mc;
    return i < p->n ? p->lo[i] : -p->hi[i - p->n];
}

/* a_i . z - b_i, and |a_i| . |z| + |b_i| (the scale of the difference). */
static double con_slack(const problem *p, int i, const double *z, double *scale)
{
    int n = p->n;
    if (i < p->mc) {
        const double *a = &p->A[(size_t)i * n];
        double s = -p->b[i], t = fabs(p->b[i]);
        for (int j = 0; j < n; j++) s += a[j] * z[j], t += fabs(a[j] * z[j]);
        *scale = t;
        return s;
    }
    i -= p->mc;
    if (i < n) {
        *scale = fabs(z[i]) + fabs(p->lo[i]);
        return z[i] - p->lo[i];
    }
    *scale = fabs(z[i - n]) + fabs(p->hi[i - n]);
    return p->hi[i - n] - z[i - n];
}

/* Binv = B^-1 by Gauss-Jordan with partial pivoting (B is n x n, destroyed);
 * -1 when a pivot is negligible against its column. */
static int invert(int n, double *B, double *Binv)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) Binv[i * n + j] = i == j;
    for (int col = 0; col < n; col++) {
        int piv = col;
        double big = 0.0, norm = 0.0;
        for (int r = col; r < n; r++) {
            double v = fabs(B[r * n + col]);
            norm = fmax(norm, v);
            if (v > big) big = v, piv = r;
        }
        if (!(big > 1e-12) || !(big > 1e-9 * norm)) return -1;
        if (piv != col)
            for (int j = 0; j < n; j++) {
                double t = B[col * n + j];
                B[col * n + j] = B[piv * n + j], B[piv * n + j] = t;
                t = Binv[col * n + j];
                Binv[col * n + j] = Binv[piv * n + j], Binv[piv * n + j] = t;
            }
        double d = B[col * n + col];
        for (int j = 0; j < n; j++) B[col * n + j] /= d, Binv[col * n + j] /= d;
        for (int r = 0; r < n; r++) {
            if (r == col || B[r * n + col] == 0.0) continue;
            double f = B[r * n + col];
            for (int j = 0; j < n; j++) B[r * n + j] -= f * B[col * n + j], Binv[r * n + j] -= f * Binv[col * n + j];
        }
    }
    return 0;
}

lpd_status lpd_solve(int n, int mc, const double *A, const double *b, const double *c,
                     const double *lo, const double *hi, double *z, double *y)
{
    if (n < 1 || n > LPD_MAX_COLS || mc < 0) return LPD_FAILED;
    problem p = { .n = n, .mc = mc, .A = A, .b = b, .lo = lo, .hi = hi };
    int nc = mc + 2 * n;
    int W[LPD_MAX_COLS];
    double B[LPD_MAX_COLS * LPD_MAX_COLS], Binv[LPD_MAX_COLS * LPD_MAX_COLS];
    double yw[LPD_MAX_COLS], u[LPD_MAX_COLS], a[LPD_MAX_COLS], bw[LPD_MAX_COLS];
    char *in = calloc((size_t)nc, 1);
    if (!in) return LPD_FAILED;
    for (int j = 0; j < n; j++) {   /* the box corner minimising c: y = |c_j| >= 0 */
        if (!isfinite(lo[j]) || !isfinite(hi[j]) || lo[j] > hi[j]) {
            free(in);
            return LPD_FAILED;
        }
        W[j] = c[j] >= 0 ? mc + j : mc + n + j;
        in[W[j]] = 1;
    }
    lpd_status st = LPD_FAILED;
    int max_iter = 4 * nc + 50;
    for (int it = 0; it < max_iter; it++) {
        for (int k = 0; k < n; k++) {
            con_row(&p, W[k], &B[k * n]);
            bw[k] = con_rhs(&p, W[k]);
        }
        if (invert(n, B, Binv)) break;
        for (int j = 0; j < n; j++) {   /* z = Binv b_W,  y = Binv^T c */
            double s = 0.0;
            for (int k = 0; k < n; k++) s += Binv[j * n + k] * bw[k];
            z[j] = s;
        }
        for (int k = 0; k < n; k++) {
            double s = 0.0;
            for (int j = 0; j < n; j++) s += Binv[j * n + k] * c[j];
            yw[k] = s > 0 ? s : 0.0;   /* >= 0 up to rounding */
        }
        /* the most violated constraint, relative to its scale */
        int enter = -1;
        double worst = 0.0;
        for (int i = 0; i < nc; i++) {
            if (in[i]) continue;
            double scale, s = con_slack(&p, i, z, &scale);
            double r = s / (1.0 + scale);
            if (s < 0 && r < -1e-10 && r < worst) worst = r, enter = i;
        }
        if (enter < 0) {
            st = LPD_OPTIMAL;
            break;
        }
        con_row(&p, enter, a);
        double umax = 0.0;
        for (int k = 0; k < n; k++) {   /* a_enter = B^T u */
            double s = 0.0;
            for (int j = 0; j < n; j++) s += Binv[j * n + k] * a[j];
            u[k] = s;
            umax = fmax(umax, fabs(s));
        }
        int leave = -1;
        double ratio = INFINITY;
        for (int k = 0; k < n; k++) {
            if (!(u[k] > 1e-11 * umax)) continue;
            double q = yw[k] / u[k];
            if (q < ratio || (q == ratio && W[k] < W[leave])) ratio = q, leave = k;
        }
        if (leave < 0) {   /* the dual is unbounded along (e_enter - u): the rows are infeasible */
            memset(y, 0, (size_t)mc * sizeof *y);
            for (int k = 0; k < n; k++)
                if (W[k] < mc && u[k] < 0) y[W[k]] = -u[k];
            if (enter < mc) y[enter] = 1.0;
            st = LPD_INFEASIBLE;
            free(in);
            return st;
        }
        in[W[leave]] = 0;
        W[leave] = enter;
        in[enter] = 1;
    }
    if (st == LPD_OPTIMAL) {
        memset(y, 0, (size_t)mc * sizeof *y);
        for (int k = 0; k < n; k++)
            if (W[k] < mc) y[W[k]] = yw[k];
        for (int j = 0; j < n; j++) z[j] = z[j] < lo[j] ? lo[j] : z[j] > hi[j] ? hi[j] : z[j];
    }
    free(in);
    return st;
}
