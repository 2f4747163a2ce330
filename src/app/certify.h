/* certify: certified robust accuracy of a network on a labelled data set.
 *
 * For each sample (io/dataset.h) the clean prediction is the arg-max of the
 * network's outputs at the normalised sample; a misclassified sample counts
 * as neither certified nor falsified at any radius. For each correctly
 * classified sample and each radius eps (ascending), the local robustness
 * property (verify/robustness.h) is decided by the portfolio driver:
 * holds = certified, violated = falsified (the counterexample, checked in
 * exact arithmetic, is saved), otherwise unknown. A counterexample found at
 * one radius is re-checked exactly at every larger radius before anything
 * else runs, since the boxes grow with eps.
 *
 * Per-sample rows are appended to out_csv as they finish
 * (sample,line,label,predicted,eps,result,seconds,method,counterexample).
 */
#ifndef NC_CERTIFY_H
#define NC_CERTIFY_H

#include <stdio.h>

#include "core/net.h"
#include "io/dataset.h"
#include "verify/driver.h"
#include "verify/robustness.h"

typedef struct {
    const double *eps;     /* radii, any order */
    int n_eps;
    robust_space space;
    verify_opts vo;        /* per-sample options (timeout per sample and radius) */
    const char *data_path; /* for messages */
    const char *out_csv;   /* per-sample rows, or NULL */
    const char *cex_dir;   /* where counterexamples go (created on demand) */
    int progress;          /* progress bar / lines on stderr */
} certify_opts;

typedef struct {
    double eps;
    int certified, falsified, unknown;
    double seconds;
} certify_eps;

typedef struct {
    int samples, correct;
    int n_eps;
    certify_eps *per_eps;  /* ascending eps (owned) */
    int cex_saved;
    int interrupted;       /* stopped early by certify_stop() */
    double seconds;
} certify_summary;

nc_status certify_run(const net *n, const dataset *d, const certify_opts *o, certify_summary *s,
                      nc_err *e);
void certify_summary_free(certify_summary *s);

/* Asks a running certify_run to stop after the sample in progress
 * (async-signal-safe: for SIGINT/SIGTERM handlers). */
void certify_stop(void);

/* The table: clean accuracy, then per radius certified / falsified /
 * unknown and certified accuracy. */
void certify_print(FILE *f, const certify_summary *s);
/* One JSON object with the same numbers. */
int certify_print_json(FILE *f, const certify_summary *s);

#endif
