#include "core/matmul.h"

#include <cblas.h>

/* At or below this many rows, m matrix-vector products beat one packed
 * matrix product (OpenBLAS, 256 x 256 layers). */
#define MM_GEMV_ROWS 4

/* out = X W + beta out (wt = 0: X is m x dout, out m x din) or
 * out = X W^T + beta out (wt = 1: X is m x din, out m x dout). */
static void rows(int m, int dout, int din, const double *X, const double *W, int wt, double beta,
                 double *out)
{
    int kx = wt ? din : dout, ko = wt ? dout : din;
    if (m > MM_GEMV_ROWS) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, wt ? CblasTrans : CblasNoTrans, m, ko, kx, 1.0, X,
                    kx, W, din, beta, out, ko);
        return;
    }
    for (int r = 0; r < m; r++)
        cblas_dgemv(CblasRowMajor, wt ? CblasNoTrans : CblasTrans, dout, din, 1.0, W, din,
                    &X[(long)r * kx], 1, beta, &out[(long)r * ko], 1);
}

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
