#include "verify/analyse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domains/crown.h"
#include "domains/interval.h"
#include "domains/star.h"
#include "domains/zonotope.h"

static const char *NAMES[] = { "interval", "zonotope", "crown", "alpha-crown", "star" };

void analyse_opts_init(analyse_opts *o)
{
    o->pure = 1;
    o->alpha_iters = 20;
    o->alpha_lr = 0.1;
    o->deadline = 0.0;
}

int domain_parse(const char *name, domain_kind *out)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(name, NAMES[i]) == 0) {
            *out = (domain_kind)i;
            return 0;
        }
    return -1;
}

const char *domain_name(domain_kind d) { return NAMES[d]; }

static void crown_options(const analyse_opts *o, domain_kind d, crown_opts *co)
{
    crown_opts_init(co);
    co->intersect = !o->pure;
    co->alpha_iters = d == DOM_ALPHA_CROWN ? o->alpha_iters : 0;
    co->alpha_lr = o->alpha_lr;
    co->deadline = o->deadline;
}

/* lower[r] = max(lower[r], bound of row r through the output box); with
 * `replace`, the output-box bound alone. */
static void rows_through_box(const net *n, const bounds *b, int m, const double *C,
                             const double *dd, double *lower, int replace)
{
    const double *yl = b->lo[n->n], *yu = b->hi[n->n];
    for (int r = 0; r < m; r++) {
        double v = itv_row_lower(&C[(size_t)r * n->out_dim], dd ? dd[r] : 0.0, n->out_dim, yl, yu);
        if (replace || v > lower[r]) lower[r] = v;
    }
}

nc_status analyse_rows(const net *n, bounds *b, domain_kind d, const analyse_opts *o, int m,
                       const double *C, const double *dd, double *lower, nc_err *e)
{
    nc_status s = NC_OK;
    if (d == DOM_INTERVAL) {
        rows_through_box(n, b, m, C, dd, lower, 1);
        return NC_OK;
    }
    if (d == DOM_ZONOTOPE) {
        s = zono_propagate(n, b, !o->pure, m, C, dd, lower, e);
    } else if (d == DOM_STAR) {
        /* the star of b's input box (a case's general input rows, if any,
         * only shrink it, so bounds over the box stay sound) */
        prop_case box = { .lo = b->lo[0], .hi = b->hi[0] };
        s = star_propagate(n, &box, b, 1, m, C, dd, lower, o->deadline, e);
    } else {
        crown_opts co;
        crown_options(o, d, &co);
        s = crown_rows(n, b, m, C, dd, &co, lower, NULL, NULL, NULL, e);
    }
    /* not pure: a row is also bounded through the (shared) output box */
    if (!s && !o->pure) rows_through_box(n, b, m, C, dd, lower, 0);
    return s;
}

/* Rows of the case's disjuncts stacked as [a; -a] with offsets [d; -d]. */
static nc_status case_rows(const net *n, const prop_case *pc, double **C, double **dd, int *m,
                           nc_err *e)
{
    int nr = 0, no = n->out_dim;
    for (int k = 0; k < pc->n_disj; k++) nr += pc->disj[k].n_rows;
    *m = 2 * nr;
    *C = err_calloc(e, (size_t)2 * nr * no + 1, sizeof **C);
    *dd = err_calloc(e, (size_t)2 * nr + 1, sizeof **dd);
    if (!*C || !*dd) return e->code;
    int r = 0;
    for (int k = 0; k < pc->n_disj; k++)
        for (int j = 0; j < pc->disj[k].n_rows; j++, r++) {
            const prop_row *row = &pc->disj[k].rows[j];
            for (int i = 0; i < no; i++) {
                (*C)[(size_t)r * no + i] = row->a[i];
                (*C)[(size_t)(nr + r) * no + i] = -row->a[i];
            }
            (*dd)[r] = row->d;
            (*dd)[nr + r] = -row->d;
        }
    return NC_OK;
}

nc_status analyse_case(const net *n, const prop_case *pc, domain_kind d, const analyse_opts *o,
                       bounds *b, double *ylo, double *yhi, double *rlo, double *rhi, nc_err *e)
{
    nc_status s = NC_OK;
    if (d == DOM_INTERVAL || !o->pure) {
        if ((s = itv_propagate(n, pc->lo, pc->hi, b, e))) return s;
    } else {   /* a pure symbolic domain needs only the input box */
        memcpy(b->lo[0], pc->lo, (size_t)n->in_dim * sizeof *pc->lo);
        memcpy(b->hi[0], pc->hi, (size_t)n->in_dim * sizeof *pc->hi);
    }
    if (d == DOM_CROWN || d == DOM_ALPHA_CROWN) {
        crown_opts co;
        crown_options(o, d, &co);
        if ((s = crown_intermediate(n, b, &co, e))) return s;
        double *lo = err_calloc(e, (size_t)n->out_dim, sizeof *lo);
        double *hi = err_calloc(e, (size_t)n->out_dim, sizeof *hi);
        if (!lo || !hi) s = e->code;
        if (!s) s = crown_outputs(n, b, &co, lo, hi, e);
        if (!s) {
            int L = n->n;
            if (o->pure) {
                memcpy(b->lo[L], lo, (size_t)n->out_dim * sizeof *lo);
                memcpy(b->hi[L], hi, (size_t)n->out_dim * sizeof *hi);
            } else {
                bounds_meet(b, L, lo, hi);
            }
        }
        free(lo), free(hi);
        if (s) return s;
    } else if (d == DOM_ZONOTOPE) {
        if ((s = zono_propagate(n, b, !o->pure, 0, NULL, NULL, NULL, e))) return s;
    } else if (d == DOM_STAR) {
        if ((s = star_propagate(n, pc, b, !o->pure, 0, NULL, NULL, NULL, o->deadline, e))) return s;
    }
    memcpy(ylo, b->lo[n->n], (size_t)n->out_dim * sizeof *ylo);
    memcpy(yhi, b->hi[n->n], (size_t)n->out_dim * sizeof *yhi);
    if (!rlo) return NC_OK;
    double *C = NULL, *dd = NULL, *low = NULL;
    int m = 0;
    s = case_rows(n, pc, &C, &dd, &m, e);
    if (!s && !(low = err_calloc(e, (size_t)m + 1, sizeof *low))) s = e->code;
    if (!s) s = analyse_rows(n, b, d, o, m, C, dd, low, e);
    for (int r = 0; !s && r < m / 2; r++) {
        rlo[r] = low[r];
        rhi[r] = -low[m / 2 + r];
    }
    free(C), free(dd), free(low);
    return s;
}
