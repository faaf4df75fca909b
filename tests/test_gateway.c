/*
 * test_gateway: the message path with a fake modem and a fake clock.
 *
 * What a person and a technician would check: a message on the SIM is
 * answered and then gone from the SIM; a long message is answered once; a
 * modem that fails is reopened with growing pauses; a refused send is
 * retried and then marked failed with the reason; a modem failure during a
 * send loses nothing. A database that refuses writes (a VFS below SQLite
 * that fails every write, as a full disk does) is waited for: the SIM is
 * left alone, the failure is logged once a minute, what was queued still
 * goes out once, and everything is answered once when it recovers. A
 * database file deleted or replaced stops the gateway before it deletes
 * anything more from the SIM.
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
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "conf.h"
#include "gateway.h"
#include "modem_fake.h"
#include "store.h"

#define NOW 1764390000

struct fixture {
	struct conf *conf;
	struct store *store;
	struct gateway *gw;
	int64_t now;
	int saved_stderr;
	char log[64];            /* the gateway's log of this test */
};

/*
 * The gateway's log goes to a file of the test's own, not to the test
 * run's output: the failures a test provokes are expected, and the test
 * asserts them (log_lines) rather than print them as if something broke.
 */
static void
log_capture(struct fixture *f)
{
	int fd;

	snprintf(f->log, sizeof(f->log), "/tmp/test_gateway.log.XXXXXX");
	assert_true((fd = mkstemp(f->log)) >= 0);
	fflush(stderr);
	f->saved_stderr = dup(2);
	assert_true(dup2(fd, 2) == 2);
	close(fd);
}

static void
log_release(struct fixture *f)
{
	fflush(stderr);
	dup2(f->saved_stderr, 2);
	close(f->saved_stderr);
	unlink(f->log);
}

/* Lines of the gateway's log that contain word. */
static int
log_lines(struct fixture *f, const char *word)
{
	char line[1024];
	FILE *fp;
	int n = 0;

	fflush(stderr);
	assert_non_null(fp = fopen(f->log, "r"));
	while (fgets(line, sizeof(line), fp) != NULL)
		n += strstr(line, word) != NULL;
	fclose(fp);
	return n;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	assert_non_null(f);
	modem_fake_reset();
	if (conf_load("tests/data/route.conf", &f->conf, err,
	    sizeof(err)) < 0)
		fail_msg("conf: %s", err);
	f->store = store_open(":memory:", 1, err, sizeof(err));
	if (f->store == NULL)
		fail_msg("store: %s", err);
	f->gw = gateway_new(&modem_fake_ops, f->store, f->conf);
	assert_non_null(f->gw);
	f->now = NOW;
	log_capture(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	gateway_free(f->gw);
	store_close(f->store);
	conf_free(f->conf);
	log_release(f);
	free(f);
	return 0;
}

/* Runs passes at the current fake time until the gateway has nothing to
 * do at once (bounded, so that a busy loop fails the test). */
static void
settle(struct fixture *f)
{
	int i;

	for (i = 0; i < 100; i++)
		if (gateway_run_once(f->gw, f->now) > 0)
			return;
	fail_msg("gateway never settled");
}

/* Advances the fake clock one second at a time, running passes. */
static void
advance(struct fixture *f, int seconds)
{
	while (seconds-- > 0) {
		f->now++;
		settle(f);
	}
}

static int
find_out(void *arg, const struct store_out *o)
{
	struct store_out *dst = arg;

	dst->attempts = o->attempts;
	free(dst->state);
	dst->state = strdup(o->state);
	free(dst->last_error);
	dst->last_error = o->last_error ? strdup(o->last_error) : NULL;
	return 1;
}

static void
test_message_is_answered_and_removed_from_sim(void **state)
{
	struct fixture *f = *state;

	modem_fake_put("+97699120001", "тусламж", 0, 1, 1);
	settle(f);
	assert_int_equal(modem_fake_count(), 0);
	assert_int_equal(fake.nsent, 1);
	assert_string_equal(fake.sent[0].number, "+97699120001");
	assert_string_equal(fake.sent[0].text, "Тусламж: 102");
}

/*
 * A SIM800 puts a new SMS in the lowest free location, so one that
 * arrived later can lie before one that arrived earlier (a reporter's
 * follow-up before the report itself): they are handled, and answered,
 * in the order they arrived.
 */
static void
test_messages_are_handled_in_order_of_arrival(void **state)
{
	struct fixture *f = *state;

	fake.in_order = 0;
	assert_int_equal(modem_fake_put("+97699120010", "x", 0, 1, 1), 1);
	assert_int_equal(modem_fake_put("+97699120011", "first", 0, 1, 1), 2);
	fake.used[0] = 0;       /* location 1 emptied meanwhile */
	assert_int_equal(modem_fake_put("+97699120012", "second", 0, 1, 1),
	    1);
	settle(f);
	assert_int_equal(fake.nsent, 2);
	assert_string_equal(fake.sent[0].number, "+97699120011");
	assert_string_equal(fake.sent[1].number, "+97699120012");
}

static void
test_long_message_out_of_order_is_answered_once(void **state)
{
	struct fixture *f = *state;
	modem_fake_put("+97699120002", " a man offers work", 7, 2, 3);
	modem_fake_put("+97699120002", " in Macau", 7, 3, 3);
	settle(f);
	assert_int_equal(fake.nsent, 0);        /* not complete yet */
	assert_int_equal(modem_fake_count(), 0); /* but stored and removed */
	modem_fake_put("+97699120002", "REPORT", 7, 1, 3);
	fake.announce = 1;      /* +CMTI */
	gateway_wait(f->gw, 0);
	settle(f);
	assert_int_equal(fake.nsent, 1);
	/* The report keyword's reply, in English as the keyword was, with
	 * the new report's reference. */
	assert_memory_equal(fake.sent[0].text, "Received #",
	    strlen("Received #"));
}

static void
test_missing_part_is_handled_after_the_timeout(void **state)
{
	struct fixture *f = *state;

	modem_fake_put("+97699120003", "тусламж ", 9, 1, 2);
	settle(f);
	assert_int_equal(fake.nsent, 0);
	advance(f, f->conf->limits.multipart_timeout + 1);
	assert_int_equal(fake.nsent, 1);
	assert_string_equal(fake.sent[0].text, "Тусламж: 102");
}

static void
test_failing_modem_is_reopened_with_growing_pauses(void **state)
{
	struct fixture *f = *state;
	struct store_modem_state st;
	int64_t start = f->now;
	int64_t opened_at[5];
	int n = 0, last = 0;

	fake.fail_open = 4;
	while (f->now - start < 60 && n < 5) {
		settle(f);
		if (fake.opens != last) {
			opened_at[n++] = f->now - start;
			last = fake.opens;
		}
		f->now++;
	}
	assert_int_equal(n, 5);
	/* Tries at 0, 1, 3, 7, 15 s: the pause doubles. */
	assert_int_equal(opened_at[1] - opened_at[0], 1);
	assert_int_equal(opened_at[2] - opened_at[1], 2);
	assert_int_equal(opened_at[3] - opened_at[2], 4);
	assert_int_equal(opened_at[4] - opened_at[3], 8);
	assert_true(gateway_connected(f->gw));
	assert_int_equal(store_modem_state_get(f->store, &st), 1);
	assert_true(st.connected);
	assert_string_equal(st.operator_name, "Fake");
	assert_non_null(strstr(st.last_error, "no such device"));
	/* The technician's log says each failed open and the next try. */
	assert_int_equal(log_lines(f, "cannot open"), 4);
	assert_int_equal(log_lines(f, "modem: connected"), 1);
}

static void
test_repeated_read_errors_reopen_and_lose_nothing(void **state)
{
	struct fixture *f = *state;

	settle(f);
	assert_int_equal(fake.opens, 1);
	modem_fake_put("+97699120004", "help", 0, 1, 1);
	fake.fail_read = 3;
	gateway_wait(f->gw, 0);
	fake.announce = 1;
	gateway_wait(f->gw, 0);
	settle(f);
	advance(f, 5);
	gateway_wait(f->gw, 0);
	fake.announce = 1;
	gateway_wait(f->gw, 0);
	advance(f, 70);
	assert_true(fake.opens >= 2);
	assert_true(fake.closes >= 1);
	assert_int_equal(modem_fake_count(), 0);
	assert_int_equal(fake.nsent, 1);
	assert_true(log_lines(f, "closing after 3 failure(s)") >= 1);
}

static void
test_refused_send_is_retried_then_failed_with_reason(void **state)
{
	struct fixture *f = *state;
	struct store_filter all = { .urgent = -1 };
	struct store_out o;

	memset(&o, 0, sizeof(o));
	fake.fail_send = 100;   /* the network refuses everything */
	modem_fake_put("+97699120005", "help", 0, 1, 1);
	settle(f);
	assert_int_equal(store_list_outbox(f->store, &all, find_out, &o), 0);
	assert_string_equal(o.state, "queued");
	assert_int_equal(o.attempts, 1);
	/* retry_delay 10 s, doubling: attempts at +10 and then +20 */
	advance(f, 9);
	assert_int_equal(store_list_outbox(f->store, &all, find_out, &o), 0);
	assert_int_equal(o.attempts, 1);
	advance(f, 40);
	assert_int_equal(store_list_outbox(f->store, &all, find_out, &o), 0);
	assert_int_equal(o.attempts, 3);
	assert_string_equal(o.state, "failed");
	assert_non_null(strstr(o.last_error, "+CMS ERROR: 500"));
	assert_int_equal(fake.nsent, 0);
	assert_true(gateway_connected(f->gw)); /* the modem is fine */
	store_out_free(&o);
	assert_int_equal(log_lines(f, "failed after 3 attempts: +CMS ERROR: "
	    "500"), 1);
	assert_int_equal(log_lines(f, "closing after"), 0);
}

static void
test_modem_failure_during_send_keeps_the_reply(void **state)
{
	struct fixture *f = *state;

	struct store_filter all = { .urgent = -1 };
	struct store_out o;

	memset(&o, 0, sizeof(o));
	fake.fail_send = 1;
	fake.fail_send_rc = -1;  /* a timeout: the modem, not the message */
	modem_fake_put("+97699120006", "help", 0, 1, 1);
	settle(f);
	assert_int_equal(fake.nsent, 1);
	assert_string_equal(fake.sent[0].number, "+97699120006");
	assert_int_equal(store_list_outbox(f->store, &all, find_out, &o), 0);
	assert_string_equal(o.state, "sent");
	store_out_free(&o);
}

static void
test_reading_goes_before_sending(void **state)
{
	struct fixture *f = *state;
	int i;
	char number[32];

	for (i = 0; i < 5; i++) {
		snprintf(number, sizeof(number), "+9769913%04d", i);
		modem_fake_put(number, "help", 0, 1, 1);
	}
	gateway_run_once(f->gw, f->now);
	/* One pass read the whole SIM before it sent anything. */
	assert_int_equal(modem_fake_count(), 0);
	assert_true(fake.nsent <= 1);
	settle(f);
	assert_int_equal(fake.nsent, 5);
}

static void
test_new_message_is_read_before_the_next_reply_goes(void **state)
{
	struct fixture *f = *state;
	int i;
	char number[32];

	for (i = 0; i < 3; i++) {
		snprintf(number, sizeof(number), "+9769914%04d", i);
		modem_fake_put(number, "help", 0, 1, 1);
	}
	gateway_run_once(f->gw, f->now);
	assert_int_equal(fake.nsent, 1);
	/* During that send a new message came, with its +CMTI. */
	modem_fake_put("+97699149999", "help", 0, 1, 1);
	fake.announce = 1;
	gateway_run_once(f->gw, f->now);        /* notices it, sends nothing */
	assert_int_equal(fake.nsent, 1);
	gateway_run_once(f->gw, f->now);        /* reads it off the SIM */
	assert_int_equal(modem_fake_count(), 0);
	settle(f);
	assert_int_equal(fake.nsent, 4);
}

static int
find_delivery(void *arg, const struct store_out *o)
{
	char *dst = arg;

	snprintf(dst, 32, "%s", o->delivery ? o->delivery : "(none)");
	return 1;
}

static void
test_delivery_reports_are_matched_and_cleared_from_sim(void **state)
{
	struct fixture *f = *state;
	struct store_filter all = { .urgent = -1 };
	struct store_counts counts;
	char delivery[32];

	modem_fake_put("+97699120010", "help", 0, 1, 1);
	settle(f);
	assert_int_equal(fake.nsent, 1);        /* its reference is 1 */
	assert_int_equal(store_list_outbox(f->store, &all, find_delivery,
	    delivery), 0);
	assert_string_equal(delivery, "(none)");
	modem_fake_put_report(99, 1);           /* nobody's: dropped */
	modem_fake_put_report(1, 1);
	fake.announce = 1;
	gateway_wait(f->gw, 0);
	settle(f);
	assert_int_equal(modem_fake_count(), 0);  /* the SIM never fills */
	assert_int_equal(fake.nsent, 1);          /* reports get no reply */
	assert_int_equal(store_counts(f->store, &counts), 0);
	assert_int_equal(counts.inbox_new, 0);
	assert_int_equal(store_list_outbox(f->store, &all, find_delivery,
	    delivery), 0);
	assert_string_equal(delivery, "delivered");
	modem_fake_put_report(1, 0);            /* a part failed after all */
	fake.announce = 1;
	gateway_wait(f->gw, 0);
	settle(f);
	assert_int_equal(store_list_outbox(f->store, &all, find_delivery,
	    delivery), 0);
	assert_string_equal(delivery, "failed");
}

/* A 4-part reply whose third part fails with rc: parts 1 and 2 go out
 * once, and the next attempt sends only 3 and 4, with one concatenation
 * reference throughout, so the phone joins them. */
static void
resume_after_failure(struct fixture *f, int rc, int wait)
{
	int i;

	fake.part_len = 5;      /* "Тусламж: 102" is 19 bytes: 4 parts */
	fake.fail_after = 2;
	fake.fail_send = 1;
	fake.fail_send_rc = rc;
	modem_fake_put("+97699120007", "тусламж", 0, 1, 1);
	settle(f);
	advance(f, wait);
	assert_int_equal(fake.nsent, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(fake.sent[i].part, i + 1);
		assert_int_equal(fake.sent[i].parts, 4);
		assert_int_equal(fake.sent[i].concat_ref,
		    fake.sent[0].concat_ref);
	}
}

static void
test_refused_part_is_resent_alone(void **state)
{
	resume_after_failure(*state, -2, 10);   /* retry_delay is 10 s */
}

static void
test_part_lost_to_a_dead_modem_is_resent_alone(void **state)
{
	resume_after_failure(*state, -1, 5);
}

/* ---- a failing disk ------------------------------------------------------

 * A VFS over the default one whose files refuse every write while
 * disk_full is set (SQLITE_FULL, what a full disk gives). Registered as
 * the default before the tests, so that every store on a file uses it. */

static sqlite3_vfs *real_vfs;
static int disk_full;
static int wal_syncs;            /* syncs of a WAL: one per commit */

struct full_file {
	sqlite3_file base;
	sqlite3_file *real;      /* the default VFS's file, right after */
	int wal;                 /* 1: a WAL file */
};

#define REAL(f) (((struct full_file *)(f))->real)

static int ff_close(sqlite3_file *f)
{ return REAL(f)->pMethods->xClose(REAL(f)); }
static int ff_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{ return REAL(f)->pMethods->xRead(REAL(f), b, n, o); }
static int ff_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{ return disk_full ? SQLITE_FULL :
    REAL(f)->pMethods->xWrite(REAL(f), b, n, o); }
static int ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{ return REAL(f)->pMethods->xTruncate(REAL(f), size); }
static int ff_sync(sqlite3_file *f, int flags)
{ wal_syncs += ((struct full_file *)f)->wal;
  return REAL(f)->pMethods->xSync(REAL(f), flags); }
static int ff_size(sqlite3_file *f, sqlite3_int64 *size)
{ return REAL(f)->pMethods->xFileSize(REAL(f), size); }
static int ff_lock(sqlite3_file *f, int l)
{ return REAL(f)->pMethods->xLock(REAL(f), l); }
static int ff_unlock(sqlite3_file *f, int l)
{ return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int ff_reserved(sqlite3_file *f, int *out)
{ return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out); }
static int ff_fcntl(sqlite3_file *f, int op, void *arg)
{ return REAL(f)->pMethods->xFileControl(REAL(f), op, arg); }
static int ff_sector(sqlite3_file *f)
{ return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int ff_devchar(sqlite3_file *f)
{ return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int ff_shm_map(sqlite3_file *f, int i, int sz, int w, void volatile **p)
{ return REAL(f)->pMethods->xShmMap(REAL(f), i, sz, w, p); }
static int ff_shm_lock(sqlite3_file *f, int o, int n, int flags)
{ return REAL(f)->pMethods->xShmLock(REAL(f), o, n, flags); }
static void ff_shm_barrier(sqlite3_file *f)
{ REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int ff_shm_unmap(sqlite3_file *f, int del)
{ return REAL(f)->pMethods->xShmUnmap(REAL(f), del); }

static const sqlite3_io_methods ff_methods = {
	2, ff_close, ff_read, ff_write, ff_truncate, ff_sync, ff_size,
	ff_lock, ff_unlock, ff_reserved, ff_fcntl, ff_sector, ff_devchar,
	ff_shm_map, ff_shm_lock, ff_shm_barrier, ff_shm_unmap, NULL, NULL,
};

static int
ff_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
    int *out)
{
	struct full_file *ff = (struct full_file *)f;
	int rc;

	(void)vfs;
	ff->real = (sqlite3_file *)(ff + 1);
	ff->wal = (flags & SQLITE_OPEN_WAL) != 0;
	rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out);
	ff->base.pMethods = ff->real->pMethods != NULL ? &ff_methods : NULL;
	return rc;
}

static int
register_full_vfs(void)
{
	static sqlite3_vfs vfs;

	if ((real_vfs = sqlite3_vfs_find(NULL)) == NULL)
		return -1;
	vfs = *real_vfs;
	vfs.iVersion = real_vfs->iVersion;
	vfs.szOsFile = (int)sizeof(struct full_file) + real_vfs->szOsFile;
	vfs.zName = "full";
	vfs.xOpen = ff_open;
	return sqlite3_vfs_register(&vfs, 1) == SQLITE_OK ? 0 : -1;
}

/* A gateway on a database file in a directory of its own. */
struct file_fixture {
	struct fixture f;
	char dir[64], path[128];
};

static int
file_setup(void **state)
{
	struct file_fixture *ff = calloc(1, sizeof(*ff));
	char err[768];

	assert_non_null(ff);
	modem_fake_reset();
	disk_full = 0;
	snprintf(ff->dir, sizeof(ff->dir), "/tmp/test_gateway.XXXXXX");
	assert_non_null(mkdtemp(ff->dir));
	snprintf(ff->path, sizeof(ff->path), "%s/shukher.db", ff->dir);
	if (conf_load("tests/data/route.conf", &ff->f.conf, err,
	    sizeof(err)) < 0)
		fail_msg("conf: %s", err);
	ff->f.store = store_open(ff->path, STORE_CREATE, err, sizeof(err));
	if (ff->f.store == NULL)
		fail_msg("store: %s", err);
	ff->f.gw = gateway_new(&modem_fake_ops, ff->f.store, ff->f.conf);
	assert_non_null(ff->f.gw);
	ff->f.now = NOW;
	log_capture(&ff->f);
	*state = ff;
	return 0;
}

static int
file_teardown(void **state)
{
	struct file_fixture *ff = *state;
	const char *names[] = { "shukher.db", "shukher.db-wal",
	    "shukher.db-shm", "other.db", NULL };
	char path[192];
	int i;

	disk_full = 0;
	gateway_free(ff->f.gw);
	store_close(ff->f.store);
	conf_free(ff->f.conf);
	log_release(&ff->f);
	for (i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", ff->dir, names[i]);
		unlink(path);
	}
	rmdir(ff->dir);
	free(ff);
	return 0;
}

/* Replies the fake sent to number. */
static int
sent_to(const char *number)
{
	int i, n = 0;

	for (i = 0; i < fake.nsent; i++)
		n += strcmp(fake.sent[i].number, number) == 0;
	return n;
}

static int
count_state(void *arg, const struct store_out *o)
{
	int *n = arg;

	n[0]++;
	n[1] += strcmp(o->state, "sent") == 0;
	return 0;
}

static void
test_full_disk_waits_keeps_sending_and_recovers(void **state)
{
	struct file_fixture *ff = *state;
	struct fixture *f = &ff->f;
	struct store_filter all = { .urgent = -1 };
	static const char *const queued[] = { "+97699130001", "+97699130002" };
	static const char *const waiting[] = { "+97699130003", "+97699130004",
	    "+97699130005" };
	int i, reads, n[2] = { 0, 0 };

	/* Two replies queued, the network refusing them for now. */
	fake.fail_send = 2;
	for (i = 0; i < 2; i++)
		modem_fake_put(queued[i], "help", 0, 1, 1);
	settle(f);
	assert_int_equal(modem_fake_count(), 0);
	assert_int_equal(fake.nsent, 0);

	/* The disk fills; three more SMS come. */
	disk_full = 1;
	for (i = 0; i < 3; i++)
		modem_fake_put(waiting[i], "help", 0, 1, 1);
	fake.announce = 1;
	gateway_wait(f->gw, 0);
	reads = fake.reads;
	advance(f, 150);
	/* One read found the database failing; none since. */
	assert_in_range(fake.reads - reads, 1, 2);
	assert_int_equal(modem_fake_count(), 3);       /* kept on the SIM */
	assert_int_equal(fake.removes, 2);
	/* The queued replies went out (retry_delay 10 s), once each. */
	for (i = 0; i < 2; i++)
		assert_int_equal(sent_to(queued[i]), 1);
	for (i = 0; i < 3; i++)
		assert_int_equal(sent_to(waiting[i]), 0);
	/* Logged once, then once a minute: 150 s make 3 lines at most,
	 * each saying why (not a transaction's bookkeeping). */
	assert_in_range(log_lines(&ff->f, "store:"), 1, 3);
	assert_int_equal(log_lines(&ff->f, "full"), log_lines(&ff->f,
	    "store:"));
	assert_int_equal(log_lines(&ff->f, "no transaction"), 0);

	/* Space comes back: everything is stored, answered, recorded. */
	disk_full = 0;
	advance(f, 70);
	assert_int_equal(modem_fake_count(), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(sent_to(queued[i]), 1);
	for (i = 0; i < 3; i++)
		assert_int_equal(sent_to(waiting[i]), 1);
	assert_int_equal(store_list_outbox(f->store, &all, count_state, n), 0);
	assert_int_equal(n[0], 5);
	assert_int_equal(n[1], 5);
	assert_int_equal(log_lines(&ff->f, "writes work again"), 1);
	/* Nothing more goes out later. */
	advance(f, 300);
	assert_int_equal(fake.nsent, 5);
}

/*
 * One read of the SIM is one commit, however many SMS it finds, and only
 * then are they deleted; the messages a pass handles are one commit; each
 * reply of one part costs one commit to record as sent. Here twelve long
 * messages: their first halves in one read (nothing to handle yet), their
 * second halves in the next, then the twelve replies. Counted as syncs of
 * the WAL (synchronous=FULL: one per commit).
 */
static void
test_one_commit_per_read_and_per_send(void **state)
{
	struct file_fixture *ff = *state;
	struct fixture *f = &ff->f;
	char number[12][24];
	int i, half, syncs;

	settle(f);                  /* open; the modem's state recorded */
	for (i = 0; i < 12; i++)
		snprintf(number[i], sizeof(number[i]), "+976991400%02d", i);
	for (half = 1; half <= 2; half++) {
		for (i = 0; i < 12; i++)
			modem_fake_put(number[i], half == 1 ? "тусл" : "амж",
			    40 + i, half, 2);
		fake.announce = 1;
		gateway_wait(f->gw, 0);
		syncs = wal_syncs;
		settle(f);
		assert_int_equal(modem_fake_count(), 0);
		assert_int_equal(fake.removes, 12 * half);
	}
	/* The second read, the handling, and a commit per reply. */
	assert_int_equal(wal_syncs - syncs, 1 + 1 + 12);
	for (i = 0; i < 12; i++)
		assert_int_equal(sent_to(number[i]), 1);
	/* The first read alone: one commit. */
	for (i = 0; i < 12; i++)
		modem_fake_put(number[i], "тусл", 60 + i, 1, 2);
	fake.announce = 1;
	gateway_wait(f->gw, 0);
	syncs = wal_syncs;
	settle(f);
	assert_int_equal(modem_fake_count(), 0);
	assert_int_equal(wal_syncs - syncs, 1);
	assert_int_equal(fake.nsent, 12);
}

static void
test_database_deleted_stops_before_deleting_from_sim(void **state)
{
	struct file_fixture *ff = *state;
	struct fixture *f = &ff->f;

	modem_fake_put("+97699130010", "help", 0, 1, 1);
	settle(f);
	assert_int_equal(modem_fake_count(), 0);
	assert_int_equal(unlink(ff->path), 0);
	modem_fake_put("+97699130011", "help", 0, 1, 1);
	fake.announce = 1;
	gateway_wait(f->gw, 0);
	assert_int_equal(gateway_run_once(f->gw, ++f->now), -1);
	assert_int_equal(modem_fake_count(), 1);
	assert_int_equal(fake.removes, 1);
	assert_int_equal(gateway_run_once(f->gw, ++f->now), -1);
	assert_int_equal(modem_fake_count(), 1);
	assert_int_equal(log_lines(&ff->f, "deleted"), 1);
}

static void
test_database_replaced_stops_before_deleting_from_sim(void **state)
{
	struct file_fixture *ff = *state;
	struct fixture *f = &ff->f;
	char other[192];
	FILE *fp;

	settle(f);
	/* A file moved over the database: the path names another inode. */
	snprintf(other, sizeof(other), "%s/other.db", ff->dir);
	assert_non_null(fp = fopen(other, "w"));
	fputs("a restored backup, say", fp);
	fclose(fp);
	assert_int_equal(rename(other, ff->path), 0);
	modem_fake_put("+97699130012", "help", 0, 1, 1);
	fake.announce = 1;
	gateway_wait(f->gw, 0);
	assert_int_equal(gateway_run_once(f->gw, ++f->now), -1);
	assert_int_equal(modem_fake_count(), 1);
	assert_int_equal(fake.removes, 0);
	assert_int_equal(fake.nsent, 0);
	assert_int_equal(log_lines(&ff->f, "replaced"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_message_is_answered_and_removed_from_sim),
		T(test_messages_are_handled_in_order_of_arrival),
		T(test_long_message_out_of_order_is_answered_once),
		T(test_missing_part_is_handled_after_the_timeout),
		T(test_failing_modem_is_reopened_with_growing_pauses),
		T(test_repeated_read_errors_reopen_and_lose_nothing),
		T(test_refused_send_is_retried_then_failed_with_reason),
		T(test_modem_failure_during_send_keeps_the_reply),
		T(test_reading_goes_before_sending),
		T(test_new_message_is_read_before_the_next_reply_goes),
		T(test_delivery_reports_are_matched_and_cleared_from_sim),
		T(test_refused_part_is_resent_alone),
		T(test_part_lost_to_a_dead_modem_is_resent_alone),
#undef T
#define F(name) cmocka_unit_test_setup_teardown(name, file_setup, \
    file_teardown)
		F(test_full_disk_waits_keeps_sending_and_recovers),
		F(test_one_commit_per_read_and_per_send),
		F(test_database_deleted_stops_before_deleting_from_sim),
		F(test_database_replaced_stops_before_deleting_from_sim),
#undef F
	};

	if (register_full_vfs() == -1)
		return 1;
	return cmocka_run_group_tests_name("gateway", tests, NULL, NULL);
}
