#define _GNU_SOURCE
#include "app/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "io/textfile.h"

#define MAX_ARGS 64

/* In the child: never returns. Only async-signal-safe work after fork
 * matters little here (the parent is single-threaded), but stay simple. */
static void child_exec(const runner_opts *o, char **argv, const char *out, const char *err_path,
                       pid_t parent)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    int in = open("/dev/null", O_RDONLY);
    int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || fo < 0 || fe < 0) _exit(127);
    dup2(in, 0), dup2(fo, 1), dup2(fe, 2);
    close(in), close(fo), close(fe);
#ifndef __SANITIZE_ADDRESS__   /* ASan reserves terabytes of shadow address space */
    if (o->mem_limit > 0) {
        struct rlimit rl = { (rlim_t)o->mem_limit, (rlim_t)o->mem_limit };
        setrlimit(RLIMIT_AS, &rl);
    }
#endif
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    execv(argv[0], argv);
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

nc_status runner_start(const runner_opts *o, const char *net, const char *prop, double timeout,
                       const char *cex_path, int id, runner_job *j, nc_err *e)
{
    memset(j, 0, sizeof *j);
    snprintf(j->out_path, sizeof j->out_path, "%s/%d.out", o->workdir, id);
    snprintf(j->err_path, sizeof j->err_path, "%s/%d.err", o->workdir, id);
    snprintf(j->cex_path, sizeof j->cex_path, "%s", cex_path);
    char tbuf[64];
    snprintf(tbuf, sizeof tbuf, "%.17g", timeout);
    char *argv[MAX_ARGS];
    int k = 0;
    argv[k++] = (char *)o->verifier;
    argv[k++] = "verify";
    argv[k++] = (char *)net;
    argv[k++] = (char *)prop;
    argv[k++] = "--timeout";
    argv[k++] = tbuf;
    argv[k++] = "--json";
    argv[k++] = "--results-file";
    argv[k++] = j->cex_path;
    for (int i = 0; o->extra_args && o->extra_args[i]; i++) {
        if (k == MAX_ARGS - 1) return err_set(e, NC_EUSAGE, "too many verifier options");
        argv[k++] = o->extra_args[i];
    }
    argv[k] = NULL;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return err_set(e, NC_EINTERNAL, "cannot start a process: %s", strerror(errno));
    if (pid == 0) child_exec(o, argv, j->out_path, j->err_path, parent);
    setpgid(pid, pid);
    j->pid = pid;
    j->id = id;
    j->start = clock_now();
    double grace = timeout * 0.1 > 2.0 ? timeout * 0.1 : 2.0;
    j->kill_at = j->start + timeout + grace;
    return NC_OK;
}

/* First line of a file, without the "nncert: error: " prefix. */
static void first_line(const char *path, char *buf, size_t cap)
{
    buf[0] = 0;
    char *text;
    size_t len;
    nc_err e;
    if (textfile_read(path, &text, &len, &e)) return;
    char *s = text;
    if (!strncmp(s, "nncert: error: ", 15)) s += 15;
    else if (!strncmp(s, "nncert: ", 8)) s += 8;
    s[strcspn(s, "\n")] = 0;
    snprintf(buf, cap, "%s", s);
    free(text);
}

/* Reads the child's JSON answer into r; -1 when there is none. */
static int read_answer(const char *path, runner_result *r)
{
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    if (!o) return -1;
    const char *res = json_string_value(json_object_get(o, "result"));
    const char *m = json_string_value(json_object_get(o, "method"));
    int ok = res && (!strcmp(res, "holds") || !strcmp(res, "violated") || !strcmp(res, "unknown") ||
                     !strcmp(res, "timeout"));
    if (ok) {
        r->result = !strcmp(res, "holds") ? "holds" : !strcmp(res, "violated") ? "violated"
                  : !strcmp(res, "unknown") ? "unknown" : "timeout";
        snprintf(r->method, sizeof r->method, "%s", m ? m : "");
        json_t *stars = json_object_get(o, "stars"), *lps = json_object_get(o, "lp_calls");
        if (json_is_integer(stars) && json_is_integer(lps))
            snprintf(r->detail, sizeof r->detail, "%lld stars, %lld LPs",
                     (long long)json_integer_value(stars), (long long)json_integer_value(lps));
        /* ReLU branch and bound: what it did, each part when reported */
        json_t *sub = json_object_get(o, "subproblems");
        json_t *rf = json_object_get(o, "refined"), *rs = json_object_get(o, "refine_seconds");
        json_t *ob = json_object_get(o, "open_bound");
        json_t *dj = json_object_get(o, "disjuncts"), *dx = json_object_get(o, "disjuncts_excluded");
        size_t at = 0, cap = sizeof r->detail;
        if (json_is_integer(sub))
            at += (size_t)snprintf(r->detail, cap, "%lld subproblems",
                                   (long long)json_integer_value(sub));
        if (at && at < cap && json_is_integer(rf) && json_is_number(rs))
            at += (size_t)snprintf(r->detail + at, cap - at, ", %lld box ends refined in %.0f s",
                                   (long long)json_integer_value(rf), json_number_value(rs));
        if (at && at < cap && json_is_number(ob))
            at += (size_t)snprintf(r->detail + at, cap - at, ", worst open bound %.3g",
                                   json_number_value(ob));
        if (at && at < cap && json_is_number(ob) && json_is_integer(dj) && json_is_integer(dx))
            snprintf(r->detail + at, cap - at, ", %lld of %lld disjuncts excluded",
                     (long long)json_integer_value(dx), (long long)json_integer_value(dj));
    }
    json_decref(o);
    return ok ? 0 : -1;
}

static void finish(runner_job *j, int status, const struct rusage *ru, runner_result *r)
{
    memset(r, 0, sizeof *r);
    r->seconds = clock_now() - j->start;
    r->peak_mib = (double)ru->ru_maxrss / 1024.0;
    r->result = "error";
    char line[400];
    first_line(j->err_path, line, sizeof line);
    if (j->killed) {
        r->result = "timeout";
        snprintf(r->detail, sizeof r->detail, "killed after %.1f s: did not stop at its timeout",
                 r->seconds);
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        snprintf(r->detail, sizeof r->detail, "crashed: signal %d (%s)%s%s", sig, strsignal(sig),
                 *line ? ": " : "", line);
    } else if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        if (code <= 2 && read_answer(j->out_path, r) == 0) {
            /* the answer is what it says */
        } else if (code == 3) {
            snprintf(r->detail, sizeof r->detail, "%s", *line ? line : "input error");
        } else {
            snprintf(r->detail, sizeof r->detail, "exited with status %d without a result%s%s",
                     code, *line ? ": " : "", line);
        }
    }
    if (strcmp(r->result, "violated") != 0) unlink(j->cex_path);
    unlink(j->out_path);
    unlink(j->err_path);
    j->pid = 0;
}

int runner_poll(runner_job *j, runner_result *r)
{
    if (!j->pid) return 0;
    int status;
    struct rusage ru;
    pid_t got = wait4(j->pid, &status, WNOHANG, &ru);
    if (got == j->pid) {
        finish(j, status, &ru, r);
        return 1;
    }
    if (got < 0 && errno == ECHILD) {   /* reaped elsewhere: count as an error */
        memset(&ru, 0, sizeof ru);
        finish(j, 0x7f00, &ru, r);
        return 1;
    }
    if (!j->killed && clock_now() > j->kill_at) {
        kill(-j->pid, SIGKILL);
        j->killed = 1;
    }
    return 0;
}

void runner_cancel(runner_job *j)
{
    if (!j->pid) return;
    kill(-j->pid, SIGKILL);
    waitpid(j->pid, NULL, 0);
    unlink(j->out_path);
    unlink(j->err_path);
    unlink(j->cex_path);
    j->pid = 0;
}
