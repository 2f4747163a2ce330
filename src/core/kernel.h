/* kernel: what the few inner loops that carry a pass's cost (sparse
 * products, the backward pass's relaxation and offset steps, their
 * single-precision estimates) are written with.
 *
 * NC_KERNEL: vectorised for the widest unit the processor has (GCC picks
 * the version at load time), with -O2's cost model lifted. Elsewhere:
 * plain functions.
 *
 * With GNU C (NC_VECTORS): vectors of NC_LANES doubles / floats / 64-bit
 * masks / bytes, loaded and stored unaligned, lanes chosen by masks (a
 * comparison of vectors gives all ones where it holds). As macros, since
 * vectors wider than the baseline's registers as arguments would depend
 * on the clone's ABI. Sums kept in NC_LANES partial sums add up in another
 * order than a loop's: callers' rounding bounds must hold for any order. */
#ifndef NC_KERNEL_H
#define NC_KERNEL_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define NC_KERNEL __attribute__((target_clones("avx512f", "avx2", "default"), optimize("O3")))
#else
#define NC_KERNEL
#endif

#if defined(__GNUC__)
#define NC_VECTORS 1
#define NC_LANES 8
typedef double nc_vd __attribute__((vector_size(NC_LANES * sizeof(double))));
typedef int64_t nc_vi __attribute__((vector_size(NC_LANES * sizeof(int64_t))));
typedef float nc_vf __attribute__((vector_size(NC_LANES * sizeof(float))));
typedef unsigned char nc_vc __attribute__((vector_size(NC_LANES)));
#define NC_VLOAD(v, p) memcpy(&(v), (p), sizeof(v))
#define NC_VSTORE(p, v) memcpy((p), &(v), sizeof(v))
/* a where mask is all ones, else b */
#define NC_VPICK(mask, a, b) ((nc_vd)(((nc_vi)(a) & (mask)) | ((nc_vi)(b) & ~(mask))))
#define NC_VABS(v) ((nc_vd)((nc_vi)(v) & ((nc_vi){ 0 } + INT64_MAX)))
#endif

#endif
