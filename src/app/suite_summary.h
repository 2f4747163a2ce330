/* suite_summary: counting, scoring and timing a suite's results.
 *
 * Score as VNN-COMP has counted it since 2023: +10 for each holds or
 * violated answer, -150 for each answer that contradicts the expected one
 * (holds where a counterexample is known, violated where the instance is
 * known to hold); unknown, timeout and error score 0. An answer on an
 * instance with no expected answer counts as correct (nncert's violated
 * answers carry an exactly checked counterexample).
 */
#ifndef NC_SUITE_SUMMARY_H
#define NC_SUITE_SUMMARY_H

#include <stdio.h>

#include "app/suite_csv.h"

enum { RES_HOLDS, RES_VIOLATED, RES_UNKNOWN, RES_TIMEOUT, RES_ERROR, RES_COUNT };

extern const char *const suite_result_names[RES_COUNT];

typedef struct {
    int n;                      /* rows counted */
    int count[RES_COUNT];
    int contradictions;
    int score;
    double total_seconds, median_seconds;
} suite_stats;

/* Index in suite_result_names of a normalised result (RES_ERROR otherwise). */
int suite_result_index(const char *result);

/* 1 when result (normalised) contradicts the expected answer. */
int suite_contradicts(const char *result, const char *expected);

/* Expected answer for a row, or NULL (expected may be NULL). */
const char *suite_expected_for(const suite_table *expected, const suite_row *r);

/* Statistics over rows [0, t->n) of t. */
void suite_stats_compute(const suite_table *t, const suite_table *expected, suite_stats *s);

/* The summary block: counts, score, times, then every contradiction in
 * capitals. */
void suite_print_summary(FILE *f, const char *title, const suite_table *t,
                         const suite_table *expected);

/* "1 h 02 m", "3 m 05 s", "12.3 s". */
void suite_format_duration(double s, char *buf, size_t cap);

#endif
