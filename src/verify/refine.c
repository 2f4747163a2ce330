#include "verify/refine.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/fpround.h"
#include "domains/crown.h"
#include "solvers/lp.h"
#include "verify/bab_relu.h"
#include "verify/prove.h"
#include "verify/team.h"

/* Fractions of the way from the current end to the achieved value tried
 * one after the other while they are proved */
static const double targets[] = { 0.35, 0.7 };

/* The searches try the worst corner at subproblems with at most this many
 * splits (docs/bab.md) */
#define REFINE_CORNER_DEPTH 2

void refine_opts_init(refine_opts *o)
{
    o->deadline = 0.0;
    o->attempt = 0.1;
    o->attempt_max = 0.4;
    o->passes = 8;
    o->jobs = 1;
    o->root_iters = 20;
    o->iters = 3;
    o->max_nodes = 100000;
}

/* A point where sign * z_j <= t shows t is no bound: the attempt ends. */
typedef struct {
    const net *sub;
    int j;
    double sign, t;
    double *y;
} probe;

static int below(void *ctx, const double *x)
{
    probe *p = ctx;
    net_eval(p->sub, x, p->y);
    return p->sign * p->y[p->j] <= p->t;
}

/* Branch and bound on sub for "sign * z_j > t" on the input box of pc:
 * *got receives a proved lower bound of sign * z_j there, t when the search
 * proves it, else the worst bound it left open plus t when it ran out of
 * time (-inf when nothing is known, e.g. a point below t was met). */
static nc_status attempt(const net *sub, const prop_case *pc, const bounds *b, int j, double sign,
                         double t, const refine_opts *o, double *y, double *got, nc_err *e)
{
    *got = -INFINITY;
    prop_row row = { 0 };
    row.a = err_calloc(e, (size_t)sub->out_dim, sizeof(double));
    if (!row.a) return e->code;
    row.a[j] = sign;
    row.d = -t;
    prop_conj cj = { .n_rows = 1, .rows = &row };
    prop_case q = { .lo = pc->lo, .hi = pc->hi, .lo_in = pc->lo_in, .hi_in = pc->hi_in,
                    .n_disj = 1, .disj = &cj };
    rbab_opts ro;
    rbab_opts_init(&ro);
    double end = clock_now() + o->attempt;
    ro.deadline = end < o->deadline ? end : o->deadline;
    ro.jobs = o->jobs;
    ro.known = b;
    ro.refine = 0;
    ro.local_steps = 0;
    ro.recompute = 0;
    ro.max_nodes = o->max_nodes;
    ro.iters = o->iters;
    /* the searches are short and most run out of time: per subproblem one
     * rigorous pass, and the corner tried near the top only (a point below
     * t, when there is one, shows up there; deeper, the forward pass costs
     * as much as a fifth of the subproblem) */
    ro.estimate_first = 1;
    /* and its products in single precision: their rounding error (about
     * 1e-4 of the bound's scale) is far below what the searches move an
     * end by, and the products cost half */
    ro.single_products = 1;
    ro.corner_depth = REFINE_CORNER_DEPTH;
    probe pr = { .sub = sub, .j = j, .sign = sign, .t = t, .y = y };
    rbab_result rr;
    nc_status s = bab_relu(sub, &q, &ro, below, &pr, &rr, e);
    if (!s && rr.outcome == RBAB_PROVED) *got = t;
    else if (!s && (rr.outcome == RBAB_TIMEOUT || rr.outcome == RBAB_MEMORY) &&
             rr.open_bound < 0)   /* sign * z_j - t >= open_bound on every region left */
        *got = fpr_down(t + rr.open_bound);
    free(row.a);
    return s;
}

/* Per unstable neuron of box K of b: the values of z (the net cut before
 * layer K) at the input corners minimising CROWN's linear lower bounds of
 * z_j (lowv) and of -z_j (highv, as -z_j). */
static nc_status achieved(const net *sub, const bounds *b, int K, const int *un, int nu,
                          double *lowv, double *highv, nc_err *e)
{
    int d = b->dim[K], nin = sub->in_dim, m = 2 * nu;
    double *C = err_calloc(e, (size_t)m * d, sizeof *C);
    double *lo = err_calloc(e, (size_t)m, sizeof *lo);
    double *A = err_calloc(e, (size_t)m * nin, sizeof *A);
    double *x = err_calloc(e, (size_t)nin, sizeof *x), *y = err_calloc(e, (size_t)d, sizeof *y);
    nc_status s = C && lo && A && x && y ? NC_OK : e->code;
    for (int i = 0; !s && i < nu; i++) {
        C[(size_t)i * d + un[i]] = 1.0;
        C[(size_t)(nu + i) * d + un[i]] = -1.0;
    }
    crown_opts co;
    crown_opts_init(&co);
    if (!s) s = crown_rows(sub, b, m, C, NULL, &co, lo, A, NULL, NULL, e);
    for (int r = 0; !s && r < m; r++) {
        for (int i = 0; i < nin; i++) x[i] = A[(size_t)r * nin + i] >= 0 ? b->lo[0][i] : b->hi[0][i];
        net_eval(sub, x, y);
        if (r < nu) lowv[r] = y[un[r]];
        else highv[r - nu] = -y[un[r - nu]];
    }
    free(C), free(lo), free(A), free(x), free(y);
    return s;
}

/* One layer's refinement, shared by the threads that run its searches:
 * each takes the next neuron, so that every neuron's ends are written by
 * one thread. The searches read b, whose box K is not written while they
 * run: the new ends go to lo / hi and are copied into b at the end. */
typedef struct {
    const net *sub;
    const prop_case *pc;
    const bounds *b;
    const refine_opts *o;
    const int *un;
    const double *lowv, *highv;
    double *lo, *hi;   /* layer K's ends as refined so far */
    char *failed;
    int nu;
    pthread_mutex_t mu;   /* guards the fields below */
    int next;             /* the next neuron (index into un) to take */
    long attempts, proved, partial, stabilised;
    nc_status s;          /* the first error, in e */
    nc_err e;
} layer_work;

/* Moves neuron un[i]'s ends while targets are proved (counts into r's
 * fields attempts / proved / partial / stabilised). */
static nc_status refine_neuron(layer_work *w, int i, double *y, refine_result *r, nc_err *e)
{
    const refine_opts *o = w->o;
    int j = w->un[i];
    double *lo = &w->lo[j], *hi = &w->hi[j];
    nc_status s = NC_OK;
    for (int side = 0; !s && side < 2 && *lo < 0 && *hi > 0; side++) {
        double sign = side ? -1.0 : 1.0;
        if (w->failed && w->failed[2 * j + side]) continue;
        for (size_t f = 0; !s && f < sizeof targets / sizeof *targets; f++) {
            double end = side ? -*hi : *lo;   /* sign * z_j >= end */
            double v = side ? w->highv[i] : w->lowv[i];
            if (!(v > end) || clock_now() >= o->deadline) break;
            double t = end + targets[f] * (v - end);
            if (!(t > end)) break;
            double got;
            s = attempt(w->sub, w->pc, w->b, j, sign, t, o, y, &got, e);
            r->attempts++;
            int ok = !s && got >= t, moved = !s && got > end;
            if (!s && !ok && w->failed) w->failed[2 * j + side] = 1;
            if (moved) {
                r->proved++;
                r->partial += !ok;
                if (side) *hi = -got;
                else *lo = got;
                if (!(*lo < 0 && *hi > 0)) {   /* stable now */
                    r->stabilised++;
                    break;
                }
            }
            if (!ok) break;
        }
    }
    return s;
}

static void *layer_worker(void *arg)
{
    layer_work *w = arg;
    nc_err e;
    err_clear(&e);
    refine_result r = { 0 };
    double *y = err_calloc(&e, (size_t)w->sub->out_dim + 1, sizeof *y);
    nc_status s = y ? NC_OK : e.code;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        int i = s || w->s || w->next >= w->nu || clock_now() >= w->o->deadline ? -1 : w->next++;
        pthread_mutex_unlock(&w->mu);
        if (i < 0) break;
        s = refine_neuron(w, i, y, &r, &e);
    }
    pthread_mutex_lock(&w->mu);
    w->attempts += r.attempts, w->proved += r.proved;
    w->partial += r.partial, w->stabilised += r.stabilised;
    if (s && !w->s) {
        w->s = s;
        w->e = e;
    }
    pthread_mutex_unlock(&w->mu);
    free(y);
    return NULL;
}

/* A thread of its own: the LP environment its searches' leaves made dies
 * with it. */
static void *layer_spawned(void *arg)
{
    layer_worker(arg);
    lp_thread_done();
    return NULL;
}

/* Moves the ends of box K's unstable neurons while time lasts, o->jobs
 * neurons at a time (each search on one thread). failed (2 per neuron; may
 * be NULL) marks the ends a search could not prove, and such ends are not
 * tried again while the search time stays the same (for the second
 * activation layer, whose searches see the same boxes in every pass). */
static nc_status refine_layer(const net *n, const prop_case *pc, bounds *b, int K, char *failed,
                              const refine_opts *o, refine_result *r, nc_err *e)
{
    net sub = *n;   /* a view: the first K layers, ending at layer K's input */
    sub.n = K;
    sub.out_dim = n->layers[K - 1].out;
    int d = b->dim[K];
    refine_opts so = *o;
    so.jobs = 1;
    layer_work w = { .sub = &sub, .pc = pc, .b = b, .o = &so, .failed = failed };
    int *un = err_calloc(e, (size_t)d + 1, sizeof *un);
    double *lowv = err_calloc(e, (size_t)d + 1, sizeof *lowv);
    double *highv = err_calloc(e, (size_t)d + 1, sizeof *highv);
    w.lo = err_calloc(e, (size_t)d + 1, sizeof *w.lo);
    w.hi = err_calloc(e, (size_t)d + 1, sizeof *w.hi);
    nc_status s = un && lowv && highv && w.lo && w.hi ? NC_OK : e->code;
    for (int j = 0; !s && j < d; j++) {
        w.lo[j] = b->lo[K][j], w.hi[j] = b->hi[K][j];
        if (b->lo[K][j] < 0 && b->hi[K][j] > 0) un[w.nu++] = j;
    }
    if (!s && w.nu > 0) s = achieved(&sub, b, K, un, w.nu, lowv, highv, e);
    if (!s && w.nu > 0) {
        w.un = un, w.lowv = lowv, w.highv = highv;
        pthread_mutex_init(&w.mu, NULL);
        int jobs = o->jobs < 1 ? 1 : o->jobs > w.nu ? w.nu : o->jobs;
        team_run(NULL, jobs, layer_worker, layer_spawned, &w);
        pthread_mutex_destroy(&w.mu);
        r->attempts += w.attempts, r->proved += w.proved;
        r->partial += w.partial, r->stabilised += w.stabilised;
        memcpy(b->lo[K], w.lo, (size_t)d * sizeof *w.lo);   /* every end written is proved */
        memcpy(b->hi[K], w.hi, (size_t)d * sizeof *w.hi);
        if (w.s) {
            *e = w.e;
            s = w.s;
        }
    }
    free(un), free(lowv), free(highv), free(w.lo), free(w.hi);
    return s;
}

/* *yes = 1 when CROWN on b (alpha-optimised) excludes every disjunct of
 * the unsafe set, so that refining further is pointless. */
static nc_status settled(const net *n, const prop_case *pc, const bounds *b, const refine_opts *o,
                         int *yes, nc_err *e)
{
    *yes = 0;
    int m = 0, no = n->out_dim;
    for (int k = 0; k < pc->n_disj; k++) {
        if (pc->disj[k].n_rows == 0) return NC_OK;   /* every point is unsafe */
        m += pc->disj[k].n_rows;
    }
    double *C = err_calloc(e, (size_t)m * no + 1, sizeof *C), *d = err_calloc(e, (size_t)m + 1, sizeof *d);
    double *lo = err_calloc(e, (size_t)m + 1, sizeof *lo);
    nc_status s = C && d && lo ? NC_OK : e->code;
    for (int k = 0, r = 0; !s && k < pc->n_disj; k++)
        for (int q = 0; q < pc->disj[k].n_rows; q++, r++) {
            memcpy(&C[(size_t)r * no], pc->disj[k].rows[q].a, (size_t)no * sizeof *C);
            d[r] = pc->disj[k].rows[q].d;
        }
    crown_opts co;
    crown_opts_init(&co);
    co.alpha_iters = o->root_iters;
    co.deadline = o->deadline;
    if (!s) s = crown_rows(n, b, m, C, d, &co, lo, NULL, NULL, NULL, e);
    int all = !s;
    for (int k = 0, r = 0; all && k < pc->n_disj; k++) {
        int out = 0;
        for (int q = 0; q < pc->disj[k].n_rows; q++, r++) {
            const prop_row *row = &pc->disj[k].rows[q];
            double v = prove_row_margin(row, lo[r], b->lo[n->n], b->hi[n->n], no);
            out |= v > 0 || (row->strict && v >= 0);
        }
        all = out;
    }
    *yes = all;
    free(C), free(d), free(lo);
    return s;
}

/* Unstable neurons of box K. */
static int unstable(const bounds *b, int K)
{
    int u = 0;
    for (int j = 0; j < b->dim[K]; j++) u += b->lo[K][j] < 0 && b->hi[K][j] > 0;
    return u;
}

/* Which layers a pass searches (docs/bab.md): a layer whose last searches
 * stabilised under REFINE_QUIET of its unstable neurons, while those of
 * every layer below did too, is left as it is (its searches would see the
 * boxes they saw); the last activation layer, whose boxes feed only the
 * output, waits while over REFINE_LOOSE of the layer below it is still
 * unstable (its searches would be undone by that layer's progress). */
#define REFINE_QUIET 0.1
#define REFINE_LOOSE 0.25

/* One pass over the activation layers after the first, in order; the
 * boxes above each layer refined are recomputed by CROWN from it. gain[K]:
 * the share of box K's unstable neurons its last searches stabilised (1
 * before any). */
static nc_status refine_pass(const net *n, const prop_case *pc, bounds *b, const refine_opts *o,
                             char *failed, double *gain, int *layers, refine_result *r, nc_err *e)
{
    nc_status s = NC_OK;
    int seen = 0;   /* activation layers below K: the first has nothing to split */
    /* below: the activation layer before K (searched or skipped); quiet: no
     * layer below K moved in its last searches */
    int top = -1, below = -1, quiet = 1;
    for (int K = 0; K < n->n; K++)
        if (net_is_activation(n->layers[K].kind)) top = K;
    for (int K = 0; !s && K < n->n && clock_now() < o->deadline; K++) {
        if (!net_is_activation(n->layers[K].kind) || !seen++) continue;
        if (seen - 1 > *layers) *layers = seen - 1;
        if (below >= 0 && !(gain[below] < REFINE_QUIET)) quiet = 0;
        int skip = quiet && gain[K] < REFINE_QUIET;
        if (K == top && below >= 0 && unstable(b, below) > REFINE_LOOSE * b->dim[below]) skip = 1;
        below = K;
        if (skip) continue;
        int u0 = unstable(b, K);
        s = refine_layer(n, pc, b, K, seen == 2 ? failed : NULL, o, r, e);
        if (s) break;
        gain[K] = u0 > 0 ? (double)(u0 - unstable(b, K)) / u0 : 0.0;
        crown_opts co;
        crown_opts_init(&co);
        co.intersect = 1;
        co.keep_below = K;
        co.alpha_iters = o->root_iters;
        co.deadline = o->deadline;
        s = crown_intermediate(n, b, &co, e);
        if (!s) s = settled(n, pc, b, o, &r->settled, e);
        if (r->settled) break;
    }
    return s;
}

nc_status refine_boxes(const net *n, const prop_case *pc, bounds *b, const refine_opts *o,
                       refine_result *r, nc_err *e)
{
    memset(r, 0, sizeof *r);
    if (!(o->deadline > 0)) return err_set(e, NC_EINTERNAL, "refine_boxes needs a deadline");
    /* passes over the layers while one moves an end: each starts from the
     * boxes the last left, so its targets are closer in */
    char *failed = err_calloc(e, 2 * (size_t)net_max_width(n) + 2, 1);
    double *gain = err_calloc(e, (size_t)n->n + 1, sizeof *gain);
    nc_status s = failed && gain ? NC_OK : e->code;
    for (int k = 0; !s && k < n->n; k++) gain[k] = 1.0;
    long moved = -1;
    refine_opts po = *o;
    for (int pass = 0; !s && pass < o->passes && r->proved > moved && !r->settled &&
                       clock_now() < o->deadline;
         pass++) {
        moved = r->proved;
        if (pass > 0 && po.attempt < o->attempt_max) {   /* longer searches: try every end again */
            po.attempt = fmin(2.0 * po.attempt, o->attempt_max);
            memset(failed, 0, 2 * (size_t)net_max_width(n) + 2);
        }
        s = refine_pass(n, pc, b, &po, failed, gain, &r->layers, r, e);
        r->passes++;
    }
    free(failed), free(gain);
    return s;
}
