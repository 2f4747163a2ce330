/* libFuzzer harness: the NNet loader on arbitrary text. */
#include "core/net.h"
#include "io/nnet.h"
#include "fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    net *n = NULL;
    nc_err e;
    if (nnet_load(fuzz_file(data, size, ".nnet"), &n, NULL, &e) == NC_OK) net_free(n);
    return 0;
}
