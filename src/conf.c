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

/* Where errors go while one file is read. */
struct conf_ctx {
	const char *path;        /* as the caller gave it */
	char *err;
	size_t errlen;
};

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
    "reports", "matching", "hotlines", "web", NULL };
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

int
conf_failv(const char *path, const config_setting_t *s, const char *prefix,
    char *err, size_t errlen, const char *fmt, va_list ap)
{
	const struct conf_src *src;
	const char *file = path;
	unsigned line = 0;
	int n;

	if (err == NULL || errlen == 0)
		return -1;
	if (s != NULL) {
		line = config_setting_source_line(s);
		if ((src = conf_src_of(s)) != NULL && line > 0)
			file = conf_src_where(src, line, &line);
		else if (config_setting_source_file(s) != NULL)
			file = config_setting_source_file(s);
	}
	if (line > 0)
		n = snprintf(err, errlen, "%s:%u: %s", file, line, prefix);
	else
		n = snprintf(err, errlen, "%s: %s", file, prefix);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	return -1;
}

/* conf_failv() with its arguments. */
static int conf_failf(const char *, const config_setting_t *, char *,
    size_t, const char *, ...) __attribute__((format(printf, 5, 6)));

static int
conf_failf(const char *path, const config_setting_t *s, char *err,
    size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_failv(path, s, "", err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
conf_int_range(const char *path, const config_setting_t *s,
    const char *name, int min, int max, int *dst, char *err, size_t errlen)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return conf_failf(path, s, err, errlen, "%s: expected a whole "
		    "number from %d to %d", name, min, max);
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return conf_failf(path, s, err, errlen, "%s: %lld is out of "
		    "range: expected a whole number from %d to %d", name, v,
		    min, max);
	*dst = (int)v;
	return 0;
}

/* conf_failv() for the file being read. Always returns -1, so that callers
 * can "return conf_fail(...)". */
static int conf_fail(struct conf_ctx *, const config_setting_t *,
    const char *, ...) __attribute__((format(printf, 3, 4)));

static int
conf_fail(struct conf_ctx *ctx, const config_setting_t *s, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_failv(ctx->path, s, "", ctx->err, ctx->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
conf_nomem(struct conf_ctx *ctx)
{
	return conf_fail(ctx, NULL, "out of memory");
}

/* Replaces *dst by a copy of src (NULL stays NULL). Returns 0 or -1. */
static int
conf_set_str(struct conf_ctx *ctx, char **dst, const char *src)
{
	char *copy = NULL;

	if (src != NULL && (copy = strdup(src)) == NULL)
		return conf_nomem(ctx);
	free(*dst);
	*dst = copy;
	return 0;
}

static void
conf_words_free(char **words, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(words[i]);
	free(words);
}

static void
conf_reply_free(struct conf_reply *reply)
{
	int l;

	for (l = 0; l < LANG_COUNT; l++) {
		free(reply->text[l]);
		reply->text[l] = NULL;
	}
}

/* Copies a NULL-terminated word list and a reply into the conf. */
static int
conf_set_optin(struct conf_ctx *ctx, const char *const *src,
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
conf_defaults(struct conf_ctx *ctx, struct conf *conf)
{
	conf->language = LANG_MN;
	conf->modem.timeout = 30;
	conf->modem.poll_interval = 30;
	conf->modem.notifications = 1;
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

/* 1 when name is allowed in group: in keys, or else a conf_fields entry. */
static int
conf_known(const char *const *keys, const char *group, const char *name)
{
	size_t k;

	if (keys != NULL) {
		for (k = 0; keys[k] != NULL; k++)
			if (strcmp(name, keys[k]) == 0)
				return 1;
		return 0;
	}
	for (k = 0; k < CONF_NFIELDS; k++)
		if (conf_fields[k].group != NULL &&
		    strcmp(group, conf_fields[k].group) == 0 &&
		    strcmp(name, conf_fields[k].name) == 0)
			return 1;
	return 0;
}

/*
 * Fails on any member of group g whose name is not in keys (NULL: not in
 * conf_fields for that group). where is the group's name in messages, ""
 * for the top level.
 */
static int
conf_check_names(struct conf_ctx *ctx, const config_setting_t *g,
    const char *const *keys, const char *where)
{
	const config_setting_t *s;
	const char *name;
	int i;

	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		if ((name = config_setting_name(s)) == NULL ||
		    conf_known(keys, where, name))
			continue;
		if (*where == '\0')
			return conf_fail(ctx, s, "unknown setting \"%s\"", name);
		return conf_fail(ctx, s, "%s: unknown setting \"%s\"", where,
		    name);
	}
	return 0;
}

/* Member name of group g into *dst when present; must be a string. */
static int
conf_get_str(struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, const char *where, char **dst)
{
	const config_setting_t *s;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_fail(ctx, s, "%s%s%s: expected a string", where,
		    *where ? "." : "", name);
	return conf_set_str(ctx, dst, config_setting_get_string(s));
}

/* The integer field f of group g into *dst when present, in its range. */
static int
conf_get_int(struct conf_ctx *ctx, const config_setting_t *g,
    const struct conf_field *f, int *dst)
{
	const config_setting_t *s;
	char name[64];

	if ((s = config_setting_get_member(g, f->name)) == NULL)
		return 0;
	snprintf(name, sizeof(name), "%s.%s", f->group, f->name);
	return conf_int_range(ctx->path, s, name, f->min, f->max, dst,
	    ctx->err, ctx->errlen);
}

/* Member name of group g into *dst (0 or 1) when present. */
static int
conf_get_bool(struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, const char *where, int *dst)
{
	const config_setting_t *s;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return conf_fail(ctx, s, "%s.%s: expected true or false", where,
		    name);
	*dst = config_setting_get_bool(s) ? 1 : 0;
	return 0;
}

/*
 * The "words" member of g, when present, replaces *words: an array or a
 * list of strings. The old list is freed only once the new one is whole.
 */
static int
conf_get_words(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, char ***words, size_t *nwords)
{
	const config_setting_t *s, *e;
	char **list;
	int i, n;

	if ((s = config_setting_get_member(g, "words")) == NULL)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return conf_fail(ctx, s, "%s.words: expected a list of strings",
		    where);
	n = config_setting_length(s);
	if ((list = calloc(n > 0 ? (size_t)n : 1, sizeof(*list))) == NULL)
		return conf_nomem(ctx);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_words_free(list, (size_t)i);
			return conf_fail(ctx, e, "%s.words[%d]: expected a string",
			    where, i);
		}
		if ((list[i] = strdup(config_setting_get_string(e))) == NULL) {
			conf_words_free(list, (size_t)i);
			return conf_nomem(ctx);
		}
	}
	conf_words_free(*words, *nwords);
	*words = list;
	*nwords = (size_t)n;
	return 0;
}

/*
 * The member name of g, when present, replaces *reply as a whole: a group
 * of texts keyed by language. Languages it omits become NULL.
 */
static int
conf_get_reply(struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, const char *where, struct conf_reply *reply)
{
	const config_setting_t *s, *t;
	char what[CONF_WHERE];
	int i, l;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return 0;
	snprintf(what, sizeof(what), "%s%s%s", where, *where ? "." : "", name);
	if (!config_setting_is_group(s))
		return conf_fail(ctx, s, "%s: expected a group of texts, "
		    "like { mn = \"...\"; en = \"...\"; }", what);
	conf_reply_free(reply);
	for (i = 0; (t = config_setting_get_elem(s, i)) != NULL; i++) {
		if ((l = lang_parse(config_setting_name(t))) == -1)
			return conf_fail(ctx, t, "%s: unknown language \"%s\" "
			    "(mn, en or mn_latn)", what, config_setting_name(t));
		if (config_setting_type(t) != CONFIG_TYPE_STRING)
			return conf_fail(ctx, t, "%s.%s: expected a string",
			    what, config_setting_name(t));
		if (conf_set_str(ctx, &reply->text[l],
		    config_setting_get_string(t)) == -1)
			return -1;
	}
	return 0;
}

/* Looks up member name of the root and checks that it is a group. */
static int
conf_group(struct conf_ctx *ctx, const config_setting_t *root,
    const char *name, const config_setting_t **out)
{
	const config_setting_t *s;

	*out = NULL;
	if ((s = config_setting_get_member(root, name)) == NULL)
		return 0;
	if (!config_setting_is_group(s))
		return conf_fail(ctx, s, "%s: expected a group { ... }", name);
	*out = s;
	return 0;
}

/* The modem and limits groups and the database: everything in conf_fields. */
static int
conf_read_fields(struct conf_ctx *ctx, const config_setting_t *root,
    struct conf *conf)
{
	const config_setting_t *g;
	const struct conf_field *f;
	const char *where;
	char *at;
	size_t i;
	int rc = 0;

	if (conf_group(ctx, root, "modem", &g) == -1 ||
	    (g != NULL && conf_check_names(ctx, g, NULL, "modem") == -1) ||
	    conf_group(ctx, root, "limits", &g) == -1 ||
	    (g != NULL && conf_check_names(ctx, g, NULL, "limits") == -1))
		return -1;
	for (i = 0; i < CONF_NFIELDS && rc == 0; i++) {
		f = &conf_fields[i];
		g = f->group ? config_setting_get_member(root, f->group) : root;
		if (g == NULL)
			continue;
		where = f->group ? f->group : "";
		at = (char *)conf + f->off;
		if (f->type == CONFIG_TYPE_STRING)
			rc = conf_get_str(ctx, g, f->name, where, (char **)at);
		else if (f->type == CONFIG_TYPE_INT)
			rc = conf_get_int(ctx, g, f, (int *)at);
		else
			rc = conf_get_bool(ctx, g, f->name, where, (int *)at);
	}
	return rc;
}

/* The stop or the start group: words and one confirmation reply. */
static int
conf_read_optin(struct conf_ctx *ctx, const config_setting_t *root,
    const char *name, char ***words, size_t *nwords, struct conf_reply *reply)
{
	const config_setting_t *g;

	if (conf_group(ctx, root, name, &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	if (conf_check_names(ctx, g, conf_optin_keys, name) == -1 ||
	    conf_get_words(ctx, g, name, words, nwords) == -1 ||
	    conf_get_reply(ctx, g, "reply", name, reply) == -1)
		return -1;
	return 0;
}

/* A language keyword's "language" into *lang; -1 when it has none. */
static int
conf_read_language(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, int *lang)
{
	const config_setting_t *s;

	*lang = -1;
	if ((s = config_setting_get_member(g, "language")) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    (*lang = lang_parse(config_setting_get_string(s))) == -1)
		return conf_fail(ctx, s, "%s.language: expected \"mn\", "
		    "\"en\" or \"mn_latn\"", where);
	return 0;
}

/* Element g (index i) of the keywords list into kw. */
static int
conf_read_keyword(struct conf_ctx *ctx, const config_setting_t *g, int i,
    struct conf_keyword *kw)
{
	const config_setting_t *s;
	char where[CONF_WHERE];

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
	if (conf_read_language(ctx, g, where, &kw->language) == -1)
		return -1;
	if (conf_check_names(ctx, g, conf_keyword_keys, where) == -1 ||
	    conf_get_str(ctx, g, "name", where, &kw->name) == -1 ||
	    conf_get_words(ctx, g, where, &kw->words, &kw->nwords) == -1 ||
	    conf_get_reply(ctx, g, "reply", where, &kw->reply) == -1 ||
	    conf_get_bool(ctx, g, "report", where, &kw->report) == -1)
		return -1;
	return 0;
}

static int
conf_read_keywords(struct conf_ctx *ctx, const config_setting_t *root,
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
		if (conf_read_keyword(ctx, config_setting_get_elem(s, i), i,
		    &conf->keywords[i]) == -1)
			return -1;
	}
	return 0;
}

/* Copies the whole file over the defaults; checks only names and types. */
static int
conf_read(struct conf_ctx *ctx, const config_setting_t *root,
    struct conf *conf)
{
	const config_setting_t *s;
	char *lang = NULL;
	int l;

	if (conf_check_names(ctx, root, conf_top_keys, "") == -1 ||
	    conf_read_fields(ctx, root, conf) == -1 ||
	    conf_get_str(ctx, root, "language", "", &lang) == -1)
		return -1;
	if (lang != NULL) {
		l = lang_parse(lang);
		free(lang);
		s = config_setting_get_member(root, "language");
		if (l == -1)
			return conf_fail(ctx, s, "language: expected \"mn\", "
			    "\"en\" or \"mn_latn\"");
		conf->language = (enum lang)l;
	}
	if (conf_read_keywords(ctx, root, conf) == -1 ||
	    conf_get_reply(ctx, root, "default_reply", "",
	    &conf->default_reply) == -1 ||
	    conf_read_optin(ctx, root, "stop", &conf->stop_words,
	    &conf->nstop_words, &conf->stop_reply) == -1 ||
	    conf_read_optin(ctx, root, "start", &conf->start_words,
	    &conf->nstart_words, &conf->start_reply) == -1)
		return -1;
	/* reports: src/conf_report.c */
	if (conf_reports_read(config_setting_get_member(root, "reports"),
	    ctx->path, &conf->reports, ctx->err, ctx->errlen) == -1)
		return -1;
	/* web: src/conf_web.c */
	if (conf_web_read(config_setting_get_member(root, "web"),
	    ctx->path, &conf->web, ctx->err, ctx->errlen) == -1)
		return -1;
	/* matching: src/conf_match.c */
	if (conf_matching_read(config_setting_get_member(root, "matching"),
	    ctx->path, &conf->matching, ctx->err, ctx->errlen) == -1 ||
	    conf_hotlines_read(config_setting_get_member(root, "hotlines"),
	    ctx->path, &conf->hotlines, &conf->nhotlines, ctx->err,
	    ctx->errlen) == -1)
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
conf_check_reply(struct conf_ctx *ctx, const struct conf_reply *reply,
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
conf_check_word(struct conf_ctx *ctx, const struct conf_wordset *sets,
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
conf_check_words(struct conf_ctx *ctx, const struct conf_wordset *sets,
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
conf_check_name(struct conf_ctx *ctx, const struct conf *conf, size_t i,
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
conf_check_keywords(struct conf_ctx *ctx, const struct conf *conf,
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
conf_check_optin(struct conf_ctx *ctx, const config_setting_t *root,
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
conf_check_fields(struct conf_ctx *ctx, const struct conf *conf,
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
conf_validate(struct conf_ctx *ctx, const struct conf *conf,
    const config_setting_t *root)
{
	struct conf_wordset *sets;
	size_t n = conf->nkeywords;
	int rc = -1;

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
conf_parse(struct conf_ctx *ctx, config_t *cfg, struct conf_src **src)
{
	const char *file;
	unsigned line;

	if (conf_src_read(ctx->path, src, ctx->err, ctx->errlen) == -1)
		return -1;
	if (config_read_string(cfg, conf_src_text(*src)) == CONFIG_TRUE) {
		config_setting_set_hook(config_root_setting(cfg), *src);
		return 0;
	}
	if (config_error_line(cfg) > 0 && ctx->errlen > 0) {
		file = conf_src_where(*src, (unsigned)config_error_line(cfg),
		    &line);
		snprintf(ctx->err, ctx->errlen, "%s:%u: %s", file, line,
		    config_error_text(cfg));
		return -1;
	}
	return conf_fail(ctx, NULL, "%s", config_error_text(cfg));
}

int
conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	struct conf_ctx ctx = { path, err, errlen };
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
	    (conf->match = match_new(conf, err, errlen)) != NULL)
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
		conf_words_free(conf->keywords[i].words,
		    conf->keywords[i].nwords);
		conf_reply_free(&conf->keywords[i].reply);
	}
	free(conf->keywords);
	conf_words_free(conf->stop_words, conf->nstop_words);
	conf_words_free(conf->start_words, conf->nstart_words);
	conf_reply_free(&conf->default_reply);
	conf_reply_free(&conf->stop_reply);
	conf_reply_free(&conf->start_reply);
	conf_reports_free(&conf->reports);
	conf_web_free(&conf->web);
	match_free(conf->match);
	conf_matching_free(&conf->matching);
	conf_words_free(conf->hotlines, conf->nhotlines);
	if (conf->modem.pin != NULL)
		explicit_bzero(conf->modem.pin, strlen(conf->modem.pin));
	free(conf->modem.pin);
	free(conf->modem.device);
	free(conf->modem.connection);
	free(conf->modem.model);
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
