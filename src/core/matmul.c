#include "core/matmul.h"

#include <cblas.h>

/* At or below this many rows, m matrix-vector products beat one packed
 * matrix product (OpenBLAS, 256 x 256 layers). */
#define MM_GEMV_ROWS 4

void mm_rows_w(int m, int dout, int din, const double *A, const double *W, double beta,
               double *out)
{
    if (m > MM_GEMV_ROWS) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, din, dout, 1.0, A, dout, W, din,
                    beta, out, din);
        return;
    }
    for (int r = 0; r < m; r++)
        cblas_dgemv(CblasRowMajor, CblasTrans, dout, din, 1.0, W, din, &A[(long)r * dout], 1, beta,
                    &out[(long)r * din], 1);
}

void mm_rows_wt(int m, int dout, int din, const double *H, const double *W, double beta,
                double *out)
{
    if (m > MM_GEMV_ROWS) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, dout, din, 1.0, H, din, W, din,
                    beta, out, dout);
        return;
    }
    for (int r = 0; r < m; r++)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, dout, din, 1.0, W, din, &H[(long)r * din], 1, beta,
                    &out[(long)r * dout], 1);
}
