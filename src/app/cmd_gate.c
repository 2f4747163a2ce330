/* nncert gate: run a release policy; exit 0 only when every check passes. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "app/cli.h"
#include "app/commands.h"
#include "app/gate.h"
#include "app/gate_output.h"
#include "app/policy.h"

static const char *GATE_USAGE =
    "usage: nncert gate POLICY.yaml [--model NET] [--junit OUT.xml] [--json OUT.json]\n"
    "                   [--baseline PREVIOUS.json] [--slower-factor K] [--fail-on-regression] [--jobs N]\n"
    "exit codes: 0 every check passes, 1 a check fails (or a regression with\n"
    "--fail-on-regression), 2 only unknown answers stand in the way, 3 bad policy\n";

int cmd_gate(int argc, char **argv)
{
    static const struct option longs[] = {
        { "junit", required_argument, 0, 'u' },    { "json", required_argument, 0, 'j' },
        { "baseline", required_argument, 0, 'b' }, { "slower-factor", required_argument, 0, 'k' },
        { "fail-on-regression", no_argument, 0, 'F' }, { "jobs", required_argument, 0, 'J' },
        { "model", required_argument, 0, 'm' },    { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    const char *junit = NULL, *json = NULL, *baseline = NULL, *model = NULL;
    double slower = 2.0;
    int jobs = 1, strict = 0;
    long v;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'u': junit = optarg; break;
        case 'm': model = optarg; break;
        case 'j': json = optarg; break;
        case 'b': baseline = optarg; break;
        case 'F': strict = 1; break;
        case 'k':
            if (cli_parse_double(optarg, &slower) || !(slower >= 1))
                return cli_usage_error("--slower-factor needs a number >= 1, got ", optarg);
            break;
        case 'J':
            if (cli_parse_int(optarg, 1, 256, &v))
                return cli_usage_error("--jobs needs an integer 1..256, got ", optarg);
            jobs = (int)v;
            break;
        case 'h': fputs(GATE_USAGE, stdout); return 0;
        default: return cli_usage_error("unknown or incomplete option ", argv[optind - 1]);
        }
    }
    if (argc - optind != 1) return cli_usage_error("gate needs one POLICY file", NULL);
    nc_err e;
    err_clear(&e);
    policy *p;
    if (policy_load(argv[optind], &p, &e)) return cli_fail(&e);
    if (model && policy_set_model(p, model, &e)) {   /* the candidate under test */
        policy_free(p);
        return cli_fail(&e);
    }
    gate_report r;
    if (gate_run(p, jobs, &r, &e)) {
        gate_report_free(&r);
        policy_free(p);
        return cli_fail(&e);
    }
    gate_regressions reg = { 0 };
    int code = gate_exit_code(&r);
    if (baseline && gate_compare_baseline(baseline, &r, slower, &reg, &e)) {
        code = cli_fail(&e);
        goto done;
    }
    gate_print_table(stdout, &r, baseline ? &reg : NULL);
    if ((junit && gate_write_junit(junit, &r, &reg, &e)) || (json && gate_write_json(json, &r, &reg, &e))) {
        code = cli_fail(&e);
        goto done;
    }
    if (strict && reg.n && code == 0) code = 1;
done:
    gate_report_free(&r);
    policy_free(p);
    return code;
}
