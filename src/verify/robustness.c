#include "verify/robustness.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* u = 2^-53, the unit roundoff of round-to-nearest. */
#define U (DBL_EPSILON / 2)

void robust_normalise(const robust_space *s, const double *x, double *z)
{
    for (int i = 0; i < s->n_in; i++) {
        double m = s->mean ? s->mean[i] : 0.0, d = s->std ? s->std[i] : 1.0;
        z[i] = (x[i] - m) / d;
    }
}

/* v = (t - m) / d rounded to nearest, with a bound on |v - exact| given a
 * bound terr on |t - exact t|. Each operation adds at most u|result| (plus
 * the smallest subnormal for underflow in the division). */
static double norm_err(double t, double terr, double m, double d, double *err)
{
    double a = t - m;
    double aerr = terr + U * fabs(a);
    double v = a / d;
    *err = (aerr / d) * (1 + 2 * U) + U * fabs(v) + DBL_TRUE_MIN;
    return v;
}

static double down(double v, double err) { return nextafter(v - err * (1 + 4 * U), -INFINITY); }
static double up(double v, double err) { return nextafter(v + err * (1 + 4 * U), INFINITY); }

nc_status robust_prop(const robust_space *s, const double *x, int label, double eps, prop **out,
                      int *inner_exact, nc_err *e)
{
    *out = NULL;
    *inner_exact = 1;
    if (!(eps >= 0) || !isfinite(eps)) return err_set(e, NC_EUSAGE, "epsilon must be >= 0, got %g", eps);
    if (label < 0 || label >= s->n_out)
        return err_set(e, NC_EINPUT, "label %d is not an output index (0..%d)", label, s->n_out - 1);
    if (s->n_out < 2) return err_set(e, NC_EINPUT, "robustness needs at least two outputs");
    int n = s->n_in;
    prop *p = err_calloc(e, 1, sizeof *p);
    if (!p) return NC_ENOMEM;
    p->n_in = n, p->n_out = s->n_out, p->n_cases = 1;
    p->cases = err_calloc(e, 1, sizeof *p->cases);
    if (!p->cases) {
        free(p);
        return NC_ENOMEM;
    }
    prop_case *pc = &p->cases[0];
    pc->lo = err_calloc(e, (size_t)n, sizeof *pc->lo);
    pc->hi = err_calloc(e, (size_t)n, sizeof *pc->hi);
    pc->lo_in = err_calloc(e, (size_t)n, sizeof *pc->lo_in);
    pc->hi_in = err_calloc(e, (size_t)n, sizeof *pc->hi_in);
    pc->disj = err_calloc(e, (size_t)s->n_out - 1, sizeof *pc->disj);
    if (!pc->lo || !pc->hi || !pc->lo_in || !pc->hi_in || !pc->disj) goto oom;
    for (int i = 0; i < n; i++) {
        double m = s->mean ? s->mean[i] : 0.0, d = s->std ? s->std[i] : 1.0;
        if (!(d > 0) || !isfinite(d) || !isfinite(m)) {
            prop_free(p);
            return err_set(e, NC_EUSAGE, "normalisation of input %d: std must be > 0 and finite", i);
        }
        /* data-space interval [a, b] with its rounding errors */
        double a = x[i] - eps, b = x[i] + eps;
        double aerr = U * fabs(a), berr = U * fabs(b);
        if (a < s->clip_lo) a = s->clip_lo, aerr = 0;
        if (b > s->clip_hi) b = s->clip_hi, berr = 0;
        if (a > b) {   /* the sample lies outside the clip range */
            prop_free(p);
            return err_set(e, NC_EINPUT, "input %d = %g is outside the clip range [%g, %g]", i, x[i],
                           s->clip_lo, s->clip_hi);
        }
        double la, ub;
        double va = norm_err(a, aerr, m, d, &la), vb = norm_err(b, berr, m, d, &ub);
        pc->lo[i] = down(va, la);
        pc->hi[i] = up(vb, ub);
        pc->lo_in[i] = up(va, la);
        pc->hi_in[i] = down(vb, ub);
        if (pc->lo_in[i] > pc->hi_in[i]) {
            double v = 0.5 * (va + vb);
            pc->lo_in[i] = pc->hi_in[i] = v;
            *inner_exact = 0;   /* the point is only near the exact one */
        }
    }
    for (int j = 0, k = 0; j < s->n_out; j++) {
        if (j == label) continue;
        prop_conj *c = &pc->disj[k++];
        c->rows = err_calloc(e, 1, sizeof *c->rows);
        if (!c->rows) goto oom;
        c->n_rows = 1;
        pc->n_disj = k;
        c->rows[0].a = err_calloc(e, (size_t)s->n_out, sizeof(double));
        if (!c->rows[0].a) goto oom;
        c->rows[0].a[label] = 1.0;   /* y_c - y_j <= 0 */
        c->rows[0].a[j] = -1.0;
    }
    *out = p;
    return NC_OK;
oom:
    prop_free(p);
    return NC_ENOMEM;
}
