/*
 * report_intake: a message that is a report, starts one, or adds to one.
 *
 * report_route() looks at a routed message in this order: a caseworker's
 * command; a message that starts with the reference of an open report; the
 * report keyword (with text: a report; alone: the question, and a window
 * in which the next message is the report); a message in an open window
 * (the awaited report, or a follow-up). Everything else goes back to the
 * router. A report is filed even when the reply budget keeps the
 * acknowledgement back: it may be the only message the person can send.
 * Every acknowledgement and follow-up reply is within the sender's reply
 * budget (report_send()), and urgent reports from one number alert the
 * roster once per reports.window, not once per message.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "report.h"
#include "report_int.h"
#include "seal.h"

#define REPORT_REF_LEN 6

/* What report_route found out about a message. */
struct report_in {
	const struct store_msg *msg;
	const struct route_result *r;
	unsigned char hash[32];  /* the window key of the sender */
	int64_t link_report;     /* open window: its report, 0 awaiting */
	int linked;              /* 1: a window is open */
	char link_state[16];
	int link_lang;
};

int
report_finish(struct store *store, const struct store_msg *msg,
    const char *label, int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;
	char day[16];

	localtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	if (store_stat_bump(store, day, label) < 0 ||
	    store_scrub_message(store, msg->id) < 0)
		return -1;
	return store_msg_handled(store, msg->id, label, now) < 0 ? -1 : 0;
}

/* Seals "number\ntext" (or text alone when number is NULL) to the conf's
 * key into *blob (caller frees). 0 with *blob NULL when no key is set. */
static int
report_seal(const struct conf *conf, const char *number, const char *text,
    unsigned char **blob, size_t *len)
{
	size_t n;
	char *plain;

	*blob = NULL;
	*len = 0;
	if (conf->reports.public_key == NULL)
		return 0;
	n = (number ? strlen(number) + 1 : 0) + strlen(text) + 1;
	if ((plain = malloc(n)) == NULL)
		return -1;
	snprintf(plain, n, "%s%s%s", number ? number : "", number ? "\n" : "",
	    text);
	*blob = seal_seal(&conf->reports.key, plain, strlen(plain), len);
	sodium_memzero(plain, n);
	free(plain);
	return *blob != NULL ? 0 : -1;
}

/* The number encrypted with the device's relay key (nonce first), for
 * relaying SMS replies. Caller frees. Returns 0 or -1. */
static int
report_relay_blob(struct store *store, const char *number,
    unsigned char **blob, size_t *len)
{
	unsigned char key[32];
	size_t n = strlen(number);

	*len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	if ((*blob = malloc(*len)) == NULL || report_key(store, "relay",
	    key) == -1) {
		free(*blob);
		*blob = NULL;
		return -1;
	}
	randombytes_buf(*blob, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(*blob + crypto_secretbox_NONCEBYTES,
	    (const unsigned char *)number, n, *blob, key);
	sodium_memzero(key, sizeof(key));
	return 0;
}

/* Adds a timeline entry with text (sealed when a key is set). */
static int
report_entry(struct store *store, const struct conf *conf, int64_t id,
    const char *kind, const char *actor, const char *number,
    const char *text, int64_t outbox_id, int64_t now)
{
	char *plain = NULL;
	size_t n;
	int rc;

	/* A reporter's message carries their number on its first line. */
	if (text != NULL) {
		n = (number ? strlen(number) + 1 : 0) + strlen(text) + 1;
		if ((plain = malloc(n)) == NULL)
			return -1;
		snprintf(plain, n, "%s%s%s", number ? number : "",
		    number ? "\n" : "", text);
	}
	rc = report_entry_add(store, id, kind, actor, plain,
	    conf->reports.public_key != NULL ? &conf->reports.key : NULL,
	    outbox_id, now);
	if (plain != NULL) {
		sodium_memzero(plain, strlen(plain));
		free(plain);
	}
	return rc < 0 ? -1 : 0;
}

/* Queues reply (with " #ref" when ref) to the sender as an automatic
 * reply, unless the budget is spent; ties it to report id so that it is
 * scrubbed once sent. Returns 0 or -1. */
static int
report_reply(struct store *store, const struct conf *conf,
    const struct report_in *in, int64_t id, const char *reply,
    const char *ref, int64_t now)
{
	char *text;
	size_t len;
	int64_t out;

	if (reply == NULL)
		return 0;
	len = strlen(reply) + (ref ? strlen(ref) + 2 : 0) + 1;
	if ((text = malloc(len)) == NULL)
		return -1;
	snprintf(text, len, "%s%s%s", reply, ref ? " #" : "", ref ? ref : "");
	out = report_send(store, conf, in->msg->sender, text, STORE_OUT_REPLY,
	    in->msg->id, now);
	free(text);
	if (out <= 0)
		return out < 0 ? -1 : 0;
	return id > 0 ? report_entry(store, conf, id, "ack", NULL, NULL, NULL,
	    out, now) : 0;
}

/*
 * Tells the roster about urgent report id, unless the same number already
 * alerted it within reports.window: a flood of urgent reports from one
 * number is one alert (and one escalation). A report not alerted keeps
 * alerted_at 0, so it never escalates on its own; it waits in the queue,
 * urgent. Returns 0 or -1.
 */
static int
report_alert_once(struct store *store, const struct conf *conf,
    const struct report_in *in, int64_t id, const char *ref,
    const char *text, int64_t now)
{
	int rc;

	rc = store_link_alert(store, in->hash, now - conf->reports.window,
	    now);
	if (rc <= 0)
		return rc;
	return report_alert(store, conf, id, ref, in->msg->sender, text, 0,
	    now) < 0 ? -1 : 0;
}

/* The first keyword group that files reports, or NULL. */
static const struct conf_keyword *
report_group(const struct conf *conf)
{
	size_t i;

	for (i = 0; i < conf->nkeywords; i++)
		if (conf->keywords[i].report)
			return &conf->keywords[i];
	return NULL;
}

/* The language to answer in: the window's, else the router's choice. */
static enum lang
report_lang(const struct report_in *in)
{
	if (in->linked && in->link_lang >= 0 && in->link_lang < LANG_COUNT)
		return (enum lang)in->link_lang;
	return in->r->lang;
}

/*
 * Files text as a new report from the sender: sealed, acknowledged with
 * the report group's reply and the reference, an open window for
 * follow-ups, the caseworkers on duty told when it is urgent. Returns 0
 * or -1.
 */
static int
report_file_new(struct store *store, const struct conf *conf,
    struct report_in *in, const struct conf_keyword *k, const char *text,
    int64_t now)
{
	const char *number = in->msg->sender;
	struct store_report_new rn;
	unsigned char *sealed = NULL, *relay = NULL;
	size_t slen = 0, rlen = 0;
	char ref[16];
	int64_t id;
	int rc = -1;

	memset(&rn, 0, sizeof(rn));
	if (report_seal(conf, number, text, &sealed, &slen) < 0)
		return -1;
	if (conf->reports.relay_hours > 0 &&
	    report_relay_blob(store, number, &relay, &rlen) < 0)
		goto out;
	rn.number = number;
	rn.text = text;
	rn.sealed = sealed;
	rn.sealed_len = slen;
	rn.key_id = conf->reports.key.id;
	rn.urgent = report_is_urgent(conf, text);
	rn.message_id = in->msg->id;
	rn.relay = relay;
	rn.relay_len = rlen;
	rn.relay_until = now + (int64_t)conf->reports.relay_hours * 3600;
	if ((id = store_report_file(store, &rn, now, ref, sizeof(ref))) < 0 ||
	    report_entry(store, conf, id, "filed", NULL, NULL, NULL, 0,
	    now) < 0 ||
	    store_link_put(store, in->hash, id, "open", (int)report_lang(in),
	    now + conf->reports.window) < 0)
		goto out;
	if (k != NULL && report_reply(store, conf, in, id,
	    conf_reply_text(conf, &k->reply, report_lang(in)), ref, now) < 0)
		goto out;
	if (rn.urgent && report_alert_once(store, conf, in, id, ref, text,
	    now) < 0)
		goto out;
	rc = report_finish(store, in->msg, k != NULL ? k->name : "report",
	    now);
out:
	free(sealed);
	free(relay);
	return rc;
}

/*
 * Adds text from the sender to report id: a timeline entry, the window
 * and the relay copy kept open, the optional follow-up reply, and an
 * urgent word now makes an open report urgent. Returns 0 or -1.
 */
static int
report_attach(struct store *store, const struct conf *conf,
    struct report_in *in, int64_t id, const char *text, int64_t now)
{
	const char *reply;

	if (report_entry(store, conf, id, "message", NULL, in->msg->sender,
	    text, 0, now) < 0 ||
	    store_link_put(store, in->hash, id, "open", (int)report_lang(in),
	    now + conf->reports.window) < 0 ||
	    store_report_relay_touch(store, id, now +
	    (int64_t)conf->reports.relay_hours * 3600) < 0)
		return -1;
	reply = conf_reply_text(conf, &conf->reports.followup_reply,
	    report_lang(in));
	if (reply != NULL && report_reply(store, conf, in, id, reply, NULL,
	    now) < 0)
		return -1;
	return report_finish(store, in->msg, "followup", now);
}

/*
 * When text starts with the reference of a report ("7KQ4ZP ..." or
 * "#7KQ4ZP ..."), its id, and *rest after the reference. 0 otherwise
 * (or for a closed report), -1 on a store error.
 */
static int64_t
report_by_ref(struct store *store, const char *text, const char **rest)
{
	struct store_report r;
	char ref[REPORT_REF_LEN + 1];
	const char *p = text;
	int64_t id;
	size_t i;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p == '#')
		p++;
	for (i = 0; i < REPORT_REF_LEN; i++) {
		if (!isalnum((unsigned char)p[i]))
			return 0;
		ref[i] = (char)toupper((unsigned char)p[i]);
	}
	ref[i] = '\0';
	if (isalnum((unsigned char)p[i]) || strspn(ref, "0123456789") == i)
		return 0;
	switch (store_report_find(store, ref, &r)) {
	case -1:
		return -1;
	case 0:
		return 0;
	}
	id = strcmp(r.status, "open") == 0 ? r.id : 0;
	store_report_free(&r);
	*rest = p + i;
	while (**rest == ' ' || **rest == ':' || **rest == ',')
		(*rest)++;
	return id;
}

/* The text after the first word, trimmed; "" when there is none. */
static const char *
report_after_keyword(const char *text)
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
	return p;
}

/* The bare report keyword: ask, and open a window for the answer. */
static int
report_ask(struct store *store, const struct conf *conf,
    struct report_in *in, const struct conf_keyword *k, int64_t now)
{
	if (store_link_put(store, in->hash, 0, "await", (int)in->r->lang,
	    now + conf->reports.window) < 0 ||
	    report_reply(store, conf, in, 0, conf_reply_text(conf,
	    &conf->reports.prompt, in->r->lang), NULL, now) < 0)
		return -1;
	return report_finish(store, in->msg, k->name, now);
}

int
report_route(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const struct route_result *r, int64_t now)
{
	struct report_in in;
	const char *rest = NULL;
	int64_t id;
	int rc;

	if (r->action == ROUTE_SILENT_SHORTCODE ||
	    r->action == ROUTE_SILENT_MALFORMED)
		return 0;
	if ((rc = report_command(store, conf, msg, now)) != 0)
		return rc;
	/* STOP and START are the router's, whatever came before. A number
	 * that sent STOP still reaches its report: the answer to the
	 * question, a follow-up, a message quoting the reference. */
	if (r->action == ROUTE_STOP || r->action == ROUTE_START ||
	    (r->label != NULL && (strcmp(r->label, "stop") == 0 ||
	    strcmp(r->label, "start") == 0)))
		return 0;
	memset(&in, 0, sizeof(in));
	in.msg = msg;
	in.r = r;
	in.link_lang = -1;
	if (report_hash(store, msg->sender, in.hash) < 0)
		return -1;
	if ((rc = store_link_get(store, in.hash, now, &in.link_report,
	    in.link_state, sizeof(in.link_state), &in.link_lang)) < 0)
		return -1;
	in.linked = rc;
	if ((id = report_by_ref(store, msg->text, &rest)) < 0)
		return -1;
	if (id > 0)
		return report_attach(store, conf, &in, id, rest, now) < 0 ?
		    -1 : 1;
	if (r->keyword != NULL && r->keyword->report) {
		if (*report_after_keyword(msg->text) == '\0')
			return report_ask(store, conf, &in, r->keyword, now) <
			    0 ? -1 : 1;
		return report_file_new(store, conf, &in, r->keyword,
		    msg->text, now) < 0 ? -1 : 1;
	}
	if (!in.linked || (r->keyword != NULL &&
	    *report_after_keyword(msg->text) == '\0'))
		return 0;       /* a lone keyword in a window: its answer */
	if (strcmp(in.link_state, "await") == 0)
		return report_file_new(store, conf, &in, report_group(conf),
		    msg->text, now) < 0 ? -1 : 1;
	return report_attach(store, conf, &in, in.link_report, msg->text,
	    now) < 0 ? -1 : 1;
}
