#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/onnx.h"
#include "support/onnx_build.h"
#include "support/testutil.h"

static net *load_ok(const char *path)
{
    nc_err e;
    err_clear(&e);
    net *n = NULL;
    cr_assert_eq(onnx_load(path, &n, &e), NC_OK, "%s", e.msg);
    return n;
}

static void load_err(const char *path, const char *needle)
{
    nc_err e;
    err_clear(&e);
    net *n = NULL;
    cr_assert_eq(onnx_load(path, &n, &e), NC_EINPUT, "expected failure on %s", path);
    cr_assert_null(n);
    cr_assert(strstr(e.msg, needle), "message '%s' lacks '%s'", e.msg, needle);
}

#define IN(...) ((const char *[]){ __VA_ARGS__ })

/* y = relu(2 * x B^T + 0.5 * C) with B 2x3 (transB), x of shape [1,3] */
static const char *gemm_model(void)
{
    int64_t din[2] = { 1, 3 }, db[2] = { 2, 3 }, dc[1] = { 2 };
    double B[6] = { 1, 2, 3, -1, 0.5, 0 }, C[2] = { 1, -4 };
    ob *b = ob_new("x", 2, din);
    ob_init(b, "B", 2, db, B, 0);
    ob_init(b, "C", 1, dc, C, 0);
    ob_node(b, "Gemm", "fc", 3, IN("x", "B", "C"), "h");
    ob_attr_int(b, "transB", 1);
    ob_attr_float(b, "alpha", 2.0f);
    ob_attr_float(b, "beta", 0.5f);
    ob_node(b, "Relu", "act", 1, IN("h"), "y");
    ob_output(b, "y");
    const char *p = tu_path("gemm.onnx");
    cr_assert_eq(ob_write(b, p), 0);
    return p;
}

Test(onnx, gemm_attributes)
{
    net *n = load_ok(gemm_model());
    cr_assert_eq(n->in_dim, 3);
    cr_assert_eq(n->out_dim, 2);
    double x[3] = { 1, 1, 1 }, y[2];
    net_eval(n, x, y);
    cr_assert_eq(y[0], 2 * 6 + 0.5);             /* 2*(1+2+3) + 0.5*1 */
    cr_assert_eq(y[1], 0.0);                     /* relu(2*(-0.5) - 2) */
    x[0] = -3;
    net_eval(n, x, y);
    cr_assert_eq(y[1], 2 * (3 + 0.5) - 2);
    net_free(n);
}

/* Normalisation, MatMul/Add, LeakyRelu, shape ops, Constant, Sigmoid, Tanh,
 * with the nodes listed in scrambled order. */
static const char *chain_model(void)
{
    int64_t din[4] = { 1, 1, 1, 2 }, d2[1] = { 2 }, dw[2] = { 2, 2 }, dv[2] = { 2, 1 },
            dsh[1] = { 2 }, ax[1] = { 0 };
    double mean[2] = { 1, -1 }, std[2] = { 2, 4 }, W[4] = { 1, 2, 3, 4 }, bias[2] = { 0.5, -0.5 },
           V[2] = { 1, -1 }, shape[2] = { 1, 2 };
    ob *b = ob_new("x", 4, din);
    ob_init(b, "mean", 1, d2, mean, 0);
    ob_init(b, "std", 1, d2, std, 0);
    ob_init(b, "W", 2, dw, W, 0);
    ob_init(b, "bias", 1, d2, bias, 0);
    ob_init(b, "V", 2, dv, V, 0);
    ob_init(b, "shape", 1, dsh, shape, 1);
    ob_node(b, "Tanh", "n9", 1, IN("s2"), "y");
    ob_node(b, "Div", "n1", 2, IN("c", "std"), "d");
    ob_node(b, "MatMul", "n3", 2, IN("f", "W"), "m");
    ob_node(b, "Sub", "n0", 2, IN("x", "mean"), "c");
    ob_node(b, "Flatten", "n2", 1, IN("d"), "f");
    ob_node(b, "Add", "n4", 2, IN("bias", "m"), "a");
    ob_node(b, "LeakyRelu", "n5", 1, IN("a"), "l");
    ob_attr_float(b, "alpha", 0.25f);
    ob_node(b, "Identity", "shape_id", 1, IN("shape"), "shape2");
    ob_node(b, "Reshape", "n6", 2, IN("l", "shape2"), "r");
    ob_node(b, "MatMul", "n7", 2, IN("r", "V"), "v");
    ob_node(b, "Sigmoid", "n8", 1, IN("v"), "s");
    ob_node(b, "Squeeze", "sq", 1, IN("s"), "s1");
    ob_attr_ints(b, "axes", 1, ax);
    ob_node(b, "Unsqueeze", "usq", 1, IN("s1"), "s2");
    ob_attr_ints(b, "axes", 1, ax);
    ob_output(b, "y");
    const char *p = tu_path("chain.onnx");
    cr_assert_eq(ob_write(b, p), 0);
    return p;
}

static double chain_ref(const double *x)
{
    double d0 = (x[0] - 1) / 2, d1 = (x[1] + 1) / 4;
    double a0 = d0 * 1 + d1 * 3 + 0.5, a1 = d0 * 2 + d1 * 4 - 0.5;
    double l0 = a0 >= 0 ? a0 : 0.25 * a0, l1 = a1 >= 0 ? a1 : 0.25 * a1;
    double v = l0 - l1;
    return tanh(1 / (1 + exp(-v)));
}

Test(onnx, chain_in_any_order)
{
    net *n = load_ok(chain_model());
    cr_assert_eq(n->in_dim, 2);
    cr_assert_eq(n->out_dim, 1);
    double pts[][2] = { { 0, 0 }, { 3, -2 }, { -1.5, 7 }, { 10, 10 } };
    for (int i = 0; i < 4; i++) {
        double y;
        net_eval(n, pts[i], &y);
        cr_assert_float_eq(y, chain_ref(pts[i]), 1e-12, "at (%g,%g): %.17g vs %.17g", pts[i][0],
                           pts[i][1], y, chain_ref(pts[i]));
    }
    /* Sub by (1,-1) and Div by (2,4) fold exactly into the first affine layer */
    cr_assert_eq(n->layers[0].kind, NET_AFFINE);
    net_free(n);
}

Test(onnx, inexact_division_is_kept_as_a_layer)
{
    int64_t din[2] = { 1, 1 }, d1[1] = { 1 }, dw[2] = { 1, 1 };
    double three[1] = { 3 }, w[1] = { 1 };
    ob *b = ob_new("x", 2, din);
    ob_init(b, "k", 1, d1, three, 0);
    ob_init(b, "w", 2, dw, w, 0);
    ob_node(b, "Div", "div", 2, IN("x", "k"), "d");
    ob_node(b, "MatMul", "mm", 2, IN("d", "w"), "y");
    ob_output(b, "y");
    const char *p = tu_path("div3.onnx");
    cr_assert_eq(ob_write(b, p), 0);
    net *n = load_ok(p);
    cr_assert_eq(n->n, 2);   /* w / 3 is not exact: the division stays a layer */
    cr_assert_eq(n->layers[0].kind, NET_DIV);
    net_free(n);
}

/* Constant nodes, a column reshape and MatMul with the weights first. */
Test(onnx, constant_nodes_and_column_matmul)
{
    int64_t din[2] = { 1, 2 }, dsh[1] = { 2 }, dw[2] = { 3, 2 };
    double shape[2] = { 2, 1 }, W[6] = { 1, 2, -1, 0.5, 0, 3 };
    ob *b = ob_new("x", 2, din);
    ob_node(b, "Constant", "k_shape", 0, NULL, "shape");
    ob_attr_tensor(b, "value", 1, dsh, shape, 1);
    ob_node(b, "Constant", "k_w", 0, NULL, "W");
    ob_attr_tensor(b, "value", 2, dw, W, 0);
    ob_node(b, "Reshape", "col", 2, IN("x", "shape"), "xc");
    ob_node(b, "MatMul", "mm", 2, IN("W", "xc"), "m");
    ob_node(b, "Flatten", "flat", 1, IN("m"), "y");
    ob_attr_int(b, "axis", 0);
    ob_output(b, "y");
    const char *p = tu_path("column.onnx");
    cr_assert_eq(ob_write(b, p), 0);
    net *n = load_ok(p);
    cr_assert_eq(n->in_dim, 2);
    cr_assert_eq(n->out_dim, 3);
    double x[2] = { 2, -4 }, y[3];
    net_eval(n, x, y);
    cr_assert_eq(y[0], 2 - 8);
    cr_assert_eq(y[1], -2 - 2);
    cr_assert_eq(y[2], -12);
    net_free(n);
}

Test(onnx, unsupported_ops_named_together)
{
    int64_t din[2] = { 1, 2 };
    ob *b = ob_new("x", 2, din);
    ob_node(b, "Conv", "conv1", 1, IN("x"), "c");
    ob_node(b, "MaxPool", "pool1", 1, IN("c"), "y");
    ob_output(b, "y");
    const char *p = tu_path("conv.onnx");
    ob_write(b, p);
    load_err(p, "2 unsupported ONNX ops: node 'conv1' (Conv), node 'pool1' (MaxPool)");
}

Test(onnx, branching_graph_is_not_a_chain)
{
    int64_t din[2] = { 1, 2 };
    ob *b = ob_new("x", 2, din);
    ob_node(b, "Relu", "r1", 1, IN("x"), "a");
    ob_node(b, "Relu", "r2", 1, IN("x"), "b");
    ob_node(b, "Add", "sum", 2, IN("a", "b"), "y");
    ob_output(b, "y");
    const char *p = tu_path("branch.onnx");
    ob_write(b, p);
    load_err(p, "graph is not a chain: value 'x' feeds 2 nodes");
}

Test(onnx, nan_weight_and_shape_mismatch)
{
    int64_t din[2] = { 1, 2 }, dw[2] = { 2, 2 }, dw3[2] = { 3, 2 };
    double w[4] = { 1, NAN, 0, 1 }, w3[6] = { 1, 2, 3, 4, 5, 6 };
    ob *b = ob_new("x", 2, din);
    ob_init(b, "W", 2, dw, w, 0);
    ob_node(b, "MatMul", "mm", 2, IN("x", "W"), "y");
    ob_output(b, "y");
    const char *p = tu_path("nan.onnx");
    ob_write(b, p);
    load_err(p, "initializer 'W': value 1 is NaN");
    b = ob_new("x", 2, din);
    ob_init(b, "W", 2, dw3, w3, 0);
    ob_node(b, "MatMul", "mm", 2, IN("x", "W"), "y");
    ob_output(b, "y");
    p = tu_path("shape.onnx");
    ob_write(b, p);
    load_err(p, "node 'mm' (MatMul): MatMul needs a row vector matching the weights "
                "(data shape [1,2])");
}

Test(onnx, truncated_garbage_and_missing)
{
    const char *good = gemm_model();
    FILE *f = fopen(good, "rb");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    const char *t = tu_path("trunc.onnx");
    f = fopen(t, "wb");
    fwrite(buf, 1, n / 2, f);
    fclose(f);
    load_err(t, "trunc.onnx: not a valid ONNX model");
    load_err(tu_write("garbage.onnx", "this is not a protobuf message at all\n"),
             "garbage.onnx:");
    load_err("/nonexistent/model.onnx", "/nonexistent/model.onnx: cannot open");
    load_err(tu_write("empty.onnx", ""), "empty.onnx: ONNX model has no graph nodes");
}

Test(onnx, loads_every_benchmark_network, .timeout = 120)
{
    const char *bench = tu_benchmarks();
    if (!bench) {
        cr_log_warn("benchmarks absent (set NNCERT_BENCHMARKS): benchmark ONNX files not loaded");
        cr_skip_test();
    }
    const char *suites[][2] = { { "acasxu", "5 10 5" }, { "mnistfc", "784 10 0" } };
    int total = 0;
    for (int s = 0; s < 2; s++) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%s/onnx", bench, suites[s][0]);
        DIR *d = opendir(dir);
        cr_assert_not_null(d, "cannot list %s", dir);
        struct dirent *de;
        int in, out, z;
        sscanf(suites[s][1], "%d %d %d", &in, &z, &out);
        while ((de = readdir(d))) {
            if (!strstr(de->d_name, ".onnx")) continue;
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            net *n = load_ok(path);
            cr_assert_eq(n->in_dim, in, "%s", path);
            cr_assert_eq(n->out_dim, out ? out : n->out_dim, "%s", path);
            cr_assert_eq(n->out_dim, s == 0 ? 5 : 10, "%s", path);
            net_free(n);
            total++;
        }
        closedir(d);
    }
    cr_assert_eq(total, 45 + 3);
}

/* Every prefix and many single-byte corruptions of a valid model load
 * cleanly or fail with an input error: never a crash (run under ASan). */
Test(onnx, truncations_and_corruptions_never_crash)
{
    const char *good = chain_model();
    FILE *f = fopen(good, "rb");
    unsigned char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    const char *p = tu_path("mutant.onnx");
    for (size_t len = 0; len < n; len += 1 + len / 64) {
        f = fopen(p, "wb");
        fwrite(buf, 1, len, f);
        fclose(f);
        nc_err e;
        net *m = NULL;
        nc_status s = onnx_load(p, &m, &e);
        cr_assert(s == NC_OK || s == NC_EINPUT, "prefix %zu: status %d", len, s);
        if (s == NC_OK) net_free(m);
        else cr_assert(strstr(e.msg, "mutant.onnx"), "prefix %zu: %s", len, e.msg);
    }
    unsigned seed = 12345;
    for (int t = 0; t < 300; t++) {
        unsigned char mut[8192];
        memcpy(mut, buf, n);
        seed = seed * 1103515245u + 12345u;
        mut[(seed >> 8) % n] ^= (unsigned char)(1u << ((seed >> 4) & 7));
        f = fopen(p, "wb");
        fwrite(mut, 1, n, f);
        fclose(f);
        nc_err e;
        net *m = NULL;
        nc_status s = onnx_load(p, &m, &e);
        cr_assert(s == NC_OK || s == NC_EINPUT, "mutation %d: status %d", t, s);
        net_free(m);
    }
}
