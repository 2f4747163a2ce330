/* reach_out: writing the exact reachable set that star-set reachability
 * enumerates (`nncert verify --method star --reach-out FILE`).
 *
 * FILE gets one JSON object per line, one per output piece (a star over the
 * outputs; docs/star.md gives the format): its rigorous bounding box, and the
 * star itself: centre c, basis V (one row per output), the error radius err,
 * and the predicate polytope over the input variables z (their box and
 * rows lo <= a . z <= hi). Every exact output y of an input in the piece
 * satisfies |y_i - (c_i + V_i . z)| <= err_i for some z in the polytope.
 *
 * With an SVG path, the projection of every piece onto two outputs is drawn
 * (a polygon through the LP support points in 24 directions: inside the
 * projection up to err) with the unsafe region of the property where its
 * rows involve only those two outputs.
 */
#ifndef NC_REACH_OUT_H
#define NC_REACH_OUT_H

#include <stdio.h>

#include "core/err.h"
#include "core/prop.h"
#include "domains/star.h"

typedef struct reach_out reach_out;

/* Opens the writer. json_path may be NULL (SVG only) and svg_path too;
 * dims are the two outputs to draw. p is borrowed until reach_out_close. */
reach_out *reach_out_open(const char *json_path, const char *svg_path, int dim_x, int dim_y,
                          const prop *p, nc_err *e);

/* on_piece callback for verify_opts: records one output piece. Returns
 * non-zero when writing failed. */
int reach_out_piece(void *ctx, struct star_s *s);

/* Writes the SVG (if any), closes the files and frees w; NC_EINPUT with a
 * message naming the file when a write failed. */
nc_status reach_out_close(reach_out *w, nc_err *e);

#endif
