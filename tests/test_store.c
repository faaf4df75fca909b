/*
 * test_store: the store's promises, checked on real SQLite files.
 *
 * The crash tests fork a child that works on a database file and kills
 * itself with SIGKILL at the worst moment (after storing, before deleting
 * from the modem; before a commit; while a reply is on the wire); the parent
 * then opens the file as the restarted daemon would and checks that nothing
 * was lost and nothing happens twice. The migrations that carry data
 * across are checked here too, on files made old with su_downgrade()
 * (store_util.c). The rest of the store's queries are checked by subject in
 * test_store_*.c (helpers in store_util.c). sqlite3 is used directly only
 * to make files the store must refuse or make old.
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
	struct store_part p = su_part(SENDER, NOW - 5, 0, 1, 1, "тусламж");
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
	const char *path = su_path_for("stored.db");
	struct store_part p = su_part(SENDER, NOW - 5, 0, 1, 1, "тусламж");
	struct store_msg m;
	struct seen seen;
	struct store *s;

	(void)state;
	crash_child(child_store_then_die, path);
	s = su_open_ok(path, 0);
	seen = su_inbox(s, NULL, NULL, 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.text[0], "тусламж");
	assert_string_equal(seen.extra[0], SENDER);

	/* The modem still has it and gives it again. */
	assert_int_equal(store_put_part(s, &p, NOW + 10), 0);
	assert_int_equal(su_inbox(s, NULL, NULL, 0).n, 1);
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
	const char *path = su_path_for("handled.db");
	struct store_part p = su_part(SENDER, NOW - 5, 0, 1, 1, "HELP");
	struct store_msg m;
	struct seen seen;
	struct store *s;
	int64_t id;

	(void)state;
	s = su_open_ok(path, 1);
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	store_close(s);

	crash_child(child_handle_nocommit, path);
	s = su_open_ok(path, 0);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_int_equal(m.handled_at, 0);
	id = m.id;
	store_msg_free(&m);
	assert_int_equal(su_outbox(s, NULL).n, 0);
	store_close(s);

	crash_child(child_handle_commit, path);
	s = su_open_ok(path, 0);
	assert_int_equal(store_msg_next(s, &m), 0);
	seen = su_outbox(s, NULL);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.text[0], "Утас 108");
	seen = su_inbox(s, "handled", NULL, 0);
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
	const char *path = su_path_for("replies.db");
	struct store_out o;
	struct seen seen;
	struct store *s;
	int64_t id;

	(void)state;
	s = su_open_ok(path, 1);
	id = store_outbox_add(s, SENDER, "Утас 108", STORE_OUT_REPLY, 0, NOW);
	assert_true(id > 0);
	store_close(s);

	crash_child(child_take_and_die, path);
	s = su_open_ok(path, 0);
	assert_int_equal(store_outbox_next(s, NOW + 2, &o), 1);
	assert_int_equal(o.id, id);
	assert_string_equal(o.state, "queued");
	assert_string_equal(o.number, SENDER);
	store_out_free(&o);
	assert_int_equal(store_outbox_sent(s, id, "17", NOW + 3), 0);
	assert_int_equal(store_outbox_next(s, NOW + 4, &o), 0);
	assert_int_equal(store_outbox_wait(s, NOW + 4), -1);
	seen = su_outbox(s, "sent");
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.extra[0], "17");
	store_close(s);
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
	su_raw_sql(path, sql);
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
	const char *path = su_path_for("upgrade.db");
	struct store_part p;
	struct store_msg m;
	struct store *s;

	(void)state;
	s = su_open_ok(path, 1);
	store_close(s);
	su_downgrade(path, 6);
	legacy_part(path, 31, 1, "0048D83D", STORE_CODING_UCS2, 1);
	legacy_part(path, 32, 1, "тест", STORE_CODING_UCS2, 0);
	legacy_part(path, 33, 1, "5245504F525420E282", STORE_CODING_8BIT, 1);
	s = su_open_ok(path, 0);
	assert_int_equal(su_raw_int(path, "PRAGMA user_version"),
	    store_schema_version());

	p = su_data_part(SENDER, 31, 2, 2, STORE_CODING_UCS2, u2, sizeof(u2));
	m = su_put_in_order(s, &p, 1, (const int[]){ 1 });
	assert_string_equal(m.text, "H" EMOJI "!");
	assert_int_equal(m.malformed, 0);
	store_msg_free(&m);
	p = su_data_part(SENDER, 32, 2, 2, STORE_CODING_UCS2, c2, sizeof(c2));
	m = su_put_in_order(s, &p, 1, (const int[]){ 1 });
	assert_string_equal(m.text, "тест у");
	store_msg_free(&m);
	p = su_data_part(SENDER, 33, 2, 2, STORE_CODING_8BIT, e2, strlen(e2));
	m = su_put_in_order(s, &p, 1, (const int[]){ 1 });
	assert_string_equal(m.text, "REPORT \xe2\x82\xac ok");
	assert_int_equal(m.malformed, 0);
	store_msg_free(&m);
	store_close(s);
}

static void
test_budget_migration_fills_hashes(void **state)
{
	const char *path = su_path_for("budget.db");
	const struct store_budget b = { 2, 3600 };
	struct store *s;
	int64_t report, id;

	(void)state;
	/* A database as the previous schema left it: two replies to
	 * SENDER, one of them already blanked, one to another number. */
	s = su_open_ok(path, 1);
	report = store_report_add(s, SENDER, "r", 0, 0, NOW, NULL, 0);
	id = store_outbox_add(s, SENDER, "ack", STORE_OUT_REPLY, 0, NOW);
	assert_true(store_outbox_add(s, SENDER, "menu", STORE_OUT_REPLY, 0,
	    NOW + 1) > 0);
	assert_true(store_outbox_add(s, "+97699000009", "x", STORE_OUT_REPLY,
	    0, NOW + 1) > 0);
	su_blank_sent(s, report, id, NOW + 2);
	assert_int_equal(store_scrub_outbox(s), 1);
	store_close(s);
	su_downgrade(path, 7);

	s = su_open_ok(path, 0);
	assert_int_equal(su_raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
	/* The row whose number was there counts; the blanked one could
	 * not be recovered. */
	assert_int_equal(su_raw_int(path, "SELECT count(*) FROM outbox"
	    " WHERE number_hash IS NOT NULL"), 2);
	assert_int_equal(store_outbox_count(s, SENDER, 0), 1);
	assert_int_equal(store_outbox_count(s, "+97699000009", 0), 1);
	assert_true(store_outbox_queue(s, &b, SENDER, "t", STORE_OUT_REPLY, 0,
	    NOW + 5) > 0);
	assert_int_equal(store_outbox_queue(s, &b, SENDER, "t",
	    STORE_OUT_REPLY, 0, NOW + 6), 0);
	store_close(s);
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
	const char *path = su_path_for("sentparts.db");
	struct store_out o;
	struct store *s;

	(void)state;
	s = su_open_ok(path, 1);
	store_close(s);
	su_downgrade(path, 8);
	su_raw_sql(path, "INSERT INTO outbox (id, number, text, state, created_at,"
	    " next_at, sent_at, msgref) VALUES"
	    " (1, 'a', 'one', 'sent', 1700000000, 1700000000, 1700000001, '17'),"
	    " (2, 'b', 'three', 'sent', 1700000000, 1700000000, 1700000010,"
	    "  '11,12,13'),"
	    " (3, 'c', 'half', 'queued', 1700000020, 1700000020, 0, '5'),"
	    " (4, 'd', 'none yet', 'queued', 1700000030, 1700000030, 0, NULL),"
	    " (5, 'e', 'refused', 'failed', 1700000040, 1700000040, 0, NULL);");
	s = su_open_ok(path, 0);
	assert_int_equal(su_raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(su_raw_int(path, "SELECT count(*) FROM sent_parts"), 5);
	assert_int_equal(su_raw_int(path, "SELECT count(*) FROM pragma_table_info"
	    "('outbox') WHERE name = 'msgref'"), 0);
	assert_string_equal(su_out_view(s, 1).msgref, "17");
	assert_string_equal(su_out_view(s, 2).msgref, "11,12,13");
	assert_int_equal(su_out_view(s, 2).parts, 3);
	assert_string_equal(su_out_view(s, 3).msgref, "5");
	assert_string_equal(su_out_view(s, 4).msgref, "-");
	assert_int_equal(su_out_view(s, 4).parts, 0);
	assert_string_equal(su_out_view(s, 5).msgref, "-");
	/* The half-sent row resumes after its first part. */
	assert_int_equal(store_outbox_next(s, NOW + 25, &o), 1);
	assert_int_equal(o.id, 3);
	assert_int_equal(o.parts_sent, 1);
	assert_string_equal(o.msgref, "5");
	store_out_free(&o);
	/* 1 is in "11,12,13" and "17" only as a digit: no match. */
	assert_int_equal(store_outbox_delivery(s, 1, 1, NOW + 100), 0);
	assert_int_equal(store_outbox_delivery(s, 12, 1, NOW + 100), 1);
	assert_string_equal(su_out_view(s, 2).delivery, "delivered");
	assert_string_equal(su_out_view(s, 1).delivery, "-");
	assert_int_equal(store_outbox_delivery(s, 13, 0, NOW + 101), 1);
	assert_string_equal(su_out_view(s, 2).delivery, "failed");
	assert_int_equal(store_outbox_delivery(s, 17, 1, NOW + 102), 1);
	assert_string_equal(su_out_view(s, 1).delivery, "delivered");
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stored_before_deleted),
		cmocka_unit_test(test_handled_once),
		cmocka_unit_test(test_replies_at_least_once),
		cmocka_unit_test(test_multipart_joins_across_the_upgrade),
		cmocka_unit_test(test_budget_migration_fills_hashes),
		cmocka_unit_test(test_sent_parts_migration),
	};

	return cmocka_run_group_tests(tests, su_group_setup, su_group_teardown);
}
