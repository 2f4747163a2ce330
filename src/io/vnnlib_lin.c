#include "io/vnnlib_lin.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/fpround.h"

void lin_free(linexpr *a)
{
    free(a->t);
    memset(a, 0, sizeof *a);
}

/* Bound on the error of one rounded operation with result v. */
static double rnd_err(double v) { return fabs(v) * FPR_U + FPR_ETA; }

/* True when the decimal literal denotes exactly a double: writing it as
 * m * 10^k (m an integer of at most 19 digits, trailing zeros moved into k),
 * it is dyadic iff 5^-k divides m when k < 0, and then fits 53 bits iff the
 * odd part does. Conservative: returns 0 when unsure. */
static int exact_decimal(const char *s)
{
    if (*s == '-' || *s == '+') s++;
    uint64_t m = 0;
    int k = 0, digits = 0, seen_dot = 0;
    for (; *s && *s != 'e' && *s != 'E'; s++) {
        if (*s == '.') {
            seen_dot = 1;
            continue;
        }
        if (!isdigit((unsigned char)*s)) return 0;
        if (m == 0 && *s == '0') {
            if (seen_dot) k--;
            continue;
        }
        if (++digits > 19) return 0;
        m = m * 10 + (uint64_t)(*s - '0');
        if (seen_dot) k--;
    }
    if (*s == 'e' || *s == 'E') {
        char *end;
        long ex = strtol(s + 1, &end, 10);
        if (*end || ex > 300 || ex < -300) return 0;
        k += (int)ex;
    }
    if (m == 0) return 1;
    while (m % 10 == 0) m /= 10, k++;
    const uint64_t lim = (uint64_t)1 << 53;
    if (k >= 0) {
        for (; k > 0; k--) {
            if (m > lim) return 0;
            m *= 10;
        }
        return m <= lim;
    }
    if (k < -27) return 0;
    uint64_t q = 1;
    for (int i = 0; i < -k; i++) q *= 5;
    return m % q == 0 && m / q <= lim;
}

int lin_number(const char *text, linexpr *out)
{
    memset(out, 0, sizeof *out);
    const char *s = text;
    if (*s == '-' || *s == '+') s++;
    if (!isdigit((unsigned char)*s) && !(*s == '.' && isdigit((unsigned char)s[1]))) return 0;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (*end || !isfinite(v)) return 0;
    out->d = v;
    out->derr = exact_decimal(text) ? 0.0 : rnd_err(v);
    return 1;
}

static lin_term *find(linexpr *a, int var)
{
    for (int i = 0; i < a->n; i++)
        if (a->t[i].var == var) return &a->t[i];
    return NULL;
}

static lin_term *slot(linexpr *a, int var, nc_err *e)
{
    lin_term *t = find(a, var);
    if (t) return t;
    if (a->n == a->cap) {
        int c = a->cap ? a->cap * 2 : 4;
        lin_term *p = err_realloc(e, a->t, (size_t)c, sizeof *p);
        if (!p) return NULL;
        a->t = p;
        a->cap = c;
    }
    t = &a->t[a->n++];
    t->var = var, t->c = 0.0, t->err = 0.0;
    return t;
}

nc_status lin_var(linexpr *a, int var, nc_err *e)
{
    lin_term *t = slot(a, var, e);
    if (!t) return e->code;
    t->c = 1.0;
    t->err = 0.0;
    return NC_OK;
}

static void add_one(double *v, double *err, double bv, double berr)
{
    double s = *v + bv, bb = s - *v;
    int exact = ((*v - (s - bb)) + (bv - bb)) == 0.0;   /* TwoSum error */
    *err += berr + (exact ? 0.0 : rnd_err(s));
    *v = s;
}

nc_status lin_add(linexpr *a, const linexpr *b, double s, nc_err *e)
{
    for (int i = 0; i < b->n; i++) {
        lin_term *t = slot(a, b->t[i].var, e);
        if (!t) return e->code;
        add_one(&t->c, &t->err, s * b->t[i].c, b->t[i].err);
    }
    add_one(&a->d, &a->derr, s * b->d, b->derr);
    return NC_OK;
}

static void mul_one(double *v, double *err, double k, double kerr)
{
    double p = *v * k;
    int exact = fma(*v, k, -p) == 0.0;
    *err = fabs(*v) * kerr + fabs(k) * *err + *err * kerr + (exact ? 0.0 : rnd_err(p));
    *v = p;
}

void lin_scale(linexpr *a, double k, double kerr)
{
    for (int i = 0; i < a->n; i++) mul_one(&a->t[i].c, &a->t[i].err, k, kerr);
    mul_one(&a->d, &a->derr, k, kerr);
}

int lin_is_const(const linexpr *a)
{
    for (int i = 0; i < a->n; i++)
        if (a->t[i].c != 0.0 || a->t[i].err != 0.0) return 0;
    return 1;
}
