/*
 * conf_health: the settings of the gateway's own health: a modem's credit
 * check (modem.balance) and the technicians' alerts (technicians,
 * alert_after, alert_every, quiet_hours, daily_summary,
 * alert_failed_sends, at the top level).
 *
 * The balance pattern is compiled here, at load, so that a pattern that
 * does not compile, or has no group for the amount, stops the config with
 * its file and line rather than failing at the first answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf.h"
#include "conf_int.h"
#include "text.h"

/* The first number in the answer, when the config gives no pattern:
 * "1234", "1234.50", "1,234". */
#define CONF_BALANCE_PATTERN "([0-9][0-9,]*([.][0-9]+)?)"

static const char *const conf_balance_keys[] = { "ussd", "pattern", "every",
    "low", NULL };

/* A "HH:MM" setting into minutes (*dst stays -1 when absent). */
static int
conf_health_time(const struct conf_ctx *ctx, const config_setting_t *root,
    const char *name, int *dst)
{
	char *v = NULL;
	int m;

	if (conf_str(ctx, root, name, 0, &v) == -1)
		return -1;
	if (v == NULL || v[0] == '\0') {
		free(v);
		return 0;
	}
	m = conf_hhmm(v);
	free(v);
	if (m < 0)
		return conf_fail(ctx, config_setting_get_member(root, name),
		    "%s: expected a time of day \"HH:MM\"", name);
	*dst = m;
	return 0;
}

/* quiet_hours = "22:00-08:00" into from and to; "" or absent: none. */
static int
conf_health_quiet(const struct conf_ctx *ctx, const config_setting_t *root,
    struct conf_health *h)
{
	char *v = NULL, *dash;
	int from, to;

	if (conf_str(ctx, root, "quiet_hours", 0, &v) == -1)
		return -1;
	if (v == NULL || v[0] == '\0') {
		free(v);
		return 0;
	}
	from = to = -1;
	if ((dash = strchr(v, '-')) != NULL) {
		*dash = '\0';
		from = conf_hhmm(v);
		to = conf_hhmm(dash + 1);
	}
	free(v);
	if (from < 0 || to < 0 || from == to)
		return conf_fail(ctx, config_setting_get_member(root,
		    "quiet_hours"), "quiet_hours: expected \"HH:MM-HH:MM\", two "
		    "different times of day");
	h->quiet_from = from;
	h->quiet_to = to;
	return 0;
}

/* The balance pattern compiled, with a group for the amount. */
static int
conf_balance_compile(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_balance *b)
{
	const config_setting_t *at = g != NULL ?
	    config_setting_get_member(g, "pattern") : NULL;
	char why[128];
	int rc;

	if ((rc = regcomp(&b->re, b->pattern, REG_EXTENDED)) != 0) {
		regerror(rc, &b->re, why, sizeof(why));
		return conf_fail(ctx, at, "pattern: not a POSIX extended regular "
		    "expression: %s", why);
	}
	b->compiled = 1;
	if (b->re.re_nsub < 1)
		return conf_fail(ctx, at, "pattern: needs a group ( ... ) "
		    "around the amount");
	return 0;
}

int
conf_balance_read(const struct conf_ctx *bctx, const config_setting_t *g,
    struct conf_balance *out)
{
	struct conf_ctx ctx = *bctx;

	memset(out, 0, sizeof(*out));
	out->every = 21600;
	out->low = 1000;
	if (g == NULL)
		return 0;
	if (conf_keys(&ctx, g, conf_balance_keys) == -1 ||
	    conf_str(&ctx, g, "ussd", CONF_NONEMPTY, &out->ussd) == -1 ||
	    conf_str(&ctx, g, "pattern", CONF_NONEMPTY, &out->pattern) == -1 ||
	    conf_int(&ctx, g, "every", 10, 7 * 86400, &out->every) == -1 ||
	    conf_int(&ctx, g, "low", 0, 100000000, &out->low) == -1)
		return -1;
	if (out->ussd == NULL)
		return conf_fail(&ctx, g, "ussd: the code that asks for the "
		    "credit (\"*211#\") is needed");
	if (strlen(out->ussd) > 30 || strspn(out->ussd, "0123456789*#+") !=
	    strlen(out->ussd))
		return conf_fail(&ctx, config_setting_get_member(g, "ussd"),
		    "ussd: expected a code of digits, * and # (\"*211#\")");
	if (out->pattern == NULL &&
	    (out->pattern = strdup(CONF_BALANCE_PATTERN)) == NULL)
		return conf_nomem(&ctx);
	return conf_balance_compile(&ctx, g, out);
}

void
conf_balance_free(struct conf_balance *b)
{
	if (b->compiled)
		regfree(&b->re);
	free(b->ussd);
	free(b->pattern);
	memset(b, 0, sizeof(*b));
}

/* technicians = [ "+976..." ]: international numbers. */
static int
conf_health_technicians(const struct conf_ctx *ctx,
    const config_setting_t *root, struct conf_health *h)
{
	const config_setting_t *list;
	size_t i;

	if (conf_strs(ctx, root, "technicians", CONF_NONEMPTY, &h->technicians,
	    &h->ntechnicians) == -1)
		return -1;
	list = config_setting_get_member(root, "technicians");
	for (i = 0; i < h->ntechnicians; i++)
		if (h->technicians[i][0] != '+' ||
		    !text_number_ok(h->technicians[i], 8))
			return conf_fail(ctx, list != NULL ?
			    config_setting_get_elem(list, (unsigned)i) : NULL,
			    "technicians[%zu]: expected an international number "
			    "(\"+976...\")", i);
	return 0;
}

int
conf_health_read(const struct conf_ctx *ctx, const config_setting_t *root,
    struct conf *conf)
{
	struct conf_health *h = &conf->health;
	struct conf_ctx mctx = conf_ctx_group(ctx, "modem");
	struct conf_ctx bctx = conf_ctx_group(ctx, "modem.balance");
	const config_setting_t *modem, *g = NULL;

	memset(h, 0, sizeof(*h));
	h->alert_after = 600;
	h->alert_every = 21600;
	h->quiet_from = h->quiet_to = -1;
	h->daily_summary = -1;
	h->failed_sends = 5;
	modem = config_setting_get_member(root, "modem");
	if (modem != NULL && conf_group(&mctx, modem, "balance", &g) == -1)
		return -1;
	if (conf_balance_read(&bctx, g, &conf->modem.balance) == -1 ||
	    conf_health_technicians(ctx, root, h) == -1 ||
	    conf_int(ctx, root, "alert_after", 10, 86400, &h->alert_after) ==
	    -1 ||
	    conf_int(ctx, root, "alert_every", 10, 7 * 86400, &h->alert_every)
	    == -1 ||
	    conf_int(ctx, root, "alert_failed_sends", 1, 1000,
	    &h->failed_sends) == -1 ||
	    conf_health_quiet(ctx, root, h) == -1 ||
	    conf_health_time(ctx, root, "daily_summary", &h->daily_summary) ==
	    -1)
		return -1;
	return 0;
}

void
conf_health_free(struct conf_health *h)
{
	conf_strs_free(h->technicians, h->ntechnicians);
	memset(h, 0, sizeof(*h));
}
