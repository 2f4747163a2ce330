#include "io/netfile.h"

#include <string.h>
#include <strings.h>

#include "io/nnet.h"
#include "io/onnx.h"

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcasecmp(s + n - m, suf) == 0;
}

nc_status netfile_load(const char *path, net **out, nc_err *e)
{
    if (ends_with(path, ".onnx")) return onnx_load(path, out, e);
    if (ends_with(path, ".nnet")) return nnet_load(path, out, NULL, e);
    *out = NULL;
    return err_set(e, NC_EINPUT, "%s: unknown network format (expected a .onnx or .nnet file)",
                   path);
}
