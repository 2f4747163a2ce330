#include "io/textfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

nc_status textfile_read_bytes(const char *path, unsigned char **out, size_t *len, nc_err *e)
{
    *out = NULL;
    *len = 0;
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(e, NC_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) return err_set(e, NC_EINPUT, "%s: is a directory", path);
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(e, NC_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, n = 0;
    unsigned char *buf = err_calloc(e, cap, 1);
    if (!buf) {
        fclose(f);
        return err_prefix(e, "%s: ", path);
    }
    for (;;) {
        if (n + 1 >= cap) {
            unsigned char *p = err_realloc(e, buf, cap * 2, 1);
            if (!p) {
                free(buf);
                fclose(f);
                return err_prefix(e, "%s: ", path);
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return err_set(e, NC_EINPUT, "%s: read error", path);
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return NC_OK;
}

nc_status textfile_read(const char *path, char **out, size_t *len, nc_err *e)
{
    unsigned char *b;
    nc_status s = textfile_read_bytes(path, &b, len, e);
    if (s) return s;
    if (memchr(b, 0, *len)) {
        free(b);
        *out = NULL;
        return err_set(e, NC_EINPUT, "%s: not a text file (contains NUL bytes)", path);
    }
    *out = (char *)b;
    return NC_OK;
}
