/*
 * store_uplink: the part of the store that the uplink to the central fleet
 * reads and writes (src/store_uplink.c): its queue of events, the commands
 * it applied, its state. The handle and its conventions are store.h's.
 */
#ifndef SHUKHER_STORE_UPLINK_H
#define SHUKHER_STORE_UPLINK_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* ---- the uplink to the central fleet (src/store_uplink.c) --------------
 * What shukher-uplink sends, queued by triggers in the order it happened
 * (schema 12). */

/* One queued change with its row as it is now. Strings and blobs are
 * borrowed for the callback's duration. kind: "report" (filed),
 * "report_state" (claimed or closed), "entry" (a timeline entry), "audit",
 * "stat" (a day's count of a keyword), "purge" (the report row_id was
 * deleted: retention; nothing else is set). Only sealed blobs are given:
 * sealed, body NULL when the row holds clear text. */
struct store_uplink_event {
	int64_t seq;             /* the queue's, never reused */
	const char *kind;
	int64_t row_id;          /* the report's, entry's or audit row's id */
	int gone;                /* 1: the row was deleted since (queued
	                            before schema 17 dropped such events) */
	/* report, report_state; ref also for audit */
	const char *ref, *status;
	int urgent;
	int64_t created_at, closed_at, claimed_at;
	const unsigned char *sealed;
	size_t sealed_len;
	const char *key_id, *claimed_by;
	/* entry (report_id, at, actor also for audit) */
	int64_t report_id, at;
	const char *entry_kind, *actor, *body_key_id;
	const unsigned char *body;
	size_t body_len;
	/* audit */
	const char *via, *action, *detail;
	/* stat */
	const char *day, *keyword;
	int64_t count;
};
typedef int (*store_uplink_cb)(void *arg,
    const struct store_uplink_event *ev);

/*
 * Turns the queue on, the first time: queues what the database holds
 * (reports, their timelines, audit rows, counts) and from then on every
 * change (the triggers wait for this). Returns 1 the first time, 0 after,
 * or -1.
 */
int store_uplink_start(struct store *store);
/* Calls cb for at most limit queued events after seq after, oldest first;
 * a non-zero from cb stops. Returns the number given to cb, or -1. */
int store_uplink_events(struct store *store, int64_t after, int limit,
    store_uplink_cb cb, void *arg);
/* Forgets the events up to seq upto: the central server committed them.
 * Returns 0 or -1. */
int store_uplink_done(struct store *store, int64_t upto);
/* Events not yet sent into *out. Returns 0 or -1. */
int store_uplink_pending(struct store *store, int64_t *out);

/* What the uplink last knew of its link. */
struct store_uplink_state {
	int connected;
	int64_t last_ok;         /* last batch or health committed; 0: never */
	char last_error[256];    /* "" when none */
	int64_t updated_at;
};
int store_uplink_state_put(struct store *store,
    const struct store_uplink_state *st);
/* Returns 1 with *st filled, 0 when the uplink never wrote it, or -1. */
int store_uplink_state_get(struct store *store,
    struct store_uplink_state *st);

/*
 * Whether central command command_id was applied here: 1 with its result
 * in result (may be NULL), 0 when not, -1 on error.
 * store_uplink_apply_mark() records it, inside the transaction that
 * applies it. Returns 0 or -1.
 */
int store_uplink_applied(struct store *store, int64_t command_id,
    char *result, size_t resultlen);
int store_uplink_apply_mark(struct store *store, int64_t command_id,
    const char *result, int64_t now);
/*
 * Records the nonce of a central command's box (cmdbox.h, every action's;
 * its table, uplink_replies, is schema 17's, from when replies alone
 * were boxed) in the caller's transaction: the same box queued again under another command
 * id carries the same nonce. Returns 1 when recorded now, 0 when it was
 * before (refuse it), -1 on error.
 */
int store_uplink_box_once(struct store *store, const unsigned char *nonce,
    size_t len);

#endif
