/*
 * ctl_util: what the shukherctl tests (test_ctl*.c) share: a database
 * built with the store API, the real binary run with its output caught
 * (ctl_util.h).
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

void
cl_run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Everything fd gives until EOF, NUL-terminated. */
char *
cl_slurp(int fd)
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
struct run
cl_ctl_run(const char *first, ...)
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
	r.out = cl_slurp(p[0]);
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	lseek(errfd, 0, SEEK_SET);
	r.err = cl_slurp(errfd);
	close(errfd);
	/* Under BUILD=build/san the binary reports its own bugs here. */
	if (strstr(r.err, "runtime error") != NULL ||
	    strstr(r.err, "Sanitizer") != NULL)
		fail_msg("%s %s: %s", bin, first ? first : "", r.err);
	return r;
}

/*
 * Each of the n expressions over the JSON text, in one question to the
 * judge (tests/json_judge.c). Returns the answers, NUL-separated in one
 * buffer (caller frees), or NULL when the text is not valid JSON or an
 * expression failed.
 */
char *
cl_py_eval(const char *text, const struct want *w, size_t n)
{
	const char *exprs[32];
	size_t i;

	assert_true(n <= sizeof(exprs) / sizeof(exprs[0]));
	for (i = 0; i < n; i++)
		exprs[i] = w[i].expr;
	return judge_eval(text, exprs, n);
}

/* Asserts that each expression over the JSON text gives what is wanted. */
void
cl_assert_json(const char *text, const struct want *w, size_t n)
{
	char *all, *got;
	size_t i;

	if ((all = cl_py_eval(text, w, n)) == NULL)
		fail_msg("not valid JSON, or a question failed: %s", text);
	for (i = 0, got = all; i < n; i++, got += strlen(got) + 1)
		if (strcmp(got, w[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", w[i].expr, got,
			    w[i].want);
	free(all);
}

void
cl_put_part(struct store *s, const char *sender, int ref, int no, int count,
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
void
cl_fixture_fill(struct fixture *f)
{
	char err[256];
	struct store *s;
	struct store_msg m;

	s = store_open(f->db, 1, err, sizeof(err));
	if (s == NULL)
		fail_msg("store_open: %s", err);
	cl_put_part(s, SENDER, 0, 1, 1, MSG_TEXT, T0);
	assert_int_equal(store_msg_next(s, &m), 1);
	f->msg_id = m.id;
	store_msg_free(&m);
	assert_int_equal(store_msg_handled(s, f->msg_id, "help", T0 + 1), 1);
	/* A long message whose parts came in reverse order. */
	cl_put_part(s, "+97688001122", 77, 2, 2, PART2, T0 + 60);
	cl_put_part(s, "+97688001122", 77, 1, 2, PART1, T0 + 61);
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

int
cl_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_ctl_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/shukher.db", f->dir);
	cl_fixture_fill(f);
	*state = f;
	return 0;
}

int
cl_teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}
