/* End-to-end tests of the nncert binary: exit codes, output formats, error
 * messages, and answers on real benchmark instances. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/netfile.h"
#include "io/vnnlib.h"
#include "solvers/exact.h"
#include "support/testutil.h"

static char out[1 << 16];

static int nncert(const char *args)
{
    return tu_nncert(args, out, sizeof out);
}

#define HAS(s) cr_assert(strstr(out, s), "output lacks '%s':\n%s", s, out)

Test(cli, demo_holds)
{
    cr_assert_eq(nncert("verify examples/demo.onnx examples/demo_holds.vnnlib"), 0, "%s", out);
    HAS("holds (unsat)");
    HAS("by interval");
}

Test(cli, demo_violated_text_json_and_results_file)
{
    cr_assert_eq(nncert("verify examples/demo.onnx examples/demo_violated.vnnlib"), 1);
    HAS("violated (sat)");
    HAS("((X_0 ");
    HAS(" (Y_1 ");
    const char *rf = tu_path("demo.result");
    char args[1024];
    snprintf(args, sizeof args,
             "verify examples/demo.nnet examples/demo_violated.vnnlib --json --results-file %s "
             "--seed 3", rf);
    cr_assert_eq(nncert(args), 1);
    HAS("{\"result\":\"violated\",\"vnncomp\":\"sat\",\"seconds\":");
    HAS("\"counterexample\":{\"x\":[");
    FILE *f = fopen(rf, "r");
    cr_assert_not_null(f);
    char line[256];
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert_str_eq(line, "sat\n");
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert(strncmp(line, "((X_0 ", 6) == 0, "%s", line);
    fclose(f);
}

Test(cli, same_seed_same_counterexample)
{
    char a[4096];
    nncert("verify examples/demo.onnx examples/demo_violated.vnnlib --seed 9 --json");
    char *p = strstr(out, "\"counterexample\"");
    cr_assert_not_null(p);
    snprintf(a, sizeof a, "%s", p);
    nncert("verify examples/demo.onnx examples/demo_violated.vnnlib --seed 9 --json");
    p = strstr(out, "\"counterexample\"");
    cr_assert_not_null(p);
    cr_assert_str_eq(p, a);
}

Test(cli, bounds_and_info)
{
    cr_assert_eq(nncert("bounds examples/demo.onnx examples/demo_holds.vnnlib --json --spec"), 0);
    HAS("{\"domain\":\"interval\",\"lower\":[");
    HAS("\"rows\":[{\"lower\":");
    cr_assert_eq(nncert("info examples/demo.nnet"), 0);
    HAS("parameters: 17");
}

Test(cli, bad_input_exits_3_naming_the_file)
{
    cr_assert_eq(nncert("verify missing.onnx examples/demo_holds.vnnlib"), 3);
    HAS("missing.onnx: cannot open");
    cr_assert_eq(nncert("verify examples/demo.onnx missing.vnnlib"), 3);
    HAS("missing.vnnlib: cannot open");
    cr_assert_eq(nncert("verify examples/demo.onnx examples/demo.nnet"), 3);
    HAS("examples/demo.nnet:1:1:");
    cr_assert_eq(nncert("verify examples/demo_holds.vnnlib examples/demo_holds.vnnlib"), 3);
    HAS("unknown network format");
    const char *p = tu_write("three.vnnlib", "(declare-const X_0 Real)(declare-const X_1 Real)"
                                             "(declare-const X_2 Real)(declare-const Y_0 Real)"
                                             "(declare-const Y_1 Real)(assert (>= Y_0 0))");
    char args[1024];
    snprintf(args, sizeof args, "verify examples/demo.onnx %s", p);
    cr_assert_eq(nncert(args), 3);
    HAS("declares 3 inputs (X_0..X_2) but examples/demo.onnx takes 2");
    const char *rf = tu_path("err.result");
    snprintf(args, sizeof args, "verify nope.onnx examples/demo_holds.vnnlib --results-file %s", rf);
    cr_assert_eq(nncert(args), 3);
    FILE *f = fopen(rf, "r");
    cr_assert_not_null(f);
    char line[64] = "";
    cr_assert_not_null(fgets(line, sizeof line, f));
    fclose(f);
    cr_assert_str_eq(line, "error\n");
}

Test(cli, usage_errors_exit_3)
{
    cr_assert_eq(nncert("frobnicate"), 3);
    HAS("unknown command frobnicate");
    cr_assert_eq(nncert("verify examples/demo.onnx"), 3);
    cr_assert_eq(nncert("verify examples/demo.onnx examples/demo_holds.vnnlib --timeout x"), 3);
    cr_assert_eq(nncert("verify examples/demo.onnx examples/demo_holds.vnnlib --bogus"), 3);
    cr_assert_eq(nncert("bounds examples/demo.onnx examples/demo_holds.vnnlib --domain polytope"), 3);
    HAS("available domains: interval, zonotope, crown, alpha-crown, star");
    cr_assert_eq(nncert("verify examples/demo.onnx examples/demo_holds.vnnlib --method milp2"), 3);
    HAS("available methods: auto, star, bab, bab-relu, milp, smt");
    cr_assert_eq(nncert("verify examples/demo.onnx examples/demo_holds.vnnlib --reach-out x.jsonl"), 3);
    HAS("--reach-out and --reach-plot need --method star");
    cr_assert_eq(nncert("verify examples/demo.onnx examples/demo_holds.vnnlib --method star "
                        "--reach-plot x.svg --plot-dims 0,0"), 3);
    HAS("--plot-dims needs two different output indices");
    cr_assert_eq(nncert("--help"), 0);
    HAS("usage: nncert");
}

/* The last "Core: NAME" line OpenBLAS printed (OPENBLAS_VERBOSE=2), or "". */
static const char *last_core(char *name, size_t n)
{
    name[0] = 0;
    for (const char *p = strstr(out, "Core: "); p; p = strstr(p + 1, "Core: ")) {
        size_t k = strcspn(p + 6, "\n");
        if (k >= n) k = n - 1;
        memcpy(name, p + 6, k);
        name[k] = 0;
    }
    return name;
}

/* On a processor with AVX2 and FMA, the run never keeps OpenBLAS's Prescott
 * fallback kernels; a kernel set the user names is kept; the run started
 * again does its work once. */
Test(cli, blas_kernels_fit_the_processor)
{
    char cmd[4096], core[64];
    snprintf(cmd, sizeof cmd, "env -u OPENBLAS_CORETYPE OPENBLAS_VERBOSE=2 %s --help", tu_bin());
    cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
    const char *u = strstr(out, "usage: nncert");
    cr_assert(u && !strstr(u + 1, "usage: nncert"), "usage printed other than once:\n%s", out);
    if (!strstr(out, "Core: ")) return;   /* an OpenBLAS that does not say */
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        cr_assert(strcmp(last_core(core, sizeof core), "Prescott"), "kept Prescott:\n%s", out);
#endif
    snprintf(cmd, sizeof cmd, "OPENBLAS_CORETYPE=Prescott OPENBLAS_VERBOSE=2 %s --help", tu_bin());
    cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
    cr_assert_str_eq(last_core(core, sizeof core), "Prescott", "%s", out);
}

/* Re-checks, in this process, the counterexample of a results file. */
static void recheck(const char *netp, const char *propp, const char *rf)
{
    FILE *f = fopen(rf, "r");
    cr_assert_not_null(f);
    char line[256];
    double x[8];
    int nx = 0;
    while (fgets(line, sizeof line, f)) {
        int i;
        double v;
        char *p = strstr(line, "(X_");
        if (p && sscanf(p, "(X_%d %lf)", &i, &v) == 2 && i < 8) x[i] = v, nx = i + 1 > nx ? i + 1 : nx;
    }
    fclose(f);
    nc_err e;
    net *n;
    prop *pr;
    cr_assert_eq(netfile_load(netp, &n, &e), NC_OK);
    cr_assert_eq(vnnlib_load(propp, &pr, &e), NC_OK);
    cr_assert_eq(nx, n->in_dim);
    int ok = 0;
    for (int k = 0; k < pr->n_cases && !ok; k++) {
        exact_result r;
        cr_assert_eq(exact_check(n, &pr->cases[k], x, &r, &e), NC_OK);
        ok = r.in_input && r.disjunct >= 0;
        exact_result_free(&r);
    }
    cr_assert(ok, "%s %s: reported counterexample does not check", netp, propp);
    prop_free(pr);
    net_free(n);
}

/* ACAS Xu: every property-2 instance and every third other instance; no
 * answer may contradict expected.csv, and every violation must come with a
 * counterexample that checks exactly. */
Test(cli, acasxu_agrees_with_expected, .timeout = 900)
{
    const char *bench = tu_benchmarks();
    if (!bench) {
        cr_log_warn("benchmarks absent (set NNCERT_BENCHMARKS): ACAS Xu end-to-end not run");
        cr_skip_test();
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/acasxu/expected.csv", bench);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[1024];
    int k = 0, decided = 0, sat2 = 0;
    cr_assert_not_null(fgets(line, sizeof line, f));   /* header */
    while (fgets(line, sizeof line, f)) {
        char onnx[256], vnnlib[256], exp[32];
        if (sscanf(line, "%255[^,],%255[^,],%31[^,\n]", onnx, vnnlib, exp) != 3) continue;
        int is2 = strstr(vnnlib, "prop_2.") != NULL;
        if (!is2 && k++ % 3) continue;
        char np[512], pp[512], args[2048];
        snprintf(np, sizeof np, "%s/acasxu/%s", bench, onnx);
        snprintf(pp, sizeof pp, "%s/acasxu/%s", bench, vnnlib);
        const char *rf = tu_path("acas.result");
        snprintf(args, sizeof args, "verify %s %s --timeout 4 --results-file %s", np, pp, rf);
        int code = nncert(args);
        cr_assert(code == 0 || code == 1 || code == 2, "%s %s: exit %d: %s", onnx, vnnlib, code, out);
        if (code == 0) cr_assert_str_neq(exp, "sat", "%s %s: holds but expected sat", onnx, vnnlib);
        if (code == 1) {
            cr_assert_str_neq(exp, "unsat", "%s %s: violated but expected unsat", onnx, vnnlib);
            recheck(np, pp, rf);
            sat2 += is2;
        }
        decided += code != 2;
    }
    fclose(f);
    cr_log_info("ACAS Xu end-to-end: %d decided, %d property-2 violations checked", decided, sat2);
    cr_assert_gt(sat2, 0, "no property-2 violation found at all");
}

/* A memory cap that the branch-and-bound queue outgrows gives "unknown"
 * (exit 2) instead of a crash; bad sizes are usage errors. */
Test(cli, max_memory_gives_unknown, .timeout = 120)
{
    cr_assert_eq(nncert("verify examples/demo.onnx examples/demo_holds.vnnlib --max-memory 12X"), 3);
    HAS("--max-memory needs a size");
    const char *bench = tu_benchmarks();
    if (!bench) {
        cr_log_warn("benchmarks absent: --max-memory on ACAS Xu not run");
        cr_skip_test();
    }
    char args[2048];
    snprintf(args, sizeof args,
             "verify %s/acasxu/onnx/ACASXU_run2a_4_6_batch_2000.onnx "
             "%s/acasxu/vnnlib/prop_1.vnnlib --max-memory 4K --json", bench, bench);
    cr_assert_eq(nncert(args), 2, "%s", out);
    HAS("\"result\":\"unknown\"");
}

/* The VNN-COMP scripts: a gzipped network, the results file, errors. */
Test(cli, vnncomp_scripts)
{
    char cmd[2048];
    const char *gz = tu_path("demo.onnx.gz"), *res = tu_path("vnncomp.result");
    snprintf(cmd, sizeof cmd, "gzip -c examples/demo.onnx > %s", gz);
    cr_assert_eq(tu_run(cmd, out, sizeof out), 0);
    snprintf(cmd, sizeof cmd,
             "NNCERT_VNNCOMP_CACHE=%s bash vnncomp/prepare_instance.sh v1 demo %s "
             "examples/demo_violated.vnnlib", tu_path("cache"), gz);
    cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
    snprintf(cmd, sizeof cmd,
             "NNCERT_VNNCOMP_CACHE=%s bash vnncomp/run_instance.sh v1 demo %s "
             "examples/demo_violated.vnnlib %s 10", tu_path("cache"), gz, res);
    cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
    FILE *f = fopen(res, "r");
    cr_assert_not_null(f);
    char line[256] = "";
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert_str_eq(line, "sat\n");
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert(strncmp(line, "((X_0 ", 6) == 0, "%s", line);
    fclose(f);
    snprintf(cmd, sizeof cmd, "bash vnncomp/run_instance.sh v1 demo nope.onnx "
             "examples/demo_violated.vnnlib %s 10", res);
    cr_assert_eq(tu_run(cmd, out, sizeof out), 0);
    f = fopen(res, "r");
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(line, sizeof line, f));
    fclose(f);
    cr_assert_str_eq(line, "error\n");
}
