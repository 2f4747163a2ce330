/* gate: running a release policy (app/policy.h) against its model.
 *
 * Everything the policy names is loaded and checked before any check runs
 * (the model, each property, each data set, each box against the model's
 * shape), so a bad policy fails fast with the policy's file and line. Then
 * each check is decided:
 *   property      holds -> pass, violated -> fail (with the counterexample),
 *                 unknown/timeout -> unknown;
 *   output-range  the same, on the property "output k leaves [lo, hi]
 *                 somewhere in the box";
 *   robustness    with r the samples required (min_certified x samples,
 *                 rounded up): certified >= r -> pass; certified + unknown
 *                 < r -> fail (the shortfall is certain); else unknown.
 * An unknown counts as a failure unless the check says `unknown: pass`.
 */
#ifndef NC_GATE_H
#define NC_GATE_H

#include "app/policy.h"
#include "core/err.h"

typedef enum { GATE_PASS, GATE_FAIL, GATE_UNKNOWN } gate_verdict;

typedef struct {
    const policy_check *check;
    gate_verdict verdict;
    int passes;              /* pass, or an unknown the check tolerates */
    double seconds;
    char result[32];         /* holds / violated / unknown / timeout, or the certified fraction */
    char method[96];
    char detail[1024];       /* one line for people */
    char *counterexample;    /* VNN-COMP assignment text, or NULL (owned) */
    /* robustness */
    int samples, correct, certified, falsified, unknown, required;
    double certified_accuracy;
} gate_result;

typedef struct {
    const policy *pol;
    int n;
    gate_result *results;
    double seconds;
} gate_report;

/* Loads what the policy names and runs every check; jobs threads for branch
 * and bound. NC_EINPUT (naming the policy's file and line) when something
 * it names is missing or does not fit the model. */
nc_status gate_run(const policy *p, int jobs, gate_report *out, nc_err *e);
void gate_report_free(gate_report *r);

/* 0 every check passes, 1 some check fails, 2 only unknowns stand in the way. */
int gate_exit_code(const gate_report *r);

const char *gate_verdict_name(gate_verdict v);   /* pass / fail / unknown */

#endif
