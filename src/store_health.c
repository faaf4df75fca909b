/*
 * store_health: the tables of the gateway's health (schema 10): the SIMs'
 * credit (per modem since schema 14) and the health conditions' states,
 * and the counts of the daily summary. The decisions are include/health.h's; this only keeps them.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_health.h"
#include "store_int.h"

/* Marks modem's row as the first modem's, and no other but the row kept
 * from before schema 14 (which the first's own row outranks). */
static int
store_credit_first(struct store *store, const char *modem)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "UPDATE credit SET first = (modem = ?1)"
	    " WHERE modem != '' AND first != (modem = ?1)", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, modem);
	return store_step_done(store, stmt, "mark the first credit") == -1 ?
	    -1 : 0;
}

int
store_credit_put(struct store *store, const char *modem, int first,
    int64_t amount, const char *answer, int64_t now)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT OR REPLACE INTO credit (modem,"
	    " amount, at, answer, checked_at, error, first) VALUES (?4, ?1,"
	    " ?2, ?3, ?2, '', ?5)", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, amount);
	sqlite3_bind_int64(stmt, 2, now);
	store_bind_str(stmt, 3, answer != NULL ? answer : "");
	store_bind_str(stmt, 4, modem);
	sqlite3_bind_int(stmt, 5, first != 0);
	if (store_step_done(store, stmt, "put credit") == -1)
		return -1;
	return first ? store_credit_first(store, modem) : 0;
}

int
store_credit_failed(struct store *store, const char *modem, int first,
    const char *error, const char *answer, int64_t now)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT INTO credit (modem, checked_at,"
	    " error, answer, first) VALUES (?4, ?1, ?2, coalesce(?3, ''), ?5)"
	    " ON CONFLICT (modem) DO UPDATE SET"
	    " checked_at = excluded.checked_at, error = excluded.error,"
	    " answer = coalesce(?3, answer), first = excluded.first",
	    &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, now);
	store_bind_str(stmt, 2, error != NULL ? error : "");
	store_bind_str(stmt, 3, answer);
	store_bind_str(stmt, 4, modem);
	sqlite3_bind_int(stmt, 5, first != 0);
	if (store_step_done(store, stmt, "credit failure") == -1)
		return -1;
	return first ? store_credit_first(store, modem) : 0;
}

int
store_credit_get(struct store *store, const char *modem, int first,
    struct store_credit *out)
{
	sqlite3_stmt *stmt;
	int rc;

	memset(out, 0, sizeof(*out));
	/* the modem's own row (NULL: the first's) before the one kept from
	 * schema 13 */
	if (store_prepare(store, "SELECT amount, at, answer, checked_at, error"
	    " FROM credit WHERE modem = ?1 OR (?1 IS NULL AND first = 1)"
	    " OR (?2 AND modem = '') ORDER BY modem = '' LIMIT 1",
	    &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, modem);
	sqlite3_bind_int(stmt, 2, first != 0);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		out->known = sqlite3_column_type(stmt, 0) != SQLITE_NULL;
		out->amount = sqlite3_column_int64(stmt, 0);
		out->at = sqlite3_column_int64(stmt, 1);
		snprintf(out->answer, sizeof(out->answer), "%s",
		    store_col_str(stmt, 2));
		out->checked_at = sqlite3_column_int64(stmt, 3);
		snprintf(out->error, sizeof(out->error), "%s",
		    store_col_str(stmt, 4));
	} else if (rc != SQLITE_DONE)
		store_fail(store, "get credit");
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_health_put(struct store *store, const struct store_health *h)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT OR REPLACE INTO health (name, open,"
	    " since, alerted_at, told, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	    &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, h->name);
	sqlite3_bind_int(stmt, 2, h->open);
	sqlite3_bind_int64(stmt, 3, h->since);
	sqlite3_bind_int64(stmt, 4, h->alerted_at);
	sqlite3_bind_int(stmt, 5, h->told);
	store_bind_str(stmt, 6, h->detail);
	return store_step_done(store, stmt, "put health") == -1 ? -1 : 0;
}

/* The current row of stmt (name, open, since, alerted_at, told, detail). */
static void
store_health_row(sqlite3_stmt *stmt, struct store_health *h)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", store_col_str(stmt, 0));
	h->open = sqlite3_column_int(stmt, 1);
	h->since = sqlite3_column_int64(stmt, 2);
	h->alerted_at = sqlite3_column_int64(stmt, 3);
	h->told = sqlite3_column_int(stmt, 4);
	snprintf(h->detail, sizeof(h->detail), "%s", store_col_str(stmt, 5));
}

int
store_health_get(struct store *store, const char *name,
    struct store_health *out)
{
	sqlite3_stmt *stmt;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	if (store_prepare(store, "SELECT name, open, since, alerted_at, told,"
	    " detail FROM health WHERE name = ?1", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, name);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		store_health_row(stmt, out);
	else if (rc != SQLITE_DONE)
		store_fail(store, "get health");
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_health_list_open(struct store *store, store_health_cb cb, void *arg)
{
	struct store_health h;
	sqlite3_stmt *stmt;
	int rc;

	if (store_prepare(store, "SELECT name, open, since, alerted_at, told,"
	    " detail FROM health WHERE open = 1 ORDER BY since, name",
	    &stmt) == -1)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		store_health_row(stmt, &h);
		if (cb(arg, &h) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		store_fail(store, "list health");
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_day_counts(struct store *store, int64_t since,
    struct store_day_counts *out)
{
	sqlite3_stmt *stmt;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(store, "SELECT"
	    " (SELECT count(*) FROM messages WHERE received_at >= ?1),"
	    " (SELECT count(*) FROM outbox WHERE state = 'sent'"
	    "  AND sent_at >= ?1),"
	    " (SELECT count(*) FROM outbox WHERE state = 'failed'"
	    "  AND next_at >= ?1),"
	    " (SELECT count(*) FROM reports WHERE created_at >= ?1)",
	    &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, since);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		out->in = sqlite3_column_int(stmt, 0);
		out->out = sqlite3_column_int(stmt, 1);
		out->failed = sqlite3_column_int(stmt, 2);
		out->reports = sqlite3_column_int(stmt, 3);
	} else
		store_fail(store, "day counts");
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : -1;
}
