/* make soundness: differential soundness testing (tests/support/soundness.h).
 * usage: build/soundness [COUNT] [TIMEOUT_S] [SEED]
 * Exit 1 on any disagreement, planted "holds" or failing counterexample. */
#include <stdio.h>
#include <stdlib.h>

#include "support/soundness.h"

int main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 300;
    double timeout = argc > 2 ? atof(argv[2]) : 10;
    unsigned long long seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
    snd_report r;
    soundness_run(seed, count, timeout, &r, stderr);
    printf("differential soundness: %d instances, seed %llu, timeout %g s per decision\n\n", count,
           seed, timeout);
    soundness_print(stdout, &r);
    return r.disagreements || r.planted_holds || r.bad_cex ? 1 : 0;
}
