/* MILP on GLPK: its answers match an enumeration of all activation
 * patterns (one LP each) at thresholds just above and just below the true
 * maximum; below it, GLPK's own minimiser passes the exact check (the
 * answer is "violated" by milp itself); Sigmoid networks are not encoded. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/rng.h"
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
