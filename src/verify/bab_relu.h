/* bab_relu: branch and bound on ReLU phases, for high input dimension
 * (beta-CROWN style; Wang et al., NeurIPS 2021).
 *
 * A subproblem is the case's input box cut by split constraints: for some
 * ReLU / LeakyReLU neurons, pre-activation >= 0 or <= 0. Each subproblem
 * carries per-layer boxes sound on its region (split neurons clamped to
 * their side), recomputed by CROWN for the layers above its newest split,
 * and is bounded by alpha-beta-CROWN: slopes and the splits' Lagrange
 * multipliers optimised together (domains/crown.h, crown_rows_split). A
 * disjunct is excluded where one of its rows is proved positive
 * (verify/prove.h's rule); a subproblem with none left is dropped. Else the
 * corners minimising its linear bounds are offered as candidates, and the
 * unstable neuron with the largest score |coefficient| x intercept of its
 * upper line (BaBSR-like) is split. A subproblem without unstable neurons is
 * one linear piece: it is decided exactly by one LP per disjunct over its
 * star (domains/star.h), whose minimiser goes to the exact check.
 * Worst-bound first; `jobs` threads share the queue (verify/bab_loop.h).
 * Only for networks whose activations are all ReLU / LeakyReLU.
 */
#ifndef NC_BAB_RELU_H
#define NC_BAB_RELU_H

#include "core/bounds.h"
#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"
#include "verify/falsify.h"

typedef struct {
    double deadline;       /* clock_now() time to stop at (0: none) */
    long max_nodes;        /* queue size beyond which the search gives up */
    int jobs;
    int iters;             /* alpha-beta iterations per subproblem */
    int root_iters;        /* alpha iterations for the root's intermediate boxes */
    int recompute;         /* recompute boxes above a new split by CROWN */
    const char *root_done; /* per disjunct: already excluded (NULL: none), borrowed */
    const bounds *known;   /* every box of n (a longer net's boxes will do: the
                              first n->n + 1 are read), sound on the input box:
                              the root's boxes (NULL: computed), borrowed */
    int local_steps;       /* gradient steps of the attack from each
                              subproblem's worst corner (default 6; 0: the
                              corner alone) */
    int corner_depth;      /* the worst corner is tried only at subproblems
                              with at most this many splits (-1: at every
                              one, the default) */
    int estimate_first;    /* one rigorous pass per subproblem (crown.h's
                              estimate_first; default 0) */
    int single_products;   /* that pass's products in single precision
                              (crown.h; default 0) */
    int refine;            /* when a search is not done after 3% of the
                              time left, tighten the root's boxes by
                              verify/refine.h and start it again (default 1) */
} rbab_opts;

void rbab_opts_init(rbab_opts *o);

typedef enum { RBAB_PROVED, RBAB_FOUND, RBAB_TIMEOUT, RBAB_MEMORY, RBAB_STUCK } rbab_outcome;

typedef struct {
    rbab_outcome outcome;
    long nodes;        /* subproblems bounded */
    long leaves;       /* decided as linear pieces by LP */
    long max_queue;
    long deep;         /* subproblems taken depth first (queue at half of max_nodes) */
    double open_bound; /* when it timed out or ran out of memory: the worst
                          bound of the subproblems left undecided (a proof
                          needs it above 0; with one disjunct of one row, a
                          lower bound of that row on the whole region); NaN
                          when not known */
    int trees;         /* disjuncts left open by root_done: one search each */
    int trees_proved;  /* those the searches excluded */
    long refined;      /* box ends the refinement moved (verify/refine.h) */
    double refine_seconds;
    char why[160];     /* for RBAB_STUCK */
} rbab_result;

/* How many queued subproblems of n fit in `bytes`. */
long rbab_nodes_for_memory(const net *n, double bytes);

/* Decides case pc of a property on n; cb/ctx as in verify/falsify.h. */
nc_status bab_relu(const net *n, const prop_case *pc, const rbab_opts *o, falsify_cb cb,
                   void *ctx, rbab_result *r, nc_err *e);

#endif
