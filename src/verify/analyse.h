/* analyse: sound bounds of a network over one input region, by one named
 * abstract domain, for `nncert bounds` and for the driver's cascade.
 *
 * "Pure" bounds use only the chosen domain (for comparison with other
 * tools); otherwise every pre-activation box is the intersection of the
 * interval bounds and the domain's own, which is never looser than either.
 */
#ifndef NC_ANALYSE_H
#define NC_ANALYSE_H

#include "core/bounds.h"
#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"

typedef enum { DOM_INTERVAL, DOM_ZONOTOPE, DOM_CROWN, DOM_ALPHA_CROWN, DOM_STAR } domain_kind;

typedef struct {
    int pure;           /* 1: the domain alone; 0: intersect with interval bounds */
    int alpha_iters;    /* alpha-CROWN iterations */
    double alpha_lr;
    double deadline;    /* clock_now() time after which optimisation stops (0: none) */
} analyse_opts;

void analyse_opts_init(analyse_opts *o);

/* Parses "interval", "zonotope", "crown", "alpha-crown", "star"; 0 on success. */
int domain_parse(const char *name, domain_kind *out);
const char *domain_name(domain_kind d);

/* Bounds of the outputs (ylo, yhi: n->out_dim each) over the box of case
 * pc, and, if rlo/rhi are non-NULL, of every output row of pc (in disjunct
 * order, prop_row a . y + d). b receives the pre-activation boxes used. */
nc_status analyse_case(const net *n, const prop_case *pc, domain_kind d, const analyse_opts *o,
                       bounds *b, double *ylo, double *yhi, double *rlo, double *rhi,
                       nc_err *e);

/* Sound lower bounds of m rows (C: m x out_dim, offsets dd) after the boxes
 * in b were set by analyse_case with domain d. */
nc_status analyse_rows(const net *n, bounds *b, domain_kind d, const analyse_opts *o, int m,
                       const double *C, const double *dd, double *lower, nc_err *e);

#endif
