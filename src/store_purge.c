/*
 * store_purge: retention, the policy and transaction that make the device
 * forget (the statements are the tables' owners').
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
 * so that a dry run shows exactly what the real run does: the predicate
 * and its statements live with the table's owner (store_report_purge(),
 * store_inbox_purge(), store_outbox_purge()). With secure_delete on, the
 * old bytes are zeroed in the database; the caller then truncates the WAL
 * so that they leave it too.
 */
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

#define STORE_DAY 86400

/* One kind of purge, done by the owner of its table (store_int.h). */
typedef int (*store_purge_fn)(struct store *store, int64_t before,
    int dry_run);

static const store_purge_fn store_purge_kinds[] = {
	store_report_purge, store_inbox_purge, store_outbox_purge,
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

int
store_purge_run(struct store *store, const char *sql, int64_t before)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, sql, &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, before);
	return store_step_done(store, stmt, "purge");
}

int
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

/* Does (or with dry_run counts) each kind whose before is set, into n. */
static int
store_purge_kinds_run(struct store *store, const int64_t *before, int *n,
    int dry_run)
{
	size_t i;

	for (i = 0; i < STORE_PURGE_NKINDS; i++)
		if (before[i] > 0 && (n[i] = store_purge_kinds[i](store,
		    before[i], dry_run)) < 0)
			return -1;
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
	/* A dry run counts in one read transaction (one snapshot, so that
	 * the counts belong together; no write lock, so the daemon never
	 * waits); a real one acts in the caller's transaction. */
	if (dry_run) {
		if (store_snapshot_enter(store, &own) == -1)
			return -1;
		rc = store_snapshot_leave(store, own,
		    store_purge_kinds_run(store, before, n, 1));
	} else {
		if (store_tx_enter(store, &own) == -1)
			return -1;
		rc = store_tx_leave(store, own, store_purge_kinds_run(store,
		    before, n, 0));
	}
	if (rc < 0)
		return -1;
	out->reports = n[0];
	out->messages = n[1];
	out->outbox = n[2];
	return 0;
}
