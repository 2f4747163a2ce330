/* cli: what every nncert command shares on the command line.
 *
 * Exit codes, the one-line error messages, and number/size parsing for
 * options. Parsers return 0 on success and -1 on a malformed value (they
 * print nothing; the command names the option in its message).
 */
#ifndef NC_CLI_H
#define NC_CLI_H

#include "core/err.h"

#define EXIT_HOLDS 0
#define EXIT_VIOLATED 1
#define EXIT_UNKNOWN 2
#define EXIT_ERROR 3

/* Prints "nncert: <msg><arg>" and a hint to stderr; returns EXIT_ERROR. */
int cli_usage_error(const char *msg, const char *arg);
/* Prints "nncert: error: <e->msg>" to stderr; returns EXIT_ERROR. */
int cli_fail(const nc_err *e);

/* A whole string as a finite double. */
int cli_parse_double(const char *s, double *out);
/* A whole string as an integer in [lo, hi]. */
int cli_parse_int(const char *s, long lo, long hi, long *out);
/* "123", "512K", "512M", "2G" (powers of 1024) into bytes > 0. */
int cli_parse_size(const char *s, double *out);
/* Comma-separated finite doubles ("0.01,0.02"); *out is malloc'ed and
 * owned by the caller. */
int cli_parse_list(const char *s, double **out, int *n);
/* A comma list of 1 value (for all) or n values into a fresh array of n
 * (caller frees); NULL when malformed or of another length. */
double *cli_expand_list(const char *s, int n);

#endif
