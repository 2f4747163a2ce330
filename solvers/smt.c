#include "solvers/smt.h"

#include <errno.h>
#include <gmp.h>
#include <mpfr.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <z3.h>

#include "core/clock.h"

/* Room asked of the unsafe rows before a model is rounded to doubles. */
#define SMT_MARGIN 1e-7

typedef struct {
    Z3_context ctx;
    Z3_sort real;
    int failed;
    char msg[256];
    mpq_t q;
} enc;

static void on_error(Z3_context c, Z3_error_code code)
{
    (void)c;
    (void)code;   /* read back with Z3_get_error_code after each call site that matters */
}

/* The exact rational value of double v as a Z3 numeral. */
static Z3_ast num(enc *z, double v)
{
    mpq_set_d(z->q, v);
    char *s = mpq_get_str(NULL, 10, z->q);
    Z3_ast a = Z3_mk_numeral(z->ctx, s, z->real);
    free(s);
    return a;
}

static Z3_ast var(enc *z, const char *prefix, int layer, int i)
{
    char name[64];
    snprintf(name, sizeof name, "%s%d_%d", prefix, layer, i);
    return Z3_mk_const(z->ctx, Z3_mk_string_symbol(z->ctx, name), z->real);
}

/* sum_j c_j t_j + d over the nonzero c_j. */
static Z3_ast lin(enc *z, int n, const double *c, Z3_ast *t, double d)
{
    Z3_ast *terms = malloc((size_t)(n + 1) * sizeof *terms);
    if (!terms) {
        z->failed = 1;
        return num(z, 0);
    }
    int k = 0;
    for (int j = 0; j < n; j++) {
        if (c[j] == 0) continue;
        Z3_ast f[2] = { num(z, c[j]), t[j] };
        terms[k++] = c[j] == 1 ? t[j] : Z3_mk_mul(z->ctx, 2, f);
    }
    terms[k++] = num(z, d);
    Z3_ast s = k == 1 ? terms[0] : Z3_mk_add(z->ctx, (unsigned)k, terms);
    free(terms);
    return s;
}

/* Value terms of every layer output, built layer by layer; stable ReLUs
 * are their linear piece. Returns the output terms (owned array). */
static Z3_ast *encode_net(enc *z, Z3_solver s, const net *n, const bounds *b, Z3_ast *x)
{
    Z3_ast *cur = x;
    int dim = n->in_dim;
    for (int k = 0; k < n->n && !z->failed; k++) {
        const net_layer *l = &n->layers[k];
        Z3_ast *next = malloc((size_t)l->out * sizeof *next);
        if (!next) {
            z->failed = 1;
            break;
        }
        const double *lo = b ? b->lo[k] : NULL, *hi = b ? b->hi[k] : NULL;   /* box k: this layer's input */
        for (int i = 0; i < l->out; i++) {
            Z3_ast in = l->kind == NET_AFFINE ? NULL : cur[i];
            switch (l->kind) {
            case NET_AFFINE: {
                Z3_ast v = var(z, "a", k, i);
                Z3_solver_assert(z->ctx, s, Z3_mk_eq(z->ctx, v, lin(z, l->in, l->w + (size_t)i * l->in, cur, l->b[i])));
                next[i] = v;
                break;
            }
            case NET_RELU:
            case NET_LEAKY_RELU: {
                double slope = l->kind == NET_RELU ? 0.0 : l->alpha;
                Z3_ast neg = slope == 0 ? num(z, 0) : Z3_mk_mul(z->ctx, 2, (Z3_ast[]){ num(z, slope), in });
                if (lo && lo[i] >= 0) next[i] = in;
                else if (hi && hi[i] <= 0) next[i] = neg;
                else {
                    if (lo && isfinite(lo[i]))
                        Z3_solver_assert(z->ctx, s, Z3_mk_ge(z->ctx, in, num(z, lo[i])));
                    if (hi && isfinite(hi[i]))
                        Z3_solver_assert(z->ctx, s, Z3_mk_le(z->ctx, in, num(z, hi[i])));
                    Z3_ast v = var(z, "r", k, i);
                    Z3_ast ite = Z3_mk_ite(z->ctx, Z3_mk_ge(z->ctx, in, num(z, 0)), in, neg);
                    Z3_solver_assert(z->ctx, s, Z3_mk_eq(z->ctx, v, ite));
                    next[i] = v;
                }
                break;
            }
            case NET_ADD: next[i] = Z3_mk_add(z->ctx, 2, (Z3_ast[]){ in, num(z, l->b[i]) }); break;
            case NET_MUL: next[i] = Z3_mk_mul(z->ctx, 2, (Z3_ast[]){ in, num(z, l->b[i]) }); break;
            case NET_DIV: next[i] = Z3_mk_div(z->ctx, in, num(z, l->b[i])); break;
            default:
                z->failed = 1;
                snprintf(z->msg, sizeof z->msg, "layer %d is %s, which is not piecewise linear", k,
                         net_kind_name(l->kind));
                next[i] = num(z, 0);
            }
        }
        if (cur != x) free(cur);
        cur = next;
        dim = l->out;
    }
    (void)dim;
    return cur;
}

/* a . v + d <= slack, with slack = cerr * sum |v_j| + derr: the row relaxed
 * by its conversion error (closed even when strict). */
static Z3_ast row(enc *z, const prop_row *r, int n, Z3_ast *v, double margin)
{
    Z3_ast lhs = lin(z, n, r->a, v, r->d + margin);
    if (r->cerr == 0 && r->derr == 0) return Z3_mk_le(z->ctx, lhs, num(z, 0));
    Z3_ast *abs = malloc((size_t)(n + 1) * sizeof *abs);
    if (!abs) {
        z->failed = 1;
        return Z3_mk_true(z->ctx);
    }
    for (int j = 0; j < n; j++)
        abs[j] = Z3_mk_ite(z->ctx, Z3_mk_ge(z->ctx, v[j], num(z, 0)), v[j], Z3_mk_unary_minus(z->ctx, v[j]));
    abs[n] = num(z, 0);
    Z3_ast sum = Z3_mk_add(z->ctx, (unsigned)n + 1, abs);
    free(abs);
    Z3_ast slack = Z3_mk_add(z->ctx, 2, (Z3_ast[]){ Z3_mk_mul(z->ctx, 2, (Z3_ast[]){ num(z, r->cerr), sum }),
                                                     num(z, r->derr) });
    return Z3_mk_le(z->ctx, lhs, slack);
}

/* The unsafe set: OR over disjuncts of AND over rows, each row tightened
 * by margin (0 for the exact question). */
static Z3_ast unsafe(enc *z, const prop_case *pc, int no, Z3_ast *y, double margin)
{
    if (!pc->n_disj) return Z3_mk_false(z->ctx);
    Z3_ast *disj = malloc((size_t)pc->n_disj * sizeof *disj);
    if (!disj) {
        z->failed = 1;
        return Z3_mk_false(z->ctx);
    }
    for (int d = 0; d < pc->n_disj; d++) {
        const prop_conj *c = &pc->disj[d];
        Z3_ast *rows = malloc((size_t)(c->n_rows ? c->n_rows : 1) * sizeof *rows);
        if (!rows) {
            z->failed = 1;
            disj[d] = Z3_mk_false(z->ctx);
            continue;
        }
        for (int r = 0; r < c->n_rows; r++) rows[r] = row(z, &c->rows[r], no, y, margin);
        disj[d] = c->n_rows ? Z3_mk_and(z->ctx, (unsigned)c->n_rows, rows) : Z3_mk_true(z->ctx);
        free(rows);
    }
    Z3_ast u = Z3_mk_or(z->ctx, (unsigned)pc->n_disj, disj);
    free(disj);
    return u;
}

/* Model value of t as the nearest double, clamped into [lo, hi]. */
static double model_value(enc *z, Z3_model m, Z3_ast t, double lo, double hi)
{
    Z3_ast v;
    double d = 0.5 * (lo + hi);
    if (Z3_model_eval(z->ctx, m, t, true, &v)) {
        const char *s = Z3_get_numeral_string(z->ctx, v);
        if (s && mpq_set_str(z->q, s, 10) == 0) {
            mpq_canonicalize(z->q);
            mpfr_t f;
            mpfr_init2(f, 53);
            mpfr_set_q(f, z->q, MPFR_RNDN);
            d = mpfr_get_d(f, MPFR_RNDN);
            mpfr_clear(f);
        }
    }
    if (!(d >= lo)) d = lo;
    if (!(d <= hi)) d = hi;
    return d;
}

static nc_status decide_here(const net *n, const prop_case *pc, const bounds *b, double deadline,
                             smt_answer *ans, double *x, char *why, size_t why_cap, nc_err *e)
{
    *ans = SMT_UNKNOWN;
    snprintf(why, why_cap, "%s", "");
    for (int k = 0; k < n->n; k++)
        if (n->layers[k].kind == NET_SIGMOID || n->layers[k].kind == NET_TANH) {
            snprintf(why, why_cap, "layer %d is %s, which is not piecewise linear", k,
                     net_kind_name(n->layers[k].kind));
            return NC_OK;
        }
    double left = deadline > 0 ? deadline - clock_now() : 0;
    if (deadline > 0 && left <= 0.01) {
        snprintf(why, why_cap, "no time left");
        return NC_OK;
    }
    enc z = { 0 };
    mpq_init(z.q);
    Z3_config cfg = Z3_mk_config();
    z.ctx = Z3_mk_context(cfg);
    Z3_del_config(cfg);
    if (!z.ctx) {
        mpq_clear(z.q);
        return err_set(e, NC_EINTERNAL, "smt: cannot create a Z3 context");
    }
    Z3_set_error_handler(z.ctx, on_error);
    z.real = Z3_mk_real_sort(z.ctx);
    Z3_solver s = Z3_mk_simple_solver(z.ctx);
    Z3_solver_inc_ref(z.ctx, s);
    if (deadline > 0) {
        Z3_params p = Z3_mk_params(z.ctx);
        Z3_params_inc_ref(z.ctx, p);
        Z3_params_set_uint(z.ctx, p, Z3_mk_string_symbol(z.ctx, "timeout"), (unsigned)(left * 1000) + 1);
        Z3_solver_set_params(z.ctx, s, p);
        Z3_params_dec_ref(z.ctx, p);
    }
    int ni = n->in_dim, no = n->out_dim;
    Z3_ast *xv = malloc((size_t)ni * sizeof *xv);
    Z3_ast *y = NULL;
    nc_status st = NC_OK;
    if (!xv) {
        st = err_set(e, NC_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < ni; i++) {
        xv[i] = var(&z, "x", 0, i);
        if (isfinite(pc->lo[i])) Z3_solver_assert(z.ctx, s, Z3_mk_ge(z.ctx, xv[i], num(&z, pc->lo[i])));
        if (isfinite(pc->hi[i])) Z3_solver_assert(z.ctx, s, Z3_mk_le(z.ctx, xv[i], num(&z, pc->hi[i])));
    }
    for (int r = 0; r < pc->n_lin; r++) Z3_solver_assert(z.ctx, s, row(&z, &pc->lin[r], ni, xv, 0));
    y = encode_net(&z, s, n, b, xv);
    if (!z.failed) Z3_solver_assert(z.ctx, s, unsafe(&z, pc, no, y, 0));
    if (z.failed || Z3_get_error_code(z.ctx) != Z3_OK) {
        snprintf(why, why_cap, "%s", z.msg[0] ? z.msg : "the encoding failed");
        goto done;
    }
    Z3_lbool res = Z3_solver_check(z.ctx, s);
    if (res == Z3_L_TRUE) {
        /* A model on the boundary of the unsafe set (simplex vertices often
         * are) may leave it when rounded to doubles: ask for one with room
         * to spare first, and keep the boundary model when there is none. */
        Z3_solver_push(z.ctx, s);
        Z3_solver_assert(z.ctx, s, unsafe(&z, pc, no, y, SMT_MARGIN));
        if (Z3_solver_check(z.ctx, s) != Z3_L_TRUE) {
            Z3_solver_pop(z.ctx, s, 1);
            res = Z3_solver_check(z.ctx, s);
        }
    }
    if (res == Z3_L_FALSE) {
        *ans = SMT_UNSAT;
    } else if (res == Z3_L_TRUE) {
        Z3_model m = Z3_solver_get_model(z.ctx, s);
        Z3_model_inc_ref(z.ctx, m);
        for (int i = 0; i < ni; i++) x[i] = model_value(&z, m, xv[i], pc->lo_in[i], pc->hi_in[i]);
        Z3_model_dec_ref(z.ctx, m);
        *ans = SMT_SAT;
    } else {
        snprintf(why, why_cap, "z3: %s", Z3_solver_get_reason_unknown(z.ctx, s));
    }
done:
    if (y != xv) free(y);
    free(xv);
    Z3_solver_dec_ref(z.ctx, s);
    Z3_del_context(z.ctx);
    mpq_clear(z.q);
    return st;
}

/* Z3 does not always stop at its own timeout, nor when interrupted (some
 * arithmetic steps on large rationals never poll for cancellation), so the
 * solver runs in a child process that is killed at the deadline. The child
 * writes one line: "unsat", "sat" and the inputs in hex-float, or
 * "unknown <reason>". */
nc_status smt_decide_case(const net *n, const prop_case *pc, const bounds *b, double deadline,
                          smt_answer *ans, double *x, char *why, size_t why_cap, nc_err *e)
{
    *ans = SMT_UNKNOWN;
    snprintf(why, why_cap, "%s", "");
    int fd[2];
    if (pipe(fd)) return err_set(e, NC_EINTERNAL, "smt: pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]), close(fd[1]);
        return err_set(e, NC_EINTERNAL, "smt: fork: %s", strerror(errno));
    }
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);   /* the parent's handlers are not ours */
        signal(SIGTERM, SIG_DFL);
        close(fd[0]);
        FILE *out = fdopen(fd[1], "w");
        nc_err ce;
        smt_answer a;
        char reason[256];
        if (!out || decide_here(n, pc, b, deadline, &a, x, reason, sizeof reason, &ce)) _exit(3);
        if (a == SMT_UNSAT) fprintf(out, "unsat\n");
        else if (a == SMT_UNKNOWN) fprintf(out, "unknown %s\n", reason);
        else {
            fprintf(out, "sat");
            for (int i = 0; i < n->in_dim; i++) fprintf(out, " %a", x[i]);
            fprintf(out, "\n");
        }
        _exit(fclose(out) ? 3 : 0);
    }
    close(fd[1]);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int killed = 0;
    for (;;) {
        double left = deadline > 0 ? deadline - clock_now() : 1e9;
        if (left <= 0) {
            kill(pid, SIGKILL);
            killed = 1;
            break;
        }
        struct pollfd pf = { fd[0], POLLIN, 0 };
        int pr = poll(&pf, 1, left > 0.1 ? 100 : (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) continue;
        if (len + 4096 > cap) {
            char *nb = realloc(buf, cap = 2 * cap + 8192);
            if (!nb) {
                kill(pid, SIGKILL);
                killed = 1;
                break;
            }
            buf = nb;
        }
        ssize_t got = read(fd[0], buf + len, cap - len - 1);
        if (got <= 0) break;   /* the child closed its end */
        len += (size_t)got;
    }
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    nc_status st = NC_OK;
    if (buf) buf[len] = 0;
    if (killed) {
        snprintf(why, why_cap, "timeout");
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !buf) {
        snprintf(why, why_cap, "the solver process failed (status %d)", status);
    } else if (!strncmp(buf, "unsat", 5)) {
        *ans = SMT_UNSAT;
    } else if (!strncmp(buf, "unknown", 7)) {
        buf[strcspn(buf, "\n")] = 0;
        snprintf(why, why_cap, "%s", buf[7] ? buf + 8 : "unknown");
    } else if (!strncmp(buf, "sat", 3)) {
        char *p = buf + 3, *end;
        int ok = 1;
        for (int i = 0; i < n->in_dim && ok; i++) {
            x[i] = strtod(p, &end);
            ok = end != p;
            p = end;
        }
        if (ok) *ans = SMT_SAT;
        else snprintf(why, why_cap, "the solver process wrote a malformed model");
    } else {
        snprintf(why, why_cap, "the solver process wrote nothing");
    }
    free(buf);
    return st;
}
