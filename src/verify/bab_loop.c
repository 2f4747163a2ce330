#include "verify/bab_loop.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "core/clock.h"
#include "core/pqueue.h"

static int item_before(const void *a, const void *b)
{
    return ((const bl_item *)a)->prio < ((const bl_item *)b)->prio;
}

typedef struct {
    const bl_ops *ops;
    const bl_opts *o;
    team t;
    pqueue q;   /* of bl_item */
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
        if (!team_take(&sh->t, &sh->q.n)) break;   /* ended, or nothing left anywhere: proved */
        if (sh->o->deadline > 0 && clock_now() > sh->o->deadline) {
            finish(sh, BL_TIMEOUT);
            pthread_mutex_unlock(&sh->t.mu);
            break;
        }
        if (sh->q.n > sh->o->max_items) {
            finish(sh, BL_MEMORY);
            pthread_mutex_unlock(&sh->t.mu);
            break;
        }
        bl_item it, kids[BL_KIDS];
        pq_pop(&sh->q, &it);
        sh->t.busy++;
        sh->r->items++;
        pthread_mutex_unlock(&sh->t.mu);

        int nk = 0;
        bl_verdict v = ops->step(ws, &it, &sh->t, kids, &nk, &e);
        ops->item_free(it.p);
        pthread_mutex_lock(&sh->t.mu);
        sh->t.busy--;
        if (v == BL_ERROR) fail(sh, e.code, &e);
        else if (v == BL_FOUND) finish(sh, BL_FOUND_CEX);
        else if (v == BL_STUCK) finish(sh, BL_GAVE_UP);
        for (int k = 0; v == BL_SPLIT && k < nk; k++) {
            if (sh->t.stop || pq_push(&sh->q, &kids[k])) {
                if (!sh->t.stop) {
                    err_set(&e, NC_ENOMEM, "out of memory in branch and bound");
                    fail(sh, NC_ENOMEM, &e);
                }
                ops->item_free(kids[k].p);
            }
        }
        if (sh->q.n > sh->r->max_queue) sh->r->max_queue = sh->q.n;
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
    shared sh = { .ops = ops, .o = o, .r = r };
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
    r->open_prio = INFINITY;
    while (sh.q.n > 0) {
        bl_item it;
        pq_pop(&sh.q, &it);
        if (it.prio < r->open_prio) r->open_prio = it.prio;
        ops->item_free(it.p);
    }
    pq_free(&sh.q);
    team_destroy(&sh.t);
    return s;
}
