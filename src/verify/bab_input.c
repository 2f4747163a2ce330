#include "verify/bab_input.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/bounds.h"
#include "core/clock.h"
#include "domains/crown.h"
#include "domains/interval.h"
#include "verify/prove.h"
#include "verify/bab_loop.h"

#define BAB_LOCAL_STEPS 6   /* gradient steps tried inside every undecided box */

void bab_opts_init(bab_opts *o)
{
    o->deadline = 0.0;
    o->max_boxes = 2000000;
    o->jobs = 1;
    o->root_done = NULL;
}

/* A sub-box: lo/hi of the inputs and which disjuncts are already excluded
 * there. Its priority (smaller = more likely violated = earlier) is the
 * loop's (verify/bab_loop.h). */
typedef struct {
    double *x;      /* lo[0..n) then hi[0..n) */
    char *done;     /* per disjunct */
} box;

static void box_free(void *p)
{
    box *b = p;
    if (!b) return;
    free(b->x);
    free(b->done);
    free(b);
}

/* Work space for bounding boxes of one case. */
typedef struct {
    const net *n;
    const prop_case *pc;
    int m, nin;
    double *C, *dd;      /* all rows of the case */
    int *row_disj;       /* disjunct of each row */
    double *low, *A, *c, *slack;
    bounds *b;
    falsifier *f;
    double *pt;
    int *best;           /* per disjunct: its best row in the last bounded box */
} ws;

static void ws_free(ws *w)
{
    free(w->C), free(w->dd), free(w->row_disj), free(w->low), free(w->A), free(w->c);
    free(w->slack), free(w->pt);
    bounds_free(w->b);
    falsify_free(w->f);
}

static void ws_free_void(void *p)
{
    ws *w = p;
    if (!w) return;
    ws_free(w);
    free(w->best);
    free(w);
}

static nc_status ws_init(ws *w, const net *n, const prop_case *pc, nc_err *e)
{
    w->n = n, w->pc = pc, w->nin = n->in_dim;
    for (int k = 0; k < pc->n_disj; k++) w->m += pc->disj[k].n_rows;
    int m = w->m, no = n->out_dim;
    w->C = err_calloc(e, (size_t)m * no + 1, sizeof(double));
    w->dd = err_calloc(e, (size_t)m + 1, sizeof(double));
    w->row_disj = err_calloc(e, (size_t)m + 1, sizeof(int));
    w->low = err_calloc(e, (size_t)m + 1, sizeof(double));
    w->A = err_calloc(e, (size_t)(m + 1) * w->nin, sizeof(double));
    w->c = err_calloc(e, (size_t)m + 1, sizeof(double));
    w->slack = err_calloc(e, (size_t)m + 1, sizeof(double));
    w->pt = err_calloc(e, (size_t)w->nin, sizeof(double));
    w->b = bounds_new(n, e);
    w->f = falsify_new(n, pc, e);
    if (!w->C || !w->dd || !w->row_disj || !w->low || !w->A || !w->c || !w->slack || !w->pt ||
        !w->b || !w->f)
        return e->code;
    int r = 0;
    for (int k = 0; k < pc->n_disj; k++)
        for (int j = 0; j < pc->disj[k].n_rows; j++, r++) {
            memcpy(&w->C[(size_t)r * no], pc->disj[k].rows[j].a, (size_t)no * sizeof(double));
            w->dd[r] = pc->disj[k].rows[j].d;
            w->row_disj[r] = k;
        }
    return NC_OK;
}

/* Bounds box bx: marks the disjuncts it excludes; *prio gets the smallest
 * (over undecided disjuncts) of the disjunct's best row bound; best[k] the
 * row index giving disjunct k's best bound. */
static nc_status bound_box(ws *w, box *bx, double *prio, int *best, nc_err *e)
{
    const net *n = w->n;
    int nin = w->nin;
    nc_status s = itv_propagate(n, bx->x, bx->x + nin, w->b, e);
    crown_opts co;
    crown_opts_init(&co);
    co.intersect = 1;
    if (!s) s = crown_intermediate(n, w->b, &co, e);
    if (!s) s = crown_rows(n, w->b, w->m, w->C, w->dd, &co, w->low, w->A, w->c, w->slack, e);
    if (s) return s;
    const double *yl = w->b->lo[n->n], *yu = w->b->hi[n->n];
    for (int k = 0; k < w->pc->n_disj; k++) best[k] = -1;
    for (int r = 0; r < w->m; r++) {
        int k = w->row_disj[r];
        if (bx->done[k]) continue;
        double through_box = itv_row_lower(&w->C[(size_t)r * n->out_dim], w->dd[r], n->out_dim, yl, yu);
        if (through_box > w->low[r]) w->low[r] = through_box;
        if (best[k] < 0 || w->low[r] > w->low[best[k]]) best[k] = r;
    }
    double p = INFINITY;
    for (int k = 0; k < w->pc->n_disj; k++) {
        if (bx->done[k]) continue;
        if (best[k] < 0) {   /* a disjunct without rows cannot be excluded */
            p = -INFINITY;
            continue;
        }
        int r = best[k], j = r;
        for (int q = 0; q < k; q++) j -= w->pc->disj[q].n_rows;
        const prop_row *row = &w->pc->disj[k].rows[j];
        double v = prove_row_margin(row, w->low[r], yl, yu, n->out_dim);
        if (v > 0 || (row->strict && v >= 0)) bx->done[k] = 1;
        else if (w->low[r] < p) p = w->low[r];
    }
    *prio = p;
    return NC_OK;
}

/* Offers the centre and the minimising corners of each undecided
 * disjunct's best row; returns the callback's verdict (1 = accepted). */
static int try_points(ws *w, const box *bx, const int *best, falsify_cb cb, void *ctx)
{
    int nin = w->nin;
    const double *lo = bx->x, *hi = bx->x + nin;
    for (int t = -1; t < w->pc->n_disj; t++) {
        if (t >= 0 && (bx->done[t] || best[t] < 0)) continue;
        for (int j = 0; j < nin; j++) {
            if (t < 0) w->pt[j] = 0.5 * (lo[j] + hi[j]);
            else w->pt[j] = w->A[(size_t)best[t] * nin + j] >= 0 ? lo[j] : hi[j];
            /* stay inside the inner box so that the exact check can pass */
            double a = w->pc->lo_in[j], b = w->pc->hi_in[j];
            w->pt[j] = w->pt[j] < a ? a : w->pt[j] > b ? b : w->pt[j];
        }
        if (falsify_margin(w->f, w->pt, NULL) < 0) {
            int c = cb(ctx, w->pt);
            if (c) return c;
        }
    }
    /* then a short descent from the centre inside the box */
    for (int j = 0; j < nin; j++) w->pt[j] = 0.5 * (lo[j] + hi[j]);
    return falsify_local(w->f, lo, hi, w->pt, BAB_LOCAL_STEPS, cb, ctx);
}

/* The dimension to split: largest summed smear over undecided disjuncts. */
static int split_dim(const ws *w, const box *bx, const int *best)
{
    int nin = w->nin, dim = -1;
    double top = -1.0;
    for (int j = 0; j < nin; j++) {
        double width = bx->x[nin + j] - bx->x[j], s = 0.0;
        if (!(width > 1e-12 * (1.0 + fabs(bx->x[j])))) continue;
        for (int k = 0; k < w->pc->n_disj; k++)
            if (!bx->done[k] && best[k] >= 0) s += fabs(w->A[(size_t)best[k] * nin + j]) * width;
        if (s == 0.0) s = 1e-300 * width;   /* still splittable */
        if (s > top) top = s, dim = j;
    }
    return dim;
}

static box *new_box(int nin, int nd, const double *x, const char *done)
{
    box *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->x = malloc((size_t)2 * nin * sizeof *b->x);
    b->done = malloc((size_t)nd + 1);
    if (!b->x || !b->done) {
        box_free(b);
        return NULL;
    }
    memcpy(b->x, x, (size_t)2 * nin * sizeof *x);
    memcpy(b->done, done, (size_t)nd + 1);
    return b;
}

long bab_boxes_for_memory(const net *n, const prop_case *pc, double bytes)
{
    /* the heap entry, the two malloc'd blocks and their allocator headers */
    double per = sizeof(box) + 16.0 + 2.0 * n->in_dim * sizeof(double) + pc->n_disj + 1 + 96;
    double nb = bytes / per;
    return nb < 16 ? 16 : nb > 1e12 ? (long)1e12 : (long)nb;
}

/* The loop's work space: the bounding scratch of one thread. */
typedef struct {
    const net *n;
    const prop_case *pc;
} bctx;

static void *ws_new(void *ctx, nc_err *e)
{
    const bctx *c = ctx;
    ws *w = err_calloc(e, 1, sizeof *w);
    if (!w) return NULL;
    w->best = err_calloc(e, (size_t)c->pc->n_disj + 1, sizeof *w->best);
    if (!w->best || ws_init(w, c->n, c->pc, e)) {
        ws_free_void(w);
        return NULL;
    }
    return w;
}

/* Bounds a box, tries its points, splits it in two. */
static bl_verdict step(void *wsp, const bl_item *it, team *t, bl_item *kids, int *n_kids,
                       nc_err *e)
{
    ws *w = wsp;
    box *bx = it->p;
    int nin = w->nin, nd = w->pc->n_disj;
    double prio;
    *n_kids = 0;
    if (bound_box(w, bx, &prio, w->best, e)) return BL_ERROR;
    if (prio == INFINITY) return BL_DROP;   /* every disjunct excluded here */
    int c = try_points(w, bx, w->best, team_offer_cb, t);
    if (c < 0) {
        if (!e->code) err_set(e, NC_EINTERNAL, "counterexample check failed");
        return BL_ERROR;
    }
    if (c > 0) return BL_FOUND;
    int dim = split_dim(w, bx, w->best);
    if (dim < 0) return BL_STUCK;
    double mid = 0.5 * (bx->x[dim] + bx->x[nin + dim]);
    box *left = new_box(nin, nd, bx->x, bx->done), *right = new_box(nin, nd, bx->x, bx->done);
    if (!left || !right) {
        box_free(left), box_free(right);
        err_set(e, NC_ENOMEM, "out of memory in branch and bound");
        return BL_ERROR;
    }
    left->x[nin + dim] = mid;
    right->x[dim] = mid;
    kids[0] = (bl_item){ .prio = prio, .p = left };
    kids[1] = (bl_item){ .prio = prio, .p = right };
    *n_kids = 2;
    return BL_SPLIT;
}

nc_status bab_input(const net *n, const prop_case *pc, const bab_opts *o, falsify_cb cb,
                    void *ctx, bab_result *r, nc_err *e)
{
    memset(r, 0, sizeof *r);
    int nin = n->in_dim, nd = pc->n_disj;
    char *zero = err_calloc(e, (size_t)nd + 1, 1);
    double *x0 = err_calloc(e, (size_t)2 * nin, sizeof *x0);
    if (!zero || !x0) {
        free(zero), free(x0);
        return e->code;
    }
    memcpy(x0, pc->lo, (size_t)nin * sizeof *x0);
    memcpy(x0 + nin, pc->hi, (size_t)nin * sizeof *x0);
    if (o->root_done) memcpy(zero, o->root_done, (size_t)nd);
    box *root = new_box(nin, nd, x0, zero);
    free(zero), free(x0);
    if (!root) return err_set(e, NC_ENOMEM, "out of memory in branch and bound");
    bctx c = { .n = n, .pc = pc };
    bl_ops ops = { .ctx = &c, .ws_new = ws_new, .ws_free = ws_free_void, .step = step,
                   .item_free = box_free };
    bl_opts lo = { .deadline = o->deadline, .max_items = o->max_boxes, .jobs = o->jobs };
    bl_result br;
    nc_status s = bl_run(&ops, (bl_item){ .prio = -INFINITY, .p = root }, &lo, cb, ctx, &br, e);
    static const bab_outcome map[] = { BAB_PROVED, BAB_FOUND, BAB_TIMEOUT, BAB_MEMORY, BAB_STUCK };
    r->outcome = map[br.outcome];
    r->boxes = br.items;
    r->max_queue = br.max_queue;
    r->deep = br.deep;
    return s;
}
