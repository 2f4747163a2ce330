/* star_reach: exact reachability with star sets, a complete method for
 * piecewise-linear networks (ReLU, LeakyReLU), as nnenum does it.
 *
 * The input set of one property case is a star (domains/star.h). Layers are
 * applied in order; at an activation layer every neuron whose range over the
 * star is one-signed (interval bound over the predicate box first, LP only
 * when that is undecided) is the linear piece it is, and every other neuron
 * splits the star in two (x_i >= 0 and x_i <= 0). Pending stars wait on a
 * last-in first-out stack (depth first), shared by `jobs` threads.
 * At the output, each piece is checked against each unsafe disjunct by one
 * LP: a rigorous lower bound of  max_r (row_r)  over the piece above zero
 * excludes the disjunct; otherwise the LP's minimiser is a counterexample
 * candidate for the caller's exact check. A piece whose candidate fails and
 * whose bound does not exclude it makes the answer unknown, never holds.
 *
 * Pruning (`overapprox`, on by default): when a star enters an activation
 * layer after new splits, CROWN bounds the rest of the network from the
 * per-neuron boxes known on that star (each valid on its own region), and
 * the linear output bounds are minimised over the star's polytope by LP. A
 * star whose disjuncts are all excluded there is dropped with its whole
 * subtree; the LP minimisers are offered as candidates too.
 *
 * With `on_piece` set, pruning is off and every output piece is passed to
 * it (one call at a time) before it is checked: the exact reachable set.
 */
#ifndef NC_STAR_REACH_H
#define NC_STAR_REACH_H

#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"
#include "domains/star.h"
#include "verify/falsify.h"

typedef struct {
    double deadline;       /* clock_now() time to stop at (0: none) */
    int jobs;              /* worker threads */
    long max_stars;        /* pending stars beyond which the search gives up */
    int overapprox;        /* prune with CROWN + LP (ignored with on_piece) */
    int presplit;          /* start from 2^presplit stars: the widest input
                              dimensions halved (0: the whole box; with
                              on_piece always 0) */
    const char *root_done; /* per disjunct: already excluded (NULL: none), borrowed */
    /* every output piece, when set (the star is lent for the call: its LP
     * may be solved over, the set must not change) */
    int (*on_piece)(void *ctx, struct star_s *s);
    void *piece_ctx;
} star_opts;

void star_opts_init(star_opts *o);

typedef enum {
    STAR_PROVED,    /* every piece excluded: the case holds */
    STAR_FOUND,     /* the callback accepted a counterexample */
    STAR_TIMEOUT,
    STAR_MEMORY,    /* more than max_stars pending */
    STAR_UNKNOWN    /* a piece could be neither excluded nor confirmed, or an
                       activation is not piecewise linear (why says which) */
} star_outcome;

typedef struct {
    star_outcome outcome;
    long stars;      /* stars processed (popped from the stack) */
    long pieces;     /* output pieces reached */
    long pruned;     /* stars dropped by the over-approximation */
    long lp_calls;   /* LPs solved */
    long lp_failures;/* LPs GLPK could not solve (their bounds were taken as -inf) */
    long max_stack;
    char why[160];
} star_result;

/* How many pending stars of n fit in `bytes`. */
long star_stars_for_memory(const net *n, double bytes);

/* Decides case pc of a property on n; cb/ctx as in verify/falsify.h. */
nc_status star_reach(const net *n, const prop_case *pc, const star_opts *o, falsify_cb cb,
                     void *ctx, star_result *r, nc_err *e);

#endif
