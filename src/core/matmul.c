#include "core/matmul.h"

#include <cblas.h>

#include "core/kernel.h"

/* At or below this many rows, m matrix-vector products beat one packed
 * matrix product (OpenBLAS, 256 x 256 layers). */
#define MM_GEMV_ROWS 4

/* A row of X with at most this share of nonzero entries is multiplied by
 * W as a sum of the rows of W it selects (the backward passes' rows are
 * mostly zero: a neuron that is off, or whose relaxation's chosen slope is
 * 0, passes nothing down); with more, BLAS's gemv is faster. */
#define MM_SPARSE_SHARE 0.75

/* Nonzero entries gathered at a time (a stack buffer). */
#define MM_CHUNK 256

/* o += a0 w0 + a1 w1 + a2 w2 + a3 w3 (rows of length n) and o += a0 w0. */
#define MM_AXPY(name4, name1, T)                                                            \
    NC_KERNEL static void name4(int n, const T *restrict w0, const T *restrict w1,          \
                                const T *restrict w2, const T *restrict w3, T a0, T a1,     \
                                T a2, T a3, T *restrict o)                                  \
    {                                                                                       \
        for (int k = 0; k < n; k++) o[k] += a0 * w0[k] + a1 * w1[k] + a2 * w2[k] + a3 * w3[k]; \
    }                                                                                       \
    NC_KERNEL static void name1(int n, const T *restrict w0, T a0, T *restrict o)           \
    {                                                                                       \
        for (int k = 0; k < n; k++) o[k] += a0 * w0[k];                                     \
    }

MM_AXPY(axpy4, axpy1, double)
MM_AXPY(axpy4_f, axpy1_f, float)

/* Gathers the indices of the nonzero entries of x[j0..j1) into idx
 * (branch-free: the zeros follow no pattern); returns their number. */
#define MM_GATHER(name, T)                                                                  \
    static int name(const T *x, int j0, int j1, int *idx)                                  \
    {                                                                                       \
        int n = 0;                                                                          \
        for (int j = j0; j < j1; j++) {                                                     \
            idx[n] = j;                                                                     \
            n += x[j] != 0;                                                                 \
        }                                                                                   \
        return n;                                                                           \
    }

MM_GATHER(gather, double)
MM_GATHER(gather_f, float)

/* out (din) = x W + beta out, x of length dout, when x has few enough
 * nonzero entries: returns 0 (nothing done) otherwise. Each entry of out
 * is still a sum of products x_j W_jk over j, only without the terms whose
 * x_j is 0 (exactly 0 in the sum), so the rounding-error bounds of a dot
 * product of length dout hold. */
#define MM_SPARSE(name, T, gath, ax4, ax1)                                                  \
    static int name(int dout, int din, const T *x, const T *W, T beta, T *out)              \
    {                                                                                       \
        int idx[MM_CHUNK + 1], n = 0;                                                       \
        if (dout <= MM_CHUNK) n = gath(x, 0, dout, idx);                                    \
        else                                                                                \
            for (int j = 0; j < dout; j++) n += x[j] != 0;                                  \
        if (n > MM_SPARSE_SHARE * dout) return 0;                                           \
        for (int k = 0; k < din; k++) out[k] = beta == 0 ? 0 : beta * out[k];               \
        for (int j0 = 0; j0 < dout; j0 += MM_CHUNK) {                                       \
            int j1 = dout - j0 < MM_CHUNK ? dout : j0 + MM_CHUNK;                           \
            if (dout > MM_CHUNK) n = gath(x, j0, j1, idx);                                  \
            int t = 0;                                                                      \
            for (; t + 4 <= n; t += 4)                                                      \
                ax4(din, &W[(long)idx[t] * din], &W[(long)idx[t + 1] * din],                \
                    &W[(long)idx[t + 2] * din], &W[(long)idx[t + 3] * din], x[idx[t]],      \
                    x[idx[t + 1]], x[idx[t + 2]], x[idx[t + 3]], out);                      \
            for (; t < n; t++) ax1(din, &W[(long)idx[t] * din], x[idx[t]], out);            \
        }                                                                                   \
        return 1;                                                                           \
    }

MM_SPARSE(sparse_row, double, gather, axpy4, axpy1)
MM_SPARSE(sparse_row_f, float, gather_f, axpy4_f, axpy1_f)

/* out = X W + beta out (wt = 0: X is m x dout, out m x din) or
 * out = X W^T + beta out (wt = 1: X is m x din, out m x dout), in the
 * precision of T through BLAS's gemm / gemv of that precision, or (wt = 0,
 * a few rows) the sparse product above. */
#define MM_ROWS(name, T, gemm, gemv, sparse)                                                    \
    static void name(int m, int dout, int din, const T *X, const T *W, int wt, T beta, T *out) \
    {                                                                                          \
        int kx = wt ? din : dout, ko = wt ? dout : din;                                        \
        if (m > MM_GEMV_ROWS) {                                                                \
            gemm(CblasRowMajor, CblasNoTrans, wt ? CblasTrans : CblasNoTrans, m, ko, kx, 1, X, \
                 kx, W, din, beta, out, ko);                                                   \
            return;                                                                            \
        }                                                                                      \
        for (int r = 0; r < m; r++)                                                            \
            if (wt || !sparse(dout, din, &X[(long)r * kx], W, beta, &out[(long)r * ko]))       \
                gemv(CblasRowMajor, wt ? CblasNoTrans : CblasTrans, dout, din, 1, W, din,      \
                     &X[(long)r * kx], 1, beta, &out[(long)r * ko], 1);                        \
    }

MM_ROWS(rows, double, cblas_dgemm, cblas_dgemv, sparse_row)
MM_ROWS(rows_f, float, cblas_sgemm, cblas_sgemv, sparse_row_f)

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
