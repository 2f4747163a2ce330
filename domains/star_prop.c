#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/fpround.h"
#include "domains/star.h"

/* Box k of b from the star's values: cheap range, then LP where `lp_too`
 * and the cheap range straddles zero (the neurons an activation must
 * relax) or always for the output layer. */
static void star_box(star *s, bounds *b, int k, int intersect, int lp_mode, double deadline)
{
    for (int i = 0; i < s->dim; i++) {
        double lo, hi;
        star_box_range(s, i, &lo, &hi);
        if (intersect) {
            if (b->lo[k][i] > lo) lo = b->lo[k][i];
            if (b->hi[k][i] < hi) hi = b->hi[k][i];
        }
        int ask = lp_mode == 2 || (lp_mode == 1 && lo < 0 && hi > 0);
        if (ask && (deadline <= 0 || clock_now() < deadline))
            star_lp_range(s, i, 1, 1, deadline, &lo, &hi);
        b->lo[k][i] = lo, b->hi[k][i] = hi;
    }
}

nc_status star_propagate(const net *n, const prop_case *pc, bounds *b, int intersect, int m,
                         const double *C, const double *d, double *lower, double deadline,
                         nc_err *e)
{
    star s;
    if (star_from_case(&s, pc, n->in_dim, e)) return e->code;
    nc_status st = NC_OK;
    for (int i = 0; i < n->in_dim; i++) {
        double lo = lp_lo(s.P)[i], hi = lp_hi(s.P)[i];
        if (!intersect || lo > b->lo[0][i]) b->lo[0][i] = lo;
        if (!intersect || hi < b->hi[0][i]) b->hi[0][i] = hi;
    }
    for (int k = 0; k < n->n && !st; k++) {
        const net_layer *l = &n->layers[k];
        if (net_is_activation(l->kind)) {
            /* box k is this layer's pre-activation box */
            for (int i = 0; i < s.dim && !st; i++) st = star_approx(&s, l, i, b->lo[k][i], b->hi[k][i], e);
        } else {
            st = star_affine(&s, l, e);
        }
        if (st) break;
        int next_act = k + 1 < n->n && net_is_activation(n->layers[k + 1].kind);
        star_box(&s, b, k + 1, intersect, k + 1 == n->n ? 2 : next_act ? 1 : 0, deadline);
    }
    int nv = s.nv, no = n->out_dim;
    double *G = st ? NULL : err_calloc(e, (size_t)nv + 1, sizeof *G);
    if (!st && !G) st = e->code;
    for (int r = 0; r < m && !st; r++) {
        double g, slack, low = -INFINITY;
        star_row(&s, &C[(size_t)r * no], d ? d[r] : 0.0, G, &g, &slack);
        double gl = fpr_down(g - slack);
        if (deadline <= 0 || clock_now() < deadline) lp_min_max(s.P, 1, G, &gl, deadline, &low, NULL);
        lower[r] = low;
    }
    free(G);
    star_free(&s);
    return st;
}
