/*
 * store: shukher.db, and every line of SQL in the project.
 *
 * The store keeps the three promises of the message path:
 *   1. nothing that reached the modem is lost: store_put_part() has committed
 *      when it returns, so the caller may delete the message from the modem;
 *   2. each message is handled once: store_msg_next() returns only unhandled
 *      messages, and the router writes a message's consequences and
 *      store_msg_handled() between store_begin() and store_commit();
 *   3. each reply is sent at least once: an outbox row stays queued until
 *      store_outbox_sent() records it, so a crash before that sends it again.
 *
 * SQLite in WAL mode with synchronous=FULL and a busy timeout, so the daemon
 * and shukherctl can work on the same file at once. Schema changes are
 * numbered migrations keyed on PRAGMA user_version.
 *
 * Every function returns -1 on a database error and fills nothing; the
 * message of the last error is store_errmsg(). Where a function below says
 * no other return value, it returns 0 on success. Times are Unix seconds, passed
 * in by the caller so that tests control the clock.
 */
#ifndef SHUKHER_STORE_H
#define SHUKHER_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/*
 * Opens (with create != 0, creates if missing) the database at path, which
 * may be ":memory:", and brings its schema up to date. A file that is not a
 * shukher database, is corrupt, or is newer than this program is refused:
 * never recreated. Returns NULL and fills err on failure. Close with
 * store_close().
 */
struct store *store_open(const char *path, int create, char *err,
    size_t errlen);
void store_close(struct store *store);

/* The message of the last failed call; owned by the store. */
const char *store_errmsg(struct store *store);

/* The schema version this build writes (PRAGMA user_version). */
int store_schema_version(void);

/*
 * An explicit write transaction (BEGIN IMMEDIATE) around several calls, used
 * by the router to make a message's consequences atomic. Functions below
 * that write open their own transaction when none is open.
 */
int store_begin(struct store *store);
int store_commit(struct store *store);
void store_rollback(struct store *store);

/* ---- receiving ---------------------------------------------------------- */

enum store_coding {
	STORE_CODING_GSM7 = 0,
	STORE_CODING_UCS2 = 1,
	STORE_CODING_8BIT = 2,
};

/* One SMS as read from the modem: a whole message or one part of a long
 * one. Strings are borrowed for the call. */
struct store_part {
	const char *sender;
	int64_t sent_at;         /* SMSC timestamp; 0 when unknown */
	int concat_ref;          /* concatenation reference; 0 single */
	int part_no;             /* 1-based; 1 for a single SMS */
	int part_count;          /* 1 for a single SMS */
	const char *text;        /* UTF-8, as decoded */
	int coding;              /* enum store_coding */
	int malformed;           /* 1: could not be decoded; text is hex */
};

/*
 * Stores one part and commits. When the part is a whole message, or
 * completes a long one (parts joined in part_no order), the message is
 * created unhandled in the same transaction. A part already stored (same
 * sender, timestamp, reference, number, count and text: the modem gave it
 * twice because a crash came before the delete) changes nothing.
 * Returns 1 stored, 0 duplicate, -1 error (nothing stored: keep it on the
 * modem and try again).
 */
int store_put_part(struct store *store, const struct store_part *part,
    int64_t now);

/*
 * Joins every incomplete long message whose first part arrived at or before
 * older_than into one message marked partial (missing parts left out).
 * Returns the number of messages created, or -1.
 */
int store_expire_parts(struct store *store, int64_t older_than);

/* ---- inbox -------------------------------------------------------------- */

struct store_msg {
	int64_t id;
	char *sender;
	char *text;
	int64_t sent_at;
	int64_t received_at;     /* when the last part was stored */
	int64_t handled_at;      /* 0 until handled */
	char *keyword;           /* what it was routed as; NULL until handled */
	int parts;               /* parts joined */
	int partial;             /* 1: a part never came */
	int malformed;
};

/*
 * The oldest unhandled message. Returns 1 and fills msg (caller frees with
 * store_msg_free()), 0 when there is none, -1 on error.
 */
int store_msg_next(struct store *store, struct store_msg *msg);
void store_msg_free(struct store_msg *msg);

/* Marks a message handled, routed as keyword (a group name, "default",
 * "stop", "ignored", ...). Returns 1, or 0 when already handled. */
int store_msg_handled(struct store *store, int64_t id, const char *keyword,
    int64_t now);

/* ---- contacts ----------------------------------------------------------- */

struct store_contact {
	int known;               /* 0: never seen; the rest is defaults */
	int opted_out;
	int lang;                /* enum lang, or -1 when not known */
	char state[32];          /* conversation state; "" for none */
	int64_t state_at;
};

int store_contact_get(struct store *store, const char *number,
    struct store_contact *out);
int store_contact_put(struct store *store, const char *number,
    const struct store_contact *contact, int64_t now);

/* Automatic replies queued to number at or after since: the reply budget. */
int store_replies_since(struct store *store, const char *number,
    int64_t since);

/* ---- outbox ------------------------------------------------------------- */

enum store_out_kind {
	STORE_OUT_REPLY = 0,     /* an automatic reply: counts in the budget */
	STORE_OUT_MANUAL = 1,    /* shukherctl send, a caseworker */
	STORE_OUT_ALERT = 2,     /* to a caseworker */
};

struct store_out {
	int64_t id;
	char *number;
	char *text;
	char *state;             /* "queued", "sent", "failed" */
	int kind;                /* enum store_out_kind */
	int attempts;
	int64_t created_at;
	int64_t next_at;
	int64_t sent_at;
	char *msgref;            /* the modem's message reference(s) */
	char *last_error;
	int64_t in_reply_to;     /* inbox id, 0 for none */
};

/* Queues a message. Returns its id (> 0) or -1. */
int64_t store_outbox_add(struct store *store, const char *number,
    const char *text, int kind, int64_t in_reply_to, int64_t now);

/*
 * The queued message that is due soonest (next_at <= now). Returns 1 and
 * fills out (free with store_out_free()), 0 when none is due, -1.
 */
int store_outbox_next(struct store *store, int64_t now,
    struct store_out *out);
void store_out_free(struct store_out *out);

/* Seconds until the next queued message is due (0: now), or -1 when the
 * queue is empty; -2 on error. */
int64_t store_outbox_wait(struct store *store, int64_t now);

int store_outbox_sent(struct store *store, int64_t id, const char *msgref,
    int64_t now);
/* One more failed attempt; queued again for next_at. */
int store_outbox_retry(struct store *store, int64_t id, const char *error,
    int64_t next_at);
/* One more failed attempt, and no more: state failed. */
int store_outbox_fail(struct store *store, int64_t id, const char *error,
    int64_t now);

/* ---- reports ------------------------------------------------------------ */

struct store_report {
	int64_t id;
	char ref[16];            /* short, keypad-friendly: no 0/O, 1/I */
	char *number;
	char *text;
	char *status;            /* "open", "closed" */
	int urgent;
	int64_t message_id;      /* the inbox message that filed it */
	int64_t created_at;
	int64_t closed_at;       /* 0 while open */
	char *outcome;           /* NULL while open */
};

/* Files a report and gives it a fresh reference. Returns its id, or -1.
 * ref (if not NULL) receives the reference. */
int64_t store_report_add(struct store *store, const char *number,
    const char *text, int urgent, int64_t message_id, int64_t now,
    char *ref, size_t reflen);

/* Finds a report by numeric id or by reference (case-insensitive).
 * Returns 1 and fills out (free with store_report_free()), 0, or -1. */
int store_report_find(struct store *store, const char *key,
    struct store_report *out);
void store_report_free(struct store_report *report);

/* Closes an open report. Returns 1, 0 when not found or already closed. */
int store_report_close(struct store *store, int64_t id, const char *outcome,
    int64_t now);

/* ---- statistics --------------------------------------------------------- */

/* Adds one to the count of keyword on day ("YYYY-MM-DD", local time). No
 * number and no text: statistics hold no personal data. */
int store_stat_bump(struct store *store, const char *day,
    const char *keyword);

/* ---- modem state, for shukherctl status --------------------------------- */

struct store_modem_state {
	int connected;
	int64_t since;           /* when connected changed last */
	char operator_name[64];
	int signal_dbm;          /* 0: unknown */
	int signal_percent;      /* -1: unknown */
	int sim_used;            /* -1: unknown */
	int sim_total;
	char last_error[256];
	int64_t last_error_at;
	int64_t updated_at;      /* 0: the daemon never wrote it */
};

int store_modem_state_put(struct store *store,
    const struct store_modem_state *state);
/* Returns 1 and fills state, 0 when the daemon never wrote one, -1. */
int store_modem_state_get(struct store *store, struct store_modem_state *state);

/* ---- listings, for shukherctl ------------------------------------------- */

/* Row callbacks: the row's strings are borrowed, valid only during the
 * call. Return 0 to go on, non-zero to stop. */
typedef int (*store_msg_cb)(void *arg, const struct store_msg *msg);
typedef int (*store_out_cb)(void *arg, const struct store_out *out);
typedef int (*store_report_cb)(void *arg, const struct store_report *report);
typedef int (*store_stat_cb)(void *arg, const char *day, const char *keyword,
    int count);

struct store_filter {
	const char *state;       /* NULL: any; else "new"/"handled",
	                            "queued"/"sent"/"failed", "open"/"closed" */
	int urgent;              /* -1 any, 0 not urgent only, 1 urgent only
	                            (reports only): set -1 to see all */
	int64_t since;           /* 0: any; else created/received at or after */
	const char *search;      /* NULL: any; substring of text */
	int limit;               /* 0: no limit; newest first */
};

int store_list_inbox(struct store *store, const struct store_filter *filter,
    store_msg_cb cb, void *arg);
int store_list_outbox(struct store *store, const struct store_filter *filter,
    store_out_cb cb, void *arg);
int store_list_reports(struct store *store, const struct store_filter *filter,
    store_report_cb cb, void *arg);
/* Days from since_day to until_day inclusive ("YYYY-MM-DD"; NULL: open). */
int store_list_stats(struct store *store, const char *since_day,
    const char *until_day, store_stat_cb cb, void *arg);

struct store_counts {
	int inbox_new;           /* stored, not yet handled */
	int parts_pending;       /* parts of long messages still waiting */
	int outbox_queued;
	int outbox_failed;
	int reports_open;
	int reports_urgent_open;
};

int store_counts(struct store *store, struct store_counts *out);

#endif
