#include "verify/star_reach.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bounds.h"
#include "core/clock.h"
#include "core/pqueue.h"
#include "core/fpround.h"
#include "domains/crown.h"
#include "verify/prove.h"
#include "verify/star_crown.h"
#include "verify/team.h"

#define STAR_LOCAL_STEPS 6   /* gradient steps from each LP minimiser */

void star_opts_init(star_opts *o)
{
    memset(o, 0, sizeof *o);
    o->jobs = 1;
    o->max_stars = 1000000;
    o->overapprox = 1;
    o->presplit = 2;
}

/* A pending star: where it is in the network, the per-layer boxes known on
 * its region, and which disjuncts it no longer needs to reach. */
typedef struct {
    star s;
    int layer, neuron;
    bounds *b;
    char *done;
    int fresh;   /* split since the last over-approximation */
    double prio; /* smallest lower bound of an open disjunct found so far */
    long seq;    /* order of creation: among equal priorities, newest first */
} item;

static void item_free(item *it)
{
    star_free(&it->s);
    bounds_free(it->b);
    free(it->done);
    memset(it, 0, sizeof *it);
}

long star_stars_for_memory(const net *n, double bytes)
{
    /* the item, its boxes, c / V / err at the widest layer, and the LP's
     * rows (one per split, kept by us only: a waiting star has no GLPK
     * problem); measured on ACAS Xu at about 20-25 KB per star */
    double per = 512.0;
    int nv = n->in_dim, wmax = net_max_width(n), depth = 0;
    for (int k = 0; k < n->n; k++) {
        per += 2.0 * n->layers[k].out * sizeof(double);
        if (net_is_activation(n->layers[k].kind)) depth += n->layers[k].out;
    }
    per += (double)wmax * (nv + 2) * sizeof(double);
    int rows = depth < 128 ? depth : 128;
    per += (double)rows * ((nv + 1) * 12.0 + 64.0);
    double k = bytes / per;
    return k < 16 ? 16 : k > 1e9 ? (long)1e9 : (long)k;
}

typedef struct {
    const net *n;
    const prop_case *pc;
    const star_opts *o;
    team t;        /* threads, lock, stop flag, serialised callback */
    pqueue q;      /* of item: the pending stars (push / pop) */
    long seq;
    int found;   /* a witness was accepted (enumeration goes on with on_piece) */
    star_result *r;
    nc_status status;
    nc_err err;
} shared;

/* Ends the search with outcome oc unless it already ended (mu held). */
static void finish(shared *sh, star_outcome oc, const char *why)
{
    if (!sh->t.stop) {
        sh->r->outcome = oc;
        if (why) snprintf(sh->r->why, sizeof sh->r->why, "%s", why);
    }
    sh->t.stop = 1;
    pthread_cond_broadcast(&sh->t.cv);
}

/* The pending stars form a heap: most promising (lowest bound) first,
 * newest first among equals, which is depth first while bounds tie. */
static int item_before(const void *va, const void *vb)
{
    const item *a = va, *b = vb;
    return a->prio < b->prio || (a->prio == b->prio && a->seq > b->seq);
}

static int push(shared *sh, item *it)
{
    it->seq = sh->seq++;
    if (pq_push(&sh->q, it)) return -1;
    if (sh->q.n > sh->r->max_stack) sh->r->max_stack = sh->q.n;
    return 0;
}

static item pop(shared *sh)
{
    item it;
    pq_pop(&sh->q, &it);
    return it;
}

/* Per-thread work space. */
typedef struct {
    shared *sh;
    int m, no, nin;
    double *C, *dd, *low, *G, *g, *x;
    int *row_disj;
    int relu_only;   /* every activation is ReLU (see verify/star_crown.h) */
    falsifier *f;
    star_crown_ws *cw;
    long pieces, pruned;
} ws;

static void ws_free(ws *w)
{
    free(w->C), free(w->dd), free(w->low), free(w->G), free(w->g), free(w->x), free(w->row_disj);
    falsify_free(w->f);
    star_crown_ws_free(w->cw);
}

static nc_status ws_init(ws *w, shared *sh, nc_err *e)
{
    memset(w, 0, sizeof *w);
    const prop_case *pc = sh->pc;
    w->sh = sh;
    w->no = sh->n->out_dim;
    w->nin = sh->n->in_dim;
    for (int k = 0; k < pc->n_disj; k++) w->m += pc->disj[k].n_rows;
    size_t m = (size_t)w->m + 1;
    w->C = err_calloc(e, m * w->no, sizeof(double));
    w->dd = err_calloc(e, m, sizeof(double));
    w->low = err_calloc(e, m, sizeof(double));
    w->G = err_calloc(e, m * w->nin, sizeof(double));
    w->g = err_calloc(e, m, sizeof(double));
    w->x = err_calloc(e, (size_t)w->nin, sizeof(double));
    w->row_disj = err_calloc(e, m, sizeof(int));
    w->f = falsify_new(sh->n, pc, e);
    w->cw = star_crown_ws_new(sh->n, e);
    if (!w->C || !w->dd || !w->low || !w->G || !w->g || !w->x || !w->row_disj || !w->f || !w->cw)
        return e->code;
    w->relu_only = 1;
    for (int k = 0; k < sh->n->n; k++)
        if (net_is_activation(sh->n->layers[k].kind) && sh->n->layers[k].kind != NET_RELU) w->relu_only = 0;
    int r = 0;
    for (int k = 0; k < pc->n_disj; k++)
        for (int j = 0; j < pc->disj[k].n_rows; j++, r++) {
            memcpy(&w->C[(size_t)r * w->no], pc->disj[k].rows[j].a, (size_t)w->no * sizeof(double));
            w->dd[r] = pc->disj[k].rows[j].d;
            w->row_disj[r] = k;
        }
    return NC_OK;
}

/* An LP minimiser z as a candidate: checked when its double-precision
 * margin is negative, else the start of a short gradient descent inside
 * the star's input box. */
static int offer(ws *w, const item *it, const double *z)
{
    shared *sh = w->sh;
    for (int j = 0; j < w->nin; j++) {
        double a = sh->pc->lo_in[j], b = sh->pc->hi_in[j];
        w->x[j] = z[j] < a ? a : z[j] > b ? b : z[j];
    }
    if (falsify_margin(w->f, w->x, NULL) < 0) return team_offer(&sh->t, w->x);
    return falsify_local(w->f, lp_lo(it->s.P), lp_hi(it->s.P), w->x, STAR_LOCAL_STEPS, team_offer_cb,
                         &sh->t);
}

/* Excludes, by one LP over it->s's polytope each, the disjuncts whose rows
 * satisfy  row_r(f(x)) >= G_r z + g_r  on the star's region (G, g filled
 * for rows of undecided disjuncts; rows of a disjunct are consecutive).
 * Offers the minimisers as candidates (`final`: the star is a linear piece,
 * so its minimiser goes straight to the exact check, whatever its
 * double-precision margin says). Returns 1 if a candidate was accepted,
 * -1 on error, else 0; `open` counts the disjuncts left. */
static int exclude(ws *w, item *it, const shared *sh, int *open, int final)
{
    const prop_case *pc = sh->pc;
    int nv = it->s.nv;
    double prio = INFINITY;
    *open = 0;
    for (int k = 0, r0 = 0; k < pc->n_disj; r0 += pc->disj[k].n_rows, k++) {
        if (it->done[k]) continue;
        int m = pc->disj[k].n_rows, all_strict = 1;
        for (int j = 0; j < m; j++) all_strict = all_strict && pc->disj[k].rows[j].strict;
        if (m == 0) {   /* no rows: every point of the region is unsafe */
            (*open)++;
            continue;
        }
        double lower;
        double *z = calloc((size_t)nv + 1, sizeof *z);
        if (!z) return -1;
        lp_outcome oc = lp_min_max(it->s.P, m, &w->G[(size_t)r0 * nv], &w->g[r0],
                                   sh->o->deadline, &lower, z);
        it->s.lp_calls++;
        if (lower > 0 || (all_strict && lower >= 0)) {
            it->done[k] = 1;
            free(z);
            continue;
        }
        (*open)++;
        if (lower < prio) prio = lower;
        int c = 0;
        if (oc == LP_BOUND && nv == w->nin) {
            if (final) {   /* a linear piece: its minimiser goes to the exact check as it is */
                for (int j = 0; j < w->nin; j++) {
                    double a = sh->pc->lo_in[j], b = sh->pc->hi_in[j];
                    w->x[j] = z[j] < a ? a : z[j] > b ? b : z[j];
                }
                c = team_offer(&w->sh->t, w->x);
            } else {
                c = offer(w, it, z);
            }
        }
        free(z);
        if (c) return c;
    }
    if (prio < INFINITY) it->prio = prio;
    return 0;
}

/* The final piece: the star's own rows, exact up to err. */
static int check_piece(ws *w, item *it, int *open)
{
    shared *sh = w->sh;
    const prop_case *pc = sh->pc;
    int no = w->no, nv = it->s.nv;
    double *ylo = it->b->lo[sh->n->n], *yhi = it->b->hi[sh->n->n];
    for (int i = 0; i < no; i++) {
        double l, u;
        star_box_range(&it->s, i, &l, &u);
        if (l > ylo[i]) ylo[i] = l;
        if (u < yhi[i]) yhi[i] = u;
    }
    for (int k = 0, r = 0; k < pc->n_disj; k++)
        for (int j = 0; j < pc->disj[k].n_rows; j++, r++) {
            if (it->done[k]) continue;
            double g, slack;
            star_row(&it->s, pc->disj[k].rows[j].a, pc->disj[k].rows[j].d, &w->G[(size_t)r * nv],
                     &g, &slack);
            w->g[r] = prove_row_margin(&pc->disj[k].rows[j], fpr_down(g - slack), ylo, yhi, no);
        }
    return exclude(w, it, sh, open, 1);
}

/* Bounds the rest of the network on the star's region by CROWN, then
 * minimises the linear output bounds over the star's polytope by LP;
 * 1 = a candidate accepted, -1 error, 0 otherwise (*proved says whether
 * every disjunct is excluded). */
static int over_approx(ws *w, item *it, int *proved, nc_err *e)
{
    shared *sh = w->sh;
    const net *n = sh->n;
    const prop_case *pc = sh->pc;
    crown_opts co;
    crown_opts_init(&co);
    co.intersect = 1;
    co.deadline = sh->o->deadline;
    *proved = 0;
    /* the linear bounds must be over the star's variables */
    int from_star = w->relu_only || it->neuron == 0;
    if (!from_star && it->s.nv != w->nin) return 0;
    if (star_crown_rows(w->cw, &it->s, it->layer, it->b, from_star, w->m, w->C, w->dd, &co,
                        w->low, w->G, w->g, e))
        return -1;
    const double *ylo = it->b->lo[n->n], *yhi = it->b->hi[n->n];
    int undecided = 0;
    for (int k = 0, r = 0; k < pc->n_disj; k++)
        for (int j = 0; j < pc->disj[k].n_rows; j++, r++) {
            if (it->done[k]) continue;
            const prop_row *row = &pc->disj[k].rows[j];
            double v = prove_row_margin(row, w->low[r], ylo, yhi, w->no);
            if (v > 0 || (row->strict && v >= 0)) it->done[k] = 1;
            w->g[r] = prove_row_margin(row, w->g[r], ylo, yhi, w->no);
        }
    for (int k = 0; k < pc->n_disj; k++) undecided += !it->done[k];
    if (!undecided) {
        *proved = 1;
        return 0;
    }
    int open;
    int c = exclude(w, it, sh, &open, 0);
    if (c) return c;
    *proved = open == 0;
    return 0;
}

static nc_status item_copy(item *d, const item *s, const net *n, int nd, nc_err *e)
{
    memset(d, 0, sizeof *d);
    if (star_copy(&d->s, &s->s, e)) return e->code;
    d->b = bounds_new(n, e);
    d->done = err_calloc(e, (size_t)nd + 1, 1);
    if (!d->b || !d->done) {
        item_free(d);
        return e->code;
    }
    bounds_copy(d->b, s->b);
    memcpy(d->done, s->done, (size_t)nd + 1);
    d->layer = s->layer, d->neuron = s->neuron, d->fresh = s->fresh, d->prio = s->prio;
    return NC_OK;
}

enum { RUN_DONE, RUN_FOUND, RUN_UNKNOWN, RUN_TIMEOUT, RUN_ERROR, RUN_REQUEUE };

/* Pushes a child (mu taken here); RUN_ERROR when memory ran out. */
static int give(shared *sh, item *child, nc_err *e)
{
    lp_release(child->s.P);   /* another thread may pop it; and waiting stars stay small */
    pthread_mutex_lock(&sh->t.mu);
    int fail = push(sh, child);
    int over = sh->q.n > sh->o->max_stars;
    if (over) finish(sh, STAR_MEMORY, NULL);
    pthread_cond_broadcast(&sh->t.cv);
    pthread_mutex_unlock(&sh->t.mu);
    if (fail) {
        item_free(child);
        err_set(e, NC_ENOMEM, "out of memory in star-set reachability");
        return RUN_ERROR;
    }
    return RUN_DONE;
}

/* Takes one star through the network until it is excluded, reaches the
 * output, or must split (the other half is pushed). */
static int run_item(ws *w, item *it, char *why, size_t why_cap, nc_err *e)
{
    shared *sh = w->sh;
    const net *n = sh->n;
    const star_opts *o = sh->o;
    int nd = sh->pc->n_disj, prune = o->overapprox && !o->on_piece;
    for (;;) {
        if (o->deadline > 0 && clock_now() > o->deadline) return RUN_TIMEOUT;
        if (it->layer == n->n) {
            w->pieces++;
            if (o->on_piece) {
                pthread_mutex_lock(&sh->t.cbmu);
                int bad = o->on_piece(o->piece_ctx, &it->s);
                pthread_mutex_unlock(&sh->t.cbmu);
                if (bad) {
                    err_set(e, NC_EINPUT, "could not write the reachable set");
                    return RUN_ERROR;
                }
            }
            if (o->on_piece) {   /* the whole set is wanted: check until a witness is known */
                pthread_mutex_lock(&sh->t.mu);
                int known = sh->found;
                pthread_mutex_unlock(&sh->t.mu);
                if (known) return RUN_DONE;
            }
            int open, c = check_piece(w, it, &open);
            if (c < 0) return RUN_ERROR;
            if (c > 0) return RUN_FOUND;
            if (open) {
                snprintf(why, why_cap, "an output piece could be neither excluded nor confirmed");
                return RUN_UNKNOWN;
            }
            return RUN_DONE;
        }
        const net_layer *l = &n->layers[it->layer];
        if (!net_is_activation(l->kind)) {
            if (star_affine(&it->s, l, e)) return RUN_ERROR;
            it->layer++;
            continue;
        }
        if (l->kind != NET_RELU && l->kind != NET_LEAKY_RELU) {
            snprintf(why, why_cap, "%s is not piecewise linear", net_kind_name(l->kind));
            return RUN_UNKNOWN;
        }
        double alpha = l->kind == NET_LEAKY_RELU ? l->alpha : 0.0;
        double *lo = it->b->lo[it->layer], *hi = it->b->hi[it->layer];
        if (it->neuron == 0) {
            for (int i = 0; i < it->s.dim; i++) {
                double a, b;
                star_box_range(&it->s, i, &a, &b);
                if (a > lo[i]) lo[i] = a;
                if (b < hi[i]) hi[i] = b;
            }
        }
        for (; it->neuron < it->s.dim; it->neuron++) {
            int i = it->neuron;
            if (prune && it->fresh) {   /* after every split, both halves */
                /* after a split, only the variables its row constrains much
                 * (ACAS Xu 3_3 prop_2: 34.2 -> 27.1 s, a third fewer LPs) */
                int t = star_tighten_box(&it->s, 0.15, o->deadline);
                if (t == 1) return RUN_DONE;   /* rigorous: the region is empty */
                for (int j = 0; j < it->s.nv && it->s.nv == w->nin; j++) {
                    it->b->lo[0][j] = lp_lo(it->s.P)[j];
                    it->b->hi[0][j] = lp_hi(it->s.P)[j];
                }
                int proved, c = over_approx(w, it, &proved, e);
                if (c < 0) return RUN_ERROR;
                if (c > 0) return RUN_FOUND;
                if (proved) {
                    w->pruned++;
                    return RUN_DONE;
                }
                it->fresh = 0;
                /* a more promising star waits: let it go first */
                pthread_mutex_lock(&sh->t.mu);
                int yield = sh->q.n > 0 && ((const item *)pq_top(&sh->q))->prio < it->prio - 0.25 * fabs(it->prio);
                pthread_mutex_unlock(&sh->t.mu);
                if (yield) return RUN_REQUEUE;
            }
            if (lo[i] < 0 && hi[i] > 0) {
                if (star_lp_range(&it->s, i, 1, 0, o->deadline, &lo[i], &hi[i]) == 0 && lo[i] < 0)
                    star_lp_range(&it->s, i, 0, 1, o->deadline, &lo[i], &hi[i]);
                if (lo[i] > hi[i]) return RUN_DONE;   /* rigorous: the region is empty */
            }
            if (lo[i] >= 0 || hi[i] <= 0) {
                if (star_piece(&it->s, i, lo[i] >= 0 ? 1 : -1, alpha, 1, e)) return RUN_ERROR;
                continue;
            }
            item child;
            if (item_copy(&child, it, n, nd, e)) return RUN_ERROR;
            child.neuron = i + 1;
            child.fresh = 1;
            child.b->lo[it->layer][i] = 0.0;
            if (star_piece(&child.s, i, 1, alpha, 0, e)) {
                item_free(&child);
                return RUN_ERROR;
            }
            if (give(sh, &child, e) != RUN_DONE) return RUN_ERROR;
            hi[i] = 0.0;
            it->fresh = 1;
            if (star_piece(&it->s, i, -1, alpha, 0, e)) return RUN_ERROR;
        }
        it->layer++;
        it->neuron = 0;
    }
}

static void *worker(void *arg)
{
    shared *sh = arg;
    nc_err e;
    err_clear(&e);
    ws w;
    nc_status s = ws_init(&w, sh, &e);
    long lp0 = lp_solves(), lpf0 = lp_failures();
    if (s) {
        pthread_mutex_lock(&sh->t.mu);
        if (!sh->status) sh->status = s, sh->err = e;
        finish(sh, STAR_UNKNOWN, NULL);
        pthread_mutex_unlock(&sh->t.mu);
    }
    while (!s) {
        if (!team_take(&sh->t, &sh->q.n)) break;   /* ended, or nothing left anywhere */
        item it = pop(sh);
        sh->t.busy++;
        sh->r->stars++;
        pthread_mutex_unlock(&sh->t.mu);

        char why[160] = "";
        int res = run_item(&w, &it, why, sizeof why, &e);
        if (res == RUN_REQUEUE) lp_release(it.s.P);
        if (res != RUN_REQUEUE) item_free(&it);
        pthread_mutex_lock(&sh->t.mu);
        sh->t.busy--;
        if (res == RUN_REQUEUE && push(sh, &it)) {
            item_free(&it);
            res = RUN_ERROR;
            err_set(&e, NC_ENOMEM, "out of memory in star-set reachability");
        }
        if (res == RUN_ERROR) {
            if (!sh->status) sh->status = e.code ? e.code : NC_EINTERNAL, sh->err = e;
            finish(sh, STAR_UNKNOWN, NULL);
        } else if (res == RUN_FOUND) {
            sh->found = 1;
            if (!sh->o->on_piece) finish(sh, STAR_FOUND, NULL);
        } else if (res == RUN_TIMEOUT) {
            finish(sh, STAR_TIMEOUT, NULL);
        } else if (res == RUN_UNKNOWN) {
            finish(sh, STAR_UNKNOWN, why);
        }
        pthread_cond_broadcast(&sh->t.cv);
        pthread_mutex_unlock(&sh->t.mu);
        if (res == RUN_ERROR) break;
    }
    pthread_mutex_lock(&sh->t.mu);
    if (!s) {
        sh->r->pieces += w.pieces;
        sh->r->pruned += w.pruned;
    }
    sh->r->lp_calls += lp_solves() - lp0;
    sh->r->lp_failures += lp_failures() - lpf0;
    pthread_mutex_unlock(&sh->t.mu);
    ws_free(&w);
    return NULL;
}

/* A spawned worker: also frees its GLPK memory at the end (every star it
 * held is freed or released by then). */
static void *spawned_worker(void *arg)
{
    worker(arg);
    lp_thread_done();
    return NULL;
}

/* Queues the root star cut into 2^k stars by halving its k widest input
 * dimensions (k = 0: the root itself); consumes root. A large box keeps
 * the first splits from localising anything; a few halves let the LP
 * minimisers and CROWN bounds start from smaller regions. */
static nc_status push_roots(shared *sh, item *root, int k, nc_err *e)
{
    const net *n = sh->n;
    const prop_case *pc = sh->pc;
    int nin = n->in_dim, dims[8], nk = 0;
    char *used = err_calloc(e, (size_t)nin + 1, 1);
    if (!used) {
        item_free(root);
        return e->code;
    }
    for (; nk < k && nk < nin && nk < 8; nk++) {
        int bj = -1;
        for (int j = 0; j < nin; j++) {
            double wj = pc->hi[j] - pc->lo[j];
            if (!used[j] && isfinite(wj) && wj > 0 && (bj < 0 || wj > pc->hi[bj] - pc->lo[bj])) bj = j;
        }
        if (bj < 0) break;
        used[bj] = 1;
        dims[nk] = bj;
    }
    free(used);
    nc_status st = NC_OK;
    for (int mask = 0; mask < (1 << nk) && !st; mask++) {
        item ch;
        if (nk == 0) ch = *root;
        else if (item_copy(&ch, root, n, sh->pc->n_disj, e)) {
            st = e->code;
            break;
        }
        for (int q = 0; q < nk; q++) {
            int j = dims[q];
            double mid = 0.5 * (pc->lo[j] + pc->hi[j]);
            double lo = mask >> q & 1 ? mid : pc->lo[j], hi = mask >> q & 1 ? pc->hi[j] : mid;
            lp_tighten(ch.s.P, j, lo, hi);
            ch.b->lo[0][j] = lo;
            ch.b->hi[0][j] = hi;
        }
        ch.fresh = 1;
        ch.prio = -INFINITY;
        lp_release(ch.s.P);
        if (push(sh, &ch)) {
            item_free(&ch);
            st = err_set(e, NC_ENOMEM, "out of memory in star-set reachability");
        }
    }
    if (nk > 0) item_free(root);
    return st;
}

nc_status star_reach(const net *n, const prop_case *pc, const star_opts *o, falsify_cb cb,
                     void *ctx, star_result *r, nc_err *e)
{
    memset(r, 0, sizeof *r);
    r->outcome = STAR_PROVED;
    int nd = pc->n_disj, jobs = o->jobs < 1 ? 1 : o->jobs;
    shared sh = { .n = n, .pc = pc, .o = o, .r = r };
    pq_init(&sh.q, sizeof(item), item_before);
    item root = { 0 };
    if (star_from_case(&root.s, pc, n->in_dim, e)) return e->code;
    root.b = bounds_new(n, e);
    root.done = err_calloc(e, (size_t)nd + 1, 1);
    if (!root.b || !root.done) {
        item_free(&root);
        return e->code;
    }
    memcpy(root.b->lo[0], pc->lo, (size_t)n->in_dim * sizeof(double));
    memcpy(root.b->hi[0], pc->hi, (size_t)n->in_dim * sizeof(double));
    if (o->root_done && !o->on_piece) memcpy(root.done, o->root_done, (size_t)nd);
    root.fresh = 1;
    root.prio = -INFINITY;
    nc_status ps = push_roots(&sh, &root, o->on_piece ? 0 : o->presplit, e);   /* whole pieces for the reachable set */
    if (ps) return ps;
    team_init(&sh.t, cb, ctx);
    team_run(&sh.t, jobs, worker, spawned_worker, &sh);   /* the calling thread is worker 0 */
    if (sh.found) r->outcome = STAR_FOUND;
    nc_status s = NC_OK;
    if (sh.status) {
        *e = sh.err;
        s = sh.status;
    }
    while (sh.q.n > 0) {
        item it = pop(&sh);
        item_free(&it);
    }
    pq_free(&sh.q);
    team_destroy(&sh.t);
    return s;
}
