/*
 * route_decide: what a message means, as a pure function of what gather
 * read (struct route_facts) and the conf. No database, no clock, no
 * writes: so that every outcome is tested on a table of cases.
 *
 * The order of the questions is the policy:
 *   1. a short code or an alphanumeric sender is never answered;
 *   2. a malformed message that is neither a report nor STOP/START is
 *      left alone (a number that said STOP goes on to 3, as it always
 *      has: within a window it may still be the report's);
 *   3. a caseworker's command ("CLAIM REF PIN", ...): the PIN first;
 *   4. STOP and START;
 *   5. the reference of an open report at the start: a follow-up;
 *   6. the report keyword: with text a report, alone the question;
 *   7. within the number's report window: the awaited report, or a
 *      follow-up (a lone keyword is answered as a keyword instead);
 *   8. opted out: silence; else the keyword's reply, or the menu, within
 *      the reply budget.
 * A report from a number that sent STOP is filed and acknowledged all the
 * same: the person chose to write to us. So is a malformed message whose
 * start (the part that could be decoded) is a report keyword.
 *
 * Matching is the conf's compiled matcher (match.h: transliteration,
 * typos, menu digits). The reply's language follows how the person wrote:
 * Cyrillic is mn; a matched Latin spelling of a Mongolian word is mn_latn;
 * a matched English word is en; a message that tells nothing (a menu
 * digit, an unknown Latin text) gets the language remembered for the
 * number, else the conf's. A language keyword switches to its language.
 * Within a report window the window's language holds.
 *
 * Caseworkers' PINs: sender numbers can be spoofed, so every command
 * carries the caseworker's PIN, checked against the crypto_pwhash hash in
 * the config. Guessing must stay slower than a PIN is long: every
 * reports.pin_attempts wrong PINs lock the caseworker's commands, for
 * reports.pin_lockout the first time and twice as long each next time, up
 * to reports.pin_lockout_max; a lock does not reset the count, only the
 * right PIN once no lock holds does. The first lock of a streak warns the
 * caseworker by SMS. Wrong-PIN and locked answers go at most once per
 * pin_lockout, or once per lock, so that a spoofer cannot make the gateway
 * text the caseworker for every guess.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "conf.h"
#include "match.h"
#include "report.h"
#include "route.h"
#include "text.h"

void
route_budget(const struct conf *conf, struct store_budget *out)
{
	out->max = conf->limits.reply_budget;
	out->window = conf->limits.reply_window;
}

int
route_is_short_code(const struct conf *conf, const char *sender)
{
	const char *p = sender;
	size_t digits = 0;

	if (*p == '+')
		p++;
	if (*p == '\0')
		return 1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return 1;       /* alphanumeric: "MOBICOM", "Unitel" */
		digits++;
	}
	return digits <= (size_t)conf->limits.short_code_max_digits;
}

char *
route_ack_text(const char *reply, const char *ref)
{
	size_t len;
	char *s;

	if (ref == NULL || ref[0] == '\0')
		return strdup(reply);
	len = strlen(reply) + strlen(ref) + 3;
	if ((s = malloc(len)) != NULL)
		snprintf(s, len, "%s #%s", reply, ref);
	return s;
}

/* ---- parsing ------------------------------------------------------------ */

static const char *const route_verbs[] = { "CLAIM", "NOTE", "REPLY",
    "CLOSE", NULL };

/* Copies the next word of *p into buf; advances *p. 0, or -1 when none
 * or too long. */
static int
route_word(const char **p, char *buf, size_t len)
{
	size_t n;

	*p += strspn(*p, " \t\r\n");
	n = strcspn(*p, " \t\r\n");
	if (n == 0 || n >= len)
		return -1;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p += n;
	return 0;
}

const struct conf_caseworker *
route_command(const struct conf *conf, const char *sender, const char *text,
    struct route_cmd *cmd)
{
	const struct conf_caseworker *cw = NULL;
	const char *p = text;
	size_t i;

	for (i = 0; i < conf->reports.ncaseworkers && cw == NULL; i++)
		if (strcmp(conf->reports.caseworkers[i].number, sender) == 0)
			cw = &conf->reports.caseworkers[i];
	if (cw == NULL || route_word(&p, cmd->verb, sizeof(cmd->verb)) == -1)
		return NULL;
	for (i = 0; route_verbs[i] != NULL; i++)
		if (strcasecmp(cmd->verb, route_verbs[i]) == 0)
			break;
	if (route_verbs[i] == NULL)
		return NULL;
	snprintf(cmd->verb, sizeof(cmd->verb), "%s", route_verbs[i]);
	if (route_word(&p, cmd->ref, sizeof(cmd->ref)) == -1)
		cmd->ref[0] = '\0';
	if (cmd->ref[0] == '#')
		memmove(cmd->ref, cmd->ref + 1, strlen(cmd->ref));
	if (route_word(&p, cmd->pin, sizeof(cmd->pin)) == -1)
		cmd->pin[0] = '\0';
	cmd->text = p + strspn(p, " \t\r\n");
	return cw;
}

const char *
route_text_ref(const char *text, char *ref)
{
	const char *p = text;
	size_t i;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p == '#')
		p++;
	for (i = 0; i < STORE_REF_LEN; i++) {
		if (!isalnum((unsigned char)p[i]))
			return NULL;
		ref[i] = (char)toupper((unsigned char)p[i]);
	}
	ref[i] = '\0';
	if (isalnum((unsigned char)p[i]) || strspn(ref, "0123456789") == i)
		return NULL;
	p += i;
	while (*p == ' ' || *p == ':' || *p == ',')
		p++;
	return p;
}

/* 1 when text is one word (a keyword) and nothing after it. */
static int
route_bare(const char *text)
{
	const char *p = text;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' &&
	    *p != '\r')
		p++;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
	    *p == ':' || *p == ',' || *p == '-')
		p++;
	return *p == '\0';
}

/* ---- caseworkers' commands ---------------------------------------------- */

/* "N min", "N h" or "N d" for seconds, rounded up: how long a lock
 * lasts, in an SMS. */
static void
route_span(int64_t secs, char *buf, size_t len)
{
	if (secs >= 2 * 86400)
		snprintf(buf, len, "%lld d", (long long)((secs + 86399) / 86400));
	else if (secs >= 2 * 3600)
		snprintf(buf, len, "%lld h", (long long)((secs + 3599) / 3600));
	else
		snprintf(buf, len, "%lld min", (long long)((secs + 59) / 60));
}

/* The length of lock number k (1 first): pin_lockout doubled k - 1 times,
 * at most pin_lockout_max. */
static int64_t
route_lock_span(const struct conf *conf, int k)
{
	int64_t span = conf->reports.pin_lockout;

	while (--k > 0 && span < conf->reports.pin_lockout_max)
		span *= 2;
	return span < conf->reports.pin_lockout_max ? span :
	    conf->reports.pin_lockout_max;
}

/*
 * Checks the command's PIN (see the top of this file). Returns 1 when it
 * is right and no lock holds (plan->pin reset if it held a streak), else
 * 0 with the outcome, the new PIN state, the answer ("" when one went
 * within the quiet period, or the warning says it all) and the warning.
 */
static int
route_decide_pin(const struct conf *conf, const struct route_facts *f,
    struct route_plan *plan)
{
	const struct conf_caseworker *cw = plan->caseworker;
	struct store_pin *p = &plan->pin;
	const char *pin = plan->cmd.pin;
	int64_t now = f->now, span;
	char left[24];

	*p = f->pin;
	if (p->locked_until > now) {
		plan->outcome = ROUTE_CW_LOCKED;
		route_span(p->locked_until - now, left, sizeof(left));
		snprintf(plan->answer, sizeof(plan->answer), "Locked for %s "
		    "more: too many wrong PINs.", left);
	} else if (cw->pin_hash != NULL && pin[0] != '\0' &&
	    crypto_pwhash_str_verify(cw->pin_hash, pin, strlen(pin)) == 0) {
		/* The right PIN with no lock holding: a new streak. */
		if (p->failures > 0 || p->locked_until > 0 || p->warned) {
			memset(p, 0, sizeof(*p));
			plan->write_pin = 1;
		}
		return 1;
	} else {
		plan->outcome = ROUTE_CW_WRONG_PIN;
		p->failures++;
		snprintf(plan->answer, sizeof(plan->answer), "Wrong PIN.");
		if (p->failures % conf->reports.pin_attempts == 0) {
			span = route_lock_span(conf, p->failures /
			    conf->reports.pin_attempts);
			p->locked_until = now + span;
			route_span(span, left, sizeof(left));
			snprintf(plan->answer, sizeof(plan->answer),
			    "Wrong PIN. Locked for %s.", left);
			if (!p->warned)
				snprintf(plan->warning, sizeof(plan->warning),
				    "Warning: %d wrong PINs for your SMS "
				    "commands. Locked for %s. Not you? Someone "
				    "may be guessing your PIN: tell your "
				    "coordinator.", p->failures, left);
			p->warned = 1;
		}
	}
	/* One answer per quiet period: pin_lockout, or the lock. */
	if (p->quiet_until > now)
		plan->answer[0] = '\0';
	else
		p->quiet_until = p->locked_until > now +
		    conf->reports.pin_lockout ? p->locked_until :
		    now + conf->reports.pin_lockout;
	if (plan->warning[0] != '\0')
		plan->answer[0] = '\0';     /* the warning says it all */
	plan->write_pin = 1;
	return 0;
}

/* A caseworker's command, whatever the PIN: an outcome ROUTE_CW_*. */
static void
route_decide_command(const struct conf *conf, const struct route_facts *f,
    struct route_plan *plan)
{
	static const enum route_outcome by_verb[] = { ROUTE_CW_CLAIM,
	    ROUTE_CW_NOTE, ROUTE_CW_REPLY, ROUTE_CW_CLOSE };
	const struct store_report *r = &f->report;
	size_t i;

	plan->label = "caseworker";
	plan->scrub = 1;        /* a PIN and a note are in it */
	if (!route_decide_pin(conf, f, plan))
		return;
	plan->outcome = ROUTE_CW_REFUSED;
	if (!f->have_report || plan->cmd.ref[0] == '\0') {
		snprintf(plan->answer, sizeof(plan->answer), "No such report.");
		return;
	}
	if (strcmp(r->status, "open") != 0 &&
	    strcmp(plan->cmd.verb, "CLOSE") != 0) {
		snprintf(plan->answer, sizeof(plan->answer),
		    "That report is closed.");
		return;
	}
	for (i = 0; route_verbs[i] != NULL; i++)
		if (strcmp(plan->cmd.verb, route_verbs[i]) == 0)
			plan->outcome = by_verb[i];
	plan->report_id = r->id;
	plan->text = plan->cmd.text;
}

/* ---- the reporting side ------------------------------------------------- */

/* The first keyword group that files reports, or NULL. */
static const struct conf_keyword *
route_report_group(const struct conf *conf)
{
	size_t i;

	for (i = 0; i < conf->nkeywords; i++)
		if (conf->keywords[i].report)
			return &conf->keywords[i];
	return NULL;
}

/* A new report of text, acknowledged with k's reply (k may be NULL). */
static void
route_decide_report(const struct conf *conf, const struct route_facts *f,
    const struct conf_keyword *k, const char *text, struct route_plan *plan)
{
	plan->outcome = ROUTE_REPORT;
	plan->label = k != NULL ? k->name : "report";
	plan->text = text;
	plan->urgent = report_is_urgent(conf, text);
	plan->scrub = 1;
	if (k != NULL && f->replies_in_window < conf->limits.reply_budget)
		plan->reply = conf_reply_text(conf, &k->reply, plan->lang);
}

/* text joins open report id, with the follow-up reply when there is one. */
static void
route_decide_followup(const struct conf *conf, const struct route_facts *f,
    int64_t id, const char *text, struct route_plan *plan)
{
	plan->outcome = ROUTE_FOLLOWUP;
	plan->label = "followup";
	plan->text = text;
	plan->report_id = id;
	plan->scrub = 1;
	if (f->replies_in_window < conf->limits.reply_budget)
		plan->reply = conf_reply_text(conf,
		    &conf->reports.followup_reply, plan->lang);
}

/*
 * Questions 5 to 7: whether the message is the reporting side's. k is the
 * matched keyword group, when the router would answer it as such (NULL
 * for a number that said STOP: there, anything in a window is the
 * report's). Returns 1 with the plan made, 0 when it is not.
 */
static int
route_decide_reporting(const struct conf *conf, const struct route_facts *f,
    const struct conf_keyword *k, struct route_plan *plan)
{
	const struct conf_keyword *group;
	const char *rest;
	char ref[STORE_REF_LEN + 1];
	enum lang kw_lang = plan->lang;

	if (f->linked && f->link_lang >= 0 && f->link_lang < LANG_COUNT)
		plan->lang = (enum lang)f->link_lang;
	rest = route_text_ref(f->text, ref);
	if (rest != NULL && f->have_report &&
	    strcmp(f->report.status, "open") == 0) {
		route_decide_followup(conf, f, f->report.id, rest, plan);
		return 1;
	}
	if (k != NULL && k->report && route_bare(f->text)) {
		plan->outcome = ROUTE_REPORT_ASK;
		plan->label = k->name;
		plan->lang = kw_lang;   /* the window opens in it */
		plan->scrub = 1;
		if (f->replies_in_window < conf->limits.reply_budget)
			plan->reply = conf_reply_text(conf,
			    &conf->reports.prompt, kw_lang);
		return 1;
	}
	if (k != NULL && k->report) {
		route_decide_report(conf, f, k, f->text, plan);
		return 1;
	}
	/* A lone keyword in a window: its answer. */
	if (!f->linked || (k != NULL && route_bare(f->text))) {
		plan->lang = kw_lang;
		return 0;
	}
	if (strcmp(f->link_state, "await") == 0) {
		group = route_report_group(conf);
		route_decide_report(conf, f, group, f->text, plan);
		return 1;
	}
	route_decide_followup(conf, f, f->link_report, f->text, plan);
	return 1;
}

/* ---- the router --------------------------------------------------------- */

/*
 * The language to answer in: how the person wrote (Cyrillic text; the
 * matched word's language), else the one remembered for the number, else
 * the conf's. m is the match, or NULL.
 */
static enum lang
route_lang(const struct conf *conf, const char *text,
    const struct store_contact *contact, const struct match_result *m)
{
	if (text_is_cyrillic(text))
		return LANG_MN;
	if (m != NULL && m->lang >= 0 && m->lang < LANG_COUNT)
		return (enum lang)m->lang;
	if (contact->known && contact->lang >= 0 && contact->lang < LANG_COUNT)
		return (enum lang)contact->lang;
	return conf->language;
}

/* A reply of outcome o, subject to the reply budget. */
static void
route_decide_reply(const struct conf *conf, const struct route_facts *f,
    const struct conf_reply *reply, enum route_outcome o,
    struct route_plan *plan)
{
	plan->outcome = o;
	if (f->replies_in_window >= conf->limits.reply_budget) {
		plan->outcome = ROUTE_BUDGET;
		return;
	}
	plan->reply = conf_reply_text(conf, reply, plan->lang);
}

/*
 * The contact record after a message the router answers (or not):
 * opt-out on STOP (even when the budget kept the confirmation back),
 * opt-in on START, and the language of any reply remembered; written when
 * it changed or the number is new.
 */
static void
route_decide_contact(const struct route_facts *f, int stop, int start,
    struct route_plan *plan)
{
	struct store_contact *c = &plan->contact;

	*c = f->contact;
	if (stop)
		c->opted_out = 1;
	if (start)
		c->opted_out = 0;
	if (plan->reply != NULL)
		c->lang = (int)plan->lang;
	plan->write_contact = !f->contact.known ||
	    memcmp(&f->contact, c, sizeof(*c)) != 0;
}

/* Questions 4 and 8: the router's own answers. */
static void
route_decide_answer(const struct conf *conf, const struct route_facts *f,
    const struct match_result *m, int hit, struct route_plan *plan)
{
	const struct conf_keyword *k = NULL;
	int stop = hit && m->target == MATCH_STOP;
	int start = hit && m->target == MATCH_START;

	if (hit && m->target == MATCH_KEYWORD && m->keyword < conf->nkeywords)
		k = &conf->keywords[m->keyword];
	if (stop) {
		plan->label = "stop";
		if (f->contact.opted_out)
			plan->outcome = ROUTE_OPTED_OUT;
		else
			route_decide_reply(conf, f, &conf->stop_reply,
			    ROUTE_STOP, plan);
	} else if (start) {
		plan->label = "start";
		route_decide_reply(conf, f, &conf->start_reply, ROUTE_START,
		    plan);
	} else if (f->contact.opted_out) {
		plan->outcome = ROUTE_OPTED_OUT;
		plan->label = "opted_out";
	} else if (k != NULL) {
		plan->label = k->name;
		route_decide_reply(conf, f, &k->reply, ROUTE_REPLY, plan);
	} else {
		plan->label = "default";
		route_decide_reply(conf, f, &conf->default_reply, ROUTE_REPLY,
		    plan);
	}
	route_decide_contact(f, stop, start, plan);
}

void
route_decide(const struct conf *conf, const struct route_facts *f,
    struct route_plan *plan)
{
	struct match_result m;
	const struct conf_keyword *k = NULL;
	int hit, report, stopstart;

	memset(plan, 0, sizeof(*plan));
	hit = conf->match != NULL && match_text(conf->match, f->text, &m);
	plan->lang = route_lang(conf, f->text, &f->contact, hit ? &m : NULL);
	if (route_is_short_code(conf, f->sender)) {
		plan->outcome = ROUTE_IGNORED;
		plan->label = "ignored";
		return;
	}
	if (hit && m.target == MATCH_KEYWORD && m.keyword < conf->nkeywords)
		k = &conf->keywords[m.keyword];
	report = k != NULL && k->report;
	stopstart = hit && (m.target == MATCH_STOP || m.target == MATCH_START);
	if (f->malformed && !report && !stopstart && !f->contact.opted_out) {
		plan->outcome = ROUTE_MALFORMED;
		plan->label = "malformed";
		route_decide_contact(f, 0, 0, plan);
		return;
	}
	if ((plan->caseworker = route_command(conf, f->sender, f->text,
	    &plan->cmd)) != NULL) {
		route_decide_command(conf, f, plan);
		return;
	}
	if (stopstart) {
		route_decide_answer(conf, f, &m, hit, plan);
		plan->camp.end_all = m.target == MATCH_STOP;
		return;
	}
	if (route_decide_campaign(conf, f, report, plan))
		return;
	/* A number that said STOP hears nothing but what it reports. */
	if (f->contact.opted_out && !report)
		k = NULL;
	if (k != NULL && k->language >= 0 && k->language < LANG_COUNT)
		plan->lang = (enum lang)k->language;
	if (route_decide_reporting(conf, f, k, plan))
		return;
	route_decide_answer(conf, f, &m, hit, plan);
	if (plan->camp.source != NULL && plan->outcome == ROUTE_REPLY)
		plan->outcome = ROUTE_SOURCE;
}
