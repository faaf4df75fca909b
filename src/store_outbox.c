/*
 * store_outbox: messages waiting to be sent, and what became of them.
 *
 * A row stays "queued" until store_outbox_sent() records the modem's
 * reference, so a crash while a segment is on the wire sends it again
 * (at least once, never lost). Failed attempts move next_at forward; the
 * sender gives up with store_outbox_fail(). Each part the network accepted
 * is a row of sent_parts (schema 9: outbox id, part number, reference,
 * when), written as it goes (store_outbox_progress()), so that a retry
 * sends only the rest, and a delivery report finds its part by equality.
 * What callers see of them is msgref, the references in part order as the
 * modem lists them ("12,13"), and parts_sent.
 *
 * Every row is also one message in its recipient's reply budget, of
 * whatever kind: store_outbox_queue() is the only INSERT, and it writes
 * the keyed hash of the number beside it. The budget counts by that hash,
 * so an acknowledgement whose number has been blanked (report_tick())
 * still counts, and a robot answering the gateway meets the same limit
 * as a person. The hash is forgotten once no window can count it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

/* The most parts a message has: gammu's GSM_MAX_MULTI_SMS. */
#define STORE_PARTS_MAX 50

/* Counts rows queued to the number with hash at or after since. */
static int
store_outbox_count_hash(struct store *store, const unsigned char *hash,
    int64_t since)
{
	sqlite3_stmt *stmt;
	int64_t n;

	if (store_prepare(store, "SELECT count(*) FROM outbox"
	    " WHERE number_hash = ?1 AND created_at >= ?2", &stmt) == -1)
		return -1;
	sqlite3_bind_blob(stmt, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, since);
	if (store_step_int64(store, stmt, 0, &n) == -1)
		return -1;
	return (int)n;
}

int64_t
store_outbox_queue(struct store *store, const struct store_budget *budget,
    const char *number, const char *text, int kind, int64_t in_reply_to,
    int64_t now)
{
	unsigned char hash[STORE_HASH_LEN];
	sqlite3_stmt *stmt;
	int n;

	if (number == NULL)
		number = "";
	if (store_number_hash(store, number, hash) == -1)
		return -1;
	if (budget != NULL) {
		n = store_outbox_count_hash(store, hash, now - budget->window);
		if (n < 0)
			return -1;
		if (n >= budget->max)
			return 0;
	}
	/* a reply leaves through the modem its message came in on */
	if (store_prepare(store, "INSERT INTO outbox (number, text, kind,"
	    " created_at, next_at, in_reply_to, number_hash, modem)"
	    " VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6,"
	    " (SELECT modem FROM messages WHERE id = ?5))", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, number);
	store_bind_str(stmt, 2, text ? text : "");
	sqlite3_bind_int(stmt, 3, kind);
	sqlite3_bind_int64(stmt, 4, now);
	if (in_reply_to > 0)
		sqlite3_bind_int64(stmt, 5, in_reply_to);
	else
		sqlite3_bind_null(stmt, 5);
	sqlite3_bind_blob(stmt, 6, hash, STORE_HASH_LEN, SQLITE_STATIC);
	if (store_step_done(store, stmt, "queue message") == -1)
		return -1;
	return sqlite3_last_insert_rowid(store->db);
}

int64_t
store_outbox_add(struct store *store, const char *number, const char *text,
    int kind, int64_t in_reply_to, int64_t now)
{
	return store_outbox_queue(store, NULL, number, text, kind, in_reply_to,
	    now);
}

int
store_outbox_count(struct store *store, const char *number, int64_t since)
{
	unsigned char hash[STORE_HASH_LEN];

	if (store_number_hash(store, number ? number : "", hash) == -1)
		return -1;
	return store_outbox_count_hash(store, hash, since);
}

int
store_outbox_forget(struct store *store, int64_t before)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "UPDATE outbox SET number_hash = NULL"
	    " WHERE number_hash IS NOT NULL AND created_at < ?1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, before);
	return store_step_done(store, stmt, "forget number hashes");
}

/* Fills out from a row of STORE_OUT_COLS; strings borrowed from stmt
 * (msgref and last_error NULL when unset). */
void
store_out_row(sqlite3_stmt *stmt, struct store_out *out)
{
	out->id = sqlite3_column_int64(stmt, 0);
	out->number = (char *)store_col_str(stmt, 1);
	out->text = (char *)store_col_str(stmt, 2);
	out->state = (char *)store_col_str(stmt, 3);
	out->kind = sqlite3_column_int(stmt, 4);
	out->attempts = sqlite3_column_int(stmt, 5);
	out->created_at = sqlite3_column_int64(stmt, 6);
	out->next_at = sqlite3_column_int64(stmt, 7);
	out->sent_at = sqlite3_column_int64(stmt, 8);
	out->msgref = sqlite3_column_type(stmt, 9) == SQLITE_NULL ? NULL :
	    (char *)store_col_str(stmt, 9);
	out->last_error = sqlite3_column_type(stmt, 10) == SQLITE_NULL ?
	    NULL : (char *)store_col_str(stmt, 10);
	out->in_reply_to = sqlite3_column_int64(stmt, 11);
	out->delivery = sqlite3_column_type(stmt, 12) == SQLITE_NULL ? NULL :
	    (char *)store_col_str(stmt, 12);
	out->delivered_at = sqlite3_column_int64(stmt, 13);
	out->parts_sent = sqlite3_column_int(stmt, 14);
	out->modem = sqlite3_column_type(stmt, 15) == SQLITE_NULL ? NULL :
	    (char *)store_col_str(stmt, 15);
	out->taken_until = sqlite3_column_int64(stmt, 16);
}

/* Like store_out_row, with copies the caller frees. Returns 0 or -1. */
static int
store_out_row_dup(sqlite3_stmt *stmt, struct store_out *out)
{
	store_out_row(stmt, out);
	out->number = out->text = out->state = NULL;
	out->msgref = out->last_error = out->delivery = out->modem = NULL;
	if (store_col_dup(stmt, 15, &out->modem) == -1 ||
	    store_col_dup(stmt, 1, &out->number) == -1 ||
	    store_col_dup(stmt, 2, &out->text) == -1 ||
	    store_col_dup(stmt, 3, &out->state) == -1 ||
	    store_col_dup(stmt, 9, &out->msgref) == -1 ||
	    store_col_dup(stmt, 10, &out->last_error) == -1 ||
	    store_col_dup(stmt, 12, &out->delivery) == -1) {
		store_out_free(out);
		return -1;
	}
	return 0;
}

/* A row of STORE_OUT_COLS copied into the caller's row. */
struct store_out_copy {
	struct store *store;
	int64_t now;
	struct store_out *out;
};

static void
store_out_copy_bind(sqlite3_stmt *stmt, const void *arg)
{
	sqlite3_bind_int64(stmt, 1, ((const struct store_out_copy *)arg)->now);
}

static int
store_out_copy_row(sqlite3_stmt *stmt, void *arg)
{
	struct store_out_copy *c = arg;

	if (store_out_row_dup(stmt, c->out) == -1)
		return store_failx(c->store, "out of memory");
	return 1;
}

int
store_outbox_next(struct store *store, int64_t now, struct store_out *out)
{
	struct store_out_copy c = { store, now, out };

	memset(out, 0, sizeof(*out));
	return store_rows(store, "SELECT " STORE_OUT_COLS " FROM outbox"
	    " WHERE state = 'queued' AND next_at <= ?1"
	    " ORDER BY next_at, id LIMIT 1", store_out_copy_bind, &c,
	    store_out_copy_row, &c, "next outgoing");
}

void
store_out_free(struct store_out *out)
{
	if (out == NULL)
		return;
	free(out->number);
	free(out->text);
	free(out->state);
	free(out->msgref);
	free(out->delivery);
	free(out->last_error);
	free(out->modem);
	memset(out, 0, sizeof(*out));
}

int64_t
store_outbox_wait(struct store *store, int64_t now)
{
	sqlite3_stmt *stmt;
	int64_t next;

	if (store_prepare(store, "SELECT min(next_at) FROM outbox"
	    " WHERE state = 'queued'", &stmt) == -1)
		return -2;
	/* min() of no rows is NULL: the queue is empty. */
	if (store_step_int64(store, stmt, INT64_MIN, &next) == -1)
		return -2;
	if (next == INT64_MIN)
		return -1;
	return next <= now ? 0 : next - now;
}

/* Runs an UPDATE of one outbox row by id (?1) with a text (?2) and a time
 * (?3). Returns 0 (also when no row matched) or -1. */
static int
store_out_update(struct store *store, const char *sql, int64_t id,
    const char *s, int64_t t, const char *what)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, sql, &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_str(stmt, 2, s);
	sqlite3_bind_int64(stmt, 3, t);
	return store_step_done(store, stmt, what) == -1 ? -1 : 0;
}

/*
 * The references in msgref ("12,13": part 1, then 2), into refs: as many
 * as read as numbers from the start (the modem's list may have been cut
 * short). Returns how many.
 */
static int
store_refs_parse(const char *msgref, int *refs, int max)
{
	const char *p = msgref;
	char *end;
	long v;
	int n = 0;

	while (p != NULL && n < max) {
		v = strtol(p, &end, 10);
		if (end == p || v < 0 || v > INT32_MAX)
			break;
		refs[n++] = (int)v;
		p = *end == ',' ? end + 1 : NULL;
	}
	return n;
}

/*
 * Records the parts listed in msgref that are not yet recorded, sent at
 * now, on row id when its state is what the statement asks. Part of the
 * caller's transaction. Returns 0 or -1.
 */
static int
store_parts_put(struct store *store, int64_t id, const char *msgref,
    int64_t now, const char *sql)
{
	int refs[STORE_PARTS_MAX];
	sqlite3_stmt *stmt;
	int i, n;

	if ((n = store_refs_parse(msgref, refs, STORE_PARTS_MAX)) == 0)
		return 0;
	if (store_prepare(store, sql, &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 4, now);
	for (i = 0; i < n; i++) {
		sqlite3_bind_int(stmt, 2, i + 1);
		sqlite3_bind_int(stmt, 3, refs[i]);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			store_fail(store, "record parts");
			sqlite3_finalize(stmt);
			return -1;
		}
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	return 0;
}

/* A part of a row in the given state: ?1 outbox id, ?2 part number, ?3
 * reference, ?4 sent at. A part recorded before keeps its row. */
#define STORE_PART_INSERT(state) \
	"INSERT INTO sent_parts (outbox_id, part_no, ref, sent_at)" \
	" SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM outbox" \
	" WHERE id = ?1 AND " state ") ON CONFLICT DO NOTHING"

static int
store_outbox_sent_tx(struct store *store, int64_t id, const char *msgref,
    int64_t now)
{
	if (store_parts_put(store, id, msgref, now,
	    STORE_PART_INSERT("state <> 'sent'")) == -1)
		return -1;
	return store_out_update(store, "UPDATE outbox SET state = 'sent',"
	    " sent_at = ?3 WHERE id = ?1 AND state <> 'sent'", id, NULL, now,
	    "record sent");
}

/* Records a send and its parts, in one transaction; a row already sent is
 * left as it was. Returns 0 or -1. */
int
store_outbox_sent(struct store *store, int64_t id, const char *msgref,
    int64_t now)
{
	int own;

	if (store_tx_enter(store, &own) == -1)
		return -1;
	return store_tx_leave(store, own,
	    store_outbox_sent_tx(store, id, msgref, now));
}

#define STORE_DELIVERY_WINDOW (7 * 24 * 3600)

int
store_outbox_delivery(struct store *store, int ref, int delivered,
    int64_t now)
{
	return store_outbox_delivery_via(store, NULL, ref, delivered, now);
}

int
store_outbox_delivery_via(struct store *store, const char *modem, int ref,
    int delivered, int64_t now)
{
	sqlite3_stmt *stmt;

	/* References wrap at 256, and each modem counts its own (schema
	 * 10): the newest part that modem sent with it. */
	if (store_prepare(store, "UPDATE outbox SET delivered_at = ?3,"
	    " delivery = CASE WHEN delivery = 'failed' OR NOT ?2"
	    "  THEN 'failed' ELSE 'delivered' END"
	    " WHERE id = (SELECT outbox_id FROM sent_parts JOIN outbox o"
	    "  ON o.id = sent_parts.outbox_id WHERE ref = ?1"
	    "  AND sent_parts.sent_at >= ?4"
	    "  AND (?5 IS NULL OR o.modem IS NULL OR o.modem = ?5)"
	    "  ORDER BY sent_parts.sent_at DESC, outbox_id DESC LIMIT 1)",
	    &stmt) == -1)
		return -1;
	sqlite3_bind_int(stmt, 1, ref);
	sqlite3_bind_int(stmt, 2, delivered != 0);
	sqlite3_bind_int64(stmt, 3, now);
	sqlite3_bind_int64(stmt, 4, now - STORE_DELIVERY_WINDOW);
	store_bind_str(stmt, 5, modem);
	return store_step_done(store, stmt, "record delivery");
}

/* Records the parts sent so far of a queued row. Returns 0 or -1. */
int
store_outbox_progress(struct store *store, int64_t id, const char *msgref,
    int64_t now)
{
	int own;

	if (store_tx_enter(store, &own) == -1)
		return -1;
	return store_tx_leave(store, own, store_parts_put(store, id, msgref,
	    now, STORE_PART_INSERT("state = 'queued'")));
}

/* Returns 0 or -1; a row already sent is left as it was. */
int
store_outbox_retry(struct store *store, int64_t id, const char *error,
    int64_t next_at)
{
	return store_out_update(store, "UPDATE outbox SET state = 'queued',"
	    " attempts = attempts + 1, last_error = ?2, next_at = ?3,"
	    " taken_until = 0 WHERE id = ?1 AND state <> 'sent'", id, error,
	    next_at,
	    "record retry");
}

/* Returns 0 or -1; only a queued row changes. next_at keeps the time it
 * gave up. */
int
store_outbox_fail(struct store *store, int64_t id, const char *error,
    int64_t now)
{
	return store_out_update(store, "UPDATE outbox SET state = 'failed',"
	    " attempts = attempts + 1, last_error = ?2, next_at = ?3"
	    " WHERE id = ?1 AND state = 'queued'", id, error, now,
	    "record failure");
}

/* Outbox rows newest first (created_at); state "queued"/"sent"/"failed". */
struct store_out_list {
	store_out_cb cb;
	void *arg;
};

static int
store_out_list_row(sqlite3_stmt *stmt, void *arg)
{
	struct store_out_list *l = arg;
	struct store_out out;

	store_out_row(stmt, &out);
	return l->cb(l->arg, &out) != 0;
}

int
store_list_outbox(struct store *store, const struct store_filter *filter,
    store_out_cb cb, void *arg)
{
	struct store_out_list l = { cb, arg };

	return store_rows(store, "SELECT " STORE_OUT_COLS " FROM outbox"
	    " WHERE (?1 IS NULL OR state = ?1)"
	    " AND (?2 = 0 OR created_at >= ?2)"
	    " AND (?3 IS NULL OR instr(text, ?3) > 0)"
	    " ORDER BY created_at DESC, id DESC LIMIT ?4", store_bind_filter,
	    filter, store_out_list_row, &l, "list outbox") < 0 ? -1 : 0;
}

static void
store_out_bind_limit(sqlite3_stmt *stmt, const void *limit)
{
	int n = *(const int *)limit;

	sqlite3_bind_int(stmt, 1, n > 0 ? n : -1);
}

int
store_outbox_queued(struct store *store, int limit, store_out_cb cb,
    void *arg)
{
	struct store_out_list l = { cb, arg };

	return store_rows(store, "SELECT " STORE_OUT_COLS " FROM outbox"
	    " WHERE state = 'queued' ORDER BY next_at, id LIMIT ?1",
	    store_out_bind_limit, &limit, store_out_list_row, &l,
	    "list the queue") < 0 ? -1 : 0;
}

/* The one statement that reads another owner's table (store_int.h):
 * which rows a timeline points at, from report_entries. */
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

/* Sent or failed outbox rows, done before ?1, still holding something. */
#define STORE_OUTBOX_PURGE \
	"state IN ('sent', 'failed') AND max(created_at, sent_at) < ?1" \
	" AND (number != '' OR text != '')"

int
store_outbox_purge(struct store *store, int64_t before, int dry_run)
{
	if (dry_run)
		return store_purge_count(store, "SELECT count(*) FROM outbox"
		    " WHERE " STORE_OUTBOX_PURGE, before);
	return store_purge_run(store, "UPDATE outbox SET number = '',"
	    " text = '' WHERE " STORE_OUTBOX_PURGE, before);
}
