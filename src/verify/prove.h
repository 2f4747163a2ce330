/* prove: sound proofs that a property case's unsafe set is unreachable.
 *
 * A disjunct (a conjunction of rows a . y + d <= 0) is unreachable when one
 * of its rows has a sound lower bound above zero over the case's input box
 * (>= 0 for a strict row), after subtracting the row's decimal-conversion
 * slack cerr * sum|y_i| + derr (core/prop.h). A case is proved when all its
 * disjuncts are. The domains are tried as a cascade by the caller; each call
 * only works on the disjuncts not yet proved.
 */
#ifndef NC_PROVE_H
#define NC_PROVE_H

#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"
#include "verify/analyse.h"

/* Tries domain d (intersected with interval bounds) on the disjuncts of pc
 * whose flag in done[] is 0, setting the flags of those it proves; *proved
 * is 1 when every flag is set. */
nc_status prove_case(const net *n, const prop_case *pc, domain_kind d, const analyse_opts *o,
                     char *done, int *proved, nc_err *e);

/* A row's sound lower bound lb minus its conversion slack over the output
 * box [ylo, yhi] (no entries), rounded down: the row is unsatisfiable when
 * the result is > 0 (>= 0 for a strict row). */
double prove_row_margin(const prop_row *r, double lb, const double *ylo, const double *yhi,
                        int no);

#endif
