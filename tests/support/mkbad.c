/* mkbad: writes the malformed ONNX models of tests/bad-inputs/ (the result
 * is committed): a graph with a cycle, an unsupported op, a weight of the
 * wrong shape, a NaN weight.
 * usage: build/mkbad DIR */
#include <math.h>
#include <stdio.h>

#include "support/onnx_build.h"

static int cyclic(const char *path)
{
    int64_t din[2] = { 1, 2 };
    ob *b = ob_new("x", 2, din);
    ob_node(b, "Relu", "r1", 1, (const char *[]){ "b" }, "a");
    ob_node(b, "Relu", "r2", 1, (const char *[]){ "a" }, "b");
    ob_node(b, "Relu", "r3", 1, (const char *[]){ "x" }, "y");
    ob_output(b, "y");
    return ob_write(b, path);
}

static int unsupported(const char *path)
{
    int64_t din[2] = { 1, 2 };
    ob *b = ob_new("x", 2, din);
    ob_node(b, "Softmax", "soft1", 1, (const char *[]){ "x" }, "y");
    ob_output(b, "y");
    return ob_write(b, path);
}

static int gemm(const char *path, int rows, int cols, double w0)
{
    int64_t din[2] = { 1, 2 }, dw[2] = { rows, cols }, db[1] = { rows };
    double W[9] = { w0, 1, 1, 1, 1, 1, 1, 1, 1 }, bias[3] = { 0, 0, 0 };
    ob *b = ob_new("x", 2, din);
    ob_init(b, "W", 2, dw, W, 0);
    ob_init(b, "B", 1, db, bias, 0);
    ob_node(b, "Gemm", "fc1", 3, (const char *[]){ "x", "W", "B" }, "y");
    ob_attr_int(b, "transB", 1);
    ob_output(b, "y");
    return ob_write(b, path);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/bad-inputs";
    char p[4][512];
    snprintf(p[0], sizeof p[0], "%s/cyclic.onnx", dir);
    snprintf(p[1], sizeof p[1], "%s/unsupported-op.onnx", dir);
    snprintf(p[2], sizeof p[2], "%s/shape-mismatch.onnx", dir);
    snprintf(p[3], sizeof p[3], "%s/nan-weight.onnx", dir);
    if (cyclic(p[0]) || unsupported(p[1]) || gemm(p[2], 3, 3, 1.0) || gemm(p[3], 2, 3, NAN)) {
        fprintf(stderr, "mkbad: cannot write into %s\n", dir);
        return 1;
    }
    return 0;
}
