/* relax: sound linear relaxations of activation functions on an interval,
 * shared by the symbolic domains (CROWN, zonotope).
 *
 * For an activation f and pre-activation bounds l <= x <= u, a relaxation
 * is a pair of lines with
 *     a_lo x + b_lo  <=  f(x)  <=  a_up x + b_up     for all x in [l, u],
 * valid in exact arithmetic for the returned doubles (intercepts are rounded
 * outward; see docs/domains.md).
 *
 * ReLU: stable neurons are exact (slopes 1/1 or 0/0); an unstable neuron
 * (l < 0 < u) gets the chord upper line, slope u/(u-l), and a lower line
 * through the origin with slope a_lo in [0, 1] (CROWN's adaptive rule picks
 * 1 when u > -l, else 0; alpha-CROWN optimises it). LeakyReLU likewise with
 * slopes in [alpha, 1].
 * Sigmoid / Tanh: concave or convex pieces use chord and mid-point tangent;
 * across zero, a tangent through the far end point (found by bisection) or
 * the chord. Every candidate line is then validated: the gap between f and
 * the line is evaluated at the interval ends and at the points where f' equals
 * the slope (the only places the gap can be extremal), the intercept is moved
 * by any violation found plus a margin covering libm and rounding error.
 */
#ifndef NC_RELAX_H
#define NC_RELAX_H

#include "core/net.h"

typedef struct {
    double a_lo, b_lo, a_up, b_up;
    int unstable;   /* piecewise-linear kinds: the neuron straddles the kink */
} relax_line;

/* Relaxation of activation kind k (alpha: LeakyReLU slope) on [l, u]. For
 * unstable ReLU/LeakyReLU neurons the lower line uses the adaptive slope. */
void relax_activation(net_kind k, double alpha, double l, double u, relax_line *r);

/* The upper intercept for a line of slope s over a convex piecewise-linear
 * f (ReLU, LeakyReLU with alpha <= 1) on [l, u]: the smallest b, rounded up,
 * with s x + b >= f at both ends. */
double relax_pwl_upper_intercept(net_kind k, double alpha, double s, double l, double u);

#endif
