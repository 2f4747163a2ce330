#include "domains/relax.h"

#include <math.h>

#include "core/fpround.h"

static double act(net_kind k, double x)
{
    return k == NET_SIGMOID ? 1.0 / (1.0 + exp(-x)) : tanh(x);
}

static double dact(net_kind k, double x)
{
    double f = act(k, x);
    return k == NET_SIGMOID ? f * (1.0 - f) : 1.0 - f * f;
}

static double leaky(net_kind k, double alpha, double x)
{
    return x >= 0 ? x : (k == NET_RELU ? 0.0 : alpha * x);
}

double relax_pwl_upper_intercept(net_kind k, double alpha, double s, double l, double u)
{
    /* need s l + b >= f(l) and s u + b >= f(u): b >= f(x) - s x at both ends */
    double fl_ = leaky(k, alpha, l), fu = leaky(k, alpha, u);
    double c1 = fpr_up(fpr_up(fl_) - fpr_down(s * l));
    double c2 = fpr_up(fpr_up(fu) - fpr_down(s * u));
    return c1 > c2 ? c1 : c2;
}

static void relax_pwl(net_kind k, double alpha, double l, double u, relax_line *r)
{
    double neg = k == NET_RELU ? 0.0 : alpha;   /* slope for x < 0 */
    r->unstable = 0;
    if (l >= 0) {
        r->a_lo = r->a_up = 1.0, r->b_lo = r->b_up = 0.0;
        return;
    }
    if (u <= 0) {
        r->a_lo = r->a_up = neg, r->b_lo = r->b_up = 0.0;
        return;
    }
    r->unstable = 1;
    /* the chord slope (u - neg l) / (u - l), then an intercept valid for it */
    double s = (u - neg * l) / (u - l);
    double smin = fmin(neg, 1.0), smax = fmax(neg, 1.0);
    s = s < smin ? smin : s > smax ? smax : s;
    double through0 = u > -l ? 1.0 : neg;   /* adaptive slope of the line through 0 */
    if (neg <= 1.0) {   /* convex: chord above, a line through the origin below */
        r->a_up = s;
        r->b_up = relax_pwl_upper_intercept(k, alpha, s, l, u);
        r->a_lo = through0;
        r->b_lo = 0.0;
    } else {            /* LeakyReLU with alpha > 1 is concave: the roles swap */
        double c1 = fpr_down(fpr_down(neg * l) - fpr_up(s * l));
        double c2 = fpr_down(u - fpr_up(s * u));
        r->a_lo = s;
        r->b_lo = c1 < c2 ? c1 : c2;
        r->a_up = through0;
        r->b_up = 0.0;
    }
}

/* Largest violation of the line a x + b on [l, u]: for a lower line,
 * max(line - f) (side = -1); for an upper line, max(f - line) (side = +1). */
static double max_violation(net_kind k, double a, double b, double l, double u, int side)
{
    double pts[6];
    int n = 0;
    pts[n++] = l;
    pts[n++] = u;
    /* points where f'(x) = a */
    if (k == NET_SIGMOID && a > 0 && a <= 0.25) {
        double r = sqrt(fmax(0.0, 1.0 - 4.0 * a));
        double s1 = 0.5 * (1.0 - r), s2 = 0.5 * (1.0 + r);
        if (s1 > 0 && s1 < 1) pts[n++] = log(s1 / (1.0 - s1));
        if (s2 > 0 && s2 < 1) pts[n++] = log(s2 / (1.0 - s2));
    } else if (k == NET_TANH && a > 0 && a <= 1.0) {
        double t = sqrt(fmax(0.0, 1.0 - a));
        if (t < 1) pts[n++] = atanh(t), pts[n++] = -atanh(t);
    }
    double worst = -INFINITY, mag = fabs(b);
    for (int i = 0; i < n; i++) {
        double x = pts[i];
        if (!(x >= l && x <= u)) continue;
        double line = a * x + b, g = side < 0 ? line - act(k, x) : act(k, x) - line;
        if (g > worst) worst = g;
        if (fabs(a * x) > mag) mag = fabs(a * x);
    }
    /* margin: libm error on |f| <= 1 and the rounding of the line itself */
    double margin = 64.0 * FPR_U * (1.0 + 2.0 * mag) + 1e-300;
    return worst + margin;
}

/* Tangent at d: slope f'(d), intercept f(d) - f'(d) d. */
static void tangent(net_kind k, double d, double *a, double *b)
{
    *a = dact(k, d);
    *b = act(k, d) - *a * d;
}

/* Point d between lo and hi (f convex on one side of 0, concave on the
 * other) whose tangent passes through (p, f(p)); bisection. */
static double tangent_through(net_kind k, double p, double lo, double hi)
{
    double fp = act(k, p);
    for (int i = 0; i < 100; i++) {
        double d = 0.5 * (lo + hi), a, b;
        tangent(k, d, &a, &b);
        /* g > 0: the tangent passes above (p, f(p)); for p > d (a lower
         * line on the convex side) d is too large, for p < d (an upper line
         * on the concave side) d is valid and may shrink: either way, hi = d */
        if (a * p + b - fp > 0) hi = d; else lo = d;
    }
    return 0.5 * (lo + hi);
}

static void relax_smooth(net_kind k, double l, double u, relax_line *r)
{
    double fl_ = act(k, l), fu = act(k, u);
    r->unstable = 0;
    if (!(u - l > 1e-9 * (1.0 + fabs(l)))) {   /* (nearly) a point: constant lines */
        r->a_lo = r->a_up = 0.0;
        r->b_lo = fpr_step(fl_, -1, FPR_LIBM_ULPS);
        r->b_up = fpr_step(fu, 1, FPR_LIBM_ULPS);
        return;
    }
    double chord = (fu - fl_) / (u - l), cb = fl_ - chord * l, m = 0.5 * (l + u);
    if (l >= 0) {          /* concave: chord below, tangent above */
        r->a_lo = chord, r->b_lo = cb;
        tangent(k, m, &r->a_up, &r->b_up);
    } else if (u <= 0) {   /* convex: tangent below, chord above */
        tangent(k, m, &r->a_lo, &r->b_lo);
        r->a_up = chord, r->b_up = cb;
    } else {
        r->unstable = 1;
        if (chord <= dact(k, l)) r->a_lo = chord, r->b_lo = cb;
        else tangent(k, tangent_through(k, u, l, 0.0), &r->a_lo, &r->b_lo);
        if (chord <= dact(k, u)) r->a_up = chord, r->b_up = cb;
        else tangent(k, tangent_through(k, l, 0.0, u), &r->a_up, &r->b_up);
    }
    double vlo = max_violation(k, r->a_lo, r->b_lo, l, u, -1);
    double vup = max_violation(k, r->a_up, r->b_up, l, u, 1);
    r->b_lo = fpr_down(r->b_lo - fmax(vlo, 0.0));
    r->b_up = fpr_up(r->b_up + fmax(vup, 0.0));
}

void relax_activation(net_kind k, double alpha, double l, double u, relax_line *r)
{
    if (k == NET_SIGMOID || k == NET_TANH) relax_smooth(k, l, u, r);
    else relax_pwl(k, alpha, l, u, r);
}
