/* suite: running a VNN-COMP style benchmark suite unattended.
 *
 * Every instance of instances.csv runs in its own process (app/runner.h),
 * up to `jobs` at a time; each finished instance is appended to the results
 * file at once (app/suite_csv.h), so an interrupted run loses only the
 * instances that were running, and running the same command again skips
 * every instance already in the results file. SIGINT/SIGTERM stop the run
 * cleanly: running instances are killed and not recorded.
 */
#ifndef NC_SUITE_H
#define NC_SUITE_H

#include "app/suite_csv.h"
#include "core/err.h"

typedef struct {
    const char *instances;     /* instances.csv */
    const char *root;          /* paths are relative to this (NULL: the csv's directory) */
    const char *expected;      /* NULL: root/expected.csv when it exists */
    const char *out;           /* results file */
    const char *report;        /* HTML report path or NULL */
    const char *plot;          /* SVG cactus plot path or NULL */
    const char *verifier;      /* nncert binary for the instances */
    char *const *extra_args;   /* options for each `verify` (NULL-terminated) */
    int jobs;                  /* instances at a time */
    double timeout_scale;      /* multiplies each instance's timeout */
    double timeout;            /* > 0: this timeout for every instance instead */
    double mem_limit;          /* address space per instance, bytes (0: none) */
} suite_opts;

/* Outcome of a run, for the exit code. */
typedef enum { SUITE_OK = 0, SUITE_CONTRADICTION = 1, SUITE_INTERRUPTED = 2 } suite_outcome;

/* Runs the suite, prints progress on stderr and the summary on stdout.
 * NC_OK with *outcome set, or an error for bad input (instances file,
 * results file with another header, unwritable output). */
nc_status suite_run(const suite_opts *o, suite_outcome *outcome, nc_err *e);

/* Instance paths joined to root (absolute paths kept); caller frees. */
char *suite_join(const char *root, const char *path);

/* The suite's name: the last directory component of root. */
const char *suite_name(const char *root, char *buf, size_t cap);

#endif
