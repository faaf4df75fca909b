/*
 * test_ctl_admin: shukherctl as a technician runs it: usage errors and
 * help, a missing database, config check, hostile text in what it prints,
 * account names. The real binary ($BUILD/shukherctl) on a database built
 * with the store API (ctl_util.c).
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
test_usage_errors(void **state)
{
	struct fixture *f = *state;
	struct run r;

	r = cl_ctl_run("-d", f->db, "inbox", "--bogus", NULL);
	assert_int_equal(r.status, 64);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "usage"));
	cl_run_free(&r);
	r = cl_ctl_run("--bogus", "inbox", NULL);
	assert_int_equal(r.status, 64);
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "frobnicate", NULL);
	assert_int_equal(r.status, 64);
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "status", "extra", NULL);
	assert_int_equal(r.status, 64);
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "reports", NULL);
	assert_int_equal(r.status, 64);
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "inbox", "--since", "2026-02-30", NULL);
	assert_int_equal(r.status, 64);
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "outbox", "--state", "lost", NULL);
	assert_int_equal(r.status, 64);
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "inbox", "--limit", "-3", NULL);
	assert_int_equal(r.status, 64);
	cl_run_free(&r);
	r = cl_ctl_run(NULL);
	assert_int_equal(r.status, 64);
	cl_run_free(&r);
}

static void
test_help(void **state)
{
	struct run r = cl_ctl_run("--help", NULL);

	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "reports close"));
	cl_run_free(&r);
	/* A command's help needs no database. */
	r = cl_ctl_run("-d", "/nonexistent/x.db", "inbox", "--help", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "--search"));
	cl_run_free(&r);
	r = cl_ctl_run("help", "send", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "NUMBER"));
	cl_run_free(&r);
	r = cl_ctl_run("help", "reports", "close", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "--outcome"));
	cl_run_free(&r);
}

static void
test_missing_db(void **state)
{
	struct fixture *f = *state;
	char path[160];
	struct stat st;
	struct run r;

	snprintf(path, sizeof(path), "%s/nothere.db", f->dir);
	r = cl_ctl_run("-d", path, "--json", "inbox", NULL);
	assert_int_equal(r.status, 66);
	assert_non_null(strstr(r.err, path));
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	cl_run_free(&r);
	r = cl_ctl_run("-d", path, "send", "+97688001122", "hi", NULL);
	assert_int_equal(r.status, 66);
	assert_int_equal(stat(path, &st), -1);
	cl_run_free(&r);
}

/* Writes a config file into the fixture's directory; returns its path. */
static const char *
write_conf(struct fixture *f, const char *name, const char *text)
{
	static char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void
test_config(void **state)
{
	struct fixture *f = *state;
	char text[512];
	const char *path;
	struct run r;

	path = write_conf(f, "bad.conf", "database = \"/x.db\";\n"
	    "limits = { reply_budget = \"many\"; };\n");
	r = cl_ctl_run("-c", path, "config", "check", NULL);
	assert_int_equal(r.status, 78);
	assert_non_null(strstr(r.err, "bad.conf"));
	cl_run_free(&r);
	/* A command that needs the database stops at a broken config. */
	r = cl_ctl_run("-c", path, "inbox", NULL);
	assert_int_equal(r.status, 78);
	cl_run_free(&r);

	snprintf(text, sizeof(text), "database = \"%s\";\n", f->db);
	path = write_conf(f, "good.conf", text);
	r = cl_ctl_run("-c", path, "config", "check", NULL);
	if (r.status != 0)
		fail_msg("config check: %s", r.err);
	assert_non_null(strstr(r.out, ": ok"));
	assert_non_null(strstr(r.out, path));
	cl_run_free(&r);
	r = cl_ctl_run("-c", path, "--json", "config", "check", NULL);
	assert_int_equal(r.status, 0);
	snprintf(text, sizeof(text), "v[\"database\"] == \"%s\"", f->db);
	ASSERT_JSON(r.out,
	    { "v[\"ok\"]", "true" },
	    { "v[\"error\"]", "null" },
	    { text, "true" });
	cl_run_free(&r);
	/* The database comes from the config. */
	r = cl_ctl_run("-c", path, "--json", "reports", "list", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "2" });
	cl_run_free(&r);
}

/* The reply table of config check keeps its columns under their titles
 * when a group's name is longer than most ("series.tips.confirm"). */
static void
test_config_table_aligned(void **state)
{
	struct fixture *f = *state;
	char text[512];
	const char *path, *line, *title;
	struct run r;
	int rows = 0;
	long col;

	snprintf(text, sizeof(text), "database = \"%s\";\n"
	    "keywords = ( { name = \"help\"; words = [ \"HELP\" ];"
	    " reply = { en = \"Police 102.\"; }; },\n"
	    "  { name = \"safe_migration_advice\"; words = [ \"SAFE\" ];"
	    " reply = { en = \"Check the agency.\"; }; } );\n", f->db);
	path = write_conf(f, "long.conf", text);
	r = cl_ctl_run("-c", path, "config", "check", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(title = strstr(r.out, "  group "));
	col = strstr(title, "language") - title;
	for (line = strchr(title, '\n'); line != NULL && line[1] == ' ' &&
	    line[2] == ' ' && line[3] != ' '; line = strchr(line + 1, '\n')) {
		if (strncmp(line + 3, "warning", 7) == 0 ||
		    strncmp(line + 3, "0 warnings", 10) == 0)
			break;
		/* the language starts in the title's column, after a space */
		assert_true(line[1 + col] != ' ' && line[col] == ' ');
		rows++;
	}
	assert_true(rows >= 2);
	assert_non_null(strstr(r.out, "safe_migration_advice en"));
	cl_run_free(&r);
}

/*
 * What a stranger can put in front of a caseworker: an OSC 52 clipboard
 * write ended by BEL, a CSI, the C1 CSI (U+009B), the bidi controls RLO,
 * LRI, RLM and ALM, DEL and a byte that is not UTF-8.
 */
#define HOSTILE "A\x1b]52;c;SGVsbG8=\x07" "B\x1b[2J\xc2\x9b" "31m" \
	"\xe2\x80\xae" "evil\xe2\x81\xa6" "x\xe2\x80\x8f\xd8\x9c\x7f\xff" "Z"
/* The same as ctl_clean() shows it. */
#define HOSTILE_SHOWN "A\\x1b]52;c;SGVsbG8=\\x07B\\x1b[2J\\u009b31m" \
	"\\u202eevil\\u2066x\\u200f\\u061c\\x7f\\xffZ"

/* The first byte sequence in s that a terminal would act on, or that
 * reorders text: C0 but tab and line breaks, DEL, C1, bidi; invalid
 * UTF-8 too. NULL when there is none. */
static const char *
raw_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r') ||
		    *p == 0x7f || *p == 0xff || *p == 0xfe)
			return (const char *)p;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0)
			return (const char *)p;
		if (p[0] == 0xe2 && p[1] == 0x80 && ((p[2] >= 0xaa &&
		    p[2] <= 0xae) || p[2] == 0x8e || p[2] == 0x8f))
			return (const char *)p;
		if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 &&
		    p[2] <= 0xa9)
			return (const char *)p;
		if (p[0] == 0xd8 && p[1] == 0x9c)
			return (const char *)p;
	}
	return NULL;
}

/* Runs shukherctl -d db args (no JSON): nothing raw in what it prints,
 * and, when shown is set, the hostile text made visible. */
static void
check_shown(struct fixture *f, int shown, const char *a1, const char *a2,
    const char *a3)
{
	struct run r = cl_ctl_run("-d", f->db, a1, a2, a3, NULL);
	const char *bad;

	if (r.status != 0)
		fail_msg("%s %s: exit %d: %s", a1, a2 ? a2 : "", r.status,
		    r.err);
	if ((bad = raw_control(r.out)) != NULL)
		fail_msg("%s %s: a raw control at \"%.12s\"", a1,
		    a2 ? a2 : "", bad);
	if (shown && strstr(r.out, HOSTILE_SHOWN) == NULL &&
	    strstr(r.out, "A\\x1b]52") == NULL)
		fail_msg("%s %s: the text is not shown: %s", a1, a2 ? a2 : "",
		    r.out);
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "--json", a1, a2, a3, NULL);
	assert_int_equal(r.status, 0);
	if ((bad = raw_control(r.out)) != NULL)
		fail_msg("--json %s %s: a raw control at \"%.12s\"", a1,
		    a2 ? a2 : "", bad);
	cl_run_free(&r);
}

/*
 * Every output that shows what strangers wrote (inbox, outbox, reports
 * list and show with the timeline, audit, users list, status) shows escape
 * sequences, C1 and bidi controls as visible escapes, to a pipe too; the
 * JSON has no raw control either, and still decodes to the data.
 */
static void
test_hostile_text(void **state)
{
	struct fixture *f = *state;
	struct store_report_entry e;
	struct store_modem_state m;
	struct store_audit a;
	char err[256], ref[16], id[24];
	struct store *s;
	struct run r;
	int64_t rid;

	s = store_open(f->db, 0, err, sizeof(err));
	assert_non_null(s);
	cl_put_part(s, "\x1b[31mBANK\xe2\x80\xae", 0, 1, 1, HOSTILE, T0 + 200);
	assert_true(store_outbox_add(s, "+97699000001", HOSTILE,
	    STORE_OUT_MANUAL, 0, T0 + 201) > 0);
	rid = store_report_add(s, "+97699000002", HOSTILE, 0, 0, T0 + 202,
	    ref, sizeof(ref));
	assert_true(rid > 0);
	memset(&e, 0, sizeof(e));
	e.report_id = rid;
	e.at = T0 + 203;
	e.kind = "note";
	e.actor = "oyuna\x1b[8m\xc2\x9d";
	e.body = (const unsigned char *)HOSTILE;
	e.body_len = strlen(HOSTILE);
	assert_true(store_report_entry_add(s, &e) > 0);
	memset(&a, 0, sizeof(a));
	a.at = T0 + 204;
	a.actor = "\x1b]0;owned\x07" "bat";
	a.via = "cli";
	a.action = "user-add";
	a.detail = HOSTILE;
	assert_true(store_audit_add(s, &a) > 0);
	assert_true(store_user_add(s, HOSTILE, "$argon2id$x", T0 + 205) > 0);
	memset(&m, 0, sizeof(m));
	m.connected = 0;
	m.updated_at = T0 + 206;
	m.last_error_at = T0 + 206;
	snprintf(m.last_error, sizeof(m.last_error), "%s", HOSTILE);
	snprintf(m.operator_name, sizeof(m.operator_name), "%s",
	    "\xe2\x80\xae" "letinU");
	assert_true(store_modem_state_put(s, &m) >= 0);
	store_close(s);

	check_shown(f, 1, "inbox", NULL, NULL);
	check_shown(f, 1, "outbox", NULL, NULL);
	check_shown(f, 1, "reports", "list", NULL);
	snprintf(id, sizeof(id), "%lld", (long long)rid);
	check_shown(f, 1, "reports", "show", id);
	check_shown(f, 1, "audit", NULL, NULL);
	check_shown(f, 1, "users", "list", NULL);
	check_shown(f, 1, "status", NULL, NULL);
	/* Whole in reports show, the timeline's actor and text too. */
	r = cl_ctl_run("-d", f->db, "reports", "show", id, NULL);
	assert_non_null(strstr(r.out, HOSTILE_SHOWN));
	assert_non_null(strstr(r.out, "oyuna\\x1b[8m\\u009d"));
	cl_run_free(&r);
	/* JSON: escaped, and the same text once decoded (the stray byte
	 * becomes U+FFFD). */
	r = cl_ctl_run("-d", f->db, "--json", "reports", "show", id, NULL);
	ASSERT_JSON(r.out,
	    { "v[\"text\"] == \"A\\x1b]52;c;SGVsbG8=\\x07B\\x1b[2J\\x9b31m"
	      "\\u202eevil\\u2066x\\u200f\\u061c\\x7f\\ufffdZ\"", "true" });
	assert_non_null(strstr(r.out, "\\u009b"));
	assert_non_null(strstr(r.out, "\\u202e"));
	cl_run_free(&r);
}

/*
 * users add refuses a name that is not UTF-8, or holds a control (C0,
 * DEL, C1), a bidi control or a space, with exit 65 and a clear message,
 * before it asks for a password; nothing is created. A Cyrillic name
 * passes that check (and then finds no password on standard input).
 */
static void
test_users_add_name(void **state)
{
	static const struct {
		const char *name, *why;
	} bad[] = {
		{ "\xff\xfe", "not valid UTF-8" },
		{ "oyuna\xd0", "not valid UTF-8" },
		{ "oy\xc0\xafuna", "not valid UTF-8" },
		{ "oy\xed\xa0\x80una", "not valid UTF-8" },
		{ "oy\x1b[2Juna", "control characters" },
		{ "oy\x07una", "control characters" },
		{ "oy\x7funa", "control characters" },
		{ "oy\xc2\x9buna", "control characters" },
		{ "oy\xc2\x85una", "control characters" },
		{ "oy\xe2\x80\xaeuna", "control characters" },
		{ "oy\xe2\x81\xa6una", "control characters" },
		{ "oy\xe2\x80\x8funa", "control characters" },
		{ "oy\xd8\x9cuna", "control characters" },
		{ "oy una", "spaces" },
		{ "", "1 to 63" },
	};
	struct fixture *f = *state;
	struct run r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = cl_ctl_run("-d", f->db, "users", "add", bad[i].name, NULL);
		if (r.status != 65 || strstr(r.err, bad[i].why) == NULL)
			fail_msg("users add [%zu]: exit %d: %s", i, r.status,
			    r.err);
		assert_null(raw_control(r.err));
		cl_run_free(&r);
	}
	r = cl_ctl_run("-d", f->db, "--json", "users", "list", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "0" });
	cl_run_free(&r);
	r = cl_ctl_run("-d", f->db, "users", "add", "Оюунчимэг", NULL);
	assert_int_equal(r.status, 65);
	assert_non_null(strstr(r.err, "no password"));
	cl_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_usage_errors, cl_setup,
		    cl_teardown),
		cmocka_unit_test(test_help),
		cmocka_unit_test_setup_teardown(test_missing_db, cl_setup, cl_teardown),
		cmocka_unit_test_setup_teardown(test_config, cl_setup, cl_teardown),
		cmocka_unit_test_setup_teardown(test_config_table_aligned,
		    cl_setup, cl_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_text, cl_setup,
		    cl_teardown),
		cmocka_unit_test_setup_teardown(test_users_add_name, cl_setup,
		    cl_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
