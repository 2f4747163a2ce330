#include "app/reach_out.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DIRS 24   /* support directions per drawn piece */

typedef struct {
    int n;
    double xy[2 * DIRS];
} polygon;

struct reach_out {
    FILE *json;
    const char *json_path, *svg_path;
    int dx, dy;
    const prop *p;
    polygon *polys;
    long n_polys, cap;
    long pieces;
    int failed;
};

reach_out *reach_out_open(const char *json_path, const char *svg_path, int dim_x, int dim_y,
                          const prop *p, nc_err *e)
{
    if (svg_path && (dim_x < 0 || dim_y < 0 || dim_x >= p->n_out || dim_y >= p->n_out || dim_x == dim_y)) {
        err_set(e, NC_EUSAGE, "--plot-dims needs two different outputs below %d", p->n_out);
        return NULL;
    }
    reach_out *w = err_calloc(e, 1, sizeof *w);
    if (!w) return NULL;
    w->json_path = json_path, w->svg_path = svg_path, w->dx = dim_x, w->dy = dim_y, w->p = p;
    if (json_path && !(w->json = fopen(json_path, "w"))) {
        err_set(e, NC_EINPUT, "%s: cannot write", json_path);
        free(w);
        return NULL;
    }
    return w;
}

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *vec(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, num(v[i]));
    return a;
}

static int write_json(reach_out *w, star *s)
{
    int nv = s->nv, no = s->dim;
    double *lo = malloc((size_t)no * sizeof *lo), *hi = malloc((size_t)no * sizeof *hi);
    double *a = malloc(((size_t)nv + 1) * sizeof *a);
    if (!lo || !hi || !a) {
        free(lo), free(hi), free(a);
        return -1;
    }
    for (int i = 0; i < no; i++) {
        star_box_range(s, i, &lo[i], &hi[i]);
        star_lp_range(s, i, 1, 1, 0, &lo[i], &hi[i]);
    }
    json_t *o = json_object(), *st = json_object(), *basis = json_array(), *rows = json_array();
    json_t *box = json_object();
    json_object_set_new(box, "lower", vec(lo, no));
    json_object_set_new(box, "upper", vec(hi, no));
    json_object_set_new(o, "piece", json_integer(w->pieces));
    json_object_set_new(o, "box", box);
    for (int i = 0; i < no; i++) json_array_append_new(basis, vec(&s->V[(size_t)i * nv], nv));
    json_object_set_new(st, "center", vec(s->c, no));
    json_object_set_new(st, "basis", basis);
    json_object_set_new(st, "err", vec(s->err, no));
    json_t *dom = json_object();
    json_object_set_new(dom, "lower", vec(lp_lo(s->P), nv));
    json_object_set_new(dom, "upper", vec(lp_hi(s->P), nv));
    json_object_set_new(st, "domain", dom);
    for (int r = 0; r < lp_rows(s->P); r++) {
        double rl, ru;
        lp_get_row(s->P, r, a, &rl, &ru);
        json_t *row = json_object();
        json_object_set_new(row, "a", vec(a, nv));
        json_object_set_new(row, "lo", num(rl));
        json_object_set_new(row, "hi", num(ru));
        json_array_append_new(rows, row);
    }
    json_object_set_new(st, "constraints", rows);
    json_object_set_new(o, "star", st);
    int rc = json_dumpf(o, w->json, JSON_REAL_PRECISION(17) | JSON_COMPACT);
    json_decref(o);
    if (rc == 0 && fputc('\n', w->json) == EOF) rc = -1;
    free(lo), free(hi), free(a);
    return rc;
}

/* The piece's projection: support points in DIRS directions. */
static int add_polygon(reach_out *w, star *s)
{
    if (w->n_polys == w->cap) {
        long cap = w->cap ? 2 * w->cap : 256;
        polygon *v = realloc(w->polys, (size_t)cap * sizeof *v);
        if (!v) return -1;
        w->polys = v, w->cap = cap;
    }
    polygon *pg = &w->polys[w->n_polys];
    pg->n = 0;
    int nv = s->nv;
    const double *vx = &s->V[(size_t)w->dx * nv], *vy = &s->V[(size_t)w->dy * nv];
    double *g = malloc(((size_t)nv + 1) * sizeof *g), *z = malloc(((size_t)nv + 1) * sizeof *z);
    if (!g || !z) {
        free(g), free(z);
        return -1;
    }
    for (int k = 0; k < DIRS; k++) {
        double t = 2 * 3.14159265358979323846 * k / DIRS, cx = cos(t), cy = sin(t), zero = 0.0, low;
        for (int j = 0; j < nv; j++) g[j] = -(cx * vx[j] + cy * vy[j]);
        if (lp_min_max(s->P, 1, g, &zero, 0, &low, z) != LP_BOUND) continue;
        double px = s->c[w->dx], py = s->c[w->dy];
        for (int j = 0; j < nv; j++) px += vx[j] * z[j], py += vy[j] * z[j];
        if (pg->n > 0 && fabs(px - pg->xy[2 * pg->n - 2]) + fabs(py - pg->xy[2 * pg->n - 1]) < 1e-12)
            continue;
        pg->xy[2 * pg->n] = px, pg->xy[2 * pg->n + 1] = py;
        pg->n++;
    }
    free(g), free(z);
    if (pg->n > 0) w->n_polys++;
    return 0;
}

int reach_out_piece(void *ctx, struct star_s *s)
{
    reach_out *w = ctx;
    int bad = 0;
    if (w->json) bad = write_json(w, s);
    if (!bad && w->svg_path) bad = add_polygon(w, s);
    w->pieces++;
    if (bad) w->failed = 1;
    return bad;
}

/* The plot rectangle [x0,x1] x [y0,y1] clipped by  a x + b y + d <= 0. */
static int clip(double *pts, int n, double a, double b, double d, double *out)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        const double *p = &pts[2 * i], *q = &pts[2 * ((i + 1) % n)];
        double vp = a * p[0] + b * p[1] + d, vq = a * q[0] + b * q[1] + d;
        if (vp <= 0) out[2 * m] = p[0], out[2 * m + 1] = p[1], m++;
        if ((vp < 0 && vq > 0) || (vp > 0 && vq < 0)) {
            double t = vp / (vp - vq);
            out[2 * m] = p[0] + t * (q[0] - p[0]), out[2 * m + 1] = p[1] + t * (q[1] - p[1]), m++;
        }
    }
    return m;
}

static void write_svg(reach_out *w, FILE *f)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (long k = 0; k < w->n_polys; k++)
        for (int i = 0; i < w->polys[k].n; i++) {
            double x = w->polys[k].xy[2 * i], y = w->polys[k].xy[2 * i + 1];
            x0 = fmin(x0, x), x1 = fmax(x1, x), y0 = fmin(y0, y), y1 = fmax(y1, y);
        }
    if (!(x0 <= x1)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    double mx = 0.08 * (x1 - x0 + 1e-9), my = 0.08 * (y1 - y0 + 1e-9);
    x0 -= mx, x1 += mx, y0 -= my, y1 += my;
    const int W = 640, H = 640, L = 70, T = 40;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n", W + L + 20, H + T + 60);
    fprintf(f, "<text x=\"%d\" y=\"24\" font-size=\"15\">reachable set: %ld pieces, outputs "
               "Y_%d and Y_%d; red: unsafe</text>\n", L, w->pieces, w->dx, w->dy);
#define SX(v) (L + ((v) - x0) / (x1 - x0) * W)
#define SY(v) (T + H - ((v) - y0) / (y1 - y0) * H)
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"white\" stroke=\"#444\"/>\n", L, T, W, H);
    /* the unsafe region, where its rows use only the two drawn outputs */
    int hidden = 0;
    for (int c = 0; c < w->p->n_cases; c++)
        for (int k = 0; k < w->p->cases[c].n_disj; k++) {
            const prop_conj *dj = &w->p->cases[c].disj[k];
            double pts[2 * 64], tmp[2 * 64];
            double rect[8] = { x0, y0, x1, y0, x1, y1, x0, y1 };
            memcpy(pts, rect, sizeof rect);
            int n = 4, other = 0;
            for (int r = 0; r < dj->n_rows && n > 0 && n < 60; r++) {
                const prop_row *row = &dj->rows[r];
                for (int i = 0; i < w->p->n_out; i++)
                    if (i != w->dx && i != w->dy && row->a[i] != 0) other = 1;
                n = clip(pts, n, row->a[w->dx], row->a[w->dy], row->d, tmp);
                memcpy(pts, tmp, (size_t)2 * n * sizeof *pts);
            }
            if (other) {
                hidden = 1;
                continue;
            }
            if (n < 3) continue;
            fprintf(f, "<polygon fill=\"#d62728\" fill-opacity=\"0.25\" stroke=\"#d62728\" points=\"");
            for (int i = 0; i < n; i++) fprintf(f, "%.2f,%.2f ", SX(pts[2 * i]), SY(pts[2 * i + 1]));
            fprintf(f, "\"/>\n");
        }
    for (long k = 0; k < w->n_polys; k++) {
        const polygon *pg = &w->polys[k];
        fprintf(f, "<polygon fill=\"#1f77b4\" fill-opacity=\"0.35\" stroke=\"#1f4e79\" stroke-width=\"0.4\" points=\"");
        for (int i = 0; i < pg->n; i++) fprintf(f, "%.2f,%.2f ", SX(pg->xy[2 * i]), SY(pg->xy[2 * i + 1]));
        fprintf(f, "\"/>\n");
    }
    for (int t = 0; t <= 4; t++) {   /* axis ticks */
        double vx = x0 + (x1 - x0) * t / 4, vy = y0 + (y1 - y0) * t / 4;
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.4g</text>\n", SX(vx), T + H + 18, vx);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.4g</text>\n", L - 6, SY(vy) + 4, vy);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">Y_%d</text>\n", L + W / 2, T + H + 40, w->dx);
    fprintf(f, "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">Y_%d</text>\n",
            T + H / 2, T + H / 2, w->dy);
    if (hidden)
        fprintf(f, "<text x=\"%d\" y=\"%d\">(unsafe rows involving other outputs are not drawn)</text>\n",
                L, T + H + 56);
    fprintf(f, "</svg>\n");
#undef SX
#undef SY
}

nc_status reach_out_close(reach_out *w, nc_err *e)
{
    if (!w) return NC_OK;
    nc_status st = NC_OK;
    if (w->json && (fclose(w->json) != 0 || w->failed))
        st = err_set(e, NC_EINPUT, "%s: write failed", w->json_path);
    if (!st && w->svg_path) {
        FILE *f = fopen(w->svg_path, "w");
        if (!f) st = err_set(e, NC_EINPUT, "%s: cannot write", w->svg_path);
        else {
            write_svg(w, f);
            if (fclose(f) != 0) st = err_set(e, NC_EINPUT, "%s: write failed", w->svg_path);
        }
    }
    free(w->polys);
    free(w);
    return st;
}
