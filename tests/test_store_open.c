/*
 * test_store_open: opening shukher.db as the daemon and shukherctl meet it:
 * a file that is not ours, is corrupt or newer is refused and never
 * touched; a database is created only where none ever was; two processes
 * share one file; transactions nest and fail cleanly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"

#include "store_util.h"

/* ---- opening -------------------------------------------------------------- */

static void
write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static size_t
read_file(const char *path, void *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len, f);
	fclose(f);
	return n;
}

static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void
refused(const char *path, int create, const char *word)
{
	char err[256];

	err[0] = '\0';
	assert_null(store_open(path, create, err, sizeof(err)));
	if (strstr(err, word) == NULL || strstr(err, path) == NULL)
		fail_msg("error \"%s\" lacks \"%s\" or the path", err, word);
}

static void
test_open_garbage(void **state)
{
	const char *path = su_path_for("garbage.db");
	char wal[300];
	unsigned char buf[8192], back[8192 + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	write_file(path, buf, sizeof(buf));
	refused(path, 1, "not a shukher database");
	refused(path, 0, "not a shukher database");
	assert_int_equal(read_file(path, back, sizeof(back)), sizeof(buf));
	assert_memory_equal(buf, back, sizeof(buf));
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_false(exists(wal));

	/* An empty file is no database for a tool that must not create one. */
	path = su_path_for("empty.db");
	write_file(path, "", 0);
	refused(path, 0, "not a shukher database");
}

static void
test_open_missing(void **state)
{
	const char *path = su_path_for("missing.db");
	char err[256], wal[300];

	(void)state;
	err[0] = '\0';
	assert_null(store_open(path, 0, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_false(exists(path));
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_false(exists(wal));
}

/* Opens path with flags; expects the fault, and word in the message. */
static void
refused_as(const char *path, int flags, enum store_fault want,
    const char *word)
{
	enum store_fault fault = STORE_FAULT_NONE;
	char err[768];

	err[0] = '\0';
	assert_null(store_open_fault(path, flags, &fault, err, sizeof(err)));
	if (fault != want || strstr(err, word) == NULL ||
	    strstr(err, path) == NULL)
		fail_msg("fault %d (not %d), error \"%s\" (lacks \"%s\" or the "
		    "path)", (int)fault, (int)want, err, word);
}

/* No half-made database (path.new.PID) stays behind. */
static void
assert_no_temp_files(void)
{
	struct dirent *de;
	DIR *d;

	assert_non_null(d = opendir(su_tmpdir));
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".new.") != NULL)
			fail_msg("left behind: %s", de->d_name);
	closedir(d);
}

static void
test_open_creates_only_on_first_start(void **state)
{
	const char *path = su_path_for("first.db");
	char mark[300], wal[300];
	struct store *s;
	struct stat st;

	(void)state;
	snprintf(mark, sizeof(mark), "%s.created", path);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	/* Nothing there, not asked to create: missing (66), nothing made. */
	refused_as(path, 0, STORE_FAULT_MISSING, "No such file");
	assert_false(exists(path));
	assert_int_equal(store_fault_exit(STORE_FAULT_MISSING), 66);

	/* The first start: created, and marked when asked. */
	s = su_open_ok(path, STORE_CREATE);
	store_close(s);
	assert_true(exists(path));
	assert_false(exists(mark));
	s = su_open_ok(path, STORE_CREATE | STORE_MARK);
	store_close(s);
	assert_true(exists(mark));

	/* Deleted: never replaced by an empty one, whoever asks. */
	assert_int_equal(unlink(path), 0);
	unlink(wal);
	refused_as(path, STORE_CREATE | STORE_MARK, STORE_FAULT_VANISHED,
	    "vanished");
	refused_as(path, STORE_CREATE, STORE_FAULT_VANISHED, ".created");
	assert_false(exists(path));
	assert_int_equal(store_fault_exit(STORE_FAULT_VANISHED), 74);

	/* A -wal or -journal left alone says the same without a marker. */
	path = su_path_for("walonly.db");
	snprintf(wal, sizeof(wal), "%s-wal", path);
	write_file(wal, "x", 1);
	refused_as(path, STORE_CREATE, STORE_FAULT_VANISHED, "-wal");
	assert_false(exists(path));
	unlink(wal);
	path = su_path_for("journalonly.db");
	snprintf(wal, sizeof(wal), "%s-journal", path);
	write_file(wal, "x", 1);
	refused_as(path, STORE_CREATE, STORE_FAULT_VANISHED, "-journal");
	unlink(wal);

	/* A zero-length file is no database to initialise either. */
	path = su_path_for("zero.db");
	write_file(path, "", 0);
	refused_as(path, STORE_CREATE | STORE_WRITER | STORE_MARK,
	    STORE_FAULT_EMPTY, "empty file");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(store_fault_exit(STORE_FAULT_EMPTY), 74);

	/* Not SQLite, and another program's SQLite: foreign. */
	path = su_path_for("text.db");
	write_file(path, "hello, this is a text file\n", 27);
	refused_as(path, STORE_CREATE, STORE_FAULT_FOREIGN, "not an SQLite");
	path = su_path_for("app.db");
	su_raw_sql(path, "CREATE TABLE t (x);");
	refused_as(path, STORE_CREATE, STORE_FAULT_FOREIGN, "another program");
	assert_no_temp_files();
}

static void
test_create_never_replaces(void **state)
{
	const char *path = su_path_for("init.db");
	enum store_fault fault;
	char err[768];
	struct store *s;
	struct stat st;

	(void)state;
	assert_int_equal(store_create(path, &fault, err, sizeof(err)), 0);
	s = su_open_ok(path, 0);
	store_close(s);
	assert_int_equal(su_raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07, 0);
	/* Again: exists (exit 1), the file untouched. */
	assert_int_equal(store_create(path, &fault, err, sizeof(err)), -1);
	assert_int_equal(fault, STORE_FAULT_EXISTS);
	assert_int_equal(store_fault_exit(fault), 1);
	/* Not over an empty file either. */
	path = su_path_for("init0.db");
	write_file(path, "", 0);
	assert_int_equal(store_create(path, &fault, err, sizeof(err)), -1);
	assert_int_equal(fault, STORE_FAULT_EXISTS);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	/* No directory: missing. */
	path = su_path_for("nodir/init.db");
	assert_int_equal(store_create(path, &fault, err, sizeof(err)), -1);
	assert_int_equal(fault, STORE_FAULT_MISSING);
	assert_no_temp_files();
}

static void
test_same_file(void **state)
{
	const char *path = su_path_for("same.db"), *moved = su_path_for("moved.db");
	struct store *s, *mem;
	char err[256];

	(void)state;
	s = su_open_ok(path, STORE_CREATE);
	assert_int_equal(store_same_file(s, err, sizeof(err)), 0);
	/* Renamed away, and back. */
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(store_same_file(s, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "renamed"));
	assert_int_equal(rename(moved, path), 0);
	assert_int_equal(store_same_file(s, err, sizeof(err)), 0);
	/* Another file moved over it. */
	write_file(moved, "x", 1);
	assert_int_equal(rename(moved, path), 0);
	assert_int_equal(store_same_file(s, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "replaced"));
	/* Deleted. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(store_same_file(s, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "deleted"));
	store_close(s);
	mem = su_open_ok(":memory:", STORE_CREATE);
	assert_int_equal(store_same_file(mem, err, sizeof(err)), 0);
	store_close(mem);
}

static void
test_open_foreign_newer_corrupt(void **state)
{
	const char *path;
	unsigned char junk[4096];
	struct store *s;
	FILE *f;

	(void)state;
	path = su_path_for("other.db");
	su_raw_sql(path, "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
	refused(path, 1, "not a shukher database");
	assert_int_equal(su_raw_int(path, "SELECT count(*) FROM sqlite_master"),
	    1);

	path = su_path_for("otherapp.db");
	su_raw_sql(path, "PRAGMA application_id = 1234;");
	refused(path, 1, "not a shukher database");

	path = su_path_for("newer.db");
	store_close(su_open_ok(path, 1));
	su_raw_sql(path, "PRAGMA user_version = 999;");
	refused(path, 0, "newer");

	path = su_path_for("corrupt.db");
	s = su_open_ok(path, 1);
	assert_true(store_report_add(s, SENDER, "x", 0, 0, NOW, NULL, 0) > 0);
	store_close(s);
	memset(junk, 0xa5, sizeof(junk));
	assert_non_null(f = fopen(path, "r+b"));
	assert_int_equal(fseek(f, 4096 * 2, SEEK_SET), 0);
	assert_int_equal(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
	assert_int_equal(fclose(f), 0);
	refused(path, 0, "corrupt");
}

static void
test_open_reopen_keeps_data(void **state)
{
	const char *path = su_path_for("reopen.db");
	struct store_part p = su_part(SENDER, NOW, 0, 1, 1, "hi");
	struct store_report r;
	char ref[16];
	struct store *s;
	int64_t id;

	(void)state;
	s = su_open_ok(path, 1);
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	id = store_report_add(s, SENDER, "report", 1, 0, NOW, ref,
	    sizeof(ref));
	assert_true(id > 0);
	store_close(s);
	assert_int_equal(su_raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
	assert_true(su_raw_int(path, "PRAGMA application_id") != 0);
	assert_int_equal(su_raw_int(path, "SELECT count(*) FROM pragma_journal_mode"
	    " WHERE journal_mode = 'wal'"), 1);

	s = su_open_ok(path, 0);
	assert_int_equal(su_inbox(s, NULL, NULL, 0).n, 1);
	assert_int_equal(store_report_find(s, ref, &r), 1);
	assert_int_equal(r.id, id);
	store_report_free(&r);
	store_close(s);
	s = su_open_ok(path, 1);	/* create on an existing file: same data */
	assert_int_equal(su_inbox(s, NULL, NULL, 0).n, 1);
	store_close(s);
	assert_int_equal(su_raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
}

/* ---- two processes on one file ---------------------------------------------- */

static void
test_concurrent_readers(void **state)
{
	const char *path = su_path_for("shared.db");
	struct store_counts c;
	struct seen seen;
	struct store *daemon, *ctl, *late;
	time_t t0;

	(void)state;
	t0 = time(NULL);
	daemon = su_open_ok(path, 1);
	ctl = su_open_ok(path, 0);
	assert_true(store_outbox_add(daemon, SENDER, "before",
	    STORE_OUT_REPLY, 0, NOW) > 0);

	assert_int_equal(store_begin(daemon), 0);
	assert_true(store_outbox_add(daemon, SENDER, "during",
	    STORE_OUT_REPLY, 0, NOW + 1) > 0);
	/* The reader is not locked out, and sees the committed state. */
	assert_int_equal(store_counts(ctl, &c), 0);
	assert_int_equal(c.outbox_queued, 1);
	seen = su_outbox(ctl, NULL);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.text[0], "before");
	/* shukherctl started now opens at once, without waiting. */
	late = su_open_ok(path, 0);
	assert_int_equal(store_counts(late, &c), 0);
	assert_int_equal(c.outbox_queued, 1);
	store_close(late);
	assert_int_equal(store_commit(daemon), 0);

	assert_int_equal(store_counts(ctl, &c), 0);
	assert_int_equal(c.outbox_queued, 2);
	/* And the reader may write once the writer is done. */
	assert_int_equal(store_stat_bump(ctl, "2021-03-01", "help"), 0);

	/* A rollback leaves nothing behind. */
	assert_int_equal(store_begin(daemon), 0);
	assert_true(store_outbox_add(daemon, SENDER, "never",
	    STORE_OUT_REPLY, 0, NOW + 2) > 0);
	store_rollback(daemon);
	assert_int_equal(su_outbox(ctl, NULL).n, 2);
	assert_true(time(NULL) - t0 < 3);	/* nobody sat out a timeout */
	store_close(ctl);
	store_close(daemon);
}

/* A second process that writes while the daemon holds a write transaction
 * waits for it (busy timeout) instead of failing with "database is locked".
 * The child is forked before the parent opens the file (SQLite connections
 * must not cross a fork) and starts when told through a pipe. */
static void
test_concurrent_writer_waits(void **state)
{
	const char *path = su_path_for("busy.db");
	struct store_counts c;
	struct store *daemon, *ctl;
	int fds[2], status;
	char err[256], go;
	pid_t pid;

	(void)state;
	store_close(su_open_ok(path, 1));
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(fds[1]);
		if (read(fds[0], &go, 1) != 1)
			_exit(2);
		if ((ctl = store_open(path, 0, err, sizeof(err))) == NULL)
			_exit(3);
		if (store_outbox_add(ctl, "+97688888888", "manual",
		    STORE_OUT_MANUAL, 0, NOW + 1) <= 0)
			_exit(4);
		store_close(ctl);
		_exit(0);
	}
	close(fds[0]);
	daemon = su_open_ok(path, 0);
	assert_int_equal(store_begin(daemon), 0);
	assert_true(store_outbox_add(daemon, SENDER, "a", STORE_OUT_REPLY, 0,
	    NOW) > 0);
	assert_int_equal(write(fds[1], "g", 1), 1);
	close(fds[1]);
	usleep(300 * 1000);
	assert_int_equal(store_commit(daemon), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(store_counts(daemon, &c), 0);
	assert_int_equal(c.outbox_queued, 2);
	store_close(daemon);
}

/*
 * Inside the caller's transaction a store call is undone by its rollback;
 * a store_begin() inside one nests, and its rollback undoes only what came
 * after it (the gateway's batch of messages, each all or nothing); errors
 * say what failed.
 */
static void
test_transactions_and_errors(void **state)
{
	struct store_part p = su_part(SENDER, NOW, 0, 1, 1, "in tx");
	struct store_part q = su_part(SENDER, NOW + 1, 0, 1, 1, "nested");
	struct store_part r = su_part(SENDER, NOW + 2, 0, 1, 1, "kept");
	struct store_msg m;
	struct stat st;
	struct store *s;

	(void)state;
	s = su_open_ok(":memory:", 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_put_part(s, &q, NOW), 1);
	store_rollback(s);                      /* q alone */
	assert_int_equal(su_inbox(s, NULL, NULL, 0).n, 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_put_part(s, &r, NOW), 1);
	assert_int_equal(store_commit(s), 0);   /* into the outer one */
	assert_int_equal(su_inbox(s, NULL, NULL, 0).n, 2);
	store_rollback(s);                      /* the outer: all of it */
	assert_int_equal(store_msg_next(s, &m), 0);
	assert_int_equal(su_pending(s), 0);
	assert_int_equal(store_commit(s), -1);	/* none open */
	assert_true(strlen(store_errmsg(s)) > 0);
	assert_null(strstr(store_errmsg(s), SENDER));

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_put_part(s, &q, NOW), 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_put_part(s, &r, NOW), 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(su_inbox(s, NULL, NULL, 0).n, 2);
	assert_int_equal(store_commit(s), -1);
	store_close(s);
	s = su_open_ok(":memory:", 1);

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	assert_int_equal(store_put_part(s, &p, NOW), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(su_inbox(s, NULL, NULL, 0).n, 1);
	assert_int_equal(store_commit(s), -1);	/* none open */
	store_close(s);

	/* A new file is not readable by others: it holds reports. */
	s = su_open_ok(su_path_for("private.db"), 1);
	assert_int_equal(stat(su_path_for("private.db"), &st), 0);
	assert_int_equal(st.st_mode & 07, 0);
	store_close(s);
}

static void
test_free_zeroed(void **state)
{
	struct store_msg m;
	struct store_out o;
	struct store_report r;

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	store_msg_free(&m);
	store_out_free(&o);
	store_report_free(&r);
	store_close(NULL);
	assert_null(m.text);
	assert_null(o.text);
	assert_null(r.text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_garbage),
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_open_creates_only_on_first_start),
		cmocka_unit_test(test_create_never_replaces),
		cmocka_unit_test(test_same_file),
		cmocka_unit_test(test_open_foreign_newer_corrupt),
		cmocka_unit_test(test_open_reopen_keeps_data),
		cmocka_unit_test(test_concurrent_readers),
		cmocka_unit_test(test_concurrent_writer_waits),
		cmocka_unit_test(test_transactions_and_errors),
		cmocka_unit_test(test_free_zeroed),
	};

	return cmocka_run_group_tests(tests, su_group_setup, su_group_teardown);
}
