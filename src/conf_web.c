/*
 * conf_web: the "web" group of shukher.conf, the caseworkers' console.
 *
 *   web = {
 *     enabled = true;
 *     listen = "0.0.0.0"; port = 8443;
 *     certificate = "/etc/shukher/web.crt"; key = "/etc/shukher/web.key";
 *     session_idle = 900; session_max = 28800;
 *     signin_attempts = 5; signin_lockout = 900; address_attempts = 20;
 *     language = "mn"; campaign_start = "2026-09-01";
 *     name = [ "shukher.lan" ]; request_timeout = 10;
 *   };
 *
 * Off unless enabled. Defaults bind to loopback only, so that turning the
 * console on never exposes it by accident: the office address is a choice.
 * The certificate and key are checked for being readable here, so that
 * `shukherctl config check` names the line of a wrong path. A name is a
 * host name or an address as a browser's Host header carries it, without
 * a port: the console answers to those, to the address a request arrives
 * on, and to localhost on loopback, and to nothing else (DNS rebinding).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "day.h"
#include "conf.h"
#include "conf_int.h"

static const char *const conf_web_keys[] = { "enabled", "listen", "port",
    "certificate", "key", "session_idle", "session_max", "signin_attempts",
    "signin_lockout", "address_attempts", "language", "campaign_start",
    "name", "request_timeout", "source", NULL };

/* The integers: name, where, smallest and largest allowed. */
static const struct conf_web_int {
	const char *name;
	size_t off;
	int min, max;
} conf_web_ints[] = {
	{ "port", offsetof(struct conf_web, port), 0, 65535 },
	{ "session_idle", offsetof(struct conf_web, session_idle), 1, 86400 },
	{ "session_max", offsetof(struct conf_web, session_max), 1, 604800 },
	{ "signin_attempts", offsetof(struct conf_web, signin_attempts), 1,
	    1000 },
	{ "signin_lockout", offsetof(struct conf_web, signin_lockout), 1,
	    604800 },
	{ "address_attempts", offsetof(struct conf_web, address_attempts), 1,
	    100000 },
	{ "request_timeout", offsetof(struct conf_web, request_timeout), 1,
	    300 },
};

/* 1 when s is a host name or an address, as a Host header names it
 * without its port: letters, digits, '-' and '.', or an IPv6 address. */
static int
conf_web_name_ok(const char *s)
{
	unsigned char addr[sizeof(struct in6_addr)];
	size_t i, n = strlen(s);

	if (strchr(s, ':') != NULL)     /* a port, or an IPv6 address */
		return inet_pton(AF_INET6, s, addr) == 1;

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-' ||
	    s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '.')
			return 0;
	return 1;
}

/* web.name: one string or a list of them, into w->names. */
static int
conf_wnames(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_web *w)
{
	const config_setting_t *s = config_setting_get_member(g, "name"), *e;
	const char *v;
	int i, n;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		n = 1;
	else if (config_setting_is_aggregate(s) &&
	    !config_setting_is_group(s))
		n = config_setting_length(s);
	else
		return conf_fail(ctx, s, "name: expected a host name or a "
		    "list of them");
	if ((w->names = calloc((size_t)n + 1, sizeof(*w->names))) == NULL)
		return conf_nomem(ctx);
	for (i = 0; i < n; i++) {
		e = n == 1 && config_setting_type(s) == CONFIG_TYPE_STRING ?
		    s : config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING ||
		    !conf_web_name_ok(v = config_setting_get_string(e)))
			return conf_fail(ctx, e, "name: expected a host name "
			    "or an address, without a port (\"shukher.lan\", "
			    "\"192.168.1.20\")");
		if ((w->names[i] = strdup(v)) == NULL)
			return conf_nomem(ctx);
		w->nnames++;
	}
	return 0;
}

/* Names, types and ranges of everything but the strings' meaning. */
static int
conf_wread(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_web *w)
{
	size_t i;

	if (conf_keys(ctx, g, conf_web_keys) == -1 ||
	    conf_bool(ctx, g, "enabled", &w->enabled) == -1)
		return -1;
	for (i = 0; i < sizeof(conf_web_ints) / sizeof(conf_web_ints[0]);
	    i++)
		if (conf_int(ctx, g, conf_web_ints[i].name,
		    conf_web_ints[i].min, conf_web_ints[i].max,
		    (int *)(void *)((char *)w + conf_web_ints[i].off)) == -1)
			return -1;
	return 0;
}

/* The strings: an address, files that can be read, a language, a day. */
static int
conf_wstrings(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_web *w)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char *lang = NULL, *source = NULL;
	int l, y;

	if (conf_str(ctx, g, "listen", CONF_NONEMPTY, &w->listen) == -1 ||
	    conf_str(ctx, g, "certificate", CONF_NONEMPTY,
	    &w->certificate) == -1 ||
	    conf_str(ctx, g, "key", CONF_NONEMPTY, &w->key) == -1 ||
	    conf_str(ctx, g, "language", CONF_NONEMPTY, &lang) == -1 ||
	    conf_str(ctx, g, "campaign_start", CONF_NONEMPTY,
	    &w->campaign_start) == -1) {
		free(lang);
		return -1;
	}
	if (conf_str(ctx, g, "source", CONF_NONEMPTY, &source) == -1) {
		free(lang);
		return -1;
	}
	if (source != NULL) {
		w->central = strcmp(source, "central") == 0;
		l = w->central || strcmp(source, "local") == 0;
		free(source);
		if (!l) {
			free(lang);
			return conf_fail(ctx, config_setting_get_member(g,
			    "source"), "source: expected \"local\" or "
			    "\"central\"");
		}
	}
	if (lang != NULL) {
		l = lang_parse(lang);
		free(lang);
		if (l != LANG_MN && l != LANG_EN)
			return conf_fail(ctx, config_setting_get_member(g,
			    "language"), "language: expected \"mn\" or \"en\"");
		w->language = l;
	}
	if (inet_pton(AF_INET, w->listen, addr) != 1 &&
	    inet_pton(AF_INET6, w->listen, addr) != 1)
		return conf_fail(ctx, config_setting_get_member(g, "listen"),
		    "listen: \"%s\" is not an IPv4 or IPv6 address",
		    w->listen);
	if ((w->certificate == NULL) != (w->key == NULL))
		return conf_fail(ctx, config_setting_get_member(g,
		    w->key == NULL ? "certificate" : "key"),
		    "certificate and key go together: give both for HTTPS, "
		    "or neither");
	if (w->enabled && w->certificate != NULL &&
	    conf_readable(ctx, g, "certificate", w->certificate) == -1)
		return -1;
	if (w->enabled && w->key != NULL &&
	    conf_readable(ctx, g, "key", w->key) == -1)
		return -1;
	if (w->campaign_start != NULL &&
	    (day_parse(w->campaign_start, &y, NULL, NULL) == -1 || y < 2000))
		return conf_fail(ctx, config_setting_get_member(g,
		    "campaign_start"), "campaign_start: expected a day as "
		    "YYYY-MM-DD");
	if (w->session_max < w->session_idle)
		return conf_fail(ctx, config_setting_get_member(g,
		    "session_max"), "session_max: shorter than session_idle");
	return 0;
}

int
conf_web_read(const struct conf_ctx *fctx, const config_setting_t *root,
    struct conf_web *out)
{
	struct conf_ctx ctx = conf_ctx_group(fctx, "web");
	const config_setting_t *g;

	memset(out, 0, sizeof(*out));
	out->port = 8080;
	out->session_idle = 900;
	out->session_max = 8 * 3600;
	out->signin_attempts = 5;
	out->signin_lockout = 900;
	out->address_attempts = 20;
	out->request_timeout = 10;
	out->language = LANG_MN;
	if ((out->listen = strdup("127.0.0.1")) == NULL)
		return conf_nomem(&ctx);
	if (conf_group(fctx, root, "web", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	if (conf_wread(&ctx, g, out) == -1 ||
	    conf_wstrings(&ctx, g, out) == -1 ||
	    conf_wnames(&ctx, g, out) == -1)
		return -1;
	return 0;
}

void
conf_web_free(struct conf_web *web)
{
	size_t i;

	free(web->listen);
	free(web->certificate);
	free(web->key);
	free(web->campaign_start);
	for (i = 0; i < web->nnames; i++)
		free(web->names[i]);
	free(web->names);
	memset(web, 0, sizeof(*web));
}
