/* rng: a small deterministic generator (xoshiro256**, seeded by splitmix64),
 * so runs are reproducible under --seed. The state is a value owned by the
 * caller; there is no global generator. */
#ifndef NC_RNG_H
#define NC_RNG_H

#include <stdint.h>

typedef struct { uint64_t s[4]; } rng;

void rng_seed(rng *r, uint64_t seed);
uint64_t rng_next(rng *r);
/* Uniform in [0, 1). */
double rng_unif(rng *r);
/* Uniform in [lo, hi]; returns lo when hi <= lo. */
double rng_range(rng *r, double lo, double hi);
/* Standard normal (Box-Muller). */
double rng_normal(rng *r);

#endif
