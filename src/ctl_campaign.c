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

/* words[0..n) joined by spaces; caller frees; NULL out of memory. */
static char *
ctl_camp_join(char **words, int n)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	if ((s = calloc(1, len)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	return s;
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
	if ((text = ctl_camp_join(args->rest + 1, args->nrest - 1)) == NULL) {
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
	} else
		fprintf(ctl->out, "broadcast %lld to the subscribers of %s, "
		    "queued by the daemon from %s (never in quiet hours)\n",
		    (long long)id, series, args->at != NULL ? args->at : "now");
	return EXIT_OK;
}

/* ---- surveys results ----------------------------------------------------- */

/* One answer row of the results. */
struct ctl_answer {
	int question, choice, has_number, count;
	long number;
	char *text;
};

struct ctl_answers {
	struct ctl_answer *a;
	size_t n, cap;
};

static int
ctl_answer_add(void *arg, int question, int choice, int has_number,
    long number, const char *text, int count)
{
	struct ctl_answers *l = arg;
	struct ctl_answer *a;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		if ((a = realloc(l->a, l->cap * sizeof(*a))) == NULL)
			return -1;
		l->a = a;
	}
	a = &l->a[l->n];
	memset(a, 0, sizeof(*a));
	a->question = question;
	a->choice = choice;
	a->has_number = has_number;
	a->number = number;
	a->count = count;
	if (text != NULL && (a->text = strdup(text)) == NULL)
		return -1;
	l->n++;
	return 0;
}

static void
ctl_answers_free(struct ctl_answers *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->a[i].text);
	free(l->a);
}

/* The answer as a word: "1" (option), "yes", a number, the text. */
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

static void
ctl_results_json(struct ctl *ctl, const char *name,
    const struct conf_survey *s, const struct store_survey_count *c,
    const struct ctl_answers *l)
{
	struct json *j = ctl->json;
	char qb[16], ab[32];
	size_t i;
	int q = -1;

	json_object_begin(j);
	json_kv_string(j, "survey", name);
	json_kv_string(j, "wave", s != NULL ? s->wave : NULL);
	json_kv_int(j, "complete", c->complete);
	json_kv_int(j, "partial", c->partial);
	json_kv_int(j, "open", c->open);
	json_key(j, "answers");
	json_array_begin(j);
	for (i = 0; i < l->n; i++) {
		if (l->a[i].question != q)
			q = l->a[i].question;
		json_object_begin(j);
		json_kv_string(j, "question", ctl_question_name(s, q, qb,
		    sizeof(qb)));
		json_kv_int(j, "index", q + 1);
		if (l->a[i].text != NULL)
			json_kv_string(j, "text", l->a[i].text);
		else if (l->a[i].has_number)
			json_kv_int(j, "number", l->a[i].number);
		else
			json_kv_int(j, "choice", l->a[i].choice);
		json_kv_string(j, "answer", ctl_answer_word(s, &l->a[i], ab,
		    sizeof(ab)));
		json_kv_int(j, "count", l->a[i].count);
		json_object_end(j);
	}
	json_array_end(j);
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
ctl_results_csv(struct ctl *ctl, const struct conf_survey *s,
    const struct ctl_answers *l)
{
	char qb[16], ab[32];
	size_t i;

	fprintf(ctl->out, "question,answer,count\n");
	for (i = 0; i < l->n; i++) {
		ctl_csv(ctl->out, ctl_question_name(s, l->a[i].question, qb,
		    sizeof(qb)), ",");
		ctl_csv(ctl->out, ctl_answer_word(s, &l->a[i], ab, sizeof(ab)),
		    ",");
		fprintf(ctl->out, "%d\n", l->a[i].count);
	}
}

static void
ctl_results_text(struct ctl *ctl, const char *name,
    const struct conf_survey *s, const struct store_survey_count *c,
    const struct ctl_answers *l)
{
	char qb[16], ab[32], *clean;
	size_t i;

	fprintf(ctl->out, "survey %s%s%s: %d complete, %d partial, %d open\n",
	    name, s != NULL && s->wave != NULL ? ", wave " : "",
	    s != NULL && s->wave != NULL ? s->wave : "", c->complete,
	    c->partial, c->open);
	for (i = 0; i < l->n; i++) {
		clean = ctl_clean(ctl_answer_word(s, &l->a[i], ab, sizeof(ab)),
		    0);
		fprintf(ctl->out, "  %-12s %-30s %d\n", ctl_question_name(s,
		    l->a[i].question, qb, sizeof(qb)), clean != NULL ? clean :
		    "?", l->a[i].count);
		free(clean);
	}
}

int
ctl_surveys_results(struct ctl *ctl, struct ctl_args *args)
{
	const char *name = args->rest[0];
	const struct conf_survey *s = NULL;
	struct store_survey_count c;
	struct ctl_answers l;
	int rc;

	memset(&l, 0, sizeof(l));
	if (ctl->conf != NULL)
		s = campaign_survey(ctl->conf, name, NULL);
	if (store_survey_counts(ctl->store, name, &c) < 0)
		return ctl_db_error(ctl);
	if ((rc = store_survey_answers(ctl->store, name, ctl_answer_add,
	    &l)) < 0) {
		ctl_answers_free(&l);
		return ctl_db_error(ctl);
	}
	if (ctl->json != NULL)
		ctl_results_json(ctl, name, s, &c, &l);
	else if (args->csv)
		ctl_results_csv(ctl, s, &l);
	else
		ctl_results_text(ctl, name, s, &c, &l);
	ctl_answers_free(&l);
	return EXIT_OK;
}

/* ---- stats --by source ---------------------------------------------------- */

static int
ctl_source_row(void *arg, const char *day, const char *source, int count)
{
	struct ctl *ctl = arg;
	const char *cells[3];
	char n[16];

	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_string(ctl->json, "day", day);
		json_kv_string(ctl->json, "source", source);
		json_kv_int(ctl->json, "count", count);
		json_object_end(ctl->json);
		return 0;
	}
	snprintf(n, sizeof(n), "%d", count);
	cells[0] = day;
	cells[1] = source;
	cells[2] = n;
	return ctl_list_row(ctl, cells);
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
