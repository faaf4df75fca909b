/*
 * store_uplink: the gateway's side of the central fleet, the tables of
 * schema 12 (uplink_queue, uplink_applied, uplink_state).
 *
 * Triggers fill uplink_queue as the daemon, shukherctl and the console
 * change what the central server is told of; shukher-uplink reads it in
 * order through store_uplink_events(), sends a batch, and only once the
 * central server has committed it deletes the batch here
 * (store_uplink_done()). A crash in between sends the batch again, which
 * the central server's keys (gateway, seq) turn into nothing: nothing is
 * missed and nothing is counted twice. What an event carries is read from
 * its row when it is sent, sealed as the row holds it; a report's number
 * and text are never read here, and neither is a clear timeline text.
 * A purged report is an event of its own ('purge', its id: schema 17), so
 * that the central server forgets it too.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_uplink.h"
#include "store_int.h"

/* The queue with each event's row, by kind; a row deleted since leaves
 * its columns NULL (gone). A 'purge' (schema 17) names a deleted report
 * by its id alone: never gone. */
#define STORE_UPLINK_SQL \
	"SELECT q.seq, q.kind, q.row_id, q.day, q.keyword," \
	" r.ref, r.status, r.urgent, r.created_at, r.closed_at, r.sealed," \
	" r.key_id, r.claimed_by, r.claimed_at," \
	" e.report_id, e.at, e.kind, e.actor, e.body, e.key_id," \
	" a.at, a.actor, a.via, a.action, a.report_id, a.report_ref," \
	" a.detail, s.count," \
	" (q.kind = 'purge' OR r.id IS NOT NULL OR e.id IS NOT NULL" \
	"  OR a.id IS NOT NULL" \
	"  OR s.count IS NOT NULL)" \
	" FROM uplink_queue q" \
	" LEFT JOIN reports r ON q.kind IN ('report', 'report_state')" \
	"  AND r.id = q.row_id" \
	" LEFT JOIN report_entries e ON q.kind = 'entry' AND e.id = q.row_id" \
	" LEFT JOIN audit a ON q.kind = 'audit' AND a.id = q.row_id" \
	" LEFT JOIN stats s ON q.kind = 'stat' AND s.day = q.day" \
	"  AND s.keyword = q.keyword" \
	" WHERE q.seq > ?1 ORDER BY q.seq LIMIT ?2"

/* A column as a string or NULL, borrowed until the next step. */
static const char *
store_uplink_str(sqlite3_stmt *stmt, int col)
{
	return sqlite3_column_type(stmt, col) == SQLITE_NULL ? NULL :
	    (const char *)sqlite3_column_text(stmt, col);
}

static void
store_uplink_row(sqlite3_stmt *stmt, struct store_uplink_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->seq = sqlite3_column_int64(stmt, 0);
	ev->kind = store_col_str(stmt, 1);
	ev->row_id = sqlite3_column_int64(stmt, 2);
	ev->day = store_uplink_str(stmt, 3);
	ev->keyword = store_uplink_str(stmt, 4);
	ev->ref = store_uplink_str(stmt, 5);
	ev->status = store_uplink_str(stmt, 6);
	ev->urgent = sqlite3_column_int(stmt, 7);
	ev->created_at = sqlite3_column_int64(stmt, 8);
	ev->closed_at = sqlite3_column_int64(stmt, 9);
	ev->key_id = store_uplink_str(stmt, 11);
	/* Only sealed: a clear report's blob column is NULL anyway. */
	if (ev->key_id != NULL && ev->key_id[0] != '\0') {
		ev->sealed = sqlite3_column_blob(stmt, 10);
		ev->sealed_len = (size_t)sqlite3_column_bytes(stmt, 10);
	}
	ev->claimed_by = store_uplink_str(stmt, 12);
	ev->claimed_at = sqlite3_column_int64(stmt, 13);
	ev->report_id = sqlite3_column_int64(stmt, 14);
	ev->at = sqlite3_column_int64(stmt, 15);
	ev->entry_kind = store_uplink_str(stmt, 16);
	ev->actor = store_uplink_str(stmt, 17);
	ev->body_key_id = store_uplink_str(stmt, 19);
	if (ev->body_key_id != NULL && ev->body_key_id[0] != '\0') {
		ev->body = sqlite3_column_blob(stmt, 18);
		ev->body_len = (size_t)sqlite3_column_bytes(stmt, 18);
	}
	if (strcmp(ev->kind, "audit") == 0) {
		ev->at = sqlite3_column_int64(stmt, 20);
		ev->actor = store_uplink_str(stmt, 21);
		ev->via = store_uplink_str(stmt, 22);
		ev->action = store_uplink_str(stmt, 23);
		ev->report_id = sqlite3_column_int64(stmt, 24);
		ev->ref = store_uplink_str(stmt, 25);
		ev->detail = store_uplink_str(stmt, 26);
	}
	ev->count = sqlite3_column_int64(stmt, 27);
	ev->gone = !sqlite3_column_int(stmt, 28);
}

int
store_uplink_events(struct store *store, int64_t after, int limit,
    store_uplink_cb cb, void *arg)
{
	struct store_uplink_event ev;
	sqlite3_stmt *stmt;
	int rc, n = 0;

	if (store_prepare(store, STORE_UPLINK_SQL, &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, after);
	sqlite3_bind_int(stmt, 2, limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		store_uplink_row(stmt, &ev);
		n++;
		if (cb(arg, &ev) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(store, "uplink events");
		n = -1;
	}
	sqlite3_finalize(stmt);
	return n;
}

/* What was there before the uplink's first start, in an order that puts
 * each report before its timeline. */
static const char store_uplink_backfill[] =
	"INSERT INTO uplink_queue (kind, row_id)"
	" SELECT 'report', id FROM reports ORDER BY id;"
	"INSERT INTO uplink_queue (kind, row_id)"
	" SELECT 'entry', id FROM report_entries ORDER BY id;"
	"INSERT INTO uplink_queue (kind, row_id)"
	" SELECT 'audit', id FROM audit ORDER BY id;"
	"INSERT INTO uplink_queue (kind, day, keyword)"
	" SELECT 'stat', day, keyword FROM stats ORDER BY day, keyword;"
	"INSERT INTO uplink_state (id, connected, last_ok, last_error,"
	" updated_at) VALUES (1, 0, 0, '', CAST(strftime('%s') AS INTEGER));";

int
store_uplink_start(struct store *store)
{
	char *msg = NULL;
	int64_t started;
	sqlite3_stmt *stmt;
	int own;

	if (store_tx_enter(store, &own) == -1)
		return -1;
	if (store_prepare(store, "SELECT count(*) FROM uplink_state",
	    &stmt) == -1 || store_step_int64(store, stmt, 0, &started) == -1)
		return store_tx_leave(store, own, -1);
	if (started)
		return store_tx_leave(store, own, 0);
	if (sqlite3_exec(store->db, store_uplink_backfill, NULL, NULL,
	    &msg) != SQLITE_OK) {
		sqlite3_free(msg);
		store_fail(store, "uplink start");
		return store_tx_leave(store, own, -1);
	}
	return store_tx_leave(store, own, 1);
}

int
store_uplink_done(struct store *store, int64_t upto)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "DELETE FROM uplink_queue WHERE seq <= ?1",
	    &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, upto);
	return store_step_done(store, stmt, "uplink done") < 0 ? -1 : 0;
}

int
store_uplink_pending(struct store *store, int64_t *out)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "SELECT count(*) FROM uplink_queue",
	    &stmt) == -1)
		return -1;
	return store_step_int64(store, stmt, 0, out);
}

int
store_uplink_state_put(struct store *store,
    const struct store_uplink_state *st)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT OR REPLACE INTO uplink_state"
	    " (id, connected, last_ok, last_error, updated_at)"
	    " VALUES (1, ?1, ?2, ?3, ?4)", &stmt) == -1)
		return -1;
	sqlite3_bind_int(stmt, 1, st->connected);
	sqlite3_bind_int64(stmt, 2, st->last_ok);
	store_bind_str(stmt, 3, st->last_error);
	sqlite3_bind_int64(stmt, 4, st->updated_at);
	return store_step_done(store, stmt, "uplink state") < 0 ? -1 : 0;
}

int
store_uplink_state_get(struct store *store, struct store_uplink_state *st)
{
	sqlite3_stmt *stmt;
	int rc, found = 0;

	memset(st, 0, sizeof(*st));
	if (store_prepare(store, "SELECT connected, last_ok, last_error,"
	    " updated_at FROM uplink_state WHERE id = 1", &stmt) == -1)
		return -1;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		st->connected = sqlite3_column_int(stmt, 0);
		st->last_ok = sqlite3_column_int64(stmt, 1);
		snprintf(st->last_error, sizeof(st->last_error), "%s",
		    store_col_str(stmt, 2));
		st->updated_at = sqlite3_column_int64(stmt, 3);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		sqlite3_finalize(stmt);
		return store_fail(store, "uplink state");
	}
	sqlite3_finalize(stmt);
	return found;
}

int
store_uplink_applied(struct store *store, int64_t command_id, char *result,
    size_t resultlen)
{
	sqlite3_stmt *stmt;
	int rc, found = 0;

	if (store_prepare(store, "SELECT result FROM uplink_applied"
	    " WHERE command_id = ?1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, command_id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (result != NULL && resultlen > 0)
			snprintf(result, resultlen, "%s",
			    store_col_str(stmt, 0));
		found = 1;
	} else if (rc != SQLITE_DONE) {
		sqlite3_finalize(stmt);
		return store_fail(store, "uplink applied");
	}
	sqlite3_finalize(stmt);
	return found;
}

int
store_uplink_box_once(struct store *store, const unsigned char *nonce,
    size_t len)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT OR IGNORE INTO uplink_replies (nonce)"
	    " VALUES (?1)", &stmt) == -1)
		return -1;
	sqlite3_bind_blob(stmt, 1, nonce, (int)len, SQLITE_STATIC);
	return store_step_done(store, stmt, "uplink box");
}

int
store_uplink_apply_mark(struct store *store, int64_t command_id,
    const char *result, int64_t now)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT INTO uplink_applied (command_id, at,"
	    " result) VALUES (?1, ?2, ?3)", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, command_id);
	sqlite3_bind_int64(stmt, 2, now);
	store_bind_str(stmt, 3, result);
	return store_step_done(store, stmt, "uplink applied") < 0 ? -1 : 0;
}
