#include "core/pqueue.h"

#include <stdlib.h>
#include <string.h>

#define AT(q, i) ((q)->v + (size_t)(i) * (q)->size)

void pq_init(pqueue *q, size_t size, int (*before)(const void *, const void *))
{
    q->v = NULL;
    q->n = q->cap = 0;
    q->size = size;
    q->before = before;
}

int pq_push(pqueue *q, const void *elem)
{
    if (q->n + 1 >= q->cap) {   /* keep one spare slot as scratch for pq_pop */
        long cap = q->cap ? 2 * q->cap : 256;
        char *v = realloc(q->v, (size_t)cap * q->size);
        if (!v) return -1;
        q->v = v;
        q->cap = cap;
    }
    long i = q->n++;
    while (i > 0 && q->before(elem, AT(q, (i - 1) / 2))) {
        memcpy(AT(q, i), AT(q, (i - 1) / 2), q->size);
        i = (i - 1) / 2;
    }
    memcpy(AT(q, i), elem, q->size);
    return 0;
}

void pq_pop(pqueue *q, void *out)
{
    memcpy(out, AT(q, 0), q->size);
    q->n--;
    char *last = AT(q, q->cap - 1);   /* scratch */
    memcpy(last, AT(q, q->n), q->size);
    long i = 0;
    for (;;) {
        long c = 2 * i + 1;
        if (c >= q->n) break;
        if (c + 1 < q->n && q->before(AT(q, c + 1), AT(q, c))) c++;
        if (!q->before(AT(q, c), last)) break;
        memcpy(AT(q, i), AT(q, c), q->size);
        i = c;
    }
    if (q->n > 0) memcpy(AT(q, i), last, q->size);
}

const void *pq_top(const pqueue *q) { return q->v; }

void pq_free(pqueue *q)
{
    free(q->v);
    q->v = NULL;
    q->n = q->cap = 0;
}
