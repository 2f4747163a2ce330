/* candidate: the one gate every counterexample passes through.
 *
 * Searches (sampling, attack, branch and bound, solver models) propose
 * points; candidate_accept re-checks each exactly (solvers/exact.h) and
 * only then records it in the result as the counterexample.
 */
#ifndef NC_CANDIDATE_H
#define NC_CANDIDATE_H

#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"
#include "verify/driver.h"

typedef struct {
    const net *n;
    const prop_case *pc;
    verify_result *r;
    nc_err *e;
    nc_status status;   /* set when the check itself failed */
} cex_ctx;

/* Callback shape of falsify_cb/bab: returns 1 when x is a counterexample
 * (r->v becomes VERDICT_VIOLATED, r->x and r->y are filled), 0 when it is
 * not (r->candidates counts it), -1 on error (c->status). */
int candidate_accept(void *cex_ctx_ptr, const double *x);

#endif
