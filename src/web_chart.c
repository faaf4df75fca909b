/*
 * web_chart: messages per keyword per day, as an SVG chart drawn on the
 * server.
 *
 * No script and no external asset: the office may have no internet, and
 * the Content-Security-Policy allows neither. Every colour and size is a
 * presentation attribute, which the policy's style-src does not govern.
 * Days without a count are drawn as zero, so that a quiet week shows as
 * quiet rather than as a line straight across it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "day.h"
#include "web.h"

#define WEB_CHART_DAYS 366       /* a campaign longer shows its last year */
#define WEB_CHART_LINES 8        /* more keywords than this: "other" */

/* A stored row, before the grid is known. */
struct web_row {
	char day[11];
	char *keyword;
	int count;
};

struct web_rows {
	struct web_row *v;
	size_t n, cap;
	int oom;
};

static int
web_rows_add(void *arg, const char *day, const char *keyword, int count)
{
	struct web_rows *r = arg;
	struct web_row *v;

	if (r->n == r->cap) {
		r->cap = r->cap != 0 ? r->cap * 2 : 64;
		if ((v = realloc(r->v, r->cap * sizeof(*v))) == NULL) {
			r->oom = 1;
			return 1;
		}
		r->v = v;
	}
	snprintf(r->v[r->n].day, sizeof(r->v[r->n].day), "%s", day);
	if ((r->v[r->n].keyword = strdup(keyword)) == NULL) {
		r->oom = 1;
		return 1;
	}
	r->v[r->n++].count = count;
	return 0;
}

static int
web_keyword_index(struct web_series *s, const char *keyword)
{
	size_t i;

	for (i = 0; i < s->nkeywords; i++)
		if (strcmp(s->keywords[i], keyword) == 0)
			return (int)i;
	if ((s->keywords[s->nkeywords] = strdup(keyword)) == NULL)
		return -1;
	return (int)s->nkeywords++;
}

/* Orders keywords by their totals, largest first (a stable selection). */
static void
web_series_sort(struct web_series *s)
{
	size_t i, j, k, d, best;
	long *tot, t;
	char *name;
	int c;

	if ((tot = calloc(s->nkeywords + 1, sizeof(*tot))) == NULL)
		return;
	for (k = 0; k < s->nkeywords; k++)
		for (d = 0; d < s->ndays; d++)
			tot[k] += s->count[k * s->ndays + d];
	for (i = 0; i < s->nkeywords; i++) {
		best = i;
		for (j = i + 1; j < s->nkeywords; j++)
			if (tot[j] > tot[best])
				best = j;
		if (best == i)
			continue;
		t = tot[i], tot[i] = tot[best], tot[best] = t;
		name = s->keywords[i];
		s->keywords[i] = s->keywords[best];
		s->keywords[best] = name;
		for (d = 0; d < s->ndays; d++) {
			c = s->count[i * s->ndays + d];
			s->count[i * s->ndays + d] =
			    s->count[best * s->ndays + d];
			s->count[best * s->ndays + d] = c;
		}
	}
	free(tot);
}

static int
web_store_stats(void *src, const char *since_day, const char *until_day,
    store_stat_cb cb, void *arg)
{
	return store_list_stats(src, since_day, until_day, cb, arg);
}

int
web_series_load(struct store *store, const char *since_day,
    const char *until_day, struct web_series *s)
{
	return web_series_load_with(web_store_stats, store, since_day,
	    until_day, s);
}

int
web_series_load_with(web_stats_fn fn, void *src, const char *since_day,
    const char *until_day, struct web_series *s)
{
	struct web_rows rows = { 0 };
	long first = -1, last = -1, dn;
	size_t i, nd;
	time_t t;
	struct tm tm;
	int k, rc = -1;

	memset(s, 0, sizeof(*s));
	if (fn(src, since_day, until_day, web_rows_add, &rows) < 0
	    || rows.oom)
		goto out;
	for (i = 0; i < rows.n; i++) {
		if ((dn = day_number(rows.v[i].day)) < 0)
			continue;
		if (first < 0 || dn < first)
			first = dn;
		if (dn > last)
			last = dn;
	}
	if (first < 0) {
		rc = 0;
		goto out;
	}
	/* The axis runs over the whole period asked for, quiet days too. */
	if (since_day != NULL && (dn = day_number(since_day)) >= 0 &&
	    dn < first)
		first = dn;
	if (until_day != NULL && (dn = day_number(until_day)) > last)
		last = dn;
	if (last - first + 1 > WEB_CHART_DAYS)
		first = last - WEB_CHART_DAYS + 1;
	nd = (size_t)(last - first + 1);
	if ((s->days = calloc(nd, sizeof(*s->days))) == NULL ||
	    (s->keywords = calloc(rows.n + 1, sizeof(*s->keywords))) == NULL ||
	    (s->count = calloc((rows.n + 1) * nd, sizeof(*s->count))) == NULL)
		goto out;
	for (s->ndays = 0; s->ndays < nd; s->ndays++) {
		t = (time_t)(first + (long)s->ndays) * 86400;
		if (gmtime_r(&t, &tm) == NULL ||
		    (s->days[s->ndays] = malloc(11)) == NULL)
			goto out;
		strftime(s->days[s->ndays], 11, "%Y-%m-%d", &tm);
	}
	for (i = 0; i < rows.n; i++) {
		dn = day_number(rows.v[i].day);
		if (dn < first || dn > last)
			continue;
		if ((k = web_keyword_index(s, rows.v[i].keyword)) < 0)
			goto out;
		s->count[(size_t)k * nd + (size_t)(dn - first)] +=
		    rows.v[i].count;
	}
	web_series_sort(s);
	rc = 0;
out:
	for (i = 0; i < rows.n; i++)
		free(rows.v[i].keyword);
	free(rows.v);
	return rc;
}

void
web_series_free(struct web_series *s)
{
	size_t i;

	for (i = 0; i < s->ndays; i++)
		free(s->days[i]);
	for (i = 0; i < s->nkeywords; i++) {
		free(s->keywords[i]);
		if (s->labels != NULL)
			free(s->labels[i]);
	}
	free(s->days);
	free(s->keywords);
	free(s->labels);
	free(s->count);
	memset(s, 0, sizeof(*s));
}

int
web_series_label(struct web_series *s, const struct conf *conf,
    enum web_lang lang)
{
	char name[160];
	size_t k;

	if (s->nkeywords == 0)
		return 0;
	if ((s->labels = calloc(s->nkeywords, sizeof(*s->labels))) == NULL)
		return -1;
	for (k = 0; k < s->nkeywords; k++) {
		web_group_name(conf, lang, s->keywords[k], name, sizeof(name));
		if ((s->labels[k] = strdup(name)) == NULL)
			return -1;
	}
	return 0;
}

/* A round step for the y axis that gives about four gridlines. */
static int
web_chart_step(int max)
{
	static const int steps[] = { 1, 2, 5, 10, 20, 25, 50, 100, 200, 250,
	    500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000 };
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (max / steps[i] <= 4)
			return steps[i];
	return max / 4 + 1;
}

/* The chart's geometry, in SVG units. */
struct web_geom {
	int w, h;                /* the plot with its axes; the legend below */
	int left, right, top;
	int plot_w, plot_h;
	int max;                 /* the y axis's top value */
	size_t ndays;
};

#define WEB_LABEL_W 76           /* a "YYYY-MM-DD" label and its gap */

static double
web_x(const struct web_geom *g, size_t d)
{
	return g->left + (g->ndays > 1 ? (double)g->plot_w * (double)d /
	    (double)(g->ndays - 1) : g->plot_w / 2.0);
}

static double
web_y(const struct web_geom *g, int v)
{
	return g->top + g->plot_h - (double)g->plot_h * v / g->max;
}

/*
 * Gridlines with their values, the y axis's name, and the days: as many
 * ISO labels as fit, every step-th day counted back from the last, so
 * that the last day always has its label ("so far" under it when it is
 * today).
 */
static void
web_chart_axes(struct web_buf *b, const struct web_series *s,
    const struct web_geom *g, int step, enum web_lang lang)
{
	size_t every, gaps, d;
	int y, py;

	for (y = 0; y <= g->max; y += step) {
		py = (int)web_y(g, y);
		wb_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" "
		    "stroke=\"#dddddd\"/><text x=\"%d\" y=\"%d\" "
		    "text-anchor=\"end\" fill=\"#555555\">%d</text>", g->left,
		    g->w - g->right, py, py, g->left - 6, py + 4, y);
	}
	wb_printf(b, "<text class=\"axis-title\" transform=\"rotate(-90)\" "
	    "x=\"%d\" y=\"14\" text-anchor=\"middle\" fill=\"#333333\">",
	    -(g->top + g->plot_h / 2));
	wb_text(b, web_t(lang, W_Y_AXIS));
	wb_raw(b, "</text>");
	/* The fewest days between labels that keeps them WEB_LABEL_W
	 * apart. */
	gaps = s->ndays > 1 ? s->ndays - 1 : 1;
	every = (gaps * WEB_LABEL_W + (size_t)g->plot_w - 1) /
	    (size_t)g->plot_w;
	if (every < 1)
		every = 1;
	for (d = s->ndays; d-- > 0;) {
		if ((s->ndays - 1 - d) % every != 0)
			continue;
		wb_printf(b, "<text class=\"day\" x=\"%.1f\" y=\"%d\" "
		    "text-anchor=\"middle\" fill=\"#555555\">", web_x(g, d),
		    g->top + g->plot_h + 18);
		wb_text(b, s->days[d]);
		wb_raw(b, "</text>");
	}
	if (s->partial_last) {
		wb_printf(b, "<text class=\"so-far\" x=\"%.1f\" y=\"%d\" "
		    "text-anchor=\"middle\" fill=\"#555555\" "
		    "font-style=\"italic\">(", web_x(g, s->ndays - 1),
		    g->top + g->plot_h + 32);
		wb_text(b, web_t(lang, W_SO_FAR));
		wb_raw(b, ")</text>");
	}
}

/* Line k of vals: solid over complete days, dashed into a partial last
 * day, whose point is hollow. Points only while they can be told apart. */
static void
web_chart_line(struct web_buf *b, const struct web_series *s,
    const struct web_geom *g, const int *v, const char *colour)
{
	size_t d, solid = s->ndays;

	if (s->partial_last && s->ndays > 1)
		solid = s->ndays - 1;
	wb_printf(b, "<polyline fill=\"none\" stroke=\"%s\" "
	    "stroke-width=\"2\" points=\"", colour);
	for (d = 0; d < solid; d++)
		wb_printf(b, "%.1f,%.1f ", web_x(g, d), web_y(g, v[d]));
	wb_raw(b, "\"/>");
	if (solid < s->ndays)
		wb_printf(b, "<line class=\"so-far\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" "
		    "stroke-dasharray=\"5 4\"/>", web_x(g, solid - 1),
		    web_y(g, v[solid - 1]), web_x(g, solid),
		    web_y(g, v[solid]), colour);
	for (d = 0; d < s->ndays && s->ndays <= 62; d++) {
		if (s->partial_last && d == s->ndays - 1)
			wb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
			    "fill=\"#ffffff\" stroke=\"%s\" "
			    "stroke-width=\"1.5\"/>", web_x(g, d),
			    web_y(g, v[d]), colour);
		else
			wb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" "
			    "r=\"2.5\" fill=\"%s\"/>", web_x(g, d),
			    web_y(g, v[d]), colour);
	}
}

/* The legend, two to a row: each line's name, the rest as "Other", and
 * what the dashes mean. */
static void
web_chart_legend(struct web_buf *b, const struct web_series *s,
    const struct web_geom *g, size_t lines, const char *const *colour,
    enum web_lang lang)
{
	size_t k, n = lines + (s->partial_last ? 1 : 0);
	int lx, ly;

	for (k = 0; k < n; k++) {
		lx = g->left + (int)(k % 2) * 320;
		ly = g->h + 8 + (int)(k / 2) * 18;
		if (k == lines) {
			wb_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" "
			    "y2=\"%d\" stroke=\"#555555\" stroke-width=\"2\" "
			    "stroke-dasharray=\"5 4\"/><text x=\"%d\" y=\"%d\" "
			    "fill=\"#222222\">", lx, lx + 14, ly - 2, ly - 2,
			    lx + 20, ly);
			wb_text(b, web_t(lang, W_TODAY_SO_FAR));
			wb_raw(b, "</text>");
			continue;
		}
		wb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"14\" "
		    "height=\"4\" fill=\"%s\"/><text class=\"legend\" "
		    "x=\"%d\" y=\"%d\" fill=\"#222222\">", lx, ly - 4,
		    colour[k], lx + 20, ly);
		if (k == WEB_CHART_LINES - 1 && s->nkeywords > WEB_CHART_LINES)
			wb_text(b, web_t(lang, W_OTHER));
		else
			wb_text(b, s->labels != NULL ? s->labels[k] :
			    s->keywords[k]);
		wb_raw(b, "</text>");
	}
}

void
web_chart_svg(struct web_buf *b, const struct web_series *s,
    enum web_lang lang)
{
	/* Colours told apart also by people with red-green blindness
	 * (Okabe and Ito's palette), black last. */
	static const char *const colour[WEB_CHART_LINES] = { "#0072b2",
	    "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
	    "#f0e442", "#000000" };
	struct web_geom g = { 720, 274, 64, 44, 12, 0, 0, 1, 0 };
	size_t lines = s->nkeywords, k, d, line;
	int step, *vals;

	if (lines > WEB_CHART_LINES)
		lines = WEB_CHART_LINES;
	if ((vals = calloc(s->ndays * (lines + 1) + 1, sizeof(*vals))) ==
	    NULL) {
		b->oom = 1;
		return;
	}
	/* The lines: the top keywords, then "other" for the rest. */
	for (k = 0; k < s->nkeywords; k++)
		for (d = 0; d < s->ndays; d++) {
			line = k < WEB_CHART_LINES - 1 ||
			    s->nkeywords <= WEB_CHART_LINES ? k :
			    WEB_CHART_LINES - 1;
			vals[line * s->ndays + d] += s->count[k * s->ndays + d];
		}
	for (k = 0; k < lines * s->ndays; k++)
		if (vals[k] > g.max)
			g.max = vals[k];
	step = web_chart_step(g.max);
	g.max = (g.max + step - 1) / step * step;
	g.ndays = s->ndays;
	g.plot_w = g.w - g.left - g.right;
	g.plot_h = g.h - g.top - 42;
	wb_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" "
	    "width=\"100%%\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "font-family=\"sans-serif\" font-size=\"11\">", g.w,
	    g.h + 8 + (int)(lines + 2) / 2 * 18);
	wb_raw(b, "<title>");
	wb_text(b, web_t(lang, W_PER_DAY));
	wb_raw(b, "</title>");
	web_chart_axes(b, s, &g, step, lang);
	for (k = 0; k < lines; k++)
		web_chart_line(b, s, &g, vals + k * s->ndays, colour[k]);
	web_chart_legend(b, s, &g, lines, colour, lang);
	wb_raw(b, "</svg>");
	free(vals);
}
