#include "domains/star.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fpround.h"
#include "domains/interval.h"
#include "domains/relax.h"

void star_free(star *s)
{
    free(s->c), free(s->V), free(s->err);
    lp_free(s->P);
    memset(s, 0, sizeof *s);
}

static nc_status star_alloc(star *s, int dim, int nv, nc_err *e)
{
    s->dim = dim, s->nv = nv;
    s->c = err_calloc(e, (size_t)dim + 1, sizeof *s->c);
    s->V = err_calloc(e, (size_t)dim * nv + 1, sizeof *s->V);
    s->err = err_calloc(e, (size_t)dim + 1, sizeof *s->err);
    return s->c && s->V && s->err ? NC_OK : e->code;
}

/* Largest |z_k| over P's box. */
static double zmax(const star *s, int k)
{
    return fmax(fabs(lp_lo(s->P)[k]), fabs(lp_hi(s->P)[k]));
}

nc_status star_from_case(star *s, const prop_case *pc, int n_in, nc_err *e)
{
    memset(s, 0, sizeof *s);
    if (star_alloc(s, n_in, n_in, e)) {
        star_free(s);
        return e->code;
    }
    for (int i = 0; i < n_in; i++) s->V[(size_t)i * n_in + i] = 1.0;
    if (!(s->P = lp_new(n_in, pc->lo, pc->hi, e))) {
        star_free(s);
        return e->code;
    }
    /* a row a . x + d <= 0 read exactly holds only where
     * a . x <= -d + cerr * sum |x_j| + derr */
    for (int r = 0; r < pc->n_lin; r++) {
        const prop_row *row = &pc->lin[r];
        fpr_sum rhs = { 0 };
        fpr_sum_add(&rhs, -row->d);
        fpr_sum_add(&rhs, row->derr);
        if (row->cerr > 0) {
            fpr_sum absx = { 0 };
            for (int j = 0; j < n_in; j++) fpr_sum_add(&absx, zmax(s, j));
            fpr_sum_add(&rhs, fpr_up(row->cerr * fpr_sum_upper(&absx)));
        }
        double ru = fpr_sum_upper(&rhs);
        if (!isfinite(ru)) continue;   /* no finite consequence: P keeps its box */
        if (lp_add_row(s->P, row->a, -INFINITY, ru, e)) {
            star_free(s);
            return e->code;
        }
    }
    return NC_OK;
}

nc_status star_copy(star *d, const star *s, nc_err *e)
{
    memset(d, 0, sizeof *d);
    if (star_alloc(d, s->dim, s->nv, e) || !(d->P = lp_copy(s->P, e))) {
        star_free(d);
        return e->code;
    }
    memcpy(d->c, s->c, (size_t)s->dim * sizeof *d->c);
    memcpy(d->V, s->V, (size_t)s->dim * s->nv * sizeof *d->V);
    memcpy(d->err, s->err, (size_t)s->dim * sizeof *d->err);
    d->lp_calls = s->lp_calls;
    return NC_OK;
}

/* err_i of a row whose V entries and centre were just recomputed: the
 * entries' own rounding bounds times |z|. */
static double row_rounding(const star *s, const double *errV)
{
    fpr_sum t = { 0 };
    for (int k = 0; k < s->nv; k++)
        if (errV[k] > 0) fpr_sum_add(&t, fpr_up(errV[k] * zmax(s, k)));
    return fpr_sum_upper(&t);
}

static nc_status affine(star *s, const net_layer *l, nc_err *e)
{
    int in = l->in, out = l->out, nv = s->nv;
    double *V = err_calloc(e, (size_t)out * nv + 1, sizeof *V);
    double *AV = err_calloc(e, (size_t)out * nv + 1, sizeof *AV);
    double *aW = err_calloc(e, (size_t)out * in + 1, sizeof *aW);
    double *aV = err_calloc(e, (size_t)in * nv + 1, sizeof *aV);
    double *c = err_calloc(e, (size_t)out + 1, sizeof *c);
    double *er = err_calloc(e, (size_t)out + 1, sizeof *er);
    double *ek = err_calloc(e, (size_t)nv + 1, sizeof *ek);
    if (!V || !AV || !aW || !aV || !c || !er || !ek) {
        free(V), free(AV), free(aW), free(aV), free(c), free(er), free(ek);
        return e->code;
    }
    for (size_t t = 0; t < (size_t)out * in; t++) aW[t] = fabs(l->w[t]);
    for (size_t t = 0; t < (size_t)in * nv; t++) aV[t] = fabs(s->V[t]);
    if (nv > 0) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, out, nv, in, 1.0, l->w, in, s->V,
                    nv, 0.0, V, nv);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, out, nv, in, 1.0, aW, in, aV, nv,
                    0.0, AV, nv);
    }
    for (int i = 0; i < out; i++) {
        const double *w = &l->w[(size_t)i * in];
        double ci = l->b[i], abs_c = fabs(l->b[i]);
        fpr_sum prop_err = { 0 };   /* sum |W_ij| err_j: incoming error */
        for (int j = 0; j < in; j++) {
            double t = w[j] * s->c[j];
            ci += t;
            abs_c += fabs(t);
            if (s->err[j] > 0) fpr_sum_add(&prop_err, fpr_up(fabs(w[j]) * s->err[j]));
        }
        c[i] = ci;
        /* BLAS may sum in any order: the dot-product bound covers every order */
        for (int k = 0; k < nv; k++) ek[k] = fpr_dot_err(in, AV[(size_t)i * nv + k], in);
        fpr_sum tot = { 0 };
        fpr_sum_add(&tot, fpr_sum_upper(&prop_err));
        fpr_sum_add(&tot, fpr_dot_err(in + 1, abs_c, in + 1));
        fpr_sum_add(&tot, row_rounding(s, ek));
        er[i] = fpr_sum_upper(&tot);
    }
    free(AV), free(aW), free(aV), free(ek);
    free(s->V), free(s->c), free(s->err);
    s->V = V, s->c = c, s->err = er, s->dim = out;
    return NC_OK;
}

/* x_i <- x_i op k for one elementwise constant (op: 0 add, 1 mul, 2 div). */
static void elem(star *s, int i, int op, double k)
{
    int nv = s->nv;
    double *v = &s->V[(size_t)i * nv];
    if (op == 0) {
        double r = s->c[i] + k;
        s->err[i] = fpr_up(s->err[i] + fpr_dot_err(2, fabs(s->c[i]) + fabs(k), 0));
        s->c[i] = r;
        return;
    }
    fpr_sum tot = { 0 };
    double scale = op == 1 ? fabs(k) : 1.0 / fabs(k);
    fpr_sum_add(&tot, fpr_up(fpr_up(s->err[i] * scale) * (1.0 + 4 * FPR_U)));
    for (int t = 0; t < nv; t++) {
        v[t] = op == 1 ? v[t] * k : v[t] / k;
        if (v[t] != 0.0) fpr_sum_add(&tot, fpr_up((2 * FPR_U * fabs(v[t]) + FPR_ETA) * zmax(s, t)));
    }
    s->c[i] = op == 1 ? s->c[i] * k : s->c[i] / k;
    fpr_sum_add(&tot, 2 * FPR_U * fabs(s->c[i]) + FPR_ETA);
    s->err[i] = fpr_sum_upper(&tot);
}

nc_status star_affine(star *s, const net_layer *l, nc_err *e)
{
    switch (l->kind) {
    case NET_AFFINE: return affine(s, l, e);
    case NET_ADD:
    case NET_MUL:
    case NET_DIV:
        for (int i = 0; i < s->dim; i++)
            elem(s, i, l->kind == NET_ADD ? 0 : l->kind == NET_MUL ? 1 : 2, l->b[i]);
        return NC_OK;
    default: return err_set(e, NC_EINTERNAL, "star_affine: %s is not affine", net_kind_name(l->kind));
    }
}

void star_box_range(const star *s, int i, double *lo, double *hi)
{
    const double *v = &s->V[(size_t)i * s->nv];
    double l = itv_row_lower(v, s->c[i], s->nv, lp_lo(s->P), lp_hi(s->P));
    double u = itv_row_upper(v, s->c[i], s->nv, lp_lo(s->P), lp_hi(s->P));
    *lo = s->err[i] > 0 ? fpr_down(l - s->err[i]) : l;
    *hi = s->err[i] > 0 ? fpr_up(u + s->err[i]) : u;
}

int star_lp_range(star *s, int i, int want_lo, int want_hi, double deadline, double *lo,
                  double *hi)
{
    int nv = s->nv, failed = 0;
    double *g = malloc(((size_t)nv + 1) * sizeof *g);
    if (!g) return -1;
    const double *v = &s->V[(size_t)i * nv];
    double low;
    if (want_lo) {
        s->lp_calls++;
        if (lp_min_max(s->P, 1, v, &s->c[i], deadline, &low, NULL) == LP_FAILED) failed = 1;
        double b = s->err[i] > 0 ? fpr_down(low - s->err[i]) : low;
        if (b > *lo) *lo = b;
    }
    if (want_hi) {
        for (int k = 0; k < nv; k++) g[k] = -v[k];
        double nc = -s->c[i];
        s->lp_calls++;
        if (lp_min_max(s->P, 1, g, &nc, deadline, &low, NULL) == LP_FAILED) failed = 1;
        double b = s->err[i] > 0 ? fpr_up(-low + s->err[i]) : -low;
        if (b < *hi) *hi = b;
    }
    free(g);
    return failed ? -1 : 0;
}

/* Per variable, 1 when the newest row of P gives it less than `share` of
 * its  sum_j |a_j| width_j  (the row then hardly moves that variable's
 * range); all 0 when share <= 0 or P has no row. */
static void small_shares(const star *s, double share, char *skip)
{
    int nv = s->nv, m = lp_rows(s->P);
    memset(skip, 0, (size_t)nv);
    double *a = share > 0 && m > 0 ? calloc((size_t)nv + 1, sizeof *a) : NULL;
    if (!a) return;
    double rl, ru, tot = 0.0;
    lp_get_row(s->P, m - 1, a, &rl, &ru);
    for (int j = 0; j < nv; j++) tot += fabs(a[j]) * (lp_hi(s->P)[j] - lp_lo(s->P)[j]);
    for (int j = 0; j < nv; j++)
        skip[j] = fabs(a[j]) * (lp_hi(s->P)[j] - lp_lo(s->P)[j]) < share * tot;
    free(a);
}

int star_tighten_box(star *s, double share, double deadline)
{
    int nv = s->nv, failed = 0;
    double *g = calloc((size_t)nv + 1, sizeof *g);
    char *skip = malloc((size_t)nv + 1);
    if (!g || !skip) {
        free(g), free(skip);
        return -1;
    }
    small_shares(s, share, skip);
    for (int j = 0; j < nv; j++) {
        if (skip[j]) continue;
        double lo = lp_lo(s->P)[j], hi = lp_hi(s->P)[j], low, zero = 0.0;
        g[j] = 1.0;
        s->lp_calls++;
        if (lp_min_max(s->P, 1, g, &zero, deadline, &low, NULL) == LP_FAILED) failed = 1;
        if (low > lo) lo = low;
        g[j] = -1.0;
        s->lp_calls++;
        if (lp_min_max(s->P, 1, g, &zero, deadline, &low, NULL) == LP_FAILED) failed = 1;
        if (-low < hi) hi = -low;
        g[j] = 0.0;
        if (lo > hi) {
            free(g), free(skip);
            return 1;
        }
        lp_tighten(s->P, j, lo, hi);
    }
    free(g), free(skip);
    return failed ? -1 : 0;
}

nc_status star_piece(star *s, int i, int sign, double alpha, int no_row, nc_err *e)
{
    const double *v = &s->V[(size_t)i * s->nv];
    if (!no_row) {
        nc_status st = sign > 0 ? lp_add_row(s->P, v, fpr_down(-s->c[i] - s->err[i]), INFINITY, e)
                                : lp_add_row(s->P, v, -INFINITY, fpr_up(-s->c[i] + s->err[i]), e);
        if (st) return st;
    }
    if (sign > 0 || alpha == 1.0) return NC_OK;
    if (alpha == 0.0) {
        memset(&s->V[(size_t)i * s->nv], 0, (size_t)s->nv * sizeof *s->V);
        s->c[i] = s->err[i] = 0.0;
        return NC_OK;
    }
    elem(s, i, 1, alpha);
    return NC_OK;
}

/* Adds the row  y - fl(slope V_i) z  >= (dir > 0) or <= (dir < 0)  the
 * value that makes  y >= / <= slope x_i + icp  (for the exact x_i) imply it. */
static nc_status line_row(star *s, int i, int col_y, double slope, double icp, int dir,
                          double *row, nc_err *e)
{
    int nv = s->nv;
    const double *v = &s->V[(size_t)i * nv];
    fpr_sum rhs = { 0 }, slack = { 0 };
    for (int k = 0; k < nv; k++) {
        row[k] = k == col_y ? 0.0 : -(slope * v[k]);
        if (slope != 1.0 && slope != 0.0 && row[k] != 0.0)
            fpr_sum_add(&slack, fpr_up((2 * FPR_U * fabs(row[k]) + FPR_ETA) * zmax(s, k)));
    }
    row[col_y] = 1.0;
    fpr_sum_add(&slack, fpr_up(fabs(slope) * s->err[i] * (1.0 + 2 * FPR_U)));
    double sl = fpr_sum_upper(&slack);
    fpr_sum_add(&rhs, slope * s->c[i]);
    fpr_sum_add(&rhs, icp);
    if (dir > 0) {
        fpr_sum_add(&rhs, -sl);
        return lp_add_row(s->P, row, fpr_sum_lower(&rhs), INFINITY, e);
    }
    fpr_sum_add(&rhs, sl);
    return lp_add_row(s->P, row, -INFINITY, fpr_sum_upper(&rhs), e);
}

nc_status star_approx(star *s, const net_layer *l, int i, double lo, double hi, nc_err *e)
{
    int pwl = l->kind == NET_RELU || l->kind == NET_LEAKY_RELU;
    double alpha = l->kind == NET_LEAKY_RELU ? l->alpha : 0.0;
    if (pwl && lo >= 0) return NC_OK;
    if (pwl && hi <= 0) return star_piece(s, i, -1, alpha, 1, e);
    /* the new variable's box: the interval image of [lo, hi] */
    net_layer one = *l;
    one.in = one.out = 1;
    double ylo, yhi;
    itv_layer(&one, &lo, &hi, &ylo, &yhi);
    int col = lp_add_col(s->P, ylo, yhi, e);
    if (col < 0) return e->code;
    int nv = s->nv + 1;
    double *V = err_calloc(e, (size_t)s->dim * nv + 1, sizeof *V);
    double *row = err_calloc(e, (size_t)nv + 1, sizeof *row);
    if (!V || !row) {
        free(V), free(row);
        return e->code;
    }
    for (int r = 0; r < s->dim; r++)
        memcpy(&V[(size_t)r * nv], &s->V[(size_t)r * s->nv], (size_t)s->nv * sizeof *V);
    free(s->V);
    s->V = V, s->nv = nv;
    nc_status st = NC_OK;
    relax_line rl;
    relax_activation(l->kind, l->alpha, lo, hi, &rl);
    if (pwl && alpha >= 0 && alpha <= 1) {   /* both pieces below, the chord above */
        st = line_row(s, i, col, 1.0, 0.0, +1, row, e);
        if (!st && alpha > 0) st = line_row(s, i, col, alpha, 0.0, +1, row, e);
    } else {
        st = line_row(s, i, col, rl.a_lo, rl.b_lo, +1, row, e);
    }
    if (!st) st = line_row(s, i, col, rl.a_up, rl.b_up, -1, row, e);
    free(row);
    if (st) return st;
    memset(&s->V[(size_t)i * nv], 0, (size_t)nv * sizeof *s->V);
    s->V[(size_t)i * nv + col] = 1.0;
    s->c[i] = s->err[i] = 0.0;
    return NC_OK;
}

void star_row(const star *s, const double *a, double d, double *G, double *g, double *slack)
{
    int nv = s->nv;
    fpr_sum sl = { 0 };
    double cg = d, abs_c = fabs(d);
    for (int k = 0; k < nv; k++) G[k] = 0.0;
    double *absG = calloc((size_t)nv + 1, sizeof *absG);
    for (int i = 0; i < s->dim; i++) {
        if (a[i] == 0.0) continue;
        const double *v = &s->V[(size_t)i * nv];
        for (int k = 0; k < nv; k++) {
            double t = a[i] * v[k];
            G[k] += t;
            if (absG) absG[k] += fabs(t);
        }
        double t = a[i] * s->c[i];
        cg += t;
        abs_c += fabs(t);
        if (s->err[i] > 0) fpr_sum_add(&sl, fpr_up(fabs(a[i]) * s->err[i]));
    }
    for (int k = 0; k < nv; k++) {
        double ek = absG ? fpr_dot_err(s->dim, absG[k], s->dim) : INFINITY;
        if (ek > 0) fpr_sum_add(&sl, fpr_up(ek * zmax(s, k)));
    }
    fpr_sum_add(&sl, fpr_dot_err(s->dim + 1, abs_c, s->dim + 1));
    free(absG);
    *g = cg;
    *slack = fpr_sum_upper(&sl);
}
