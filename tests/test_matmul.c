/* The row products of core/matmul.h against a reference in long double:
 * rows from all zeros to dense (the sparse path and BLAS's), layers wider
 * than the sparse path's gather buffer, beta 0 / 1 / other, in both
 * precisions; every entry within the dot-product rounding bound. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "core/matmul.h"
#include "core/rng.h"

/* |computed - exact| <= gamma_{n+1} (sum |terms| + |beta out|) with
 * gamma_k = k u / (1 - k u), unit roundoff u. */
static double gamma_n(int n, double u) { return n * u / (1 - n * u); }

static void check(int single, int m, int dout, int din, double density, double beta, rng *r)
{
    size_t nx = (size_t)m * dout, nw = (size_t)dout * din, no = (size_t)m * din;
    double *X = calloc(nx, sizeof *X), *W = calloc(nw, sizeof *W), *O = calloc(no, sizeof *O);
    double *O0 = calloc(no, sizeof *O0);
    float *Xf = calloc(nx, sizeof *Xf), *Wf = calloc(nw, sizeof *Wf), *Of = calloc(no, sizeof *Of);
    cr_assert(X && W && O && O0 && Xf && Wf && Of);
    for (size_t i = 0; i < nx; i++) Xf[i] = (float)(X[i] = rng_unif(r) < density ? rng_normal(r) : 0.0);
    for (size_t i = 0; i < nw; i++) Wf[i] = (float)(W[i] = rng_normal(r));
    for (size_t i = 0; i < no; i++) {
        /* beta 0: the old contents must not be read (NaN would show) */
        O0[i] = beta == 0 ? NAN : rng_normal(r);
        if (single) O0[i] = (float)O0[i];
        O[i] = O0[i], Of[i] = (float)O0[i];
    }
    if (single) mm_rows_w_f(m, dout, din, Xf, Wf, (float)beta, Of);
    else mm_rows_w(m, dout, din, X, W, beta, O);
    double u = single ? FLT_EPSILON / 2 : DBL_EPSILON / 2;
    for (int a = 0; a < m; a++)
        for (int k = 0; k < din; k++) {
            long double ex = beta == 0 ? 0.0L : (long double)beta * O0[(size_t)a * din + k];
            long double mag = fabsl(ex);
            for (int j = 0; j < dout; j++) {
                long double xv = single ? Xf[(size_t)a * dout + j] : X[(size_t)a * dout + j];
                long double wv = single ? Wf[(size_t)j * din + k] : W[(size_t)j * din + k];
                ex += xv * wv;
                mag += fabsl(xv * wv);
            }
            double got = single ? Of[(size_t)a * din + k] : O[(size_t)a * din + k];
            double tol = gamma_n(dout + 2, u) * (double)mag;
            cr_assert(fabs(got - (double)ex) <= tol,
                      "%s m %d dout %d din %d density %.2f beta %g: entry (%d,%d) %.17g, exact %.17Lg",
                      single ? "float" : "double", m, dout, din, density, beta, a, k, got, ex);
        }
    free(X), free(W), free(O), free(O0), free(Xf), free(Wf), free(Of);
}

Test(matmul, rows_match_reference_at_every_density)
{
    rng r;
    rng_seed(&r, 7);
    const int douts[] = { 1, 5, 256, 300, 700 }, dins[] = { 1, 3, 37 }, ms[] = { 1, 3, 6 };
    const double dens[] = { 0.0, 0.05, 0.3, 0.74, 0.9, 1.0 }, betas[] = { 0.0, 1.0, -0.5 };
    for (int single = 0; single < 2; single++)
        for (size_t a = 0; a < sizeof douts / sizeof *douts; a++)
            for (size_t b = 0; b < sizeof dins / sizeof *dins; b++)
                for (size_t c = 0; c < sizeof ms / sizeof *ms; c++)
                    for (size_t d = 0; d < sizeof dens / sizeof *dens; d++)
                        for (size_t f = 0; f < sizeof betas / sizeof *betas; f++)
                            check(single, ms[c], douts[a], dins[b], dens[d], betas[f], &r);
}
