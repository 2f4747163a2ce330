/* matmul: products of a few rows with a layer's weight matrix.
 *
 * Bounding passes multiply m rows (one per bounded output row) by a
 * layer's dout x din weight matrix W, row-major. A BLAS matrix product
 * packs all of W on every call, which costs more than the product itself
 * when m is small (one or a few rows per subproblem in branch and bound);
 * these functions then use one matrix-vector product per row instead,
 * and a row of A that is mostly zeros (backward passes through layers
 * whose neurons are mostly off) as the sum of the rows of W its nonzero
 * entries select. Each choice sums every entry as a dot product of at most
 * the same length (the terms left out are exact zeros), so the
 * rounding-error bounds callers add (gamma_n per entry) hold either way.
 * Nothing is allocated; the output must not overlap the inputs.
 */
#ifndef NC_MATMUL_H
#define NC_MATMUL_H

/* out (m x din) = A (m x dout) W + beta out. */
void mm_rows_w(int m, int dout, int din, const double *A, const double *W, double beta,
               double *out);

/* out (m x dout) = H (m x din) W^T + beta out. */
void mm_rows_wt(int m, int dout, int din, const double *H, const double *W, double beta,
                double *out);

/* The same in single precision (estimates that steer an optimisation;
 * nothing rigorous is derived from them). */
void mm_rows_w_f(int m, int dout, int din, const float *A, const float *W, float beta, float *out);
void mm_rows_wt_f(int m, int dout, int din, const float *H, const float *W, float beta,
                  float *out);

#endif
