#include "solvers/exact.h"

#include <gmp.h>
#include <mpfr.h>
#include <stdlib.h>

/* An interval vector of rationals; when `point` is set only lo is used. */
typedef struct {
    int n, point;
    mpq_t *lo, *hi;
} qvec;

static int qvec_init(qvec *v, int n)
{
    v->n = n;
    v->point = 1;
    v->lo = malloc((size_t)n * sizeof(mpq_t));
    v->hi = malloc((size_t)n * sizeof(mpq_t));
    if (!v->lo || !v->hi) {
        free(v->lo), free(v->hi);
        v->lo = v->hi = NULL;
        return -1;
    }
    for (int i = 0; i < n; i++) mpq_init(v->lo[i]), mpq_init(v->hi[i]);
    return 0;
}

static void qvec_clear(qvec *v)
{
    if (!v->lo) return;
    for (int i = 0; i < v->n; i++) mpq_clear(v->lo[i]), mpq_clear(v->hi[i]);
    free(v->lo), free(v->hi);
    v->lo = v->hi = NULL;
}

static mpq_t *HI(qvec *v, int i) { return v->point ? &v->lo[i] : &v->hi[i]; }

static void affine(const net_layer *l, qvec *x, qvec *y, mpq_t t)
{
    mpq_t w;
    mpq_init(w);
    y->point = x->point;
    for (int i = 0; i < l->out; i++) {
        const double *row = &l->w[(size_t)i * l->in];
        mpq_set_d(y->lo[i], l->b[i]);
        if (!y->point) mpq_set_d(y->hi[i], l->b[i]);
        for (int j = 0; j < l->in; j++) {
            if (row[j] == 0.0) continue;
            mpq_set_d(t, row[j]);
            int pos = row[j] > 0;
            mpq_mul(w, t, pos ? x->lo[j] : *HI(x, j));
            mpq_add(y->lo[i], y->lo[i], w);
            if (!y->point) {
                mpq_mul(w, t, pos ? x->hi[j] : x->lo[j]);
                mpq_add(y->hi[i], y->hi[i], w);
            }
        }
    }
    mpq_clear(w);
}

/* Encloses sigmoid or tanh of q, rounding toward dir (MPFR_RNDD / RNDU). */
static void smooth(mpq_t out, const mpq_t q, int is_tanh, mpfr_rnd_t dir)
{
    mpfr_t a, one;
    mpfr_inits2(EXACT_PREC, a, one, (mpfr_ptr)0);
    mpfr_rnd_t rev = dir == MPFR_RNDD ? MPFR_RNDU : MPFR_RNDD;
    if (is_tanh) {
        mpfr_set_q(a, q, dir);
        mpfr_tanh(a, a, dir);
    } else {  /* 1 / (1 + exp(-q)): to round the result down, round exp up */
        mpfr_set_q(a, q, dir);
        mpfr_neg(a, a, MPFR_RNDN);          /* exact */
        mpfr_exp(a, a, rev);
        mpfr_add_ui(a, a, 1, rev);
        mpfr_set_ui(one, 1, MPFR_RNDN);
        mpfr_div(a, one, a, dir);
    }
    mpfr_get_q(out, a);
    mpfr_clears(a, one, (mpfr_ptr)0);
}

static void elementwise(const net_layer *l, qvec *x, qvec *y, mpq_t t)
{
    int n = l->out;
    int smooth_kind = l->kind == NET_SIGMOID || l->kind == NET_TANH;
    y->point = x->point && !smooth_kind;
    for (int i = 0; i < n; i++) {
        for (int side = 0; side < 2; side++) {
            if (side == 1 && y->point) break;
            mpq_ptr src = side ? *HI(x, i) : x->lo[i];
            mpq_ptr dst = side ? y->hi[i] : y->lo[i];
            switch (l->kind) {
            case NET_RELU:
                if (mpq_sgn(src) > 0) mpq_set(dst, src);
                else mpq_set_ui(dst, 0, 1);
                break;
            case NET_LEAKY_RELU:
                mpq_set(dst, src);
                if (mpq_sgn(src) < 0) mpq_set_d(t, l->alpha), mpq_mul(dst, dst, t);
                break;
            case NET_SIGMOID:
            case NET_TANH:
                smooth(dst, src, l->kind == NET_TANH, side ? MPFR_RNDU : MPFR_RNDD);
                break;
            case NET_ADD: mpq_set_d(t, l->b[i]), mpq_add(dst, src, t); break;
            case NET_MUL: mpq_set_d(t, l->b[i]), mpq_mul(dst, src, t); break;
            case NET_DIV: mpq_set_d(t, l->b[i]), mpq_div(dst, src, t); break;
            default: break;
            }
        }
        /* a negative multiplier or a non-monotone leaky slope swaps the ends */
        if (!y->point && mpq_cmp(y->lo[i], y->hi[i]) > 0) mpq_swap(y->lo[i], y->hi[i]);
        if (!y->point && l->kind == NET_LEAKY_RELU && l->alpha < 0 &&
            mpq_sgn(x->lo[i]) < 0 && mpq_sgn(*HI(x, i)) > 0 && mpq_sgn(y->lo[i]) > 0)
            mpq_set_ui(y->lo[i], 0, 1);
    }
}

/* Runs the net on x; on success *out holds the output enclosure. */
static nc_status eval_q(const net *n, const double *x, qvec *out, nc_err *e)
{
    int w = net_max_width(n);
    qvec a = { 0 }, b = { 0 };
    if (qvec_init(&a, w) || qvec_init(&b, w)) {
        qvec_clear(&a);
        return err_set(e, NC_ENOMEM, "out of memory in exact evaluation");
    }
    for (int i = 0; i < n->in_dim; i++) mpq_set_d(a.lo[i], x[i]);
    mpq_t t;
    mpq_init(t);
    for (int k = 0; k < n->n; k++) {
        const net_layer *l = &n->layers[k];
        if (l->kind == NET_AFFINE) affine(l, &a, &b, t);
        else elementwise(l, &a, &b, t);
        qvec s = a;
        a = b;
        b = s;
    }
    mpq_clear(t);
    qvec_clear(&b);
    *out = a;
    return NC_OK;
}

/* Worst-case (largest) value over the enclosure of  a.v + d + cerr*sum|v| + derr,
 * compared with zero: returns 1 when it is <= 0 (< 0 if strict). */
static int row_holds(const prop_row *r, qvec *v, int n, mpq_t acc, mpq_t t)
{
    mpq_t absum;
    mpq_init(absum);
    mpq_set_d(acc, r->d);
    for (int i = 0; i < n; i++) {
        mpq_ptr lo = v->lo[i], hi = *HI(v, i);
        if (r->a[i] != 0.0) {
            mpq_set_d(t, r->a[i]);
            mpq_mul(t, t, r->a[i] > 0 ? hi : lo);
            mpq_add(acc, acc, t);
        }
        /* max |v_i| over [lo, hi] */
        mpq_abs(t, lo);
        if (mpq_cmp(t, hi) < 0) mpq_set(t, hi);
        mpq_t th;
        mpq_init(th);
        mpq_abs(th, hi);
        if (mpq_cmp(t, th) < 0) mpq_set(t, th);
        mpq_clear(th);
        mpq_add(absum, absum, t);
    }
    mpq_set_d(t, r->cerr);
    mpq_mul(absum, absum, t);
    mpq_add(acc, acc, absum);
    mpq_set_d(t, r->derr);
    mpq_add(acc, acc, t);
    mpq_clear(absum);
    int s = mpq_sgn(acc);
    return r->strict ? s < 0 : s <= 0;
}

nc_status exact_check(const net *n, const prop_case *pc, const double *x, exact_result *r,
                      nc_err *e)
{
    r->in_input = 1;
    r->disjunct = -1;
    r->y = calloc((size_t)n->out_dim, sizeof(double));
    if (!r->y) return err_set(e, NC_ENOMEM, "out of memory in exact check");
    for (int i = 0; i < n->in_dim; i++)
        if (!(x[i] >= pc->lo_in[i] && x[i] <= pc->hi_in[i])) r->in_input = 0;
    qvec xin = { 0 }, y = { 0 };
    mpq_t acc, t;
    mpq_inits(acc, t, (mpq_ptr)0);
    if (qvec_init(&xin, n->in_dim)) {
        mpq_clears(acc, t, (mpq_ptr)0);
        return err_set(e, NC_ENOMEM, "out of memory in exact check");
    }
    for (int i = 0; i < n->in_dim; i++) mpq_set_d(xin.lo[i], x[i]);
    for (int k = 0; r->in_input && k < pc->n_lin; k++)
        if (!row_holds(&pc->lin[k], &xin, n->in_dim, acc, t)) r->in_input = 0;
    qvec_clear(&xin);
    nc_status s = eval_q(n, x, &y, e);
    if (!s) {
        for (int i = 0; i < n->out_dim; i++) {
            mpq_add(t, y.lo[i], *HI(&y, i));
            mpq_div_2exp(t, t, 1);
            r->y[i] = mpq_get_d(t);
        }
        for (int d = 0; d < pc->n_disj && r->disjunct < 0; d++) {
            int all = 1;
            for (int k = 0; all && k < pc->disj[d].n_rows; k++)
                all = row_holds(&pc->disj[d].rows[k], &y, n->out_dim, acc, t);
            if (all) r->disjunct = d;
        }
        qvec_clear(&y);
    }
    mpq_clears(acc, t, (mpq_ptr)0);
    return s;
}

void exact_result_free(exact_result *r)
{
    free(r->y);
    r->y = NULL;
}

nc_status exact_eval(const net *n, const double *x, double *yout, nc_err *e)
{
    qvec y;
    nc_status s = eval_q(n, x, &y, e);
    if (s) return s;
    mpq_t t;
    mpq_init(t);
    for (int i = 0; i < n->out_dim; i++) {
        mpq_add(t, y.lo[i], *HI(&y, i));
        mpq_div_2exp(t, t, 1);
        yout[i] = mpq_get_d(t);
    }
    mpq_clear(t);
    qvec_clear(&y);
    return NC_OK;
}
