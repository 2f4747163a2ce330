#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/vnnlib.h"

static const char *DECLS =
    "(declare-const X_0 Real)\n(declare-const X_1 Real)\n"
    "(declare-const Y_0 Real)\n(declare-const Y_1 Real)\n";

static prop *parse_ok(const char *body)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", DECLS, body);
    nc_err e;
    err_clear(&e);
    prop *p = NULL;
    nc_status s = vnnlib_parse(text, "t.vnnlib", &p, &e);
    cr_assert_eq(s, NC_OK, "parse failed: %s", e.msg);
    return p;
}

static void parse_err(const char *text, const char *needle)
{
    nc_err e;
    err_clear(&e);
    prop *p = NULL;
    nc_status s = vnnlib_parse(text, "t.vnnlib", &p, &e);
    cr_assert_eq(s, NC_EINPUT, "expected an input error for: %s", text);
    cr_assert_null(p);
    cr_assert(strstr(e.msg, needle), "message '%s' lacks '%s'", e.msg, needle);
}

Test(vnnlib, box_and_output_row)
{
    prop *p = parse_ok("; comment\n(assert (<= X_0 0.5))(assert (>= X_0 -0.5))\n"
                       "(assert (<= X_1 1))(assert (>= X_1 0))\n(assert (<= Y_1 Y_0))\n");
    cr_assert_eq(p->n_in, 2);
    cr_assert_eq(p->n_out, 2);
    cr_assert_eq(p->n_cases, 1);
    prop_case *c = &p->cases[0];
    /* 0.5, -0.5, 1, 0 are exact doubles: no widening at all */
    cr_assert_eq(c->lo[0], -0.5);
    cr_assert_eq(c->hi[0], 0.5);
    cr_assert_eq(c->lo_in[0], -0.5);
    cr_assert_eq(c->hi_in[1], 1.0);
    cr_assert_eq(c->n_disj, 1);
    cr_assert_eq(c->disj[0].n_rows, 1);
    prop_row *r = &c->disj[0].rows[0];   /* Y_1 - Y_0 <= 0 */
    cr_assert_eq(r->a[0], -1.0);
    cr_assert_eq(r->a[1], 1.0);
    cr_assert_eq(r->d, 0.0);
    cr_assert_eq(r->cerr, 0.0);
    cr_assert_eq(r->strict, 0);
    prop_free(p);
}

Test(vnnlib, inexact_decimal_rounds_outward_and_inward)
{
    prop *p = parse_ok("(assert (<= X_0 0.1))(assert (>= X_0 -0.1))"
                       "(assert (<= X_1 1))(assert (>= X_1 0))(assert (>= Y_0 0))");
    prop_case *c = &p->cases[0];
    /* the exact decimal 0.1 lies strictly between the inner and outer bounds */
    cr_assert_lt(c->hi_in[0], 0.1);
    cr_assert_geq(c->hi[0], 0.1);
    cr_assert_gt(c->hi[0], c->hi_in[0]);
    cr_assert_gt(c->lo_in[0], -0.1);
    cr_assert_leq(c->lo[0], -0.1);
    prop_free(p);
}

Test(vnnlib, terms_scientific_and_strict)
{
    prop *p = parse_ok("(assert (<= (* 2 X_0) 1e0))(assert (>= (- X_0 0.25) -1.25))"
                       "(assert (<= X_1 (+ 0.5 0.5)))(assert (>= X_1 0))"
                       "(assert (< (+ Y_0 (* -3 Y_1)) 2.5E-1))");
    prop_case *c = &p->cases[0];
    cr_assert_eq(c->hi[0], 0.5);
    cr_assert_eq(c->lo[0], -1.0);
    cr_assert_eq(c->hi[1], 1.0);
    prop_row *r = &c->disj[0].rows[0];
    cr_assert_eq(r->a[0], 1.0);
    cr_assert_eq(r->a[1], -3.0);
    cr_assert_eq(r->d, -0.25);
    cr_assert_eq(r->strict, 1);
    prop_free(p);
}

Test(vnnlib, disjunctions_group_into_cases)
{
    prop *p = parse_ok(
        "(assert (or (and (<= X_0 1) (>= X_0 0) (<= X_1 1) (>= X_1 0))"
        "            (and (<= X_0 3) (>= X_0 2) (<= X_1 1) (>= X_1 0))))\n"
        "(assert (or (and (<= Y_0 Y_1)) (and (>= Y_0 5) (<= Y_1 1))))");
    cr_assert_eq(p->n_cases, 2);
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(p->cases[k].n_disj, 2);
        cr_assert_eq(p->cases[k].disj[0].n_rows, 1);
        cr_assert_eq(p->cases[k].disj[1].n_rows, 2);
    }
    cr_assert_eq(p->cases[1].lo[0], 2.0);
    cr_assert_eq(prop_total_rows(p), 6);
    prop_free(p);
}

Test(vnnlib, equality_and_general_input_rows)
{
    prop *p = parse_ok("(assert (= X_0 0.5))(assert (<= X_1 1))(assert (>= X_1 0))"
                       "(assert (<= (+ X_0 X_1) 1))(assert (>= Y_0 0))");
    prop_case *c = &p->cases[0];
    cr_assert_eq(c->lo[0], 0.5);
    cr_assert_eq(c->hi[0], 0.5);
    cr_assert_eq(c->n_lin, 1);
    cr_assert_eq(c->lin[0].a[0], 1.0);
    cr_assert_eq(c->lin[0].d, -1.0);
    prop_free(p);
}

Test(vnnlib, contradictory_disjunct_is_dropped)
{
    prop *p = parse_ok("(assert (or (and (<= X_0 1) (>= X_0 2)) (and (<= X_0 1) (>= X_0 0))))"
                       "(assert (<= X_1 1))(assert (>= X_1 0))(assert (>= Y_0 0))");
    cr_assert_eq(p->n_cases, 1);
    cr_assert_eq(p->cases[0].lo[0], 0.0);
    prop_free(p);
}

Test(vnnlib, errors_name_file_line_column)
{
    parse_err("(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (<= X_0 1)",
              "t.vnnlib:3:1: '(' is never closed");
    parse_err("(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (<= X_3 1))",
              "t.vnnlib:3:13: variable 'X_3' is not declared");
    parse_err("(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (<= X_0 Y_0))",
              "t.vnnlib:3:9: constraint mixes input");
    parse_err("(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (<= (* X_0 X_0) 1))",
              "t.vnnlib:3:13: non-linear");
    parse_err("(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (xor X_0 1))",
              "t.vnnlib:3:9: unsupported connective 'xor'");
    parse_err("(declare-const X_0 Int)\n", "t.vnnlib:1:20: variable type must be Real");
    parse_err("(declare-const X_0 Real))\n", "t.vnnlib:1:25: unexpected ')'");
    parse_err("(declare-const X_1 Real)(declare-const Y_0 Real)(assert (>= Y_0 0))",
              "X_0 is not declared");
    parse_err("(declare-const X_0 Real)(declare-const Y_0 Real)"
              "(assert (<= X_0 0))(assert (>= X_0 1))(assert (>= Y_0 0))",
              "input set is empty");
    parse_err("(declare-const X_0 Real)(declare-const X_0 Real)", "declared twice");
    parse_err("(declare-const X_0 Real)(declare-const Y_0 Real)(assert (<= X_0 abc))",
              "unknown symbol 'abc'");
}

Test(vnnlib, missing_file)
{
    nc_err e;
    err_clear(&e);
    prop *p;
    cr_assert_eq(vnnlib_load("/nonexistent/p.vnnlib", &p, &e), NC_EINPUT);
    cr_assert(strstr(e.msg, "/nonexistent/p.vnnlib"));
}

/* Every prefix of a property parses or fails with a located error. */
Test(vnnlib, prefixes_never_crash)
{
    const char *text =
        "; p\n(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(declare-const Y_1 Real)\n"
        "(assert (or (and (<= X_0 1) (>= X_0 0)) (and (<= X_0 3.5e-1) (>= X_0 -2))))\n"
        "(assert (or (and (<= Y_0 Y_1)) (and (>= (+ Y_0 (* 2 Y_1)) 0.1))))\n";
    size_t n = strlen(text);
    char buf[1024];
    for (size_t len = 0; len <= n; len++) {
        memcpy(buf, text, len);
        buf[len] = 0;
        nc_err e;
        err_clear(&e);
        prop *p = NULL;
        nc_status s = vnnlib_parse(buf, "pre.vnnlib", &p, &e);
        cr_assert(s == NC_OK || s == NC_EINPUT, "prefix %zu: status %d", len, s);
        if (s == NC_OK) prop_free(p);
        else cr_assert(strncmp(e.msg, "pre.vnnlib:", 11) == 0, "prefix %zu: %s", len, e.msg);
    }
}

/* Deep nesting is an error with a location, never a stack overflow. */
Test(vnnlib, deep_nesting_is_refused)
{
    enum { DEPTH = 200000 };
    char *text = malloc(2 * DEPTH + 200);
    strcpy(text, "(declare-const X_0 Real)(declare-const Y_0 Real)(assert ");
    size_t k = strlen(text);
    for (int i = 0; i < DEPTH; i++) text[k++] = '(';
    for (int i = 0; i < DEPTH; i++) text[k++] = ')';
    text[k++] = ')';
    text[k] = 0;
    parse_err(text, "nested too deeply");
    /* moderately deep but legal syntax: refused by the interpreter's limit */
    k = strlen("(declare-const X_0 Real)(declare-const Y_0 Real)(assert ");
    for (int i = 0; i < 2000; i++) memcpy(text + k + 5 * i, "(and ", 5);
    k += 5 * 2000;
    k += (size_t)sprintf(text + k, "(>= Y_0 0)");
    for (int i = 0; i < 2000; i++) text[k++] = ')';
    text[k++] = ')';
    text[k] = 0;
    parse_err(text, "formulas nested too deeply");
    free(text);
}
