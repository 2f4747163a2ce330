#include "app/certify.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/progress.h"
#include "app/report.h"
#include "core/clock.h"
#include "solvers/exact.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static volatile sig_atomic_t stop_requested;

void certify_stop(void)
{
    stop_requested = 1;
}

void certify_summary_free(certify_summary *s)
{
    free(s->per_eps);
    memset(s, 0, sizeof *s);
}

/* Arg-max of y, or -1 when the maximum is shared (no clean prediction). */
static int argmax_unique(const double *y, int n)
{
    int best = 0;
    for (int j = 1; j < n; j++)
        if (y[j] > y[best]) best = j;
    for (int j = 0; j < n; j++)
        if (j != best && !(y[j] < y[best])) return -1;
    return best;
}

/* Re-checks a counterexample of a smaller radius against p exactly; fills
 * r (x copied, y the exact outputs) when it is one. Returns 1 when it is. */
static int recheck(const net *n, const prop *p, const double *x, verify_result *r, nc_err *e)
{
    exact_result er;
    if (exact_check(n, &p->cases[0], x, &er, e)) return -1;
    int ok = er.in_input && er.disjunct >= 0;
    if (ok) {
        memset(r, 0, sizeof *r);
        r->v = VERDICT_VIOLATED;
        r->n_in = n->in_dim, r->n_out = n->out_dim;
        r->x = malloc((size_t)n->in_dim * sizeof *r->x);
        r->y = malloc((size_t)n->out_dim * sizeof *r->y);
        if (!r->x || !r->y) {
            verify_result_free(r);
            exact_result_free(&er);
            return err_set(e, NC_ENOMEM, "out of memory"), -1;
        }
        memcpy(r->x, x, (size_t)n->in_dim * sizeof *r->x);
        memcpy(r->y, er.y, (size_t)n->out_dim * sizeof *r->y);
    }
    exact_result_free(&er);
    return ok;
}

static void csv_row(FILE *f, int i, int line, int label, int pred, double eps, const char *res,
                    double secs, const char *method, const char *cex)
{
    if (!f) return;
    fprintf(f, "%d,%d,%d,%d,%g,%s,%.3f,%s,%s\n", i, line, label, pred, eps, res, secs, method, cex);
    fflush(f);
}

nc_status certify_run(const net *n, const dataset *d, const certify_opts *o, certify_summary *s,
                      nc_err *e)
{
    memset(s, 0, sizeof *s);
    double t0 = clock_now();
    int ne = o->n_eps, ni = n->in_dim, no = n->out_dim;
    double *eps = err_calloc(e, (size_t)ne, sizeof *eps);
    s->per_eps = err_calloc(e, (size_t)ne, sizeof *s->per_eps);
    double *z = err_calloc(e, (size_t)ni, sizeof *z), *y = err_calloc(e, (size_t)no, sizeof *y);
    double *cex = err_calloc(e, (size_t)ni, sizeof *cex);
    FILE *csv = NULL;
    nc_status st = NC_OK;
    if (!eps || !s->per_eps || !z || !y || !cex) {
        st = NC_ENOMEM;
        goto done;
    }
    memcpy(eps, o->eps, (size_t)ne * sizeof *eps);
    qsort(eps, (size_t)ne, sizeof *eps, cmp_double);
    s->n_eps = ne;
    for (int k = 0; k < ne; k++) s->per_eps[k].eps = eps[k];
    for (int i = 0; i < d->n; i++)
        if (d->label[i] >= no) {
            st = err_set(e, NC_EINPUT, "%s:%d: label %d, but the network has %d outputs",
                         o->data_path, d->line[i], d->label[i], no);
            goto done;
        }
    if (o->out_csv) {
        csv = fopen(o->out_csv, "w");
        if (!csv) {
            st = err_set(e, NC_EINPUT, "%s: cannot write: %s", o->out_csv, strerror(errno));
            goto done;
        }
        fprintf(csv, "sample,line,label,predicted,eps,result,seconds,method,counterexample\n");
    }
    progress pg;
    progress_init(&pg, stderr, d->n * ne, 0);
    int done = 0;
    stop_requested = 0;
    for (int i = 0; i < d->n; i++) {
        if (stop_requested) {
            s->interrupted = 1;
            break;
        }
        const double *x = d->x + (size_t)i * (size_t)ni;
        int label = d->label[i];
        robust_normalise(&o->space, x, z);
        net_eval(n, z, y);
        int pred = argmax_unique(y, no);
        s->samples++;
        if (pred != label) {
            for (int k = 0; k < ne; k++)
                csv_row(csv, i, d->line[i], label, pred, eps[k], "misclassified", 0, "", "");
            done += ne;
            if (o->progress) progress_msg(&pg, "sample %d: label %d, predicted %d: misclassified", i, label, pred);
            continue;
        }
        s->correct++;
        int have_cex = 0;
        double cex_eps = 0;
        for (int k = 0; k < ne; k++) {
            prop *p;
            int inner_exact;
            if ((st = robust_prop(&o->space, x, label, eps[k], &p, &inner_exact, e))) {
                err_prefix(e, "%s:%d: ", o->data_path, d->line[i]);
                goto done;
            }
            double ts = clock_now();
            verify_result r;
            char method[96];
            int got = have_cex ? recheck(n, p, cex, &r, e) : 0;
            if (got < 0) {
                prop_free(p);
                st = e->code;
                goto done;
            }
            if (got) {
                snprintf(method, sizeof method, "counterexample of eps %g", cex_eps);
                r.seconds = clock_now() - ts;
            } else {
                if ((st = verify_property(n, p, &o->vo, &r, e))) {
                    prop_free(p);
                    goto done;
                }
                if (r.v == VERDICT_VIOLATED && !inner_exact) r.v = VERDICT_UNKNOWN;
                snprintf(method, sizeof method, "%s", r.method ? r.method : "");
            }
            prop_free(p);
            certify_eps *pe = &s->per_eps[k];
            char path[4096] = "";
            const char *res = "unknown";
            if (r.v == VERDICT_HOLDS) {
                pe->certified++, res = "certified";
            } else if (r.v == VERDICT_VIOLATED) {
                pe->falsified++, res = "falsified";
                memcpy(cex, r.x, (size_t)ni * sizeof *cex);
                if (!have_cex) cex_eps = eps[k];
                have_cex = 1;
                if (o->cex_dir) {
                    mkdir(o->cex_dir, 0755);
                    snprintf(path, sizeof path, "%s/sample%d_eps%g.txt", o->cex_dir, i, eps[k]);
                    if (report_results_file(path, &r)) {
                        verify_result_free(&r);
                        st = err_set(e, NC_EINPUT, "%s: cannot write", path);
                        goto done;
                    }
                    s->cex_saved++;
                }
            } else {
                pe->unknown++;
            }
            pe->seconds += clock_now() - ts;
            csv_row(csv, i, d->line[i], label, pred, eps[k], res, clock_now() - ts, method, path);
            verify_result_free(&r);
            done++;
            if (o->progress) {
                char counts[128];
                snprintf(counts, sizeof counts, "sample %d/%d", i + 1, d->n);
                progress_update(&pg, done, counts, 0);
            }
        }
    }
    if (o->progress) progress_end(&pg);
done:
    s->seconds = clock_now() - t0;
    if (csv && fclose(csv) && !st) st = err_set(e, NC_EINPUT, "%s: cannot write", o->out_csv);
    free(eps), free(z), free(y), free(cex);
    return st;
}

void certify_print(FILE *f, const certify_summary *s)
{
    if (s->interrupted) fprintf(f, "interrupted: %d samples done\n", s->samples);
    fprintf(f, "clean accuracy: %d/%d (%.1f%%)\n", s->correct, s->samples,
            s->samples ? 100.0 * s->correct / s->samples : 0.0);
    fprintf(f, "%-10s %9s %9s %9s %14s %10s\n", "eps", "certified", "falsified", "unknown",
            "certified acc", "time");
    for (int k = 0; k < s->n_eps; k++) {
        const certify_eps *p = &s->per_eps[k];
        fprintf(f, "%-10g %9d %9d %9d %13.1f%% %8.2f s\n", p->eps, p->certified, p->falsified,
                p->unknown, s->samples ? 100.0 * p->certified / s->samples : 0.0, p->seconds);
    }
}

int certify_print_json(FILE *f, const certify_summary *s)
{
    json_t *o = json_object(), *arr = json_array();
    if (!o || !arr) return -1;
    json_object_set_new(o, "samples", json_integer(s->samples));
    json_object_set_new(o, "correct", json_integer(s->correct));
    json_object_set_new(o, "clean_accuracy", json_real(s->samples ? (double)s->correct / s->samples : 0));
    for (int k = 0; k < s->n_eps; k++) {
        const certify_eps *p = &s->per_eps[k];
        json_t *r = json_object();
        json_object_set_new(r, "eps", json_real(p->eps));
        json_object_set_new(r, "certified", json_integer(p->certified));
        json_object_set_new(r, "falsified", json_integer(p->falsified));
        json_object_set_new(r, "unknown", json_integer(p->unknown));
        json_object_set_new(r, "certified_accuracy",
                            json_real(s->samples ? (double)p->certified / s->samples : 0));
        json_object_set_new(r, "seconds", json_real(p->seconds));
        json_array_append_new(arr, r);
    }
    json_object_set_new(o, "per_eps", arr);
    json_object_set_new(o, "seconds", json_real(s->seconds));
    json_object_set_new(o, "interrupted", json_boolean(s->interrupted));
    int rc = json_dumpf(o, f, JSON_REAL_PRECISION(17)) == 0 && fputc('\n', f) != EOF ? 0 : -1;
    json_decref(o);
    return rc;
}
