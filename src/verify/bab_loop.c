#include "verify/bab_loop.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/pqueue.h"

static int item_before(const void *a, const void *b)
{
    return ((const bl_item *)a)->prio < ((const bl_item *)b)->prio;
}

/* The smaller of a and b, a NaN priority counting as -inf (no bound). */
static double lower_of(double a, double b)
{
    return isnan(b) ? -INFINITY : b < a ? b : a;
}

typedef struct {
    const bl_ops *ops;
    const bl_opts *o;
    team t;
    pqueue q;       /* of bl_item: best first */
    bl_item *stk;   /* depth first, taken before q */
    long n_stk, cap_stk;
    long queued;    /* q.n + n_stk */
    double lost;    /* smallest priority of a region stepped while the search
                       ended and neither decided nor queued */
    bl_result *r;
    nc_status status;
    nc_err err;
} shared;

/* Ends the search with outcome oc unless it already ended (mu held). */
static void finish(shared *sh, bl_outcome oc)
{
    if (!sh->t.stop) sh->r->outcome = oc;
    sh->t.stop = 1;
    pthread_cond_broadcast(&sh->t.cv);
}

static void fail(shared *sh, nc_status s, const nc_err *e)
{
    if (!sh->status) sh->status = s ? s : NC_EINTERNAL, sh->err = *e;
    finish(sh, BL_GAVE_UP);
}

static int stack_push(shared *sh, const bl_item *it)
{
    if (sh->n_stk == sh->cap_stk) {
        long cap = sh->cap_stk ? 2 * sh->cap_stk : 64;
        bl_item *v = realloc(sh->stk, (size_t)cap * sizeof *v);
        if (!v) return -1;
        sh->stk = v, sh->cap_stk = cap;
    }
    sh->stk[sh->n_stk++] = *it;
    return 0;
}

static void *worker(void *arg)
{
    shared *sh = arg;
    const bl_ops *ops = sh->ops;
    nc_err e;
    err_clear(&e);
    void *ws = ops->ws_new(ops->ctx, &e);
    if (!ws) {
        pthread_mutex_lock(&sh->t.mu);
        fail(sh, e.code, &e);
        pthread_mutex_unlock(&sh->t.mu);
        return NULL;
    }
    for (;;) {
        if (!team_take(&sh->t, &sh->queued)) break;   /* ended, or nothing left anywhere: proved */
        if (sh->o->deadline > 0 && clock_now() > sh->o->deadline) {
            finish(sh, BL_TIMEOUT);
            pthread_mutex_unlock(&sh->t.mu);
            break;
        }
        if (sh->queued > sh->o->max_items) {
            finish(sh, BL_MEMORY);
            pthread_mutex_unlock(&sh->t.mu);
            break;
        }
        bl_item it, kids[BL_KIDS];
        if (sh->n_stk > 0) {
            it = sh->stk[--sh->n_stk];
            sh->r->deep++;
        } else
            pq_pop(&sh->q, &it);
        sh->queued--;
        sh->t.busy++;
        sh->r->items++;
        pthread_mutex_unlock(&sh->t.mu);

        int nk = 0;
        bl_verdict v = ops->step(ws, &it, &sh->t, kids, &nk, &e);
        ops->item_free(it.p);
        pthread_mutex_lock(&sh->t.mu);
        sh->t.busy--;
        if (v != BL_SPLIT && v != BL_DROP) sh->lost = -INFINITY;   /* nothing known of it */
        if (v == BL_ERROR) fail(sh, e.code, &e);
        else if (v == BL_FOUND) finish(sh, BL_FOUND_CEX);
        else if (v == BL_STUCK) finish(sh, BL_GAVE_UP);
        int deep = 2 * sh->queued >= sh->o->max_items;
        /* the first child comes off the stack first */
        for (int k = deep ? nk - 1 : 0; v == BL_SPLIT && k >= 0 && k < nk; k += deep ? -1 : 1) {
            if (sh->t.stop || (deep ? stack_push(sh, &kids[k]) : pq_push(&sh->q, &kids[k]))) {
                sh->lost = lower_of(sh->lost, kids[k].prio);
                if (!sh->t.stop) {
                    err_set(&e, NC_ENOMEM, "out of memory in branch and bound");
                    fail(sh, NC_ENOMEM, &e);
                }
                ops->item_free(kids[k].p);
            } else
                sh->queued++;
        }
        if (sh->queued > sh->r->max_queue) sh->r->max_queue = sh->queued;
        pthread_cond_broadcast(&sh->t.cv);
        pthread_mutex_unlock(&sh->t.mu);
        if (v == BL_ERROR) break;
    }
    ops->ws_free(ws);
    return NULL;
}

static void *spawned(void *arg)
{
    shared *sh = arg;
    worker(arg);
    if (sh->ops->thread_done) sh->ops->thread_done();
    return NULL;
}

nc_status bl_run(const bl_ops *ops, bl_item root, const bl_opts *o, falsify_cb cb, void *cb_ctx,
                 bl_result *r, nc_err *e)
{
    memset(r, 0, sizeof *r);
    r->outcome = BL_PROVED;
    shared sh = { .ops = ops, .o = o, .r = r, .queued = 1, .lost = INFINITY };
    pq_init(&sh.q, sizeof(bl_item), item_before);
    if (pq_push(&sh.q, &root)) {
        ops->item_free(root.p);
        return err_set(e, NC_ENOMEM, "out of memory in branch and bound");
    }
    team_init(&sh.t, cb, cb_ctx);
    team_run(&sh.t, o->jobs < 1 ? 1 : o->jobs, worker, spawned, &sh);   /* caller is worker 0 */
    nc_status s = NC_OK;
    if (sh.status) {
        *e = sh.err;
        s = sh.status;
    }
    r->open_prio = sh.lost;
    while (sh.q.n > 0 || sh.n_stk > 0) {
        bl_item it;
        if (sh.n_stk > 0)
            it = sh.stk[--sh.n_stk];
        else
            pq_pop(&sh.q, &it);
        r->open_prio = lower_of(r->open_prio, it.prio);
        ops->item_free(it.p);
    }
    pq_free(&sh.q);
    free(sh.stk);
    team_destroy(&sh.t);
    return s;
}
