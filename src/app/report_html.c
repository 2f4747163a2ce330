#include "app/report_html.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/suite_summary.h"

#define PLOT_W 780
#define PLOT_H 440
#define M_LEFT 64
#define M_RIGHT 190
#define M_TOP 36
#define M_BOTTOM 52
#define MAX_SERIES 12

static const char *const COLOURS[MAX_SERIES] = {
    "#1f4e9c", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c",
    "#8d6e63", "#e76f51", "#264653", "#9c27b0", "#607d8b", "#000000",
};

typedef struct {
    char name[128];
    double *t;   /* sorted times of decided instances */
    int n;
} series;

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static int decided(const suite_row *r)
{
    return !strcmp(r->result, "holds") || !strcmp(r->result, "violated");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Times of the decided rows of t whose method is `method` (NULL: all). */
static int fill_series(series *s, const char *name, const suite_table *t, const char *method)
{
    snprintf(s->name, sizeof s->name, "%s", name);
    s->t = malloc((size_t)(t->n ? t->n : 1) * sizeof *s->t);
    if (!s->t) return -1;
    s->n = 0;
    for (int i = 0; i < t->n; i++)
        if (decided(&t->rows[i]) && (!method || !strcmp(t->rows[i].method, method)))
            s->t[s->n++] = t->rows[i].seconds;
    qsort(s->t, (size_t)s->n, sizeof *s->t, cmp_double);
    return 0;
}

/* One series per run, or for a single run the total and one per method
 * (most decided first). Returns the count, or -1 when out of memory. */
static int build_series(const report_run *runs, int n_runs, series *out)
{
    int ns = 0;
    if (n_runs > 1) {
        for (int r = 0; r < n_runs && ns < MAX_SERIES; r++)
            if (fill_series(&out[ns++], runs[r].name, runs[r].rows, NULL)) return -1;
        return ns;
    }
    const suite_table *t = runs[0].rows;
    if (fill_series(&out[ns++], "all methods", t, NULL)) return -1;
    const char *seen[MAX_SERIES];
    int n_seen = 0;
    for (int i = 0; i < t->n && n_seen < MAX_SERIES - 1; i++) {
        if (!decided(&t->rows[i])) continue;
        int k = 0;
        while (k < n_seen && strcmp(seen[k], t->rows[i].method)) k++;
        if (k == n_seen) seen[n_seen++] = t->rows[i].method;
    }
    for (int k = 0; k < n_seen; k++) {
        char name[128];
        snprintf(name, sizeof name, "by %s", *seen[k] ? seen[k] : "(none)");
        if (fill_series(&out[ns++], name, t, seen[k])) return -1;
    }
    /* most decided first, after the total */
    for (int a = 1; a < ns; a++)
        for (int b = a + 1; b < ns; b++)
            if (out[b].n > out[a].n) {
                series tmp = out[a];
                out[a] = out[b];
                out[b] = tmp;
            }
    return ns;
}

static void free_series(series *s, int n)
{
    for (int i = 0; i < n; i++) free(s[i].t);
}

static void svg_plot(FILE *f, const char *title, const series *s, int ns)
{
    double tmin = 1e300, tmax = 0;
    int nmax = 1;
    for (int i = 0; i < ns; i++) {
        if (s[i].n > nmax) nmax = s[i].n;
        for (int k = 0; k < s[i].n; k++) {
            double t = s[i].t[k] < 0.01 ? 0.01 : s[i].t[k];
            if (t < tmin) tmin = t;
            if (t > tmax) tmax = t;
        }
    }
    if (tmax <= 0) tmin = 0.01, tmax = 1;
    int e0 = (int)floor(log10(tmin)), e1 = (int)ceil(log10(tmax));
    if (e1 <= e0) e1 = e0 + 1;
    int ystep = nmax <= 10 ? 1 : nmax <= 50 ? 10 : nmax <= 250 ? 25 : nmax <= 1000 ? 100 : 500;
    int ymax = (nmax + ystep - 1) / ystep * ystep;
    double pw = PLOT_W - M_LEFT - M_RIGHT, ph = PLOT_H - M_TOP - M_BOTTOM;
#define XS(t) (M_LEFT + pw * (log10((t) < 0.01 ? 0.01 : (t)) - e0) / (e1 - e0))
#define YS(k) (M_TOP + ph * (1.0 - (double)(k) / ymax))
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
            PLOT_W, PLOT_H, PLOT_W, PLOT_H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">", M_LEFT);
    esc(f, title);
    fprintf(f, "</text>\n");
    for (int e = e0; e <= e1; e++) {
        double x = XS(pow(10, e));
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x,
                M_TOP, x, M_TOP + ph);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g s</text>\n", x,
                M_TOP + ph + 16, pow(10, e));
    }
    for (int k = 0; k <= ymax; k += ystep) {
        double y = YS(k);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                M_LEFT, y, M_LEFT + pw, y);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d</text>\n", M_LEFT - 6, y + 4, k);
    }
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
               "stroke=\"#444\"/>\n", M_LEFT, M_TOP, pw, ph);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">time per instance "
               "(log scale)</text>\n", M_LEFT + pw / 2, PLOT_H - 10);
    fprintf(f, "<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">"
               "instances decided</text>\n", M_TOP + ph / 2);
    for (int i = 0; i < ns; i++) {
        const char *c = COLOURS[i % MAX_SERIES];
        if (s[i].n) {
            fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" points=\"", c,
                    i == 0 ? "2.5" : "1.6");
            fprintf(f, "%.1f,%.1f", XS(s[i].t[0]), YS(0));
            for (int k = 0; k < s[i].n; k++) {
                fprintf(f, " %.1f,%.1f", XS(s[i].t[k]), YS(k));
                fprintf(f, " %.1f,%.1f", XS(s[i].t[k]), YS(k + 1));
            }
            fprintf(f, "\"/>\n");
        }
        double ly = M_TOP + 14 + 18 * i;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                   "stroke-width=\"3\"/>\n", M_LEFT + pw + 14, ly - 4, M_LEFT + pw + 34, ly - 4, c);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", M_LEFT + pw + 40, ly);
        esc(f, s[i].name);
        fprintf(f, " (%d)</text>\n", s[i].n);
    }
    fprintf(f, "</svg>\n");
#undef XS
#undef YS
}

/* The plot's series for the runs and the output file opened; on failure
 * nothing is left to free. */
static nc_status open_plot(const char *path, const report_run *runs, int n_runs, series *s, int *ns,
                           FILE **f, nc_err *e)
{
    memset(s, 0, MAX_SERIES * sizeof *s);
    *ns = build_series(runs, n_runs, s);
    if (*ns < 0) {
        free_series(s, MAX_SERIES);
        return err_set(e, NC_ENOMEM, "out of memory");
    }
    *f = fopen(path, "w");
    if (!*f) {
        free_series(s, *ns);
        return err_set(e, NC_EINPUT, "%s: cannot write: %s", path, strerror(errno));
    }
    return NC_OK;
}

nc_status report_svg_write(const char *path, const char *title, const report_run *runs,
                           int n_runs, nc_err *e)
{
    series s[MAX_SERIES];
    int ns;
    FILE *f;
    if (open_plot(path, runs, n_runs, s, &ns, &f, e)) return e->code;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    svg_plot(f, title, s, ns);
    free_series(s, ns);
    if (fclose(f)) return err_set(e, NC_EINPUT, "%s: cannot write", path);
    return NC_OK;
}

static void stats_header(FILE *f, const char *first)
{
    fprintf(f, "<tr><th>%s</th><th>instances</th><th>holds</th><th>violated</th><th>unknown</th>"
               "<th>timeout</th><th>error</th><th>decided</th><th>contradictions</th>"
               "<th>score</th><th>total time</th><th>median</th></tr>\n", first);
}

static void stats_row(FILE *f, const char *name, const suite_table *t, const suite_table *expected)
{
    suite_stats s;
    suite_stats_compute(t, expected, &s);
    fprintf(f, "<tr><td>");
    esc(f, name);
    fprintf(f, "</td><td>%d</td>", s.n);
    for (int k = 0; k < RES_COUNT; k++) fprintf(f, "<td>%d</td>", s.count[k]);
    fprintf(f, "<td>%d</td><td%s>%d</td><td>%d</td><td>%.1f s</td><td>%.2f s</td></tr>\n",
            s.count[RES_HOLDS] + s.count[RES_VIOLATED], s.contradictions ? " class=\"bad\"" : "",
            s.contradictions, s.score, s.total_seconds, s.median_seconds);
}

/* Rows of t whose benchmark (or, for a single benchmark, property file)
 * equals key, into sub (strings shared: sub is freed with free(rows) only). */
static const char *group_key(const suite_row *r, int by_property)
{
    if (!by_property) return *r->benchmark ? r->benchmark : "(suite)";
    const char *s = strrchr(r->vnnlib, '/');
    return s ? s + 1 : r->vnnlib;
}

static void group_table(FILE *f, const report_run *run, const suite_table *expected, int by_property)
{
    const suite_table *t = run->rows;
    const char **keys = malloc((size_t)(t->n ? t->n : 1) * sizeof *keys);
    suite_row *sub = malloc((size_t)(t->n ? t->n : 1) * sizeof *sub);
    if (!keys || !sub) {
        free(keys), free(sub);
        return;
    }
    int nk = 0;
    for (int i = 0; i < t->n; i++) {
        const char *k = group_key(&t->rows[i], by_property);
        int j = 0;
        while (j < nk && strcmp(keys[j], k)) j++;
        if (j == nk) keys[nk++] = k;
    }
    for (int j = 0; j < nk; j++) {
        suite_table st = { .rows = sub };
        for (int i = 0; i < t->n; i++)
            if (!strcmp(group_key(&t->rows[i], by_property), keys[j])) sub[st.n++] = t->rows[i];
        char name[512];
        if (by_property) snprintf(name, sizeof name, "%s", keys[j]);
        else snprintf(name, sizeof name, "%s: %s", run->name, keys[j]);
        stats_row(f, name, &st, expected);
    }
    free(keys), free(sub);
}

static const char *STYLE =
    "body{font-family:sans-serif;margin:2em;color:#222;max-width:1100px}"
    "table{border-collapse:collapse;margin:1em 0}"
    "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px}"
    "th{background:#f0f0f0}td:first-child{text-align:left}"
    ".bad{background:#fdd;color:#900;font-weight:bold}"
    ".holds{color:#2e7d32}.violated{color:#c62828}.timeout,.unknown{color:#777}.error{color:#e65100}"
    "h1{font-size:22px}h2{font-size:17px;margin-top:1.6em}";

nc_status report_html_write(const char *path, const char *title, const report_run *runs,
                            int n_runs, const suite_table *expected, nc_err *e)
{
    series s[MAX_SERIES];
    int ns;
    FILE *f;
    if (open_plot(path, runs, n_runs, s, &ns, &f, e)) return e->code;
    time_t now = time(NULL);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
    esc(f, title);
    fprintf(f, " - nncert report</title>\n<style>%s</style></head><body>\n<h1>nncert report: ", STYLE);
    esc(f, title);
    fprintf(f, "</h1>\n<p>Generated %s.%s</p>\n<h2>Summary</h2>\n<table>\n", when,
            expected ? " Contradictions are answers opposite to the expected ones." : "");
    stats_header(f, "run");
    for (int r = 0; r < n_runs; r++) stats_row(f, runs[r].name, runs[r].rows, expected);
    fprintf(f, "</table>\n<h2>Instances decided against time</h2>\n");
    svg_plot(f, title, s, ns);
    free_series(s, ns);

    fprintf(f, "<h2>Per benchmark</h2>\n<table>\n");
    stats_header(f, "benchmark");
    for (int r = 0; r < n_runs; r++) group_table(f, &runs[r], expected, 0);
    fprintf(f, "</table>\n");
    if (n_runs == 1) {
        fprintf(f, "<h2>Per property file</h2>\n<table>\n");
        stats_header(f, "property");
        group_table(f, &runs[0], expected, 1);
        fprintf(f, "</table>\n");
    }

    fprintf(f, "<h2>Contradictions</h2>\n");
    int nbad = 0;
    for (int r = 0; r < n_runs; r++)
        for (int i = 0; i < runs[r].rows->n; i++) {
            const suite_row *row = &runs[r].rows->rows[i];
            const char *exp = suite_expected_for(expected, row);
            if (!suite_contradicts(row->result, exp)) continue;
            if (!nbad++) fprintf(f, "<table><tr><th>run</th><th>onnx</th><th>vnnlib</th>"
                                    "<th>answer</th><th>expected</th></tr>\n");
            fprintf(f, "<tr class=\"bad\"><td>");
            esc(f, runs[r].name);
            fprintf(f, "</td><td>");
            esc(f, row->onnx);
            fprintf(f, "</td><td>");
            esc(f, row->vnnlib);
            fprintf(f, "</td><td>%s</td><td>%s</td></tr>\n", row->result, exp);
        }
    if (nbad) fprintf(f, "</table>\n");
    else fprintf(f, "<p>None%s.</p>\n", expected ? "" : " (no expected answers given)");

    for (int r = 0; r < n_runs; r++) {
        fprintf(f, "<h2>Instances: ");
        esc(f, runs[r].name);
        fprintf(f, "</h2>\n<details><summary>%d instances</summary>\n<table><tr><th>onnx</th>"
                   "<th>vnnlib</th><th>answer</th><th>expected</th><th>seconds</th><th>method</th>"
                   "<th>peak MiB</th><th>detail</th></tr>\n", runs[r].rows->n);
        for (int i = 0; i < runs[r].rows->n; i++) {
            const suite_row *row = &runs[r].rows->rows[i];
            const char *exp = suite_expected_for(expected, row);
            fprintf(f, "<tr%s><td>", suite_contradicts(row->result, exp) ? " class=\"bad\"" : "");
            esc(f, row->onnx);
            fprintf(f, "</td><td>");
            esc(f, row->vnnlib);
            fprintf(f, "</td><td class=\"%s\">%s</td><td>%s</td><td>%.2f</td><td>",
                    row->result, row->result, exp ? exp : "", row->seconds);
            esc(f, row->method);
            fprintf(f, "</td><td>%.0f</td><td>", row->peak_mib);
            esc(f, row->detail);
            fprintf(f, "</td></tr>\n");
        }
        fprintf(f, "</table></details>\n");
    }
    fprintf(f, "</body></html>\n");
    if (fclose(f)) return err_set(e, NC_EINPUT, "%s: cannot write", path);
    return NC_OK;
}
