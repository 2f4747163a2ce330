#include "app/suite_summary.h"

#include <stdlib.h>
#include <string.h>

const char *const suite_result_names[RES_COUNT] = { "holds", "violated", "unknown", "timeout",
                                                    "error" };

int suite_result_index(const char *result)
{
    for (int i = 0; i < RES_COUNT; i++)
        if (result && !strcmp(result, suite_result_names[i])) return i;
    return RES_ERROR;
}

int suite_contradicts(const char *result, const char *expected)
{
    if (!result || !expected) return 0;
    return (!strcmp(result, "holds") && !strcmp(expected, "violated")) ||
           (!strcmp(result, "violated") && !strcmp(expected, "holds"));
}

const char *suite_expected_for(const suite_table *expected, const suite_row *r)
{
    if (!expected) return NULL;
    int k = suite_find(expected, r->onnx, r->vnnlib, 1);
    return k < 0 ? NULL : expected->rows[k].result;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void suite_stats_compute(const suite_table *t, const suite_table *expected, suite_stats *s)
{
    memset(s, 0, sizeof *s);
    double *secs = malloc((size_t)(t->n ? t->n : 1) * sizeof *secs);
    for (int i = 0; i < t->n; i++) {
        const suite_row *r = &t->rows[i];
        int k = suite_result_index(r->result);
        s->count[k]++;
        s->n++;
        s->total_seconds += r->seconds;
        if (secs) secs[i] = r->seconds;
        if (suite_contradicts(r->result, suite_expected_for(expected, r))) {
            s->contradictions++;
            s->score -= 150;
        } else if (k == RES_HOLDS || k == RES_VIOLATED) {
            s->score += 10;
        }
    }
    if (secs && t->n) {
        qsort(secs, (size_t)t->n, sizeof *secs, cmp_double);
        s->median_seconds = t->n % 2 ? secs[t->n / 2] : 0.5 * (secs[t->n / 2 - 1] + secs[t->n / 2]);
    }
    free(secs);
}

void suite_format_duration(double s, char *buf, size_t cap)
{
    if (s < 60) snprintf(buf, cap, "%.1f s", s);
    else if (s < 3600) snprintf(buf, cap, "%d m %02d s", (int)(s / 60), (int)s % 60);
    else snprintf(buf, cap, "%d h %02d m", (int)(s / 3600), (int)(s / 60) % 60);
}

void suite_print_summary(FILE *f, const char *title, const suite_table *t,
                         const suite_table *expected)
{
    suite_stats s;
    suite_stats_compute(t, expected, &s);
    char tot[32], med[32];
    suite_format_duration(s.total_seconds, tot, sizeof tot);
    snprintf(med, sizeof med, "%.2f s", s.median_seconds);
    fprintf(f, "%s: %d instances\n", title, s.n);
    for (int k = 0; k < RES_COUNT; k++)
        fprintf(f, "  %-9s %5d\n", suite_result_names[k], s.count[k]);
    fprintf(f, "  decided   %5d of %d\n", s.count[RES_HOLDS] + s.count[RES_VIOLATED], s.n);
    if (expected) fprintf(f, "  contradictions with the expected answers: %d\n", s.contradictions);
    fprintf(f, "  VNN-COMP score: %d (10 per answer, -150 per contradiction)\n", s.score);
    fprintf(f, "  time: total %s, median %s per instance\n", tot, med);
    for (int i = 0; i < t->n; i++) {
        const suite_row *r = &t->rows[i];
        const char *exp = suite_expected_for(expected, r);
        if (suite_contradicts(r->result, exp))
            fprintf(f, "CONTRADICTION: %s %s: answered %s, expected %s\n", r->onnx, r->vnnlib,
                    r->result, exp);
    }
}
