/* nncert certify: certified robust accuracy on the shipped toy network,
 * whose answers follow by hand (examples/certify/README.md), and the
 * soundness of the robustness box under normalisation. */
#include <criterion/criterion.h>
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "verify/robustness.h"
#include "support/testutil.h"

static char out[1 << 16];

#define HAS(s) cr_assert(strstr(out, s), "output lacks '%s':\n%s", s, out)

static int nncert(const char *args)
{
    return tu_nncert(args, out, sizeof out);
}

/* Radii by hand: sample 0 (class 0 at (0.8, 0.3)) 0.25, sample 1 0.35,
 * sample 2 0.3, sample 3 misclassified, sample 4 0.05. */
Test(certify, toy_network_matches_the_hand_derived_radii)
{
    char args[1024];
    snprintf(args, sizeof args,
             "certify examples/certify/toy.nnet --data examples/certify/toy.csv --eps 0.32,0.04,0.1 "
             "--clip 0,1 --out %s --cex-dir %s", tu_path("toy-rows.csv"), tu_path("toy-cex"));
    cr_assert_eq(nncert(args), 0, "%s", out);
    HAS("clean accuracy: 4/5 (80.0%)");
    HAS("0.04               4         0         0          80.0%");
    HAS("0.1                3         1         0          60.0%");
    HAS("0.32               1         3         0          20.0%");
    HAS("counterexamples: 4 files");
    /* a saved counterexample is the VNN-COMP results file of a violation */
    FILE *f = fopen(tu_path("toy-cex/sample4_eps0.1.txt"), "r");
    cr_assert(f);
    char line[128];
    cr_assert(fgets(line, sizeof line, f));
    cr_assert_str_eq(line, "sat\n");
    double x0, x1;
    cr_assert_eq(fscanf(f, "((X_0 %lf) (X_1 %lf)", &x0, &x1), 2);
    fclose(f);
    cr_assert(x1 <= x0 || x1 <= 0.5, "class 1 must not win strictly at (%g, %g)", x0, x1);
    cr_assert(x0 >= 0.45 - 0.1 - 1e-12 && x0 <= 0.45 + 0.1 + 1e-12);
}

Test(certify, normalisation_gives_the_same_answers)
{
    cr_assert_eq(nncert("certify examples/certify/toy.nnet --data examples/certify/toy-scaled.csv "
                        "--eps 0.08,0.2,0.64 --mean 1 --std 2 --clip 1,3 --json --cex-dir /dev/null/x"),
                 3, "a counterexample directory that cannot be made is an error");
    char args[1024];
    snprintf(args, sizeof args,
             "certify examples/certify/toy.nnet --data examples/certify/toy-scaled.csv "
             "--eps 0.08,0.2,0.64 --mean 1 --std 2 --clip 1,3 --json --cex-dir %s",
             tu_path("scaled-cex"));
    cr_assert_eq(nncert(args), 0, "%s", out);
    HAS("\"correct\": 4");
    HAS("\"eps\": 0.080000000000000002, \"certified\": 4, \"falsified\": 0");
    HAS("\"eps\": 0.20000000000000001, \"certified\": 3, \"falsified\": 1");
    HAS("\"eps\": 0.64000000000000001, \"certified\": 1, \"falsified\": 3");
}

Test(certify, bad_data_names_file_and_line)
{
    const char *p = tu_write("short.csv", "label,x0,x1\n0,0.5,0.2\n1,0.5\n");
    char args[1024];
    snprintf(args, sizeof args, "certify examples/certify/toy.nnet --data %s --eps 0.1", p);
    cr_assert_eq(nncert(args), 3);
    HAS("short.csv:3: 1 values, but the network has 2 inputs");
    p = tu_write("label.csv", "0,0.5,0.2\n7,0.5,0.1\n");
    snprintf(args, sizeof args, "certify examples/certify/toy.nnet --data %s --eps 0.1", p);
    cr_assert_eq(nncert(args), 3);
    HAS("label.csv:2: label 7, but the network has 3 outputs");
    p = tu_write("nan.csv", "0,nan,0.2\n");
    snprintf(args, sizeof args, "certify examples/certify/toy.nnet --data %s --eps 0.1", p);
    cr_assert_eq(nncert(args), 3);
    HAS("nan.csv:1: value 1 is not finite");
    cr_assert_eq(nncert("certify examples/certify/toy.nnet --data examples/certify/toy.csv --eps -1"), 3);
    cr_assert_eq(nncert("certify examples/certify/toy.nnet --data examples/certify/toy.csv --eps 0.1 --norm l2"), 3);
    HAS("available norms: linf");
    cr_assert_eq(nncert("certify examples/certify/toy.nnet --data missing.csv --eps 0.1"), 3);
    HAS("missing.csv");
}

/* The outer box contains the exact normalised box and the inner box lies
 * inside it, checked in exact rational arithmetic on random values. */
Test(certify, robustness_box_is_rigorous)
{
    rng r;
    rng_seed(&r, 7);
    mpq_t v, t;
    mpq_inits(v, t, NULL);
    for (int trial = 0; trial < 2000; trial++) {
        double x[1] = { rng_unif(&r) * 3 - 1 };
        double mean[1] = { rng_unif(&r) - 0.3 }, sd[1] = { 0.05 + rng_unif(&r) };
        double eps = trial % 3 ? rng_unif(&r) * 0.1 : 1e-9;
        robust_space s = { .n_in = 1, .n_out = 2, .mean = mean, .std = sd,
                           .clip_lo = trial % 2 ? 0.0 : -1e300, .clip_hi = 1e300 };
        if (x[0] < s.clip_lo) x[0] = 0.5;
        prop *p;
        int exact;
        nc_err e;
        cr_assert_eq(robust_prop(&s, x, 1, eps, &p, &exact, &e), NC_OK, "%s", e.msg);
        const prop_case *pc = &p->cases[0];
        for (int side = 0; side < 2; side++) {
            /* exact end: (max(clip, x - eps) - mean) / std, or (x + eps - mean) / std */
            mpq_set_d(v, x[0]);
            mpq_set_d(t, eps);
            if (side == 0) mpq_sub(v, v, t);
            else mpq_add(v, v, t);
            mpq_set_d(t, s.clip_lo);
            if (side == 0 && mpq_cmp(v, t) < 0) mpq_set(v, t);
            mpq_set_d(t, mean[0]);
            mpq_sub(v, v, t);
            mpq_set_d(t, sd[0]);
            mpq_div(v, v, t);
            double outer = side == 0 ? pc->lo[0] : pc->hi[0];
            double inner = side == 0 ? pc->lo_in[0] : pc->hi_in[0];
            mpq_set_d(t, outer);
            cr_assert(side == 0 ? mpq_cmp(t, v) <= 0 : mpq_cmp(t, v) >= 0, "outer end %d", side);
            if (exact) {
                mpq_set_d(t, inner);
                cr_assert(side == 0 ? mpq_cmp(t, v) >= 0 : mpq_cmp(t, v) <= 0, "inner end %d", side);
            }
        }
        prop_free(p);
    }
    mpq_clears(v, t, NULL);
}
