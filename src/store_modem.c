/*
 * store_modem: several modems on one gateway (schema 10).
 *
 * Each modem's process writes its own row of modems: what shukherctl
 * status shows per modem, and down_since, from which the other modems
 * tell when to take its queued messages (gateway_send.c decides; this
 * only reads and writes). A modem's sends of a day are counted from the
 * outbox (sent rows carry their modem), so that the count survives a
 * restart and never drifts from what was sent. Claiming a queued row
 * compares and sets its modem, in the caller's transaction or one of its
 * own, so that of two processes that want one row only one gets it; a
 * row taken from another modem starts again from its first part.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

int
store_modem_put(struct store *store, const char *name,
    const struct store_modem_state *st, int64_t down_since)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT OR REPLACE INTO modems (name,"
	    " connected, since, operator_name, signal_dbm, signal_percent,"
	    " sim_used, sim_total, last_error, last_error_at, updated_at,"
	    " down_since) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
	    " ?11, ?12)", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, name);
	sqlite3_bind_int(stmt, 2, st->connected);
	sqlite3_bind_int64(stmt, 3, st->since);
	sqlite3_bind_text(stmt, 4, st->operator_name,
	    (int)strnlen(st->operator_name, sizeof(st->operator_name)),
	    SQLITE_STATIC);
	sqlite3_bind_int(stmt, 5, st->signal_dbm);
	sqlite3_bind_int(stmt, 6, st->signal_percent);
	sqlite3_bind_int(stmt, 7, st->sim_used);
	sqlite3_bind_int(stmt, 8, st->sim_total);
	sqlite3_bind_text(stmt, 9, st->last_error,
	    (int)strnlen(st->last_error, sizeof(st->last_error)),
	    SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 10, st->last_error_at);
	sqlite3_bind_int64(stmt, 11, st->updated_at);
	sqlite3_bind_int64(stmt, 12, down_since);
	return store_step_done(store, stmt, "put modem") == -1 ? -1 : 0;
}

/* Fills m from a row of store_modem_list()'s query. */
static void
store_modem_row(sqlite3_stmt *stmt, struct store_modem *m)
{
	struct store_modem_state *st = &m->state;

	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", store_col_str(stmt, 0));
	st->connected = sqlite3_column_int(stmt, 1);
	st->since = sqlite3_column_int64(stmt, 2);
	snprintf(st->operator_name, sizeof(st->operator_name), "%s",
	    store_col_str(stmt, 3));
	st->signal_dbm = sqlite3_column_int(stmt, 4);
	st->signal_percent = sqlite3_column_int(stmt, 5);
	st->sim_used = sqlite3_column_int(stmt, 6);
	st->sim_total = sqlite3_column_int(stmt, 7);
	snprintf(st->last_error, sizeof(st->last_error), "%s",
	    store_col_str(stmt, 8));
	st->last_error_at = sqlite3_column_int64(stmt, 9);
	st->updated_at = sqlite3_column_int64(stmt, 10);
	m->down_since = sqlite3_column_int64(stmt, 11);
	m->sent_today = sqlite3_column_int(stmt, 12);
}

/* A row of store_modem_list()'s query to its callback. */
struct store_modem_each {
	store_modem_cb cb;
	void *arg;
};

static int
store_modem_each_row(sqlite3_stmt *stmt, void *arg)
{
	struct store_modem_each *e = arg;
	struct store_modem m;

	store_modem_row(stmt, &m);
	return e->cb(e->arg, &m) != 0;
}

int
store_modem_list(struct store *store, int64_t day_start, store_modem_cb cb,
    void *arg)
{
	struct store_modem_each e = { cb, arg };

	return store_rows(store, "SELECT name, connected, since,"
	    " operator_name, signal_dbm, signal_percent, sim_used, sim_total,"
	    " last_error, last_error_at, updated_at, down_since,"
	    " (SELECT count(*) FROM outbox WHERE outbox.modem = modems.name"
	    "  AND state = 'sent' AND sent_at >= ?1)"
	    " FROM modems ORDER BY name", store_bind_id, &day_start,
	    store_modem_each_row, &e, "list modems") < 0 ? -1 : 0;
}

int
store_modem_sent(struct store *store, const char *name, int64_t since)
{
	sqlite3_stmt *stmt;
	int64_t n;

	if (store_prepare(store, "SELECT count(*) FROM outbox WHERE modem = ?1"
	    " AND state = 'sent' AND sent_at >= ?2", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, name);
	sqlite3_bind_int64(stmt, 2, since);
	if (store_step_int64(store, stmt, 0, &n) == -1)
		return -1;
	return (int)n;
}

/* The parts of row id another modem sent: they carry its number and its
 * references, so the phone cannot join them to the new modem's. */
static int
store_outbox_unpart(struct store *store, int64_t id)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "DELETE FROM sent_parts WHERE outbox_id = ?1",
	    &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return store_step_done(store, stmt, "forget another modem's parts");
}

int
store_outbox_claim(struct store *store, int64_t id, const char *expect,
    const char *modem, int64_t until)
{
	sqlite3_stmt *stmt;
	int own, rc;

	if (store_tx_enter(store, &own) == -1)
		return -1;
	if (store_prepare(store, "UPDATE outbox SET modem = ?3, taken_until = ?4"
	    " WHERE id = ?1 AND state = 'queued' AND modem IS ?2",
	    &stmt) == -1)
		return store_tx_leave(store, own, -1);
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_str(stmt, 2, expect);
	store_bind_str(stmt, 3, modem);
	sqlite3_bind_int64(stmt, 4, until);
	rc = store_step_done(store, stmt, "claim a message");
	if (rc > 0 && expect != NULL && strcmp(expect, modem) != 0 &&
	    store_outbox_unpart(store, id) < 0)
		rc = -1;
	return store_tx_leave(store, own, rc);
}
