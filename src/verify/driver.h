/* driver: decides one property on one network (the portfolio).
 *
 * Stages, cheapest first, per case of the property (core/prop.h):
 *   1. falsify by random sampling; candidates re-checked exactly (GMP);
 *   2. prove with sound bounds, cheapest first: interval, CROWN, alpha-CROWN
 *      (verify/prove.h says when a case counts as proved);
 *   3. when the input dimension is low (bab_max_inputs): exact star-set
 *      reachability (verify/star_reach.h) when every activation is ReLU or
 *      LeakyReLU, else branch and bound on the input box
 *      (verify/bab_input.h), until the deadline;
 *   4. falsify by the gradient attack on the cases not proved;
 *   5. for higher input dimension and piecewise-linear networks: branch
 *      and bound on ReLU phases (verify/bab_relu.h) until the deadline;
 *   6. decide what is left exactly with SMT (verify/solve.h) when few ReLUs
 *      are unstable (smt_max_unstable).
 * With method VERIFY_SMT only the exact solver runs; with VERIFY_STAR only
 * star-set reachability; with VERIFY_BAB only input branch and bound; with
 * VERIFY_BAB_RELU only ReLU branch and bound; with VERIFY_MILP GLPK's
 * mixed-integer program (solvers/milp.h) per disjunct, whose counterexamples
 * are checked exactly and whose "none exists" is confirmed by ReLU branch
 * and bound before the answer is "holds".
 * The property holds when every case holds, is violated as soon as one
 * exactly checked counterexample is found, and is otherwise unknown (or
 * timeout when the deadline passed first).
 */
#ifndef NC_DRIVER_H
#define NC_DRIVER_H

#include <stdint.h>

#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"

struct star_s;

/* How to decide: the portfolio, or one exact solver on the whole problem. */
typedef enum { VERIFY_AUTO = 0, VERIFY_SMT, VERIFY_STAR, VERIFY_BAB, VERIFY_BAB_RELU,
               VERIFY_MILP } verify_method;

/* "auto", "smt", "star", "bab", "bab-relu", "milp"; 0 on success. */
int verify_method_parse(const char *name, verify_method *out);

/* UNKNOWN is zero so that a zeroed result never claims anything. */
typedef enum { VERDICT_UNKNOWN = 0, VERDICT_HOLDS, VERDICT_VIOLATED, VERDICT_TIMEOUT } verdict;

typedef struct {
    double timeout;    /* seconds; <= 0 means none */
    uint64_t seed;
    int samples, restarts, steps;   /* falsification budget */
    int alpha_iters;                /* alpha-CROWN iterations (0: skip alpha-CROWN) */
    int bab_max_inputs;             /* input splitting when in_dim <= this (0: never) */
    int jobs;                       /* threads for branch and bound */
    double max_memory;              /* bytes the branch-and-bound queue may use */
    verify_method method;
    int smt_max_unstable;           /* auto: SMT last when at most this many ReLUs are unstable */
    int star_overapprox;            /* star: prune with CROWN + LP */
    int relu_bab;                   /* auto: ReLU branch and bound for high input dimension */
    /* star: called with every output piece (the star is borrowed); non-zero stops */
    int (*on_piece)(void *ctx, struct star_s *s);
    void *piece_ctx;
} verify_opts;

void verify_opts_init(verify_opts *o);

/* A quarter of the physical memory, the default for max_memory. */
double verify_default_memory(void);

typedef struct {
    verdict v;
    double seconds;
    const char *method;   /* stage that decided: "falsify", "attack", "interval", "crown",
                             "alpha-crown", "star", "bab-input", "bab-relu", "smt",
                             "milp", "milp+bab-relu";
                             for unknown/timeout the stages tried */
    int n_in, n_out;
    double *x, *y;        /* counterexample when violated (owned) */
    long candidates;      /* candidates rejected by the exact check */
    long boxes;           /* boxes bounded by input branch and bound */
    long subproblems;     /* subproblems bounded by ReLU branch and bound */
    long depth_first;     /* boxes or subproblems of those taken depth first
                             (queue at half of max_memory) */
    double open_bound;    /* ReLU branch and bound cut short: the worst bound it
                             still had queued, over the cases (NaN: none) */
    long disjuncts;       /* unsafe-set disjuncts ReLU branch and bound had to
                             exclude (one search each), over the cases */
    long disjuncts_excluded;   /* those it excluded */
    long refined;         /* root box ends it tightened (verify/refine.h) */
    double refine_seconds;     /* the time that took */
    long stars;           /* stars processed by star-set reachability */
    long pieces;          /* output pieces it reached */
    long lp_calls;        /* LPs it solved */
    long lp_failures;     /* LPs GLPK failed on (sound: the bound was -inf) */
} verify_result;

/* Decides p on n. NC_EINPUT when their dimensions differ. r is filled on
 * success (free with verify_result_free). */
nc_status verify_property(const net *n, const prop *p, const verify_opts *o, verify_result *r,
                          nc_err *e);
void verify_result_free(verify_result *r);

const char *verdict_name(verdict v);     /* holds / violated / unknown / timeout */
const char *verdict_vnncomp(verdict v);  /* unsat / sat / unknown / timeout */

/* Checks that p's variables match n's inputs and outputs; names both files. */
nc_status verify_check_dims(const net *n, const prop *p, const char *net_path,
                            const char *prop_path, nc_err *e);

#endif
