/* MILP on GLPK: its answers match an enumeration of all activation
 * patterns (one LP each) at thresholds just above and just below the true
 * maximum; below it, GLPK's own minimiser passes the exact check (the
 * answer is "violated" by milp itself); Sigmoid networks are not encoded. */
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

Test(milp, smooth_activations_are_unknown)
{
    rng r;
    rng_seed(&r, 9);
    int hidden[1] = { 4 };
    net *n = tu_random_net(&r, 2, hidden, 1, 1, NET_TANH);
    double lo[2] = { 0, 0 };
    prop *p = tu_threshold_prop(2, lo, 1.0, 1e9);
    const char *m;
    cr_assert_eq(tu_decide(n, p, VERIFY_MILP, 1, &m, NULL), VERDICT_UNKNOWN);
    cr_assert(strstr(m, "not piecewise linear"), "%s", m);
    prop_free(p);
    net_free(n);
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
