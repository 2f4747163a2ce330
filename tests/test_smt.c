/* The exact SMT method (Z3) against brute force and against input-splitting
 * branch and bound: on small random ReLU and LeakyReLU networks a threshold
 * above the true maximum must hold, one below the sampled maximum must be
 * violated with an exactly checked counterexample, and both complete
 * methods must give the same answer at thresholds near the maximum. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "io/vnnlib.h"
#include "support/testutil.h"
#include "verify/driver.h"

static prop *threshold_prop(int d, const double *lo, double w, double t)
{
    prop *p = tu_threshold_prop(d, lo, w, t);
    cr_assert(p);
    return p;
}

/* Maximum of y0 over a grid of the box, and a bound on how far the true
 * maximum can be above it (infinity-norm Lipschitz constant x half step). */
static double grid_max(const net *n, const double *lo, double w, double *margin)
{
    enum { G = 200 };
    double best = -INFINITY, h = w / (G - 1), x[2], y;
    for (int i = 0; i < G; i++)
        for (int j = 0; j < G; j++) {
            x[0] = lo[0] + i * h, x[1] = lo[1] + j * h;
            net_eval(n, x, &y);
            best = fmax(best, y);
        }
    *margin = tu_lipschitz(n) * h / 2 + 1e-9;
    return best;
}

Test(smt, agrees_with_brute_force, .timeout = 300)
{
    rng r;
    rng_seed(&r, 77);
    for (int trial = 0; trial < 6; trial++) {
        int hidden[2] = { 5 + trial % 3, 4 + trial % 2 };
        net *n = tu_random_net(&r, 2, hidden, 2, 1, trial % 2 ? NET_LEAKY_RELU : NET_RELU);
        double lo[2] = { rng_normal(&r), rng_normal(&r) }, w = 0.5 + rng_unif(&r), margin;
        double gmax = grid_max(n, lo, w, &margin);
        prop *above = threshold_prop(2, lo, w, gmax + margin + 1e-6);
        prop *below = threshold_prop(2, lo, w, gmax - 1e-3 * (1 + fabs(gmax)));
        cr_assert_eq(tu_decide(n, above, VERIFY_SMT, 1, NULL, NULL), VERDICT_HOLDS, "trial %d: above the maximum", trial);
        cr_assert_eq(tu_decide(n, below, VERIFY_SMT, 1, NULL, NULL), VERDICT_VIOLATED, "trial %d: below the maximum", trial);
        prop_free(above), prop_free(below);
        net_free(n);
    }
}

/* Near the maximum both complete methods must answer, and alike. */
Test(smt, agrees_with_input_branch_and_bound, .timeout = 300)
{
    rng r;
    rng_seed(&r, 78);
    for (int trial = 0; trial < 8; trial++) {
        int hidden[2] = { 6, 5 };
        int d = 2 + trial % 3;
        net *n = tu_random_net(&r, d, hidden, 2, 1, NET_RELU);
        double lo[4], x[4], y, best = -INFINITY;
        for (int i = 0; i < d; i++) lo[i] = rng_normal(&r);
        for (int s = 0; s < 2000; s++) {   /* a sampled maximum to put thresholds near */
            for (int i = 0; i < d; i++) x[i] = lo[i] + rng_unif(&r);
            net_eval(n, x, &y);
            best = fmax(best, y);
        }
        for (int k = -2; k <= 2; k++) {
            prop *p = threshold_prop(d, lo, 1.0, best + 0.02 * k * (1 + fabs(best)));
            int a = tu_decide(n, p, VERIFY_SMT, 1, NULL, NULL), b = tu_decide(n, p, VERIFY_BAB, 1, NULL, NULL);
            cr_assert(a == VERDICT_HOLDS || a == VERDICT_VIOLATED, "trial %d/%d: smt undecided", trial, k);
            cr_assert_eq(a, b, "trial %d/%d: smt %s, branch and bound %s", trial, k, verdict_name(a),
                         verdict_name(b));
            prop_free(p);
        }
        net_free(n);
    }
}

/* A violation confined to a corner of relative size 1e-4. */
Test(smt, finds_a_tiny_planted_region)
{
    net *n = tu_sum_net();
    double lo[2] = { 0, 0 };
    prop *p = threshold_prop(2, lo, 1.0, 1.9999);
    verify_opts o;
    verify_opts_init(&o);
    o.method = VERIFY_SMT;
    o.timeout = 30;
    verify_result res;
    nc_err e;
    cr_assert_eq(verify_property(n, p, &o, &res, &e), NC_OK);
    cr_assert_eq(res.v, VERDICT_VIOLATED);
    cr_assert_geq(res.x[0] + res.x[1], 1.9999);
    verify_result_free(&res);
    prop *q = threshold_prop(2, lo, 1.0, 2.0000001);
    cr_assert_eq(tu_decide(n, q, VERIFY_SMT, 1, NULL, NULL), VERDICT_HOLDS);
    prop_free(p), prop_free(q);
    net_free(n);
}

Test(smt, cli_method_smt)
{
    char out[4096];
    cr_assert_eq(tu_nncert("verify examples/demo.onnx examples/demo_holds.vnnlib --method smt", out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "holds (unsat)") && strstr(out, "by smt"), "%s", out);
    cr_assert_eq(tu_nncert("verify examples/demo.onnx examples/demo_violated.vnnlib --method smt --json", out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "\"method\":\"smt\""), "%s", out);
    cr_assert_eq(tu_nncert("verify examples/demo.onnx examples/demo_holds.vnnlib --method milp2", out, sizeof out), 3);
    cr_assert(strstr(out, "available methods: auto, star, bab, bab-relu, milp, smt"), "%s", out);
}
