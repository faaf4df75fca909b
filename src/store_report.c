/*
 * store_report: reports filed by texters, for caseworkers.
 *
 * Each report gets a short random reference a person can read out or type
 * on a keypad: six characters from an alphabet without 0/O and 1/I, always
 * with at least one letter so that a reference is never mistaken for a
 * numeric id. A reference already taken is drawn again.
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
