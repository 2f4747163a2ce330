/* bench_domains: per abstract domain, time and mean output-bound width over
 * the input sets of a VNN-COMP suite, and how many instances each domain
 * proves on its own (no splitting); then the cost of one CROWN pass on a
 * network against the BLAS calls it needs.
 * usage: bench_domains SUITE_DIR [ALPHA_ITERS]   (prints Markdown tables)
 *        bench_domains --flops NET PROP           (CROWN FLOPs and GFLOP/s) */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "domains/crown.h"
#include "io/netfile.h"
#include "io/vnnlib.h"
#include "verify/analyse.h"
#include "verify/prove.h"

#define N_DOMAINS 5        /* interval, zonotope, crown, alpha-crown, star */
#define STAR_SECONDS 3.0   /* LP budget of the star domain per input box */

typedef struct {
    double seconds, width;
    long boxes, outputs;
    int proved;
} tally;

static int load(const char *dir, const char *onnx, const char *vnnlib, net **n, prop **p)
{
    char np[1024], pp[1024];
    nc_err e;
    snprintf(np, sizeof np, "%s/%s", dir, onnx);
    snprintf(pp, sizeof pp, "%s/%s", dir, vnnlib);
    if (netfile_load(np, n, &e) || vnnlib_load(pp, p, &e)) {
        fprintf(stderr, "bench_domains: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static int suite(const char *dir, int alpha_iters)
{
    char path[1024], line[2048];
    snprintf(path, sizeof path, "%s/instances.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_domains: cannot open %s\n", path);
        return 2;
    }
    tally t[N_DOMAINS] = { 0 };
    int instances = 0;
    while (fgets(line, sizeof line, f)) {
        char onnx[512], vnnlib[512];
        if (sscanf(line, "%511[^,],%511[^,]", onnx, vnnlib) != 2) continue;
        net *n;
        prop *p;
        if (load(dir, onnx, vnnlib, &n, &p)) return 3;
        instances++;
        for (int d = 0; d < N_DOMAINS; d++) {
            analyse_opts o;
            analyse_opts_init(&o);
            o.alpha_iters = alpha_iters;
            if (d == DOM_STAR) o.deadline = clock_now() + STAR_SECONDS;
            nc_err e;
            bounds *b = bounds_new(n, &e);
            double *lo = calloc((size_t)n->out_dim, sizeof *lo), *hi = calloc((size_t)n->out_dim, sizeof *hi);
            int all = 1;
            for (int k = 0; k < p->n_cases; k++) {
                double t0 = clock_now();
                if (analyse_case(n, &p->cases[k], (domain_kind)d, &o, b, lo, hi, NULL, NULL, &e)) {
                    fprintf(stderr, "bench_domains: %s\n", e.msg);
                    return 3;
                }
                t[d].seconds += clock_now() - t0;
                t[d].boxes++;
                for (int i = 0; i < n->out_dim; i++) t[d].width += hi[i] - lo[i], t[d].outputs++;
                char *done = calloc((size_t)p->cases[k].n_disj + 1, 1);
                int proved = 0;
                prove_case(n, &p->cases[k], (domain_kind)d, &o, done, &proved, &e);
                all = all && proved;
                free(done);
            }
            t[d].proved += all;
            free(lo), free(hi);
            bounds_free(b);
        }
        prop_free(p);
        net_free(n);
    }
    fclose(f);
    const char *name = strrchr(dir, '/');
    printf("suite %s: %d instances, alpha-CROWN %d iterations\n\n", name ? name + 1 : dir,
           instances, alpha_iters);
    printf("| domain | boxes | mean time per box (ms) | mean output width | instances proved alone |\n");
    printf("|---|---|---|---|---|\n");
    for (int d = 0; d < N_DOMAINS; d++)
        printf("| %s | %ld | %.2f | %.4g | %d |\n", domain_name((domain_kind)d), t[d].boxes,
               1e3 * t[d].seconds / (double)t[d].boxes, t[d].width / (double)t[d].outputs,
               t[d].proved);
    return 0;
}

/* FLOPs of the matrix products of full CROWN on n: for each activation
 * layer k > 0, 2 d_k rows carried back through the affine layers below
 * layer k - 1; then 2 out rows through every affine layer. */
static double crown_flops(const net *n)
{
    double f = 0;
    for (int k = 1; k <= n->n; k++) {
        int m = k == n->n ? 2 * n->out_dim : 2 * n->layers[k].in;
        if (k < n->n && !net_is_activation(n->layers[k].kind)) continue;
        int top = k == n->n ? n->n : k - 1;
        for (int i = 0; i < top; i++)
            if (n->layers[i].kind == NET_AFFINE) f += 2.0 * m * n->layers[i].in * n->layers[i].out;
    }
    return f;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int flops(const char *np, const char *pp)
{
    nc_err e;
    net *n;
    prop *p;
    if (netfile_load(np, &n, &e) || vnnlib_load(pp, &p, &e)) {
        fprintf(stderr, "bench_domains: %s\n", e.msg);
        return 3;
    }
    enum { RUNS = 21 };
    double t[RUNS], tb[RUNS];
    analyse_opts o;
    analyse_opts_init(&o);
    bounds *b = bounds_new(n, &e);
    double *lo = calloc((size_t)n->out_dim, sizeof *lo), *hi = calloc((size_t)n->out_dim, sizeof *hi);
    for (int r = 0; r < RUNS; r++) {
        double t0 = clock_now();
        analyse_case(n, &p->cases[0], DOM_CROWN, &o, b, lo, hi, NULL, NULL, &e);
        t[r] = clock_now() - t0;
    }
    /* the same matrix products alone, on scratch matrices */
    int w = net_max_width(n);
    double *A = calloc((size_t)2 * w * w, sizeof *A), *B = calloc((size_t)2 * w * w, sizeof *B);
    for (int r = 0; r < RUNS; r++) {
        double t0 = clock_now();
        for (int k = 1; k <= n->n; k++) {
            int m = k == n->n ? 2 * n->out_dim : 2 * n->layers[k].in;
            if (k < n->n && !net_is_activation(n->layers[k].kind)) continue;
            int top = k == n->n ? n->n : k - 1;
            for (int i = top - 1; i >= 0; i--) {
                const net_layer *l = &n->layers[i];
                if (l->kind != NET_AFFINE) continue;
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, l->in, l->out, 1.0, A,
                            l->out, l->w, l->in, 0.0, B, l->in);
            }
        }
        tb[r] = clock_now() - t0;
    }
    qsort(t, RUNS, sizeof *t, cmp);
    qsort(tb, RUNS, sizeof *tb, cmp);
    double fl = crown_flops(n);
    printf("| network | CROWN median (ms) | its GEMMs alone (ms) | GFLOP | GFLOP/s (CROWN) | GFLOP/s (GEMMs) |\n");
    printf("|---|---|---|---|---|---|\n");
    const char *base = strrchr(np, '/');
    printf("| %s | %.1f | %.1f | %.3f | %.1f | %.1f |\n", base ? base + 1 : np, 1e3 * t[RUNS / 2],
           1e3 * tb[RUNS / 2], fl / 1e9, fl / 1e9 / t[RUNS / 2], fl / 1e9 / tb[RUNS / 2]);
    free(A), free(B), free(lo), free(hi);
    bounds_free(b);
    prop_free(p);
    net_free(n);
    return 0;
}

int main(int argc, char **argv)
{
    if (!getenv("OPENBLAS_NUM_THREADS")) crown_set_blas_threads(1);
    if (argc == 4 && strcmp(argv[1], "--flops") == 0) return flops(argv[2], argv[3]);
    if (argc < 2) {
        fprintf(stderr, "usage: bench_domains SUITE_DIR [ALPHA_ITERS] | --flops NET PROP\n");
        return 2;
    }
    return suite(argv[1], argc > 2 ? atoi(argv[2]) : 20);
}
