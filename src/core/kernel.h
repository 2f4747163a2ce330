/* kernel: the attribute for the few inner loops that carry a pass's cost
 * (sparse products, the backward pass's relaxation step): vectorised for
 * the widest unit the processor has (GCC picks the version at load time),
 * with -O2's cost model lifted for them. Elsewhere: plain functions. */
#ifndef NC_KERNEL_H
#define NC_KERNEL_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define NC_KERNEL __attribute__((target_clones("avx512f", "avx2", "default"), optimize("O3")))
#else
#define NC_KERNEL
#endif

#endif
