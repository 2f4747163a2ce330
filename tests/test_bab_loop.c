/* The shared branch-and-bound loop on a synthetic search: a complete
 * binary tree of depth D whose leaves are decided. A proof steps every
 * node once whatever the order; past half of max_items the loop goes
 * depth first and its queue stays near that half instead of growing to
 * the tree's width; a budget smaller than a dive still ends in
 * BL_MEMORY; best first takes the smallest priority first; when time
 * runs out, the open priority is the smallest of every item left
 * unstepped, including the children of a step that ended after the
 * deadline. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "verify/bab_loop.h"

enum { D = 14 };

typedef struct {
    int depth;
    unsigned key;
    double prio;
    int stepped;
} item;

typedef struct {
    atomic_long stepped;
    atomic_long live;   /* items allocated and not yet freed */
    double last_prio;   /* best-first order check (one thread) */
    int order_broken, check_order;
    atomic_long count;     /* steps begun */
    long stall_at;         /* this step (0: none) lasts until past `until`, */
    double until;          /* and its children come before every other item */
    long pause_ns;         /* every step's duration */
    pthread_mutex_t mu;
    double open_min;       /* smallest priority of the items freed unstepped */
} search;

static void *ws_new(void *ctx, nc_err *e)
{
    (void)e;
    return ctx;
}
static void ws_free(void *ws) { (void)ws; }

static search *the_search;

static void item_free(void *p)
{
    item *it = p;
    if (!it->stepped) {
        pthread_mutex_lock(&the_search->mu);
        if (it->prio < the_search->open_min) the_search->open_min = it->prio;
        pthread_mutex_unlock(&the_search->mu);
    }
    free(p);
    atomic_fetch_sub(&the_search->live, 1);
}

static unsigned mix(unsigned x)
{
    x ^= x >> 16, x *= 0x7feb352dU, x ^= x >> 15, x *= 0x846ca68bU, x ^= x >> 16;
    return x;
}

static bl_verdict step(void *ws, const bl_item *it, team *t, bl_item *kids, int *n_kids,
                       nc_err *e)
{
    (void)t, (void)e;
    search *s = ws;
    item *nd = it->p;
    nd->stepped = 1;
    atomic_fetch_add(&s->stepped, 1);
    int stall = atomic_fetch_add(&s->count, 1) + 1 == s->stall_at;
    if (s->pause_ns) nanosleep(&(struct timespec){ 0, s->pause_ns }, NULL);
    while (stall && clock_now() < s->until) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    if (s->check_order) {   /* one thread only */
        if (it->prio < s->last_prio) s->order_broken = 1;
        s->last_prio = it->prio;
    }
    *n_kids = 0;
    if (nd->depth == D) return BL_DROP;
    for (int k = 0; k < 2; k++) {
        item *c = malloc(sizeof *c);
        cr_assert(c);
        atomic_fetch_add(&s->live, 1);
        c->depth = nd->depth + 1;
        c->key = mix(nd->key * 2 + (unsigned)k + 1);
        c->stepped = 0;
        kids[k].p = c;
        /* children never come before their parent (but the stalled step's) */
        kids[k].prio = stall ? it->prio - 1.0 : it->prio + (double)(c->key % 1000) / 1000.0;
        c->prio = kids[k].prio;
    }
    *n_kids = 2;
    return BL_SPLIT;
}

static bl_result run_until(search *s, long max_items, int jobs, double deadline)
{
    the_search = s;
    pthread_mutex_init(&s->mu, NULL);
    s->open_min = INFINITY;
    item *root = malloc(sizeof *root);
    cr_assert(root);
    root->depth = 0, root->key = 1, root->prio = 0, root->stepped = 0;
    atomic_store(&s->live, 1);
    s->last_prio = -INFINITY;
    bl_ops ops = { .ctx = s, .ws_new = ws_new, .ws_free = ws_free, .step = step,
                   .item_free = item_free };
    bl_opts o = { .deadline = deadline, .max_items = max_items, .jobs = jobs };
    bl_result r;
    nc_err e;
    cr_assert_eq(bl_run(&ops, (bl_item){ .prio = 0, .p = root }, &o, NULL, NULL, &r, &e), NC_OK);
    cr_assert_eq(atomic_load(&s->live), 0, "every item freed");
    pthread_mutex_destroy(&s->mu);
    return r;
}

static bl_result run(search *s, long max_items, int jobs)
{
    return run_until(s, max_items, jobs, 0.0);
}

Test(bab_loop, depth_first_past_half_the_budget_steps_the_same_tree)
{
    long all = (2L << D) - 1;
    search wide = { 0 };
    wide.check_order = 1;
    bl_result r = run(&wide, 1L << 30, 1);
    cr_assert_eq(r.outcome, BL_PROVED);
    cr_assert_eq(r.items, all);
    cr_assert_eq(atomic_load(&wide.stepped), all);
    cr_assert_eq(r.deep, 0);
    cr_assert_geq(r.max_queue, 1L << (D - 2), "best first fills the queue: %ld", r.max_queue);
    cr_assert(!wide.order_broken, "best first took a larger priority before a smaller one");

    for (int jobs = 1; jobs <= 2; jobs++) {
        search narrow = { 0 };
        long budget = 200;
        r = run(&narrow, budget, jobs);
        cr_assert_eq(r.outcome, BL_PROVED, "jobs %d: outcome %d", jobs, r.outcome);
        cr_assert_eq(r.items, all, "jobs %d", jobs);
        cr_assert_gt(r.deep, all / 2, "jobs %d: %ld stepped depth first", jobs, r.deep);
        cr_assert_leq(r.max_queue, budget / 2 + jobs * (D + 1), "jobs %d: queue %ld", jobs,
                      r.max_queue);
    }
}

Test(bab_loop, a_budget_below_one_dive_runs_out)
{
    search s = { 0 };
    bl_result r = run(&s, D / 2, 1);
    cr_assert_eq(r.outcome, BL_MEMORY);
    cr_assert(isfinite(r.open_prio));
    cr_assert_lt(r.items, (2L << D) - 1);
}

Test(bab_loop, open_priority_covers_every_region_left_when_time_runs_out)
{
    for (int jobs = 1; jobs <= 2; jobs++) {
        search s = { 0 };
        double deadline = clock_now() + 0.05;
        s.stall_at = 20;
        s.until = deadline + 0.05;
        s.pause_ns = 20000;   /* the other thread is still at work at the deadline */
        bl_result r = run_until(&s, 1L << 30, jobs, deadline);
        cr_assert_eq(r.outcome, BL_TIMEOUT, "jobs %d", jobs);
        cr_assert(isfinite(s.open_min), "jobs %d: items were left", jobs);
        cr_assert_eq(r.open_prio, s.open_min, "jobs %d: open priority %g, smallest left %g", jobs,
                     r.open_prio, s.open_min);
    }
}
