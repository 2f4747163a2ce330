/* bench_parse: times the VNNLIB parser (file read + parse + DNF + cases)
 * and the network loaders, printing a table of median and best times.
 * usage: bench_parse FILE... (each .vnnlib, .onnx or .nnet) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/clock.h"
#include "io/netfile.h"
#include "io/vnnlib.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    enum { REPS = 50 };
    printf("| file | size (KB) | median (ms) | best (ms) |\n|---|---|---|---|\n");
    for (int i = 1; i < argc; i++) {
        const char *path = argv[i];
        int is_prop = strstr(path, ".vnnlib") != NULL;
        double t[REPS];
        for (int r = 0; r < REPS; r++) {
            nc_err e;
            double t0 = clock_now();
            nc_status s;
            if (is_prop) {
                prop *p;
                s = vnnlib_load(path, &p, &e);
                if (!s) prop_free(p);
            } else {
                net *n;
                s = netfile_load(path, &n, &e);
                if (!s) net_free(n);
            }
            t[r] = clock_now() - t0;
            if (s) {
                fprintf(stderr, "bench_parse: %s\n", e.msg);
                return 3;
            }
        }
        qsort(t, REPS, sizeof *t, cmp);
        struct stat st;
        stat(path, &st);
        const char *base = strrchr(path, '/');
        printf("| %s | %.1f | %.3f | %.3f |\n", base ? base + 1 : path, st.st_size / 1024.0,
               1e3 * t[REPS / 2], 1e3 * t[0]);
    }
    return 0;
}
