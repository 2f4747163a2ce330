/* Root box refinement by per-neuron branch and bound: on small random
 * networks the refined boxes lie inside CROWN's, contain every
 * pre-activation value at 40,000 sampled inputs (a dense grid of a 2-d box
 * plus its corners, where the extremes of a piecewise-linear function
 * are found up to the grid step), and are tighter somewhere; also when the
 * searches are cut so short that ends move to the worst bound a search
 * left open, and with two threads taking a layer's neurons. The short
 * searches are cut by their queue's size, not by the clock, so that what
 * they leave open does not depend on the machine's speed. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/bounds.h"
#include "core/clock.h"
#include "core/rng.h"
#include "domains/crown.h"
#include "domains/interval.h"
#include "support/testutil.h"
#include "verify/refine.h"

#ifndef CUT_NODES
#define CUT_NODES 4   /* subproblems a search cut short may queue */
#endif

typedef struct {
    long moved, partial, stabilised;
} tally;

/* Ten random 2-input networks of the given hidden widths, refined with
 * searches of `attempt` seconds (at most `attempt_max`) queueing at most
 * `max_nodes` subproblems, `jobs` at once; asserts soundness and
 * containment and adds up what moved. */
static void refine_random(unsigned seed, int h, double attempt, double attempt_max,
                          long max_nodes, int jobs, tally *t)
{
    rng r;
    rng_seed(&r, seed);
    for (int trial = 0; trial < 10; trial++) {
        int d = 2, hidden[3] = { h + 4, h + 2, h };
        net *n = tu_random_net(&r, d, hidden, 3, 1, trial % 3 == 2 ? NET_LEAKY_RELU : NET_RELU);
        double lo[2], hi[2];
        for (int i = 0; i < d; i++) lo[i] = rng_normal(&r), hi[i] = lo[i] + 1.0 + rng_unif(&r);
        prop *p = tu_threshold_prop(d, lo, hi[0] - lo[0], 0.0);
        cr_assert(p);
        prop_case *pc = &p->cases[0];
        for (int i = 0; i < d; i++) pc->lo[i] = pc->lo_in[i] = lo[i], pc->hi[i] = pc->hi_in[i] = hi[i];
        nc_err e;
        bounds *b = bounds_new(n, &e), *b0 = bounds_new(n, &e);
        cr_assert(b && b0);
        cr_assert_eq(itv_propagate(n, lo, hi, b, &e), NC_OK);
        crown_opts co;
        crown_opts_init(&co);
        co.intersect = 1;
        co.alpha_iters = 20;
        cr_assert_eq(crown_intermediate(n, b, &co, &e), NC_OK);
        bounds_copy(b0, b);
        refine_opts o;
        refine_opts_init(&o);
        o.deadline = clock_now() + 5.0;
        o.attempt = attempt;
        o.attempt_max = attempt_max;
        o.max_nodes = max_nodes;
        o.jobs = jobs;
        refine_result rr;
        cr_assert_eq(refine_boxes(n, pc, b, &o, &rr, &e), NC_OK, "%s", e.msg);
        t->moved += rr.proved;
        t->partial += rr.partial;
        t->stabilised += rr.stabilised;
        double *z[8] = { 0 };
        for (int k = 0; k < n->n; k++) {
            if (!net_is_activation(n->layers[k].kind)) continue;
            z[k] = calloc((size_t)n->layers[k].in, sizeof(double));
            for (int j = 0; j < n->layers[k].in; j++)
                cr_assert(b->lo[k][j] >= b0->lo[k][j] && b->hi[k][j] <= b0->hi[k][j],
                          "trial %d layer %d neuron %d: refined box outside CROWN's", trial, k, j);
        }
        enum { G = 200 };
        for (int s = 0; s < G * G + 4; s++) {
            double x[2];
            if (s < G * G)
                x[0] = lo[0] + (s / G) * (hi[0] - lo[0]) / (G - 1),
                x[1] = lo[1] + (s % G) * (hi[1] - lo[1]) / (G - 1);
            else
                x[0] = (s - G * G) & 1 ? hi[0] : lo[0], x[1] = (s - G * G) & 2 ? hi[1] : lo[1];
            tu_preacts(n, x, z);
            for (int k = 0; k < n->n; k++)
                for (int j = 0; z[k] && j < n->layers[k].in; j++)
                    cr_assert(z[k][j] >= b->lo[k][j] - 1e-9 && z[k][j] <= b->hi[k][j] + 1e-9,
                              "trial %d layer %d neuron %d: %.17g outside the refined [%.17g, %.17g]",
                              trial, k, j, z[k][j], b->lo[k][j], b->hi[k][j]);
        }
        for (int k = 0; k < n->n; k++) free(z[k]);
        bounds_free(b), bounds_free(b0);
        prop_free(p);
        net_free(n);
    }
}

Test(refine, refined_boxes_are_sound_and_tighter, .timeout = 300)
{
    tally t = { 0 };
    refine_random(31, 8, 0.2, 0.4, 100000, 1, &t);
    cr_assert_gt(t.moved, 20, "the refinement tightened only %ld ends", t.moved);
    cr_assert_gt(t.stabilised, 0, "no neuron was made stable");
}

Test(refine, searches_cut_short_move_ends_soundly, .timeout = 300)
{
    tally t = { 0 };
    refine_random(57, 24, 2.0, 2.0, CUT_NODES, 1, &t);
    cr_assert_gt(t.partial, 20, "only %ld ends moved by searches cut short (of %ld)", t.partial,
                 t.moved);
}

Test(refine, two_threads_refine_soundly, .timeout = 300)
{
    tally t = { 0 }, c = { 0 };
    refine_random(31, 8, 0.2, 0.4, 100000, 2, &t);
    cr_assert_gt(t.moved, 20, "the refinement tightened only %ld ends", t.moved);
    cr_assert_gt(t.stabilised, 0, "no neuron was made stable");
    refine_random(57, 24, 2.0, 2.0, CUT_NODES, 2, &c);
    cr_assert_gt(c.partial, 20, "only %ld ends moved by searches cut short (of %ld)", c.partial,
                 c.moved);
}
