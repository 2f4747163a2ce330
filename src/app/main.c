/* nncert command line: verify, bounds, info; suite, certify and gate live
 * in cmd_suite.c, cmd_certify.c and cmd_gate.c.
 * Exit codes: 0 holds, 1 violated, 2 unknown/timeout, 3 input or usage error. */
#include <fcntl.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/blas_cpu.h"
#include "app/cli.h"
#include "app/commands.h"
#include "app/report.h"
#include "core/bounds.h"
#include "domains/crown.h"
#include "io/netfile.h"
#include "io/vnnlib.h"
#include "verify/analyse.h"
#include "verify/driver.h"
#include "app/reach_out.h"

static const char *USAGE =
    "usage: nncert <command> [options]\n"
    "\n"
    "commands:\n"
    "  verify NET PROP [--method auto|star|bab|bab-relu|milp|smt] [--timeout S] [--seed N] [--jobs N] [--max-memory SIZE]\n"
    "                  [--alpha-iters N] [--json] [--results-file F]\n"
    "                  [--reach-out FILE.jsonl] [--reach-plot FILE.svg] [--plot-dims I,J]  (with star)\n"
    "                        decide a VNNLIB property: holds / violated / unknown\n"
    "  bounds NET PROP [--domain interval|zonotope|crown|alpha-crown|star] [--alpha-iters N] [--spec] [--json]\n"
    "                        print sound bounds of the outputs (and property rows)\n"
    "  info NET              layers, shapes, parameter count\n"
    "  suite INSTANCES.csv [--expected CSV] [--jobs N] [--out RESULTS.csv] [--report FILE.html]\n"
    "                        run a VNN-COMP suite, resumable, with a summary (suite --help)\n"
    "  suite --compare A.csv B.csv\n"
    "                        where two result files differ\n"
    "  certify NET --data FILE --eps E1[,E2...] [--clip LO,HI] [--mean M --std S]\n"
    "                        certified robust accuracy on a data set (certify --help)\n"
    "  gate POLICY.yaml [--junit OUT.xml] [--json OUT.json] [--baseline PREVIOUS.json]\n"
    "                        run a release policy for CI (gate --help)\n"
    "\n"
    "NET is a .onnx or .nnet file. Exit codes: 0 holds, 1 violated,\n"
    "2 unknown or timeout, 3 error in the input or usage.\n";

typedef struct {
    double timeout;
    unsigned long long seed;
    int json, spec, alpha_iters, jobs;
    double max_memory;   /* bytes; 0 = default */
    const char *results_file, *domain, *method;
    const char *reach_out, *reach_plot;
    int plot_x, plot_y;
} cli_opts;

/* Parses options after the command; positional arguments are left in
 * argv[optind..]. Returns -1 (and prints) on a usage error. */
static int parse_opts(int argc, char **argv, cli_opts *o)
{
    static const struct option longs[] = {
        { "timeout", required_argument, 0, 't' }, { "seed", required_argument, 0, 's' },
        { "json", no_argument, 0, 'j' },          { "results-file", required_argument, 0, 'r' },
        { "domain", required_argument, 0, 'd' },  { "method", required_argument, 0, 'm' },
        { "spec", no_argument, 0, 'p' },          { "help", no_argument, 0, 'h' },
        { "alpha-iters", required_argument, 0, 'a' },
        { "jobs", required_argument, 0, 'J' },
        { "max-memory", required_argument, 0, 'M' },
        { "reach-out", required_argument, 0, 'O' },
        { "reach-plot", required_argument, 0, 'P' },
        { "plot-dims", required_argument, 0, 'D' },
        { 0, 0, 0, 0 }
    };
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->domain = "interval";
    o->method = "auto";
    o->alpha_iters = -1;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->jobs = cores < 1 ? 1 : cores > 256 ? 256 : (int)cores;
    o->plot_x = 0, o->plot_y = 1;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 't':
            if (cli_parse_double(optarg, &o->timeout) || o->timeout < 0)
                return cli_usage_error("--timeout needs a number of seconds >= 0, got ", optarg), -1;
            break;
        case 's': {
            char *end;
            o->seed = strtoull(optarg, &end, 10);
            if (!*optarg || *end) return cli_usage_error("--seed needs an integer, got ", optarg), -1;
            break;
        }
        case 'j': o->json = 1; break;
        case 'M':
            if (cli_parse_size(optarg, &o->max_memory))
                return cli_usage_error("--max-memory needs a size such as 512M or 2G, got ", optarg), -1;
            break;
        case 'J': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > 256)
                return cli_usage_error("--jobs needs an integer 1..256, got ", optarg), -1;
            o->jobs = (int)v;
            break;
        }
        case 'a': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 0 || v > 100000)
                return cli_usage_error("--alpha-iters needs an integer 0..100000, got ", optarg), -1;
            o->alpha_iters = (int)v;
            break;
        }
        case 'O': o->reach_out = optarg; break;
        case 'P': o->reach_plot = optarg; break;
        case 'D': {
            char *end, *end2;
            long a = strtol(optarg, &end, 10), b = *end == ',' ? strtol(end + 1, &end2, 10) : -1;
            if (end == optarg || *end != ',' || end2 == end + 1 || *end2 || a < 0 || b < 0 || a == b ||
                a > 1000000 || b > 1000000)
                return cli_usage_error("--plot-dims needs two different output indices I,J, got ", optarg), -1;
            o->plot_x = (int)a, o->plot_y = (int)b;
            break;
        }
        case 'p': o->spec = 1; break;
        case 'r': o->results_file = optarg; break;
        case 'd': o->domain = optarg; break;
        case 'm': o->method = optarg; break;
        case 'h': fputs(USAGE, stdout); exit(0);
        default:
            return cli_usage_error("unknown or incomplete option ", argv[optind - 1]), -1;
        }
    }
    return 0;
}

static int load_both(const char *np, const char *pp, net **n, prop **p, nc_err *e)
{
    *n = NULL;
    *p = NULL;
    if (netfile_load(np, n, e) || vnnlib_load(pp, p, e) || verify_check_dims(*n, *p, np, pp, e)) {
        net_free(*n), prop_free(*p);
        *n = NULL, *p = NULL;
        return -1;
    }
    return 0;
}

/* SIGINT/SIGTERM during verify: the answer is unknown; say so, write the
 * results file, and leave (async-signal-safe calls only). A second signal
 * is not waited for. */
static char interrupted_results[4096];

static void on_interrupt(int sig)
{
    (void)sig;
    static const char msg[] = "unknown (interrupted)\n";
    if (write(1, msg, sizeof msg - 1) < 0) { /* nothing more to do */ }
    if (interrupted_results[0]) {
        int fd = open(interrupted_results, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            if (write(fd, "unknown\n", 8) < 0) { /* nothing more to do */ }
            close(fd);
        }
    }
    _exit(EXIT_UNKNOWN);
}

static void catch_interrupts(const char *results_file)
{
    snprintf(interrupted_results, sizeof interrupted_results, "%s", results_file ? results_file : "");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int cmd_verify(int argc, char **argv)
{
    cli_opts o;
    if (parse_opts(argc, argv, &o)) return EXIT_ERROR;
    if (argc - optind != 2) return cli_usage_error("verify needs NET and PROP", NULL);
    verify_method method;
    if (verify_method_parse(o.method, &method))
        return cli_usage_error("available methods: auto, star, bab, bab-relu, milp, smt; unknown method ", o.method);
    nc_err e;
    err_clear(&e);
    net *n;
    prop *p;
    if (load_both(argv[optind], argv[optind + 1], &n, &p, &e)) {
        if (o.results_file) report_results_error(o.results_file);
        return cli_fail(&e);
    }
    verify_opts vo;
    verify_opts_init(&vo);
    vo.timeout = o.timeout;
    vo.seed = o.seed;
    if (o.alpha_iters >= 0) vo.alpha_iters = o.alpha_iters;
    vo.jobs = o.jobs;
    vo.method = method;
    if (o.max_memory > 0) vo.max_memory = o.max_memory;
    reach_out *ro = NULL;
    if (o.reach_out || o.reach_plot) {
        if (method != VERIFY_STAR) {
            net_free(n), prop_free(p);
            return cli_usage_error("--reach-out and --reach-plot need --method star", NULL);
        }
        if (!(ro = reach_out_open(o.reach_out, o.reach_plot, o.plot_x, o.plot_y, p, &e))) {
            net_free(n), prop_free(p);
            return e.code == NC_EUSAGE ? cli_usage_error(e.msg, NULL) : cli_fail(&e);
        }
        vo.on_piece = reach_out_piece;
        vo.piece_ctx = ro;
    }
    verify_result r;
    int code = EXIT_ERROR;
    catch_interrupts(o.results_file);
    nc_status vs = verify_property(n, p, &vo, &r, &e);
    nc_err re;
    err_clear(&re);
    if (reach_out_close(ro, &re) && !vs) {
        verify_result_free(&r);
        vs = re.code;
        e = re;
    }
    if (vs) {
        if (o.results_file) report_results_error(o.results_file);
        cli_fail(&e);
    } else {
        if (o.json) report_verify_json(stdout, &r);
        else report_verify_text(stdout, &r);
        if (o.results_file && report_results_file(o.results_file, &r))
            fprintf(stderr, "nncert: cannot write results file %s\n", o.results_file);
        code = r.v == VERDICT_HOLDS ? EXIT_HOLDS : r.v == VERDICT_VIOLATED ? EXIT_VIOLATED
                                                                           : EXIT_UNKNOWN;
        verify_result_free(&r);
    }
    net_free(n);
    prop_free(p);
    return code;
}

/* Bounds of the outputs over the hull of all cases, and of each row (case
 * by case, disjunct by disjunct), by one domain, pure. */
static int cmd_bounds(int argc, char **argv)
{
    cli_opts o;
    if (parse_opts(argc, argv, &o)) return EXIT_ERROR;
    if (argc - optind != 2) return cli_usage_error("bounds needs NET and PROP", NULL);
    domain_kind dom;
    if (domain_parse(o.domain, &dom))
        return cli_usage_error("available domains: interval, zonotope, crown, alpha-crown, star; unknown domain ",
                           o.domain);
    nc_err e;
    err_clear(&e);
    net *n;
    prop *p;
    if (load_both(argv[optind], argv[optind + 1], &n, &p, &e)) return cli_fail(&e);
    analyse_opts ao;
    analyse_opts_init(&ao);
    if (o.alpha_iters >= 0) ao.alpha_iters = o.alpha_iters;
    int no = n->out_dim, nr = prop_total_rows(p), ri = 0, code = EXIT_HOLDS;
    double *lo = err_calloc(&e, (size_t)no, sizeof *lo), *hi = err_calloc(&e, (size_t)no, sizeof *hi);
    double *yl = err_calloc(&e, (size_t)no, sizeof *yl), *yu = err_calloc(&e, (size_t)no, sizeof *yu);
    double *rlo = err_calloc(&e, (size_t)nr + 1, sizeof *rlo);
    double *rhi = err_calloc(&e, (size_t)nr + 1, sizeof *rhi);
    bounds *b = bounds_new(n, &e);
    if (!lo || !hi || !yl || !yu || !rlo || !rhi || !b) {
        code = cli_fail(&e);
        goto done;
    }
    for (int k = 0; k < p->n_cases; k++) {
        const prop_case *pc = &p->cases[k];
        if (analyse_case(n, pc, dom, &ao, b, yl, yu, rlo + ri, rhi + ri, &e)) {
            code = e.code == NC_EUSAGE ? cli_usage_error(e.msg, NULL) : cli_fail(&e);
            goto done;
        }
        for (int i = 0; i < no; i++) {
            lo[i] = k == 0 || yl[i] < lo[i] ? yl[i] : lo[i];
            hi[i] = k == 0 || yu[i] > hi[i] ? yu[i] : hi[i];
        }
        for (int d = 0; d < pc->n_disj; d++) ri += pc->disj[d].n_rows;
    }
    if (o.json) report_bounds_json(stdout, o.domain, no, lo, hi, nr, o.spec ? rlo : NULL, rhi);
    else report_bounds_text(stdout, o.domain, no, lo, hi, o.spec ? nr : 0, rlo, rhi);
done:
    bounds_free(b);
    free(lo), free(hi), free(yl), free(yu), free(rlo), free(rhi);
    net_free(n);
    prop_free(p);
    return code;
}

static int cmd_info(int argc, char **argv)
{
    cli_opts o;
    if (parse_opts(argc, argv, &o)) return EXIT_ERROR;
    if (argc - optind != 1) return cli_usage_error("info needs NET", NULL);
    nc_err e;
    err_clear(&e);
    net *n;
    if (netfile_load(argv[optind], &n, &e)) return cli_fail(&e);
    report_info(stdout, argv[optind], n);
    net_free(n);
    return 0;
}

int main(int argc, char **argv)
{
    blas_cpu_select(argv);
    if (!getenv("OPENBLAS_NUM_THREADS")) crown_set_blas_threads(1);
#ifdef __GLIBC__
    /* the searches allocate and free stars, boxes and LP problems at a high
     * rate: keep freed memory in the process instead of handing it back to
     * the system and faulting it in again (about 7% of an ACAS Xu run) */
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
    if (argc < 2) return cli_usage_error("missing command", NULL);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (!strcmp(cmd, "verify")) return cmd_verify(argc - 1, argv + 1);
    if (!strcmp(cmd, "bounds")) return cmd_bounds(argc - 1, argv + 1);
    if (!strcmp(cmd, "info")) return cmd_info(argc - 1, argv + 1);
    if (!strcmp(cmd, "suite")) return cmd_suite(argc - 1, argv + 1);
    if (!strcmp(cmd, "certify")) return cmd_certify(argc - 1, argv + 1);
    if (!strcmp(cmd, "gate")) return cmd_gate(argc - 1, argv + 1);
    return cli_usage_error("unknown command ", cmd);
}
