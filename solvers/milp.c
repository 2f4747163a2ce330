#include "solvers/milp.h"

#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

/* A growing GLPK problem with one-based sparse rows. */
typedef struct {
    glp_prob *P;
    int *idx;
    double *val;
    int cap;
} enc;

static int col(enc *q, double lo, double hi)
{
    int j = glp_add_cols(q->P, 1);
    int type = isfinite(lo) && isfinite(hi) ? (lo == hi ? GLP_FX : GLP_DB)
             : isfinite(lo) ? GLP_LO : isfinite(hi) ? GLP_UP : GLP_FR;
    glp_set_col_bnds(q->P, j, type, isfinite(lo) ? lo : 0.0, isfinite(hi) ? hi : 0.0);
    return j;
}

/* Adds  lo <= sum val_i x_{idx_i} <= hi  over nnz entries of q->idx/val. */
static void row(enc *q, int nnz, double lo, double hi)
{
    int r = glp_add_rows(q->P, 1);
    int type = isfinite(lo) && isfinite(hi) ? (lo == hi ? GLP_FX : GLP_DB)
             : isfinite(lo) ? GLP_LO : GLP_UP;
    glp_set_mat_row(q->P, r, nnz, q->idx, q->val);
    glp_set_row_bnds(q->P, r, type, isfinite(lo) ? lo : 0.0, isfinite(hi) ? hi : 0.0);
}

/* Row  c1 x1 + c2 x2 + c3 x3  in [lo, hi] (c3 = 0: two terms). */
static void row3(enc *q, int x1, double c1, int x2, double c2, int x3, double c3, double lo,
                 double hi)
{
    q->idx[1] = x1, q->val[1] = c1, q->idx[2] = x2, q->val[2] = c2;
    q->idx[3] = x3, q->val[3] = c3;
    row(q, c3 != 0.0 ? 3 : 2, lo, hi);
}

static void stop_below_zero(glp_tree *t, void *info)
{
    (void)info;
    if (glp_ios_reason(t) == GLP_IBINGO && glp_mip_obj_val(glp_ios_get_prob(t)) < 0)
        glp_ios_terminate(t);   /* a candidate is all we need */
}

/* Encodes layer k (values in cols[0..l->in)) into next[0..l->out);
 * 0, or -1 when it cannot be encoded. */
static int encode_layer(enc *q, const net_layer *l, const bounds *b, int k, const int *cur,
                        int *next, int *binaries)
{
    const double *lo = b->lo[k + 1], *hi = b->hi[k + 1];
    if (l->kind == NET_AFFINE) {
        for (int i = 0; i < l->out; i++) {
            next[i] = col(q, lo[i], hi[i]);
            int nnz = 0;
            q->idx[++nnz] = next[i], q->val[nnz] = 1.0;
            for (int j = 0; j < l->in; j++) {
                double w = l->w[(size_t)i * l->in + j];
                if (w != 0.0) q->idx[++nnz] = cur[j], q->val[nnz] = -w;
            }
            row(q, nnz, l->b[i], l->b[i]);
        }
        return 0;
    }
    if (l->kind == NET_ADD || l->kind == NET_MUL || l->kind == NET_DIV) {
        for (int i = 0; i < l->out; i++) {
            next[i] = col(q, lo[i], hi[i]);
            double c = l->b[i], m = l->kind == NET_MUL ? c : l->kind == NET_DIV ? 1.0 / c : 1.0;
            double off = l->kind == NET_ADD ? c : 0.0;
            row3(q, next[i], 1.0, cur[i], -m, 0, 0.0, off, off);
        }
        return 0;
    }
    if (l->kind != NET_RELU && l->kind != NET_LEAKY_RELU) return -1;
    double al = l->kind == NET_LEAKY_RELU ? l->alpha : 0.0;
    if (al > 1.0) return -1;   /* max(z, alpha z) is then alpha z's side: not encoded */
    const double *zl = b->lo[k], *zu = b->hi[k];
    for (int i = 0; i < l->in; i++) {
        double L = zl[i], U = zu[i];
        if (L >= 0) {
            next[i] = cur[i];
            continue;
        }
        if (U <= 0) {   /* a = alpha z */
            if (al == 0.0) next[i] = col(q, 0.0, 0.0);
            else {
                next[i] = col(q, -INFINITY, INFINITY);
                row3(q, next[i], 1.0, cur[i], -al, 0, 0.0, 0.0, 0.0);
            }
            continue;
        }
        if (!isfinite(L) || !isfinite(U)) return -1;
        int a = col(q, al * L, U), d = col(q, 0.0, 1.0);
        glp_set_col_kind(q->P, d, GLP_BV);
        (*binaries)++;
        row3(q, a, 1.0, cur[i], -1.0, 0, 0.0, 0.0, INFINITY);                       /* a >= z */
        row3(q, a, 1.0, cur[i], -al, 0, 0.0, 0.0, INFINITY);                        /* a >= al z */
        row3(q, a, 1.0, cur[i], -1.0, d, -(1 - al) * L, -INFINITY, -(1 - al) * L);   /* a <= z - (1-al) L (1-d) */
        row3(q, a, 1.0, cur[i], -al, d, -(1 - al) * U, -INFINITY, 0.0);              /* a <= al z + (1-al) U d */
        next[i] = a;
    }
    return 0;
}

nc_status milp_disjunct(const net *n, const prop_case *pc, int k, const bounds *b,
                        double deadline, milp_outcome *oc, double *x, int *binaries, nc_err *e)
{
    *oc = MILP_UNDECIDED;
    *binaries = 0;
    int w = net_max_width(n), nin = n->in_dim;
    if (w < nin) w = nin;
    enc q = { .cap = w + 4 };
    q.idx = err_calloc(e, (size_t)q.cap + 1, sizeof *q.idx);
    q.val = err_calloc(e, (size_t)q.cap + 1, sizeof *q.val);
    int *cur = err_calloc(e, (size_t)w + 1, sizeof *cur), *next = err_calloc(e, (size_t)w + 1, sizeof *next);
    if (!q.idx || !q.val || !cur || !next) {
        free(q.idx), free(q.val), free(cur), free(next);
        return e->code;
    }
    glp_term_out(GLP_OFF);
    q.P = glp_create_prob();
    glp_set_obj_dir(q.P, GLP_MIN);
    int xs = 0;
    for (int j = 0; j < nin; j++) {
        cur[j] = col(&q, pc->lo[j], pc->hi[j]);
        if (j == 0) xs = cur[j];
    }
    for (int r = 0; r < pc->n_lin; r++) {   /* general input rows: a . x + d <= 0 */
        int nnz = 0;
        for (int j = 0; j < nin; j++)
            if (pc->lin[r].a[j] != 0.0) q.idx[++nnz] = cur[j], q.val[nnz] = pc->lin[r].a[j];
        if (nnz > 0) row(&q, nnz, -INFINITY, -pc->lin[r].d);
    }
    int ok = 1;
    for (int L = 0; L < n->n && ok; L++) {
        ok = encode_layer(&q, &n->layers[L], b, L, cur, next, binaries) == 0;
        int *t = cur;
        cur = next;
        next = t;
    }
    const prop_conj *dj = &pc->disj[k];
    if (ok && dj->n_rows > 0) {
        int t = col(&q, -INFINITY, INFINITY);
        glp_set_obj_coef(q.P, t, 1.0);
        for (int r = 0; r < dj->n_rows; r++) {   /* t - a . y >= d */
            int nnz = 0;
            q.idx[++nnz] = t, q.val[nnz] = 1.0;
            for (int i = 0; i < n->out_dim; i++)
                if (dj->rows[r].a[i] != 0.0) q.idx[++nnz] = cur[i], q.val[nnz] = -dj->rows[r].a[i];
            row(&q, nnz, dj->rows[r].d, INFINITY);
        }
    }
    if (!ok) *oc = MILP_UNSUPPORTED;
    double left = deadline > 0 ? deadline - clock_now() : 1e9;
    if (ok && left > 0) {
        glp_iocp parm;
        glp_init_iocp(&parm);
        parm.msg_lev = GLP_MSG_OFF;
        parm.presolve = GLP_ON;
        parm.tm_lim = left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
        parm.cb_func = stop_below_zero;
        glp_intopt(q.P, &parm);
        int st = glp_mip_status(q.P);
        double obj = dj->n_rows > 0 ? glp_mip_obj_val(q.P) : -1.0;
        if ((st == GLP_OPT || st == GLP_FEAS) && obj < 0) {
            *oc = MILP_BELOW;
            for (int j = 0; j < nin; j++) x[j] = glp_mip_col_val(q.P, xs + j);
        } else if (st == GLP_OPT || st == GLP_NOFEAS) {
            *oc = MILP_ABOVE;
        }
    }
    glp_delete_prob(q.P);
    free(q.idx), free(q.val), free(cur), free(next);
    return NC_OK;
}
