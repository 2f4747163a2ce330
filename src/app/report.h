/* report: how results reach people and scripts.
 *
 * Text for terminals, one JSON object for scripts (shapes fixed in
 * docs/user-guide.md), and the VNN-COMP results file. Numbers are printed
 * with 17 significant digits so that they read back as the same doubles.
 * Functions write to the given stream and return 0, or -1 on a write error.
 */
#ifndef NC_REPORT_H
#define NC_REPORT_H

#include <stdio.h>

#include "core/bounds.h"
#include "core/net.h"
#include "core/prop.h"
#include "verify/driver.h"

int report_verify_text(FILE *f, const verify_result *r);
int report_verify_json(FILE *f, const verify_result *r);
/* VNN-COMP results file: sat/unsat/unknown/timeout, then the assignment. */
int report_results_file(const char *path, const verify_result *r);
/* The results file for an input error. */
int report_results_error(const char *path);

/* Counterexample in the VNN-COMP format: ((X_0 v)\n (X_1 v) ... (Y_0 v)). */
int report_cex(FILE *f, const verify_result *r);

/* Output bounds, and with rows != NULL the bounds of each property row
 * (n_rows entries, lower/upper arrays). */
int report_bounds_text(FILE *f, const char *domain, int n, const double *lo, const double *hi,
                       int n_rows, const double *rlo, const double *rhi);
int report_bounds_json(FILE *f, const char *domain, int n, const double *lo, const double *hi,
                       int n_rows, const double *rlo, const double *rhi);

int report_info(FILE *f, const char *path, const net *n);

#endif
