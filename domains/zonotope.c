#include "domains/zonotope.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fpround.h"
#include "domains/interval.h"
#include "domains/relax.h"

typedef struct {
    int d, p, cap;     /* width, generators in use, generator capacity (= ld) */
    double *c, *G, *e;
} zono;

static void zfree(zono *z)
{
    free(z->c), free(z->G), free(z->e);
    memset(z, 0, sizeof *z);
}

static nc_status zalloc(zono *z, int d, int cap, nc_err *e)
{
    z->d = d, z->cap = cap, z->p = 0;
    z->c = err_calloc(e, (size_t)d, sizeof(double));
    z->G = err_calloc(e, (size_t)d * cap, sizeof(double));
    z->e = err_calloc(e, (size_t)d, sizeof(double));
    return z->c && z->G && z->e ? NC_OK : e->code;
}

/* Sum of |G_i.| rounded up: an upper bound of the exact sum. */
static double rowabs(const zono *z, int i)
{
    const double *g = &z->G[(size_t)i * z->cap];
    double s = 0.0;
    for (int j = 0; j < z->p; j++) s += fabs(g[j]);
    return fpr_up(s * (1.0 + 2.0 * (z->p + 2) * FPR_U));
}

/* The box of the zonotope, into lo/hi. */
static void concretise(const zono *z, double *lo, double *hi)
{
    for (int i = 0; i < z->d; i++) {
        double r = fpr_up(rowabs(z, i) + z->e[i]);
        lo[i] = fpr_down(z->c[i] - r);
        hi[i] = fpr_up(z->c[i] + r);
        if (isnan(lo[i])) lo[i] = -INFINITY;
        if (isnan(hi[i])) hi[i] = INFINITY;
    }
}

/* y = W x + b on the zonotope. */
static nc_status z_affine(const net_layer *l, const zono *x, zono *y, nc_err *e)
{
    int din = l->in, dout = l->out;
    double g = 4.0 * (din + 2) * FPR_U;
    double *v = err_calloc(e, (size_t)din, sizeof *v), *absw = err_calloc(e, (size_t)din * dout, sizeof *absw);
    if (!v || !absw) {
        free(v), free(absw);
        return e->code;
    }
    /* v = e + g (|c| + rowabs G): the rounding of W c and W G lands in |W| v */
    for (int j = 0; j < din; j++) v[j] = x->e[j] + g * (fabs(x->c[j]) + rowabs(x, j));
    for (size_t i = 0; i < (size_t)din * dout; i++) absw[i] = fabs(l->w[i]);
    memcpy(y->c, l->b, (size_t)dout * sizeof *y->c);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, dout, din, 1.0, l->w, din, x->c, 1, 1.0, y->c, 1);
    y->p = x->p;
    if (x->p > 0)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, dout, x->p, din, 1.0, l->w, din,
                    x->G, x->cap, 0.0, y->G, y->cap);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, dout, din, 1.0, absw, din, v, 1, 0.0, y->e, 1);
    for (int i = 0; i < dout; i++) {
        double t = fpr_up((y->e[i] + g * fabs(l->b[i])) * (1.0 + g)) + (din + 2) * FPR_ETA;
        y->e[i] = isnan(t) ? INFINITY : t;
    }
    free(v), free(absw);
    return NC_OK;
}

/* Row i of y = k * (row i of x): centre, generators and error term. */
static void z_scale_row(const zono *x, zono *y, int i, double k, int div)
{
    const double *gx = &x->G[(size_t)i * x->cap];
    double *gy = &y->G[(size_t)i * y->cap];
    double s = 0.0;
    y->c[i] = div ? x->c[i] / k : x->c[i] * k;
    for (int j = 0; j < x->p; j++) {
        gy[j] = div ? gx[j] / k : gx[j] * k;
        s += fabs(gy[j]);
    }
    double ak = div ? fpr_up(1.0 / fabs(k)) : fabs(k);
    y->e[i] = fpr_up(fpr_up(x->e[i] * ak) * (1.0 + 2 * FPR_U) +
                     2.0 * FPR_U * (fabs(y->c[i]) + s * (1.0 + 2.0 * (x->p + 2) * FPR_U)) +
                     2 * FPR_ETA);
}

/* Elementwise add / mul / div by constants. */
static void z_elem(const net_layer *l, const zono *x, zono *y)
{
    y->p = x->p;
    for (int i = 0; i < l->out; i++) {
        if (l->kind != NET_ADD) {
            z_scale_row(x, y, i, l->b[i], l->kind == NET_DIV);
            continue;
        }
        y->c[i] = x->c[i] + l->b[i];
        memcpy(&y->G[(size_t)i * y->cap], &x->G[(size_t)i * x->cap], (size_t)x->p * sizeof(double));
        y->e[i] = fpr_up(x->e[i] + FPR_U * fabs(y->c[i]));
    }
}

/* y = f(x) through the band  s x + [blo, bup]: generator `col` is new. */
static void z_band(const zono *x, zono *y, int i, double s, double blo, double bup, int col)
{
    const double *gx = &x->G[(size_t)i * x->cap];
    double *gy = &y->G[(size_t)i * y->cap];
    double mid = 0.5 * (blo + bup), half = fpr_up(fmax(bup - mid, mid - blo));
    double sum = 0.0;
    y->c[i] = s * x->c[i] + mid;
    for (int j = 0; j < x->p; j++) {
        gy[j] = s * gx[j];
        sum += fabs(gy[j]);
    }
    gy[col] = half;
    y->e[i] = fpr_up(fpr_up(x->e[i] * s) * (1.0 + 2 * FPR_U) +
                     3.0 * FPR_U * (fabs(y->c[i]) + fabs(mid) + sum * (1.0 + 2.0 * (x->p + 2) * FPR_U)) +
                     3 * FPR_ETA);
}

/* Activation layer on [lo, hi] (the tightest box known for its input). */
static void z_activation(const net_layer *l, const zono *x, zono *y, const double *lo,
                         const double *hi)
{
    int d = l->in, col = x->p;
    y->p = x->p;
    for (int i = 0; i < d; i++) {
        double a = lo[i], b = hi[i], s, blo, bup;
        double *gy = &y->G[(size_t)i * y->cap];
        memset(gy, 0, (size_t)y->cap * sizeof *gy);
        if (l->kind == NET_RELU || l->kind == NET_LEAKY_RELU) {
            relax_line r;
            relax_activation(l->kind, l->alpha, a, b, &r);
            s = r.a_up;   /* the chord slope; 1, 0 or alpha when stable */
            if (!r.unstable) {
                z_scale_row(x, y, i, s, 0);
                continue;
            }
            /* f - s x is extremal at the kink (0) or at an end: convex f
             * (alpha <= 1) has its minimum 0 at the kink, concave its maximum */
            double ends = relax_pwl_upper_intercept(l->kind, l->alpha, s, a, b);
            double neg = l->kind == NET_RELU ? 0.0 : l->alpha;
            if (neg <= 1.0) {
                blo = 0.0, bup = ends;
            } else {
                blo = fmin(fpr_down(fpr_down(neg * a) - fpr_up(s * a)), fpr_down(b - fpr_up(s * b)));
                bup = 0.0;
            }
        } else {
            double fa = l->kind == NET_SIGMOID ? 1.0 / (1.0 + exp(-a)) : tanh(a);
            double fb = l->kind == NET_SIGMOID ? 1.0 / (1.0 + exp(-b)) : tanh(b);
            double da = l->kind == NET_SIGMOID ? fa * (1 - fa) : 1 - fa * fa;
            double db = l->kind == NET_SIGMOID ? fb * (1 - fb) : 1 - fb * fb;
            if (!isfinite(a) || !isfinite(b)) {   /* unbounded input: a constant band */
                s = 0.0;
                blo = l->kind == NET_SIGMOID ? 0.0 : -1.0;
                bup = 1.0;
            } else {
                /* slope below f' on [a, b] (f' is unimodal), shrunk for rounding */
                s = fmax(0.0, fmin(da, db) * (1.0 - 64 * FPR_U) - 1e-300);
                /* f - s x is then increasing: its range is at the ends */
                blo = fpr_down(fpr_step(fa, -1, FPR_LIBM_ULPS) - fpr_up(s * a));
                bup = fpr_up(fpr_step(fb, 1, FPR_LIBM_ULPS) - fpr_down(s * b));
            }
        }
        z_band(x, y, i, s, blo, bup, col++);
    }
    y->p = col;
}

nc_status zono_propagate(const net *n, bounds *b, int intersect, int m, const double *C,
                         const double *d, double *lower, nc_err *e)
{
    int w = net_max_width(n), cap = n->in_dim;
    for (int k = 0; k < n->n; k++)
        if (net_is_activation(n->layers[k].kind)) cap += n->layers[k].in;
    zono z[2] = { 0 };
    double *lo = err_calloc(e, (size_t)w, sizeof *lo), *hi = err_calloc(e, (size_t)w, sizeof *hi);
    nc_status s = (!lo || !hi) ? e->code : NC_OK;
    if (!s) s = zalloc(&z[0], w, cap + 1, e);
    if (!s) s = zalloc(&z[1], w, cap + 1, e);
    if (s) goto done;
    /* the input box as a zonotope: centre and one generator per input */
    zono *x = &z[0], *y = &z[1];
    x->d = n->in_dim;
    for (int i = 0; i < n->in_dim; i++) {
        double l0 = b->lo[0][i], h0 = b->hi[0][i];
        if (!isfinite(l0) || !isfinite(h0)) {
            x->c[i] = 0.0;
            x->e[i] = INFINITY;
            continue;
        }
        double mid = 0.5 * (l0 + h0);
        x->c[i] = mid;
        x->G[(size_t)i * x->cap + x->p++] = fpr_up(fmax(h0 - mid, mid - l0));
    }
    for (int k = 0; k < n->n && !s; k++) {
        const net_layer *l = &n->layers[k];
        y->d = l->out;
        if (net_is_activation(l->kind)) z_activation(l, x, y, b->lo[k], b->hi[k]);
        else if (l->kind == NET_AFFINE) s = z_affine(l, x, y, e);
        else z_elem(l, x, y);
        if (s) break;
        concretise(y, lo, hi);
        if (intersect) bounds_meet(b, k + 1, lo, hi);
        else memcpy(b->lo[k + 1], lo, (size_t)l->out * sizeof *lo),
             memcpy(b->hi[k + 1], hi, (size_t)l->out * sizeof *hi);
        zono *t = x;
        x = y;
        y = t;
    }
    /* rows C y + d on the final zonotope: the affine map, then the box */
    if (!s && m > 0) {
        net_layer rows = { .kind = NET_AFFINE, .in = n->out_dim, .out = m, .w = (double *)C };
        double *dd = err_calloc(e, (size_t)m, sizeof *dd);
        zono r = { 0 };
        if (!dd || zalloc(&r, m, x->cap, e)) s = e->code;
        for (int i = 0; !s && i < m; i++) dd[i] = d ? d[i] : 0.0;
        rows.b = dd;
        if (!s) s = z_affine(&rows, x, &r, e);
        double *rl = err_calloc(e, (size_t)m, sizeof *rl), *rh = err_calloc(e, (size_t)m, sizeof *rh);
        if (!s && (!rl || !rh)) s = e->code;
        if (!s) {
            r.d = m;
            concretise(&r, rl, rh);
            memcpy(lower, rl, (size_t)m * sizeof *lower);
        }
        free(rl), free(rh), free(dd);
        zfree(&r);
    }
done:
    zfree(&z[0]);
    zfree(&z[1]);
    free(lo), free(hi);
    return s;
}
