/* Star sets: the approx-star domain is sound (sampled points lie inside its
 * bounds) and never looser than interval bounds; exact star reachability
 * agrees with a brute-force enumeration of activation patterns (one LP per
 * pattern, written here directly on GLPK) on small random networks, with
 * one thread and with two; ACAS Xu properties 1-4 on networks 1_1..1_9
 * agree with expected.csv. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bounds.h"
#include "core/rng.h"
#include "io/netfile.h"
#include "support/testutil.h"
#include "verify/analyse.h"
#include "verify/driver.h"

static void box_bounds(const net *n, const prop *p, domain_kind d, double *lo, double *hi)
{
    analyse_opts o;
    analyse_opts_init(&o);
    bounds *b = bounds_new(n, NULL);
    nc_err e;
    cr_assert_eq(analyse_case(n, &p->cases[0], d, &o, b, lo, hi, NULL, NULL, &e), NC_OK, "%s", e.msg);
    bounds_free(b);
}

Test(star, bounds_are_sound_and_tighter_than_interval)
{
    static const net_kind acts[] = { NET_RELU, NET_LEAKY_RELU, NET_SIGMOID, NET_TANH };
    rng r;
    rng_seed(&r, 404);
    for (int trial = 0; trial < 16; trial++) {
        int d = 2 + trial % 3, hidden[3] = { 6, 7, 5 }, no = 3;
        net *n = tu_random_net(&r, d, hidden, 3, no, acts[trial % 4]);
        double lo[4], w = 0.2 + rng_unif(&r);
        for (int i = 0; i < d; i++) lo[i] = rng_normal(&r);
        prop *p = tu_threshold_prop(d, lo, w, 0.0);
        cr_assert(p);
        double slo[3], shi[3], ilo[3], ihi[3], x[4], y[3];
        box_bounds(n, p, DOM_STAR, slo, shi);
        box_bounds(n, p, DOM_INTERVAL, ilo, ihi);
        for (int i = 0; i < no; i++) {
            double tol = 1e-9 * (1 + fabs(ilo[i]) + fabs(ihi[i]));
            cr_assert_geq(slo[i], ilo[i] - tol, "trial %d output %d: star lower below interval", trial, i);
            cr_assert_leq(shi[i], ihi[i] + tol, "trial %d output %d: star upper above interval", trial, i);
        }
        for (int s = 0; s < 3000; s++) {
            for (int i = 0; i < d; i++) {
                double u = rng_unif(&r);
                x[i] = lo[i] + (s % 7 == 0 ? (u < 0.5 ? 0 : w) : u * w);   /* corners too */
            }
            net_eval(n, x, y);
            for (int i = 0; i < no; i++)
                cr_assert(y[i] >= slo[i] && y[i] <= shi[i], "trial %d sample %d: y%d = %.17g outside [%.17g, %.17g]",
                          trial, s, i, y[i], slo[i], shi[i]);
        }
        prop_free(p);
        net_free(n);
    }
}

Test(star, exact_reachability_matches_pattern_enumeration, .timeout = 300)
{
    char msg[256];
    cr_assert_eq(tu_pattern_trials(2024, 10, 1e-6, VERIFY_STAR, 2, NULL, NULL, msg, sizeof msg), 0,
                 "%s", msg);
}

/* Without pruning every linear piece is enumerated: the answers stay. */
Test(star, enumeration_without_pruning_agrees, .timeout = 300)
{
    rng r;
    rng_seed(&r, 99);
    for (int trial = 0; trial < 4; trial++) {
        int hidden[2] = { 5, 4 };
        net *n = tu_random_net(&r, 2, hidden, 2, 1, NET_RELU);
        double lo[2] = { rng_normal(&r), rng_normal(&r) };
        double top = tu_pattern_max(n, lo, 1.0), eps = 1e-6 * (1 + fabs(top));
        prop *p = tu_threshold_prop(2, lo, 1.0, top + eps);
        verify_opts o;
        verify_opts_init(&o);
        o.method = VERIFY_STAR;
        o.star_overapprox = 0;
        verify_result res;
        nc_err e;
        cr_assert_eq(verify_property(n, p, &o, &res, &e), NC_OK, "%s", e.msg);
        cr_assert_eq(res.v, VERDICT_HOLDS, "trial %d", trial);
        cr_assert_gt(res.pieces, 0);
        verify_result_free(&res);
        prop_free(p);
        net_free(n);
    }
}

/* ACAS Xu properties 1-4 on the networks 1_1 .. 1_9 by --method star. */
Test(star, acasxu_first_row_agrees_with_expected, .timeout = 900)
{
    const char *bench = tu_benchmarks();
    if (!bench) {
        cr_log_warn("benchmarks absent (set NNCERT_BENCHMARKS): ACAS Xu star test not run");
        cr_skip_test();
    }
    char path[1024], line[1024], out[8192];
    snprintf(path, sizeof path, "%s/acasxu/expected.csv", bench);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    int seen = 0;
    while (fgets(line, sizeof line, f)) {
        char onnx[256], vnnlib[256], exp[32];
        if (sscanf(line, "%255[^,],%255[^,],%31[^,\n]", onnx, vnnlib, exp) != 3) continue;
        int a, b, prop_no;
        if (sscanf(onnx, "onnx/ACASXU_run2a_%d_%d_batch_2000.onnx", &a, &b) != 2 || a != 1) continue;
        if (sscanf(vnnlib, "vnnlib/prop_%d.vnnlib", &prop_no) != 1 || prop_no > 4) continue;
        char args[2048];
        snprintf(args, sizeof args, "verify %s/acasxu/%s %s/acasxu/%s --method star --timeout 120",
                 bench, onnx, bench, vnnlib);
        int code = tu_nncert(args, out, sizeof out);
        const char *want = !strcmp(exp, "sat") ? "violated" : "holds";
        cr_assert(strstr(out, want) && strstr(out, "by star"), "%s %s: expected %s, got exit %d: %s",
                  onnx, vnnlib, want, code, out);
        seen++;
    }
    fclose(f);
    cr_assert_eq(seen, 36, "expected 36 instances (networks 1_1..1_9, properties 1-4), found %d", seen);
}

/* --reach-out: every sampled output of the example network lies in the
 * bounding box of some written piece; --reach-plot draws every piece. */
Test(star, reach_out_covers_sampled_outputs, .timeout = 120)
{
    const char *jl = tu_path("reach.jsonl"), *svg = tu_path("reach.svg");
    char args[2048], out[8192];
    snprintf(args, sizeof args,
             "verify examples/reach/reach.nnet examples/reach/reach.vnnlib --method star "
             "--reach-out %s --reach-plot %s --plot-dims 0,1 --json", jl, svg);
    cr_assert_eq(tu_nncert(args, out, sizeof out), 0, "%s", out);
    json_t *res = json_loads(out, 0, NULL);
    cr_assert_not_null(res, "%s", out);
    long pieces = (long)json_integer_value(json_object_get(res, "pieces"));
    json_decref(res);
    FILE *f = fopen(jl, "r");
    cr_assert_not_null(f);
    enum { MAXP = 4096 };
    static double blo[MAXP][2], bhi[MAXP][2];
    char line[1 << 16];
    long np = 0;
    while (fgets(line, sizeof line, f)) {
        json_t *o = json_loads(line, 0, NULL);
        cr_assert_not_null(o, "piece %ld is not JSON", np);
        json_t *box = json_object_get(o, "box");
        cr_assert_lt(np, MAXP);
        for (int i = 0; i < 2; i++) {
            blo[np][i] = json_number_value(json_array_get(json_object_get(box, "lower"), i));
            bhi[np][i] = json_number_value(json_array_get(json_object_get(box, "upper"), i));
        }
        cr_assert(json_is_array(json_object_get(json_object_get(o, "star"), "constraints")));
        json_decref(o);
        np++;
    }
    fclose(f);
    cr_assert_eq(np, pieces, "%ld lines for %ld pieces", np, pieces);
    net *n;
    nc_err e;
    cr_assert_eq(netfile_load("examples/reach/reach.nnet", &n, &e), NC_OK, "%s", e.msg);
    rng r;
    rng_seed(&r, 3);
    for (int s = 0; s < 4000; s++) {
        double x[2] = { -1 + 2 * rng_unif(&r), -1 + 2 * rng_unif(&r) }, y[2];
        net_eval(n, x, y);
        int inside = 0;
        for (long k = 0; k < np && !inside; k++)
            inside = y[0] >= blo[k][0] - 1e-12 && y[0] <= bhi[k][0] + 1e-12 &&
                     y[1] >= blo[k][1] - 1e-12 && y[1] <= bhi[k][1] + 1e-12;
        cr_assert(inside, "f(%g, %g) = (%g, %g) is in no piece's box", x[0], x[1], y[0], y[1]);
    }
    net_free(n);
    const char *text = tu_slurp(svg);
    cr_assert_not_null(text);
    long polys = 0;
    for (const char *q = text; (q = strstr(q, "<polygon")); q++) polys++;
    cr_assert_geq(polys, pieces, "%ld polygons for %ld pieces", polys, pieces);
}
