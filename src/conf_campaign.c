/*
 * conf_campaign: the "series", "surveys" and "sources" lists of
 * shukher.conf (the campaign: include/campaign.h).
 *
 *   series = ( { name = "tips"; words = [ "ЗӨВЛӨГӨӨ", "TIPS" ];
 *                leave_words = [ "TIPS OFF" ];
 *                at = "10:00";          # daily, local; or every = 60;
 *                confirm = { mn = "..."; en = "..."; };
 *                messages = ( { mn = "..."; en = "..."; }, ... ); } );
 *   surveys = ( { name = "know_pre"; wave = "pre";
 *                 words = [ "СУДАЛГАА", "SURVEY" ];
 *                 timeout = 1800; window = 604800;
 *                 consent = { ... }; hint = { ... }; done = { ... };
 *                 repeat = { ... };
 *                 questions = (
 *                   { name = "fake_job"; type = "choice";
 *                     text = { ... }; options = ( [ "хуурамч", "fake" ],
 *                     [ "жинхэнэ", "real" ] ); },
 *                   { type = "number"; min = 18; max = 27; text = { ... }; },
 *                   { type = "yesno"; text = { ... }; },
 *                   { type = "text"; text = { ... }; } ); } );
 *   sources = ( { name = "darkhan_poster";
 *                 words = [ "ШҮХЭР ДАРХАН", "SHUHER DARKHAN" ]; } );
 *   broadcast_rate = 6;     # a broadcast's SMS per minute per modem
 *
 * Read with the conf_kit toolkit as the other groups are: unknown names
 * refused, every integer in its range, errors naming file and line. The
 * words are compiled after the whole file is read (conf_campaign_compile(),
 * src/campaign_words.c), with the matching settings of the keywords.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "campaign.h"
#include "conf.h"
#include "conf_int.h"
#include "match.h"

static const char *const conf_series_keys[] = { "name", "words",
    "leave_words", "at", "every", "confirm", "left", "messages", NULL };
static const char *const conf_survey_keys[] = { "name", "wave", "words",
    "timeout", "window", "consent", "hint", "done", "repeat", "questions",
    NULL };
static const char *const conf_question_keys[] = { "name", "type", "text",
    "options", "min", "max", NULL };
static const char *const conf_source_keys[] = { "name", "words", NULL };
static const char *const conf_qtypes[] = { "choice", "number", "yesno",
    "text", NULL };

/* Built-in texts of a survey, each language. */
static const char *const conf_left[LANG_COUNT] = {
	[LANG_MN] = "Та цувралаас гарлаа. Дахин мессеж ирэхгүй.",
	[LANG_EN] = "You have left the series. No more messages will come.",
	[LANG_MN_LATN] = "Ta tsuvralaas garlaa. Dahin messej irehgui.",
};
static const char *const conf_consent[LANG_COUNT] = {
	[LANG_MN] = "Нэргүй судалгаа: таны дугаарыг хадгалахгүй. Хэдхэн "
	    "асуулт. Зогсоох бол ЗОГС гэж илгээнэ үү.",
	[LANG_EN] = "Anonymous survey: your number is not kept. A few "
	    "questions. Send STOP to end it.",
	[LANG_MN_LATN] = "Nergui sudalgaa: tanii dugaariig hadgalahgui. "
	    "Hedhen asuult. Zogsooh bol ZOGS gej ilgeene uu.",
};
static const char *const conf_hint[LANG_COUNT] = {
	[LANG_MN] = "Хариултын дугаар эсвэл тоо бичнэ үү:",
	[LANG_EN] = "Please answer with the option's number or a number:",
	[LANG_MN_LATN] = "Hariultiin dugaar esvel too bichne uu:",
};
static const char *const conf_done[LANG_COUNT] = {
	[LANG_MN] = "Баярлалаа! Тусламж: 1903, цагдаа 102.",
	[LANG_EN] = "Thank you! Help: 1903, police 102.",
	[LANG_MN_LATN] = "Bayarlalaa! Tuslamj: 1903, tsagdaa 102.",
};
static const char *const conf_repeat[LANG_COUNT] = {
	[LANG_MN] = "Та энэ судалгаанд хариулсан байна. Баярлалаа!",
	[LANG_EN] = "You have already answered this survey. Thank you!",
	[LANG_MN_LATN] = "Ta ene sudalgaand hariulsan baina. Bayarlalaa!",
};

/* texts into reply, each language. Returns 0 or -1. */
static int
conf_cdefault(const struct conf_ctx *ctx, const char *const *texts,
    struct conf_reply *reply)
{
	int l;

	for (l = 0; l < LANG_COUNT; l++)
		if ((reply->text[l] = strdup(texts[l])) == NULL)
			return conf_nomem(ctx);
	return 0;
}

/* A group of texts keyed by language, s itself (a list's element). */
static int
conf_ctexts(const struct conf_ctx *ctx, const config_setting_t *s,
    const char *what, struct conf_reply *reply)
{
	const config_setting_t *t;
	int i, l;

	if (!config_setting_is_group(s))
		return conf_fail(ctx, s, "%s: expected a group of texts, like "
		    "{ mn = \"...\"; en = \"...\"; }", what);
	for (i = 0; (t = config_setting_get_elem(s, (unsigned)i)) != NULL;
	    i++) {
		if ((l = lang_parse(config_setting_name(t))) == -1)
			return conf_fail(ctx, t, "%s: unknown language \"%s\" "
			    "(mn, en or mn_latn)", what, config_setting_name(t));
		if (config_setting_type(t) != CONFIG_TYPE_STRING ||
		    config_setting_get_string(t)[0] == '\0')
			return conf_fail(ctx, t, "%s.%s: expected a non-empty "
			    "string", what, config_setting_name(t));
		free(reply->text[l]);
		if ((reply->text[l] = strdup(config_setting_get_string(t))) ==
		    NULL)
			return conf_nomem(ctx);
	}
	if (i == 0)
		return conf_fail(ctx, s, "%s: no text", what);
	return 0;
}

/* Member name of g, a list of n elements, into *list (calloc'd, n + 1).
 * *n 0 and *list NULL when absent. Returns 0 or -1. */
static int
conf_clist(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, size_t size, void **list, size_t *n,
    const config_setting_t **out)
{
	const config_setting_t *s;
	int len;

	*out = NULL;
	if ((s = config_setting_get_member(g, name)) == NULL)
		return 0;
	if (!config_setting_is_list(s))
		return conf_fail(ctx, s, "%s: expected a list ( ..., ... )",
		    name);
	len = config_setting_length(s);
	if ((*list = calloc((size_t)len + 1, size)) == NULL)
		return conf_nomem(ctx);
	*n = 0;
	*out = s;
	return 0;
}

/* The name member of g (required). */
static int
conf_cname(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *what, char **name)
{
	if (conf_str(ctx, g, "name", CONF_NONEMPTY, name) == -1)
		return -1;
	if (*name == NULL)
		return conf_fail(ctx, g, "%s: each needs a name", what);
	if (strspn(*name, "abcdefghijklmnopqrstuvwxyz0123456789_-") !=
	    strlen(*name))
		return conf_fail(ctx, g, "%s: name \"%s\": lower-case letters, "
		    "digits, _ and - only", what, *name);
	return 0;
}

/* One series. */
static int
conf_cseries(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_series *s)
{
	const config_setting_t *l, *e;
	char *at = NULL;
	size_t i;
	int rc;

	if (!config_setting_is_group(g))
		return conf_fail(ctx, g, "series: expected ( { name; words; "
		    "messages; }, ... )");
	if (conf_cdefault(ctx, conf_left, &s->left) == -1 ||
	    conf_keys(ctx, g, conf_series_keys) == -1 ||
	    conf_cname(ctx, g, "series", &s->name) == -1 ||
	    conf_strs(ctx, g, "words", CONF_NONEMPTY, &s->words,
	    &s->nwords) == -1 ||
	    conf_strs(ctx, g, "leave_words", CONF_NONEMPTY, &s->leave_words,
	    &s->nleave_words) == -1 ||
	    conf_int(ctx, g, "every", 0, 30 * 86400, &s->every) == -1 ||
	    conf_str(ctx, g, "at", CONF_NONEMPTY, &at) == -1 ||
	    conf_reply(ctx, g, "confirm", CONF_REPLY_REPLACE,
	    &s->confirm) == -1 ||
	    conf_reply(ctx, g, "left", CONF_REPLY_OVER, &s->left) == -1)
		goto fail;
	s->at = 10 * 60;
	rc = at != NULL && (s->at = conf_hhmm(at)) < 0 ? -1 : 0;
	free(at);
	at = NULL;
	if (rc == -1)
		return conf_fail(ctx, config_setting_get_member(g, "at"),
		    "series \"%s\": at: expected \"HH:MM\"", s->name);
	if (s->nwords == 0)
		return conf_fail(ctx, g, "series \"%s\": words: missing",
		    s->name);
	if (conf_reply_text(NULL, &s->confirm, LANG_MN) == NULL)
		return conf_fail(ctx, g, "series \"%s\": confirm: missing (it "
		    "must say how to stop)", s->name);
	if (conf_clist(ctx, g, "messages", sizeof(*s->messages),
	    (void **)&s->messages, &s->nmessages, &l) == -1)
		return -1;
	if (l == NULL || config_setting_length(l) == 0)
		return conf_fail(ctx, g, "series \"%s\": messages: missing",
		    s->name);
	for (i = 0; (e = config_setting_get_elem(l, (unsigned)i)) != NULL;
	    i++) {
		s->nmessages++;
		if (conf_ctexts(ctx, e, "messages", &s->messages[i]) == -1)
			return -1;
	}
	return 0;
fail:
	free(at);
	return -1;
}

/* The options of a choice question: a list of lists of words. */
static int
conf_coptions(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_question *q)
{
	const config_setting_t *l, *e, *w;
	size_t i, k;

	if (conf_clist(ctx, g, "options", sizeof(*q->options),
	    (void **)&q->options, &q->noptions, &l) == -1)
		return -1;
	if (l == NULL || config_setting_length(l) < 2 ||
	    config_setting_length(l) > 9)
		return conf_fail(ctx, g, "options: a choice needs 2 to 9 "
		    "options, each a list of words ( [ \"...\" ], ... )");
	for (i = 0; (e = config_setting_get_elem(l, (unsigned)i)) != NULL;
	    i++) {
		if (!config_setting_is_array(e) && !config_setting_is_list(e))
			return conf_fail(ctx, e, "options[%zu]: expected a list "
			    "of words", i);
		q->options[i].words = calloc((size_t)config_setting_length(e) +
		    1, sizeof(char *));
		if (q->options[i].words == NULL)
			return conf_nomem(ctx);
		q->noptions++;
		for (k = 0; (w = config_setting_get_elem(e, (unsigned)k)) !=
		    NULL; k++) {
			if (config_setting_type(w) != CONFIG_TYPE_STRING ||
			    config_setting_get_string(w)[0] == '\0')
				return conf_fail(ctx, w, "options[%zu][%zu]: "
				    "expected a non-empty string", i, k);
			if ((q->options[i].words[k] = strdup(
			    config_setting_get_string(w))) == NULL)
				return conf_nomem(ctx);
			q->options[i].nwords++;
		}
	}
	return 0;
}

/* One question, number n (0-based). */
static int
conf_cquestion(const struct conf_ctx *ctx, const config_setting_t *g,
    size_t n, struct conf_question *q)
{
	char *type = NULL, buf[16];
	int t;

	if (!config_setting_is_group(g))
		return conf_fail(ctx, g, "questions: expected ( { type; text; "
		    "}, ... )");
	if (conf_keys(ctx, g, conf_question_keys) == -1 ||
	    conf_str(ctx, g, "name", CONF_NONEMPTY, &q->name) == -1 ||
	    conf_str(ctx, g, "type", CONF_NONEMPTY, &type) == -1)
		return -1;
	for (t = 0; type != NULL && conf_qtypes[t] != NULL &&
	    strcmp(conf_qtypes[t], type) != 0; t++)
		;
	if (type == NULL || conf_qtypes[t] == NULL) {
		free(type);
		return conf_fail(ctx, g, "questions[%zu]: type: expected "
		    "\"choice\", \"number\", \"yesno\" or \"text\"", n);
	}
	free(type);
	q->type = (enum conf_qtype)t;
	if (q->name == NULL) {
		snprintf(buf, sizeof(buf), "q%zu", n + 1);
		if ((q->name = strdup(buf)) == NULL)
			return conf_nomem(ctx);
	}
	q->min = 0;
	q->max = 1000;
	if (conf_reply(ctx, g, "text", CONF_REPLY_REPLACE, &q->text) == -1 ||
	    conf_int(ctx, g, "min", -1000000, 1000000, &q->min) == -1 ||
	    conf_int(ctx, g, "max", -1000000, 1000000, &q->max) == -1)
		return -1;
	if (conf_reply_text(NULL, &q->text, LANG_MN) == NULL)
		return conf_fail(ctx, g, "questions[%zu]: text: missing", n);
	if (q->min > q->max)
		return conf_fail(ctx, g, "questions[%zu]: min is more than "
		    "max", n);
	if (q->type == CONF_Q_CHOICE)
		return conf_coptions(ctx, g, q);
	if (config_setting_get_member(g, "options") != NULL)
		return conf_fail(ctx, g, "questions[%zu]: options: only a "
		    "choice has them", n);
	return 0;
}

/* One survey. */
static int
conf_csurvey(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_survey *s)
{
	const config_setting_t *l, *e;
	size_t i;

	if (!config_setting_is_group(g))
		return conf_fail(ctx, g, "surveys: expected ( { name; words; "
		    "questions; }, ... )");
	s->timeout = 1800;
	s->window = 7 * 86400;
	if (conf_cdefault(ctx, conf_consent, &s->consent) == -1 ||
	    conf_cdefault(ctx, conf_hint, &s->hint) == -1 ||
	    conf_cdefault(ctx, conf_done, &s->done) == -1 ||
	    conf_cdefault(ctx, conf_repeat, &s->repeat) == -1)
		return -1;
	if (conf_keys(ctx, g, conf_survey_keys) == -1 ||
	    conf_cname(ctx, g, "surveys", &s->name) == -1 ||
	    conf_str(ctx, g, "wave", CONF_NONEMPTY, &s->wave) == -1 ||
	    conf_strs(ctx, g, "words", CONF_NONEMPTY, &s->words,
	    &s->nwords) == -1 ||
	    conf_int(ctx, g, "timeout", 1, 7 * 86400, &s->timeout) == -1 ||
	    conf_int(ctx, g, "window", 1, 365 * 86400, &s->window) == -1 ||
	    conf_reply(ctx, g, "consent", CONF_REPLY_OVER, &s->consent) == -1 ||
	    conf_reply(ctx, g, "hint", CONF_REPLY_OVER, &s->hint) == -1 ||
	    conf_reply(ctx, g, "done", CONF_REPLY_OVER, &s->done) == -1 ||
	    conf_reply(ctx, g, "repeat", CONF_REPLY_OVER, &s->repeat) == -1)
		return -1;
	if (s->wave != NULL && strcmp(s->wave, "pre") != 0 &&
	    strcmp(s->wave, "post") != 0)
		return conf_fail(ctx, config_setting_get_member(g, "wave"),
		    "surveys \"%s\": wave: expected \"pre\" or \"post\"",
		    s->name);
	if (s->nwords == 0)
		return conf_fail(ctx, g, "surveys \"%s\": words: missing",
		    s->name);
	if (conf_clist(ctx, g, "questions", sizeof(*s->questions),
	    (void **)&s->questions, &s->nquestions, &l) == -1)
		return -1;
	if (l == NULL || config_setting_length(l) == 0 ||
	    config_setting_length(l) > 50)
		return conf_fail(ctx, g, "surveys \"%s\": questions: 1 to 50 "
		    "needed", s->name);
	for (i = 0; (e = config_setting_get_elem(l, (unsigned)i)) != NULL;
	    i++) {
		s->nquestions++;
		if (conf_cquestion(ctx, e, i, &s->questions[i]) == -1)
			return -1;
	}
	return 0;
}

static int
conf_csource(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_source *s)
{
	if (!config_setting_is_group(g))
		return conf_fail(ctx, g, "sources: expected ( { name; words; "
		    "}, ... )");
	if (conf_keys(ctx, g, conf_source_keys) == -1 ||
	    conf_cname(ctx, g, "sources", &s->name) == -1 ||
	    conf_strs(ctx, g, "words", CONF_NONEMPTY, &s->words,
	    &s->nwords) == -1)
		return -1;
	if (s->nwords == 0)
		return conf_fail(ctx, g, "sources \"%s\": words: missing",
		    s->name);
	return 0;
}

/* No two of n names (at stride size, name first) alike. */
static int
conf_cunique(const struct conf_ctx *ctx, const config_setting_t *l,
    const void *items, size_t n, size_t size, const char *what)
{
	const char *a, *b;
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			a = *(char *const *)((const char *)items + i * size);
			b = *(char *const *)((const char *)items + j * size);
			if (strcmp(a, b) == 0)
				return conf_fail(ctx, l, "%s: \"%s\" twice",
				    what, a);
		}
	return 0;
}

int
conf_campaign_read(const struct conf_ctx *ctx, const config_setting_t *root,
    struct conf_campaign *out)
{
	const config_setting_t *l, *e;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->broadcast_rate = 6;
	if (conf_int(ctx, root, "broadcast_rate", 1, 60,
	    &out->broadcast_rate) == -1)
		return -1;
	if (conf_clist(ctx, root, "series", sizeof(*out->series),
	    (void **)&out->series, &out->nseries, &l) == -1)
		return -1;
	for (i = 0; l != NULL && (e = config_setting_get_elem(l,
	    (unsigned)i)) != NULL; i++) {
		out->nseries++;
		if (conf_cseries(ctx, e, &out->series[i]) == -1)
			return -1;
	}
	if (l != NULL && conf_cunique(ctx, l, out->series, out->nseries,
	    sizeof(*out->series), "series") == -1)
		return -1;
	if (conf_clist(ctx, root, "surveys", sizeof(*out->surveys),
	    (void **)&out->surveys, &out->nsurveys, &l) == -1)
		return -1;
	for (i = 0; l != NULL && (e = config_setting_get_elem(l,
	    (unsigned)i)) != NULL; i++) {
		out->nsurveys++;
		if (conf_csurvey(ctx, e, &out->surveys[i]) == -1)
			return -1;
	}
	if (l != NULL && conf_cunique(ctx, l, out->surveys, out->nsurveys,
	    sizeof(*out->surveys), "surveys") == -1)
		return -1;
	if (conf_clist(ctx, root, "sources", sizeof(*out->sources),
	    (void **)&out->sources, &out->nsources, &l) == -1)
		return -1;
	for (i = 0; l != NULL && (e = config_setting_get_elem(l,
	    (unsigned)i)) != NULL; i++) {
		out->nsources++;
		if (conf_csource(ctx, e, &out->sources[i]) == -1)
			return -1;
	}
	if (l != NULL && conf_cunique(ctx, l, out->sources, out->nsources,
	    sizeof(*out->sources), "sources") == -1)
		return -1;
	return 0;
}

static void
conf_cquestion_free(struct conf_question *q)
{
	size_t i;

	free(q->name);
	conf_reply_free(&q->text);
	for (i = 0; i < q->noptions; i++)
		conf_strs_free(q->options[i].words, q->options[i].nwords);
	free(q->options);
	match_free(q->match);
}

void
conf_campaign_free(struct conf_campaign *c)
{
	size_t i, k;

	campaign_words_free(c->words);
	match_free(c->yesno);
	for (i = 0; i < c->nseries; i++) {
		free(c->series[i].name);
		conf_strs_free(c->series[i].words, c->series[i].nwords);
		conf_strs_free(c->series[i].leave_words,
		    c->series[i].nleave_words);
		conf_reply_free(&c->series[i].confirm);
		conf_reply_free(&c->series[i].left);
		for (k = 0; k < c->series[i].nmessages; k++)
			conf_reply_free(&c->series[i].messages[k]);
		free(c->series[i].messages);
	}
	free(c->series);
	for (i = 0; i < c->nsurveys; i++) {
		free(c->surveys[i].name);
		free(c->surveys[i].wave);
		conf_strs_free(c->surveys[i].words, c->surveys[i].nwords);
		conf_reply_free(&c->surveys[i].consent);
		conf_reply_free(&c->surveys[i].hint);
		conf_reply_free(&c->surveys[i].done);
		conf_reply_free(&c->surveys[i].repeat);
		for (k = 0; k < c->surveys[i].nquestions; k++)
			conf_cquestion_free(&c->surveys[i].questions[k]);
		free(c->surveys[i].questions);
	}
	free(c->surveys);
	for (i = 0; i < c->nsources; i++) {
		free(c->sources[i].name);
		conf_strs_free(c->sources[i].words, c->sources[i].nwords);
	}
	free(c->sources);
	memset(c, 0, sizeof(*c));
}
