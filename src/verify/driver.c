#include "verify/driver.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bounds.h"
#include "core/clock.h"
#include "core/fpround.h"
#include "domains/crown.h"
#include "domains/interval.h"
#include "solvers/exact.h"
#include "solvers/milp.h"
#include "verify/bab_input.h"
#include "verify/bab_relu.h"
#include "verify/candidate.h"
#include "verify/solve.h"
#include "verify/star_reach.h"
#include "verify/falsify.h"
#include "verify/prove.h"

void verify_opts_init(verify_opts *o)
{
    falsify_opts f;
    falsify_opts_init(&f);
    o->timeout = 0.0;
    o->seed = f.seed;
    o->samples = f.samples;
    o->restarts = f.restarts;
    o->steps = f.steps;
    o->alpha_iters = 20;
    o->bab_max_inputs = 16;
    o->jobs = 1;
    o->max_memory = verify_default_memory();
    o->method = VERIFY_AUTO;
    o->smt_max_unstable = 48;
    o->star_overapprox = 1;
    o->relu_bab = 1;
    o->on_piece = NULL;
    o->piece_ctx = NULL;
}

int verify_method_parse(const char *name, verify_method *out)
{
    if (!strcmp(name, "auto")) *out = VERIFY_AUTO;
    else if (!strcmp(name, "smt")) *out = VERIFY_SMT;
    else if (!strcmp(name, "star")) *out = VERIFY_STAR;
    else if (!strcmp(name, "bab")) *out = VERIFY_BAB;
    else if (!strcmp(name, "bab-relu")) *out = VERIFY_BAB_RELU;
    else if (!strcmp(name, "milp")) *out = VERIFY_MILP;
    else return -1;
    return 0;
}

/* The exact solver alone on every case. */
static nc_status verify_smt(const net *n, const prop *p, double deadline, int *proved,
                            verify_result *r, nc_err *e)
{
    int timed_out = 0;
    char why[256] = "";
    nc_status st = solve_cases(n, p, deadline, proved, r, &timed_out, why, sizeof why, e);
    if (st) return st;
    r->method = "smt";
    if (r->v == VERDICT_VIOLATED) return NC_OK;
    int all = 1;
    for (int k = 0; k < p->n_cases; k++) all = all && proved[k];
    r->v = all ? VERDICT_HOLDS : timed_out ? VERDICT_TIMEOUT : VERDICT_UNKNOWN;
    return NC_OK;
}

/* What the exact search of stage 3 did on one case. */
typedef enum { CASE_PROVED, CASE_FOUND, CASE_TIMEOUT, CASE_MEMORY, CASE_OPEN } case_outcome;

/* The complete searches. */
typedef enum { SEARCH_BAB_INPUT, SEARCH_STAR, SEARCH_BAB_RELU } search_kind;

static const char *search_name(search_kind k)
{
    static const char *names[] = { "bab-input", "star", "bab-relu" };
    return names[k];
}

/* A complete search on case k (disjuncts in root_done already excluded);
 * its counters go into r, and for CASE_OPEN `why` says what stopped it
 * (may be empty). */
static nc_status search_case(search_kind kind, const net *n, const prop *p, int k, const verify_opts *o,
                             double deadline, const char *root_done, verify_result *r,
                             case_outcome *oc, char *why, size_t why_cap, nc_err *e)
{
    cex_ctx c = { .n = n, .pc = &p->cases[k], .r = r, .e = e };
    nc_status st;
    why[0] = 0;
    static const case_outcome map[] = { CASE_PROVED, CASE_FOUND, CASE_TIMEOUT, CASE_MEMORY, CASE_OPEN };
    if (kind == SEARCH_BAB_RELU) {
        rbab_opts ro;
        rbab_opts_init(&ro);
        ro.deadline = deadline;
        ro.jobs = o->jobs;
        ro.max_nodes = rbab_nodes_for_memory(n, o->max_memory);
        ro.root_done = root_done;
        rbab_result rr;
        st = bab_relu(n, &p->cases[k], &ro, candidate_accept, &c, &rr, e);
        r->subproblems += rr.nodes;
        r->depth_first += rr.deep;
        r->refined += rr.refined;
        r->refine_seconds += rr.refine_seconds;
        r->disjuncts += rr.trees;
        r->disjuncts_excluded += rr.trees_proved;
        if (!isnan(rr.open_bound) && !(rr.open_bound >= r->open_bound))
            r->open_bound = rr.open_bound;   /* the worst over the cases */
        *oc = map[rr.outcome];
        if (rr.outcome == RBAB_STUCK) snprintf(why, why_cap, "%s", rr.why);
    } else if (kind == SEARCH_STAR) {
        star_opts so;
        star_opts_init(&so);
        so.deadline = deadline;
        so.jobs = o->jobs;
        so.max_stars = star_stars_for_memory(n, o->max_memory);
        so.overapprox = o->star_overapprox;
        so.on_piece = o->on_piece;
        so.piece_ctx = o->piece_ctx;
        so.root_done = root_done;
        star_result sr;
        st = star_reach(n, &p->cases[k], &so, candidate_accept, &c, &sr, e);
        r->stars += sr.stars;
        r->pieces += sr.pieces;
        r->lp_calls += sr.lp_calls;
        r->lp_failures += sr.lp_failures;
        *oc = map[sr.outcome];
        if (sr.outcome == STAR_UNKNOWN) snprintf(why, why_cap, "%s", sr.why);
    } else {
        bab_opts bo;
        bab_opts_init(&bo);
        bo.deadline = deadline;
        bo.jobs = o->jobs;
        bo.max_boxes = bab_boxes_for_memory(n, &p->cases[k], o->max_memory);
        bo.root_done = root_done;
        bab_result br;
        st = bab_input(n, &p->cases[k], &bo, candidate_accept, &c, &br, e);
        r->boxes += br.boxes;
        r->depth_first += br.deep;
        *oc = map[br.outcome];
    }
    if (!st && c.status) st = c.status;
    return st;
}

/* One complete search alone on every case: --method star, bab, bab-relu. */
static nc_status verify_search(search_kind kind, const net *n, const prop *p, const verify_opts *o,
                               double deadline, verify_result *r, nc_err *e)
{
    static _Thread_local char method[200];
    const char *name = search_name(kind);
    int all = 1, timed_out = 0, memory_out = 0;
    char why[160] = "", first_why[160] = "";
    r->method = name;
    for (int k = 0; k < p->n_cases && r->v != VERDICT_VIOLATED && !timed_out; k++) {
        case_outcome oc;
        nc_status st = search_case(kind, n, p, k, o, deadline, NULL, r, &oc, why, sizeof why, e);
        if (st) return st;
        if (oc == CASE_PROVED || oc == CASE_FOUND) continue;
        all = 0;
        timed_out = oc == CASE_TIMEOUT;
        memory_out = memory_out || oc == CASE_MEMORY;
        if (why[0] && !first_why[0]) snprintf(first_why, sizeof first_why, "%s", why);
    }
    if (r->v == VERDICT_VIOLATED) return NC_OK;
    r->v = all ? VERDICT_HOLDS : timed_out ? VERDICT_TIMEOUT : VERDICT_UNKNOWN;
    if (r->v == VERDICT_UNKNOWN && (memory_out || first_why[0])) {
        snprintf(method, sizeof method, "%s (%s)", name, memory_out ? "memory limit" : first_why);
        r->method = method;
    }
    return NC_OK;
}

/* GLPK's MILP on every disjunct of case k: a minimiser below zero goes to
 * the exact check; *claim says GLPK found none on any disjunct (a claim
 * only); *unsupported that the network cannot be encoded. */
static nc_status milp_case(const net *n, const prop_case *pc, double deadline, verify_result *r,
                           int *claim, int *unsupported, nc_err *e)
{
    *claim = 1;
    *unsupported = 0;
    bounds *b = bounds_new(n, e);
    double *x = err_calloc(e, (size_t)n->in_dim + 1, sizeof *x);
    nc_status st = b && x ? NC_OK : e->code;
    crown_opts co;
    crown_opts_init(&co);
    co.intersect = 1;
    co.alpha_iters = 20;
    co.deadline = deadline;
    if (!st) st = itv_propagate(n, pc->lo, pc->hi, b, e);
    if (!st) st = crown_intermediate(n, b, &co, e);
    cex_ctx c = { .n = n, .pc = pc, .r = r, .e = e };
    for (int k = 0; !st && k < pc->n_disj && r->v != VERDICT_VIOLATED && !*unsupported; k++) {
        milp_outcome oc;
        int bins;
        /* half of what is left, shared by the disjuncts to go: the rest
         * is for the confirmation */
        double slice = deadline > 0 ? clock_now() + 0.5 * (deadline - clock_now()) / (pc->n_disj - k) : 0;
        st = milp_disjunct(n, pc, k, b, slice, &oc, x, &bins, e);
        for (int j = 0; oc == MILP_BELOW && j < n->in_dim; j++)   /* GLPK's tolerances */
            x[j] = x[j] < pc->lo_in[j] ? pc->lo_in[j] : x[j] > pc->hi_in[j] ? pc->hi_in[j] : x[j];
        if (!st && oc == MILP_BELOW && candidate_accept(&c, x) == 1) r->method = "milp";
        if (!st && c.status) st = c.status;
        *claim = *claim && oc == MILP_ABOVE;
        *unsupported = oc == MILP_UNSUPPORTED;
    }
    bounds_free(b);
    free(x);
    return st;
}

/* --method milp: GLPK's MILP per disjunct for counterexamples; its claim
 * that none exists is not trusted but confirmed by ReLU branch and bound
 * (rigorous bounds) before "holds". */
static nc_status verify_milp(const net *n, const prop *p, const verify_opts *o, double deadline,
                             verify_result *r, nc_err *e)
{
    static _Thread_local char method[200];
    int all = 1, timed_out = 0;
    r->method = "milp";
    for (int k = 0; k < p->n_cases && r->v != VERDICT_VIOLATED && !timed_out; k++) {
        int claim, unsupported;
        nc_status st = milp_case(n, &p->cases[k], deadline, r, &claim, &unsupported, e);
        if (st) return st;
        if (r->v == VERDICT_VIOLATED) break;
        if (unsupported) {
            snprintf(method, sizeof method, "milp (not piecewise linear)");
            r->method = method;
            r->v = VERDICT_UNKNOWN;
            return NC_OK;
        }
        case_outcome oc;
        char why[160];
        st = search_case(SEARCH_BAB_RELU, n, p, k, o, deadline, NULL, r, &oc, why, sizeof why, e);
        if (st) return st;
        if (oc == CASE_FOUND) r->method = "milp+bab-relu";
        if (oc == CASE_PROVED || oc == CASE_FOUND) continue;
        all = 0;
        timed_out = oc == CASE_TIMEOUT || (deadline > 0 && clock_now() > deadline);
    }
    if (r->v == VERDICT_VIOLATED) return NC_OK;
    r->v = all ? VERDICT_HOLDS : timed_out ? VERDICT_TIMEOUT : VERDICT_UNKNOWN;
    if (all) r->method = "milp+bab-relu";
    return NC_OK;
}

/* True when every activation of n is ReLU or LeakyReLU. */
static int piecewise_linear(const net *n)
{
    for (int k = 0; k < n->n; k++)
        if (net_is_activation(n->layers[k].kind) && n->layers[k].kind != NET_RELU &&
            n->layers[k].kind != NET_LEAKY_RELU)
            return 0;
    return 1;
}

double verify_default_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    double ram = pages > 0 && size > 0 ? (double)pages * (double)size : 4e9;
    return ram / 4;   /* a quarter of the machine: room for everything else */
}

void verify_result_free(verify_result *r)
{
    free(r->x), free(r->y);
    r->x = r->y = NULL;
}

const char *verdict_name(verdict v)
{
    static const char *names[] = { "unknown", "holds", "violated", "timeout" };
    return names[v];
}

const char *verdict_vnncomp(verdict v)
{
    static const char *names[] = { "unknown", "unsat", "sat", "timeout" };
    return names[v];
}

nc_status verify_check_dims(const net *n, const prop *p, const char *net_path,
                            const char *prop_path, nc_err *e)
{
    if (p->n_in != n->in_dim)
        return err_set(e, NC_EINPUT, "%s: declares %d inputs (X_0..X_%d) but %s takes %d",
                       prop_path, p->n_in, p->n_in - 1, net_path, n->in_dim);
    if (p->n_out != n->out_dim)
        return err_set(e, NC_EINPUT, "%s: declares %d outputs (Y_0..Y_%d) but %s gives %d",
                       prop_path, p->n_out, p->n_out - 1, net_path, n->out_dim);
    return NC_OK;
}

/* Runs falsification phase `phase` on case k; returns the falsify_run code. */
static int falsify_case(const net *n, const prop_case *pc, int phase, const verify_opts *o,
                        double deadline, verify_result *r, nc_err *e, nc_status *st)
{
    falsifier *f = falsify_new(n, pc, e);
    if (!f) {
        *st = e->code;
        return -1;
    }
    falsify_opts fo;
    falsify_opts_init(&fo);
    fo.seed = o->seed;
    fo.samples = o->samples;
    fo.restarts = o->restarts;
    fo.steps = o->steps;
    fo.deadline = deadline;
    cex_ctx c = { .n = n, .pc = pc, .r = r, .e = e };
    int res = falsify_run(f, phase, &fo, candidate_accept, &c, NULL);
    falsify_free(f);
    *st = c.status;
    return res;
}

/* A complete search in the portfolio on every case not proved yet
 * (done[k]: what the bounds excluded on the whole box): sets proved[k],
 * the verdict when it decides, *timed_out and *memory_out. */
static nc_status search_stage(search_kind kind, const net *n, const prop *p, const verify_opts *o,
                              double deadline, char **done, int *proved, verify_result *r,
                              int *timed_out, int *memory_out, nc_err *e)
{
    nc_status st = NC_OK;
    for (int k = 0; k < p->n_cases && !st && !*timed_out && r->v != VERDICT_VIOLATED &&
                    r->v != VERDICT_HOLDS; k++) {
        if (proved[k]) continue;
        case_outcome oc;
        char why[160];
        st = search_case(kind, n, p, k, o, deadline, done[k], r, &oc, why, sizeof why, e);
        if (st) break;
        if (oc == CASE_PROVED) proved[k] = 1;
        else if (oc == CASE_FOUND) r->method = search_name(kind);
        else if (oc == CASE_TIMEOUT) *timed_out = 1;
        else if (oc == CASE_MEMORY) *memory_out = 1;
    }
    if (!st && r->v != VERDICT_VIOLATED && r->v != VERDICT_HOLDS) {
        int all = 1;
        for (int k = 0; k < p->n_cases; k++) all = all && proved[k];
        if (all) {
            r->v = VERDICT_HOLDS;
            r->method = search_name(kind);
        }
    }
    return st;
}

nc_status verify_property(const net *n, const prop *p, const verify_opts *o, verify_result *r,
                          nc_err *e)
{
    memset(r, 0, sizeof *r);
    r->v = VERDICT_UNKNOWN;
    r->open_bound = NAN;
    r->n_in = n->in_dim;
    r->n_out = n->out_dim;
    r->method = "";
    double t0 = clock_now(), deadline = o->timeout > 0 ? t0 + o->timeout : 0.0;
    nc_status st = NC_OK;
    int timed_out = 0, memory_out = 0;
    int *proved = err_calloc(e, (size_t)p->n_cases, sizeof *proved);
    if (!proved) return e->code;
    if (o->method != VERIFY_AUTO) {
        search_kind kind = o->method == VERIFY_STAR ? SEARCH_STAR
                         : o->method == VERIFY_BAB_RELU ? SEARCH_BAB_RELU : SEARCH_BAB_INPUT;
        st = o->method == VERIFY_SMT    ? verify_smt(n, p, deadline, proved, r, e)
           : o->method == VERIFY_MILP ? verify_milp(n, p, o, deadline, r, e)
                                      : verify_search(kind, n, p, o, deadline, r, e);
        free(proved);
        if (st) {
            verify_result_free(r);
            return st;
        }
        r->seconds = clock_now() - t0;
        return NC_OK;
    }
    /* 1. sampling */
    for (int k = 0; k < p->n_cases && !st && r->v != VERDICT_VIOLATED; k++) {
        int res = falsify_case(n, &p->cases[k], 0, o, deadline, r, e, &st);
        if (res == 1) r->method = "falsify";
        if (res == 2) timed_out = 1;
    }
    /* 2. proofs, cheapest domain first; each works on the disjuncts left */
    static const domain_kind cascade[] = { DOM_INTERVAL, DOM_CROWN, DOM_ALPHA_CROWN };
    analyse_opts ao;
    analyse_opts_init(&ao);
    ao.alpha_iters = o->alpha_iters;
    ao.deadline = deadline;
    char **done = err_calloc(e, (size_t)p->n_cases, sizeof *done);
    if (!done) st = e->code;
    for (int k = 0; !st && k < p->n_cases; k++)
        if (!(done[k] = err_calloc(e, (size_t)p->cases[k].n_disj + 1, 1))) st = e->code;
    for (int c = 0; c < 3 && !st && r->v != VERDICT_VIOLATED; c++) {
        if (cascade[c] == DOM_ALPHA_CROWN && o->alpha_iters <= 0) break;
        if (deadline > 0 && clock_now() > deadline) {
            timed_out = 1;
            break;
        }
        int all = 1;
        for (int k = 0; k < p->n_cases && !st; k++) {
            if (!proved[k]) st = prove_case(n, &p->cases[k], cascade[c], &ao, done[k], &proved[k], e);
            all = all && proved[k];
        }
        if (!st && all) {
            r->v = VERDICT_HOLDS;
            r->method = domain_name(cascade[c]);
            break;
        }
    }
    /* 3. for low input dimension: exact star-set reachability on
     * piecewise-linear networks, else branch and bound on the input box */
    int pwl = piecewise_linear(n), low_dim = o->bab_max_inputs > 0 && n->in_dim <= o->bab_max_inputs;
    search_kind stage3 = pwl ? SEARCH_STAR : SEARCH_BAB_INPUT;
    if (!st && low_dim)
        st = search_stage(stage3, n, p, o, deadline, done, proved, r, &timed_out, &memory_out, e);
    /* 4. gradient attack on what is left */
    for (int k = 0; k < p->n_cases && !st && !timed_out && r->v != VERDICT_VIOLATED &&
                    r->v != VERDICT_HOLDS; k++) {
        if (proved[k]) continue;
        int res = falsify_case(n, &p->cases[k], 1, o, deadline, r, e, &st);
        if (res == 1) r->method = "attack";
        if (res == 2) timed_out = 1;
    }
    /* 5. for higher input dimension: branch and bound on ReLU phases */
    int relu_bab = !low_dim && pwl && o->relu_bab;
    if (!st && relu_bab)
        st = search_stage(SEARCH_BAB_RELU, n, p, o, deadline, done, proved, r, &timed_out,
                          &memory_out, e);
    for (int k = 0; done && k < p->n_cases; k++) free(done[k]);
    free(done);
    /* 6. exact solving when few neurons are undecided */
    int left = 0;
    for (int k = 0; k < p->n_cases && !st && !timed_out && r->v != VERDICT_VIOLATED &&
                    r->v != VERDICT_HOLDS && o->smt_max_unstable > 0; k++) {
        if (proved[k]) continue;
        int u = solve_unstable_count(n, &p->cases[k], e);
        if (u < 0) st = e->code;
        left += u;
    }
    if (!st && !timed_out && r->v != VERDICT_VIOLATED && r->v != VERDICT_HOLDS &&
        o->smt_max_unstable > 0 && left <= o->smt_max_unstable) {
        st = solve_cases(n, p, deadline, proved, r, &timed_out, NULL, 0, e);
        if (!st && r->v == VERDICT_VIOLATED) r->method = "smt";
        int all = 1;
        for (int k = 0; k < p->n_cases; k++) all = all && proved[k];
        if (!st && all) {
            r->v = VERDICT_HOLDS;
            r->method = "smt";
        }
    }
    free(proved);
    if (st) {
        verify_result_free(r);
        return st;
    }
    if (r->v != VERDICT_VIOLATED && r->v != VERDICT_HOLDS) {
        r->v = timed_out ? VERDICT_TIMEOUT : VERDICT_UNKNOWN;
        /* the stages tried, none decided */
        static _Thread_local char tried[200];
        const char *search = low_dim ? search_name(stage3) : relu_bab ? search_name(SEARCH_BAB_RELU) : NULL;
        if (!search) snprintf(tried, sizeof tried, "falsify+bounds+attack");
        else if (low_dim) snprintf(tried, sizeof tried, "falsify+bounds+%s%s+attack", search,
                                   memory_out ? " (memory limit)" : "");
        else snprintf(tried, sizeof tried, "falsify+bounds+attack+%s%s", search,
                      memory_out ? " (memory limit)" : "");
        r->method = tried;
    }
    r->seconds = clock_now() - t0;
    return NC_OK;
}
