/* nncert gate end to end: the shipped policy passes on its model and fails
 * on a perturbed copy (with the counterexample in the JUnit report), the
 * JUnit XML is well-formed and has what CI systems read, bad policies exit
 * 3 naming file and line, and a baseline comparison flags regressions. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/testutil.h"

static char out[1 << 16];

#define HAS(s) cr_assert(strstr(out, s), "output lacks '%s':\n%s", s, out)

static int gate(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "gate %s", args);
    return tu_nncert(cmd, out, sizeof out);
}

static const char *slurp(const char *path)
{
    const char *s = tu_slurp(path);
    cr_assert(s, "%s missing", path);
    return s;
}

/* xmllint's answer to an XPath count over the file. */
static int xpath_count(const char *xml, const char *expr)
{
    char cmd[2048], res[256];
    snprintf(cmd, sizeof cmd, "xmllint --xpath \"count(%s)\" %s", expr, xml);
    cr_assert_eq(tu_run(cmd, res, sizeof res), 0, "%s", res);
    return atoi(res);
}

/* xmllint accepts the file as well-formed XML. */
static void assert_well_formed(const char *xml)
{
    char cmd[1024], res[4096];
    snprintf(cmd, sizeof cmd, "xmllint --noout %s", xml);
    cr_assert_eq(tu_run(cmd, res, sizeof res), 0, "%s is not well-formed: %s", xml, res);
}

Test(gate, shipped_policy_passes)
{
    char args[1024];
    const char *xml = tu_path("pass.xml"), *json = tu_path("pass.json");
    snprintf(args, sizeof args, "examples/gate/policy.yaml --junit %s --json %s", xml, json);
    cr_assert_eq(gate(args), 0, "%s", out);
    HAS("GATE PASSED: 3 passed, 0 failed, 0 unknown");
    HAS("robust-at-0.04           robustness    PASS");
    assert_well_formed(xml);
    cr_assert_eq(xpath_count(xml, "/testsuites/testsuite/testcase"), 3);
    cr_assert_eq(xpath_count(xml, "//failure"), 0);
    cr_assert(strstr(slurp(json), "\"passed\": true"));
}

Test(gate, perturbed_model_fails_with_the_counterexample)
{
    char args[1024];
    const char *xml = tu_path("fail.xml"), *json = tu_path("fail.json");
    snprintf(args, sizeof args,
             "examples/gate/policy.yaml --model examples/gate/model-perturbed.nnet --junit %s --json %s",
             xml, json);
    cr_assert_eq(gate(args), 1, "%s", out);
    HAS("GATE FAILED: 1 passed, 2 failed, 0 unknown");
    HAS("reject-score-range       output-range  FAIL");
    HAS("certified 3 of 5 samples (60.0%) at eps 0.04, required 4 (80.0%)");
    assert_well_formed(xml);
    cr_assert_eq(xpath_count(xml, "/testsuites[@failures='2']/testsuite[@tests='3']/testcase"), 3);
    cr_assert_eq(xpath_count(xml, "//testcase[@name='reject-score-range']/failure[@type='violated']"), 1);
    cr_assert_eq(xpath_count(xml, "//testcase[@name='robust-at-0.04']/failure[@type='shortfall']"), 1);
    const char *x = slurp(xml);
    cr_assert(strstr(x, "counterexample (checked in exact arithmetic):\n((X_0 "), "%s", x);
    cr_assert(strstr(x, "(Y_2 0.62))"), "%s", x);
    cr_assert(strstr(slurp(json), "\"exit_code\": 1"));
}

Test(gate, baseline_flags_regressions)
{
    char args[1024];
    const char *base = tu_path("base.json"), *now = tu_path("now.json");
    snprintf(args, sizeof args, "examples/gate/policy.yaml --json %s", base);
    cr_assert_eq(gate(args), 0, "%s", out);
    /* the same model against its own baseline: nothing to report */
    snprintf(args, sizeof args, "examples/gate/policy.yaml --baseline %s --fail-on-regression", base);
    cr_assert_eq(gate(args), 0, "%s", out);
    cr_assert(!strstr(out, "REGRESSION"), "%s", out);
    snprintf(args, sizeof args,
             "examples/gate/policy.yaml --model examples/gate/model-perturbed.nnet --baseline %s --json %s",
             base, now);
    cr_assert_eq(gate(args), 1, "%s", out);
    HAS("REGRESSION (verdict) reject-score-range: passed in the baseline, fails now");
    HAS("REGRESSION (accuracy) robust-at-0.04: certified accuracy dropped from 0.8 to 0.6");
    const char *j = slurp(now);
    cr_assert(strstr(j, "\"kind\": \"accuracy\""), "%s", j);
    snprintf(args, sizeof args, "examples/gate/policy.yaml --baseline %s", tu_write("junk.json", "{\"checks\": 3}"));
    cr_assert_eq(gate(args), 3);
    HAS("junk.json: not a gate report");
}

/* One sample whose robustness at this radius is a tie at one corner of the
 * box: neither provable nor falsifiable inside the box, so unknown. */
Test(gate, unknown_answers_fail_unless_tolerated, .timeout = 60)
{
    char cwd_data[1024];
    snprintf(cwd_data, sizeof cwd_data, "%s", tu_write("tie.csv", "2,0.1,0.2\n"));
    char pol[2048];
    for (int tolerate = 0; tolerate < 2; tolerate++) {
        snprintf(pol, sizeof pol,
                 "model: %s/examples/gate/model.nnet\n"
                 "checks:\n"
                 "  - name: tie\n"
                 "    kind: robustness\n"
                 "    data: %s/%s\n"
                 "    eps: 0.3\n"
                 "    clip: [0, 1]\n"
                 "    min_certified: 1\n"
                 "    timeout: 1\n"
                 "    unknown: %s\n",
                 getenv("PWD"), getenv("PWD"), cwd_data, tolerate ? "pass" : "fail");
        const char *p = tu_write(tolerate ? "tol.yaml" : "strict.yaml", pol);
        const char *xml = tu_path(tolerate ? "tol.xml" : "strict.xml");
        char args[1024];
        snprintf(args, sizeof args, "%s --junit %s", p, xml);
        cr_assert_eq(gate(args), tolerate ? 0 : 2, "%s", out);
        if (tolerate) {
            HAS("unknown (tolerated)");
            cr_assert_eq(xpath_count(xml, "//testcase/skipped"), 1);
        } else {
            HAS("UNKNOWN");
            cr_assert_eq(xpath_count(xml, "//testcase/failure[@type='unknown']"), 1);
        }
    }
}

static void bad_policy(const char *name, const char *text, const char *expect)
{
    const char *p = tu_write(name, text);
    cr_assert_eq(gate(p), 3, "%s: %s", name, out);
    cr_assert(strstr(out, expect), "%s: expected '%s' in:\n%s", name, expect, out);
}

Test(gate, bad_policies_name_file_and_line)
{
    char model[1024];
    snprintf(model, sizeof model, "model: %s/examples/gate/model.nnet\n", getenv("PWD"));
    char t[2048];
    bad_policy("syntax.yaml", "model: m.nnet\nchecks:\n  - name: [unclosed\n", "syntax.yaml:4:1: ");
    snprintf(t, sizeof t, "%schecks:\n  - name: a\n    kind: property\n    propery: x.vnnlib\n", model);
    bad_policy("typo.yaml", t, "typo.yaml:5: unknown key 'propery' in a property check");
    snprintf(t, sizeof t, "%schecks:\n  - name: a\n    kind: robustnes\n", model);
    bad_policy("kind.yaml", t, "kind.yaml:4: unknown check kind 'robustnes'");
    snprintf(t, sizeof t, "%schecks:\n  - name: a\n    kind: property\n    property: missing.vnnlib\n", model);
    bad_policy("missing.yaml", t, "missing.yaml:3: check 'a': ");
    snprintf(t, sizeof t, "%schecks:\n  - name: r\n    kind: output-range\n    output: 0\n"
                          "    input_box: [[0, 1]]\n    range: [0, 1]\n", model);
    bad_policy("box.yaml", t, "box.yaml:3: check 'r': input_box has 1 intervals, the model has 2 inputs");
    snprintf(t, sizeof t, "%schecks:\n  - name: r\n    kind: robustness\n    data: d.csv\n    eps: 0.1\n"
                          "    min_certified: 80\n", model);
    bad_policy("frac.yaml", t, "frac.yaml:7: 'min_certified' is a fraction");
    bad_policy("nomodel.yaml", "checks:\n  - name: a\n", "nomodel.yaml:1: the policy needs 'model: FILE.onnx'");
    snprintf(t, sizeof t, "%schecks:\n  - name: a\n    kind: property\n    property: x\n    timeout: -1\n", model);
    bad_policy("timeout.yaml", t, "timeout.yaml:6: 'timeout' must be > 0");
    bad_policy("model.yaml", "model: nothere.onnx\nchecks:\n  - name: a\n    kind: property\n    property: x\n",
               "model.yaml:1: model: ");
}

/* A passing check that became much slower than in the baseline is a
 * regression (here: an ACAS Xu property that takes seconds to prove against
 * a baseline that says 0.1 s). */
Test(gate, slower_proof_is_a_regression, .timeout = 120)
{
    const char *bench = tu_benchmarks();
    if (!bench) {
        cr_skip_test("benchmarks not found (set NNCERT_BENCHMARKS)");
        return;
    }
    char pol[2048];
    snprintf(pol, sizeof pol,
             "name: acas\nmodel: %s/%s/acasxu/onnx/ACASXU_run2a_4_6_batch_2000.onnx\n"
             "checks:\n  - name: prop1\n    kind: property\n"
             "    property: %s/%s/acasxu/vnnlib/prop_1.vnnlib\n    timeout: 60\n",
             bench[0] == '/' ? "" : getenv("PWD"), bench, bench[0] == '/' ? "" : getenv("PWD"), bench);
    const char *p = tu_write("acas.yaml", pol);
    const char *base = tu_write("acas-base.json",
                                "{\"checks\": [{\"name\": \"prop1\", \"verdict\": \"pass\", "
                                "\"passes\": true, \"seconds\": 0.1}]}");
    char args[1024];
    snprintf(args, sizeof args, "%s --baseline %s --slower-factor 3", p, base);
    cr_assert_eq(gate(args), 0, "%s", out);
    HAS("REGRESSION (time) prop1: 0.10 s in the baseline");
    snprintf(args, sizeof args, "%s --baseline %s --slower-factor 3 --fail-on-regression", p, base);
    cr_assert_eq(gate(args), 1, "%s", out);
}
