#include "core/prop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void rows_free(prop_row *rows, int n)
{
    if (!rows) return;
    for (int i = 0; i < n; i++) free(rows[i].a);
    free(rows);
}

void prop_case_clear(prop_case *c)
{
    free(c->lo), free(c->hi), free(c->lo_in), free(c->hi_in);
    rows_free(c->lin, c->n_lin);
    for (int d = 0; d < c->n_disj; d++) rows_free(c->disj[d].rows, c->disj[d].n_rows);
    free(c->disj);
    memset(c, 0, sizeof *c);
}

void prop_free(prop *p)
{
    if (!p) return;
    for (int k = 0; k < p->n_cases; k++) prop_case_clear(&p->cases[k]);
    free(p->cases);
    free(p);
}

double prop_row_eval(const prop_row *r, int n, const double *v, double *slack)
{
    double s = r->d, absv = 0.0;
    for (int i = 0; i < n; i++) {
        s += r->a[i] * v[i];
        absv += fabs(v[i]);
    }
    if (slack) *slack = r->cerr * absv + r->derr;
    return s;
}

int prop_total_rows(const prop *p)
{
    int t = 0;
    for (int k = 0; k < p->n_cases; k++)
        for (int d = 0; d < p->cases[k].n_disj; d++) t += p->cases[k].disj[d].n_rows;
    return t;
}
