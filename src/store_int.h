/*
 * store_int: what the store_*.c files share and nobody else may see.
 *
 * The store is split by table, and each table has one owner: the
 * statements that write a table, and the lists of its rows, are in its
 * owner's file. Another store file that needs to change the table calls
 * a function of the owner.
 *
 *   store.c          wal_scrub; opening, settings, transactions, row loop
 *   store_file.c     the file, before SQLite opens it (no table)
 *   store_schema.c   the migrations (the one file that touches all)
 *   store_inbox.c    parts, messages (store_join.c: a message's text
 *                    from its parts' data, no SQL)
 *   store_outbox.c   outbox, sent_parts
 *   store_report.c   reports, report_entries (the timeline)
 *   store_case.c     report_links (windows), secrets, pin_failures
 *   store_misc.c     contacts, stats, modem_state; store_counts()
 *   store_user.c     users, audit, vault
 *   store_modem.c    modems
 *   store_health.c   credit, health
 *   store_campaign.c subscriptions, series_outbox, broadcasts,
 *                    broadcast_recipients, survey_attempts,
 *                    survey_answers, survey_outbox, source_stats
 *   store_uplink.c   uplink_queue, uplink_applied, uplink_state
 *   store_purge.c    no table: retention's policy and transaction
 *
 * A statement may read another owner's table where one statement does
 * what two would (and reads one snapshot): store_counts(), the audit's
 * copy of a report's reference, store_scrub_outbox() (the rows a
 * timeline points at), the health summary's counts, the uplink's rows.
 * Three write the outbox outside its file, each a column or two, or a blanking,
 * tied to its own table: a row's modem (store_modem.c: chosen, claimed),
 * a campaign SMS's slot (next_at) or its failure after a STOP or a
 * leave word, and a forgotten survey's questions (store_campaign.c).
 *
 * The helpers below keep error handling and transactions the same in all
 * of them.
 */
#ifndef SHUKHER_STORE_INT_H
#define SHUKHER_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

#define STORE_HASH_LEN 32      /* a keyed hash of a number */
#define STORE_SECRET_LEN 32    /* the device secret */

struct store {
	sqlite3 *db;
	int fd;                  /* the database file, read-only, kept open
	                            to tell whether it is still at path; -1
	                            for :memory: */
	char *path;
	int depth;               /* store_begin() calls not yet ended: the
	                            first is the transaction, the rest
	                            savepoints inside it */
	char err[256];
	int locked;              /* the last failure: another connection held
	                            the lock past the busy timeout */
	int rollback_due;        /* a ROLLBACK failed (out of memory): the
	                            transaction is still open, and is rolled
	                            back before the next statement */
};

/* Fills the store's error with what failed and SQLite's message (which
 * never holds a bound value: no text, no number). Returns -1. */
int store_fail(struct store *store, const char *what);
/* Fills the store's error with what alone. Returns -1. */
int store_failx(struct store *store, const char *what);

/* sqlite3_prepare_v2, with the error filled on failure. Returns 0 or -1. */
int store_prepare(struct store *store, const char *sql, sqlite3_stmt **stmt);

/*
 * Makes the following writes one atomic unit. With no transaction open it
 * begins one (BEGIN IMMEDIATE) and sets *own; inside the caller's
 * transaction it opens a savepoint, so that a failure undoes only this
 * call's writes. Returns 0 or -1.
 */
int store_tx_enter(struct store *store, int *own);
/* Ends what store_tx_enter began: commits (or releases) when rc >= 0, rolls
 * back otherwise. Returns rc, or -1 when the commit failed. */
int store_tx_leave(struct store *store, int own, int rc);

/* Binds a string, or NULL for a NULL pointer. Returns an SQLite code. */
int store_bind_str(sqlite3_stmt *stmt, int idx, const char *s);

/* A copy of a text column (NULL for SQL NULL) in *out. Returns 0, or -1
 * when out of memory. Caller frees *out. */
int store_col_dup(sqlite3_stmt *stmt, int col, char **out);
/* A text column, borrowed until the next step; "" for SQL NULL. */
const char *store_col_str(sqlite3_stmt *stmt, int col);

/* Runs a statement that returns one integer (or none: *out = dflt).
 * Finalizes it. Returns 0 or -1. */
int store_step_int64(struct store *store, sqlite3_stmt *stmt, int64_t dflt,
    int64_t *out);
/* Steps a statement that returns no row, finalizes it, and gives the number
 * of rows changed. Returns that number, or -1. */
int store_step_done(struct store *store, sqlite3_stmt *stmt,
    const char *what);

/* Binds a query's parameters from arg (store_rows()). */
typedef void (*store_bind_fn)(sqlite3_stmt *stmt, const void *arg);
/* Takes one row of a query (store_rows()): returns 0 for the next row, 1
 * to stop there (not an error), or -1 after filling the store's error. */
typedef int (*store_row_fn)(sqlite3_stmt *stmt, void *arg);

/*
 * The one row loop of the store's queries: prepares sql, lets bind (NULL:
 * no parameters) bind from barg, and hands each row to row with rarg
 * until the rows end or row stops them. A failed step fills the error
 * with what and SQLite's message (store_locked() then tells a lock held
 * past the busy timeout). The statement is finalized in every case.
 * Returns the number of rows row took (the one that stopped included),
 * or -1.
 */
int store_rows(struct store *store, const char *sql, store_bind_fn bind,
    const void *barg, store_row_fn row, void *rarg, const char *what);

/* Binds a list's filter (NULL: none): ?1 state, ?2 since, ?3 search, ?4
 * limit (-1 for none). A store_bind_fn. */
void store_bind_filter(sqlite3_stmt *stmt, const void *filter);
/* Binds ?1 to the int64_t that id points at. A store_bind_fn. */
void store_bind_id(sqlite3_stmt *stmt, const void *id);

/*
 * Runs sql, a query of one row of n integer columns, into out[0..n). No
 * row gives zeros. Finalizes it. Returns 0 or -1 (the error says what).
 */
int store_query_ints(struct store *store, const char *sql, int *out, int n,
    const char *what);

/*
 * A read transaction: one snapshot for several queries that belong
 * together, with no write lock, so that the daemon never waits on a
 * reader. Inside the caller's transaction it does nothing (*own = 0).
 * Returns 0 or -1.
 */
int store_snapshot_enter(struct store *store, int *own);
/* Ends what store_snapshot_enter() began. Returns rc. */
int store_snapshot_leave(struct store *store, int own, int rc);

/* ---- what each table's owner offers the others ----------------------- */

/*
 * Retention, each on its own table (store_purge.c says what goes and
 * holds the transaction): with dry_run, counts what would go before
 * before; else blanks or deletes it. Each returns the rows counted or
 * changed, or -1.
 */
int store_report_purge(struct store *store, int64_t before, int dry_run);
int store_inbox_purge(struct store *store, int64_t before, int dry_run);
int store_outbox_purge(struct store *store, int64_t before, int dry_run);
/* Counts what sql (a count(*) with ?1) finds for before. Returns it or
 * -1 (store_purge.c). */
int store_purge_count(struct store *store, const char *sql, int64_t before);
/* Runs sql with before bound to ?1. Returns the rows changed, or -1. */
int store_purge_run(struct store *store, const char *sql, int64_t before);

/*
 * The keyed hash of number[0..len) under the device secret (secret,
 * STORE_SECRET_LEN bytes) into hash (STORE_HASH_LEN bytes): what windows
 * and the reply budget know of a number. Never fails.
 */
void store_hash_with(const unsigned char *secret, const char *number,
    size_t len, unsigned char *hash);

/* The SQL that brings the schema from user_version from to from + 1, or
 * NULL past the last migration (store_schema.c). */
const char *store_schema_step(int from);

/* The connection settings (WAL, synchronous, ...) and the SQL functions
 * the schema uses. Returns 0 or -1. */
int store_settings(struct store *store);
/* Applies the migrations the database lacks. Returns 0 or -1. */
int store_migrate(struct store *store);

/* A growing string for joining the texts of parts. */
struct store_buf {
	char *s;
	size_t len, cap;
};

/*
 * One part as the join sees it: its user data when it has some, else its
 * text. Fields read from the table are owned by the group.
 */
struct store_piece {
	int no;                  /* part number */
	int coding;              /* enum store_coding */
	const unsigned char *data; /* NULL: text only */
	size_t len;
	const char *text;
	int malformed;
};

/*
 * The text of a message made of the n pieces (in part order) into b, and
 * in *malformed whether some of it could not be decoded (store_join.c).
 * Returns 0, or -1 when out of memory.
 */
int store_join_text(const struct store_piece *p, int n, struct store_buf *b,
    int *malformed);
/* Gives a piece stored before schema 7 (text only) the data its text
 * stands for (store_join.c). 0, or -1 when out of memory. */
int store_piece_legacy(struct store_piece *p);

/* ---- the file (store_file.c) ------------------------------------------ */

/* Sets *fault, fills err from fmt. Returns -1. */
int store_refuse(enum store_fault *fault, enum store_fault what, char *err,
    size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The fault an errno stands for, told with path and what was being done
 * ("open", "create"). Returns -1. */
int store_refuse_errno(enum store_fault *fault, int errnum, const char *path,
    const char *what, char *err, size_t errlen);
/* Likewise from the last error of db (may be NULL: out of memory), with
 * the errno SQLite saw. Returns -1. */
int store_refuse_sqlite(enum store_fault *fault, sqlite3 *db,
    const char *path, const char *what, char *err, size_t errlen);

/*
 * Checks the file at path before SQLite opens it, and creates a database
 * there when flags has STORE_CREATE and none ever was. Returns a read-only
 * descriptor of the file (it starts like an SQLite database), or -1 with
 * *fault and err set.
 */
int store_open_file(const char *path, int flags, enum store_fault *fault,
    char *err, size_t errlen);

/* Writes the marker beside the database at path, when it is missing.
 * Failures are ignored: the marker is a safeguard. */
void store_mark(const char *path);

/* The columns of an outbox row, as store_out_row() reads them (schema 10:
 * modem, and 16: taken_until, last); store_outbox.c and store_modem.c select them. */
#define STORE_OUT_COLS \
	"id, number, text, state, kind, attempts, created_at, next_at," \
	" sent_at, (SELECT group_concat(ref, ',') FROM (SELECT ref" \
	" FROM sent_parts WHERE outbox_id = outbox.id ORDER BY part_no))," \
	" last_error, in_reply_to, delivery, delivered_at," \
	" (SELECT count(*) FROM sent_parts WHERE outbox_id = outbox.id)," \
	" modem, taken_until"

struct store_out;
/* Fills out from a row of STORE_OUT_COLS; strings borrowed from stmt. */
void store_out_row(sqlite3_stmt *stmt, struct store_out *out);

#endif
