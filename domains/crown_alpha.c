/* crown_alpha: alpha-CROWN, projected-gradient (Adam) optimisation of the
 * lower-line slopes of unstable ReLU/LeakyReLU neurons, one set of slopes
 * per output row, with the intermediate boxes fixed; with split
 * constraints, their Lagrange multipliers beta >= 0 too (beta-CROWN, Wang
 * et al. 2021): the bound of  row(x) - sum_j beta_j s_j z_j(x)  has the
 * derivative  -s_j h_j  in beta_j, h_j the relaxed pre-activation at x*.
 *
 * For fixed slopes the CROWN bound of row r is  min_x V_r(x), V_r linear.
 * By the envelope theorem its derivative in the slope a of neuron j of
 * activation layer k is  Lambda_rj * h_rj, where Lambda_rj is the
 * coefficient on that neuron's output in the backward pass and h_rj the
 * value of the neuron's relaxed pre-activation at the minimising corner x*
 * (a forward pass of the chosen linear relaxations from x*).
 *
 * The first pass is the rigorous one (cx_backward); the iterates after it
 * are steered by estimates: the same passes, backward and forward, in
 * single precision and without rounding-error bounds (the products are
 * bound by memory traffic, and single precision halves it). Every bound
 * reported comes from a rigorous pass: the best iterate per row by its
 * estimate gets one at the end, and a row whose rigorous bound there is
 * below its first keeps its first. The first iterate is plain CROWN (or
 * the warm start given), so the result is never below it. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/kernel.h"
#include "core/matmul.h"
#include "domains/crown_ctx.h"

typedef struct {
    int L, m;
    double **slopes, **record, **best, **m1, **m2;
    int **unst, *n_unst;   /* per optimisable layer: its unstable neurons */
    /* split multipliers, per layer with splits (else NULL): m x d each */
    const signed char *const *sign;
    double **beta, **bbest, **bm1, **bm2, **bg;
    char **want;           /* per layer: neurons whose pre-activation the
                              gradient needs (unstable or split) */
    double **init, **binit;   /* the starting slopes and multipliers */
    double **rec0;         /* record of the first (rigorous) pass */
    float *fa, *fb;        /* single-precision scratch, m x widest layer */
    double *A, *cest;      /* the last pass's input coefficients (m x n_in)
                              and, for estimates, offsets (m) */
} alpha_state;

static void state_free(alpha_state *s)
{
    for (int k = 0; k < s->L; k++) {
        if (s->slopes) free(s->slopes[k]);
        if (s->record) free(s->record[k]);
        if (s->best) free(s->best[k]);
        if (s->m1) free(s->m1[k]);
        if (s->m2) free(s->m2[k]);
        if (s->unst) free(s->unst[k]);
        if (s->beta) free(s->beta[k]);
        if (s->bbest) free(s->bbest[k]);
        if (s->bm1) free(s->bm1[k]);
        if (s->bm2) free(s->bm2[k]);
        if (s->bg) free(s->bg[k]);
        if (s->want) free(s->want[k]);
        if (s->init) free(s->init[k]);
        if (s->binit) free(s->binit[k]);
        if (s->rec0) free(s->rec0[k]);
    }
    free(s->rec0), free(s->init), free(s->binit), free(s->fa), free(s->fb), free(s->A), free(s->cest);
    free(s->slopes), free(s->record), free(s->best), free(s->m1), free(s->m2);
    free(s->unst), free(s->n_unst);
    free(s->beta), free(s->bbest), free(s->bm1), free(s->bm2), free(s->bg), free(s->want);
}

static int optimisable(const net_layer *l)
{
    return l->kind == NET_RELU || l->kind == NET_LEAKY_RELU;
}

static nc_status state_init(cctx *x, int start, int m, const crown_split_io *io,
                            alpha_state *s, nc_err *e)
{
    const net *n = x->n;
    memset(s, 0, sizeof *s);
    s->L = start;
    s->m = m;
    const signed char *const *sign = io ? io->sign : NULL;
    s->sign = sign;
    size_t L = (size_t)(start ? start : 1);
    s->beta = err_calloc(e, L, sizeof(double *));
    s->bbest = err_calloc(e, L, sizeof(double *));
    s->bm1 = err_calloc(e, L, sizeof(double *));
    s->bm2 = err_calloc(e, L, sizeof(double *));
    s->bg = err_calloc(e, L, sizeof(double *));
    s->want = err_calloc(e, L, sizeof(char *));
    if (!s->beta || !s->bbest || !s->bm1 || !s->bm2 || !s->bg || !s->want) return e->code;
    s->slopes = err_calloc(e, (size_t)s->L, sizeof(double *));
    s->record = err_calloc(e, (size_t)s->L, sizeof(double *));
    s->best = err_calloc(e, (size_t)s->L, sizeof(double *));
    s->m1 = err_calloc(e, (size_t)s->L, sizeof(double *));
    s->m2 = err_calloc(e, (size_t)s->L, sizeof(double *));
    s->unst = err_calloc(e, (size_t)s->L, sizeof(int *));
    s->n_unst = err_calloc(e, (size_t)s->L, sizeof(int));
    s->init = err_calloc(e, (size_t)s->L, sizeof(double *));
    s->binit = err_calloc(e, (size_t)s->L, sizeof(double *));
    s->rec0 = err_calloc(e, (size_t)s->L, sizeof(double *));
    s->fa = err_calloc(e, (size_t)m * x->maxw, sizeof(float));
    s->fb = err_calloc(e, (size_t)m * x->maxw, sizeof(float));
    s->A = err_calloc(e, (size_t)m * n->in_dim, sizeof(double));
    s->cest = err_calloc(e, (size_t)m, sizeof(double));
    if (!s->slopes || !s->record || !s->best || !s->m1 || !s->m2 || !s->unst || !s->n_unst ||
        !s->init || !s->binit || !s->rec0 || !s->fa || !s->fb || !s->A || !s->cest)
        return e->code;
    for (int k = 0; k < s->L; k++) {
        const net_layer *l = &n->layers[k];
        if (!net_is_activation(l->kind)) continue;
        size_t sz = (size_t)m * l->in;
        if (!(s->record[k] = err_calloc(e, sz, sizeof(double))) ||
            !(s->rec0[k] = err_calloc(e, sz, sizeof(double))))
            return e->code;
        if (!optimisable(l)) continue;
        if (!(s->slopes[k] = err_calloc(e, sz, sizeof(double))) ||
            !(s->best[k] = err_calloc(e, sz, sizeof(double))) ||
            !(s->m1[k] = err_calloc(e, sz, sizeof(double))) ||
            !(s->m2[k] = err_calloc(e, sz, sizeof(double))))
            return e->code;
        for (int r = 0; r < m; r++)
            for (int j = 0; j < l->in; j++) s->slopes[k][(size_t)r * l->in + j] = x->rv[k][j];
        if (io && io->slopes && io->slopes[k]) {   /* warm start, within the slopes' range */
            double lo = l->kind == NET_RELU ? 0.0 : fmin(l->alpha, 1.0);
            double hi = l->kind == NET_RELU ? 1.0 : fmax(l->alpha, 1.0);
            for (int r = 0; r < m; r++)
                for (int j = 0; j < l->in; j++) {
                    size_t i = (size_t)r * l->in + j;
                    double v = io->slopes[k][i];
                    if (x->ru[k][j] && v >= lo && v <= hi) s->slopes[k][i] = v;
                }
        }
        memcpy(s->best[k], s->slopes[k], sz * sizeof(double));
        if (!(s->init[k] = err_calloc(e, sz, sizeof(double)))) return e->code;
        memcpy(s->init[k], s->slopes[k], sz * sizeof(double));
        if (!(s->unst[k] = err_calloc(e, (size_t)l->in, sizeof(int)))) return e->code;
        if (!(s->want[k] = err_calloc(e, (size_t)l->in, 1))) return e->code;
        for (int j = 0; j < l->in; j++)
            if (x->ru[k][j]) s->unst[k][s->n_unst[k]++] = j, s->want[k][j] = 1;
        int splits = 0;
        for (int j = 0; sign && sign[k] && j < l->in; j++)
            if (sign[k][j]) splits = 1, s->want[k][j] = 1;
        if (!splits) continue;
        if (!(s->beta[k] = err_calloc(e, sz, sizeof(double))) ||
            !(s->bbest[k] = err_calloc(e, sz, sizeof(double))) ||
            !(s->bm1[k] = err_calloc(e, sz, sizeof(double))) ||
            !(s->bm2[k] = err_calloc(e, sz, sizeof(double))) ||
            !(s->bg[k] = err_calloc(e, sz, sizeof(double))))
            return e->code;
        for (size_t i = 0; io->beta && io->beta[k] && i < sz; i++)
            s->beta[k][i] = io->beta[k][i] > 0 ? io->beta[k][i] : 0.0;   /* NaN: 0 */
        memcpy(s->bbest[k], s->beta[k], sz * sizeof(double));
        if (!(s->binit[k] = err_calloc(e, sz, sizeof(double)))) return e->code;
        memcpy(s->binit[k], s->beta[k], sz * sizeof(double));
    }
    return NC_OK;
}

/* One rigorous backward pass with the current slopes; records coefficients. */
static nc_status evaluate(cctx *x, int start, int m, const double *L0, int w0, const double *d0,
                          double *c, alpha_state *s, double *out, nc_err *e)
{
    memcpy(x->buf[0], L0, (size_t)m * w0 * sizeof *L0);
    memcpy(c, d0, (size_t)m * sizeof *c);
    cx_alpha a = { .slopes = s->slopes, .record = s->record, .beta = s->beta, .sign = s->sign };
    nc_status st = cx_backward(x, start, m, x->buf[0], c, &a, out, e);
    if (!st) memcpy(s->A, x->last, (size_t)m * x->n->in_dim * sizeof *s->A);
    return st;
}

/* The estimate's inner loops (any order of summation: estimates only).
 * est_dot: sum cur_j b_j. */
NC_KERNEL static double est_dot(int d, const float *restrict cur, const double *restrict b)
{
    double acc = 0.0;
    int j = 0;
#ifdef NC_VECTORS
    nc_vd va = { 0 };
    for (; j + NC_LANES <= d; j += NC_LANES) {
        nc_vf cf;
        nc_vd bv;
        NC_VLOAD(cf, &cur[j]), NC_VLOAD(bv, &b[j]);
        va += __builtin_convertvector(cf, nc_vd) * bv;
    }
    for (int q = 0; q < NC_LANES; q++) acc += va[q];
#endif
    for (; j < d; j++) acc += (double)cur[j] * b[j];
    return acc;
}

/* One row through an activation layer (the choices of cx_backward's
 * relax_row; as: the row's slopes where ru says so, else alo): nxt_j =
 * lam_j a_j in single precision, lam_j to rec when given; returns
 * sum lam_j b_j. */
NC_KERNEL static double est_relax(int d, const float *restrict lam, const double *restrict rv,
                                  const unsigned char *restrict ru, const double *restrict as,
                                  double *restrict rec, float *restrict nxt)
{
    const double *alo = rv, *blo = rv + d, *aup = rv + 2 * d, *bup = rv + 3 * d;
    double acc = 0.0;
    int j = 0;
#ifdef NC_VECTORS
    nc_vd va = { 0 };
    for (; j + NC_LANES <= d; j += NC_LANES) {
        nc_vf lf;
        nc_vd a_s, a_c, a_u, b_l, b_u;
        nc_vc rc;
        NC_VLOAD(lf, &lam[j]), NC_VLOAD(a_s, &as[j]), NC_VLOAD(a_c, &alo[j]), NC_VLOAD(a_u, &aup[j]);
        NC_VLOAD(b_l, &blo[j]), NC_VLOAD(b_u, &bup[j]), NC_VLOAD(rc, &ru[j]);
        nc_vd v = __builtin_convertvector(lf, nc_vd);
        nc_vi opt = __builtin_convertvector(rc, nc_vi) != 0, lower = v >= 0;
        if (rec) NC_VSTORE(&rec[j], v);
        nc_vf nv = __builtin_convertvector(v * NC_VPICK(lower, NC_VPICK(opt, a_s, a_c), a_u), nc_vf);
        NC_VSTORE(&nxt[j], nv);
        va += v * NC_VPICK(lower, b_l, b_u);
    }
    for (int q = 0; q < NC_LANES; q++) acc += va[q];
#endif
    for (; j < d; j++) {
        double v = lam[j], a0 = ru[j] ? as[j] : alo[j];
        uint64_t lower = v >= 0;
        if (rec) rec[j] = v;
        nxt[j] = (float)(v * cx_pick(lower, a0, aup[j]));
        acc += v * cx_pick(lower, blo[j], bup[j]);
    }
    return acc;
}

/* The estimate's last step for one row: A_j = cur_j (widened), and the
 * sum of A_j at the box's minimising corner (a zero coefficient adds
 * nothing, not 0 times an infinite end). */
NC_KERNEL static double est_corner(int d, const float *restrict cur, const double *restrict lo,
                                   const double *restrict hi, double *restrict A)
{
    double acc = 0.0;
    int j = 0;
#ifdef NC_VECTORS
    nc_vd va = { 0 };
    for (; j + NC_LANES <= d; j += NC_LANES) {
        nc_vf cf;
        nc_vd l, u;
        NC_VLOAD(cf, &cur[j]), NC_VLOAD(l, &lo[j]), NC_VLOAD(u, &hi[j]);
        nc_vd a = __builtin_convertvector(cf, nc_vd);
        NC_VSTORE(&A[j], a);
        va += NC_VPICK(a != 0, a * NC_VPICK(a > 0, l, u), (nc_vd){ 0 });
    }
    for (int q = 0; q < NC_LANES; q++) acc += va[q];
#endif
    for (; j < d; j++) {
        double a = cur[j];
        A[j] = a;
        acc += cx_pick(a != 0.0, a * cx_pick(a > 0, lo[j], hi[j]), 0.0);
    }
    return acc;
}

/* The pass of evaluate in single precision and without rounding-error
 * bounds: each row's bound estimated (out), the coefficients on the input
 * (s->A) and on every activation's output (s->record) for the gradient.
 * Steers the optimisation only; x->last and x->err are left alone. */
static void estimate(cctx *x, int start, int m, const double *L0, int w0, const double *d0,
                     alpha_state *s, double *out)
{
    const net *n = x->n;
    float *cur = s->fa, *nxt = s->fb;
    double *c = s->cest;
    for (size_t i = 0; i < (size_t)m * w0; i++) cur[i] = (float)L0[i];
    memcpy(c, d0, (size_t)m * sizeof *c);
    for (int i = start - 1; i >= 0; i--) {
        const net_layer *l = &n->layers[i];
        int din = l->in, dout = l->out;
        if (l->kind == NET_AFFINE || l->kind == NET_ADD) {
            for (int r = 0; r < m; r++) c[r] += est_dot(dout, &cur[(size_t)r * dout], l->b);
            if (l->kind == NET_AFFINE) mm_rows_w_f(m, dout, din, cur, x->wf[i], 0.0f, nxt);
            else memcpy(nxt, cur, (size_t)m * dout * sizeof *nxt);
        } else if (l->kind == NET_MUL || l->kind == NET_DIV) {
            for (size_t r = 0; r < (size_t)m; r++)
                for (int j = 0; j < dout; j++) {
                    double v = cur[r * dout + j];
                    nxt[r * din + j] = (float)(l->kind == NET_MUL ? v * l->b[j] : v / l->b[j]);
                }
        } else {   /* the relaxations cx_backward chooses, by each coefficient's sign */
            const double *al = s->slopes[i];
            for (size_t r = 0; r < (size_t)m; r++) {
                size_t o = r * dout;
                c[r] += est_relax(dout, &cur[o], x->rv[i], x->ru[i], al ? &al[o] : x->rv[i],
                                  s->record[i] ? &s->record[i][o] : NULL, &nxt[r * din]);
            }
            for (int j = 0; s->beta[i] && j < din; j++)
                for (size_t r = 0; s->sign[i][j] && r < (size_t)m; r++)
                    nxt[r * din + j] -= (float)(s->sign[i][j] * s->beta[i][r * din + j]);
        }
        float *t = cur;
        cur = nxt;
        nxt = t;
    }
    int nin = n->in_dim;
    const double *lo = x->b->lo[0], *hi = x->b->hi[0];
    for (size_t r = 0; r < (size_t)m; r++) {
        double v = c[r] + est_corner(nin, &cur[r * nin], lo, hi, &s->A[r * nin]);
        out[r] = isnan(v) ? -INFINITY : v;
    }
}

/* hn = h W^T + b on the neurons flagged in `want` only (other columns 0),
 * in single precision (wf: W). A few rows (branch and bound's): a dot
 * product per wanted neuron and row; many: a product with the gathered
 * rows of W. */
static nc_status affine_wanted(const net_layer *l, const float *wf, const char *want, int m,
                               const float *h, float *hn, nc_err *e)
{
    int din = l->in, dout = l->out, nu = 0;
    memset(hn, 0, (size_t)m * dout * sizeof *hn);
    if (m <= 8) {
        for (int j = 0; j < dout; j++)
            for (int r = 0; want[j] && r < m; r++)
                hn[(size_t)r * dout + j] =
                    (float)(cblas_sdot(din, &wf[(size_t)j * din], 1, &h[(size_t)r * din], 1) +
                            l->b[j]);
        return NC_OK;
    }
    for (int j = 0; j < dout; j++) nu += want[j] != 0;
    int *idx = err_calloc(e, (size_t)nu + 1, sizeof *idx);
    float *wu = err_calloc(e, (size_t)nu * din + 1, sizeof *wu);
    float *hu = err_calloc(e, (size_t)m * nu + 1, sizeof *hu);
    if (!idx || !wu || !hu) {
        free(idx), free(wu), free(hu);
        return e->code;
    }
    nu = 0;
    for (int j = 0; j < dout; j++)
        if (want[j]) {
            memcpy(&wu[(size_t)nu * din], &wf[(size_t)j * din], (size_t)din * sizeof *wu);
            idx[nu++] = j;
        }
    if (nu > 0)
        mm_rows_wt_f(m, nu, din, h, wu, 0.0f, hu);
    for (int r = 0; r < m; r++)
        for (int j = 0; j < nu; j++)
            hn[(size_t)r * dout + idx[j]] = (float)(hu[(size_t)r * nu + j] + l->b[idx[j]]);
    free(idx), free(wu), free(hu);
    return NC_OK;
}

/* One row of the gradient's forward pass through an activation layer:
 * hn_j = a_j h_j + b_j with the lines the backward pass chose (by the sign
 * of its coefficient lam_j; sl: the row's slopes or NULL), and where sl
 * is given, g_j = lam_j h_j where an optimisable lower line was used,
 * else 0. */
NC_KERNEL static void grad_relax(int d, const float *restrict h, const double *restrict lam,
                                 const double *restrict rv, const unsigned char *restrict ru,
                                 const double *restrict sl, double *restrict g, float *restrict hn)
{
    const double *alo = rv, *blo = rv + d, *aup = rv + 2 * d, *bup = rv + 3 * d;
    const double *as = sl ? sl : alo;
    int j = 0;
#ifdef NC_VECTORS
    for (; j + NC_LANES <= d; j += NC_LANES) {
        nc_vf hf;
        nc_vd la, a_s, a_c, a_u, b_l, b_u;
        nc_vc rc;
        NC_VLOAD(hf, &h[j]), NC_VLOAD(la, &lam[j]), NC_VLOAD(a_s, &as[j]), NC_VLOAD(a_c, &alo[j]);
        NC_VLOAD(a_u, &aup[j]), NC_VLOAD(b_l, &blo[j]), NC_VLOAD(b_u, &bup[j]), NC_VLOAD(rc, &ru[j]);
        nc_vd v = __builtin_convertvector(hf, nc_vd);
        nc_vi opt = __builtin_convertvector(rc, nc_vi) != 0, lower = la >= 0;
        nc_vd a = NC_VPICK(lower, NC_VPICK(opt, a_s, a_c), a_u), b = NC_VPICK(lower, b_l, b_u);
        if (g) {
            nc_vd gv = NC_VPICK(lower & opt, la * v, (nc_vd){ 0 });
            NC_VSTORE(&g[j], gv);
        }
        nc_vf out = __builtin_convertvector(a * v + b, nc_vf);
        NC_VSTORE(&hn[j], out);
    }
#endif
    for (; j < d; j++) {
        double v = h[j], la = lam[j];
        uint64_t lower = la >= 0, opt = sl ? ru[j] : 0;
        double a = cx_pick(lower, cx_pick(opt, as[j], alo[j]), aup[j]);
        double b = cx_pick(lower, blo[j], bup[j]);
        if (g) g[j] = cx_pick(lower & opt, la * v, 0.0);
        hn[j] = (float)(a * v + b);
    }
}

/* h_j = the end of [lo_j, hi_j] where a_j x_j is least (lo where a_j >= 0),
 * in single precision. */
NC_KERNEL static void corner_f(int d, const double *restrict a, const double *restrict lo,
                               const double *restrict hi, float *restrict h)
{
    for (int j = 0; j < d; j++) {
        double l = lo[j], u = hi[j];
        h[j] = (float)(a[j] >= 0 ? l : u);
    }
}

/* Forward pass of the chosen relaxations from the minimising corners of
 * the last pass (s->A), in single precision, accumulating the slope
 * gradients into g (same layout as slopes) and the multipliers' into
 * s->bg. */
static nc_status gradient(cctx *x, int start, int m, alpha_state *s, double **g, nc_err *e)
{
    const net *n = x->n;
    int nin = n->in_dim;
    float *h = s->fa, *hn = s->fb;
    const double *A = s->A, *lo = x->b->lo[0], *hi = x->b->hi[0];
    for (int r = 0; r < m; r++) corner_f(nin, &A[(size_t)r * nin], lo, hi, &h[(size_t)r * nin]);
    /* gradients live at optimisable activation layers: the pass stops at
     * the highest one, and the affine layer feeding it is only evaluated on
     * that layer's unstable neurons (the only ones whose slopes move) */
    int top = -1;
    for (int k = 0; k < start; k++)
        if (s->slopes[k] || s->beta[k]) top = k;
    nc_status st = NC_OK;
    for (int k = 0; k <= top && !st; k++) {
        const net_layer *l = &n->layers[k];
        int din = l->in, dout = l->out;
        if (l->kind == NET_AFFINE && k == 0)   /* from the input: the last iterates' points nearby */
            st = cx_first_affine_f(x, m, h, hn, e);
        else if (l->kind == NET_AFFINE && k + 1 == top)
            st = affine_wanted(l, x->wf[k], s->want[top], m, h, hn, e);
        else if (l->kind == NET_AFFINE)
            cx_affine_f(l, x->wf[k], m, h, hn);
        else if (!net_is_activation(l->kind)) {
            for (int r = 0; r < m; r++)
                for (int j = 0; j < dout; j++) {
                    double v = h[(size_t)r * din + j], c = l->b[j];
                    hn[(size_t)r * dout + j] = (float)(l->kind == NET_ADD ? v + c
                                                       : l->kind == NET_MUL ? v * c : v / c);
                }
        } else {
            const double *sl = s->slopes[k];
            if (s->beta[k])   /* d bound / d beta_j = -sign_j h_j */
                for (int r = 0; r < m; r++)
                    for (int j = 0; j < dout; j++)
                        s->bg[k][(size_t)r * dout + j] = -s->sign[k][j] * h[(size_t)r * dout + j];
            /* d bound / d slope where the slope is used (only the unstable
             * neurons' entries are read) */
            for (int r = 0; r < m; r++) {
                size_t o = (size_t)r * dout;
                grad_relax(dout, &h[o], &s->record[k][o], x->rv[k], x->ru[k], sl ? &sl[o] : NULL,
                           sl ? &g[k][o] : NULL, &hn[o]);
            }
        }
        float *t = h;
        h = hn;
        hn = t;
    }
    return st;
}

/* One projected Adam ascent step on v (entries idx of the list, or all
 * `cnt` when idx is NULL), clamped to [lo, hi]. */
NC_KERNEL static void adam_step(double *restrict v, double *restrict m1, double *restrict m2,
                                const double *restrict g, const int *restrict idx, int cnt,
                                size_t off, double lr, double bc1, double bc2, double lo, double hi)
{
    const double b1 = 0.9, b2 = 0.999;
    for (int q = 0; q < cnt; q++) {
        size_t i = off + (size_t)(idx ? idx[q] : q);
        double gi = g[i];
        m1[i] = b1 * m1[i] + (1 - b1) * gi;
        m2[i] = b2 * m2[i] + (1 - b2) * gi * gi;
        double t = v[i] + lr * (m1[i] / bc1) / (sqrt(m2[i] / bc2) + 1e-8);
        v[i] = t < lo ? lo : t > hi ? hi : t;
    }
}

/* Keeps row r's current slopes and multipliers as its best. */
static void keep_best(alpha_state *s, const net *n, int start, int r)
{
    for (int k = 0; k < start; k++) {
        size_t d = (size_t)n->layers[k].in;
        if (s->slopes[k]) memcpy(&s->best[k][r * d], &s->slopes[k][r * d], d * sizeof(double));
        if (s->beta[k]) memcpy(&s->bbest[k][r * d], &s->beta[k][r * d], d * sizeof(double));
    }
}

/* Slopes and multipliers of row r: its best (from = 1) or its starting
 * ones (from = 0) into the current. */
static void use_row(alpha_state *s, const net *n, int start, int r, int from)
{
    for (int k = 0; k < start; k++) {
        size_t d = (size_t)n->layers[k].in, sz = d * sizeof(double);
        if (s->slopes[k]) memcpy(&s->slopes[k][r * d], &(from ? s->best : s->init)[k][r * d], sz);
        if (s->beta[k]) memcpy(&s->beta[k][r * d], &(from ? s->bbest : s->binit)[k][r * d], sz);
    }
}

nc_status crown_alpha_optimise(cctx *x, int start, int m, const double *L0, int w0, double *c,
                               const crown_opts *o, const crown_split_io *io, double *lower,
                               nc_err *e)
{
    const net *n = x->n;
    alpha_state s;
    double *d0 = err_calloc(e, (size_t)m, sizeof *d0), *out = err_calloc(e, (size_t)m, sizeof *out);
    double *bestv = err_calloc(e, (size_t)m, sizeof *bestv);
    double **g = err_calloc(e, (size_t)(start ? start : 1), sizeof *g);
    nc_status st = (!d0 || !out || !bestv || !g) ? e->code : state_init(x, start, m, io, &s, e);
    if (!d0 || !out || !bestv || !g) memset(&s, 0, sizeof s);
    if (!st) memcpy(d0, c, (size_t)m * sizeof *d0);
    /* the gradient passes' references start afresh (the result must not
     * depend on what the context saw before) */
    x->n_ref = 0;
    /* W in single precision for the estimates, once per context */
    for (int k = 0; !st && o->alpha_iters > 0 && k < start; k++)
        if (n->layers[k].kind == NET_AFFINE) st = cx_wf(x, k, e);
    for (int k = 0; !st && k < start; k++)
        if (s.slopes[k] && !(g[k] = err_calloc(e, (size_t)m * n->layers[k].in, sizeof(double))))
            st = e->code;
    double lr = o->alpha_lr, blr = o->beta_lr, b1 = 0.9, b2 = 0.999;
    /* the first pass is rigorous (the bound at the start: lower), later
     * ones are estimates (bestv: the best value per row, estimated once a
     * later iterate beats the first); with o->estimate_first the first is
     * an estimate too, and the best iterate's pass at the end is the only
     * rigorous one */
    int moved = 0, estimated = 0;   /* some row's best is a later iterate; one ran */
    int first_rigorous = !o->estimate_first || o->alpha_iters == 0;
    for (int it = 0; !st && it <= o->alpha_iters; it++) {
        if (it == 0 && !first_rigorous) {
            estimate(x, start, m, L0, w0, d0, &s, out);
            memcpy(bestv, out, (size_t)m * sizeof *bestv);
            estimated = 1;
        } else if (it == 0) {
            if ((st = evaluate(x, start, m, L0, w0, d0, c, &s, lower, e))) break;
            memcpy(bestv, lower, (size_t)m * sizeof *bestv);
            for (int k = 0; k < start; k++)
                if (s.record[k])
                    memcpy(s.rec0[k], s.record[k], (size_t)m * n->layers[k].in * sizeof(double));
        } else {
            estimate(x, start, m, L0, w0, d0, &s, out);
            estimated = 1;
        }
        int above = o->stop_above != NULL;
        for (int r = 0; r < m; r++) {
            if (it > 0 && out[r] > bestv[r]) {
                bestv[r] = out[r];
                keep_best(&s, n, start, r);
                moved = 1;
            }
            if (above && !(bestv[r] > o->stop_above[r])) above = 0;
        }
        if (above || it == o->alpha_iters || (o->deadline > 0 && clock_now() > o->deadline))
            break;
        if ((st = gradient(x, start, m, &s, g, e))) break;
        double bc1 = 1.0 - pow(b1, it + 1), bc2 = 1.0 - pow(b2, it + 1);
        for (int k = 0; k < start; k++) {
            const net_layer *l = &n->layers[k];
            size_t d = (size_t)l->in;
            if (s.slopes[k]) {
                double lo = l->kind == NET_RELU ? 0.0 : fmin(l->alpha, 1.0);
                double hi = l->kind == NET_RELU ? 1.0 : fmax(l->alpha, 1.0);
                for (int r = 0; r < m; r++)   /* ascent: raise the lower bound */
                    adam_step(s.slopes[k], s.m1[k], s.m2[k], g[k], s.unst[k], s.n_unst[k],
                              (size_t)r * d, lr, bc1, bc2, lo, hi);
            }
            if (s.beta[k])
                adam_step(s.beta[k], s.bm1[k], s.bm2[k], s.bg[k], NULL, (int)((size_t)m * d), 0,
                          blr, bc1, bc2, 0.0, INFINITY);
        }
        lr *= 0.98;
        blr *= 0.98;
    }
    /* the slopes and multipliers returned are every row's best, and x->last,
     * c and the coefficients belong to them. When a later iterate was
     * best, a rigorous pass of them; a row whose rigorous bound there falls
     * below its first (an estimate's rounding may mislead by as much as it
     * gains) takes its starting slopes again, and one more pass follows.
     * Else the first pass's x->last and c still stand (estimates write
     * neither) and its coefficients are put back. */
    for (int r = 0; !st && (moved || estimated) && r < m; r++) use_row(&s, n, start, r, 1);
    if (!st && !first_rigorous)   /* the only rigorous pass: every row's best */
        st = evaluate(x, start, m, L0, w0, d0, c, &s, lower, e);
    else if (!st && moved) {
        st = evaluate(x, start, m, L0, w0, d0, c, &s, out, e);
        int back = 0;
        for (int r = 0; !st && r < m; r++)
            if (out[r] >= lower[r]) lower[r] = out[r];
            else use_row(&s, n, start, r, 0), back = 1;
        if (!st && back) st = evaluate(x, start, m, L0, w0, d0, c, &s, out, e);
    } else if (!st && estimated)
        for (int k = 0; k < start; k++)
            if (s.record[k])
                memcpy(s.record[k], s.rec0[k], (size_t)m * n->layers[k].in * sizeof(double));
    for (int k = 0; !st && io && k < start; k++) {
        size_t sz = (size_t)m * n->layers[k].in * sizeof(double);
        if (io->lam && io->lam[k] && s.record[k]) memcpy(io->lam[k], s.record[k], sz);
        if (io->slopes && io->slopes[k] && s.slopes[k]) memcpy(io->slopes[k], s.slopes[k], sz);
        if (io->beta && io->beta[k] && s.beta[k]) memcpy(io->beta[k], s.beta[k], sz);
    }
    for (int k = 0; g && k < start; k++) free(g[k]);
    free(g);
    state_free(&s);
    free(d0), free(out), free(bestv);
    return st;
}
