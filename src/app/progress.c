#include "app/progress.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "app/suite_summary.h"
#include "core/clock.h"

#define BAR_WIDTH 24

static double last_draw;

void progress_init(progress *p, FILE *f, int total, int skipped)
{
    memset(p, 0, sizeof *p);
    p->f = f;
    p->tty = isatty(fileno(f));
    p->total = total;
    p->skipped = skipped;
    p->start = clock_now();
}

static void clear(progress *p)
{
    if (p->drawn) fputs("\r\033[K", p->f);
    p->drawn = 0;
}

static void draw(progress *p)
{
    int all = p->skipped + p->done;
    int fill = p->total ? (int)((double)BAR_WIDTH * all / p->total) : BAR_WIDTH;
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++) bar[i] = i < fill ? '#' : '.';
    bar[BAR_WIDTH] = 0;
    double el = clock_now() - p->start;
    char eta[32] = "?", elapsed[32];
    suite_format_duration(el, elapsed, sizeof elapsed);
    if (p->done > 0) suite_format_duration(el / p->done * (p->total - all), eta, sizeof eta);
    clear(p);
    fprintf(p->f, "[%s] %d/%d  %s  elapsed %s  ETA %s", bar, all, p->total, p->counts, elapsed,
            eta);
    fflush(p->f);
    p->drawn = 1;
}

void progress_msg(progress *p, const char *fmt, ...)
{
    clear(p);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->f, fmt, ap);
    va_end(ap);
    fputc('\n', p->f);
    if (p->tty) draw(p);
    fflush(p->f);
}

void progress_update(progress *p, int done, const char *counts, int force)
{
    p->done = done;
    snprintf(p->counts, sizeof p->counts, "%s", counts);
    if (!p->tty) return;
    double now = clock_now();
    if (!force && now - last_draw < 0.1) return;
    last_draw = now;
    draw(p);
}

void progress_end(progress *p)
{
    clear(p);
    fflush(p->f);
}
