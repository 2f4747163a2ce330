#include "verify/star_crown.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fpround.h"

/* The sub-network (z, delta) -> V z + c + delta -> layers c.. (header). */
static nc_status from_star(const net *n, const star *s, int c, bounds *b, int m, const double *C,
                           const double *d, const crown_opts *co, double *low, double *G,
                           double *g, nc_err *e)
{
    int nv = s->nv, dim = s->dim, nin2 = nv + dim, nl = 1 + n->n - c;
    net_layer *layers = err_calloc(e, (size_t)nl, sizeof *layers);
    double *W = err_calloc(e, (size_t)dim * nin2, sizeof *W);
    double *bias = err_calloc(e, (size_t)dim, sizeof *bias);
    double *A = err_calloc(e, (size_t)m * nin2 + 1, sizeof *A);
    double *cc = err_calloc(e, (size_t)m + 1, sizeof *cc), *slack = err_calloc(e, (size_t)m + 1, sizeof *slack);
    bounds *sb = NULL;
    nc_status st = layers && W && bias && A && cc && slack ? NC_OK : e->code;
    net sub = { .n = nl, .cap = nl, .layers = layers, .in_dim = nin2, .out_dim = n->out_dim };
    if (!st) {
        for (int i = 0; i < dim; i++) {
            memcpy(&W[(size_t)i * nin2], &s->V[(size_t)i * nv], (size_t)nv * sizeof *W);
            W[(size_t)i * nin2 + nv + i] = 1.0;
        }
        memcpy(bias, s->c, (size_t)dim * sizeof *bias);
        layers[0] = (net_layer){ .kind = NET_AFFINE, .in = nin2, .out = dim, .w = W, .b = bias };
        for (int k = 1; k < nl; k++) layers[k] = n->layers[c + k - 1];
        if (!(sb = bounds_new(&sub, e))) st = e->code;
    }
    if (!st) {
        for (int j = 0; j < nv; j++) sb->lo[0][j] = lp_lo(s->P)[j], sb->hi[0][j] = lp_hi(s->P)[j];
        for (int i = 0; i < dim; i++) sb->lo[0][nv + i] = -s->err[i], sb->hi[0][nv + i] = s->err[i];
        for (int k = 1; k < sb->n_boxes; k++) {
            memcpy(sb->lo[k], b->lo[c + k - 1], (size_t)sb->dim[k] * sizeof(double));
            memcpy(sb->hi[k], b->hi[c + k - 1], (size_t)sb->dim[k] * sizeof(double));
        }
        st = crown_intermediate(&sub, sb, co, e);
    }
    if (!st) {
        for (int k = 1; k < sb->n_boxes; k++) {
            memcpy(b->lo[c + k - 1], sb->lo[k], (size_t)sb->dim[k] * sizeof(double));
            memcpy(b->hi[c + k - 1], sb->hi[k], (size_t)sb->dim[k] * sizeof(double));
        }
        st = crown_rows(&sub, sb, m, C, d, co, low, A, cc, slack, e);
    }
    for (int r = 0; !st && r < m; r++) {
        memcpy(&G[(size_t)r * nv], &A[(size_t)r * nin2], (size_t)nv * sizeof(double));
        fpr_sum gr = { 0 }, dz = { 0 };
        for (int i = 0; i < dim; i++)
            if (s->err[i] > 0) fpr_sum_add(&dz, fpr_up(fabs(A[(size_t)r * nin2 + nv + i]) * s->err[i]));
        fpr_sum_add(&gr, cc[r]);
        fpr_sum_add(&gr, -slack[r]);
        fpr_sum_add(&gr, -fpr_sum_upper(&dz));
        g[r] = fpr_sum_lower(&gr);
    }
    bounds_free(sb);
    free(layers), free(W), free(bias), free(A), free(cc), free(slack);
    return st;
}

/* CROWN over the whole network from the input box. */
static nc_status whole(const net *n, bounds *b, int m, const double *C, const double *d,
                       const crown_opts *co, double *low, double *G, double *g, nc_err *e)
{
    double *cc = err_calloc(e, (size_t)m + 1, sizeof *cc), *slack = err_calloc(e, (size_t)m + 1, sizeof *slack);
    nc_status st = cc && slack ? NC_OK : e->code;
    if (!st) st = crown_intermediate(n, b, co, e);
    if (!st) st = crown_rows(n, b, m, C, d, co, low, G, cc, slack, e);
    for (int r = 0; !st && r < m; r++) g[r] = fpr_down(cc[r] - slack[r]);
    free(cc), free(slack);
    return st;
}

nc_status star_crown_rows(const net *n, const star *s, int layer, bounds *b, int use_star, int m,
                          const double *C, const double *d, const crown_opts *co, double *low,
                          double *G, double *g, nc_err *e)
{
    if (use_star) return from_star(n, s, layer, b, m, C, d, co, low, G, g, e);
    if (s->nv != n->in_dim)
        return err_set(e, NC_EINTERNAL, "star_crown_rows: the star's variables are not the inputs");
    return whole(n, b, m, C, d, co, low, G, g, e);
}
