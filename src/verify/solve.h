/* solve: deciding property cases with the exact solvers.
 *
 * For each case not yet decided, the pre-activation bounds of CROWN
 * (intersected with intervals) are computed first and handed to the solver
 * (solvers/smt.h), which then decides the case exactly; a model it returns
 * goes through the exact counterexample check (verify/candidate.h) like any
 * other candidate. Used by `--method smt` on the whole problem and by the
 * portfolio on small networks once the cheaper stages are done.
 */
#ifndef NC_SOLVE_H
#define NC_SOLVE_H

#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"
#include "verify/driver.h"

/* Decides the cases of p whose proved[] flag is 0 (setting it for those
 * shown safe), until a counterexample is accepted into r or the deadline.
 * *timed_out is set when the solver ran out of time; why (may be NULL)
 * receives the reason of an undecided case. */
nc_status solve_cases(const net *n, const prop *p, double deadline, int *proved, verify_result *r,
                      int *timed_out, char *why, size_t why_cap, nc_err *e);

/* Unstable ReLU-like neurons of n over case pc by CROWN bounds (for the
 * portfolio's choice); -1 on error. */
int solve_unstable_count(const net *n, const prop_case *pc, nc_err *e);

#endif
