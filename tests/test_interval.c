#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/bounds.h"
#include "core/fpround.h"
#include "core/rng.h"
#include "domains/interval.h"
#include "solvers/exact.h"
#include "support/testutil.h"

/* The outward steps agree with nextafter, special values included. */
Test(interval, outward_steps_are_nextafter)
{
    const double v[] = { 0.0, -0.0, 0x1p-1074, -0x1p-1074, 0x1p-1022, -0x1p-1022, 1.0, -1.0,
                         0.1, -0.1, 3.5e300, -3.5e300, DBL_MAX, -DBL_MAX, INFINITY, -INFINITY };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        double up = nextafter(v[i], INFINITY), down = nextafter(v[i], -INFINITY);
        cr_assert(fpr_up(v[i]) == up && signbit(fpr_up(v[i])) == signbit(up), "up %a", v[i]);
        cr_assert(fpr_down(v[i]) == down && signbit(fpr_down(v[i])) == signbit(down), "down %a",
                  v[i]);
    }
    cr_assert(isnan(fpr_up(NAN)) && isnan(fpr_down(NAN)));
    rng r;
    rng_seed(&r, 7);
    for (int i = 0; i < 100000; i++) {
        double x = ldexp(rng_range(&r, -1.0, 1.0), (int)rng_range(&r, -1080.0, 1030.0));
        cr_assert(fpr_up(x) == nextafter(x, INFINITY) && fpr_down(x) == nextafter(x, -INFINITY),
                  "%a", x);
    }
}

/* Worked example: y = x0 - x1 + 0.5 on [0,1]^2 is [-0.5, 1.5]; ReLU gives [0, 1.5]. */
Test(interval, worked_example)
{
    net *n = net_new(NULL);
    double *w = malloc(2 * sizeof *w), *b = malloc(sizeof *b);
    w[0] = 1, w[1] = -1, b[0] = 0.5;
    net_push_affine(n, 2, 1, w, b, NULL);
    net_push_act(n, NET_RELU, 1, 0, NULL);
    cr_assert_eq(net_validate(n, "t", NULL), NC_OK);
    bounds *bd = bounds_new(n, NULL);
    double lo[2] = { 0, 0 }, hi[2] = { 1, 1 };
    cr_assert_eq(itv_propagate(n, lo, hi, bd, NULL), NC_OK);
    cr_assert_leq(bd->lo[1][0], -0.5);
    cr_assert_gt(bd->lo[1][0], -0.5 - 1e-14);   /* widened by rounding error only */
    cr_assert_geq(bd->hi[1][0], 1.5);
    cr_assert_lt(bd->hi[1][0], 1.5 + 1e-14);
    cr_assert_eq(bd->lo[2][0], 0.0);
    bounds_free(bd);
    net_free(n);
}

/* 10,000 random points in random boxes of random small networks, evaluated
 * in exact arithmetic, must lie inside every layer's output bounds. */
static void soundness(net_kind act)
{
    rng r;
    rng_seed(&r, 42 + act);
    nc_err e;
    for (int trial = 0; trial < 20; trial++) {
        int hidden[2] = { 2 + (int)(rng_next(&r) % 7), 2 + (int)(rng_next(&r) % 7) };
        int in = 1 + (int)(rng_next(&r) % 4), out = 1 + (int)(rng_next(&r) % 3);
        net *n = tu_random_net(&r, in, hidden, 2, out, act);
        if (trial % 4 == 1) {   /* a normalisation layer in front */
            double *c = malloc((size_t)in * sizeof *c);
            for (int i = 0; i < in; i++) c[i] = 3.0 + i;
            net_push_elem(n, NET_DIV, in, c, NULL);
            net_layer t = n->layers[n->n - 1];
            memmove(&n->layers[1], &n->layers[0], (size_t)(n->n - 1) * sizeof t);
            n->layers[0] = t;
            cr_assert_eq(net_validate(n, "r", &e), NC_OK, "%s", e.msg);
        }
        double lo[4], hi[4], x[4];
        for (int i = 0; i < in; i++) {
            double c = rng_normal(&r), w = 0.01 + rng_unif(&r) * (trial % 2 ? 2.0 : 0.2);
            lo[i] = c - w, hi[i] = c + w;
        }
        bounds *b = bounds_new(n, &e);
        cr_assert_eq(itv_propagate(n, lo, hi, b, &e), NC_OK);
        double *y = malloc((size_t)out * sizeof *y);
        for (int s = 0; s < 500; s++) {
            for (int i = 0; i < in; i++) {
                double u = rng_unif(&r);
                x[i] = s % 10 == 0 ? (u < 0.5 ? lo[i] : hi[i]) : lo[i] + u * (hi[i] - lo[i]);
            }
            cr_assert_eq(exact_eval(n, x, y, &e), NC_OK);
            for (int i = 0; i < out; i++) {
                cr_assert_geq(y[i], b->lo[n->n][i], "%s: y%d=%.17g below %.17g",
                              net_kind_name(act), i, y[i], b->lo[n->n][i]);
                cr_assert_leq(y[i], b->hi[n->n][i], "%s: y%d=%.17g above %.17g",
                              net_kind_name(act), i, y[i], b->hi[n->n][i]);
            }
        }
        free(y);
        bounds_free(b);
        net_free(n);
    }
}

Test(interval, sound_relu) { soundness(NET_RELU); }
Test(interval, sound_leaky_relu) { soundness(NET_LEAKY_RELU); }
Test(interval, sound_sigmoid) { soundness(NET_SIGMOID); }
Test(interval, sound_tanh) { soundness(NET_TANH); }

/* Interval bounds of y = w . x + b (one output) over [lo, hi]. */
static void affine_bounds(int nin, const double *w, double b, const double *lo,
                          const double *hi, double *ylo, double *yhi)
{
    net *n = net_new(NULL);
    double *wc = malloc((size_t)nin * sizeof *wc), *bc = malloc(sizeof *bc);
    memcpy(wc, w, (size_t)nin * sizeof *wc);
    bc[0] = b;
    net_push_affine(n, nin, 1, wc, bc, NULL);
    cr_assert_eq(net_validate(n, "t", NULL), NC_OK);
    bounds *bd = bounds_new(n, NULL);
    cr_assert_eq(itv_propagate(n, lo, hi, bd, NULL), NC_OK);
    *ylo = bd->lo[1][0];
    *yhi = bd->hi[1][0];
    bounds_free(bd);
    net_free(n);
}

/* Rounding: a sum whose float evaluation loses the small terms must still
 * be bounded. 1e16 + 1 + 1 - 1e16 is 2 exactly; naive float gives 0. */
Test(interval, rounding_is_covered)
{
    double w[4] = { 1e16, 1, 1, -1e16 }, x[4] = { 1, 1, 1, 1 }, lo, hi;
    affine_bounds(4, w, 0, x, x, &lo, &hi);
    cr_assert_leq(lo, 2.0);
    cr_assert_geq(hi, 2.0);
}

/* The zero weight ignores the infinite input. */
Test(interval, infinite_inputs_propagate)
{
    double w[2] = { 0, 2 }, l[2] = { -INFINITY, 0 }, h[2] = { INFINITY, 1 }, lo, hi;
    affine_bounds(2, w, 1, l, h, &lo, &hi);
    cr_assert_leq(lo, 1.0);
    cr_assert_gt(lo, 0.99);
    cr_assert_geq(hi, 3.0);
    cr_assert_lt(hi, 3.01);
}

/* A product that underflows: 1e-200 * 1e-200 is 1e-400 exactly but 0 in
 * double; the upper bound must stay above it. All-zero terms stay exact. */
Test(interval, underflow_is_covered_and_zero_is_exact)
{
    double w[2] = { 1e-200, 0.5 }, x[2] = { 1e-200, 0 }, z[2] = { 0, 0 }, lo, hi;
    affine_bounds(2, w, 0, x, x, &lo, &hi);
    cr_assert_gt(hi, 0.0);
    cr_assert_leq(lo, 0.0);
    affine_bounds(2, w, 0, z, z, &lo, &hi);
    cr_assert_eq(lo, 0.0);
    cr_assert_eq(hi, 0.0);
}

/* Interval ends kept as floats (queued branch-and-bound subproblems) stay
 * on their side of the double they replace and are the nearest such float;
 * exact floats, zeros, infinities and doubles beyond the float range
 * included. */
Test(interval, float_ends_round_outward)
{
    rng r;
    rng_seed(&r, 77);
    double special[] = { 0.0, -0.0, 1.0, -1.0, 0.1, -0.1, 1e-45, -1e-45, 1e-50, -1e-50,
                         3.4e38, -3.4e38, 1e39, -1e39, 1e300, -1e300, INFINITY, -INFINITY };
    int ns = (int)(sizeof special / sizeof *special);
    for (int t = 0; t < 20000 + ns; t++) {
        double x = t < ns ? special[t] : rng_normal(&r) * pow(10.0, (double)(rng_next(&r) % 61) - 30.0);
        float lo = fpr_float_out(x, -1), hi = fpr_float_out(x, 1);
        cr_assert_leq((double)lo, x, "%.17g -> %.9g", x, (double)lo);
        cr_assert_geq((double)hi, x, "%.17g -> %.9g", x, (double)hi);
        if (isfinite(lo) && (double)lo < x)   /* the nearest float below */
            cr_assert_gt((double)nextafterf(lo, INFINITY), x, "%.17g", x);
        if (isfinite(hi) && (double)hi > x)
            cr_assert_lt((double)nextafterf(hi, -INFINITY), x, "%.17g", x);
    }
}
