/*
 * store_report: reports filed by texters, for caseworkers.
 *
 * Each report gets a short random reference a person can read out or type
 * on a keypad: six characters from an alphabet without 0/O and 1/I, always
 * with at least one letter so that a reference is never mistaken for a
 * numeric id. A reference already taken is drawn again.
 *
 * This file owns the reports table and the reports' timelines
 * (report_entries): claims, alerts, the relay copy and retention.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

#define STORE_REF_TRIES	20

static const char store_ref_alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

#define STORE_REPORT_COLS \
	"id, ref, number, text, status, urgent, message_id, created_at," \
	" closed_at, outcome, sealed, key_id, claimed_by, claimed_at," \
	" alert_level, alerted_at"

/* Draws a fresh reference into ref (STORE_REF_LEN + 1 bytes). */
static void
store_ref_draw(char *ref)
{
	uint32_t n = sizeof(store_ref_alphabet) - 1;
	int i, letter;

	do {
		letter = 0;
		for (i = 0; i < STORE_REF_LEN; i++) {
			ref[i] = store_ref_alphabet[randombytes_uniform(n)];
			letter |= isalpha((unsigned char)ref[i]) != 0;
		}
	} while (!letter);
	ref[STORE_REF_LEN] = '\0';
}

/* Binds a blob, or NULL for a NULL pointer. */
static int
store_bind_blob(sqlite3_stmt *stmt, int idx, const unsigned char *b,
    size_t len)
{
	if (b == NULL)
		return sqlite3_bind_null(stmt, idx);
	return sqlite3_bind_blob(stmt, idx, b, (int)len, SQLITE_STATIC);
}

/* Inserts the report under ref. Returns 1, 0 when ref is taken, -1. */
static int
store_report_insert(struct store *store, const char *ref,
    const struct store_report_new *r, int64_t now)
{
	sqlite3_stmt *stmt;
	int rc, sealed = r->sealed != NULL;

	if (store_prepare(store, "INSERT INTO reports (ref, number, text,"
	    " urgent, message_id, created_at, sealed, key_id, relay,"
	    " relay_until) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	    &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, ref);
	store_bind_str(stmt, 2, !sealed && r->number ? r->number : "");
	store_bind_str(stmt, 3, !sealed && r->text ? r->text : "");
	sqlite3_bind_int(stmt, 4, r->urgent != 0);
	if (r->message_id > 0)
		sqlite3_bind_int64(stmt, 5, r->message_id);
	else
		sqlite3_bind_null(stmt, 5);
	sqlite3_bind_int64(stmt, 6, now);
	store_bind_blob(stmt, 7, r->sealed, r->sealed_len);
	store_bind_str(stmt, 8, sealed ? r->key_id : NULL);
	store_bind_blob(stmt, 9, r->relay, r->relay_len);
	sqlite3_bind_int64(stmt, 10, r->relay != NULL ? r->relay_until : 0);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return 0;
	return store_fail(store, "file report");
}

int64_t
store_report_file(struct store *store, const struct store_report_new *report,
    int64_t now, char *ref, size_t reflen)
{
	char r[STORE_REF_LEN + 1];
	int i, rc;

	for (i = 0; i < STORE_REF_TRIES; i++) {
		store_ref_draw(r);
		rc = store_report_insert(store, r, report, now);
		if (rc == -1)
			return -1;
		if (rc == 1) {
			if (ref != NULL && reflen > 0)
				snprintf(ref, reflen, "%s", r);
			return sqlite3_last_insert_rowid(store->db);
		}
	}
	return store_failx(store, "file report: no free reference");
}

int64_t
store_report_add(struct store *store, const char *number, const char *text,
    int urgent, int64_t message_id, int64_t now, char *ref, size_t reflen)
{
	struct store_report_new r;

	memset(&r, 0, sizeof(r));
	r.number = number;
	r.text = text;
	r.urgent = urgent;
	r.message_id = message_id;
	return store_report_file(store, &r, now, ref, reflen);
}

/* Fills report from a row of STORE_REPORT_COLS; strings borrowed (outcome
 * NULL while open). */
static void
store_report_row(sqlite3_stmt *stmt, struct store_report *report)
{
	report->id = sqlite3_column_int64(stmt, 0);
	snprintf(report->ref, sizeof(report->ref), "%s",
	    store_col_str(stmt, 1));
	report->number = (char *)store_col_str(stmt, 2);
	report->text = (char *)store_col_str(stmt, 3);
	report->status = (char *)store_col_str(stmt, 4);
	report->urgent = sqlite3_column_int(stmt, 5);
	report->message_id = sqlite3_column_int64(stmt, 6);
	report->created_at = sqlite3_column_int64(stmt, 7);
	report->closed_at = sqlite3_column_int64(stmt, 8);
	report->outcome = sqlite3_column_type(stmt, 9) == SQLITE_NULL ? NULL :
	    (char *)store_col_str(stmt, 9);
	report->sealed = (unsigned char *)sqlite3_column_blob(stmt, 10);
	report->sealed_len = (size_t)sqlite3_column_bytes(stmt, 10);
	if (report->sealed_len == 0)
		report->sealed = NULL;
	snprintf(report->key_id, sizeof(report->key_id), "%s",
	    store_col_str(stmt, 11));
	report->claimed_by = sqlite3_column_type(stmt, 12) == SQLITE_NULL ?
	    NULL : (char *)store_col_str(stmt, 12);
	report->claimed_at = sqlite3_column_int64(stmt, 13);
	report->alert_level = sqlite3_column_int(stmt, 14);
	report->alerted_at = sqlite3_column_int64(stmt, 15);
}

/* Replaces the borrowed strings and blob of report (just filled from a
 * row) by copies. Returns 0, or -1 when out of memory (report freed). */
static int
store_report_own(sqlite3_stmt *stmt, struct store_report *out)
{
	unsigned char *blob = NULL;

	out->number = out->text = out->status = out->outcome = NULL;
	out->claimed_by = NULL;
	if (out->sealed != NULL) {
		if ((blob = malloc(out->sealed_len)) != NULL)
			memcpy(blob, out->sealed, out->sealed_len);
		out->sealed = blob;
		if (blob == NULL) {
			store_report_free(out);
			return -1;
		}
	}
	if (store_col_dup(stmt, 2, &out->number) == -1 ||
	    store_col_dup(stmt, 3, &out->text) == -1 ||
	    store_col_dup(stmt, 4, &out->status) == -1 ||
	    store_col_dup(stmt, 9, &out->outcome) == -1 ||
	    store_col_dup(stmt, 12, &out->claimed_by) == -1) {
		store_report_free(out);
		return -1;
	}
	return 0;
}

/* Whether key is a decimal id (all digits, not too long). */
static int
store_key_is_id(const char *key)
{
	size_t i;

	for (i = 0; key[i] != '\0'; i++)
		if (!isdigit((unsigned char)key[i]))
			return 0;
	return i > 0 && i < 19;
}

/*
 * A key of digits only is an id (references always hold a letter); anything
 * else is a reference, compared in upper case.
 */
int
store_report_find(struct store *store, const char *key,
    struct store_report *out)
{
	char ref[16];
	sqlite3_stmt *stmt;
	size_t i;
	int rc, byid;

	memset(out, 0, sizeof(*out));
	if (key == NULL)
		return 0;
	byid = store_key_is_id(key);
	if (store_prepare(store, byid ?
	    "SELECT " STORE_REPORT_COLS " FROM reports WHERE id = ?1" :
	    "SELECT " STORE_REPORT_COLS " FROM reports WHERE ref = ?1",
	    &stmt) == -1)
		return -1;
	if (byid)
		sqlite3_bind_int64(stmt, 1, strtoll(key, NULL, 10));
	else {
		for (i = 0; key[i] != '\0' && i < sizeof(ref) - 1; i++)
			ref[i] = toupper((unsigned char)key[i]);
		ref[i] = '\0';
		if (key[i] != '\0') {	/* too long to be a reference */
			sqlite3_finalize(stmt);
			return 0;
		}
		store_bind_str(stmt, 1, ref);
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store_report_row(stmt, out);
		if (store_report_own(stmt, out) == -1) {
			sqlite3_finalize(stmt);
			return store_failx(store, "out of memory");
		}
	} else if (rc != SQLITE_DONE)
		store_fail(store, "find report");
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

void
store_report_free(struct store_report *report)
{
	if (report == NULL)
		return;
	free(report->number);
	free(report->text);
	free(report->status);
	free(report->outcome);
	free(report->sealed);
	free(report->claimed_by);
	memset(report, 0, sizeof(*report));
}

int
store_report_close(struct store *store, int64_t id, const char *outcome,
    int64_t now)
{
	sqlite3_stmt *stmt;
	int n;

	if (store_prepare(store, "UPDATE reports SET status = 'closed',"
	    " closed_at = ?2, outcome = ?3 WHERE id = ?1 AND status = 'open'",
	    &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, now);
	store_bind_str(stmt, 3, outcome ? outcome : "");
	if ((n = store_step_done(store, stmt, "close report")) == -1)
		return -1;
	return n > 0;
}

/* Reports newest first; state "open"/"closed", urgent -1/0/1. */
/* store_bind_filter(), and ?5 urgent (-1 any). */
static void
store_report_bind_filter(sqlite3_stmt *stmt, const void *arg)
{
	const struct store_filter *filter = arg;

	store_bind_filter(stmt, filter);
	sqlite3_bind_int(stmt, 5, filter == NULL || filter->urgent < 0 ? -1 :
	    filter->urgent != 0);
}

struct store_report_list {
	store_report_cb cb;
	void *arg;
};

static int
store_report_list_row(sqlite3_stmt *stmt, void *arg)
{
	struct store_report_list *l = arg;
	struct store_report report;

	store_report_row(stmt, &report);
	return l->cb(l->arg, &report) != 0;
}

int
store_list_reports(struct store *store, const struct store_filter *filter,
    store_report_cb cb, void *arg)
{
	struct store_report_list l = { cb, arg };

	return store_rows(store, "SELECT " STORE_REPORT_COLS " FROM reports"
	    " WHERE (?1 IS NULL OR status = ?1)"
	    " AND (?5 < 0 OR urgent = ?5)"
	    " AND (?2 = 0 OR created_at >= ?2)"
	    " AND (?3 IS NULL OR instr(text, ?3) > 0)"
	    " ORDER BY created_at DESC, id DESC LIMIT ?4",
	    store_report_bind_filter, filter, store_report_list_row, &l,
	    "list reports") < 0 ? -1 : 0;
}

/* ---- the timeline and casework (schema 2) ------------------------------ */

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

/* ---- retention --------------------------------------------------------- */

/* Closed reports closed before ?1. */
#define STORE_REPORT_PURGE \
	"status = 'closed' AND closed_at > 0 AND closed_at < ?1"

int
store_report_purge(struct store *store, int64_t before, int dry_run)
{
	if (dry_run)
		return store_purge_count(store, "SELECT count(*) FROM reports"
		    " WHERE " STORE_REPORT_PURGE, before);
	/* Their acknowledgements, alerts and replies, once sent, are
	 * blanked before the timeline that points at them goes: the
	 * daemon's own scrub (report_tick()), which takes every timeline's. */
	if (store_scrub_outbox(store) < 0)
		return -1;
	return store_purge_run(store, "DELETE FROM reports WHERE "
	    STORE_REPORT_PURGE, before);
}
