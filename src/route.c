/*
 * route: from a stored message to its consequences.
 *
 * The decision (route_decide) is a pure function of the conf, the sender's
 * contact record and their recent replies, so that it can be tested without
 * a database. route_handle_next() wraps it in one store transaction with
 * everything that follows from it.
 *
 * Matching is the conf's compiled matcher (match.h: transliteration,
 * typos, menu digits), built once when the conf is loaded. The reply's
 * language follows how the person wrote: Cyrillic is mn; a matched Latin
 * spelling of a Mongolian word is mn_latn; a matched English word is en;
 * a message that tells nothing (a menu digit, an unknown Latin text) gets
 * the language remembered for the number, else the conf's. A language
 * keyword (a group with a language) switches to its language, and the
 * language of every reply is remembered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "match.h"
#include "report.h"
#include "route.h"
#include "store.h"
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

/* Fills out for a reply of kind action, subject to the reply budget. */
static void
route_reply(const struct conf *conf, const struct conf_reply *reply,
    enum route_action action, int replies_in_window, struct route_result *out)
{
	out->action = action;
	if (replies_in_window >= conf->limits.reply_budget) {
		out->action = ROUTE_SILENT_BUDGET;
		return;
	}
	out->reply = conf_reply_text(conf, reply, out->lang);
}

void
route_decide(const struct conf *conf, const char *sender, const char *text,
    int malformed, const struct store_contact *contact, int replies_in_window,
    struct route_result *out)
{
	struct match_result m;
	const struct conf_keyword *k;
	int hit, report, silent = 1;

	memset(out, 0, sizeof(*out));
	hit = conf->match != NULL && match_text(conf->match, text, &m);
	out->lang = route_lang(conf, text, contact, hit ? &m : NULL);
	if (route_is_short_code(conf, sender)) {
		out->action = ROUTE_SILENT_SHORTCODE;
		out->label = "ignored";
		return;
	}
	if (hit && m.target == MATCH_STOP) {
		out->label = "stop";
		if (contact->opted_out)
			out->action = ROUTE_SILENT_OPTED_OUT;
		else
			route_reply(conf, &conf->stop_reply, ROUTE_STOP,
			    replies_in_window, out);
		return;
	}
	if (hit && m.target == MATCH_START) {
		out->label = "start";
		route_reply(conf, &conf->start_reply, ROUTE_START,
		    replies_in_window, out);
		return;
	}
	/* A report from a number that sent STOP is filed and acknowledged
	 * all the same: the person chose to write to us. So is a malformed
	 * message whose start (the part that could be decoded) is a report
	 * keyword: the rest may be unreadable, the report is never dropped. */
	report = hit && m.target == MATCH_KEYWORD &&
	    m.keyword < conf->nkeywords && conf->keywords[m.keyword].report;
	if (report)
		silent = 0;
	if (contact->opted_out && silent) {
		out->action = ROUTE_SILENT_OPTED_OUT;
		out->label = "opted_out";
		return;
	}
	if (malformed && !report) {
		out->action = ROUTE_SILENT_MALFORMED;
		out->label = "malformed";
		return;
	}
	if (hit && m.target == MATCH_KEYWORD && m.keyword < conf->nkeywords) {
		k = &conf->keywords[m.keyword];
		if (k->language >= 0 && k->language < LANG_COUNT)
			out->lang = (enum lang)k->language;
		out->keyword = k;
		out->label = k->name;
		route_reply(conf, &k->reply, ROUTE_KEYWORD, replies_in_window,
		    out);
		return;
	}
	out->label = "default";
	route_reply(conf, &conf->default_reply, ROUTE_DEFAULT,
	    replies_in_window, out);
}

/*
 * The contact record after this message: opt-out on STOP (even when the
 * budget kept the confirmation back), opt-in on START, and the language of
 * any reply remembered. Returns 1 when it changed and must be written.
 */
static int
route_update_contact(const struct route_result *r, struct store_contact *c)
{
	struct store_contact old = *c;

	if (r->action == ROUTE_STOP ||
	    (r->action == ROUTE_SILENT_BUDGET && strcmp(r->label, "stop") == 0))
		c->opted_out = 1;
	if (r->action == ROUTE_START ||
	    (r->action == ROUTE_SILENT_BUDGET && strcmp(r->label, "start") == 0))
		c->opted_out = 0;
	if (r->reply != NULL)
		c->lang = (int)r->lang;
	return !old.known || memcmp(&old, c, sizeof(old)) != 0;
}

/*
 * The reply text, with the report's reference appended when the message
 * filed one so that the reporter can quote it. Caller frees.
 */
static char *
route_reply_text(const char *reply, const char *ref)
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

/* "YYYY-MM-DD" of now in local time: the campaign's day. */
static void
route_day(int64_t now, char *day, size_t len)
{
	time_t t = (time_t)now;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(day, len, "%Y-%m-%d", &tm);
}

/* Writes the consequences of r for msg. 0, or -1 on a store error. */
static int
route_apply(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const struct route_result *r,
    struct store_contact *contact, int64_t now)
{
	struct store_budget budget;
	char ref[16] = "", day[16];
	char *text;
	int64_t id;

	if (r->keyword != NULL && r->keyword->report &&
	    store_report_add(store, msg->sender, msg->text, 0, msg->id, now,
	    ref, sizeof(ref)) < 0)
		return -1;
	if (r->reply != NULL) {
		if ((text = route_reply_text(r->reply, ref)) == NULL)
			return -1;
		route_budget(conf, &budget);
		id = store_outbox_queue(store, &budget, msg->sender, text,
		    STORE_OUT_REPLY, msg->id, now);
		free(text);
		if (id < 0)
			return -1;
	}
	if (r->action != ROUTE_SILENT_SHORTCODE &&
	    route_update_contact(r, contact) &&
	    store_contact_put(store, msg->sender, contact, now) < 0)
		return -1;
	route_day(now, day, sizeof(day));
	if (store_stat_bump(store, day, r->label) < 0)
		return -1;
	return store_msg_handled(store, msg->id, r->label, now) < 0 ? -1 : 0;
}

int
route_handle_next(struct store *store, const struct conf *conf, int64_t now)
{
	struct store_msg msg;
	struct store_contact contact;
	struct route_result r;
	int found, replies, rep;

	if (store_begin(store) < 0)
		return -1;
	memset(&msg, 0, sizeof(msg));
	if ((found = store_msg_next(store, &msg)) <= 0) {
		store_rollback(store);
		return found;
	}
	if (store_contact_get(store, msg.sender, &contact) < 0)
		goto fail;
	replies = store_outbox_count(store, msg.sender,
	    now - conf->limits.reply_window);
	if (replies < 0)
		goto fail;
	route_decide(conf, msg.sender, msg.text, msg.malformed, &contact,
	    replies, &r);
	/* Reports, their follow-ups, caseworkers' commands: report.c. */
	if ((rep = report_route(store, conf, &msg, &r, now)) < 0)
		goto fail;
	if (rep == 0 && route_apply(store, conf, &msg, &r, &contact, now) < 0)
		goto fail;
	if (store_commit(store) < 0)
		goto fail;
	store_msg_free(&msg);
	return 1;
fail:
	store_rollback(store);
	store_msg_free(&msg);
	return -1;
}
