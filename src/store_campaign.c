/*
 * store_campaign: the campaign's tables (include/store_campaign.h).
 *
 * Numbers: a subscription keeps the number it sends to, and goes when the
 * person leaves or the series ends (a trigger counts it, so that the WAL
 * is emptied). A survey attempt never holds the number: only its keyed
 * hash, dropped with the attempt's window together with the number and
 * text of the messages sent to the respondent (survey_outbox), and the
 * inbox copies are scrubbed when each message is handled (route).
 *
 * Every SMS of the campaign in the outbox is tied to what queued it: a
 * series' to its subscription (series_outbox), a broadcast's to its
 * recipient (broadcast_recipients), a survey's to its attempt
 * (survey_outbox). By those ties a STOP fails what is still queued to
 * the number, and quiet hours hold what the scheduler queued.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_campaign.h"
#include "store_int.h"

/* Copies text column col into buf (len bytes). */
static void
store_ccopy(sqlite3_stmt *stmt, int col, char *buf, size_t len)
{
	snprintf(buf, len, "%s", store_col_str(stmt, col));
}

/* ---- subscriptions ------------------------------------------------------ */

int
store_sub_join(struct store *store, const char *number, const char *series,
    int lang, int sent, int64_t next_at, int64_t now)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT INTO subscriptions (number, series,"
	    " lang, sent, next_at, joined_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (number, series) DO NOTHING", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, number);
	store_bind_str(stmt, 2, series);
	sqlite3_bind_int(stmt, 3, lang);
	sqlite3_bind_int(stmt, 4, sent);
	sqlite3_bind_int64(stmt, 5, next_at);
	sqlite3_bind_int64(stmt, 6, now);
	return store_step_done(store, stmt, "join series");
}

int
store_sub_has(struct store *store, const char *number, const char *series)
{
	sqlite3_stmt *stmt;
	int64_t n;

	if (store_prepare(store, "SELECT count(*) FROM subscriptions"
	    " WHERE number = ?1 AND series = ?2", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, number);
	store_bind_str(stmt, 2, series);
	if (store_step_int64(store, stmt, 0, &n) == -1)
		return -1;
	return n > 0;
}

/* Fails number's (?1) rows still queued that are a series' or a
 * broadcast's SMS, with reason ?2 (a row on the wire meanwhile is still
 * recorded as sent); STORE_CANCEL_STOP a survey's too. */
#define STORE_CANCEL \
	"UPDATE outbox SET state = 'failed', last_error = ?2 WHERE" \
	" number = ?1 AND state = 'queued' AND (EXISTS (SELECT 1 FROM" \
	" series_outbox so WHERE so.outbox_id = outbox.id) OR EXISTS" \
	" (SELECT 1 FROM broadcast_recipients r WHERE" \
	" r.outbox_id = outbox.id)"
#define STORE_CANCEL_LEAVE STORE_CANCEL ")"
#define STORE_CANCEL_STOP STORE_CANCEL " OR EXISTS (SELECT 1 FROM" \
	" survey_outbox su WHERE su.outbox_id = outbox.id))"

/* Runs sql, one of the STORE_CANCEL_*, for number with reason. Returns
 * how many rows failed, or -1. */
static int
store_campaign_cancel(struct store *store, const char *sql,
    const char *number, const char *reason)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, sql, &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, number);
	store_bind_str(stmt, 2, reason);
	return store_step_done(store, stmt, "cancel campaign SMS");
}

int
store_campaign_stop(struct store *store, const char *number)
{
	return store_campaign_cancel(store, STORE_CANCEL_STOP, number,
	    "stopped");
}

int
store_sub_leave_all(struct store *store, const char *number)
{
	sqlite3_stmt *stmt;

	/* a series' or a broadcast's SMS may wait hours (a slot, a modem
	 * down, quiet hours): none may follow the leave word */
	if (store_campaign_cancel(store, STORE_CANCEL_LEAVE, number,
	    "the number left the series") < 0)
		return -1;
	if (store_prepare(store, "DELETE FROM subscriptions WHERE number = ?1",
	    &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, number);
	return store_step_done(store, stmt, "leave series");
}

/* Reads a subscription row (id, number, series, lang, sent, next_at). */
static void
store_sub_row(sqlite3_stmt *stmt, struct store_sub *s)
{
	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(stmt, 0);
	store_ccopy(stmt, 1, s->number, sizeof(s->number));
	store_ccopy(stmt, 2, s->series, sizeof(s->series));
	s->lang = sqlite3_column_int(stmt, 3);
	s->sent = sqlite3_column_int(stmt, 4);
	s->next_at = sqlite3_column_int64(stmt, 5);
}

/* Steps stmt into up to max subscriptions. Finalizes it. */
static int
store_sub_rows(struct store *store, sqlite3_stmt *stmt, struct store_sub *out,
    int max)
{
	int n = 0, rc;

	while (n < max && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		store_sub_row(stmt, &out[n++]);
	if (n < max && rc != SQLITE_DONE) {
		store_fail(store, "list subscriptions");
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	return n;
}

int
store_sub_due(struct store *store, int64_t now, struct store_sub *out,
    int max)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "SELECT id, number, series, lang, sent,"
	    " next_at FROM subscriptions WHERE next_at <= ?1"
	    " ORDER BY next_at, id LIMIT ?2", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_int(stmt, 2, max);
	return store_sub_rows(store, stmt, out, max);
}

int
store_sub_advance(struct store *store, int64_t id, int sent, int64_t next_at)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "UPDATE subscriptions SET sent = ?2,"
	    " next_at = ?3 WHERE id = ?1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, sent);
	sqlite3_bind_int64(stmt, 3, next_at);
	return store_step_done(store, stmt, "advance series") < 0 ? -1 : 0;
}

int
store_sub_delete(struct store *store, int64_t id)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "DELETE FROM subscriptions WHERE id = ?1",
	    &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return store_step_done(store, stmt, "end series") < 0 ? -1 : 0;
}

int
store_sub_outbox(struct store *store, const char *number, const char *series,
    int64_t outbox_id, int scheduled)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT OR IGNORE INTO series_outbox"
	    " (outbox_id, subscription_id, scheduled) SELECT ?3, id, ?4"
	    " FROM subscriptions WHERE number = ?1 AND series = ?2",
	    &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, number);
	store_bind_str(stmt, 2, series);
	sqlite3_bind_int64(stmt, 3, outbox_id);
	sqlite3_bind_int(stmt, 4, scheduled);
	return store_step_done(store, stmt, "series SMS");
}

int
store_sub_waiting(struct store *store, int64_t id, const char *number)
{
	sqlite3_stmt *stmt;
	int64_t n;

	/* the number too: an ended subscription's id may be taken again */
	if (store_prepare(store, "SELECT EXISTS (SELECT 1 FROM series_outbox"
	    " so JOIN outbox o ON o.id = so.outbox_id WHERE"
	    " so.subscription_id = ?1 AND o.state = 'queued' AND"
	    " o.number = ?2)", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_str(stmt, 2, number);
	if (store_step_int64(store, stmt, 0, &n) == -1)
		return -1;
	return n > 0;
}

int
store_sub_counts(struct store *store, store_sub_count_cb cb, void *arg)
{
	sqlite3_stmt *stmt;
	int rc;

	if (store_prepare(store, "SELECT series, lang, count(*) FROM"
	    " subscriptions GROUP BY series, lang ORDER BY series, lang",
	    &stmt) == -1)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if (cb(arg, store_col_str(stmt, 0), sqlite3_column_int(stmt, 1),
		    sqlite3_column_int(stmt, 2)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	if (rc != SQLITE_DONE)
		store_fail(store, "count subscriptions");
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_campaign_due(struct store *store, int64_t now)
{
	sqlite3_stmt *stmt;
	int64_t n;

	if (store_prepare(store, "SELECT EXISTS (SELECT 1 FROM subscriptions"
	    " WHERE next_at <= ?1) OR EXISTS (SELECT 1 FROM broadcasts"
	    " WHERE queued_at IS NULL AND at <= ?1)", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, now);
	if (store_step_int64(store, stmt, 0, &n) == -1)
		return -1;
	return n > 0;
}

/* ---- broadcasts --------------------------------------------------------- */

int64_t
store_broadcast_add(struct store *store, const char *series, const char *text,
    int64_t at, int64_t now)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT INTO broadcasts (series, text, at,"
	    " created_at) VALUES (?1, ?2, ?3, ?4)", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, series);
	store_bind_str(stmt, 2, text);
	sqlite3_bind_int64(stmt, 3, at);
	sqlite3_bind_int64(stmt, 4, now);
	if (store_step_done(store, stmt, "add broadcast") < 0)
		return -1;
	return sqlite3_last_insert_rowid(store->db);
}

void
store_broadcast_free(struct store_broadcast *b)
{
	free(b->text);
	b->text = NULL;
}

#define STORE_BROADCAST_COLS \
	"b.id, b.series, b.text, b.at, b.created_at, b.queued_at," \
	" (SELECT count(*) FROM broadcast_recipients r WHERE" \
	"  r.broadcast_id = b.id)," \
	" (SELECT count(*) FROM broadcast_recipients r JOIN outbox o ON" \
	"  o.id = r.outbox_id WHERE r.broadcast_id = b.id AND" \
	"  o.state = 'sent')," \
	" (SELECT count(*) FROM broadcast_recipients r JOIN outbox o ON" \
	"  o.id = r.outbox_id WHERE r.broadcast_id = b.id AND" \
	"  o.delivery = 'delivered')," \
	" (SELECT count(*) FROM broadcast_recipients r JOIN outbox o ON" \
	"  o.id = r.outbox_id WHERE r.broadcast_id = b.id AND" \
	"  o.state = 'failed')"

/* A broadcast row of STORE_BROADCAST_COLS. 0, or -1 out of memory. */
static int
store_broadcast_row(sqlite3_stmt *stmt, struct store_broadcast *b)
{
	memset(b, 0, sizeof(*b));
	b->id = sqlite3_column_int64(stmt, 0);
	store_ccopy(stmt, 1, b->series, sizeof(b->series));
	b->at = sqlite3_column_int64(stmt, 3);
	b->created_at = sqlite3_column_int64(stmt, 4);
	b->queued_at = sqlite3_column_int64(stmt, 5);
	b->recipients = sqlite3_column_int(stmt, 6);
	b->sent = sqlite3_column_int(stmt, 7);
	b->delivered = sqlite3_column_int(stmt, 8);
	b->failed = sqlite3_column_int(stmt, 9);
	return store_col_dup(stmt, 2, &b->text);
}

int
store_broadcast_due(struct store *store, int64_t now,
    struct store_broadcast *out)
{
	sqlite3_stmt *stmt;
	int rc, ret = 0;

	memset(out, 0, sizeof(*out));
	if (store_prepare(store, "SELECT " STORE_BROADCAST_COLS " FROM"
	    " broadcasts b WHERE b.queued_at IS NULL AND b.at <= ?1"
	    " ORDER BY b.at, b.id LIMIT 1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, now);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		ret = store_broadcast_row(stmt, out) == 0 ? 1 :
		    store_failx(store, "out of memory");
	else if (rc != SQLITE_DONE)
		ret = store_fail(store, "due broadcast");
	sqlite3_finalize(stmt);
	return ret;
}

int
store_broadcast_pending(struct store *store, const struct store_broadcast *b,
    struct store_sub *out, int max)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "SELECT id, number, series, lang, sent,"
	    " next_at FROM subscriptions s WHERE series = ?1 AND NOT EXISTS"
	    " (SELECT 1 FROM broadcast_recipients r WHERE r.broadcast_id = ?2"
	    " AND r.subscription_id = s.id) ORDER BY id LIMIT ?3",
	    &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, b->series);
	sqlite3_bind_int64(stmt, 2, b->id);
	sqlite3_bind_int(stmt, 3, max);
	return store_sub_rows(store, stmt, out, max);
}

int
store_broadcast_queued(struct store *store, int64_t broadcast_id,
    int64_t sub_id, int64_t outbox_id)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT INTO broadcast_recipients"
	    " (broadcast_id, subscription_id, outbox_id) VALUES (?1, ?2, ?3)",
	    &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, broadcast_id);
	sqlite3_bind_int64(stmt, 2, sub_id);
	sqlite3_bind_int64(stmt, 3, outbox_id);
	return store_step_done(store, stmt, "broadcast recipient") < 0 ? -1 : 0;
}

int
store_campaign_slot(struct store *store, int64_t outbox_id, int64_t at)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "UPDATE outbox SET next_at = ?2,"
	    " taken_until = max(taken_until, ?2) WHERE id = ?1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, outbox_id);
	sqlite3_bind_int64(stmt, 2, at);
	return store_step_done(store, stmt, "campaign slot") < 0 ? -1 : 0;
}

/* The queued outbox rows (o) nobody asked for just then: a broadcast's
 * SMS, a series' SMS the scheduler queued. */
#define STORE_UNASKED \
	"o.state = 'queued' AND (EXISTS (SELECT 1 FROM broadcast_recipients" \
	" r WHERE r.outbox_id = o.id) OR EXISTS (SELECT 1 FROM series_outbox" \
	" so WHERE so.outbox_id = o.id AND so.scheduled = 1))"

int
store_campaign_early(struct store *store, int64_t before, int64_t *ids,
    int max)
{
	sqlite3_stmt *stmt;
	int rc, n = 0;

	/* from the queue's index (outbox_due): the ties by their own */
	if (store_prepare(store, "SELECT o.id FROM outbox o WHERE"
	    " o.next_at < ?1 AND " STORE_UNASKED " ORDER BY o.next_at, o.id"
	    " LIMIT ?2", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, before);
	sqlite3_bind_int(stmt, 2, max);
	while (n < max && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(stmt, 0);
	if (n < max && rc != SQLITE_DONE) {
		sqlite3_finalize(stmt);
		return store_fail(store, "early campaign SMS");
	}
	sqlite3_finalize(stmt);
	return n;
}

int64_t
store_campaign_last(struct store *store)
{
	sqlite3_stmt *stmt;
	int64_t last;

	if (store_prepare(store, "SELECT coalesce(max(o.next_at), 0) FROM"
	    " outbox o WHERE " STORE_UNASKED, &stmt) == -1)
		return -1;
	if (store_step_int64(store, stmt, 0, &last) == -1)
		return -1;
	return last;
}

int
store_broadcast_sent(struct store *store, const char *modem, int64_t since)
{
	sqlite3_stmt *stmt;
	int64_t n;

	if (store_prepare(store, "SELECT count(*) FROM outbox WHERE"
	    " state = 'sent' AND sent_at >= ?2 AND (?1 IS NULL OR modem = ?1)",
	    &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, modem);
	sqlite3_bind_int64(stmt, 2, since);
	if (store_step_int64(store, stmt, 0, &n) == -1)
		return -1;
	return (int)n;
}

int
store_broadcast_done(struct store *store, int64_t broadcast_id, int64_t now)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "UPDATE broadcasts SET queued_at = ?2"
	    " WHERE id = ?1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, broadcast_id);
	sqlite3_bind_int64(stmt, 2, now);
	return store_step_done(store, stmt, "broadcast queued") < 0 ? -1 : 0;
}

int
store_list_broadcasts(struct store *store, store_broadcast_cb cb, void *arg)
{
	struct store_broadcast b;
	sqlite3_stmt *stmt;
	int rc, stop = 0;

	if (store_prepare(store, "SELECT " STORE_BROADCAST_COLS " FROM"
	    " broadcasts b ORDER BY b.id DESC", &stmt) == -1)
		return -1;
	while (!stop && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (store_broadcast_row(stmt, &b) == -1) {
			store_broadcast_free(&b);
			sqlite3_finalize(stmt);
			return store_failx(store, "out of memory");
		}
		stop = cb(arg, &b) != 0;
		store_broadcast_free(&b);
	}
	if (!stop && rc != SQLITE_DONE) {
		sqlite3_finalize(stmt);
		return store_fail(store, "list broadcasts");
	}
	sqlite3_finalize(stmt);
	return 0;
}

/* ---- survey attempts ---------------------------------------------------- */

int
store_attempt_find(struct store *store, const unsigned char *hash,
    struct store_attempt *out)
{
	sqlite3_stmt *stmt;
	int rc, ret = 0;

	memset(out, 0, sizeof(*out));
	if (store_prepare(store, "SELECT id, survey, state, question, hinted,"
	    " lang, last_at, forget_at FROM survey_attempts WHERE hash = ?1"
	    " ORDER BY id DESC LIMIT 1", &stmt) == -1)
		return -1;
	sqlite3_bind_blob(stmt, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		out->id = sqlite3_column_int64(stmt, 0);
		store_ccopy(stmt, 1, out->survey, sizeof(out->survey));
		store_ccopy(stmt, 2, out->state, sizeof(out->state));
		out->question = sqlite3_column_int(stmt, 3);
		out->hinted = sqlite3_column_int(stmt, 4);
		out->lang = sqlite3_column_int(stmt, 5);
		out->last_at = sqlite3_column_int64(stmt, 6);
		out->forget_at = sqlite3_column_int64(stmt, 7);
		ret = 1;
	} else if (rc != SQLITE_DONE)
		ret = store_fail(store, "find attempt");
	sqlite3_finalize(stmt);
	return ret;
}

int64_t
store_attempt_start(struct store *store, const char *survey, const char *wave,
    const unsigned char *hash, int lang, int64_t now, int64_t forget_at)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT INTO survey_attempts (survey, wave,"
	    " hash, state, lang, started_at, last_at, forget_at)"
	    " VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?5, ?6)", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, survey);
	store_bind_str(stmt, 2, wave);
	sqlite3_bind_blob(stmt, 3, hash, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, lang);
	sqlite3_bind_int64(stmt, 5, now);
	sqlite3_bind_int64(stmt, 6, forget_at);
	if (store_step_done(store, stmt, "start attempt") < 0)
		return -1;
	return sqlite3_last_insert_rowid(store->db);
}

int
store_attempt_update(struct store *store, int64_t id, int question,
    int hinted, const char *state, int64_t now, int64_t forget_at)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "UPDATE survey_attempts SET question = ?2,"
	    " hinted = ?3, state = ?4, last_at = ?5, forget_at = ?6"
	    " WHERE id = ?1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 6, forget_at);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, question);
	sqlite3_bind_int(stmt, 3, hinted);
	store_bind_str(stmt, 4, state);
	sqlite3_bind_int64(stmt, 5, now);
	return store_step_done(store, stmt, "update attempt") < 0 ? -1 : 0;
}

int
store_attempt_answer(struct store *store, int64_t id, int question,
    int choice, int has_number, long number, const char *text)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT OR REPLACE INTO survey_answers"
	    " (attempt_id, question, choice, number, text)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, question);
	if (choice > 0)
		sqlite3_bind_int(stmt, 3, choice);
	if (has_number)
		sqlite3_bind_int64(stmt, 4, number);
	store_bind_str(stmt, 5, text);
	return store_step_done(store, stmt, "answer") < 0 ? -1 : 0;
}

int
store_attempt_outbox(struct store *store, int64_t id, int64_t outbox_id)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT OR IGNORE INTO survey_outbox"
	    " (outbox_id, attempt_id) VALUES (?1, ?2)", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, outbox_id);
	sqlite3_bind_int64(stmt, 2, id);
	return store_step_done(store, stmt, "attempt outbox") < 0 ? -1 : 0;
}

int
store_attempt_expire(struct store *store, const char *survey, int64_t before)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "UPDATE survey_attempts SET state = 'partial'"
	    " WHERE state = 'open' AND survey = ?1 AND last_at < ?2",
	    &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, survey);
	sqlite3_bind_int64(stmt, 2, before);
	return store_step_done(store, stmt, "expire attempts");
}

int
store_attempt_due(struct store *store, int64_t before, int64_t now)
{
	sqlite3_stmt *stmt;
	int64_t n;

	if (store_prepare(store, "SELECT EXISTS (SELECT 1 FROM survey_attempts"
	    " WHERE hash IS NOT NULL AND ((state = 'open' AND last_at < ?1)"
	    " OR (state <> 'open' AND forget_at <= ?2)))", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, before);
	sqlite3_bind_int64(stmt, 2, now);
	if (store_step_int64(store, stmt, 0, &n) == -1)
		return -1;
	return n > 0;
}

int
store_attempt_forget(struct store *store, int64_t now)
{
	static const char *const sql[] = {
		/* Attempts due whose messages have all left the queue. */
		"CREATE TEMP TABLE IF NOT EXISTS forget_now (id INTEGER"
		" PRIMARY KEY)",
		"DELETE FROM forget_now",
		"INSERT INTO forget_now SELECT a.id FROM survey_attempts a"
		" WHERE a.hash IS NOT NULL AND a.state <> 'open'"
		" AND a.forget_at <= ?1 AND NOT EXISTS"
		" (SELECT 1 FROM survey_outbox so JOIN outbox o ON"
		" o.id = so.outbox_id WHERE so.attempt_id = a.id AND"
		" o.state = 'queued')",
		"UPDATE outbox SET number = '', text = '', number_hash = NULL"
		" WHERE id IN (SELECT outbox_id FROM survey_outbox WHERE"
		" attempt_id IN (SELECT id FROM forget_now))",
		"DELETE FROM survey_outbox WHERE attempt_id IN"
		" (SELECT id FROM forget_now)",
		"UPDATE survey_attempts SET hash = NULL"
		" WHERE id IN (SELECT id FROM forget_now)",
	};
	sqlite3_stmt *stmt;
	size_t i;
	int n = 0, rc;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (store_prepare(store, sql[i], &stmt) == -1)
			return -1;
		if (sqlite3_bind_parameter_count(stmt) > 0)
			sqlite3_bind_int64(stmt, 1, now);
		if ((rc = store_step_done(store, stmt, "forget attempts")) < 0)
			return -1;
		if (i == sizeof(sql) / sizeof(sql[0]) - 1)
			n = rc;
	}
	return n;
}

int
store_survey_counts(struct store *store, const char *survey,
    struct store_survey_count *out)
{
	sqlite3_stmt *stmt;
	const char *state;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(store, "SELECT state, count(*) FROM survey_attempts"
	    " WHERE survey = ?1 GROUP BY state", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, survey);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		state = store_col_str(stmt, 0);
		if (strcmp(state, "complete") == 0)
			out->complete = sqlite3_column_int(stmt, 1);
		else if (strcmp(state, "partial") == 0)
			out->partial = sqlite3_column_int(stmt, 1);
		else
			out->open = sqlite3_column_int(stmt, 1);
	}
	if (rc != SQLITE_DONE)
		store_fail(store, "survey counts");
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_survey_answers(struct store *store, const char *survey,
    store_answer_cb cb, void *arg)
{
	sqlite3_stmt *stmt;
	int rc;

	if (store_prepare(store, "SELECT s.question, s.choice, s.number,"
	    " s.text, count(*) FROM survey_answers s JOIN survey_attempts a"
	    " ON a.id = s.attempt_id WHERE a.survey = ?1"
	    " GROUP BY s.question, s.choice, s.number, s.text"
	    " ORDER BY s.question, s.choice, s.number, s.text", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, survey);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if (cb(arg, sqlite3_column_int(stmt, 0),
		    sqlite3_column_int(stmt, 1),
		    sqlite3_column_type(stmt, 2) != SQLITE_NULL,
		    (long)sqlite3_column_int64(stmt, 2),
		    sqlite3_column_type(stmt, 3) != SQLITE_NULL ?
		    store_col_str(stmt, 3) : NULL,
		    sqlite3_column_int(stmt, 4)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	if (rc != SQLITE_DONE)
		store_fail(store, "survey answers");
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- sources ------------------------------------------------------------ */

int
store_source_bump(struct store *store, const char *day, const char *source)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT INTO source_stats (day, source,"
	    " count) VALUES (?1, ?2, 1) ON CONFLICT (day, source)"
	    " DO UPDATE SET count = count + 1", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, day);
	store_bind_str(stmt, 2, source);
	return store_step_done(store, stmt, "count source") < 0 ? -1 : 0;
}

int
store_list_sources(struct store *store, const char *since_day,
    store_source_cb cb, void *arg)
{
	sqlite3_stmt *stmt;
	int rc;

	if (store_prepare(store, "SELECT day, source, count FROM source_stats"
	    " WHERE ?1 IS NULL OR day >= ?1 ORDER BY day, source",
	    &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, since_day);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if (cb(arg, store_col_str(stmt, 0), store_col_str(stmt, 1),
		    sqlite3_column_int(stmt, 2)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	if (rc != SQLITE_DONE)
		store_fail(store, "list sources");
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}
