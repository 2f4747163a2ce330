/* vnnlib: parser for the VNNLIB subset used by VNN-COMP.
 *
 * Accepted: `(declare-const X_i Real)` / `(declare-const Y_j Real)`,
 * `(assert F)` where F is built from `and`, `or` and comparisons
 * `<= >= < > =` between linear terms (`+`, `-`, `*` by constants, decimal
 * and scientific numbers), comments `;`. `check-sat`, `get-model`,
 * `set-logic`, `set-info` and `exit` are accepted and ignored.
 *
 * The conjunction of all asserts is put in disjunctive normal form; each
 * disjunct's constraints are split into input constraints (on X only) and
 * output constraints (on Y only); disjuncts with the same input constraints
 * form one prop_case (see core/prop.h). Constraints mixing X and Y are
 * rejected. Errors name path:line:col.
 */
#ifndef NC_VNNLIB_H
#define NC_VNNLIB_H

#include "core/err.h"
#include "core/prop.h"

/* Parses the file at path. On success *out is a prop (caller frees with
 * prop_free). NC_EINPUT on syntax errors, undeclared or non-contiguous
 * variables, unsupported constructs, or an empty input set. */
nc_status vnnlib_load(const char *path, prop **out, nc_err *e);

/* Same on text already in memory; `path` is used in messages only. */
nc_status vnnlib_parse(const char *text, const char *path, prop **out, nc_err *e);

#endif
