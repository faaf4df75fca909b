/*
 * conf: reads shukher.conf (libconfig) into a plain struct conf.
 *
 * conf_load() fills a struct with built-in defaults, reads the file over
 * them and copies every string out of libconfig, so nothing points into the
 * libconfig tree once it is destroyed. Reading checks the shape (known
 * names, types); conf_validate() alone checks the values. Every error names
 * the file and, where libconfig knows it, the line: an operator's typo must
 * stop the daemon with a message that says where to look, never be ignored.
 * Error strings quote setting names and keywords, never a PIN.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libconfig.h>
#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

#include "conf.h"
#include "conf_int.h"
#include "match.h"
#include "text.h"

/* One list of trigger words, for the checks that span all of them. */
struct conf_wordset {
	char *const *words;
	size_t nwords;
	const config_setting_t *setting;   /* the words setting, or NULL */
	const config_setting_t *parent;    /* its group, or NULL */
	char label[96];
};

#define CONF_WHERE 160           /* room for "keywords[12] ("name").reply" */

static const char *const conf_lang_names[LANG_COUNT] = {
	[LANG_MN] = "mn",
	[LANG_EN] = "en",
	[LANG_MN_LATN] = "mn_latn",
};

static const char *const conf_top_keys[] = { "database", "language",
    "modem", "limits", "keywords", "default_reply", "stop", "start",
    "reports", "matching", "hotlines", "web", "central", "modems", "failover_after", "series", "surveys", "sources",
    "broadcast_rate",
    /* src/conf_health.c */
    "technicians", "alert_after", "alert_every", "quiet_hours",
    "daily_summary", "alert_failed_sends", NULL };
static const char *const conf_keyword_keys[] = { "name", "words", "reply",
    "report", "language", NULL };
static const char *const conf_optin_keys[] = { "words", "reply", NULL };

/* The plain values: where they stand and where they go in struct conf. */
static const struct conf_field {
	const char *group;       /* NULL for the top level */
	const char *name;
	int type;                /* CONFIG_TYPE_STRING, _INT or _BOOL */
	size_t off;
	int required;            /* a string: not empty */
	int min, max;            /* an integer: its range */
} conf_fields[] = {
#define S(g, n, m, r) { g, n, CONFIG_TYPE_STRING, offsetof(struct conf, m), \
	    r, 0, 0 }
#define B(g, n, m) { g, n, CONFIG_TYPE_BOOL, offsetof(struct conf, m), 0, 0, 0 }
#define I(g, n, m, lo, hi) { g, n, CONFIG_TYPE_INT, \
	    offsetof(struct conf, m), 0, lo, hi }
	S(NULL, "database", database, 1),
	S("modem", "device", modem.device, 1),
	S("modem", "connection", modem.connection, 1),
	S("modem", "model", modem.model, 0),
	S("modem", "pin", modem.pin, 0),
	/* The ranges are shukher.conf(5)'s. Each keeps the arithmetic on
	 * it (3 * timeout for an open, now + seconds) far from overflow. */
	I("modem", "timeout", modem.timeout, 1, 120),
	I("modem", "poll_interval", modem.poll_interval, 1, 3600),
	B("modem", "notifications", modem.notifications),
	B("modem", "delivery_reports", modem.delivery_reports),
	I("modem", "daily_limit", modem.daily_limit, 0, 1000000),
	I(NULL, "failover_after", failover_after, 1, 86400),
	I("limits", "reply_budget", limits.reply_budget, 1, 100000),
	I("limits", "reply_window", limits.reply_window, 1, 7 * 86400),
	I("limits", "send_attempts", limits.send_attempts, 1, 100),
	/* Retries wait at most an hour (gateway.c) however it doubles. */
	I("limits", "retry_delay", limits.retry_delay, 1, 3600),
	I("limits", "multipart_timeout", limits.multipart_timeout, 1, 86400),
	/* 8 digits would take Mongolian numbers written without +976 for
	 * short codes, and answer nobody. */
	I("limits", "short_code_max_digits", limits.short_code_max_digits, 1,
	    7),
	I("limits", "max_segments", limits.max_segments, 1, 10),
#undef S
#undef B
#undef I
};
#define CONF_NFIELDS (sizeof(conf_fields) / sizeof(conf_fields[0]))

/* Labels route gives its own outcomes in statistics and the inbox; a
 * group of the same name would be counted, or even handled, as that. */
static const char *const conf_reserved_names[] = { "default", "stop",
    "start", "ignored", "opted_out", "malformed", "probe", NULL };

static const char *const conf_stop_words[] = { "STOP", "ЗОГС", "ZOGS",
    NULL };
static const char *const conf_stop_reply[LANG_COUNT] = {
	[LANG_MN] = "Та цаашид мессеж авахгүй. Дахин авах бол ЭХЛЭХ гэж "
	    "илгээнэ үү.",
	[LANG_EN] = "You will get no more messages. Send START to get them "
	    "again.",
	[LANG_MN_LATN] = "Ta tsaashid messej avahgui. Dahin avah bol EHLEH "
	    "gej ilgeene uu.",
};
static const char *const conf_start_words[] = { "START", "ЭХЛЭХ", "EHLEH",
    NULL };
static const char *const conf_start_reply[LANG_COUNT] = {
	[LANG_MN] = "Мессеж дахин авна. Зогсоох бол ЗОГС гэж илгээнэ үү.",
	[LANG_EN] = "Messages are on again. Send STOP to stop them.",
	[LANG_MN_LATN] = "Messej dahin avna. Zogsooh bol ZOGS gej ilgeene uu.",
};

const char *
lang_name(enum lang lang)
{
	if ((int)lang < 0 || lang >= LANG_COUNT)
		return "?";
	return conf_lang_names[lang];
}

int
lang_parse(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < LANG_COUNT; i++)
		if (strcmp(name, conf_lang_names[i]) == 0)
			return i;
	return -1;
}

/* Replaces *dst by a copy of src (NULL stays NULL). Returns 0 or -1. */
static int
conf_set_str(const struct conf_ctx *ctx, char **dst, const char *src)
{
	char *copy = NULL;

	if (src != NULL && (copy = strdup(src)) == NULL)
		return conf_nomem(ctx);
	free(*dst);
	*dst = copy;
	return 0;
}

/* Copies a NULL-terminated word list and a reply into the conf. */
static int
conf_set_optin(const struct conf_ctx *ctx, const char *const *src,
    const char *const text[LANG_COUNT], char ***words, size_t *nwords,
    struct conf_reply *reply)
{
	size_t n;
	int l;

	for (n = 0; src[n] != NULL; n++)
		;
	if ((*words = calloc(n, sizeof(**words))) == NULL)
		return conf_nomem(ctx);
	for (*nwords = 0; *nwords < n; (*nwords)++)
		if (conf_set_str(ctx, &(*words)[*nwords], src[*nwords]) == -1)
			return -1;
	for (l = 0; l < LANG_COUNT; l++)
		if (conf_set_str(ctx, &reply->text[l], text[l]) == -1)
			return -1;
	return 0;
}

/* The built-in values that a file only needs to change. */
static int
conf_defaults(const struct conf_ctx *ctx, struct conf *conf)
{
	conf->language = LANG_MN;
	conf->modem.timeout = 30;
	conf->modem.poll_interval = 30;
	conf->modem.notifications = 1;
	conf->failover_after = 300;
	conf->limits.reply_budget = 10;
	conf->limits.reply_window = 3600;
	conf->limits.send_attempts = 5;
	conf->limits.retry_delay = 30;
	conf->limits.multipart_timeout = 600;
	conf->limits.short_code_max_digits = 6;
	conf->limits.max_segments = 2;
	conf->matching.typo_length = 4;
	conf->matching.typo2_length = 8;
	if (conf_set_str(ctx, &conf->path, ctx->path) == -1 ||
	    conf_set_str(ctx, &conf->database,
	    "/var/lib/shukher/shukher.db") == -1 ||
	    conf_set_str(ctx, &conf->modem.device, "/dev/gsm-modem") == -1 ||
	    conf_set_str(ctx, &conf->modem.connection, "at115200") == -1 ||
	    conf_set_str(ctx, &conf->modem.model, "") == -1 ||
	    conf_set_str(ctx, &conf->modem.pin, "") == -1)
		return -1;
	if (conf_set_optin(ctx, conf_stop_words, conf_stop_reply,
	    &conf->stop_words, &conf->nstop_words, &conf->stop_reply) == -1)
		return -1;
	return conf_set_optin(ctx, conf_start_words, conf_start_reply,
	    &conf->start_words, &conf->nstart_words, &conf->start_reply);
}

/* The group g (modem or limits): no names but its conf_fields entries. */
static int
conf_check_fields_known(const struct conf_ctx *ctx, const config_setting_t *g)
{
	const char *keys[CONF_NFIELDS + 2];
	size_t i, n = 0;

	for (i = 0; i < CONF_NFIELDS; i++)
		if (conf_fields[i].group != NULL &&
		    strcmp(conf_fields[i].group, ctx->group) == 0)
			keys[n++] = conf_fields[i].name;
	if (strcmp(ctx->group, "modem") == 0)
		keys[n++] = "balance";  /* src/conf_health.c */
	keys[n] = NULL;
	return conf_keys(ctx, g, keys);
}

/* The modem and limits groups and the database: everything in conf_fields. */
static int
conf_read_fields(const struct conf_ctx *ctx, const config_setting_t *root,
    struct conf *conf)
{
	static const char *const groups[] = { "modem", "limits" };
	const config_setting_t *g;
	const struct conf_field *f;
	struct conf_ctx gctx;
	char *at;
	size_t i;
	int rc = 0;

	for (i = 0; i < 2; i++) {
		gctx = conf_ctx_group(ctx, groups[i]);
		if (conf_group(ctx, root, groups[i], &g) == -1 ||
		    (g != NULL && conf_check_fields_known(&gctx, g) == -1))
			return -1;
	}
	for (i = 0; i < CONF_NFIELDS && rc == 0; i++) {
		f = &conf_fields[i];
		g = f->group ? config_setting_get_member(root, f->group) : root;
		if (g == NULL)
			continue;
		gctx = conf_ctx_group(ctx, f->group ? f->group : "");
		at = (char *)conf + f->off;
		if (f->type == CONFIG_TYPE_STRING)
			rc = conf_str(&gctx, g, f->name, 0, (char **)at);
		else if (f->type == CONFIG_TYPE_INT)
			rc = conf_int(&gctx, g, f->name, f->min, f->max,
			    (int *)at);
		else
			rc = conf_bool(&gctx, g, f->name, (int *)at);
	}
	return rc;
}

/* The stop or the start group: words and one confirmation reply. */
static int
conf_read_optin(const struct conf_ctx *ctx, const config_setting_t *root,
    const char *name, char ***words, size_t *nwords, struct conf_reply *reply)
{
	struct conf_ctx gctx = conf_ctx_group(ctx, name);
	const config_setting_t *g;

	if (conf_group(ctx, root, name, &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	if (conf_keys(&gctx, g, conf_optin_keys) == -1 ||
	    conf_strs(&gctx, g, "words", 0, words, nwords) == -1 ||
	    conf_reply(&gctx, g, "reply", CONF_REPLY_REPLACE, reply) == -1)
		return -1;
	return 0;
}

/* A language keyword's "language" into *lang; -1 when it has none. */
static int
conf_read_language(const struct conf_ctx *ctx, const config_setting_t *g,
    int *lang)
{
	const config_setting_t *s;

	*lang = -1;
	if ((s = config_setting_get_member(g, "language")) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    (*lang = lang_parse(config_setting_get_string(s))) == -1)
		return conf_fail(ctx, s, "language: expected \"mn\", \"en\" or "
		    "\"mn_latn\"");
	return 0;
}

/* Element g (index i) of the keywords list into kw. */
static int
conf_read_keyword(const struct conf_ctx *ctx, const config_setting_t *g,
    int i, struct conf_keyword *kw)
{
	const config_setting_t *s;
	char where[CONF_WHERE];
	struct conf_ctx kctx;

	if (!config_setting_is_group(g))
		return conf_fail(ctx, g, "keywords[%d]: expected a group "
		    "{ name = ...; words = ...; reply = ...; }", i);
	s = config_setting_get_member(g, "name");
	if (s != NULL && config_setting_type(s) == CONFIG_TYPE_STRING)
		snprintf(where, sizeof(where), "keywords[%d] (\"%s\")", i,
		    config_setting_get_string(s));
	else
		snprintf(where, sizeof(where), "keywords[%d]", i);
	if (s == NULL)
		return conf_fail(ctx, g, "%s: no name", where);
	kctx = conf_ctx_group(ctx, where);
	if (conf_read_language(&kctx, g, &kw->language) == -1 ||
	    conf_keys(&kctx, g, conf_keyword_keys) == -1 ||
	    conf_str(&kctx, g, "name", 0, &kw->name) == -1 ||
	    conf_strs(&kctx, g, "words", 0, &kw->words, &kw->nwords) == -1 ||
	    conf_reply(&kctx, g, "reply", CONF_REPLY_REPLACE,
	    &kw->reply) == -1 ||
	    conf_bool(&kctx, g, "report", &kw->report) == -1)
		return -1;
	return 0;
}

static int
conf_read_keywords(const struct conf_ctx *ctx, const config_setting_t *root,
    struct conf *conf)
{
	const config_setting_t *s;
	int i, n;

	if ((s = config_setting_get_member(root, "keywords")) == NULL)
		return 0;
	if (!config_setting_is_list(s))
		return conf_fail(ctx, s, "keywords: expected a list of groups "
		    "( { ... }, { ... } )");
	if ((n = config_setting_length(s)) == 0)
		return 0;
	if ((conf->keywords = calloc((size_t)n, sizeof(*conf->keywords))) ==
	    NULL)
		return conf_nomem(ctx);
	for (i = 0; i < n; i++) {
		conf->nkeywords++;
		if (conf_read_keyword(ctx, config_setting_get_elem(s,
		    (unsigned)i), i, &conf->keywords[i]) == -1)
			return -1;
	}
	return 0;
}

/* Copies the whole file over the defaults; checks only names and types
 * (and each group's own rules, in its reader). */
static int
conf_read(const struct conf_ctx *ctx, const config_setting_t *root,
    struct conf *conf)
{
	char *lang = NULL;
	int l;

	if (conf_keys(ctx, root, conf_top_keys) == -1 ||
	    conf_read_fields(ctx, root, conf) == -1 ||
	    conf_str(ctx, root, "language", 0, &lang) == -1)
		return -1;
	if (lang != NULL) {
		l = lang_parse(lang);
		free(lang);
		if (l == -1)
			return conf_fail(ctx, config_setting_get_member(root,
			    "language"), "language: expected \"mn\", \"en\" or "
			    "\"mn_latn\"");
		conf->language = (enum lang)l;
	}
	if (conf_read_keywords(ctx, root, conf) == -1 ||
	    conf_reply(ctx, root, "default_reply", CONF_REPLY_REPLACE,
	    &conf->default_reply) == -1 ||
	    conf_read_optin(ctx, root, "stop", &conf->stop_words,
	    &conf->nstop_words, &conf->stop_reply) == -1 ||
	    conf_read_optin(ctx, root, "start", &conf->start_words,
	    &conf->nstart_words, &conf->start_reply) == -1)
		return -1;
	/* src/conf_modems.c, src/conf_report.c, src/conf_web.c,
	 * src/conf_match.c */
	/* the health settings (modem.balance among them) before the modems,
	 * which take the single modem group's balance as their own */
	if (conf_health_read(ctx, root, conf) == -1 ||
	    conf_modems_read(ctx, root, conf) == -1 ||
	    conf_reports_read(ctx, root, &conf->reports) == -1 ||
	    conf_web_read(ctx, root, &conf->web) == -1 ||
	    conf_central_read(ctx, root, &conf->central) == -1 ||
	    conf_matching_read(ctx, root, &conf->matching) == -1 ||
	    conf_hotlines_read(ctx, root, &conf->hotlines,
	    &conf->nhotlines) == -1 ||
	    conf_campaign_read(ctx, root, &conf->campaign) == -1)
		return -1;
	return 0;
}

/* Member name of g, or NULL when g is NULL or has none: for error lines. */
static const config_setting_t *
conf_member(const config_setting_t *g, const char *name)
{
	if (g == NULL)
		return NULL;
	return config_setting_get_member(g, name);
}

/* The nearest setting that says where a value came from. */
static const config_setting_t *
conf_near(const config_setting_t *s, const config_setting_t *parent)
{
	return s != NULL ? s : parent;
}

/*
 * Each text of reply must be valid UTF-8 and not empty; with required, at
 * least one language must have a text. s is the reply's setting, or its
 * parent or NULL when the reply came from the defaults.
 */
static int
conf_check_reply(const struct conf_ctx *ctx, const struct conf_reply *reply,
    const config_setting_t *s, const char *what, int required)
{
	const config_setting_t *t;
	const char *text;
	int l, any = 0;

	for (l = 0; l < LANG_COUNT; l++) {
		if ((text = reply->text[l]) == NULL)
			continue;
		any = 1;
		t = conf_near(conf_member(s, lang_name((enum lang)l)), s);
		if (*text == '\0')
			return conf_fail(ctx, t, "%s.%s: empty text", what,
			    lang_name((enum lang)l));
		if (u8_check((const uint8_t *)text, strlen(text)) != NULL)
			return conf_fail(ctx, t, "%s.%s: not valid UTF-8", what,
			    lang_name((enum lang)l));
	}
	if (required && !any)
		return conf_fail(ctx, s, "%s: no text in any language", what);
	return 0;
}

/*
 * 1 when a and b are one word to the matcher: the same after
 * text_normalize() (case, Cyrillic included, and Unicode forms).
 */
static int
conf_same_word(const char *a, const char *b)
{
	char na[TEXT_NORM_MAX], nb[TEXT_NORM_MAX];

	if (text_normalize(a, strlen(a), na, sizeof(na)) < 0 ||
	    text_normalize(b, strlen(b), nb, sizeof(nb)) < 0)
		return strcmp(a, b) == 0;
	return strcmp(na, nb) == 0;
}

/* Word j of set w: blank, not UTF-8, or already used by an earlier one. */
static int
conf_check_word(const struct conf_ctx *ctx, const struct conf_wordset *sets,
    size_t w, size_t j)
{
	const struct conf_wordset *set = &sets[w];
	const char *word = set->words[j];
	const config_setting_t *s;
	char why[128];
	size_t v, k;

	s = set->setting != NULL ?
	    config_setting_get_elem(set->setting, (unsigned)j) : NULL;
	s = conf_near(s, conf_near(set->setting, set->parent));
	if (word[strspn(word, " \t\r\n")] == '\0')
		return conf_fail(ctx, s, "%s.words[%zu]: empty word",
		    set->label, j);
	if (u8_check((const uint8_t *)word, strlen(word)) != NULL)
		return conf_fail(ctx, s, "%s.words[%zu]: not valid UTF-8",
		    set->label, j);
	if (text_word_check(word, why, sizeof(why)) == -1)
		return conf_fail(ctx, s, "%s.words[%zu]: \"%s\" would never "
		    "match as written: %s; write letters, digits and single "
		    "spaces", set->label, j, word, why);
	for (v = 0; v <= w; v++)
		for (k = 0; k < (v == w ? j : sets[v].nwords); k++)
			if (conf_same_word(word, sets[v].words[k]))
				return conf_fail(ctx, s, "%s.words[%zu]: \"%s\" "
				    "is already a word of %s", set->label, j,
				    word, sets[v].label);
	return 0;
}

/* All trigger words: each list non-empty, and no word in two places. */
static int
conf_check_words(const struct conf_ctx *ctx, const struct conf_wordset *sets,
    size_t nsets)
{
	size_t w, j;

	for (w = 0; w < nsets; w++) {
		if (sets[w].nwords == 0)
			return conf_fail(ctx, conf_near(sets[w].setting,
			    sets[w].parent), "%s.words: no words",
			    sets[w].label);
		for (j = 0; j < sets[w].nwords; j++)
			if (conf_check_word(ctx, sets, w, j) == -1)
				return -1;
	}
	return 0;
}

/* Group names: short ASCII labels for statistics, unique, not reserved. */
static int
conf_check_name(const struct conf_ctx *ctx, const struct conf *conf, size_t i,
    const config_setting_t *g, const char *what)
{
	const char *name = conf->keywords[i].name;
	const config_setting_t *s = conf_near(conf_member(g, "name"), g);
	size_t k;

	if (*name == '\0')
		return conf_fail(ctx, s, "%s.name: empty name", what);
	if (name[strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")] != '\0')
		return conf_fail(ctx, s, "%s.name: use only Latin letters, "
		    "digits, '_' and '-'", what);
	for (k = 0; conf_reserved_names[k] != NULL; k++)
		if (strcasecmp(name, conf_reserved_names[k]) == 0)
			return conf_fail(ctx, s, "%s.name: \"%s\" is reserved",
			    what, name);
	for (k = 0; k < i; k++)
		if (strcasecmp(name, conf->keywords[k].name) == 0)
			return conf_fail(ctx, s, "%s: duplicate group name, "
			    "also keywords[%zu]", what, k);
	return 0;
}

static int
conf_check_keywords(const struct conf_ctx *ctx, const struct conf *conf,
    const config_setting_t *root, struct conf_wordset *sets)
{
	const config_setting_t *list, *g;
	char what[CONF_WHERE];
	size_t i;

	list = conf_member(root, "keywords");
	for (i = 0; i < conf->nkeywords; i++) {
		g = config_setting_get_elem(list, (unsigned)i);
		snprintf(what, sizeof(what), "keywords[%zu] (\"%s\")", i,
		    conf->keywords[i].name ? conf->keywords[i].name : "");
		if (conf->keywords[i].name == NULL)
			return conf_fail(ctx, g, "keywords[%zu]: no name", i);
		if (conf_check_name(ctx, conf, i, g, what) == -1)
			return -1;
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
		    ".reply");
		if (conf_check_reply(ctx, &conf->keywords[i].reply,
		    conf_near(conf_member(g, "reply"), g), what, 1) == -1)
			return -1;
		sets[i].words = conf->keywords[i].words;
		sets[i].nwords = conf->keywords[i].nwords;
		sets[i].setting = conf_member(g, "words");
		sets[i].parent = g;
		snprintf(sets[i].label, sizeof(sets[i].label),
		    "keywords[%zu] (\"%s\")", i, conf->keywords[i].name);
	}
	return 0;
}

/* Stop or start: its words go into *set, its reply must have a text. */
static int
conf_check_optin(const struct conf_ctx *ctx, const config_setting_t *root,
    const char *name, char **words, size_t nwords,
    const struct conf_reply *reply, struct conf_wordset *set)
{
	const config_setting_t *g = conf_member(root, name);
	char what[CONF_WHERE];

	snprintf(what, sizeof(what), "%s.reply", name);
	if (conf_check_reply(ctx, reply, conf_near(conf_member(g, "reply"), g),
	    what, 1) == -1)
		return -1;
	set->words = words;
	set->nwords = nwords;
	set->setting = conf_member(g, "words");
	set->parent = g;
	snprintf(set->label, sizeof(set->label), "%s", name);
	return 0;
}

/* The required strings are not empty. (The numbers' ranges are checked
 * as they are read, by conf_int_range().) */
static int
conf_check_fields(const struct conf_ctx *ctx, const struct conf *conf,
    const config_setting_t *root)
{
	const struct conf_field *f;
	const config_setting_t *s;
	const char *at;
	size_t i;

	for (i = 0; i < CONF_NFIELDS; i++) {
		f = &conf_fields[i];
		at = (const char *)conf + f->off;
		s = conf_member(f->group ? conf_member(root, f->group) : root,
		    f->name);
		if (f->required && f->type == CONFIG_TYPE_STRING &&
		    **(char *const *)at == '\0')
			return conf_fail(ctx, s, "%s%s%s: must not be empty",
			    f->group ? f->group : "", f->group ? "." : "",
			    f->name);
	}
	return 0;
}

/*
 * Every rule on the values, in one place. root is the file's tree, kept
 * only to say on which line a bad value stands. Returns 0 or -1.
 */
static int
conf_validate(const struct conf_ctx *ctx, const struct conf *conf,
    const config_setting_t *root)
{
	struct conf_wordset *sets;
	size_t n = conf->nkeywords;
	int rc = -1;

	if (conf->web.central && conf->central.conninfo == NULL) {
		const config_setting_t *w = conf_member(root, "web");

		return conf_fail(ctx, w != NULL ? conf_member(w, "source") :
		    NULL, "web.source: \"central\" needs central.conninfo");
	}
	if (conf_check_fields(ctx, conf, root) == -1 ||
	    conf_check_reply(ctx, &conf->default_reply,
	    conf_member(root, "default_reply"), "default_reply", 0) == -1)
		return -1;
	/* Stop and start first: a clash is then reported on the keyword's
	 * line, which exists even when stop and start are defaults. */
	if ((sets = calloc(n + 2, sizeof(*sets))) == NULL)
		return conf_nomem(ctx);
	if (conf_check_optin(ctx, root, "stop", conf->stop_words,
	    conf->nstop_words, &conf->stop_reply, &sets[0]) == 0 &&
	    conf_check_optin(ctx, root, "start", conf->start_words,
	    conf->nstart_words, &conf->start_reply, &sets[1]) == 0 &&
	    conf_check_keywords(ctx, conf, root, sets + 2) == 0 &&
	    conf_check_words(ctx, sets, n + 2) == 0)
		rc = 0;
	free(sets);
	return rc;
}

/*
 * Reads path safely (src/conf_file.c: a regular file, bounded, its
 * includes expanded) and parses the text. Returns 0 with cfg filled and
 * *src set as its root's hook, so that errors name file and line (caller
 * destroys cfg, then frees *src), or -1 with "FILE: reason" or
 * "FILE:LINE: <libconfig's reason>".
 */
static int
conf_parse(const struct conf_ctx *ctx, config_t *cfg, struct conf_src **src)
{
	const char *file;
	unsigned line;

	if (conf_src_read(ctx->path, src, ctx->err, ctx->errlen) == -1)
		return -1;
	if (config_read_string(cfg, conf_src_text(*src)) == CONFIG_TRUE) {
		config_setting_set_hook(config_root_setting(cfg), *src);
		return 0;
	}
	line = 0;
	file = ctx->path;
	if (config_error_line(cfg) > 0)
		file = conf_src_where(*src, (unsigned)config_error_line(cfg),
		    &line);
	return conf_err(ctx->err, ctx->errlen, file, line, "%s",
	    config_error_text(cfg));
}

int
conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	struct conf_ctx ctx = { path, "", err, errlen };
	struct conf_src *src = NULL;
	struct conf *conf;
	config_t cfg;
	int rc = -1;

	*out = NULL;
	if (errlen > 0)
		err[0] = '\0';
	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return conf_nomem(&ctx);
	if (conf_defaults(&ctx, conf) == -1) {
		conf_free(conf);
		return -1;
	}
	config_init(&cfg);
	if (conf_parse(&ctx, &cfg, &src) == 0 &&
	    conf_read(&ctx, config_root_setting(&cfg), conf) == 0 &&
	    conf_validate(&ctx, conf, config_root_setting(&cfg)) == 0 &&
	    (conf->match = match_new(conf, err, errlen)) != NULL &&
	    conf_campaign_compile(conf, err, errlen) == 0)
		rc = 0;
	config_destroy(&cfg);
	conf_src_free(src);
	if (rc == -1) {
		conf_free(conf);
		return -1;
	}
	*out = conf;
	return 0;
}

void
conf_free(struct conf *conf)
{
	size_t i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->nkeywords; i++) {
		free(conf->keywords[i].name);
		conf_strs_free(conf->keywords[i].words,
		    conf->keywords[i].nwords);
		conf_reply_free(&conf->keywords[i].reply);
	}
	free(conf->keywords);
	conf_strs_free(conf->stop_words, conf->nstop_words);
	conf_strs_free(conf->start_words, conf->nstart_words);
	conf_reply_free(&conf->default_reply);
	conf_reply_free(&conf->stop_reply);
	conf_reply_free(&conf->start_reply);
	conf_reports_free(&conf->reports);
	conf_web_free(&conf->web);
	conf_health_free(&conf->health);
	/* each modem owns its balance; conf->modem's is the first's, or
	 * its own while no modem was made */
	if (conf->nmodems == 0)
		conf_balance_free(&conf->modem.balance);
	for (i = 0; i < conf->nmodems; i++)
		conf_balance_free(&conf->modems[i].balance);
	conf_campaign_free(&conf->campaign);
	conf_central_free(&conf->central);
	match_free(conf->match);
	conf_matching_free(&conf->matching);
	conf_strs_free(conf->hotlines, conf->nhotlines);
	conf_modem_free(&conf->modem);
	conf_modems_free(conf->modems, conf->nmodems);
	free(conf->database);
	free(conf->path);
	free(conf);
}

const char *
conf_reply_text(const struct conf *conf, const struct conf_reply *reply,
    enum lang lang)
{
	int l;

	if (reply == NULL)
		return NULL;
	if ((int)lang >= 0 && lang < LANG_COUNT && reply->text[lang] != NULL)
		return reply->text[lang];
	if (conf != NULL && reply->text[conf->language] != NULL)
		return reply->text[conf->language];
	for (l = 0; l < LANG_COUNT; l++)
		if (reply->text[l] != NULL)
			return reply->text[l];
	return NULL;
}

const char *
conf_unsealed(const struct conf *conf)
{
	if (conf->reports.public_key != NULL)
		return NULL;
	return "reports are filed in the clear: reports.public_key is not "
	    "set, so anyone who has the SD card can read every report; make "
	    "a key pair with `shukherctl keygen` and set reports.public_key";
}
