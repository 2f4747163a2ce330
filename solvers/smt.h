/* smt: exact decision of one property case with the Z3 SMT solver.
 *
 * The network and the case are encoded in linear real arithmetic with every
 * number exact: float weights are dyadic rationals and enter Z3 as such
 * (through GMP), so Z3's rational arithmetic decides the real-valued
 * network itself. ReLU is an if-then-else, LeakyReLU too; a neuron whose
 * known pre-activation bounds (optional `b`, from any sound domain) decide
 * its phase is encoded as the linear piece it is, and the bounds of the
 * others are asserted as lemmas. The input set is the case's outer box
 * with its general rows; each unsafe row is relaxed by its decimal
 * conversion slack (core/prop.h) and strict rows are taken closed, so
 * "unsat" proves the exact property. A model is only a candidate: its
 * inputs are rounded to doubles inside the inner box and must pass the
 * exact check (solvers/exact.h) before anyone calls it a counterexample.
 * Sigmoid and Tanh are not piecewise linear: such networks get SMT_UNKNOWN.
 */
#ifndef NC_SMT_H
#define NC_SMT_H

#include <stddef.h>

#include "core/bounds.h"
#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"

typedef enum { SMT_UNSAT, SMT_SAT, SMT_UNKNOWN } smt_answer;

/* Decides case pc on n before `deadline` (clock_now() time; 0: none).
 * On SMT_SAT, x (n->in_dim doubles) receives the candidate. On
 * SMT_UNKNOWN, why says what stopped it. */
nc_status smt_decide_case(const net *n, const prop_case *pc, const bounds *b, double deadline,
                          smt_answer *ans, double *x, char *why, size_t why_cap, nc_err *e);

#endif
