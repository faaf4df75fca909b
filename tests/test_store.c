/*
 * test_store: the store's promises, checked on real SQLite files.
 *
 * The crash tests fork a child that works on a database file and kills
 * itself with SIGKILL at the worst moment (after storing, before deleting
 * from the modem; before a commit; while a reply is on the wire); the parent
 * then opens the file as the restarted daemon would and checks that nothing
 * was lost and nothing happens twice. The rest covers the queries that the
 * router, the daemon and shukherctl rely on. sqlite3 is used directly only
 * to make files the store must refuse.
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

#define NOW		1700000000
#define SENDER		"+97699112233"
#define ALPHABET	"23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

static char tmpdir[64];

static const char *
path_for(const char *name)
{
	static char path[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", tmpdir, name);
	return path[i];
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_store.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	(void)state;
	if ((d = opendir(tmpdir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

static struct store *
open_ok(const char *path, int create)
{
	char err[256];
	struct store *s;

	s = store_open(path, create, err, sizeof(err));
	if (s == NULL)
		fail_msg("store_open %s: %s", path, err);
	return s;
}

static struct store_part
part(const char *sender, int64_t sent_at, int ref, int no, int count,
    const char *text)
{
	struct store_part p;

	memset(&p, 0, sizeof(p));
	p.sender = sender;
	p.sent_at = sent_at;
	p.concat_ref = ref;
	p.part_no = no;
	p.part_count = count;
	p.text = text;
	p.coding = STORE_CODING_UCS2;
	return p;
}

/* ---- collecting listings ------------------------------------------------ */

struct seen {
	int n;
	int64_t id[16];
	char text[16][128];
	char extra[16][64];
	int flag[16];
};

static int
seen_msg(void *arg, const struct store_msg *m)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->id[s->n] = m->id;
		snprintf(s->text[s->n], 128, "%s", m->text);
		snprintf(s->extra[s->n], 64, "%s", m->sender);
		s->flag[s->n] = m->partial;
	}
	s->n++;
	return 0;
}

static int
seen_out(void *arg, const struct store_out *o)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->id[s->n] = o->id;
		snprintf(s->text[s->n], 128, "%s", o->text);
		snprintf(s->extra[s->n], 64, "%s", o->msgref ? o->msgref : "");
		s->flag[s->n] = o->attempts;
	}
	s->n++;
	return 0;
}

static int
seen_report(void *arg, const struct store_report *r)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->id[s->n] = r->id;
		snprintf(s->text[s->n], 128, "%s", r->text);
		snprintf(s->extra[s->n], 64, "%s", r->status);
		s->flag[s->n] = r->urgent;
	}
	s->n++;
	return 0;
}

static int
stop_after_one(void *arg, const struct store_msg *m)
{
	(void)m;
	(*(int *)arg)++;
	return 1;
}

static struct seen
inbox(struct store *s, const char *state, const char *search, int limit)
{
	struct store_filter f = { state, -1, 0, search, limit };
	struct seen seen;

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_list_inbox(s, &f, seen_msg, &seen), 0);
	return seen;
}

static struct seen
outbox(struct store *s, const char *state)
{
	struct store_filter f = { state, -1, 0, NULL, 0 };
	struct seen seen;

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_list_outbox(s, &f, seen_out, &seen), 0);
	return seen;
}

/* ---- crashes -------------------------------------------------------------- */

/* Runs fn(path) in a child and checks that it died of SIGKILL, which fn
 * raises where the crash is meant to happen; fn exits with a status > 0 if
 * something before that failed. */
static void
crash_child(void (*fn)(const char *), const char *path)
{
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		fn(path);
		_exit(99);	/* fn must not return */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status))
		fail_msg("child exited with %d before the crash",
		    WEXITSTATUS(status));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

static void
child_store_then_die(const char *path)
{
	struct store_part p = part(SENDER, NOW - 5, 0, 1, 1, "тусламж");
	char err[256];
	struct store *s;

	if ((s = store_open(path, 1, err, sizeof(err))) == NULL)
		_exit(2);
	if (store_put_part(s, &p, NOW) != 1)
		_exit(3);
	raise(SIGKILL);		/* before "delete from the modem" */
}

static void
test_stored_before_deleted(void **state)
{
	const char *path = path_for("stored.db");
	struct store_part p = part(SENDER, NOW - 5, 0, 1, 1, "тусламж");
	struct store_msg m;
	struct seen seen;
	struct store *s;

	(void)state;
	crash_child(child_store_then_die, path);
	s = open_ok(path, 0);
	seen = inbox(s, NULL, NULL, 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.text[0], "тусламж");
	assert_string_equal(seen.extra[0], SENDER);

	/* The modem still has it and gives it again. */
	assert_int_equal(store_put_part(s, &p, NOW + 10), 0);
	assert_int_equal(inbox(s, NULL, NULL, 0).n, 1);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_int_equal(m.id, seen.id[0]);
	assert_int_equal(m.sent_at, NOW - 5);
	assert_int_equal(m.received_at, NOW);
	assert_int_equal(m.handled_at, 0);
	assert_null(m.keyword);
	store_msg_free(&m);
	store_close(s);
}

static void
child_handle(const char *path, int commit)
{
	char err[256];
	struct store_msg m;
	struct store *s;

	if ((s = store_open(path, 0, err, sizeof(err))) == NULL)
		_exit(2);
	if (store_msg_next(s, &m) != 1 || store_begin(s) == -1)
		_exit(3);
	if (store_outbox_add(s, m.sender, "Утас 108", STORE_OUT_REPLY, m.id,
	    NOW + 1) <= 0)
		_exit(4);
	if (store_msg_handled(s, m.id, "help", NOW + 1) != 1)
		_exit(5);
	if (commit && store_commit(s) == -1)
		_exit(6);
	raise(SIGKILL);
}

static void
child_handle_nocommit(const char *path)
{
	child_handle(path, 0);
}

static void
child_handle_commit(const char *path)
{
	child_handle(path, 1);
}

static void
test_handled_once(void **state)
{
	const char *path = path_for("handled.db");
	struct store_part p = part(SENDER, NOW - 5, 0, 1, 1, "HELP");
	struct store_msg m;
	struct seen seen;
	struct store *s;
	int64_t id;

	(void)state;
	s = open_ok(path, 1);
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	store_close(s);

	crash_child(child_handle_nocommit, path);
	s = open_ok(path, 0);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_int_equal(m.handled_at, 0);
	id = m.id;
	store_msg_free(&m);
	assert_int_equal(outbox(s, NULL).n, 0);
	store_close(s);

	crash_child(child_handle_commit, path);
	s = open_ok(path, 0);
	assert_int_equal(store_msg_next(s, &m), 0);
	seen = outbox(s, NULL);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.text[0], "Утас 108");
	seen = inbox(s, "handled", NULL, 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.id[0], id);
	assert_int_equal(store_msg_handled(s, id, "help", NOW + 2), 0);
	assert_int_equal(store_outbox_count(s, SENDER, NOW), 1);
	store_close(s);
}

static void
child_take_and_die(const char *path)
{
	char err[256];
	struct store_out o;
	struct store *s;

	if ((s = store_open(path, 0, err, sizeof(err))) == NULL)
		_exit(2);
	if (store_outbox_next(s, NOW + 1, &o) != 1)
		_exit(3);
	raise(SIGKILL);		/* the segment is on the wire */
}

static void
test_replies_at_least_once(void **state)
{
	const char *path = path_for("replies.db");
	struct store_out o;
	struct seen seen;
	struct store *s;
	int64_t id;

	(void)state;
	s = open_ok(path, 1);
	id = store_outbox_add(s, SENDER, "Утас 108", STORE_OUT_REPLY, 0, NOW);
	assert_true(id > 0);
	store_close(s);

	crash_child(child_take_and_die, path);
	s = open_ok(path, 0);
	assert_int_equal(store_outbox_next(s, NOW + 2, &o), 1);
	assert_int_equal(o.id, id);
	assert_string_equal(o.state, "queued");
	assert_string_equal(o.number, SENDER);
	store_out_free(&o);
	assert_int_equal(store_outbox_sent(s, id, "17", NOW + 3), 0);
	assert_int_equal(store_outbox_next(s, NOW + 4, &o), 0);
	assert_int_equal(store_outbox_wait(s, NOW + 4), -1);
	seen = outbox(s, "sent");
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.extra[0], "17");
	store_close(s);
}

/* ---- long messages -------------------------------------------------------- */

static int
pending(struct store *s)
{
	struct store_counts c;

	assert_int_equal(store_counts(s, &c), 0);
	return c.parts_pending;
}

static void
test_multipart_out_of_order(void **state)
{
	struct store_part p3 = part(SENDER, NOW, 42, 3, 3, "гурав");
	struct store_part p1 = part(SENDER, NOW, 42, 1, 3, "нэг ");
	struct store_part p2 = part(SENDER, NOW, 42, 2, 3, "хоёр ");
	struct store_msg m;
	struct store *s;

	(void)state;
	s = open_ok(":memory:", 1);
	assert_int_equal(store_put_part(s, &p3, NOW), 1);
	assert_int_equal(store_put_part(s, &p1, NOW + 1), 1);
	assert_int_equal(store_msg_next(s, &m), 0);
	assert_int_equal(pending(s), 2);
	assert_int_equal(store_put_part(s, &p2, NOW + 2), 1);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_string_equal(m.text, "нэг хоёр гурав");
	assert_int_equal(m.parts, 3);
	assert_int_equal(m.partial, 0);
	assert_int_equal(m.received_at, NOW + 2);
	store_msg_free(&m);
	assert_int_equal(pending(s), 0);

	/* The modem gives part 2 again: nothing changes. */
	assert_int_equal(store_put_part(s, &p2, NOW + 3), 0);
	assert_int_equal(inbox(s, NULL, NULL, 0).n, 1);
	assert_int_equal(pending(s), 0);
	store_close(s);
}

static void
test_multipart_duplicate_number(void **state)
{
	struct store_part p1 = part(SENDER, NOW, 7, 1, 3, "a");
	struct store_part p2 = part(SENDER, NOW, 7, 2, 3, "b");
	struct store_part p2b = part(SENDER, NOW + 9, 7, 2, 3, "x");
	struct store_part p3 = part(SENDER, NOW, 7, 3, 3, "c");
	struct seen seen;
	struct store *s;

	(void)state;
	s = open_ok(":memory:", 1);
	assert_int_equal(store_put_part(s, &p1, NOW), 1);
	assert_int_equal(store_put_part(s, &p2, NOW), 1);
	/* Another part 2 (not the same one): still not complete. */
	assert_int_equal(store_put_part(s, &p2b, NOW), 1);
	assert_int_equal(inbox(s, NULL, NULL, 0).n, 0);
	assert_int_equal(pending(s), 3);
	assert_int_equal(store_put_part(s, &p3, NOW), 1);
	seen = inbox(s, NULL, NULL, 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.text[0], "abc");
	assert_int_equal(pending(s), 1);
	store_close(s);
}

static void
test_multipart_expire(void **state)
{
	const char *path = path_for("expire.db");
	struct store_part p1 = part(SENDER, NOW, 9, 1, 3, "first ");
	struct store_part p3 = part(SENDER, NOW, 9, 3, 3, "last");
	struct store_msg m;
	struct store *s;

	(void)state;
	s = open_ok(path, 1);
	assert_int_equal(store_put_part(s, &p3, NOW), 1);
	assert_int_equal(store_put_part(s, &p1, NOW + 100), 1);
	store_close(s);

	/* After a restart the parts are still waiting. */
	s = open_ok(path, 0);
	assert_int_equal(pending(s), 2);
	assert_int_equal(store_expire_parts(s, NOW - 1), 0);
	assert_int_equal(store_msg_next(s, &m), 0);
	assert_int_equal(store_expire_parts(s, NOW), 1);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_string_equal(m.text, "first last");
	assert_int_equal(m.partial, 1);
	assert_int_equal(m.parts, 2);
	assert_int_equal(m.received_at, NOW + 100);
	store_msg_free(&m);
	assert_int_equal(pending(s), 0);
	assert_int_equal(store_expire_parts(s, NOW + 1000), 0);
	store_close(s);
}

static void
test_multipart_interleaved(void **state)
{
	struct store_part a1 = part("+97611111111", NOW, 5, 1, 2, "A1");
	struct store_part b1 = part("+97622222222", NOW, 5, 1, 2, "B1");
	struct store_part a2 = part("+97611111111", NOW, 5, 2, 2, "A2");
	struct store_part b2 = part("+97622222222", NOW, 5, 2, 2, "B2");
	struct store_part c1 = part("+97611111111", NOW + 60, 5, 1, 2, "C1");
	struct store_part c2 = part("+97611111111", NOW + 60, 5, 2, 2, "C2");
	struct seen seen;
	struct store *s;

	(void)state;
	s = open_ok(":memory:", 1);
	assert_int_equal(store_put_part(s, &a1, NOW), 1);
	assert_int_equal(store_put_part(s, &b1, NOW), 1);
	assert_int_equal(store_put_part(s, &b2, NOW + 1), 1);
	assert_int_equal(store_put_part(s, &a2, NOW + 2), 1);
	/* The first sender reuses the reference later. */
	assert_int_equal(store_put_part(s, &c2, NOW + 60), 1);
	assert_int_equal(inbox(s, NULL, NULL, 0).n, 2);
	assert_int_equal(store_put_part(s, &c1, NOW + 61), 1);
	seen = inbox(s, NULL, NULL, 0);	/* newest first */
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.text[0], "C1C2");
	assert_string_equal(seen.text[1], "A1A2");
	assert_string_equal(seen.extra[1], "+97611111111");
	assert_string_equal(seen.text[2], "B1B2");
	assert_string_equal(seen.extra[2], "+97622222222");
	store_close(s);
}

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
	const char *path = path_for("garbage.db");
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
	path = path_for("empty.db");
	write_file(path, "", 0);
	refused(path, 0, "not a shukher database");
}

static void
test_open_missing(void **state)
{
	const char *path = path_for("missing.db");
	char err[256], wal[300];

	(void)state;
	err[0] = '\0';
	assert_null(store_open(path, 0, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_false(exists(path));
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_false(exists(wal));
}

/* Runs SQL on a file outside the store. */
static void
raw_sql(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3_stmt *stmt;
	sqlite3 *db;
	int64_t v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
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

	assert_non_null(d = opendir(tmpdir));
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".new.") != NULL)
			fail_msg("left behind: %s", de->d_name);
	closedir(d);
}

static void
test_open_creates_only_on_first_start(void **state)
{
	const char *path = path_for("first.db");
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
	s = open_ok(path, STORE_CREATE);
	store_close(s);
	assert_true(exists(path));
	assert_false(exists(mark));
	s = open_ok(path, STORE_CREATE | STORE_MARK);
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
	path = path_for("walonly.db");
	snprintf(wal, sizeof(wal), "%s-wal", path);
	write_file(wal, "x", 1);
	refused_as(path, STORE_CREATE, STORE_FAULT_VANISHED, "-wal");
	assert_false(exists(path));
	unlink(wal);
	path = path_for("journalonly.db");
	snprintf(wal, sizeof(wal), "%s-journal", path);
	write_file(wal, "x", 1);
	refused_as(path, STORE_CREATE, STORE_FAULT_VANISHED, "-journal");
	unlink(wal);

	/* A zero-length file is no database to initialise either. */
	path = path_for("zero.db");
	write_file(path, "", 0);
	refused_as(path, STORE_CREATE | STORE_WRITER | STORE_MARK,
	    STORE_FAULT_EMPTY, "empty file");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(store_fault_exit(STORE_FAULT_EMPTY), 74);

	/* Not SQLite, and another program's SQLite: foreign. */
	path = path_for("text.db");
	write_file(path, "hello, this is a text file\n", 27);
	refused_as(path, STORE_CREATE, STORE_FAULT_FOREIGN, "not an SQLite");
	path = path_for("app.db");
	raw_sql(path, "CREATE TABLE t (x);");
	refused_as(path, STORE_CREATE, STORE_FAULT_FOREIGN, "another program");
	assert_no_temp_files();
}

static void
test_create_never_replaces(void **state)
{
	const char *path = path_for("init.db");
	enum store_fault fault;
	char err[768];
	struct store *s;
	struct stat st;

	(void)state;
	assert_int_equal(store_create(path, &fault, err, sizeof(err)), 0);
	s = open_ok(path, 0);
	store_close(s);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07, 0);
	/* Again: exists (exit 1), the file untouched. */
	assert_int_equal(store_create(path, &fault, err, sizeof(err)), -1);
	assert_int_equal(fault, STORE_FAULT_EXISTS);
	assert_int_equal(store_fault_exit(fault), 1);
	/* Not over an empty file either. */
	path = path_for("init0.db");
	write_file(path, "", 0);
	assert_int_equal(store_create(path, &fault, err, sizeof(err)), -1);
	assert_int_equal(fault, STORE_FAULT_EXISTS);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	/* No directory: missing. */
	path = path_for("nodir/init.db");
	assert_int_equal(store_create(path, &fault, err, sizeof(err)), -1);
	assert_int_equal(fault, STORE_FAULT_MISSING);
	assert_no_temp_files();
}

static void
test_same_file(void **state)
{
	const char *path = path_for("same.db"), *moved = path_for("moved.db");
	struct store *s, *mem;
	char err[256];

	(void)state;
	s = open_ok(path, STORE_CREATE);
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
	mem = open_ok(":memory:", STORE_CREATE);
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
	path = path_for("other.db");
	raw_sql(path, "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
	refused(path, 1, "not a shukher database");
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master"),
	    1);

	path = path_for("otherapp.db");
	raw_sql(path, "PRAGMA application_id = 1234;");
	refused(path, 1, "not a shukher database");

	path = path_for("newer.db");
	store_close(open_ok(path, 1));
	raw_sql(path, "PRAGMA user_version = 999;");
	refused(path, 0, "newer");

	path = path_for("corrupt.db");
	s = open_ok(path, 1);
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
	const char *path = path_for("reopen.db");
	struct store_part p = part(SENDER, NOW, 0, 1, 1, "hi");
	struct store_report r;
	char ref[16];
	struct store *s;
	int64_t id;

	(void)state;
	s = open_ok(path, 1);
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	id = store_report_add(s, SENDER, "report", 1, 0, NOW, ref,
	    sizeof(ref));
	assert_true(id > 0);
	store_close(s);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
	assert_true(raw_int(path, "PRAGMA application_id") != 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM pragma_journal_mode"
	    " WHERE journal_mode = 'wal'"), 1);

	s = open_ok(path, 0);
	assert_int_equal(inbox(s, NULL, NULL, 0).n, 1);
	assert_int_equal(store_report_find(s, ref, &r), 1);
	assert_int_equal(r.id, id);
	store_report_free(&r);
	store_close(s);
	s = open_ok(path, 1);	/* create on an existing file: same data */
	assert_int_equal(inbox(s, NULL, NULL, 0).n, 1);
	store_close(s);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
}

/* ---- long messages decoded as a whole ------------------------------------- */

#define EMOJI	"\xf0\x9f\x98\x80"	/* U+1F600: D83D DE00 in UTF-16 */
#define FFFD	"\xef\xbf\xbd"

/* A part with user data (coding UCS-2 or 8-bit); its text is what the part
 * alone reads as, which the join must not use. */
static struct store_part
data_part(const char *sender, int ref, int no, int count, int coding,
    const void *data, size_t len)
{
	struct store_part p = part(sender, NOW, ref, no, count, "(alone)");

	p.coding = coding;
	p.data = data;
	p.data_len = len;
	return p;
}

/* Stores the n parts in the order given (1-based numbers), then returns
 * the one message they made (caller frees). */
static struct store_msg
put_in_order(struct store *s, const struct store_part *parts, int n,
    const int *order)
{
	struct store_msg m;
	int i;

	for (i = 0; i < n; i++) {
		assert_int_equal(store_msg_next(s, &m), 0);
		assert_int_equal(store_put_part(s, &parts[order[i] - 1],
		    NOW + i), 1);
	}
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_int_equal(store_msg_handled(s, m.id, "x", NOW + 9), 1);
	return m;
}

/* An emoji split by the phone between two UCS-2 parts, and a three-part
 * message with a pair split at both edges: whole again, in every order of
 * arrival; no user data left once the message is made. */
static void
test_multipart_split_surrogate_pair(void **state)
{
	static const unsigned char a1[] = { 0, 'H', 0, 'i', 0, ' ', 0xd8, 0x3d };
	static const unsigned char a2[] = { 0xde, 0x00, 0, ' ', 0, '!' };
	static const unsigned char b1[] = { 0x04, 0x42, 0xd8, 0x3d };
	static const unsigned char b2[] = { 0xde, 0x00, 0, '-', 0xd8, 0x3d };
	static const unsigned char b3[] = { 0xde, 0x00, 0x04, 0x43 };
	static const int orders2[][2] = { { 1, 2 }, { 2, 1 } };
	static const int orders3[][3] = { { 1, 2, 3 }, { 3, 2, 1 },
	    { 2, 3, 1 } };
	const char *path = path_for("surrogate.db");
	struct store_part a[2], b[3];
	struct store_msg m;
	struct store *s;
	size_t i;

	(void)state;
	s = open_ok(path, 1);
	for (i = 0; i < 2; i++) {
		a[0] = data_part(SENDER, 60 + i, 1, 2, STORE_CODING_UCS2, a1,
		    sizeof(a1));
		a[1] = data_part(SENDER, 60 + i, 2, 2, STORE_CODING_UCS2, a2,
		    sizeof(a2));
		m = put_in_order(s, a, 2, orders2[i]);
		assert_string_equal(m.text, "Hi " EMOJI " !");
		assert_int_equal(m.malformed, 0);
		assert_int_equal(m.parts, 2);
		store_msg_free(&m);
	}
	/* one part waits: its data is kept, for the join */
	assert_int_equal(store_put_part(s, &a[0], NOW), 0);
	a[0] = data_part(SENDER, 62, 1, 2, STORE_CODING_UCS2, a1, sizeof(a1));
	assert_int_equal(store_put_part(s, &a[0], NOW), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM parts"
	    " WHERE data IS NOT NULL"), 1);
	for (i = 0; i < 3; i++) {
		b[0] = data_part(SENDER, 70 + i, 1, 3, STORE_CODING_UCS2, b1,
		    sizeof(b1));
		b[1] = data_part(SENDER, 70 + i, 2, 3, STORE_CODING_UCS2, b2,
		    sizeof(b2));
		b[2] = data_part(SENDER, 70 + i, 3, 3, STORE_CODING_UCS2, b3,
		    sizeof(b3));
		m = put_in_order(s, b, 3, orders3[i]);
		assert_string_equal(m.text, "т" EMOJI "-" EMOJI "у");
		assert_int_equal(m.malformed, 0);
		store_msg_free(&m);
	}
	/* the joined parts keep no data: only the waiting one has some */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM parts"
	    " WHERE data IS NOT NULL"), 1);
	store_close(s);
}

/* 8-bit parts with a 3-byte and a 4-byte UTF-8 sequence cut at the part
 * edges (a short middle part is binary alone): one text, every order. */
static void
test_multipart_split_utf8_sequences(void **state)
{
	static const char p1[] = "REPORT 5000 \xe2\x82";	/* € cut */
	static const char p2[] = "\xac \xf0\x9f";		/* 😀 cut */
	static const char p3[] = "\x98\x80 in Erlian";
	static const int orders[][3] = { { 1, 2, 3 }, { 3, 1, 2 },
	    { 2, 3, 1 } };
	struct store_part p[3];
	struct store_msg m;
	struct store *s;
	size_t i;

	(void)state;
	s = open_ok(":memory:", 1);
	for (i = 0; i < 3; i++) {
		p[0] = data_part(SENDER, 80 + i, 1, 3, STORE_CODING_8BIT, p1,
		    strlen(p1));
		p[1] = data_part(SENDER, 80 + i, 2, 3, STORE_CODING_8BIT, p2,
		    strlen(p2));
		p[1].malformed = 1;	/* what the modem says of it alone */
		p[2] = data_part(SENDER, 80 + i, 3, 3, STORE_CODING_8BIT, p3,
		    strlen(p3));
		m = put_in_order(s, p, 3, orders[i]);
		assert_string_equal(m.text,
		    "REPORT 5000 \xe2\x82\xac " EMOJI " in Erlian");
		assert_int_equal(m.malformed, 0);
		store_msg_free(&m);
	}
	store_close(s);
}

/* A single SMS with a lone surrogate at either end, or U+0000 inside: a
 * U+FFFD where the bad unit was, the rest kept, and not malformed. */
static void
test_single_sms_bad_units_read_as_fffd(void **state)
{
	static const unsigned char hi_end[] = { 0, 'H', 0, 'E', 0, 'L', 0,
	    'P', 0xd8, 0x3d };
	static const unsigned char lo_start[] = { 0xdc, 0x01, 0, 'H', 0, 'E',
	    0, 'L', 0, 'P' };
	static const unsigned char nul[] = { 0, 'A', 0, 0, 0, 'B', 0, 'C' };
	static const char bytes_nul[] = "REPORT\0 at the border";
	static const struct {
		const void *data;
		size_t len;
		int coding;
		const char *want;
	} cases[] = {
		{ hi_end, sizeof(hi_end), STORE_CODING_UCS2, "HELP" FFFD },
		{ lo_start, sizeof(lo_start), STORE_CODING_UCS2, FFFD "HELP" },
		{ nul, sizeof(nul), STORE_CODING_UCS2, "A" FFFD "BC" },
		{ bytes_nul, sizeof(bytes_nul) - 1, STORE_CODING_8BIT,
		  "REPORT" FFFD " at the border" },
	};
	struct store_part p;
	struct store_msg m;
	struct store *s;
	size_t i;

	(void)state;
	s = open_ok(":memory:", 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = data_part(SENDER, 0, 1, 1, cases[i].coding, cases[i].data,
		    cases[i].len);
		p.sent_at = NOW + (int64_t)i;
		m = put_in_order(s, &p, 1, (const int[]){ 1 });
		assert_string_equal(m.text, cases[i].want);
		assert_int_equal(m.malformed, 0);
		store_msg_free(&m);
	}
	store_close(s);
}

/*
 * What stays malformed: 8-bit data that is not text (its hex), and a part
 * without data that the modem could not read, whose hex stands where the
 * part was. Halves of a pair around a missing part are never joined.
 */
static void
test_multipart_what_stays_malformed(void **state)
{
	static const unsigned char bin[] = { 0xff, 0x00, 0x41, 0xc3 };
	static const unsigned char r1[] = { 0, 'R', 0, 'E', 0, 'P', 0, 'O',
	    0, 'R', 0, 'T', 0, ' ' };
	static const unsigned char g1[] = { 0, 'x', 0xd8, 0x3d };
	static const unsigned char g3[] = { 0xde, 0x00, 0, 'y' };
	struct store_part p, q;
	struct store_msg m;
	struct store *s;

	(void)state;
	s = open_ok(":memory:", 1);
	p = data_part(SENDER, 0, 1, 1, STORE_CODING_8BIT, bin, sizeof(bin));
	m = put_in_order(s, &p, 1, (const int[]){ 1 });
	assert_string_equal(m.text, "FF0041C3");
	assert_int_equal(m.malformed, 1);
	store_msg_free(&m);

	p = data_part(SENDER, 90, 1, 2, STORE_CODING_UCS2, r1, sizeof(r1));
	q = part(SENDER, NOW, 90, 2, 2, "0A1B2C");
	q.malformed = 1;
	assert_int_equal(store_put_part(s, &q, NOW), 1);
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_string_equal(m.text, "REPORT 0A1B2C");
	assert_int_equal(m.malformed, 1);
	assert_int_equal(store_msg_handled(s, m.id, "x", NOW), 1);
	store_msg_free(&m);

	p = data_part(SENDER, 91, 1, 3, STORE_CODING_UCS2, g1, sizeof(g1));
	q = data_part(SENDER, 91, 3, 3, STORE_CODING_UCS2, g3, sizeof(g3));
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	assert_int_equal(store_put_part(s, &q, NOW), 1);
	assert_int_equal(store_expire_parts(s, NOW), 1);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_string_equal(m.text, "x" FFFD FFFD "y");
	assert_int_equal(m.partial, 1);
	assert_int_equal(m.malformed, 0);
	store_msg_free(&m);
	store_close(s);
}

/*
 * What each migration added, taken away again: undo[v] brings a database
 * from user_version v back to v - 1, so that a test can make the file an
 * older shukher left and watch the migrations bring it up.
 */
static const char *const undo[] = {
	[7] = "ALTER TABLE parts DROP COLUMN form;"
	    "ALTER TABLE parts DROP COLUMN data;",
	[8] = "DROP INDEX outbox_budget;"
	    "ALTER TABLE outbox DROP COLUMN number_hash;"
	    "CREATE INDEX outbox_replies ON outbox(number, created_at)"
	    " WHERE kind = 0;"
	    "ALTER TABLE pin_failures DROP COLUMN quiet_until;"
	    "ALTER TABLE pin_failures DROP COLUMN warned;"
	    "ALTER TABLE report_links DROP COLUMN alerted_at;",
	[9] = "DROP TRIGGER messages_blanked; DROP TRIGGER messages_deleted;"
	    "DROP TRIGGER parts_blanked; DROP TRIGGER parts_deleted;"
	    "DROP TRIGGER outbox_blanked; DROP TRIGGER outbox_deleted;"
	    "DROP TRIGGER reports_blanked; DROP TRIGGER reports_deleted;"
	    "DROP TRIGGER report_entries_deleted;"
	    "DROP TRIGGER report_links_deleted; DROP TRIGGER vault_deleted;"
	    "DROP TRIGGER users_changed; DROP TRIGGER users_deleted;"
	    "DROP TABLE wal_scrub;"
	    "ALTER TABLE outbox ADD COLUMN msgref TEXT;"
	    "UPDATE outbox SET msgref = (SELECT group_concat(ref, ',') FROM"
	    " (SELECT ref FROM sent_parts WHERE outbox_id = outbox.id"
	    " ORDER BY part_no));"
	    "DROP TABLE sent_parts;"
	    "CREATE INDEX outbox_sent ON outbox(sent_at) WHERE state = 'sent';",
	[10] = "DROP TABLE modems; DROP INDEX outbox_modem_sent;"
	    "DROP TRIGGER parts_modem;"
	    "ALTER TABLE outbox DROP COLUMN modem;"
	    "ALTER TABLE messages DROP COLUMN modem;"
	    "ALTER TABLE parts DROP COLUMN modem;",
};

/* Brings the database at path down to schema version `to`. */
static void
downgrade(const char *path, int to)
{
	char sql[64];
	int v;

	assert_true(store_schema_version() <
	    (int)(sizeof(undo) / sizeof(undo[0])));
	for (v = store_schema_version(); v > to; v--) {
		assert_non_null(undo[v]);
		raw_sql(path, undo[v]);
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;", to);
	raw_sql(path, sql);
}

/* Inserts a part as shukher stored it before schema 7 (text only). */
static void
legacy_part(const char *path, int ref, int no, const char *text, int coding,
    int malformed)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "INSERT INTO parts (sender, sent_at,"
	    " concat_ref, part_no, part_count, text, coding, malformed,"
	    " received_at, digest) VALUES ('%s', %d, %d, %d, 2, '%s', %d, %d,"
	    " %d, randomblob(32));", SENDER, NOW, ref, no, text, coding,
	    malformed, NOW);
	raw_sql(path, sql);
}

/*
 * Parts that waited in a database of schema 6 (text as decoded then, hex
 * when malformed) join with the parts that come after the upgrade: a
 * surrogate pair and a UTF-8 sequence split across the upgrade are whole.
 */
static void
test_multipart_joins_across_the_upgrade(void **state)
{
	static const unsigned char u2[] = { 0xde, 0x00, 0, '!' };
	static const unsigned char c2[] = { 0, ' ', 0x04, 0x43 };
	static const char e2[] = "\xac ok";
	const char *path = path_for("upgrade.db");
	struct store_part p;
	struct store_msg m;
	struct store *s;

	(void)state;
	s = open_ok(path, 1);
	store_close(s);
	downgrade(path, 6);
	legacy_part(path, 31, 1, "0048D83D", STORE_CODING_UCS2, 1);
	legacy_part(path, 32, 1, "тест", STORE_CODING_UCS2, 0);
	legacy_part(path, 33, 1, "5245504F525420E282", STORE_CODING_8BIT, 1);
	s = open_ok(path, 0);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    store_schema_version());

	p = data_part(SENDER, 31, 2, 2, STORE_CODING_UCS2, u2, sizeof(u2));
	m = put_in_order(s, &p, 1, (const int[]){ 1 });
	assert_string_equal(m.text, "H" EMOJI "!");
	assert_int_equal(m.malformed, 0);
	store_msg_free(&m);
	p = data_part(SENDER, 32, 2, 2, STORE_CODING_UCS2, c2, sizeof(c2));
	m = put_in_order(s, &p, 1, (const int[]){ 1 });
	assert_string_equal(m.text, "тест у");
	store_msg_free(&m);
	p = data_part(SENDER, 33, 2, 2, STORE_CODING_8BIT, e2, strlen(e2));
	m = put_in_order(s, &p, 1, (const int[]){ 1 });
	assert_string_equal(m.text, "REPORT \xe2\x82\xac ok");
	assert_int_equal(m.malformed, 0);
	store_msg_free(&m);
	store_close(s);
}

/* ---- outbox, contacts, reports, statistics --------------------------------- */

static void
test_outbox_retry_fail(void **state)
{
	struct store_counts c;
	struct store_out o;
	struct seen seen;
	struct store *s;
	int64_t a, b;

	(void)state;
	s = open_ok(":memory:", 1);
	assert_int_equal(store_outbox_wait(s, NOW), -1);
	a = store_outbox_add(s, SENDER, "one", STORE_OUT_REPLY, 0, NOW);
	b = store_outbox_add(s, SENDER, "two", STORE_OUT_MANUAL, 0, NOW + 5);
	assert_true(a > 0 && b > a);
	assert_int_equal(store_outbox_wait(s, NOW), 0);

	assert_int_equal(store_outbox_retry(s, a, "timeout", NOW + 60), 0);
	assert_int_equal(store_outbox_wait(s, NOW), 5);
	assert_int_equal(store_outbox_next(s, NOW, &o), 0);
	assert_int_equal(store_outbox_next(s, NOW + 5, &o), 1);
	assert_int_equal(o.id, b);
	assert_int_equal(o.kind, STORE_OUT_MANUAL);
	store_out_free(&o);
	assert_int_equal(store_outbox_sent(s, b, "3", NOW + 6), 0);
	assert_int_equal(store_outbox_wait(s, NOW + 6), 54);

	assert_int_equal(store_outbox_next(s, NOW + 60, &o), 1);
	assert_int_equal(o.id, a);
	assert_int_equal(o.attempts, 1);
	assert_string_equal(o.last_error, "timeout");
	assert_string_equal(o.state, "queued");
	assert_int_equal(o.next_at, NOW + 60);
	store_out_free(&o);

	assert_int_equal(store_outbox_fail(s, a, "gave up", NOW + 61), 0);
	assert_int_equal(store_outbox_next(s, NOW + 1000, &o), 0);
	seen = outbox(s, "failed");
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.id[0], a);
	assert_int_equal(seen.flag[0], 2);
	assert_int_equal(store_counts(s, &c), 0);
	assert_int_equal(c.outbox_failed, 1);
	assert_int_equal(c.outbox_queued, 0);
	store_out_free(&o);	/* zeroed: harmless */
	store_close(s);
}

static void
test_outbox_order_and_budget(void **state)
{
	struct store_out o;
	struct store *s;
	int64_t late, early;

	(void)state;
	s = open_ok(":memory:", 1);
	late = store_outbox_add(s, "A", "r1", STORE_OUT_REPLY, 0, NOW + 100);
	early = store_outbox_add(s, "A", "r2", STORE_OUT_REPLY, 0, NOW + 200);
	assert_int_equal(store_outbox_retry(s, late, "busy", NOW + 500), 0);
	assert_true(store_outbox_add(s, "A", "m", STORE_OUT_MANUAL, 0,
	    NOW + 250) > 0);
	assert_true(store_outbox_add(s, "A", "r3", STORE_OUT_REPLY, 0,
	    NOW + 300) > 0);
	assert_true(store_outbox_add(s, "B", "r", STORE_OUT_ALERT, 0,
	    NOW + 250) > 0);
	assert_true(store_outbox_add(s, "C", "r", STORE_OUT_REPLY, 0,
	    NOW + 250) > 0);

	/* Oldest next_at first. */
	assert_int_equal(store_outbox_next(s, NOW + 1000, &o), 1);
	assert_int_equal(o.id, early);
	store_out_free(&o);

	/* Every kind counts in the budget: replies, manual, alerts. */
	assert_int_equal(store_outbox_count(s, "A", 0), 4);
	assert_int_equal(store_outbox_count(s, "A", NOW + 200), 3);
	assert_int_equal(store_outbox_count(s, "A", NOW + 301), 0);
	assert_int_equal(store_outbox_count(s, "B", 0), 1);
	assert_int_equal(store_outbox_count(s, "C", 0), 1);
	assert_int_equal(store_outbox_count(s, "D", 0), 0);
	store_close(s);
}

/* Blanks the number of outbox row id as report_tick() does once it is
 * sent: a report entry points to it. */
static void
blank_sent(struct store *s, int64_t report, int64_t id, int64_t at)
{
	struct store_report_entry e = { .report_id = report, .at = at,
	    .kind = "ack", .outbox_id = id };

	assert_true(store_report_entry_add(s, &e) > 0);
	assert_int_equal(store_outbox_sent(s, id, "1", at), 0);
}

static void
test_budget_every_kind_also_blanked(void **state)
{
	const struct store_budget b = { 3, 3600 };
	struct store *s;
	int64_t ids[3], report;
	int kinds[3] = { STORE_OUT_REPLY, STORE_OUT_ALERT, STORE_OUT_MANUAL };
	int i;

	(void)state;
	s = open_ok(":memory:", 1);
	report = store_report_add(s, SENDER, "r", 0, 0, NOW, NULL, 0);
	assert_true(report > 0);
	/* Three of any kind spend the budget; a fourth is held back. */
	for (i = 0; i < 3; i++) {
		ids[i] = store_outbox_queue(s, &b, SENDER, "t", kinds[i], 0,
		    NOW + i);
		assert_true(ids[i] > 0);
	}
	assert_int_equal(store_outbox_queue(s, &b, SENDER, "t",
	    STORE_OUT_REPLY, 0, NOW + 10), 0);
	assert_int_equal(outbox(s, NULL).n, 3);
	/* Another number has its own budget. */
	assert_true(store_outbox_queue(s, &b, "+97699000009", "t",
	    STORE_OUT_REPLY, 0, NOW + 10) > 0);
	/* Sent and blanked: they still count, by the hash. */
	for (i = 0; i < 3; i++)
		blank_sent(s, report, ids[i], NOW + 20);
	assert_int_equal(store_scrub_outbox(s), 3);
	assert_int_equal(store_outbox_count(s, SENDER, NOW), 3);
	assert_int_equal(store_outbox_queue(s, &b, SENDER, "t",
	    STORE_OUT_ALERT, 0, NOW + 30), 0);
	/* What a person sends is counted but never held back. */
	assert_true(store_outbox_add(s, SENDER, "p", STORE_OUT_MANUAL, 0,
	    NOW + 40) > 0);
	assert_int_equal(store_outbox_count(s, SENDER, NOW), 4);
	/* A window later the budget is free again... */
	assert_int_equal(store_outbox_queue(s, &b, SENDER, "t",
	    STORE_OUT_REPLY, 0, NOW + 3600), 0);
	assert_true(store_outbox_queue(s, &b, SENDER, "t", STORE_OUT_REPLY, 0,
	    NOW + 3602) > 0);
	/* ...and the old hashes can be forgotten: only the new row stays. */
	assert_int_equal(store_outbox_forget(s, NOW + 3600), 5);
	assert_int_equal(store_outbox_count(s, SENDER, 0), 1);
	assert_int_equal(store_outbox_forget(s, NOW + 3600), 0);
	store_close(s);
}

static void
test_budget_migration_fills_hashes(void **state)
{
	const char *path = path_for("budget.db");
	const struct store_budget b = { 2, 3600 };
	struct store *s;
	int64_t report, id;

	(void)state;
	/* A database as the previous schema left it: two replies to
	 * SENDER, one of them already blanked, one to another number. */
	s = open_ok(path, 1);
	report = store_report_add(s, SENDER, "r", 0, 0, NOW, NULL, 0);
	id = store_outbox_add(s, SENDER, "ack", STORE_OUT_REPLY, 0, NOW);
	assert_true(store_outbox_add(s, SENDER, "menu", STORE_OUT_REPLY, 0,
	    NOW + 1) > 0);
	assert_true(store_outbox_add(s, "+97699000009", "x", STORE_OUT_REPLY,
	    0, NOW + 1) > 0);
	blank_sent(s, report, id, NOW + 2);
	assert_int_equal(store_scrub_outbox(s), 1);
	store_close(s);
	downgrade(path, 7);

	s = open_ok(path, 0);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
	/* The row whose number was there counts; the blanked one could
	 * not be recovered. */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM outbox"
	    " WHERE number_hash IS NOT NULL"), 2);
	assert_int_equal(store_outbox_count(s, SENDER, 0), 1);
	assert_int_equal(store_outbox_count(s, "+97699000009", 0), 1);
	assert_true(store_outbox_queue(s, &b, SENDER, "t", STORE_OUT_REPLY, 0,
	    NOW + 5) > 0);
	assert_int_equal(store_outbox_queue(s, &b, SENDER, "t",
	    STORE_OUT_REPLY, 0, NOW + 6), 0);
	store_close(s);
}

/* What the outbox listing shows of row id: its msgref ("-" for NULL),
 * parts_sent and delivery ("-" for none). */
struct out_view {
	int64_t id;
	char msgref[64];
	int parts;
	char delivery[16];
	char state[16];
};

static int
view_out(void *arg, const struct store_out *o)
{
	struct out_view *v = arg;

	if (o->id != v->id)
		return 0;
	snprintf(v->msgref, sizeof(v->msgref), "%s",
	    o->msgref ? o->msgref : "-");
	v->parts = o->parts_sent;
	snprintf(v->delivery, sizeof(v->delivery), "%s",
	    o->delivery ? o->delivery : "-");
	snprintf(v->state, sizeof(v->state), "%s", o->state);
	return 1;
}

static struct out_view
out_view(struct store *s, int64_t id)
{
	struct out_view v;

	memset(&v, 0, sizeof(v));
	v.id = id;
	assert_int_equal(store_list_outbox(s, NULL, view_out, &v), 0);
	assert_true(v.state[0] != '\0');
	return v;
}

/*
 * Schema 9 moves the comma-separated references of outbox.msgref into
 * rows of sent_parts: the listing shows what it showed before (msgref as
 * it was, NULL where there was none), a retry knows how many parts went,
 * and a delivery report matches a reference by equality, never a number
 * that merely contains it.
 */
static void
test_sent_parts_migration(void **state)
{
	const char *path = path_for("sentparts.db");
	struct store_out o;
	struct store *s;

	(void)state;
	s = open_ok(path, 1);
	store_close(s);
	downgrade(path, 8);
	raw_sql(path, "INSERT INTO outbox (id, number, text, state, created_at,"
	    " next_at, sent_at, msgref) VALUES"
	    " (1, 'a', 'one', 'sent', 1700000000, 1700000000, 1700000001, '17'),"
	    " (2, 'b', 'three', 'sent', 1700000000, 1700000000, 1700000010,"
	    "  '11,12,13'),"
	    " (3, 'c', 'half', 'queued', 1700000020, 1700000020, 0, '5'),"
	    " (4, 'd', 'none yet', 'queued', 1700000030, 1700000030, 0, NULL),"
	    " (5, 'e', 'refused', 'failed', 1700000040, 1700000040, 0, NULL);");
	s = open_ok(path, 0);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sent_parts"), 5);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM pragma_table_info"
	    "('outbox') WHERE name = 'msgref'"), 0);
	assert_string_equal(out_view(s, 1).msgref, "17");
	assert_string_equal(out_view(s, 2).msgref, "11,12,13");
	assert_int_equal(out_view(s, 2).parts, 3);
	assert_string_equal(out_view(s, 3).msgref, "5");
	assert_string_equal(out_view(s, 4).msgref, "-");
	assert_int_equal(out_view(s, 4).parts, 0);
	assert_string_equal(out_view(s, 5).msgref, "-");
	/* The half-sent row resumes after its first part. */
	assert_int_equal(store_outbox_next(s, NOW + 25, &o), 1);
	assert_int_equal(o.id, 3);
	assert_int_equal(o.parts_sent, 1);
	assert_string_equal(o.msgref, "5");
	store_out_free(&o);
	/* 1 is in "11,12,13" and "17" only as a digit: no match. */
	assert_int_equal(store_outbox_delivery(s, 1, 1, NOW + 100), 0);
	assert_int_equal(store_outbox_delivery(s, 12, 1, NOW + 100), 1);
	assert_string_equal(out_view(s, 2).delivery, "delivered");
	assert_string_equal(out_view(s, 1).delivery, "-");
	assert_int_equal(store_outbox_delivery(s, 13, 0, NOW + 101), 1);
	assert_string_equal(out_view(s, 2).delivery, "failed");
	assert_int_equal(store_outbox_delivery(s, 17, 1, NOW + 102), 1);
	assert_string_equal(out_view(s, 1).delivery, "delivered");
	store_close(s);
}

/*
 * Every reference the network can give (0..255) finds the message whose
 * part carried it, and only that one; a reference used again finds the
 * newest part that carried it; nothing older than a week matches.
 */
static void
test_delivery_matches_each_reference_by_equality(void **state)
{
	static int64_t ids[256];
	char ref[16];
	struct store *s;
	int64_t two;
	int r;

	(void)state;
	s = open_ok(":memory:", 1);
	for (r = 0; r < 256; r++) {
		ids[r] = store_outbox_add(s, SENDER, "t", STORE_OUT_REPLY, 0,
		    NOW + r);
		assert_true(ids[r] > 0);
		snprintf(ref, sizeof(ref), "%d", r);
		assert_int_equal(store_outbox_sent(s, ids[r], ref, NOW + r), 0);
	}
	for (r = 0; r < 256; r++) {
		assert_int_equal(store_outbox_delivery(s, r, 1, NOW + 300), 1);
		assert_string_equal(out_view(s, ids[r]).delivery, "delivered");
		if (r + 1 < 256)
			assert_string_equal(out_view(s, ids[r + 1]).delivery,
			    "-");
	}
	/* 7 and 8 again, in a newer message of two parts. */
	two = store_outbox_add(s, SENDER, "tt", STORE_OUT_REPLY, 0, NOW + 1000);
	assert_int_equal(store_outbox_sent(s, two, "7,8", NOW + 1000), 0);
	assert_int_equal(store_outbox_delivery(s, 8, 0, NOW + 1001), 1);
	assert_string_equal(out_view(s, two).delivery, "failed");
	assert_string_equal(out_view(s, ids[8]).delivery, "delivered");
	/* A week on, only the newer message is in the window. */
	assert_int_equal(store_outbox_delivery(s, 100, 1,
	    NOW + 7 * 86400 + 500), 0);
	assert_int_equal(store_outbox_delivery(s, 7, 1, NOW + 7 * 86400 + 500),
	    1);
	assert_string_equal(out_view(s, two).delivery, "failed");
	store_close(s);
}

/*
 * Parts recorded as they go keep their reference and time; a retry is
 * told how many went; the send adds the rest in the same transaction as
 * its state; a row already sent changes no more.
 */
static void
test_sent_parts_progress(void **state)
{
	struct store_out o;
	struct store *s;
	int64_t id;

	(void)state;
	s = open_ok(":memory:", 1);
	id = store_outbox_add(s, SENDER, "long", STORE_OUT_REPLY, 0, NOW);
	assert_int_equal(store_outbox_progress(s, id, "5", NOW), 0);
	assert_int_equal(store_outbox_next(s, NOW, &o), 1);
	assert_int_equal(o.parts_sent, 1);
	assert_string_equal(o.msgref, "5");
	assert_string_equal(o.state, "queued");
	store_out_free(&o);
	assert_int_equal(store_outbox_progress(s, id, "5,6", NOW + 1), 0);
	assert_int_equal(out_view(s, id).parts, 2);
	assert_int_equal(store_outbox_sent(s, id, "5,6,7", NOW + 2), 0);
	assert_string_equal(out_view(s, id).msgref, "5,6,7");
	assert_int_equal(out_view(s, id).parts, 3);
	assert_string_equal(out_view(s, id).state, "sent");
	assert_int_equal(store_outbox_next(s, NOW + 3, &o), 0);
	/* Sent: neither progress nor another send changes it. */
	assert_int_equal(store_outbox_progress(s, id, "9,9,9,9", NOW + 4), 0);
	assert_int_equal(store_outbox_sent(s, id, "1,2,3,4", NOW + 4), 0);
	assert_string_equal(out_view(s, id).msgref, "5,6,7");
	/* The first part went at NOW: a report a week later still finds it,
	 * a second later not. */
	assert_int_equal(store_outbox_delivery(s, 5, 1, NOW + 7 * 86400), 1);
	assert_int_equal(store_outbox_delivery(s, 5, 1, NOW + 7 * 86400 + 1),
	    0);
	/* A list cut short by the modem: what reads as references. */
	id = store_outbox_add(s, SENDER, "cut", STORE_OUT_REPLY, 0, NOW);
	assert_int_equal(store_outbox_sent(s, id, "21,22,", NOW + 5), 0);
	assert_string_equal(out_view(s, id).msgref, "21,22");
	store_close(s);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

/* Whether needle stands in the database at path or its WAL. */
static int
on_disk(const char *path, const char *needle)
{
	char name[300], *buf;
	size_t n, len = strlen(needle), i;
	FILE *fp;
	int j, found = 0;

	for (j = 0; j < 2 && !found; j++) {
		snprintf(name, sizeof(name), "%s%s", path, j ? "-wal" : "");
		if ((fp = fopen(name, "rb")) == NULL)
			continue;
		assert_non_null(buf = malloc(1 << 23));
		n = fread(buf, 1, 1 << 23, fp);
		fclose(fp);
		for (i = 0; i + len <= n && !found; i++)
			found = memcmp(buf + i, needle, len) == 0;
		free(buf);
	}
	return found;
}

/* Writes that blank nothing: a reply queued and sent. */
static void
write_plain(struct store *s, int i)
{
	int64_t id;

	id = store_outbox_add(s, SENDER, "Утас 108", STORE_OUT_REPLY, 0,
	    NOW + i);
	assert_true(id > 0);
	assert_int_equal(store_outbox_sent(s, id, "3", NOW + i), 0);
}

/* One way of blanking: it puts needle in the database, then blanks it
 * (through s, or another connection to path). */
struct blanking {
	const char *name;
	void (*fn)(struct store *s, const char *path, const char *needle);
};

static void
blank_message(struct store *s, const char *path, const char *needle)
{
	struct store_part p = part(needle, NOW, 0, 1, 1, needle);
	struct store_msg m;

	(void)path;
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_int_equal(store_msg_handled(s, m.id, "report", NOW), 1);
	assert_int_equal(store_scrub_message(s, m.id), 0);
	store_msg_free(&m);
}

static void
blank_outbox(struct store *s, const char *path, const char *needle)
{
	int64_t report, id;

	(void)path;
	report = store_report_add(s, "", "", 0, 0, NOW, NULL, 0);
	id = store_outbox_add(s, needle, needle, STORE_OUT_REPLY, 0, NOW);
	assert_true(report > 0 && id > 0);
	blank_sent(s, report, id, NOW);
	assert_int_equal(store_scrub_outbox(s), 1);
}

static void
blank_purge(struct store *s, const char *path, const char *needle)
{
	struct store_retention ret;
	struct store_purged out;
	int64_t report;

	(void)path;
	report = store_report_add(s, needle, needle, 0, 0, NOW, NULL, 0);
	assert_true(report > 0);
	assert_int_equal(store_report_close(s, report, "done", NOW), 1);
	store_retention_days(&ret, 1, 0, 0, NOW + 2 * 86400);
	assert_int_equal(store_purge(s, &ret, 0, &out), 0);
	assert_int_equal(out.reports, 1);
}

static void
blank_link(struct store *s, const char *path, const char *needle)
{
	unsigned char h[32];

	(void)path;
	assert_int_equal(store_number_hash(s, needle, h), 0);
	assert_int_equal(store_link_put(s, h, 0, "await", -1, NOW + 60), 0);
	assert_int_equal(store_link_expire(s, NOW + 60), 1);
}

/* shukherctl (another connection) blanks; the daemon's next pass empties
 * the WAL. */
static void
blank_elsewhere(struct store *s, const char *path, const char *needle)
{
	struct store *other = open_ok(path, 0);

	(void)s;
	blank_purge(other, path, needle);
	store_close(other);
}

/*
 * The WAL is emptied when, and only when, something was blanked since it
 * was last emptied, whoever blanked it and however: then the blanked text
 * is gone from the file and its WAL. Writes that blank nothing leave the
 * WAL to SQLite, reused in place.
 */
static void
test_wal_emptied_only_after_blanking(void **state)
{
	static const struct blanking kinds[] = {
		{ "message scrubbed", blank_message },
		{ "acknowledgement scrubbed", blank_outbox },
		{ "report purged", blank_purge },
		{ "window expired", blank_link },
		{ "purged by another program", blank_elsewhere },
	};
	const char *path = path_for("scrub.db");
	char wal[300], needle[32];
	struct store *s;
	off_t empty, size;
	size_t k;
	int i;

	(void)state;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	s = open_ok(path, 1);
	write_plain(s, 0);
	/* A new database starts with the WAL to empty. */
	assert_int_equal(store_wal_truncate(s), 0);
	empty = file_size(wal);
	assert_true(empty < 8192);      /* the count's reset, no more */
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (i = 1; i <= 20; i++)
			write_plain(s, i);
		size = file_size(wal);
		assert_true(size > empty);
		assert_int_equal(store_wal_truncate(s), 0);
		if (file_size(wal) != size)
			fail_msg("%s: the WAL was emptied with nothing blanked",
			    kinds[k].name);
		snprintf(needle, sizeof(needle), "+97699%06zu", 424242 + k);
		kinds[k].fn(s, path, needle);
		assert_int_equal(store_wal_truncate(s), 0);
		if (file_size(wal) > empty)
			fail_msg("%s: the WAL was not emptied", kinds[k].name);
		if (on_disk(path, needle))
			fail_msg("%s: the blanked text is still on disk",
			    kinds[k].name);
	}
	store_close(s);
}

static void
test_link_alert_once_per_window(void **state)
{
	unsigned char h[32], other[32];
	struct store *s;

	(void)state;
	s = open_ok(":memory:", 1);
	assert_int_equal(store_number_hash(s, SENDER, h), 0);
	assert_int_equal(store_number_hash(s, "+97699000009", other), 0);
	assert_memory_not_equal(h, other, 32);
	/* No window: nothing to mark. */
	assert_int_equal(store_link_alert(s, h, NOW - 600, NOW), 0);
	assert_int_equal(store_link_put(s, h, 0, "await", -1, NOW + 600), 0);
	assert_int_equal(store_link_alert(s, h, NOW - 600, NOW), 1);
	assert_int_equal(store_link_alert(s, h, NOW + 10 - 600, NOW + 10), 0);
	/* The window moves on to another report: still told. */
	assert_int_equal(store_link_put(s, h, 0, "open", -1, NOW + 900), 0);
	assert_int_equal(store_link_alert(s, h, NOW + 599 - 600, NOW + 599),
	    0);
	assert_int_equal(store_link_alert(s, h, NOW + 601 - 600, NOW + 601),
	    1);
	store_close(s);
}

static void
test_pin_state(void **state)
{
	struct store_pin p = { 7, NOW + 7200, NOW + 7200, 1 }, back;
	struct store *s;

	(void)state;
	s = open_ok(":memory:", 1);
	assert_int_equal(store_pin_get(s, "oyuna", &back), 0);
	assert_int_equal(back.failures, 0);
	assert_int_equal(back.locked_until, 0);
	assert_int_equal(store_pin_put(s, "oyuna", &p), 0);
	assert_int_equal(store_pin_get(s, "oyuna", &back), 0);
	assert_int_equal(back.failures, 7);
	assert_int_equal(back.locked_until, NOW + 7200);
	assert_int_equal(back.quiet_until, NOW + 7200);
	assert_int_equal(back.warned, 1);
	assert_int_equal(store_pin_get(s, "bat", &back), 0);
	assert_int_equal(back.warned, 0);
	store_close(s);
}

static void
test_contacts(void **state)
{
	struct store_contact c, back;
	struct store *s;

	(void)state;
	s = open_ok(":memory:", 1);
	assert_int_equal(store_contact_get(s, SENDER, &back), 0);
	assert_int_equal(back.known, 0);
	assert_int_equal(back.opted_out, 0);
	assert_int_equal(back.lang, -1);
	assert_string_equal(back.state, "");

	memset(&c, 0, sizeof(c));
	c.opted_out = 1;
	c.lang = 2;
	snprintf(c.state, sizeof(c.state), "menu:report");
	c.state_at = NOW - 3;
	assert_int_equal(store_contact_put(s, SENDER, &c, NOW), 0);
	assert_int_equal(store_contact_get(s, SENDER, &back), 0);
	assert_int_equal(back.known, 1);
	assert_int_equal(back.opted_out, 1);
	assert_int_equal(back.lang, 2);
	assert_string_equal(back.state, "menu:report");
	assert_int_equal(back.state_at, NOW - 3);

	c.opted_out = 0;
	c.state[0] = '\0';
	assert_int_equal(store_contact_put(s, SENDER, &c, NOW + 1), 0);
	assert_int_equal(store_contact_get(s, SENDER, &back), 0);
	assert_int_equal(back.opted_out, 0);
	assert_string_equal(back.state, "");
	assert_int_equal(store_contact_get(s, "+97600000000", &back), 0);
	assert_int_equal(back.known, 0);
	store_close(s);
}

static void
check_ref(const char *ref)
{
	size_t i;
	int letter = 0;

	assert_int_equal(strlen(ref), 6);
	for (i = 0; i < 6; i++) {
		if (strchr(ALPHABET, ref[i]) == NULL)
			fail_msg("reference %s has %c", ref, ref[i]);
		letter |= ref[i] >= 'A';
	}
	assert_true(letter);
}

static void
test_reports(void **state)
{
	char ref[16], lower[16], key[32], refs[50][16];
	struct store_report r;
	struct store_counts c;
	struct store *s;
	int64_t id, urgent;
	size_t i;
	int j, k;

	(void)state;
	s = open_ok(":memory:", 1);
	id = store_report_add(s, SENDER, "job offer abroad", 0, 0, NOW, ref,
	    sizeof(ref));
	assert_true(id > 0);
	check_ref(ref);
	urgent = store_report_add(s, SENDER, "help now", 1, 0, NOW + 1, NULL,
	    0);
	assert_true(urgent > id);

	for (i = 0; i <= strlen(ref); i++)
		lower[i] = (char)tolower((unsigned char)ref[i]);
	assert_int_equal(store_report_find(s, lower, &r), 1);
	assert_int_equal(r.id, id);
	assert_string_equal(r.ref, ref);
	assert_string_equal(r.text, "job offer abroad");
	assert_string_equal(r.status, "open");
	assert_null(r.outcome);
	store_report_free(&r);
	snprintf(key, sizeof(key), "%lld", (long long)urgent);
	assert_int_equal(store_report_find(s, key, &r), 1);
	assert_int_equal(r.urgent, 1);
	store_report_free(&r);
	assert_int_equal(store_report_find(s, "0OI1OO", &r), 0);
	assert_int_equal(store_report_find(s, "999", &r), 0);

	assert_int_equal(store_counts(s, &c), 0);
	assert_int_equal(c.reports_open, 2);
	assert_int_equal(c.reports_urgent_open, 1);
	assert_int_equal(store_report_close(s, urgent, "referred", NOW + 9),
	    1);
	assert_int_equal(store_report_close(s, urgent, "again", NOW + 10), 0);
	assert_int_equal(store_report_close(s, 12345, "none", NOW + 10), 0);
	assert_int_equal(store_report_find(s, key, &r), 1);
	assert_string_equal(r.status, "closed");
	assert_string_equal(r.outcome, "referred");
	assert_int_equal(r.closed_at, NOW + 9);
	store_report_free(&r);
	assert_int_equal(store_counts(s, &c), 0);
	assert_int_equal(c.reports_open, 1);
	assert_int_equal(c.reports_urgent_open, 0);

	/* Fresh references, all different. */
	for (j = 0; j < 50; j++) {
		assert_true(store_report_add(s, "x", "y", 0, 0, NOW, refs[j],
		    sizeof(refs[j])) > 0);
		check_ref(refs[j]);
		for (k = 0; k < j; k++)
			assert_string_not_equal(refs[j], refs[k]);
	}
	store_report_free(&r);
	store_close(s);
}

struct statrow {
	int n;
	char line[8][64];
};

static int
seen_stat(void *arg, const char *day, const char *keyword, int count)
{
	struct statrow *s = arg;

	if (s->n < 8)
		snprintf(s->line[s->n], 64, "%s %s %d", day, keyword, count);
	s->n++;
	return 0;
}

static void
test_stats(void **state)
{
	struct statrow rows;
	struct store *s;
	int i;

	(void)state;
	s = open_ok(":memory:", 1);
	for (i = 0; i < 3; i++)
		assert_int_equal(store_stat_bump(s, "2021-03-02", "help"), 0);
	assert_int_equal(store_stat_bump(s, "2021-03-02", "stop"), 0);
	assert_int_equal(store_stat_bump(s, "2021-03-01", "help"), 0);
	assert_int_equal(store_stat_bump(s, "2021-03-03", "help"), 0);

	memset(&rows, 0, sizeof(rows));
	assert_int_equal(store_list_stats(s, "2021-03-02", "2021-03-03",
	    seen_stat, &rows), 0);
	assert_int_equal(rows.n, 3);
	assert_string_equal(rows.line[0], "2021-03-02 help 3");
	assert_string_equal(rows.line[1], "2021-03-02 stop 1");
	assert_string_equal(rows.line[2], "2021-03-03 help 1");
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(store_list_stats(s, NULL, NULL, seen_stat, &rows), 0);
	assert_int_equal(rows.n, 4);
	assert_string_equal(rows.line[0], "2021-03-01 help 1");
	store_close(s);
}

static void
test_modem_state(void **state)
{
	struct store_modem_state st, back;
	struct store *s;

	(void)state;
	s = open_ok(":memory:", 1);
	assert_int_equal(store_modem_state_get(s, &back), 0);
	assert_int_equal(back.updated_at, 0);
	memset(&st, 0, sizeof(st));
	st.connected = 1;
	st.since = NOW - 60;
	snprintf(st.operator_name, sizeof(st.operator_name), "Unitel");
	st.signal_dbm = -71;
	st.signal_percent = 64;
	st.sim_used = 3;
	st.sim_total = 30;
	st.updated_at = NOW;
	assert_int_equal(store_modem_state_put(s, &st), 0);
	st.signal_percent = 70;
	assert_int_equal(store_modem_state_put(s, &st), 0);
	assert_int_equal(store_modem_state_get(s, &back), 1);
	assert_string_equal(back.operator_name, "Unitel");
	assert_int_equal(back.signal_dbm, -71);
	assert_int_equal(back.signal_percent, 70);
	assert_int_equal(back.sim_total, 30);
	assert_int_equal(back.updated_at, NOW);
	store_close(s);
}

/* ---- listings --------------------------------------------------------------- */

static void
test_listings(void **state)
{
	static const char *texts[] = { "alpha", "job abroad", "beta",
	    "visa job", "gamma" };
	struct store_filter f;
	struct store_msg m;
	struct seen seen;
	struct store *s;
	struct store_part p;
	int i, calls = 0;

	(void)state;
	s = open_ok(":memory:", 1);
	for (i = 0; i < 5; i++) {
		p = part(SENDER, NOW + i, 0, 1, 1, texts[i]);
		assert_int_equal(store_put_part(s, &p, NOW + i), 1);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(store_msg_next(s, &m), 1);
		assert_int_equal(store_msg_handled(s, m.id, "x", NOW + 9), 1);
		store_msg_free(&m);
	}
	assert_int_equal(inbox(s, "new", NULL, 0).n, 3);
	seen = inbox(s, "handled", NULL, 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.text[0], "job abroad");
	seen = inbox(s, NULL, "job", 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.text[0], "visa job");
	seen = inbox(s, NULL, NULL, 2);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.text[0], "gamma");
	assert_string_equal(seen.text[1], "visa job");
	memset(&f, 0, sizeof(f));
	f.urgent = -1;
	f.since = NOW + 3;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_list_inbox(s, &f, seen_msg, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(store_list_inbox(s, NULL, stop_after_one, &calls), 0);
	assert_int_equal(calls, 1);

	/* Reports: status and urgency. */
	assert_true(store_report_add(s, "a", "r1", 1, 0, NOW, NULL, 0) > 0);
	assert_true(store_report_add(s, "a", "r2", 0, 0, NOW + 1, NULL, 0) > 0);
	assert_true(store_report_add(s, "a", "r3", 1, 0, NOW + 2, NULL, 0) > 0);
	assert_int_equal(store_report_close(s, 3, "done", NOW + 3), 1);
	memset(&f, 0, sizeof(f));
	f.urgent = 1;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_list_reports(s, &f, seen_report, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.text[0], "r3");
	f.state = "open";
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_list_reports(s, &f, seen_report, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.text[0], "r1");
	f.state = NULL;
	f.urgent = -1;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_list_reports(s, &f, seen_report, &seen), 0);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.extra[0], "closed");
	store_close(s);
}

/* ---- records the modem could not decode, and probes ------------------------ */

static void
test_malformed_and_probes(void **state)
{
	static const char *raw = "07917996090000F1070B917996090066F6";
	struct store_msg m;
	struct seen seen;
	struct store *s;
	struct store_part p;
	int pass;

	(void)state;
	s = open_ok(":memory:", 1);
	/* a raw record the SIM keeps giving back (it would not be deleted)
	 * is one message, however many reads see it */
	for (pass = 0; pass < 3; pass++) {
		p = part(SENDER, 0, 0, 1, 1, raw);
		p.coding = STORE_CODING_8BIT;
		p.malformed = 1;
		assert_int_equal(store_put_part(s, &p, NOW + pass),
		    pass == 0 ? 1 : 0);
	}
	p = part(SENDER, NOW, 0, 1, 1, "тусламж");
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	/* a probe is stored handled: the router never sees it */
	p = part("+97699000777", NOW, 0, 1, 1, "тусламж");
	p.probe = 1;
	assert_int_equal(store_put_part(s, &p, NOW + 1), 1);
	assert_int_equal(store_put_part(s, &p, NOW + 2), 0);
	seen = inbox(s, "malformed", NULL, 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.text[0], raw);
	seen = inbox(s, "handled", NULL, 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.extra[0], "+97699000777");
	assert_int_equal(inbox(s, NULL, NULL, 0).n, 3);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_string_equal(m.text, raw);
	assert_int_equal(m.malformed, 1);
	assert_int_equal(store_msg_handled(s, m.id, "malformed", NOW + 3), 1);
	store_msg_free(&m);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_string_equal(m.text, "тусламж");
	assert_string_equal(m.sender, SENDER);
	assert_int_equal(store_msg_handled(s, m.id, "help", NOW + 3), 1);
	store_msg_free(&m);
	assert_int_equal(store_msg_next(s, &m), 0);
	store_close(s);
}

/* ---- two processes on one file ---------------------------------------------- */

static void
test_concurrent_readers(void **state)
{
	const char *path = path_for("shared.db");
	struct store_counts c;
	struct seen seen;
	struct store *daemon, *ctl, *late;
	time_t t0;

	(void)state;
	t0 = time(NULL);
	daemon = open_ok(path, 1);
	ctl = open_ok(path, 0);
	assert_true(store_outbox_add(daemon, SENDER, "before",
	    STORE_OUT_REPLY, 0, NOW) > 0);

	assert_int_equal(store_begin(daemon), 0);
	assert_true(store_outbox_add(daemon, SENDER, "during",
	    STORE_OUT_REPLY, 0, NOW + 1) > 0);
	/* The reader is not locked out, and sees the committed state. */
	assert_int_equal(store_counts(ctl, &c), 0);
	assert_int_equal(c.outbox_queued, 1);
	seen = outbox(ctl, NULL);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.text[0], "before");
	/* shukherctl started now opens at once, without waiting. */
	late = open_ok(path, 0);
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
	assert_int_equal(outbox(ctl, NULL).n, 2);
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
	const char *path = path_for("busy.db");
	struct store_counts c;
	struct store *daemon, *ctl;
	int fds[2], status;
	char err[256], go;
	pid_t pid;

	(void)state;
	store_close(open_ok(path, 1));
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
	daemon = open_ok(path, 0);
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
	struct store_part p = part(SENDER, NOW, 0, 1, 1, "in tx");
	struct store_part q = part(SENDER, NOW + 1, 0, 1, 1, "nested");
	struct store_part r = part(SENDER, NOW + 2, 0, 1, 1, "kept");
	struct store_msg m;
	struct stat st;
	struct store *s;

	(void)state;
	s = open_ok(":memory:", 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_put_part(s, &q, NOW), 1);
	store_rollback(s);                      /* q alone */
	assert_int_equal(inbox(s, NULL, NULL, 0).n, 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_put_part(s, &r, NOW), 1);
	assert_int_equal(store_commit(s), 0);   /* into the outer one */
	assert_int_equal(inbox(s, NULL, NULL, 0).n, 2);
	store_rollback(s);                      /* the outer: all of it */
	assert_int_equal(store_msg_next(s, &m), 0);
	assert_int_equal(pending(s), 0);
	assert_int_equal(store_commit(s), -1);	/* none open */
	assert_true(strlen(store_errmsg(s)) > 0);
	assert_null(strstr(store_errmsg(s), SENDER));

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_put_part(s, &q, NOW), 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_put_part(s, &r, NOW), 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(inbox(s, NULL, NULL, 0).n, 2);
	assert_int_equal(store_commit(s), -1);
	store_close(s);
	s = open_ok(":memory:", 1);

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	assert_int_equal(store_put_part(s, &p, NOW), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(inbox(s, NULL, NULL, 0).n, 1);
	assert_int_equal(store_commit(s), -1);	/* none open */
	store_close(s);

	/* A new file is not readable by others: it holds reports. */
	s = open_ok(path_for("private.db"), 1);
	assert_int_equal(stat(path_for("private.db"), &st), 0);
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
		cmocka_unit_test(test_stored_before_deleted),
		cmocka_unit_test(test_handled_once),
		cmocka_unit_test(test_malformed_and_probes),
		cmocka_unit_test(test_replies_at_least_once),
		cmocka_unit_test(test_multipart_out_of_order),
		cmocka_unit_test(test_multipart_duplicate_number),
		cmocka_unit_test(test_multipart_expire),
		cmocka_unit_test(test_multipart_interleaved),
		cmocka_unit_test(test_multipart_split_surrogate_pair),
		cmocka_unit_test(test_multipart_split_utf8_sequences),
		cmocka_unit_test(test_single_sms_bad_units_read_as_fffd),
		cmocka_unit_test(test_multipart_what_stays_malformed),
		cmocka_unit_test(test_multipart_joins_across_the_upgrade),
		cmocka_unit_test(test_open_garbage),
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_open_creates_only_on_first_start),
		cmocka_unit_test(test_create_never_replaces),
		cmocka_unit_test(test_same_file),
		cmocka_unit_test(test_open_foreign_newer_corrupt),
		cmocka_unit_test(test_open_reopen_keeps_data),
		cmocka_unit_test(test_outbox_retry_fail),
		cmocka_unit_test(test_outbox_order_and_budget),
		cmocka_unit_test(test_budget_every_kind_also_blanked),
		cmocka_unit_test(test_budget_migration_fills_hashes),
		cmocka_unit_test(test_sent_parts_migration),
		cmocka_unit_test(test_delivery_matches_each_reference_by_equality),
		cmocka_unit_test(test_sent_parts_progress),
		cmocka_unit_test(test_wal_emptied_only_after_blanking),
		cmocka_unit_test(test_link_alert_once_per_window),
		cmocka_unit_test(test_pin_state),
		cmocka_unit_test(test_contacts),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_modem_state),
		cmocka_unit_test(test_listings),
		cmocka_unit_test(test_concurrent_readers),
		cmocka_unit_test(test_concurrent_writer_waits),
		cmocka_unit_test(test_transactions_and_errors),
		cmocka_unit_test(test_free_zeroed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
