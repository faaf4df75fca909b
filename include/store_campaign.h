/*
 * store_campaign: the campaign's tables (src/store_campaign.c): series
 * subscriptions, broadcasts and their recipients, survey attempts keyed
 * by a hash of the number and their answers, and counts per source.
 * Part of the store module (store.h): the same handle, transactions and
 * errors.
 */
#ifndef SHUKHER_STORE_CAMPAIGN_H
#define SHUKHER_STORE_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* ---- subscriptions ------------------------------------------------------ */

struct store_sub {
	int64_t id;
	char number[32];
	char series[64];
	int lang;
	int sent;                /* messages of the series sent so far */
	int64_t next_at;
};

/* Subscribes number to series (sent messages already, the next at
 * next_at). Returns 1 when new, 0 when it already was (nothing changes),
 * -1. */
int store_sub_join(struct store *store, const char *number,
    const char *series, int lang, int sent, int64_t next_at, int64_t now);
/* Whether number is subscribed to series: 1, 0, -1. */
int store_sub_has(struct store *store, const char *number,
    const char *series);
/* Ends every subscription of number, and fails the series' and the
 * broadcasts' SMS still queued to it ("the number left the series"):
 * nothing of a series reaches a number after its leave word. Returns how
 * many subscriptions ended, or -1. */
int store_sub_leave_all(struct store *store, const char *number);
/* Fails every SMS of the campaign still queued to number, "stopped":
 * a series', a broadcast's, a survey's (any tied to what queued it; the
 * answer to the STOP is not). The outbox keeps the rows. Call it in the
 * STOP's transaction, before store_sub_leave_all(). Returns how many, or
 * -1. */
int store_campaign_stop(struct store *store, const char *number);
/* Ties outbox row outbox_id, an SMS of series to number, to the
 * subscription (none: nothing is tied): scheduled 1 for what the
 * scheduler queued (held in quiet hours), 0 for the answers to a join
 * word. Returns 1 when tied, 0, -1. */
int store_sub_outbox(struct store *store, const char *number,
    const char *series, int64_t outbox_id, int scheduled);
/* 1 when an SMS tied to subscription id, to number, is still queued,
 * else 0, or -1: the next waits for it. */
int store_sub_waiting(struct store *store, int64_t id, const char *number);
/* Up to max subscriptions due at now, soonest first, into out. Returns
 * how many, or -1. */
int store_sub_due(struct store *store, int64_t now, struct store_sub *out,
    int max);
/* After a message: sent and next_at. Returns 0 or -1. */
int store_sub_advance(struct store *store, int64_t id, int sent,
    int64_t next_at);
/* Drops subscription id (the series ended for it). 0 or -1. */
int store_sub_delete(struct store *store, int64_t id);
/* 1 when a subscription or a broadcast is due at now, else 0, or -1: the
 * scheduler's check before it begins a transaction (most passes of the
 * daemon's loop have nothing to queue). */
int store_campaign_due(struct store *store, int64_t now);
/* Subscribers per series and language, never their numbers. */
typedef int (*store_sub_count_cb)(void *arg, const char *series, int lang,
    int count);
int store_sub_counts(struct store *store, store_sub_count_cb cb, void *arg);

/* ---- broadcasts --------------------------------------------------------- */

/* A broadcast of text to series' subscribers, due at at. Returns its id
 * or -1. */
int64_t store_broadcast_add(struct store *store, const char *series,
    const char *text, int64_t at, int64_t now);
struct store_broadcast {
	int64_t id;
	char series[64];
	char *text;              /* caller frees with store_broadcast_free() */
	int64_t at, created_at, queued_at;
	int recipients, sent, delivered, failed;
};
void store_broadcast_free(struct store_broadcast *b);
/* The oldest broadcast due at now and not wholly queued: 1 with out, 0,
 * -1. */
int store_broadcast_due(struct store *store, int64_t now,
    struct store_broadcast *out);
/* Up to max subscribers of b's series not yet queued b into out. Returns
 * how many, or -1. */
int store_broadcast_pending(struct store *store,
    const struct store_broadcast *b, struct store_sub *out, int max);
/* Records that b went to subscription sub as outbox row outbox_id. */
int store_broadcast_queued(struct store *store, int64_t broadcast_id,
    int64_t sub_id, int64_t outbox_id);
/* Dates outbox row outbox_id, a broadcast's or a series' SMS, for at:
 * its slot in the broadcasts' schedule (broadcast.h), or after quiet
 * hours. No modem takes it before (taken_until too): one that takes it
 * from a failed modem skips that modem's retry date (next_at), never
 * this one. */
int store_campaign_slot(struct store *store, int64_t outbox_id, int64_t at);
/* Up to max SMS nobody asked for just then (a broadcast's, a series'
 * the scheduler queued) still queued and due before before, soonest
 * first, into ids: what quiet hours hold. Returns how many, or -1. */
int store_campaign_early(struct store *store, int64_t before, int64_t *ids,
    int max);
/* The latest slot of such an SMS still queued, so that a new schedule
 * starts after it; 0 when none. -1 on error. */
int64_t store_campaign_last(struct store *store);
/* SMS sent at or after since by modem (NULL: by any, the single modem's
 * rows name none). Returns the count or -1. */
int store_broadcast_sent(struct store *store, const char *modem,
    int64_t since);
/* Marks b wholly queued. */
int store_broadcast_done(struct store *store, int64_t broadcast_id,
    int64_t now);
typedef int (*store_broadcast_cb)(void *arg, const struct store_broadcast *b);
/* Every broadcast with its counts, newest first. */
int store_list_broadcasts(struct store *store, store_broadcast_cb cb,
    void *arg);

/* ---- survey attempts ---------------------------------------------------- */

struct store_attempt {
	int64_t id;
	char survey[64];
	char state[16];          /* "open", "complete", "partial" */
	int question;            /* the one asked, 0-based */
	int hinted;              /* 1: it was asked again with the hint */
	int lang;
	int64_t last_at;
	int64_t forget_at;
};

/* The newest attempt whose hash is hash (still kept): 1 with out, 0, -1. */
int store_attempt_find(struct store *store, const unsigned char *hash,
    struct store_attempt *out);
/* A new open attempt at question 0. Returns its id or -1. */
int64_t store_attempt_start(struct store *store, const char *survey,
    const char *wave, const unsigned char *hash, int lang, int64_t now,
    int64_t forget_at);
/* The attempt's question, hint and state after a message at now; its
 * hash goes at forget_at (once it is no longer open). 0 or -1. */
int store_attempt_update(struct store *store, int64_t id, int question,
    int hinted, const char *state, int64_t now, int64_t forget_at);
/* An answer to question of attempt id: choice (0 none), number (with
 * has_number), text (NULL none). 0 or -1. */
int store_attempt_answer(struct store *store, int64_t id, int question,
    int choice, int has_number, long number, const char *text);
/* Ties outbox row outbox_id (sent to the respondent) to attempt id. */
int store_attempt_outbox(struct store *store, int64_t id, int64_t outbox_id);
/* Ends as partial the open attempts of survey silent since before.
 * Returns how many, or -1. */
int store_attempt_expire(struct store *store, const char *survey,
    int64_t before);
/* 1 when an open attempt has been silent since before, or an attempt no
 * longer open has its window ended by now, else 0, or -1: whether
 * store_attempt_expire() or store_attempt_forget() may have work, read
 * without a transaction. */
int store_attempt_due(struct store *store, int64_t before, int64_t now);
/*
 * For every attempt no longer open whose window ended by now and whose
 * messages are all sent or failed: the number and text of those messages
 * blanked, their ties dropped, the hash dropped.
 * Returns how many attempts, or -1.
 */
int store_attempt_forget(struct store *store, int64_t now);

/* Results of survey: attempts by state, and each answer counted. */
struct store_survey_count {
	int complete, partial, open;
};
int store_survey_counts(struct store *store, const char *survey,
    struct store_survey_count *out);
/* cb per (question, choice, number, text) with its count; text only for
 * free-text answers. */
typedef int (*store_answer_cb)(void *arg, int question, int choice,
    int has_number, long number, const char *text, int count);
int store_survey_answers(struct store *store, const char *survey,
    store_answer_cb cb, void *arg);

/* ---- sources ------------------------------------------------------------ */

int store_source_bump(struct store *store, const char *day,
    const char *source);
typedef int (*store_source_cb)(void *arg, const char *day, const char *source,
    int count);
/* Every (day, source) count since since_day (NULL: all), by day. */
int store_list_sources(struct store *store, const char *since_day,
    store_source_cb cb, void *arg);

#endif
