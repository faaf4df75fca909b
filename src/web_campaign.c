/*
 * web_campaign: the console's survey page: each survey's attempts, and a
 * bar chart per question of how people answered, a pre survey and its
 * post survey side by side; then the messages counted per source.
 *
 * Server-rendered SVG as the statistics chart (web_chart.c): no script,
 * no external asset. Nothing personal is shown: answers are counts, and
 * free-text answers are counted, never shown (they are the person's own
 * words; `shukherctl surveys results` gives them to whoever runs it on
 * the device).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "conf.h"
#include "store_campaign.h"
#include "web.h"

#define WEB_BARS_MAX 64          /* answer rows a chart shows at most */

/* One survey's answers, read once. */
struct web_answers {
	const struct conf_survey *s;
	struct store_survey_count c;
	struct { int q, choice, has_number, count; long number; int text; }
	    a[512];
	size_t n;
};

/* Keeps one row per question's choice or number, and one per question for
 * all its free-text answers (only counted here; each distinct text is a
 * row of its own in the store, and hundreds of them would have filled a
 * and cut off the questions after it). Past the rows a holds, the rest is
 * not shown. */
static int
web_answer_add(void *arg, int question, int choice, int has_number,
    long number, const char *text, int count)
{
	struct web_answers *w = arg;

	if (text != NULL && w->n > 0 && w->a[w->n - 1].text &&
	    w->a[w->n - 1].q == question) {
		w->a[w->n - 1].count += count;
		return 0;
	}
	if (w->n == sizeof(w->a) / sizeof(w->a[0]))
		return 1;
	w->a[w->n].q = question;
	w->a[w->n].choice = choice;
	w->a[w->n].has_number = has_number;
	w->a[w->n].number = number;
	w->a[w->n].text = text != NULL;
	w->a[w->n].count = count;
	w->n++;
	return 0;
}

/* The count of answer (choice, or number) to question q in w. */
static int
web_count(const struct web_answers *w, int q, int choice, int has_number,
    long number)
{
	size_t i;
	int n = 0;

	for (i = 0; w != NULL && i < w->n; i++)
		if (w->a[i].q == q && !w->a[i].text &&
		    w->a[i].has_number == has_number &&
		    (has_number ? w->a[i].number == number :
		    w->a[i].choice == choice))
			n += w->a[i].count;
	return n;
}

/* The free-text answers to question q in w. */
static int
web_texts(const struct web_answers *w, int q)
{
	size_t i;
	int n = 0;

	for (i = 0; w != NULL && i < w->n; i++)
		if (w->a[i].q == q && w->a[i].text)
			n += w->a[i].count;
	return n;
}

/* One row of a chart: its label, and the counts of the pre (or only) and
 * post survey. */
struct web_bar {
	char label[64];
	int v[2];
};

/* The rows of question q: the options, yes and no, or the numbers given
 * in either survey, in order. Returns how many. */
static size_t
web_bars(const struct conf_question *q, int qi,
    const struct web_answers *const *w, struct web_bar *bars,
    enum web_lang lang)
{
	size_t n = 0, i, k;
	long v;
	int j;

	if (q->type == CONF_Q_CHOICE || q->type == CONF_Q_YESNO) {
		k = q->type == CONF_Q_CHOICE ? q->noptions : 2;
		for (i = 0; i < k && n < WEB_BARS_MAX; i++, n++) {
			if (q->type == CONF_Q_YESNO)
				snprintf(bars[n].label, sizeof(bars[n].label),
				    "%s", i == 0 ? (lang == WEB_MN ? "Тийм" :
				    "Yes") : (lang == WEB_MN ? "Үгүй" : "No"));
			else
				snprintf(bars[n].label, sizeof(bars[n].label),
				    "%zu %s", i + 1, q->options[i].nwords > 0 ?
				    q->options[i].words[lang == WEB_MN ? 0 :
				    q->options[i].nwords > 1 ? 1 : 0] : "");
			for (j = 0; j < 2; j++)
				bars[n].v[j] = web_count(w[j], qi, (int)i + 1,
				    0, 0);
		}
		return n;
	}
	/* Numbers: each value given, smallest first. */
	for (v = q->min; v <= q->max && n < WEB_BARS_MAX; v++) {
		if (web_count(w[0], qi, 0, 1, v) == 0 &&
		    web_count(w[1], qi, 0, 1, v) == 0)
			continue;
		snprintf(bars[n].label, sizeof(bars[n].label), "%ld", v);
		for (j = 0; j < 2; j++)
			bars[n].v[j] = web_count(w[j], qi, 0, 1, v);
		n++;
	}
	return n;
}

/* A horizontal bar chart of bars: one bar per survey (two: pre blue,
 * post orange), the count at its end. With two, each bar is the share of
 * its survey's answers to the question (the rounds have their own
 * numbers of respondents), the share beside the count. */
static void
web_bars_svg(struct web_buf *b, const char *title, const struct web_bar *bars,
    size_t n, int two)
{
	static const char *const colour[2] = { "#0072b2", "#e69f00" };
	const int w = 720, left = 170, right = 40, bar = 14;
	int row = two ? 2 * bar + 10 : bar + 10, j, y, len;
	long total[2] = { 0, 0 }, max = 1, v;
	size_t i;

	for (i = 0; i < n; i++)
		for (j = 0; j < 2; j++)
			total[j] += bars[i].v[j];
	for (j = 0; j < 2; j++)
		if (total[j] == 0)
			total[j] = 1;
	/* Scaled to 10000 (a share) with two, to counts alone. */
	for (i = 0; i < n; i++)
		for (j = 0; j < 2; j++) {
			v = two ? bars[i].v[j] * 10000L / total[j] :
			    bars[i].v[j];
			if (v > max)
				max = v;
		}
	wb_printf(b, "<svg class=\"bars\" viewBox=\"0 0 %d %d\" "
	    "width=\"100%%\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "font-family=\"sans-serif\" font-size=\"11\"><title>", w,
	    (int)n * row + 8);
	wb_text(b, title);
	wb_raw(b, "</title>");
	for (i = 0; i < n; i++) {
		y = 4 + (int)i * row;
		wb_printf(b, "<text class=\"option\" x=\"%d\" y=\"%d\" "
		    "text-anchor=\"end\" fill=\"#222222\">", left - 8,
		    y + (two ? bar + 4 : bar - 3));
		wb_text(b, bars[i].label);
		wb_raw(b, "</text>");
		for (j = 0; j < (two ? 2 : 1); j++) {
			v = two ? bars[i].v[j] * 10000L / total[j] :
			    bars[i].v[j];
			len = (int)(v * (w - left - right - 40) / max);
			wb_printf(b, "<rect class=\"bar w%d\" x=\"%d\" y=\"%d\" "
			    "width=\"%d\" height=\"%d\" fill=\"%s\"/><text "
			    "class=\"n\" x=\"%d\" y=\"%d\" fill=\"#222222\">%d",
			    j, left, y + j * bar, len, bar - 2, colour[j],
			    left + len + 4, y + j * bar + bar - 4, bars[i].v[j]);
			if (two)
				wb_printf(b, " (%ld%%)", (v + 50) / 100);
			wb_raw(b, "</text>");
		}
	}
	wb_raw(b, "</svg>");
}

/* "N complete, N partial, N open" for a survey of wave (may be NULL). */
static void
web_counts_line(struct web_buf *b, const struct web_answers *w,
    enum web_lang lang)
{
	wb_raw(b, "<p class=\"counts\">");
	wb_text(b, w->s->name);
	if (w->s->wave != NULL) {
		wb_raw(b, " (");
		wb_text(b, w->s->wave);
		wb_raw(b, ")");
	}
	wb_printf(b, ": %d %s, %d %s, %d %s</p>", w->c.complete,
	    lang == WEB_MN ? "бүрэн" : "complete", w->c.partial,
	    lang == WEB_MN ? "дутуу" : "partial", w->c.open,
	    lang == WEB_MN ? "явцад" : "open");
}

/* A survey (and its post survey, side by side). Returns 0 or -1. */
static int
web_survey_section(struct web_req *req, struct web_buf *b,
    const struct conf_survey *pre, const struct conf_survey *post)
{
	static struct web_answers w[2];
	static struct web_bar bars[WEB_BARS_MAX];
	const struct web_answers *pw[2] = { &w[0], NULL };
	const struct conf_question *q;
	struct store *store = web_store(req->app);
	enum lang tl = req->lang == WEB_MN ? LANG_MN : LANG_EN;
	const char *text;
	size_t i, n;
	int j, texts;

	for (j = 0; j < (post != NULL ? 2 : 1); j++) {
		memset(&w[j], 0, sizeof(w[j]));
		w[j].s = j == 0 ? pre : post;
		if (store_survey_counts(store, w[j].s->name, &w[j].c) < 0 ||
		    store_survey_answers(store, w[j].s->name, web_answer_add,
		    &w[j]) < 0)
			return -1;
	}
	if (post != NULL)
		pw[1] = &w[1];
	wb_raw(b, "<section class=\"survey\"><h2>");
	wb_text(b, pre->name);
	if (post != NULL) {
		wb_raw(b, " / ");
		wb_text(b, post->name);
	}
	wb_raw(b, "</h2>");
	web_counts_line(b, &w[0], req->lang);
	if (post != NULL) {
		web_counts_line(b, &w[1], req->lang);
		/* The legend: the bars' colours (presentation attributes:
		 * the policy's style-src does not govern them). */
		wb_raw(b, "<svg class=\"legend\" viewBox=\"0 0 720 20\" "
		    "width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\" "
		    "font-family=\"sans-serif\" font-size=\"11\">"
		    "<rect x=\"170\" y=\"5\" width=\"14\" height=\"10\" "
		    "fill=\"#0072b2\"/><text x=\"190\" y=\"14\">");
		wb_text(b, pre->name);
		wb_raw(b, "</text><rect x=\"400\" y=\"5\" width=\"14\" "
		    "height=\"10\" fill=\"#e69f00\"/><text x=\"420\" "
		    "y=\"14\">");
		wb_text(b, post->name);
		wb_raw(b, "</text></svg>");
	}
	for (i = 0; i < pre->nquestions; i++) {
		q = &pre->questions[i];
		text = conf_reply_text(web_conf(req->app), &q->text, tl);
		wb_raw(b, "<figure class=\"question\"><figcaption>");
		wb_text(b, q->name);
		wb_raw(b, ": ");
		wb_text(b, text != NULL ? text : "");
		wb_raw(b, "</figcaption>");
		if (q->type == CONF_Q_TEXT) {
			texts = web_texts(pw[0], (int)i);
			wb_printf(b, "<p class=\"free\">%d", texts);
			if (post != NULL)
				wb_printf(b, " / %d", web_texts(pw[1], (int)i));
			wb_text(b, req->lang == WEB_MN ? " чөлөөт хариулт "
			    "(энд харуулахгүй)" : " free-text answers (not "
			    "shown here)");
			wb_raw(b, "</p></figure>");
			continue;
		}
		n = web_bars(q, (int)i, pw, bars, req->lang);
		web_bars_svg(b, q->name, bars, n, post != NULL);
		wb_raw(b, "</figure>");
	}
	wb_raw(b, "</section>");
	return 0;
}

/* Totals per source, for the sources chart. */
struct web_sources {
	struct web_bar bars[WEB_BARS_MAX];
	size_t n;
};

static int
web_source_add(void *arg, const char *day, const char *source, int count)
{
	struct web_sources *s = arg;
	size_t i;

	(void)day;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->bars[i].label, source) == 0)
			break;
	if (i == s->n) {
		if (s->n == WEB_BARS_MAX)
			return 0;
		memset(&s->bars[i], 0, sizeof(s->bars[i]));
		snprintf(s->bars[i].label, sizeof(s->bars[i].label), "%s",
		    source);
		s->n++;
	}
	s->bars[i].v[0] += count;
	return 0;
}

void
web_surveys(struct web_req *req, struct web_resp *resp)
{
	static struct web_sources src;
	const struct conf *conf = web_conf(req->app);
	const struct conf_survey *s, *post;
	struct web_buf *b = &resp->body;
	const char *title = req->lang == WEB_MN ? "Судалгаа ба эх сурвалж" :
	    "Surveys and sources";
	size_t i, k;
	int paired;

	web_head(req, resp, title, title);
	if (conf->campaign.nsurveys == 0)
		web_notice(b, "empty", req->lang == WEB_MN ? "Тохиргоонд "
		    "судалгаа алга." : "No survey in the configuration.");
	for (i = 0; i < conf->campaign.nsurveys; i++) {
		s = &conf->campaign.surveys[i];
		/* A post survey shows beside its pre survey. */
		for (paired = 0, k = 0; k < conf->campaign.nsurveys; k++)
			if (campaign_post_of(conf, &conf->campaign.surveys[k]) == s)
				paired = 1;
		if (paired)
			continue;
		post = campaign_post_of(conf, s);
		if (web_survey_section(req, b, s, post) < 0) {
			resp->status = 500;
			break;
		}
	}
	memset(&src, 0, sizeof(src));
	wb_raw(b, "<section class=\"sources\"><h2>");
	wb_text(b, req->lang == WEB_MN ? "Эх сурвалжаар ирсэн мессеж" :
	    "Messages per source");
	wb_raw(b, "</h2>");
	if (store_list_sources(web_store(req->app), NULL, web_source_add,
	    &src) < 0)
		resp->status = 500;
	if (src.n == 0)
		web_notice(b, "empty", req->lang == WEB_MN ? "Одоогоор алга." :
		    "None yet.");
	else
		web_bars_svg(b, "sources", src.bars, src.n, 0);
	wb_raw(b, "</section>");
	web_foot(resp);
}
