#include "app/suite_compare.h"

#include <string.h>

#include "app/suite_summary.h"

static int is_decided(const char *r)
{
    return r && (!strcmp(r, "holds") || !strcmp(r, "violated"));
}

static const char *short_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void line(FILE *f, const char *onnx, const char *vnnlib, const suite_row *ra,
                 const suite_row *rb, const char *note)
{
    char a[64], b[64];
    if (ra) snprintf(a, sizeof a, "%s %.2f s", ra->result, ra->seconds);
    else snprintf(a, sizeof a, "-");
    if (rb) snprintf(b, sizeof b, "%s %.2f s", rb->result, rb->seconds);
    else snprintf(b, sizeof b, "-");
    fprintf(f, "  %-34s %-16s %-20s %-20s %s\n", short_name(onnx), short_name(vnnlib), a, b, note);
}

int suite_compare(FILE *f, const char *name_a, const suite_table *a, const char *name_b,
                  const suite_table *b, const suite_table *expected)
{
    int disagree = 0, only_a = 0, only_b = 0, both = 0, slower_a = 0, slower_b = 0, shown = 0;
    int in_a_only = 0, in_b_only = 0;   /* instances missing from the other file */
    for (int i = 0; i < a->n; i++) in_a_only += suite_find(b, a->rows[i].onnx, a->rows[i].vnnlib, 1) < 0;
    for (int i = 0; i < b->n; i++) in_b_only += suite_find(a, b->rows[i].onnx, b->rows[i].vnnlib, 1) < 0;
    int list_missing = in_a_only + in_b_only <= 10;
    double common_a = 0, common_b = 0;
    fprintf(f, "A = %s\nB = %s\n\n", name_a, name_b);
    fprintf(f, "  %-34s %-16s %-20s %-20s %s\n", "onnx", "vnnlib", "A", "B", "");
    for (int pass = 0; pass < 2; pass++) {
        const suite_table *t = pass ? b : a, *o = pass ? a : b;
        for (int i = 0; i < t->n; i++) {
            const suite_row *r = &t->rows[i];
            int k = suite_find(o, r->onnx, r->vnnlib, 1);
            if (pass == 1 && k >= 0) continue;   /* seen in the first pass */
            const suite_row *ra = pass ? (k >= 0 ? &o->rows[k] : NULL) : r;
            const suite_row *rb = pass ? r : (k >= 0 ? &o->rows[k] : NULL);
            if (!ra || !rb) {
                if (list_missing) line(f, r->onnx, r->vnnlib, ra, rb, ra ? "only in A" : "only in B"), shown++;
                continue;
            }
            int da = is_decided(ra->result), db = is_decided(rb->result);
            if (da && db) {
                both++;
                common_a += ra->seconds, common_b += rb->seconds;
            }
            const char *note = NULL;
            char buf[128];
            if (da && db && strcmp(ra->result, rb->result)) {
                disagree++;
                const char *exp = suite_expected_for(expected, r);
                snprintf(buf, sizeof buf, "DISAGREE%s%s%s", exp ? " (expected " : "", exp ? exp : "",
                         exp ? ")" : "");
                note = buf;
            } else if (da && !db) {
                only_a++, note = "decided by A only";
            } else if (db && !da) {
                only_b++, note = "decided by B only";
            } else if (da && db && ra->seconds > 2 * rb->seconds && ra->seconds - rb->seconds > 1) {
                slower_a++;
                snprintf(buf, sizeof buf, "A %.1fx slower", ra->seconds / rb->seconds);
                note = buf;
            } else if (da && db && rb->seconds > 2 * ra->seconds && rb->seconds - ra->seconds > 1) {
                slower_b++;
                snprintf(buf, sizeof buf, "B %.1fx slower", rb->seconds / ra->seconds);
                note = buf;
            }
            if (note) line(f, r->onnx, r->vnnlib, ra, rb, note), shown++;
        }
    }
    if (!shown) fprintf(f, "  (no differences)\n");
    if (!list_missing)
        fprintf(f, "  (%d instances only in A and %d only in B, not listed)\n", in_a_only, in_b_only);
    suite_stats sa, sb;
    suite_stats_compute(a, expected, &sa);
    suite_stats_compute(b, expected, &sb);
    fprintf(f, "\n%-10s %9s %9s %9s %9s %14s %8s\n", "", "instances", "holds", "violated",
            "decided", "total time", "score");
    fprintf(f, "%-10s %9d %9d %9d %9d %12.1f s %8d\n", "A", sa.n, sa.count[RES_HOLDS],
            sa.count[RES_VIOLATED], sa.count[RES_HOLDS] + sa.count[RES_VIOLATED], sa.total_seconds,
            sa.score);
    fprintf(f, "%-10s %9d %9d %9d %9d %12.1f s %8d\n", "B", sb.n, sb.count[RES_HOLDS],
            sb.count[RES_VIOLATED], sb.count[RES_HOLDS] + sb.count[RES_VIOLATED], sb.total_seconds,
            sb.score);
    fprintf(f, "\ndecided by both: %d (time on those: A %.1f s, B %.1f s); by A only: %d; by B "
               "only: %d\n", both, common_a, common_b, only_a, only_b);
    fprintf(f, "more than 2x slower: A on %d, B on %d; answers that disagree: %d\n", slower_a,
            slower_b, disagree);
    return disagree;
}
