/* clock: monotonic wall time in seconds, for deadlines and reports. */
#ifndef NC_CLOCK_H
#define NC_CLOCK_H

#include <time.h>

static inline double clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
