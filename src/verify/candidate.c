#include "verify/candidate.h"

#include <stdlib.h>
#include <string.h>

#include "solvers/exact.h"

int candidate_accept(void *vctx, const double *x)
{
    cex_ctx *c = vctx;
    exact_result er;
    c->status = exact_check(c->n, c->pc, x, &er, c->e);
    if (c->status) return -1;
    if (!er.in_input || er.disjunct < 0) {
        exact_result_free(&er);
        c->r->candidates++;
        return 0;
    }
    verify_result *r = c->r;
    if (r->v == VERDICT_VIOLATED) {   /* one counterexample is enough: keep the first */
        exact_result_free(&er);
        return 1;
    }
    r->x = malloc((size_t)c->n->in_dim * sizeof *r->x);
    if (!r->x) {
        exact_result_free(&er);
        c->status = err_set(c->e, NC_ENOMEM, "out of memory");
        return -1;
    }
    memcpy(r->x, x, (size_t)c->n->in_dim * sizeof *x);
    r->y = er.y;   /* ownership moves to the result */
    r->v = VERDICT_VIOLATED;
    return 1;
}
