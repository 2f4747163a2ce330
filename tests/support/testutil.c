#include "support/testutil.h"

#include "io/vnnlib.h"

#include <glpk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *tmpdir(void)
{
    static char dir[256];
    if (!dir[0]) {   /* one directory per test process: tests run in parallel */
        const char *base = getenv("NNCERT_TEST_TMP");
        if (!base || !*base) base = "build/test-tmp";
        mkdir(base, 0700);
        snprintf(dir, sizeof dir, "%s/%ld", base, (long)getpid());
        mkdir(dir, 0700);
    }
    return dir;
}

const char *tu_path(const char *name)
{
    static char bufs[8][512];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 512, "%s/%s", tmpdir(), name);
    return b;
}

const char *tu_write(const char *name, const char *text)
{
    const char *p = tu_path(name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

const char *tu_benchmarks(void)
{
    const char *d = getenv("NNCERT_BENCHMARKS");
    if (!d || !*d) d = "../shared/benchmarks";
    struct stat st;
    return stat(d, &st) == 0 && S_ISDIR(st.st_mode) ? d : NULL;
}

const char *tu_bin(void)
{
    const char *b = getenv("NNCERT_BIN");
    return b && *b ? b : "build/nncert";
}

int tu_run(const char *cmd, char *out, int n)
{
    char full[4096];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p) return -1;
    size_t got = fread(out, 1, (size_t)(n - 1), p);
    out[got] = 0;
    char sink[4096];
    while (fread(sink, 1, sizeof sink, p) > 0) {
    }
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int tu_nncert(const char *args, char *out, int n)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s %s", tu_bin(), args);
    return tu_run(cmd, out, n);
}

const char *tu_slurp(const char *path)
{
    static char buf[1 << 16];
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    buf[got] = 0;
    fclose(f);
    return buf;
}

net *tu_random_net(rng *r, int in, const int *hidden, int n_hidden, int out, net_kind act)
{
    net *n = net_new(NULL);
    int prev = in;
    for (int k = 0; k <= n_hidden; k++) {
        int o = k < n_hidden ? hidden[k] : out;
        double *w = calloc((size_t)o * prev, sizeof *w), *b = calloc((size_t)o, sizeof *b);
        for (int i = 0; i < o * prev; i++) w[i] = rng_normal(r) / sqrt((double)prev);
        for (int i = 0; i < o; i++) b[i] = 0.3 * rng_normal(r);
        net_push_affine(n, prev, o, w, b, NULL);
        if (k < n_hidden) net_push_act(n, act, o, 0.1, NULL);
        prev = o;
    }
    net_validate(n, "random", NULL);
    return n;
}

double tu_lipschitz(const net *n)
{
    double L = 1.0;
    for (int k = 0; k < n->n; k++) {
        const net_layer *l = &n->layers[k];
        if (l->kind != NET_AFFINE) continue;
        double m = 0;
        for (int i = 0; i < l->out; i++) {
            double s = 0;
            for (int j = 0; j < l->in; j++) s += fabs(l->w[(size_t)i * l->in + j]);
            m = fmax(m, s);
        }
        L *= m;
    }
    return L;
}

prop *tu_threshold_prop(int d, const double *lo, double w, double t)
{
    char text[4096];
    int k = 0;
    for (int i = 0; i < d; i++) k += snprintf(text + k, sizeof text - k, "(declare-const X_%d Real)", i);
    k += snprintf(text + k, sizeof text - k, "(declare-const Y_0 Real)");
    for (int i = 0; i < d; i++)
        k += snprintf(text + k, sizeof text - k, "(assert (>= X_%d %.17g))(assert (<= X_%d %.17g))", i,
                      lo[i], i, lo[i] + w);
    snprintf(text + k, sizeof text - k, "(assert (>= Y_0 %.17g))", t);
    nc_err e;
    prop *p = NULL;
    if (vnnlib_parse(text, "threshold", &p, &e)) return NULL;
    return p;
}

net *tu_sum_net(void)
{
    net *n = net_new(NULL);
    double *w = malloc(2 * sizeof *w), *b = calloc(1, sizeof *b);
    w[0] = w[1] = 1.0;
    net_push_affine(n, 2, 1, w, b, NULL);
    net_push_act(n, NET_RELU, 1, 0, NULL);
    net_validate(n, "sum", NULL);
    return n;
}

double tu_pattern_max(const net *n, const double *lo, double w)
{
    const net_layer *L1 = &n->layers[0], *L2 = &n->layers[2], *L3 = &n->layers[4];
    double alpha = n->layers[1].kind == NET_LEAKY_RELU ? n->layers[1].alpha : 0.0;
    int d = L1->in, h1 = L1->out, h2 = L2->out, H = h1 + h2;
    double best = -INFINITY;
    glp_term_out(GLP_OFF);
    for (long pat = 0; pat < (1L << H); pat++) {
        /* affine maps over x: z1 = A1 x + a1, z2 = A2 x + a2, y = A3 x + a3 */
        double A1[16][8], a1[16], A2[16][8], a2[16], A3[8], a3;
        for (int i = 0; i < h1; i++) {
            for (int j = 0; j < d; j++) A1[i][j] = L1->w[i * d + j];
            a1[i] = L1->b[i];
        }
        for (int i = 0; i < h2; i++) {
            a2[i] = L2->b[i];
            for (int j = 0; j < d; j++) A2[i][j] = 0;
            for (int k = 0; k < h1; k++) {
                double s = (pat >> k & 1) ? 1.0 : alpha, wk = L2->w[i * h1 + k] * s;
                for (int j = 0; j < d; j++) A2[i][j] += wk * A1[k][j];
                a2[i] += wk * a1[k];
            }
        }
        a3 = L3->b[0];
        for (int j = 0; j < d; j++) A3[j] = 0;
        for (int k = 0; k < h2; k++) {
            double s = (pat >> (h1 + k) & 1) ? 1.0 : alpha, wk = L3->w[k] * s;
            for (int j = 0; j < d; j++) A3[j] += wk * A2[k][j];
            a3 += wk * a2[k];
        }
        glp_prob *P = glp_create_prob();
        glp_set_obj_dir(P, GLP_MAX);
        glp_add_cols(P, d);
        for (int j = 0; j < d; j++) {
            glp_set_col_bnds(P, j + 1, GLP_DB, lo[j], lo[j] + w);
            glp_set_obj_coef(P, j + 1, A3[j]);
        }
        glp_add_rows(P, H);
        for (int i = 0; i < H; i++) {
            const double *row = i < h1 ? A1[i] : A2[i - h1];
            double c = i < h1 ? a1[i] : a2[i - h1];
            int ind[9];
            double val[9];
            for (int j = 0; j < d; j++) ind[j + 1] = j + 1, val[j + 1] = row[j];
            glp_set_mat_row(P, i + 1, d, ind, val);
            if (pat >> i & 1) glp_set_row_bnds(P, i + 1, GLP_LO, -c, 0);
            else glp_set_row_bnds(P, i + 1, GLP_UP, 0, -c);
        }
        glp_smcp parm;
        glp_init_smcp(&parm);
        parm.msg_lev = GLP_MSG_OFF;
        if (glp_simplex(P, &parm) == 0 && glp_get_status(P) == GLP_OPT) {
            double v = glp_get_obj_val(P) + a3;
            if (v > best) best = v;
        }
        glp_delete_prob(P);
    }
    return best;
}

int tu_decide(const net *n, const prop *p, verify_method m, int jobs, const char **method,
              verify_result *r)
{
    verify_opts o;
    verify_opts_init(&o);
    o.method = m;
    o.timeout = 60;
    o.jobs = jobs;
    verify_result res;
    nc_err e;
    if (verify_property(n, p, &o, &res, &e)) return -1;
    int v = (int)res.v;
    if (method) *method = res.method;
    verify_result_free(&res);
    if (r) *r = res;
    return v;
}

int tu_pattern_trials(uint64_t seed, int trials, double rel, verify_method m, int max_jobs,
                      const char *name, int *by_method, char *msg, size_t cap)
{
    rng r;
    rng_seed(&r, seed);
    if (by_method) *by_method = 0;
    for (int trial = 0; trial < trials; trial++) {
        int d = 2 + trial % 3, hidden[2] = { 5, 4 };
        net *n = tu_random_net(&r, d, hidden, 2, 1, trial % 3 == 2 ? NET_LEAKY_RELU : NET_RELU);
        double lo[4], w = 0.5 + rng_unif(&r);
        for (int i = 0; i < d; i++) lo[i] = rng_normal(&r);
        double top = tu_pattern_max(n, lo, w), eps = rel * (1 + fabs(top));
        for (int side = -1; side <= 1; side += 2) {
            prop *p = tu_threshold_prop(d, lo, w, top - side * eps);
            int want = side > 0 ? VERDICT_VIOLATED : VERDICT_HOLDS;
            for (int jobs = 1; jobs <= max_jobs; jobs++) {
                const char *how = "";
                int got = tu_decide(n, p, m, jobs, &how, NULL);
                if (got != want) {
                    snprintf(msg, cap, "trial %d, threshold max %+g, %d thread(s): expected %s, got %s by %s",
                             trial, -side * eps, jobs, verdict_name(want),
                             got < 0 ? "an error" : verdict_name(got), how);
                    prop_free(p);
                    net_free(n);
                    return -1;
                }
                if (by_method && name && want == VERDICT_VIOLATED && !strcmp(how, name)) (*by_method)++;
            }
            prop_free(p);
        }
        net_free(n);
    }
    return 0;
}

void tu_preacts(const net *n, const double *x, double **z)
{
    double a[64], b[64];
    memcpy(a, x, (size_t)n->in_dim * sizeof *a);
    for (int k = 0; k < n->n; k++) {
        const net_layer *l = &n->layers[k];
        if (net_is_activation(l->kind) && z[k]) memcpy(z[k], a, (size_t)l->in * sizeof *a);
        net_layer_eval(l, a, b);
        memcpy(a, b, (size_t)l->out * sizeof *a);
    }
}
