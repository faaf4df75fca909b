/*
 * test_ctl: shukherctl as a caseworker and a technician run it.
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

/* 2026-11-29T04:15:00Z */
#define T0 1795925700

#define SENDER "+97699112233"
#define MSG_TEXT "Тусламж хэрэгтэй, \"ажил\" гэж хэлсэн\nгадаад руу \\ явах"
#define PART1 "Намайг Солонгос руу ажилд авна гэсэн, "
#define PART2 "паспортыг минь авсан."
#define REPORT_TEXT "Миний эгч Дубайд байгаа, утас нь хураагдсан"

struct fixture {
	char dir[64];
	char db[128];
	char ref[16];            /* the urgent report's reference */
	int64_t msg_id;          /* the handled single message */
	int64_t urgent_id, plain_id;
};

/* What one run of shukherctl did. */
struct run {
	int status;              /* exit code; -1 when killed */
	char *out;               /* stdout, NUL-terminated */
	char *err;               /* stderr */
};

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Everything fd gives until EOF, NUL-terminated. */
static char *
slurp(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	assert_non_null(buf);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[len] = '\0';
	return buf;
}

/*
 * Runs shukherctl with the NULL-ended arguments. stderr goes to a file so
 * that a full pipe can never block the child.
 */
static struct run
ctl_run(const char *first, ...)
{
	char bin[256], errpath[] = "/tmp/test_ctl_err_XXXXXX";
	const char *argv[32];
	const char *build = getenv("BUILD");
	struct run r;
	int p[2], errfd, st, n = 0;
	va_list ap;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/shukherctl", build ? build : "build");
	argv[n++] = bin;
	va_start(ap, first);
	for (const char *a = first; a != NULL && n < 31; a = va_arg(ap,
	    const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(pipe(p), 0);
	errfd = mkstemp(errpath);
	assert_true(errfd >= 0);
	unlink(errpath);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Never the terminal's: nothing here may wait for a person. */
		int nul = open("/dev/null", O_RDONLY);

		dup2(nul, 0);
		dup2(p[1], 1);
		dup2(errfd, 2);
		close(p[0]);
		close(p[1]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	r.out = slurp(p[0]);
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	lseek(errfd, 0, SEEK_SET);
	r.err = slurp(errfd);
	close(errfd);
	/* Under BUILD=build/san the binary reports its own bugs here. */
	if (strstr(r.err, "runtime error") != NULL ||
	    strstr(r.err, "Sanitizer") != NULL)
		fail_msg("%s %s: %s", bin, first ? first : "", r.err);
	return r;
}

/* One question about a JSON document, and the answer expected. */
struct want {
	const char *expr;        /* Python, over the decoded value v */
	const char *want;        /* str() of it; JSON spelling for
	                            null, true and false */
};

/*
 * Each of the n expressions over the JSON text, in one question to the
 * judge (tests/json_judge.c). Returns the answers, NUL-separated in one
 * buffer (caller frees), or NULL when the text is not valid JSON or an
 * expression failed.
 */
static char *
py_eval(const char *text, const struct want *w, size_t n)
{
	const char *exprs[32];
	size_t i;

	assert_true(n <= sizeof(exprs) / sizeof(exprs[0]));
	for (i = 0; i < n; i++)
		exprs[i] = w[i].expr;
	return judge_eval(text, exprs, n);
}

/* Asserts that each expression over the JSON text gives what is wanted. */
static void
assert_json(const char *text, const struct want *w, size_t n)
{
	char *all, *got;
	size_t i;

	if ((all = py_eval(text, w, n)) == NULL)
		fail_msg("not valid JSON, or a question failed: %s", text);
	for (i = 0, got = all; i < n; i++, got += strlen(got) + 1)
		if (strcmp(got, w[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", w[i].expr, got,
			    w[i].want);
	free(all);
}

#define ASSERT_JSON(text, ...) do {                                  \
	const struct want w_[] = { __VA_ARGS__ };                    \
	assert_json((text), w_, sizeof(w_) / sizeof(w_[0]));         \
} while (0)

static void
put_part(struct store *s, const char *sender, int ref, int no, int count,
    const char *text, int64_t now)
{
	struct store_part part = {
		.sender = sender, .sent_at = now - 5, .concat_ref = ref,
		.part_no = no, .part_count = count, .text = text,
		.coding = STORE_CODING_UCS2, .malformed = 0,
	};

	assert_int_equal(store_put_part(s, &part, now), 1);
}

/* The database a running daemon would have written. */
static void
fixture_fill(struct fixture *f)
{
	char err[256];
	struct store *s;
	struct store_msg m;

	s = store_open(f->db, 1, err, sizeof(err));
	if (s == NULL)
		fail_msg("store_open: %s", err);
	put_part(s, SENDER, 0, 1, 1, MSG_TEXT, T0);
	assert_int_equal(store_msg_next(s, &m), 1);
	f->msg_id = m.id;
	store_msg_free(&m);
	assert_int_equal(store_msg_handled(s, f->msg_id, "help", T0 + 1), 1);
	/* A long message whose parts came in reverse order. */
	put_part(s, "+97688001122", 77, 2, 2, PART2, T0 + 60);
	put_part(s, "+97688001122", 77, 1, 2, PART1, T0 + 61);
	assert_true(store_outbox_add(s, SENDER, "108 руу залга", STORE_OUT_REPLY,
	    f->msg_id, T0 + 2) > 0);
	f->urgent_id = store_report_add(s, SENDER, REPORT_TEXT, 1, f->msg_id,
	    T0 + 3, f->ref, sizeof(f->ref));
	assert_true(f->urgent_id > 0);
	f->plain_id = store_report_add(s, "+97695554433", "asuult baina", 0, 0,
	    T0 + 4, NULL, 0);
	assert_true(f->plain_id > 0);
	for (int i = 0; i < 3; i++)
		assert_true(store_stat_bump(s, "2026-11-29", "help") >= 0);
	assert_true(store_stat_bump(s, "2026-11-30", "report") >= 0);
	store_close(s);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_ctl_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/shukher.db", f->dir);
	fixture_fill(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

static void
test_inbox_json(void **state)
{
	struct fixture *f = *state;
	struct run r = ctl_run("-d", f->db, "--json", "inbox", NULL);
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
	run_free(&r);

	r = ctl_run("-d", f->db, "--json", "inbox", "--state", "new", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "[m[\"sender\"] for m in v]", "['+97688001122']" });
	run_free(&r);
	/* --json after the command works too. */
	r = ctl_run("-d", f->db, "inbox", "--search", "хэрэгтэй", "--json",
	    NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "[m[\"keyword\"] for m in v]", "['help']" });
	run_free(&r);
	r = ctl_run("-d", f->db, "--json", "inbox", "--limit", "1", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "1" });
	run_free(&r);
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
	put_part(s, "+97691112222", 0, 1, 1, text, T0 + 100);
	store_close(s);
	r = ctl_run("-d", f->db, "inbox", NULL);
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
	run_free(&r);
}

static void
test_outbox_json(void **state)
{
	struct fixture *f = *state;
	struct run r = ctl_run("-d", f->db, "--json", "outbox", NULL);
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
	run_free(&r);
	r = ctl_run("-d", f->db, "--json", "outbox", "--state", "sent", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "0" });
	run_free(&r);
}

static void
test_reports(void **state)
{
	struct fixture *f = *state;
	struct run r = ctl_run("-d", f->db, "--json", "reports", "list", NULL);

	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "2" },
	    { "v[1][\"text\"]", REPORT_TEXT },
	    { "v[1][\"ref\"]", f->ref },
	    { "v[1][\"urgent\"]", "true" },
	    { "v[0][\"urgent\"]", "false" },
	    { "v[0][\"message_id\"]", "null" },
	    { "[x[\"status\"] for x in v]", "['open', 'open']" });
	run_free(&r);

	r = ctl_run("-d", f->db, "--json", "reports", "list", "--urgent", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "1" },
	    { "v[0][\"ref\"]", f->ref });
	run_free(&r);
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
	r = ctl_run("-d", f->db, "--json", "reports", "show", lower, NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "v[\"ref\"]", f->ref },
	    { "v[\"text\"]", REPORT_TEXT },
	    { "v[\"number\"]", SENDER },
	    { "v[\"urgent\"]", "true" },
	    { "v[\"closed_at\"]", "null" },
	    { "v[\"outcome\"]", "null" },
	    { "v[\"created_at\"]", "2026-11-29T04:15:03Z" });
	run_free(&r);

	/* As text: the whole text, never cut. */
	r = ctl_run("-d", f->db, "reports", "show", f->ref, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, REPORT_TEXT));
	assert_non_null(strstr(r.out, "URGENT"));
	run_free(&r);

	r = ctl_run("-d", f->db, "--json", "reports", "show", "99999", NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "99999"));
	run_free(&r);
}

static void
test_report_close(void **state)
{
	struct fixture *f = *state;
	char id[24];
	struct run r;

	snprintf(id, sizeof(id), "%lld", (long long)f->urgent_id);
	r = ctl_run("-d", f->db, "reports", "close", id, "--outcome",
	    "referred to the police", NULL);
	assert_int_equal(r.status, 0);
	run_free(&r);
	r = ctl_run("-d", f->db, "--json", "reports", "show", f->ref, NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "v[\"status\"]", "closed" },
	    { "v[\"outcome\"]", "referred to the police" },
	    { "v[\"closed_at\"] is not None", "true" });
	run_free(&r);
	/* A second close is refused and keeps the first outcome. */
	r = ctl_run("-d", f->db, "reports", "close", f->ref, "--outcome", "x",
	    NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "closed"));
	run_free(&r);
	r = ctl_run("-d", f->db, "--json", "reports", "list", "--status",
	    "open", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "[x[\"status\"] for x in v]", "['open']" });
	run_free(&r);
	r = ctl_run("-d", f->db, "--json", "reports", "show", id, NULL);
	ASSERT_JSON(r.out,
	    { "v[\"outcome\"]", "referred to the police" });
	run_free(&r);
	r = ctl_run("-d", f->db, "reports", "close", "NOSUCH", NULL);
	assert_int_equal(r.status, 1);
	run_free(&r);
}

static void
test_stats(void **state)
{
	struct fixture *f = *state;
	struct run r = ctl_run("-d", f->db, "--json", "stats", NULL);

	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "sorted((x[\"day\"], x[\"keyword\"], x[\"count\"]) "
	      "for x in v)", "[('2026-11-29', 'help', 3), "
	      "('2026-11-30', 'report', 1)]" });
	run_free(&r);
	r = ctl_run("-d", f->db, "--json", "stats", "--since", "2026-11-30",
	    NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "[x[\"keyword\"] for x in v]", "['report']" });
	run_free(&r);
	r = ctl_run("-d", f->db, "--json", "stats", "--until", "2026-11-29",
	    NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "[x[\"count\"] for x in v]", "[3]" });
	run_free(&r);
}

static void
test_status(void **state)
{
	struct fixture *f = *state;
	struct store_modem_state m;
	struct run r = ctl_run("-d", f->db, "--json", "status", NULL);
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
	run_free(&r);
	r = ctl_run("-d", f->db, "status", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "daemon has not reported yet"));
	run_free(&r);

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
	r = ctl_run("-d", f->db, "--json", "status", NULL);
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
	run_free(&r);
	r = ctl_run("-d", f->db, "status", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "-80 dBm, good"));
	assert_non_null(strstr(r.out, "Unitel"));
	assert_non_null(strstr(r.out, "3 of 30"));
	run_free(&r);
}

static void
test_send(void **state)
{
	struct fixture *f = *state;
	struct run r = ctl_run("-d", f->db, "--json", "send", "+97688001122",
	    "Сайн", "байна", "уу?", NULL);
	char *id;
	char expr[160];

	assert_int_equal(r.status, 0);
	{
		const struct want w = { "v[\"id\"]", "" };

		id = py_eval(r.out, &w, 1);
		assert_non_null(id);
	}
	run_free(&r);
	r = ctl_run("-d", f->db, "--json", "outbox", NULL);
	assert_int_equal(r.status, 0);
	snprintf(expr, sizeof(expr), "[(x[\"number\"], x[\"text\"], x[\"state\"],"
	    " x[\"kind\"]) for x in v if x[\"id\"] == %s]", id);
	ASSERT_JSON(r.out,
	    { expr, "[('+97688001122', 'Сайн байна уу?', "
	      "'queued', 'manual')]" },
	    { "len(v)", "2" });
	free(id);
	run_free(&r);

	/* A bad number queues nothing. */
	r = ctl_run("-d", f->db, "send", "12ab", "hello", NULL);
	assert_int_equal(r.status, 65);
	run_free(&r);
	r = ctl_run("-d", f->db, "send", "+12", "hello", NULL);
	assert_int_equal(r.status, 65);
	run_free(&r);
	r = ctl_run("-d", f->db, "send", "+97688001122", NULL);
	assert_int_equal(r.status, 64);
	run_free(&r);
	r = ctl_run("-d", f->db, "--json", "outbox", NULL);
	ASSERT_JSON(r.out,
	    { "len(v)", "2" });
	run_free(&r);
	/* Text may start with a dash. */
	r = ctl_run("-d", f->db, "send", "97688001122", "-", "tomorrow", NULL);
	assert_int_equal(r.status, 0);
	run_free(&r);
}

static void
test_usage_errors(void **state)
{
	struct fixture *f = *state;
	struct run r;

	r = ctl_run("-d", f->db, "inbox", "--bogus", NULL);
	assert_int_equal(r.status, 64);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "usage"));
	run_free(&r);
	r = ctl_run("--bogus", "inbox", NULL);
	assert_int_equal(r.status, 64);
	run_free(&r);
	r = ctl_run("-d", f->db, "frobnicate", NULL);
	assert_int_equal(r.status, 64);
	run_free(&r);
	r = ctl_run("-d", f->db, "status", "extra", NULL);
	assert_int_equal(r.status, 64);
	run_free(&r);
	r = ctl_run("-d", f->db, "reports", NULL);
	assert_int_equal(r.status, 64);
	run_free(&r);
	r = ctl_run("-d", f->db, "inbox", "--since", "2026-02-30", NULL);
	assert_int_equal(r.status, 64);
	run_free(&r);
	r = ctl_run("-d", f->db, "outbox", "--state", "lost", NULL);
	assert_int_equal(r.status, 64);
	run_free(&r);
	r = ctl_run("-d", f->db, "inbox", "--limit", "-3", NULL);
	assert_int_equal(r.status, 64);
	run_free(&r);
	r = ctl_run(NULL);
	assert_int_equal(r.status, 64);
	run_free(&r);
}

static void
test_help(void **state)
{
	struct run r = ctl_run("--help", NULL);

	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "reports close"));
	run_free(&r);
	/* A command's help needs no database. */
	r = ctl_run("-d", "/nonexistent/x.db", "inbox", "--help", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "--search"));
	run_free(&r);
	r = ctl_run("help", "send", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "NUMBER"));
	run_free(&r);
	r = ctl_run("help", "reports", "close", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "--outcome"));
	run_free(&r);
}

static void
test_missing_db(void **state)
{
	struct fixture *f = *state;
	char path[160];
	struct stat st;
	struct run r;

	snprintf(path, sizeof(path), "%s/nothere.db", f->dir);
	r = ctl_run("-d", path, "--json", "inbox", NULL);
	assert_int_equal(r.status, 66);
	assert_non_null(strstr(r.err, path));
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	run_free(&r);
	r = ctl_run("-d", path, "send", "+97688001122", "hi", NULL);
	assert_int_equal(r.status, 66);
	assert_int_equal(stat(path, &st), -1);
	run_free(&r);
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
	r = ctl_run("-c", path, "config", "check", NULL);
	assert_int_equal(r.status, 78);
	assert_non_null(strstr(r.err, "bad.conf"));
	run_free(&r);
	/* A command that needs the database stops at a broken config. */
	r = ctl_run("-c", path, "inbox", NULL);
	assert_int_equal(r.status, 78);
	run_free(&r);

	snprintf(text, sizeof(text), "database = \"%s\";\n", f->db);
	path = write_conf(f, "good.conf", text);
	r = ctl_run("-c", path, "config", "check", NULL);
	if (r.status != 0)
		fail_msg("config check: %s", r.err);
	assert_non_null(strstr(r.out, ": ok"));
	assert_non_null(strstr(r.out, path));
	run_free(&r);
	r = ctl_run("-c", path, "--json", "config", "check", NULL);
	assert_int_equal(r.status, 0);
	snprintf(text, sizeof(text), "v[\"database\"] == \"%s\"", f->db);
	ASSERT_JSON(r.out,
	    { "v[\"ok\"]", "true" },
	    { "v[\"error\"]", "null" },
	    { text, "true" });
	run_free(&r);
	/* The database comes from the config. */
	r = ctl_run("-c", path, "--json", "reports", "list", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "2" });
	run_free(&r);
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
	struct run r = ctl_run("-d", f->db, a1, a2, a3, NULL);
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
	run_free(&r);
	r = ctl_run("-d", f->db, "--json", a1, a2, a3, NULL);
	assert_int_equal(r.status, 0);
	if ((bad = raw_control(r.out)) != NULL)
		fail_msg("--json %s %s: a raw control at \"%.12s\"", a1,
		    a2 ? a2 : "", bad);
	run_free(&r);
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
	put_part(s, "\x1b[31mBANK\xe2\x80\xae", 0, 1, 1, HOSTILE, T0 + 200);
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
	r = ctl_run("-d", f->db, "reports", "show", id, NULL);
	assert_non_null(strstr(r.out, HOSTILE_SHOWN));
	assert_non_null(strstr(r.out, "oyuna\\x1b[8m\\u009d"));
	run_free(&r);
	/* JSON: escaped, and the same text once decoded (the stray byte
	 * becomes U+FFFD). */
	r = ctl_run("-d", f->db, "--json", "reports", "show", id, NULL);
	ASSERT_JSON(r.out,
	    { "v[\"text\"] == \"A\\x1b]52;c;SGVsbG8=\\x07B\\x1b[2J\\x9b31m"
	      "\\u202eevil\\u2066x\\u200f\\u061c\\x7f\\ufffdZ\"", "true" });
	assert_non_null(strstr(r.out, "\\u009b"));
	assert_non_null(strstr(r.out, "\\u202e"));
	run_free(&r);
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
		r = ctl_run("-d", f->db, "users", "add", bad[i].name, NULL);
		if (r.status != 65 || strstr(r.err, bad[i].why) == NULL)
			fail_msg("users add [%zu]: exit %d: %s", i, r.status,
			    r.err);
		assert_null(raw_control(r.err));
		run_free(&r);
	}
	r = ctl_run("-d", f->db, "--json", "users", "list", NULL);
	assert_int_equal(r.status, 0);
	ASSERT_JSON(r.out,
	    { "len(v)", "0" });
	run_free(&r);
	r = ctl_run("-d", f->db, "users", "add", "Оюунчимэг", NULL);
	assert_int_equal(r.status, 65);
	assert_non_null(strstr(r.err, "no password"));
	run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inbox_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_show, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_errors, setup,
		    teardown),
		cmocka_unit_test(test_help),
		cmocka_unit_test_setup_teardown(test_missing_db, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_text, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_users_add_name, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
