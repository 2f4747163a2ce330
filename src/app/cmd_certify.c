/* nncert certify: certified robust accuracy on a labelled data set. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/certify.h"
#include "app/cli.h"
#include "app/commands.h"
#include "io/dataset.h"
#include "io/netfile.h"

static const char *CERTIFY_USAGE =
    "usage: nncert certify NET --data FILE --eps E1[,E2...] [--norm linf]\n"
    "                      [--mean M[,M2...]] [--std S[,S2...]] [--clip LO,HI] [--limit N]\n"
    "                      [--timeout S] [--seed N] [--jobs N] [--max-memory SIZE]\n"
    "                      [--out ROWS.csv] [--cex-dir DIR] [--json]\n";

static void on_interrupt(int sig)
{
    (void)sig;
    certify_stop();
}

int cmd_certify(int argc, char **argv)
{
    static const struct option longs[] = {
        { "data", required_argument, 0, 'd' },     { "eps", required_argument, 0, 'e' },
        { "norm", required_argument, 0, 'n' },     { "mean", required_argument, 0, 'm' },
        { "std", required_argument, 0, 's' },      { "clip", required_argument, 0, 'c' },
        { "limit", required_argument, 0, 'l' },    { "timeout", required_argument, 0, 't' },
        { "seed", required_argument, 0, 'S' },     { "jobs", required_argument, 0, 'J' },
        { "max-memory", required_argument, 0, 'M' }, { "out", required_argument, 0, 'o' },
        { "cex-dir", required_argument, 0, 'x' },  { "json", no_argument, 0, 'j' },
        { "alpha-iters", required_argument, 0, 'a' }, { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    const char *data = NULL, *eps_s = NULL, *mean_s = NULL, *std_s = NULL, *clip_s = NULL;
    certify_opts o;
    memset(&o, 0, sizeof o);
    verify_opts_init(&o.vo);
    o.vo.timeout = 10;
    o.cex_dir = "certify-cex";
    o.space.clip_lo = -INFINITY, o.space.clip_hi = INFINITY;
    int json = 0;
    long limit = 0, v;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'e': eps_s = optarg; break;
        case 'm': mean_s = optarg; break;
        case 's': std_s = optarg; break;
        case 'c': clip_s = optarg; break;
        case 'o': o.out_csv = optarg; break;
        case 'x': o.cex_dir = optarg; break;
        case 'j': json = 1; break;
        case 'n':
            if (strcmp(optarg, "linf"))
                return cli_usage_error("available norms: linf; unknown norm ", optarg);
            break;
        case 'l':
            if (cli_parse_int(optarg, 1, 100000000, &limit))
                return cli_usage_error("--limit needs a positive integer, got ", optarg);
            break;
        case 't':
            if (cli_parse_double(optarg, &o.vo.timeout) || o.vo.timeout < 0)
                return cli_usage_error("--timeout needs a number of seconds >= 0, got ", optarg);
            break;
        case 'S':
            if (cli_parse_int(optarg, 0, 2147483647, &v))
                return cli_usage_error("--seed needs an integer, got ", optarg);
            o.vo.seed = (uint64_t)v;
            break;
        case 'J':
            if (cli_parse_int(optarg, 1, 256, &v))
                return cli_usage_error("--jobs needs an integer 1..256, got ", optarg);
            o.vo.jobs = (int)v;
            break;
        case 'a':
            if (cli_parse_int(optarg, 0, 100000, &v))
                return cli_usage_error("--alpha-iters needs an integer 0..100000, got ", optarg);
            o.vo.alpha_iters = (int)v;
            break;
        case 'M':
            if (cli_parse_size(optarg, &o.vo.max_memory))
                return cli_usage_error("--max-memory needs a size such as 512M or 2G, got ", optarg);
            break;
        case 'h': fputs(CERTIFY_USAGE, stdout); return 0;
        default: return cli_usage_error("unknown or incomplete option ", argv[optind - 1]);
        }
    }
    if (argc - optind != 1) return cli_usage_error("certify needs one NET", NULL);
    if (!data) return cli_usage_error("certify needs --data FILE", NULL);
    if (!eps_s) return cli_usage_error("certify needs --eps E1[,E2...]", NULL);
    double *eps = NULL, *mean = NULL, *sd = NULL, *clip = NULL;
    int n_eps = 0, n_clip = 0, code = EXIT_ERROR;
    if (cli_parse_list(eps_s, &eps, &n_eps)) return cli_usage_error("--eps needs numbers such as 0.01,0.02, got ", eps_s);
    for (int k = 0; k < n_eps; k++)
        if (eps[k] < 0) {
            free(eps);
            return cli_usage_error("--eps values must be >= 0, got ", eps_s);
        }
    if (clip_s && (cli_parse_list(clip_s, &clip, &n_clip) || n_clip != 2 || !(clip[0] < clip[1]))) {
        free(eps), free(clip);
        return cli_usage_error("--clip needs LO,HI with LO < HI, got ", clip_s);
    }
    nc_err e;
    err_clear(&e);
    net *n = NULL;
    dataset d = { 0 };
    certify_summary s = { 0 };
    if (netfile_load(argv[optind], &n, &e) || dataset_load(data, n->in_dim, &d, &e)) {
        code = cli_fail(&e);
        goto done;
    }
    if ((mean_s && !(mean = cli_expand_list(mean_s, n->in_dim))) ||
        (std_s && !(sd = cli_expand_list(std_s, n->in_dim)))) {
        fprintf(stderr, "nncert: --mean and --std need 1 or %d numbers (one per input)\n", n->in_dim);
        goto done;
    }
    for (int i = 0; sd && i < n->in_dim; i++)
        if (!(sd[i] > 0)) {
            code = cli_usage_error("--std values must be > 0, got ", std_s);
            goto done;
        }
    if (limit > 0 && limit < d.n) d.n = (int)limit;
    o.eps = eps, o.n_eps = n_eps;
    o.space.n_in = n->in_dim, o.space.n_out = n->out_dim;
    o.space.mean = mean, o.space.std = sd;
    if (clip) o.space.clip_lo = clip[0], o.space.clip_hi = clip[1];
    o.data_path = data;
    o.progress = 1;
    fprintf(stderr, "certify %s on %s: %d samples, %d radii, norm linf, timeout %g s per sample and radius\n",
            argv[optind], data, d.n, n_eps, o.vo.timeout);
    /* the first SIGINT/SIGTERM stops after the sample in progress, with the
     * summary of what was done; a second one ends the process at once */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (certify_run(n, &d, &o, &s, &e)) {
        code = e.code == NC_EUSAGE ? cli_usage_error(e.msg, NULL) : cli_fail(&e);
        goto done;
    }
    if (json) certify_print_json(stdout, &s);
    else certify_print(stdout, &s);
    if (s.cex_saved && !json) printf("counterexamples: %d files in %s/\n", s.cex_saved, o.cex_dir);
    code = s.interrupted ? EXIT_UNKNOWN : 0;
done:
    certify_summary_free(&s);
    dataset_free(&d);
    net_free(n);
    free(eps), free(mean), free(sd), free(clip);
    return code;
}
