#include "app/policy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "io/textfile.h"

typedef struct {
    const char *path;
    char dir[4096];
    yaml_document_t *doc;
    nc_err *e;
} ctx;

#define LINE(n) ((int)(n)->start_mark.line + 1)

static nc_status fail_at(ctx *c, const yaml_node_t *n, const char *fmt, const char *a, const char *b)
{
    char msg[600];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    return err_set(c->e, NC_EINPUT, "%s:%d: %s", c->path, n ? LINE(n) : 1, msg);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *get(ctx *c, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(c->doc, p->key));
        if (k && !strcmp(k, key)) return yaml_document_get_node(c->doc, p->value);
    }
    return NULL;
}

/* Rejects keys not in `allowed` (NULL-terminated), so that typos are
 * caught instead of silently ignored. */
static nc_status only_keys(ctx *c, const yaml_node_t *map, const char *const *allowed, const char *where)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
        const char *k = scalar(kn);
        int ok = 0;
        for (int i = 0; k && allowed[i]; i++) ok |= !strcmp(k, allowed[i]);
        if (!ok) return fail_at(c, kn, "unknown key '%s' in %s", k ? k : "?", where);
    }
    return NC_OK;
}

static nc_status need_scalar(ctx *c, const yaml_node_t *n, const char *key, const char **out)
{
    *out = scalar(n);
    if (!*out || !**out) return fail_at(c, n, "'%s' needs a value%s", key, NULL);
    return NC_OK;
}

static nc_status number(ctx *c, const yaml_node_t *n, const char *key, double *out)
{
    const char *s;
    if (need_scalar(c, n, key, &s)) return c->e->code;
    char *end;
    *out = strtod(s, &end);
    if (end == s || *end || !isfinite(*out)) return fail_at(c, n, "'%s' needs a number, got '%s'", key, s);
    return NC_OK;
}

static char *dup_or_null(ctx *c, const char *s)
{
    return s ? err_strdup(c->e, s) : NULL;
}

/* Path relative to the policy's directory (absolute paths kept). */
static char *resolve(ctx *c, const char *p)
{
    size_t n = strlen(c->dir) + strlen(p) + 2;
    char *s = malloc(n);
    if (!s) return NULL;
    if (p[0] == '/' || !c->dir[0]) snprintf(s, n, "%s", p);
    else snprintf(s, n, "%s/%s", c->dir, p);
    return s;
}

/* A two-element sequence [a, b] of scalars (either may be null / "~" for
 * an open end when open_ok). */
static nc_status pair(ctx *c, const yaml_node_t *n, const char *key, int open_ok, const char **a,
                      const char **b)
{
    if (!n || n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top - n->data.sequence.items.start != 2)
        return fail_at(c, n, "'%s' needs a pair [low, high]%s", key, NULL);
    const char *v[2];
    for (int i = 0; i < 2; i++) {
        v[i] = scalar(yaml_document_get_node(c->doc, n->data.sequence.items.start[i]));
        int open = !v[i] || !*v[i] || !strcmp(v[i], "~") || !strcmp(v[i], "null");
        if (open && !open_ok) return fail_at(c, n, "'%s' needs two numbers%s", key, NULL);
        if (open) {
            v[i] = NULL;
            continue;
        }
        char *end;
        double x = strtod(v[i], &end);
        if (end == v[i] || *end || !isfinite(x))
            return fail_at(c, n, "'%s' needs numbers, got '%s'", key, v[i]);
    }
    if (v[0] && v[1] && strtod(v[0], NULL) > strtod(v[1], NULL))
        return fail_at(c, n, "'%s': low %s is above high", key, v[0]);
    *a = v[0], *b = v[1];
    return NC_OK;
}

typedef struct {
    double timeout;
    const char *method;
    int unknown_passes;
} check_defaults;

static nc_status common(ctx *c, const yaml_node_t *m, check_defaults *d)
{
    yaml_node_t *n;
    if ((n = get(c, m, "timeout"))) {
        if (number(c, n, "timeout", &d->timeout)) return c->e->code;
        if (!(d->timeout > 0)) return fail_at(c, n, "'timeout' must be > 0 seconds%s%s", NULL, NULL);
    }
    if ((n = get(c, m, "method"))) {
        if (need_scalar(c, n, "method", &d->method)) return c->e->code;
        if (strcmp(d->method, "auto")) return fail_at(c, n, "unknown method '%s' (available: auto)%s", d->method, NULL);
    }
    if ((n = get(c, m, "unknown"))) {
        const char *s = scalar(n);
        if (!s || (strcmp(s, "fail") && strcmp(s, "pass")))
            return fail_at(c, n, "'unknown' must be fail or pass, got '%s'%s", s ? s : "", NULL);
        d->unknown_passes = !strcmp(s, "pass");
    }
    return NC_OK;
}

static nc_status check_property(ctx *c, const yaml_node_t *m, policy_check *k)
{
    static const char *const keys[] = { "name", "kind", "timeout", "method", "unknown", "property", NULL };
    if (only_keys(c, m, keys, "a property check")) return c->e->code;
    const char *s;
    if (need_scalar(c, get(c, m, "property"), "property", &s)) return fail_at(c, m, "property check '%s' needs 'property: FILE.vnnlib'%s", k->name, NULL);
    k->property = resolve(c, s);
    return k->property ? NC_OK : err_set(c->e, NC_ENOMEM, "out of memory");
}

static nc_status check_robustness(ctx *c, const yaml_node_t *m, policy_check *k)
{
    static const char *const keys[] = { "name", "kind", "timeout", "method", "unknown", "data", "eps",
                                        "norm", "min_certified", "clip", "mean", "std", NULL };
    if (only_keys(c, m, keys, "a robustness check")) return c->e->code;
    const char *s;
    yaml_node_t *n;
    if (!(n = get(c, m, "data")) || need_scalar(c, n, "data", &s))
        return fail_at(c, n ? n : m, "robustness check '%s' needs 'data: FILE.csv'%s", k->name, NULL);
    if (!(k->data = resolve(c, s))) return err_set(c->e, NC_ENOMEM, "out of memory");
    if (!(n = get(c, m, "eps"))) return fail_at(c, m, "robustness check '%s' needs 'eps'%s", k->name, NULL);
    if (number(c, n, "eps", &k->eps)) return c->e->code;
    if (k->eps < 0) return fail_at(c, n, "'eps' must be >= 0%s%s", NULL, NULL);
    if (!(n = get(c, m, "min_certified")))
        return fail_at(c, m, "robustness check '%s' needs 'min_certified' (a fraction 0..1)%s", k->name, NULL);
    if (number(c, n, "min_certified", &k->min_certified)) return c->e->code;
    if (k->min_certified < 0 || k->min_certified > 1)
        return fail_at(c, n, "'min_certified' is a fraction of the samples, 0..1%s%s", NULL, NULL);
    if ((n = get(c, m, "norm")) && (!scalar(n) || strcmp(scalar(n), "linf")))
        return fail_at(c, n, "unknown norm '%s' (available: linf)%s", scalar(n), NULL);
    if ((n = get(c, m, "clip"))) {
        const char *a, *b;
        if (pair(c, n, "clip", 0, &a, &b)) return c->e->code;
        k->clip_lo = strtod(a, NULL), k->clip_hi = strtod(b, NULL);
    }
    for (int i = 0; i < 2; i++) {
        const char *key = i ? "std" : "mean";
        if (!(n = get(c, m, key))) continue;
        char buf[4096] = "";
        if (n->type == YAML_SCALAR_NODE) {
            snprintf(buf, sizeof buf, "%s", scalar(n));
        } else if (n->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
                const char *v = scalar(yaml_document_get_node(c->doc, *it));
                if (!v) return fail_at(c, n, "'%s' needs numbers%s", key, NULL);
                size_t l = strlen(buf);
                snprintf(buf + l, sizeof buf - l, "%s%s", l ? "," : "", v);
            }
        } else {
            return fail_at(c, n, "'%s' needs a number or a list of numbers%s", key, NULL);
        }
        char **dst = i ? &k->std : &k->mean;
        if (!(*dst = dup_or_null(c, buf))) return NC_ENOMEM;
    }
    return NC_OK;
}

static nc_status check_range(ctx *c, const yaml_node_t *m, policy_check *k)
{
    static const char *const keys[] = { "name", "kind", "timeout", "method", "unknown", "output",
                                        "input_box", "range", NULL };
    if (only_keys(c, m, keys, "an output-range check")) return c->e->code;
    yaml_node_t *n;
    double out;
    if (!(n = get(c, m, "output"))) return fail_at(c, m, "output-range check '%s' needs 'output: INDEX'%s", k->name, NULL);
    if (number(c, n, "output", &out)) return c->e->code;
    if (out < 0 || out != floor(out) || out > 1e6) return fail_at(c, n, "'output' must be an output index%s%s", NULL, NULL);
    k->output = (int)out;
    if (!(n = get(c, m, "range"))) return fail_at(c, m, "output-range check '%s' needs 'range: [low, high]'%s", k->name, NULL);
    const char *a, *b;
    if (pair(c, n, "range", 1, &a, &b)) return c->e->code;
    if (!a && !b) return fail_at(c, n, "'range' needs at least one end%s%s", NULL, NULL);
    k->range_lo = dup_or_null(c, a), k->range_hi = dup_or_null(c, b);
    if (!(n = get(c, m, "input_box")) || n->type != YAML_SEQUENCE_NODE)
        return fail_at(c, n ? n : m, "output-range check '%s' needs 'input_box: [[low, high], ...]' (one pair per input)%s", k->name, NULL);
    int cnt = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    k->box_lo = err_calloc(c->e, (size_t)cnt + 1, sizeof *k->box_lo);
    k->box_hi = err_calloc(c->e, (size_t)cnt + 1, sizeof *k->box_hi);
    if (!k->box_lo || !k->box_hi) return NC_ENOMEM;
    for (int i = 0; i < cnt; i++) {
        yaml_node_t *it = yaml_document_get_node(c->doc, n->data.sequence.items.start[i]);
        if (pair(c, it, "input_box", 0, &a, &b)) return c->e->code;
        k->box_lo[i] = dup_or_null(c, a), k->box_hi[i] = dup_or_null(c, b);
        k->n_box = i + 1;
        if (!k->box_lo[i] || !k->box_hi[i]) return NC_ENOMEM;
    }
    if (!cnt) return fail_at(c, n, "'input_box' is empty%s%s", NULL, NULL);
    return NC_OK;
}

static nc_status read_check(ctx *c, const yaml_node_t *m, int index, const check_defaults *def,
                            policy_check *k)
{
    k->line = LINE(m);
    k->clip_lo = -INFINITY, k->clip_hi = INFINITY;
    if (m->type != YAML_MAPPING_NODE) return fail_at(c, m, "each check is a mapping (name:, kind:, ...)%s%s", NULL, NULL);
    const char *name = scalar(get(c, m, "name"));
    char buf[64];
    if (!name) snprintf(buf, sizeof buf, "check %d", index + 1), name = buf;
    if (!(k->name = err_strdup(c->e, name))) return NC_ENOMEM;
    const char *kind = scalar(get(c, m, "kind"));
    if (!kind) return fail_at(c, m, "check '%s' needs 'kind: property | robustness | output-range'%s", name, NULL);
    check_defaults d = *def;
    if (common(c, m, &d)) return c->e->code;
    k->timeout = d.timeout;
    k->unknown_passes = d.unknown_passes;
    if (!(k->method = err_strdup(c->e, d.method))) return NC_ENOMEM;
    if (!strcmp(kind, "property")) k->kind = CHECK_PROPERTY;
    else if (!strcmp(kind, "robustness")) k->kind = CHECK_ROBUSTNESS;
    else if (!strcmp(kind, "output-range")) k->kind = CHECK_OUTPUT_RANGE;
    else return fail_at(c, get(c, m, "kind"), "unknown check kind '%s' (property, robustness, output-range)%s", kind, NULL);
    return k->kind == CHECK_PROPERTY ? check_property(c, m, k)
         : k->kind == CHECK_ROBUSTNESS ? check_robustness(c, m, k)
                                       : check_range(c, m, k);
}

static nc_status read_policy(ctx *c, policy *p)
{
    yaml_node_t *root = yaml_document_get_root_node(c->doc);
    if (!root) return err_set(c->e, NC_EINPUT, "%s: empty policy", c->path);
    if (root->type != YAML_MAPPING_NODE) return fail_at(c, root, "the policy is a mapping with model: and checks:%s%s", NULL, NULL);
    static const char *const keys[] = { "name", "model", "defaults", "checks", NULL };
    if (only_keys(c, root, keys, "the policy (name, model, defaults, checks)")) return c->e->code;
    const char *s;
    yaml_node_t *n = get(c, root, "model");
    if (!n || need_scalar(c, n, "model", &s)) return fail_at(c, n ? n : root, "the policy needs 'model: FILE.onnx'%s%s", NULL, NULL);
    p->model_line = LINE(n);
    if (!(p->model = resolve(c, s))) return NC_ENOMEM;
    const char *base = strrchr(c->path, '/');
    s = scalar(get(c, root, "name"));
    if (!(p->name = err_strdup(c->e, s ? s : base ? base + 1 : c->path))) return NC_ENOMEM;
    check_defaults def = { .timeout = 60, .method = "auto", .unknown_passes = 0 };
    if ((n = get(c, root, "defaults"))) {
        static const char *const dkeys[] = { "timeout", "method", "unknown", NULL };
        if (n->type != YAML_MAPPING_NODE) return fail_at(c, n, "'defaults' is a mapping%s%s", NULL, NULL);
        if (only_keys(c, n, dkeys, "defaults (timeout, method, unknown)") || common(c, n, &def)) return c->e->code;
    }
    n = get(c, root, "checks");
    if (!n || n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top == n->data.sequence.items.start)
        return fail_at(c, n ? n : root, "the policy needs a non-empty list 'checks:'%s%s", NULL, NULL);
    int cnt = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    p->checks = err_calloc(c->e, (size_t)cnt, sizeof *p->checks);
    if (!p->checks) return NC_ENOMEM;
    for (int i = 0; i < cnt; i++) {
        p->n_checks = i + 1;
        yaml_node_t *m = yaml_document_get_node(c->doc, n->data.sequence.items.start[i]);
        if (read_check(c, m, i, &def, &p->checks[i])) return c->e->code;
        for (int j = 0; j < i; j++)
            if (!strcmp(p->checks[j].name, p->checks[i].name))
                return fail_at(c, m, "two checks are named '%s'%s", p->checks[i].name, NULL);
    }
    return NC_OK;
}

nc_status policy_load(const char *path, policy **out, nc_err *e)
{
    *out = NULL;
    char *text;
    size_t len;
    if (textfile_read(path, &text, &len, e)) return NC_EINPUT;
    ctx c = { .path = path, .e = e };
    const char *sl = strrchr(path, '/');
    if (sl) snprintf(c.dir, sizeof c.dir, "%.*s", (int)(sl - path), path);
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        free(text);
        return err_set(e, NC_ENOMEM, "out of memory");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    nc_status st = NC_OK;
    if (!yaml_parser_load(&parser, &doc)) {
        st = err_set(e, NC_EINPUT, "%s:%d:%d: %s%s%s", path, (int)parser.problem_mark.line + 1,
                     (int)parser.problem_mark.column + 1, parser.problem ? parser.problem : "YAML error",
                     parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        free(text);
        return st;
    }
    policy *p = calloc(1, sizeof *p);
    if (!p) st = err_set(e, NC_ENOMEM, "out of memory");
    else if (!(p->path = err_strdup(e, path))) st = NC_ENOMEM;
    else {
        c.doc = &doc;
        st = read_policy(&c, p);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    free(text);
    if (st) {
        policy_free(p);
        return st;
    }
    *out = p;
    return NC_OK;
}

void policy_free(policy *p)
{
    if (!p) return;
    for (int i = 0; i < p->n_checks; i++) {
        policy_check *k = &p->checks[i];
        free(k->name), free(k->method), free(k->property), free(k->data), free(k->mean), free(k->std);
        for (int j = 0; j < k->n_box; j++) free(k->box_lo[j]), free(k->box_hi[j]);
        free(k->box_lo), free(k->box_hi), free(k->range_lo), free(k->range_hi);
    }
    free(p->checks), free(p->path), free(p->name), free(p->model);
    free(p);
}

nc_status policy_set_model(policy *p, const char *path, nc_err *e)
{
    char *m = err_strdup(e, path);
    if (!m) return NC_ENOMEM;
    free(p->model);
    p->model = m;
    p->model_line = 0;
    return NC_OK;
}

const char *check_kind_name(check_kind k)
{
    return k == CHECK_PROPERTY ? "property" : k == CHECK_ROBUSTNESS ? "robustness" : "output-range";
}
