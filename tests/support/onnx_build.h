/* onnx_build: writes small ONNX models for tests, through the same
 * protobuf-c code the loader uses. Every allocation is owned by the
 * builder and released by ob_write / ob_free. */
#ifndef NC_TEST_ONNX_BUILD_H
#define NC_TEST_ONNX_BUILD_H

#include <stdint.h>

typedef struct ob ob;

/* A model with one float input `name` of the given shape. */
ob *ob_new(const char *name, int ndims, const int64_t *dims);
/* Adds a float initializer (or int64 when is_int; values given as doubles). */
void ob_init(ob *b, const char *name, int ndims, const int64_t *dims, const double *v, int is_int);
/* Adds a node; inputs are n_in names ("" for an absent optional input). */
void ob_node(ob *b, const char *op, const char *name, int n_in, const char **in, const char *out);
/* Attributes on the last node added. */
void ob_attr_int(ob *b, const char *key, int64_t v);
void ob_attr_float(ob *b, const char *key, float v);
void ob_attr_ints(ob *b, const char *key, int n, const int64_t *v);
void ob_attr_tensor(ob *b, const char *key, int ndims, const int64_t *dims, const double *v,
                    int is_int);
/* Marks the graph output. */
void ob_output(ob *b, const char *name);
/* Serialises to path and frees the builder; 0 on success. */
int ob_write(ob *b, const char *path);
void ob_free(ob *b);

#endif
