/* vnnlib_lin: linear expressions with rigorous conversion-error bounds, as
 * built by the VNNLIB parser. Internal to src/io.
 *
 * A linexpr is  sum_k c_k v_{var_k} + d  where each stored double c_k (d)
 * differs from the exact decimal value by at most err_k (derr). Variables
 * are encoded as var = 2 * index + (1 for Y, 0 for X).
 */
#ifndef NC_VNNLIB_LIN_H
#define NC_VNNLIB_LIN_H

#include "core/err.h"

typedef struct {
    int var;
    double c, err;
} lin_term;

typedef struct {
    int n, cap;
    lin_term *t;
    double d, derr;
} linexpr;

void lin_free(linexpr *a);
/* Parses a decimal/scientific literal into a constant expression; returns 0
 * when text is not a number. */
int lin_number(const char *text, linexpr *out);
nc_status lin_var(linexpr *a, int var, nc_err *e);
/* a += s * b  (s is +1 or -1, exact) */
nc_status lin_add(linexpr *a, const linexpr *b, double s, nc_err *e);
/* a *= k where k is a constant expression (value, err). */
void lin_scale(linexpr *a, double k, double kerr);
int lin_is_const(const linexpr *a);

#endif
