/*
 * route: what a stored message means, and its consequences.
 *
 * route_decide() is pure: from the conf, the sender's contact record and the
 * replies already sent to them, it says what to do. route_handle_next()
 * takes the oldest unhandled message and writes everything that follows
 * from it (the reply queued, the opt-out recorded, the report filed, the
 * day's count, the message marked handled) in one transaction: all or
 * nothing, so a crash never handles a message twice or half.
 */
#ifndef SHUKHER_ROUTE_H
#define SHUKHER_ROUTE_H

#include <stdint.h>

#include "conf.h"
#include "store.h"

enum route_action {
	ROUTE_KEYWORD,           /* a keyword group matched: its reply */
	ROUTE_DEFAULT,           /* nothing matched: the menu */
	ROUTE_STOP,              /* opt out, one confirmation */
	ROUTE_START,             /* opt in again, one confirmation */
	ROUTE_SILENT_SHORTCODE,  /* alphanumeric sender or short code */
	ROUTE_SILENT_OPTED_OUT,  /* the number said STOP */
	ROUTE_SILENT_BUDGET,     /* the number's reply budget is spent */
	ROUTE_SILENT_MALFORMED,  /* nothing to answer: undecodable */
};

struct route_result {
	enum route_action action;
	const struct conf_keyword *keyword; /* ROUTE_KEYWORD only */
	const char *reply;       /* text to queue, or NULL; owned by conf */
	enum lang lang;          /* language of the reply */
	const char *label;       /* for statistics: group name, "default", ... */
};

/* The reply budget of every number (limits.reply_budget messages per
 * limits.reply_window), for store_outbox_queue(). */
void route_budget(const struct conf *conf, struct store_budget *out);

/* 1 when sender is alphanumeric or a short code that must never be
 * answered. */
int route_is_short_code(const struct conf *conf, const char *sender);

/*
 * Decides what text from sender means. contact is the sender's record
 * (known = 0 for a stranger); replies_in_window the messages already
 * queued to them within limits.reply_window (store_outbox_count()).
 * Never fails.
 */
void route_decide(const struct conf *conf, const char *sender,
    const char *text, int malformed, const struct store_contact *contact,
    int replies_in_window, struct route_result *out);

/*
 * Handles the oldest unhandled message, if any. Returns 1 when one was
 * handled, 0 when none was waiting, -1 on a store error (rolled back: the
 * message stays unhandled and is tried again).
 */
int route_handle_next(struct store *store, const struct conf *conf,
    int64_t now);

#endif
