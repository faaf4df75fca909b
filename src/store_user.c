/*
 * store_user: the web console's tables (schema 5): caseworkers' accounts,
 * the audit log and the key vault.
 *
 * An account holds only a crypto_pwhash_str hash; the caller hashes and
 * verifies. The audit log holds who, through what, from where and which
 * report, never a text or a reporter's number. The vault holds blobs from
 * seal_lock(): what is in them is none of the store's business.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

#define STORE_USER_COLS "id, name, pwhash, disabled, failures, locked_until," \
	" created_at, last_signin_at"

/* Whether name is an account name: 1 to 63 bytes (struct store_user). */
static int
store_user_name_ok(struct store *store, const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n >= sizeof(((struct store_user *)0)->name)) {
		store_failx(store, "user: a name is 1 to 63 bytes");
		return 0;
	}
	return 1;
}

/* Fills out from a row selected with STORE_USER_COLS. */
static void
store_user_row(sqlite3_stmt *stmt, struct store_user *out)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(stmt, 0);
	snprintf(out->name, sizeof(out->name), "%s", store_col_str(stmt, 1));
	snprintf(out->pwhash, sizeof(out->pwhash), "%s",
	    store_col_str(stmt, 2));
	out->disabled = sqlite3_column_int(stmt, 3);
	out->failures = sqlite3_column_int(stmt, 4);
	out->locked_until = sqlite3_column_int64(stmt, 5);
	out->created_at = sqlite3_column_int64(stmt, 6);
	out->last_signin_at = sqlite3_column_int64(stmt, 7);
}

int64_t
store_user_add(struct store *store, const char *name, const char *pwhash,
    int64_t now)
{
	sqlite3_stmt *stmt;
	int n;

	if (!store_user_name_ok(store, name))
		return -1;
	/* OR IGNORE: a taken name is an answer (0), not an error. */
	if (store_prepare(store, "INSERT OR IGNORE INTO users (name, pwhash,"
	    " created_at) VALUES (?1, ?2, ?3)", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, name);
	store_bind_str(stmt, 2, pwhash);
	sqlite3_bind_int64(stmt, 3, now);
	if ((n = store_step_done(store, stmt, "add user")) == -1)
		return -1;
	return n > 0 ? sqlite3_last_insert_rowid(store->db) : 0;
}

int
store_user_get(struct store *store, const char *name, struct store_user *out)
{
	sqlite3_stmt *stmt;
	int rc;

	if (store_prepare(store, "SELECT " STORE_USER_COLS " FROM users"
	    " WHERE name = ?1", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, name);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		store_user_row(stmt, out);
	else if (rc != SQLITE_DONE)
		store_fail(store, "user");
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_user_passwd(struct store *store, const char *name, const char *pwhash)
{
	sqlite3_stmt *stmt;
	int n;

	if (store_prepare(store, "UPDATE users SET pwhash = ?2, failures = 0,"
	    " locked_until = 0 WHERE name = ?1", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, name);
	store_bind_str(stmt, 2, pwhash);
	if ((n = store_step_done(store, stmt, "user password")) == -1)
		return -1;
	return n > 0;
}

int
store_user_disable(struct store *store, const char *name, int disabled)
{
	sqlite3_stmt *stmt;
	int n;

	/* Enabling also lifts a lock: a caseworker let back in by hand
	 * should not find the door still shut. */
	if (store_prepare(store, "UPDATE users SET disabled = ?2,"
	    " failures = CASE WHEN ?2 THEN failures ELSE 0 END,"
	    " locked_until = CASE WHEN ?2 THEN locked_until ELSE 0 END"
	    " WHERE name = ?1", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, name);
	sqlite3_bind_int(stmt, 2, disabled != 0);
	if ((n = store_step_done(store, stmt, "disable user")) == -1)
		return -1;
	return n > 0;
}

int
store_user_attempt(struct store *store, const char *name, int failures,
    int64_t locked_until, int64_t now)
{
	sqlite3_stmt *stmt;
	int n;

	if (store_prepare(store, "UPDATE users SET failures = ?2,"
	    " locked_until = ?3, last_signin_at = CASE WHEN ?2 = 0 THEN ?4"
	    " ELSE last_signin_at END WHERE name = ?1", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, name);
	sqlite3_bind_int(stmt, 2, failures);
	sqlite3_bind_int64(stmt, 3, locked_until);
	sqlite3_bind_int64(stmt, 4, now);
	if ((n = store_step_done(store, stmt, "sign-in attempt")) == -1)
		return -1;
	return n > 0;
}

struct store_user_list {
	store_user_cb cb;
	void *arg;
};

static int
store_user_list_row(sqlite3_stmt *stmt, void *arg)
{
	struct store_user_list *l = arg;
	struct store_user u;

	store_user_row(stmt, &u);
	return l->cb(l->arg, &u) != 0;
}

int
store_list_users(struct store *store, store_user_cb cb, void *arg)
{
	struct store_user_list l = { cb, arg };

	return store_rows(store, "SELECT " STORE_USER_COLS " FROM users"
	    " ORDER BY name", NULL, NULL, store_user_list_row, &l,
	    "users") < 0 ? -1 : 0;
}

int64_t
store_audit_add(struct store *store, const struct store_audit *a)
{
	sqlite3_stmt *stmt;
	int rc;

	/* The report's reference is copied in the same statement. */
	if (store_prepare(store, "INSERT INTO audit (at, actor, via, action,"
	    " report_id, report_ref, addr, detail) VALUES (?1, ?2, ?3, ?4, ?5,"
	    " (SELECT ref FROM reports WHERE id = ?5), ?6, ?7)", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, a->at);
	store_bind_str(stmt, 2, a->actor != NULL ? a->actor : "");
	store_bind_str(stmt, 3, a->via != NULL ? a->via : "");
	store_bind_str(stmt, 4, a->action);
	if (a->report_id > 0)
		sqlite3_bind_int64(stmt, 5, a->report_id);
	else
		sqlite3_bind_null(stmt, 5);
	store_bind_str(stmt, 6, a->addr);
	store_bind_str(stmt, 7, a->detail);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_fail(store, "audit");
	return sqlite3_last_insert_rowid(store->db);
}

/* A nullable text column, borrowed until the next step. */
static const char *
store_col_opt(sqlite3_stmt *stmt, int col)
{
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return NULL;
	return store_col_str(stmt, col);
}

struct store_audit_list {
	int64_t report_id;
	int limit;
	store_audit_cb cb;
	void *arg;
};

static void
store_audit_list_bind(sqlite3_stmt *stmt, const void *arg)
{
	const struct store_audit_list *l = arg;

	sqlite3_bind_int64(stmt, 1, l->report_id);
	sqlite3_bind_int(stmt, 2, l->limit > 0 ? l->limit : -1);
}

static int
store_audit_list_row(sqlite3_stmt *stmt, void *arg)
{
	struct store_audit_list *l = arg;
	struct store_audit a;

	memset(&a, 0, sizeof(a));
	a.id = sqlite3_column_int64(stmt, 0);
	a.at = sqlite3_column_int64(stmt, 1);
	a.actor = store_col_str(stmt, 2);
	a.via = store_col_str(stmt, 3);
	a.action = store_col_str(stmt, 4);
	a.report_id = sqlite3_column_int64(stmt, 5);
	a.addr = store_col_opt(stmt, 6);
	a.detail = store_col_opt(stmt, 7);
	a.report_ref = store_col_opt(stmt, 8);
	return l->cb(l->arg, &a) != 0;
}

int
store_list_audit(struct store *store, int64_t report_id, int limit,
    store_audit_cb cb, void *arg)
{
	struct store_audit_list l = { report_id, limit, cb, arg };

	return store_rows(store, "SELECT id, at, actor, via, action,"
	    " report_id, addr, detail, report_ref FROM audit"
	    " WHERE ?1 = 0 OR report_id = ?1 ORDER BY id DESC LIMIT ?2",
	    store_audit_list_bind, &l, store_audit_list_row, &l,
	    "audit") < 0 ? -1 : 0;
}

int
store_vault_put(struct store *store, const char *key_id,
    const unsigned char *blob, size_t len, int64_t now)
{
	sqlite3_stmt *stmt;

	if (key_id == NULL || key_id[0] == '\0' || blob == NULL || len == 0)
		return store_failx(store, "vault: no key");
	if (store_prepare(store, "INSERT OR REPLACE INTO vault (key_id, blob,"
	    " created_at) VALUES (?1, ?2, ?3)", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, key_id);
	sqlite3_bind_blob(stmt, 2, blob, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	return store_step_done(store, stmt, "vault") < 0 ? -1 : 0;
}

int
store_vault_get(struct store *store, const char *key_id,
    unsigned char **blob, size_t *len)
{
	sqlite3_stmt *stmt;
	const void *b;
	int rc, n;

	*blob = NULL;
	*len = 0;
	if (store_prepare(store, "SELECT blob FROM vault"
	    " WHERE ?1 IS NULL OR key_id = ?1"
	    " ORDER BY created_at DESC, rowid DESC LIMIT 1", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, key_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		b = sqlite3_column_blob(stmt, 0);
		n = sqlite3_column_bytes(stmt, 0);
		if (b == NULL || n <= 0)
			rc = SQLITE_DONE;      /* an empty blob is no key */
		else if ((*blob = malloc((size_t)n)) == NULL)
			rc = SQLITE_NOMEM;
		else {
			memcpy(*blob, b, (size_t)n);
			*len = (size_t)n;
		}
	}
	if (rc == SQLITE_NOMEM)
		store_failx(store, "vault: out of memory");
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_fail(store, "vault");
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_vault_remove(struct store *store, const char *key_id)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "DELETE FROM vault WHERE ?1 IS NULL"
	    " OR key_id = ?1", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, key_id);
	return store_step_done(store, stmt, "vault");
}
