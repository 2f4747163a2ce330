/* fpround: the one place that says how floating-point rounding is made sound.
 *
 * nncert never changes the processor's rounding mode. Every bound computed
 * in double precision (round to nearest) is widened outward by an explicit
 * error term, following the standard model fl(a op b) = (a op b)(1 + d),
 * |d| <= u = 2^-53, plus an absolute eta = 2^-1074 per product for underflow.
 *
 * Dot products. For s = b + sum_{j<n} w_j x_j evaluated left to right, the
 * classical bound (Higham, Accuracy and Stability, Thm 3.1 / eq. 3.5) is
 *   |fl(s) - s| <= gamma_{n+1} * (|b| + sum |w_j x_j|) + (n+1) eta,
 *   gamma_k = k u / (1 - k u).
 * The sum of magnitudes is itself computed in floating point, which can
 * underestimate it by a factor (1 + gamma_n); for k u <= 1/2 both factors
 * together stay below 2 (k + 1) u, so we use
 *   err = 2 (n + 2) u * fl(abs_sum) + (n_tiny + 1) eta,
 * where n_tiny counts the products below the normal range (the only ones
 * with an underflow error), computed and then rounded up, and finally step
 * the bound one ulp outward (nextafter) to cover the rounding of `s - err`
 * itself. When every term is zero the sum is exactly zero and err is 0. Tests check the
 * result by exact rational evaluation (tests/test_interval.c).
 *
 * Elementary functions. glibc's exp, tanh are not correctly rounded; their
 * documented errors are a few ulp. Monotone activations are widened by
 * FPR_LIBM_ULPS ulps outward, which covers the libm error and the rounding
 * of the surrounding arithmetic with a wide margin.
 */
#ifndef NC_FPROUND_H
#define NC_FPROUND_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define FPR_U 0x1p-53
#define FPR_ETA 0x1p-1074
/* the same for single precision (float) */
#define FPR_U_SINGLE 0x1p-24
#define FPR_ETA_SINGLE 0x1p-149
#define FPR_LIBM_ULPS 8

/* The neighbours of x towards -inf and +inf: nextafter(x, -+INFINITY),
 * inline on the bits (the bounds' hot loops call them per entry). NaN stays
 * NaN, -inf goes up to -DBL_MAX, +inf stays, and either zero goes to the
 * smallest subnormal of the step's direction (+ up, - down). */
static inline double fpr_ulp(double x, int up)
{
    if (x != x) return x;
    if (x == 0.0) return up ? 0x1p-1074 : -0x1p-1074;
    if (x == (up ? INFINITY : -INFINITY)) return x;
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    u += (x > 0) == (up != 0) ? 1 : (uint64_t)-1;   /* away from zero: +1 on the bits */
    memcpy(&x, &u, sizeof x);
    return x;
}

static inline double fpr_down(double x) { return fpr_ulp(x, 0); }
static inline double fpr_up(double x) { return fpr_ulp(x, 1); }

/* Rigorous bound on the rounding error of a dot product of n terms whose
 * magnitudes (including the bias) sum, in floating point, to abs_sum, of
 * which n_tiny products fell below the normal range (only those can carry
 * an underflow error). Zero when every term is zero: then the sum is exact. */
static inline double fpr_dot_err(int n, double abs_sum, int n_tiny)
{
    if (abs_sum == 0.0 && n_tiny == 0) return 0.0;
    return fpr_up(2.0 * (n + 2) * FPR_U * abs_sum + (n_tiny + 1) * FPR_ETA);
}

/* True when a nonzero product t = a * b may have lost bits to underflow. */
static inline int fpr_tiny(double t) { return fabs(t) < 0x1p-1021; }

/* x as a float no larger than x (dir < 0) or no smaller (dir > 0):
 * storage at half the size that keeps an interval end sound. */
static inline float fpr_float_out(double x, int dir)
{
    float f = (float)x;
    if (dir < 0 && (double)f > x) f = nextafterf(f, -INFINITY);
    if (dir > 0 && (double)f < x) f = nextafterf(f, INFINITY);
    return f;
}

/* Steps x outward by k ulps: down when dir < 0, up when dir > 0. */
static inline double fpr_step(double x, int dir, int k)
{
    for (int i = 0; i < k; i++) x = dir < 0 ? fpr_down(x) : fpr_up(x);
    return x;
}

/* A running sum whose rounding is bounded: add terms (each the result of at
 * most one rounded operation, or exact), then read a rigorous lower or
 * upper bound of the exact sum of the terms. An infinite term makes the
 * bound infinite on its side. */
typedef struct {
    double s, abs;
    int n;
    int neg_inf, pos_inf;
} fpr_sum;

static inline void fpr_sum_add(fpr_sum *a, double t)
{
    if (t == 0.0) return;
    if (t != t) a->neg_inf = a->pos_inf = 1;   /* NaN: nothing is known */
    else if (t == -INFINITY) a->neg_inf = 1;
    else if (t == INFINITY) a->pos_inf = 1;
    else {
        a->s += t;
        a->abs += fabs(t);
        a->n++;
    }
}

static inline double fpr_sum_lower(const fpr_sum *a)
{
    if (a->neg_inf) return -INFINITY;
    return fpr_down(a->s - fpr_dot_err(a->n, a->abs, a->n));
}

static inline double fpr_sum_upper(const fpr_sum *a)
{
    if (a->pos_inf) return INFINITY;
    return fpr_up(a->s + fpr_dot_err(a->n, a->abs, a->n));
}

#endif
