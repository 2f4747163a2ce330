/* suite_compare: where two result files of the same suite differ.
 *
 * Matches instances by file names (app/suite_csv.h suite_find), so nncert's
 * own results and VNN-COMP results CSVs of other tools compare directly.
 * Prints the instances whose answers differ, those where one run took more
 * than twice as long as the other (and over a second longer), and totals.
 */
#ifndef NC_SUITE_COMPARE_H
#define NC_SUITE_COMPARE_H

#include <stdio.h>

#include "app/suite_csv.h"

/* Returns the number of instances where one run says holds and the other
 * violated. */
int suite_compare(FILE *f, const char *name_a, const suite_table *a, const char *name_b,
                  const suite_table *b, const suite_table *expected);

#endif
