/* bab_loop: the best-first branch-and-bound loop shared by input splitting
 * (verify/bab_input.h) and ReLU splitting (verify/bab_relu.h).
 *
 * Items are opaque pointers with a priority (smaller comes out first),
 * owned by the loop while queued. `jobs` threads take items, hand each to
 * the search's `step`, which bounds it and either drops it (decided there),
 * splits it into children, reports a counterexample the callback accepted,
 * or gives up on it. The loop ends when the queue is empty with nobody busy
 * (every item decided: proved), at the first counterexample, at the
 * deadline, when the queue outgrows max_items, or when an item is stuck.
 * Candidates go through team_offer on the team passed to `step`.
 *
 * Memory: once half of max_items are queued, children go on a stack and
 * are taken before the heap (depth first), so the queue then grows only
 * with the depth of the dives instead of with their width; best first
 * resumes when the stack is empty and the heap below the half. Every item
 * is still stepped exactly as it would be best first (a proof needs every
 * leaf of the same tree), only the order changes.
 */
#ifndef NC_BAB_LOOP_H
#define NC_BAB_LOOP_H

#include "core/err.h"
#include "verify/falsify.h"
#include "verify/team.h"

typedef struct {
    double prio;
    void *p;
} bl_item;

typedef enum {
    BL_DROP,    /* decided on this item: nothing left to do there */
    BL_SPLIT,   /* replaced by the children written */
    BL_FOUND,   /* the callback accepted a counterexample */
    BL_STUCK,   /* cannot be decided and cannot be split */
    BL_ERROR    /* e is set */
} bl_verdict;

typedef struct {
    void *ctx;   /* the search's shared, read-only state */
    /* per-thread work space; NULL on error (e set) */
    void *(*ws_new)(void *ctx, nc_err *e);
    void (*ws_free)(void *ws);
    /* bounds `it` and decides it; on BL_SPLIT writes up to BL_KIDS children */
    bl_verdict (*step)(void *ws, const bl_item *it, team *t, bl_item *kids, int *n_kids,
                       nc_err *e);
    void (*item_free)(void *p);
    /* run by each spawned thread before it exits (NULL: nothing) */
    void (*thread_done)(void);
} bl_ops;

#define BL_KIDS 2

typedef enum { BL_PROVED, BL_FOUND_CEX, BL_TIMEOUT, BL_MEMORY, BL_GAVE_UP } bl_outcome;

typedef struct {
    double deadline;    /* clock_now() time (0: none) */
    long max_items;     /* queue size beyond which the search gives up */
    int jobs;
} bl_opts;

typedef struct {
    bl_outcome outcome;
    long items;       /* items stepped */
    long max_queue;   /* largest queue seen */
    long deep;        /* items stepped depth first (queue at half of max_items) */
    double open_prio; /* smallest priority of the regions left undecided: still
                         queued, or being stepped when the search ended (+inf:
                         none; -inf: one of them has none, e.g. its step failed).
                         With priorities that are lower bounds of the regions'
                         objective, a lower bound of the objective over every
                         region not dropped */
} bl_result;

/* Runs the search from root (consumed). cb/ctx as in verify/falsify.h. */
nc_status bl_run(const bl_ops *ops, bl_item root, const bl_opts *o, falsify_cb cb, void *cb_ctx,
                 bl_result *r, nc_err *e);

#endif
