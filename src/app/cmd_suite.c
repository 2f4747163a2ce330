/* nncert suite: run a VNN-COMP style suite, or compare two result files. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli.h"
#include "app/commands.h"
#include "app/report_html.h"
#include "app/suite.h"
#include "app/suite_compare.h"
#include "app/suite_summary.h"
#include "verify/driver.h"

#define MAX_EXTRA 16

static int compare_files(const char *fa, const char *fb, const char *expected, const char *report,
                         const char *plot)
{
    nc_err e;
    err_clear(&e);
    suite_table a = { 0 }, b = { 0 }, exp = { 0 };
    int code = EXIT_ERROR;
    if (suite_read_results(fa, &a, &e) || suite_read_results(fb, &b, &e) ||
        (expected && suite_read_expected(expected, &exp, &e))) {
        cli_fail(&e);
        goto done;
    }
    if (!a.n || !b.n) {
        fprintf(stderr, "nncert: error: %s: no results\n", a.n ? fb : fa);
        goto done;
    }
    int bad = suite_compare(stdout, fa, &a, fb, &b, expected ? &exp : NULL);
    report_run runs[2] = { { fa, &a }, { fb, &b } };
    if (report && report_html_write(report, "comparison", runs, 2, expected ? &exp : NULL, &e)) {
        cli_fail(&e);
        goto done;
    }
    if (plot && report_svg_write(plot, "instances decided against time", runs, 2, &e)) {
        cli_fail(&e);
        goto done;
    }
    code = bad ? 1 : 0;
done:
    suite_table_free(&a), suite_table_free(&b), suite_table_free(&exp);
    return code;
}

int cmd_suite(int argc, char **argv)
{
    static const struct option longs[] = {
        { "root", required_argument, 0, 'R' },         { "expected", required_argument, 0, 'E' },
        { "jobs", required_argument, 0, 'J' },         { "out", required_argument, 0, 'o' },
        { "timeout-scale", required_argument, 0, 'k' }, { "timeout", required_argument, 0, 't' },
        { "report", required_argument, 0, 'r' },       { "plot", required_argument, 0, 'P' },
        { "verifier", required_argument, 0, 'v' },     { "compare", no_argument, 0, 'c' },
        { "seed", required_argument, 0, 's' },         { "alpha-iters", required_argument, 0, 'a' },
        { "instance-jobs", required_argument, 0, 'i' }, { "max-memory", required_argument, 0, 'M' },
        { "method", required_argument, 0, 'm' },
        { "help", no_argument, 0, 'h' },               { 0, 0, 0, 0 }
    };
    suite_opts o;
    memset(&o, 0, sizeof o);
    o.out = "results.csv";
    o.jobs = 1;
    o.timeout_scale = 1;
    int compare = 0, instance_jobs = 0;
    const char *plot = NULL;
    double max_memory = 0;
    char *extra[MAX_EXTRA + 1] = { 0 };
    int ne = 0;
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len > 0) self[len] = 0;
    else snprintf(self, sizeof self, "%s", "nncert");
    o.verifier = self;
    optind = 1;
    opterr = 0;
    int c;
    long v;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'R': o.root = optarg; break;
        case 'E': o.expected = optarg; break;
        case 'o': o.out = optarg; break;
        case 'r': o.report = optarg; break;
        case 'P': plot = optarg; break;
        case 'v': o.verifier = optarg; break;
        case 'c': compare = 1; break;
        case 'J':
            if (cli_parse_int(optarg, 1, 256, &v))
                return cli_usage_error("--jobs needs an integer 1..256, got ", optarg);
            o.jobs = (int)v;
            break;
        case 'k':
            if (cli_parse_double(optarg, &o.timeout_scale) || !(o.timeout_scale > 0))
                return cli_usage_error("--timeout-scale needs a number > 0, got ", optarg);
            break;
        case 't':
            if (cli_parse_double(optarg, &o.timeout) || !(o.timeout > 0))
                return cli_usage_error("--timeout needs a number of seconds > 0, got ", optarg);
            break;
        case 'M':
            if (cli_parse_size(optarg, &max_memory))
                return cli_usage_error("--max-memory needs a size such as 512M or 2G, got ", optarg);
            break;
        case 's': case 'a': case 'i': case 'm':
            if (ne + 4 > MAX_EXTRA) return cli_usage_error("too many options", NULL);
            instance_jobs = instance_jobs || c == 'i';
            extra[ne++] = c == 's' ? "--seed" : c == 'a' ? "--alpha-iters" : c == 'm' ? "--method" : "--jobs";
            extra[ne++] = optarg;
            break;
        case 'h':
            printf("usage: nncert suite INSTANCES.csv [--root DIR] [--expected CSV] [--jobs N]\n"
                   "                    [--out RESULTS.csv] [--timeout-scale K | --timeout S]\n"
                   "                    [--report FILE.html] [--plot FILE.svg] [--max-memory SIZE]\n"
                   "                    [--instance-jobs N] [--seed N] [--alpha-iters N] [--method M]\n"
                   "                    [--verifier BIN]\n"
                   "       nncert suite --compare A.csv B.csv [--expected CSV] [--report FILE.html]\n");
            return 0;
        default: return cli_usage_error("unknown or incomplete option ", argv[optind - 1]);
        }
    }
    if (compare) {
        if (argc - optind != 2) return cli_usage_error("suite --compare needs two results files", NULL);
        return compare_files(argv[optind], argv[optind + 1], o.expected, o.report, plot);
    }
    if (argc - optind != 1) return cli_usage_error("suite needs one instances.csv", NULL);
    o.instances = argv[optind];
    o.plot = plot;
    /* Each instance may keep max_memory in its branch-and-bound queue; its
     * address space is capped at twice that plus room for code and buffers. */
    if (max_memory <= 0) max_memory = verify_default_memory() / o.jobs;
    char mem[64];
    snprintf(mem, sizeof mem, "%.0f", max_memory);
    extra[ne++] = "--max-memory";
    extra[ne++] = mem;
    o.mem_limit = 2 * max_memory + 1024.0 * 1024 * 1024;
    if (!instance_jobs) {   /* instances run side by side, one core each */
        extra[ne++] = "--jobs";
        extra[ne++] = "1";
    }
    o.extra_args = extra;
    nc_err e;
    err_clear(&e);
    suite_outcome out;
    if (suite_run(&o, &out, &e)) return cli_fail(&e);
    return out == SUITE_OK ? 0 : out == SUITE_CONTRADICTION ? 1 : 2;
}
