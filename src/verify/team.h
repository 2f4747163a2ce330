/* team: what the parallel searches (input branch and bound, star-set
 * reachability) share: the threads, the lock and condition that guard a
 * search's queue, its stop flag and busy count, and the caller's
 * counterexample callback, which is not required to be thread-safe and is
 * therefore called by one thread at a time.
 * The queue itself and how a search ends belong to the search; `mu` guards
 * them together with `busy` and `stop`.
 */
#ifndef NC_TEAM_H
#define NC_TEAM_H

#include <pthread.h>

#include "verify/falsify.h"

typedef struct {
    pthread_mutex_t mu, cbmu;
    pthread_cond_t cv;
    int busy;   /* workers processing an item */
    int stop;   /* the search has ended */
    int accepted;   /* the callback accepted a counterexample (cbmu) */
    falsify_cb cb;
    void *ctx;
} team;

void team_init(team *t, falsify_cb cb, void *ctx);
void team_destroy(team *t);

/* The callback, serialised; 0 without calling it once the search stopped,
 * 1 without calling it once it accepted a counterexample (so that a result
 * is written once).
 * team_offer_cb has falsify_cb's shape (its context is the team). */
int team_offer(team *t, const double *x);
int team_offer_cb(void *t, const double *x);

/* Waits until the queue holding *queued items has one (returns 1 with mu
 * held: the caller pops, counts itself busy and unlocks) or the search is
 * over: stopped, or empty with nobody busy who could refill it (returns 0,
 * stop set, everyone woken, mu released). */
int team_take(team *t, const long *queued);

/* Runs `caller` on this thread and `spawned` on jobs - 1 more, all with
 * arg, and returns when all are done. t may be NULL (threads that share
 * no queue). */
void team_run(team *t, int jobs, void *(*caller)(void *), void *(*spawned)(void *), void *arg);

#endif
