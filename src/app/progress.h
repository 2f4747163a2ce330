/* progress: a progress bar for long runs (suite, certify).
 *
 * On a terminal: one line redrawn in place with a bar, done/total, the
 * counts the caller supplies and the ETA; messages are printed above it.
 * Elsewhere (a pipe, a CI log): no bar, messages only, one per line.
 */
#ifndef NC_PROGRESS_H
#define NC_PROGRESS_H

#include <stdio.h>

typedef struct {
    FILE *f;
    int tty;
    int total, done;   /* done counts what this run finished */
    int skipped;       /* done before this run started (resumed) */
    double start;
    char counts[256];  /* caller's text after the bar */
    int drawn;         /* a bar is on screen */
} progress;

void progress_init(progress *p, FILE *f, int total, int skipped);
/* A message line (printf-style), above the bar on a terminal. */
void progress_msg(progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* New count and counts text; redraws at most every 100 ms on a terminal
 * (always when force). */
void progress_update(progress *p, int done, const char *counts, int force);
/* Removes the bar (before a summary). */
void progress_end(progress *p);

#endif
