#include "domains/crown.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/fpround.h"
#include "core/kernel.h"
#include "core/matmul.h"
#include "domains/crown_ctx.h"
#include "domains/interval.h"

void crown_opts_init(crown_opts *o)
{
    o->intersect = 0;
    o->alpha_iters = 0;
    o->alpha_lr = 0.1;
    o->beta_lr = 0.05;
    o->deadline = 0.0;
    o->keep_below = -1;
    o->scratch = NULL;
    o->stop_above = NULL;
    o->out_need = NULL;
    o->estimate_first = 0;
    o->single_products = 0;
}

void crown_set_blas_threads(int n) { openblas_set_num_threads(n); }

/* ---- context: per-layer data derived from the boxes ---------------------- */

void cx_free(cctx *x)
{
    if (!x) return;
    for (int k = 0; k <= x->n->n; k++) {
        if (x->rv) free(x->rv[k]);
        if (x->ru) free(x->ru[k]);
        if (x->rbox) free(x->rbox[k]);
        if (x->ymax) free(x->ymax[k]);
        if (x->vaff) free(x->vaff[k]);
        if (x->yaff) free(x->yaff[k]);
        if (x->absw) free(x->absw[k]);
        if (x->wf) free(x->wf[k]);
    }
    free(x->rv), free(x->ru), free(x->rbox), free(x->ymax), free(x->vaff), free(x->yaff), free(x->syaff);
    free(x->absw);
    free(x->wf);
    free(x->sumy);
    free(x->buf[0]), free(x->buf[1]), free(x->buf[2]), free(x->err);
    free(x->fbuf[0]), free(x->fbuf[1]);
    free(x->wft0), free(x->ref_h), free(x->ref_hn), free(x->ref_d);
    free(x);
}

cctx *cx_new(const net *n, const bounds *b, nc_err *e)
{
    cctx *x = err_calloc(e, 1, sizeof *x);
    if (!x) return NULL;
    x->n = n;
    x->b = b;
    int L = n->n;
    x->maxw = net_max_width(n);
    x->rv = err_calloc(e, (size_t)L + 1, sizeof *x->rv);
    x->ru = err_calloc(e, (size_t)L + 1, sizeof *x->ru);
    x->rbox = err_calloc(e, (size_t)L + 1, sizeof *x->rbox);
    x->ymax = err_calloc(e, (size_t)L + 1, sizeof *x->ymax);
    x->vaff = err_calloc(e, (size_t)L + 1, sizeof *x->vaff);
    x->yaff = err_calloc(e, (size_t)L + 1, sizeof *x->yaff);
    x->syaff = err_calloc(e, (size_t)L + 1, sizeof *x->syaff);
    x->absw = err_calloc(e, (size_t)L + 1, sizeof *x->absw);
    x->wf = err_calloc(e, (size_t)L + 1, sizeof *x->wf);
    x->sumy = err_calloc(e, (size_t)L + 1, sizeof *x->sumy);
    if (!x->rv || !x->ru || !x->rbox || !x->ymax || !x->vaff || !x->yaff || !x->syaff || !x->absw || !x->wf ||
        !x->sumy) {
        cx_free(x);
        return NULL;
    }
    return x;
}

struct crown_scratch {
    cctx *x;
};

crown_scratch *crown_scratch_new(const net *n, nc_err *e)
{
    crown_scratch *s = err_calloc(e, 1, sizeof *s);
    if (s && !(s->x = cx_new(n, NULL, e))) {
        free(s);
        return NULL;
    }
    return s;
}

void crown_scratch_free(crown_scratch *s)
{
    if (!s) return;
    cx_free(s->x);
    free(s);
}

/* What a context derives from the weights of layer k: |W|, W in single
 * precision, and (layer 0) that transposed; into buffers made already. */
static void fill_absw(cctx *x, int k)
{
    const net_layer *l = &x->n->layers[k];
    size_t nw = (size_t)l->in * l->out;
    for (size_t i = 0; i < nw; i++) x->absw[k][i] = fabs(l->w[i]);
}

static void fill_wf(cctx *x, int k)
{
    const net_layer *l = &x->n->layers[k];
    size_t nw = (size_t)l->in * l->out;
    for (size_t i = 0; i < nw; i++) x->wf[k][i] = (float)l->w[i];
}

static void fill_wft0(cctx *x)
{
    int din = x->n->layers[0].in, dout = x->n->layers[0].out;
    for (int j = 0; j < dout; j++)
        for (int i = 0; i < din; i++) x->wft0[(size_t)i * dout + j] = x->wf[0][(size_t)j * din + i];
}

void crown_scratch_layer_changed(crown_scratch *s, int k)
{
    cctx *x = s->x;
    /* remade in place where made already (a search calls this per node) */
    if (x->absw[k]) fill_absw(x, k);
    if (x->wf[k]) fill_wf(x, k);
    x->syaff[k] = NAN;   /* vaff_covers fails: |W| y + |b| remade */
    if (k == 0 && x->wft0) {
        fill_wft0(x);
        x->n_ref = 0;   /* the products at the references are stale */
    }
}

/* The context for one call: o's scratch (for the same net) with b, or a
 * new one; cx_close frees only the latter. */
static cctx *cx_open(const net *n, const bounds *b, const crown_opts *o, nc_err *e)
{
    if (!o || !o->scratch) {
        cctx *x = cx_new(n, b, e);
        if (x) x->single = o && o->single_products;
        return x;
    }
    cctx *x = o->scratch->x;
    x->single = o->single_products;
    if (x->n != n) {
        err_set(e, NC_EINTERNAL, "CROWN scratch space used with another network");
        return NULL;
    }
    x->b = b;
    return x;
}

static void cx_close(cctx *x, const crown_opts *o)
{
    if (o && o->scratch && o->scratch->x == x) {
        x->b = NULL;
        return;
    }
    cx_free(x);
}

/* Makes sure the scratch buffers hold m rows of the widest layer. */
nc_status cx_reserve(cctx *x, int m, nc_err *e)
{
    if (m <= x->cap_m) return NC_OK;
    size_t sz = (size_t)m * x->maxw;
    for (int i = 0; i < 3; i++) {
        free(x->buf[i]);
        x->buf[i] = err_calloc(e, sz, sizeof(double));
        if (!x->buf[i]) return e->code;
    }
    free(x->err);
    x->err = err_calloc(e, (size_t)m, sizeof(double));
    if (!x->err) return e->code;
    x->cap_m = m;
    return NC_OK;
}

nc_status cx_wf(cctx *x, int k, nc_err *e)
{
    const net_layer *l = &x->n->layers[k];
    if (x->wf[k]) return NC_OK;
    size_t nw = (size_t)l->in * l->out;
    if (!(x->wf[k] = err_calloc(e, nw, sizeof(float)))) return e->code;
    fill_wf(x, k);
    return NC_OK;
}

/* A reference is replaced (by a direct product) once a point differs
 * from it in more than this share of the coordinates. */
#define CX_REF_SHARE 0.25

void cx_affine_f(const net_layer *l, const float *wf, int m, const float *h, float *hn)
{
    for (int r = 0; r < m; r++)
        for (int j = 0; j < l->out; j++) hn[(size_t)r * l->out + j] = (float)l->b[j];
    mm_rows_wt_f(m, l->out, l->in, h, wf, 1.0f, hn);
}

nc_status cx_first_affine_f(cctx *x, int m, const float *h, float *hn, nc_err *e)
{
    const net_layer *l = &x->n->layers[0];
    int din = l->in, dout = l->out;
    if (cx_wf(x, 0, e)) return e->code;
    if (m > CX_REF_ROWS) {
        cx_affine_f(l, x->wf[0], m, h, hn);
        return NC_OK;
    }
    if (!x->wft0) {
        x->wft0 = err_calloc(e, (size_t)din * dout, sizeof(float));
        x->ref_h = err_calloc(e, (size_t)CX_REF_ROWS * din, sizeof(float));
        x->ref_hn = err_calloc(e, (size_t)CX_REF_ROWS * dout, sizeof(float));
        x->ref_d = err_calloc(e, (size_t)din, sizeof(float));
        if (!x->wft0 || !x->ref_h || !x->ref_hn || !x->ref_d) return e->code;
        fill_wft0(x);
    }
    for (int r = 0; r < m; r++) {
        const float *hr = &h[(size_t)r * din];
        float *rh = &x->ref_h[(size_t)r * din], *rhn = &x->ref_hn[(size_t)r * dout];
        float *out = &hn[(size_t)r * dout];
        int diff = 0;
        for (int i = 0; r < x->n_ref && i < din; i++) {
            x->ref_d[i] = hr[i] - rh[i];
            diff += hr[i] != rh[i];
        }
        if (r < x->n_ref && diff <= CX_REF_SHARE * din) {
            memcpy(out, rhn, (size_t)dout * sizeof *out);
            if (diff > 0) mm_rows_w_f(1, din, dout, x->ref_d, x->wft0, 1.0f, out);
            continue;
        }
        cx_affine_f(l, x->wf[0], 1, hr, out);
        memcpy(rh, hr, (size_t)din * sizeof *rh);
        memcpy(rhn, out, (size_t)dout * sizeof *rhn);
        if (x->n_ref <= r) x->n_ref = r + 1;
    }
    return NC_OK;
}

/* nxt = cur W (m rows) with single-precision products: cur and W rounded
 * to float, the products and sums in float, the result widened exactly.
 * err_r gets what that may differ from the exact product on box i (the
 * rows' own rounding, add_err's job, is not counted here):
 *   relative: fl(lam) = lam (1 + d), fl(w) = w (1 + d'), each product
 *   rounded (1 + d''), the sums of dout terms within gamma_dout, so
 *   |cur W - nxt| <= ((1 + u)^3 (1 + gamma_dout) - 1) |cur| |W|
 *                 <= 4 (dout + 2) u |cur| |W|  (u = 2^-24),
 *   and |cur| |W| ymax <= |cur| . vaff_i;
 *   absolute (results in the subnormal range): at most 2^-150 per
 *   conversion and product, (|lam_i| + |w_ij| + 2) 2^-150 (1 + u)^3 per
 *   term, so over the box at most
 *   2^-149 ((sum |lam| + 2 dout) sumy_i + sum vaff_i). */
static nc_status single_products(cctx *x, int i, int m, const double *cur, double *nxt,
                                 nc_err *e)
{
    const net_layer *l = &x->n->layers[i];
    int din = l->in, dout = l->out;
    if (cx_wf(x, i, e)) return e->code;
    if (m > x->cap_f) {
        for (int q = 0; q < 2; q++) {
            free(x->fbuf[q]);
            if (!(x->fbuf[q] = err_calloc(e, (size_t)m * x->maxw, sizeof(float)))) {
                x->cap_f = 0;
                return e->code;
            }
        }
        x->cap_f = m;
    }
    float *fc = x->fbuf[0], *fn = x->fbuf[1];
    for (size_t q = 0; q < (size_t)m * dout; q++) fc[q] = (float)cur[q];
    mm_rows_w_f(m, dout, din, fc, x->wf[i], 0.0f, fn);
    for (size_t q = 0; q < (size_t)m * din; q++) nxt[q] = fn[q];
    double g = 4.0 * (dout + 2) * FPR_U_SINGLE, sv = 0.0;
    for (int j = 0; j < dout; j++) sv += x->vaff[i][j];
    for (int r = 0; r < m; r++) {
        double rel = 0.0, sl = 0.0;
        for (int j = 0; j < dout; j++) {
            double a = fabs(cur[(size_t)r * dout + j]);
            rel += a * x->vaff[i][j];
            sl += a;
        }
        double tiny = 2.0 * FPR_ETA_SINGLE * ((sl + 2.0 * dout) * x->sumy[i] + sv);
        x->err[r] += g * rel + tiny;
        if (isnan(x->err[r])) x->err[r] = INFINITY;
    }
    return NC_OK;
}

/* Whether vaff[k] may stay: every maximum it was computed from is at
 * least the current one (so it still bounds |W| ymax_k + |b|, the rounding
 * error's scale), and their sum at most 4 times the current sum (the bound
 * stays close; a cache from an infinite box is never kept for a finite one). */
static int vaff_covers(const cctx *x, int k, double sum)
{
    if (!x->yaff[k]) return 0;
    if (!(x->syaff[k] <= 4.0 * sum)) return 0;
    for (int i = 0; i < x->b->dim[k]; i++)
        if (!(x->ymax[k][i] <= x->yaff[k][i])) return 0;
    return 1;
}

/* Recomputes what depends on box k: |x| maxima, relaxations of layer k if
 * it is an activation, and |W| ymax + |b| if it is affine (kept from an
 * earlier box of this context that covers box k: a branch and bound bounds
 * many boxes inside one, and this product costs as much as a backward
 * pass of one row). */
/* The same bits, and a number (a NaN end is never taken as unchanged). */
static int same_end(double a, double b)
{
    uint64_t u, v;
    memcpy(&u, &a, sizeof u);
    memcpy(&v, &b, sizeof v);
    return u == v && !isnan(a);
}

nc_status cx_refresh(cctx *x, int k, nc_err *e)
{
    const bounds *b = x->b;
    int d = b->dim[k];
    if (!x->ymax[k] && !(x->ymax[k] = err_calloc(e, (size_t)d, sizeof(double)))) return e->code;
    double s = 0.0;
    for (int i = 0; i < d; i++) {
        double a = fabs(b->lo[k][i]), c = fabs(b->hi[k][i]);
        double v = isnan(a) || isnan(c) ? INFINITY : a > c ? a : c;
        x->ymax[k][i] = v;
        s += v;
    }
    x->sumy[k] = fpr_up(s * (1.0 + 2.0 * (d + 2) * FPR_U));
    if (k == x->n->n) return NC_OK;
    const net_layer *l = &x->n->layers[k];
    if (net_is_activation(l->kind)) {
        if (!x->rv[k] && !(x->rv[k] = err_calloc(e, 4 * (size_t)d, sizeof(double)))) return e->code;
        if (!x->ru[k] && !(x->ru[k] = err_calloc(e, (size_t)d, 1))) return e->code;
        if (!x->rbox[k]) {
            if (!(x->rbox[k] = err_calloc(e, 2 * (size_t)d, sizeof(double)))) return e->code;
            for (int i = 0; i < 2 * d; i++) x->rbox[k][i] = NAN;   /* nothing made yet */
        }
        int pwl = l->kind != NET_SIGMOID && l->kind != NET_TANH;
        double *rv = x->rv[k], *rlo = x->rbox[k], *rhi = x->rbox[k] + d;
        for (int i = 0; i < d; i++) {
            if (same_end(b->lo[k][i], rlo[i]) && same_end(b->hi[k][i], rhi[i])) continue;
            rlo[i] = b->lo[k][i], rhi[i] = b->hi[k][i];
            relax_line r;
            relax_activation(l->kind, l->alpha, b->lo[k][i], b->hi[k][i], &r);
            rv[i] = r.a_lo, rv[d + i] = r.b_lo, rv[2 * d + i] = r.a_up, rv[3 * d + i] = r.b_up;
            x->ru[k][i] = (unsigned char)(pwl && r.unstable);
        }
    } else if (l->kind == NET_AFFINE) {
        if (!x->absw[k]) {
            size_t nw = (size_t)l->in * l->out;
            if (!(x->absw[k] = err_calloc(e, nw, sizeof(double)))) return e->code;
            fill_absw(x, k);
        }
        if (vaff_covers(x, k, x->sumy[k])) return NC_OK;
        if (!x->vaff[k] && !(x->vaff[k] = err_calloc(e, (size_t)l->out, sizeof(double))))
            return e->code;
        if (!x->yaff[k] && !(x->yaff[k] = err_calloc(e, (size_t)d, sizeof(double))))
            return e->code;
        memcpy(x->yaff[k], x->ymax[k], (size_t)d * sizeof(double));
        x->syaff[k] = x->sumy[k];
        for (int i = 0; i < l->out; i++) x->vaff[k][i] = fabs(l->b[i]);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, l->out, l->in, 1.0, x->absw[k], l->in,
                    x->ymax[k], 1, 1.0, x->vaff[k], 1);
    }
    return NC_OK;
}

/* ---- the backward pass ------------------------------------------------------ */

/* err_r += g * (|L_r| . v) + g |c_r| for m rows of width d; uses scratch. */
static void add_err(cctx *x, int m, int d, const double *L, const double *v, const double *c,
                    double g, double absolute)
{
    double *absl = x->buf[2];
    size_t nn = (size_t)m * d;
    for (size_t i = 0; i < nn; i++) absl[i] = fabs(L[i]);
    double *t = x->err;
    /* err += g * |L| v  (BLAS: y = alpha A x + beta y) */
    cblas_dgemv(CblasRowMajor, CblasNoTrans, m, d, g, absl, d, v, 1, 1.0, t, 1);
    for (int r = 0; r < m; r++) {
        t[r] += (c ? g * fabs(c[r]) : 0.0) + absolute;
        if (isnan(t[r])) t[r] = INFINITY;
    }
}

/* out_r = a sound lower bound of  A_r x + c_r - err_r  over the input box.
 * With a finite box, in centre-radius form through BLAS:
 *   A x >= A mid - |A| rad,   rad >= max(hi - mid, mid - lo)  (rounded up),
 * with the rounding of both products and of the offset, g = 4 (n + 2) u:
 *   |fl(A mid + c) - (A mid + c)| <= g (|A| |mid| + |c|),
 * folded into one product |A| (rad + g |mid|), itself rounded up by (1 + g). */
static void concretise(cctx *x, int m, const double *A, const double *c, double *out)
{
    int nin = x->n->in_dim;
    const double *lo = x->b->lo[0], *hi = x->b->hi[0];
    int finite = 1;
    for (int j = 0; j < nin; j++) finite = finite && isfinite(lo[j]) && isfinite(hi[j]);
    double *mid = finite ? malloc((size_t)nin * sizeof *mid) : NULL;
    double *v = finite ? malloc((size_t)nin * sizeof *v) : NULL;
    double *t1 = finite ? malloc((size_t)m * sizeof *t1) : NULL;
    double *t2 = finite ? malloc((size_t)m * sizeof *t2) : NULL;
    if (!mid || !v || !t1 || !t2) {   /* infinite box (or no memory): row by row */
        for (int r = 0; r < m; r++) {
            double w = itv_row_lower(&A[(size_t)r * nin], c[r], nin, lo, hi);
            double er = fpr_up(x->err[r]);
            out[r] = isnan(w) || isnan(er) ? -INFINITY : (er > 0 ? fpr_down(w - er) : w);
        }
        free(mid), free(v), free(t1), free(t2);
        return;
    }
    double g = 4.0 * (nin + 2) * FPR_U;
    for (int j = 0; j < nin; j++) {
        mid[j] = 0.5 * (lo[j] + hi[j]);
        double rad = fpr_up(fmax(hi[j] - mid[j], mid[j] - lo[j]));
        v[j] = fpr_up(rad + g * fabs(mid[j]));
    }
    double *absa = x->buf[2];
    if (absa == A) absa = x->buf[A == x->buf[0] ? 1 : 0];
    for (size_t i = 0; i < (size_t)m * nin; i++) absa[i] = fabs(A[i]);
    memcpy(t1, c, (size_t)m * sizeof *t1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, m, nin, 1.0, A, nin, mid, 1, 1.0, t1, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, m, nin, 1.0, absa, nin, v, 1, 0.0, t2, 1);
    for (int r = 0; r < m; r++) {
        double slack = fpr_up(fpr_up(t2[r] * (1.0 + g)) + g * fabs(c[r]) +
                              (nin + 2) * FPR_ETA + fpr_up(x->err[r]));
        double w = fpr_down(t1[r] - slack);
        out[r] = isnan(w) ? -INFINITY : w;
    }
    free(mid), free(v), free(t1), free(t2);
}

/* One row through an activation layer of width d (rv, ru: cctx): each
 * coefficient lam_j takes the lower line where lam_j >= 0 (its slope from
 * al where given and ru_j says it is optimisable), else the upper line (a
 * NaN too); nxt_j = lam_j a_j, *s = sum lam_j b_j, *sabs = sum |lam_j b_j|
 * and *sy = sum |nxt_j| y_j (y: the box's ymax, for the rounding bound of
 * the products lam_j a_j; the same sum add_err would form, in one pass).
 * With GNU C, NC_LANES coefficients at a time in vector registers, the
 * choices as masks, the sums as NC_LANES interleaved partial sums (the
 * rounding bounds callers add hold for any order of summation). */
NC_KERNEL static void relax_row(int d, const double *restrict lam, const double *restrict rv,
                                const unsigned char *restrict ru, const double *restrict al,
                                const double *restrict y, double *restrict nxt, double *s,
                                double *sabs, double *sy)
{
    const double *alo = rv, *blo = rv + d, *aup = rv + 2 * d, *bup = rv + 3 * d;
    const double *as = al ? al : alo;   /* no slopes given: CROWN's either way */
    double acc = 0.0, acc_abs = 0.0, acc_y = 0.0;
    int j = 0;
#ifdef NC_VECTORS
    nc_vd vacc = { 0 }, vabs = { 0 }, vy = { 0 };
    for (; j + NC_LANES <= d; j += NC_LANES) {
        nc_vd v, a_s, a_c, a_u, b_l, b_u, yy;
        nc_vc rc;
        NC_VLOAD(v, &lam[j]), NC_VLOAD(a_s, &as[j]), NC_VLOAD(a_c, &alo[j]), NC_VLOAD(a_u, &aup[j]);
        NC_VLOAD(b_l, &blo[j]), NC_VLOAD(b_u, &bup[j]), NC_VLOAD(yy, &y[j]), NC_VLOAD(rc, &ru[j]);
        nc_vi opt = __builtin_convertvector(rc, nc_vi) != 0, lower = v >= 0;
        nc_vd t = v * NC_VPICK(lower, b_l, b_u);
        nc_vd nv = v * NC_VPICK(lower, NC_VPICK(opt, a_s, a_c), a_u);
        NC_VSTORE(&nxt[j], nv);
        vacc += t;
        vabs += NC_VABS(t);
        vy += NC_VABS(nv) * yy;
    }
    for (int q = 0; q < NC_LANES; q++) acc += vacc[q], acc_abs += vabs[q], acc_y += vy[q];
#endif
    for (; j < d; j++) {
        double v = lam[j], a0 = ru[j] ? as[j] : alo[j];
        uint64_t lower = v >= 0;
        double t = v * cx_pick(lower, blo[j], bup[j]), nv = v * cx_pick(lower, a0, aup[j]);
        nxt[j] = nv;
        acc += t;
        acc_abs += fabs(t);
        acc_y += fabs(nv) * y[j];
    }
    *s = acc;
    *sabs = acc_abs;
    *sy = acc_y;
}

/* For one row x of width d: *sa = sum |x_j| u_j and *sb = sum x_j w_j, in
 * one pass (the affine step's rounding term and offset; as relax_row, in
 * interleaved partial sums with GNU C). */
NC_KERNEL static void row_dots(int d, const double *restrict x, const double *restrict u,
                               const double *restrict w, double *sa, double *sb)
{
    double a = 0.0, b = 0.0;
    int j = 0;
#ifdef NC_VECTORS
    nc_vd va = { 0 }, vb = { 0 };
    for (; j + NC_LANES <= d; j += NC_LANES) {
        nc_vd xv, uv, wv;
        NC_VLOAD(xv, &x[j]), NC_VLOAD(uv, &u[j]), NC_VLOAD(wv, &w[j]);
        va += NC_VABS(xv) * uv;
        vb += xv * wv;
    }
    for (int q = 0; q < NC_LANES; q++) a += va[q], b += vb[q];
#endif
    for (; j < d; j++) {
        a += fabs(x[j]) * u[j];
        b += x[j] * w[j];
    }
    *sa = a;
    *sb = b;
}

nc_status cx_backward(cctx *x, int start, int m, double *L, double *c, const cx_alpha *alpha,
                      double *out, nc_err *e)
{
    const net *n = x->n;
    if (L != x->buf[0]) return err_set(e, NC_EINTERNAL, "cx_backward: rows must be in buf[0]");
    double *cur = x->buf[0], *nxt = x->buf[1];
    memset(x->err, 0, (size_t)m * sizeof(double));
    for (int i = start - 1; i >= 0; i--) {
        const net_layer *l = &n->layers[i];
        int din = l->in, dout = l->out;
        double g = 4.0 * (dout + 2) * FPR_U;
        double eta = (dout + 1) * FPR_ETA * (1.0 + x->sumy[i]);
        switch (l->kind) {
        case NET_AFFINE:
            /* add_err's term g (|L| vaff + |c|) + eta, then c += L b */
            for (int r = 0; r < m; r++) {
                double sa, sb;
                row_dots(dout, &cur[(size_t)r * dout], x->vaff[i], l->b, &sa, &sb);
                double t = x->err[r] + g * sa;
                t += g * fabs(c[r]) + eta;
                x->err[r] = isnan(t) ? INFINITY : t;
                c[r] += sb;
            }
            if (!x->single) mm_rows_w(m, dout, din, cur, l->w, 0.0, nxt);
            else if (single_products(x, i, m, cur, nxt, e)) return e->code;
            break;
        case NET_ADD: {
            double *absc = malloc((size_t)dout * sizeof *absc);
            if (!absc) return err_set(e, NC_ENOMEM, "out of memory in CROWN");
            for (int j = 0; j < dout; j++) absc[j] = fabs(l->b[j]);
            add_err(x, m, dout, cur, absc, c, g, eta);
            free(absc);
            cblas_dgemv(CblasRowMajor, CblasNoTrans, m, dout, 1.0, cur, dout, l->b, 1, 1.0, c, 1);
            memcpy(nxt, cur, (size_t)m * dout * sizeof *nxt);
            break;
        }
        case NET_MUL:
        case NET_DIV:
            for (int r = 0; r < m; r++)
                for (int j = 0; j < dout; j++) {
                    double v = cur[(size_t)r * dout + j];
                    nxt[(size_t)r * din + j] = l->kind == NET_MUL ? v * l->b[j] : v / l->b[j];
                }
            add_err(x, m, din, nxt, x->ymax[i], NULL, 2.0 * FPR_U, eta);
            break;
        default: {   /* activation: relax by the sign of each coefficient */
            const double *al = alpha ? alpha->slopes[i] : NULL;
            if (alpha && alpha->record && alpha->record[i])
                memcpy(alpha->record[i], cur, (size_t)m * dout * sizeof *cur);
            for (int r = 0; r < m; r++) {
                size_t o = (size_t)r * dout;
                double s, sabs, sy;
                relax_row(dout, &cur[o], x->rv[i], x->ru[i], al ? &al[o] : NULL, x->ymax[i],
                          &nxt[o], &s, &sabs, &sy);
                /* the offset sum: gamma_{d+1} (|c| + sum |lam b|) */
                double t = x->err[r] + g * (fabs(c[r]) + sabs);
                c[r] += s;
                /* the products lam_j a_j: 2u |nxt| ymax, as add_err forms it */
                t = t + 2.0 * FPR_U * sy;
                t += eta;
                x->err[r] = isnan(t) ? INFINITY : t;
            }
            /* split multipliers: fl(nxt - beta sign) moves each coefficient
             * in the direction of -sign (rounding is monotone), so the
             * difference times z is >= 0 on the region: still a lower bound */
            if (alpha && alpha->beta && alpha->beta[i] && alpha->sign && alpha->sign[i]) {
                const signed char *sg = alpha->sign[i];
                const double *bt = alpha->beta[i];
                for (int j = 0; j < din; j++) {
                    if (!sg[j]) continue;
                    for (int r = 0; r < m; r++)
                        nxt[(size_t)r * din + j] -= sg[j] * bt[(size_t)r * din + j];
                }
            }
            break;
        }
        }
        double *t = cur;
        cur = nxt;
        nxt = t;
    }
    concretise(x, m, cur, c, out);
    x->last = cur;
    return NC_OK;
}

/* ---- full CROWN: every activation's input box by a backward pass ----------- */

/* Rows +-e_i on the input of layer k; through layer k-1 directly when it is
 * affine ([W; -W], [b; -b] exactly). Returns the layer to continue from. */
static int init_rows(cctx *x, int k, double *L, double *c)
{
    const net *n = x->n;
    int d = n->layers[k].in;
    if (k > 0 && n->layers[k - 1].kind == NET_AFFINE) {
        const net_layer *a = &n->layers[k - 1];
        size_t row = (size_t)a->in;
        for (int i = 0; i < d; i++) {
            memcpy(&L[i * row], &a->w[i * row], row * sizeof *L);
            for (size_t j = 0; j < row; j++) L[(d + i) * row + j] = -a->w[i * row + j];
            c[i] = a->b[i];
            c[d + i] = -a->b[i];
        }
        return k - 1;
    }
    memset(L, 0, (size_t)2 * d * d * sizeof *L);
    for (int i = 0; i < d; i++) {
        L[(size_t)i * d + i] = 1.0;
        L[(size_t)(d + i) * d + i] = -1.0;
        c[i] = c[d + i] = 0.0;
    }
    return k;
}

/* Writes [lo, hi] as box k of b, overwriting (pure) or intersecting. */
static void set_box(bounds *b, int k, const double *lo, const double *hi, int intersect)
{
    if (intersect) {
        bounds_meet(b, k, lo, hi);
        return;
    }
    memcpy(b->lo[k], lo, (size_t)b->dim[k] * sizeof *lo);
    memcpy(b->hi[k], hi, (size_t)b->dim[k] * sizeof *hi);
}

/* alpha-CROWN for the bounds of the neurons of activation layer k that
 * plain CROWN left unstable (out: 2d lower bounds of the rows +-e_i, from
 * the plain pass); only they change the relaxations above, so only their
 * rows are optimised. Improves out in place. */
static nc_status alpha_unstable(cctx *x, int k, int start, int d, double *out,
                                const crown_opts *o, nc_err *e)
{
    const net *n = x->n;
    int w0 = start < n->n ? n->layers[start].in : n->out_dim, nu = 0;
    int *idx = err_calloc(e, (size_t)d, sizeof *idx);
    double *all = err_calloc(e, (size_t)2 * d * w0, sizeof *all);
    double *call = err_calloc(e, (size_t)2 * d, sizeof *call);
    double *L0 = err_calloc(e, (size_t)2 * d * w0, sizeof *L0);
    double *c0 = err_calloc(e, (size_t)2 * d, sizeof *c0), *res = err_calloc(e, (size_t)2 * d, sizeof *res);
    nc_status s = (!idx || !all || !call || !L0 || !c0 || !res) ? e->code : NC_OK;
    if (!s) {
        init_rows(x, k, all, call);
        for (int i = 0; i < d; i++)
            if (out[i] < 0 && -out[d + i] > 0) idx[nu++] = i;
        size_t row = (size_t)w0 * sizeof *L0;
        for (int j = 0; j < nu; j++) {   /* rows +e_i then -e_i of the unstable neurons */
            memcpy(&L0[(size_t)j * w0], &all[(size_t)idx[j] * w0], row);
            memcpy(&L0[(size_t)(nu + j) * w0], &all[(size_t)(d + idx[j]) * w0], row);
            c0[j] = call[idx[j]];
            c0[nu + j] = call[d + idx[j]];
        }
        crown_opts oi = *o;
        oi.stop_above = NULL;   /* meant for output rows, not these */
        if (nu > 0) s = crown_alpha_optimise(x, start, 2 * nu, L0, w0, c0, &oi, NULL, res, e);
        for (int j = 0; !s && j < nu; j++) {
            out[idx[j]] = fmax(out[idx[j]], res[j]);
            out[d + idx[j]] = fmax(out[d + idx[j]], res[nu + j]);
        }
    }
    free(idx), free(all), free(call), free(L0), free(c0), free(res);
    return s;
}

/* The backward pass for the 2d rows +-e_i of activation layer k (in L, c
 * from init_rows). When the box of layer k already holds sound bounds
 * (intersect) and the activation is piecewise linear, a neuron stable
 * there is relaxed exactly whatever its bounds, so only the unstable
 * neurons' rows are computed; the others keep their box in out. */
static nc_status unstable_rows(cctx *x, int k, int start, int d, double *L, double *c,
                               int intersect, double *out, nc_err *e)
{
    const net *n = x->n;
    const bounds *b = x->b;
    net_kind kind = n->layers[k].kind;
    if (!intersect || (kind != NET_RELU && kind != NET_LEAKY_RELU))
        return cx_backward(x, start, 2 * d, L, c, NULL, out, e);
    int w0 = start < n->n ? n->layers[start].in : n->out_dim, nu = 0;
    int *idx = err_calloc(e, (size_t)d + 1, sizeof *idx);
    if (!idx) return e->code;
    for (int i = 0; i < d; i++)
        if (b->lo[k][i] < 0 && b->hi[k][i] > 0) idx[nu++] = i;
    nc_status s = NC_OK;
    if (nu > 0 && nu < d) {   /* compact: +rows of idx, then -rows (in place, no overlap) */
        size_t row = (size_t)w0 * sizeof *L;
        for (int j = 0; j < nu; j++) {
            memmove(&L[(size_t)j * w0], &L[(size_t)idx[j] * w0], row);
            c[j] = c[idx[j]];
        }
        for (int j = 0; j < nu; j++) {
            memmove(&L[(size_t)(nu + j) * w0], &L[(size_t)(d + idx[j]) * w0], row);
            c[nu + j] = c[d + idx[j]];
        }
    }
    double *res = nu > 0 && nu < d ? err_calloc(e, (size_t)2 * nu, sizeof *res) : NULL;
    if (nu > 0 && nu < d && !res) s = e->code;
    if (!s && nu == d) s = cx_backward(x, start, 2 * d, L, c, NULL, out, e);
    if (!s && nu < d) {
        for (int i = 0; i < d; i++) out[i] = b->lo[k][i], out[d + i] = -b->hi[k][i];
        if (nu > 0) s = cx_backward(x, start, 2 * nu, L, c, NULL, res, e);
        for (int j = 0; !s && j < nu; j++) {
            out[idx[j]] = res[j];
            out[d + idx[j]] = res[nu + j];
        }
    }
    free(idx), free(res);
    return s;
}

nc_status crown_intermediate(const net *n, bounds *b, const crown_opts *o, nc_err *e)
{
    cctx *x = cx_open(n, b, o, e);
    if (!x) return e->code;
    int w = x->maxw;
    double *c = err_calloc(e, 2 * (size_t)w, sizeof *c);
    double *out = err_calloc(e, 2 * (size_t)w, sizeof *out);
    double *lo = err_calloc(e, (size_t)w, sizeof *lo), *hi = err_calloc(e, (size_t)w, sizeof *hi);
    nc_status s = (!c || !out || !lo || !hi) ? e->code : cx_refresh(x, 0, e);
    for (int k = 0; k < n->n && !s; k++) {
        const net_layer *l = &n->layers[k];
        if (net_is_activation(l->kind) && k > 0 && k > o->keep_below) {
            int d = l->in;
            /* the rows' space only when a box is recomputed (searches that
             * keep every box never need it; it is m x the widest layer) */
            if ((s = cx_reserve(x, 2 * w, e))) break;
            double *L = x->buf[0];
            int start = init_rows(x, k, L, c);
            s = unstable_rows(x, k, start, d, L, c, o->intersect, out, e);
            if (!s && o->alpha_iters > 0 && start > 0) s = alpha_unstable(x, k, start, d, out, o, e);
            if (s) break;
            for (int i = 0; i < d; i++) lo[i] = out[i], hi[i] = -out[d + i];
            set_box(b, k, lo, hi, o->intersect);
            if ((s = cx_refresh(x, k, e))) break;
        } else if (net_is_activation(l->kind) && k > 0 && (s = cx_refresh(x, k, e))) {
            break;   /* a kept box: its relaxations */
        }
        /* the next box by an interval step, unless a CROWN pass is about to
         * compute it (the input of the next activation layer) */
        int crown_next = k + 1 < n->n && net_is_activation(n->layers[k + 1].kind);
        if (!crown_next && k == n->n - 1 && o->out_need && l->kind == NET_AFFINE) {
            for (int i = 0; i < l->out; i++) {   /* the outputs asked for only */
                const double *wi = &l->w[(size_t)i * l->in];
                int on = o->out_need[i];
                lo[i] = on ? itv_row_lower(wi, l->b[i], l->in, b->lo[k], b->hi[k]) : -INFINITY;
                hi[i] = on ? itv_row_upper(wi, l->b[i], l->in, b->lo[k], b->hi[k]) : INFINITY;
            }
            set_box(b, k + 1, lo, hi, o->intersect);
            s = cx_refresh(x, k + 1, e);
        } else if (!crown_next) {
            itv_layer(l, b->lo[k], b->hi[k], lo, hi);
            set_box(b, k + 1, lo, hi, o->intersect);
            s = cx_refresh(x, k + 1, e);
        }
    }
    free(c), free(out), free(lo), free(hi);
    cx_close(x, o);
    return s;
}

/* ---- bounds of linear functions of the outputs ------------------------------ */

/* The backward pass of m rows C y + d with every box of b: plain CROWN, or
 * alpha(-beta)-CROWN when o asks for iterations or io carries splits;
 * the linear bounds' data to A, c, slack and io as requested. */
static nc_status rows_pass(const net *n, const bounds *b, int m, const double *C, const double *d,
                           const crown_opts *o, const crown_split_io *io, double *lower,
                           double *A, double *c, double *slack, nc_err *e)
{
    cctx *x = cx_open(n, b, o, e);
    if (!x) return e->code;
    nc_status s = cx_reserve(x, m, e);
    for (int k = 0; k <= n->n && !s; k++) s = cx_refresh(x, k, e);
    double *cc = err_calloc(e, (size_t)m, sizeof *cc);
    if (!s && !cc) s = e->code;
    if (!s) {
        memcpy(x->buf[0], C, (size_t)m * n->out_dim * sizeof *C);
        for (int r = 0; r < m; r++) cc[r] = d ? d[r] : 0.0;
        if (io || (o && o->alpha_iters > 0))
            s = crown_alpha_optimise(x, n->n, m, C, n->out_dim, cc, o, io, lower, e);
        else s = cx_backward(x, n->n, m, x->buf[0], cc, NULL, lower, e);
    }
    int nin = n->in_dim;
    if (!s && A) memcpy(A, x->last, (size_t)m * nin * sizeof *A);
    if (!s && c) memcpy(c, cc, (size_t)m * sizeof *c);
    for (int r = 0; !s && slack && r < m; r++) slack[r] = fpr_up(x->err[r]);
    double *xmin = io ? io->xmin : NULL;
    for (int r = 0; !s && xmin && r < m; r++)
        for (int j = 0; j < nin; j++)
            xmin[(size_t)r * nin + j] = x->last[(size_t)r * nin + j] >= 0 ? b->lo[0][j] : b->hi[0][j];
    free(cc);
    cx_close(x, o);
    return s;
}

nc_status crown_rows(const net *n, const bounds *b, int m, const double *C, const double *d,
                     const crown_opts *o, double *lower, double *A, double *c, double *slack,
                     nc_err *e)
{
    return rows_pass(n, b, m, C, d, o, NULL, lower, A, c, slack, e);
}

nc_status crown_rows_split(const net *n, const bounds *b, int m, const double *C, const double *d,
                           const crown_opts *o, const crown_split_io *io, double *lower, nc_err *e)
{
    static const crown_split_io none = { 0 };
    return rows_pass(n, b, m, C, d, o, io ? io : &none, lower, NULL, NULL, NULL, e);
}

nc_status crown_outputs(const net *n, const bounds *b, const crown_opts *o, double *lo,
                        double *hi, nc_err *e)
{
    int no = n->out_dim;
    double *C = err_calloc(e, (size_t)2 * no * no, sizeof *C);
    double *out = err_calloc(e, (size_t)2 * no, sizeof *out);
    nc_status s = (!C || !out) ? e->code : NC_OK;
    if (!s) {
        for (int i = 0; i < no; i++) {
            C[(size_t)i * no + i] = 1.0;
            C[(size_t)(no + i) * no + i] = -1.0;
        }
        s = crown_rows(n, b, 2 * no, C, NULL, o, out, NULL, NULL, NULL, e);
    }
    for (int i = 0; !s && i < no; i++) lo[i] = out[i], hi[i] = -out[no + i];
    free(C), free(out);
    return s;
}
