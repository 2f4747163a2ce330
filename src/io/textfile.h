/* textfile: reads a whole file into memory for the text loaders (NNet,
 * VNNLIB), with one-line errors naming the path. */
#ifndef NC_TEXTFILE_H
#define NC_TEXTFILE_H

#include <stddef.h>

#include "core/err.h"

/* Reads path into a NUL-terminated buffer (caller frees *out); *len gets the
 * byte count. NC_EINPUT when the file is missing, unreadable, a directory, or
 * holds a NUL byte (not text). */
nc_status textfile_read(const char *path, char **out, size_t *len, nc_err *e);

/* Same without the text check, for binary files (ONNX). */
nc_status textfile_read_bytes(const char *path, unsigned char **out, size_t *len, nc_err *e);

#endif
