/* onnx: loader for ONNX models whose graph is a chain, through protobuf-c
 * code generated from Debian's onnx.proto.
 *
 * Supported ops: Gemm (transA, transB, alpha, beta), MatMul, Add, Sub, Mul,
 * Div (with one constant operand), Relu, LeakyRelu, Sigmoid, Tanh, Flatten,
 * Reshape, Identity, Dropout (inference: identity), Constant, Squeeze,
 * Unsqueeze. Nodes may come in any order; together they must form a single
 * chain from the one graph input to the one graph output, every other node
 * input being a constant (initializer, Constant node, or a shape op on
 * constants). Data is treated as one flat vector (batch size 1); MatMul and
 * Gemm require the data to be a vector in their contracted dimension.
 *
 * Weights keep their exact values (float32 widened to double). Elementwise
 * constants become NET_ADD/MUL/DIV layers, and net_fold() merges them into
 * affine layers where that is exact.
 */
#ifndef NC_ONNX_H
#define NC_ONNX_H

#include "core/err.h"
#include "core/net.h"

/* Loads path into a validated net (caller frees). NC_EINPUT naming the file
 * and node on: unreadable, truncated or non-ONNX data, unsupported ops (all
 * named at once), a graph that is not a chain, shape mismatches, NaN/Inf
 * weights. */
nc_status onnx_load(const char *path, net **out, nc_err *e);

#endif
