/* gate_output: what `nncert gate` tells people and CI systems.
 *
 * A table for terminals and logs, JUnit XML (one testsuite per policy, one
 * testcase per check; a failing check carries a <failure> with the
 * counterexample or the shortfall, a tolerated unknown is <skipped>), a JSON
 * document for dashboards (docs/ci.md), and regressions against the JSON of
 * an earlier run: a check that passed and no longer does, certified
 * accuracy that dropped, a passing check that became slower by more than a
 * factor (and by more than half a second).
 */
#ifndef NC_GATE_OUTPUT_H
#define NC_GATE_OUTPUT_H

#include <stdio.h>

#include "app/gate.h"
#include "core/err.h"

typedef struct {
    char check[256];
    char kind[16];       /* verdict / accuracy / time */
    char detail[512];
} gate_regression;

typedef struct {
    int n;
    gate_regression items[64];
} gate_regressions;

void gate_print_table(FILE *f, const gate_report *r, const gate_regressions *reg);
nc_status gate_write_junit(const char *path, const gate_report *r, const gate_regressions *reg,
                           nc_err *e);
nc_status gate_write_json(const char *path, const gate_report *r, const gate_regressions *reg,
                          nc_err *e);

/* Compares r with the JSON written by an earlier run (gate_write_json). */
nc_status gate_compare_baseline(const char *path, const gate_report *r, double slower_factor,
                                gate_regressions *out, nc_err *e);

#endif
