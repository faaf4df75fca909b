/*
 * report: urgency, the roster, sealing, the relay copy, timeline entries
 * and alerts, for the router's apply stage (route_apply.c) inside the
 * transaction that handles one message; and the periodic work.
 *
 * Privacy decides the shape. A report's number and text are sealed to the
 * caseworkers' public key; the inbox copy is blanked in the same
 * transaction. The daemon still has to recognise a number for a while (the
 * guided exchange, follow-ups): it keeps a keyed hash of it (device
 * secret), for reports.window only. To relay a caseworker's SMS reply it
 * keeps the number encrypted with the device secret for reports.relay_hours
 * after the reporter's last message; shukherctl replies need no such copy.
 * Acknowledgements, alerts and relayed replies sit in the outbox in the
 * clear until sent, then report_tick() blanks them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <unicase.h>
#include <unistr.h>

#include "report.h"
#include "route.h"
#include "seal.h"
#include "text.h"

#define REPORT_WORD_MAX 128
#define REPORT_MAX_TOLD 16

/* The device secret's key for purpose ("relay"; "link" is the store's,
 * store_number_hash()) into key. Returns 0 or -1. */
static int
report_key(struct store *store, const char *purpose, unsigned char *key)
{
	return store_device_key(store, purpose, key);
}

/* Queues text to number within number's reply budget (route_budget()).
 * Returns the outbox id (> 0), 0 when the budget held it back, -1. */
static int64_t
report_send(struct store *store, const struct conf *conf, const char *number,
    const char *text, int kind, int64_t in_reply_to, int64_t now)
{
	struct store_budget b;

	route_budget(conf, &b);
	return store_outbox_queue(store, &b, number, text, kind, in_reply_to,
	    now);
}

/* Folds s[0..len) (Unicode case folding) into buf. Returns 0 or -1. */
static int
report_fold(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t n = buflen - 1;
	uint8_t *r;

	if (u8_check((const uint8_t *)s, len) != NULL)
		return -1;
	r = u8_casefold((const uint8_t *)s, len, NULL, NULL, (uint8_t *)buf,
	    &n);
	if (r == NULL)
		return -1;
	if (r != (uint8_t *)buf) {
		free(r);
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

/* Whether folded a and b differ by at most one edit (code points). */
static int
report_near(const char *a, const char *b)
{
	ucs4_t x[REPORT_WORD_MAX], y[REPORT_WORD_MAX];
	size_t na = 0, nb = 0, i = 0, j = 0;
	int edits = 0;
	const uint8_t *p;

	for (p = (const uint8_t *)a; *p && na < REPORT_WORD_MAX; na++)
		p += u8_strmbtouc(&x[na], p) > 0 ? u8_strmbtouc(&x[na], p) : 1;
	for (p = (const uint8_t *)b; *p && nb < REPORT_WORD_MAX; nb++)
		p += u8_strmbtouc(&y[nb], p) > 0 ? u8_strmbtouc(&y[nb], p) : 1;
	if (na < 5 || nb < 5 || (na > nb ? na - nb : nb - na) > 1)
		return 0;
	while (i < na && j < nb) {
		if (x[i] == y[j]) {
			i++, j++;
			continue;
		}
		if (++edits > 1)
			return 0;
		if (na > nb)
			i++;
		else if (nb > na)
			j++;
		else
			i++, j++;
	}
	return edits + (int)(na - i) + (int)(nb - j) <= 1;
}

/* Characters that end a word for urgency matching. */
static int
report_is_sep(unsigned char c)
{
	return c < 0x80 && strchr(" \t\r\n.,!?;:'\"()[]#*-_/", c) != NULL;
}

int
report_is_urgent(const struct conf *conf, const char *text)
{
	char word[REPORT_WORD_MAX], w[REPORT_WORD_MAX];
	const struct conf_reports *rc = &conf->reports;
	const char *p = text, *q;
	size_t i;

	while (*p != '\0') {
		while (*p != '\0' && report_is_sep((unsigned char)*p))
			p++;
		for (q = p; *q != '\0' && !report_is_sep((unsigned char)*q);
		    q++)
			;
		if (q > p && report_fold(p, (size_t)(q - p), word,
		    sizeof(word)) == 0) {
			for (i = 0; i < rc->nurgent_words; i++) {
				if (report_fold(rc->urgent_words[i],
				    strlen(rc->urgent_words[i]), w,
				    sizeof(w)) == 0 && (strcmp(w, word) == 0 ||
				    report_near(w, word)))
					return 1;
			}
		}
		p = q;
	}
	return 0;
}

size_t
report_on_duty(const struct conf *conf, int64_t now, size_t *idx,
    size_t max)
{
	const struct conf_reports *rc = &conf->reports;
	const struct conf_roster *ro;
	time_t t = (time_t)now;
	struct tm tm;
	size_t i, n = 0;
	int in;

	localtime_r(&t, &tm);
	for (i = 0; i < rc->nroster; i++) {
		ro = &rc->roster[i];
		if (ro->from_hour < ro->to_hour)
			in = (ro->days & (1u << tm.tm_wday)) &&
			    tm.tm_hour >= ro->from_hour &&
			    tm.tm_hour < ro->to_hour;
		else    /* past midnight: the evening counts for its day */
			in = ((ro->days & (1u << tm.tm_wday)) &&
			    tm.tm_hour >= ro->from_hour) ||
			    ((ro->days & (1u << ((tm.tm_wday + 6) % 7))) &&
			    tm.tm_hour < ro->to_hour);
		if (!in)
			continue;
		for (n = 0; n < ro->nwho && n < max; n++)
			idx[n] = ro->who[n];
		return n;
	}
	for (n = 0; n < rc->nfallback && n < max; n++)
		idx[n] = rc->fallback[n];
	return n;
}

int
report_pin_ok(const char *pin)
{
	size_t n = strlen(pin), i;

	if (n < REPORT_PIN_MIN || n > REPORT_PIN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)pin[i] <= ' ' || pin[i] == 0x7f)
			return 0;
	return 1;
}

int
report_pin_hash(const char *pin, char *out, size_t outlen)
{
	if (!report_pin_ok(pin))
		return -2;
	return seal_password_hash(pin, out, outlen);
}

/*
 * The alert for report ref: "URGENT #REF: text" cut to fit
 * reports.alert_segments SMS parts, with the number when the config says
 * so. Caller frees.
 */
static char *
report_alert_text(const struct conf *conf, const char *ref,
    const char *number, const char *text)
{
	int segs = conf->reports.alert_segments, ascii = 1;
	size_t room, len, i;
	const unsigned char *p;
	char head[96], *s;

	if (text == NULL) {     /* an escalation: the daemon cannot read it */
		snprintf(head, sizeof(head), "URGENT #%s not claimed in %d "
		    "min. CLAIM %s PIN", ref, conf->reports.escalate_minutes,
		    ref);
		return strdup(head);
	}
	for (p = (const unsigned char *)text; *p; p++)
		ascii &= *p < 0x80;
	room = ascii ? (segs == 1 ? 160 : 153 * (size_t)segs) :
	    (segs == 1 ? 70 : 67 * (size_t)segs);
	snprintf(head, sizeof(head), "URGENT #%s%s%s: ", ref,
	    conf->reports.alert_include_number && number != NULL ? " " : "",
	    conf->reports.alert_include_number && number != NULL ? number :
	    "");
	room = room > strlen(head) + 3 ? room - strlen(head) - 3 : 0;
	/* Cut text after room characters (code points, whole ones). */
	i = text_utf8_cut(text, strlen(text), SIZE_MAX, room);
	len = strlen(head) + i + 4;
	if ((s = malloc(len)) == NULL)
		return NULL;
	snprintf(s, len, "%s%.*s%s", head, (int)i, text,
	    text[i] != '\0' ? "..." : "");
	return s;
}

/* See report.h. When every caseworker left on duty has spent their
 * budget, the level stays and escalation tries again later. */
int
report_alert(struct store *store, const struct conf *conf, int64_t id,
    const char *ref, const char *number, const char *text, int level,
    int64_t now)
{
	size_t who[REPORT_MAX_TOLD], n, i;
	const struct conf_caseworker *cw = NULL;
	int64_t out = 0;
	char *msg;

	n = report_on_duty(conf, now, who, REPORT_MAX_TOLD);
	if (level < 0 || (size_t)level >= n)
		return store_report_alerted(store, id, level, now) < 0 ? -1 : 0;
	if ((msg = report_alert_text(conf, ref, number, text)) == NULL)
		return -1;
	for (i = (size_t)level; i < n && out == 0; i++) {
		cw = &conf->reports.caseworkers[who[i]];
		out = report_send(store, conf, cw->number, msg,
		    STORE_OUT_ALERT, 0, now);
	}
	sodium_memzero(msg, strlen(msg));
	free(msg);
	if (out < 0)
		return -1;
	if (out == 0)
		return store_report_alerted(store, id, level, now) < 0 ? -1 : 0;
	if (report_entry_add(store, id, level == 0 ? "alert" : "escalate",
	    cw->name, NULL, NULL, out, now) < 0 ||
	    store_report_alerted(store, id, (int)i, now) < 0)
		return -1;
	return 1;
}

int
report_seal_text(const struct conf *conf, const char *number,
    const char *text, unsigned char **blob, size_t *len)
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

/* The relay blob: a fresh nonce, then the number sealed with the device's
 * relay key (crypto_secretbox). */
int
report_relay_seal(struct store *store, const char *number,
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

int
report_relay_open(struct store *store, int64_t id, int64_t now, char *number,
    size_t len)
{
	unsigned char key[32], *blob = NULL;
	size_t blen, n;
	int rc;

	if ((rc = store_report_relay(store, id, now, &blob, &blen)) <= 0)
		return rc;
	rc = -1;
	if (blen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		goto out;
	n = blen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	if (n >= len || report_key(store, "relay", key) < 0)
		goto out;
	rc = 0;         /* another device's secret: no relay */
	if (crypto_secretbox_open_easy((unsigned char *)number,
	    blob + crypto_secretbox_NONCEBYTES,
	    blen - crypto_secretbox_NONCEBYTES, blob, key) == 0) {
		number[n] = '\0';
		rc = 1;
	}
	sodium_memzero(key, sizeof(key));
out:
	free(blob);
	return rc;
}

int
report_message_add(struct store *store, const struct conf *conf, int64_t id,
    const char *number, const char *text, int64_t now)
{
	char *plain;
	size_t n = strlen(number) + strlen(text) + 2;
	int rc;

	if ((plain = malloc(n)) == NULL)
		return -1;
	snprintf(plain, n, "%s\n%s", number, text);
	rc = report_entry_add(store, id, "message", NULL, plain,
	    conf->reports.public_key != NULL ? &conf->reports.key : NULL, 0,
	    now);
	sodium_memzero(plain, n);
	free(plain);
	return rc < 0 ? -1 : 0;
}

int
report_entry_add(struct store *store, int64_t id, const char *kind,
    const char *actor, const char *text, const struct seal_pub *pub,
    int64_t outbox, int64_t now)
{
	struct store_report_entry e;
	unsigned char *blob = NULL;
	size_t len = 0;
	int64_t rc;

	memset(&e, 0, sizeof(e));
	e.report_id = id;
	e.at = now;
	e.kind = kind;
	e.actor = actor;
	e.outbox_id = outbox;
	if (text != NULL && text[0] != '\0' && pub != NULL) {
		if ((blob = seal_seal(pub, text, strlen(text), &len)) == NULL)
			return -2;
		e.body = blob;
		e.key_id = pub->id;
	} else if (text != NULL && text[0] != '\0') {
		e.body = (const unsigned char *)text;
		len = strlen(text);
	}
	e.body_len = len;
	rc = store_report_entry_add(store, &e);
	free(blob);
	return rc < 0 ? -1 : 0;
}

int
report_tick(struct store *store, const struct conf *conf, int64_t now)
{
	int64_t ids[16];
	struct store_report r;
	char key[24];
	int i, n;

	n = store_report_unclaimed(store, now -
	    (int64_t)conf->reports.escalate_minutes * 60, ids, 16);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%lld", (long long)ids[i]);
		if (store_report_find(store, key, &r) != 1)
			return -1;
		if (store_begin(store) < 0) {
			store_report_free(&r);
			return -1;
		}
		if (report_alert(store, conf, r.id, r.ref, NULL, NULL,
		    r.alert_level, now) < 0 || store_commit(store) < 0) {
			store_rollback(store);
			store_report_free(&r);
			return -1;
		}
		store_report_free(&r);
	}
	if (store_scrub_outbox(store) < 0 || store_link_expire(store, now) < 0 ||
	    store_outbox_forget(store, now - conf->limits.reply_window) < 0)
		return -1;
	return store_wal_truncate(store) < 0 ? -1 : 0;
}
