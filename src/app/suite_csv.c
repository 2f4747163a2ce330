#include "app/suite_csv.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/textfile.h"

#define MAX_FIELDS 16

void suite_table_free(suite_table *t)
{
    for (int i = 0; i < t->n; i++) {
        suite_row *r = &t->rows[i];
        free(r->onnx), free(r->vnnlib), free(r->benchmark), free(r->result);
        free(r->method), free(r->cex), free(r->detail);
    }
    free(t->rows);
    memset(t, 0, sizeof *t);
}

nc_status suite_table_add(suite_table *t, const suite_row *r, nc_err *e)
{
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        suite_row *rows = err_realloc(e, t->rows, (size_t)cap, sizeof *rows);
        if (!rows) return NC_ENOMEM;
        t->rows = rows;
        t->cap = cap;
    }
    suite_row *d = &t->rows[t->n];
    *d = *r;
    d->onnx = err_strdup(e, r->onnx ? r->onnx : "");
    d->vnnlib = err_strdup(e, r->vnnlib ? r->vnnlib : "");
    d->benchmark = err_strdup(e, r->benchmark ? r->benchmark : "");
    d->result = err_strdup(e, r->result ? r->result : "");
    d->method = err_strdup(e, r->method ? r->method : "");
    d->cex = err_strdup(e, r->cex ? r->cex : "");
    d->detail = err_strdup(e, r->detail ? r->detail : "");
    t->n++;   /* counted even on failure so that free releases what was copied */
    if (!d->onnx || !d->vnnlib || !d->benchmark || !d->result || !d->method || !d->cex ||
        !d->detail)
        return NC_ENOMEM;
    return NC_OK;
}

const char *suite_result_norm(const char *s)
{
    static const char *const names[][2] = {
        { "holds", "holds" },     { "unsat", "holds" },     { "violated", "violated" },
        { "sat", "violated" },    { "unknown", "unknown" }, { "timeout", "timeout" },
        { "error", "error" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i][0])) return names[i][1];
    return NULL;
}

/* Splits one line (NUL-terminated, modified in place) into at most
 * MAX_FIELDS fields; "quoted, fields" keep commas and doubled quotes.
 * Returns the field count, or -1 on an unterminated quote. */
static int split_line(char *s, char **f)
{
    int n = 0;
    for (;;) {
        if (n == MAX_FIELDS) return n + 1;
        if (*s == '"') {
            char *w = ++s;
            f[n++] = w;
            for (;;) {
                if (!*s) return -1;
                if (*s == '"') {
                    if (s[1] == '"') *w++ = '"', s += 2;
                    else { s++; break; }
                } else *w++ = *s++;
            }
            *w = 0;
            if (*s && *s != ',') return -1;
        } else {
            f[n++] = s;
            s += strcspn(s, ",");
        }
        if (!*s) return n;
        *s++ = 0;
    }
}

/* Trims surrounding spaces and a trailing CR in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = 0;
    return s;
}

typedef nc_status (*line_fn)(const char *path, int line, int nf, char **f, suite_table *t,
                             nc_err *e);

/* Calls fn for each complete non-blank line; `complete_only` ignores a last
 * line without a newline. */
static nc_status each_line(const char *path, int complete_only, line_fn fn, suite_table *t,
                           nc_err *e)
{
    char *buf;
    size_t len;
    if (textfile_read(path, &buf, &len, e)) return NC_EINPUT;
    nc_status st = NC_OK;
    char *p = buf;
    for (int line = 1; *p && !st; line++) {
        char *nl = strchr(p, '\n');
        if (!nl && complete_only) break;
        if (nl) *nl = 0;
        char *s = trim(p);
        p = nl ? nl + 1 : p + strlen(p);
        if (!*s || *s == '#') continue;
        char *f[MAX_FIELDS + 1];
        int nf = split_line(s, f);
        if (nf < 0) {
            st = err_set(e, NC_EINPUT, "%s:%d: unterminated quoted field", path, line);
            break;
        }
        if (nf > MAX_FIELDS) {
            st = err_set(e, NC_EINPUT, "%s:%d: more than %d fields", path, line, MAX_FIELDS);
            break;
        }
        for (int i = 0; i < nf; i++) f[i] = trim(f[i]);
        st = fn(path, line, nf, f, t, e);
    }
    free(buf);
    return st;
}

static int parse_num(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    return *s && !*end && isfinite(*v);
}

static nc_status instance_line(const char *path, int line, int nf, char **f, suite_table *t,
                               nc_err *e)
{
    if (nf != 3)
        return err_set(e, NC_EINPUT, "%s:%d: expected onnx,vnnlib,timeout, got %d field%s", path,
                       line, nf, nf == 1 ? "" : "s");
    suite_row r = { .onnx = f[0], .vnnlib = f[1] };
    if (!*f[0] || !*f[1]) return err_set(e, NC_EINPUT, "%s:%d: empty file name", path, line);
    if (!parse_num(f[2], &r.timeout) || r.timeout <= 0)
        return err_set(e, NC_EINPUT, "%s:%d: timeout must be a number of seconds > 0, got '%s'",
                       path, line, f[2]);
    return suite_table_add(t, &r, e);
}

nc_status suite_read_instances(const char *path, suite_table *t, nc_err *e)
{
    if (each_line(path, 0, instance_line, t, e)) return e->code;
    if (!t->n) return err_set(e, NC_EINPUT, "%s: no instances", path);
    return NC_OK;
}

static nc_status expected_line(const char *path, int line, int nf, char **f, suite_table *t,
                               nc_err *e)
{
    if (nf < 3) return err_set(e, NC_EINPUT, "%s:%d: expected onnx,vnnlib,expected[,note]", path, line);
    if (!strcmp(f[0], "onnx") && !strcmp(f[1], "vnnlib")) return NC_OK;   /* header */
    const char *res = suite_result_norm(f[2]);
    if (!res)
        return err_set(e, NC_EINPUT, "%s:%d: unknown expected answer '%s' (sat, unsat, unknown)",
                       path, line, f[2]);
    suite_row r = { .onnx = f[0], .vnnlib = f[1], .result = (char *)res };
    return suite_table_add(t, &r, e);
}

nc_status suite_read_expected(const char *path, suite_table *t, nc_err *e)
{
    return each_line(path, 0, expected_line, t, e);
}

static nc_status results_line(const char *path, int line, int nf, char **f, suite_table *t,
                              nc_err *e)
{
    if (!strcmp(f[0], "onnx") || !strcmp(f[0], "benchmark")) return NC_OK;   /* header */
    suite_row r = { 0 };
    const char *res;
    if (nf == 8) {   /* nncert */
        r.onnx = f[0], r.vnnlib = f[1], r.method = f[4], r.cex = f[5], r.detail = f[7];
        res = f[2];
        if (!parse_num(f[3], &r.seconds))
            return err_set(e, NC_EINPUT, "%s:%d: seconds must be a number, got '%s'", path, line, f[3]);
        if (*f[6] && !parse_num(f[6], &r.peak_mib))
            return err_set(e, NC_EINPUT, "%s:%d: peak_mib must be a number, got '%s'", path, line, f[6]);
    } else if (nf == 6) {   /* VNN-COMP: benchmark,onnx,vnnlib,prepare,result,run */
        r.benchmark = f[0], r.onnx = f[1], r.vnnlib = f[2];
        res = f[4];
        if (!parse_num(f[5], &r.seconds))
            return err_set(e, NC_EINPUT, "%s:%d: run time must be a number, got '%s'", path, line, f[5]);
    } else {
        return err_set(e, NC_EINPUT,
                       "%s:%d: %d fields; expected nncert's %s or VNN-COMP's "
                       "benchmark,onnx,vnnlib,prepare,result,time",
                       path, line, nf, RESULTS_HEADER);
    }
    r.result = (char *)suite_result_norm(res);
    if (!r.result) r.result = (char *)(strstr(res, "error") ? "error" : NULL);
    if (!r.result)
        return err_set(e, NC_EINPUT, "%s:%d: unknown result '%s'", path, line, res);
    return suite_table_add(t, &r, e);
}

nc_status suite_read_results(const char *path, suite_table *t, nc_err *e)
{
    if (access(path, F_OK) != 0 && errno == ENOENT) return NC_OK;
    return each_line(path, 1, results_line, t, e);
}

nc_status suite_csv_repair(const char *path, nc_err *e)
{
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) return err_set(e, NC_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    nc_status rc = NC_OK;
    if (fstat(fd, &st)) {
        rc = err_set(e, NC_EINPUT, "%s: %s", path, strerror(errno));
    } else if (st.st_size == 0) {
        const char h[] = RESULTS_HEADER "\n";
        if (write(fd, h, sizeof h - 1) != (ssize_t)(sizeof h - 1) || fsync(fd))
            rc = err_set(e, NC_EINPUT, "%s: cannot write: %s", path, strerror(errno));
    } else {
        /* Header check, then find the end of the last complete line. */
        char head[sizeof RESULTS_HEADER + 1] = { 0 };
        ssize_t got = pread(fd, head, sizeof head - 1, 0);
        if (got < (ssize_t)sizeof RESULTS_HEADER || memcmp(head, RESULTS_HEADER "\n", sizeof RESULTS_HEADER))
            rc = err_set(e, NC_EINPUT, "%s: not an nncert results file (first line must be %s)",
                         path, RESULTS_HEADER);
        off_t end = st.st_size;
        char c;
        while (!rc && end > 0 && pread(fd, &c, 1, end - 1) == 1 && c != '\n') end--;
        if (!rc && end != st.st_size && ftruncate(fd, end))
            rc = err_set(e, NC_EINPUT, "%s: cannot cut off the incomplete last line: %s", path,
                         strerror(errno));
    }
    close(fd);
    return rc;
}

/* Writes field s to f quoted when it holds a comma, quote or line break. */
static void put_field(FILE *f, const char *s)
{
    if (!s) s = "";
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc('"', f);
}

nc_status suite_csv_append(const char *path, const suite_row *r, nc_err *e)
{
    char *line = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&line, &len);
    if (!m) return err_set(e, NC_ENOMEM, "out of memory");
    put_field(m, r->onnx), fputc(',', m);
    put_field(m, r->vnnlib), fputc(',', m);
    put_field(m, r->result), fprintf(m, ",%.3f,", r->seconds);
    put_field(m, r->method), fputc(',', m);
    put_field(m, r->cex), fputc(',', m);
    if (r->peak_mib > 0) fprintf(m, "%.1f", r->peak_mib);
    fputc(',', m);
    put_field(m, r->detail), fputc('\n', m);
    fclose(m);
    nc_status rc = NC_OK;
    int fd = open(path, O_WRONLY | O_APPEND);
    if (fd < 0 || write(fd, line, len) != (ssize_t)len || fsync(fd))
        rc = err_set(e, NC_EINPUT, "%s: cannot append a result: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    free(line);
    return rc;
}

/* Number of trailing path components a and b share (a ".gz" suffix and
 * "." components ignored); 0 when even the file names differ. */
static int common_tail(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > 3 && !strcmp(a + na - 3, ".gz")) na -= 3;
    if (nb > 3 && !strcmp(b + nb - 3, ".gz")) nb -= 3;
    int k = 0;
    for (;;) {
        size_t sa = na, sb = nb;   /* start of the last component */
        while (sa > 0 && a[sa - 1] != '/') sa--;
        while (sb > 0 && b[sb - 1] != '/') sb--;
        if (na - sa != nb - sb || memcmp(a + sa, b + sb, na - sa) || na == sa) return k;
        if (!(na - sa == 1 && a[sa] == '.')) k++;
        if (sa == 0 || sb == 0) return k;
        na = sa - 1, nb = sb - 1;
    }
}

int suite_find(const suite_table *t, const char *onnx, const char *vnnlib, int by_name)
{
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->rows[i].onnx, onnx) && !strcmp(t->rows[i].vnnlib, vnnlib)) return i;
    if (!by_name) return -1;
    /* the row sharing the longest path tails, file names at least */
    int best = -1, best_score = 0;
    for (int i = 0; i < t->n; i++) {
        int so = common_tail(t->rows[i].onnx, onnx), sv = common_tail(t->rows[i].vnnlib, vnnlib);
        if (so && sv && so + sv > best_score) best = i, best_score = so + sv;
    }
    return best;
}
