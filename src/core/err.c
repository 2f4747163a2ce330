#include "core/err.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void err_clear(nc_err *e)
{
    if (!e) return;
    e->code = NC_OK;
    e->msg[0] = '\0';
}

nc_status err_set(nc_err *e, nc_status code, const char *fmt, ...)
{
    if (!e) return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->code = code;
    return code;
}

nc_status err_prefix(nc_err *e, const char *fmt, ...)
{
    if (!e) return NC_EINTERNAL;
    char head[512], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    snprintf(e->msg, sizeof e->msg, "%s%s", head, old);
    return e->code;
}

void *err_calloc(nc_err *e, size_t n, size_t size)
{
    if (n == 0) n = 1;
    if (size == 0) size = 1;
    if (n > SIZE_MAX / size) {
        err_set(e, NC_ENOMEM, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *p = calloc(n, size);
    if (!p) err_set(e, NC_ENOMEM, "out of memory (%zu bytes)", n * size);
    return p;
}

void *err_realloc(nc_err *e, void *p, size_t n, size_t size)
{
    if (n == 0) n = 1;
    if (size == 0) size = 1;
    if (n > SIZE_MAX / size) {
        err_set(e, NC_ENOMEM, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *q = realloc(p, n * size);
    if (!q) err_set(e, NC_ENOMEM, "out of memory (%zu bytes)", n * size);
    return q;
}

char *err_strdup(nc_err *e, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = err_calloc(e, n, 1);
    if (p) memcpy(p, s, n);
    return p;
}
