/*
 * test_ctl: shukherctl as a caseworker runs it (the technician's side is
 * test_ctl_admin.c; both use ctl_util.c).
 *
 * Each test builds a database with the store API (what the daemon would
 * have written), runs the real binary ($BUILD/shukherctl, BUILD defaulting
 * to "build") and checks its exit code and output. JSON output is judged
 * by Python's json module, one python3 for the whole run
 * (tests/json_judge.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json_judge.h"
#include "store.h"

#include "ctl_util.h"

static void
test_inbox_json(void **state)
{
	struct fixture *f = *state;
	struct run r = cl_ctl_run("-d", f->db, "--json", "inbox", NULL);
	char expr[128];

	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "2" });
	/* Newest first: the long message, joined in part order. */
	ASSERT_JSON(r.out,
	    { "v[0][\"text\"]", PART1 PART2 },
	    { "v[0][\"parts\"]", "2" },
	    { "v[0][\"keyword\"]", "null" },
	    { "v[0][\"handled_at\"]", "null" },
	    { "v[0][\"partial\"]", "false" },
	    { "v[1][\"text\"]", MSG_TEXT },
	    { "v[1][\"sender\"]", SENDER },
	    { "v[1][\"keyword\"]", "help" },
	    { "v[1][\"received_at\"]", "2026-11-29T04:15:00Z" },
	    { "v[1][\"handled_at\"]", "2026-11-29T04:15:01Z" },
	    { "v[1][\"malformed\"]", "false" });
	snprintf(expr, sizeof(expr), "v[1][\"id\"] == %lld",
	    (long long)f->msg_id);
	ASSERT_JSON(r.out,
	    { expr, "true" });
	cl_run_free(&r);

	r = cl_ctl_run("-d", f->db, "--json", "inbox", "--state", "new", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "[m[\"sender\"] for m in v]", "['+97688001122']" });
	cl_run_free(&r);
	/* --json after the command works too. */
	r = cl_ctl_run("-d", f->db, "inbox", "--search", "хэрэгтэй", "--json",
	    NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "[m[\"keyword\"] for m in v]", "['help']" });
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "--json", "inbox", "--limit", "1", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "1" });
	cl_run_free(&r);
}

static void
test_inbox_table(void **state)
{
	struct fixture *f = *state;
	char *line, *save = NULL, err[256], text[1024];
	struct store *s;
	struct run r;
	int lines = 0;

	/* A long message, with a terminal escape sequence in it. */
	snprintf(text, sizeof(text), "%s", "\x1b[2J");
	for (int i = 0; i < 40; i++)
		strcat(text, "урт мессеж ");
	s = store_open(f->db, 0, err, sizeof(err));
	assert_non_null(s);
	cl_put_part(s, "+97691112222", 0, 1, 1, text, T0 + 100);
	store_close(s);
	r = cl_ctl_run("-d", f->db, "inbox", NULL);
	assert_int_equal(r.status, 0);
	assert_null(strchr(r.out, '\x1b'));
	assert_non_null(strstr(r.out, "SENDER"));
	assert_non_null(strstr(r.out, SENDER));
	assert_non_null(strstr(r.out, "Тусламж хэрэгтэй"));
	/* Cut to fit, with an ellipsis; the line break in the text is not
	 * printed as one. */
	assert_non_null(strstr(r.out, "…"));
	for (line = strtok_r(r.out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		size_t cols = 0;

		for (const char *p = line; *p != '\0'; p++)
			if (((unsigned char)*p & 0xc0) != 0x80)
				cols++;
		assert_true(cols <= 100);
		lines++;
	}
	assert_int_equal(lines, 4);
	cl_run_free(&r);
}

static void
test_outbox_json(void **state)
{
	struct fixture *f = *state;
	struct run r = cl_ctl_run("-d", f->db, "--json", "outbox", NULL);
	char want[32];

	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "1" },
	    { "v[0][\"number\"]", SENDER },
	    { "v[0][\"text\"]", "108 руу залга" },
	    { "v[0][\"state\"]", "queued" },
	    { "v[0][\"kind\"]", "reply" },
	    { "v[0][\"attempts\"]", "0" },
	    { "v[0][\"sent_at\"]", "null" },
	    { "v[0][\"created_at\"]", "2026-11-29T04:15:02Z" });
	snprintf(want, sizeof(want), "%lld", (long long)f->msg_id);
	ASSERT_JSON(r.out,
	    { "v[0][\"in_reply_to\"]", want });
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "--json", "outbox", "--state", "sent", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "0" });
	cl_run_free(&r);
}

static void
test_reports(void **state)
{
	struct fixture *f = *state;
	struct run r = cl_ctl_run("-d", f->db, "--json", "reports", "list", NULL);

	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "2" },
	    { "v[1][\"text\"]", REPORT_TEXT },
	    { "v[1][\"ref\"]", f->ref },
	    { "v[1][\"urgent\"]", "true" },
	    { "v[0][\"urgent\"]", "false" },
	    { "v[0][\"message_id\"]", "null" },
	    { "[x[\"status\"] for x in v]", "['open', 'open']" });
	cl_run_free(&r);

	r = cl_ctl_run("-d", f->db, "--json", "reports", "list", "--urgent", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "1" },
	    { "v[0][\"ref\"]", f->ref });
	cl_run_free(&r);
}

static void
test_report_show(void **state)
{
	struct fixture *f = *state;
	char lower[16];
	struct run r;
	size_t i;

	/* By reference, typed in lower case. */
	for (i = 0; f->ref[i] != '\0'; i++)
		lower[i] = (char)(f->ref[i] >= 'A' && f->ref[i] <= 'Z' ?
		    f->ref[i] + 32 : f->ref[i]);
	lower[i] = '\0';
	r = cl_ctl_run("-d", f->db, "--json", "reports", "show", lower, NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "v[\"ref\"]", f->ref },
	    { "v[\"text\"]", REPORT_TEXT },
	    { "v[\"number\"]", SENDER },
	    { "v[\"urgent\"]", "true" },
	    { "v[\"closed_at\"]", "null" },
	    { "v[\"outcome\"]", "null" },
	    { "v[\"created_at\"]", "2026-11-29T04:15:03Z" });
	cl_run_free(&r);

	/* As text: the whole text, never cut. */
	r = cl_ctl_run("-d", f->db, "reports", "show", f->ref, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, REPORT_TEXT));
	assert_non_null(strstr(r.out, "URGENT"));
	cl_run_free(&r);

	r = cl_ctl_run("-d", f->db, "--json", "reports", "show", "99999", NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "99999"));
	cl_run_free(&r);
}

static void
test_report_close(void **state)
{
	struct fixture *f = *state;
	char id[24];
	struct run r;

	snprintf(id, sizeof(id), "%lld", (long long)f->urgent_id);
	r = cl_ctl_run("-d", f->db, "reports", "close", id, "--outcome",
	    "referred to the police", NULL);
	assert_int_equal(r.status, 0);
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "--json", "reports", "show", f->ref, NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "v[\"status\"]", "closed" },
	    { "v[\"outcome\"]", "referred to the police" },
	    { "v[\"closed_at\"] is not None", "true" });
	cl_run_free(&r);
	/* A second close is refused and keeps the first outcome. */
	r = cl_ctl_run("-d", f->db, "reports", "close", f->ref, "--outcome", "x",
	    NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "closed"));
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "--json", "reports", "list", "--status",
	    "open", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "[x[\"status\"] for x in v]", "['open']" });
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "--json", "reports", "show", id, NULL);
	ASSERT_JSON(r.out,
	    { "v[\"outcome\"]", "referred to the police" });
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "reports", "close", "NOSUCH", NULL);
	assert_int_equal(r.status, 1);
	cl_run_free(&r);
}

static void
test_stats(void **state)
{
	struct fixture *f = *state;
	struct run r = cl_ctl_run("-d", f->db, "--json", "stats", NULL);

	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "sorted((x[\"day\"], x[\"keyword\"], x[\"count\"]) "
	      "for x in v)", "[('2026-11-29', 'help', 3), "
	      "('2026-11-30', 'report', 1)]" });
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "--json", "stats", "--since", "2026-11-30",
	    NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "[x[\"keyword\"] for x in v]", "['report']" });
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "--json", "stats", "--until", "2026-11-29",
	    NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "[x[\"count\"] for x in v]", "[3]" });
	cl_run_free(&r);
}

static void
test_status(void **state)
{
	struct fixture *f = *state;
	struct store_modem_state m;
	struct run r = cl_ctl_run("-d", f->db, "--json", "status", NULL);
	char err[256];
	struct store *s;

	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "v[\"reported\"]", "false" },
	    { "v[\"connected\"]", "null" },
	    { "v[\"inbox_new\"]", "1" },
	    { "v[\"outbox_queued\"]", "1" },
	    { "v[\"reports_open\"]", "2" },
	    { "v[\"reports_urgent_open\"]", "1" });
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "status", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "daemon has not reported yet"));
	cl_run_free(&r);

	memset(&m, 0, sizeof(m));
	m.connected = 1;
	m.since = T0;
	snprintf(m.operator_name, sizeof(m.operator_name), "Unitel");
	m.signal_dbm = -80;
	m.signal_percent = 55;
	m.sim_used = 3;
	m.sim_total = 30;
	m.updated_at = T0 + 10;
	s = store_open(f->db, 0, err, sizeof(err));
	assert_non_null(s);
	assert_true(store_modem_state_put(s, &m) >= 0);
	store_close(s);
	r = cl_ctl_run("-d", f->db, "--json", "status", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "v[\"reported\"]", "true" },
	    { "v[\"connected\"]", "true" },
	    { "v[\"operator_name\"]", "Unitel" },
	    { "v[\"signal_dbm\"]", "-80" },
	    { "v[\"signal_quality\"]", "good" },
	    { "(v[\"sim_used\"], v[\"sim_total\"])", "(3, 30)" },
	    { "v[\"last_error\"]", "null" },
	    { "v[\"since\"]", "2026-11-29T04:15:00Z" });
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "status", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "-80 dBm, good"));
	assert_non_null(strstr(r.out, "Unitel"));
	assert_non_null(strstr(r.out, "3 of 30"));
	cl_run_free(&r);
}

static void
test_send(void **state)
{
	struct fixture *f = *state;
	struct run r = cl_ctl_run("-d", f->db, "--json", "send", "+97688001122",
	    "Сайн", "байна", "уу?", NULL);
	char *id;
	char expr[160];

	assert_int_equal(r.status, 0);
	{
		const struct want w = { "v[\"id\"]", "" };

		id = cl_py_eval(r.out, &w, 1);
		assert_non_null(id);
	}
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "--json", "outbox", NULL);
	assert_int_equal(r.status, 0);
	snprintf(expr, sizeof(expr), "[(x[\"number\"], x[\"text\"], x[\"state\"],"
	    " x[\"kind\"]) for x in v if x[\"id\"] == %s]", id);
	ASSERT_JSON(r.out,
	    { expr, "[('+97688001122', 'Сайн байна уу?', "
	      "'queued', 'manual')]" },
	    { "len(v)", "2" });
	free(id);
	cl_run_free(&r);

	/* A bad number queues nothing. */
	r = cl_ctl_run("-d", f->db, "send", "12ab", "hello", NULL);
	assert_int_equal(r.status, 65);
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "send", "+12", "hello", NULL);
	assert_int_equal(r.status, 65);
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "send", "+97688001122", NULL);
	assert_int_equal(r.status, 64);
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "--json", "outbox", NULL);
	ASSERT_JSON(r.out,
	    { "len(v)", "2" });
	cl_run_free(&r);
	/* Text may start with a dash. */
	r = cl_ctl_run("-d", f->db, "send", "97688001122", "-", "tomorrow", NULL);
	assert_int_equal(r.status, 0);
	cl_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inbox_json, cl_setup, cl_teardown),
		cmocka_unit_test_setup_teardown(test_inbox_table, cl_setup, cl_teardown),
		cmocka_unit_test_setup_teardown(test_outbox_json, cl_setup, cl_teardown),
		cmocka_unit_test_setup_teardown(test_reports, cl_setup, cl_teardown),
		cmocka_unit_test_setup_teardown(test_report_show, cl_setup, cl_teardown),
		cmocka_unit_test_setup_teardown(test_report_close, cl_setup, cl_teardown),
		cmocka_unit_test_setup_teardown(test_stats, cl_setup, cl_teardown),
		cmocka_unit_test_setup_teardown(test_status, cl_setup, cl_teardown),
		cmocka_unit_test_setup_teardown(test_send, cl_setup, cl_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
