/* report_html: a self-contained HTML page about one or more suite runs.
 *
 * Summary table per run, a cactus plot (instances decided against time,
 * log time axis) drawn as inline SVG, a table per benchmark, the answers
 * that contradict the expected ones, and every instance in a folded table.
 * With one run the plot has one line per deciding method plus the total;
 * with several runs, one line per run. No scripts, no external files: the
 * page renders the same in any browser, headless Chromium included.
 */
#ifndef NC_REPORT_HTML_H
#define NC_REPORT_HTML_H

#include <stdio.h>

#include "app/suite_csv.h"
#include "core/err.h"

typedef struct {
    const char *name;          /* run name (legend, tables) */
    const suite_table *rows;   /* its results */
} report_run;

nc_status report_html_write(const char *path, const char *title, const report_run *runs,
                            int n_runs, const suite_table *expected, nc_err *e);

/* The cactus plot alone as an SVG document (for docs/). */
nc_status report_svg_write(const char *path, const char *title, const report_run *runs,
                           int n_runs, nc_err *e);

#endif
