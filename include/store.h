/*
 * store: shukher.db, and every line of SQL in the project.
 *
 * The store keeps the three promises of the message path:
 *   1. nothing that reached the modem is lost: store_put_part() has committed
 *      when it returns (or, inside the caller's transaction, once that
 *      commits), so the caller may delete the message from the modem;
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

/* How store_open() may treat the file (a mask; 0 for none). */
enum store_open_flag {
	/* Create the database when none ever was at path: no file, no -wal
	 * or -journal file and no marker (<path>.created) beside it. A
	 * database that existed and vanished, or a zero-length file, is
	 * refused instead (STORE_FAULT_VANISHED, STORE_FAULT_EMPTY). */
	STORE_CREATE = 1,
	/* The caller writes: the write lock is taken and let go at open, so
	 * that another writer's lock, a read-only file or file system or a
	 * directory the caller may not write is reported at open. */
	STORE_WRITER = 2,
	/* Keep the marker beside the database (shukherd does), so that a
	 * database deleted later is never silently replaced. */
	STORE_MARK = 4,
};

/* What kept store_open() from opening; each calls for its own remedy. */
enum store_fault {
	STORE_FAULT_NONE = 0,
	STORE_FAULT_MISSING,     /* no file (or no directory) */
	STORE_FAULT_VANISHED,    /* no file where one was (marker, -wal) */
	STORE_FAULT_EXISTS,      /* store_create(): a file is already there */
	STORE_FAULT_EMPTY,       /* a zero-length file */
	STORE_FAULT_FOREIGN,     /* not SQLite, or another program's */
	STORE_FAULT_CORRUPT,
	STORE_FAULT_NEWER,       /* a schema newer than this program */
	STORE_FAULT_LOCKED,      /* another process holds a lock: try again */
	STORE_FAULT_READ_ONLY,   /* the file or its file system */
	STORE_FAULT_PERMISSION,  /* this user may not read or write it */
	STORE_FAULT_NO_SPACE,
	STORE_FAULT_IO,
	STORE_FAULT_NO_MEMORY,
};

/*
 * Opens the database at path, which may be ":memory:", and brings its
 * schema up to date; flags is a mask of enum store_open_flag (1 is
 * STORE_CREATE). A file that is not a shukher database, is corrupt, or is
 * newer than this program is refused: never recreated. Returns NULL and
 * fills err (which names path and says what to do) on failure. Close with
 * store_close().
 */
struct store *store_open(const char *path, int flags, char *err,
    size_t errlen);
/* store_open(), which also says why it failed in *fault (NONE on
 * success). */
struct store *store_open_fault(const char *path, int flags,
    enum store_fault *fault, char *err, size_t errlen);
void store_close(struct store *store);

/* The exit code (exitcode.h) for a program that cannot go on because of
 * fault: 66 missing, 75 locked (try again), 77 permission, 71 memory, 1
 * exists, 74 the rest. */
int store_fault_exit(enum store_fault fault);

/*
 * Creates a new, empty database at path (shukherctl init; shukherd's first
 * start): built under another name, then linked into place, so that it is
 * never half there; never over an existing file (STORE_FAULT_EXISTS), not
 * even an empty one. As root, the file goes to the directory's owner.
 * Returns 0, or -1 with *fault and err set.
 */
int store_create(const char *path, enum store_fault *fault, char *err,
    size_t errlen);

/*
 * Whether the file the store opened is still the one at its path, by
 * device, inode and link count. Returns 0 when it is (or for :memory:), 1
 * when it was deleted, renamed or replaced, -1 when it cannot be told (the
 * file system fails); err says which.
 */
int store_same_file(struct store *store, char *err, size_t errlen);

/* The message of the last failed call; owned by the store. */
const char *store_errmsg(struct store *store);

/* 1 when the last failed call failed because another process held the
 * database locked past the busy timeout (try again later), else 0. */
int store_locked(const struct store *store);

/* The schema version this build writes (PRAGMA user_version). */
int store_schema_version(void);

/*
 * An explicit write transaction (BEGIN IMMEDIATE) around several calls, used
 * by the router to make a message's consequences atomic. Functions below
 * that write open their own transaction when none is open. Inside an open
 * transaction, store_begin() opens a savepoint instead, which
 * store_commit() releases and store_rollback() undoes alone: the gateway
 * batches a pass's messages in one transaction (one sync), each message
 * still all or nothing. store_rollback() with nothing begun rolls back an
 * open transaction, if any.
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
 * one. Strings and data are borrowed for the call. */
struct store_part {
	const char *sender;
	int64_t sent_at;         /* SMSC timestamp; 0 when unknown */
	int concat_ref;          /* concatenation reference; 0 single */
	int part_no;             /* 1-based; 1 for a single SMS */
	int part_count;          /* 1 for a single SMS */
	const char *text;        /* this part alone as UTF-8, as decoded */
	int coding;              /* enum store_coding */
	const unsigned char *data; /* UCS-2 and 8-bit: the user data as sent
	                            (big-endian UTF-16 units, or the bytes),
	                            from which the message's text is decoded;
	                            NULL when there is none (GSM-7, or nothing
	                            readable): then text is the message's */
	size_t data_len;
	int malformed;           /* 1: this part alone could not be decoded;
	                            text is hex */
	const char *modem;       /* schema 10: the modem it arrived on; NULL:
	                            not said */
	int probe;               /* 1: a single "type 0" SMS (TP-PID 0x40),
	                            the network testing that the phone is
	                            there: its message is stored handled, as
	                            "probe", never routed nor counted */
};

/*
 * Stores one part and commits. When the part is a whole message, or
 * completes a long one, the message is created unhandled in the same
 * transaction: the parts in part_no order, the data of adjacent parts of
 * one coding joined before it is decoded (sms.h: a character split
 * between two parts is whole again, an ill-formed unit is U+FFFD), 8-bit
 * data that is not text kept as hex and the message marked malformed, as
 * is one with a malformed part that has no data. A part already stored
 * (same sender, timestamp, reference, number, count and text: the modem
 * gave it twice because a crash came before the delete) changes nothing.
 * Inside the caller's transaction, a savepoint: an error undoes this part
 * alone, and nothing is stored for good before the caller commits.
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
	char *modem;             /* schema 10: the modem it arrived on (its
	                            last part's); NULL when not known */
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

/* ---- outbox ------------------------------------------------------------- */

enum store_out_kind {
	STORE_OUT_REPLY = 0,     /* an automatic reply */
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
	char *msgref;            /* the network's references of the parts
	                            sent, in part order ("12,13"); NULL
	                            before the first */
	char *last_error;
	int64_t in_reply_to;     /* inbox id, 0 for none */
	char *delivery;          /* NULL until a delivery report came, then
	                            "delivered" or "failed" */
	int64_t delivered_at;    /* when that report came; 0 before */
	int parts_sent;          /* parts the network accepted so far */
	char *modem;             /* schema 10: the modem that sends it (a
	                            reply: the one its message came in on);
	                            NULL while none is chosen */
	int64_t taken_until;     /* schema 16: while its modem sends it, no
	                            other may take it before then; 0: none */
};

/* A number's reply budget: at most max messages queued to it within any
 * window seconds. */
struct store_budget {
	int max;
	int64_t window;
};

/*
 * Queues text to number: the one way into the outbox. Every row keeps the
 * keyed hash of its number (store_number_hash()), which stays when the
 * number is blanked, so that every message the gateway sends, of any kind,
 * counts against its recipient's budget (store_outbox_count()) until
 * store_outbox_forget() lets it go. With budget not NULL, nothing is
 * queued when number already had budget->max messages queued within
 * budget->window before now. A reply (in_reply_to > 0) takes the modem its
 * message came in on (schema 10), so that it leaves through that SIM.
 * Returns the id (> 0), 0 when the budget held the message back, or -1.
 */
int64_t store_outbox_queue(struct store *store,
    const struct store_budget *budget, const char *number, const char *text,
    int kind, int64_t in_reply_to, int64_t now);
/* store_outbox_queue() without a budget: for what a person decided to send
 * (shukherctl send, a caseworker's reply from the console or shukherctl),
 * which counts against the budget but is never held back by it. Returns
 * the id (> 0) or -1. */
int64_t store_outbox_add(struct store *store, const char *number,
    const char *text, int kind, int64_t in_reply_to, int64_t now);

/* Messages of any kind queued to number at or after since, also those
 * whose number has been blanked since: the reply budget. Returns the
 * count or -1. */
int store_outbox_count(struct store *store, const char *number,
    int64_t since);
/* Forgets the number hashes of rows queued before before (they no longer
 * count in any budget), so that a blanked number cannot be recovered from
 * its hash. Returns how many, or -1. */
int store_outbox_forget(struct store *store, int64_t before);

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

/*
 * Records that row id went out at now: its state, and a row per part (part
 * i + 1 has the i-th reference in msgref, "12,13" as the modem lists them;
 * parts already recorded keep theirs), in one transaction. A row already
 * sent is left as it was.
 */
int store_outbox_sent(struct store *store, int64_t id, const char *msgref,
    int64_t now);
/* Records the parts of queued row id sent so far (msgref as above), those
 * not recorded yet sent at now: a retry, also after a crash, sends only
 * the rest. */
int store_outbox_progress(struct store *store, int64_t id,
    const char *msgref, int64_t now);
/*
 * A delivery report for message reference ref: the message of the newest
 * part sent within the last week with reference ref is marked delivered
 * (or failed: a failed part makes the whole message failed). Returns 1
 * when a message matched, 0 when none did (a late or foreign report), -1.
 */
int store_outbox_delivery(struct store *store, int ref, int delivered,
    int64_t now);
/* The same for a report that came in on modem (NULL: any): only what that
 * modem sent matches, since each modem counts references of its own. */
int store_outbox_delivery_via(struct store *store, const char *modem,
    int ref, int delivered, int64_t now);

/* One more failed attempt; queued again for next_at. */
int store_outbox_retry(struct store *store, int64_t id, const char *error,
    int64_t next_at);
/* One more failed attempt, and no more: state failed. */
int store_outbox_fail(struct store *store, int64_t id, const char *error,
    int64_t now);

/* ---- reports ------------------------------------------------------------ */

/* A report's reference: this many of "23456789ABCDEFGHJKLMNPQRSTUVWXYZ",
 * at least one a letter. */
#define STORE_REF_LEN 6

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
	/* Schema 2: a sealed report keeps number and text "" and holds
	 * "number\ntext" sealed to the caseworkers' key (seal.h). */
	unsigned char *sealed;   /* NULL: not sealed (number, text clear) */
	size_t sealed_len;
	char key_id[24];         /* the sealing key's id; "" when clear */
	char *claimed_by;        /* caseworker's name; NULL unclaimed */
	int64_t claimed_at;      /* 0 unclaimed */
	int alert_level;         /* caseworkers told so far */
	int64_t alerted_at;      /* when the last one was told; 0 never */
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

/* ---- reports, schema 2: sealed, with a timeline (store_report.c) ------- */

/*
 * Files a report whose number and text are sealed (sealed, key_id), or in
 * the clear when sealed is NULL (number, text; no key configured). relay,
 * when not NULL, is the number encrypted with the device secret so that
 * the daemon can relay a caseworker's SMS reply until relay_until. Returns
 * the id and the reference in ref, or -1.
 */
struct store_report_new {
	const char *number;      /* clear only when sealed is NULL */
	const char *text;
	const unsigned char *sealed;
	size_t sealed_len;
	const char *key_id;
	int urgent;
	int64_t message_id;
	const unsigned char *relay;
	size_t relay_len;
	int64_t relay_until;
};
int64_t store_report_file(struct store *store,
    const struct store_report_new *report, int64_t now, char *ref,
    size_t reflen);

/* One event of a report's timeline. Strings and body are borrowed. */
struct store_report_entry {
	int64_t id;
	int64_t report_id;
	int64_t at;
	const char *kind;        /* "message", "reply", "note", "claim",
	                            "alert", "close", ... */
	const char *actor;       /* caseworker's name, or NULL */
	const unsigned char *body; /* sealed when key_id is set; may be NULL */
	size_t body_len;
	const char *key_id;      /* NULL or "": body is clear text */
	int64_t outbox_id;       /* the SMS this queued; 0 for none */
};
typedef int (*store_entry_cb)(void *arg, const struct store_report_entry *e);

/* Adds an entry (id ignored). Returns its id, or -1. */
int64_t store_report_entry_add(struct store *store,
    const struct store_report_entry *entry);
/* Calls cb for each entry of report_id, oldest first. */
int store_report_entries(struct store *store, int64_t report_id,
    store_entry_cb cb, void *arg);

/* Marks an open report claimed by name. Returns 1, 0 when it is closed or
 * already claimed (by anyone). */
int store_report_claim(struct store *store, int64_t id, const char *name,
    int64_t now);
/* Records that alert_level caseworkers have now been told. */
int store_report_alerted(struct store *store, int64_t id, int alert_level,
    int64_t now);
/* Open urgent unclaimed reports last alerted at or before older_than, at
 * most 16, oldest first: ids into ids. Returns how many, or -1. */
int store_report_unclaimed(struct store *store, int64_t older_than,
    int64_t *ids, int max);
/* The relay copy of a report's number while now < relay_until: 1 and the
 * blob (caller frees) in *blob, 0 when there is none (any more), -1. */
int store_report_relay(struct store *store, int64_t id, int64_t now,
    unsigned char **blob, size_t *len);
/* Extends the relay copy's life (a follow-up came in). */
int store_report_relay_touch(struct store *store, int64_t id,
    int64_t relay_until);

/*
 * The windows in which a number's next message belongs to a report, keyed
 * by a hash of the number (32 bytes). state is "await" (the bare keyword
 * came: the next message is the report; report_id 0) or "open" (follow-ups
 * attach to report_id). link_get returns 1 and fills the outputs for a
 * window still open at now, 0 when none, -1.
 */
int store_link_get(struct store *store, const unsigned char *hash,
    int64_t now, int64_t *report_id, char *state, size_t statelen, int *lang);
int store_link_put(struct store *store, const unsigned char *hash,
    int64_t report_id, const char *state, int lang, int64_t expires_at);
/* Drops windows that closed before now. Returns how many, or -1. */
int store_link_expire(struct store *store, int64_t now);

/*
 * Marks that the roster was told about the number whose window is keyed by
 * hash, unless it was already told at or after since: returns 1 (marked:
 * tell them now), 0 (already told within the window, or no window), -1.
 * A flood of urgent reports from one number alerts once per window.
 */
int store_link_alert(struct store *store, const unsigned char *hash,
    int64_t since, int64_t now);

/* The keyed hash of number (32 bytes, from the device secret) into hash:
 * all the daemon keeps of a number for report windows and the reply
 * budget. Returns 0, or -1. */
int store_number_hash(struct store *store, const char *number,
    unsigned char *hash);

/* The key for purpose derived from the device secret (seal_derive_key())
 * into key (32 bytes). Returns 0, or -1. */
int store_device_key(struct store *store, const char *purpose,
    unsigned char *key);

/* The device secret name (32 random bytes, made by the schema) into buf.
 * Returns 0, or -1. */
int store_secret(struct store *store, const char *name, unsigned char *buf,
    size_t len);

/*
 * Scrubs an inbox message that belonged to a report: its sender and text,
 * and those of its parts, are blanked (the sealed copy is in the report).
 * Returns 0 or -1.
 */
int store_scrub_message(struct store *store, int64_t message_id);
/* Blanks the number and text of every sent or failed outbox message that a
 * report entry points to (acknowledgements, alerts, relayed replies).
 * Returns how many were scrubbed, or -1. */
int store_scrub_outbox(struct store *store);
/*
 * When personal data was blanked or deleted since the WAL was last emptied
 * (by any program: the schema counts it in the transaction that blanks),
 * moves the WAL's content into the database and truncates the WAL to zero
 * bytes, so that old page images (with text since scrubbed) leave the
 * disk; otherwise writes nothing. Outside any transaction. Returns 0 (the
 * WAL holds nothing blanked), 1 when a reader kept it from finishing (try
 * later), -1.
 */
int store_wal_truncate(struct store *store);

/* A caseworker's wrong PINs (all zero when none). */
struct store_pin {
	int failures;            /* wrong PINs since the last right one; a
	                            lockout does not reset it */
	int64_t locked_until;    /* commands refused before this; 0: never */
	int64_t quiet_until;     /* no wrong-PIN or locked answer before */
	int warned;              /* 1: told by SMS that their PIN is being
	                            guessed, in this streak */
};
int store_pin_get(struct store *store, const char *name,
    struct store_pin *out);
int store_pin_put(struct store *store, const char *name,
    const struct store_pin *pin);

/* ---- retention (store_purge.c) ------------------------------------------ */

/* What may go: each a time before which rows go; 0 keeps them all. */
struct store_retention {
	int64_t reports_before;  /* closed reports closed before this, with
	                            their timelines and links */
	int64_t inbox_before;    /* number and text of messages handled before
	                            this (report messages are blank already) */
	int64_t outbox_before;   /* number and text of sent or failed outbox
	                            rows sent (failed: queued) before this */
};

/* How many rows went (or would go). */
struct store_purged {
	int reports;
	int messages;
	int outbox;
};

/*
 * The retention cut-offs for days of each kind (0: keep) at now, into out.
 */
void store_retention_days(struct store_retention *out, int reports_days,
    int inbox_days, int outbox_days, int64_t now);

/*
 * Applies ret in one transaction: closed reports deleted (timeline and
 * links with them), numbers and texts of old handled messages and of old
 * sent or failed outbox rows blanked. Open reports, unhandled messages,
 * queued messages, contacts and statistics are never touched. With
 * dry_run, counts what would go and changes nothing. Fills out either
 * way. Returns 0 or -1 (nothing changed). The caller then empties the WAL
 * with store_wal_truncate().
 */
int store_purge(struct store *store, const struct store_retention *ret,
    int dry_run, struct store_purged *out);

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
	/* Schema 6: the network's time (UTC seconds; 0 unknown) as read from
	 * the modem at second network_boottime of CLOCK_BOOTTIME in the boot
	 * boot_id: valid now as network_time + (boottime now - then) while
	 * the boot is the same, whatever the system clock did meanwhile. */
	int64_t network_time;
	int64_t network_boottime;
	char boot_id[40];
};

int store_modem_state_put(struct store *store,
    const struct store_modem_state *state);
/* Returns 1 and fills state, 0 when the daemon never wrote one, -1. */
int store_modem_state_get(struct store *store, struct store_modem_state *state);

/* ---- several modems (store_modem.c), schema 10 -------------------------
 * A row per modem with its state, as modem_state holds the first's, and
 * since when it has been down; the modem of outbox rows, and claiming a
 * queued row for one modem in a transaction of its own (BEGIN IMMEDIATE:
 * no two processes claim one row). */

struct store_modem {
	char name[32];
	struct store_modem_state state;  /* connected .. updated_at */
	int64_t down_since;      /* 0: working; else since when it fails */
	int sent_today;          /* store_modem_list(): sent since day_start */
};

/* Replaces the row of modem name. */
int store_modem_put(struct store *store, const char *name,
    const struct store_modem_state *state, int64_t down_since);
typedef int (*store_modem_cb)(void *arg, const struct store_modem *m);
/* Every modem's row in name order, with its messages sent at or after
 * day_start; cb returns non-zero to stop. */
int store_modem_list(struct store *store, int64_t day_start,
    store_modem_cb cb, void *arg);
/* Messages modem sent at or after since. Returns the count or -1. */
int store_modem_sent(struct store *store, const char *name, int64_t since);

/* Queued outbox rows, soonest due first (next_at, id), at most limit;
 * the row's strings are borrowed as in store_list_outbox(). */
int store_outbox_queued(struct store *store, int limit,
    int (*cb)(void *arg, const struct store_out *out), void *arg);
/* Gives queued row id to modem when its modem is still expect (NULL:
 * none), taken until until (taken_until): the time its send may take, so
 * that no modem takes it again meanwhile (until = now gives it back);
 * next_at, when it was due, is kept.
 * Taken from another modem, it is sent again from its first part (the
 * phone joins parts only from one number). Returns 1 when it did, 0
 * when the row changed meanwhile, -1. */
int store_outbox_claim(struct store *store, int64_t id, const char *expect,
    const char *modem, int64_t until);

/* ---- listings, for shukherctl ------------------------------------------- */

/* Row callbacks: the row's strings are borrowed, valid only during the
 * call. Return 0 to go on, non-zero to stop. */
typedef int (*store_msg_cb)(void *arg, const struct store_msg *msg);
typedef int (*store_out_cb)(void *arg, const struct store_out *out);
typedef int (*store_report_cb)(void *arg, const struct store_report *report);
typedef int (*store_stat_cb)(void *arg, const char *day, const char *keyword,
    int count);

struct store_filter {
	const char *state;       /* NULL: any; else "new"/"handled"/"malformed",
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

/* ---- caseworkers' accounts, audit, key vault (store_user.c) -------------
 * Schema 5. Accounts sign in to the web console; passwords are kept only as
 * crypto_pwhash_str hashes. The audit log says who opened, claimed,
 * answered or closed which report, and who signed in, through what and
 * from where; it holds no report text and no reporter's number. The vault
 * keeps the caseworkers' secret key encrypted with a passphrase
 * (seal_lock()), so that the console can unlock it for a session. */

struct store_user {
	int64_t id;
	char name[64];
	char pwhash[128];        /* crypto_pwhash_STRBYTES */
	int disabled;
	int failures;            /* wrong passwords in a row */
	int64_t locked_until;    /* 0: not locked */
	int64_t created_at;
	int64_t last_signin_at;  /* 0: never */
};

/* Adds an account. Returns its id, 0 when the name is taken, or -1. */
int64_t store_user_add(struct store *store, const char *name,
    const char *pwhash, int64_t now);
/* Returns 1 and fills out, 0 when there is no such account, or -1. */
int store_user_get(struct store *store, const char *name,
    struct store_user *out);
/* A new password hash; clears failures and lock. Returns 1, 0 when there
 * is no such account, or -1. */
int store_user_passwd(struct store *store, const char *name,
    const char *pwhash);
/* disabled 1 or 0 (enable). Returns 1, 0 when there is no such account,
 * or -1. */
int store_user_disable(struct store *store, const char *name, int disabled);
/* After a sign-in attempt: failures and locked_until as given, and
 * last_signin_at = now when failures is 0. Returns 1, 0, or -1. */
int store_user_attempt(struct store *store, const char *name, int failures,
    int64_t locked_until, int64_t now);
typedef int (*store_user_cb)(void *arg, const struct store_user *user);
/* Every account, by name. */
int store_list_users(struct store *store, store_user_cb cb, void *arg);

/* One audit row. Strings are borrowed. */
struct store_audit {
	int64_t id;
	int64_t at;
	const char *actor;       /* account or login name */
	const char *via;         /* "cli", "web", "sms" */
	const char *action;      /* "open", "claim", "note", "reply",
	                            "close", "signin", "signin-failed", ... */
	int64_t report_id;       /* 0: none */
	const char *addr;        /* client address; NULL from the cli */
	const char *detail;      /* the account a "user-*" action changed;
	                            NULL: none */
	const char *report_ref;  /* listing only: the report's reference as
	                            it was when the row was written; NULL */
};
/* Adds a row (id and report_ref ignored: the ref is looked up). Returns
 * its id, or -1. */
int64_t store_audit_add(struct store *store, const struct store_audit *a);
typedef int (*store_audit_cb)(void *arg, const struct store_audit *a);
/* Newest first; report_id 0: all rows; limit 0: no limit. */
int store_list_audit(struct store *store, int64_t report_id, int limit,
    store_audit_cb cb, void *arg);

/* The vault: the caseworkers' secret key sealed with a passphrase
 * (seal_lock()), one per key id. put replaces; get returns 1 and the blob
 * (caller frees) for the key with that id or, with id NULL, the newest;
 * 0 when the vault is empty; -1. */
int store_vault_put(struct store *store, const char *key_id,
    const unsigned char *blob, size_t len, int64_t now);
int store_vault_get(struct store *store, const char *key_id,
    unsigned char **blob, size_t *len);
/* Removes the key with that id (NULL: all). Returns how many, or -1. */
int store_vault_remove(struct store *store, const char *key_id);

#endif
