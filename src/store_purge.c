/*
 * store_purge: retention, the SQL that makes the device forget.
 *
 * Three kinds of rows go once they are old enough: closed reports (with
 * their timelines and windows, which the foreign keys take along), the
 * number and text of handled inbound messages, and the number and text of
 * outbox rows that were sent or failed. Rows are blanked in place where
 * something else still counts on them (the message's keyword and times,
 * a part's digest that recognises a message read twice, an outbox row's
 * state) and deleted where nothing does. Statistics hold no personal data
 * and are never touched; nor are contacts, whose opt-outs must last.
 *
 * Each kind is one predicate, used both to count (a dry run) and to act,
 * so that a dry run shows exactly what the real run does. With
 * secure_delete on, the old bytes are zeroed in the database; the caller
 * then truncates the WAL so that they leave it too.
 */
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

#define STORE_DAY 86400

/* Closed reports closed before ?1. */
#define STORE_PURGE_REPORTS \
	"status = 'closed' AND closed_at > 0 AND closed_at < ?1"
/* Handled messages handled before ?1 that still hold a number or text. */
#define STORE_PURGE_MESSAGES \
	"handled_at IS NOT NULL AND handled_at < ?1" \
	" AND (sender != '' OR text != '')"
/* Sent or failed outbox rows, done before ?1, still holding something. */
#define STORE_PURGE_OUTBOX \
	"state IN ('sent', 'failed') AND max(created_at, sent_at) < ?1" \
	" AND (number != '' OR text != '')"

/* One kind of purge: what to count, what to do first, what to do. */
struct store_purge_kind {
	const char *count;       /* SELECT count(*) ... */
	const char *before;      /* NULL, or a statement run first */
	const char *act;         /* the statement whose changes count */
};

static const struct store_purge_kind store_purge_kinds[] = {
	{ "SELECT count(*) FROM reports WHERE " STORE_PURGE_REPORTS,
	  /* Their acknowledgements, alerts and replies, once sent: the
	   * timeline that pointed at them goes. */
	  "UPDATE outbox SET number = '', text = ''"
	  " WHERE state IN ('sent', 'failed') AND id IN"
	  " (SELECT outbox_id FROM report_entries WHERE report_id IN"
	  " (SELECT id FROM reports WHERE " STORE_PURGE_REPORTS "))",
	  "DELETE FROM reports WHERE " STORE_PURGE_REPORTS },
	{ "SELECT count(*) FROM messages WHERE " STORE_PURGE_MESSAGES,
	  /* Parts keep their digest, so that a part the modem gives
	   * again is still known; sender and text go. */
	  "UPDATE parts SET sender = '', text = ''"
	  " WHERE (sender != '' OR text != '') AND message_id IN"
	  " (SELECT id FROM messages WHERE handled_at IS NOT NULL"
	  " AND handled_at < ?1)",
	  "UPDATE messages SET sender = '', text = ''"
	  " WHERE " STORE_PURGE_MESSAGES },
	{ "SELECT count(*) FROM outbox WHERE " STORE_PURGE_OUTBOX,
	  NULL,
	  "UPDATE outbox SET number = '', text = ''"
	  " WHERE " STORE_PURGE_OUTBOX },
};

#define STORE_PURGE_NKINDS \
	(sizeof(store_purge_kinds) / sizeof(store_purge_kinds[0]))

void
store_retention_days(struct store_retention *out, int reports_days,
    int inbox_days, int outbox_days, int64_t now)
{
	memset(out, 0, sizeof(*out));
	if (reports_days > 0)
		out->reports_before = now - (int64_t)reports_days * STORE_DAY;
	if (inbox_days > 0)
		out->inbox_before = now - (int64_t)inbox_days * STORE_DAY;
	if (outbox_days > 0)
		out->outbox_before = now - (int64_t)outbox_days * STORE_DAY;
}

/* Runs sql with before bound to ?1. Returns the rows changed, or -1. */
static int
store_purge_run(struct store *store, const char *sql, int64_t before)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, sql, &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, before);
	return store_step_done(store, stmt, "purge");
}

/* Counts what sql (a count(*)) finds before before. Returns it, or -1. */
static int
store_purge_count(struct store *store, const char *sql, int64_t before)
{
	sqlite3_stmt *stmt;
	int64_t n;

	if (store_prepare(store, sql, &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, before);
	if (store_step_int64(store, stmt, 0, &n) == -1)
		return -1;
	return (int)n;
}

/*
 * Counts each kind into n, in one read transaction (one snapshot, so that
 * the counts belong together; no write lock, so the daemon never waits).
 * Returns 0 or -1.
 */
static int
store_purge_dry(struct store *store, const int64_t *before, int *n)
{
	size_t i;
	int own = sqlite3_get_autocommit(store->db), rc = 0;

	if (own && sqlite3_exec(store->db, "BEGIN", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return store_fail(store, "begin");
	for (i = 0; i < STORE_PURGE_NKINDS && rc == 0; i++)
		if (before[i] > 0 && (n[i] = store_purge_count(store,
		    store_purge_kinds[i].count, before[i])) < 0)
			rc = -1;
	if (own)
		store_rollback(store);
	return rc;
}

/* Does each kind, counting into n, in the caller's transaction. */
static int
store_purge_do(struct store *store, const int64_t *before, int *n)
{
	const struct store_purge_kind *k;
	size_t i;

	for (i = 0; i < STORE_PURGE_NKINDS; i++) {
		k = &store_purge_kinds[i];
		if (before[i] <= 0)
			continue;
		if (k->before != NULL &&
		    store_purge_run(store, k->before, before[i]) < 0)
			return -1;
		if ((n[i] = store_purge_run(store, k->act, before[i])) < 0)
			return -1;
	}
	return 0;
}

int
store_purge(struct store *store, const struct store_retention *ret,
    int dry_run, struct store_purged *out)
{
	const int64_t before[STORE_PURGE_NKINDS] = { ret->reports_before,
	    ret->inbox_before, ret->outbox_before };
	int n[STORE_PURGE_NKINDS] = { 0 };
	int own, rc;

	memset(out, 0, sizeof(*out));
	if (before[0] <= 0 && before[1] <= 0 && before[2] <= 0)
		return 0;           /* nothing may go: no transaction */
	if (dry_run)
		rc = store_purge_dry(store, before, n);
	else {
		if (store_tx_enter(store, &own) == -1)
			return -1;
		rc = store_tx_leave(store, own, store_purge_do(store, before,
		    n));
	}
	if (rc < 0)
		return -1;
	out->reports = n[0];
	out->messages = n[1];
	out->outbox = n[2];
	return 0;
}
