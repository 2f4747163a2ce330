#include "app/gate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/certify.h"
#include "app/cli.h"
#include "app/report.h"
#include "core/clock.h"
#include "io/dataset.h"
#include "io/netfile.h"
#include "io/vnnlib.h"
#include "verify/driver.h"

/* What one check needs, loaded before anything runs. */
typedef struct {
    prop *p;          /* property and output-range checks */
    dataset data;     /* robustness */
    double *mean, *std;
} prepared;

static nc_status at(const policy *pol, const policy_check *k, nc_err *e)
{
    return err_prefix(e, "%s:%d: check '%s': ", pol->path, k->line, k->name);
}

/* The output-range property as VNNLIB text: inside the box, output k
 * below lo or above hi. Numbers are the policy's text, unchanged. */
static char *range_vnnlib(const policy_check *k, int n_in, int n_out)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return NULL;
    fprintf(f, "; output-range check %s\n", k->name);
    for (int i = 0; i < n_in; i++) fprintf(f, "(declare-const X_%d Real)\n", i);
    for (int j = 0; j < n_out; j++) fprintf(f, "(declare-const Y_%d Real)\n", j);
    for (int i = 0; i < n_in; i++)
        fprintf(f, "(assert (>= X_%d %s))\n(assert (<= X_%d %s))\n", i, k->box_lo[i], i, k->box_hi[i]);
    if (k->range_lo && k->range_hi)
        fprintf(f, "(assert (or (< Y_%d %s) (> Y_%d %s)))\n", k->output, k->range_lo, k->output, k->range_hi);
    else if (k->range_lo)
        fprintf(f, "(assert (< Y_%d %s))\n", k->output, k->range_lo);
    else
        fprintf(f, "(assert (> Y_%d %s))\n", k->output, k->range_hi);
    if (fclose(f)) {
        free(text);
        return NULL;
    }
    return text;
}

static nc_status prepare(const policy *pol, const policy_check *k, const net *n, prepared *pr, nc_err *e)
{
    memset(pr, 0, sizeof *pr);
    if (k->kind == CHECK_PROPERTY) {
        if (vnnlib_load(k->property, &pr->p, e) ||
            verify_check_dims(n, pr->p, pol->model, k->property, e))
            return at(pol, k, e);
        return NC_OK;
    }
    if (k->kind == CHECK_OUTPUT_RANGE) {
        if (k->n_box != n->in_dim) {
            err_set(e, NC_EINPUT, "input_box has %d intervals, the model has %d inputs", k->n_box, n->in_dim);
            return at(pol, k, e);
        }
        if (k->output >= n->out_dim) {
            err_set(e, NC_EINPUT, "output %d, the model has outputs 0..%d", k->output, n->out_dim - 1);
            return at(pol, k, e);
        }
        char *text = range_vnnlib(k, n->in_dim, n->out_dim);
        if (!text) return err_set(e, NC_ENOMEM, "out of memory");
        nc_status st = vnnlib_parse(text, k->name, &pr->p, e);
        free(text);
        return st ? at(pol, k, e) : NC_OK;
    }
    if (dataset_load(k->data, n->in_dim, &pr->data, e)) return at(pol, k, e);
    if ((k->mean && !(pr->mean = cli_expand_list(k->mean, n->in_dim))) ||
        (k->std && !(pr->std = cli_expand_list(k->std, n->in_dim)))) {
        err_set(e, NC_EINPUT, "mean and std need 1 or %d numbers", n->in_dim);
        return at(pol, k, e);
    }
    for (int i = 0; pr->std && i < n->in_dim; i++)
        if (!(pr->std[i] > 0)) {
            err_set(e, NC_EINPUT, "std values must be > 0");
            return at(pol, k, e);
        }
    return NC_OK;
}

static void prepared_free(prepared *pr)
{
    prop_free(pr->p);
    dataset_free(&pr->data);
    free(pr->mean), free(pr->std);
}

static char *cex_text(const verify_result *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return NULL;
    report_cex(f, r);
    fclose(f);
    return text;
}

static nc_status run_decision(const net *n, const policy_check *k, const prepared *pr, int jobs,
                              gate_result *g, nc_err *e)
{
    verify_opts vo;
    verify_opts_init(&vo);
    vo.timeout = k->timeout;
    vo.jobs = jobs;
    verify_result r;
    if (verify_property(n, pr->p, &vo, &r, e)) return e->code;
    snprintf(g->result, sizeof g->result, "%s", verdict_name(r.v));
    snprintf(g->method, sizeof g->method, "%s", r.method ? r.method : "");
    const char *what = k->kind == CHECK_PROPERTY ? "the property" : "the output range";
    if (r.v == VERDICT_HOLDS) {
        g->verdict = GATE_PASS;
        snprintf(g->detail, sizeof g->detail, "%s holds (proved by %s)", what, g->method);
    } else if (r.v == VERDICT_VIOLATED) {
        g->verdict = GATE_FAIL;
        g->counterexample = cex_text(&r);
        if (k->kind == CHECK_OUTPUT_RANGE)
            snprintf(g->detail, sizeof g->detail, "output %d = %.9g leaves [%s, %s] at a counterexample",
                     k->output, r.y[k->output], k->range_lo ? k->range_lo : "-inf",
                     k->range_hi ? k->range_hi : "+inf");
        else
            snprintf(g->detail, sizeof g->detail, "the property is violated (counterexample checked in exact arithmetic)");
    } else {
        g->verdict = GATE_UNKNOWN;
        snprintf(g->detail, sizeof g->detail, "%s is neither proved nor falsified (%s after %.1f s)",
                 what, g->result, r.seconds);
    }
    verify_result_free(&r);
    return NC_OK;
}

static nc_status run_robustness(const net *n, const policy_check *k, const prepared *pr, int jobs,
                                gate_result *g, nc_err *e)
{
    certify_opts o;
    memset(&o, 0, sizeof o);
    verify_opts_init(&o.vo);
    o.vo.timeout = k->timeout;
    o.vo.jobs = jobs;
    o.eps = &k->eps;
    o.n_eps = 1;
    o.space.n_in = n->in_dim, o.space.n_out = n->out_dim;
    o.space.mean = pr->mean, o.space.std = pr->std;
    o.space.clip_lo = k->clip_lo, o.space.clip_hi = k->clip_hi;
    o.data_path = k->data;
    certify_summary s;
    if (certify_run(n, &pr->data, &o, &s, e)) return e->code;
    const certify_eps *pe = &s.per_eps[0];
    g->samples = s.samples, g->correct = s.correct;
    g->certified = pe->certified, g->falsified = pe->falsified, g->unknown = pe->unknown;
    g->required = (int)ceil(k->min_certified * s.samples - 1e-9);
    g->certified_accuracy = s.samples ? (double)pe->certified / s.samples : 0;
    certify_summary_free(&s);
    snprintf(g->result, sizeof g->result, "%.4g", g->certified_accuracy);
    snprintf(g->method, sizeof g->method, "certify");
    g->verdict = g->certified >= g->required                ? GATE_PASS
               : g->certified + g->unknown < g->required ? GATE_FAIL
                                                           : GATE_UNKNOWN;
    snprintf(g->detail, sizeof g->detail,
             "certified %d of %d samples (%.1f%%) at eps %g, required %d (%.1f%%); clean %d, "
             "falsified %d, unknown %d",
             g->certified, g->samples, 100 * g->certified_accuracy, k->eps, g->required,
             100 * k->min_certified, g->correct, g->falsified, g->unknown);
    return NC_OK;
}

nc_status gate_run(const policy *pol, int jobs, gate_report *out, nc_err *e)
{
    memset(out, 0, sizeof *out);
    out->pol = pol;
    double t0 = clock_now();
    net *n = NULL;
    if (netfile_load(pol->model, &n, e))
        return pol->model_line ? err_prefix(e, "%s:%d: model: ", pol->path, pol->model_line) : e->code;
    prepared *pr = calloc((size_t)pol->n_checks, sizeof *pr);
    out->results = calloc((size_t)pol->n_checks, sizeof *out->results);
    nc_status st = pr && out->results ? NC_OK : err_set(e, NC_ENOMEM, "out of memory");
    int np = 0;
    for (; !st && np < pol->n_checks; np++) st = prepare(pol, &pol->checks[np], n, &pr[np], e);
    for (int i = 0; !st && i < pol->n_checks; i++) {
        const policy_check *k = &pol->checks[i];
        gate_result *g = &out->results[i];
        g->check = k;
        double ts = clock_now();
        st = k->kind == CHECK_ROBUSTNESS ? run_robustness(n, k, &pr[i], jobs, g, e)
                                         : run_decision(n, k, &pr[i], jobs, g, e);
        g->seconds = clock_now() - ts;
        g->passes = g->verdict == GATE_PASS || (g->verdict == GATE_UNKNOWN && k->unknown_passes);
        out->n = i + 1;
    }
    for (int i = 0; pr && i < np; i++) prepared_free(&pr[i]);
    free(pr);
    net_free(n);
    out->seconds = clock_now() - t0;
    return st;
}

void gate_report_free(gate_report *r)
{
    for (int i = 0; i < r->n; i++) free(r->results[i].counterexample);
    free(r->results);
    memset(r, 0, sizeof *r);
}

int gate_exit_code(const gate_report *r)
{
    int fail = 0, unknown = 0;
    for (int i = 0; i < r->n; i++) {
        if (r->results[i].passes) continue;
        if (r->results[i].verdict == GATE_FAIL) fail = 1;
        else unknown = 1;
    }
    return fail ? 1 : unknown ? 2 : 0;
}

const char *gate_verdict_name(gate_verdict v)
{
    return v == GATE_PASS ? "pass" : v == GATE_FAIL ? "fail" : "unknown";
}
