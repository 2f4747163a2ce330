#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "io/nnet.h"
#include "io/onnx.h"
#include "support/testutil.h"

static net *load_ok(const char *path)
{
    nc_err e;
    err_clear(&e);
    net *n = NULL;
    cr_assert_eq(nnet_load(path, &n, NULL, &e), NC_OK, "%s", e.msg);
    return n;
}

static void load_err(const char *path, const char *needle)
{
    nc_err e;
    err_clear(&e);
    net *n = NULL;
    cr_assert_eq(nnet_load(path, &n, NULL, &e), NC_EINPUT, "expected failure on %s", path);
    cr_assert_null(n);
    cr_assert(strstr(e.msg, needle), "message '%s' lacks '%s'", e.msg, needle);
}

Test(nnet, tiny_known_outputs)
{
    net *n = load_ok("tests/data/tiny.nnet");
    cr_assert_eq(n->in_dim, 2);
    cr_assert_eq(n->out_dim, 1);
    cr_assert_eq(n->n, 3);   /* affine, relu, affine */
    double cases[][3] = { { 1, 2, 2.0 }, { 0.5, 0, 1.5 }, { -1, -1, 0.0 }, { 0, 0, 0.0 } };
    for (int i = 0; i < 4; i++) {
        double y;
        net_eval(n, cases[i], &y);
        cr_assert_eq(y, cases[i][2], "f(%g,%g) = %g", cases[i][0], cases[i][1], y);
    }
    net_free(n);
}

Test(nnet, metadata)
{
    nc_err e;
    net *n;
    nnet_meta m;
    cr_assert_eq(nnet_load("tests/data/tiny.nnet", &n, &m, &e), NC_OK);
    cr_assert_eq(m.n_in, 2);
    cr_assert_eq(m.min[0], -1.0);
    cr_assert_eq(m.range[2], 1.0);
    nnet_meta_free(&m);
    net_free(n);
}

Test(nnet, bad_files)
{
    load_err("tests/data/truncated.nnet", "truncated.nnet:");
    load_err("tests/data/nope.nnet", "tests/data/nope.nnet: cannot open");
    load_err(tu_write("counts.nnet", "2,2,1,2,\n3,3,1,\n0,\n"), "counts.nnet:2: layer sizes start at 3");
    load_err(tu_write("short.nnet", "1,2,1,2,\n2,1,\n0,\n0,0\n1,1\n0,0,0\n1,1,1\n1.0\n0.0\n"),
             "short.nnet:8: layer 0 weight row 0: expected 2 values, found 1");
    load_err(tu_write("word.nnet", "1,2,1,2,\n2,1,\n0,\n0,0\n1,1\n0,0,0\n1,1,1\n1.0,x\n0.0\n"),
             "word.nnet:8: layer 0 weight row 0: 'x' is not a number");
    load_err(tu_write("nan.nnet", "1,2,1,2,\n2,1,\n0,\n0,0\n1,1\n0,0,0\n1,1,1\n1.0,nan\n0.0\n"),
             "nan.nnet:8: layer 0 weight row 0: value is not finite");
    load_err(tu_write("extra.nnet", "1,2,1,2,\n2,1,\n0,\n0,0\n1,1\n0,0,0\n1,1,1\n1.0,1\n0.0\n5\n"),
             "extra.nnet:10: unexpected data after the last layer");
}

/* The NNet and ONNX versions of ACAS Xu networks compute the same function
 * on the VNN-COMP (normalised) input scale: the NNet text carries six
 * significant digits, so they agree to about 1e-5. */
Test(nnet, acasxu_nnet_matches_onnx, .timeout = 120)
{
    const char *bench = tu_benchmarks();
    if (!bench) {
        cr_log_warn("benchmarks absent (set NNCERT_BENCHMARKS): NNet/ONNX agreement not run");
        cr_skip_test();
    }
    rng r;
    rng_seed(&r, 7);
    const char *nets[] = { "1_1", "2_7", "5_9" };
    for (int k = 0; k < 3; k++) {
        char pn[512], po[512];
        snprintf(pn, sizeof pn, "%s/acasxu/nnet/ACASXU_run2a_%s_batch_2000.nnet", bench, nets[k]);
        snprintf(po, sizeof po, "%s/acasxu/onnx/ACASXU_run2a_%s_batch_2000.onnx", bench, nets[k]);
        nc_err e;
        net *a = load_ok(pn), *b = NULL;
        cr_assert_eq(onnx_load(po, &b, &e), NC_OK, "%s", e.msg);
        double worst = 0;
        for (int s = 0; s < 1000; s++) {
            double x[5], ya[5], yb[5];
            for (int i = 0; i < 5; i++) x[i] = rng_range(&r, -0.5, 0.5);
            net_eval(a, x, ya);
            net_eval(b, x, yb);
            for (int i = 0; i < 5; i++) worst = fmax(worst, fabs(ya[i] - yb[i]));
        }
        cr_assert_lt(worst, 1e-5, "%s: NNet and ONNX differ by %g", nets[k], worst);
        net_free(a);
        net_free(b);
    }
}
