/* star_crown: CROWN bounds of the property rows on a star's region, as
 * linear functions of the star's variables (the pruning step of
 * verify/star_reach.h).
 *
 * `from_star`: CROWN on the sub-network  (z, delta) -> V z + c + delta ->
 * layers `layer`.. , with delta in [-err, err] as extra inputs. At an exact
 * point of the region the true values are V z + c + delta* for some delta*
 * in that box, so bounds valid for every (z, delta) cover them. Neurons of
 * the current layer that were already cut hold their ReLU output (>= 0, or
 * exactly 0), on which ReLU is the identity, so in the middle of a layer
 * this is for ReLU networks; at a layer boundary for any activation.
 * Otherwise: CROWN over the whole network from the input box, which needs
 * the star's variables to be the inputs (s->nv == n->in_dim).
 * Either way the boxes in b must hold on the star's region (they are the
 * relaxations' intermediate bounds); what CROWN finds is met into them.
 */
#ifndef NC_STAR_CROWN_H
#define NC_STAR_CROWN_H

#include "core/bounds.h"
#include "core/err.h"
#include "core/net.h"
#include "domains/crown.h"
#include "domains/star.h"

/* Work space for one thread's calls on one net, kept between them: per
 * starting layer the sub-network (its first layer refilled from each
 * star), its boxes and CROWN context, so that a star costs no allocation
 * and the |W| and relaxations of unchanged layers and boxes are reused
 * (crown_scratch). Borrows n. */
typedef struct star_crown_ws star_crown_ws;

star_crown_ws *star_crown_ws_new(const net *n, nc_err *e);
void star_crown_ws_free(star_crown_ws *w);

/* For the m rows C y + d (C: m x out_dim) of w's net: low[r] a rigorous
 * lower bound over P's box, and G (m x s->nv), g with
 * C_r f(x) + d_r >= G_r z + g_r  for every exact point z of the region.
 * co->scratch is not used (w has its own). */
nc_status star_crown_rows(star_crown_ws *w, const star *s, int layer, bounds *b, int from_star,
                          int m, const double *C, const double *d, const crown_opts *co,
                          double *low, double *G, double *g, nc_err *e);

#endif
