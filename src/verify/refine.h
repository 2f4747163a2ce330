/* refine: tighter pre-activation boxes for the activation layers after the
 * first, by ReLU branch and bound per neuron.
 *
 * CROWN's box of a neuron deep in a network can be many times wider than
 * the neuron's true range, and every layer above inherits the excess. Each
 * end of an unstable neuron j of activation layer K is tightened by
 * proving it: on the network cut just before layer K (its outputs are the
 * pre-activations of layer K), verify/bab_relu.h decides "z_j > t on the
 * whole input box" for a target t between the current end and the value
 * at the minimiser of CROWN's linear bound (an achieved value, so no
 * bound can pass it). The end moves to t when the search proves it, and is
 * then tried again closer in; a search that runs out of its time moves it
 * to t plus the worst bound it left open (when that is below 0: its
 * subproblems cover the box), one that meets a point below t leaves it.
 * Layers are refined in order; after each, the boxes above are recomputed
 * by CROWN and intersected with what they were, and refining stops if
 * CROWN then excludes every disjunct of pc. Passes over the layers repeat
 * while one moves an end and time is left, each search given twice the
 * time of the pass before (up to attempt_max). A pass skips a layer whose
 * last searches, and those of every layer below it, stabilised under a
 * tenth of their unstable neurons, and the last activation layer while
 * over a quarter of the layer below it is unstable. With jobs > 1, that many
 * threads take a layer's neurons one at a time.
 * Sound by construction: every end written is a proved bound on the
 * input box (a superset of any input region the caller restricts to).
 */
#ifndef NC_REFINE_H
#define NC_REFINE_H

#include "core/bounds.h"
#include "core/err.h"
#include "core/net.h"
#include "core/prop.h"

typedef struct {
    double deadline;   /* clock_now() time to stop refining at (required, > 0) */
    double attempt;    /* seconds per proof attempt in the first pass (default
                          0.1), doubled in each later pass up to */
    double attempt_max;   /* (default 0.4) */
    int passes;        /* passes over the layers at most, while one moves
                          an end (default 8) */
    int jobs;          /* searches run at once, one thread each (neurons of
                          a layer are independent: their searches read the
                          boxes below only) */
    int root_iters;    /* alpha iterations for the boxes recomputed above */
    int iters;         /* alpha-beta steps per subproblem of a search (default
                          3: a short search gains more from more subproblems,
                          which inherit their parent's slopes, than from
                          optimising each one further; docs/bab.md) */
    long max_nodes;    /* subproblems queued beyond which a search gives up,
                          ending like one out of time (default 100000) */
} refine_opts;

void refine_opts_init(refine_opts *o);

typedef struct {
    long attempts;     /* searches run */
    long proved;       /* ends moved */
    long partial;      /* of which by a search that ran out of time (or of
                          max_nodes), to the worst bound it left open */
    long stabilised;   /* neurons whose box no longer contains 0 */
    int layers;        /* activation layers reached (the second is 1) */
    int passes;        /* passes begun */
    int settled;       /* the boxes exclude every disjunct of pc's unsafe set
                          by CROWN (refining stopped there) */
} refine_result;

/* Tightens b (sound boxes of n on the input box pc->lo..hi, every box
 * computed) in place. n: piecewise linear (ReLU / LeakyReLU). */
nc_status refine_boxes(const net *n, const prop_case *pc, bounds *b, const refine_opts *o,
                       refine_result *r, nc_err *e);

#endif
