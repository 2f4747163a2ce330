#include "app/report.h"

#include <jansson.h>
#include <math.h>

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *num_array(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++) json_array_append_new(a, num(v[i]));
    return a;
}

static int dump(FILE *f, json_t *o)
{
    if (!o) return -1;
    int rc = json_dumpf(o, f, JSON_REAL_PRECISION(17) | JSON_COMPACT);
    json_decref(o);
    if (rc == 0 && fputc('\n', f) == EOF) rc = -1;
    return rc;
}

int report_cex(FILE *f, const verify_result *r)
{
    int ok = fprintf(f, "(") >= 0;
    for (int i = 0; i < r->n_in; i++)
        ok = ok && fprintf(f, "%s(X_%d %.17g)\n", i ? " " : "", i, r->x[i]) >= 0;
    for (int i = 0; i < r->n_out; i++)
        ok = ok && fprintf(f, " (Y_%d %.17g)%s\n", i, r->y[i], i + 1 == r->n_out ? ")" : "") >= 0;
    return ok ? 0 : -1;
}

/* The ReLU branch and bound's worst open bound, for undecided answers. */
static int open_bound_shown(const verify_result *r)
{
    return isfinite(r->open_bound) && r->v != VERDICT_HOLDS && r->v != VERDICT_VIOLATED;
}

int report_verify_text(FILE *f, const verify_result *r)
{
    int ok = fprintf(f, "%s (%s) in %.3f s%s%s\n", verdict_name(r->v), verdict_vnncomp(r->v),
                     r->seconds,
                     !*r->method ? "" : r->v == VERDICT_HOLDS || r->v == VERDICT_VIOLATED ? " by " : " after ",
                     r->method) >= 0;
    if (ok && open_bound_shown(r))
        ok = fprintf(f, "note: the worst subproblem left open has its bound at %.6g (a proof needs > 0); "
                        "%ld of %ld disjuncts of the unsafe set excluded\n",
                     r->open_bound, r->disjuncts_excluded, r->disjuncts) >= 0;
    if (ok && r->lp_failures > 0)
        ok = fprintf(f, "note: GLPK failed on %ld of %ld LPs; their bounds were not used\n",
                     r->lp_failures, r->lp_calls) >= 0;
    if (ok && r->v == VERDICT_VIOLATED) {
        ok = fprintf(f, "counterexample (checked in exact arithmetic):\n") >= 0 &&
             report_cex(f, r) == 0;
    }
    return ok ? 0 : -1;
}

int report_verify_json(FILE *f, const verify_result *r)
{
    json_t *o = json_object();
    if (!o) return -1;
    json_object_set_new(o, "result", json_string(verdict_name(r->v)));
    json_object_set_new(o, "vnncomp", json_string(verdict_vnncomp(r->v)));
    json_object_set_new(o, "seconds", json_real(r->seconds));
    json_object_set_new(o, "method", json_string(r->method));
    if (r->boxes > 0) json_object_set_new(o, "boxes", json_integer(r->boxes));
    if (r->subproblems > 0) json_object_set_new(o, "subproblems", json_integer(r->subproblems));
    if (r->refine_seconds > 0) {
        json_object_set_new(o, "refined", json_integer(r->refined));
        json_object_set_new(o, "refine_seconds", json_real(r->refine_seconds));
    }
    if (r->depth_first > 0) json_object_set_new(o, "depth_first", json_integer(r->depth_first));
    if (open_bound_shown(r)) json_object_set_new(o, "open_bound", json_real(r->open_bound));
    if (r->disjuncts > 0) {
        json_object_set_new(o, "disjuncts", json_integer(r->disjuncts));
        json_object_set_new(o, "disjuncts_excluded", json_integer(r->disjuncts_excluded));
    }
    if (r->stars > 0) {
        json_object_set_new(o, "stars", json_integer(r->stars));
        json_object_set_new(o, "pieces", json_integer(r->pieces));
        json_object_set_new(o, "lp_calls", json_integer(r->lp_calls));
        if (r->lp_failures > 0) json_object_set_new(o, "lp_failures", json_integer(r->lp_failures));
    }
    if (r->v == VERDICT_VIOLATED) {
        json_t *c = json_object();
        json_object_set_new(c, "x", num_array(r->x, r->n_in));
        json_object_set_new(c, "y", num_array(r->y, r->n_out));
        json_object_set_new(o, "counterexample", c);
    }
    return dump(f, o);
}

int report_results_file(const char *path, const verify_result *r)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int ok = fprintf(f, "%s\n", verdict_vnncomp(r->v)) >= 0;
    if (ok && r->v == VERDICT_VIOLATED) ok = report_cex(f, r) == 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int report_results_error(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int ok = fprintf(f, "error\n") >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int report_bounds_text(FILE *f, const char *domain, int n, const double *lo, const double *hi,
                       int n_rows, const double *rlo, const double *rhi)
{
    int ok = fprintf(f, "domain: %s\n", domain) >= 0;
    for (int i = 0; ok && i < n; i++)
        ok = fprintf(f, "Y_%-3d [%.17g, %.17g]\n", i, lo[i], hi[i]) >= 0;
    for (int i = 0; ok && i < n_rows; i++)
        ok = fprintf(f, "row %-3d [%.17g, %.17g]\n", i, rlo[i], rhi[i]) >= 0;
    return ok ? 0 : -1;
}

int report_bounds_json(FILE *f, const char *domain, int n, const double *lo, const double *hi,
                       int n_rows, const double *rlo, const double *rhi)
{
    json_t *o = json_object();
    if (!o) return -1;
    json_object_set_new(o, "domain", json_string(domain));
    json_object_set_new(o, "lower", num_array(lo, n));
    json_object_set_new(o, "upper", num_array(hi, n));
    if (rlo) {
        json_t *rows = json_array();
        for (int i = 0; i < n_rows; i++) {
            json_t *r = json_object();
            json_object_set_new(r, "lower", num(rlo[i]));
            json_object_set_new(r, "upper", num(rhi[i]));
            json_array_append_new(rows, r);
        }
        json_object_set_new(o, "rows", rows);
    }
    return dump(f, o);
}

int report_info(FILE *f, const char *path, const net *n)
{
    int ok = fprintf(f, "network: %s\ninputs: %d\noutputs: %d\nlayers: %d\nparameters: %ld\n",
                     path, n->in_dim, n->out_dim, n->n, net_param_count(n)) >= 0;
    for (int k = 0; ok && k < n->n; k++) {
        const net_layer *l = &n->layers[k];
        if (l->kind == NET_AFFINE)
            ok = fprintf(f, "  %2d  affine      %d -> %d\n", k, l->in, l->out) >= 0;
        else if (l->kind == NET_LEAKY_RELU)
            ok = fprintf(f, "  %2d  leaky_relu  %d (alpha %.9g)\n", k, l->out, l->alpha) >= 0;
        else
            ok = fprintf(f, "  %2d  %-10s  %d\n", k, net_kind_name(l->kind), l->out) >= 0;
    }
    return ok ? 0 : -1;
}
