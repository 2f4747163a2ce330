/* blas_cpu: make OpenBLAS use the kernels the processor can run.
 *
 * OpenBLAS picks its kernels once, when the library loads, from the
 * processor's model number. A processor newer than the library falls back
 * to the oldest x86-64 kernels (Prescott, SSE3) even when it has AVX2 and
 * AVX-512, and branch and bound then runs at about half its speed
 * (docs/performance.md, "BLAS kernels"). The choice can only be changed before the library loads, through
 * the environment variable OPENBLAS_CORETYPE: blas_cpu_select sets it from
 * the processor's features and runs the program again.
 */
#ifndef NC_BLAS_CPU_H
#define NC_BLAS_CPU_H

/* When OPENBLAS_CORETYPE is unset, OpenBLAS chose Prescott and the processor
 * has AVX2 with FMA (AVX-512F/BW/DQ/VL/CD: SkylakeX kernels, else Haswell):
 * sets OPENBLAS_CORETYPE and replaces the process with a fresh run of the
 * same executable and argv. Returns when nothing is to change or the new run
 * cannot start (the run goes on with the kernels it has). To be called first
 * in main, before anything is read or written. */
void blas_cpu_select(char **argv);

#endif
