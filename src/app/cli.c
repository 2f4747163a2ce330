#include "app/cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "nncert: %s%s\n(run 'nncert --help' for usage)\n", msg, arg ? arg : "");
    return EXIT_ERROR;
}

int cli_fail(const nc_err *e)
{
    fprintf(stderr, "nncert: error: %s\n", e->msg);
    return EXIT_ERROR;
}

int cli_parse_double(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int cli_parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cli_parse_size(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    double mul = 1;
    if (*end == 'K' || *end == 'k') mul = 1024.0, end++;
    else if (*end == 'M' || *end == 'm') mul = 1024.0 * 1024, end++;
    else if (*end == 'G' || *end == 'g') mul = 1024.0 * 1024 * 1024, end++;
    if (end == s || *end || !(v > 0) || !isfinite(v)) return -1;
    *out = v * mul;
    return 0;
}

int cli_parse_list(const char *s, double **out, int *n)
{
    int cap = 1;
    for (const char *p = s; *p; p++) cap += *p == ',';
    double *v = malloc((size_t)cap * sizeof *v);
    if (!v) return -1;
    int k = 0;
    const char *p = s;
    for (;;) {
        char *end;
        double x = strtod(p, &end);
        if (end == p || !isfinite(x) || (*end && *end != ',')) {
            free(v);
            return -1;
        }
        v[k++] = x;
        if (!*end) break;
        p = end + 1;
    }
    *out = v;
    *n = k;
    return 0;
}

double *cli_expand_list(const char *s, int n)
{
    double *v;
    int k;
    if (cli_parse_list(s, &v, &k)) return NULL;
    if (k != 1 && k != n) {
        free(v);
        return NULL;
    }
    double *w = malloc((size_t)n * sizeof *w);
    for (int i = 0; w && i < n; i++) w[i] = v[k == 1 ? 0 : i];
    free(v);
    return w;
}
