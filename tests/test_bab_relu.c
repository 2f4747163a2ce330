/* ReLU branch and bound: its split bounds (alpha-beta-CROWN) hold for
 * sampled points of the split region; its answers match an enumeration of
 * all activation patterns (one LP each) at thresholds just above and just
 * below the true maximum, with one and two threads, and match star-set
 * reachability on properties with several disjuncts; MNIST-FC instances
 * agree with expected.csv (Sigmoid and Tanh networks: test_milp.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bounds.h"
#include "core/rng.h"
#include "domains/crown.h"
#include "domains/interval.h"
#include "io/vnnlib.h"
#include "support/testutil.h"
#include "verify/driver.h"

Test(bab_relu, split_bounds_hold_on_the_split_region)
{
    rng r;
    rng_seed(&r, 77);
    int total = 0;
    for (int trial = 0; trial < 12; trial++) {
        int d = 3, hidden[3] = { 8, 7, 6 }, no = 2;
        net *n = tu_random_net(&r, d, hidden, 3, no, trial % 2 ? NET_LEAKY_RELU : NET_RELU);
        bounds *b = bounds_new(n, NULL);
        double lo[3], hi[3];
        for (int i = 0; i < d; i++) lo[i] = rng_normal(&r), hi[i] = lo[i] + 1.0 + rng_unif(&r);
        nc_err e;
        cr_assert_eq(itv_propagate(n, lo, hi, b, &e), NC_OK);
        crown_opts co;
        crown_opts_init(&co);
        co.intersect = 1;
        cr_assert_eq(crown_intermediate(n, b, &co, &e), NC_OK);
        /* split up to three unstable neurons on the side a random point is
         * on (so the region is not empty), clamping their boxes */
        signed char *sign[8] = { 0 };
        double *z[8] = { 0 }, x0[3];
        for (int k = 0; k < n->n; k++) {
            if (!net_is_activation(n->layers[k].kind)) continue;
            sign[k] = calloc((size_t)n->layers[k].in, 1);
            z[k] = calloc((size_t)n->layers[k].in, sizeof(double));
        }
        for (int i = 0; i < d; i++) x0[i] = lo[i] + rng_unif(&r) * (hi[i] - lo[i]);
        tu_preacts(n, x0, z);
        int splits = 0;
        for (int k = 0; k < n->n; k++) {
            for (int j = 0; sign[k] && j < n->layers[k].in && splits < 3; j++)
                if (b->lo[k][j] < 0 && b->hi[k][j] > 0 && rng_unif(&r) < 0.4) {
                    sign[k][j] = z[k][j] >= 0 ? 1 : -1;
                    if (sign[k][j] > 0) b->lo[k][j] = 0.0;
                    else b->hi[k][j] = 0.0;
                    splits++;
                }
        }
        cr_assert_eq(crown_intermediate(n, b, &co, &e), NC_OK);   /* boxes above the splits */
        /* optimised multipliers, and arbitrary ones (any beta >= 0 is sound):
         * the second pair of rows uses random multipliers as they are */
        double C[4] = { 1, -1, -1, 1 }, low[6];
        co.alpha_iters = 30;
        crown_split_io io = { .sign = (const signed char *const *)sign };
        cr_assert_eq(crown_rows_split(n, b, 2, C, NULL, &co, &io, low, &e), NC_OK, "%s", e.msg);
        /* the starting point estimated too: one rigorous pass, at the end */
        crown_split_io io1 = { .sign = (const signed char *const *)sign };
        co.alpha_iters = 1 + trial % 4;
        co.estimate_first = 1;
        cr_assert_eq(crown_rows_split(n, b, 2, C, NULL, &co, &io1, low + 4, &e), NC_OK, "%s", e.msg);
        co.estimate_first = 0;
        double *beta[8] = { 0 };
        for (int k = 0; k < n->n; k++)
            if (sign[k]) {
                beta[k] = calloc((size_t)2 * n->layers[k].in, sizeof(double));
                for (int q = 0; q < 2 * n->layers[k].in; q++) beta[k][q] = 3.0 * rng_unif(&r);
            }
        crown_split_io fixed = { .sign = (const signed char *const *)sign, .beta = beta };
        co.alpha_iters = 0;
        cr_assert_eq(crown_rows_split(n, b, 2, C, NULL, &co, &fixed, low + 2, &e), NC_OK);
        for (int k = 0; k < 8; k++) free(beta[k]);
        int inside = 0;
        for (int s = 0; s < 20000; s++) {
            double x[3], y[2];
            for (int i = 0; i < d; i++) x[i] = lo[i] + rng_unif(&r) * (hi[i] - lo[i]);
            tu_preacts(n, x, z);
            int ok = 1;
            for (int k = 0; k < n->n && ok; k++)
                for (int j = 0; sign[k] && j < n->layers[k].in; j++)
                    if (sign[k][j] * z[k][j] < 0) ok = 0;
            if (!ok) continue;
            inside++;
            net_eval(n, x, y);
            cr_assert_geq(y[0] - y[1], low[0], "trial %d: y0 - y1 = %.17g below %.17g", trial,
                          y[0] - y[1], low[0]);
            cr_assert_geq(y[1] - y[0], low[1], "trial %d: y1 - y0 = %.17g below %.17g", trial,
                          y[1] - y[0], low[1]);
            cr_assert_geq(y[0] - y[1], low[2], "trial %d: y0 - y1 = %.17g below %.17g (fixed beta)",
                          trial, y[0] - y[1], low[2]);
            cr_assert_geq(y[1] - y[0], low[3], "trial %d: y1 - y0 = %.17g below %.17g (fixed beta)",
                          trial, y[1] - y[0], low[3]);
            for (int q = 0; q < 2; q++)
                cr_assert_geq(C[2 * q] * (y[0] - y[1]), low[4 + q],
                              "trial %d: row %d = %.17g below %.17g (estimated start)", trial, q,
                              C[2 * q] * (y[0] - y[1]), low[4 + q]);
        }
        cr_assert_gt(inside, 0, "trial %d: no sample in the split region", trial);
        total += splits;
        for (int k = 0; k < 8; k++) free(sign[k]), free(z[k]);
        bounds_free(b);
        net_free(n);
    }
    cr_assert_gt(total, 12, "only %d splits: the multipliers were hardly exercised", total);
}

Test(bab_relu, matches_pattern_enumeration, .timeout = 300)
{
    char msg[256];
    cr_assert_eq(tu_pattern_trials(31337, 10, 1e-6, VERIFY_BAB_RELU, 2, NULL, NULL, msg, sizeof msg),
                 0, "%s", msg);
}

/* "class c is not the strict winner" over a box: one disjunct per rival. */
static prop *robust_prop(int d, const double *lo, double w, int no, int c, double margin)
{
    char text[4096];
    int k = 0;
    for (int i = 0; i < d; i++) k += snprintf(text + k, sizeof text - k, "(declare-const X_%d Real)", i);
    for (int i = 0; i < no; i++) k += snprintf(text + k, sizeof text - k, "(declare-const Y_%d Real)", i);
    for (int i = 0; i < d; i++)
        k += snprintf(text + k, sizeof text - k, "(assert (>= X_%d %.17g))(assert (<= X_%d %.17g))", i,
                      lo[i], i, lo[i] + w);
    k += snprintf(text + k, sizeof text - k, "(assert (or");
    for (int i = 0; i < no; i++)
        if (i != c)
            k += snprintf(text + k, sizeof text - k, " (and (<= (- Y_%d Y_%d) %.17g))", c, i, margin);
    snprintf(text + k, sizeof text - k, "))");
    prop *p = NULL;
    nc_err e;
    cr_assert_eq(vnnlib_parse(text, "robust", &p, &e), NC_OK, "%s", e.msg);
    return p;
}

Test(bab_relu, agrees_with_star_reachability_on_several_disjuncts, .timeout = 300)
{
    rng r;
    rng_seed(&r, 4242);
    int decided = 0;
    for (int trial = 0; trial < 24; trial++) {
        int d = 3, hidden[2] = { 8, 6 }, no = 4;
        net *n = tu_random_net(&r, d, hidden, 2, no, NET_RELU);
        double lo[3], w = 0.2 + 1.2 * rng_unif(&r), x[3], y[4];
        for (int i = 0; i < d; i++) lo[i] = rng_normal(&r), x[i] = lo[i] + 0.5 * w;
        net_eval(n, x, y);
        int c = 0;
        for (int i = 1; i < no; i++)
            if (y[i] > y[c]) c = i;
        prop *p = robust_prop(d, lo, w, no, c, 0.0);
        int s = tu_decide(n, p, VERIFY_STAR, 1, NULL, NULL), b = tu_decide(n, p, VERIFY_BAB_RELU, 2, NULL, NULL);
        cr_assert(s == VERDICT_HOLDS || s == VERDICT_VIOLATED, "trial %d: star undecided", trial);
        cr_assert_eq(b, s, "trial %d: bab-relu %s, star %s", trial, verdict_name(b), verdict_name(s));
        decided += s == VERDICT_HOLDS;
        prop_free(p);
        net_free(n);
    }
    cr_assert_gt(decided, 3, "too few robust cases to mean anything (%d)", decided);
    cr_assert_lt(decided, 21, "too few non-robust cases to mean anything (%d)", 24 - decided);
}

/* Instances of the 256x2 network the bounds alone leave open, decided by
 * --method bab-relu as expected.csv says. */
Test(bab_relu, mnist_instances_agree_with_expected, .timeout = 300)
{
    const char *root = tu_benchmarks();
    if (!root) cr_skip_test("benchmarks not found");
    static const char *props[][2] = {
        { "prop_6_0.03", "holds" }, { "prop_8_0.03", "holds" }, { "prop_0_0.05", "violated" },
        { "prop_9_0.05", "holds" },
    };
    char args[1024], out[1 << 16];
    for (int i = 0; i < 4; i++) {
        snprintf(args, sizeof args,
                 "verify %s/mnistfc/onnx/mnist-net_256x2.onnx %s/mnistfc/vnnlib/%s.vnnlib "
                 "--method bab-relu --timeout 120 --jobs 2",
                 root, root, props[i][0]);
        int rc = tu_nncert(args, out, sizeof out);
        cr_assert(!strncmp(out, props[i][1], strlen(props[i][1])),
                  "%s: expected %s, got %s", props[i][0], props[i][1], out);
        cr_assert_eq(rc, !strcmp(props[i][1], "holds") ? 0 : 1, "%s: exit %d", props[i][0], rc);
    }
}

/* Cut short by --timeout, ReLU branch and bound answers "timeout" and says
 * how far the proof was: the worst open bound, below zero (else it would
 * have been dropped), in the JSON report and as a note in the text. */
Test(bab_relu, timeout_reports_the_worst_open_bound, .timeout = 120)
{
    const char *root = tu_benchmarks();
    if (!root) cr_skip_test("benchmarks not found");
    char args[1024], out[1 << 16];
    snprintf(args, sizeof args,
             "verify %s/mnistfc/onnx/mnist-net_256x4.onnx %s/mnistfc/vnnlib/prop_0_0.05.vnnlib "
             "--method bab-relu --timeout 6 --jobs 1 --json",
             root, root);
    int rc = tu_nncert(args, out, sizeof out);
    cr_assert_eq(rc, 2, "exit %d: %s", rc, out);
    const char *ob = strstr(out, "\"open_bound\":");
    cr_assert_not_null(ob, "%s", out);
    double v = strtod(ob + strlen("\"open_bound\":"), NULL);
    cr_assert(v < 0 && isfinite(v), "open bound %g", v);
    cr_assert_not_null(strstr(out, "\"result\":\"timeout\""), "%s", out);
    /* robustness: 9 disjuncts, not all excluded when time ran out */
    const char *dj = strstr(out, "\"disjuncts\":"), *dx = strstr(out, "\"disjuncts_excluded\":");
    cr_assert(dj && dx, "%s", out);
    long nd = strtol(dj + strlen("\"disjuncts\":"), NULL, 10);
    long nx = strtol(dx + strlen("\"disjuncts_excluded\":"), NULL, 10);
    cr_assert(nd >= 1 && nd <= 9 && nx >= 0 && nx < nd, "%ld of %ld", nx, nd);
    snprintf(args, sizeof args,
             "verify %s/mnistfc/onnx/mnist-net_256x4.onnx %s/mnistfc/vnnlib/prop_0_0.05.vnnlib "
             "--method bab-relu --timeout 6 --jobs 1",
             root, root);
    tu_nncert(args, out, sizeof out);
    cr_assert_not_null(strstr(out, "note: the worst subproblem left open has its bound at -"), "%s", out);
    cr_assert_not_null(strstr(out, " disjuncts of the unsafe set excluded"), "%s", out);
}
