/*
 * test_store_outbox: the outbox's promises (order, retries, the reply
 * budget, sent parts and delivery reports) and the WAL, emptied only after
 * something personal was blanked.
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
	s = su_open_ok(":memory:", 1);
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
	seen = su_outbox(s, "failed");
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
	s = su_open_ok(":memory:", 1);
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

static void
test_budget_every_kind_also_blanked(void **state)
{
	const struct store_budget b = { 3, 3600 };
	struct store *s;
	int64_t ids[3], report;
	int kinds[3] = { STORE_OUT_REPLY, STORE_OUT_ALERT, STORE_OUT_MANUAL };
	int i;

	(void)state;
	s = su_open_ok(":memory:", 1);
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
	assert_int_equal(su_outbox(s, NULL).n, 3);
	/* Another number has its own budget. */
	assert_true(store_outbox_queue(s, &b, "+97699000009", "t",
	    STORE_OUT_REPLY, 0, NOW + 10) > 0);
	/* Sent and blanked: they still count, by the hash. */
	for (i = 0; i < 3; i++)
		su_blank_sent(s, report, ids[i], NOW + 20);
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
	s = su_open_ok(":memory:", 1);
	for (r = 0; r < 256; r++) {
		ids[r] = store_outbox_add(s, SENDER, "t", STORE_OUT_REPLY, 0,
		    NOW + r);
		assert_true(ids[r] > 0);
		snprintf(ref, sizeof(ref), "%d", r);
		assert_int_equal(store_outbox_sent(s, ids[r], ref, NOW + r), 0);
	}
	for (r = 0; r < 256; r++) {
		assert_int_equal(store_outbox_delivery(s, r, 1, NOW + 300), 1);
		assert_string_equal(su_out_view(s, ids[r]).delivery, "delivered");
		if (r + 1 < 256)
			assert_string_equal(su_out_view(s, ids[r + 1]).delivery,
			    "-");
	}
	/* 7 and 8 again, in a newer message of two parts. */
	two = store_outbox_add(s, SENDER, "tt", STORE_OUT_REPLY, 0, NOW + 1000);
	assert_int_equal(store_outbox_sent(s, two, "7,8", NOW + 1000), 0);
	assert_int_equal(store_outbox_delivery(s, 8, 0, NOW + 1001), 1);
	assert_string_equal(su_out_view(s, two).delivery, "failed");
	assert_string_equal(su_out_view(s, ids[8]).delivery, "delivered");
	/* A week on, only the newer message is in the window. */
	assert_int_equal(store_outbox_delivery(s, 100, 1,
	    NOW + 7 * 86400 + 500), 0);
	assert_int_equal(store_outbox_delivery(s, 7, 1, NOW + 7 * 86400 + 500),
	    1);
	assert_string_equal(su_out_view(s, two).delivery, "failed");
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
	s = su_open_ok(":memory:", 1);
	id = store_outbox_add(s, SENDER, "long", STORE_OUT_REPLY, 0, NOW);
	assert_int_equal(store_outbox_progress(s, id, "5", NOW), 0);
	assert_int_equal(store_outbox_next(s, NOW, &o), 1);
	assert_int_equal(o.parts_sent, 1);
	assert_string_equal(o.msgref, "5");
	assert_string_equal(o.state, "queued");
	store_out_free(&o);
	assert_int_equal(store_outbox_progress(s, id, "5,6", NOW + 1), 0);
	assert_int_equal(su_out_view(s, id).parts, 2);
	assert_int_equal(store_outbox_sent(s, id, "5,6,7", NOW + 2), 0);
	assert_string_equal(su_out_view(s, id).msgref, "5,6,7");
	assert_int_equal(su_out_view(s, id).parts, 3);
	assert_string_equal(su_out_view(s, id).state, "sent");
	assert_int_equal(store_outbox_next(s, NOW + 3, &o), 0);
	/* Sent: neither progress nor another send changes it. */
	assert_int_equal(store_outbox_progress(s, id, "9,9,9,9", NOW + 4), 0);
	assert_int_equal(store_outbox_sent(s, id, "1,2,3,4", NOW + 4), 0);
	assert_string_equal(su_out_view(s, id).msgref, "5,6,7");
	/* The first part went at NOW: a report a week later still finds it,
	 * a second later not. */
	assert_int_equal(store_outbox_delivery(s, 5, 1, NOW + 7 * 86400), 1);
	assert_int_equal(store_outbox_delivery(s, 5, 1, NOW + 7 * 86400 + 1),
	    0);
	/* A list cut short by the modem: what reads as references. */
	id = store_outbox_add(s, SENDER, "cut", STORE_OUT_REPLY, 0, NOW);
	assert_int_equal(store_outbox_sent(s, id, "21,22,", NOW + 5), 0);
	assert_string_equal(su_out_view(s, id).msgref, "21,22");
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
	struct store_part p = su_part(needle, NOW, 0, 1, 1, needle);
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
	su_blank_sent(s, report, id, NOW);
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
	struct store *other = su_open_ok(path, 0);

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
	const char *path = su_path_for("scrub.db");
	char wal[300], needle[32];
	struct store *s;
	off_t empty, size;
	size_t k;
	int i;

	(void)state;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	s = su_open_ok(path, 1);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outbox_retry_fail),
		cmocka_unit_test(test_outbox_order_and_budget),
		cmocka_unit_test(test_budget_every_kind_also_blanked),
		cmocka_unit_test(test_delivery_matches_each_reference_by_equality),
		cmocka_unit_test(test_sent_parts_progress),
		cmocka_unit_test(test_wal_emptied_only_after_blanking),
	};

	return cmocka_run_group_tests(tests, su_group_setup, su_group_teardown);
}
