/* dataset: labelled samples for certified robustness (nncert certify).
 *
 * A CSV text file, one sample per line: the label (an integer class index),
 * then the input values, comma-separated. Blank lines and lines starting
 * with '#' are skipped; a first line whose first field is not a number is a
 * header and is skipped. Every sample must have exactly `dim` values, all
 * finite. Errors name the file and the line.
 */
#ifndef NC_DATASET_H
#define NC_DATASET_H

#include "core/err.h"

typedef struct {
    int n, dim;
    int *label;    /* n labels */
    double *x;     /* n * dim values, row-major */
    int *line;     /* line number of each sample in the file */
} dataset;

nc_status dataset_load(const char *path, int dim, dataset *d, nc_err *e);
void dataset_free(dataset *d);

#endif
