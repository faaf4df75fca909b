/*
 * conf_modems: the modems a gateway drives.
 *
 *   failover_after = 300;
 *   modems = (
 *     { name = "mobicom"; device = "/dev/gsm-mobicom"; connection = "at";
 *       prefixes = [ "+97699", "+97695" ]; daily_limit = 500; },
 *     { name = "unitel"; device = "/dev/gsm-unitel"; connection = "at";
 *       prefixes = [ "+97688", "+97686" ]; }
 *   );
 *
 * Each entry takes the settings of the single "modem" group (device,
 * connection, model, pin, timeout, poll_interval, notifications,
 * delivery_reports, daily_limit) over the same defaults, plus its name and
 * its prefixes. Without a "modems" list the "modem" group (or its
 * defaults) is one modem named "modem", so that every config written
 * before keeps its meaning; giving both is an error, as are two entries
 * with one name or one device (with the line of the second). conf->modem
 * stays a copy of the first modem, for what looks at one modem only.
 *
 * A prefix is a '+' and digits, or digits: a number is on-net for the
 * modem when it begins with one of them, as written (numbers arrive from
 * the network as "+976...").
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf.h"
#include "conf_int.h"


static const char *const conf_modems_keys[] = { "name", "device",
    "connection", "model", "pin", "timeout", "poll_interval",
    "notifications", "delivery_reports", "prefixes", "daily_limit",
    "balance", NULL };

void
conf_modem_free(struct conf_modem *m)
{
	if (m->pin != NULL)
		explicit_bzero(m->pin, strlen(m->pin));
	free(m->pin);
	free(m->device);
	free(m->connection);
	free(m->model);
	free(m->name);
	conf_strs_free(m->prefixes, m->nprefixes);
	memset(m, 0, sizeof(*m));
}

void
conf_modems_free(struct conf_modem *modems, size_t n)
{
	size_t i;

	for (i = 0; modems != NULL && i < n; i++)
		conf_modem_free(&modems[i]);
	free(modems);
}

/* *dst = a copy of s (NULL stays NULL). Returns 0 or -1. */
static int
conf_modem_dup_str(char **dst, const char *s)
{
	*dst = NULL;
	if (s != NULL && (*dst = strdup(s)) == NULL)
		return -1;
	return 0;
}

/* A deep copy of src into dst (zeroed first). Returns 0 or -1 (out of
 * memory; dst then holds what was copied, for conf_modem_free()). */
static int
conf_modem_copy(struct conf_modem *dst, const struct conf_modem *src)
{
	size_t i;

	*dst = *src;
	dst->device = dst->connection = dst->model = dst->pin = NULL;
	dst->name = NULL;
	dst->prefixes = NULL;
	dst->nprefixes = 0;
	if (conf_modem_dup_str(&dst->device, src->device) == -1 ||
	    conf_modem_dup_str(&dst->connection, src->connection) == -1 ||
	    conf_modem_dup_str(&dst->model, src->model) == -1 ||
	    conf_modem_dup_str(&dst->pin, src->pin) == -1 ||
	    conf_modem_dup_str(&dst->name, src->name) == -1)
		return -1;
	if (src->nprefixes == 0)
		return 0;
	if ((dst->prefixes = calloc(src->nprefixes, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < src->nprefixes; i++, dst->nprefixes++)
		if ((dst->prefixes[i] = strdup(src->prefixes[i])) == NULL)
			return -1;
	return 0;
}

/* 1 when s is a '+' and digits, or digits, and not too long. */
static int
conf_prefix_ok(const char *s)
{
	size_t n;

	if (*s == '+')
		s++;
	n = strlen(s);
	return n > 0 && n <= 15 && strspn(s, "0123456789") == n;
}

/* 1 when name is letters, digits, '-' and '_', 1 to 31 of them: it goes
 * into logs, the database and JSON as it is. */
static int
conf_modem_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

/* The entry's own balance group (src/conf_health.c), when it has one:
 * what it had (the defaults) owns nothing yet. 0 or -1. */
static int
conf_modem_balance(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_modem *m)
{
	const config_setting_t *b = NULL;
	char where[64];
	struct conf_ctx bctx;

	if (conf_group(ctx, g, "balance", &b) == -1)
		return -1;
	if (b == NULL)
		return 0;
	snprintf(where, sizeof(where), "%s.balance", ctx->group);
	bctx = conf_ctx_group(ctx, where);
	return conf_balance_read(&bctx, b, &m->balance);
}

/* Entry g of the list over the defaults in *m. Returns 0 or -1. */
static int
conf_modem_read(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_modem *m)
{
	size_t i;

	if (!config_setting_is_group(g))
		return conf_fail(ctx, g, "expected a group { ... }");
	if (conf_keys(ctx, g, conf_modems_keys) == -1 ||
	    conf_str(ctx, g, "name", CONF_NONEMPTY, &m->name) == -1 ||
	    conf_str(ctx, g, "device", CONF_NONEMPTY, &m->device) == -1 ||
	    conf_str(ctx, g, "connection", CONF_NONEMPTY, &m->connection) ==
	    -1 || conf_str(ctx, g, "model", 0, &m->model) == -1 ||
	    conf_str(ctx, g, "pin", 0, &m->pin) == -1 ||
	    conf_int(ctx, g, "timeout", 1, 120, &m->timeout) == -1 ||
	    conf_int(ctx, g, "poll_interval", 1, 3600, &m->poll_interval) ==
	    -1 || conf_bool(ctx, g, "notifications", &m->notifications) ==
	    -1 || conf_bool(ctx, g, "delivery_reports", &m->delivery_reports)
	    == -1 || conf_int(ctx, g, "daily_limit", 0, 1000000,
	    &m->daily_limit) == -1 ||
	    conf_strs(ctx, g, "prefixes", CONF_NONEMPTY, &m->prefixes,
	    &m->nprefixes) == -1)
		return -1;
	if (config_setting_get_member(g, "name") == NULL)
		return conf_fail(ctx, g, "name: every modem needs one");
	if (conf_modem_balance(ctx, g, m) == -1)
		return -1;
	if (!conf_modem_name_ok(m->name))
		return conf_fail(ctx, config_setting_get_member(g, "name"),
		    "name: letters, digits, '-' and '_' only, at most 31");
	for (i = 0; i < m->nprefixes; i++)
		if (!conf_prefix_ok(m->prefixes[i]))
			return conf_fail(ctx, config_setting_get_elem(
			    config_setting_get_member(g, "prefixes"),
			    (unsigned)i), "prefixes[%zu]: expected digits, "
			    "with or without a leading '+'", i);
	return 0;
}

/* Modem i against those before it: no name and no device twice. */
static int
conf_modem_unique(const struct conf_ctx *ctx, const config_setting_t *g,
    const struct conf_modem *modems, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++) {
		if (strcmp(modems[j].name, modems[i].name) == 0)
			return conf_fail(ctx, config_setting_get_member(g,
			    "name"), "name: \"%s\" is already the name of "
			    "modems[%zu]", modems[i].name, j);
		if (strcmp(modems[j].device, modems[i].device) == 0)
			return conf_fail(ctx, config_setting_get_member(g,
			    "device"), "device: already the device of "
			    "modems[%zu] (\"%s\")", j, modems[j].name);
	}
	return 0;
}

/* The "modems" list s into conf->modems. */
static int
conf_modems_list(const struct conf_ctx *ctx, const config_setting_t *s,
    struct conf *conf)
{
	char where[32];
	struct conf_ctx ectx;
	const config_setting_t *g;
	int i, n;

	if (!config_setting_is_list(s))
		return conf_fail(ctx, s, "modems: expected a list of groups "
		    "( { ... }, { ... } )");
	if ((n = config_setting_length(s)) == 0)
		return conf_fail(ctx, s, "modems: the list is empty");
	if (n > CONF_MODEMS_MAX)
		return conf_fail(ctx, s, "modems: at most %d", CONF_MODEMS_MAX);
	if ((conf->modems = calloc((size_t)n, sizeof(*conf->modems))) == NULL)
		return conf_nomem(ctx);
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(s, (unsigned)i);
		snprintf(where, sizeof(where), "modems[%d]", i);
		ectx = conf_ctx_group(ctx, where);
		/* the single group's defaults, never its device or name */
		conf->nmodems++;
		if (conf_modem_copy(&conf->modems[i], &conf->modem) == -1)
			return conf_nomem(ctx);
		free(conf->modems[i].name);
		conf->modems[i].name = NULL;
		if (conf_modem_read(&ectx, g, &conf->modems[i]) == -1 ||
		    conf_modem_unique(&ectx, g, conf->modems, (size_t)i) == -1)
			return -1;
	}
	/* conf->modem: the first, for what knows of one modem only */
	conf_modem_free(&conf->modem);
	if (conf_modem_copy(&conf->modem, &conf->modems[0]) == -1)
		return conf_nomem(ctx);
	return 0;
}

int
conf_modems_read(const struct conf_ctx *ctx, const config_setting_t *root,
    struct conf *conf)
{
	const config_setting_t *s;

	if (conf->modem.name == NULL &&
	    (conf->modem.name = strdup("modem")) == NULL)
		return conf_nomem(ctx);
	if ((s = config_setting_get_member(root, "modems")) != NULL) {
		if (config_setting_get_member(root, "modem") != NULL)
			return conf_fail(ctx, s, "modems: give either the "
			    "modem group or the modems list, not both");
		return conf_modems_list(ctx, s, conf);
	}
	if ((conf->modems = calloc(1, sizeof(*conf->modems))) == NULL)
		return conf_nomem(ctx);
	conf->nmodems = 1;
	if (conf_modem_copy(&conf->modems[0], &conf->modem) == -1)
		return conf_nomem(ctx);
	return 0;
}

const struct conf_modem *
conf_modem_find(const struct conf *conf, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < conf->nmodems; i++)
		if (strcmp(conf->modems[i].name, name) == 0)
			return &conf->modems[i];
	return NULL;
}

int
conf_modem_covers(const struct conf_modem *m, const char *number)
{
	size_t i;

	for (i = 0; number != NULL && i < m->nprefixes; i++)
		if (strncmp(number, m->prefixes[i],
		    strlen(m->prefixes[i])) == 0)
			return 1;
	return 0;
}
