/* suite_csv: the files of a benchmark suite and of its results.
 *
 * Reads a VNN-COMP instances.csv (onnx,vnnlib,timeout), an expected.csv
 * (header onnx,vnnlib,expected[,note]) and a results file, either nncert's
 * own (header RESULTS_HEADER below) or a VNN-COMP results CSV
 * (benchmark,onnx,vnnlib,prepare_seconds,result,run_seconds; no header).
 * Results are normalised to holds / violated / unknown / timeout / error
 * (sat = violated, unsat = holds). Fields may be double-quoted as in
 * RFC 4180. Every error names the file and the line.
 *
 * A results file written by nncert is appended one whole line per finished
 * instance; a last line without its newline (an interrupted write) is
 * ignored when read, and suite_csv_repair cuts it off before appending.
 *
 * Ownership: a suite_table owns its rows and their strings.
 */
#ifndef NC_SUITE_CSV_H
#define NC_SUITE_CSV_H

#include <stdio.h>

#include "core/err.h"

#define RESULTS_HEADER "onnx,vnnlib,result,seconds,method,counterexample,peak_mib,detail"

typedef struct {
    char *onnx, *vnnlib;   /* paths as written in the file */
    char *benchmark;       /* suite name (VNN-COMP results, or set by the caller) */
    double timeout;        /* instances.csv: seconds */
    char *result;          /* normalised result, or expected answer for expected.csv */
    double seconds;
    char *method, *cex, *detail;
    double peak_mib;
} suite_row;

typedef struct {
    int n, cap;
    suite_row *rows;
} suite_table;

void suite_table_free(suite_table *t);
/* Appends a row (copies the strings; NULL strings become ""). */
nc_status suite_table_add(suite_table *t, const suite_row *r, nc_err *e);

nc_status suite_read_instances(const char *path, suite_table *t, nc_err *e);
nc_status suite_read_expected(const char *path, suite_table *t, nc_err *e);
/* A missing file reads as an empty table (nothing run yet). */
nc_status suite_read_results(const char *path, suite_table *t, nc_err *e);

/* Cuts off an incomplete last line; creates the file with its header when
 * missing or empty; fails when it has another header. */
nc_status suite_csv_repair(const char *path, nc_err *e);
/* Appends one row as one line with a single write, then syncs the file. */
nc_status suite_csv_append(const char *path, const suite_row *r, nc_err *e);

/* "holds"/"unsat" -> "holds", "violated"/"sat" -> "violated", and
 * unknown/timeout/error; NULL for anything else. */
const char *suite_result_norm(const char *s);

/* Index of the row for (onnx, vnnlib) by exact paths; with by_name, then the
 * row whose paths share the most trailing components with them (file names
 * at least; a ".gz" suffix ignored), so that results of other tools and
 * other roots match. -1 when absent. */
int suite_find(const suite_table *t, const char *onnx, const char *vnnlib, int by_name);

#endif
