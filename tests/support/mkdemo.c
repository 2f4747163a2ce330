/* mkdemo: writes examples/demo.onnx, the demo network shipped with nncert.
 *   h = relu(W1 x),  W1 = [[1, 1], [1, -1], [-1, 1]]
 *   y0 = h0 + 0.5 h1 + 0.5 h2
 *   y1 = -h0 + h1 + h2 + 0.25
 * (examples/demo.nnet is the same network in the NNet format.) */
#include <stdio.h>

#include "support/onnx_build.h"

int main(int argc, char **argv)
{
    const char *out = argc > 1 ? argv[1] : "examples/demo.onnx";
    int64_t din[2] = { 1, 2 }, d1[2] = { 3, 2 }, db1[1] = { 3 }, d2[2] = { 2, 3 }, db2[1] = { 2 };
    double W1[6] = { 1, 1, 1, -1, -1, 1 }, b1[3] = { 0, 0, 0 };
    double W2[6] = { 1, 0.5, 0.5, -1, 1, 1 }, b2[2] = { 0, 0.25 };
    ob *b = ob_new("input", 2, din);
    ob_init(b, "W1", 2, d1, W1, 0);
    ob_init(b, "b1", 1, db1, b1, 0);
    ob_init(b, "W2", 2, d2, W2, 0);
    ob_init(b, "b2", 1, db2, b2, 0);
    ob_node(b, "Gemm", "fc1", 3, (const char *[]){ "input", "W1", "b1" }, "z1");
    ob_attr_int(b, "transB", 1);
    ob_node(b, "Relu", "relu1", 1, (const char *[]){ "z1" }, "h1");
    ob_node(b, "Gemm", "fc2", 3, (const char *[]){ "h1", "W2", "b2" }, "output");
    ob_attr_int(b, "transB", 1);
    ob_output(b, "output");
    if (ob_write(b, out)) {
        fprintf(stderr, "mkdemo: cannot write %s\n", out);
        return 1;
    }
    return 0;
}
