/*
 * ctl_campaign: shukherctl's campaign commands: series list, broadcast,
 * surveys results and stats --by source. None of them ever prints a
 * number: subscribers are counted per series and language, survey
 * answers per question.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistr.h>

#include "campaign.h"
#include "conf.h"
#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "store.h"
#include "store_campaign.h"

static int
ctl_series_row(void *arg, const char *series, int lang, int count)
{
	struct ctl *ctl = arg;
	const char *cells[3];
	char n[16];

	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_string(ctl->json, "series", series);
		json_kv_string(ctl->json, "language", lang_name((enum lang)lang));
		json_kv_int(ctl->json, "subscribers", count);
		json_object_end(ctl->json);
		return 0;
	}
	snprintf(n, sizeof(n), "%d", count);
	cells[0] = series;
	cells[1] = lang_name((enum lang)lang);
	cells[2] = n;
	return ctl_list_row(ctl, cells);
}

int
ctl_series_list(struct ctl *ctl, struct ctl_args *args)
{
	static const char *const headers[] = { "SERIES", "LANGUAGE",
	    "SUBSCRIBERS" };
	int rc;

	(void)args;
	if ((rc = ctl_list_begin(ctl, headers, 3)) != 0)
		return rc;
	rc = store_sub_counts(ctl->store, ctl_series_row, ctl);
	return ctl_list_end(ctl, rc, "no subscribers");
}

/* "YYYY-MM-DDTHH:MM" or "HH:MM" (today or tomorrow, local) into *t. */
static int
ctl_camp_at(const char *s, int64_t *t)
{
	struct tm tm;
	time_t now = time(NULL);
	int y, mo, d, h, mi, n = 0;

	localtime_r(&now, &tm);
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) == 5 &&
	    s[n] == '\0') {
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
	} else if (sscanf(s, "%2d:%2d%n", &h, &mi, &n) == 2 && s[n] == '\0')
		;
	else
		return -1;
	if (h < 0 || h > 23 || mi < 0 || mi > 59)
		return -1;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	if ((*t = (int64_t)mktime(&tm)) < (int64_t)now && n == 5) {
		tm.tm_mday++;
		tm.tm_isdst = -1;
		*t = (int64_t)mktime(&tm);
	}
	return 0;
}

int
ctl_broadcast(struct ctl *ctl, struct ctl_args *args)
{
	const char *series = args->rest[0];
	int64_t now = (int64_t)time(NULL), at = now, id;
	char *text;

	if (ctl->conf != NULL && campaign_series(ctl->conf, series) == NULL) {
		ctl_err("broadcast: no series named %s in %s", series,
		    ctl->conf->path);
		return EXIT_DATAERR;
	}
	if (args->at != NULL && ctl_camp_at(args->at, &at) == -1) {
		ctl_err("broadcast: --at: \"HH:MM\" or \"YYYY-MM-DDTHH:MM\" "
		    "(local time), not %s", args->at);
		return EXIT_USAGE;
	}
	if ((text = ctl_join(args->rest + 1, args->nrest - 1)) == NULL) {
		ctl_err("out of memory");
		return EXIT_OSERR;
	}
	if (text[strspn(text, " \t\r\n")] == '\0' ||
	    u8_check((const uint8_t *)text, strlen(text)) != NULL) {
		ctl_err("broadcast: the text is empty or not UTF-8");
		free(text);
		return EXIT_DATAERR;
	}
	id = store_broadcast_add(ctl->store, series, text, at, now);
	free(text);
	if (id < 0)
		return ctl_db_error(ctl);
	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_int(ctl->json, "id", id);
		json_kv_string(ctl->json, "series", series);
		ctl_json_time(ctl->json, "at", at);
		json_object_end(ctl->json);
	} else if (ctl->conf != NULL)
		fprintf(ctl->out, "broadcast %lld to the subscribers of %s, "
		    "queued by the daemon from %s, %d a minute per modem "
		    "within their daily limits (never in quiet hours)\n",
		    (long long)id, series, args->at != NULL ? args->at : "now",
		    ctl->conf->campaign.broadcast_rate);
	else
		fprintf(ctl->out, "broadcast %lld to the subscribers of %s, "
		    "queued by the daemon from %s (never in quiet hours)\n",
		    (long long)id, series, args->at != NULL ? args->at : "now");
	return EXIT_OK;
}

/* ---- broadcasts list ------------------------------------------------------ */

static int
ctl_broadcast_row(void *arg, const struct store_broadcast *b)
{
	struct ctl *ctl = arg;
	const char *cells[8];
	char id[24], at[CTL_TIME_LEN], q[CTL_TIME_LEN], n[4][16];

	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_int(ctl->json, "id", b->id);
		json_kv_string(ctl->json, "series", b->series);
		ctl_json_time(ctl->json, "at", b->at);
		ctl_json_time(ctl->json, "queued_at", b->queued_at);
		json_kv_int(ctl->json, "recipients", b->recipients);
		json_kv_int(ctl->json, "sent", b->sent);
		json_kv_int(ctl->json, "delivered", b->delivered);
		json_kv_int(ctl->json, "failed", b->failed);
		json_object_end(ctl->json);
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)b->id);
	snprintf(n[0], sizeof(n[0]), "%d", b->recipients);
	snprintf(n[1], sizeof(n[1]), "%d", b->sent);
	snprintf(n[2], sizeof(n[2]), "%d", b->delivered);
	snprintf(n[3], sizeof(n[3]), "%d", b->failed);
	cells[0] = id;
	cells[1] = b->series;
	cells[2] = ctl_time_local(b->at, at, sizeof(at));
	cells[3] = ctl_time_local(b->queued_at, q, sizeof(q));
	cells[4] = n[0];
	cells[5] = n[1];
	cells[6] = n[2];
	cells[7] = n[3];
	return ctl_list_row(ctl, cells);
}

int
ctl_broadcasts_list(struct ctl *ctl, struct ctl_args *args)
{
	static const char *const headers[] = { "ID", "SERIES", "AT",
	    "QUEUED", "RECIPIENTS", "SENT", "DELIVERED", "FAILED" };
	int rc;

	(void)args;
	if ((rc = ctl_list_begin(ctl, headers, 8)) != 0)
		return rc;
	rc = store_list_broadcasts(ctl->store, ctl_broadcast_row, ctl);
	return ctl_list_end(ctl, rc, "no broadcasts");
}

/* ---- surveys results ----------------------------------------------------- */

/* One answer row of the results. */
struct ctl_answer {
	int question, choice, has_number, count;
	long number;
	char *text;
};

/* One survey's results. */
struct ctl_res {
	const char *name;
	const struct conf_survey *s;     /* NULL without the config */
	struct store_survey_count c;
	struct ctl_answer *a;
	size_t n, cap;
};

static int
ctl_answer_add(void *arg, int question, int choice, int has_number,
    long number, const char *text, int count)
{
	struct ctl_res *r = arg;
	struct ctl_answer *a;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 32;
		if ((a = realloc(r->a, r->cap * sizeof(*a))) == NULL)
			return -1;
		r->a = a;
	}
	a = &r->a[r->n];
	memset(a, 0, sizeof(*a));
	a->question = question;
	a->choice = choice;
	a->has_number = has_number;
	a->number = number;
	a->count = count;
	if (text != NULL && (a->text = strdup(text)) == NULL)
		return -1;
	r->n++;
	return 0;
}

static void
ctl_res_free(struct ctl_res *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->a[i].text);
	free(r->a);
	r->a = NULL;
	r->n = r->cap = 0;
}

static int
ctl_res_load(struct ctl *ctl, struct ctl_res *r)
{
	if (store_survey_counts(ctl->store, r->name, &r->c) < 0 ||
	    store_survey_answers(ctl->store, r->name, ctl_answer_add, r) < 0)
		return -1;
	return 0;
}

/* 1 when a and b are the same answer to the same question. */
static int
ctl_same(const struct ctl_answer *a, const struct ctl_answer *b)
{
	if (a->question != b->question || (a->text == NULL) !=
	    (b->text == NULL) || a->has_number != b->has_number)
		return 0;
	if (a->text != NULL)
		return strcmp(a->text, b->text) == 0;
	return a->has_number ? a->number == b->number : a->choice == b->choice;
}

/* How often r holds answer a. */
static int
ctl_count_in(const struct ctl_res *r, const struct ctl_answer *a)
{
	size_t i;

	for (i = 0; r != NULL && i < r->n; i++)
		if (ctl_same(&r->a[i], a))
			return r->a[i].count;
	return 0;
}

/* The answer as a word: "option 1" (or its config word), "yes", a
 * number, the text. */
static const char *
ctl_answer_word(const struct conf_survey *s, const struct ctl_answer *a,
    char *buf, size_t len)
{
	const struct conf_question *q = NULL;

	if (s != NULL && a->question >= 0 &&
	    (size_t)a->question < s->nquestions)
		q = &s->questions[a->question];
	if (a->text != NULL)
		return a->text;
	if (a->has_number)
		snprintf(buf, len, "%ld", a->number);
	else if (q != NULL && q->type == CONF_Q_YESNO)
		snprintf(buf, len, "%s", a->choice == 1 ? "yes" : "no");
	else if (q != NULL && a->choice >= 1 &&
	    (size_t)a->choice <= q->noptions &&
	    q->options[a->choice - 1].nwords > 0)
		snprintf(buf, len, "%d %s", a->choice,
		    q->options[a->choice - 1].words[0]);
	else
		snprintf(buf, len, "option %d", a->choice);
	return buf;
}

/* The question's name: the config's, else "qN". */
static const char *
ctl_question_name(const struct conf_survey *s, int question, char *buf,
    size_t len)
{
	if (s != NULL && question >= 0 && (size_t)question < s->nquestions)
		return s->questions[question].name;
	snprintf(buf, len, "q%d", question + 1);
	return buf;
}

/* Every answer of pre and of post, each once: pre's order, then post's
 * others. Calls fn(arg, answer, pre count, post count). */
static void
ctl_each_answer(const struct ctl_res *pre, const struct ctl_res *post,
    void (*fn)(void *, const struct ctl_answer *, int, int), void *arg)
{
	size_t i;

	for (i = 0; i < pre->n; i++)
		fn(arg, &pre->a[i], pre->a[i].count, ctl_count_in(post,
		    &pre->a[i]));
	for (i = 0; post != NULL && i < post->n; i++)
		if (ctl_count_in(pre, &post->a[i]) == 0)
			fn(arg, &post->a[i], 0, post->a[i].count);
}

/* The numbers given to question q: how many, mean, least, most. */
struct ctl_numbers {
	int n;
	double sum;
	long min, max;
};

static void
ctl_numbers_of(const struct ctl_res *r, int q, struct ctl_numbers *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < r->n; i++) {
		if (r->a[i].question != q || !r->a[i].has_number)
			continue;
		if (out->n == 0 || r->a[i].number < out->min)
			out->min = r->a[i].number;
		if (out->n == 0 || r->a[i].number > out->max)
			out->max = r->a[i].number;
		out->n += r->a[i].count;
		out->sum += (double)r->a[i].number * r->a[i].count;
	}
}

/* The questions with numbers, as JSON: question, index, n, sum, min,
 * max. */
static void
ctl_numbers_json(struct json *j, const struct ctl_res *r)
{
	struct ctl_numbers nb;
	char qb[16];
	int q, last = -1;
	size_t i;

	json_key(j, "numbers");
	json_array_begin(j);
	for (i = 0; i < r->n; i++) {
		q = r->a[i].question;
		if (!r->a[i].has_number || q == last)
			continue;
		last = q;
		ctl_numbers_of(r, q, &nb);
		json_object_begin(j);
		json_kv_string(j, "question", ctl_question_name(r->s, q, qb,
		    sizeof(qb)));
		json_kv_int(j, "index", q + 1);
		json_kv_int(j, "n", nb.n);
		json_kv_int(j, "sum", (int64_t)nb.sum);   /* mean: sum / n */
		json_kv_int(j, "min", nb.min);
		json_kv_int(j, "max", nb.max);
		json_object_end(j);
	}
	json_array_end(j);
}

/* "age (know_pre): 3 answers, mean 22.0, 19 to 25", per question. */
static void
ctl_numbers_text(FILE *fp, const struct ctl_res *r)
{
	struct ctl_numbers nb;
	char qb[16];
	int q, last = -1;
	size_t i;

	for (i = 0; i < r->n; i++) {
		q = r->a[i].question;
		if (!r->a[i].has_number || q == last)
			continue;
		last = q;
		ctl_numbers_of(r, q, &nb);
		fprintf(fp, "  %s (%s): %d answer%s, mean %.1f, %ld to %ld\n",
		    ctl_question_name(r->s, q, qb, sizeof(qb)), r->name, nb.n,
		    nb.n == 1 ? "" : "s", nb.n > 0 ? nb.sum / nb.n : 0.0,
		    nb.min, nb.max);
	}
}

static void
ctl_counts_json(struct json *j, const struct ctl_res *r)
{
	json_kv_string(j, "survey", r->name);
	json_kv_string(j, "wave", r->s != NULL ? r->s->wave : NULL);
	json_kv_int(j, "complete", r->c.complete);
	json_kv_int(j, "partial", r->c.partial);
	json_kv_int(j, "open", r->c.open);
}

struct ctl_out {
	struct ctl *ctl;
	const struct ctl_res *pre, *post;
};

static void
ctl_answer_json(void *arg, const struct ctl_answer *a, int pre, int post)
{
	struct ctl_out *o = arg;
	struct json *j = o->ctl->json;
	char qb[16], ab[96];

	json_object_begin(j);
	json_kv_string(j, "question", ctl_question_name(o->pre->s,
	    a->question, qb, sizeof(qb)));
	json_kv_int(j, "index", a->question + 1);
	if (a->text != NULL)
		json_kv_string(j, "text", a->text);
	else if (a->has_number)
		json_kv_int(j, "number", a->number);
	else
		json_kv_int(j, "choice", a->choice);
	json_kv_string(j, "answer", ctl_answer_word(o->pre->s, a, ab,
	    sizeof(ab)));
	json_kv_int(j, "count", pre);
	if (o->post != NULL)
		json_kv_int(j, "post_count", post);
	json_object_end(j);
}

/* A CSV field, quoted. */
static void
ctl_csv(FILE *fp, const char *s, const char *end)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
	}
	fprintf(fp, "\"%s", end);
}

static void
ctl_answer_csv(void *arg, const struct ctl_answer *a, int pre, int post)
{
	struct ctl_out *o = arg;
	char qb[16], ab[96];

	ctl_csv(o->ctl->out, ctl_question_name(o->pre->s, a->question, qb,
	    sizeof(qb)), ",");
	ctl_csv(o->ctl->out, ctl_answer_word(o->pre->s, a, ab, sizeof(ab)),
	    ",");
	if (o->post != NULL)
		fprintf(o->ctl->out, "%d,%d\n", pre, post);
	else
		fprintf(o->ctl->out, "%d\n", pre);
}

static void
ctl_answer_text(void *arg, const struct ctl_answer *a, int pre, int post)
{
	struct ctl_out *o = arg;
	char qb[16], ab[96], *clean;

	clean = ctl_clean(ctl_answer_word(o->pre->s, a, ab, sizeof(ab)), 0);
	fprintf(o->ctl->out, "  %-14s %-30s %6d", ctl_question_name(o->pre->s,
	    a->question, qb, sizeof(qb)), clean != NULL ? clean : "?", pre);
	if (o->post != NULL)
		fprintf(o->ctl->out, " %6d", post);
	fputc('\n', o->ctl->out);
	free(clean);
}

static void
ctl_counts_text(FILE *fp, const struct ctl_res *r)
{
	fprintf(fp, "survey %s%s%s: %d complete, %d partial, %d open\n",
	    r->name, r->s != NULL && r->s->wave != NULL ? ", wave " : "",
	    r->s != NULL && r->s->wave != NULL ? r->s->wave : "",
	    r->c.complete, r->c.partial, r->c.open);
}

static void
ctl_results_print(struct ctl *ctl, const struct ctl_res *pre,
    const struct ctl_res *post, int csv)
{
	struct ctl_out o = { ctl, pre, post };

	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		ctl_counts_json(ctl->json, pre);
		json_key(ctl->json, "answers");
		json_array_begin(ctl->json);
		ctl_each_answer(pre, post, ctl_answer_json, &o);
		json_array_end(ctl->json);
		ctl_numbers_json(ctl->json, pre);
		if (post != NULL) {
			json_key(ctl->json, "post");
			json_object_begin(ctl->json);
			ctl_counts_json(ctl->json, post);
			ctl_numbers_json(ctl->json, post);
			json_object_end(ctl->json);
		}
		json_object_end(ctl->json);
	} else if (csv) {
		fprintf(ctl->out, "question,answer,");
		if (post != NULL) {
			ctl_csv(ctl->out, pre->name, ",");
			ctl_csv(ctl->out, post->name, "\n");
		} else
			fprintf(ctl->out, "count\n");
		ctl_each_answer(pre, post, ctl_answer_csv, &o);
	} else {
		ctl_counts_text(ctl->out, pre);
		if (post != NULL)
			ctl_counts_text(ctl->out, post);
		if (post != NULL)
			fprintf(ctl->out, "  %-14s %-30s %6.6s %6.6s\n", "QUESTION",
			    "ANSWER", pre->name, post->name);
		ctl_each_answer(pre, post, ctl_answer_text, &o);
		ctl_numbers_text(ctl->out, pre);
		if (post != NULL)
			ctl_numbers_text(ctl->out, post);
	}
}

int
ctl_surveys_results(struct ctl *ctl, struct ctl_args *args)
{
	struct ctl_res pre, post;
	const struct conf_survey *ps = NULL;
	int rc = EXIT_OK;

	memset(&pre, 0, sizeof(pre));
	memset(&post, 0, sizeof(post));
	pre.name = args->rest[0];
	if (ctl->conf != NULL) {
		pre.s = campaign_survey(ctl->conf, pre.name, NULL);
		ps = pre.s != NULL ? campaign_post_of(ctl->conf, pre.s) : NULL;
	}
	if (ps != NULL) {
		post.name = ps->name;
		post.s = ps;
	}
	if (ctl_res_load(ctl, &pre) < 0 ||
	    (ps != NULL && ctl_res_load(ctl, &post) < 0))
		rc = ctl_db_error(ctl);
	else
		ctl_results_print(ctl, &pre, ps != NULL ? &post : NULL,
		    args->csv);
	ctl_res_free(&pre);
	ctl_res_free(&post);
	return rc;
}

/* ---- stats --by source ---------------------------------------------------- */

static int
ctl_source_row(void *arg, const char *day, const char *source, int count)
{
	return ctl_count_row(arg, "source", day, source, count);
}

int
ctl_stats_sources(struct ctl *ctl, struct ctl_args *args)
{
	static const char *const headers[] = { "DAY", "SOURCE", "COUNT" };
	int rc;

	if ((rc = ctl_list_begin(ctl, headers, 3)) != 0)
		return rc;
	rc = store_list_sources(ctl->store, args->since_day, ctl_source_row,
	    ctl);
	return ctl_list_end(ctl, rc, "no messages counted under a source");
}
