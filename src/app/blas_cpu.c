#include "app/blas_cpu.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CORETYPE_VAR "OPENBLAS_CORETYPE"

/* The name of the kernel set OpenBLAS uses. */
static const char *blas_cpu_name(void)
{
    const char *s = openblas_get_corename();
    return s ? s : "unknown";
}

/* The kernel set for this processor's features, NULL for none better than
 * the fallback. */
static const char *wanted(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return NULL;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512cd"))
        return "SkylakeX";
    return "Haswell";
#else
    return NULL;
#endif
}

void blas_cpu_select(char **argv)
{
    if (getenv(CORETYPE_VAR) || strcasecmp(blas_cpu_name(), "prescott") != 0) return;
    const char *core = wanted();
    if (!core || setenv(CORETYPE_VAR, core, 1) != 0) return;
    execv("/proc/self/exe", argv);
    /* no new run: keep this one as it is (the variable stays set, so a
     * child process of this run would not try again) */
}
