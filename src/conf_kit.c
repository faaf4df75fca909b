/*
 * conf_kit: the toolkit every reader of shukher.conf uses.
 *
 * One way to say where an error is (file and line, through @include), one
 * way to name a setting in it (group.name), and one reader each for a
 * string, a list of strings, an integer in its range, a boolean, a reply
 * and the check for unknown names: conf.c, conf_match.c, conf_report.c and
 * conf_web.c read their groups with these, so that a given mistake gets
 * the same words wherever it is made.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "conf.h"
#include "conf_int.h"

struct conf_ctx
conf_ctx_group(const struct conf_ctx *ctx, const char *group)
{
	struct conf_ctx g = *ctx;

	g.group = group;
	return g;
}

int
conf_errv(char *err, size_t errlen, const char *file, unsigned line,
    const char *prefix, const char *fmt, va_list ap)
{
	int n;

	if (err == NULL || errlen == 0)
		return -1;
	if (line > 0)
		n = snprintf(err, errlen, "%s:%u: %s", file, line, prefix);
	else
		n = snprintf(err, errlen, "%s: %s", file, prefix);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	return -1;
}

int
conf_err(char *err, size_t errlen, const char *file, unsigned line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_errv(err, errlen, file, line, "", fmt, ap);
	va_end(ap);
	return -1;
}

/* conf_errv() at setting s (NULL: the file alone) with prefix. */
static int
conf_failv(const struct conf_ctx *ctx, const config_setting_t *s,
    const char *prefix, const char *fmt, va_list ap)
{
	const struct conf_src *src;
	const char *file = ctx->path;
	unsigned line = 0;

	if (s != NULL) {
		line = config_setting_source_line(s);
		if ((src = conf_src_of(s)) != NULL && line > 0)
			file = conf_src_where(src, line, &line);
		else if (config_setting_source_file(s) != NULL)
			file = config_setting_source_file(s);
	}
	return conf_errv(ctx->err, ctx->errlen, file, line, prefix, fmt, ap);
}

int
conf_fail(const struct conf_ctx *ctx, const config_setting_t *s,
    const char *fmt, ...)
{
	char prefix[160] = "";
	va_list ap;

	if (ctx->group != NULL && *ctx->group != '\0')
		snprintf(prefix, sizeof(prefix), "%s.", ctx->group);
	va_start(ap, fmt);
	conf_failv(ctx, s, prefix, fmt, ap);
	va_end(ap);
	return -1;
}

/* conf_fail() without the group's prefix. */
static int conf_fail_bare(const struct conf_ctx *, const config_setting_t *,
    const char *, ...) __attribute__((format(printf, 3, 4)));

static int
conf_fail_bare(const struct conf_ctx *ctx, const config_setting_t *s,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_failv(ctx, s, "", fmt, ap);
	va_end(ap);
	return -1;
}

int
conf_nomem(const struct conf_ctx *ctx)
{
	return conf_fail_bare(ctx, NULL, "out of memory");
}

int
conf_keys(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *const *keys)
{
	const config_setting_t *s;
	const char *name;
	size_t k;
	int i;

	for (i = 0; (s = config_setting_get_elem(g, (unsigned)i)) != NULL;
	    i++) {
		if ((name = config_setting_name(s)) == NULL)
			continue;
		for (k = 0; keys[k] != NULL && strcmp(keys[k], name) != 0; k++)
			;
		if (keys[k] != NULL)
			continue;
		if (ctx->group == NULL || *ctx->group == '\0')
			return conf_fail_bare(ctx, s, "unknown setting \"%s\"",
			    name);
		return conf_fail_bare(ctx, s, "%s: unknown setting \"%s\"",
		    ctx->group, name);
	}
	return 0;
}

int
conf_group(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, const config_setting_t **out)
{
	const config_setting_t *s;

	*out = NULL;
	if ((s = config_setting_get_member(g, name)) == NULL)
		return 0;
	if (!config_setting_is_group(s))
		return conf_fail(ctx, s, "%s: expected a group { ... }", name);
	*out = s;
	return 0;
}

int
conf_str(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, int flags, char **dst)
{
	const config_setting_t *s;
	const char *v;
	char *copy;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return 0;
	v = config_setting_type(s) == CONFIG_TYPE_STRING ?
	    config_setting_get_string(s) : NULL;
	if (v == NULL || ((flags & CONF_NONEMPTY) && *v == '\0'))
		return conf_fail(ctx, s, "%s: expected a %sstring", name,
		    (flags & CONF_NONEMPTY) ? "non-empty " : "");
	if ((copy = strdup(v)) == NULL)
		return conf_nomem(ctx);
	free(*dst);
	*dst = copy;
	return 0;
}

void
conf_strs_free(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

int
conf_strs(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, int flags, char ***list, size_t *n)
{
	const config_setting_t *s, *e;
	const char *v;
	char **l;
	int i, len;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return conf_fail(ctx, s, "%s: expected a list of strings", name);
	len = config_setting_length(s);
	/* One more, so that the list is NULL-ended for who wants it. */
	if ((l = calloc((size_t)len + 1, sizeof(*l))) == NULL)
		return conf_nomem(ctx);
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		v = config_setting_type(e) == CONFIG_TYPE_STRING ?
		    config_setting_get_string(e) : NULL;
		if (v == NULL || ((flags & CONF_NONEMPTY) && *v == '\0')) {
			conf_strs_free(l, (size_t)i);
			return conf_fail(ctx, e, "%s[%d]: expected a %sstring",
			    name, i, (flags & CONF_NONEMPTY) ? "non-empty " :
			    "");
		}
		if ((l[i] = strdup(v)) == NULL) {
			conf_strs_free(l, (size_t)i);
			return conf_nomem(ctx);
		}
	}
	conf_strs_free(*list, *n);
	*list = l;
	*n = (size_t)len;
	return 0;
}

int
conf_int(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, int min, int max, int *dst)
{
	const config_setting_t *s;
	long long v;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return conf_fail(ctx, s, "%s: expected a whole number from %d "
		    "to %d", name, min, max);
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return conf_fail(ctx, s, "%s: %lld is out of range: expected "
		    "a whole number from %d to %d", name, v, min, max);
	*dst = (int)v;
	return 0;
}

int
conf_bool(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, int *dst)
{
	const config_setting_t *s;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return conf_fail(ctx, s, "%s: expected true or false", name);
	*dst = config_setting_get_bool(s) ? 1 : 0;
	return 0;
}

void
conf_reply_free(struct conf_reply *reply)
{
	int l;

	for (l = 0; l < LANG_COUNT; l++) {
		free(reply->text[l]);
		reply->text[l] = NULL;
	}
}

int
conf_reply(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, enum conf_reply_mode mode, struct conf_reply *reply)
{
	const config_setting_t *s, *t;
	char *copy;
	int i, l;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return 0;
	if (!config_setting_is_group(s))
		return conf_fail(ctx, s, "%s: expected a group of texts, like "
		    "{ mn = \"...\"; en = \"...\"; }", name);
	if (mode == CONF_REPLY_REPLACE)
		conf_reply_free(reply);
	for (i = 0; (t = config_setting_get_elem(s, (unsigned)i)) != NULL;
	    i++) {
		if ((l = lang_parse(config_setting_name(t))) == -1)
			return conf_fail(ctx, t, "%s: unknown language \"%s\" "
			    "(mn, en or mn_latn)", name, config_setting_name(t));
		if (config_setting_type(t) != CONFIG_TYPE_STRING)
			return conf_fail(ctx, t, "%s.%s: expected a string", name,
			    config_setting_name(t));
		if ((copy = strdup(config_setting_get_string(t))) == NULL)
			return conf_nomem(ctx);
		free(reply->text[l]);
		reply->text[l] = copy;
	}
	return 0;
}

int
conf_hhmm(const char *s)
{
	int h, m, n = 0;

	if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || s[n] != '\0' ||
	    strlen(s) != 5 || h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	return h * 60 + m;
}

int
conf_readable(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, const char *path)
{
	char why[160];

	if (path == NULL)
		return 0;
	if (access(path, R_OK) == -1)
		return conf_fail(ctx, config_setting_get_member(g, name),
		    "%s: cannot read %s", name, path);
	if (conf_file_check(path, why, sizeof(why)) == -1)
		return conf_fail(ctx, config_setting_get_member(g, name),
		    "%s: %s: %s", name, path, why);
	return 0;
}
