/* pqueue: a binary heap of fixed-size elements, for the searches' queues.
 * `before(a, b)` says a must come out before b. Elements are copied in and
 * out by value; the queue owns only its array.
 */
#ifndef NC_PQUEUE_H
#define NC_PQUEUE_H

#include <stddef.h>

typedef struct {
    char *v;        /* n elements of `size` bytes, then one scratch slot */
    long n, cap;
    size_t size;
    int (*before)(const void *a, const void *b);
} pqueue;

void pq_init(pqueue *q, size_t size, int (*before)(const void *, const void *));
/* Copies elem in; 0, or -1 when out of memory (the queue is unchanged). */
int pq_push(pqueue *q, const void *elem);
/* Copies the first element to out and removes it (n > 0 required). */
void pq_pop(pqueue *q, void *out);
/* The first element, in place (n > 0 required). */
const void *pq_top(const pqueue *q);
void pq_free(pqueue *q);

#endif
