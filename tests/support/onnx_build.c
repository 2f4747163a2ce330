#include "support/onnx_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"

struct ob {
    void **allocs;
    int n_allocs, cap_allocs;
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__OperatorSetIdProto opset;
    Onnx__OperatorSetIdProto *opsets[1];
    Onnx__NodeProto *last;
};

static void *keep(ob *b, void *p)
{
    if (b->n_allocs == b->cap_allocs) {
        b->cap_allocs = b->cap_allocs ? 2 * b->cap_allocs : 64;
        b->allocs = realloc(b->allocs, (size_t)b->cap_allocs * sizeof *b->allocs);
    }
    b->allocs[b->n_allocs++] = p;
    return p;
}

static void *alloc(ob *b, size_t n) { return keep(b, calloc(1, n ? n : 1)); }

static char *str(ob *b, const char *s)
{
    char *p = alloc(b, strlen(s) + 1);
    strcpy(p, s);
    return p;
}

/* Appends item to a protobuf repeated field (array of pointers). */
#define PUSH(b, arr, n, item)                                                        \
    do {                                                                             \
        void **na_ = alloc(b, ((n) + 1) * sizeof(void *));                           \
        if ((n)) memcpy(na_, (arr), (n) * sizeof(void *));                           \
        (arr) = (void *)na_;                                                         \
        (arr)[(n)++] = (item);                                                       \
    } while (0)

static Onnx__ValueInfoProto *value_info(ob *b, const char *name, int ndims, const int64_t *dims)
{
    Onnx__ValueInfoProto *vi = alloc(b, sizeof *vi);
    onnx__value_info_proto__init(vi);
    vi->name = str(b, name);
    Onnx__TypeProto *tp = alloc(b, sizeof *tp);
    onnx__type_proto__init(tp);
    Onnx__TypeProto__Tensor *tt = alloc(b, sizeof *tt);
    onnx__type_proto__tensor__init(tt);
    tt->has_elem_type = 1;
    tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    Onnx__TensorShapeProto *sh = alloc(b, sizeof *sh);
    onnx__tensor_shape_proto__init(sh);
    for (int i = 0; i < ndims; i++) {
        Onnx__TensorShapeProto__Dimension *d = alloc(b, sizeof *d);
        onnx__tensor_shape_proto__dimension__init(d);
        d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        d->dim_value = dims[i];
        PUSH(b, sh->dim, sh->n_dim, d);
    }
    tt->shape = sh;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    vi->type = tp;
    return vi;
}

ob *ob_new(const char *name, int ndims, const int64_t *dims)
{
    ob *b = calloc(1, sizeof *b);
    onnx__model_proto__init(&b->model);
    onnx__graph_proto__init(&b->graph);
    onnx__operator_set_id_proto__init(&b->opset);
    b->opset.has_version = 1;
    b->opset.version = 13;
    b->opsets[0] = &b->opset;
    b->model.n_opset_import = 1;
    b->model.opset_import = b->opsets;
    b->model.has_ir_version = 1;
    b->model.ir_version = 7;
    b->model.graph = &b->graph;
    b->graph.name = str(b, "test");
    Onnx__ValueInfoProto *vi = value_info(b, name, ndims, dims);
    PUSH(b, b->graph.input, b->graph.n_input, vi);
    return b;
}

static Onnx__TensorProto *tensor(ob *b, const char *name, int ndims, const int64_t *dims,
                                 const double *v, int is_int)
{
    Onnx__TensorProto *t = alloc(b, sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = str(b, name);
    t->n_dims = (size_t)ndims;
    t->dims = alloc(b, (size_t)ndims * sizeof(int64_t));
    size_t n = 1;
    for (int i = 0; i < ndims; i++) t->dims[i] = dims[i], n *= (size_t)dims[i];
    t->has_data_type = 1;
    if (is_int) {
        t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
        t->n_int64_data = n;
        t->int64_data = alloc(b, n * sizeof(int64_t));
        for (size_t i = 0; i < n; i++) t->int64_data[i] = (int64_t)v[i];
    } else {
        t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
        t->n_float_data = n;
        t->float_data = alloc(b, n * sizeof(float));
        for (size_t i = 0; i < n; i++) t->float_data[i] = (float)v[i];
    }
    return t;
}

void ob_init(ob *b, const char *name, int ndims, const int64_t *dims, const double *v, int is_int)
{
    Onnx__TensorProto *t = tensor(b, name, ndims, dims, v, is_int);
    PUSH(b, b->graph.initializer, b->graph.n_initializer, t);
}

void ob_node(ob *b, const char *op, const char *name, int n_in, const char **in, const char *out)
{
    Onnx__NodeProto *n = alloc(b, sizeof *n);
    onnx__node_proto__init(n);
    n->op_type = str(b, op);
    n->name = str(b, name);
    for (int i = 0; i < n_in; i++) PUSH(b, n->input, n->n_input, str(b, in[i]));
    PUSH(b, n->output, n->n_output, str(b, out));
    PUSH(b, b->graph.node, b->graph.n_node, n);
    b->last = n;
}

static Onnx__AttributeProto *attr(ob *b, const char *key)
{
    Onnx__AttributeProto *a = alloc(b, sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = str(b, key);
    a->has_type = 1;
    PUSH(b, b->last->attribute, b->last->n_attribute, a);
    return a;
}

void ob_attr_int(ob *b, const char *key, int64_t v)
{
    Onnx__AttributeProto *a = attr(b, key);
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    a->has_i = 1;
    a->i = v;
}

void ob_attr_float(ob *b, const char *key, float v)
{
    Onnx__AttributeProto *a = attr(b, key);
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    a->has_f = 1;
    a->f = v;
}

void ob_attr_ints(ob *b, const char *key, int n, const int64_t *v)
{
    Onnx__AttributeProto *a = attr(b, key);
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    a->n_ints = (size_t)n;
    a->ints = alloc(b, (size_t)n * sizeof(int64_t));
    memcpy(a->ints, v, (size_t)n * sizeof(int64_t));
}

void ob_attr_tensor(ob *b, const char *key, int ndims, const int64_t *dims, const double *v,
                    int is_int)
{
    Onnx__AttributeProto *a = attr(b, key);
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
    a->t = tensor(b, "", ndims, dims, v, is_int);
}

void ob_output(ob *b, const char *name)
{
    int64_t one = 1;
    Onnx__ValueInfoProto *vi = value_info(b, name, 1, &one);
    PUSH(b, b->graph.output, b->graph.n_output, vi);
}

void ob_free(ob *b)
{
    if (!b) return;
    for (int i = 0; i < b->n_allocs; i++) free(b->allocs[i]);
    free(b->allocs);
    free(b);
}

int ob_write(ob *b, const char *path)
{
    size_t n = onnx__model_proto__get_packed_size(&b->model);
    uint8_t *buf = malloc(n ? n : 1);
    onnx__model_proto__pack(&b->model, buf);
    FILE *f = fopen(path, "wb");
    int rc = f && fwrite(buf, 1, n, f) == n ? 0 : -1;
    if (f && fclose(f)) rc = -1;
    free(buf);
    ob_free(b);
    return rc;
}
