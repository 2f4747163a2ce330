#include "io/onnx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/onnx_ctx.h"
#include "io/onnx_tensor.h"
#include "io/textfile.h"

static const char *SUPPORTED[] = { "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu",
                                   "LeakyRelu", "Sigmoid", "Tanh", "Flatten", "Reshape",
                                   "Identity", "Dropout", "Constant", "Squeeze", "Unsqueeze",
                                   NULL };

static int is_supported(const char *op)
{
    for (int i = 0; SUPPORTED[i]; i++)
        if (strcmp(op, SUPPORTED[i]) == 0) return 1;
    return 0;
}

const char *ox_node_label(const Onnx__NodeProto *n, char *buf, size_t size)
{
    const char *op = n->op_type ? n->op_type : "?";
    if (n->name && *n->name) snprintf(buf, size, "node '%s' (%s)", n->name, op);
    else snprintf(buf, size, "node producing '%s' (%s)",
                  n->n_output && n->output[0] ? n->output[0] : "?", op);
    return buf;
}

nc_status ox_fail(octx *c, const Onnx__NodeProto *n, const char *fmt, const char *detail)
{
    char lab[256];
    return err_set(c->e, NC_EINPUT, "%s: %s: %s%s", c->path,
                   n ? ox_node_label(n, lab, sizeof lab) : "graph", fmt, detail ? detail : "");
}

/* ---- attributes ---------------------------------------------------------- */

static const Onnx__AttributeProto *attr(const Onnx__NodeProto *n, const char *name)
{
    for (size_t i = 0; i < n->n_attribute; i++)
        if (n->attribute[i]->name && strcmp(n->attribute[i]->name, name) == 0)
            return n->attribute[i];
    return NULL;
}

long ox_attr_int(const Onnx__NodeProto *n, const char *name, long dflt)
{
    const Onnx__AttributeProto *a = attr(n, name);
    return a && a->has_i ? (long)a->i : dflt;
}

double ox_attr_float(const Onnx__NodeProto *n, const char *name, double dflt)
{
    const Onnx__AttributeProto *a = attr(n, name);
    return a && a->has_f ? (double)a->f : dflt;
}

/* ---- constants ------------------------------------------------------------ */

static cent *const_find(octx *c, const char *name)
{
    for (int i = 0; i < c->n_consts; i++)
        if (strcmp(c->consts[i].name, name) == 0) return &c->consts[i];
    return NULL;
}

/* Returns the decoded constant `name`, or NULL with c->e set. */
const ctensor *ox_const_get(octx *c, const char *name)
{
    cent *k = const_find(c, name);
    if (!k) {
        err_set(c->e, NC_EINTERNAL, "%s: '%s' is not a constant", c->path, name);
        return NULL;
    }
    if (!k->ready) {
        char what[300];
        snprintf(what, sizeof what, "%s: initializer '%s'", c->path, name);
        if (ct_decode(k->src, &k->val, what, c->e)) return NULL;
        k->ready = 1;
    }
    return &k->val;
}

static nc_status const_add(octx *c, const char *name, const Onnx__TensorProto *src,
                           ctensor *val)
{
    cent *p = err_realloc(c->e, c->consts, (size_t)c->n_consts + 1, sizeof *p);
    if (!p) {
        if (val) free(val->v);
        return c->e->code;
    }
    c->consts = p;
    cent *k = &c->consts[c->n_consts++];
    memset(k, 0, sizeof *k);
    k->name = name;
    k->src = src;
    if (val) {
        k->val = *val;
        k->ready = 1;
    }
    return NC_OK;
}

static int all_inputs_const(octx *c, const Onnx__NodeProto *n)
{
    for (size_t i = 0; i < n->n_input; i++)
        if (*n->input[i] && !const_find(c, n->input[i])) return 0;
    return 1;
}

/* Copies a decoded constant (the new value owns its own array). */
static nc_status const_copy(octx *c, const ctensor *src, ctensor *dst)
{
    *dst = *src;
    dst->v = err_calloc(c->e, (size_t)(src->n ? src->n : 1), sizeof(double));
    if (!dst->v) return c->e->code;
    memcpy(dst->v, src->v, (size_t)src->n * sizeof(double));
    return NC_OK;
}


/* Evaluates node n whose inputs are all constant, if it is a shape-only op
 * or a Constant node; returns 1 in *done when it produced a constant. */
static nc_status fold_const_node(octx *c, const Onnx__NodeProto *n, int *done)
{
    *done = 0;
    const char *op = n->op_type;
    ctensor v = { 0 };
    nc_status s = NC_OK;
    if (n->n_output < 1) return NC_OK;
    if (strcmp(op, "Constant") == 0) {
        const Onnx__AttributeProto *a = attr(n, "value");
        char what[300], lab[256];
        snprintf(what, sizeof what, "%s: %s", c->path, ox_node_label(n, lab, sizeof lab));
        if (a && a->t) {
            s = ct_decode(a->t, &v, what, c->e);
        } else if ((a = attr(n, "value_float")) && a->has_f) {
            v.n = 1;
            if (!(v.v = err_calloc(c->e, 1, sizeof(double)))) return c->e->code;
            v.v[0] = a->f;
        } else if ((a = attr(n, "value_floats")) || (a = attr(n, "value_ints"))) {
            long k = (long)(a->n_floats ? a->n_floats : a->n_ints);
            v.n = k;
            v.shape.ndims = 1;
            v.shape.dims[0] = k;
            v.is_int = a->n_ints > 0;
            if (!(v.v = err_calloc(c->e, (size_t)k, sizeof(double)))) return c->e->code;
            for (long i = 0; i < k; i++)
                v.v[i] = a->n_floats ? (double)a->floats[i] : (double)a->ints[i];
        } else if ((a = attr(n, "value_int")) && a->has_i) {
            v.n = 1;
            v.is_int = 1;
            if (!(v.v = err_calloc(c->e, 1, sizeof(double)))) return c->e->code;
            v.v[0] = (double)a->i;
        } else {
            return ox_fail(c, n, "Constant without a supported value attribute", NULL);
        }
        if (s) return s;
    } else if (!all_inputs_const(c, n) || n->n_input < 1) {
        return NC_OK;
    } else if (strcmp(op, "Identity") == 0 || strcmp(op, "Reshape") == 0 ||
               strcmp(op, "Flatten") == 0 || strcmp(op, "Squeeze") == 0 ||
               strcmp(op, "Unsqueeze") == 0 || strcmp(op, "Dropout") == 0) {
        const ctensor *in = ox_const_get(c, n->input[0]);
        if (!in || const_copy(c, in, &v)) return c->e->code;
        if (strcmp(op, "Reshape") == 0) {
            const ctensor *t = n->n_input > 1 ? ox_const_get(c, n->input[1]) : NULL;
            s = t ? ct_reshape(&v.shape, t, c->e) : ox_fail(c, n, "Reshape without a shape", NULL);
        } else if (strcmp(op, "Flatten") == 0) {
            s = ct_flatten(&v.shape, ox_attr_int(n, "axis", 1), c->e);
        } else if (strcmp(op, "Squeeze") == 0 || strcmp(op, "Unsqueeze") == 0) {
            int64_t axes[CT_MAX_DIMS];
            int na = 0;
            s = ox_axes(c, n, axes, &na);
            if (!s) s = op[0] == 'S' ? ct_squeeze(&v.shape, axes, na, c->e)
                                     : ct_unsqueeze(&v.shape, axes, na, c->e);
        }
        if (s) {
            free(v.v);
            return s;
        }
    } else {
        return NC_OK;
    }
    *done = 1;
    return const_add(c, n->output[0], NULL, &v);
}

static nc_status collect_constants(octx *c)
{
    const Onnx__GraphProto *g = c->g;
    for (size_t i = 0; i < g->n_initializer; i++) {
        if (!g->initializer[i]->name) continue;
        if (const_add(c, g->initializer[i]->name, g->initializer[i], NULL)) return c->e->code;
    }
    int changed = 1;
    while (changed) {
        changed = 0;
        for (size_t i = 0; i < g->n_node; i++) {
            if (c->is_const_node[i]) continue;
            int done;
            if (fold_const_node(c, g->node[i], &done)) return c->e->code;
            if (done) c->is_const_node[i] = 1, changed = 1;
        }
    }
    return NC_OK;
}

nc_status ox_axes(octx *c, const Onnx__NodeProto *n, int64_t *axes, int *n_axes)
{
    *n_axes = 0;
    const Onnx__AttributeProto *a = attr(n, "axes");
    if (a) {
        if (a->n_ints > CT_MAX_DIMS) return ox_fail(c, n, "too many axes", NULL);
        for (size_t i = 0; i < a->n_ints; i++) axes[(*n_axes)++] = a->ints[i];
    } else if (n->n_input > 1 && *n->input[1]) {
        const ctensor *t = ox_const_get(c, n->input[1]);
        if (!t) return c->e->code;
        if (t->n > CT_MAX_DIMS) return ox_fail(c, n, "too many axes", NULL);
        for (long i = 0; i < t->n; i++) axes[(*n_axes)++] = (int64_t)t->v[i];
    }
    return NC_OK;
}


/* ---- the chain walk --------------------------------------------------------- */

static nc_status input_shape(octx *c, const Onnx__ValueInfoProto *vi)
{
    const Onnx__TypeProto *t = vi->type;
    if (!t || t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !t->tensor_type ||
        !t->tensor_type->shape)
        return err_set(c->e, NC_EINPUT, "%s: graph input '%s' has no tensor shape", c->path,
                       vi->name);
    const Onnx__TensorShapeProto *s = t->tensor_type->shape;
    if (s->n_dim > CT_MAX_DIMS)
        return err_set(c->e, NC_EINPUT, "%s: graph input '%s' has rank %zu", c->path,
                       vi->name, s->n_dim);
    c->cur.ndims = (int)s->n_dim;
    for (size_t i = 0; i < s->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *d = s->dim[i];
        int64_t v = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                        ? d->dim_value : 1;   /* a symbolic dim is the batch: 1 */
        if (v <= 0) v = 1;
        c->cur.dims[i] = v;
    }
    return NC_OK;
}

static nc_status check_ops(octx *c)
{
    char list[700] = "";
    int bad = 0;
    for (size_t i = 0; i < c->g->n_node; i++) {
        const Onnx__NodeProto *n = c->g->node[i];
        if (!n->op_type) return ox_fail(c, n, "node without an op type", NULL);
        if ((n->domain && *n->domain && strcmp(n->domain, "ai.onnx") != 0) ||
            !is_supported(n->op_type)) {
            char lab[256];
            size_t len = strlen(list);
            if (len < sizeof list - 80)
                snprintf(list + len, sizeof list - len, "%s%s", bad ? ", " : "",
                         ox_node_label(n, lab, sizeof lab));
            bad++;
        }
    }
    if (bad)
        return err_set(c->e, NC_EINPUT, "%s: %d unsupported ONNX op%s: %s", c->path, bad,
                       bad > 1 ? "s" : "", list);
    return NC_OK;
}

static nc_status walk_chain(octx *c, const char *input, const char *output)
{
    const Onnx__GraphProto *g = c->g;
    const char *cur = input;
    for (size_t step = 0; step <= g->n_node; step++) {
        int found = -1, count = 0;
        for (size_t i = 0; i < g->n_node; i++) {
            if (c->is_const_node[i]) continue;
            const Onnx__NodeProto *n = g->node[i];
            for (size_t j = 0; j < n->n_input; j++)
                if (strcmp(n->input[j], cur) == 0) {
                    if (found != (int)i) count++;
                    found = (int)i;
                }
        }
        if (count == 0) {
            if (strcmp(cur, output) == 0) return NC_OK;
            return err_set(c->e, NC_EINPUT, "%s: graph is not a chain: value '%s' is used "
                           "by no node and is not the graph output '%s'", c->path, cur, output);
        }
        if (count > 1 || strcmp(cur, output) == 0)
            return err_set(c->e, NC_EINPUT, "%s: graph is not a chain: value '%s' feeds "
                           "%d nodes%s", c->path, cur, count,
                           strcmp(cur, output) == 0 ? " and is the graph output" : "");
        const Onnx__NodeProto *n = g->node[found];
        int data_inputs = 0;
        for (size_t j = 0; j < n->n_input; j++)
            if (*n->input[j] && !const_find(c, n->input[j])) data_inputs++;
        if (data_inputs != 1)
            return ox_fail(c, n, "graph is not a chain: node takes several non-constant inputs",
                        NULL);
        if (n->n_output < 1) return ox_fail(c, n, "node has no output", NULL);
        if (c->visited[found]) return ox_fail(c, n, "graph has a cycle", NULL);
        c->visited[found] = 1;
        if (ox_lower_node(c, n, cur)) return c->e->code;
        cur = n->output[0];
    }
    return err_set(c->e, NC_EINPUT, "%s: graph is not a chain (cycle)", c->path);
}

static nc_status load_graph(octx *c)
{
    const Onnx__GraphProto *g = c->g;
    const Onnx__ValueInfoProto *in = NULL;
    int n_in = 0;
    for (size_t i = 0; i < g->n_input; i++) {
        if (const_find(c, g->input[i]->name)) continue;  /* initializer listed as input */
        in = g->input[i];
        n_in++;
    }
    if (n_in != 1)
        return err_set(c->e, NC_EINPUT, "%s: graph has %d data inputs (exactly 1 supported)",
                       c->path, n_in);
    if (g->n_output != 1)
        return err_set(c->e, NC_EINPUT, "%s: graph has %zu outputs (exactly 1 supported)",
                       c->path, g->n_output);
    if (input_shape(c, in)) return c->e->code;
    if (walk_chain(c, in->name, g->output[0]->name)) return c->e->code;
    for (size_t i = 0; i < g->n_node; i++)
        if (!c->is_const_node[i] && !c->visited[i])
            return ox_fail(c, g->node[i], "node is not on the chain from input to output", NULL);
    if (c->net->n == 0) {  /* an identity network: represent as x + 0 */
        long d = ct_numel(&c->cur);
        double *z = err_calloc(c->e, (size_t)d, sizeof *z);
        if (!z || net_push_elem(c->net, NET_ADD, (int)d, z, c->e)) return c->e->code;
    }
    return NC_OK;
}

/* Every name the loader compares must be present: protobuf leaves absent
 * optional strings NULL, which a malformed file can arrange anywhere. */
static nc_status check_names(octx *c)
{
    const Onnx__GraphProto *g = c->g;
    for (size_t i = 0; i < g->n_node; i++) {
        const Onnx__NodeProto *n = g->node[i];
        if (!n->op_type) return err_set(c->e, NC_EINPUT, "%s: node %zu has no op type", c->path, i);
        for (size_t j = 0; j < n->n_input; j++)
            if (!n->input[j]) return ox_fail(c, n, "an input has no name", NULL);
        for (size_t j = 0; j < n->n_output; j++)
            if (!n->output[j]) return ox_fail(c, n, "an output has no name", NULL);
        if (n->n_output == 0) return ox_fail(c, n, "node has no output", NULL);
    }
    for (size_t i = 0; i < g->n_input; i++)
        if (!g->input[i]->name) return err_set(c->e, NC_EINPUT, "%s: graph input %zu has no name", c->path, i);
    for (size_t i = 0; i < g->n_output; i++)
        if (!g->output[i]->name) return err_set(c->e, NC_EINPUT, "%s: graph output %zu has no name", c->path, i);
    return NC_OK;
}

nc_status onnx_load(const char *path, net **out, nc_err *e)
{
    *out = NULL;
    unsigned char *buf = NULL;
    size_t len = 0;
    nc_status s = textfile_read_bytes(path, &buf, &len, e);
    if (s) return s;
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
    free(buf);
    if (!m)
        return err_set(e, NC_EINPUT, "%s: not a valid ONNX model (protobuf decoding failed: "
                       "truncated or not ONNX)", path);
    octx c = { .path = path, .g = m->graph, .e = e };
    if (!m->graph || m->graph->n_node == 0) {
        s = err_set(e, NC_EINPUT, "%s: ONNX model has no graph nodes", path);
        goto done;
    }
    c.is_const_node = err_calloc(e, m->graph->n_node, 1);
    c.visited = err_calloc(e, m->graph->n_node, 1);
    c.net = net_new(e);
    if (!c.is_const_node || !c.visited || !c.net) {
        s = e->code;
        goto done;
    }
    if ((s = check_names(&c)) || (s = check_ops(&c)) || (s = collect_constants(&c)) || (s = load_graph(&c)) ||
        (s = net_validate(c.net, path, e)) || (s = net_fold(c.net, e)) ||
        (s = net_validate(c.net, path, e)))
        goto done;
    *out = c.net;
    c.net = NULL;
done:
    for (int i = 0; i < c.n_consts; i++) free(c.consts[i].val.v);
    free(c.consts);
    free(c.is_const_node);
    free(c.visited);
    net_free(c.net);
    onnx__model_proto__free_unpacked(m, NULL);
    return s;
}

int ox_is_const(octx *c, const char *name) { return const_find(c, name) != NULL; }
