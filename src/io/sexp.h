/* sexp: an S-expression reader for SMT-LIB style text (VNNLIB).
 *
 * Atoms are symbols or numbers (kept as text); lists hold children. Every
 * node records the line and column where it starts, for messages.
 * `;` starts a comment to the end of the line. The tree owns its nodes and
 * their atom text.
 */
#ifndef NC_SEXP_H
#define NC_SEXP_H

#include "core/err.h"

typedef struct sexp {
    int is_list;
    int line, col;
    const char *atom;   /* atom: NUL-terminated text (owned) */
    int n;              /* list: number of children */
    struct sexp **kids;
} sexp;

/* Parses all top-level expressions of the NUL-terminated text buf. *out receives an array of *n_out trees (free with
 * sexp_free_all). NC_EINPUT naming path:line:col on unbalanced parentheses. */
nc_status sexp_parse(const char *buf, const char *path, sexp ***out, int *n_out, nc_err *e);
void sexp_free_all(sexp **v, int n);

#endif
