#include "core/bounds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bounds *bounds_new(const net *n, nc_err *e)
{
    bounds *b = err_calloc(e, 1, sizeof *b);
    if (!b) return NULL;
    b->n_boxes = n->n + 1;
    b->dim = err_calloc(e, (size_t)b->n_boxes, sizeof *b->dim);
    b->lo = err_calloc(e, (size_t)b->n_boxes, sizeof *b->lo);
    b->hi = err_calloc(e, (size_t)b->n_boxes, sizeof *b->hi);
    if (!b->dim || !b->lo || !b->hi) goto fail;
    for (int k = 0; k < b->n_boxes; k++) {
        int d = k == 0 ? n->layers[0].in : n->layers[k - 1].out;
        b->dim[k] = d;
        b->lo[k] = err_calloc(e, (size_t)d, sizeof(double));
        b->hi[k] = err_calloc(e, (size_t)d, sizeof(double));
        if (!b->lo[k] || !b->hi[k]) goto fail;
        for (int i = 0; i < d; i++) b->lo[k][i] = -INFINITY, b->hi[k][i] = INFINITY;
    }
    return b;
fail:
    bounds_free(b);
    return NULL;
}

void bounds_free(bounds *b)
{
    if (!b) return;
    for (int k = 0; k < b->n_boxes; k++) {
        if (b->lo) free(b->lo[k]);
        if (b->hi) free(b->hi[k]);
    }
    free(b->lo), free(b->hi), free(b->dim);
    free(b);
}

int bounds_meet(bounds *b, int k, const double *lo, const double *hi)
{
    int empty = 0;
    for (int i = 0; i < b->dim[k]; i++) {
        if (lo[i] > b->lo[k][i]) b->lo[k][i] = lo[i];
        if (hi[i] < b->hi[k][i]) b->hi[k][i] = hi[i];
        if (b->lo[k][i] > b->hi[k][i]) empty = 1;
    }
    return empty;
}

void bounds_copy(bounds *dst, const bounds *src)
{
    for (int k = 0; k < src->n_boxes; k++) {
        memcpy(dst->lo[k], src->lo[k], (size_t)src->dim[k] * sizeof(double));
        memcpy(dst->hi[k], src->hi[k], (size_t)src->dim[k] * sizeof(double));
    }
}
