#include "io/dataset.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/textfile.h"

void dataset_free(dataset *d)
{
    free(d->label), free(d->x), free(d->line);
    memset(d, 0, sizeof *d);
}

static nc_status grow(dataset *d, int *cap, nc_err *e)
{
    if (d->n < *cap) return NC_OK;
    int c = *cap ? 2 * *cap : 16;
    int *l = err_realloc(e, d->label, (size_t)c, sizeof *l);
    if (!l) return NC_ENOMEM;
    d->label = l;
    int *ln = err_realloc(e, d->line, (size_t)c, sizeof *ln);
    if (!ln) return NC_ENOMEM;
    d->line = ln;
    double *x = err_realloc(e, d->x, (size_t)c * (size_t)d->dim, sizeof *x);
    if (!x) return NC_ENOMEM;
    d->x = x;
    *cap = c;
    return NC_OK;
}

nc_status dataset_load(const char *path, int dim, dataset *d, nc_err *e)
{
    memset(d, 0, sizeof *d);
    d->dim = dim;
    char *buf;
    size_t len;
    if (textfile_read(path, &buf, &len, e)) return NC_EINPUT;
    int cap = 0, first = 1;
    nc_status st = NC_OK;
    char *p = buf;
    for (int line = 1; *p && !st; line++) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        char *s = p;
        p = nl ? nl + 1 : p + strlen(p);
        while (*s == ' ' || *s == '\t') s++;
        if (!*s || *s == '\r' || *s == '#') continue;
        char *end;
        errno = 0;
        long lab = strtol(s, &end, 10);
        while (*end == ' ' || *end == '\t') end++;
        if (end == s || (*end != ',' && *end && *end != '\r')) {
            if (first) {   /* a header */
                first = 0;
                continue;
            }
            st = err_set(e, NC_EINPUT, "%s:%d: the label must be an integer", path, line);
            break;
        }
        first = 0;
        if (errno || lab < 0 || lab > 1000000) {
            st = err_set(e, NC_EINPUT, "%s:%d: label %ld out of range", path, line, lab);
            break;
        }
        if ((st = grow(d, &cap, e))) break;
        double *x = d->x + (size_t)d->n * (size_t)dim;
        int k = 0;
        s = end;
        while (*s == ',') {
            s++;
            double v = strtod(s, &end);
            if (end == s) {
                st = err_set(e, NC_EINPUT, "%s:%d: value %d is not a number", path, line, k + 1);
                break;
            }
            if (!isfinite(v)) {
                st = err_set(e, NC_EINPUT, "%s:%d: value %d is not finite", path, line, k + 1);
                break;
            }
            if (k < dim) x[k] = v;
            k++;
            s = end;
            while (*s == ' ' || *s == '\t' || *s == '\r') s++;
        }
        if (st) break;
        if (*s) {
            st = err_set(e, NC_EINPUT, "%s:%d: unexpected '%c' after value %d", path, line, *s, k);
            break;
        }
        if (k != dim) {
            st = err_set(e, NC_EINPUT, "%s:%d: %d values, but the network has %d inputs", path,
                         line, k, dim);
            break;
        }
        d->label[d->n] = (int)lab;
        d->line[d->n] = line;
        d->n++;
    }
    free(buf);
    if (!st && d->n == 0) st = err_set(e, NC_EINPUT, "%s: no samples", path);
    if (st) dataset_free(d);
    return st;
}
