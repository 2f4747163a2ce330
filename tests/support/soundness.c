#include "support/soundness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "io/vnnlib.h"
#include "solvers/exact.h"
#include "support/testutil.h"
#include "verify/analyse.h"
#include "verify/driver.h"
#include "verify/prove.h"

const char *const snd_method_names[SND_METHODS] = { "auto",     "smt",   "star",
                                                    "bab",      "bab-relu", "milp",
                                                    "interval", "zonotope",
                                                    "crown",    "alpha-crown", "star-bounds" };

static double *copy(const double *v, int n)
{
    double *c = malloc((size_t)n * sizeof *c);
    memcpy(c, v, (size_t)n * sizeof *c);
    return c;
}

/* f plus K * relu(1 - |x - x0|_1 / r), as one chain of layers: the first
 * layer also computes relu(x - x0) and relu(x0 - x), the second the spike. */
static net *planted_net(const net *f, int d, const double *x0, double r, double K)
{
    const net_layer *l1 = &f->layers[0], *l2 = &f->layers[2], *l3 = &f->layers[4];
    int h1 = l1->out, h2 = l2->out;
    net *n = net_new(NULL);
    int o1 = h1 + 2 * d;
    double *w = calloc((size_t)o1 * d, sizeof *w), *b = calloc((size_t)o1, sizeof *b);
    memcpy(w, l1->w, (size_t)h1 * d * sizeof *w);
    memcpy(b, l1->b, (size_t)h1 * sizeof *b);
    for (int i = 0; i < d; i++) {
        w[(size_t)(h1 + i) * d + i] = 1, b[h1 + i] = -x0[i];
        w[(size_t)(h1 + d + i) * d + i] = -1, b[h1 + d + i] = x0[i];
    }
    net_push_affine(n, d, o1, w, b, NULL);
    net_push_act(n, NET_RELU, o1, 0, NULL);
    int o2 = h2 + 1;
    w = calloc((size_t)o2 * o1, sizeof *w), b = calloc((size_t)o2, sizeof *b);
    for (int i = 0; i < h2; i++) {
        memcpy(w + (size_t)i * o1, l2->w + (size_t)i * h1, (size_t)h1 * sizeof *w);
        b[i] = l2->b[i];
    }
    for (int j = h1; j < o1; j++) w[(size_t)h2 * o1 + j] = -1.0 / r;
    b[h2] = 1;
    net_push_affine(n, o1, o2, w, b, NULL);
    net_push_act(n, NET_RELU, o2, 0, NULL);
    w = calloc((size_t)o2, sizeof *w);
    memcpy(w, l3->w, (size_t)h2 * sizeof *w);
    w[h2] = K;
    net_push_affine(n, o2, 1, w, copy(l3->b, 1), NULL);
    net_validate(n, "planted", NULL);
    return n;
}

typedef enum { ANS_UNKNOWN, ANS_HOLDS, ANS_VIOLATED } answer;

static answer decide(const net *n, const prop *p, verify_method m, double timeout, int *bad_cex)
{
    verify_opts o;
    verify_opts_init(&o);
    o.method = m;
    o.timeout = timeout;
    verify_result r;
    nc_err e;
    if (verify_property(n, p, &o, &r, &e)) return ANS_UNKNOWN;
    answer a = r.v == VERDICT_HOLDS ? ANS_HOLDS : r.v == VERDICT_VIOLATED ? ANS_VIOLATED : ANS_UNKNOWN;
    if (a == ANS_VIOLATED) {   /* the exact check once more, independently */
        int ok = 0;
        for (int k = 0; k < p->n_cases && !ok; k++) {
            exact_result er;
            if (exact_check(n, &p->cases[k], r.x, &er, &e) == NC_OK) {
                ok = er.in_input && er.disjunct >= 0;
                exact_result_free(&er);
            }
        }
        if (!ok) (*bad_cex)++;
    }
    verify_result_free(&r);
    return a;
}

static answer prove_only(const net *n, const prop *p, domain_kind d)
{
    analyse_opts ao;
    analyse_opts_init(&ao);
    nc_err e;
    for (int k = 0; k < p->n_cases; k++) {
        char done[8] = { 0 };
        int proved = 0;
        if (p->cases[k].n_disj > 7 || prove_case(n, &p->cases[k], d, &ao, done, &proved, &e) || !proved)
            return ANS_UNKNOWN;
    }
    return ANS_HOLDS;
}

/* Sound bounds [lo, hi] of output 0 of f over the box of p (pure CROWN). */
static void output_bounds(const net *f, const prop *p, double *lo, double *hi)
{
    analyse_opts ao;
    analyse_opts_init(&ao);
    bounds *b = bounds_new(f, NULL);
    nc_err e;
    if (analyse_case(f, &p->cases[0], DOM_CROWN, &ao, b, lo, hi, NULL, NULL, &e)) *lo = -1e3, *hi = 1e3;
    bounds_free(b);
}

int soundness_run(uint64_t seed, int count, double timeout, snd_report *rep, FILE *log)
{
    memset(rep, 0, sizeof *rep);
    rng r;
    rng_seed(&r, seed);
    static const net_kind acts[] = { NET_RELU, NET_LEAKY_RELU, NET_SIGMOID, NET_TANH };
    for (int it = 0; it < count; it++) {
        int d = 2 + (int)(rng_next(&r) % 4);
        int planted = it % 3 == 2;
        net_kind act = planted ? NET_RELU : acts[rng_next(&r) % 4];
        int hidden[2] = { 3 + (int)(rng_next(&r) % 6), 3 + (int)(rng_next(&r) % 6) };
        int nh = planted ? 2 : 1 + (int)(rng_next(&r) % 2);
        net *f = tu_random_net(&r, d, hidden, nh, 1, act);
        double lo[8], x[8], w = 0.2 + rng_unif(&r), y, best = -INFINITY;
        for (int i = 0; i < d; i++) lo[i] = rng_normal(&r);
        net *n = f;
        prop *p;
        if (planted) {
            prop *box = tu_threshold_prop(d, lo, w, 0);
            double flo, fhi;
            output_bounds(f, box, &flo, &fhi);
            prop_free(box);
            double rad = 1e-3 * w, delta = 0.01 * (1 + fabs(fhi));
            double x0[8];
            for (int i = 0; i < d; i++) x0[i] = lo[i] + rad + (w - 2 * rad) * rng_unif(&r);
            n = planted_net(f, d, x0, rad, 2 * (fhi - flo) + 2 * delta + 1);
            p = tu_threshold_prop(d, lo, w, fhi + delta);
            rep->planted++;
        } else {
            for (int s = 0; s < 1000; s++) {
                for (int i = 0; i < d; i++) x[i] = lo[i] + w * rng_unif(&r);
                net_eval(f, x, &y);
                best = fmax(best, y);
            }
            /* one threshold in five below the sampled maximum (violated),
             * the others above it by 1%..12% (either answer) */
            int k = (int)(rng_next(&r) % 5);
            double off = k == 0 ? -0.02 : 0.01 + 0.0367 * (k - 1);
            p = tu_threshold_prop(d, lo, w, best + off * (1 + fabs(best)));
        }
        answer a[SND_METHODS];
        a[SND_AUTO] = decide(n, p, VERIFY_AUTO, timeout, &rep->bad_cex);
        a[SND_SMT] = decide(n, p, VERIFY_SMT, timeout, &rep->bad_cex);
        a[SND_STAR] = decide(n, p, VERIFY_STAR, timeout, &rep->bad_cex);
        a[SND_BAB] = decide(n, p, VERIFY_BAB, timeout, &rep->bad_cex);
        a[SND_BAB_RELU] = decide(n, p, VERIFY_BAB_RELU, timeout, &rep->bad_cex);
        a[SND_MILP] = decide(n, p, VERIFY_MILP, timeout, &rep->bad_cex);
        a[SND_INTERVAL] = prove_only(n, p, DOM_INTERVAL);
        a[SND_ZONOTOPE] = prove_only(n, p, DOM_ZONOTOPE);
        a[SND_CROWN] = prove_only(n, p, DOM_CROWN);
        a[SND_ALPHA] = prove_only(n, p, DOM_ALPHA_CROWN);
        a[SND_STAR_BOUNDS] = prove_only(n, p, DOM_STAR);
        int h = 0, v = 0;
        for (int m = 0; m < SND_METHODS; m++) {
            rep->holds[m] += a[m] == ANS_HOLDS;
            rep->violated[m] += a[m] == ANS_VIOLATED;
            rep->unknown[m] += a[m] == ANS_UNKNOWN;
            h |= a[m] == ANS_HOLDS;
            v |= a[m] == ANS_VIOLATED;
        }
        rep->disagreements += h && v;
        if (planted) {
            rep->planted_holds += h;
            rep->planted_found += a[SND_AUTO] == ANS_VIOLATED || a[SND_SMT] == ANS_VIOLATED ||
                                  a[SND_STAR] == ANS_VIOLATED || a[SND_BAB] == ANS_VIOLATED ||
                                  a[SND_BAB_RELU] == ANS_VIOLATED || a[SND_MILP] == ANS_VIOLATED;
        }
        rep->instances++;
        if (log) {
            fprintf(log, "%4d %s d=%d %-10s", it, planted ? "planted" : "random ", d, net_kind_name(act));
            for (int m = 0; m < SND_METHODS; m++)
                fprintf(log, " %s=%c", snd_method_names[m], "UHV"[a[m]]);
            fprintf(log, "%s\n", h && v ? "  DISAGREEMENT" : "");
            fflush(log);
        }
        prop_free(p);
        if (n != f) net_free(n);
        net_free(f);
    }
    return 0;
}

void soundness_print(FILE *f, const snd_report *r)
{
    fprintf(f, "| method | holds | violated | unknown |\n|---|---|---|---|\n");
    for (int m = 0; m < SND_METHODS; m++)
        fprintf(f, "| %s | %d | %d | %d |\n", snd_method_names[m], r->holds[m], r->violated[m],
                r->unknown[m]);
    fprintf(f, "\ninstances: %d (%d planted); disagreements: %d; planted answered holds: %d; "
               "planted found violated: %d of %d; counterexamples failing the re-check: %d\n",
            r->instances, r->planted, r->disagreements, r->planted_holds, r->planted_found, r->planted,
            r->bad_cex);
}
