#include "solvers/lp.h"

#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/fpround.h"
#include "domains/interval.h"
#include "solvers/lp_dense.h"

/* One stored row: rl <= sum val[k] z[idx[k]] <= ru (idx 0-based). */
typedef struct {
    int nnz;
    int *idx;
    double *val;
    double rl, ru;
} lp_row;

struct lp {
    int n, m, cap;
    double *lo, *hi;
    lp_row *rows;
    glp_prob *P;     /* NULL after lp_release until the next use */
    int *stat;       /* saved basis: rows then columns (1-based GLPK codes), or NULL */
    int stat_m, stat_n;   /* the rows and columns it was saved with */
};

static _Thread_local long solves, failures;

long lp_solves(void) { return solves; }

void lp_thread_done(void) { glp_free_env(); }
long lp_failures(void) { return failures; }

static void quiet(void)
{
    static _Thread_local int done;
    if (!done) {
        glp_term_out(GLP_OFF);
        done = 1;
    }
}

static int bound_type(double lo, double hi)
{
    int fl = isfinite(lo), fh = isfinite(hi);
    if (fl && fh) return lo == hi ? GLP_FX : GLP_DB;
    if (fl) return GLP_LO;
    if (fh) return GLP_UP;
    return GLP_FR;
}

static void set_col(glp_prob *P, int j, double lo, double hi)
{
    glp_set_col_bnds(P, j + 1, bound_type(lo, hi), isfinite(lo) ? lo : 0.0,
                     isfinite(hi) ? hi : 0.0);
}

lp *lp_new(int n, const double *lo, const double *hi, nc_err *e)
{
    quiet();
    lp *p = err_calloc(e, 1, sizeof *p);
    if (!p) return NULL;
    p->n = n;
    p->lo = err_calloc(e, (size_t)n + 1, sizeof *p->lo);
    p->hi = err_calloc(e, (size_t)n + 1, sizeof *p->hi);
    if (!p->lo || !p->hi) {
        lp_free(p);
        return NULL;
    }
    memcpy(p->lo, lo, (size_t)n * sizeof *lo);
    memcpy(p->hi, hi, (size_t)n * sizeof *hi);
    return p;   /* the GLPK problem is built on first need (ensure) */
}

static void row_clear(lp_row *r)
{
    free(r->idx), free(r->val);
}

lp *lp_copy(const lp *q, nc_err *e)
{
    lp *p = lp_new(q->n, q->lo, q->hi, e);
    if (!p) return NULL;
    if (q->P) {
        p->P = glp_create_prob();
        glp_copy_prob(p->P, q->P, GLP_OFF);
    } else {   /* rebuilt from the rows below on first use */
        if (q->stat) {
            p->stat = err_calloc(e, (size_t)q->stat_m + q->stat_n + 1, sizeof *p->stat);
            if (!p->stat) {
                lp_free(p);
                return NULL;
            }
            memcpy(p->stat, q->stat, ((size_t)q->stat_m + q->stat_n) * sizeof *p->stat);
            p->stat_m = q->stat_m, p->stat_n = q->stat_n;
        }
    }
    p->rows = err_calloc(e, (size_t)q->m + 1, sizeof *p->rows);
    if (!p->rows) {
        lp_free(p);
        return NULL;
    }
    p->cap = q->m + 1;
    for (int r = 0; r < q->m; r++) {
        const lp_row *s = &q->rows[r];
        lp_row *d = &p->rows[r];
        *d = *s;
        d->idx = err_calloc(e, (size_t)s->nnz + 1, sizeof *d->idx);
        d->val = err_calloc(e, (size_t)s->nnz + 1, sizeof *d->val);
        p->m = r + 1;
        if (!d->idx || !d->val) {
            lp_free(p);
            return NULL;
        }
        memcpy(d->idx, s->idx, (size_t)s->nnz * sizeof *d->idx);
        memcpy(d->val, s->val, (size_t)s->nnz * sizeof *d->val);
    }
    return p;
}

void lp_free(lp *p)
{
    if (!p) return;
    for (int r = 0; r < p->m; r++) row_clear(&p->rows[r]);
    free(p->rows);
    free(p->lo), free(p->hi), free(p->stat);
    if (p->P) glp_delete_prob(p->P);
    free(p);
}

void lp_release(lp *p)
{
    if (!p->P) return;
    free(p->stat);
    p->stat = malloc(((size_t)p->m + p->n + 1) * sizeof *p->stat);
    if (p->stat) {
        for (int r = 0; r < p->m; r++) p->stat[r] = glp_get_row_stat(p->P, r + 1);
        for (int j = 0; j < p->n; j++) p->stat[p->m + j] = glp_get_col_stat(p->P, j + 1);
        p->stat_m = p->m, p->stat_n = p->n;
    }
    glp_delete_prob(p->P);
    p->P = NULL;
}

/* Appends a row to GLPK only (1-based index arrays of length nnz + 1). */
static int glpk_row(glp_prob *P, int nnz, const int *idx1, const double *val1, double rl, double ru);

/* The GLPK problem, rebuilt in this thread after lp_release; 0 or -1. */
static int ensure(lp *p)
{
    if (p->P) return 0;
    quiet();
    p->P = glp_create_prob();
    glp_set_obj_dir(p->P, GLP_MIN);
    if (p->n > 0) glp_add_cols(p->P, p->n);
    for (int j = 0; j < p->n; j++) set_col(p->P, j, p->lo[j], p->hi[j]);
    int *idx1 = malloc(((size_t)p->n + 1) * sizeof *idx1);
    double *val1 = malloc(((size_t)p->n + 1) * sizeof *val1);
    if (!idx1 || !val1) {
        free(idx1), free(val1);
        glp_delete_prob(p->P);
        p->P = NULL;
        return -1;
    }
    for (int r = 0; r < p->m; r++) {
        const lp_row *row = &p->rows[r];
        for (int k = 0; k < row->nnz; k++) idx1[k + 1] = row->idx[k] + 1, val1[k + 1] = row->val[k];
        glpk_row(p->P, row->nnz, idx1, val1, row->rl, row->ru);
    }
    free(idx1), free(val1);
    if (p->stat) {
        /* rows and columns added since are basic / at their bound (GLPK's defaults) */
        for (int r = 0; r < p->stat_m && r < p->m; r++) glp_set_row_stat(p->P, r + 1, p->stat[r]);
        for (int j = 0; j < p->stat_n && j < p->n; j++)
            glp_set_col_stat(p->P, j + 1, p->stat[p->stat_m + j]);
        free(p->stat);
        p->stat = NULL;
    }
    return 0;
}

int lp_cols(const lp *p) { return p->n; }
int lp_rows(const lp *p) { return p->m; }
const double *lp_lo(const lp *p) { return p->lo; }
const double *lp_hi(const lp *p) { return p->hi; }

int lp_add_col(lp *p, double lo, double hi, nc_err *e)
{
    double *l = err_realloc(e, p->lo, (size_t)p->n + 2, sizeof *l);
    if (!l) return -1;
    p->lo = l;
    double *h = err_realloc(e, p->hi, (size_t)p->n + 2, sizeof *h);
    if (!h) return -1;
    p->hi = h;
    p->lo[p->n] = lo, p->hi[p->n] = hi;
    if (p->P) {
        glp_add_cols(p->P, 1);
        set_col(p->P, p->n, lo, hi);
    }
    return p->n++;
}

void lp_get_row(const lp *p, int r, double *a, double *rl, double *ru)
{
    const lp_row *row = &p->rows[r];
    memset(a, 0, (size_t)p->n * sizeof *a);
    for (int k = 0; k < row->nnz; k++) a[row->idx[k]] = row->val[k];
    *rl = row->rl, *ru = row->ru;
}

void lp_tighten(lp *p, int j, double lo, double hi)
{
    if (lo > p->lo[j]) p->lo[j] = lo;
    if (hi < p->hi[j]) p->hi[j] = hi;
    if (p->lo[j] > p->hi[j]) p->hi[j] = p->lo[j];   /* empty: keep GLPK's bounds legal */
    if (p->P) set_col(p->P, j, p->lo[j], p->hi[j]);
}

/* Appends a row to GLPK only (1-based index arrays of length nnz + 1). */
static int glpk_row(glp_prob *P, int nnz, const int *idx1, const double *val1, double rl, double ru)
{
    int i = glp_add_rows(P, 1);
    glp_set_row_bnds(P, i, bound_type(rl, ru), isfinite(rl) ? rl : 0.0, isfinite(ru) ? ru : 0.0);
    glp_set_mat_row(P, i, nnz, idx1, val1);
    return i;
}

nc_status lp_add_row(lp *p, const double *a, double rl, double ru, nc_err *e)
{
    if (p->m == p->cap) {
        int cap = p->cap ? 2 * p->cap : 16;
        lp_row *v = err_realloc(e, p->rows, (size_t)cap, sizeof *v);
        if (!v) return e->code;
        p->rows = v;
        p->cap = cap;
    }
    lp_row *r = &p->rows[p->m];
    memset(r, 0, sizeof *r);
    int nnz = 0;
    for (int j = 0; j < p->n; j++) nnz += a[j] != 0.0;
    /* index 0 unused: GLPK's arrays are 1-based, ours are stored 0-based after it */
    int *idx1 = err_calloc(e, (size_t)nnz + 1, sizeof *idx1);
    double *val1 = err_calloc(e, (size_t)nnz + 1, sizeof *val1);
    if (!idx1 || !val1) {
        free(idx1), free(val1);
        return e->code;
    }
    int k = 0;
    for (int j = 0; j < p->n; j++)
        if (a[j] != 0.0) {
            k++;
            idx1[k] = j + 1;
            val1[k] = a[j];
        }
    if (p->P) glpk_row(p->P, nnz, idx1, val1, rl, ru);
    /* keep them 0-based for ourselves */
    for (k = 0; k < nnz; k++) {
        idx1[k] = idx1[k + 1] - 1;
        val1[k] = val1[k + 1];
    }
    r->nnz = nnz, r->idx = idx1, r->val = val1, r->rl = rl, r->ru = ru;
    p->m++;
    return NC_OK;
}

/* Lower end of [dlo, dhi] * [lo, hi], with 0 * inf = 0; rounding is left
 * to the caller's sum (each product is one rounded operation). */
static double prod_lower(double dlo, double dhi, double lo, double hi)
{
    double best = INFINITY;
    double ds[2] = { dlo, dhi }, zs[2] = { lo, hi };
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            double t = (ds[a] == 0.0 || zs[b] == 0.0) ? 0.0 : ds[a] * zs[b];
            if (t < best) best = t;
        }
    return best;
}

/* The safe bound for objective c (ncols entries incl. any auxiliary
 * column, whose box is tlo/thi) plus constant c0, from row duals ydual (any
 * values: the stored rows', then those of `m_aux` auxiliary rows described
 * by (G_r, -1 on t, ru = -g_r); > 0 prices the lower end, < 0 the upper). */
static double safe_bound(const lp *p, const double *c, double c0, int m_aux, const double *G,
                         const double *g, double tlo, double thi, const double *ydual)
{
    int n = p->n, nc = n + (m_aux > 0);
    double *d = calloc((size_t)nc, sizeof *d), *ad = calloc((size_t)nc, sizeof *ad);
    if (!d || !ad) {
        free(d), free(ad);
        return -INFINITY;
    }
    for (int j = 0; j < nc; j++) {
        d[j] = c[j];
        ad[j] = fabs(c[j]);
    }
    fpr_sum total = { 0 };
    fpr_sum_add(&total, c0);
    int terms = 1;
    for (int r = 0; r < p->m + m_aux; r++) {
        double y = ydual[r];
        double rl, ru;
        if (r < p->m) rl = p->rows[r].rl, ru = p->rows[r].ru;
        else rl = -INFINITY, ru = -g[r - p->m];
        if (!isfinite(y) || (y > 0 && !isfinite(rl)) || (y < 0 && !isfinite(ru))) y = 0.0;
        if (y == 0.0) continue;
        terms++;
        fpr_sum_add(&total, y > 0 ? y * rl : y * ru);
        if (r < p->m) {
            const lp_row *row = &p->rows[r];
            for (int k = 0; k < row->nnz; k++) {
                double t = y * row->val[k];
                d[row->idx[k]] -= t;
                ad[row->idx[k]] += fabs(t);
            }
        } else {
            const double *a = &G[(size_t)(r - p->m) * n];
            for (int j = 0; j < n; j++) {
                double t = y * a[j];
                d[j] -= t;
                ad[j] += fabs(t);
            }
            d[n] += y;   /* the row has -1 on t */
            ad[n] += fabs(y);
        }
    }
    for (int j = 0; j < nc; j++) {
        double err = fpr_dot_err(terms, ad[j], terms);
        double lo = j < n ? p->lo[j] : tlo, hi = j < n ? p->hi[j] : thi;
        fpr_sum_add(&total, prod_lower(fpr_down(d[j] - err), fpr_up(d[j] + err), lo, hi));
    }
    free(d), free(ad);
    return fpr_sum_lower(&total);
}

/* Runs the simplex from the current basis, repairing it if needed. */
static int run_simplex(glp_prob *P, double deadline)
{
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.meth = GLP_DUALP;
    if (deadline > 0) {
        double left = deadline - clock_now();
        if (left <= 0) return -1;
        parm.tm_lim = left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
    }
    solves++;
    int ret = glp_simplex(P, &parm);
    if (ret == GLP_EBADB || ret == GLP_ESING || ret == GLP_ECOND) {
        glp_adv_basis(P, 0);
        ret = glp_simplex(P, &parm);
        if (ret == GLP_EBADB || ret == GLP_ESING || ret == GLP_ECOND) {
            glp_std_basis(P);
            ret = glp_simplex(P, &parm);
        }
    }
    return ret;
}

/* Every row's dual from GLPK's solution (the stored rows, then m_aux
 * auxiliary ones); NULL when out of memory. */
static double *glpk_duals(const lp *p, int m_aux)
{
    double *y = malloc(((size_t)p->m + m_aux + 1) * sizeof *y);
    for (int r = 0; y && r < p->m + m_aux; r++) y[r] = glp_get_row_dual(p->P, r + 1);
    return y;
}

/* lp_min_max by the dense solver (solvers/lp_dense.h) for few columns and
 * a finite box: constraints a . z >= b from the stored rows' finite ends
 * and the auxiliary rows, then the multipliers back to row duals for
 * safe_bound. Returns LP_FAILED when the solver gives nothing usable (the
 * caller then asks GLPK). */
static lp_outcome dense_min_max(lp *p, int m, const double *G, const double *g, const double *c,
                                double c0, double tlo, double thi, double *lower, double *x)
{
    int n = p->n, nv = n + (m > 1), mc = 0;
    for (int r = 0; r < p->m; r++) mc += isfinite(p->rows[r].rl) + isfinite(p->rows[r].ru);
    if (m > 1) mc += m;
    double *A = calloc((size_t)mc * nv + 1, sizeof *A), *b = calloc((size_t)mc + 1, sizeof *b);
    double *mu = calloc((size_t)mc + 1, sizeof *mu);
    double *yd = calloc((size_t)p->m + (m > 1 ? m : 0) + 1, sizeof *yd);
    int *of = calloc((size_t)mc + 1, sizeof *of);   /* constraint -> row, negative: upper end */
    double lo[LPD_MAX_COLS], hi[LPD_MAX_COLS], z[LPD_MAX_COLS];
    lp_outcome out = LP_FAILED;
    if (!A || !b || !mu || !yd || !of) goto done;
    memcpy(lo, p->lo, (size_t)n * sizeof *lo);
    memcpy(hi, p->hi, (size_t)n * sizeof *hi);
    if (m > 1) lo[n] = tlo, hi[n] = thi;
    int k = 0;
    for (int r = 0; r < p->m; r++) {
        const lp_row *row = &p->rows[r];
        for (int side = 0; side < 2; side++) {
            double end = side ? row->ru : row->rl, sg = side ? -1.0 : 1.0;
            if (!isfinite(end)) continue;
            for (int q = 0; q < row->nnz; q++) A[(size_t)k * nv + row->idx[q]] = sg * row->val[q];
            b[k] = sg * end;
            of[k++] = side ? -(r + 1) : r + 1;
        }
    }
    for (int r = 0; m > 1 && r < m; r++) {   /* t - G_r z >= g_r */
        for (int j = 0; j < n; j++) A[(size_t)k * nv + j] = -G[(size_t)r * n + j];
        A[(size_t)k * nv + n] = 1.0;
        b[k] = g[r];
        of[k++] = -(p->m + r + 1);
    }
    solves++;
    lpd_status st = lpd_solve(nv, mc, A, b, c, lo, hi, z, mu);
    if (st == LPD_FAILED) goto done;
    for (int i = 0; i < mc; i++) {
        int r = of[i] > 0 ? of[i] - 1 : -of[i] - 1;
        yd[r] += of[i] > 0 ? mu[i] : -mu[i];
    }
    int m_aux = m > 1 ? m : 0;
    if (st == LPD_OPTIMAL) {
        *lower = safe_bound(p, c, c0, m_aux, G, g, tlo, thi, yd);
        if (x) memcpy(x, z, (size_t)n * sizeof *x);
        out = LP_BOUND;
    } else {   /* a ray: P is empty when it bounds the objective 0 above zero */
        double *zero = calloc((size_t)nv, sizeof *zero);
        double *none = calloc((size_t)p->m + m_aux + 1, sizeof *none);
        if (zero && none && safe_bound(p, zero, 0.0, m_aux, G, g, tlo, thi, yd) > 0)
            *lower = INFINITY;
        else if (zero && none)
            *lower = safe_bound(p, c, c0, m_aux, G, g, tlo, thi, none);   /* the box alone */
        free(zero), free(none);
        out = LP_EMPTY;
    }
done:
    free(A), free(b), free(mu), free(yd), free(of);
    return out;
}

/* Objective c (n + 1 entries) and t's box for lp_min_max's m rows:
 * G_0 itself when m == 1, else the column t >= every row. */
static void objective(const lp *p, int m, const double *G, const double *g, double *c, double *c0,
                      double *tlo, double *thi)
{
    int n = p->n;
    *tlo = *thi = *c0 = 0.0;
    memset(c, 0, ((size_t)n + 1) * sizeof *c);
    if (m == 1) {
        memcpy(c, G, (size_t)n * sizeof *c);
        *c0 = g[0];
        return;
    }
    *tlo = -INFINITY, *thi = -INFINITY;   /* the box of t holds max_r over P */
    for (int r = 0; r < m; r++) {
        double l = itv_row_lower(&G[(size_t)r * n], g[r], n, p->lo, p->hi);
        double u = itv_row_upper(&G[(size_t)r * n], g[r], n, p->lo, p->hi);
        if (l > *tlo) *tlo = l;
        if (u > *thi) *thi = u;
    }
    c[n] = 1.0;
}

/* 1 when the dense solver applies: few columns, a finite box. */
static int dense_fits(const lp *p, int m, double tlo, double thi)
{
    if (p->n < 1 || p->n + (m > 1) > LPD_MAX_COLS) return 0;
    for (int j = 0; j < p->n; j++)
        if (!isfinite(p->lo[j]) || !isfinite(p->hi[j])) return 0;
    return m == 1 || (isfinite(tlo) && isfinite(thi));
}

lp_outcome lp_min_max(lp *p, int m, const double *G, const double *g, double deadline,
                      double *lower, double *x)
{
    int n = p->n;
    *lower = -INFINITY;
    if (deadline > 0 && clock_now() >= deadline) return LP_FAILED;
    double *c = calloc((size_t)n + 2, sizeof *c);
    if (!c) return LP_FAILED;
    double tlo, thi, c0;
    objective(p, m, G, g, c, &c0, &tlo, &thi);
    if (dense_fits(p, m, tlo, thi)) {
        lp_outcome o = dense_min_max(p, m, G, g, c, c0, tlo, thi, lower, x);
        if (o != LP_FAILED) {
            free(c);
            return o;
        }
    }
    if (ensure(p)) {
        free(c);
        return LP_FAILED;
    }
    int first_aux = 0;
    if (m == 1) {
        for (int j = 0; j < n; j++) glp_set_obj_coef(p->P, j + 1, c[j]);
    } else {
        int jt = glp_add_cols(p->P, 1);
        glp_set_col_bnds(p->P, jt, bound_type(tlo, thi), isfinite(tlo) ? tlo : 0.0,
                         isfinite(thi) ? thi : 0.0);
        for (int j = 0; j < n; j++) glp_set_obj_coef(p->P, j + 1, 0.0);
        glp_set_obj_coef(p->P, jt, 1.0);
        int *idx1 = malloc(((size_t)n + 2) * sizeof *idx1);
        double *val1 = malloc(((size_t)n + 2) * sizeof *val1);
        if (!idx1 || !val1) {
            free(idx1), free(val1), free(c);
            glp_del_cols(p->P, 1, (int[]){ 0, jt });
            return LP_FAILED;
        }
        for (int r = 0; r < m; r++) {
            int k = 0;
            for (int j = 0; j < n; j++)
                if (G[(size_t)r * n + j] != 0.0) {
                    k++;
                    idx1[k] = j + 1;
                    val1[k] = G[(size_t)r * n + j];
                }
            k++;
            idx1[k] = jt;
            val1[k] = -1.0;
            int i = glpk_row(p->P, k, idx1, val1, -INFINITY, -g[r]);
            if (r == 0) first_aux = i;
            glp_set_row_stat(p->P, i, GLP_BS);
        }
        free(idx1), free(val1);
    }
    int ret = run_simplex(p->P, deadline);
    int status = ret == 0 ? glp_get_status(p->P) : GLP_UNDEF;
    double *yd = glpk_duals(p, m > 1 ? m : 0);
    *lower = yd ? safe_bound(p, c, c0, m > 1 ? m : 0, G, g, tlo, thi, yd) : -INFINITY;
    free(yd);
    lp_outcome out = status == GLP_OPT ? LP_BOUND : status == GLP_NOFEAS ? LP_EMPTY : LP_FAILED;
    if (out == LP_FAILED) {
        *lower = -INFINITY;
        if (ret != -1 && ret != GLP_ETMLIM) failures++;   /* the deadline is not a failure */
    }
    if (out == LP_BOUND && x)
        for (int j = 0; j < n; j++) {
            double v = glp_get_col_prim(p->P, j + 1);
            x[j] = v < p->lo[j] ? p->lo[j] : v > p->hi[j] ? p->hi[j] : v;
        }
    if (m > 1) {
        int *del = malloc(((size_t)m + 1) * sizeof *del);
        if (del) {
            for (int r = 0; r < m; r++) del[r + 1] = first_aux + r;
            glp_del_rows(p->P, m, del);
            free(del);
        }
        glp_del_cols(p->P, 1, (int[]){ 0, n + 1 });
        for (int j = 0; j < n; j++) glp_set_obj_coef(p->P, j + 1, 0.0);
    }
    free(c);
    return out;
}

int lp_prove_empty(const lp *p, double deadline)
{
    int n = lp_cols(p), m = lp_rows(p), k = 0;
    if (m == 0) return 0;
    nc_err e;
    err_clear(&e);
    lp *box = lp_new(n, lp_lo(p), lp_hi(p), &e);
    double *G = calloc((size_t)2 * m * n + 1, sizeof *G), *g = calloc((size_t)2 * m + 1, sizeof *g);
    double *a = calloc((size_t)n + 1, sizeof *a);
    int res = box && G && g && a ? 0 : -1;
    for (int r = 0; !res && r < m; r++) {
        double rl, ru;
        lp_get_row(p, r, a, &rl, &ru);
        if (isfinite(rl)) {   /* rl - a . z */
            for (int j = 0; j < n; j++) G[(size_t)k * n + j] = -a[j];
            g[k++] = rl;
        }
        if (isfinite(ru)) {   /* a . z - ru */
            memcpy(&G[(size_t)k * n], a, (size_t)n * sizeof *a);
            g[k++] = -ru;
        }
    }
    double lower = -INFINITY;
    if (!res && k > 0) lp_min_max(box, k, G, g, deadline, &lower, NULL);
    if (!res) res = lower > 0;
    lp_free(box);
    free(G), free(g), free(a);
    return res;
}
