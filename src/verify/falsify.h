/* falsify: searching for counterexample candidates.
 *
 * Two searches inside a case's inner input box: uniform random sampling,
 * then a projected-gradient attack (signed gradient steps with a decaying
 * step, restarts from random points) that minimises the unsafe-set margin
 *   m(x) = min over disjuncts D of max over rows r in D of (a_r . f(x) + d_r + slack_r),
 * which is negative exactly when f(x) lies in some disjunct with room to
 * spare for the rows' conversion errors. With several disjuncts the attack's
 * restarts take turns: the smallest margin, then each disjunct's own margin
 * (a multi-targeted attack), so that one nearly reachable disjunct does not
 * hide another. Candidates with m(x) < 0 are
 * returned to the caller, who must re-check them exactly (solvers/exact.h);
 * nothing here is trusted. Deterministic for a given seed.
 */
#ifndef NC_FALSIFY_H
#define NC_FALSIFY_H

#include <stdint.h>

#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"

typedef struct {
    uint64_t seed;
    int samples;       /* random points to try */
    int restarts;      /* attack restarts */
    int steps;         /* gradient steps per restart */
    double deadline;   /* absolute time (clock_now) to stop at; 0 = none */
} falsify_opts;

/* Fills o with the defaults. */
void falsify_opts_init(falsify_opts *o);

/* Called for each candidate; returns 1 to stop the search (a confirmed
 * counterexample), 0 to continue, negative on error. */
typedef int (*falsify_cb)(void *ctx, const double *x);

typedef struct falsifier falsifier;

/* Creates a search over case pc of a property on n (both borrowed, must
 * outlive the falsifier). */
falsifier *falsify_new(const net *n, const prop_case *pc, nc_err *e);
void falsify_free(falsifier *f);

/* Runs random sampling (phase 0) or the gradient attack (phase 1) with
 * options o. Returns 1 when cb accepted a candidate (stop), 0 when the
 * budget ran out, 2 when the deadline passed, negative on error. The
 * margin of the best point seen is left in *best (may be NULL). */
int falsify_run(falsifier *f, int phase, const falsify_opts *o, falsify_cb cb, void *ctx,
                double *best);

/* A short gradient descent inside the sub-box [lo, hi] (intersected with
 * the search box) from x0, for branch and bound; returns 1 when cb accepted
 * a candidate, 0 otherwise, negative on error. */
int falsify_local(falsifier *f, const double *lo, const double *hi, const double *x0, int steps,
                  falsify_cb cb, void *ctx);

/* Margin m(x) as above, and its gradient in g (n->in_dim; may be NULL). */
double falsify_margin(falsifier *f, const double *x, double *g);

#endif
