#include "verify/solve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bounds.h"
#include "core/clock.h"
#include "solvers/smt.h"
#include "verify/analyse.h"
#include "verify/candidate.h"

/* CROWN boxes of case pc into a fresh bounds (caller frees); NULL on error. */
static bounds *case_bounds(const net *n, const prop_case *pc, double deadline, nc_err *e)
{
    bounds *b = bounds_new(n, e);
    double *ylo = err_calloc(e, (size_t)n->out_dim, sizeof *ylo);
    double *yhi = err_calloc(e, (size_t)n->out_dim, sizeof *yhi);
    analyse_opts ao;
    analyse_opts_init(&ao);
    ao.deadline = deadline;
    if (!b || !ylo || !yhi || analyse_case(n, pc, DOM_CROWN, &ao, b, ylo, yhi, NULL, NULL, e)) {
        bounds_free(b);
        b = NULL;
    }
    free(ylo), free(yhi);
    return b;
}

int solve_unstable_count(const net *n, const prop_case *pc, nc_err *e)
{
    bounds *b = case_bounds(n, pc, 0, e);
    if (!b) return -1;
    int count = 0;
    for (int k = 0; k < n->n; k++) {
        net_kind kind = n->layers[k].kind;
        if (kind != NET_RELU && kind != NET_LEAKY_RELU) continue;
        for (int i = 0; i < b->dim[k]; i++) count += b->lo[k][i] < 0 && b->hi[k][i] > 0;
    }
    bounds_free(b);
    return count;
}

nc_status solve_cases(const net *n, const prop *p, double deadline, int *proved, verify_result *r,
                      int *timed_out, char *why, size_t why_cap, nc_err *e)
{
    double *x = err_calloc(e, (size_t)n->in_dim, sizeof *x);
    if (!x) return e->code;
    nc_status st = NC_OK;
    for (int k = 0; k < p->n_cases && !st && r->v != VERDICT_VIOLATED; k++) {
        if (proved[k]) continue;
        const prop_case *pc = &p->cases[k];
        bounds *b = case_bounds(n, pc, deadline, e);
        if (!b) {
            st = e->code;
            break;
        }
        smt_answer ans;
        char reason[256];
        st = smt_decide_case(n, pc, b, deadline, &ans, x, reason, sizeof reason, e);
        bounds_free(b);
        if (st) break;
        if (ans == SMT_UNSAT) {
            proved[k] = 1;
        } else if (ans == SMT_SAT) {
            cex_ctx c = { .n = n, .pc = pc, .r = r, .e = e };
            if (candidate_accept(&c, x) < 0) st = c.status;
            else if (r->v != VERDICT_VIOLATED && why)
                snprintf(why, why_cap, "the solver's model, rounded to doubles, failed the exact check");
        } else {
            if (deadline > 0 && clock_now() >= deadline - 0.05) *timed_out = 1;
            if (why) snprintf(why, why_cap, "%s", reason);
        }
    }
    free(x);
    return st;
}
