#include "verify/star_crown.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fpround.h"

/* The sub-network from layer c: its first layer (the star's affine map and
 * the identity on delta) changes with every star, its boxes are refilled,
 * the rest is kept. */
typedef struct {
    int nv, dim;   /* the star's shape it was made for (dim 0: not made) */
    net sub;
    net_layer *layers;
    double *W, *bias;
    bounds *sb;
    crown_scratch *cs;
} sub_net;

struct star_crown_ws {
    const net *n;
    crown_scratch *cs;   /* for n itself (the whole-network bounds) */
    sub_net *subs;       /* per layer of n */
    int cap_m;           /* rows the buffers below hold */
    double *A, *cc, *slack;
};

static void sub_free(sub_net *s)
{
    crown_scratch_free(s->cs);
    bounds_free(s->sb);
    free(s->layers), free(s->W), free(s->bias);
    memset(s, 0, sizeof *s);
}

void star_crown_ws_free(star_crown_ws *w)
{
    if (!w) return;
    for (int k = 0; w->subs && k <= w->n->n; k++) sub_free(&w->subs[k]);
    free(w->subs);
    crown_scratch_free(w->cs);
    free(w->A), free(w->cc), free(w->slack);
    free(w);
}

star_crown_ws *star_crown_ws_new(const net *n, nc_err *e)
{
    star_crown_ws *w = err_calloc(e, 1, sizeof *w);
    if (!w) return NULL;
    w->n = n;
    w->subs = err_calloc(e, (size_t)n->n + 1, sizeof *w->subs);
    if (!w->subs || !(w->cs = crown_scratch_new(n, e))) {
        star_crown_ws_free(w);
        return NULL;
    }
    return w;
}

/* Buffers for m rows of up to `width` coefficients. */
static nc_status reserve(star_crown_ws *w, int m, int width, nc_err *e)
{
    int need = m * width > m ? m * width : m;
    if (need <= w->cap_m) return NC_OK;
    free(w->A), free(w->cc), free(w->slack);
    w->A = err_calloc(e, (size_t)need, sizeof *w->A);
    w->cc = err_calloc(e, (size_t)need, sizeof *w->cc);
    w->slack = err_calloc(e, (size_t)need, sizeof *w->slack);
    w->cap_m = w->A && w->cc && w->slack ? need : 0;
    return w->cap_m ? NC_OK : e->code;
}

/* The sub-network from layer c for s's shape, its first layer set to s. */
static sub_net *sub_for(star_crown_ws *w, const star *s, int c, nc_err *e)
{
    const net *n = w->n;
    sub_net *t = &w->subs[c];
    int nv = s->nv, dim = s->dim, nin2 = nv + dim, nl = 1 + n->n - c;
    if (t->dim != dim || t->nv != nv) {
        sub_free(t);
        t->layers = err_calloc(e, (size_t)nl, sizeof *t->layers);
        t->W = err_calloc(e, (size_t)dim * nin2, sizeof *t->W);
        t->bias = err_calloc(e, (size_t)dim, sizeof *t->bias);
        if (!t->layers || !t->W || !t->bias) {
            sub_free(t);
            return NULL;
        }
        t->sub = (net){ .n = nl, .cap = nl, .layers = t->layers, .in_dim = nin2, .out_dim = n->out_dim };
        t->layers[0] = (net_layer){ .kind = NET_AFFINE, .in = nin2, .out = dim, .w = t->W, .b = t->bias };
        for (int k = 1; k < nl; k++) t->layers[k] = n->layers[c + k - 1];
        for (int i = 0; i < dim; i++) t->W[(size_t)i * nin2 + nv + i] = 1.0;
        if (!(t->sb = bounds_new(&t->sub, e)) || !(t->cs = crown_scratch_new(&t->sub, e))) {
            sub_free(t);
            return NULL;
        }
        t->nv = nv, t->dim = dim;
    }
    for (int i = 0; i < dim; i++)
        memcpy(&t->W[(size_t)i * nin2], &s->V[(size_t)i * nv], (size_t)nv * sizeof *t->W);
    memcpy(t->bias, s->c, (size_t)dim * sizeof *t->bias);
    crown_scratch_layer_changed(t->cs, 0);
    return t;
}

/* The sub-network (z, delta) -> V z + c + delta -> layers c.. (header). */
static nc_status from_star(star_crown_ws *w, const star *s, int c, bounds *b, int m, const double *C,
                           const double *d, const crown_opts *co, double *low, double *G,
                           double *g, nc_err *e)
{
    int nv = s->nv, dim = s->dim, nin2 = nv + dim;
    sub_net *t = sub_for(w, s, c, e);
    if (!t) return e->code;
    if (reserve(w, m, nin2, e)) return e->code;
    bounds *sb = t->sb;
    crown_opts co2 = *co;   /* the sub-network's context for both passes */
    co2.scratch = t->cs;
    for (int j = 0; j < nv; j++) sb->lo[0][j] = lp_lo(s->P)[j], sb->hi[0][j] = lp_hi(s->P)[j];
    for (int i = 0; i < dim; i++) sb->lo[0][nv + i] = -s->err[i], sb->hi[0][nv + i] = s->err[i];
    for (int k = 1; k < sb->n_boxes; k++) {
        memcpy(sb->lo[k], b->lo[c + k - 1], (size_t)sb->dim[k] * sizeof(double));
        memcpy(sb->hi[k], b->hi[c + k - 1], (size_t)sb->dim[k] * sizeof(double));
    }
    nc_status st = crown_intermediate(&t->sub, sb, &co2, e);
    if (!st) {
        for (int k = 1; k < sb->n_boxes; k++) {
            memcpy(b->lo[c + k - 1], sb->lo[k], (size_t)sb->dim[k] * sizeof(double));
            memcpy(b->hi[c + k - 1], sb->hi[k], (size_t)sb->dim[k] * sizeof(double));
        }
        st = crown_rows(&t->sub, sb, m, C, d, &co2, low, w->A, w->cc, w->slack, e);
    }
    const double *A = w->A;
    for (int r = 0; !st && r < m; r++) {
        memcpy(&G[(size_t)r * nv], &A[(size_t)r * nin2], (size_t)nv * sizeof(double));
        fpr_sum gr = { 0 }, dz = { 0 };
        for (int i = 0; i < dim; i++)
            if (s->err[i] > 0) fpr_sum_add(&dz, fpr_up(fabs(A[(size_t)r * nin2 + nv + i]) * s->err[i]));
        fpr_sum_add(&gr, w->cc[r]);
        fpr_sum_add(&gr, -w->slack[r]);
        fpr_sum_add(&gr, -fpr_sum_upper(&dz));
        g[r] = fpr_sum_lower(&gr);
    }
    return st;
}

/* CROWN over the whole network from the input box. */
static nc_status whole(star_crown_ws *w, bounds *b, int m, const double *C, const double *d,
                       const crown_opts *co, double *low, double *G, double *g, nc_err *e)
{
    const net *n = w->n;
    if (reserve(w, m, 1, e)) return e->code;
    crown_opts co2 = *co;   /* one context for both passes */
    co2.scratch = w->cs;
    nc_status st = crown_intermediate(n, b, &co2, e);
    if (!st) st = crown_rows(n, b, m, C, d, &co2, low, G, w->cc, w->slack, e);
    for (int r = 0; !st && r < m; r++) g[r] = fpr_down(w->cc[r] - w->slack[r]);
    return st;
}

nc_status star_crown_rows(star_crown_ws *w, const star *s, int layer, bounds *b, int use_star,
                          int m, const double *C, const double *d, const crown_opts *co,
                          double *low, double *G, double *g, nc_err *e)
{
    if (use_star) return from_star(w, s, layer, b, m, C, d, co, low, G, g, e);
    if (s->nv != w->n->in_dim)
        return err_set(e, NC_EINTERNAL, "star_crown_rows: the star's variables are not the inputs");
    return whole(w, b, m, C, d, co, low, G, g, e);
}
