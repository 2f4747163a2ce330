/* runner: one verification run in its own process.
 *
 * Starts `VERIFIER verify NET PROP --timeout T --json --results-file CEX
 * [extra args]` as a child in its own process group, with stdout and stderr
 * captured in files under a work directory, an address-space limit, and
 * OPENBLAS_NUM_THREADS=1 unless the caller's environment sets it (no
 * address-space limit in AddressSanitizer builds, whose shadow memory needs
 * the whole address space). The child
 * dies with the parent (PR_SET_PDEATHSIG). The caller polls; a child still
 * running past its kill time (the timeout plus a grace of 10%, at least
 * 2 s) is killed and recorded as a timeout. A crash, an exit without a
 * result, or a failure to start is recorded as an error with the reason, so
 * nothing one instance does can stop the others or leave a row unwritten.
 */
#ifndef NC_RUNNER_H
#define NC_RUNNER_H

#include <sys/types.h>

#include "core/err.h"

typedef struct {
    const char *verifier;      /* path of the nncert binary to run */
    char *const *extra_args;   /* NULL-terminated, passed after the fixed ones */
    double mem_limit;          /* bytes of address space per child (0: none) */
    const char *workdir;       /* scratch directory (exists) */
} runner_opts;

typedef struct {
    pid_t pid;                 /* 0 when the slot is free */
    int id;                    /* caller's instance index */
    double start, kill_at;
    int killed;                /* killed for running past kill_at */
    char out_path[4096], err_path[4096], cex_path[4096];
} runner_job;

typedef struct {
    const char *result;        /* holds / violated / unknown / timeout / error */
    double seconds;            /* wall time seen by the parent */
    char method[128];
    char detail[512];          /* why an error or a kill, else empty */
    double peak_mib;           /* peak resident memory of the child */
} runner_result;

/* Starts instance `id`; the counterexample (VNN-COMP results file) goes to
 * cex_path. 0 on success; on failure j->pid stays 0 and e says why. */
nc_status runner_start(const runner_opts *o, const char *net, const char *prop, double timeout,
                       const char *cex_path, int id, runner_job *j, nc_err *e);

/* Reaps j when it has ended (returns 1 and fills r, frees the slot), kills
 * it when past its kill time, else returns 0. */
int runner_poll(runner_job *j, runner_result *r);

/* Kills j's process group and reaps it without a result (interrupted). */
void runner_cancel(runner_job *j);

#endif
