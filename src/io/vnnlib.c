#include "io/vnnlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fpround.h"
#include "io/sexp.h"
#include "io/textfile.h"
#include "io/vnnlib_lin.h"

#define MAX_CLAUSES 100000      /* DNF size limit: beyond it the spec is refused */
#define MAX_DNF_ATOMS 20000000L /* total atom references over all DNF clauses */
#define MAX_DEPTH 500           /* nesting of formulas and terms */
#define MAX_VARS 10000000

/* One comparison, normalised to  e <= 0  (or e < 0 when strict). */
typedef struct {
    linexpr e;
    int strict;
    int line, col;
} atom;

typedef struct {
    int n, cap;
    int *a;   /* atom indices */
} clause;

typedef struct {
    int n;
    clause *c;
} dnf;

typedef struct {
    const char *path;
    nc_err *e;
    atom *atoms;
    int n_atoms, cap_atoms;
    char *decl_x, *decl_y;   /* declared flags */
    int cap_x, cap_y;
    int n_x, n_y;            /* 1 + largest declared index */
    int depth;               /* current nesting of formula()/term() */
} parser;

static nc_status perr(parser *P, const sexp *s, const char *fmt, const char *arg)
{
    char msg[300];
    snprintf(msg, sizeof msg, fmt, arg ? arg : "");
    return err_set(P->e, NC_EINPUT, "%s:%d:%d: %s", P->path, s ? s->line : 0, s ? s->col : 0,
                   msg);
}

static void dnf_free(dnf *d)
{
    for (int i = 0; i < d->n; i++) free(d->c[i].a);
    free(d->c);
    d->c = NULL;
    d->n = 0;
}

static nc_status clause_push(clause *c, int a, nc_err *e)
{
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 8;
        int *p = err_realloc(e, c->a, (size_t)cap, sizeof *p);
        if (!p) return e->code;
        c->a = p;
        c->cap = cap;
    }
    c->a[c->n++] = a;
    return NC_OK;
}

/* ---- variables and terms -------------------------------------------------- */

/* Parses "X_12"/"Y_3" into the encoded variable; -1 if not such a name. */
static int var_code(const char *s)
{
    if ((s[0] != 'X' && s[0] != 'Y') || s[1] != '_' || !s[2]) return -1;
    long k = 0;
    for (const char *p = s + 2; *p; p++) {
        if (*p < '0' || *p > '9' || k > MAX_VARS) return -1;
        k = k * 10 + (*p - '0');
    }
    if (k > MAX_VARS) return -1;
    return (int)(2 * k + (s[0] == 'Y'));
}

static int declared(parser *P, int code)
{
    int k = code / 2;
    return code & 1 ? k < P->cap_y && P->decl_y[k] : k < P->cap_x && P->decl_x[k];
}

static nc_status term(parser *P, const sexp *s, linexpr *out);

static nc_status term_list(parser *P, const sexp *s, linexpr *out)
{
    const char *op = s->kids[0]->atom;
    int n = s->n - 1;
    if (strcmp(op, "+") == 0 || strcmp(op, "-") == 0) {
        if (n < 1) return perr(P, s, "'%s' needs arguments", op);
        for (int i = 1; i <= n; i++) {
            linexpr t;
            if (term(P, s->kids[i], &t)) return P->e->code;
            double sign = (op[0] == '-' && (i > 1 || n == 1)) ? -1.0 : 1.0;
            nc_status st = lin_add(out, &t, sign, P->e);
            lin_free(&t);
            if (st) return st;
        }
        return NC_OK;
    }
    if (strcmp(op, "*") == 0) {
        if (n < 1) return perr(P, s, "'*' needs arguments", NULL);
        int have_var = 0;
        linexpr acc = { 0 };
        acc.d = 1.0;
        for (int i = 1; i <= n; i++) {
            linexpr t;
            if (term(P, s->kids[i], &t)) {
                lin_free(&acc);
                return P->e->code;
            }
            if (lin_is_const(&t)) {
                lin_scale(&acc, t.d, t.derr);
            } else if (!have_var && lin_is_const(&acc)) {
                lin_scale(&t, acc.d, acc.derr);
                lin_free(&acc);
                acc = t;
                have_var = 1;
                continue;
            } else {
                lin_free(&t);
                lin_free(&acc);
                return perr(P, s, "non-linear product (two non-constant factors)", NULL);
            }
            lin_free(&t);
        }
        *out = acc;
        return NC_OK;
    }
    return perr(P, s, "unsupported operator '%s' in a term", op);
}

/* Builds the linear expression of term s into out (caller frees). */
static nc_status term_at(parser *P, const sexp *s, linexpr *out)
{
    memset(out, 0, sizeof *out);
    if (!s->is_list) {
        if (lin_number(s->atom, out)) return NC_OK;
        int code = var_code(s->atom);
        if (code < 0) return perr(P, s, "unknown symbol '%s' (expected X_i, Y_j or a number)",
                                  s->atom);
        if (!declared(P, code)) return perr(P, s, "variable '%s' is not declared", s->atom);
        return lin_var(out, code, P->e);
    }
    if (s->n == 0 || s->kids[0]->is_list) return perr(P, s, "malformed term", NULL);
    nc_status st = term_list(P, s, out);
    if (st) lin_free(out);
    return st;
}

/* ---- formulas to DNF ----------------------------------------------------- */

static nc_status add_atom(parser *P, const sexp *at, linexpr *e, int strict, int *idx)
{
    if (P->n_atoms == P->cap_atoms) {
        int c = P->cap_atoms ? P->cap_atoms * 2 : 64;
        atom *p = err_realloc(P->e, P->atoms, (size_t)c, sizeof *p);
        if (!p) {
            lin_free(e);
            return P->e->code;
        }
        P->atoms = p;
        P->cap_atoms = c;
    }
    atom *a = &P->atoms[P->n_atoms];
    a->e = *e;
    a->strict = strict;
    a->line = at->line;
    a->col = at->col;
    *idx = P->n_atoms++;
    return NC_OK;
}

static nc_status single(dnf *out, nc_err *e)
{
    out->n = 1;
    out->c = err_calloc(e, 1, sizeof(clause));
    return out->c ? NC_OK : e->code;
}

/* A comparison (op lhs rhs) becomes one clause with one atom (two for '='). */
static nc_status comparison(parser *P, const sexp *s, dnf *out)
{
    const char *op = s->kids[0]->atom;
    if (s->n != 3) return perr(P, s, "comparison '%s' needs exactly two arguments", op);
    int le = strcmp(op, "<=") == 0, lt = strcmp(op, "<") == 0;
    int ge = strcmp(op, ">=") == 0, gt = strcmp(op, ">") == 0, eq = strcmp(op, "=") == 0;
    linexpr l, r;
    if (term(P, s->kids[1], &l)) return P->e->code;
    if (term(P, s->kids[2], &r)) {
        lin_free(&l);
        return P->e->code;
    }
    /* lhs - rhs <= 0 for <=, <, =;  rhs - lhs <= 0 for >=, >, = */
    linexpr a = { 0 }, b = { 0 };
    nc_status st = NC_OK;
    if (le || lt || eq) st = lin_add(&a, &l, 1.0, P->e) || lin_add(&a, &r, -1.0, P->e);
    if (!st && (ge || gt || eq)) st = lin_add(&b, &r, 1.0, P->e) || lin_add(&b, &l, -1.0, P->e);
    lin_free(&l);
    lin_free(&r);
    if (st || single(out, P->e)) {
        lin_free(&a), lin_free(&b);
        return P->e->code;
    }
    int idx;
    if (le || lt || eq) {
        if (add_atom(P, s, &a, lt, &idx) || clause_push(&out->c[0], idx, P->e)) {
            lin_free(&b);
            return P->e->code;
        }
    }
    if (ge || gt || eq) {
        if (add_atom(P, s, &b, gt, &idx) || clause_push(&out->c[0], idx, P->e))
            return P->e->code;
    }
    return NC_OK;
}

/* acc := acc AND d (cross product), consuming d. */
static nc_status dnf_and(parser *P, const sexp *s, dnf *acc, dnf *d)
{
    long atoms = 0;
    for (int i = 0; i < acc->n; i++) atoms += (long)acc->c[i].n * d->n;
    for (int j = 0; j < d->n; j++) atoms += (long)d->c[j].n * acc->n;
    if ((long)acc->n * d->n > MAX_CLAUSES || atoms > MAX_DNF_ATOMS) {
        dnf_free(d);
        return perr(P, s, "formula too large: its disjunctive normal form exceeds %s clauses",
                    "100000");
    }
    dnf r = { .n = acc->n * d->n };
    r.c = err_calloc(P->e, (size_t)(r.n ? r.n : 1), sizeof(clause));
    nc_status st = r.c ? NC_OK : P->e->code;
    for (int i = 0; !st && i < acc->n; i++)
        for (int j = 0; !st && j < d->n; j++) {
            clause *c = &r.c[i * d->n + j];
            for (int k = 0; !st && k < acc->c[i].n; k++) st = clause_push(c, acc->c[i].a[k], P->e);
            for (int k = 0; !st && k < d->c[j].n; k++) st = clause_push(c, d->c[j].a[k], P->e);
        }
    dnf_free(d);
    dnf_free(acc);
    if (st) {
        dnf_free(&r);
        return st;
    }
    *acc = r;
    return NC_OK;
}

/* acc := acc AND d where d has one clause: appended in place. */
static nc_status dnf_and_one(parser *P, dnf *acc, dnf *d)
{
    nc_status st = NC_OK;
    for (int i = 0; !st && i < acc->n; i++)
        for (int k = 0; !st && k < d->c[0].n; k++) st = clause_push(&acc->c[i], d->c[0].a[k], P->e);
    dnf_free(d);
    return st;
}

static nc_status formula(parser *P, const sexp *s, dnf *out);

static nc_status conj_of(parser *P, const sexp *s, int from, dnf *out)
{
    if (single(out, P->e)) return P->e->code;
    for (int i = from; i < s->n; i++) {
        dnf d = { 0 };
        if (formula(P, s->kids[i], &d)) {
            dnf_free(out);
            return P->e->code;
        }
        nc_status st = d.n == 1 ? dnf_and_one(P, out, &d) : dnf_and(P, s, out, &d);
        if (st) {
            dnf_free(out);
            return st;
        }
    }
    return NC_OK;
}

static nc_status formula_at(parser *P, const sexp *s, dnf *out)
{
    memset(out, 0, sizeof *out);
    if (!s->is_list || s->n == 0 || s->kids[0]->is_list)
        return perr(P, s, "expected a formula '(op ...)'", NULL);
    const char *op = s->kids[0]->atom;
    if (strcmp(op, "and") == 0) return conj_of(P, s, 1, out);
    if (strcmp(op, "or") == 0) {
        if (s->n < 2) return perr(P, s, "'or' needs arguments", NULL);
        for (int i = 1; i < s->n; i++) {
            dnf d;
            if (formula(P, s->kids[i], &d)) {
                dnf_free(out);
                return P->e->code;
            }
            if ((long)out->n + d.n > MAX_CLAUSES) {
                dnf_free(&d), dnf_free(out);
                return perr(P, s, "formula too large (more than %s disjuncts)", "100000");
            }
            clause *c = err_realloc(P->e, out->c, (size_t)(out->n + d.n), sizeof *c);
            if (!c) {
                dnf_free(&d), dnf_free(out);
                return P->e->code;
            }
            out->c = c;
            memcpy(out->c + out->n, d.c, (size_t)d.n * sizeof *c);
            out->n += d.n;
            free(d.c);
        }
        return NC_OK;
    }
    if (!strcmp(op, "<=") || !strcmp(op, ">=") || !strcmp(op, "<") || !strcmp(op, ">") ||
        !strcmp(op, "="))
        return comparison(P, s, out);
    return perr(P, s, "unsupported connective '%s' (expected and, or, <=, >=, <, >, =)", op);
}

/* Depth-limited entry points: deep nesting is an error, not a crash. */
static nc_status term(parser *P, const sexp *s, linexpr *out)
{
    memset(out, 0, sizeof *out);
    if (P->depth >= MAX_DEPTH) return perr(P, s, "terms nested too deeply (over %s levels)", "500");
    P->depth++;
    nc_status st = term_at(P, s, out);
    P->depth--;
    return st;
}

static nc_status formula(parser *P, const sexp *s, dnf *out)
{
    memset(out, 0, sizeof *out);
    if (P->depth >= MAX_DEPTH)
        return perr(P, s, "formulas nested too deeply (over %s levels)", "500");
    P->depth++;
    nc_status st = formula_at(P, s, out);
    P->depth--;
    return st;
}

/* ---- declarations ----------------------------------------------------------- */

static nc_status declare(parser *P, const sexp *s)
{
    if (s->n != 3 || s->kids[1]->is_list || s->kids[2]->is_list)
        return perr(P, s, "expected (declare-const NAME Real)", NULL);
    const char *name = s->kids[1]->atom;
    if (strcmp(s->kids[2]->atom, "Real") != 0)
        return perr(P, s->kids[2], "variable type must be Real, not '%s'", s->kids[2]->atom);
    int code = var_code(name);
    if (code < 0) return perr(P, s->kids[1], "variable name '%s' is not X_i or Y_j", name);
    int k = code / 2;
    char **flags = code & 1 ? &P->decl_y : &P->decl_x;
    int *cap = code & 1 ? &P->cap_y : &P->cap_x;
    if (k >= *cap) {
        int c = *cap ? *cap : 64;
        while (c <= k) c *= 2;
        char *p = err_realloc(P->e, *flags, (size_t)c, 1);
        if (!p) return P->e->code;
        memset(p + *cap, 0, (size_t)(c - *cap));
        *flags = p;
        *cap = c;
    }
    if ((*flags)[k]) return perr(P, s->kids[1], "variable '%s' declared twice", name);
    (*flags)[k] = 1;
    int *cnt = code & 1 ? &P->n_y : &P->n_x;
    if (k + 1 > *cnt) *cnt = k + 1;
    return NC_OK;
}

/* ---- from DNF clauses to cases ------------------------------------------ */

/* Which variables an atom mentions: bit 1 inputs, bit 2 outputs. */
static int atom_kinds(const atom *a, int *single_var)
{
    int k = 0, nv = 0;
    for (int i = 0; i < a->e.n; i++) {
        if (a->e.t[i].c == 0.0 && a->e.t[i].err == 0.0) continue;
        k |= a->e.t[i].var & 1 ? 2 : 1;
        *single_var = a->e.t[i].var;
        nv++;
    }
    if (nv != 1) *single_var = -1;
    return k;
}

static nc_status atom_err(parser *P, const atom *a, const char *msg)
{
    return err_set(P->e, NC_EINPUT, "%s:%d:%d: %s", P->path, a->line, a->col, msg);
}

/* Dense row over n variables of kind `ykind` from atom a. */
static nc_status make_row(parser *P, const atom *a, int n, prop_row *r)
{
    memset(r, 0, sizeof *r);
    r->a = err_calloc(P->e, (size_t)n, sizeof(double));
    if (!r->a) return P->e->code;
    for (int i = 0; i < a->e.n; i++) {
        r->a[a->e.t[i].var / 2] = a->e.t[i].c;
        if (a->e.t[i].err > r->cerr) r->cerr = a->e.t[i].err;
    }
    r->d = a->e.d;
    r->derr = a->e.derr;
    r->strict = a->strict;
    return NC_OK;
}

/* Tightens the case's box with the single-variable input atom a:
 * c x + d <= 0 with |c* - c| <= ce, |d* - d| <= de. */
static nc_status box_atom(parser *P, const atom *a, prop_case *pc)
{
    const lin_term *t = NULL;
    for (int i = 0; i < a->e.n; i++)
        if (a->e.t[i].c != 0.0 || a->e.t[i].err != 0.0) t = &a->e.t[i];
    int x = t->var / 2;
    double c = t->c, ce = t->err, d = a->e.d, de = a->e.derr;
    if (fabs(c) <= ce) return atom_err(P, a, "coefficient too close to zero to give a bound");
    double lo = INFINITY, hi = -INFINITY;   /* range of the exact bound -d* / c* */
    double v0 = -d / c;
    if (ce == 0.0 && de == 0.0 && fma(v0, c, d) == 0.0) {
        lo = hi = v0;   /* exact: no widening needed */
    } else {
        for (int i = 0; i < 4; i++) {
            double cc = c + (i & 1 ? ce : -ce), dd = d + (i & 2 ? de : -de), v = -dd / cc;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        lo = fpr_step(lo, -1, 2);
        hi = fpr_step(hi, 1, 2);
    }
    if (c > 0) {   /* x <= bound: outer uses the largest, inner the smallest */
        double in = fpr_step(lo, -1, a->strict ? 1 : 0);
        if (hi < pc->hi[x]) pc->hi[x] = hi;
        if (in < pc->hi_in[x]) pc->hi_in[x] = in;
    } else {       /* x >= bound */
        double in = fpr_step(hi, 1, a->strict ? 1 : 0);
        if (lo > pc->lo[x]) pc->lo[x] = lo;
        if (in > pc->lo_in[x]) pc->lo_in[x] = in;
    }
    return NC_OK;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

typedef struct {
    int n;
    int *a;
} key;

/* Creates case pc from the sorted input atoms `in`; *empty set when the
 * box is empty (the clause cannot be satisfied). */
static nc_status new_case(parser *P, const key *in, prop_case *pc, int *empty)
{
    int n = P->n_x;
    memset(pc, 0, sizeof *pc);
    *empty = 0;
    pc->lo = err_calloc(P->e, (size_t)n, sizeof(double));
    pc->hi = err_calloc(P->e, (size_t)n, sizeof(double));
    pc->lo_in = err_calloc(P->e, (size_t)n, sizeof(double));
    pc->hi_in = err_calloc(P->e, (size_t)n, sizeof(double));
    if (!pc->lo || !pc->hi || !pc->lo_in || !pc->hi_in) return P->e->code;
    for (int i = 0; i < n; i++) {
        pc->lo[i] = pc->lo_in[i] = -INFINITY;
        pc->hi[i] = pc->hi_in[i] = INFINITY;
    }
    for (int k = 0; k < in->n; k++) {
        const atom *a = &P->atoms[in->a[k]];
        int v;
        atom_kinds(a, &v);
        if (v >= 0) {
            if (box_atom(P, a, pc)) return P->e->code;
            continue;
        }
        prop_row *r = err_realloc(P->e, pc->lin, (size_t)pc->n_lin + 1, sizeof *r);
        if (!r) return P->e->code;
        pc->lin = r;
        if (make_row(P, a, n, &pc->lin[pc->n_lin])) return P->e->code;
        pc->n_lin++;
    }
    for (int i = 0; i < n; i++)
        if (pc->lo[i] > pc->hi[i]) *empty = 1;
    return NC_OK;
}

static nc_status add_conj(parser *P, prop_case *pc, const key *outk)
{
    prop_conj *c = err_realloc(P->e, pc->disj, (size_t)pc->n_disj + 1, sizeof *c);
    if (!c) return P->e->code;
    pc->disj = c;
    prop_conj *cj = &pc->disj[pc->n_disj++];
    cj->n_rows = 0;
    cj->rows = err_calloc(P->e, (size_t)(outk->n ? outk->n : 1), sizeof(prop_row));
    if (!cj->rows) return P->e->code;
    for (int k = 0; k < outk->n; k++) {
        if (make_row(P, &P->atoms[outk->a[k]], P->n_y, &cj->rows[k])) return P->e->code;
        cj->n_rows++;
    }
    return NC_OK;
}

/* Splits clause c into input and output atom lists; *skip when a constant
 * atom makes the clause false. */
static nc_status split_clause(parser *P, const clause *c, key *in, key *outk, int *skip)
{
    *skip = 0;
    in->n = outk->n = 0;
    in->a = err_calloc(P->e, (size_t)(c->n ? c->n : 1), sizeof(int));
    outk->a = err_calloc(P->e, (size_t)(c->n ? c->n : 1), sizeof(int));
    if (!in->a || !outk->a) return P->e->code;
    for (int k = 0; k < c->n; k++) {
        const atom *a = &P->atoms[c->a[k]];
        int v, kinds = atom_kinds(a, &v);
        if (kinds == 3) return atom_err(P, a, "constraint mixes input (X) and output (Y) variables");
        if (kinds == 0) {   /* constant comparison d <= 0 (< 0) */
            double lo = a->e.d - a->e.derr, hi = a->e.d + a->e.derr;
            if (a->strict ? lo >= 0 : lo > 0) *skip = 1;
            else if (!(a->strict ? hi < 0 : hi <= 0))
                return atom_err(P, a, "constant comparison too close to call");
            continue;
        }
        if (kinds == 1) in->a[in->n++] = c->a[k];
        else outk->a[outk->n++] = c->a[k];
    }
    qsort(in->a, (size_t)in->n, sizeof(int), cmp_int);
    return NC_OK;
}

static nc_status build_cases(parser *P, const dnf *all, prop **out)
{
    prop *p = err_calloc(P->e, 1, sizeof *p);
    key *keys = err_calloc(P->e, (size_t)(all->n ? all->n : 1), sizeof *keys);
    if (!p || !keys) {
        free(p), free(keys);
        return P->e->code;
    }
    p->n_in = P->n_x;
    p->n_out = P->n_y;
    p->cases = err_calloc(P->e, (size_t)(all->n ? all->n : 1), sizeof(prop_case));
    nc_status st = p->cases ? NC_OK : P->e->code;
    for (int i = 0; i < all->n && !st; i++) {
        key in = { 0 }, ok = { 0 };
        int skip = 0, k;
        st = split_clause(P, &all->c[i], &in, &ok, &skip);
        for (k = 0; !st && !skip && k < p->n_cases; k++)
            if (keys[k].n == in.n && !memcmp(keys[k].a, in.a, (size_t)in.n * sizeof(int))) break;
        if (!st && !skip && k == p->n_cases) {
            int empty;
            st = new_case(P, &in, &p->cases[k], &empty);
            p->n_cases++;
            keys[k] = in;
            in.a = NULL;
            if (!st && empty) skip = 1, keys[k].n = -1;   /* remember: drop */
        }
        if (!st && !skip && keys[k].n >= 0) st = add_conj(P, &p->cases[k], &ok);
        free(in.a);
        free(ok.a);
    }
    /* drop cases whose box is empty */
    int w = 0;
    for (int k = 0; k < p->n_cases; k++) {
        if (keys[k].n >= 0 && p->cases[k].n_disj > 0) {
            p->cases[w++] = p->cases[k];
        } else {
            prop_case_clear(&p->cases[k]);
        }
    }
    p->n_cases = w;
    for (int k = 0; k < all->n; k++) free(keys[k].a);
    free(keys);
    if (!st && p->n_cases == 0)
        st = err_set(P->e, NC_EINPUT, "%s: the input set is empty (contradictory input "
                     "constraints)", P->path);
    if (st) {
        prop_free(p);
        return st;
    }
    *out = p;
    return NC_OK;
}


nc_status vnnlib_parse(const char *text, const char *path, prop **out, nc_err *e)
{
    *out = NULL;
    parser P = { .path = path, .e = e };
    sexp **top = NULL;
    int n_top = 0;
    dnf all = { 0 };
    nc_status st = sexp_parse(text, path, &top, &n_top, e);
    if (st) return st;
    if ((st = single(&all, e))) goto done;
    for (int i = 0; i < n_top && !st; i++) {
        const sexp *s = top[i];
        if (!s->is_list || s->n == 0 || s->kids[0]->is_list) {
            st = perr(&P, s, "expected a command '(...)'", NULL);
            break;
        }
        const char *cmd = s->kids[0]->atom;
        if (strcmp(cmd, "declare-const") == 0) {
            st = declare(&P, s);
        } else if (strcmp(cmd, "assert") == 0) {
            if (s->n != 2) {
                st = perr(&P, s, "assert takes one formula", NULL);
                break;
            }
            dnf d;
            if ((st = formula(&P, s->kids[1], &d))) break;
            st = d.n == 1 ? dnf_and_one(&P, &all, &d) : dnf_and(&P, s, &all, &d);
        } else if (strcmp(cmd, "check-sat") && strcmp(cmd, "get-model") &&
                   strcmp(cmd, "set-logic") && strcmp(cmd, "set-info") && strcmp(cmd, "exit")) {
            st = perr(&P, s, "unsupported command '%s'", cmd);
        }
    }
    if (st) goto done;
    for (int k = 0; k < P.n_x && !st; k++)
        if (!P.decl_x[k]) st = err_set(e, NC_EINPUT, "%s: X_%d is not declared but X_%d is",
                                       path, k, P.n_x - 1);
    for (int k = 0; k < P.n_y && !st; k++)
        if (!P.decl_y[k]) st = err_set(e, NC_EINPUT, "%s: Y_%d is not declared but Y_%d is",
                                       path, k, P.n_y - 1);
    if (!st && (P.n_x == 0 || P.n_y == 0))
        st = err_set(e, NC_EINPUT, "%s: no %s variables declared", path,
                     P.n_x == 0 ? "input (X_i)" : "output (Y_j)");
    if (!st) st = build_cases(&P, &all, out);
done:
    dnf_free(&all);
    for (int i = 0; i < P.n_atoms; i++) lin_free(&P.atoms[i].e);
    free(P.atoms);
    free(P.decl_x);
    free(P.decl_y);
    sexp_free_all(top, n_top);
    return st;
}

nc_status vnnlib_load(const char *path, prop **out, nc_err *e)
{
    char *buf;
    size_t len;
    *out = NULL;
    nc_status st = textfile_read(path, &buf, &len, e);
    if (st) return st;
    st = vnnlib_parse(buf, path, out, e);
    free(buf);
    return st;
}
