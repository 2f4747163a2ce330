/* libFuzzer harness: the VNNLIB parser on arbitrary text. */
#include "core/prop.h"
#include "io/vnnlib.h"
#include "fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    prop *p = NULL;
    nc_err e;
    if (vnnlib_load(fuzz_file(data, size, ".vnnlib"), &p, &e) == NC_OK) prop_free(p);
    return 0;
}
