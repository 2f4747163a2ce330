#include "app/gate_output.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

static const char *passes_word(const gate_result *g)
{
    if (g->verdict == GATE_PASS) return "PASS";
    if (g->verdict == GATE_FAIL) return "FAIL";
    return g->passes ? "unknown (tolerated)" : "UNKNOWN";
}

void gate_print_table(FILE *f, const gate_report *r, const gate_regressions *reg)
{
    fprintf(f, "gate %s: model %s, %d checks\n\n", r->pol->name, r->pol->model, r->n);
    fprintf(f, "  %-24s %-13s %-20s %9s  %s\n", "check", "kind", "verdict", "time", "detail");
    for (int i = 0; i < r->n; i++) {
        const gate_result *g = &r->results[i];
        fprintf(f, "  %-24s %-13s %-20s %7.2f s  %s\n", g->check->name, check_kind_name(g->check->kind),
                passes_word(g), g->seconds, g->detail);
        if (g->counterexample) {
            fprintf(f, "  %-24s counterexample: ", "");
            for (const char *s = g->counterexample; *s; s++)
                if (*s != '\n') fputc(*s, f);
                else if (s[1] && s[1] != ' ') fputc(' ', f);
            fputc('\n', f);
        }
    }
    int code = gate_exit_code(r), pass = 0, fail = 0, unk = 0;
    for (int i = 0; i < r->n; i++) {
        const gate_result *g = &r->results[i];
        if (g->passes) pass++;
        else if (g->verdict == GATE_FAIL) fail++;
        else unk++;
    }
    for (int i = 0; reg && i < reg->n; i++)
        fprintf(f, "%sREGRESSION (%s) %s: %s\n", i ? "" : "\n", reg->items[i].kind, reg->items[i].check,
                reg->items[i].detail);
    fprintf(f, "\n%s: %d passed, %d failed, %d unknown, in %.2f s\n",
            code == 0 ? "GATE PASSED" : "GATE FAILED", pass, fail, unk, r->seconds);
}

/* Writes s with XML escapes; drops control characters XML forbids. */
static void xml(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '&') fputs("&amp;", f);
        else if (c == '<') fputs("&lt;", f);
        else if (c == '>') fputs("&gt;", f);
        else if (c == '"') fputs("&quot;", f);
        else if (c == '\'') fputs("&apos;", f);
        else if (c < 0x20 && c != '\n' && c != '\t') continue;
        else fputc(c, f);
    }
}

nc_status gate_write_junit(const char *path, const gate_report *r, const gate_regressions *reg,
                           nc_err *e)
{
    FILE *f = fopen(path, "w");
    if (!f) return err_set(e, NC_EINPUT, "%s: cannot write: %s", path, strerror(errno));
    int failures = 0, skipped = 0;
    for (int i = 0; i < r->n; i++) {
        const gate_result *g = &r->results[i];
        if (!g->passes) failures++;
        else if (g->verdict == GATE_UNKNOWN) skipped++;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"nncert gate\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
               "skipped=\"%d\" time=\"%.3f\">\n", r->n, failures, skipped, r->seconds);
    fprintf(f, "  <testsuite name=\"");
    xml(f, r->pol->name);
    fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n", r->n,
            failures, skipped, r->seconds);
    fprintf(f, "    <properties>\n      <property name=\"model\" value=\"");
    xml(f, r->pol->model);
    fprintf(f, "\"/>\n      <property name=\"policy\" value=\"");
    xml(f, r->pol->path);
    fprintf(f, "\"/>\n    </properties>\n");
    for (int i = 0; i < r->n; i++) {
        const gate_result *g = &r->results[i];
        fprintf(f, "    <testcase name=\"");
        xml(f, g->check->name);
        fprintf(f, "\" classname=\"nncert.gate.%s\" time=\"%.3f\">\n", check_kind_name(g->check->kind),
                g->seconds);
        if (!g->passes) {
            const char *type = g->verdict != GATE_FAIL                 ? "unknown"
                             : g->check->kind == CHECK_ROBUSTNESS ? "shortfall"
                                                                  : "violated";
            fprintf(f, "      <failure type=\"%s\" message=\"", type);
            if (g->verdict == GATE_FAIL && g->check->kind == CHECK_ROBUSTNESS) fprintf(f, "certified accuracy below the minimum: ");
            xml(f, g->detail);
            fprintf(f, "\">");
            xml(f, g->detail);
            if (g->counterexample) {
                fprintf(f, "\ncounterexample (checked in exact arithmetic):\n");
                xml(f, g->counterexample);
            }
            if (g->verdict == GATE_UNKNOWN) fprintf(f, "\n(an unknown answer counts as a failure for this check; set unknown: pass to tolerate it)");
            fprintf(f, "</failure>\n");
        } else if (g->verdict == GATE_UNKNOWN) {
            fprintf(f, "      <skipped message=\"unknown, tolerated (unknown: pass): ");
            xml(f, g->detail);
            fprintf(f, "\"/>\n");
        }
        fprintf(f, "      <system-out>");
        xml(f, g->detail);
        fprintf(f, "</system-out>\n");
        int nreg = 0;
        for (int k = 0; reg && k < reg->n; k++) {
            if (strcmp(reg->items[k].check, g->check->name)) continue;
            fprintf(f, "%sregression (%s): ", nreg++ ? "\n" : "      <system-err>", reg->items[k].kind);
            xml(f, reg->items[k].detail);
        }
        if (nreg) fprintf(f, "</system-err>\n");
        fprintf(f, "    </testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    if (fclose(f)) return err_set(e, NC_EINPUT, "%s: cannot write", path);
    return NC_OK;
}

nc_status gate_write_json(const char *path, const gate_report *r, const gate_regressions *reg,
                          nc_err *e)
{
    json_t *o = json_object(), *checks = json_array(), *regs = json_array();
    if (!o || !checks || !regs) {
        json_decref(o), json_decref(checks), json_decref(regs);
        return err_set(e, NC_ENOMEM, "out of memory");
    }
    int code = gate_exit_code(r);
    json_object_set_new(o, "policy", json_string(r->pol->path));
    json_object_set_new(o, "name", json_string(r->pol->name));
    json_object_set_new(o, "model", json_string(r->pol->model));
    json_object_set_new(o, "passed", json_boolean(code == 0));
    json_object_set_new(o, "exit_code", json_integer(code));
    json_object_set_new(o, "seconds", json_real(r->seconds));
    for (int i = 0; i < r->n; i++) {
        const gate_result *g = &r->results[i];
        json_t *c = json_object();
        json_object_set_new(c, "name", json_string(g->check->name));
        json_object_set_new(c, "kind", json_string(check_kind_name(g->check->kind)));
        json_object_set_new(c, "verdict", json_string(gate_verdict_name(g->verdict)));
        json_object_set_new(c, "passes", json_boolean(g->passes));
        json_object_set_new(c, "result", json_string(g->result));
        json_object_set_new(c, "method", json_string(g->method));
        json_object_set_new(c, "seconds", json_real(g->seconds));
        json_object_set_new(c, "detail", json_string(g->detail));
        if (g->counterexample) json_object_set_new(c, "counterexample", json_string(g->counterexample));
        if (g->check->kind == CHECK_ROBUSTNESS) {
            json_object_set_new(c, "eps", json_real(g->check->eps));
            json_object_set_new(c, "samples", json_integer(g->samples));
            json_object_set_new(c, "correct", json_integer(g->correct));
            json_object_set_new(c, "certified", json_integer(g->certified));
            json_object_set_new(c, "falsified", json_integer(g->falsified));
            json_object_set_new(c, "unknown", json_integer(g->unknown));
            json_object_set_new(c, "certified_accuracy", json_real(g->certified_accuracy));
            json_object_set_new(c, "min_certified", json_real(g->check->min_certified));
        }
        json_array_append_new(checks, c);
    }
    for (int i = 0; reg && i < reg->n; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "check", json_string(reg->items[i].check));
        json_object_set_new(x, "kind", json_string(reg->items[i].kind));
        json_object_set_new(x, "detail", json_string(reg->items[i].detail));
        json_array_append_new(regs, x);
    }
    json_object_set_new(o, "checks", checks);
    json_object_set_new(o, "regressions", regs);
    int rc = json_dump_file(o, path, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(o);
    if (rc) return err_set(e, NC_EINPUT, "%s: cannot write", path);
    return NC_OK;
}

static void add_reg(gate_regressions *out, const char *check, const char *kind, const char *detail)
{
    if (out->n == (int)(sizeof out->items / sizeof out->items[0])) return;
    gate_regression *g = &out->items[out->n++];
    snprintf(g->check, sizeof g->check, "%s", check);
    snprintf(g->kind, sizeof g->kind, "%s", kind);
    snprintf(g->detail, sizeof g->detail, "%s", detail);
}

nc_status gate_compare_baseline(const char *path, const gate_report *r, double slower_factor,
                                gate_regressions *out, nc_err *e)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *b = json_load_file(path, 0, &je);
    if (!b) {
        if (je.line <= 0) return err_set(e, NC_EINPUT, "%s: %s", path, je.text);
        return err_set(e, NC_EINPUT, "%s:%d: %s", path, je.line, je.text);
    }
    json_t *checks = json_object_get(b, "checks");
    if (!json_is_array(checks)) {
        json_decref(b);
        return err_set(e, NC_EINPUT, "%s: not a gate report (no \"checks\" list)", path);
    }
    for (int i = 0; i < r->n; i++) {
        const gate_result *g = &r->results[i];
        json_t *old = NULL;
        size_t k;
        json_t *c;
        json_array_foreach(checks, k, c) {
            const char *name = json_string_value(json_object_get(c, "name"));
            if (name && !strcmp(name, g->check->name)) old = c;
        }
        if (!old) continue;
        char msg[512];
        int was = json_is_true(json_object_get(old, "passes"));
        const char *was_v = json_string_value(json_object_get(old, "verdict"));
        if (was && !g->passes) {
            snprintf(msg, sizeof msg, "passed in the baseline%s, %s now",
                     was_v && !strcmp(was_v, "unknown") ? " (unknown, tolerated)" : "",
                     g->verdict == GATE_FAIL ? "fails" : "unknown");
            add_reg(out, g->check->name, "verdict", msg);
        }
        json_t *acc = json_object_get(old, "certified_accuracy");
        if (g->check->kind == CHECK_ROBUSTNESS && json_is_number(acc) &&
            g->certified_accuracy < json_number_value(acc) - 1e-12) {
            snprintf(msg, sizeof msg, "certified accuracy dropped from %.4g to %.4g", json_number_value(acc),
                     g->certified_accuracy);
            add_reg(out, g->check->name, "accuracy", msg);
        }
        double before = json_number_value(json_object_get(old, "seconds"));
        const char *old_verdict = json_string_value(json_object_get(old, "verdict"));
        if (g->verdict == GATE_PASS && old_verdict && !strcmp(old_verdict, "pass") && before > 0 &&
            g->seconds > slower_factor * before && g->seconds - before > 0.5) {
            snprintf(msg, sizeof msg, "%.2f s in the baseline, %.2f s now (%.1fx, limit %gx)", before,
                     g->seconds, g->seconds / before, slower_factor);
            add_reg(out, g->check->name, "time", msg);
        }
    }
    json_decref(b);
    return NC_OK;
}
