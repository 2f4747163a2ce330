#include "verify/falsify.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/rng.h"

struct falsifier {
    const net *n;
    const prop_case *pc;
    double **act;        /* act[k]: input of layer k; act[n->n]: output */
    double *ga, *gb;     /* gradient buffers (max width) */
    double *lo, *hi;     /* finite search box */
    double *x, *g, *xbest;
    int best_d, best_r;  /* disjunct/row of the last margin */
    int target;          /* disjunct whose margin the gradient follows (-1: the smallest) */
};

void falsify_opts_init(falsify_opts *o)
{
    o->seed = 1;
    o->samples = 2000;
    o->restarts = 100;
    o->steps = 100;
    o->deadline = 0.0;
}

void falsify_free(falsifier *f)
{
    if (!f) return;
    if (f->act)
        for (int k = 0; k <= f->n->n; k++) free(f->act[k]);
    free(f->act);
    free(f->ga), free(f->gb), free(f->lo), free(f->hi), free(f->x), free(f->g), free(f->xbest);
    free(f);
}

/* A finite search interval inside [lo_in, hi_in]. */
static void finite_box(double lo, double hi, double *l, double *h)
{
    if (!isfinite(lo) && !isfinite(hi)) lo = -1.0, hi = 1.0;
    else if (!isfinite(lo)) lo = hi - 1.0;
    else if (!isfinite(hi)) hi = lo + 1.0;
    *l = lo;
    *h = hi;
}

falsifier *falsify_new(const net *n, const prop_case *pc, nc_err *e)
{
    falsifier *f = err_calloc(e, 1, sizeof *f);
    if (!f) return NULL;
    f->n = n;
    f->pc = pc;
    f->target = -1;
    int w = net_max_width(n), d = n->in_dim;
    f->act = err_calloc(e, (size_t)n->n + 1, sizeof *f->act);
    f->ga = err_calloc(e, (size_t)w, sizeof(double));
    f->gb = err_calloc(e, (size_t)w, sizeof(double));
    f->lo = err_calloc(e, (size_t)d, sizeof(double));
    f->hi = err_calloc(e, (size_t)d, sizeof(double));
    f->x = err_calloc(e, (size_t)d, sizeof(double));
    f->g = err_calloc(e, (size_t)d, sizeof(double));
    f->xbest = err_calloc(e, (size_t)d, sizeof(double));
    if (!f->act || !f->ga || !f->gb || !f->lo || !f->hi || !f->x || !f->g || !f->xbest)
        goto fail;
    for (int k = 0; k <= n->n; k++) {
        int dim = k < n->n ? n->layers[k].in : n->out_dim;
        if (!(f->act[k] = err_calloc(e, (size_t)dim, sizeof(double)))) goto fail;
    }
    for (int i = 0; i < d; i++) finite_box(pc->lo_in[i], pc->hi_in[i], &f->lo[i], &f->hi[i]);
    return f;
fail:
    falsify_free(f);
    return NULL;
}

static void forward(falsifier *f, const double *x)
{
    const net *n = f->n;
    memcpy(f->act[0], x, (size_t)n->in_dim * sizeof *x);
    for (int k = 0; k < n->n; k++) net_layer_eval(&n->layers[k], f->act[k], f->act[k + 1]);
}

/* g_in = J^T g_out for each layer, from the output back to the input. */
static void backward(falsifier *f, const double *seed, double *gx)
{
    const net *n = f->n;
    double *cur = f->ga, *prev = f->gb;
    memcpy(cur, seed, (size_t)n->out_dim * sizeof *cur);
    for (int k = n->n - 1; k >= 0; k--) {
        const net_layer *l = &n->layers[k];
        const double *in = f->act[k], *out = f->act[k + 1];
        if (l->kind == NET_AFFINE) {
            cblas_dgemv(CblasRowMajor, CblasTrans, l->out, l->in, 1.0, l->w, l->in, cur, 1, 0.0,
                        prev, 1);
        } else {
            for (int i = 0; i < l->in; i++) {
                double d = 1.0;
                switch (l->kind) {
                case NET_RELU: d = in[i] > 0 ? 1.0 : 0.0; break;
                case NET_LEAKY_RELU: d = in[i] >= 0 ? 1.0 : l->alpha; break;
                case NET_SIGMOID: d = out[i] * (1.0 - out[i]); break;
                case NET_TANH: d = 1.0 - out[i] * out[i]; break;
                case NET_MUL: d = l->b[i]; break;
                case NET_DIV: d = 1.0 / l->b[i]; break;
                default: d = 1.0;
                }
                prev[i] = cur[i] * d;
            }
        }
        double *t = cur;
        cur = prev;
        prev = t;
    }
    memcpy(gx, cur, (size_t)n->in_dim * sizeof *gx);
}

double falsify_margin(falsifier *f, const double *x, double *g)
{
    forward(f, x);
    const prop_case *pc = f->pc;
    const double *y = f->act[f->n->n];
    int ny = f->n->out_dim;
    double best = INFINITY;
    int gd = -1, gr = -1;
    f->best_d = f->best_r = -1;
    for (int d = 0; d < pc->n_disj; d++) {
        double worst = -INFINITY;
        int wr = -1;
        for (int r = 0; r < pc->disj[d].n_rows; r++) {
            double slack;
            double v = prop_row_eval(&pc->disj[d].rows[r], ny, y, &slack);
            v += slack + 1e-12 * (1.0 + fabs(v));   /* room for the exact check */
            if (v > worst) worst = v, wr = r;
        }
        if (worst < best) best = worst, f->best_d = d, f->best_r = wr;
        if (d == f->target) gd = d, gr = wr;
    }
    if (gd < 0) gd = f->best_d, gr = f->best_r;
    if (g) {
        if (gr >= 0) backward(f, pc->disj[gd].rows[gr].a, g);
        else memset(g, 0, (size_t)f->n->in_dim * sizeof *g);
    }
    return isnan(best) ? INFINITY : best;
}

static int past(const falsify_opts *o) { return o->deadline > 0 && clock_now() > o->deadline; }

static void random_point(falsifier *f, rng *r, double *x)
{
    for (int i = 0; i < f->n->in_dim; i++) x[i] = rng_range(r, f->lo[i], f->hi[i]);
}

static int sample(falsifier *f, const falsify_opts *o, rng *r, falsify_cb cb, void *ctx,
                  double *best)
{
    for (int s = 0; s < o->samples; s++) {
        if ((s & 63) == 0 && past(o)) return 2;
        random_point(f, r, f->x);
        double m = falsify_margin(f, f->x, NULL);
        if (m < *best) *best = m;
        if (m < 0) {
            int c = cb(ctx, f->x);
            if (c) return c;
        }
    }
    return 0;
}

/* Signed-gradient descent on the margin from f->x, projected on [lo, hi],
 * for `steps` steps; returns the callback's verdict, 2 past the deadline. */
static int descend(falsifier *f, const double *lo, const double *hi, int steps,
                   const falsify_opts *o, falsify_cb cb, void *ctx, double *best)
{
    int d = f->n->in_dim;
    for (int s = 0; s < steps; s++) {
        if (o && (s & 7) == 0 && past(o)) return 2;
        double m = falsify_margin(f, f->x, f->g);
        if (m < *best) *best = m;
        if (m < 0) {
            int c = cb(ctx, f->x);
            if (c) return c;
        }
        double step = 0.25 * (1.0 - (double)s / steps) + 0.002;
        for (int i = 0; i < d; i++) {
            double w = hi[i] - lo[i];
            double v = f->x[i] - step * w * (f->g[i] > 0 ? 1.0 : f->g[i] < 0 ? -1.0 : 0.0);
            f->x[i] = v < lo[i] ? lo[i] : v > hi[i] ? hi[i] : v;
        }
    }
    return 0;
}

static int attack(falsifier *f, const falsify_opts *o, rng *r, falsify_cb cb, void *ctx,
                  double *best)
{
    int d = f->n->in_dim;
    for (int t = 0; t < o->restarts; t++) {
        if (t == 0) {   /* first start: the box centre */
            for (int i = 0; i < d; i++) f->x[i] = 0.5 * (f->lo[i] + f->hi[i]);
        } else {
            random_point(f, r, f->x);
        }
        /* restarts cycle between the smallest margin and each disjunct in
         * turn (a multi-targeted attack): following the currently closest
         * disjunct alone can stall where another one is reachable */
        int nd = f->pc->n_disj;
        f->target = nd > 1 ? t % (nd + 1) - 1 : -1;
        int c = descend(f, f->lo, f->hi, o->steps, o, cb, ctx, best);
        f->target = -1;
        if (c) return c;
    }
    return 0;
}

int falsify_local(falsifier *f, const double *lo, const double *hi, const double *x0, int steps,
                  falsify_cb cb, void *ctx)
{
    int d = f->n->in_dim;
    double *l = malloc((size_t)d * sizeof *l), *h = malloc((size_t)d * sizeof *h), best = INFINITY;
    if (!l || !h) {
        free(l), free(h);
        return 0;
    }
    for (int i = 0; i < d; i++) {   /* the sub-box within the search box */
        l[i] = fmax(lo[i], f->lo[i]);
        h[i] = fmin(hi[i], f->hi[i]);
        if (l[i] > h[i]) {
            free(l), free(h);
            return 0;
        }
        f->x[i] = x0[i] < l[i] ? l[i] : x0[i] > h[i] ? h[i] : x0[i];
    }
    int c = descend(f, l, h, steps, NULL, cb, ctx, &best);
    free(l), free(h);
    return c;
}

int falsify_run(falsifier *f, int phase, const falsify_opts *o, falsify_cb cb, void *ctx,
                double *best)
{
    rng r;
    rng_seed(&r, o->seed * 2 + (uint64_t)phase);
    double b = INFINITY;
    for (int i = 0; i < f->n->in_dim; i++)
        if (f->lo[i] > f->hi[i]) return 0;   /* inner box empty: nothing to search */
    int res = phase == 0 ? sample(f, o, &r, cb, ctx, &b) : attack(f, o, &r, cb, ctx, &b);
    if (best) *best = b;
    return res;
}
