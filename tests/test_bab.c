/* Input-splitting branch and bound against brute force on small random
 * networks: a threshold above the true maximum (grid maximum plus a
 * Lipschitz margin) must be proved, one below the grid maximum must be
 * violated with an exactly checked counterexample; one and two worker
 * threads give the same answers. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "io/vnnlib.h"
#include "solvers/exact.h"
#include "support/testutil.h"
#include "verify/bab_input.h"

typedef struct {
    const net *n;
    const prop_case *pc;
    int found;
    double x[2];
} ctx;

static int accept(void *vc, const double *x)
{
    ctx *c = vc;
    exact_result r;
    nc_err e;
    cr_assert_eq(exact_check(c->n, c->pc, x, &r, &e), NC_OK);
    int ok = r.in_input && r.disjunct >= 0;
    exact_result_free(&r);
    if (ok) c->found = 1, memcpy(c->x, x, 2 * sizeof *x);
    return ok;
}

/* Y_0 >= t over [lo0, lo0 + w] x [lo1, lo1 + w]. */
static prop *threshold_prop(double lo0, double lo1, double w, double t)
{
    double lo[2] = { lo0, lo1 };
    prop *p = tu_threshold_prop(2, lo, w, t);
    cr_assert(p);
    return p;
}

Test(bab, agrees_with_brute_force, .timeout = 300)
{
    rng r;
    rng_seed(&r, 2024);
    for (int trial = 0; trial < 8; trial++) {
        int hidden[2] = { 6 + trial % 4, 5 + trial % 3 };
        net *n = tu_random_net(&r, 2, hidden, 2, 1, NET_RELU);
        double lo0 = rng_normal(&r), lo1 = rng_normal(&r), w = 0.5 + rng_unif(&r);
        enum { G = 300 };
        double gmax = -INFINITY, h = w / (G - 1);
        for (int i = 0; i < G; i++)
            for (int j = 0; j < G; j++) {
                double x[2] = { lo0 + i * h, lo1 + j * h }, y;
                net_eval(n, x, &y);
                gmax = fmax(gmax, y);
            }
        double margin = tu_lipschitz(n) * h / 2 + 1e-9;
        bab_opts o;
        bab_opts_init(&o);
        o.max_boxes = 200000;
        for (int side = 0; side < 4; side++) {   /* sides 2, 3: the same with two threads */
            o.jobs = side < 2 ? 1 : 2;
            double t = side % 2 == 0 ? gmax + margin + 1e-6 : gmax - 1e-3 * (1 + fabs(gmax));
            prop *p = threshold_prop(lo0, lo1, w, t);
            ctx c = { .n = n, .pc = &p->cases[0] };
            bab_result br;
            nc_err e;
            cr_assert_eq(bab_input(n, &p->cases[0], &o, accept, &c, &br, &e), NC_OK, "%s", e.msg);
            if (side % 2 == 0)
                cr_assert_eq(br.outcome, BAB_PROVED, "trial %d: above the maximum must hold "
                             "(outcome %d after %ld boxes)", trial, br.outcome, br.boxes);
            else
                cr_assert(br.outcome == BAB_FOUND && c.found,
                          "trial %d: below the grid maximum must be violated (outcome %d)", trial,
                          br.outcome);
            prop_free(p);
        }
        net_free(n);
    }
}

/* A violation confined to a corner of relative size 1e-4 is found. */
Test(bab, finds_tiny_planted_region)
{
    net *n = tu_sum_net();
    prop *p = threshold_prop(0, 0, 1, 1.9999);
    ctx c = { .n = n, .pc = &p->cases[0] };
    bab_opts o;
    bab_opts_init(&o);
    bab_result br;
    nc_err e;
    cr_assert_eq(bab_input(n, &p->cases[0], &o, accept, &c, &br, &e), NC_OK);
    cr_assert_eq(br.outcome, BAB_FOUND);
    cr_assert_geq(c.x[0] + c.x[1], 1.9999);
    prop_free(p);
    net_free(n);
}
