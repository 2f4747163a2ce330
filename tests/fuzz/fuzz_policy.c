/* libFuzzer harness: the gate policy parser on arbitrary text. */
#include "app/policy.h"
#include "fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    policy *p = NULL;
    nc_err e;
    if (policy_load(fuzz_file(data, size, ".yaml"), &p, &e) == NC_OK) policy_free(p);
    return 0;
}
