/*
 * conf_report: the "reports" group of shukher.conf.
 *
 *   reports = {
 *     public_key = "/etc/shukher/caseworkers.pub";
 *     window = 1800; urgent_words = [ "АЮУЛ", "danger" ];
 *     alert_segments = 2; alert_include_number = false;
 *     escalate_minutes = 15; relay_hours = 72;
 *     pin_attempts = 5; pin_lockout = 3600; pin_lockout_max = 345600;
 *     retention_days = 365;
 *     inbox_retention_days = 30; outbox_retention_days = 30;
 *     prompt = { mn = "..."; en = "..."; };
 *     caseworkers = ( { name = "oyuna"; number = "+976..."; pin_hash = "$argon2id$..."; } );
 *     roster = ( { days = "mon-fri"; hours = "9-18"; on_duty = [ "oyuna" ]; } );
 *     fallback = [ "oyuna" ];
 *   };
 *
 * Kept apart from conf.c so that the reporting side can grow without
 * touching the keyword parser; it follows conf.c's rules: defaults first,
 * every string copied out, unknown names refused, errors name file and line
 * and never quote a PIN hash.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libconfig.h>

#include "conf.h"
#include "conf_int.h"
#include "seal.h"
#include "text.h"

static const char *const conf_report_keys[] = { "public_key", "window",
    "urgent_words", "alert_segments", "alert_include_number",
    "escalate_minutes", "relay_hours", "pin_attempts", "pin_lockout",
    "pin_lockout_max", "retention_days", "inbox_retention_days", "outbox_retention_days",
    "prompt", "followup_reply", "caseworkers", "roster",
    "fallback", NULL };

static const char *const conf_report_urgent[] = { "ТУСЛАМЖ", "АЮУЛ",
    "АВААЧ", "ХҮЧИРХИЙЛЭЛ", "ЗОДОХ", "tuslamj", "ayuul", "avaach",
    "help", "danger", "urgent", NULL };

static const char *const conf_report_prompt[LANG_COUNT] = {
	[LANG_MN] = "Юу болсон, хаана, тантай хэрхэн аюулгүй холбогдох вэ? "
	    "Дараагийн мессежээр бичнэ үү.",
	[LANG_EN] = "What happened, where, and how can we reach you safely? "
	    "Reply in your next message.",
	[LANG_MN_LATN] = "Yu bolson, haana, tantai herhen ayulgui holbogdoh "
	    "ve? Daraagiin messejeer bichne uu.",
};

static const char *const conf_report_days[7] = { "sun", "mon", "tue", "wed",
    "thu", "fri", "sat" };

/* The index of caseworker name, or -1. */
static int
conf_rcaseworker(const struct conf_reports *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->ncaseworkers; i++)
		if (strcmp(r->caseworkers[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The caseworkers' names in member name of g (present) into indexes.
 * Returns 0 or -1. */
static int
conf_rwho(const struct conf_ctx *ctx, const struct conf_reports *r,
    const config_setting_t *g, const char *name, size_t **who, size_t *n)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char **names = NULL;
	size_t i, nn = 0;
	int k, rc = 0;

	if (conf_strs(ctx, g, name, CONF_NONEMPTY, &names, &nn) == -1)
		return -1;
	if ((*who = calloc(nn + 1, sizeof(**who))) == NULL)
		rc = conf_nomem(ctx);
	for (i = 0; rc == 0 && i < nn; i++) {
		if ((k = conf_rcaseworker(r, names[i])) < 0)
			rc = conf_fail(ctx, config_setting_get_elem(s,
			    (unsigned)i), "%s[%zu]: no caseworker named \"%s\"",
			    name, i, names[i]);
		else
			(*who)[(*n)++] = (size_t)k;
	}
	conf_strs_free(names, nn);
	return rc;
}

/* Member name of g as a string, or NULL. */
static const char *
conf_rstr(const config_setting_t *g, const char *name)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (s == NULL || config_setting_type(s) != CONFIG_TYPE_STRING)
		return NULL;
	return config_setting_get_string(s);
}

/* One caseworker { name; number; pin_hash; }: a misspelt key is an error,
 * not a caseworker who silently has no PIN. Returns 0 or -1. */
static int
conf_rcw(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_caseworker *cw)
{
	static const char *const keys[] = { "name", "number", "pin_hash",
	    NULL };
	struct conf_ctx ectx = conf_ctx_group(ctx, "reports.caseworkers");
	const char *name = conf_rstr(g, "name"), *num = conf_rstr(g, "number");
	const char *pin = conf_rstr(g, "pin_hash");

	if (conf_keys(&ectx, g, keys) == -1)
		return -1;
	if (name == NULL || num == NULL || num[0] != '+' ||
	    !text_number_ok(num, 3))
		return conf_fail(ctx, g, "caseworkers: each needs a name and "
		    "a number in international form (+976...)");
	if (pin != NULL && strncmp(pin, "$argon2", 7) != 0)
		return conf_fail(ctx, g, "caseworkers: pin_hash of \"%s\" is "
		    "not a crypto_pwhash string ($argon2id$...)", name);
	if ((cw->name = strdup(name)) == NULL ||
	    (cw->number = strdup(num)) == NULL ||
	    (pin != NULL && (cw->pin_hash = strdup(pin)) == NULL))
		return conf_fail(ctx, g, "out of memory");
	return 0;
}

/* "mon-fri", "sat,sun", "all" into a mask. Returns 0 or -1. */
static int
conf_rdays(const char *s, unsigned *mask)
{
	char buf[64], *tok, *save = NULL, *dash;
	int a, b, i;

	*mask = 0;
	if (strcasecmp(s, "all") == 0) {
		*mask = 0x7f;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		if ((dash = strchr(tok, '-')) != NULL)
			*dash++ = '\0';
		for (a = -1, b = -1, i = 0; i < 7; i++) {
			if (strcasecmp(tok, conf_report_days[i]) == 0)
				a = i;
			if (dash != NULL &&
			    strcasecmp(dash, conf_report_days[i]) == 0)
				b = i;
		}
		if (a < 0 || (dash != NULL && b < 0))
			return -1;
		if (b < 0)
			b = a;
		for (i = a;; i = (i + 1) % 7) {
			*mask |= 1u << i;
			if (i == b)
				break;
		}
	}
	return *mask != 0 ? 0 : -1;
}

/* One roster line { days; hours; on_duty; }: a misspelt "hours" is an
 * error, not a line on duty all day. Returns 0 or -1. */
static int
conf_rroster(const struct conf_ctx *ctx, const struct conf_reports *r,
    const config_setting_t *g, struct conf_roster *ro)
{
	static const char *const keys[] = { "days", "hours", "on_duty", NULL };
	struct conf_ctx ectx = conf_ctx_group(ctx, "reports.roster");
	const char *days = conf_rstr(g, "days"), *hours = conf_rstr(g, "hours");

	if (conf_keys(&ectx, g, keys) == -1)
		return -1;
	ro->from_hour = 0;
	ro->to_hour = 24;
	if (days == NULL || conf_rdays(days, &ro->days) == -1)
		return conf_fail(ctx, g, "roster: days: expected \"mon-fri\", "
		    "\"sat,sun\", \"all\", ...");
	if (hours != NULL && (sscanf(hours, "%d-%d", &ro->from_hour,
	    &ro->to_hour) != 2 || ro->from_hour < 0 || ro->from_hour > 23 ||
	    ro->to_hour < 1 || ro->to_hour > 24 ||
	    ro->from_hour == ro->to_hour))
		return conf_fail(ctx, g, "roster: hours: expected \"9-18\" "
		    "(from the first hour to the start of the second)");
	if (config_setting_get_member(g, "on_duty") == NULL)
		return conf_fail(ctx, g, "roster: on_duty: missing");
	return conf_rwho(ctx, r, g, "on_duty", &ro->who, &ro->nwho);
}

/* Built-in values. Returns 0 or -1. */
static int
conf_rdefaults(const struct conf_ctx *ctx, struct conf_reports *r)
{
	size_t i;
	int l;

	r->window = 1800;
	r->alert_segments = 2;
	r->escalate_minutes = 15;
	r->relay_hours = 72;
	r->pin_attempts = 5;
	r->pin_lockout = 3600;
	r->pin_lockout_max = 4 * 86400;
	r->retention_days = 0;
	for (i = 0; conf_report_urgent[i] != NULL; i++)
		;
	if ((r->urgent_words = calloc(i + 1, sizeof(char *))) == NULL)
		return conf_nomem(ctx);
	for (i = 0; conf_report_urgent[i] != NULL; i++, r->nurgent_words++)
		if ((r->urgent_words[i] = strdup(conf_report_urgent[i])) == NULL)
			return conf_nomem(ctx);
	for (l = 0; l < LANG_COUNT; l++)
		if ((r->prompt.text[l] = strdup(conf_report_prompt[l])) == NULL)
			return conf_nomem(ctx);
	return 0;
}

/* The integer members, each with its range (shukher.conf(5)). */
static int
conf_rints(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_reports *r)
{
	const struct { const char *name; int *dst; int min, max; } f[] = {
		{ "window", &r->window, 60, 7 * 86400 },
		{ "alert_segments", &r->alert_segments, 1, 6 },
		{ "escalate_minutes", &r->escalate_minutes, 1, 1440 },
		{ "relay_hours", &r->relay_hours, 0, 24 * 90 },
		{ "pin_attempts", &r->pin_attempts, 1, 100 },
		{ "pin_lockout", &r->pin_lockout, 60, 30 * 86400 },
		{ "pin_lockout_max", &r->pin_lockout_max, 60, 90 * 86400 },
		{ "retention_days", &r->retention_days, 0, 36500 },
		{ "inbox_retention_days", &r->inbox_retention_days, 0, 36500 },
		{ "outbox_retention_days", &r->outbox_retention_days, 0,
		  36500 },
	};
	const config_setting_t *s;
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (conf_int(ctx, g, f[i].name, f[i].min, f[i].max,
		    f[i].dst) == -1)
			return -1;
	/* The lockout doubles from pin_lockout up to pin_lockout_max. */
	if ((s = config_setting_get_member(g, "pin_lockout_max")) != NULL &&
	    r->pin_lockout_max < r->pin_lockout)
		return conf_fail(ctx, s, "pin_lockout_max: less than "
		    "pin_lockout (%d)", r->pin_lockout);
	if (r->pin_lockout_max < r->pin_lockout)
		r->pin_lockout_max = r->pin_lockout;
	return conf_bool(ctx, g, "alert_include_number",
	    &r->alert_include_number);
}

/* The lists: caseworkers, then roster and fallback naming them. */
static int
conf_rlists(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_reports *r)
{
	const config_setting_t *s;
	int i, n;

	if ((s = config_setting_get_member(g, "caseworkers")) != NULL) {
		n = config_setting_length(s);
		if (!config_setting_is_list(s) ||
		    (r->caseworkers = calloc((size_t)n + 1,
		    sizeof(*r->caseworkers))) == NULL)
			return conf_fail(ctx, s, "caseworkers: expected a "
			    "list ( { name; number; pin_hash; }, ... )");
		for (i = 0; i < n; i++, r->ncaseworkers++)
			if (conf_rcw(ctx, config_setting_get_elem(s,
			    (unsigned)i), &r->caseworkers[i]) == -1)
				return -1;
		for (i = 0; i < n; i++)
			if (conf_rcaseworker(r, r->caseworkers[i].name) != i)
				return conf_fail(ctx, s, "caseworkers: \"%s\" "
				    "twice", r->caseworkers[i].name);
	}
	if ((s = config_setting_get_member(g, "roster")) != NULL) {
		n = config_setting_length(s);
		if (!config_setting_is_list(s) || (r->roster = calloc(
		    (size_t)n + 1, sizeof(*r->roster))) == NULL)
			return conf_fail(ctx, s, "roster: expected a list");
		for (i = 0; i < n; i++, r->nroster++)
			if (conf_rroster(ctx, r, config_setting_get_elem(s,
			    (unsigned)i), &r->roster[i]) == -1)
				return -1;
	}
	if (config_setting_get_member(g, "fallback") != NULL &&
	    conf_rwho(ctx, r, g, "fallback", &r->fallback,
	    &r->nfallback) == -1)
		return -1;
	return 0;
}

/* Reads the words, the texts and the key. */
static int
conf_rrest(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_reports *r)
{
	const config_setting_t *s;
	char kerr[256];
	const char *v;

	/* The prompt's languages that the file omits keep the built-in
	 * texts. */
	if (conf_strs(ctx, g, "urgent_words", CONF_NONEMPTY, &r->urgent_words,
	    &r->nurgent_words) == -1 ||
	    conf_reply(ctx, g, "prompt", CONF_REPLY_OVER, &r->prompt) == -1 ||
	    conf_reply(ctx, g, "followup_reply", CONF_REPLY_OVER,
	    &r->followup_reply) == -1 ||
	    conf_str(ctx, g, "public_key", CONF_NONEMPTY,
	    &r->public_key) == -1)
		return -1;
	if ((v = r->public_key) != NULL) {
		s = config_setting_get_member(g, "public_key");
		/* A FIFO here would block the daemon at a reload. */
		if (conf_file_check(v, kerr, sizeof(kerr)) == -1)
			return conf_fail(ctx, s, "public_key: %s: %s", v, kerr);
		if (seal_load_public(v, &r->key, kerr, sizeof(kerr)) == -1)
			return conf_fail(ctx, s, "public_key: %s", kerr);
	}
	return 0;
}

int
conf_reports_read(const struct conf_ctx *fctx, const config_setting_t *root,
    struct conf_reports *out)
{
	struct conf_ctx ctx = conf_ctx_group(fctx, "reports");
	const config_setting_t *g;

	memset(out, 0, sizeof(*out));
	if (conf_rdefaults(&ctx, out) == -1 ||
	    conf_group(fctx, root, "reports", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	if (conf_keys(&ctx, g, conf_report_keys) == -1 ||
	    conf_rints(&ctx, g, out) == -1 || conf_rlists(&ctx, g, out) == -1)
		return -1;
	return conf_rrest(&ctx, g, out);
}

void
conf_reports_free(struct conf_reports *r)
{
	size_t i;
	int l;

	if (r == NULL)
		return;
	free(r->public_key);
	conf_strs_free(r->urgent_words, r->nurgent_words);
	for (l = 0; l < LANG_COUNT; l++) {
		free(r->prompt.text[l]);
		free(r->followup_reply.text[l]);
	}
	for (i = 0; i < r->ncaseworkers; i++) {
		free(r->caseworkers[i].name);
		free(r->caseworkers[i].number);
		free(r->caseworkers[i].pin_hash);
	}
	free(r->caseworkers);
	for (i = 0; i < r->nroster; i++)
		free(r->roster[i].who);
	free(r->roster);
	free(r->fallback);
	memset(r, 0, sizeof(*r));
}
