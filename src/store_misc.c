/*
 * store_misc: contacts, statistics, the modem's state and the counts that
 * shukherctl status shows.
 *
 * Contacts hold what the router must remember about a number (opt-out,
 * language, conversation state). Statistics hold a count per keyword per day
 * and nothing else: no number, no text. The modem state is one row the
 * daemon overwrites so that shukherctl can show it.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

/* Fills out for number; known = 0 and defaults for a number never seen.
 * Returns 0 or -1. */
int
store_contact_get(struct store *store, const char *number,
    struct store_contact *out)
{
	sqlite3_stmt *stmt;
	int rc;

	memset(out, 0, sizeof(*out));
	out->lang = -1;
	if (store_prepare(store, "SELECT opted_out, lang, state, state_at"
	    " FROM contacts WHERE number = ?1", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, number ? number : "");
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		out->known = 1;
		out->opted_out = sqlite3_column_int(stmt, 0);
		out->lang = sqlite3_column_int(stmt, 1);
		snprintf(out->state, sizeof(out->state), "%s",
		    store_col_str(stmt, 2));
		out->state_at = sqlite3_column_int64(stmt, 3);
	} else if (rc != SQLITE_DONE)
		store_fail(store, "get contact");
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Creates or replaces what we know of number (contact->known is ignored).
 * Returns 0 or -1. */
int
store_contact_put(struct store *store, const char *number,
    const struct store_contact *contact, int64_t now)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT INTO contacts (number, opted_out,"
	    " lang, state, state_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (number) DO UPDATE"
	    " SET opted_out = excluded.opted_out, lang = excluded.lang,"
	    " state = excluded.state, state_at = excluded.state_at,"
	    " updated_at = excluded.updated_at", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, number ? number : "");
	sqlite3_bind_int(stmt, 2, contact->opted_out != 0);
	sqlite3_bind_int(stmt, 3, contact->lang);
	sqlite3_bind_text(stmt, 4, contact->state,
	    (int)strnlen(contact->state, sizeof(contact->state)),
	    SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, contact->state_at);
	sqlite3_bind_int64(stmt, 6, now);
	return store_step_done(store, stmt, "put contact") == -1 ? -1 : 0;
}

/* Returns 0 or -1. */
int
store_stat_bump(struct store *store, const char *day, const char *keyword)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT INTO stats (day, keyword, count)"
	    " VALUES (?1, ?2, 1) ON CONFLICT (day, keyword)"
	    " DO UPDATE SET count = count + 1", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, day ? day : "");
	store_bind_str(stmt, 2, keyword ? keyword : "");
	return store_step_done(store, stmt, "bump statistics") == -1 ? -1 : 0;
}

/* Counts per day and keyword, oldest day first (the order of a report to
 * donors), keywords in order within a day. Returns 0 or -1. */
struct store_stat_list {
	const char *since_day, *until_day;
	store_stat_cb cb;
	void *arg;
};

static void
store_stat_list_bind(sqlite3_stmt *stmt, const void *arg)
{
	const struct store_stat_list *l = arg;

	store_bind_str(stmt, 1, l->since_day);
	store_bind_str(stmt, 2, l->until_day);
}

static int
store_stat_list_row(sqlite3_stmt *stmt, void *arg)
{
	struct store_stat_list *l = arg;

	return l->cb(l->arg, store_col_str(stmt, 0), store_col_str(stmt, 1),
	    sqlite3_column_int(stmt, 2)) != 0;
}

int
store_list_stats(struct store *store, const char *since_day,
    const char *until_day, store_stat_cb cb, void *arg)
{
	struct store_stat_list l = { since_day, until_day, cb, arg };

	return store_rows(store, "SELECT day, keyword, count FROM stats"
	    " WHERE (?1 IS NULL OR day >= ?1) AND (?2 IS NULL OR day <= ?2)"
	    " ORDER BY day, keyword", store_stat_list_bind, &l,
	    store_stat_list_row, &l, "list statistics") < 0 ? -1 : 0;
}

/* Binds a fixed-size text field of size bytes, NUL-terminated or full. */
static void
store_bind_field(sqlite3_stmt *stmt, int idx, const char *s, size_t size)
{
	sqlite3_bind_text(stmt, idx, s, (int)strnlen(s, size), SQLITE_STATIC);
}

/* Replaces the one modem state row. Returns 0 or -1. */
int
store_modem_state_put(struct store *store,
    const struct store_modem_state *st)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT OR REPLACE INTO modem_state (id,"
	    " connected, since, operator_name, signal_dbm, signal_percent,"
	    " sim_used, sim_total, last_error, last_error_at, updated_at,"
	    " network_time, network_boottime, boot_id)"
	    " VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
	    " ?13)",
	    &stmt) == -1)
		return -1;
	sqlite3_bind_int(stmt, 1, st->connected);
	sqlite3_bind_int64(stmt, 2, st->since);
	store_bind_field(stmt, 3, st->operator_name,
	    sizeof(st->operator_name));
	sqlite3_bind_int(stmt, 4, st->signal_dbm);
	sqlite3_bind_int(stmt, 5, st->signal_percent);
	sqlite3_bind_int(stmt, 6, st->sim_used);
	sqlite3_bind_int(stmt, 7, st->sim_total);
	store_bind_field(stmt, 8, st->last_error, sizeof(st->last_error));
	sqlite3_bind_int64(stmt, 9, st->last_error_at);
	sqlite3_bind_int64(stmt, 10, st->updated_at);
	sqlite3_bind_int64(stmt, 11, st->network_time);
	sqlite3_bind_int64(stmt, 12, st->network_boottime);
	store_bind_field(stmt, 13, st->boot_id, sizeof(st->boot_id));
	return store_step_done(store, stmt, "put modem state") == -1 ? -1 : 0;
}

int
store_modem_state_get(struct store *store, struct store_modem_state *st)
{
	sqlite3_stmt *stmt;
	int rc;

	memset(st, 0, sizeof(*st));
	st->signal_percent = st->sim_used = -1;
	if (store_prepare(store, "SELECT connected, since, operator_name,"
	    " signal_dbm, signal_percent, sim_used, sim_total, last_error,"
	    " last_error_at, updated_at, network_time, network_boottime,"
	    " boot_id FROM modem_state WHERE id = 1",
	    &stmt) == -1)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		st->connected = sqlite3_column_int(stmt, 0);
		st->since = sqlite3_column_int64(stmt, 1);
		snprintf(st->operator_name, sizeof(st->operator_name), "%s",
		    store_col_str(stmt, 2));
		st->signal_dbm = sqlite3_column_int(stmt, 3);
		st->signal_percent = sqlite3_column_int(stmt, 4);
		st->sim_used = sqlite3_column_int(stmt, 5);
		st->sim_total = sqlite3_column_int(stmt, 6);
		snprintf(st->last_error, sizeof(st->last_error), "%s",
		    store_col_str(stmt, 7));
		st->last_error_at = sqlite3_column_int64(stmt, 8);
		st->updated_at = sqlite3_column_int64(stmt, 9);
		st->network_time = sqlite3_column_int64(stmt, 10);
		st->network_boottime = sqlite3_column_int64(stmt, 11);
		snprintf(st->boot_id, sizeof(st->boot_id), "%s",
		    store_col_str(stmt, 12));
	} else if (rc != SQLITE_DONE)
		store_fail(store, "get modem state");
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Returns 0 or -1. */
int
store_counts(struct store *store, struct store_counts *out)
{
	int n[6];

	/* One statement: one snapshot, so that the counts belong together. */
	memset(out, 0, sizeof(*out));
	if (store_query_ints(store, "SELECT"
	    " (SELECT count(*) FROM messages WHERE handled_at IS NULL),"
	    " (SELECT count(*) FROM parts WHERE message_id IS NULL),"
	    " (SELECT count(*) FROM outbox WHERE state = 'queued'),"
	    " (SELECT count(*) FROM outbox WHERE state = 'failed'),"
	    " (SELECT count(*) FROM reports WHERE status = 'open'),"
	    " (SELECT count(*) FROM reports WHERE status = 'open'"
	    "  AND urgent = 1)", n, 6, "counts") == -1)
		return -1;
	out->inbox_new = n[0];
	out->parts_pending = n[1];
	out->outbox_queued = n[2];
	out->outbox_failed = n[3];
	out->reports_open = n[4];
	out->reports_urgent_open = n[5];
	return 0;
}
