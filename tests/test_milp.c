/* MILP on GLPK: its answers match an enumeration of all activation
 * patterns (one LP each) at thresholds just above and just below the true
 * maximum; below it, GLPK's own minimiser passes the exact check (the
 * answer is "violated" by milp itself); Sigmoid networks are not encoded;
 * "holds" always comes confirmed by ReLU branch and bound. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "support/testutil.h"
#include "verify/driver.h"

static verdict decide(const net *n, const prop *p, const char **method)
{
    verify_opts o;
    verify_opts_init(&o);
    o.method = VERIFY_MILP;
    o.timeout = 60;
    o.jobs = 1;
    verify_result r;
    nc_err e;
    cr_assert_eq(verify_property(n, p, &o, &r, &e), NC_OK, "%s", e.msg);
    verdict v = r.v;
    if (method) *method = r.method;
    verify_result_free(&r);
    return v;
}

Test(milp, matches_pattern_enumeration, .timeout = 300)
{
    rng r;
    rng_seed(&r, 606);
    int by_milp = 0;
    for (int trial = 0; trial < 12; trial++) {
        int d = 2 + trial % 3, hidden[2] = { 5, 4 };
        net *n = tu_random_net(&r, d, hidden, 2, 1, trial % 3 == 2 ? NET_LEAKY_RELU : NET_RELU);
        double lo[4], w = 0.5 + rng_unif(&r);
        for (int i = 0; i < d; i++) lo[i] = rng_normal(&r);
        double top = tu_pattern_max(n, lo, w), eps = 1e-4 * (1 + fabs(top));
        for (int side = -1; side <= 1; side += 2) {
            prop *p = tu_threshold_prop(d, lo, w, top - side * eps);
            verdict want = side > 0 ? VERDICT_VIOLATED : VERDICT_HOLDS;
            const char *m;
            verdict got = decide(n, p, &m);
            cr_assert_eq(got, want, "trial %d, threshold max %+g: expected %s, got %s by %s",
                         trial, -side * eps, verdict_name(want), verdict_name(got), m);
            if (want == VERDICT_HOLDS) cr_assert_str_eq(m, "milp+bab-relu", "trial %d", trial);
            by_milp += want == VERDICT_VIOLATED && !strcmp(m, "milp");
            prop_free(p);
        }
        net_free(n);
    }
    /* GLPK's minimiser is within 1e-4 relative of the maximum: it passes */
    cr_assert_geq(by_milp, 10, "GLPK's minimisers passed the exact check only %d times of 12", by_milp);
}

Test(milp, smooth_activations_are_unknown)
{
    rng r;
    rng_seed(&r, 9);
    int hidden[1] = { 4 };
    net *n = tu_random_net(&r, 2, hidden, 1, 1, NET_TANH);
    double lo[2] = { 0, 0 };
    prop *p = tu_threshold_prop(2, lo, 1.0, 1e9);
    const char *m;
    cr_assert_eq(decide(n, p, &m), VERDICT_UNKNOWN);
    cr_assert(strstr(m, "not piecewise linear"), "%s", m);
    prop_free(p);
    net_free(n);
}
