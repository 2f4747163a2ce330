/* bab_input: branch and bound on the input box, for low input dimension.
 *
 * A best-first queue of sub-boxes of one property case. Each box is bounded
 * by CROWN (pre-activation boxes intersected with interval ones); an unsafe
 * disjunct is dropped from a box when one of its rows is proved positive
 * there (verify/prove.h's rule), and a box with no disjunct left is proved.
 * Otherwise the box's centre and the corners minimising its tightest linear
 * bounds are offered as counterexample candidates, and the box is split in
 * half along the input dimension of largest smear (|coefficient of the
 * linear bound| x width, summed over the undecided disjuncts). Boxes whose
 * bounds are most negative come out first, so violations surface early.
 * With jobs > 1, that many threads share the queue; the callback is called
 * by one thread at a time. Candidates go to the caller, who must check them
 * exactly.
 */
#ifndef NC_BAB_INPUT_H
#define NC_BAB_INPUT_H

#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"
#include "verify/falsify.h"

typedef struct {
    double deadline;    /* clock_now() time to stop at (0: none) */
    long max_boxes;     /* queue size beyond which the search gives up */
    int jobs;           /* worker threads sharing the queue */
    const char *root_done; /* per disjunct: already excluded on the whole box
                              (NULL: none), borrowed */
} bab_opts;

void bab_opts_init(bab_opts *o);

typedef enum {
    BAB_PROVED,    /* every box proved: the case holds */
    BAB_FOUND,     /* the callback accepted a counterexample */
    BAB_TIMEOUT,   /* the deadline passed */
    BAB_MEMORY,    /* the queue outgrew max_boxes */
    BAB_STUCK      /* a box too small to split could not be decided */
} bab_outcome;

typedef struct {
    bab_outcome outcome;
    long boxes;       /* boxes bounded */
    long max_queue;   /* largest queue seen */
    long deep;        /* boxes taken depth first (queue at half of max_boxes) */
} bab_result;

/* How many queued boxes of case pc fit in `bytes` of memory. */
long bab_boxes_for_memory(const net *n, const prop_case *pc, double bytes);

/* Runs the search on case pc of a property on n; cb/ctx as in falsify.h. */
nc_status bab_input(const net *n, const prop_case *pc, const bab_opts *o, falsify_cb cb,
                    void *ctx, bab_result *r, nc_err *e);

#endif
