#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/net.h"
#include "solvers/exact.h"

static double *vec(int n, const double *v)
{
    double *p = malloc((size_t)n * sizeof *p);
    memcpy(p, v, (size_t)n * sizeof *p);
    return p;
}

/* (x - m) / s followed by an affine layer: exact folds only. */
static net *normalised(double s0, double s1, double w0)
{
    net *n = net_new(NULL);
    net_push_elem(n, NET_ADD, 2, vec(2, (double[]){ -1.0, 0.5 }), NULL);
    net_push_elem(n, NET_DIV, 2, vec(2, (double[]){ s0, s1 }), NULL);
    net_push_affine(n, 2, 1, vec(2, (double[]){ w0, -1.0 }), vec(1, (double[]){ 0.25 }), NULL);
    cr_assert_eq(net_validate(n, "t", NULL), NC_OK);
    return n;
}

Test(net, exact_folds_are_applied)
{
    net *n = normalised(2.0, 4.0, 3.0);
    double x[2] = { 3.0, 1.5 }, before, after;
    cr_assert_eq(exact_eval(n, x, &before, NULL), NC_OK);
    cr_assert_eq(net_fold(n, NULL), NC_OK);
    cr_assert_eq(net_validate(n, "t", NULL), NC_OK);
    cr_assert_eq(n->n, 1, "both elementwise layers fold into the affine layer");
    cr_assert_eq(exact_eval(n, x, &after, NULL), NC_OK);
    cr_assert_eq(before, after);
    net_free(n);
}

Test(net, inexact_folds_are_refused)
{
    net *n = normalised(3.0, 4.0, 1.0);   /* 1 / 3 is not a double */
    cr_assert_eq(net_fold(n, NULL), NC_OK);
    cr_assert_eq(n->n, 3, "the division by 3 must stay a layer (and the shift before it)");
    cr_assert_eq(n->layers[1].kind, NET_DIV);
    /* the function is unchanged at a point where it matters */
    double x[2] = { 0.1, 0.7 }, y;
    cr_assert_eq(exact_eval(n, x, &y, NULL), NC_OK);
    double ref = (0.1 - 1.0) / 3.0 - (0.7 + 0.5) / 4.0 + 0.25;
    cr_assert_float_eq(y, ref, 1e-15);
    net_free(n);
}

Test(net, validate_reports_layer_and_entry)
{
    nc_err e;
    net *n = net_new(NULL);
    net_push_affine(n, 2, 2, vec(4, (double[]){ 1, 2, INFINITY, 4 }), vec(2, (double[]){ 0, 0 }),
                    NULL);
    cr_assert_eq(net_validate(n, "w.onnx", &e), NC_EINPUT);
    cr_assert(strstr(e.msg, "w.onnx: layer 0 (affine): weight [1,0] is inf"), "%s", e.msg);
    net_free(n);
    n = net_new(NULL);
    net_push_affine(n, 2, 3, vec(6, (double[]){ 1, 2, 3, 4, 5, 6 }), vec(3, (double[]){ 0, 0, 0 }),
                    NULL);
    net_push_act(n, NET_RELU, 2, 0, NULL);
    cr_assert_eq(net_validate(n, "s.nnet", &e), NC_EINPUT);
    cr_assert(strstr(e.msg, "layer 1 (relu) takes 2 inputs but layer 0 gives 3"), "%s", e.msg);
    net_free(n);
    n = net_new(NULL);
    net_push_elem(n, NET_DIV, 1, vec(1, (double[]){ 0.0 }), NULL);
    cr_assert_eq(net_validate(n, "d", &e), NC_EINPUT);
    cr_assert(strstr(e.msg, "divisor [0] is zero"), "%s", e.msg);
    net_free(n);
}
