#include "core/matmul.h"

#include <cblas.h>

/* At or below this many rows, m matrix-vector products beat one packed
 * matrix product (OpenBLAS, 256 x 256 layers). */
#define MM_GEMV_ROWS 4

/* out = X W + beta out (wt = 0: X is m x dout, out m x din) or
 * out = X W^T + beta out (wt = 1: X is m x din, out m x dout), in the
 * precision of T through BLAS's gemm / gemv of that precision. */
#define MM_ROWS(name, T, gemm, gemv)                                                            \
    static void name(int m, int dout, int din, const T *X, const T *W, int wt, T beta, T *out) \
    {                                                                                          \
        int kx = wt ? din : dout, ko = wt ? dout : din;                                        \
        if (m > MM_GEMV_ROWS) {                                                                \
            gemm(CblasRowMajor, CblasNoTrans, wt ? CblasTrans : CblasNoTrans, m, ko, kx, 1, X, \
                 kx, W, din, beta, out, ko);                                                   \
            return;                                                                            \
        }                                                                                      \
        for (int r = 0; r < m; r++)                                                            \
            gemv(CblasRowMajor, wt ? CblasNoTrans : CblasTrans, dout, din, 1, W, din,          \
                 &X[(long)r * kx], 1, beta, &out[(long)r * ko], 1);                            \
    }

MM_ROWS(rows, double, cblas_dgemm, cblas_dgemv)
MM_ROWS(rows_f, float, cblas_sgemm, cblas_sgemv)

void mm_rows_w(int m, int dout, int din, const double *A, const double *W, double beta,
               double *out)
{
    rows(m, dout, din, A, W, 0, beta, out);
}

void mm_rows_wt(int m, int dout, int din, const double *H, const double *W, double beta,
                double *out)
{
    rows(m, dout, din, H, W, 1, beta, out);
}

void mm_rows_w_f(int m, int dout, int din, const float *A, const float *W, float beta, float *out)
{
    rows_f(m, dout, din, A, W, 0, beta, out);
}

void mm_rows_wt_f(int m, int dout, int din, const float *H, const float *W, float beta,
                  float *out)
{
    rows_f(m, dout, din, H, W, 1, beta, out);
}
