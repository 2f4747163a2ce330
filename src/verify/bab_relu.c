#include "verify/bab_relu.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bounds.h"
#include "core/clock.h"
#include "core/fpround.h"
#include "domains/crown.h"
#include "domains/interval.h"
#include "domains/star.h"
#include "solvers/lp.h"
#include "verify/bab_loop.h"
#include "verify/prove.h"
#include "verify/refine.h"

/* Branching score weight of neurons bounded through their lower line
 * (docs/bab.md: 0.2 against 1 and 0.1 on six MNIST-FC instances) */
#define RBAB_LOWER_LINE_WEIGHT 0.2
/* Without a deadline, the time a search is given as if it had one */
#define RBAB_NO_DEADLINE 300.0
/* Share of the time left that a search has before the root's boxes are
 * refined (no MNIST-FC instance was decided by that search after its first
 * 5 s of 30; docs/bab.md), and that the refinement may then take */
#define RBAB_WARM_SHARE 0.03
#define RBAB_REFINE_SHARE 0.85

void rbab_opts_init(rbab_opts *o)
{
    o->deadline = 0.0;
    o->max_nodes = 200000;
    o->jobs = 1;
    o->local_steps = 6;
    o->iters = 20;
    o->root_iters = 20;
    o->recompute = 1;
    o->root_done = NULL;
    o->known = NULL;
    o->refine = 1;
    o->corner_depth = -1;
    o->estimate_first = 0;
    o->single_products = 0;
}

/* What a subproblem inherits from its parent, shared by the two children:
 * the parent's best slopes and multipliers (the start of the children's
 * optimisation, as floats: any value is sound, they only steer; slopes
 * m x d per activation layer, layer after layer; multipliers only where
 * the parent has splits, the others being zero) and its sound row bounds,
 * valid on the children's smaller regions too. */
typedef struct {
    atomic_int refs;
    int m;               /* the parent's open rows: case rows rows[p] */
    int *rows;
    float *slopes;       /* per activation layer k: m x d_k at m * off[k] */
    int ns, *split;      /* the parent's split neurons (node layout), ascending */
    float *beta;         /* m x ns: their multipliers per open row */
    double *low;         /* per open row */
} warm;

static void warm_drop(warm *w)
{
    if (!w || atomic_fetch_sub(&w->refs, 1) > 1) return;
    free(w->rows), free(w->slopes), free(w->split), free(w->beta), free(w->low), free(w);
}

/* A subproblem: the boxes of the activation layers' inputs, sound on its
 * region (box[i] and box[n_act + i] bound neuron i, laid out layer after
 * layer; every other box follows from them and the input box, and is
 * recomputed when the subproblem is bounded), the split of every
 * activation neuron (+1, -1, 0 = none; same layout), the disjuncts
 * excluded there, the layer of its newest split (-1 at the root), and what
 * it inherits (NULL at the root). */
typedef struct {
    float *box;          /* lower ends rounded down, upper ends up */
    signed char *sign;
    char *done;
    int last_layer;
    warm *w;
} node;

static void node_free(void *p)
{
    node *nd = p;
    if (!nd) return;
    free(nd->box);
    warm_drop(nd->w);
    free(nd->sign), free(nd->done), free(nd);
}

/* What every worker reads: the case's rows and the neuron layout. */
typedef struct {
    const net *n;
    const prop_case *pc;
    const rbab_opts *o;
    int m, nd, n_act;
    double *C, *dd;    /* every row of the case */
    char *need;        /* per output: some row uses it (its box is computed) */
    int *row_disj, *row_in;   /* its disjunct, its index there */
    int *off;          /* per layer: first neuron in `sign` (-1: not an activation) */
    const bounds *root;   /* every box at the root (the input box among them) */
    pthread_mutex_t mu;   /* guards the counters and why */
    long leaves;
    char why[160];
} rctx;

typedef struct {
    const rctx *c;
    bounds *b;                 /* the boxes of the subproblem being bounded */
    double *C, *dd, *low, *xmin, *pt;
    double *stop;              /* per open row: the bound that proves it */
    int *rows;                 /* open row -> case row */
    double **lam;              /* per activation layer: m x d */
    double **slopes, **beta;   /* per activation layer: m x d, open rows */
    const signed char **sg;    /* per layer: its slice of the node's signs */
    falsifier *f;
    crown_scratch *cs;
    long leaves;
} ws;

static void ws_free(void *p)
{
    ws *w = p;
    if (!w) return;
    rctx *c = (rctx *)w->c;
    pthread_mutex_lock(&c->mu);
    c->leaves += w->leaves;
    pthread_mutex_unlock(&c->mu);
    for (int k = 0; w->lam && k < c->n->n; k++) free(w->lam[k]);
    for (int k = 0; w->slopes && k < c->n->n; k++) free(w->slopes[k]);
    for (int k = 0; w->beta && k < c->n->n; k++) free(w->beta[k]);
    free(w->lam), free(w->slopes), free(w->beta), free(w->sg);
    free(w->C), free(w->dd), free(w->low), free(w->stop), free(w->xmin), free(w->pt), free(w->rows);
    falsify_free(w->f);
    crown_scratch_free(w->cs);
    bounds_free(w->b);
    free(w);
}

static void *ws_new(void *ctx, nc_err *e)
{
    const rctx *c = ctx;
    const net *n = c->n;
    ws *w = err_calloc(e, 1, sizeof *w);
    if (!w) return NULL;
    w->c = c;
    size_t m = (size_t)c->m + 1;
    w->C = err_calloc(e, m * n->out_dim, sizeof(double));
    w->dd = err_calloc(e, m, sizeof(double));
    w->low = err_calloc(e, m, sizeof(double));
    w->stop = err_calloc(e, m, sizeof(double));
    w->xmin = err_calloc(e, m * n->in_dim, sizeof(double));
    w->pt = err_calloc(e, (size_t)n->in_dim, sizeof(double));
    w->rows = err_calloc(e, m, sizeof(int));
    w->lam = err_calloc(e, (size_t)n->n + 1, sizeof(double *));
    w->slopes = err_calloc(e, (size_t)n->n + 1, sizeof(double *));
    w->beta = err_calloc(e, (size_t)n->n + 1, sizeof(double *));
    w->sg = err_calloc(e, (size_t)n->n + 1, sizeof(signed char *));
    w->f = falsify_new(n, c->pc, e);
    w->cs = crown_scratch_new(n, e);
    w->b = bounds_new(n, e);
    int ok = w->b && w->cs && w->C && w->dd && w->low && w->stop && w->xmin && w->pt && w->rows && w->lam && w->slopes &&
             w->beta && w->sg && w->f;
    for (int k = 0; ok && k < n->n; k++)
        if (c->off[k] >= 0 && (!(w->lam[k] = err_calloc(e, m * n->layers[k].in, sizeof(double))) ||
                               !(w->slopes[k] = err_calloc(e, m * n->layers[k].in, sizeof(double))) ||
                               !(w->beta[k] = err_calloc(e, m * n->layers[k].in, sizeof(double)))))
            ok = 0;
    if (!ok) {
        ws_free(w);
        return NULL;
    }
    return w;
}

/* The activation boxes of b into box (node layout), as floats rounded
 * outward: a queued subproblem holds half the bytes, and its boxes stay
 * sound (wider by at most a float's rounding). */
static void pack(const rctx *c, const bounds *b, float *box)
{
    for (int k = 0; k < c->n->n; k++) {
        if (c->off[k] < 0) continue;
        int d = b->dim[k];
        for (int i = 0; i < d; i++) {
            box[c->off[k] + i] = fpr_float_out(b->lo[k][i], -1);
            box[c->n_act + c->off[k] + i] = fpr_float_out(b->hi[k][i], 1);
        }
    }
}

/* Every box of node nd into b: the root's, with the node's activation
 * boxes (the others are recomputed from them by the next CROWN pass). */
static void unpack(const rctx *c, const node *nd, bounds *b)
{
    bounds_copy(b, c->root);
    for (int k = 0; k < c->n->n; k++) {
        if (c->off[k] < 0) continue;
        int d = b->dim[k];
        for (int i = 0; i < d; i++) {
            b->lo[k][i] = nd->box[c->off[k] + i];
            b->hi[k][i] = nd->box[c->n_act + c->off[k] + i];
        }
    }
}

/* A node with the activation boxes of b, signs and exclusions copied. */
static node *node_new(const rctx *c, const bounds *b, const signed char *sign, const char *done,
                      nc_err *e)
{
    node *nd = err_calloc(e, 1, sizeof *nd);
    if (!nd) return NULL;
    nd->box = err_calloc(e, 2 * (size_t)c->n_act + 1, sizeof *nd->box);
    nd->sign = err_calloc(e, (size_t)c->n_act + 1, 1);
    nd->done = err_calloc(e, (size_t)c->nd + 1, 1);
    if (!nd->box || !nd->sign || !nd->done) {
        node_free(nd);
        return NULL;
    }
    pack(c, b, nd->box);
    if (sign) memcpy(nd->sign, sign, (size_t)c->n_act);
    if (done) memcpy(nd->done, done, (size_t)c->nd);
    return nd;
}

/* A child of nd (whose boxes, just bounded, are b) with neuron j of layer
 * k on side s (its box clamped). */
static node *child(const rctx *c, const node *nd, const bounds *b, int k, int j, int s, warm *wm,
                   nc_err *e)
{
    node *ch = node_new(c, b, nd->sign, nd->done, e);
    if (!ch) return NULL;
    ch->w = wm;
    atomic_fetch_add(&wm->refs, 1);
    int i = c->off[k] + j;
    ch->sign[i] = (signed char)s;
    if (s > 0) ch->box[i] = 0.0;
    else ch->box[c->n_act + i] = 0.0;
    ch->last_layer = k;
    return ch;
}

/* 1 when some box of b is empty: the region holds no point. */
static int empty_region(const bounds *b)
{
    for (int k = 0; k < b->n_boxes; k++)
        for (int i = 0; i < b->dim[k]; i++)
            if (b->lo[k][i] > b->hi[k][i]) return 1;
    return 0;
}

/* Offers x (clamped to the case's inner box) when its double-precision
 * margin is negative, then descends from it; 1 = accepted. */
static int offer(ws *w, const double *x, team *t)
{
    const prop_case *pc = w->c->pc;
    int nin = w->c->n->in_dim;
    for (int j = 0; j < nin; j++) {
        double a = pc->lo_in[j], b = pc->hi_in[j];
        w->pt[j] = x[j] < a ? a : x[j] > b ? b : x[j];
    }
    if (falsify_margin(w->f, w->pt, NULL) < 0) {
        int r = team_offer(t, w->pt);
        if (r) return r;
    }
    int steps = w->c->o->local_steps;
    return steps > 0 ? falsify_local(w->f, pc->lo, pc->hi, w->pt, steps, team_offer_cb, t) : 0;
}

/* A subproblem without unstable neurons is one linear piece: its star
 * decides each open disjunct by one LP. Returns BL_DROP (all excluded),
 * BL_FOUND, BL_STUCK, or BL_ERROR. */
static bl_verdict leaf(ws *w, node *nd, team *t, nc_err *e)
{
    const rctx *c = w->c;
    const net *n = c->n;
    const prop_case *pc = c->pc;
    star s;
    w->leaves++;
    if (star_from_case(&s, pc, n->in_dim, e)) return BL_ERROR;
    nc_status st = NC_OK;
    for (int k = 0; k < n->n && !st; k++) {
        const net_layer *l = &n->layers[k];
        if (!net_is_activation(l->kind)) {
            st = star_affine(&s, l, e);
            continue;
        }
        double alpha = l->kind == NET_LEAKY_RELU ? l->alpha : 0.0;
        for (int i = 0; i < l->in && !st; i++) {
            int sg = nd->sign[c->off[k] + i];
            if (sg) st = star_piece(&s, i, sg, alpha, 0, e);
            else st = star_piece(&s, i, w->b->lo[k][i] >= 0 ? 1 : -1, alpha, 1, e);
        }
    }
    int nv = s.nv, no = n->out_dim;
    double *G = st ? NULL : err_calloc(e, (size_t)c->m * nv + 1, sizeof *G);
    double *g = st ? NULL : err_calloc(e, (size_t)c->m + 1, sizeof *g);
    double *z = st ? NULL : err_calloc(e, (size_t)nv + 1, sizeof *z);
    if (!st && (!G || !g || !z)) st = e->code;
    const double *ylo = w->b->lo[n->n], *yhi = w->b->hi[n->n];
    bl_verdict v = BL_DROP;
    for (int k = 0; !st && v == BL_DROP && k < pc->n_disj; k++) {
        if (nd->done[k]) continue;
        int mk = pc->disj[k].n_rows, all_strict = 1;
        for (int j = 0; j < mk; j++) {
            const prop_row *row = &pc->disj[k].rows[j];
            double gj, slack;
            all_strict = all_strict && row->strict;
            star_row(&s, row->a, row->d, &G[(size_t)j * nv], &gj, &slack);
            g[j] = prove_row_margin(row, fpr_down(gj - slack), ylo, yhi, no);
        }
        double lower;
        lp_outcome oc = lp_min_max(s.P, mk, G, g, c->o->deadline, &lower, z);
        if (mk > 0 && (lower > 0 || (all_strict && lower >= 0))) continue;
        if (oc == LP_EMPTY) {   /* GLPK's word is no proof: tighten the box until it empties */
            if (lp_prove_empty(s.P, c->o->deadline) == 1 ||
                star_tighten_box(&s, 0.0, c->o->deadline) == 1)
                break;   /* rigorous: no point here */
            oc = lp_min_max(s.P, mk, G, g, c->o->deadline, &lower, z);
            if (mk > 0 && (lower > 0 || (all_strict && lower >= 0))) continue;
        }
        v = BL_STUCK;
        if (oc == LP_BOUND && nv == n->in_dim) {   /* the piece's minimiser, checked exactly */
            int nin = n->in_dim;
            for (int j = 0; j < nin; j++) {
                double a = pc->lo_in[j], b = pc->hi_in[j];
                w->pt[j] = z[j] < a ? a : z[j] > b ? b : z[j];
            }
            int r = team_offer(t, w->pt);
            /* a vertex of a tiny piece may sit just outside it in exact
             * arithmetic: descend from it too */
            if (r == 0) r = offer(w, w->pt, t);
            if (r > 0) v = BL_FOUND;
            if (r < 0) st = e->code ? e->code : NC_EINTERNAL;
        }
    }
    free(G), free(g), free(z);
    star_free(&s);
    if (st) return BL_ERROR;
    if (v == BL_STUCK) {
        rctx *cm = (rctx *)c;
        pthread_mutex_lock(&cm->mu);
        if (!cm->why[0])
            snprintf(cm->why, sizeof cm->why, "a linear piece could be neither excluded nor confirmed");
        pthread_mutex_unlock(&cm->mu);
    }
    return v;
}

/* The unstable, unsplit neuron with the largest score, summed over the
 * open disjuncts' best rows: |coefficient on its output| x the intercept
 * of its upper line, the coefficient weighted by RBAB_LOWER_LINE_WEIGHT
 * where it is >= 0 (the bound then uses the lower line, and the intercept
 * only loosely measures what a split gains); 0 when there is none (k, j
 * set), else -1. */
static int choose(ws *w, const node *nd, const int *best_open, int n_best, int *kk, int *jj)
{
    const rctx *c = w->c;
    const net *n = c->n;
    double top = -1.0;
    for (int k = 0; k < n->n; k++) {
        if (c->off[k] < 0) continue;
        int d = n->layers[k].in;
        double scale = n->layers[k].kind == NET_LEAKY_RELU ? fabs(1.0 - n->layers[k].alpha) : 1.0;
        for (int j = 0; j < d; j++) {
            double lo = w->b->lo[k][j], hi = w->b->hi[k][j];
            if (!(lo < 0 && hi > 0) || nd->sign[c->off[k] + j]) continue;
            double icpt = isfinite(lo) && isfinite(hi) ? -lo * hi / (hi - lo) * scale : 1e300;
            double s = 0.0;
            for (int q = 0; q < n_best; q++) {
                double la = w->lam[k][(size_t)best_open[q] * d + j];
                s += la < 0 ? -la : RBAB_LOWER_LINE_WEIGHT * la;
            }
            s = s * icpt + 1e-12 * (hi - lo);   /* ties: the widest */
            if (s > top) top = s, *kk = k, *jj = j;
        }
    }
    return top >= 0 ? 0 : -1;
}

/* Where case row r sits among the rows nd inherited (-1: not there). */
static int warm_row(const warm *wm, int r)
{
    for (int p = 0; wm && p < wm->m; p++)
        if (wm->rows[p] == r) return p;
    return -1;
}

/* The node's inherited slopes and multipliers for its m open rows into the
 * work space (NaN slopes: CROWN's own choice). */
static void warm_gather(ws *w, const node *nd, int m)
{
    const rctx *c = w->c;
    const net *n = c->n;
    const warm *wm = nd->w;
    for (int k = 0, t0 = 0; k < n->n; k++) {
        if (c->off[k] < 0) continue;
        size_t d = (size_t)n->layers[k].in, base = wm ? (size_t)wm->m * c->off[k] : 0;
        int t1 = t0;   /* the parent's splits in this layer: t0 .. t1 - 1 */
        while (wm && t1 < wm->ns && wm->split[t1] < c->off[k] + (int)d) t1++;
        for (int q = 0; q < m; q++) {
            double *sl = &w->slopes[k][q * d], *bt = &w->beta[k][q * d];
            int p = warm_row(wm, w->rows[q]);
            for (size_t j = 0; j < d; j++) bt[j] = 0.0;
            if (p < 0) {
                for (size_t j = 0; j < d; j++) sl[j] = NAN;
                continue;
            }
            const float *fs = &wm->slopes[base + p * d];
            for (size_t j = 0; j < d; j++) sl[j] = fs[j];
            for (int t = t0; t < t1; t++)
                bt[wm->split[t] - c->off[k]] = wm->beta[(size_t)p * wm->ns + t];
        }
        t0 = t1;
    }
}

/* What the children of the node just bounded inherit: its best slopes and
 * multipliers and its row bounds, for its m open rows; one reference held
 * by the caller. */
static warm *warm_scatter(ws *w, const node *nd, int m, nc_err *e)
{
    const rctx *c = w->c;
    const net *n = c->n;
    size_t sz = (size_t)m * c->n_act + 1;
    warm *wm = err_calloc(e, 1, sizeof *wm);
    if (!wm) return NULL;
    atomic_init(&wm->refs, 1);
    wm->m = m;
    for (int i = 0; i < c->n_act; i++) wm->ns += nd->sign[i] != 0;
    wm->rows = err_calloc(e, (size_t)m + 1, sizeof(int));
    wm->slopes = err_calloc(e, sz, sizeof(float));
    wm->split = err_calloc(e, (size_t)wm->ns + 1, sizeof(int));
    wm->beta = err_calloc(e, (size_t)m * wm->ns + 1, sizeof(float));
    wm->low = err_calloc(e, (size_t)m + 1, sizeof(double));
    if (!wm->rows || !wm->slopes || !wm->split || !wm->beta || !wm->low) {
        warm_drop(wm);
        return NULL;
    }
    memcpy(wm->rows, w->rows, (size_t)m * sizeof(int));
    memcpy(wm->low, w->low, (size_t)m * sizeof(double));
    for (int k = 0, t = 0; k < n->n; k++) {
        if (c->off[k] < 0) continue;
        size_t d = (size_t)n->layers[k].in, base = (size_t)m * c->off[k];
        for (int q = 0; q < m; q++) {
            float *fs = &wm->slopes[base + q * d];
            for (size_t j = 0; j < d; j++) fs[j] = (float)w->slopes[k][q * d + j];
        }
        for (size_t j = 0; j < d; j++) {
            if (!nd->sign[c->off[k] + j]) continue;
            wm->split[t] = c->off[k] + (int)j;
            for (int q = 0; q < m; q++)
                wm->beta[(size_t)q * wm->ns + t] = (float)w->beta[k][q * d + j];
            t++;
        }
    }
    return wm;
}

static bl_verdict step(void *wsp, const bl_item *it, team *t, bl_item *kids, int *n_kids,
                       nc_err *e)
{
    ws *w = wsp;
    const rctx *c = w->c;
    const net *n = c->n;
    const prop_case *pc = c->pc;
    node *nd = it->p;
    *n_kids = 0;
    crown_opts co;
    crown_opts_init(&co);
    co.intersect = 1;
    co.deadline = c->o->deadline;
    co.keep_below = c->o->recompute ? nd->last_layer : n->n;
    co.scratch = w->cs;
    co.out_need = c->need;
    unpack(c, nd, w->b);
    if (crown_intermediate(n, w->b, &co, e)) return BL_ERROR;
    if (empty_region(w->b)) return BL_DROP;
    /* the open disjuncts' rows */
    int m = 0;
    for (int r = 0; r < c->m; r++) {
        if (nd->done[c->row_disj[r]]) continue;
        memcpy(&w->C[(size_t)m * n->out_dim], &c->C[(size_t)r * n->out_dim],
               (size_t)n->out_dim * sizeof(double));
        w->dd[m] = c->dd[r];
        w->rows[m++] = r;
    }
    for (int k = 0; k < pc->n_disj; k++)
        if (!nd->done[k] && pc->disj[k].n_rows == 0) {   /* every point is unsafe */
            int r = offer(w, pc->lo_in, t);
            return r > 0 ? BL_FOUND : r < 0 ? BL_ERROR : BL_STUCK;
        }
    if (m == 0) return BL_DROP;
    for (int k = 0; k < n->n; k++) w->sg[k] = c->off[k] >= 0 ? nd->sign + c->off[k] : NULL;
    warm_gather(w, nd, m);
    co.alpha_iters = c->o->iters;
    co.estimate_first = c->o->estimate_first;
    co.single_products = c->o->single_products;
    for (int q = 0; q < m; q++) {   /* no further steps once a row is proved */
        int r = w->rows[q];
        const prop_row *row = &pc->disj[c->row_disj[r]].rows[c->row_in[r]];
        w->stop[q] = -prove_row_margin(row, 0.0, w->b->lo[n->n], w->b->hi[n->n], n->out_dim);
    }
    co.stop_above = w->stop;
    crown_split_io io = { .sign = w->sg, .slopes = w->slopes, .beta = w->beta, .lam = w->lam,
                          .xmin = w->xmin };
    if (crown_rows_split(n, w->b, m, w->C, w->dd, &co, &io, w->low, e)) return BL_ERROR;
    for (int q = 0; nd->w && q < m; q++) {   /* the parent's bounds hold here too */
        int p = warm_row(nd->w, w->rows[q]);
        if (p >= 0 && nd->w->low[p] > w->low[q]) w->low[q] = nd->w->low[p];
    }
    const double *yl = w->b->lo[n->n], *yu = w->b->hi[n->n];
    /* per open disjunct: its best row (position among the open rows) */
    int *best = err_calloc(e, (size_t)pc->n_disj + 1, sizeof *best);
    int *best_open = err_calloc(e, (size_t)pc->n_disj + 1, sizeof *best_open);
    if (!best || !best_open) {
        free(best), free(best_open);
        return BL_ERROR;
    }
    for (int k = 0; k < pc->n_disj; k++) best[k] = -1;
    for (int q = 0; q < m; q++) {
        int r = w->rows[q], k = c->row_disj[r];
        double tb = itv_row_lower(&w->C[(size_t)q * n->out_dim], w->dd[q], n->out_dim, yl, yu);
        if (tb > w->low[q]) w->low[q] = tb;
        if (best[k] < 0 || w->low[q] > w->low[best[k]]) best[k] = q;
    }
    double prio = INFINITY;
    int n_best = 0, worst = -1;
    for (int k = 0; k < pc->n_disj; k++) {
        if (nd->done[k] || best[k] < 0) continue;
        int q = best[k];
        const prop_row *row = &pc->disj[k].rows[c->row_in[w->rows[q]]];
        double v = prove_row_margin(row, w->low[q], yl, yu, n->out_dim);
        if (v > 0 || (row->strict && v >= 0)) {
            nd->done[k] = 1;
            continue;
        }
        best_open[n_best++] = q;
        if (w->low[q] < prio) prio = w->low[q], worst = q;
    }
    bl_verdict v = BL_SPLIT;
    if (n_best == 0) v = BL_DROP;
    /* candidates: the corners minimising the open disjuncts' bounds */
    int depth = nd->w ? nd->w->ns + 1 : 0;
    int corner = c->o->corner_depth < 0 || depth <= c->o->corner_depth;
    for (int q = 0; corner && v == BL_SPLIT && q < n_best; q++) {
        int r = q == 0 ? offer(w, &w->xmin[(size_t)worst * n->in_dim], t) : 0;
        if (r > 0) v = BL_FOUND;
        if (r < 0) v = BL_ERROR;
    }
    int k = -1, j = -1;
    if (v == BL_SPLIT && choose(w, nd, best_open, n_best, &k, &j) < 0) v = leaf(w, nd, t, e);
    free(best), free(best_open);
    if (v != BL_SPLIT) return v;
    warm *wm = warm_scatter(w, nd, m, e);
    if (!wm) return BL_ERROR;
    for (int s = 0; s < 2; s++) {
        node *ch = child(c, nd, w->b, k, j, s ? -1 : 1, wm, e);
        if (!ch) {
            for (int q = 0; q < s; q++) node_free(kids[q].p);
            warm_drop(wm);
            return BL_ERROR;
        }
        kids[s].p = ch;
        kids[s].prio = prio;
    }
    warm_drop(wm);   /* the children hold it */
    *n_kids = 2;
    return BL_SPLIT;
}

/* Tightens the root's boxes (verify/refine.h) until `until`. */
static nc_status refine_root(const net *n, const prop_case *pc, bounds *rootb, const rbab_opts *o,
                             double until, rbab_result *r, nc_err *e)
{
    refine_opts fo;
    refine_opts_init(&fo);
    fo.deadline = until;
    fo.jobs = o->jobs;
    fo.root_iters = o->root_iters;
    refine_result rr;
    nc_status s = refine_boxes(n, pc, rootb, &fo, &rr, e);
    r->refined += rr.proved;
    return s;
}

long rbab_nodes_for_memory(const net *n, double bytes)
{
    /* the node, its activation boxes (two floats) and signs, and half a
     * warm start (shared by two children; one open row, slopes as floats;
     * the multipliers of its splits are few), plus the allocator's overhead
     * on its six blocks */
    double per = sizeof(node) + 64.0 + 6 * 32.0;
    for (int k = 0; k < n->n; k++)
        if (net_is_activation(n->layers[k].kind)) per += n->layers[k].in * (8.0 + 1.0 + 2.0);
    double nb = bytes / per;
    return nb < 16 ? 16 : nb > 1e12 ? (long)1e12 : (long)nb;
}

static void rctx_free(rctx *c)
{
    free(c->C), free(c->dd), free(c->need), free(c->row_disj), free(c->row_in), free(c->off);
    pthread_mutex_destroy(&c->mu);
}

nc_status bab_relu(const net *n, const prop_case *pc, const rbab_opts *o, falsify_cb cb,
                   void *ctx, rbab_result *r, nc_err *e)
{
    memset(r, 0, sizeof *r);
    r->outcome = RBAB_STUCK;
    r->open_bound = NAN;
    for (int k = 0; k < n->n; k++)
        if (net_is_activation(n->layers[k].kind) && n->layers[k].kind != NET_RELU &&
            n->layers[k].kind != NET_LEAKY_RELU) {
            snprintf(r->why, sizeof r->why, "layer %d is not ReLU or LeakyReLU", k);
            return NC_OK;
        }
    rctx c = { .n = n, .pc = pc, .o = o, .nd = pc->n_disj };
    pthread_mutex_init(&c.mu, NULL);
    for (int k = 0; k < pc->n_disj; k++) c.m += pc->disj[k].n_rows;
    int no = n->out_dim;
    c.C = err_calloc(e, (size_t)c.m * no + 1, sizeof(double));
    c.dd = err_calloc(e, (size_t)c.m + 1, sizeof(double));
    c.row_disj = err_calloc(e, (size_t)c.m + 1, sizeof(int));
    c.row_in = err_calloc(e, (size_t)c.m + 1, sizeof(int));
    c.off = err_calloc(e, (size_t)n->n + 1, sizeof(int));
    c.need = err_calloc(e, (size_t)no + 1, 1);
    if (!c.C || !c.dd || !c.row_disj || !c.row_in || !c.off || !c.need) {
        rctx_free(&c);
        return e->code;
    }
    for (int k = 0, r0 = 0; k < pc->n_disj; k++)
        for (int j = 0; j < pc->disj[k].n_rows; j++, r0++) {
            memcpy(&c.C[(size_t)r0 * no], pc->disj[k].rows[j].a, (size_t)no * sizeof(double));
            c.dd[r0] = pc->disj[k].rows[j].d;
            c.row_disj[r0] = k;
            c.row_in[r0] = j;
            /* a row with rounding in its coefficients is checked against
             * the whole output box (prove_row_margin) */
            for (int i = 0; i < no; i++)
                c.need[i] |= pc->disj[k].rows[j].a[i] != 0.0 || pc->disj[k].rows[j].cerr > 0;
        }
    for (int k = 0; k < n->n; k++) {
        c.off[k] = net_is_activation(n->layers[k].kind) ? c.n_act : -1;
        if (c.off[k] >= 0) c.n_act += n->layers[k].in;
    }
    bounds *rootb = bounds_new(n, e);
    char *done = err_calloc(e, (size_t)c.nd + 1, 1);
    nc_status s = rootb && done ? NC_OK : e->code;
    if (!s) {   /* the root's boxes, once for every tree */
        crown_opts co;
        crown_opts_init(&co);
        co.intersect = 1;
        co.deadline = o->deadline;
        co.alpha_iters = o->root_iters;
        if (o->known)
            for (int k = 0; k <= n->n; k++) {
                memcpy(rootb->lo[k], o->known->lo[k], (size_t)rootb->dim[k] * sizeof(double));
                memcpy(rootb->hi[k], o->known->hi[k], (size_t)rootb->dim[k] * sizeof(double));
            }
        else
            s = itv_propagate(n, pc->lo, pc->hi, rootb, e);
        if (!s && !o->known) s = crown_intermediate(n, rootb, &co, e);
        if (!s && o->root_done) memcpy(done, o->root_done, (size_t)c.nd);
    }
    c.root = rootb;
    /* one tree per disjunct still open: splits chosen for one disjunct's
     * bound are rarely the ones another needs, and each subproblem then
     * bounds one disjunct's rows only */
    r->outcome = RBAB_PROVED;
    for (int k = 0; !s && k < c.nd; k++) r->trees += !done[k];
    int refined = !o->refine;
    for (int k = 0; !s && k < c.nd && r->outcome == RBAB_PROVED; k++) {
        if (done[k]) continue;
        /* before the root's boxes are refined, RBAB_WARM_SHARE of the time left */
        double now = clock_now(), left = o->deadline > 0 ? o->deadline - now : RBAB_NO_DEADLINE;
        double until = refined ? o->deadline : now + RBAB_WARM_SHARE * left;
        node *tr = node_new(&c, rootb, NULL, NULL, e);
        if (!tr) {
            s = e->code;
            break;
        }
        for (int q = 0; q < c.nd; q++) tr->done[q] = q != k;
        tr->last_layer = n->n;   /* every box is known */
        bl_ops ops = { .ctx = &c, .ws_new = ws_new, .ws_free = ws_free, .step = step,
                       .item_free = node_free, .thread_done = lp_thread_done };
        bl_opts lo = { .deadline = until, .max_items = o->max_nodes, .jobs = o->jobs };
        bl_result br;
        bl_item it = { .prio = -INFINITY, .p = tr };
        s = bl_run(&ops, it, &lo, cb, ctx, &br, e);
        if (!s && !refined && br.outcome == BL_TIMEOUT &&
            (o->deadline <= 0 || clock_now() < o->deadline)) {
            refined = 1;
            r->nodes += br.items;
            r->deep += br.deep;
            if (br.max_queue > r->max_queue) r->max_queue = br.max_queue;
            double t0 = clock_now();
            s = refine_root(n, pc, rootb, o, t0 + RBAB_REFINE_SHARE * (left - (t0 - now)), r, e);
            r->refine_seconds = clock_now() - t0;
            k--;   /* this disjunct's search again, from the tighter root */
            continue;
        }
        static const rbab_outcome map[] = { RBAB_PROVED, RBAB_FOUND, RBAB_TIMEOUT, RBAB_MEMORY,
                                            RBAB_STUCK };
        r->outcome = map[br.outcome];
        if (r->outcome == RBAB_STUCK && o->deadline > 0 && clock_now() > o->deadline)
            r->outcome = RBAB_TIMEOUT;   /* the last LPs were cut by the deadline */
        r->nodes += br.items;
        r->deep += br.deep;
        r->trees_proved += r->outcome == RBAB_PROVED;
        if ((r->outcome == RBAB_TIMEOUT || r->outcome == RBAB_MEMORY) && isfinite(br.open_prio))
            r->open_bound = br.open_prio;
        if (br.max_queue > r->max_queue) r->max_queue = br.max_queue;
    }
    bounds_free(rootb);
    free(done);
    r->leaves = c.leaves;
    if (r->outcome == RBAB_STUCK) snprintf(r->why, sizeof r->why, "%s", c.why);
    rctx_free(&c);
    return s;
}
