/*
 * store_case: what the caseworkers' side of a report needs from the
 * database (schema 2): the timeline of each report, claims and alerts, the
 * windows that tie a number's next message to a report, the device secret,
 * the scrubbing of numbers and texts the daemon no longer needs, and the
 * caseworkers' wrong PINs.
 *
 * Nothing here ever holds a number in the clear for longer than the caller
 * asks: windows are keyed by a hash of the number, and scrubbing blanks
 * rows in place (with secure_delete on, the old bytes are zeroed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <sodium.h>

#include "store.h"
#include "store_int.h"

int64_t
store_report_entry_add(struct store *store,
    const struct store_report_entry *e)
{
	sqlite3_stmt *stmt;
	int rc;

	if (store_prepare(store, "INSERT INTO report_entries (report_id, at,"
	    " kind, actor, body, key_id, outbox_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, e->report_id);
	sqlite3_bind_int64(stmt, 2, e->at);
	store_bind_str(stmt, 3, e->kind);
	store_bind_str(stmt, 4, e->actor);
	if (e->body != NULL)
		sqlite3_bind_blob(stmt, 5, e->body, (int)e->body_len,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 5);
	store_bind_str(stmt, 6, e->key_id != NULL && e->key_id[0] != '\0' ?
	    e->key_id : NULL);
	if (e->outbox_id > 0)
		sqlite3_bind_int64(stmt, 7, e->outbox_id);
	else
		sqlite3_bind_null(stmt, 7);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_fail(store, "report entry");
	return sqlite3_last_insert_rowid(store->db);
}

struct store_entry_list {
	store_entry_cb cb;
	void *arg;
};

static int
store_entry_list_row(sqlite3_stmt *stmt, void *arg)
{
	struct store_entry_list *l = arg;
	struct store_report_entry e;

	e.id = sqlite3_column_int64(stmt, 0);
	e.report_id = sqlite3_column_int64(stmt, 1);
	e.at = sqlite3_column_int64(stmt, 2);
	e.kind = store_col_str(stmt, 3);
	e.actor = sqlite3_column_type(stmt, 4) == SQLITE_NULL ? NULL :
	    store_col_str(stmt, 4);
	e.body = sqlite3_column_blob(stmt, 5);
	e.body_len = (size_t)sqlite3_column_bytes(stmt, 5);
	e.key_id = sqlite3_column_type(stmt, 6) == SQLITE_NULL ? NULL :
	    store_col_str(stmt, 6);
	e.outbox_id = sqlite3_column_int64(stmt, 7);
	return l->cb(l->arg, &e) != 0;
}

int
store_report_entries(struct store *store, int64_t report_id,
    store_entry_cb cb, void *arg)
{
	struct store_entry_list l = { cb, arg };

	return store_rows(store, "SELECT id, report_id, at, kind, actor, body,"
	    " key_id, outbox_id FROM report_entries WHERE report_id = ?1"
	    " ORDER BY id", store_bind_id, &report_id, store_entry_list_row,
	    &l, "report entries") < 0 ? -1 : 0;
}

int
store_report_claim(struct store *store, int64_t id, const char *name,
    int64_t now)
{
	sqlite3_stmt *stmt;
	int n;

	if (store_prepare(store, "UPDATE reports SET claimed_by = ?2,"
	    " claimed_at = ?3 WHERE id = ?1 AND status = 'open'"
	    " AND claimed_at = 0", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_str(stmt, 2, name);
	sqlite3_bind_int64(stmt, 3, now);
	if ((n = store_step_done(store, stmt, "claim report")) == -1)
		return -1;
	return n > 0;
}

int
store_report_alerted(struct store *store, int64_t id, int alert_level,
    int64_t now)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "UPDATE reports SET alert_level = ?2,"
	    " alerted_at = ?3 WHERE id = ?1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, alert_level);
	sqlite3_bind_int64(stmt, 3, now);
	return store_step_done(store, stmt, "alerted") < 0 ? -1 : 0;
}

/* Ids into an array of max: what store_report_unclaimed() collects. */
struct store_ids {
	int64_t older_than;
	int64_t *ids;
	int n, max;
};

static void
store_ids_bind(sqlite3_stmt *stmt, const void *arg)
{
	const struct store_ids *l = arg;

	sqlite3_bind_int64(stmt, 1, l->older_than);
	sqlite3_bind_int(stmt, 2, l->max);
}

static int
store_ids_row(sqlite3_stmt *stmt, void *arg)
{
	struct store_ids *l = arg;

	l->ids[l->n++] = sqlite3_column_int64(stmt, 0);
	return l->n >= l->max;
}

int
store_report_unclaimed(struct store *store, int64_t older_than,
    int64_t *ids, int max)
{
	struct store_ids l = { older_than, ids, 0, max };

	if (max <= 0)
		return 0;
	return store_rows(store, "SELECT id FROM reports WHERE status = 'open'"
	    " AND urgent = 1 AND claimed_at = 0 AND alerted_at > 0"
	    " AND alerted_at <= ?1 ORDER BY alerted_at, id LIMIT ?2",
	    store_ids_bind, &l, store_ids_row, &l, "unclaimed reports");
}

int
store_report_relay(struct store *store, int64_t id, int64_t now,
    unsigned char **blob, size_t *len)
{
	sqlite3_stmt *stmt;
	const void *b;
	int rc, n;

	*blob = NULL;
	*len = 0;
	if (store_prepare(store, "SELECT relay FROM reports WHERE id = ?1"
	    " AND relay IS NOT NULL AND relay_until > ?2", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		b = sqlite3_column_blob(stmt, 0);
		n = sqlite3_column_bytes(stmt, 0);
		if (b != NULL && n > 0 && (*blob = malloc((size_t)n)) != NULL) {
			memcpy(*blob, b, (size_t)n);
			*len = (size_t)n;
		} else if (b != NULL && n > 0)
			rc = SQLITE_NOMEM;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_fail(store, "relay");
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return *blob != NULL;
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_report_relay_touch(struct store *store, int64_t id,
    int64_t relay_until)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "UPDATE reports SET relay_until ="
	    " max(relay_until, ?2) WHERE id = ?1 AND relay IS NOT NULL",
	    &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, relay_until);
	return store_step_done(store, stmt, "relay") < 0 ? -1 : 0;
}

int
store_link_get(struct store *store, const unsigned char *hash, int64_t now,
    int64_t *report_id, char *state, size_t statelen, int *lang)
{
	sqlite3_stmt *stmt;
	int rc;

	if (store_prepare(store, "SELECT report_id, state, lang FROM"
	    " report_links WHERE hash = ?1 AND expires_at > ?2", &stmt) == -1)
		return -1;
	sqlite3_bind_blob(stmt, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*report_id = sqlite3_column_int64(stmt, 0);
		snprintf(state, statelen, "%s", store_col_str(stmt, 1));
		*lang = sqlite3_column_int(stmt, 2);
	} else if (rc != SQLITE_DONE)
		store_fail(store, "report link");
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_link_put(struct store *store, const unsigned char *hash,
    int64_t report_id, const char *state, int lang, int64_t expires_at)
{
	sqlite3_stmt *stmt;

	/* An upsert, not a replace: the window keeps when its number last
	 * alerted the roster. */
	if (store_prepare(store, "INSERT INTO report_links (hash, report_id,"
	    " state, lang, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)"
	    " ON CONFLICT (hash) DO UPDATE SET report_id = excluded.report_id,"
	    " state = excluded.state, lang = excluded.lang,"
	    " expires_at = excluded.expires_at", &stmt) == -1)
		return -1;
	sqlite3_bind_blob(stmt, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
	if (report_id > 0)
		sqlite3_bind_int64(stmt, 2, report_id);
	else
		sqlite3_bind_null(stmt, 2);
	store_bind_str(stmt, 3, state);
	sqlite3_bind_int(stmt, 4, lang);
	sqlite3_bind_int64(stmt, 5, expires_at);
	return store_step_done(store, stmt, "report link") < 0 ? -1 : 0;
}

int
store_link_expire(struct store *store, int64_t now)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "DELETE FROM report_links WHERE"
	    " expires_at <= ?1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, now);
	return store_step_done(store, stmt, "expire links");
}

int
store_link_alert(struct store *store, const unsigned char *hash,
    int64_t since, int64_t now)
{
	sqlite3_stmt *stmt;
	int n;

	if (store_prepare(store, "UPDATE report_links SET alerted_at = ?3"
	    " WHERE hash = ?1 AND alerted_at < ?2", &stmt) == -1)
		return -1;
	sqlite3_bind_blob(stmt, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, since);
	sqlite3_bind_int64(stmt, 3, now);
	if ((n = store_step_done(store, stmt, "window alert")) == -1)
		return -1;
	return n > 0;
}

int
store_secret(struct store *store, const char *name, unsigned char *buf,
    size_t len)
{
	sqlite3_stmt *stmt;
	int rc, ok = 0;

	if (store_prepare(store, "SELECT value FROM secrets WHERE name = ?1",
	    &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, name);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && (size_t)sqlite3_column_bytes(stmt, 0) >= len) {
		memcpy(buf, sqlite3_column_blob(stmt, 0), len);
		ok = 1;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_fail(store, "secret");
	else if (!ok)
		store_failx(store, "secret: missing");
	sqlite3_finalize(stmt);
	return ok ? 0 : -1;
}

int
store_scrub_message(struct store *store, int64_t message_id)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "UPDATE messages SET sender = '', text = ''"
	    " WHERE id = ?1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, message_id);
	if (store_step_done(store, stmt, "scrub message") < 0)
		return -1;
	/* Parts keep their digest (schema 3), so that a part the modem
	 * gives again is still known; sender and text go. */
	if (store_prepare(store, "UPDATE parts SET sender = '', text = ''"
	    " WHERE message_id = ?1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, message_id);
	return store_step_done(store, stmt, "scrub parts") < 0 ? -1 : 0;
}

int
store_scrub_outbox(struct store *store)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "UPDATE outbox SET number = '', text = ''"
	    " WHERE state IN ('sent', 'failed')"
	    " AND (number != '' OR text != '') AND id IN"
	    " (SELECT outbox_id FROM report_entries WHERE outbox_id"
	    " IS NOT NULL)", &stmt) == -1)
		return -1;
	return store_step_done(store, stmt, "scrub outbox");
}

int
store_pin_get(struct store *store, const char *name, struct store_pin *out)
{
	sqlite3_stmt *stmt;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(store, "SELECT failures, locked_until, quiet_until,"
	    " warned FROM pin_failures WHERE name = ?1", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, name);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		out->failures = sqlite3_column_int(stmt, 0);
		out->locked_until = sqlite3_column_int64(stmt, 1);
		out->quiet_until = sqlite3_column_int64(stmt, 2);
		out->warned = sqlite3_column_int(stmt, 3);
	} else if (rc != SQLITE_DONE)
		store_fail(store, "pin failures");
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_pin_put(struct store *store, const char *name,
    const struct store_pin *pin)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT OR REPLACE INTO pin_failures (name,"
	    " failures, locked_until, quiet_until, warned)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, name);
	sqlite3_bind_int(stmt, 2, pin->failures);
	sqlite3_bind_int64(stmt, 3, pin->locked_until);
	sqlite3_bind_int64(stmt, 4, pin->quiet_until);
	sqlite3_bind_int(stmt, 5, pin->warned != 0);
	return store_step_done(store, stmt, "pin failures") < 0 ? -1 : 0;
}
