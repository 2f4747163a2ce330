/* testutil: shared helpers for the Criterion tests. */
#ifndef NC_TESTUTIL_H
#define NC_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/net.h"
#include "core/prop.h"
#include "core/rng.h"
#include "verify/driver.h"

/* A fresh file path inside a per-process temporary directory (static
 * buffer rotation: valid for a few calls). */
const char *tu_path(const char *name);
/* Writes text to path; returns path. */
const char *tu_write(const char *name, const char *text);
/* The benchmarks directory (NNCERT_BENCHMARKS or ../shared/benchmarks), or
 * NULL when it is absent. */
const char *tu_benchmarks(void);
/* The nncert binary under test (NNCERT_BIN or build/nncert). */
const char *tu_bin(void);
/* Runs a shell command; captures stdout+stderr into out (size n); returns
 * the exit code. */
int tu_run(const char *cmd, char *out, int n);
/* Runs the nncert binary under test with args (a shell fragment); output
 * and exit code as tu_run. */
int tu_nncert(const char *args, char *out, int n);
/* The whole text of a file (up to 64 KiB) in a static buffer, or NULL. */
const char *tu_slurp(const char *path);

/* A random network: in -> hidden[0] -> ... -> out with activation `act`
 * after every hidden affine layer; weights ~ N(0, 1/sqrt(fan-in)). */
net *tu_random_net(rng *r, int in, const int *hidden, int n_hidden, int out, net_kind act);

/* Pre-activation values of every activation layer of n at x into z[k]
 * (z[k] NULL for other layers; widths up to 64). */
void tu_preacts(const net *n, const double *x, double **z);

/* An infinity-norm Lipschitz constant of n (product of the induced norms
 * of its affine layers; ReLU-like activations are 1-Lipschitz). */
double tu_lipschitz(const net *n);

/* The property "Y_0 >= t" over the box [lo_i, lo_i + w], i < d (d <= 8);
 * NULL if it does not parse. */
prop *tu_threshold_prop(int d, const double *lo, double w, double t);

/* The exact maximum of y0 over the box [lo_i, lo_i + w] (d <= 8) of a net
 * in -> h1 -> h2 -> 1 (ReLU or LeakyReLU, h1 + h2 <= 16) by enumerating
 * every activation pattern and maximising its affine function over its
 * polytope with one GLPK LP each. */
double tu_pattern_max(const net *n, const double *lo, double w);

/* Decides p on n by method m with `jobs` threads and a 60 s timeout;
 * *method (may be NULL) gets the deciding method's name (valid until the
 * next decision on this thread), *r (may be NULL) a copy of the counters
 * (its counterexample not kept). Returns the verdict, or -1 on error. */
int tu_decide(const net *n, const prop *p, verify_method m, int jobs, const char **method,
              verify_result *r);

/* On `trials` random nets in -> 5 -> 4 -> 1 (2-4 inputs; ReLU, every third
 * LeakyReLU) from `seed`: method m with 1..max_jobs threads must answer
 * "holds" for "y0 >= max + eps" and "violated" for "y0 >= max - eps", with
 * max from tu_pattern_max and eps = rel (1 + |max|). Returns 0, or -1 with
 * the first disagreement described in msg. *by_method (may be NULL) counts
 * the violated answers whose deciding method was `name` (NULL: none). */
int tu_pattern_trials(uint64_t seed, int trials, double rel, verify_method m, int max_jobs,
                      const char *name, int *by_method, char *msg, size_t cap);

/* y = relu(x0 + x1): two inputs, one output. */
net *tu_sum_net(void);

#endif
