/* prop: the property IR, what a VNNLIB file means.
 *
 * A property is a disjunction of cases. Case k says: some x with
 *   lo_k <= x <= hi_k  and  G_k x + g_k <= 0 (the general input rows)
 * maps to some y = f(x) in the unsafe set U_k = OR_d AND_r (a_r . y + d_r <= 0).
 * The property is *violated* iff some case has such an x, and *holds* iff
 * none does.
 *
 * Numbers in a VNNLIB file are decimals; they are stored as doubles together
 * with rigorous bounds on the conversion error, so both directions stay sound:
 *  - a row  a . v + d <= 0  stores `cerr` and `derr` such that, for the exact
 *    decimal row  a* . v + d* <= 0,  |a*_i - a_i| <= cerr  and  |d* - d| <= derr.
 *    The exact value of a row at v therefore lies within
 *    a.v + d +- (cerr * sum|v_i| + derr).
 *  - the box has an outer rounding [lo, hi] (contains the exact box: used to
 *    prove) and an inner rounding [lo_in, hi_in] (inside the exact box: any
 *    double point in it is in the exact box; used to search and to check).
 * `strict` marks rows that came from < or >: a counterexample must satisfy
 * them strictly; a proof covers their closure, which is sound.
 *
 * Ownership: a prop owns its cases; a case owns its arrays and rows.
 */
#ifndef NC_PROP_H
#define NC_PROP_H

#include "core/err.h"

typedef struct {
    double *a;     /* coefficients, one per variable of the row's space */
    double d;      /* constant term */
    double cerr;   /* bound on each coefficient's conversion error */
    double derr;   /* bound on the constant's conversion error */
    int strict;    /* came from < or > */
} prop_row;

typedef struct {
    int n_rows;
    prop_row *rows;   /* rows over the outputs: all must hold (<= 0) */
} prop_conj;

typedef struct {
    double *lo, *hi;        /* outer box over the inputs (may be +-inf) */
    double *lo_in, *hi_in;  /* inner box */
    int n_lin;
    prop_row *lin;          /* general input rows over X (all must hold) */
    int n_disj;
    prop_conj *disj;        /* the unsafe set: OR of conjunctions over Y */
} prop_case;

typedef struct {
    int n_in, n_out;
    int n_cases;
    prop_case *cases;
} prop;

void prop_free(prop *p);
/* Frees one case's arrays and zeroes it. */
void prop_case_clear(prop_case *c);

/* Value of row r at v (length n) in double (round to nearest); `slack`
 * receives a rigorous bound on |exact decimal row - computed value| up to
 * the floating-point rounding of this evaluation itself (callers that need
 * rigour widen by core/fpround). */
double prop_row_eval(const prop_row *r, int n, const double *v, double *slack);

/* Number of output rows over all disjuncts of all cases. */
int prop_total_rows(const prop *p);

#endif
