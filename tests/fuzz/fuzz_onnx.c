/* libFuzzer harness: the ONNX loader must reject or accept any bytes
 * without crashing, leaking or reading out of bounds. */
#include "core/net.h"
#include "io/onnx.h"
#include "fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    net *n = NULL;
    nc_err e;
    if (onnx_load(fuzz_file(data, size, ".onnx"), &n, &e) == NC_OK) net_free(n);
    return 0;
}
