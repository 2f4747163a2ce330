#include "io/sexp.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define SEXP_MAX_DEPTH 10000   /* bounds the recursion of node_free and the interpreter */

typedef struct {
    const char *p;
    int line, col;
    const char *path;
    nc_err *e;
} lexer;

static void advance(lexer *L)
{
    if (*L->p == '\n') L->line++, L->col = 1;
    else L->col++;
    L->p++;
}

static void skip_space(lexer *L)
{
    for (;;) {
        while (*L->p && isspace((unsigned char)*L->p)) advance(L);
        if (*L->p != ';') return;
        while (*L->p && *L->p != '\n') advance(L);
    }
}

static void node_free(sexp *s)
{
    if (!s) return;
    for (int i = 0; i < s->n; i++) node_free(s->kids[i]);
    free(s->kids);
    free((char *)s->atom);
    free(s);
}

void sexp_free_all(sexp **v, int n)
{
    if (!v) return;
    for (int i = 0; i < n; i++) node_free(v[i]);
    free(v);
}

static int push_kid(sexp ***arr, int *n, int *cap, sexp *k, nc_err *e)
{
    if (*n == *cap) {
        int c = *cap ? *cap * 2 : 4;
        sexp **p = err_realloc(e, *arr, (size_t)c, sizeof *p);
        if (!p) return -1;
        *arr = p;
        *cap = c;
    }
    (*arr)[(*n)++] = k;
    return 0;
}

/* Reads one expression at L->p (after skip_space); iterative over nesting
 * with an explicit stack so deep inputs cannot overflow the C stack. */
static sexp *read_expr(lexer *L)
{
    sexp **stack = NULL;
    int *caps = NULL, depth = 0, scap = 0;
    sexp *result = NULL;
    for (;;) {
        skip_space(L);
        int line = L->line, col = L->col;
        char ch = *L->p;
        if (ch == 0) {
            if (depth)
                err_set(L->e, NC_EINPUT, "%s:%d:%d: '(' is never closed (unexpected end of file)",
                        L->path, stack[depth - 1]->line, stack[depth - 1]->col);
            goto fail;
        }
        sexp *done = NULL;
        if (ch == '(') {
            if (depth >= SEXP_MAX_DEPTH) {
                err_set(L->e, NC_EINPUT, "%s:%d:%d: parentheses nested too deeply (over %d)",
                        L->path, line, col, SEXP_MAX_DEPTH);
                goto fail;
            }
            sexp *s = err_calloc(L->e, 1, sizeof *s);
            if (!s) goto fail;
            s->is_list = 1, s->line = line, s->col = col;
            advance(L);
            if (depth == scap) {
                int c = scap ? scap * 2 : 16;
                sexp **ns = err_realloc(L->e, stack, (size_t)c, sizeof *ns);
                int *nc = ns ? err_realloc(L->e, caps, (size_t)c, sizeof *nc) : NULL;
                if (ns) stack = ns;
                if (!nc) {
                    free(s);
                    goto fail;
                }
                caps = nc;
                scap = c;
            }
            stack[depth] = s;
            caps[depth++] = 0;
            continue;
        } else if (ch == ')') {
            if (!depth) {
                err_set(L->e, NC_EINPUT, "%s:%d:%d: unexpected ')'", L->path, line, col);
                goto fail;
            }
            advance(L);
            done = stack[--depth];
        } else {
            sexp *s = err_calloc(L->e, 1, sizeof *s);
            if (!s) goto fail;
            s->line = line, s->col = col, s->atom = L->p;
            while (*L->p && !isspace((unsigned char)*L->p) && *L->p != '(' && *L->p != ')' &&
                   *L->p != ';')
                advance(L);
            size_t len = (size_t)(L->p - s->atom);
            char *text = err_calloc(L->e, len + 1, 1);
            if (!text) {
                free(s);
                goto fail;
            }
            memcpy(text, s->atom, len);
            s->atom = text;
            done = s;
        }
        if (!depth) {
            result = done;
            break;
        }
        sexp *parent = stack[depth - 1];
        if (push_kid(&parent->kids, &parent->n, &caps[depth - 1], done, L->e)) {
            node_free(done);
            goto fail;
        }
    }
    free(stack);
    free(caps);
    return result;
fail:
    for (int i = 0; i < depth; i++) node_free(stack[i]);
    free(stack);
    free(caps);
    return NULL;
}

nc_status sexp_parse(const char *buf, const char *path, sexp ***out, int *n_out, nc_err *e)
{
    lexer L = { .p = buf, .line = 1, .col = 1, .path = path, .e = e };
    sexp **v = NULL;
    int n = 0, cap = 0;
    *out = NULL;
    *n_out = 0;
    for (;;) {
        skip_space(&L);
        if (!*L.p) break;
        err_clear(e);
        sexp *s = read_expr(&L);
        if (!s || push_kid(&v, &n, &cap, s, e)) {
            if (s) node_free(s);
            sexp_free_all(v, n);
            return e->code ? e->code : err_set(e, NC_EINPUT, "%s: parse error", path);
        }
    }
    *out = v;
    *n_out = n;
    return NC_OK;
}
