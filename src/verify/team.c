#include "verify/team.h"

#include <stdlib.h>

void team_init(team *t, falsify_cb cb, void *ctx)
{
    pthread_mutex_init(&t->mu, NULL);
    pthread_mutex_init(&t->cbmu, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->busy = t->stop = t->accepted = 0;
    t->cb = cb;
    t->ctx = ctx;
}

void team_destroy(team *t)
{
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->cbmu);
    pthread_mutex_destroy(&t->mu);
}

int team_offer(team *t, const double *x)
{
    pthread_mutex_lock(&t->mu);
    int stopped = t->stop;
    pthread_mutex_unlock(&t->mu);
    if (stopped) return 0;
    pthread_mutex_lock(&t->cbmu);
    /* another worker's candidate was accepted and the search is about to
     * stop: that one stands */
    int c = t->accepted ? 1 : t->cb(t->ctx, x);
    if (c > 0) t->accepted = 1;
    pthread_mutex_unlock(&t->cbmu);
    return c;
}

int team_offer_cb(void *t, const double *x) { return team_offer(t, x); }

int team_take(team *t, const long *queued)
{
    pthread_mutex_lock(&t->mu);
    while (!t->stop && *queued == 0 && t->busy > 0) pthread_cond_wait(&t->cv, &t->mu);
    if (t->stop || *queued == 0) {
        t->stop = 1;
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
        return 0;
    }
    return 1;
}

void team_run(team *t, int jobs, void *(*caller)(void *), void *(*spawned)(void *), void *arg)
{
    (void)t;
    pthread_t *th = jobs > 1 ? calloc((size_t)jobs, sizeof *th) : NULL;
    int started = 0;
    for (int i = 1; th && i < jobs; i++, started++)
        if (pthread_create(&th[i], NULL, spawned, arg)) break;
    caller(arg);
    for (int i = 1; i <= started; i++) pthread_join(th[i], NULL);
    free(th);
}
