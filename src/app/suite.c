#define _GNU_SOURCE
#include "app/suite.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/progress.h"
#include "app/report_html.h"
#include "app/runner.h"
#include "app/suite_summary.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

char *suite_join(const char *root, const char *path)
{
    size_t n = strlen(root) + strlen(path) + 2;
    char *s = malloc(n);
    if (!s) return NULL;
    if (path[0] == '/' || !*root) snprintf(s, n, "%s", path);
    else snprintf(s, n, "%s/%s", root, path);
    return s;
}

const char *suite_name(const char *root, char *buf, size_t cap)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", *root ? root : ".");
    size_t n = strlen(tmp);
    while (n > 1 && tmp[n - 1] == '/') tmp[--n] = 0;
    if (!strcmp(tmp, ".") && getcwd(tmp, sizeof tmp) == NULL) snprintf(tmp, sizeof tmp, "suite");
    const char *s = strrchr(tmp, '/');
    snprintf(buf, cap, "%s", s && s[1] ? s + 1 : tmp);
    return buf;
}

/* Directory part of a path ("" for a bare file name). */
static void dir_of(const char *path, char *buf, size_t cap)
{
    const char *s = strrchr(path, '/');
    if (!s) snprintf(buf, cap, "%s", "");
    else snprintf(buf, cap, "%.*s", (int)(s - path), path);
}

/* Name of the counterexample file of instance i: "<out stem>-cex/<i>_<onnx>_<vnnlib>.txt". */
static void cex_path(const char *out, int i, const suite_row *r, char *buf, size_t cap)
{
    const char *o = strrchr(r->onnx, '/'), *v = strrchr(r->vnnlib, '/');
    o = o ? o + 1 : r->onnx;
    v = v ? v + 1 : r->vnnlib;
    size_t stem = strlen(out);
    if (stem > 4 && !strcmp(out + stem - 4, ".csv")) stem -= 4;
    snprintf(buf, cap, "%.*s-cex/%d_%.*s_%.*s.txt", (int)stem, out, i + 1,
             (int)strcspn(o, "."), o, (int)strcspn(v, "."), v);
}

/* Rows of `done` for the instances, in instance order, into t. */
static nc_status collect(const suite_table *inst, const suite_table *done, const char *name,
                         suite_table *t, nc_err *e)
{
    for (int i = 0; i < inst->n; i++) {
        int k = suite_find(done, inst->rows[i].onnx, inst->rows[i].vnnlib, 0);
        if (k < 0) continue;
        suite_row r = done->rows[k];
        r.benchmark = (char *)name;
        if (suite_table_add(t, &r, e)) return e->code;
    }
    return NC_OK;
}

static void counts_text(const int *count, char *buf, size_t cap)
{
    snprintf(buf, cap, "holds %d  violated %d  unknown %d  timeout %d  error %d",
             count[RES_HOLDS], count[RES_VIOLATED], count[RES_UNKNOWN], count[RES_TIMEOUT],
             count[RES_ERROR]);
}

typedef struct {
    const suite_opts *o;
    const char *root;
    suite_table inst, expected, done;
    int have_expected;
    int *pending, n_pending;
    runner_job *slots;
    runner_opts ro;
    char workdir[64];
    int count[RES_COUNT];
    int contradictions;
} suite_state;

static void state_free(suite_state *s)
{
    suite_table_free(&s->inst);
    suite_table_free(&s->expected);
    suite_table_free(&s->done);
    free(s->pending);
    free(s->slots);
    if (s->workdir[0]) rmdir(s->workdir);
}

static nc_status load(suite_state *s, nc_err *e)
{
    const suite_opts *o = s->o;
    if (suite_read_instances(o->instances, &s->inst, e)) return e->code;
    char exp_default[4096];
    const char *exp = o->expected;
    if (!exp) {
        snprintf(exp_default, sizeof exp_default, "%s%sexpected.csv", s->root, *s->root ? "/" : "");
        if (access(exp_default, R_OK) == 0) exp = exp_default;
    }
    if (exp) {
        if (suite_read_expected(exp, &s->expected, e)) return e->code;
        s->have_expected = 1;
        fprintf(stderr, "expected answers: %s\n", exp);
    }
    if (suite_csv_repair(o->out, e) || suite_read_results(o->out, &s->done, e)) return e->code;
    s->pending = calloc((size_t)s->inst.n, sizeof *s->pending);
    s->slots = calloc((size_t)o->jobs, sizeof *s->slots);
    if (!s->pending || !s->slots) return err_set(e, NC_ENOMEM, "out of memory");
    for (int i = 0; i < s->inst.n; i++) {
        int k = suite_find(&s->done, s->inst.rows[i].onnx, s->inst.rows[i].vnnlib, 0);
        if (k < 0) {
            s->pending[s->n_pending++] = i;
            continue;
        }
        const suite_row *r = &s->done.rows[k];
        s->count[suite_result_index(r->result)]++;
        if (s->have_expected && suite_contradicts(r->result, suite_expected_for(&s->expected, r)))
            s->contradictions++;
    }
    snprintf(s->workdir, sizeof s->workdir, "%s/nncert-suite-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (strlen(s->workdir) >= sizeof s->workdir - 1 || !mkdtemp(s->workdir)) {
        snprintf(s->workdir, sizeof s->workdir, "/tmp/nncert-suite-XXXXXX");
        if (!mkdtemp(s->workdir)) {
            s->workdir[0] = 0;
            return err_set(e, NC_EINTERNAL, "cannot create a scratch directory: %s", strerror(errno));
        }
    }
    return NC_OK;
}

/* Records a finished instance: the row, the counts, the message. */
static nc_status record(suite_state *s, progress *pg, int i, const runner_result *rr,
                        const char *cex, nc_err *e)
{
    const suite_row *in = &s->inst.rows[i];
    suite_row r = { .onnx = in->onnx, .vnnlib = in->vnnlib, .result = (char *)rr->result,
                    .seconds = rr->seconds, .method = (char *)rr->method,
                    .cex = (char *)(strcmp(rr->result, "violated") ? "" : cex),
                    .peak_mib = rr->peak_mib, .detail = (char *)rr->detail };
    if (suite_csv_append(s->o->out, &r, e) || suite_table_add(&s->done, &r, e)) return e->code;
    s->count[suite_result_index(rr->result)]++;
    const char *exp = s->have_expected ? suite_expected_for(&s->expected, &r) : NULL;
    if (suite_contradicts(rr->result, exp)) {
        s->contradictions++;
        progress_msg(pg, "CONTRADICTION: %s %s: answered %s, expected %s", in->onnx, in->vnnlib,
                     rr->result, exp);
    }
    progress_msg(pg, "%s %s: %s in %.2f s%s%s%s%s", in->onnx, in->vnnlib, rr->result, rr->seconds,
                 *rr->method ? " by " : "", rr->method, *rr->detail ? ": " : "", rr->detail);
    return NC_OK;
}

static nc_status run_pending(suite_state *s, progress *pg, int *interrupted, nc_err *e)
{
    const suite_opts *o = s->o;
    int next = 0, running = 0, finished = 0;
    char counts[256];
    while (next < s->n_pending || running > 0) {
        if (stop_requested) {
            for (int k = 0; k < o->jobs; k++)
                if (s->slots[k].pid) runner_cancel(&s->slots[k]);
            *interrupted = 1;
            return NC_OK;
        }
        for (int k = 0; k < o->jobs && next < s->n_pending; k++) {
            if (s->slots[k].pid) continue;
            int i = s->pending[next++];
            const suite_row *in = &s->inst.rows[i];
            char *net = suite_join(s->root, in->onnx), *prop = suite_join(s->root, in->vnnlib);
            char cex[4096];
            cex_path(o->out, i, in, cex, sizeof cex);
            char cexdir[4096];
            dir_of(cex, cexdir, sizeof cexdir);
            mkdir(cexdir, 0755);
            double t = o->timeout > 0 ? o->timeout : in->timeout * o->timeout_scale;
            nc_status st = net && prop ? runner_start(&s->ro, net, prop, t, cex, i, &s->slots[k], e)
                                       : err_set(e, NC_ENOMEM, "out of memory");
            free(net), free(prop);
            if (st) {   /* could not even start: an error row, and go on */
                runner_result rr = { .result = "error" };
                snprintf(rr.detail, sizeof rr.detail, "%s", e->msg);
                err_clear(e);
                if (record(s, pg, i, &rr, "", e)) return e->code;
                finished++;
                continue;
            }
            running++;
        }
        int reaped = 0;
        for (int k = 0; k < o->jobs; k++) {
            runner_result rr;
            if (!s->slots[k].pid) continue;
            int id = s->slots[k].id;
            char cex[4096];
            snprintf(cex, sizeof cex, "%s", s->slots[k].cex_path);
            if (runner_poll(&s->slots[k], &rr) == 1) {
                running--, finished++, reaped = 1;
                if (record(s, pg, id, &rr, cex, e)) return e->code;
            }
        }
        counts_text(s->count, counts, sizeof counts);
        progress_update(pg, finished, counts, reaped);
        if (!reaped) {
            struct timespec ts = { 0, 20 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    return NC_OK;
}

nc_status suite_run(const suite_opts *o, suite_outcome *outcome, nc_err *e)
{
    suite_state s;
    memset(&s, 0, sizeof s);
    s.o = o;
    char rootbuf[4096];
    if (o->root) snprintf(rootbuf, sizeof rootbuf, "%s", o->root);
    else dir_of(o->instances, rootbuf, sizeof rootbuf);
    s.root = rootbuf;
    *outcome = SUITE_OK;
    nc_status st = load(&s, e);
    if (st) {
        state_free(&s);
        return st;
    }
    s.ro.verifier = o->verifier;
    s.ro.extra_args = o->extra_args;
    s.ro.mem_limit = o->mem_limit;
    s.ro.workdir = s.workdir;

    char name[256];
    suite_name(s.root, name, sizeof name);
    int skipped = s.inst.n - s.n_pending;
    fprintf(stderr, "suite %s: %d instances, %d already in %s, %d to run, %d at a time\n", name,
            s.inst.n, skipped, o->out, s.n_pending, o->jobs);
    progress pg;
    progress_init(&pg, stderr, s.inst.n, skipped);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    stop_requested = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    int interrupted = 0;
    st = run_pending(&s, &pg, &interrupted, e);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    progress_end(&pg);
    if (st) {
        for (int k = 0; k < o->jobs; k++) runner_cancel(&s.slots[k]);
        state_free(&s);
        return st;
    }

    suite_table rows = { 0 };
    st = collect(&s.inst, &s.done, name, &rows, e);
    if (!st) {
        if (interrupted)
            fprintf(stderr, "interrupted: %d of %d instances done; run the same command again to "
                            "resume\n", rows.n, s.inst.n);
        char title[512];
        snprintf(title, sizeof title, "suite %s (%s)", name, o->out);
        suite_print_summary(stdout, title, &rows, s.have_expected ? &s.expected : NULL);
        if (o->report) {
            report_run run = { .name = name, .rows = &rows };
            st = report_html_write(o->report, name, &run, 1, s.have_expected ? &s.expected : NULL, e);
            if (!st) printf("report: %s\n", o->report);
        }
        if (!st && o->plot) {
            report_run run = { .name = name, .rows = &rows };
            st = report_svg_write(o->plot, name, &run, 1, e);
            if (!st) printf("plot: %s\n", o->plot);
        }
        suite_stats stats;
        suite_stats_compute(&rows, s.have_expected ? &s.expected : NULL, &stats);
        *outcome = stats.contradictions ? SUITE_CONTRADICTION
                 : interrupted          ? SUITE_INTERRUPTED
                                        : SUITE_OK;
    }
    suite_table_free(&rows);
    state_free(&s);
    char cex[4096], cexdir[4096];
    suite_row probe = { .onnx = "x", .vnnlib = "x" };
    cex_path(o->out, 0, &probe, cex, sizeof cex);
    dir_of(cex, cexdir, sizeof cexdir);
    rmdir(cexdir);   /* only when no counterexample was kept */
    return st;
}
