/*
 * store_case: what the caseworkers' side of a report needs from the
 * database (schema 2) beside the report itself (store_report.c): the
 * windows that tie a number's next message to a report, the device
 * secret, and the caseworkers' wrong PINs.
 *
 * Nothing here ever holds a number in the clear: windows are keyed by a
 * hash of the number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <sodium.h>

#include "store.h"
#include "store_int.h"

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
