/* err: the one error type that travels up the stack.
 *
 * A function that can fail returns an nc_status and fills the caller's
 * nc_err with a one-line message naming the file, line or node and what is
 * wrong. Library code never prints and never exits; only the CLI turns an
 * nc_err into a message and an exit code.
 */
#ifndef NC_ERR_H
#define NC_ERR_H

#include <stddef.h>

typedef enum {
    NC_OK = 0,
    NC_EINPUT,    /* malformed or unsupported input file or spec (exit 3) */
    NC_EUSAGE,    /* bad command line (exit 3) */
    NC_ENOMEM,    /* allocation failed */
    NC_EINTERNAL  /* a bug or an unexpected library failure */
} nc_status;

typedef struct {
    nc_status code;
    char msg[1024];
} nc_err;

/* Clears e (code NC_OK, empty message). */
void err_clear(nc_err *e);

/* Sets e to code with a printf-style message; returns code so that callers
 * can write `return err_set(e, NC_EINPUT, "...")`. e may be NULL. */
nc_status err_set(nc_err *e, nc_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with a printf-style context ("file: ").
 * Returns e->code. */
nc_status err_prefix(nc_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Allocation helpers that report NC_ENOMEM through e; they return NULL on
 * failure. Sizes are checked for overflow. The caller owns the result. */
void *err_calloc(nc_err *e, size_t n, size_t size);
void *err_realloc(nc_err *e, void *p, size_t n, size_t size);
char *err_strdup(nc_err *e, const char *s);

#endif
