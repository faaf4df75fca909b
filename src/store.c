/*
 * store: opening shukher.db, its schema, and transactions.
 *
 * Opening is careful because the file holds reports nobody may lose: a file
 * that is not a SQLite database, belongs to another program, is corrupt or
 * was written by a newer shukher is refused and never touched; a missing file
 * is created only where no database ever was (store_file.c). The schema
 * grows by numbered migrations keyed on PRAGMA user_version, each in its own
 * transaction with its version bump. The other store_*.c files hold the
 * queries, by table.
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

#include "store.h"
#include "store_int.h"

/* PRAGMA application_id of a shukher database: "SHKR". */
#define STORE_APP_ID	0x53484b52
#define STORE_BUSY_MS	5000

/*
 * The migrations. Entry i brings user_version from i to i + 1 and sets it
 * itself (a PRAGMA takes no bound parameter, and a literal keeps SQL out of
 * printf). Never edit an entry that has shipped: append a new one.
 */
static const char *const store_migrations[] = {
	/* 1: the first schema. */
	"PRAGMA application_id = 1397246802;"	/* STORE_APP_ID */
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY,"
	" sender TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" sent_at INTEGER NOT NULL DEFAULT 0,"
	" received_at INTEGER NOT NULL,"
	" handled_at INTEGER,"			/* NULL until handled */
	" keyword TEXT,"
	" parts INTEGER NOT NULL DEFAULT 1,"
	" partial INTEGER NOT NULL DEFAULT 0,"
	" malformed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX messages_unhandled ON messages(id)"
	" WHERE handled_at IS NULL;"
	"CREATE INDEX messages_received ON messages(received_at);"
	"CREATE TABLE parts ("
	" id INTEGER PRIMARY KEY,"
	" sender TEXT NOT NULL,"
	" sent_at INTEGER NOT NULL,"
	" concat_ref INTEGER NOT NULL,"
	" part_no INTEGER NOT NULL,"
	" part_count INTEGER NOT NULL,"
	" text TEXT NOT NULL,"
	" coding INTEGER NOT NULL DEFAULT 0,"
	" malformed INTEGER NOT NULL DEFAULT 0,"
	" received_at INTEGER NOT NULL,"
	" message_id INTEGER REFERENCES messages(id));"
	"CREATE UNIQUE INDEX parts_unique ON parts"
	" (sender, sent_at, concat_ref, part_no, part_count, text);"
	"CREATE INDEX parts_pending ON parts(sender, concat_ref, part_count)"
	" WHERE message_id IS NULL;"
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" number TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'queued'"
	"  CHECK (state IN ('queued', 'sent', 'failed')),"
	" kind INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL,"
	" next_at INTEGER NOT NULL,"
	" sent_at INTEGER NOT NULL DEFAULT 0,"
	" msgref TEXT,"
	" last_error TEXT,"
	" in_reply_to INTEGER);"
	"CREATE INDEX outbox_due ON outbox(next_at) WHERE state = 'queued';"
	"CREATE INDEX outbox_replies ON outbox(number, created_at)"
	" WHERE kind = 0;"
	"CREATE INDEX outbox_created ON outbox(created_at);"
	"CREATE TABLE reports ("
	" id INTEGER PRIMARY KEY,"
	" ref TEXT NOT NULL UNIQUE,"
	" number TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'open'"
	"  CHECK (status IN ('open', 'closed')),"
	" urgent INTEGER NOT NULL DEFAULT 0,"
	" message_id INTEGER,"
	" created_at INTEGER NOT NULL,"
	" closed_at INTEGER NOT NULL DEFAULT 0,"
	" outcome TEXT);"
	"CREATE INDEX reports_status ON reports(status, urgent, created_at);"
	"CREATE INDEX reports_created ON reports(created_at);"
	"CREATE TABLE contacts ("
	" number TEXT PRIMARY KEY,"
	" opted_out INTEGER NOT NULL DEFAULT 0,"
	" lang INTEGER NOT NULL DEFAULT -1,"
	" state TEXT NOT NULL DEFAULT '',"
	" state_at INTEGER NOT NULL DEFAULT 0,"
	" updated_at INTEGER NOT NULL);"
	"CREATE TABLE stats ("
	" day TEXT NOT NULL,"
	" keyword TEXT NOT NULL,"
	" count INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (day, keyword)) WITHOUT ROWID;"
	"CREATE TABLE modem_state ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" connected INTEGER NOT NULL,"
	" since INTEGER NOT NULL,"
	" operator_name TEXT NOT NULL,"
	" signal_dbm INTEGER NOT NULL,"
	" signal_percent INTEGER NOT NULL,"
	" sim_used INTEGER NOT NULL,"
	" sim_total INTEGER NOT NULL,"
	" last_error TEXT NOT NULL,"
	" last_error_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL);"
	"PRAGMA user_version = 1;",
	/*
	 * 2: reports sealed to the caseworkers' key, their timeline, the
	 * windows in which a number's next message belongs to a report (keyed
	 * by a hash of the number, never the number), the device secret for
	 * those hashes and for the short-lived relay copy of a number, and
	 * the caseworkers' wrong PINs.
	 */
	"ALTER TABLE reports ADD COLUMN sealed BLOB;"
	"ALTER TABLE reports ADD COLUMN key_id TEXT;"
	"ALTER TABLE reports ADD COLUMN claimed_by TEXT;"
	"ALTER TABLE reports ADD COLUMN claimed_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE reports ADD COLUMN alert_level INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE reports ADD COLUMN alerted_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE reports ADD COLUMN relay BLOB;"
	"ALTER TABLE reports ADD COLUMN relay_until INTEGER NOT NULL"
	" DEFAULT 0;"
	"CREATE INDEX reports_escalate ON reports(alerted_at)"
	" WHERE status = 'open' AND urgent = 1 AND claimed_at = 0;"
	"CREATE TABLE report_entries ("
	" id INTEGER PRIMARY KEY,"
	" report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	" at INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" actor TEXT,"
	" body BLOB,"				/* sealed when key_id is set */
	" key_id TEXT,"
	" outbox_id INTEGER);"
	"CREATE INDEX report_entries_report ON report_entries(report_id, id);"
	"CREATE INDEX report_entries_outbox ON report_entries(outbox_id)"
	" WHERE outbox_id IS NOT NULL;"
	"CREATE TABLE report_links ("
	" hash BLOB PRIMARY KEY,"
	" report_id INTEGER REFERENCES reports(id) ON DELETE CASCADE,"
	" state TEXT NOT NULL,"
	" lang INTEGER NOT NULL DEFAULT -1,"
	" expires_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE secrets ("
	" name TEXT PRIMARY KEY,"
	" value BLOB NOT NULL) WITHOUT ROWID;"
	"INSERT INTO secrets VALUES ('device', randomblob(32));"
	"CREATE TABLE pin_failures ("
	" name TEXT PRIMARY KEY,"
	" failures INTEGER NOT NULL,"
	" locked_until INTEGER NOT NULL) WITHOUT ROWID;"
	"PRAGMA user_version = 2;",
	/*
	 * 3: a part read twice is recognised by a keyed digest (device
	 * secret) of sender, timestamp, reference, numbers and text, which
	 * stays when a report's text and number are blanked; the text is no
	 * longer part of what makes a part unique. Parts stored before keep
	 * a NULL digest and are matched by their columns (parts_legacy).
	 */
	"ALTER TABLE parts ADD COLUMN digest BLOB;"
	"DROP INDEX parts_unique;"
	"CREATE UNIQUE INDEX parts_digest ON parts(digest);"
	"CREATE INDEX parts_legacy ON parts"
	" (sender, sent_at, concat_ref, part_no, part_count)"
	" WHERE digest IS NULL;"
	"PRAGMA user_version = 3;",
	/*
	 * 4: delivery reports. What the network said of a sent message:
	 * NULL until a report comes, then 'delivered' or 'failed' (a failed
	 * part makes the message failed).
	 */
	"ALTER TABLE outbox ADD COLUMN delivery TEXT"
	"  CHECK (delivery IN ('delivered', 'failed'));"
	"ALTER TABLE outbox ADD COLUMN delivered_at INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX outbox_sent ON outbox(sent_at) WHERE state = 'sent';"
	"PRAGMA user_version = 4;",
	/*
	 * 5: the web console. Caseworkers' accounts (a crypto_pwhash_str
	 * hash, never a password; names compared case-sensitively, as typed
	 * at sign-in), the audit log (who did what to which report, through
	 * what, from where: no text and no number; report_ref is copied so
	 * that a row still names its report once retention has deleted it,
	 * hence no foreign key), and the vault: the caseworkers' secret key
	 * encrypted with a passphrase (seal_lock()), by key id.
	 */
	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE"
	"  CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 63),"
	" pwhash TEXT NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0,"
	" failures INTEGER NOT NULL DEFAULT 0,"
	" locked_until INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL,"
	" last_signin_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE audit ("
	" id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" via TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" report_id INTEGER,"			/* NULL: none */
	" report_ref TEXT,"
	" addr TEXT,"				/* NULL: from the cli */
	" detail TEXT);"			/* the account of a users action */
	"CREATE INDEX audit_report ON audit(report_id, id)"
	" WHERE report_id IS NOT NULL;"
	"CREATE TABLE vault ("
	" key_id TEXT PRIMARY KEY,"
	" blob BLOB NOT NULL,"
	" created_at INTEGER NOT NULL);"
	"PRAGMA user_version = 5;",
	/*
	 * 6: the network's time as the modem last told it, with the boot and
	 * the CLOCK_BOOTTIME second it was read at, so that `shukherctl clock`
	 * can carry it forward to now without trusting the system clock (which
	 * is what it is there to check).
	 */
	"ALTER TABLE modem_state ADD COLUMN network_time INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE modem_state ADD COLUMN network_boottime INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE modem_state ADD COLUMN boot_id TEXT NOT NULL DEFAULT '';"
	"PRAGMA user_version = 6;",
	/*
	 * 7: a part waiting for the rest of its message keeps its user data
	 * as it came (UCS-2 units or 8-bit bytes), so that a character split
	 * between two parts is joined before it is decoded; the data goes
	 * when the message is made. form 1 marks the parts stored so (data
	 * NULL: the text is all there is); 0 those stored before, whose text
	 * is UTF-8 as it was decoded then, or the hex of the data when
	 * malformed.
	 */
	"ALTER TABLE parts ADD COLUMN data BLOB;"
	"ALTER TABLE parts ADD COLUMN form INTEGER NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 7;",
	/*
	 * 8: every outgoing message counts in its recipient's reply budget by
	 * a keyed hash of the number (device secret, as report windows), so
	 * that it still counts once the number is blanked; rows whose number
	 * is still there get theirs now. Caseworkers' wrong-PIN answers are
	 * rate-limited (quiet_until) and the warning that a PIN is being
	 * guessed goes once a streak (warned). A window remembers when its
	 * number last alerted the roster.
	 */
	"ALTER TABLE outbox ADD COLUMN number_hash BLOB;"
	"UPDATE outbox SET number_hash = shukher_number_hash("
	" (SELECT value FROM secrets WHERE name = 'device'), number)"
	" WHERE number <> '';"
	"DROP INDEX outbox_replies;"
	"CREATE INDEX outbox_budget ON outbox(number_hash, created_at)"
	" WHERE number_hash IS NOT NULL;"
	"ALTER TABLE pin_failures ADD COLUMN quiet_until INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE pin_failures ADD COLUMN warned INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE report_links ADD COLUMN alerted_at INTEGER NOT NULL"
	" DEFAULT 0;"
	"PRAGMA user_version = 8;",
};

#define STORE_NMIGRATIONS \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

int
store_schema_version(void)
{
	return STORE_NMIGRATIONS;
}

int
store_fail(struct store *store, const char *what)
{
	snprintf(store->err, sizeof(store->err), "%s: %s", what,
	    sqlite3_errmsg(store->db));
	return -1;
}

int
store_failx(struct store *store, const char *what)
{
	snprintf(store->err, sizeof(store->err), "%s", what);
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
store_begin(struct store *store)
{
	if (store_settle(store) == -1)
		return -1;
	if (sqlite3_exec(store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return store_fail(store, "begin");
	return 0;
}

int
store_commit(struct store *store)
{
	if (sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(store, "commit");
	return 0;
}

/* Rolls back the open transaction, if any; keeps the last error. When
 * the ROLLBACK itself fails, the next statement tries it again. */
void
store_rollback(struct store *store)
{
	if (!sqlite3_get_autocommit(store->db))
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	store->rollback_due = !sqlite3_get_autocommit(store->db);
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
 * daemon must not stall while shukherctl reads): a busy database is
 * reported as 1 and tried again later.
 */
int
store_wal_truncate(struct store *store)
{
	int log = 0, done = 0, rc;

	if (!sqlite3_get_autocommit(store->db))
		return 1;
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

void
store_hash_with(const unsigned char *secret, const char *number, size_t len,
    unsigned char *hash)
{
	unsigned char key[STORE_HASH_LEN];

	/* The device secret's "link" key, then the number under it: the
	 * hash report windows have used since schema 2. */
	crypto_generichash(key, sizeof(key), (const unsigned char *)"link", 4,
	    secret, STORE_SECRET_LEN);
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
	if (version > STORE_NMIGRATIONS)
		return store_refuse(fault, STORE_FAULT_NEWER, err, errlen,
		    "%s: schema version %lld is newer than this program's %d",
		    path, (long long)version, STORE_NMIGRATIONS);
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
	if (version >= STORE_NMIGRATIONS)
		return 0;
	for (;;) {
		if (store_begin(store) == -1)
			return -1;
		if (store_query_int(store, "PRAGMA user_version",
		    &version) == -1)
			goto fail;
		if (version >= STORE_NMIGRATIONS)
			break;
		if (sqlite3_exec(store->db, store_migrations[version], NULL,
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
		store_rollback(store);
		sqlite3_close_v2(store->db);
	}
	if (store->fd >= 0)
		close(store->fd);
	free(store->path);
	free(store);
}
