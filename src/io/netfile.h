/* netfile: loads a network file by its extension (.onnx or .nnet). */
#ifndef NC_NETFILE_H
#define NC_NETFILE_H

#include "core/err.h"
#include "core/net.h"

/* Loads path with the ONNX or NNet loader (chosen by extension, case
 * insensitive). *out is a validated net owned by the caller. */
nc_status netfile_load(const char *path, net **out, nc_err *e);

#endif
