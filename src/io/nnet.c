#include "io/nnet.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/textfile.h"

/* A cursor over the file's lines, skipping leading `//` comments. */
typedef struct {
    const char *path;
    char *buf, *pos;
    int line;       /* number of the line last returned */
    char *cur;      /* that line, NUL-terminated in place */
} cursor;

static int next_line(cursor *c)
{
    while (c->pos && *c->pos) {
        char *s = c->pos, *nl = strchr(s, '\n');
        if (nl) {
            *nl = 0;
            c->pos = nl + 1;
        } else {
            c->pos = s + strlen(s);
        }
        c->line++;
        size_t n = strlen(s);
        if (n && s[n - 1] == '\r') s[n - 1] = 0;
        const char *t = s;
        while (isspace((unsigned char)*t)) t++;
        if (*t == 0 || (t[0] == '/' && t[1] == '/')) continue;
        c->cur = s;
        return 1;
    }
    return 0;
}

/* Reads up to `want` numbers from the next line into v; requires at least
 * `need` of them; extra values are ignored. */
static nc_status read_nums(cursor *c, double *v, int want, int need, const char *what,
                           nc_err *e)
{
    if (!next_line(c))
        return err_set(e, NC_EINPUT, "%s:%d: file ends before %s", c->path, c->line, what);
    char *p = c->cur;
    int got = 0;
    for (;;) {
        while (*p == ',' || isspace((unsigned char)*p)) p++;
        if (!*p) break;
        char *end;
        errno = 0;
        double x = strtod(p, &end);
        if (end == p)
            return err_set(e, NC_EINPUT, "%s:%d: %s: '%.20s' is not a number", c->path,
                           c->line, what, p);
        if (!isfinite(x))
            return err_set(e, NC_EINPUT, "%s:%d: %s: value is not finite", c->path,
                           c->line, what);
        if (got < want) v[got] = x;
        got++;
        p = end;
        if (*p && *p != ',' && !isspace((unsigned char)*p))
            return err_set(e, NC_EINPUT, "%s:%d: %s: unexpected '%c'", c->path, c->line,
                           what, *p);
    }
    if (got < need)
        return err_set(e, NC_EINPUT, "%s:%d: %s: expected %d values, found %d", c->path,
                       c->line, what, need, got);
    return NC_OK;
}

static int as_count(double x) { return x == floor(x) && x >= 1 && x <= 1e6 ? (int)x : -1; }

void nnet_meta_free(nnet_meta *m)
{
    if (!m) return;
    free(m->min), free(m->max), free(m->mean), free(m->range);
    memset(m, 0, sizeof *m);
}

static nc_status read_layers(cursor *c, net *n, const int *sizes, int L, nc_err *e)
{
    for (int k = 0; k < L; k++) {
        int in = sizes[k], out = sizes[k + 1];
        double *w = err_calloc(e, (size_t)in * out, sizeof *w);
        double *b = err_calloc(e, (size_t)out, sizeof *b);
        if (!w || !b) {
            free(w), free(b);
            return e->code;
        }
        char what[64];
        nc_status s = NC_OK;
        for (int i = 0; i < out && !s; i++) {
            snprintf(what, sizeof what, "layer %d weight row %d", k, i);
            s = read_nums(c, &w[(size_t)i * in], in, in, what, e);
        }
        for (int i = 0; i < out && !s; i++) {
            snprintf(what, sizeof what, "layer %d bias %d", k, i);
            s = read_nums(c, &b[i], 1, 1, what, e);
        }
        if (s) {
            free(w), free(b);
            return s;
        }
        if (net_push_affine(n, in, out, w, b, e)) return e->code;
        if (k + 1 < L && net_push_act(n, NET_RELU, out, 0.0, e)) return e->code;
    }
    return NC_OK;
}

nc_status nnet_load(const char *path, net **out, nnet_meta *meta, nc_err *e)
{
    *out = NULL;
    if (meta) memset(meta, 0, sizeof *meta);
    char *buf = NULL;
    size_t len;
    nc_status s = textfile_read(path, &buf, &len, e);
    if (s) return s;
    cursor c = { .path = path, .buf = buf, .pos = buf };
    net *n = NULL;
    int *sizes = NULL;
    nnet_meta m = { 0 };
    double head[4];
    if ((s = read_nums(&c, head, 4, 4, "header (layers, inputs, outputs, max size)", e)))
        goto done;
    int L = as_count(head[0]), n_in = as_count(head[1]), n_out = as_count(head[2]);
    if (L < 0 || n_in < 0 || n_out < 0) {
        s = err_set(e, NC_EINPUT, "%s:%d: header counts must be positive integers", path,
                    c.line);
        goto done;
    }
    double *sz = err_calloc(e, (size_t)L + 1, sizeof *sz);
    sizes = err_calloc(e, (size_t)L + 1, sizeof *sizes);
    if (!sz || !sizes) {
        free(sz);
        s = e->code;
        goto done;
    }
    s = read_nums(&c, sz, L + 1, L + 1, "layer sizes", e);
    for (int k = 0; !s && k <= L; k++) {
        sizes[k] = as_count(sz[k]);
        if (sizes[k] < 0)
            s = err_set(e, NC_EINPUT, "%s:%d: layer size %d is not a positive integer",
                        path, c.line, k);
    }
    free(sz);
    if (s) goto done;
    if (sizes[0] != n_in || sizes[L] != n_out) {
        s = err_set(e, NC_EINPUT,
                    "%s:%d: layer sizes start at %d and end at %d, header says %d inputs "
                    "and %d outputs", path, c.line, sizes[0], sizes[L], n_in, n_out);
        goto done;
    }
    double flag;
    if ((s = read_nums(&c, &flag, 1, 1, "symmetric flag", e))) goto done;
    m.n_in = n_in;
    m.min = err_calloc(e, (size_t)n_in, sizeof(double));
    m.max = err_calloc(e, (size_t)n_in, sizeof(double));
    m.mean = err_calloc(e, (size_t)n_in + 1, sizeof(double));
    m.range = err_calloc(e, (size_t)n_in + 1, sizeof(double));
    if (!m.min || !m.max || !m.mean || !m.range) {
        s = e->code;
        goto done;
    }
    if ((s = read_nums(&c, m.min, n_in, n_in, "input minima", e)) ||
        (s = read_nums(&c, m.max, n_in, n_in, "input maxima", e)) ||
        (s = read_nums(&c, m.mean, n_in + 1, n_in + 1, "means", e)) ||
        (s = read_nums(&c, m.range, n_in + 1, n_in + 1, "ranges", e)))
        goto done;
    if (!(n = net_new(e))) {
        s = e->code;
        goto done;
    }
    if ((s = read_layers(&c, n, sizes, L, e))) goto done;
    if (next_line(&c)) {
        s = err_set(e, NC_EINPUT, "%s:%d: unexpected data after the last layer", path, c.line);
        goto done;
    }
    if ((s = net_validate(n, path, e))) goto done;
    *out = n;
    n = NULL;
    if (meta) {
        *meta = m;
        memset(&m, 0, sizeof m);
    }
done:
    nnet_meta_free(&m);
    net_free(n);
    free(sizes);
    free(buf);
    return s;
}
