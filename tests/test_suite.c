/* nncert suite: results files, summary and score, isolation of failing
 * instances, interruption and resumption, comparison, the HTML report. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/suite_compare.h"
#include "app/suite_csv.h"
#include "app/suite_summary.h"
#include "support/testutil.h"

static char out[1 << 16];

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

#define HAS(s) cr_assert(strstr(out, s), "output lacks '%s':\n%s", s, out)

static int run(const char *fmt, const char *a, const char *b, const char *c)
{
    char cmd[4096];
    char args[3000];
    snprintf(args, sizeof args, fmt, a, b, c);
    snprintf(cmd, sizeof cmd, "NNCERT_REAL=%s %s %s", tu_bin(), tu_bin(), args);
    return tu_run(cmd, out, sizeof out);
}

static void read_table(const char *path, suite_table *t)
{
    nc_err e;
    memset(t, 0, sizeof *t);
    cr_assert_eq(suite_read_results(path, t, &e), NC_OK, "%s", e.msg);
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF) n += c == '\n';
    fclose(f);
    return n;
}

static const suite_row *row_for(const suite_table *t, const char *onnx, const char *vnnlib)
{
    int k = suite_find(t, onnx, vnnlib, 0);
    cr_assert(k >= 0, "no row for %s %s", onnx, vnnlib);
    return &t->rows[k];
}

/* A hand-made results file: the counts, contradictions and score follow
 * from its rows alone. */
Test(suite, summary_counts_and_scores_a_handmade_file)
{
    const char *inst = tu_write("hand-inst.csv", "a.onnx,p1.vnnlib,10\na.onnx,p2.vnnlib,10\n"
                                                 "b.onnx,p1.vnnlib,10\nb.onnx,p2.vnnlib,10\n"
                                                 "c.onnx,p1.vnnlib,10\nc.onnx,p2.vnnlib,10\n");
    const char *exp = tu_write("hand-exp.csv", "onnx,vnnlib,expected,note\n"
                                               "a.onnx,p1.vnnlib,unsat,\na.onnx,p2.vnnlib,sat,\n"
                                               "b.onnx,p1.vnnlib,sat,\nb.onnx,p2.vnnlib,unsat,\n");
    const char *res = tu_write("hand-res.csv",
                               RESULTS_HEADER "\n"
                               "a.onnx,p1.vnnlib,holds,1.000,crown,,5,\n"
                               "a.onnx,p2.vnnlib,violated,2.000,falsify,cex.txt,5,\n"
                               "b.onnx,p1.vnnlib,holds,3.000,bab-input,,5,\n"
                               "b.onnx,p2.vnnlib,unknown,4.000,falsify+bounds,,5,\n"
                               "c.onnx,p1.vnnlib,timeout,10.000,,,5,\n"
                               "\"c.onnx\",p2.vnnlib,error,0.500,,,,\"x.onnx:3: bad, very bad\"\n");
    /* Nothing left to run: the summary comes from the file; exit 1 for the
     * contradiction (b p1: holds where a counterexample is known). */
    cr_assert_eq(run("suite %s --out %s --expected %s", inst, res, exp), 1, "%s", out);
    HAS("6 instances");
    HAS("holds         2");
    HAS("violated      1");
    HAS("unknown       1");
    HAS("timeout       1");
    HAS("error         1");
    HAS("contradictions with the expected answers: 1");
    HAS("VNN-COMP score: -130");
    HAS("total 20.5 s, median 2.50 s");
    HAS("CONTRADICTION: b.onnx p1.vnnlib: answered holds, expected violated");

    suite_table t, e;
    read_table(res, &t);
    nc_err err;
    memset(&e, 0, sizeof e);
    cr_assert_eq(suite_read_expected(exp, &e, &err), NC_OK);
    suite_stats s;
    suite_stats_compute(&t, &e, &s);
    cr_assert_eq(s.n, 6);
    cr_assert_eq(s.contradictions, 1);
    cr_assert_eq(s.score, -130);
    cr_assert_str_eq(t.rows[5].detail, "x.onnx:3: bad, very bad");   /* quoted comma kept */
    suite_table_free(&t);
    suite_table_free(&e);
}

/* The detail column says what ReLU branch and bound did, part by part. */
Test(suite, detail_reports_the_search)
{
    const char *inst = tu_write("canned-inst.csv", "canned.onnx,examples/demo_holds.vnnlib,10\n");
    const char *res = tu_path("canned-res.csv");
    cr_assert_eq(run("suite %s --root . --out %s --verifier tests/data/fake_verifier.sh%s", inst,
                     res, ""), 0, "%s", out);
    suite_table t;
    read_table(res, &t);
    cr_assert_eq(t.n, 1);
    cr_assert_str_eq(t.rows[0].result, "timeout");
    cr_assert_str_eq(t.rows[0].detail, "1234 subproblems, 56 box ends refined in 8 s, worst open "
                                       "bound -0.25, 2 of 9 disjuncts excluded");
    suite_table_free(&t);
}

Test(suite, malformed_files_name_file_and_line)
{
    const char *inst = tu_write("bad-inst.csv", "a.onnx,p.vnnlib,10\na.onnx,p.vnnlib,ten\n");
    cr_assert_eq(run("suite %s --out %s%s", inst, tu_path("bad-res.csv"), ""), 3);
    HAS("bad-inst.csv:2: timeout must be a number");
    const char *inst2 = tu_write("ok-inst.csv", "a.onnx,p.vnnlib,10\n");
    const char *other = tu_write("other.csv", "some,other,file\n");
    cr_assert_eq(run("suite %s --out %s%s", inst2, other, ""), 3);
    HAS("other.csv: not an nncert results file");
}

/* Crashes, hangs and memory blow-ups are recorded per instance; the other
 * instances still get their answers. */
Test(suite, failing_instances_are_isolated, .timeout = 120)
{
    /* ASan builds run without the address-space cap (app/runner.h) */
    int capped = !getenv("NNCERT_ASAN");
    const char *inst = tu_write("iso-inst.csv",
                                capped ? "crash.onnx,examples/demo_holds.vnnlib,10\n"
                                         "examples/demo.onnx,examples/demo_holds.vnnlib,10\n"
                                         "hang.onnx,examples/demo_holds.vnnlib,1\n"
                                         "memory.onnx,examples/demo_holds.vnnlib,10\n"
                                         "examples/demo.onnx,examples/demo_violated.vnnlib,10\n"
                                         "missing.onnx,examples/demo_holds.vnnlib,10\n"
                                       : "crash.onnx,examples/demo_holds.vnnlib,10\n"
                                         "examples/demo.onnx,examples/demo_holds.vnnlib,10\n"
                                         "hang.onnx,examples/demo_holds.vnnlib,1\n"
                                         "examples/demo.onnx,examples/demo_violated.vnnlib,10\n"
                                         "missing.onnx,examples/demo_holds.vnnlib,10\n");
    const char *res = tu_path("iso-res.csv");
    cr_assert_eq(run("suite %s --root . --out %s --jobs 2 --max-memory 1K "
                     "--verifier tests/data/fake_verifier.sh%s", inst, res, ""), 0, "%s", out);
    suite_table t;
    read_table(res, &t);
    cr_assert_eq(t.n, capped ? 6 : 5, "%s", out);
    const suite_row *r = row_for(&t, "crash.onnx", "examples/demo_holds.vnnlib");
    cr_assert_str_eq(r->result, "error");
    cr_assert(strstr(r->detail, "signal 11"), "%s", r->detail);
    r = row_for(&t, "hang.onnx", "examples/demo_holds.vnnlib");
    cr_assert_str_eq(r->result, "timeout");
    cr_assert(strstr(r->detail, "killed after"), "%s", r->detail);
    cr_assert(r->seconds >= 2.9 && r->seconds < 10, "%g", r->seconds);
    if (capped) {
        r = row_for(&t, "memory.onnx", "examples/demo_holds.vnnlib");
        cr_assert_str_eq(r->result, "error", "%s", r->detail);
    }
    r = row_for(&t, "missing.onnx", "examples/demo_holds.vnnlib");
    cr_assert_str_eq(r->result, "error");
    cr_assert(strstr(r->detail, "missing.onnx"), "%s", r->detail);
    cr_assert_str_eq(row_for(&t, "examples/demo.onnx", "examples/demo_holds.vnnlib")->result, "holds");
    r = row_for(&t, "examples/demo.onnx", "examples/demo_violated.vnnlib");
    cr_assert_str_eq(r->result, "violated");
    FILE *f = fopen(r->cex, "r");
    cr_assert(f, "counterexample file %s", r->cex);
    char line[64] = "";
    cr_assert(fgets(line, sizeof line, f));
    fclose(f);
    cr_assert_str_eq(line, "sat\n");
    suite_table_free(&t);
}

/* Interrupt a run while an instance is running, then run the same command
 * again: no row is lost or duplicated and finished rows are not redone. */
Test(suite, interrupted_run_resumes, .timeout = 120)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cp examples/demo.onnx %s", tu_path("slow_demo.onnx"));
    cr_assert_eq(tu_run(cmd, out, sizeof out), 0);
    const char *mark = tu_write("slow.mark", "");
    char text[2048];
    snprintf(text, sizeof text,
             "examples/demo.onnx,examples/demo_holds.vnnlib,10\n"
             "examples/demo.onnx,examples/demo_violated.vnnlib,10\n"
             "%s,examples/demo_holds.vnnlib,30\n"
             "examples/demo.nnet,examples/demo_violated.vnnlib,10\n"
             "examples/demo.nnet,examples/demo_holds.vnnlib,10\n",
             tu_path("slow_demo.onnx"));
    const char *inst = tu_write("res-inst.csv", text);
    const char *res = tu_path("res-res.csv");
    const char *pidf = tu_path("res.pid"), *rcf = tu_path("res.rc");
    snprintf(cmd, sizeof cmd,
             "NNCERT_SLOW_MARK=%s NNCERT_REAL=%s sh -c '%s suite %s --root . --out %s "
             "--verifier tests/data/fake_verifier.sh > /dev/null 2>&1 & echo $! > %s; wait $!; "
             "echo $? > %s' &",
             mark, tu_bin(), tu_bin(), inst, res, pidf, rcf);
    cr_assert_eq(system(cmd), 0);
    /* wait for the two rows before the slow instance */
    for (int i = 0; i < 400 && count_lines(res) < 3; i++) sleep_ms(50);
    cr_assert_eq(count_lines(res), 3);
    sleep_ms(300);
    FILE *pf = fopen(pidf, "r");
    long pid = 0;
    cr_assert(pf && fscanf(pf, "%ld", &pid) == 1);
    fclose(pf);
    cr_assert_eq(kill((pid_t)pid, SIGINT), 0);
    FILE *rf = NULL;
    for (int i = 0; i < 200 && !(rf = fopen(rcf, "r")); i++) sleep_ms(50);
    cr_assert(rf, "the suite did not stop on SIGINT");
    int rc = -1;
    sleep_ms(50);
    cr_assert_eq(fscanf(rf, "%d", &rc), 1);
    fclose(rf);
    cr_assert_eq(rc, 2, "an interrupted run exits 2");
    cr_assert_eq(count_lines(res), 3, "the running instance must not be recorded");
    suite_table before;
    read_table(res, &before);

    unlink(mark);
    cr_assert_eq(run("suite %s --root . --out %s --verifier tests/data/fake_verifier.sh%s", inst,
                     res, ""), 0, "%s", out);
    HAS("2 already in");
    suite_table after;
    read_table(res, &after);
    cr_assert_eq(after.n, 5);
    for (int i = 0; i < after.n; i++)
        for (int j = 0; j < i; j++)
            cr_assert(strcmp(after.rows[i].onnx, after.rows[j].onnx) ||
                      strcmp(after.rows[i].vnnlib, after.rows[j].vnnlib), "duplicate row %d", i);
    for (int i = 0; i < before.n; i++) {   /* finished rows untouched */
        cr_assert_str_eq(after.rows[i].result, before.rows[i].result);
        cr_assert_eq(after.rows[i].seconds, before.rows[i].seconds);
    }
    suite_table_free(&before);
    suite_table_free(&after);
}

/* A results file whose last line was cut off by a crash mid-write: the
 * fragment is dropped and that instance runs again. */
Test(suite, incomplete_last_line_is_rerun)
{
    const char *inst = tu_write("cut-inst.csv",
                                "examples/demo.onnx,examples/demo_holds.vnnlib,10\n"
                                "examples/demo.onnx,examples/demo_violated.vnnlib,10\n");
    const char *res = tu_write("cut-res.csv", RESULTS_HEADER "\n"
                               "examples/demo.onnx,examples/demo_holds.vnnlib,holds,0.010,interval,,5,\n"
                               "examples/demo.onnx,examples/demo_viol");
    cr_assert_eq(run("suite %s --root . --out %s%s", inst, res, ""), 0, "%s", out);
    HAS("1 already in");
    cr_assert_eq(count_lines(res), 3);
    suite_table t;
    read_table(res, &t);
    cr_assert_eq(t.n, 2);
    cr_assert_str_eq(t.rows[1].result, "violated");
    suite_table_free(&t);
}

Test(suite, compare_shows_disagreements_and_totals)
{
    const char *a = tu_write("cmp-a.csv", RESULTS_HEADER "\n"
                             "onnx/n1.onnx,vnnlib/p1.vnnlib,holds,1.000,crown,,5,\n"
                             "onnx/n1.onnx,vnnlib/p2.vnnlib,violated,0.500,falsify,,5,\n"
                             "onnx/n2.onnx,vnnlib/p1.vnnlib,timeout,10.000,,,5,\n"
                             "onnx/n2.onnx,vnnlib/p2.vnnlib,holds,9.000,bab-input,,5,\n");
    /* another tool's VNN-COMP results CSV, other paths, sat/unsat words */
    const char *b = tu_write("cmp-b.csv",
                             "acasxu,./benchmarks/acasxu/onnx/n1.onnx,./benchmarks/acasxu/vnnlib/p1.vnnlib,.01,unsat,1.2\n"
                             "acasxu,./benchmarks/acasxu/onnx/n1.onnx,./benchmarks/acasxu/vnnlib/p2.vnnlib,.01,unsat,0.7\n"
                             "acasxu,./benchmarks/acasxu/onnx/n2.onnx,./benchmarks/acasxu/vnnlib/p1.vnnlib,.01,sat,3.0\n"
                             "acasxu,./benchmarks/acasxu/onnx/n2.onnx.gz,./benchmarks/acasxu/vnnlib/p2.vnnlib,.01,holds,2.0\n");
    cr_assert_eq(run("suite --compare %s %s%s", a, b, ""), 1, "%s", out);
    HAS("DISAGREE");
    HAS("decided by B only");
    HAS("A 4.5x slower");
    HAS("decided by both: 3");
    HAS("answers that disagree: 1");
    const char *report = tu_path("cmp.html");
    cr_assert_eq(run("suite --compare %s %s --report %s", a, b, report), 1, "%s", out);
    const char *html = tu_slurp(report);
    cr_assert(html, "no report");
    cr_assert(strstr(html, "<svg") && strstr(html, "<polyline") && strstr(html, "</html>"));
    cr_assert(strstr(html, "cmp-a.csv (3)"), "legend with decided counts");
}

Test(suite, report_lists_contradictions)
{
    const char *inst = tu_write("rep-inst.csv", "a.onnx,p1.vnnlib,10\na.onnx,p2.vnnlib,10\n");
    const char *exp = tu_write("rep-exp.csv", "onnx,vnnlib,expected\na.onnx,p1.vnnlib,unsat\n"
                                              "a.onnx,p2.vnnlib,unsat\n");
    const char *res = tu_write("rep-res.csv", RESULTS_HEADER "\n"
                               "a.onnx,p1.vnnlib,holds,1.000,crown,,5,\n"
                               "a.onnx,p2.vnnlib,violated,0.200,falsify,c.txt,5,\n");
    const char *report = tu_path("rep.html");
    cr_assert_eq(run("suite %s --out %s --expected %s", inst, res, exp), 1);
    char args[1024];
    snprintf(args, sizeof args, "%s --report", exp);
    cr_assert_eq(run("suite %s --out %s --expected %s", inst, res, args), 3);   /* no path */
    snprintf(args, sizeof args, "%s --report %s", exp, report);
    cr_assert_eq(run("suite %s --out %s --expected %s", inst, res, args), 1, "%s", out);
    const char *html = tu_slurp(report);
    cr_assert(html, "no report");
    cr_assert(strstr(html, "<tr class=\"bad\"><td>"), "contradiction row");
    cr_assert(strstr(html, "by crown (1)"), "one line per method");
    /* renders in headless Chromium when it is installed */
    if (system("command -v chromium > /dev/null 2>&1") == 0) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "benchmarks/screenshot.sh %s %s", report, tu_path("rep.png"));
        cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
        FILE *p = fopen(tu_path("rep.png"), "rb");
        unsigned char sig[8] = { 0 };
        cr_assert(p && fread(sig, 1, 8, p) == 8);
        fclose(p);
        cr_assert(sig[1] == 'P' && sig[2] == 'N' && sig[3] == 'G');
    }
}

/* Foreign paths match the row with the longest common tail: the 2021 and
 * 2022 MNIST-FC property sets share file names but not directories. */
Test(suite, find_prefers_the_longest_common_path_tail)
{
    suite_table t = { 0 };
    nc_err e;
    suite_row a = { .onnx = "onnx/net.onnx", .vnnlib = "vnnlib/prop_0.vnnlib", .result = "holds" };
    suite_row b = { .onnx = "onnx/net.onnx", .vnnlib = "vnnlib_2021/prop_0.vnnlib", .result = "violated" };
    cr_assert_eq(suite_table_add(&t, &a, &e), NC_OK);
    cr_assert_eq(suite_table_add(&t, &b, &e), NC_OK);
    cr_assert_eq(suite_find(&t, "./benchmarks/mnistfc/onnx/net.onnx.gz",
                            "./benchmarks/mnistfc/vnnlib_2021/prop_0.vnnlib.gz", 1), 1);
    cr_assert_eq(suite_find(&t, "/x/net.onnx", "/y/vnnlib/prop_0.vnnlib", 1), 0);
    cr_assert_eq(suite_find(&t, "/x/net.onnx", "/y/vnnlib/prop_0.vnnlib", 0), -1);
    cr_assert_eq(suite_find(&t, "/x/net.onnx", "/y/prop_1.vnnlib", 1), -1);
    cr_assert_eq(suite_find(&t, "onnx/net.onnx", "vnnlib_2021/prop_0.vnnlib", 0), 1);
    suite_table_free(&t);
}
