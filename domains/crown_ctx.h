/* crown_ctx: the backward-pass engine shared by CROWN (crown.c) and its
 * slope optimisation (crown_alpha.c). Internal to domains/. */
#ifndef NC_CROWN_CTX_H
#define NC_CROWN_CTX_H

#include <stdint.h>
#include <string.h>

#include "core/bounds.h"
#include "core/err.h"
#include "core/net.h"
#include "domains/crown.h"
#include "domains/relax.h"

typedef struct {
    const net *n;
    const bounds *b;      /* borrowed: box k bounds the input of layer k */
    double **rv;          /* per activation layer k: relaxations on box k by
                             columns, 4 d_k each: lower slopes, lower
                             intercepts, upper slopes, upper intercepts */
    unsigned char **ru;   /* per activation layer k: 1 where the lower slope
                             is optimisable (unstable ReLU/LeakyReLU) */
    double **rbox;        /* per activation layer k: the box ends (lo then
                             hi, 2 d_k) rv and ru were made from; a neuron
                             whose ends are unchanged keeps its relaxation */
    double **ymax;        /* per box k: max(|lo|, |hi|) */
    double *sumy;         /* per box k: sum of ymax, rounded up */
    double **vaff;        /* per affine layer k: |W| yaff_k + |b| */
    double **yaff;        /* per affine layer k: the maxima vaff was computed
                             from, each >= ymax_k (reused while they are) */
    double *syaff;        /* per affine layer k: their sum */
    double **absw;        /* per affine layer k: |W| */
    float **wf;           /* per affine layer k: W in single precision, for
                             alpha-CROWN's estimates (made on first use) */
    /* Layer 0's outputs in single precision at points of the input
     * (alpha-CROWN's gradient passes, from the input corner of each
     * iterate): kept for a few rows as references, so that a new point
     * that differs from one in few coordinates costs a sum of as many rows
     * of W^T (cx_first_affine_f); crown_alpha_optimise starts without */
    float *wft0;          /* W of layer 0 transposed (n_in x d), made on first use */
    float *ref_h, *ref_hn, *ref_d;   /* CX_REF_ROWS rows: points, outputs, a difference */
    int n_ref;            /* rows of ref_h / ref_hn that hold a reference */
    int maxw, cap_m;
    double *buf[3];       /* scratch, cap_m x maxw each: ping, pong, |L| */
    int single;           /* crown_opts.single_products for this call */
    int cap_f;            /* rows fbuf holds */
    float *fbuf[2];       /* scratch for single products, cap_f x maxw each */
    double *err;          /* per row: accumulated rounding error bound */
    const double *last;   /* after cx_backward: the input-layer coefficients (m x n_in) */
} cctx;

/* Slopes for the lower lines of unstable ReLU/LeakyReLU neurons, per row:
 * slopes[k] is m x d_k for activation layer k (NULL: CROWN's choice). When
 * record[k] is non-NULL, cx_backward stores there the coefficients on the
 * output of layer k (m x d_k), for the slope gradient. */
typedef struct {
    double **slopes;
    double **record;
    /* Split constraints (beta-CROWN): for activation layer k, sign[k][j] = +1
     * or -1 says the region has  sign * (input j of layer k) >= 0  (0: no
     * constraint); beta[k] (m x d_k, >= 0) are their multipliers per row.
     * The pass bounds  row(x) - sum beta sign z(x), below row(x) on the
     * region. Either array may be NULL. */
    double **beta;
    const signed char *const *sign;
} cx_alpha;

/* x when c is 1, y when c is 0, by masks: a branch on the sign of a
 * coefficient follows no pattern and is mispredicted half the time. */
static inline double cx_pick(uint64_t c, double x, double y)
{
    uint64_t bx, by, mask = (uint64_t)0 - c;
    memcpy(&bx, &x, sizeof bx);
    memcpy(&by, &y, sizeof by);
    bx = (bx & mask) | (by & ~mask);
    memcpy(&x, &bx, sizeof x);
    return x;
}

cctx *cx_new(const net *n, const bounds *b, nc_err *e);
/* W of affine layer k in single precision (x->wf[k]), made on first use. */
nc_status cx_wf(cctx *x, int k, nc_err *e);
void cx_free(cctx *x);
/* hn (m x l->out) = h W^T + b for affine layer l in single precision
 * (wf: its W in float). */
void cx_affine_f(const net_layer *l, const float *wf, int m, const float *h, float *hn);
/* Rows with a reference point in cx_first_affine_f. */
#define CX_REF_ROWS 4
/* hn (m x d) = h W^T + b for affine layer 0 (h: m points of the input),
 * in single precision, from the rows' reference points where h differs
 * from them in few coordinates (else directly, and h becomes the row's
 * reference). The result may differ from the direct product by float
 * rounding: for estimates only. */
nc_status cx_first_affine_f(cctx *x, int m, const float *h, float *hn, nc_err *e);
nc_status cx_reserve(cctx *x, int m, nc_err *e);
nc_status cx_refresh(cctx *x, int k, nc_err *e);

/* Backward pass from the input of layer `start` down to the network input.
 * L must be x->buf[0] holding m rows of coefficients on the input of layer
 * `start`; c holds the m offsets and is updated in place. out receives the
 * sound lower bounds; x->last the final coefficients; x->err the rounding
 * error bounds. */
nc_status cx_backward(cctx *x, int start, int m, double *L, double *c, const cx_alpha *alpha,
                      double *out, nc_err *e);

/* alpha-CROWN on m rows L0 (m x w0, coefficients on the input of layer
 * `start`) with offsets c (updated in place), boxes and relaxations of the
 * layers below `start` already set; writes sound lower bounds, never below
 * plain CROWN's. Leaves x->last and c for the best slopes. With io
 * (crown.h; may be NULL) the split constraints' multipliers are optimised
 * too (alpha-beta-CROWN), slopes and multipliers start from and return to
 * io's arrays where given, and the coefficients go to io->lam (xmin is not
 * used here). */
nc_status crown_alpha_optimise(cctx *x, int start, int m, const double *L0, int w0, double *c,
                               const crown_opts *o, const crown_split_io *io, double *lower,
                               nc_err *e);

#endif
