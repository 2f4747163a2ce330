/* Reliability: the bad-input corpus (each malformed file gives its exact
 * one-line error and exit code 3), the fuzzing regression inputs and seeds
 * (every parser survives them), and the floating-point trap (a network
 * where naive floating-point bounds would claim "holds" for a violated
 * property). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/policy.h"
#include "io/netfile.h"
#include "io/nnet.h"
#include "io/onnx.h"
#include "io/vnnlib.h"
#include "support/testutil.h"

static char out[1 << 14];

Test(reliability, bad_input_corpus)
{
    FILE *f = fopen("tests/bad-inputs/expected.tsv", "r");
    cr_assert(f);
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        line[strcspn(line, "\n")] = 0;
        char *file = strtok(line, "\t"), *how = strtok(NULL, "\t"), *want = strtok(NULL, "\t");
        cr_assert(file && how && want, "malformed expected.tsv line");
        char args[1024], path[512];
        snprintf(path, sizeof path, "tests/bad-inputs/%s", file);
        if (!strcmp(how, "net")) snprintf(args, sizeof args, "info %s", path);
        else if (!strcmp(how, "prop")) snprintf(args, sizeof args, "verify examples/demo.onnx %s", path);
        else if (!strcmp(how, "policy")) snprintf(args, sizeof args, "gate %s", path);
        else snprintf(args, sizeof args, "certify examples/certify/toy.nnet --data %s --eps 0.1", path);
        int rc = tu_nncert(args, out, sizeof out);
        cr_assert_eq(rc, 3, "%s: exit code %d:\n%s", file, rc, out);
        cr_assert(strstr(out, want), "%s: expected '%s' in:\n%s", file, want, out);
        cr_assert(!strncmp(out, "nncert: error: ", 15), "%s: %s", file, out);
        cr_assert_eq(strchr(out, '\n'), out + strlen(out) - 1, "%s: one line expected:\n%s", file, out);
        n++;
    }
    fclose(f);
    cr_assert_geq(n, 19);
}

/* Loads one file with the parser of its fuzzing target; it may be rejected,
 * but with a message that names the file and fits on one line. */
static void replay(const char *target, const char *path)
{
    nc_err e;
    err_clear(&e);
    nc_status st;
    if (!strcmp(target, "onnx") || !strcmp(target, "nnet")) {
        net *n = NULL;
        st = !strcmp(target, "onnx") ? onnx_load(path, &n, &e) : nnet_load(path, &n, NULL, &e);
        if (!st) net_free(n);
    } else if (!strcmp(target, "vnnlib")) {
        prop *p = NULL;
        st = vnnlib_load(path, &p, &e);
        if (!st) prop_free(p);
    } else {
        policy *p = NULL;
        st = policy_load(path, &p, &e);
        if (!st) policy_free(p);
    }
    if (st) {
        cr_assert(strstr(e.msg, path), "%s: the message does not name the file: %s", path, e.msg);
        cr_assert(!strchr(e.msg, '\n'), "%s: a multi-line message: %s", path, e.msg);
    }
}

Test(reliability, fuzz_regressions_and_seeds_replay)
{
    static const char *const targets[] = { "onnx", "nnet", "vnnlib", "policy" };
    static const char *const kinds[] = { "regressions", "seeds" };
    int files = 0;
    for (int t = 0; t < 4; t++)
        for (int k = 0; k < 2; k++) {
            char dir[256];
            snprintf(dir, sizeof dir, "tests/fuzz/%s/%s", kinds[k], targets[t]);
            DIR *d = opendir(dir);
            if (!d) continue;
            struct dirent *de;
            while ((de = readdir(d))) {
                if (de->d_name[0] == '.') continue;
                char path[600];
                snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
                replay(targets[t], path);
                files++;
            }
            closedir(d);
        }
    cr_assert_geq(files, 7);
}

/* y = (1e16 x + 1) - 1e16 through a ReLU, at x = 1: exactly 1, but 0 in
 * round-to-nearest (1e16 + 1 is not a double). Unsafe: y >= 0.5. A verifier
 * that trusted plain floating point would call it safe. */
Test(reliability, floating_point_trap_is_never_proved)
{
    volatile double big = 1e16, x = 1.0;
    double naive = (big * x + 1.0) - big;
    cr_assert_eq(naive, 0.0, "the trap: plain floating point computes %g", naive);
    static const char *const domains[] = { "interval", "zonotope", "crown", "alpha-crown", "star" };
    for (int i = 0; i < 5; i++) {
        char args[512];
        snprintf(args, sizeof args, "bounds tests/data/fp_trap.nnet tests/data/fp_trap.vnnlib --domain %s --json",
                 domains[i]);
        cr_assert_eq(tu_nncert(args, out, sizeof out), 0, "%s", out);
        const char *u = strstr(out, "\"upper\": [");
        if (!u) u = strstr(out, "\"upper\":[");
        cr_assert(u, "%s", out);
        double hi = strtod(strchr(u, '[') + 1, NULL);
        cr_assert_geq(hi, 1.0, "%s: upper bound %.17g excludes the exact value 1", domains[i], hi);
    }
    cr_assert_eq(tu_nncert("verify tests/data/fp_trap.nnet tests/data/fp_trap.vnnlib", out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "violated (sat)"), "%s", out);
    cr_assert(strstr(out, "(Y_0 1)"), "the exact output is 1: %s", out);
    cr_assert_eq(tu_nncert("verify tests/data/fp_trap.nnet tests/data/fp_trap.vnnlib --method smt", out, sizeof out), 1, "%s", out);
    /* star sends a linear piece's LP minimiser to the exact check whatever
     * its double margin says; input branch and bound filters candidates by
     * the double margin, so it may only fail to answer, never prove */
    cr_assert_eq(tu_nncert("verify tests/data/fp_trap.nnet tests/data/fp_trap.vnnlib --method star", out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "(Y_0 1)"), "--method star, the exact output is 1: %s", out);
    cr_assert_neq(tu_nncert("verify tests/data/fp_trap.nnet tests/data/fp_trap.vnnlib --method bab", out, sizeof out), 0, "%s", out);
}

#include "support/soundness.h"

/* The quick version of make soundness. */
Test(reliability, differential_soundness_quick, .timeout = 600)
{
    snd_report r;
    soundness_run(11, 18, 5, &r, NULL);
    cr_assert_eq(r.instances, 18);
    cr_assert_eq(r.disagreements, 0);
    cr_assert_eq(r.planted_holds, 0, "a planted counterexample was answered holds");
    cr_assert_eq(r.bad_cex, 0);
    cr_assert_geq(r.planted_found, r.planted - 1, "planted counterexamples found: %d of %d",
                  r.planted_found, r.planted);
}

#include <signal.h>
#include <time.h>
#include <unistd.h>

/* Starts `nncert ARGS` in the background, sends sig after ms milliseconds,
 * and returns its exit code; its stdout lands in out. */
static int interrupt_after(const char *args, int sig, long ms)
{
    char cmd[4096];
    const char *o = tu_path("int.out"), *rc = tu_path("int.rc"), *pid = tu_path("int.pid");
    unlink(rc);
    snprintf(cmd, sizeof cmd, "sh -c '%s %s > %s 2>/dev/null & echo $! > %s; wait $!; echo $? > %s' &",
             tu_bin(), args, o, pid, rc);
    cr_assert_eq(system(cmd), 0);
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
    long p = 0;
    FILE *f = fopen(pid, "r");
    cr_assert(f && fscanf(f, "%ld", &p) == 1);
    fclose(f);
    kill((pid_t)p, sig);
    int code = -1;
    for (int i = 0; i < 400; i++) {
        struct timespec w = { 0, 50 * 1000000L };
        nanosleep(&w, NULL);
        if ((f = fopen(rc, "r"))) {
            int got = fscanf(f, "%d", &code);
            fclose(f);
            if (got == 1) break;
        }
    }
    const char *text = tu_slurp(o);
    snprintf(out, sizeof out, "%s", text ? text : "");
    return code;
}

/* SIGINT/SIGTERM end runs cleanly: verify answers unknown and writes its
 * results file; certify stops after the sample in progress with the
 * summary of what it did and every finished row written. */
Test(reliability, interrupted_runs_end_cleanly, .timeout = 120)
{
    const char *bench = tu_benchmarks();
    if (bench) {
        char args[1024];
        snprintf(args, sizeof args,
                 "verify %s/acasxu/onnx/ACASXU_run2a_4_6_batch_2000.onnx %s/acasxu/vnnlib/prop_1.vnnlib "
                 "--results-file %s", bench, bench, tu_path("int-results.txt"));
        cr_assert_eq(interrupt_after(args, SIGTERM, 300), 2, "%s", out);
        cr_assert(strstr(out, "unknown (interrupted)"), "%s", out);
        cr_assert_str_eq(tu_slurp(tu_path("int-results.txt")), "unknown\n");
    }
    FILE *f = fopen(tu_path("ties.csv"), "w");
    cr_assert(f);
    for (int i = 0; i < 3000; i++) fputs("2,0.1,0.2\n", f);   /* each sample takes a while */
    fclose(f);
    char args[1024];
    snprintf(args, sizeof args, "certify examples/certify/toy.nnet --data %s --eps 0.3 --clip 0,1 "
                                "--timeout 1 --out %s", tu_path("ties.csv"), tu_path("ties-rows.csv"));
    cr_assert_eq(interrupt_after(args, SIGINT, 800), 2, "%s", out);
    int done = -1;
    const char *s = strstr(out, "interrupted: ");
    cr_assert(s && sscanf(s, "interrupted: %d samples done", &done) == 1, "%s", out);
    cr_assert(done > 0 && done < 3000, "%d", done);
    const char *rows = tu_slurp(tu_path("ties-rows.csv"));
    int lines = 0;
    for (const char *c = rows; c && *c; c++) lines += *c == '\n';
    cr_assert_eq(lines, done + 1, "every finished sample has its row");
}
