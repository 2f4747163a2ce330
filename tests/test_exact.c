#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "io/vnnlib.h"
#include "solvers/exact.h"

/* y = 1 * x + 0 on one input */
static net *identity_net(void)
{
    net *n = net_new(NULL);
    double *w = malloc(sizeof *w), *b = malloc(sizeof *b);
    w[0] = 1.0;
    b[0] = 0.0;
    net_push_affine(n, 1, 1, w, b, NULL);
    cr_assert_eq(net_validate(n, "id", NULL), NC_OK);
    return n;
}

static prop *spec(const char *out_constraint)
{
    char text[512];
    snprintf(text, sizeof text,
             "(declare-const X_0 Real)(declare-const Y_0 Real)"
             "(assert (>= X_0 -1))(assert (<= X_0 1))(assert %s)", out_constraint);
    nc_err e;
    prop *p;
    cr_assert_eq(vnnlib_parse(text, "t", &p, &e), NC_OK, "%s", e.msg);
    return p;
}

static int is_cex(const net *n, const prop *p, double x)
{
    exact_result r;
    nc_err e;
    cr_assert_eq(exact_check(n, &p->cases[0], &x, &r, &e), NC_OK);
    int ok = r.in_input && r.disjunct >= 0;
    exact_result_free(&r);
    return ok;
}

/* One constraint on y = x, one point just inside and one just outside. */
static void inside_outside(const char *constraint, double in, double out_)
{
    net *n = identity_net();
    prop *p = spec(constraint);
    cr_assert(is_cex(n, p, in), "%s at %.17g must be a counterexample", constraint, in);
    cr_assert_not(is_cex(n, p, out_), "%s at %.17g must not be", constraint, out_);
    prop_free(p);
    net_free(n);
}

/* on the boundary of a non-strict row: in; one ulp outside: out */
Test(exact, boundary_of_a_nonstrict_row) { inside_outside("(>= Y_0 0.5)", 0.5, nextafter(0.5, 0.0)); }

Test(exact, strict_row_excludes_boundary) { inside_outside("(> Y_0 0.5)", nextafter(0.5, 1.0), 0.5); }

/* the double nearest 0.1 is above the decimal 0.1: not a counterexample */
Test(exact, inexact_decimal_is_respected)
{
    inside_outside("(<= Y_0 0.1)", nextafter(nextafter(0.1, 0.0), 0.0), 0.1);
}

/* the input box is [-1, 1]: one ulp above 1 is outside it */
Test(exact, outside_input_box_is_rejected) { inside_outside("(>= Y_0 0.5)", 1.0, nextafter(1.0, 2.0)); }

Test(exact, sigmoid_enclosure)
{
    /* y = sigmoid(x); sigmoid(0) = 1/2 exactly but is enclosed, not computed:
     * Y_0 >= 0.5 cannot be confirmed on the boundary, Y_0 >= 0.49 can. */
    net *n = identity_net();
    net_push_act(n, NET_SIGMOID, 1, 0.0, NULL);
    net_validate(n, "s", NULL);
    prop *p = spec("(>= Y_0 0.49)");
    cr_assert(is_cex(n, p, 0.0));
    prop_free(p);
    p = spec("(<= Y_0 0.4)");
    cr_assert_not(is_cex(n, p, 0.0));
    prop_free(p);
    double y;
    nc_err e;
    double x = 1.0;
    cr_assert_eq(exact_eval(n, &x, &y, &e), NC_OK);
    cr_assert_float_eq(y, 1.0 / (1.0 + exp(-1.0)), 1e-15);
    net_free(n);
}
