/* policy: a model release policy for `nncert gate`, read from YAML.
 *
 * The file names the model and lists checks of three kinds:
 *   property      a VNNLIB property that must hold;
 *   robustness    certified accuracy on a data set at a radius must reach a
 *                 minimum (app/certify.h);
 *   output-range  output k stays within [lo, hi] over an input box.
 * Each check may set its timeout, method and what an unknown answer counts
 * as (`unknown: fail`, the default, or `unknown: pass`); `defaults:` sets
 * them for all. Paths are relative to the policy file's directory. JSON is
 * read too (it is YAML's flow style). Numbers of boxes and ranges are kept
 * as written, so they reach the property exactly (through VNNLIB text).
 * Every error names the file and the line. See docs/ci.md for the format.
 */
#ifndef NC_POLICY_H
#define NC_POLICY_H

#include "core/err.h"

typedef enum { CHECK_PROPERTY, CHECK_ROBUSTNESS, CHECK_OUTPUT_RANGE } check_kind;

typedef struct {
    char *name;
    check_kind kind;
    int line;              /* where the check starts in the policy file */
    double timeout;        /* seconds per decision */
    char *method;
    int unknown_passes;    /* an unknown answer counts as a pass */
    /* property */
    char *property;        /* resolved path */
    /* robustness */
    char *data;            /* resolved path */
    double eps, min_certified;   /* min_certified: fraction in [0, 1] */
    double clip_lo, clip_hi;     /* +-inf when absent */
    char *mean, *std;      /* comma lists as given, or NULL */
    /* output-range */
    int output;
    int n_box;             /* input intervals given (must match the net) */
    char **box_lo, **box_hi;   /* decimal text */
    char *range_lo, *range_hi; /* decimal text; NULL for an open end */
} policy_check;

typedef struct {
    char *path;            /* the policy file */
    char *name;            /* policy name (default: the file name) */
    char *model;           /* resolved path */
    int model_line;
    int n_checks;
    policy_check *checks;
} policy;

/* Reads and validates the policy (structure and values; the files it names
 * are opened by the caller). The caller owns *out (policy_free). */
nc_status policy_load(const char *path, policy **out, nc_err *e);
void policy_free(policy *p);
/* Replaces the model (a path as given on the command line, not relative to
 * the policy). */
nc_status policy_set_model(policy *p, const char *path, nc_err *e);

const char *check_kind_name(check_kind k);

#endif
