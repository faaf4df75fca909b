/*
 * route: from a stored message to its consequences.
 *
 * The decision (route_decide) is a pure function of the conf, the sender's
 * contact record and their recent replies, so that it can be tested without
 * a database. route_handle_next() wraps it in one store transaction with
 * everything that follows from it.
 *
 * Matching here is exact after Unicode case folding: the first word of the
 * message, or the whole message, equal to one of a group's words. The
 * forgiving matcher (transliteration, typos, menu digits) replaces
 * route_match() and nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unicase.h>
#include <unistr.h>

#include "conf.h"
#include "route.h"
#include "store.h"

#define ROUTE_WORD_MAX 256

/*
 * Folds s[0..len) for comparison (Unicode case folding, so that ТУСЛАМЖ,
 * Тусламж and тусламж are one word) into buf, NUL-terminated. Returns 0,
 * or -1 when the word does not fit or is not valid UTF-8.
 */
static int
route_fold(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t n = buflen - 1;
	uint8_t *r;

	if (u8_check((const uint8_t *)s, len) != NULL)
		return -1;
	r = u8_casefold((const uint8_t *)s, len, NULL, NULL,
	    (uint8_t *)buf, &n);
	if (r == NULL)
		return -1;
	if (r != (uint8_t *)buf) {      /* did not fit: libunistring allocated */
		free(r);
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

/* Characters that may stand around a keyword: "help!", "(1)", "тусламж?". */
static int
route_is_trim(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    (c < 0x80 && strchr(".,!?;:'\"()[]#*-_", c) != NULL && c != '\0');
}

/* The span of s without leading and trailing space and punctuation. */
static void
route_trim(const char *s, size_t len, const char **start, size_t *outlen)
{
	while (len > 0 && route_is_trim((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && route_is_trim((unsigned char)s[len - 1]))
		len--;
	*start = s;
	*outlen = len;
}

/*
 * Copies s[0..len) into buf with each run of white space made one space, so
 * that "job   offer" is "job offer". Returns 0 and the new length, or -1
 * when it does not fit.
 */
static int
route_squeeze(const char *s, size_t len, char *buf, size_t buflen,
    size_t *outlen)
{
	size_t i, n = 0;
	int space = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n') {
			space = 1;
			continue;
		}
		if (n + 2 >= buflen)
			return -1;
		if (space && n > 0)
			buf[n++] = ' ';
		space = 0;
		buf[n++] = s[i];
	}
	buf[n] = '\0';
	*outlen = n;
	return 0;
}

/* 1 when the folded candidate equals one of words, folded. */
static int
route_in(const char *folded, char *const *words, size_t nwords)
{
	char w[ROUTE_WORD_MAX];
	size_t i;

	if (folded[0] == '\0')
		return 0;
	for (i = 0; i < nwords; i++) {
		if (route_fold(words[i], strlen(words[i]), w, sizeof(w)) == 0 &&
		    strcmp(w, folded) == 0)
			return 1;
	}
	return 0;
}

/*
 * Whether text is one of words: its first word, or all of it (for
 * keywords of several words). Both candidates are trimmed and folded.
 */
static int
route_match(const char *text, char *const *words, size_t nwords)
{
	char first[ROUTE_WORD_MAX], whole[ROUTE_WORD_MAX];
	char squeezed[ROUTE_WORD_MAX];
	const char *s;
	size_t len, wl;

	route_trim(text, strlen(text), &s, &len);
	if (len == 0)
		return 0;
	for (wl = 0; wl < len && s[wl] != ' ' && s[wl] != '\t' &&
	    s[wl] != '\n' && s[wl] != '\r'; wl++)
		;
	route_trim(s, wl, &s, &wl);
	if (route_fold(s, wl, first, sizeof(first)) == 0 &&
	    route_in(first, words, nwords))
		return 1;
	route_trim(text, strlen(text), &s, &len);
	if (wl == len || route_squeeze(s, len, squeezed, sizeof(squeezed),
	    &len) < 0)
		return 0;
	return route_fold(squeezed, len, whole, sizeof(whole)) == 0 &&
	    route_in(whole, words, nwords);
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

/* 1 when text holds a Cyrillic letter (U+0400..U+04FF). */
static int
route_is_cyrillic(const char *text)
{
	const uint8_t *p = (const uint8_t *)text;
	ucs4_t uc;
	int n;

	while (*p != '\0') {
		n = u8_strmbtouc(&uc, p);
		if (n <= 0)
			return 0;
		if (uc >= 0x400 && uc <= 0x4ff)
			return 1;
		p += n;
	}
	return 0;
}

/*
 * The language to answer in: the one remembered for the number, else the
 * script of the message (Cyrillic means mn), else the conf's default.
 */
static enum lang
route_lang(const struct conf *conf, const char *text,
    const struct store_contact *contact)
{
	if (contact->known && contact->lang >= 0 && contact->lang < LANG_COUNT)
		return (enum lang)contact->lang;
	if (route_is_cyrillic(text))
		return LANG_MN;
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
	size_t i;

	memset(out, 0, sizeof(*out));
	out->lang = route_lang(conf, text, contact);
	if (route_is_short_code(conf, sender)) {
		out->action = ROUTE_SILENT_SHORTCODE;
		out->label = "ignored";
		return;
	}
	if (route_match(text, conf->stop_words, conf->nstop_words)) {
		out->label = "stop";
		if (contact->opted_out)
			out->action = ROUTE_SILENT_OPTED_OUT;
		else
			route_reply(conf, &conf->stop_reply, ROUTE_STOP,
			    replies_in_window, out);
		return;
	}
	if (route_match(text, conf->start_words, conf->nstart_words)) {
		out->label = "start";
		route_reply(conf, &conf->start_reply, ROUTE_START,
		    replies_in_window, out);
		return;
	}
	if (contact->opted_out) {
		out->action = ROUTE_SILENT_OPTED_OUT;
		out->label = "opted_out";
		return;
	}
	if (malformed) {
		out->action = ROUTE_SILENT_MALFORMED;
		out->label = "malformed";
		return;
	}
	for (i = 0; i < conf->nkeywords; i++) {
		const struct conf_keyword *k = &conf->keywords[i];

		if (route_match(text, k->words, k->nwords)) {
			out->keyword = k;
			out->label = k->name;
			route_reply(conf, &k->reply, ROUTE_KEYWORD,
			    replies_in_window, out);
			return;
		}
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
route_apply(struct store *store, const struct store_msg *msg, const struct route_result *r,
    struct store_contact *contact, int64_t now)
{
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
		id = store_outbox_add(store, msg->sender, text,
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
	int found, replies;

	if (store_begin(store) < 0)
		return -1;
	memset(&msg, 0, sizeof(msg));
	if ((found = store_msg_next(store, &msg)) <= 0) {
		store_rollback(store);
		return found;
	}
	if (store_contact_get(store, msg.sender, &contact) < 0)
		goto fail;
	replies = store_replies_since(store, msg.sender,
	    now - conf->limits.reply_window);
	if (replies < 0)
		goto fail;
	route_decide(conf, msg.sender, msg.text, msg.malformed, &contact,
	    replies, &r);
	if (route_apply(store, &msg, &r, &contact, now) < 0)
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
