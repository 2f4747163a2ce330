/* MILP on GLPK: its answers match an enumeration of all activation
 * patterns (one LP each) at thresholds just above and just below the true
 * maximum; below it, GLPK's own minimiser passes the exact check (the
 * answer is "violated" by milp itself); SMT, star sets, ReLU branch and
 * bound and MILP all say unknown on Sigmoid and Tanh networks; an LP whose
 * rows contradict is proved empty. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "solvers/lp.h"
#include "support/testutil.h"
#include "verify/driver.h"

Test(milp, matches_pattern_enumeration, .timeout = 300)
{
    char msg[256];
    int by_milp;
    cr_assert_eq(tu_pattern_trials(606, 12, 1e-4, VERIFY_MILP, 1, "milp", &by_milp, msg, sizeof msg),
                 0, "%s", msg);
    /* GLPK's minimiser is within 1e-4 relative of the maximum: it passes */
    cr_assert_geq(by_milp, 10, "GLPK's minimisers passed the exact check only %d times of 12", by_milp);
}

/* No linear pieces, no exact answer: every complete method for piecewise-
 * linear networks says unknown on Sigmoid and Tanh networks, never holds
 * (the threshold is far above anything the net reaches). */
Test(milp, piecewise_linear_methods_are_unknown_on_smooth_nets)
{
    static const verify_method ms[] = { VERIFY_SMT, VERIFY_STAR, VERIFY_BAB_RELU, VERIFY_MILP };
    static const net_kind acts[] = { NET_SIGMOID, NET_TANH };
    rng r;
    rng_seed(&r, 9);
    for (int a = 0; a < 2; a++) {
        int hidden[1] = { 4 };
        net *n = tu_random_net(&r, 2, hidden, 1, 1, acts[a]);
        double lo[2] = { 0, 0 };
        prop *p = tu_threshold_prop(2, lo, 1.0, 1e9);
        for (int k = 0; k < 4; k++) {
            const char *m = "";
            cr_assert_eq(tu_decide(n, p, ms[k], 1, &m, NULL), VERDICT_UNKNOWN, "method %d on %s: %s",
                         k, net_kind_name(acts[a]), m);
            if (ms[k] == VERIFY_MILP) cr_assert(strstr(m, "not piecewise linear"), "%s", m);
        }
        prop_free(p);
        net_free(n);
    }
}

/* An LP polytope whose rows contradict by 1e-3 is proved empty; one with
 * room is not (the check behind dropping "infeasible" linear pieces). */
Test(milp, empty_polytopes_are_proved_empty)
{
    double lo[2] = { 0, 0 }, hi[2] = { 2, 2 }, a[2] = { 1, 1 };
    nc_err e;
    lp *p = lp_new(2, lo, hi, &e);
    cr_assert(p);
    cr_assert_eq(lp_add_row(p, a, 1.0, INFINITY, &e), NC_OK);   /* x + y >= 1 */
    cr_assert_eq(lp_prove_empty(p, 0), 0);
    cr_assert_eq(lp_add_row(p, a, -INFINITY, 1.0 - 1e-3, &e), NC_OK);   /* x + y <= 0.999 */
    cr_assert_eq(lp_prove_empty(p, 0), 1);
    lp_free(p);
    lp_thread_done();
}
