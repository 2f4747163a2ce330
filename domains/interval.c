#include "domains/interval.h"

#include <math.h>
#include <string.h>

#include "core/fpround.h"

typedef void (*itv_fn)(const net_layer *l, const double *xl, const double *xu, double *yl,
                       double *yu);

/* Sound bounds of d + sum a_j y_j over the box; sign = -1 lower, +1 upper. */
static double row_bound(const double *a, double d, int n, const double *lo, const double *hi,
                        int sign)
{
    double s = d, mag = fabs(d);
    int tiny = 0;
    for (int j = 0; j < n; j++) {
        double w = a[j];
        if (w == 0.0) continue;
        double v = (w > 0) == (sign < 0) ? lo[j] : hi[j];
        double t = w * v;
        s += t;
        mag += fabs(t);
        tiny += v != 0.0 && fpr_tiny(t);
    }
    if (isnan(s)) return sign < 0 ? -INFINITY : INFINITY;   /* inf - inf */
    if (isinf(s)) return s;
    double err = fpr_dot_err(n, mag, tiny);
    if (err == 0.0) return s;   /* all terms zero: exact */
    return sign < 0 ? fpr_down(s - err) : fpr_up(s + err);
}

double itv_row_lower(const double *a, double d, int n, const double *ylo, const double *yhi)
{
    return row_bound(a, d, n, ylo, yhi, -1);
}

double itv_row_upper(const double *a, double d, int n, const double *ylo, const double *yhi)
{
    return row_bound(a, d, n, ylo, yhi, 1);
}

static void t_affine(const net_layer *l, const double *xl, const double *xu, double *yl,
                     double *yu)
{
    for (int i = 0; i < l->out; i++) {
        const double *row = &l->w[(size_t)i * l->in];
        yl[i] = row_bound(row, l->b[i], l->in, xl, xu, -1);
        yu[i] = row_bound(row, l->b[i], l->in, xl, xu, 1);
    }
}

static void t_relu(const net_layer *l, const double *xl, const double *xu, double *yl,
                   double *yu)
{
    for (int i = 0; i < l->out; i++) {
        yl[i] = xl[i] > 0 ? xl[i] : 0.0;
        yu[i] = xu[i] > 0 ? xu[i] : 0.0;
    }
}

static double leaky(double x, double a, int dir)
{
    return x >= 0 ? x : fpr_step(a * x, dir, 1);
}

static void t_leaky(const net_layer *l, const double *xl, const double *xu, double *yl,
                    double *yu)
{
    double a = l->alpha;
    for (int i = 0; i < l->out; i++) {
        double lo = fmin(leaky(xl[i], a, -1), leaky(xu[i], a, -1));
        double hi = fmax(leaky(xl[i], a, 1), leaky(xu[i], a, 1));
        if (xl[i] < 0 && xu[i] > 0) lo = fmin(lo, 0.0), hi = fmax(hi, 0.0);
        yl[i] = isnan(lo) ? -INFINITY : lo;
        yu[i] = isnan(hi) ? INFINITY : hi;
    }
}

static void t_sigmoid(const net_layer *l, const double *xl, const double *xu, double *yl,
                      double *yu)
{
    for (int i = 0; i < l->out; i++) {
        double lo = fpr_step(1.0 / (1.0 + exp(-xl[i])), -1, FPR_LIBM_ULPS);
        double hi = fpr_step(1.0 / (1.0 + exp(-xu[i])), 1, FPR_LIBM_ULPS);
        yl[i] = lo < 0.0 ? 0.0 : lo;
        yu[i] = hi > 1.0 ? 1.0 : hi;
    }
}

static void t_tanh(const net_layer *l, const double *xl, const double *xu, double *yl,
                   double *yu)
{
    for (int i = 0; i < l->out; i++) {
        double lo = fpr_step(tanh(xl[i]), -1, FPR_LIBM_ULPS);
        double hi = fpr_step(tanh(xu[i]), 1, FPR_LIBM_ULPS);
        yl[i] = lo < -1.0 ? -1.0 : lo;
        yu[i] = hi > 1.0 ? 1.0 : hi;
    }
}

static void t_add(const net_layer *l, const double *xl, const double *xu, double *yl,
                  double *yu)
{
    for (int i = 0; i < l->out; i++) {
        yl[i] = fpr_down(xl[i] + l->b[i]);
        yu[i] = fpr_up(xu[i] + l->b[i]);
    }
}

/* Multiplication by c (div = 0) or division by c (div = 1). */
static void scale(const net_layer *l, const double *xl, const double *xu, double *yl,
                  double *yu, int div)
{
    for (int i = 0; i < l->out; i++) {
        double c = l->b[i];
        double a = div ? xl[i] / c : xl[i] * c, b = div ? xu[i] / c : xu[i] * c;
        double lo = fmin(a, b), hi = fmax(a, b);
        yl[i] = isnan(lo) ? -INFINITY : fpr_down(lo);
        yu[i] = isnan(hi) ? INFINITY : fpr_up(hi);
    }
}

static void t_mul(const net_layer *l, const double *xl, const double *xu, double *yl,
                  double *yu)
{
    scale(l, xl, xu, yl, yu, 0);
}

static void t_div(const net_layer *l, const double *xl, const double *xu, double *yl,
                  double *yu)
{
    scale(l, xl, xu, yl, yu, 1);
}

static const itv_fn ITV_TABLE[] = {
    [NET_AFFINE] = t_affine,   [NET_RELU] = t_relu, [NET_LEAKY_RELU] = t_leaky,
    [NET_SIGMOID] = t_sigmoid, [NET_TANH] = t_tanh, [NET_ADD] = t_add,
    [NET_MUL] = t_mul,         [NET_DIV] = t_div,
};

void itv_layer(const net_layer *l, const double *xlo, const double *xhi, double *ylo, double *yhi)
{
    ITV_TABLE[l->kind](l, xlo, xhi, ylo, yhi);
}

nc_status itv_propagate(const net *n, const double *lo, const double *hi, bounds *b, nc_err *e)
{
    memcpy(b->lo[0], lo, (size_t)n->in_dim * sizeof *lo);
    memcpy(b->hi[0], hi, (size_t)n->in_dim * sizeof *hi);
    for (int k = 0; k < n->n; k++) {
        const net_layer *l = &n->layers[k];
        if ((size_t)l->kind >= sizeof ITV_TABLE / sizeof *ITV_TABLE || !ITV_TABLE[l->kind])
            return err_set(e, NC_EINTERNAL, "interval domain has no transfer function for "
                           "layer kind %s", net_kind_name(l->kind));
        ITV_TABLE[l->kind](l, b->lo[k], b->hi[k], b->lo[k + 1], b->hi[k + 1]);
    }
    return NC_OK;
}
