/* CROWN and alpha-CROWN: sampling soundness for every activation on random
 * networks (points evaluated in exact arithmetic), rows of C y, the
 * relation between the domains, and the relaxations themselves. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bounds.h"
#include "core/rng.h"
#include "domains/crown.h"
#include "domains/crown_ctx.h"
#include "domains/interval.h"
#include "domains/relax.h"
#include "solvers/exact.h"
#include "support/testutil.h"
#include "verify/analyse.h"

/* Bounds by domain d on the box, then 2,000 exact samples must lie inside
 * the output bounds and inside the bounds of 3 random rows C y. */
static void soundness(net_kind act, domain_kind d)
{
    rng r;
    rng_seed(&r, 100 + 10 * act + d);
    nc_err e;
    for (int trial = 0; trial < 12; trial++) {
        int hidden[3] = { 3 + (int)(rng_next(&r) % 8), 3 + (int)(rng_next(&r) % 8),
                          3 + (int)(rng_next(&r) % 8) };
        int in = 1 + (int)(rng_next(&r) % 4), out = 1 + (int)(rng_next(&r) % 3);
        net *n = tu_random_net(&r, in, hidden, 1 + trial % 3, out, act);
        prop_case pc = { 0 };
        double lo[4], hi[4];
        for (int i = 0; i < in; i++) {
            double c = rng_normal(&r), w = 0.01 + rng_unif(&r) * (trial % 2 ? 2.0 : 0.3);
            lo[i] = c - w, hi[i] = c + w;
        }
        pc.lo = lo, pc.hi = hi;
        bounds *b = bounds_new(n, &e);
        analyse_opts o;
        analyse_opts_init(&o);
        o.alpha_iters = 15;
        double ylo[3], yhi[3];
        cr_assert_eq(analyse_case(n, &pc, d, &o, b, ylo, yhi, NULL, NULL, &e), NC_OK, "%s", e.msg);
        double C[9], low[3];
        for (int i = 0; i < 3 * out; i++) C[i] = rng_normal(&r);
        cr_assert_eq(analyse_rows(n, b, d, &o, 3, C, NULL, low, &e), NC_OK, "%s", e.msg);
        double x[4], y[3];
        for (int s = 0; s < 2000; s++) {
            for (int i = 0; i < in; i++) {
                double u = rng_unif(&r);
                x[i] = s % 8 == 0 ? (u < 0.5 ? lo[i] : hi[i]) : lo[i] + u * (hi[i] - lo[i]);
            }
            cr_assert_eq(exact_eval(n, x, y, &e), NC_OK);
            for (int i = 0; i < out; i++) {
                cr_assert_geq(y[i], ylo[i], "%s/%s: y%d=%.17g below %.17g", net_kind_name(act),
                              domain_name(d), i, y[i], ylo[i]);
                cr_assert_leq(y[i], yhi[i], "%s/%s: y%d=%.17g above %.17g", net_kind_name(act),
                              domain_name(d), i, y[i], yhi[i]);
            }
            for (int k = 0; k < 3; k++) {
                double v = 0;
                for (int i = 0; i < out; i++) v += C[k * out + i] * y[i];
                cr_assert_geq(v + 1e-12 * (1 + fabs(v)), low[k], "%s/%s row %d: %.17g below %.17g",
                              net_kind_name(act), domain_name(d), k, v, low[k]);
            }
        }
        bounds_free(b);
        net_free(n);
    }
}

Test(crown, sound_relu) { soundness(NET_RELU, DOM_CROWN); }
Test(crown, sound_leaky_relu) { soundness(NET_LEAKY_RELU, DOM_CROWN); }
Test(crown, sound_sigmoid) { soundness(NET_SIGMOID, DOM_CROWN); }
Test(crown, sound_tanh) { soundness(NET_TANH, DOM_CROWN); }
Test(alpha_crown, sound_relu) { soundness(NET_RELU, DOM_ALPHA_CROWN); }
Test(zonotope, sound_relu) { soundness(NET_RELU, DOM_ZONOTOPE); }
Test(zonotope, sound_leaky_relu) { soundness(NET_LEAKY_RELU, DOM_ZONOTOPE); }
Test(zonotope, sound_sigmoid) { soundness(NET_SIGMOID, DOM_ZONOTOPE); }
Test(zonotope, sound_tanh) { soundness(NET_TANH, DOM_ZONOTOPE); }
Test(alpha_crown, sound_leaky_relu) { soundness(NET_LEAKY_RELU, DOM_ALPHA_CROWN); }
Test(alpha_crown, sound_sigmoid) { soundness(NET_SIGMOID, DOM_ALPHA_CROWN); }

/* The relaxation lines enclose the function on a grid, for many intervals. */
Test(crown, relaxations_enclose_the_function)
{
    rng r;
    rng_seed(&r, 9);
    net_kind kinds[4] = { NET_RELU, NET_LEAKY_RELU, NET_SIGMOID, NET_TANH };
    for (int t = 0; t < 4000; t++) {
        net_kind k = kinds[t % 4];
        double a = rng_normal(&r) * (t % 3 ? 2 : 8), b = a + fabs(rng_normal(&r)) * (t % 5 ? 1 : 10);
        double alpha = t % 8 < 4 ? 0.1 : 1.7;
        relax_line rl;
        relax_activation(k, alpha, a, b, &rl);
        for (int i = 0; i <= 200; i++) {
            double x = a + (b - a) * i / 200.0, f;
            switch (k) {
            case NET_RELU: f = x > 0 ? x : 0; break;
            case NET_LEAKY_RELU: f = x >= 0 ? x : alpha * x; break;
            case NET_SIGMOID: f = 1 / (1 + exp(-x)); break;
            default: f = tanh(x);
            }
            cr_assert_leq(rl.a_lo * x + rl.b_lo, f + 1e-13, "%s on [%g,%g] at %g: lower line above",
                          net_kind_name(k), a, b, x);
            cr_assert_geq(rl.a_up * x + rl.b_up, f - 1e-13, "%s on [%g,%g] at %g: upper line below",
                          net_kind_name(k), a, b, x);
        }
    }
}

/* Worked example: y = relu(x0 + x1) - relu(x0 - x1) on [-1,1]^2. Both
 * neurons are unstable with l = -2, u = 2: chord slope 1/2, intercept 1,
 * adaptive lower slope 0 (tie). For the lower bound of y, relu(z0) >= 0 and
 * -relu(z1) >= -(z1 / 2 + 1), whose minimum over the box is -2: CROWN gives
 * [-2, 2], which is also the exact range. */
Test(crown, worked_example)
{
    net *n = net_new(NULL);
    double *w1 = malloc(4 * sizeof *w1), *b1 = calloc(2, sizeof *b1);
    double *w2 = malloc(2 * sizeof *w2), *b2 = calloc(1, sizeof *b2);
    w1[0] = 1, w1[1] = 1, w1[2] = 1, w1[3] = -1;
    w2[0] = 1, w2[1] = -1;
    net_push_affine(n, 2, 2, w1, b1, NULL);
    net_push_act(n, NET_RELU, 2, 0, NULL);
    net_push_affine(n, 2, 1, w2, b2, NULL);
    net_validate(n, "t", NULL);
    bounds *b = bounds_new(n, NULL);
    double lo[2] = { -1, -1 }, hi[2] = { 1, 1 };
    memcpy(b->lo[0], lo, sizeof lo);
    memcpy(b->hi[0], hi, sizeof hi);
    crown_opts o;
    crown_opts_init(&o);
    cr_assert_eq(crown_intermediate(n, b, &o, NULL), NC_OK);
    cr_assert_float_eq(b->lo[1][0], -2.0, 1e-12);
    cr_assert_float_eq(b->hi[1][1], 2.0, 1e-12);
    double ylo, yhi;
    cr_assert_eq(crown_outputs(n, b, &o, &ylo, &yhi, NULL), NC_OK);
    /* lower: relu(z0) >= 0 (slope 0), -relu(z1) >= -(z1/2 + 1):
     * min of -(x0 - x1)/2 - 1 over the box is -2; upper symmetric: 2 */
    cr_assert_float_eq(ylo, -2.0, 1e-12);
    cr_assert_float_eq(yhi, 2.0, 1e-12);
    bounds_free(b);
    net_free(n);
}

Test(alpha_crown, sound_tanh) { soundness(NET_TANH, DOM_ALPHA_CROWN); }

/* Shared bounds: with intersection (as `verify` runs the domains), every box
 * of every layer lies inside the pure interval box, and the output box is
 * also inside the domain's own output bounds. */
Test(crown, shared_bounds_never_looser_than_interval)
{
    rng r;
    rng_seed(&r, 77);
    nc_err e;
    int looser = 0, total = 0;
    for (int trial = 0; trial < 30; trial++) {
        int hidden[2] = { 4 + trial % 5, 3 + trial % 7 };
        net *n = tu_random_net(&r, 3, hidden, 2, 2, trial % 2 ? NET_RELU : NET_SIGMOID);
        double lo[3], hi[3];
        for (int i = 0; i < 3; i++) lo[i] = rng_normal(&r), hi[i] = lo[i] + 0.05 + rng_unif(&r);
        prop_case pc = { .lo = lo, .hi = hi };
        analyse_opts pure, shared;
        analyse_opts_init(&pure);
        shared = pure;
        shared.pure = 0;
        pure.alpha_iters = shared.alpha_iters = 10;
        bounds *bi = bounds_new(n, &e);
        double ylo[2], yhi[2], plo[2], phi[2];
        cr_assert_eq(analyse_case(n, &pc, DOM_INTERVAL, &pure, bi, ylo, yhi, NULL, NULL, &e), NC_OK);
        for (int d = DOM_ZONOTOPE; d <= DOM_ALPHA_CROWN; d++) {
            bounds *bs = bounds_new(n, &e), *bp = bounds_new(n, &e);
            cr_assert_eq(analyse_case(n, &pc, (domain_kind)d, &shared, bs, ylo, yhi, NULL, NULL, &e), NC_OK);
            cr_assert_eq(analyse_case(n, &pc, (domain_kind)d, &pure, bp, plo, phi, NULL, NULL, &e), NC_OK);
            for (int k = 0; k <= n->n; k++)
                for (int i = 0; i < bs->dim[k]; i++) {
                    cr_assert_geq(bs->lo[k][i], bi->lo[k][i], "%s layer %d", domain_name(d), k);
                    cr_assert_leq(bs->hi[k][i], bi->hi[k][i], "%s layer %d", domain_name(d), k);
                }
            for (int i = 0; i < 2; i++) {   /* the shared output is the meet */
                cr_assert_leq(ylo[i], yhi[i]);
                cr_assert_geq(ylo[i], bi->lo[n->n][i]);
                /* tighter input boxes can change CROWN's adaptive slopes, so
                 * the shared result is not always inside the pure one: count */
                looser += ylo[i] < plo[i] - 1e-9 * (1 + fabs(plo[i]));
                looser += yhi[i] > phi[i] + 1e-9 * (1 + fabs(phi[i]));
                total += 2;
            }
            bounds_free(bs);
            bounds_free(bp);
        }
        bounds_free(bi);
        net_free(n);
    }
    cr_log_info("shared vs pure output bounds: %d of %d ends looser", looser, total);
}

/* One scratch space reused over many boxes of one network (as branch and
 * bound does, with wider and narrower boxes and more and fewer rows) gives
 * the bounds of a fresh context per call up to the rounding-error term,
 * which it may take from an earlier, wider box: never tighter than fresh
 * (so as sound), and looser by no more than a rounding error (rows with
 * optimised slopes: apart by no more, either way); a scratch space made
 * for another network is refused. */
static void close_outward(double fresh, double reused, int lower, const char *what, int trial,
                          int optimised)
{
    /* with optimised slopes the error term's slightly looser boxes may
     * steer the optimisation (iterates whose estimates tie) to other
     * slopes: equal up to rounding then, in either direction */
    cr_assert(optimised || (lower ? reused <= fresh : reused >= fresh), "%s trial %d: %.17g vs %.17g",
              what, trial, reused, fresh);
    cr_assert(fabs(reused - fresh) <= 1e-9 * (1.0 + fabs(fresh)), "%s trial %d: %.17g vs %.17g",
              what, trial, reused, fresh);
}

/* crown_intermediate on bf with fresh and on bs (the same input box) with
 * reuse: every box close_outward of the fresh one. */
static void boxes_fresh_and_reused(const net *n, bounds *bf, bounds *bs, const crown_opts *fresh,
                                   const crown_opts *reuse, int trial)
{
    nc_err e;
    cr_assert_eq(crown_intermediate(n, bf, fresh, &e), NC_OK);
    cr_assert_eq(crown_intermediate(n, bs, reuse, &e), NC_OK);
    for (int k = 0; k <= n->n; k++)
        for (int j = 0; j < bf->dim[k]; j++) {
            close_outward(bf->lo[k][j], bs->lo[k][j], 1, "box lower end", trial, 0);
            close_outward(bf->hi[k][j], bs->hi[k][j], 0, "box upper end", trial, 0);
        }
}

Test(crown, scratch_reuse_matches_fresh)
{
    rng r;
    rng_seed(&r, 91);
    nc_err e;
    int hidden[3] = { 12, 9, 7 };
    net *n = tu_random_net(&r, 5, hidden, 3, 3, NET_RELU);
    crown_scratch *cs = crown_scratch_new(n, &e);
    cr_assert_not_null(cs);
    for (int trial = 0; trial < 40; trial++) {
        bounds *bf = bounds_new(n, &e), *bs = bounds_new(n, &e);
        double w = trial % 3 == 0 ? 2.0 : 0.05 + 0.3 * rng_unif(&r);
        for (int i = 0; i < 5; i++) {
            bf->lo[0][i] = rng_normal(&r);
            bf->hi[0][i] = bf->lo[0][i] + w * rng_unif(&r);
        }
        bounds_copy(bs, bf);
        crown_opts fresh, reuse;
        crown_opts_init(&fresh);
        fresh.alpha_iters = trial % 2 ? 5 : 0;
        reuse = fresh;
        reuse.scratch = cs;
        boxes_fresh_and_reused(n, bf, bs, &fresh, &reuse, trial);
        int m = 1 + trial % 4;
        double C[12], d[4], lf[4], ls[4];
        for (int i = 0; i < 3 * m; i++) C[i] = rng_normal(&r);
        for (int i = 0; i < m; i++) d[i] = rng_normal(&r);
        cr_assert_eq(crown_rows(n, bf, m, C, d, &fresh, lf, NULL, NULL, NULL, &e), NC_OK);
        cr_assert_eq(crown_rows(n, bs, m, C, d, &reuse, ls, NULL, NULL, NULL, &e), NC_OK);
        for (int i = 0; i < m; i++) close_outward(lf[i], ls[i], 1, "row bound", trial, fresh.alpha_iters > 0);
        bounds_free(bf);
        bounds_free(bs);
    }
    net *other = tu_random_net(&r, 5, hidden, 3, 3, NET_RELU);
    bounds *bo = bounds_new(other, &e);
    for (int i = 0; i < 5; i++) bo->lo[0][i] = 0, bo->hi[0][i] = 1;
    crown_opts o;
    crown_opts_init(&o);
    o.scratch = cs;
    cr_assert_eq(crown_intermediate(other, bo, &o, &e), NC_EINTERNAL);
    bounds_free(bo);
    net_free(other);
    crown_scratch_free(cs);
    net_free(n);
}

/* alpha-CROWN's early stop: a threshold every row already passes at the
 * first iterate (plain CROWN) stops there, bit for bit CROWN's bounds; a
 * threshold of +inf never stops, bit for bit the full run; and one between
 * the two gives, per row, a bound at least CROWN's and at most the full
 * run's, above the threshold on every row when the full run gets there. */
Test(crown, alpha_stops_once_every_row_passes)
{
    rng r;
    rng_seed(&r, 92);
    nc_err e;
    int hidden[3] = { 14, 11, 9 };
    int improved = 0;
    for (int trial = 0; trial < 20; trial++) {
        net *n = tu_random_net(&r, 4, hidden, 3, 3, NET_RELU);
        bounds *b = bounds_new(n, &e);
        for (int i = 0; i < 4; i++) {
            b->lo[0][i] = rng_normal(&r);
            b->hi[0][i] = b->lo[0][i] + 0.5 + rng_unif(&r);
        }
        crown_opts o;
        crown_opts_init(&o);
        cr_assert_eq(crown_intermediate(n, b, &o, &e), NC_OK);
        double C[9], plain[3], full[3], early[3], mid[3], never[3] = { INFINITY, INFINITY, INFINITY };
        for (int i = 0; i < 9; i++) C[i] = rng_normal(&r);
        cr_assert_eq(crown_rows(n, b, 3, C, NULL, &o, plain, NULL, NULL, NULL, &e), NC_OK);
        o.alpha_iters = 30;
        cr_assert_eq(crown_rows(n, b, 3, C, NULL, &o, full, NULL, NULL, NULL, &e), NC_OK);
        double below[3];
        for (int q = 0; q < 3; q++) below[q] = plain[q] - 1.0;
        o.stop_above = below;
        cr_assert_eq(crown_rows(n, b, 3, C, NULL, &o, early, NULL, NULL, NULL, &e), NC_OK);
        cr_assert_eq(memcmp(early, plain, sizeof plain), 0, "trial %d", trial);
        o.stop_above = never;
        cr_assert_eq(crown_rows(n, b, 3, C, NULL, &o, early, NULL, NULL, NULL, &e), NC_OK);
        cr_assert_eq(memcmp(early, full, sizeof full), 0, "trial %d", trial);
        double half[3];
        for (int q = 0; q < 3; q++) half[q] = 0.5 * (plain[q] + full[q]);
        o.stop_above = half;
        cr_assert_eq(crown_rows(n, b, 3, C, NULL, &o, mid, NULL, NULL, NULL, &e), NC_OK);
        for (int q = 0; q < 3; q++) {
            cr_assert_geq(mid[q], plain[q]);
            cr_assert_leq(mid[q], full[q]);
            if (full[q] > plain[q]) {
                improved++;
                cr_assert_gt(mid[q], plain[q], "trial %d row %d", trial, q);
            }
        }
        bounds_free(b);
        net_free(n);
    }
    cr_assert_gt(improved, 10, "alpha improved only %d rows", improved);
}

/* Only the outputs asked for (out_need) get an interval box from the last
 * affine layer: bit for bit the full computation's, the others [-inf, inf]
 * without intersecting and what b held when intersecting; every box below
 * is unchanged. */
Test(crown, output_box_only_where_needed)
{
    rng r;
    rng_seed(&r, 93);
    nc_err e;
    int hidden[2] = { 9, 7 };
    net *n = tu_random_net(&r, 4, hidden, 2, 5, NET_RELU);
    for (int trial = 0; trial < 20; trial++) {
        bounds *bf = bounds_new(n, &e), *bs = bounds_new(n, &e);
        cr_assert(bf && bs);
        for (int i = 0; i < 4; i++) {
            bf->lo[0][i] = rng_normal(&r);
            bf->hi[0][i] = bf->lo[0][i] + rng_unif(&r);
        }
        bounds_copy(bs, bf);
        char need[5];
        for (int i = 0; i < 5; i++) need[i] = rng_next(&r) % 2;
        crown_opts all, some;
        crown_opts_init(&all);
        some = all;
        some.out_need = need;
        some.intersect = trial % 2;
        for (int i = 0; some.intersect && i < 5; i++)
            bs->lo[n->n][i] = -100.0 - i, bs->hi[n->n][i] = 100.0 + i;
        cr_assert_eq(crown_intermediate(n, bf, &all, &e), NC_OK);
        cr_assert_eq(crown_intermediate(n, bs, &some, &e), NC_OK);
        for (int k = 0; k < n->n; k++)
            cr_assert_eq(memcmp(bf->lo[k], bs->lo[k], bf->dim[k] * sizeof(double)), 0, "layer %d", k);
        for (int i = 0; i < 5; i++) {
            double lo = bs->lo[n->n][i], hi = bs->hi[n->n][i];
            if (need[i]) {
                double fl = bf->lo[n->n][i], fh = bf->hi[n->n][i];
                cr_assert_eq(lo, some.intersect ? fmax(fl, -100.0 - i) : fl);
                cr_assert_eq(hi, some.intersect ? fmin(fh, 100.0 + i) : fh);
            } else if (some.intersect) {
                cr_assert(lo == -100.0 - i && hi == 100.0 + i, "output %d: [%g, %g]", i, lo, hi);
            } else {
                cr_assert(isinf(lo) && lo < 0 && isinf(hi) && hi > 0, "output %d: [%g, %g]", i, lo, hi);
            }
        }
        bounds_free(bf);
        bounds_free(bs);
    }
    net_free(n);
}

/* Re-bounds with `slopes` and no iterations: the same bound as low and
 * the same coefficients as lam (what crown_rows_split handed back). */
static void expect_reproduced(const net *n, const bounds *b, const double *C, double **slopes,
                              double **lam, double low, int trial)
{
    nc_err e;
    double *again[8] = { 0 }, *lam2[8] = { 0 }, low2;
    for (int k = 0; k < n->n; k++)
        if (lam[k]) {
            int d = n->layers[k].in;
            again[k] = malloc((size_t)d * sizeof(double));
            lam2[k] = malloc((size_t)d * sizeof(double));
            for (int j = 0; j < d; j++) {
                cr_assert(isfinite(lam[k][j]), "trial %d layer %d neuron %d", trial, k, j);
                again[k][j] = slopes[k][j];
            }
        }
    crown_opts co;
    crown_opts_init(&co);
    crown_split_io io = { .slopes = again, .lam = lam2 };
    cr_assert_eq(crown_rows_split(n, b, 1, C, NULL, &co, &io, &low2, &e), NC_OK);
    cr_assert(fabs(low2 - low) <= 1e-9 * (1.0 + fabs(low)), "trial %d: %.17g vs %.17g", trial,
              low2, low);
    for (int k = 0; k < n->n; k++)
        for (int j = 0; lam[k] && j < n->layers[k].in; j++)
            cr_assert(fabs(lam2[k][j] - lam[k][j]) <= 1e-9 * (1.0 + fabs(lam[k][j])),
                      "trial %d layer %d neuron %d: %.17g vs %.17g", trial, k, j, lam[k][j],
                      lam2[k][j]);
    for (int k = 0; k < 8; k++) free(again[k]), free(lam2[k]);
}

/* crown_rows_split hands back what its bound came from, however many
 * iterations ran (the iterates after the first are steered by
 * single-precision estimates, and the first may stay the best, as it
 * often does when started from slopes already optimised): slopes that give
 * the same bound again when started from, and the coefficients on every
 * activation output of that bound's pass. */
Test(crown, split_io_returns_the_bound_s_slopes_and_coefficients)
{
    rng r;
    rng_seed(&r, 93);
    nc_err e;
    int hidden[3] = { 10, 9, 8 };
    for (int trial = 0; trial < 12; trial++) {
        net *n = tu_random_net(&r, 4, hidden, 3, 2, NET_RELU);
        bounds *b = bounds_new(n, &e);
        for (int i = 0; i < 4; i++) b->lo[0][i] = rng_normal(&r), b->hi[0][i] = b->lo[0][i] + 1.0;
        crown_opts co;
        crown_opts_init(&co);
        cr_assert_eq(crown_intermediate(n, b, &co, &e), NC_OK);
        double *slopes[8] = { 0 }, *lam[8] = { 0 };
        for (int k = 0; k < n->n; k++)
            if (net_is_activation(n->layers[k].kind)) {
                int d = n->layers[k].in;
                slopes[k] = malloc((size_t)d * sizeof(double));
                lam[k] = malloc((size_t)d * sizeof(double));
                for (int j = 0; j < d; j++) slopes[k][j] = NAN, lam[k][j] = NAN;
            }
        double C[2] = { 1, -1 }, low, low2;
        co.alpha_iters = trial % 4 == 0 ? 0 : trial % 4;
        crown_split_io io = { .slopes = slopes, .lam = lam };
        cr_assert_eq(crown_rows_split(n, b, 1, C, NULL, &co, &io, &low, &e), NC_OK);
        expect_reproduced(n, b, C, slopes, lam, low, trial);
        /* again from there, after optimising further, with a few steps (which
         * then rarely beat their start): never below, and what it returns
         * belongs together */
        co.alpha_iters = 60;
        cr_assert_eq(crown_rows_split(n, b, 1, C, NULL, &co, &io, &low, &e), NC_OK);
        co.alpha_iters = 1 + trial % 3;
        cr_assert_eq(crown_rows_split(n, b, 1, C, NULL, &co, &io, &low2, &e), NC_OK);
        cr_assert(low2 >= low - 1e-9 * (1.0 + fabs(low)), "trial %d: %.17g after %.17g", trial,
                  low2, low);
        expect_reproduced(n, b, C, slopes, lam, low2, trial);
        for (int k = 0; k < 8; k++) free(slopes[k]), free(lam[k]);
        bounds_free(b);
        net_free(n);
    }
}

/* Single-precision products (crown_opts.single_products) on boxes so small
 * that every neuron is stable: the network is one affine piece there, CROWN
 * is exact up to rounding, and the true minimum of each row is at a corner
 * (evaluated in exact arithmetic). Float rounding of the coefficients moves
 * a bound by about 1e-7 of its scale, far more than the function varies
 * over the box, so a bound without its rounding term would pass the minimum
 * in some trials. The bounds must stay below it and within 1e-3 of the
 * double-precision ones. */
Test(crown, single_products_stay_sound)
{
    rng r;
    rng_seed(&r, 7);
    nc_err e;
    int hidden[3] = { 64, 64, 64 }, tight = 0;
    for (int trial = 0; trial < 40; trial++) {
        int in = 4, out = 3;
        net *n = tu_random_net(&r, in, hidden, 3, out, NET_RELU);
        bounds *b = bounds_new(n, &e), *bs = bounds_new(n, &e);
        double w = trial % 2 ? 1e-7 : 1e-4;
        for (int i = 0; i < in; i++) {
            b->lo[0][i] = bs->lo[0][i] = rng_normal(&r);
            b->hi[0][i] = bs->hi[0][i] = b->lo[0][i] + w;
        }
        crown_opts o, os;
        crown_opts_init(&o);
        crown_opts_init(&os);
        os.single_products = 1;
        os.alpha_iters = trial % 3 == 0 ? 5 : 0;
        cr_assert_eq(crown_intermediate(n, b, &o, &e), NC_OK, "%s", e.msg);
        cr_assert_eq(crown_intermediate(n, bs, &os, &e), NC_OK, "%s", e.msg);
        double C[9], low[3], lows[3];
        for (int i = 0; i < 9; i++) C[i] = rng_normal(&r);
        cr_assert_eq(crown_rows(n, b, 3, C, NULL, &o, low, NULL, NULL, NULL, &e), NC_OK);
        cr_assert_eq(crown_rows(n, bs, 3, C, NULL, &os, lows, NULL, NULL, NULL, &e), NC_OK);
        double x[4], y[3], mins[3] = { INFINITY, INFINITY, INFINITY };
        for (int c = 0; c < 1 << in; c++) {
            for (int i = 0; i < in; i++) x[i] = c >> i & 1 ? b->hi[0][i] : b->lo[0][i];
            cr_assert_eq(exact_eval(n, x, y, &e), NC_OK);
            for (int k = 0; k < 3; k++) {
                double v = 0;
                for (int i = 0; i < out; i++) v += C[k * out + i] * y[i];
                mins[k] = fmin(mins[k], v);
            }
        }
        for (int k = 0; k < 3; k++) {
            /* the rows' sums above are in double: allow their rounding */
            double room = 1e-14 * (1 + fabs(mins[k]));
            cr_assert_leq(lows[k], mins[k] + room, "trial %d row %d: %.17g above %.17g", trial,
                          k, lows[k], mins[k]);
            cr_assert_leq(low[k], mins[k] + room, "trial %d row %d (double)", trial, k);
            cr_assert_leq(fabs(lows[k] - low[k]), 1e-3 * (1 + fabs(low[k])), "trial %d row %d",
                          trial, k);
            tight += mins[k] - lows[k] < 1e-2 * (1 + fabs(mins[k]));
        }
        bounds_free(b);
        bounds_free(bs);
        net_free(n);
    }
    cr_assert_gt(tight, 60, "only %d of 120 bounds near the minimum", tight);
}

/* Layer 0's outputs from reference points (cx_first_affine_f): along a
 * walk of points that change a few coordinates at a time, with now and
 * then a jump (a new reference), and for more rows than it keeps, every
 * output within float rounding of the exact product. */
Test(crown, first_layer_from_references_matches_product)
{
    rng r;
    rng_seed(&r, 93);
    nc_err e;
    int hidden[2] = { 40, 6 };
    net *n = tu_random_net(&r, 60, hidden, 2, 2, NET_RELU);
    cctx *x = cx_new(n, NULL, &e);
    cr_assert_not_null(x);
    int din = n->layers[0].in, dout = n->layers[0].out;
    enum { M = CX_REF_ROWS + 2 };
    float h[M * 60], hn[M * 40];
    for (int i = 0; i < M * din; i++) h[i] = (float)rng_normal(&r);
    int jumps = 0;
    for (int step = 0; step < 60; step++) {
        int m = step % 7 == 6 ? M : 1 + step % CX_REF_ROWS;
        for (int a = 0; a < m; a++) {
            int jump = rng_unif(&r) < 0.1, moves = jump ? din : (int)(rng_next(&r) % 4);
            jumps += jump;
            for (int q = 0; q < moves; q++)
                h[a * din + (int)(rng_next(&r) % (uint64_t)din)] = (float)rng_normal(&r);
        }
        cr_assert_eq(cx_first_affine_f(x, m, h, hn, &e), NC_OK);
        const net_layer *l = &n->layers[0];
        for (int a = 0; a < m; a++)
            for (int j = 0; j < dout; j++) {
                double ex = l->b[j], mag = fabs(l->b[j]);
                for (int i = 0; i < din; i++) {
                    double t = (double)(float)l->w[j * din + i] * h[a * din + i];
                    ex += t, mag += fabs(t);
                }
                cr_assert(fabs(hn[a * dout + j] - ex) <= 4 * din * 6e-8 * (1 + mag),
                          "step %d row %d output %d: %g vs %g", step, a, j, hn[a * dout + j], ex);
            }
    }
    cr_assert_gt(jumps, 0);
    cx_free(x);
    net_free(n);
}

/* A scratch space remakes only the relaxations of neurons whose box ends
 * changed: over boxes that differ from the last call in a few neurons
 * (split-like: an end moved to 0, or tightened, and back), every bound is
 * the fresh context's up to the rounding term, never tighter. */
Test(crown, refresh_tracks_changed_neurons)
{
    rng r;
    rng_seed(&r, 95);
    nc_err e;
    int hidden[3] = { 16, 12, 9 };
    net *n = tu_random_net(&r, 5, hidden, 3, 3, NET_RELU);
    crown_scratch *cs = crown_scratch_new(n, &e);
    cr_assert_not_null(cs);
    bounds *b0 = bounds_new(n, &e), *b = bounds_new(n, &e);
    for (int i = 0; i < 5; i++) b0->lo[0][i] = -1.0, b0->hi[0][i] = 1.0;
    crown_opts o;
    crown_opts_init(&o);
    cr_assert_eq(crown_intermediate(n, b0, &o, &e), NC_OK);
    double C[6] = { 1, -1, 0, 0, 1, -1 }, lf[2], ls[2];
    int changed = 0;
    for (int trial = 0; trial < 60; trial++) {
        if (trial % 5 == 0) bounds_copy(b, b0);   /* back to the root */
        for (int q = 0; q < 3; q++) {   /* a few neurons of the activation layers */
            int k = 1 + 2 * (int)(rng_next(&r) % 3);
            if (k >= n->n || !net_is_activation(n->layers[k].kind)) continue;
            int j = (int)(rng_next(&r) % (uint64_t)b->dim[k]);
            double lo = b->lo[k][j], hi = b->hi[k][j];
            if (lo < 0 && hi > 0) {
                if (rng_unif(&r) < 0.5) b->lo[k][j] = 0.0;
                else b->hi[k][j] = 0.0;
            } else b->hi[k][j] = lo + 0.5 * (hi - lo);
            changed++;
        }
        crown_opts fresh = o, reuse = o;
        reuse.scratch = cs;
        cr_assert_eq(crown_rows(n, b, 2, C, NULL, &fresh, lf, NULL, NULL, NULL, &e), NC_OK);
        cr_assert_eq(crown_rows(n, b, 2, C, NULL, &reuse, ls, NULL, NULL, NULL, &e), NC_OK);
        for (int i = 0; i < 2; i++) close_outward(lf[i], ls[i], 1, "row bound", trial, 0);
    }
    cr_assert_gt(changed, 50);
    bounds_free(b0);
    bounds_free(b);
    crown_scratch_free(cs);
    net_free(n);
}

/* A scratch space kept while the first layer's weights and bias are
 * rewritten in place (star-set reachability refills it from each star),
 * told so by crown_scratch_layer_changed: every box and bound is the fresh
 * context's up to the rounding term, and the rounding term (slack) never
 * below the fresh one, even when the new weights are much larger than the
 * ones the scratch saw before. */
Test(crown, scratch_follows_changed_first_layer)
{
    rng r;
    rng_seed(&r, 96);
    nc_err e;
    int hidden[2] = { 10, 8 };
    net *n = tu_random_net(&r, 5, hidden, 2, 3, NET_RELU);
    crown_scratch *cs = crown_scratch_new(n, &e);
    cr_assert_not_null(cs);
    net_layer *l0 = &n->layers[0];
    for (int trial = 0; trial < 30; trial++) {
        double scale = trial % 3 == 2 ? 40.0 : 0.5;
        for (int i = 0; i < l0->in * l0->out; i++) l0->w[i] = scale * rng_normal(&r);
        for (int i = 0; i < l0->out; i++) l0->b[i] = scale * rng_normal(&r);
        crown_scratch_layer_changed(cs, 0);
        bounds *bf = bounds_new(n, &e), *bs = bounds_new(n, &e);
        for (int i = 0; i < 5; i++) {
            bf->lo[0][i] = rng_normal(&r);
            bf->hi[0][i] = bf->lo[0][i] + 0.5 * rng_unif(&r);
        }
        bounds_copy(bs, bf);
        crown_opts fresh, reuse;
        crown_opts_init(&fresh);
        fresh.alpha_iters = trial % 2 ? 5 : 0;
        reuse = fresh;
        reuse.scratch = cs;
        boxes_fresh_and_reused(n, bf, bs, &fresh, &reuse, trial);
        double C[6], lf[2], ls[2], cf[2], csr[2], sf[2], ss[2];
        for (int i = 0; i < 6; i++) C[i] = rng_normal(&r);
        cr_assert_eq(crown_rows(n, bf, 2, C, NULL, &fresh, lf, NULL, cf, sf, &e), NC_OK);
        cr_assert_eq(crown_rows(n, bs, 2, C, NULL, &reuse, ls, NULL, csr, ss, &e), NC_OK);
        for (int i = 0; i < 2; i++) {
            close_outward(lf[i], ls[i], 1, "row bound", trial, fresh.alpha_iters > 0);
            cr_assert(fresh.alpha_iters > 0 || ss[i] >= sf[i], "trial %d row %d: slack %.17g below fresh %.17g",
                      trial, i, ss[i], sf[i]);
        }
        bounds_free(bf);
        bounds_free(bs);
    }
    crown_scratch_free(cs);
    net_free(n);
}
