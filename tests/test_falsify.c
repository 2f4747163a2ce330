#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "io/vnnlib.h"
#include "support/testutil.h"
#include "verify/driver.h"
#include "verify/falsify.h"

static prop *parse(const char *text)
{
    nc_err e;
    prop *p;
    cr_assert_eq(vnnlib_parse(text, "t", &p, &e), NC_OK, "%s", e.msg);
    return p;
}

/* A planted counterexample in a tiny region: y = x0 + x1 on [0,1]^2 with
 * the unsafe set y >= 1.99 (only the corner x0, x1 >= 0.99). */
static const char *CORNER =
    "(declare-const X_0 Real)(declare-const X_1 Real)(declare-const Y_0 Real)"
    "(assert (>= X_0 0))(assert (<= X_0 1))(assert (>= X_1 0))(assert (<= X_1 1))"
    "(assert (>= Y_0 1.99))";

Test(falsify, finds_planted_counterexample_and_is_deterministic)
{
    net *n = tu_sum_net();
    prop *p = parse(CORNER);
    verify_opts o;
    verify_opts_init(&o);
    o.seed = 5;
    verify_result a, b;
    nc_err e;
    cr_assert_eq(verify_property(n, p, &o, &a, &e), NC_OK);
    cr_assert_eq(a.v, VERDICT_VIOLATED);
    cr_assert_geq(a.x[0] + a.x[1], 1.99);
    cr_assert_eq(verify_property(n, p, &o, &b, &e), NC_OK);
    cr_assert_eq(memcmp(a.x, b.x, 2 * sizeof(double)), 0, "same seed, same counterexample");
    verify_result_free(&a);
    verify_result_free(&b);
    prop_free(p);
    net_free(n);
}

Test(falsify, margin_gradient_matches_finite_differences)
{
    rng r;
    rng_seed(&r, 3);
    int hidden[2] = { 6, 5 };
    net *n = tu_random_net(&r, 3, hidden, 2, 2, NET_TANH);
    prop *p = parse("(declare-const X_0 Real)(declare-const X_1 Real)(declare-const X_2 Real)"
                    "(declare-const Y_0 Real)(declare-const Y_1 Real)"
                    "(assert (>= X_0 -1))(assert (<= X_0 1))(assert (>= X_1 -1))"
                    "(assert (<= X_1 1))(assert (>= X_2 -1))(assert (<= X_2 1))"
                    "(assert (<= (- Y_0 (* 2 Y_1)) 0))");
    nc_err e;
    falsifier *f = falsify_new(n, &p->cases[0], &e);
    double x[3] = { 0.3, -0.2, 0.1 }, g[3];
    falsify_margin(f, x, g);
    for (int i = 0; i < 3; i++) {
        double h = 1e-6, xp[3], xm[3];
        memcpy(xp, x, sizeof x);
        memcpy(xm, x, sizeof x);
        xp[i] += h;
        xm[i] -= h;
        double fd = (falsify_margin(f, xp, NULL) - falsify_margin(f, xm, NULL)) / (2 * h);
        cr_assert_float_eq(g[i], fd, 1e-5, "d/dx%d: %g vs %g", i, g[i], fd);
    }
    falsify_free(f);
    prop_free(p);
    net_free(n);
}

Test(falsify, safe_property_is_never_violated)
{
    /* y = relu(x0 + x1) >= 0 always: Y_0 <= -0.001 is unreachable; the
     * search must not report it, and intervals prove it. */
    net *n = tu_sum_net();
    prop *p = parse("(declare-const X_0 Real)(declare-const X_1 Real)(declare-const Y_0 Real)"
                    "(assert (>= X_0 -1))(assert (<= X_0 1))(assert (>= X_1 -1))"
                    "(assert (<= X_1 1))(assert (<= Y_0 -0.001))");
    verify_opts o;
    verify_opts_init(&o);
    verify_result r;
    nc_err e;
    cr_assert_eq(verify_property(n, p, &o, &r, &e), NC_OK);
    cr_assert_eq(r.v, VERDICT_HOLDS);
    verify_result_free(&r);
    prop_free(p);
    net_free(n);
}
