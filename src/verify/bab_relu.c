#include "verify/bab_relu.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bounds.h"
#include "core/fpround.h"
#include "domains/crown.h"
#include "domains/interval.h"
#include "domains/star.h"
#include "solvers/lp.h"
#include "verify/bab_loop.h"
#include "verify/prove.h"

#define RBAB_LOCAL_STEPS 6   /* gradient steps from the worst corner of every subproblem */

void rbab_opts_init(rbab_opts *o)
{
    o->deadline = 0.0;
    o->max_nodes = 200000;
    o->jobs = 1;
    o->iters = 20;
    o->root_iters = 20;
    o->recompute = 1;
    o->root_done = NULL;
}

/* A subproblem: boxes sound on its region, the split of every activation
 * neuron (+1, -1, 0 = none; laid out layer after layer), the disjuncts
 * excluded there, and the layer of its newest split (-1 at the root). */
typedef struct {
    bounds *b;
    signed char *sign;
    char *done;
    int last_layer;
} node;

static void node_free(void *p)
{
    node *nd = p;
    if (!nd) return;
    bounds_free(nd->b);
    free(nd->sign), free(nd->done), free(nd);
}

/* What every worker reads: the case's rows and the neuron layout. */
typedef struct {
    const net *n;
    const prop_case *pc;
    const rbab_opts *o;
    int m, nd, n_act;
    double *C, *dd;    /* every row of the case */
    int *row_disj, *row_in;   /* its disjunct, its index there */
    int *off;          /* per layer: first neuron in `sign` (-1: not an activation) */
    pthread_mutex_t mu;   /* guards the counters and why */
    long leaves;
    char why[160];
} rctx;

typedef struct {
    const rctx *c;
    double *C, *dd, *low, *xmin, *pt;
    int *rows;                 /* open row -> case row */
    double **lam;              /* per activation layer: m x d */
    const signed char **sg;    /* per layer: its slice of the node's signs */
    falsifier *f;
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
    free(w->lam), free(w->sg);
    free(w->C), free(w->dd), free(w->low), free(w->xmin), free(w->pt), free(w->rows);
    falsify_free(w->f);
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
    w->xmin = err_calloc(e, m * n->in_dim, sizeof(double));
    w->pt = err_calloc(e, (size_t)n->in_dim, sizeof(double));
    w->rows = err_calloc(e, m, sizeof(int));
    w->lam = err_calloc(e, (size_t)n->n + 1, sizeof(double *));
    w->sg = err_calloc(e, (size_t)n->n + 1, sizeof(signed char *));
    w->f = falsify_new(n, c->pc, e);
    int ok = w->C && w->dd && w->low && w->xmin && w->pt && w->rows && w->lam && w->sg && w->f;
    for (int k = 0; ok && k < n->n; k++)
        if (c->off[k] >= 0 && !(w->lam[k] = err_calloc(e, m * n->layers[k].in, sizeof(double))))
            ok = 0;
    if (!ok) {
        ws_free(w);
        return NULL;
    }
    return w;
}

/* A child of nd with neuron j of layer k on side s (its box clamped). */
static node *child(const rctx *c, const node *nd, int k, int j, int s, nc_err *e)
{
    node *ch = err_calloc(e, 1, sizeof *ch);
    if (!ch) return NULL;
    ch->b = bounds_new(c->n, e);
    ch->sign = err_calloc(e, (size_t)c->n_act + 1, 1);
    ch->done = err_calloc(e, (size_t)c->nd + 1, 1);
    if (!ch->b || !ch->sign || !ch->done) {
        node_free(ch);
        return NULL;
    }
    bounds_copy(ch->b, nd->b);
    memcpy(ch->sign, nd->sign, (size_t)c->n_act);
    memcpy(ch->done, nd->done, (size_t)c->nd);
    ch->sign[c->off[k] + j] = (signed char)s;
    if (s > 0) ch->b->lo[k][j] = 0.0;
    else ch->b->hi[k][j] = 0.0;
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
    return falsify_local(w->f, pc->lo, pc->hi, w->pt, RBAB_LOCAL_STEPS, team_offer_cb, t);
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
            else st = star_piece(&s, i, nd->b->lo[k][i] >= 0 ? 1 : -1, alpha, 1, e);
        }
    }
    int nv = s.nv, no = n->out_dim;
    double *G = st ? NULL : err_calloc(e, (size_t)c->m * nv + 1, sizeof *G);
    double *g = st ? NULL : err_calloc(e, (size_t)c->m + 1, sizeof *g);
    double *z = st ? NULL : err_calloc(e, (size_t)nv + 1, sizeof *z);
    if (!st && (!G || !g || !z)) st = e->code;
    const double *ylo = nd->b->lo[n->n], *yhi = nd->b->hi[n->n];
    bl_verdict v = BL_DROP;
    for (int k = 0, r0 = 0; !st && v == BL_DROP && k < pc->n_disj; r0 += pc->disj[k].n_rows, k++) {
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
        v = BL_STUCK;
        if (oc == LP_BOUND && nv == n->in_dim) {   /* the piece's minimiser, checked exactly */
            int nin = n->in_dim;
            for (int j = 0; j < nin; j++) {
                double a = pc->lo_in[j], b = pc->hi_in[j];
                w->pt[j] = z[j] < a ? a : z[j] > b ? b : z[j];
            }
            int r = team_offer(t, w->pt);
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
 * of its upper line; 0 when there is none (k, j set), else -1. */
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
            double lo = nd->b->lo[k][j], hi = nd->b->hi[k][j];
            if (!(lo < 0 && hi > 0) || nd->sign[c->off[k] + j]) continue;
            double icpt = isfinite(lo) && isfinite(hi) ? -lo * hi / (hi - lo) * scale : 1e300;
            double s = 0.0;
            for (int q = 0; q < n_best; q++) s += fabs(w->lam[k][(size_t)best_open[q] * d + j]);
            s = s * icpt + 1e-12 * (hi - lo);   /* ties: the widest */
            if (s > top) top = s, *kk = k, *jj = j;
        }
    }
    return top >= 0 ? 0 : -1;
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
    co.keep_below = nd->last_layer < 0 ? -1 : c->o->recompute ? nd->last_layer : n->n;
    co.alpha_iters = nd->last_layer < 0 ? c->o->root_iters : 0;
    if (crown_intermediate(n, nd->b, &co, e)) return BL_ERROR;
    if (empty_region(nd->b)) return BL_DROP;
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
    co.alpha_iters = c->o->iters;
    if (crown_rows_split(n, nd->b, m, w->C, w->dd, w->sg, &co, w->low, w->lam, w->xmin, e))
        return BL_ERROR;
    const double *yl = nd->b->lo[n->n], *yu = nd->b->hi[n->n];
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
    for (int q = 0; v == BL_SPLIT && q < n_best; q++) {
        int r = q == 0 ? offer(w, &w->xmin[(size_t)worst * n->in_dim], t) : 0;
        if (r > 0) v = BL_FOUND;
        if (r < 0) v = BL_ERROR;
    }
    int k = -1, j = -1;
    if (v == BL_SPLIT && choose(w, nd, best_open, n_best, &k, &j) < 0) v = leaf(w, nd, t, e);
    free(best), free(best_open);
    if (v != BL_SPLIT) return v;
    for (int s = 0; s < 2; s++) {
        node *ch = child(c, nd, k, j, s ? -1 : 1, e);
        if (!ch) {
            for (int q = 0; q < s; q++) node_free(kids[q].p);
            return BL_ERROR;
        }
        kids[s].p = ch;
        kids[s].prio = prio;
    }
    *n_kids = 2;
    return BL_SPLIT;
}

long rbab_nodes_for_memory(const net *n, double bytes)
{
    double per = sizeof(node) + 256.0;
    for (int k = 0; k <= n->n; k++) {
        int d = k == 0 ? n->in_dim : n->layers[k - 1].out;
        per += 16.0 * d;
        if (k < n->n && net_is_activation(n->layers[k].kind)) per += n->layers[k].in;
    }
    double nb = bytes / per;
    return nb < 16 ? 16 : nb > 1e12 ? (long)1e12 : (long)nb;
}

static void rctx_free(rctx *c)
{
    free(c->C), free(c->dd), free(c->row_disj), free(c->row_in), free(c->off);
    pthread_mutex_destroy(&c->mu);
}

nc_status bab_relu(const net *n, const prop_case *pc, const rbab_opts *o, falsify_cb cb,
                   void *ctx, rbab_result *r, nc_err *e)
{
    memset(r, 0, sizeof *r);
    r->outcome = RBAB_STUCK;
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
    if (!c.C || !c.dd || !c.row_disj || !c.row_in || !c.off) {
        rctx_free(&c);
        return e->code;
    }
    for (int k = 0, r0 = 0; k < pc->n_disj; k++)
        for (int j = 0; j < pc->disj[k].n_rows; j++, r0++) {
            memcpy(&c.C[(size_t)r0 * no], pc->disj[k].rows[j].a, (size_t)no * sizeof(double));
            c.dd[r0] = pc->disj[k].rows[j].d;
            c.row_disj[r0] = k;
            c.row_in[r0] = j;
        }
    for (int k = 0; k < n->n; k++) {
        c.off[k] = net_is_activation(n->layers[k].kind) ? c.n_act : -1;
        if (c.off[k] >= 0) c.n_act += n->layers[k].in;
    }
    node *root = err_calloc(e, 1, sizeof *root);
    nc_status s = root ? NC_OK : e->code;
    if (root) {
        root->b = bounds_new(n, e);
        root->sign = err_calloc(e, (size_t)c.n_act + 1, 1);
        root->done = err_calloc(e, (size_t)c.nd + 1, 1);
        root->last_layer = -1;
        if (!root->b || !root->sign || !root->done) {
            node_free(root);
            s = e->code;
        }
    }
    if (!s) {
        s = itv_propagate(n, pc->lo, pc->hi, root->b, e);
        if (!s && o->root_done) memcpy(root->done, o->root_done, (size_t)c.nd);
        if (s) node_free(root);
    }
    if (!s) {
        bl_ops ops = { .ctx = &c, .ws_new = ws_new, .ws_free = ws_free, .step = step,
                       .item_free = node_free, .thread_done = lp_thread_done };
        bl_opts lo = { .deadline = o->deadline, .max_items = o->max_nodes, .jobs = o->jobs };
        bl_result br;
        bl_item it = { .prio = -INFINITY, .p = root };
        s = bl_run(&ops, it, &lo, cb, ctx, &br, e);
        static const rbab_outcome map[] = { RBAB_PROVED, RBAB_FOUND, RBAB_TIMEOUT, RBAB_MEMORY,
                                            RBAB_STUCK };
        r->outcome = map[br.outcome];
        r->nodes = br.items;
        r->max_queue = br.max_queue;
        r->leaves = c.leaves;
        if (r->outcome == RBAB_STUCK) snprintf(r->why, sizeof r->why, "%s", c.why);
    }
    rctx_free(&c);
    return s;
}
