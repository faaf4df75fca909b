/*
 * test_store_case: what casework and the console read and write: report
 * windows, PIN failures, contacts, reports and their references,
 * statistics, the modem's state, and the listings.
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
#define ALPHABET	"23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

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

static void
test_link_alert_once_per_window(void **state)
{
	unsigned char h[32], other[32];
	struct store *s;

	(void)state;
	s = su_open_ok(":memory:", 1);
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
	s = su_open_ok(":memory:", 1);
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
	s = su_open_ok(":memory:", 1);
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
	s = su_open_ok(":memory:", 1);
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
	s = su_open_ok(":memory:", 1);
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
	s = su_open_ok(":memory:", 1);
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
	s = su_open_ok(":memory:", 1);
	for (i = 0; i < 5; i++) {
		p = su_part(SENDER, NOW + i, 0, 1, 1, texts[i]);
		assert_int_equal(store_put_part(s, &p, NOW + i), 1);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(store_msg_next(s, &m), 1);
		assert_int_equal(store_msg_handled(s, m.id, "x", NOW + 9), 1);
		store_msg_free(&m);
	}
	assert_int_equal(su_inbox(s, "new", NULL, 0).n, 3);
	seen = su_inbox(s, "handled", NULL, 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.text[0], "job abroad");
	seen = su_inbox(s, NULL, "job", 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.text[0], "visa job");
	seen = su_inbox(s, NULL, NULL, 2);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.text[0], "gamma");
	assert_string_equal(seen.text[1], "visa job");
	memset(&f, 0, sizeof(f));
	f.urgent = -1;
	f.since = NOW + 3;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_list_inbox(s, &f, su_seen_msg, &seen), 0);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_alert_once_per_window),
		cmocka_unit_test(test_pin_state),
		cmocka_unit_test(test_contacts),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_modem_state),
		cmocka_unit_test(test_listings),
	};

	return cmocka_run_group_tests(tests, su_group_setup, su_group_teardown);
}
