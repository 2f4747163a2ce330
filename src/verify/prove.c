#include "verify/prove.h"

#include <math.h>
#include <stdlib.h>

#include "core/bounds.h"
#include "core/fpround.h"

double prove_row_margin(const prop_row *r, double lb, const double *ylo, const double *yhi,
                        int no)
{
    double absy = 0.0;   /* max over the output box of sum |y_i| */
    for (int i = 0; i < no; i++) absy += fmax(fabs(ylo[i]), fabs(yhi[i]));
    double slack = (r->cerr > 0 ? r->cerr * absy : 0.0) + r->derr;
    slack = fpr_up(slack * (1.0 + 2.0 * (no + 4) * FPR_U));
    return slack > 0 ? fpr_down(lb - slack) : lb;
}

nc_status prove_case(const net *n, const prop_case *pc, domain_kind d, const analyse_opts *o,
                     char *done, int *proved, nc_err *e)
{
    int no = n->out_dim, m = 0;
    *proved = 0;
    for (int k = 0; k < pc->n_disj; k++)
        if (!done[k]) m += pc->disj[k].n_rows;
    if (m == 0) {
        *proved = 1;
        return NC_OK;
    }
    bounds *b = bounds_new(n, e);
    double *ylo = err_calloc(e, (size_t)no, sizeof *ylo), *yhi = err_calloc(e, (size_t)no, sizeof *yhi);
    double *C = err_calloc(e, (size_t)m * no, sizeof *C), *dd = err_calloc(e, (size_t)m, sizeof *dd);
    double *low = err_calloc(e, (size_t)m, sizeof *low);
    nc_status s = (!b || !ylo || !yhi || !C || !dd || !low) ? e->code : NC_OK;
    analyse_opts ao = *o;
    ao.pure = 0;
    if (!s) s = analyse_case(n, pc, d, &ao, b, ylo, yhi, NULL, NULL, e);
    int r = 0;
    for (int k = 0; !s && k < pc->n_disj; k++)
        for (int j = 0; !done[k] && j < pc->disj[k].n_rows; j++, r++) {
            for (int i = 0; i < no; i++) C[(size_t)r * no + i] = pc->disj[k].rows[j].a[i];
            dd[r] = pc->disj[k].rows[j].d;
        }
    if (!s) s = analyse_rows(n, b, d, &ao, m, C, dd, low, e);
    r = 0;
    int all = 1;
    for (int k = 0; !s && k < pc->n_disj; k++) {
        if (done[k]) continue;
        for (int j = 0; j < pc->disj[k].n_rows; j++, r++) {
            const prop_row *row = &pc->disj[k].rows[j];
            double v = prove_row_margin(row, low[r], ylo, yhi, no);
            if (v > 0 || (row->strict && v >= 0)) done[k] = 1;
        }
        all = all && done[k];
    }
    *proved = !s && all;
    bounds_free(b);
    free(ylo), free(yhi), free(C), free(dd), free(low);
    return s;
}
