/*
 * test_fault: the gateway's storage promises, with each call failing in
 * turn.
 *
 * As SQLite tests itself (test/alterfault.test, do_faultsim_test): one
 * scenario runs again and again with a fault armed at the Nth call of its
 * kind, N = 1, 2, 3, ..., until a run completes without ever reaching
 * it. The kinds: an allocation by SQLite failing once, or from then on
 * (an allocator installed with sqlite3_config(SQLITE_CONFIG_MALLOC)); a
 * write to the database or its WAL failing with SQLITE_FULL from then on
 * (a disk that fills) or once with SQLITE_IOERR; an fsync failing once;
 * the Nth attempt to take the write lock finding a second connection
 * holding BEGIN EXCLUSIVE, for the rest of that pass or until disarmed.
 * Writes and syncs fail in a VFS over the default one, whose sleeps are
 * instant, so that the store's busy timeout of seconds costs nothing.
 *
 * The scenario, with the gateway on a real database file, the fake modem
 * and a fake clock: a keyword SMS, a long message in three parts out of
 * order, a report and an urgent report (acknowledged, the caseworker on
 * duty alerted), then, while the replies go out, a delivery report, the
 * reporter's follow-up and one more keyword SMS. Then the fault is
 * disarmed and the gateway given time to recover, and one more SMS comes.
 *
 * After every run, what a technician would check: each SMS taken off the
 * SIM was stored first (put again, it is a duplicate), at the moment the
 * fault is disarmed and at the end; the SIM is empty in the end and each
 * SMS was taken off once; the phones received exactly what a run without
 * a fault sends them, each message once (so each keyword SMS got one
 * reply); every outbox row is sent; the inbox holds each message once and
 * none unhandled; two reports; the delivery report found its message; the
 * gateway never stopped, never spun, and answered the last SMS.
 *
 * The store's functions alone under the failing allocator are
 * test_store_fault.c; the faults themselves, fault.c.
 *
 * Every N of the allocation loops takes minutes: by default they go in
 * steps (fault_stride()); TEST_FAULT_FULL=1 tries every N, as SQLite's
 * full suite does. TEST_FAULT_FROM=n starts the gateway's loops at n, and
 * an argument (a glob) runs only the tests it names, to look at one
 * failure:  TEST_FAULT_FROM=1626 build/tests/test_fault '*oom_transient'
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "conf.h"
#include "fault.h"
#include "gateway.h"
#include "modem_fake.h"
#include "store.h"

#define NOW 1764390000          /* Saturday 2025-11-29 04:20 UTC: the
                                   roster's fallback all day */

/* ---- the database files and the log ------------------------------------- */

static char log_path[160];
static struct conf *conf;
static int saved_stderr = -1;

/* The gateway's log goes to a file of its own during a run, emptied
 * before: the failures are provoked, and counted rather than printed. */
static void
log_capture(void)
{
	int fd;

	fflush(stderr);
	assert_true((fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) >= 0);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static void
log_release(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
}

static int
log_lines(const char *word)
{
	char line[1024];
	FILE *fp;
	int n = 0;

	fflush(stderr);
	if ((fp = fopen(log_path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		n += strstr(line, word) != NULL;
	fclose(fp);
	return n;
}

/* The log of the failed run, on the test's output. */
static void
log_print(void)
{
	char line[1024];
	FILE *fp;
	int n = 0;

	fflush(stderr);
	if ((fp = fopen(log_path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL && n++ < 80)
		printf("  log: %s", line);
	fclose(fp);
}

static int
group_setup(void **state)
{
	char err[512];

	(void)state;
	if (fault_files_setup("test_fault") == -1)
		return -1;
	snprintf(log_path, sizeof(log_path), "%s/gateway.log", fault_dir);
	if (conf_load("tests/data/report.conf", &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "conf: %s\n", err);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	conf_free(conf);
	unlink(log_path);
	fault_files_teardown();
	return 0;
}

/* ---- the scenario ------------------------------------------------------- */

#define KEYWORD    "+97699140001"
#define LONG       "+97699140002"
#define REPORTER   "+97699140003"
#define URGENT     "+97699140004"
#define LATE       "+97699140005"
#define LAST       "+97699140006"

struct run {
	struct store *store;
	struct gateway *gw;
	int64_t now;
	int stopped;            /* gateway_run_once() returned -1 */
	int spun;               /* a second in which it never settled */
};

/* What a run came to. Texts are sorted; a report's reference is "#REF". */
#define OUT_MAX 32
struct outcome {
	int nsent;
	char sent[OUT_MAX][160];
	int not_stored;         /* SMS off the SIM but not in the database,
	                           when the fault is disarmed ... */
	int not_stored_end;     /* ... and in the end */
	int sim_left, puts, removes;
	int outbox, outbox_sent, inbox, inbox_new, parts_pending, reports;
	int delivered;          /* rows a delivery report marked ... */
	int delivered_right;    /* ... of them, the one with reference 1 */
	int stopped, spun, holder_failed;
	long fired, calls;      /* calls the fault failed, and counted */
	int store_lines;        /* "store:" lines in the log */
};

static int
pass(struct run *r)
{
	int w = gateway_run_once(r->gw, r->now);

	if (fault.kind == FAULT_BUSY)
		fault_holder_release();
	if (w < 0)
		r->stopped = 1;
	return w;
}

/* Passes at the current time until the gateway waits (or stops). */
static void
settle(struct run *r)
{
	int i;

	for (i = 0; i < 100; i++)
		if (pass(r) != 0)
			return;
	r->spun = 1;
}

/* Moves the fake clock on by seconds, step seconds at a time, settling
 * at each: a daemon whose passes are slow (a send takes seconds), so that
 * a run takes few passes. */
static void
advance(struct run *r, int seconds, int step)
{
	while (seconds > 0 && !r->stopped) {
		r->now += seconds < step ? seconds : step;
		seconds -= step;
		settle(r);
	}
}

/* New SMS came, with their +CMTI. */
static void
announce(struct run *r)
{
	fake.announce = 1;
	gateway_wait(r->gw, 0);
	settle(r);
}

/*
 * How many SMS taken off the SIM are not committed to the database: each,
 * put again through a connection of its own, must be a duplicate
 * (store_put_part() returns 0). Delivery reports are not stored as SMS;
 * the outcome checks theirs.
 */
static int
not_stored(struct run *r)
{
	const struct modem_sms *m;
	struct store_part p;
	struct store *s;
	char err[512];
	int i, rc, n = 0;

	fault.quiet++;
	if ((s = store_open(fault_db, 0, err, sizeof(err))) == NULL) {
		fault.quiet--;
		printf("  checking: %s\n", err);
		return FAKE_REMOVED_MAX;
	}
	for (i = 0; i < fake.removes && i < FAKE_REMOVED_MAX; i++) {
		m = &fake.removed[i];
		if (m->status_report)
			continue;
		memset(&p, 0, sizeof(p));
		p.sender = m->sender;
		p.sent_at = m->sent_at;
		p.concat_ref = m->concat_ref;
		p.part_no = m->part_no;
		p.part_count = m->part_count;
		p.text = m->text;
		p.coding = m->coding;
		if ((rc = store_put_part(s, &p, r->now)) != 0) {
			printf("  not stored: SMS %d (%s): %s\n", i, m->text,
			    rc < 0 ? store_errmsg(s) : "stored now");
			n++;
		}
	}
	store_close(s);
	fault.quiet--;
	return n;
}

/* "... #7KQ4ZP ..." as "... #REF ...": references are random. */
static void
normalize(char *dst, size_t len, const char *number, const char *text)
{
	size_t i, k, o;

	o = (size_t)snprintf(dst, len, "%s: ", number);
	for (i = 0; text[i] != '\0' && o + 5 < len; i++) {
		dst[o++] = text[i];
		if (text[i] != '#')
			continue;
		for (k = 1; k <= 6 && ((text[i + k] >= 'A' &&
		    text[i + k] <= 'Z') || (text[i + k] >= '0' &&
		    text[i + k] <= '9')); k++)
			;
		if (k == 7) {
			memcpy(dst + o, "REF", 3);
			o += 3;
			i += 6;
		}
	}
	dst[o] = '\0';
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
count_out(void *arg, const struct store_out *o)
{
	struct outcome *out = arg;

	out->outbox++;
	out->outbox_sent += strcmp(o->state, "sent") == 0;
	if (o->delivery != NULL && strcmp(o->delivery, "delivered") == 0) {
		out->delivered++;
		out->delivered_right += o->msgref != NULL &&
		    strcmp(o->msgref, "1") == 0;
	}
	return 0;
}

static int
count_msg(void *arg, const struct store_msg *m)
{
	(void)m;
	(*(int *)arg)++;
	return 0;
}

static int
count_report(void *arg, const struct store_report *rep)
{
	(void)rep;
	(*(int *)arg)++;
	return 0;
}

static void
collect(struct run *r, struct outcome *out)
{
	struct store_filter all = { .urgent = -1 };
	struct store_counts c;
	int i;

	out->nsent = fake.nsent;
	for (i = 0; i < fake.nsent && i < OUT_MAX; i++)
		normalize(out->sent[i], sizeof(out->sent[i]),
		    fake.sent[i].number, fake.sent[i].text);
	qsort(out->sent, (size_t)(i), sizeof(out->sent[0]), cmp_str);
	out->not_stored_end = not_stored(r);
	out->sim_left = modem_fake_count();
	out->puts = fake.puts;
	out->removes = fake.removes;
	if (store_list_outbox(r->store, &all, count_out, out) < 0 ||
	    store_list_inbox(r->store, &all, count_msg, &out->inbox) < 0 ||
	    store_list_reports(r->store, &all, count_report,
	    &out->reports) < 0 || store_counts(r->store, &c) < 0)
		out->outbox = -1;
	else {
		out->inbox_new = c.inbox_new;
		out->parts_pending = c.parts_pending;
	}
	out->stopped = r->stopped;
	out->spun = r->spun;
	out->holder_failed = fault_holder_failed();
	out->store_lines = log_lines("store:");
}

/*
 * One run with kind armed at call n (0: no fault). Returns how many calls
 * the fault failed (0: it was never reached).
 */
static long
scenario(enum fault_kind kind, long n, struct outcome *out)
{
	struct run r = { .now = NOW };
	struct store_counts counts;
	char err[512];
	int report_put = 0;

	memset(out, 0, sizeof(*out));
	modem_fake_reset();
	/* The SIM as a SIM800 fills it, the lowest free location first:
	 * after an outage a reporter's follow-up lies before its report,
	 * and must still be handled after it (the gateway stores what a
	 * read found in order of arrival). */
	fake.in_order = 0;
	assert_int_equal(fault_fresh_db(), 0);
	log_capture();
	if ((r.store = store_open(fault_db, 0, err, sizeof(err))) == NULL)
		fail_msg("store: %s", err);
	assert_non_null(r.gw = gateway_new(&modem_fake_ops, r.store, conf));
	if (kind == FAULT_BUSY || kind == FAULT_BUSY_ON)
		assert_int_equal(fault_holder_open(fault_db), 0);
	fault_arm(kind, n);

	/* What the SIM holds when the gateway starts. */
	modem_fake_put(KEYWORD, "help", 0, 1, 1);
	modem_fake_put(LONG, "OFF", 21, 2, 3);
	modem_fake_put(LONG, "ER", 21, 3, 3);
	modem_fake_put(LONG, "JOB ", 21, 1, 3);
	modem_fake_put(REPORTER, "REPORT a man offers work in Macau", 0, 1, 1);
	modem_fake_put(URGENT, "REPORT danger, they took my passport", 0, 1,
	    1);
	settle(&r);
	advance(&r, 20, 5);

	/* While the replies go out: the network's report on the first one
	 * sent, the reporter adds to their report, one more keyword. */
	if (fake.nsent > 0) {
		modem_fake_put_report(1, 1);
		report_put = 1;
	}
	modem_fake_put(REPORTER, "he said the pay is 3000 dollars", 0, 1, 1);
	modem_fake_put(LATE, "тусламж", 0, 1, 1);
	announce(&r);
	advance(&r, 20, 5);

	fault_disarm();
	out->fired = fault.fired;
	out->calls = fault.calls;
	/* Whatever the fault did: off the SIM means stored. The store's
	 * next statement first (a read), which ends what a ROLLBACK that
	 * failed for want of memory left open, so that the check's own
	 * connection is not locked out. */
	(void)store_counts(r.store, &counts);
	out->not_stored = not_stored(&r);

	/* Recovery (the backoff is 60 s at most), and the gateway runs on.
	 * The delivery report, if nothing had gone out before, comes once
	 * something has. */
	advance(&r, 150, 30);
	if (!report_put)
		modem_fake_put_report(1, 1);
	modem_fake_put(LAST, "help", 0, 1, 1);
	announce(&r);
	advance(&r, 20, 5);

	collect(&r, out);
	gateway_free(r.gw);
	store_close(r.store);
	fault_holder_close();
	log_release();
	return out->fired;
}

/* Prints where got differs from want; returns the number of differences. */
static int
compare(const struct outcome *want, const struct outcome *got)
{
	int i, bad = 0;

#define SAME(field) do { \
	if (want->field != got->field) { \
		printf("  %s: %d, not %d\n", #field, (int)got->field, \
		    (int)want->field); \
		bad++; \
	} \
} while (0)
	SAME(nsent);
	SAME(not_stored);
	SAME(not_stored_end);
	SAME(sim_left);
	SAME(puts);
	SAME(removes);
	SAME(outbox);
	SAME(outbox_sent);
	SAME(inbox);
	SAME(inbox_new);
	SAME(parts_pending);
	SAME(reports);
	SAME(delivered);
	SAME(delivered_right);
	SAME(stopped);
	SAME(spun);
	SAME(holder_failed);
#undef SAME
	for (i = 0; i < want->nsent && i < got->nsent && i < OUT_MAX; i++)
		if (strcmp(want->sent[i], got->sent[i]) != 0) {
			printf("  sent: \"%s\", not \"%s\"\n", got->sent[i],
			    want->sent[i]);
			bad++;
		}
	if (bad > 0)
		for (i = 0; i < got->nsent && i < OUT_MAX; i++)
			printf("  phone got %s\n", got->sent[i]);
	return bad;
}

static struct outcome reference;

/* The run without a fault: what every faulty run must come to. */
static void
test_reference_run(void **state)
{
	struct outcome *w = &reference;
	int i;

	(void)state;
	assert_int_equal(scenario(FAULT_OOM, 0, w), 0);
	/* Each keyword SMS one reply, the long one joined, each report
	 * acknowledged with its reference, the urgent one alerted, the
	 * follow-up acknowledged: eight messages, each once. */
	assert_int_equal(w->nsent, 8);
	for (i = 1; i < w->nsent; i++)
		assert_true(strcmp(w->sent[i - 1], w->sent[i]) < 0);
	assert_int_equal(w->puts, 10);
	assert_int_equal(w->removes, 10);
	assert_int_equal(w->sim_left, 0);
	assert_int_equal(w->not_stored, 0);
	assert_int_equal(w->inbox, 7);
	assert_int_equal(w->inbox_new, 0);
	assert_int_equal(w->parts_pending, 0);
	assert_int_equal(w->reports, 2);
	assert_int_equal(w->outbox, 8);
	assert_int_equal(w->outbox_sent, 8);
	assert_int_equal(w->delivered, 1);
	assert_int_equal(w->delivered_right, 1);
	assert_int_equal(w->stopped, 0);
	assert_int_equal(w->spun, 0);
	assert_int_equal(w->store_lines, 0);
}

/* The loop for one kind of fault: N = 1, 2, ... (or in steps, see
 * fault_stride()) until a run never reaches it. */
static void
fault_loop(enum fault_kind kind)
{
	struct outcome got;
	long n, runs = 0, logged = 0, calls, stride;

	if (reference.nsent == 0)       /* run alone (a filter) */
		test_reference_run(NULL);
	/* Every call counted, none failed: how many there are. */
	assert_int_equal(scenario(kind, FAULT_MAX_CALLS * 10L, &got), 0);
	calls = got.calls;
	stride = fault_stride(calls, 150);
	/* TEST_FAULT_FROM=n starts at n, to look at one failure. */
	n = getenv("TEST_FAULT_FROM") ? atol(getenv("TEST_FAULT_FROM")) : 1;
	for (; n < FAULT_MAX_CALLS; n += stride, runs++) {
		if (scenario(kind, n, &got) == 0)
			break;
		logged += got.store_lines > 0;
		if (compare(&reference, &got) > 0) {
			log_print();
			fail_msg("%s at call %ld: the run differs from one "
			    "without the fault (above)", fault_name(kind), n);
		}
	}
	assert_true(n < FAULT_MAX_CALLS);
	/* The last run counted the same calls, and failed none. */
	assert_int_equal(got.calls, calls);
	printf("  %s: %ld of %ld calls failed in turn, the store's failure "
	    "logged in %ld runs\n", fault_name(kind), runs, calls, logged);
}

static void test_oom_transient(void **s) { (void)s; fault_loop(FAULT_OOM); }
static void test_oom_persistent(void **s) { (void)s; fault_loop(FAULT_OOM_ON); }
static void test_disk_full(void **s) { (void)s; fault_loop(FAULT_FULL); }
static void test_write_ioerr(void **s) { (void)s; fault_loop(FAULT_IOERR); }
static void test_fsync_ioerr(void **s) { (void)s; fault_loop(FAULT_FSYNC); }
static void test_busy(void **s) { (void)s; fault_loop(FAULT_BUSY); }
static void test_busy_held(void **s) { (void)s; fault_loop(FAULT_BUSY_ON); }

/* An argument runs only the tests whose names match it (a glob). */
int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_run),
		cmocka_unit_test(test_oom_transient),
		cmocka_unit_test(test_oom_persistent),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_write_ioerr),
		cmocka_unit_test(test_fsync_ioerr),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_busy_held),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	if (fault_install() == -1)
		return 1;
	return cmocka_run_group_tests_name("fault", tests, group_setup,
	    group_teardown);
}
