/*
 * store: opening shukher.db, its schema, and transactions.
 *
 * Opening is careful because the file holds reports nobody may lose: a file
 * that is not a SQLite database, belongs to another program, is corrupt or
 * was written by a newer shukher is refused and never touched; a missing file
 * is created only where no database ever was (store_file.c). The schema
 * grows by numbered migrations (store_schema.c) keyed on PRAGMA
 * user_version, each in its own transaction with its version bump. The
 * other store_*.c files hold the queries, by table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "seal.h"
#include "store.h"
#include "store_int.h"

/* PRAGMA application_id of a shukher database: "SHKR". */
#define STORE_APP_ID	0x53484b52
#define STORE_BUSY_MS	5000

int
store_fail(struct store *store, const char *what)
{
	int code = sqlite3_errcode(store->db) & 0xff;

	snprintf(store->err, sizeof(store->err), "%s: %s", what,
	    sqlite3_errmsg(store->db));
	store->locked = code == SQLITE_BUSY || code == SQLITE_LOCKED;
	return -1;
}

int
store_failx(struct store *store, const char *what)
{
	snprintf(store->err, sizeof(store->err), "%s", what);
	store->locked = 0;
	return -1;
}

const char *
store_errmsg(struct store *store)
{
	return store->err;
}

/*
 * A transaction whose ROLLBACK failed (it needs memory to run) is still
 * open, and whatever ran next would run inside it: a write "committed"
 * into it would be lost, a read would see writes that were to be undone.
 * It is rolled back before anything else runs, or nothing runs. Returns
 * 0 or -1.
 */
static int
store_settle(struct store *store)
{
	if (!store->rollback_due)
		return 0;
	if (!sqlite3_get_autocommit(store->db))
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	if (!sqlite3_get_autocommit(store->db))
		return store_fail(store, "rollback");
	store->rollback_due = 0;
	return 0;
}

int
store_locked(const struct store *store)
{
	return store->locked;
}

int
store_prepare(struct store *store, const char *sql, sqlite3_stmt **stmt)
{
	if (store_settle(store) == -1) {
		*stmt = NULL;
		return -1;
	}
	if (sqlite3_prepare_v2(store->db, sql, -1, stmt, NULL) != SQLITE_OK) {
		*stmt = NULL;
		return store_fail(store, "prepare");
	}
	return 0;
}

int
store_bind_str(sqlite3_stmt *stmt, int idx, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(stmt, idx);
	return sqlite3_bind_text(stmt, idx, s, -1, SQLITE_STATIC);
}

int
store_col_dup(sqlite3_stmt *stmt, int col, char **out)
{
	const unsigned char *s;

	*out = NULL;
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return 0;
	if ((s = sqlite3_column_text(stmt, col)) == NULL)
		return -1;
	if ((*out = strdup((const char *)s)) == NULL)
		return -1;
	return 0;
}

const char *
store_col_str(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s;

	s = sqlite3_column_text(stmt, col);
	return s != NULL ? (const char *)s : "";
}

int
store_step_int64(struct store *store, sqlite3_stmt *stmt, int64_t dflt,
    int64_t *out)
{
	int rc;

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(stmt, 0);
	else
		*out = dflt;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(store, "query");
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	return 0;
}

int
store_step_done(struct store *store, sqlite3_stmt *stmt, const char *what)
{
	int rc;

	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		store_fail(store, what);
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	return sqlite3_changes(store->db);
}

int
store_rows(struct store *store, const char *sql, store_bind_fn bind,
    const void *barg, store_row_fn row, void *rarg, const char *what)
{
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, took = 0, stop = 0;

	if (store_prepare(store, sql, &stmt) == -1)
		return -1;
	if (bind != NULL)
		bind(stmt, barg);
	while (!stop && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		took++;
		stop = row(stmt, rarg);
	}
	if (!stop && rc != SQLITE_DONE)
		stop = store_fail(store, what);
	sqlite3_finalize(stmt);
	return stop == -1 ? -1 : took;
}

void
store_bind_id(sqlite3_stmt *stmt, const void *id)
{
	sqlite3_bind_int64(stmt, 1, *(const int64_t *)id);
}

void
store_bind_filter(sqlite3_stmt *stmt, const void *arg)
{
	static const struct store_filter none = { NULL, -1, 0, NULL, 0 };
	const struct store_filter *filter = arg != NULL ? arg : &none;

	store_bind_str(stmt, 1, filter->state);
	sqlite3_bind_int64(stmt, 2, filter->since);
	store_bind_str(stmt, 3, filter->search);
	sqlite3_bind_int(stmt, 4, filter->limit > 0 ? filter->limit : -1);
}

static int
store_ints_row(sqlite3_stmt *stmt, void *arg)
{
	int *out = arg, i, n = sqlite3_column_count(stmt);

	for (i = 0; i < n; i++)
		out[i] = sqlite3_column_int(stmt, i);
	return 1;
}

int
store_query_ints(struct store *store, const char *sql, int *out, int n,
    const char *what)
{
	memset(out, 0, (size_t)n * sizeof(*out));
	return store_rows(store, sql, NULL, NULL, store_ints_row, out,
	    what) < 0 ? -1 : 0;
}

int
store_snapshot_enter(struct store *store, int *own)
{
	*own = sqlite3_get_autocommit(store->db);
	if (*own && sqlite3_exec(store->db, "BEGIN", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		*own = 0;
		return store_fail(store, "begin");
	}
	return 0;
}

int
store_snapshot_leave(struct store *store, int own, int rc)
{
	if (own)
		store_rollback(store);
	return rc;
}

/*
 * A transaction, or inside one a savepoint, so that a caller may batch
 * several units that each begin and commit (the gateway handles a pass's
 * messages in one transaction, each message in a savepoint of its own: a
 * message's consequences stay all or nothing, and the pass syncs once).
 */
int
store_begin(struct store *store)
{
	const char *sql = "SAVEPOINT store_nest";

	if (store_settle(store) == -1)
		return -1;
	/* No transaction open: what was begun before has ended (an error
	 * rolled it back), and this begins a new one. */
	if (sqlite3_get_autocommit(store->db))
		store->depth = 0;
	if (store->depth == 0)
		sql = "BEGIN IMMEDIATE";
	if (sqlite3_exec(store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(store, "begin");
	store->depth++;
	return 0;
}

int
store_commit(struct store *store)
{
	const char *sql = store->depth > 1 ? "RELEASE store_nest" : "COMMIT";

	if (store->depth > 0 && sqlite3_get_autocommit(store->db)) {
		/* An error rolled the transaction back: its message stays. */
		store->depth--;
		return store->err[0] != '\0' ? -1 :
		    store_failx(store, "commit: rolled back by an error");
	}
	if (sqlite3_exec(store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(store, "commit");
	store->depth = store->depth > 0 ? store->depth - 1 : 0;
	return 0;
}

/* Rolls back what the innermost store_begin() began (with none, the open
 * transaction, if any); keeps the last error. When the outer ROLLBACK
 * itself fails (it needs memory), the next statement tries it again. */
void
store_rollback(struct store *store)
{
	if (!sqlite3_get_autocommit(store->db)) {
		if (store->depth > 1) {
			sqlite3_exec(store->db, "ROLLBACK TO store_nest", NULL,
			    NULL, NULL);
			sqlite3_exec(store->db, "RELEASE store_nest", NULL,
			    NULL, NULL);
		} else {
			sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
			store->rollback_due =
			    !sqlite3_get_autocommit(store->db);
		}
	}
	store->depth = store->depth > 0 ? store->depth - 1 : 0;
}

int
store_tx_enter(struct store *store, int *own)
{
	if (store_settle(store) == -1)
		return -1;
	*own = sqlite3_get_autocommit(store->db);
	if (*own)
		return store_begin(store);
	if (sqlite3_exec(store->db, "SAVEPOINT store_call", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return store_fail(store, "savepoint");
	return 0;
}

int
store_tx_leave(struct store *store, int own, int rc)
{
	if (own) {
		if (rc < 0) {
			store_rollback(store);
			return rc;
		}
		if (store_commit(store) == -1) {
			store_rollback(store);
			return -1;
		}
		return rc;
	}
	if (rc < 0)
		sqlite3_exec(store->db, "ROLLBACK TO store_call", NULL, NULL,
		    NULL);
	if (sqlite3_exec(store->db, "RELEASE store_call", NULL, NULL, NULL) !=
	    SQLITE_OK && rc >= 0)
		return store_fail(store, "release");
	return rc;
}

/*
 * A checkpoint that truncates the WAL, without waiting on readers (the
 * daemon must not stall while shukherctl reads): 0 done, 1 busy or not
 * finished (try again later), -1.
 */
static int
store_checkpoint_truncate(struct store *store)
{
	int log = 0, done = 0, rc;

	sqlite3_busy_timeout(store->db, 0);
	rc = sqlite3_wal_checkpoint_v2(store->db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
	sqlite3_busy_timeout(store->db, STORE_BUSY_MS);
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return 1;
	if (rc != SQLITE_OK)
		return store_fail(store, "checkpoint");
	return log > 0 && done < log;
}

int
store_device_key(struct store *store, const char *purpose,
    unsigned char *key)
{
	unsigned char secret[STORE_SECRET_LEN];

	if (store_secret(store, "device", secret, sizeof(secret)) == -1)
		return -1;
	seal_derive_key(secret, purpose, key);
	sodium_memzero(secret, sizeof(secret));
	return 0;
}

int
store_number_hash(struct store *store, const char *number,
    unsigned char *hash)
{
	unsigned char secret[STORE_SECRET_LEN];

	if (store_secret(store, "device", secret, sizeof(secret)) == -1)
		return -1;
	store_hash_with(secret, number, strlen(number), hash);
	sodium_memzero(secret, sizeof(secret));
	return 0;
}

/*
 * Empties the WAL only when something was blanked or deleted since it was
 * last emptied: the schema's triggers count that in wal_scrub, in the
 * transaction that blanks, whichever program blanked. Otherwise the WAL is
 * left to SQLite's own checkpoints and reused in place: truncating it on
 * every pass wrote each page twice and grew the file again each time.
 * The count is cleared only if nothing was blanked meanwhile.
 */
int
store_wal_truncate(struct store *store)
{
	sqlite3_stmt *stmt;
	int64_t blanked;
	int rc;

	if (!sqlite3_get_autocommit(store->db))
		return 1;
	if (store_prepare(store, "SELECT blanked FROM wal_scrub", &stmt) == -1 ||
	    store_step_int64(store, stmt, 0, &blanked) == -1)
		return -1;
	if (blanked == 0)
		return 0;
	if ((rc = store_checkpoint_truncate(store)) != 0)
		return rc;
	if (store_prepare(store, "UPDATE wal_scrub SET blanked = 0"
	    " WHERE blanked = ?1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, blanked);
	return store_step_done(store, stmt, "wal scrub") < 0 ? -1 : 0;
}

void
store_hash_with(const unsigned char *secret, const char *number, size_t len,
    unsigned char *hash)
{
	unsigned char key[STORE_HASH_LEN];

	/* The device secret's "link" key, then the number under it: the
	 * hash report windows have used since schema 2. */
	seal_derive_key(secret, "link", key);
	crypto_generichash(hash, STORE_HASH_LEN, (const unsigned char *)number,
	    len, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
}

/*
 * SQL shukher_number_hash(secret, number): store_hash_with() for the
 * migrations that fill hash columns of rows already there. NULL when
 * either is missing.
 */
static void
store_sql_number_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	unsigned char hash[STORE_HASH_LEN], secret[STORE_SECRET_LEN];
	const unsigned char *s, *number;
	int n;

	(void)argc;
	s = sqlite3_value_blob(argv[0]);
	if (s == NULL || sqlite3_value_bytes(argv[0]) < STORE_SECRET_LEN) {
		sqlite3_result_null(ctx);
		return;
	}
	memcpy(secret, s, sizeof(secret));
	if ((number = sqlite3_value_text(argv[1])) == NULL) {
		sodium_memzero(secret, sizeof(secret));
		sqlite3_result_null(ctx);
		return;
	}
	n = sqlite3_value_bytes(argv[1]);
	store_hash_with(secret, (const char *)number, (size_t)n, hash);
	sodium_memzero(secret, sizeof(secret));
	sqlite3_result_blob(ctx, hash, sizeof(hash), SQLITE_TRANSIENT);
}

/* One integer from a PRAGMA or query with no parameters. Returns 0 or -1. */
static int
store_query_int(struct store *store, const char *sql, int64_t *out)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, sql, &stmt) == -1)
		return -1;
	return store_step_int64(store, stmt, 0, out);
}

/*
 * Decides whether the open database may be used: ours (or, only when
 * created says this process just made it, still empty), not newer than
 * this build, not corrupt. Returns 0 or -1 with *fault and err set; the
 * database is not written.
 */
static int
store_check_db(struct store *store, const char *path, int created,
    enum store_fault *fault, char *err, size_t errlen)
{
	int64_t appid, version, tables, ok;
	sqlite3_stmt *stmt;
	int rc;

	if (store_query_int(store, "PRAGMA application_id", &appid) == -1 ||
	    store_query_int(store, "PRAGMA user_version", &version) == -1 ||
	    store_query_int(store,
	    "SELECT count(*) FROM sqlite_master", &tables) == -1)
		return store_refuse_sqlite(fault, store->db, path, "open",
		    err, errlen);
	if ((appid != 0 && appid != STORE_APP_ID) ||
	    (appid == 0 && (tables > 0 || version > 0)))
		return store_refuse(fault, STORE_FAULT_FOREIGN, err, errlen,
		    "%s: not a shukher database (an SQLite database of "
		    "another program)", path);
	if (appid == 0 && !created)
		return store_refuse(fault, STORE_FAULT_FOREIGN, err, errlen,
		    "%s: not a shukher database (an SQLite file with nothing "
		    "in it)", path);
	if (version > store_schema_version())
		return store_refuse(fault, STORE_FAULT_NEWER, err, errlen,
		    "%s: schema version %lld is newer than this program's %d",
		    path, (long long)version, store_schema_version());
	if (tables == 0)
		return 0;
	if (store_prepare(store, "PRAGMA quick_check", &stmt) == -1)
		return store_refuse_sqlite(fault, store->db, path, "open",
		    err, errlen);
	rc = sqlite3_step(stmt);
	ok = rc == SQLITE_ROW &&
	    strcmp(store_col_str(stmt, 0), "ok") == 0;
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && (rc & 0xff) != SQLITE_CORRUPT)
		return store_refuse_sqlite(fault, store->db, path, "open",
		    err, errlen);
	if (!ok)
		return store_refuse(fault, STORE_FAULT_CORRUPT, err, errlen,
		    "%s: corrupt database (quick_check)", path);
	return 0;
}

/*
 * Applies the migrations the database lacks, each in its own transaction.
 * The version is read again inside the transaction, so two processes opening
 * a new file at once do not both migrate. Returns 0 or -1.
 */
int
store_migrate(struct store *store)
{
	int64_t version;

	/* Up to date: no write lock, so a reader never waits here. */
	if (store_query_int(store, "PRAGMA user_version", &version) == -1)
		return -1;
	if (version >= store_schema_version())
		return 0;
	for (;;) {
		if (store_begin(store) == -1)
			return -1;
		if (store_query_int(store, "PRAGMA user_version",
		    &version) == -1)
			goto fail;
		if (version >= store_schema_version())
			break;
		if (sqlite3_exec(store->db, store_schema_step((int)version), NULL,
		    NULL, NULL) != SQLITE_OK) {
			store_fail(store, "migration");
			goto fail;
		}
		if (store_commit(store) == -1)
			goto fail;
	}
	return store_commit(store);
fail:
	store_rollback(store);
	return -1;
}

int
store_settings(struct store *store)
{
	static const char *const pragmas[] = {
		"PRAGMA journal_mode = WAL",
		"PRAGMA synchronous = FULL",
		"PRAGMA foreign_keys = ON",
		/* Deleted and overwritten rows (scrubbed numbers, purged
		 * reports) are zeroed, not left in free space. */
		"PRAGMA secure_delete = ON",
		/* The WAL is no longer truncated on every pass
		 * (store_wal_truncate()): a WAL that a long read let grow
		 * past twice its usual size (1000 pages) is cut back when
		 * SQLite next resets it. */
		"PRAGMA journal_size_limit = 8388608",
		/* Sorts and temporary tables in memory, not on the card. */
		"PRAGMA temp_store = MEMORY",
	};
	size_t i;

	for (i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++)
		if (sqlite3_exec(store->db, pragmas[i], NULL, NULL, NULL) !=
		    SQLITE_OK)
			return store_fail(store, "settings");
	/* What the migrations and the budget's queries call. */
	if (sqlite3_create_function_v2(store->db, "shukher_number_hash", 2,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
	    store_sql_number_hash, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(store, "settings");
	return 0;
}

/*
 * Takes the write lock and lets it go, so that a writer learns at open,
 * not at its first write, that it cannot write. Returns 0 or -1.
 */
static int
store_probe_write(struct store *store)
{
	if (sqlite3_exec(store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	return 0;
}

/* The SQLite connection on a file store_open_file() checked (or on
 * memory). Returns 0 or -1 with *fault and err set. */
static int
store_connect(struct store *store, const char *path, int memory,
    enum store_fault *fault, char *err, size_t errlen)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	/* Only memory is created by SQLite: a file, by store_create(). */
	if (memory)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &store->db, flags, NULL) != SQLITE_OK)
		return store_refuse_sqlite(fault, store->db, path, "open",
		    err, errlen);
	sqlite3_extended_result_codes(store->db, 1);
	sqlite3_busy_timeout(store->db, STORE_BUSY_MS);
	/* The file checked is the one SQLite opened. */
	if (store_same_file(store, err, errlen) != 0)
		return store_refuse(fault, STORE_FAULT_IO, err, errlen,
		    "%s: the file changed while it was being opened", path);
	return 0;
}

struct store *
store_open_fault(const char *path, int flags, enum store_fault *fault,
    char *err, size_t errlen)
{
	struct store *store;
	enum store_fault ignored;
	int memory = strcmp(path, ":memory:") == 0, fd = -1;

	if (fault == NULL)
		fault = &ignored;
	*fault = STORE_FAULT_NONE;
	if (sodium_init() < 0) {
		store_refuse(fault, STORE_FAULT_NO_MEMORY, err, errlen,
		    "sodium_init failed");
		return NULL;
	}
	if (!memory && (fd = store_open_file(path, flags, fault, err,
	    errlen)) == -1)
		return NULL;
	if ((store = calloc(1, sizeof(*store))) == NULL ||
	    (store->path = strdup(path)) == NULL) {
		free(store);
		if (fd != -1)
			close(fd);
		store_refuse(fault, STORE_FAULT_NO_MEMORY, err, errlen,
		    "%s: out of memory", path);
		return NULL;
	}
	store->fd = fd;
	if (store_connect(store, path, memory, fault, err, errlen) == -1 ||
	    store_check_db(store, path, memory, fault, err, errlen) == -1)
		goto fail;
	if (store_settings(store) == -1 || store_migrate(store) == -1 ||
	    ((flags & STORE_WRITER) && store_probe_write(store) == -1)) {
		store_refuse_sqlite(fault, store->db, path, "open", err,
		    errlen);
		goto fail;
	}
	if (flags & STORE_MARK)
		store_mark(path);
	store->err[0] = '\0';
	return store;
fail:
	store_close(store);
	return NULL;
}

struct store *
store_open(const char *path, int flags, char *err, size_t errlen)
{
	return store_open_fault(path, flags, NULL, err, errlen);
}

/* Closes the database; rolls back a transaction left open. NULL is fine.
 * The descriptor of the file goes last: closing it drops every POSIX lock
 * this process holds on the file, SQLite's too. */
void
store_close(struct store *store)
{
	if (store == NULL)
		return;
	if (store->db != NULL) {
		store->depth = 0;       /* all of it, nested or not */
		store_rollback(store);
		sqlite3_close_v2(store->db);
	}
	if (store->fd >= 0)
		close(store->fd);
	free(store->path);
	free(store);
}
