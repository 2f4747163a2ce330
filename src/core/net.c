#include "core/net.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

net *net_new(nc_err *e)
{
    return err_calloc(e, 1, sizeof(net));
}

static void layer_clear(net_layer *l)
{
    free(l->w);
    free(l->b);
    l->w = l->b = NULL;
}

void net_free(net *n)
{
    if (!n) return;
    for (int i = 0; i < n->n; i++) layer_clear(&n->layers[i]);
    free(n->layers);
    free(n);
}

static nc_status push(net *n, net_layer l, nc_err *e)
{
    if (n->n == n->cap) {
        int cap = n->cap ? 2 * n->cap : 8;
        net_layer *p = err_realloc(e, n->layers, (size_t)cap, sizeof *p);
        if (!p) {
            layer_clear(&l);
            return e ? e->code : NC_ENOMEM;
        }
        n->layers = p;
        n->cap = cap;
    }
    n->layers[n->n++] = l;
    return NC_OK;
}

nc_status net_push_affine(net *n, int in, int out, double *w, double *b, nc_err *e)
{
    net_layer l = { .kind = NET_AFFINE, .in = in, .out = out, .w = w, .b = b };
    return push(n, l, e);
}

nc_status net_push_elem(net *n, net_kind kind, int dim, double *c, nc_err *e)
{
    net_layer l = { .kind = kind, .in = dim, .out = dim, .b = c };
    return push(n, l, e);
}

nc_status net_push_act(net *n, net_kind kind, int dim, double alpha, nc_err *e)
{
    net_layer l = { .kind = kind, .in = dim, .out = dim, .alpha = alpha };
    return push(n, l, e);
}

int net_is_activation(net_kind k)
{
    return k == NET_RELU || k == NET_LEAKY_RELU || k == NET_SIGMOID || k == NET_TANH;
}

const char *net_kind_name(net_kind k)
{
    switch (k) {
    case NET_AFFINE: return "affine";
    case NET_RELU: return "relu";
    case NET_LEAKY_RELU: return "leaky_relu";
    case NET_SIGMOID: return "sigmoid";
    case NET_TANH: return "tanh";
    case NET_ADD: return "add";
    case NET_MUL: return "mul";
    case NET_DIV: return "div";
    }
    return "?";
}

static int first_nonfinite(const double *v, long n)
{
    for (long i = 0; i < n; i++)
        if (!isfinite(v[i])) return (int)i;
    return -1;
}

nc_status net_validate(net *n, const char *src, nc_err *e)
{
    if (n->n == 0) return err_set(e, NC_EINPUT, "%s: network has no layers", src);
    for (int k = 0; k < n->n; k++) {
        const net_layer *l = &n->layers[k];
        const char *kn = net_kind_name(l->kind);
        if (l->in <= 0 || l->out <= 0)
            return err_set(e, NC_EINPUT, "%s: layer %d (%s) has empty shape %dx%d",
                           src, k, kn, l->out, l->in);
        if (k > 0 && l->in != n->layers[k - 1].out)
            return err_set(e, NC_EINPUT,
                           "%s: layer %d (%s) takes %d inputs but layer %d gives %d",
                           src, k, kn, l->in, k - 1, n->layers[k - 1].out);
        if (l->kind == NET_AFFINE) {
            int bad = first_nonfinite(l->w, (long)l->in * l->out);
            if (bad >= 0)
                return err_set(e, NC_EINPUT, "%s: layer %d (affine): weight [%d,%d] is %g",
                               src, k, bad / l->in, bad % l->in, l->w[bad]);
        }
        if (l->kind == NET_AFFINE || l->kind == NET_ADD || l->kind == NET_MUL ||
            l->kind == NET_DIV) {
            int bad = first_nonfinite(l->b, l->out);
            if (bad >= 0)
                return err_set(e, NC_EINPUT, "%s: layer %d (%s): constant [%d] is %g",
                               src, k, kn, bad, l->b[bad]);
        }
        if (l->kind == NET_DIV)
            for (int i = 0; i < l->out; i++)
                if (l->b[i] == 0.0)
                    return err_set(e, NC_EINPUT, "%s: layer %d (div): divisor [%d] is zero",
                                   src, k, i);
        if (l->kind == NET_LEAKY_RELU && !isfinite(l->alpha))
            return err_set(e, NC_EINPUT, "%s: layer %d (leaky_relu): alpha is not finite",
                           src, k);
    }
    n->in_dim = n->layers[0].in;
    n->out_dim = n->layers[n->n - 1].out;
    return NC_OK;
}

/* ---- exact folding ------------------------------------------------------
 * Each rule below computes the merged weights in double and accepts them
 * only if every rounding error is zero: a product p = a*b is exact iff
 * fma(a, b, -p) == 0; a sum s = a+b is exact iff the TwoSum error is zero. */

static int exact_mul(double a, double b, double *p)
{
    *p = a * b;
    return isfinite(*p) && fma(a, b, -*p) == 0.0;
}

static int exact_div(double a, double b, double *q)
{
    *q = a / b;
    return isfinite(*q) && fma(*q, b, -a) == 0.0;
}

static int exact_add(double a, double b, double *s)
{
    *s = a + b;
    double bb = *s - a;
    double err = (a - (*s - bb)) + (b - bb);
    return isfinite(*s) && err == 0.0;
}

/* Installs the merged weights w, b into a when ok, else discards them. */
static int adopt(net_layer *a, double *w, double *b, int ok)
{
    if (ok) {
        free(a->w), free(a->b);
        a->w = w, a->b = b;
    } else {
        free(w), free(b);
    }
    return ok;
}

/* Elementwise layer E (constants c) followed by affine A: tries to write
 * A o E as one affine layer; on success overwrites A's w/b and returns 1. */
static int fold_into_next(const net_layer *el, net_layer *a)
{
    int in = a->in, out = a->out;
    size_t nw = (size_t)in * out;
    double *w = malloc(nw * sizeof *w), *b = malloc((size_t)out * sizeof *b);
    int ok = w && b;
    if (ok) memcpy(w, a->w, nw * sizeof *w), memcpy(b, a->b, (size_t)out * sizeof *b);
    for (int i = 0; ok && i < out; i++) {
        for (int j = 0; ok && j < in; j++) {
            double c = el->b[j], wij = a->w[(size_t)i * in + j], t;
            switch (el->kind) {
            case NET_MUL: ok = exact_mul(wij, c, &w[(size_t)i * in + j]); break;
            case NET_DIV: ok = exact_div(wij, c, &w[(size_t)i * in + j]); break;
            case NET_ADD: ok = exact_mul(wij, c, &t) && exact_add(b[i], t, &b[i]); break;
            default: ok = 0;
            }
        }
    }
    return adopt(a, w, b, ok);
}

/* Affine A followed by elementwise E: tries to write E o A as one affine. */
static int fold_into_prev(net_layer *a, const net_layer *el)
{
    int in = a->in, out = a->out;
    size_t nw = (size_t)in * out;
    double *w = malloc(nw * sizeof *w), *b = malloc((size_t)out * sizeof *b);
    int ok = w && b;
    for (int i = 0; ok && i < out; i++) {
        double c = el->b[i];
        switch (el->kind) {
        case NET_ADD:
            memcpy(&w[(size_t)i * in], &a->w[(size_t)i * in], (size_t)in * sizeof *w);
            ok = exact_add(a->b[i], c, &b[i]);
            break;
        case NET_MUL:
        case NET_DIV:
            for (int j = 0; ok && j <= in; j++) {
                double v = j < in ? a->w[(size_t)i * in + j] : a->b[i];
                double *dst = j < in ? &w[(size_t)i * in + j] : &b[i];
                ok = el->kind == NET_MUL ? exact_mul(v, c, dst) : exact_div(v, c, dst);
            }
            break;
        default: ok = 0;
        }
    }
    return adopt(a, w, b, ok);
}

static int is_identity_elem(const net_layer *l)
{
    double id = l->kind == NET_ADD ? 0.0 : 1.0;
    for (int i = 0; i < l->out; i++)
        if (l->b[i] != id) return 0;
    return 1;
}

static void remove_layer(net *n, int k)
{
    layer_clear(&n->layers[k]);
    memmove(&n->layers[k], &n->layers[k + 1], (size_t)(n->n - k - 1) * sizeof *n->layers);
    n->n--;
}

nc_status net_fold(net *n, nc_err *e)
{
    (void)e;
    int changed = 1;
    while (changed) {
        changed = 0;
        for (int k = 0; k < n->n && !changed; k++) {
            net_layer *l = &n->layers[k];
            if (l->kind != NET_ADD && l->kind != NET_MUL && l->kind != NET_DIV) continue;
            if (is_identity_elem(l) && n->n > 1) {
                remove_layer(n, k);
                changed = 1;
            } else if (k + 1 < n->n && n->layers[k + 1].kind == NET_AFFINE &&
                       fold_into_next(l, &n->layers[k + 1])) {
                remove_layer(n, k);
                changed = 1;
            } else if (k > 0 && n->layers[k - 1].kind == NET_AFFINE &&
                       fold_into_prev(&n->layers[k - 1], l)) {
                remove_layer(n, k);
                changed = 1;
            }
        }
    }
    return NC_OK;
}

int net_max_width(const net *n)
{
    int m = 1;
    for (int k = 0; k < n->n; k++) {
        if (n->layers[k].in > m) m = n->layers[k].in;
        if (n->layers[k].out > m) m = n->layers[k].out;
    }
    return m;
}

long net_param_count(const net *n)
{
    long c = 0;
    for (int k = 0; k < n->n; k++) {
        const net_layer *l = &n->layers[k];
        if (l->kind == NET_AFFINE) c += (long)l->in * l->out + l->out;
        else if (!net_is_activation(l->kind)) c += l->out;
    }
    return c;
}

void net_layer_eval(const net_layer *l, const double *in, double *out)
{
    if (l->kind == NET_AFFINE) {   /* out = W in + b */
        memcpy(out, l->b, (size_t)l->out * sizeof *out);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, l->out, l->in, 1.0, l->w, l->in, in, 1, 1.0, out, 1);
        return;
    }
    for (int i = 0; i < l->out; i++) {
        double v = NAN;
        switch (l->kind) {
        case NET_AFFINE: break;   /* above */
        case NET_RELU: v = in[i] > 0 ? in[i] : 0.0; break;
        case NET_LEAKY_RELU: v = in[i] >= 0 ? in[i] : l->alpha * in[i]; break;
        case NET_SIGMOID: v = 1.0 / (1.0 + exp(-in[i])); break;
        case NET_TANH: v = tanh(in[i]); break;
        case NET_ADD: v = in[i] + l->b[i]; break;
        case NET_MUL: v = in[i] * l->b[i]; break;
        case NET_DIV: v = in[i] / l->b[i]; break;
        }
        out[i] = v;
    }
}

void net_eval(const net *n, const double *x, double *y)
{
    int w = net_max_width(n);
    double *a = malloc(2 * (size_t)w * sizeof *a);
    if (!a) {
        for (int i = 0; i < n->out_dim; i++) y[i] = NAN;
        return;
    }
    double *cur = a, *nxt = a + w;
    memcpy(cur, x, (size_t)n->in_dim * sizeof *cur);
    for (int k = 0; k < n->n; k++) {
        net_layer_eval(&n->layers[k], cur, nxt);
        double *t = cur;
        cur = nxt;
        nxt = t;
    }
    memcpy(y, cur, (size_t)n->out_dim * sizeof *y);
    free(a);
}
