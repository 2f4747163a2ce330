/* soundness: differential testing of every decision method on random
 * networks and properties (make soundness; a quick run in make test).
 *
 * Instances: random networks (2-5 inputs, one or two hidden layers, ReLU,
 * LeakyReLU, Sigmoid or Tanh) with a threshold property "y0 >= t" near the
 * sampled maximum (one in five below it, the others 1% to 12% above), and
 * planted ones: a ReLU network plus a narrow spike of
 * L1 radius 1e-3 of the box width around a random point, with t above a
 * sound upper bound of the network without the spike, so the property is
 * violated only inside the spike (attacks rarely land there).
 * Methods: the portfolio (auto), each complete method alone (SMT, star
 * sets, input and ReLU branch and bound, MILP), and the proofs of each
 * domain alone (interval, zonotope, CROWN, alpha-CROWN, approx-star). Every pair of definite answers
 * must agree, every "violated" must carry a counterexample that passes the
 * exact check again here, and no planted instance may be answered "holds".
 */
#ifndef NC_SOUNDNESS_H
#define NC_SOUNDNESS_H

#include <stdint.h>
#include <stdio.h>

enum { SND_AUTO, SND_SMT, SND_STAR, SND_BAB, SND_BAB_RELU, SND_MILP, SND_INTERVAL, SND_ZONOTOPE, SND_CROWN, SND_ALPHA,
       SND_STAR_BOUNDS, SND_METHODS };

extern const char *const snd_method_names[SND_METHODS];

typedef struct {
    int instances, planted;
    int holds[SND_METHODS], violated[SND_METHODS], unknown[SND_METHODS];
    int disagreements;       /* instances where some method says holds and another violated */
    int planted_holds;       /* planted instances some method called holds */
    int planted_found;       /* planted instances answered violated by auto or SMT */
    int bad_cex;             /* violated answers whose counterexample fails the re-check */
} snd_report;

/* Runs `count` instances from `seed` with `timeout` seconds per decision;
 * one line per instance to log (may be NULL). 0 on success. */
int soundness_run(uint64_t seed, int count, double timeout, snd_report *r, FILE *log);

/* The report as a markdown table. */
void soundness_print(FILE *f, const snd_report *r);

#endif
