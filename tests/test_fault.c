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
 * Below, a loop over the store's functions alone under the failing
 * allocator: each returns its result or -1, none returns made-up data,
 * the store works again once allocations do, and after store_close()
 * SQLite holds no memory (ASan checks the rest at exit).
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "conf.h"
#include "gateway.h"
#include "modem_fake.h"
#include "store.h"

#define NOW 1764390000          /* Saturday 2025-11-29 04:20 UTC: the
                                   roster's fallback all day */
#define MAX_CALLS 200000        /* a loop that never ends is a failure */

/*
 * Every N takes minutes (SQLite's allocations alone are about 20,000 in a
 * run of the gateway's scenario, and 5,000 in the store's): that is the
 * loop with TEST_FAULT_FULL=1. By default N goes in steps that make at
 * most runs runs of a loop, so that the unit tests stay quick; the loops
 * with few calls (syncs) still try every N.
 */
static long
fault_stride(long calls, long runs)
{
	if (getenv("TEST_FAULT_FULL") != NULL || calls <= runs)
		return 1;
	return (calls + runs - 1) / runs;
}

/* ---- the faults ----------------------------------------------------------
 * One armed at a time. What the test itself asks of SQLite (the second
 * connection, the checks) runs quiet: neither counted nor failed. */

enum counter { C_ALLOC, C_WRITE, C_SYNC, C_LOCK };

enum fault_kind {
	FAULT_OOM,              /* the Nth allocation fails */
	FAULT_OOM_ON,           /* the Nth and every later one */
	FAULT_FULL,             /* the Nth write and every later one */
	FAULT_IOERR,            /* the Nth write, once */
	FAULT_FSYNC,            /* the Nth sync, once */
	FAULT_BUSY,             /* the Nth write lock: another connection
	                           holds it for the rest of the pass */
	FAULT_BUSY_ON,          /* ... until disarmed */
	FAULT_KINDS
};

static const struct {
	const char *name;
	enum counter counts;
	int persistent;
} kinds[FAULT_KINDS] = {
	[FAULT_OOM] = { "oom-transient", C_ALLOC, 0 },
	[FAULT_OOM_ON] = { "oom-persistent", C_ALLOC, 1 },
	[FAULT_FULL] = { "full", C_WRITE, 1 },
	[FAULT_IOERR] = { "ioerr-write", C_WRITE, 0 },
	[FAULT_FSYNC] = { "ioerr-fsync", C_SYNC, 0 },
	[FAULT_BUSY] = { "busy", C_LOCK, 0 },
	[FAULT_BUSY_ON] = { "busy-held", C_LOCK, 1 },
};

static struct {
	enum fault_kind kind;
	int armed;
	long n;                 /* fail the nth call counted */
	long calls;             /* calls counted since armed */
	long fired;             /* calls failed since armed */
	int quiet;
} fault;

static void
fault_arm(enum fault_kind kind, long n)
{
	fault.kind = kind;
	fault.n = n;
	fault.calls = 0;
	fault.fired = 0;
	fault.armed = n > 0;
}

/* Whether this call, counted by counter, is to fail. */
static int
fault_fires(enum counter counter)
{
	if (!fault.armed || fault.quiet || kinds[fault.kind].counts != counter)
		return 0;
	if (kinds[fault.kind].persistent && fault.fired > 0) {
		fault.fired++;
		return 1;
	}
	if (++fault.calls != fault.n)
		return 0;
	fault.fired++;
	return 1;
}

/* The allocator: SQLite's own, failing when told. */
static sqlite3_mem_methods mem_real;

static void *fm_malloc(int n)
{ return fault_fires(C_ALLOC) ? NULL : mem_real.xMalloc(n); }
static void fm_free(void *p)
{ mem_real.xFree(p); }
static void *fm_realloc(void *p, int n)
{ return fault_fires(C_ALLOC) ? NULL : mem_real.xRealloc(p, n); }
static int fm_size(void *p)
{ return mem_real.xSize(p); }
static int fm_roundup(int n)
{ return mem_real.xRoundup(n); }
static int fm_init(void *arg)
{ (void)arg; return mem_real.xInit(mem_real.pAppData); }
static void fm_shutdown(void *arg)
{ (void)arg; mem_real.xShutdown(mem_real.pAppData); }

/* The second connection, on the default VFS itself (not counted), that
 * takes the write lock when a busy fault fires. */
static sqlite3 *holder;
static int holding, holder_failed;

static void
holder_take(void)
{
	if (holding || holder == NULL)
		return;
	fault.quiet++;
	if (sqlite3_exec(holder, "BEGIN EXCLUSIVE", NULL, NULL, NULL) ==
	    SQLITE_OK)
		holding = 1;
	else
		holder_failed = 1;
	fault.quiet--;
}

static void
holder_release(void)
{
	if (!holding)
		return;
	fault.quiet++;
	sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL);
	fault.quiet--;
	holding = 0;
}

/* The VFS: the default one's files, writes and syncs failing when told,
 * the write lock taken by the holder when told; sleeps are instant. */
static sqlite3_vfs *real_vfs;

struct fault_file {
	sqlite3_file base;
	sqlite3_file *real;      /* the default VFS's file, right after */
};

#define REAL(f) (((struct fault_file *)(f))->real)

static int fv_close(sqlite3_file *f)
{ return REAL(f)->pMethods->xClose(REAL(f)); }
static int fv_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{ return REAL(f)->pMethods->xRead(REAL(f), b, n, o); }
static int fv_truncate(sqlite3_file *f, sqlite3_int64 size)
{ return REAL(f)->pMethods->xTruncate(REAL(f), size); }
static int fv_size(sqlite3_file *f, sqlite3_int64 *size)
{ return REAL(f)->pMethods->xFileSize(REAL(f), size); }
static int fv_lock(sqlite3_file *f, int l)
{ return REAL(f)->pMethods->xLock(REAL(f), l); }
static int fv_unlock(sqlite3_file *f, int l)
{ return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int fv_reserved(sqlite3_file *f, int *out)
{ return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out); }
static int fv_fcntl(sqlite3_file *f, int op, void *arg)
{ return REAL(f)->pMethods->xFileControl(REAL(f), op, arg); }
static int fv_sector(sqlite3_file *f)
{ return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int fv_devchar(sqlite3_file *f)
{ return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int fv_shm_map(sqlite3_file *f, int i, int sz, int w, void volatile **p)
{ return REAL(f)->pMethods->xShmMap(REAL(f), i, sz, w, p); }
static void fv_shm_barrier(sqlite3_file *f)
{ REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int fv_shm_unmap(sqlite3_file *f, int del)
{ return REAL(f)->pMethods->xShmUnmap(REAL(f), del); }

static int
fv_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
	if (fault_fires(C_WRITE))
		return fault.kind == FAULT_FULL ? SQLITE_FULL :
		    SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}

static int
fv_sync(sqlite3_file *f, int flags)
{
	if (fault_fires(C_SYNC))
		return SQLITE_IOERR_FSYNC;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

/* Offset 0 of the WAL's locks is its write lock. */
static int
fv_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	if (offset == 0 && n == 1 &&
	    flags == (SQLITE_SHM_LOCK | SQLITE_SHM_EXCLUSIVE) &&
	    fault_fires(C_LOCK))
		holder_take();
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static const sqlite3_io_methods fv_methods = {
	2, fv_close, fv_read, fv_write, fv_truncate, fv_sync, fv_size,
	fv_lock, fv_unlock, fv_reserved, fv_fcntl, fv_sector, fv_devchar,
	fv_shm_map, fv_shm_lock, fv_shm_barrier, fv_shm_unmap, NULL, NULL,
};

static int
fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
    int *out)
{
	struct fault_file *ff = (struct fault_file *)f;
	int rc;

	(void)vfs;
	ff->real = (sqlite3_file *)(ff + 1);
	rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out);
	ff->base.pMethods = ff->real->pMethods != NULL ? &fv_methods : NULL;
	return rc;
}

static int
fv_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return us;
}

/* Installs the allocator and the VFS (the default from now on). Before
 * anything else touches SQLite. */
static int
fault_install(void)
{
	static sqlite3_mem_methods mem;
	static sqlite3_vfs vfs;

	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &mem_real) != SQLITE_OK)
		return -1;
	mem = mem_real;
	mem.xMalloc = fm_malloc;
	mem.xFree = fm_free;
	mem.xRealloc = fm_realloc;
	mem.xSize = fm_size;
	mem.xRoundup = fm_roundup;
	mem.xInit = fm_init;
	mem.xShutdown = fm_shutdown;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &mem) != SQLITE_OK ||
	    sqlite3_initialize() != SQLITE_OK)
		return -1;
	if ((real_vfs = sqlite3_vfs_find(NULL)) == NULL)
		return -1;
	vfs = *real_vfs;
	vfs.szOsFile = (int)sizeof(struct fault_file) + real_vfs->szOsFile;
	vfs.zName = "fault";
	vfs.xOpen = fv_open;
	vfs.xSleep = fv_sleep;
	return sqlite3_vfs_register(&vfs, 1) == SQLITE_OK ? 0 : -1;
}

/* ---- the database files and the log ------------------------------------- */

/* A directory on a RAM file system when there is one: synchronous=FULL
 * costs nothing there, and the loops sync thousands of times. */
static char dir[64], template_db[128], db[128], log_path[128];
static struct conf *conf;
static int saved_stderr = -1;

static void
remove_db(void)
{
	static const char *const tails[] = { "", "-wal", "-shm", NULL };
	char path[160];
	int i;

	for (i = 0; tails[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s%s", db, tails[i]);
		unlink(path);
	}
}

/* A fresh database at db, a copy of the template (all migrations done). */
static void
copy_template(void)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	remove_db();
	assert_true((in = open(template_db, O_RDONLY)) >= 0);
	assert_true((out = open(db, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	close(out);
}

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
	struct store *s;
	char err[512];
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_fault.XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(template_db, sizeof(template_db), "%s/template.db", dir);
	snprintf(db, sizeof(db), "%s/shukher.db", dir);
	snprintf(log_path, sizeof(log_path), "%s/gateway.log", dir);
	if ((s = store_open(template_db, STORE_CREATE, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "store: %s\n", err);
		return -1;
	}
	store_close(s);
	if (conf_load("tests/data/report.conf", &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "conf: %s\n", err);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	char path[160];

	(void)state;
	conf_free(conf);
	remove_db();
	unlink(template_db);
	snprintf(path, sizeof(path), "%s.created", template_db);
	unlink(path);
	unlink(log_path);
	rmdir(dir);
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
		holder_release();
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
	if ((s = store_open(db, 0, err, sizeof(err))) == NULL) {
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
	out->holder_failed = holder_failed;
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
	/* The SIM in order of arrival. A SIM800 reuses the lowest free
	 * location, and the gateway stores in location order: after an
	 * outage the reporter's follow-up, in a location freed earlier, is
	 * handled before its report and gets the menu (in_order = 0 shows
	 * it, full at call 16). Left to the rework of gateway_read(). */
	fake.in_order = 1;
	copy_template();
	log_capture();
	if ((r.store = store_open(db, 0, err, sizeof(err))) == NULL)
		fail_msg("store: %s", err);
	assert_non_null(r.gw = gateway_new(&modem_fake_ops, r.store, conf));
	holder = NULL;
	holding = holder_failed = 0;
	if (kind == FAULT_BUSY || kind == FAULT_BUSY_ON) {
		assert_int_equal(sqlite3_open_v2(db, &holder,
		    SQLITE_OPEN_READWRITE, real_vfs->zName), SQLITE_OK);
		sqlite3_busy_timeout(holder, 0);
	}
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

	fault.armed = 0;
	holder_release();
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
	if (holder != NULL) {
		sqlite3_close(holder);
		holder = NULL;
	}
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
	assert_int_equal(scenario(kind, MAX_CALLS * 10L, &got), 0);
	calls = got.calls;
	stride = fault_stride(calls, 150);
	/* TEST_FAULT_FROM=n starts at n, to look at one failure. */
	n = getenv("TEST_FAULT_FROM") ? atol(getenv("TEST_FAULT_FROM")) : 1;
	for (; n < MAX_CALLS; n += stride, runs++) {
		if (scenario(kind, n, &got) == 0)
			break;
		logged += got.store_lines > 0;
		if (compare(&reference, &got) > 0) {
			log_print();
			fail_msg("%s at call %ld: the run differs from one "
			    "without the fault (above)", kinds[kind].name, n);
		}
	}
	assert_true(n < MAX_CALLS);
	/* The last run counted the same calls, and failed none. */
	assert_int_equal(got.calls, calls);
	printf("  %s: %ld of %ld calls failed in turn, the store's failure "
	    "logged in %ld runs\n", kinds[kind].name, runs, calls, logged);
}

static void test_oom_transient(void **s) { (void)s; fault_loop(FAULT_OOM); }
static void test_oom_persistent(void **s) { (void)s; fault_loop(FAULT_OOM_ON); }
static void test_disk_full(void **s) { (void)s; fault_loop(FAULT_FULL); }
static void test_write_ioerr(void **s) { (void)s; fault_loop(FAULT_IOERR); }
static void test_fsync_ioerr(void **s) { (void)s; fault_loop(FAULT_FSYNC); }
static void test_busy(void **s) { (void)s; fault_loop(FAULT_BUSY); }
static void test_busy_held(void **s) { (void)s; fault_loop(FAULT_BUSY_ON); }

/* ---- the store alone ---------------------------------------------------- */

/* What the store-level steps found wrong (printed) and how many calls
 * failed. */
struct steps {
	int wrong;
	int failed;
	int put_report;         /* the report's part is stored */
	int sent;               /* the outbox row is recorded as sent */
};

#define WRONG(st, ...) do { \
	printf("  " __VA_ARGS__); \
	printf("\n"); \
	(st)->wrong++; \
} while (0)

/* rc of a call that returns 0 or -1 (or a count): a failure counted. */
static int
step_ok(struct steps *st, const char *what, long rc)
{
	if (rc < -1)
		WRONG(st, "%s returned %ld", what, rc);
	if (rc < 0)
		st->failed++;
	return rc >= 0;
}

static int
step_msg(void *arg, const struct store_msg *m)
{
	(void)m;
	(*(int *)arg)++;
	return 0;
}

/*
 * The store's functions one after the other, as the message path and the
 * tools call them, on store s: each may fail (-1), none may answer
 * wrongly. What a call answers is checked against what the calls before
 * it were told they did.
 */
static void
store_steps(struct store *s, struct steps *st)
{
	static const struct store_part report = {
		.sender = REPORTER, .sent_at = 1700000001, .part_no = 1,
		.part_count = 1, .text = "REPORT a man offers work in Macau",
	};
	struct store_part p2 = {
		.sender = LONG, .sent_at = 1700000002, .concat_ref = 5,
		.part_no = 2, .part_count = 2, .text = "OFFER",
	};
	struct store_part p1 = p2;
	struct store_filter all = { .urgent = -1 };
	struct store_budget budget = { 10, 3600 };
	struct store_report_new rn;
	struct store_modem_state ms, got;
	struct store_report rep;
	struct store_counts c;
	struct store_purged purged;
	struct store_retention ret;
	struct store_out o;
	struct store_msg m;
	unsigned char hash[32];
	char ref[16], state[16];
	int64_t id, out = 0, rid = 0, linked;
	int rc, lang, n = 0, joined = 0;

	p1.part_no = 1;
	p1.text = "JOB ";
	rc = store_put_part(s, &report, NOW);
	if (rc == 0)
		WRONG(st, "the first put of a part is a duplicate");
	st->put_report = rc == 1;
	step_ok(st, "put_part", rc);
	if (step_ok(st, "put_part", store_put_part(s, &p2, NOW)) &&
	    step_ok(st, "put_part", store_put_part(s, &p1, NOW)))
		joined = 1;
	step_ok(st, "expire_parts", store_expire_parts(s, NOW - 600));

	memset(&m, 0, sizeof(m));
	rc = store_msg_next(s, &m);
	if (rc == 1 && strcmp(m.text, report.text) != 0 &&
	    strcmp(m.text, "JOB OFFER") != 0)
		WRONG(st, "msg_next: \"%s\", which nobody sent", m.text);
	if (rc == 0 && (st->put_report || joined))
		WRONG(st, "msg_next: nothing, though a message is stored");
	if (step_ok(st, "msg_next", rc) && rc == 1) {
		step_ok(st, "msg_handled", store_msg_handled(s, m.id, "report",
		    NOW));
		if (strcmp(m.text, report.text) == 0)
			step_ok(st, "scrub_message",
			    store_scrub_message(s, m.id));
	}
	store_msg_free(&m);
	/* The modem gives the report's part again (a crash before the
	 * delete): stored, whatever became of its text, it is a duplicate. */
	rc = store_put_part(s, &report, NOW);
	if (rc == 1 && st->put_report)
		WRONG(st, "put_part: a part stored before is stored again");
	st->put_report |= rc == 1;
	step_ok(st, "put_part again", rc);

	id = store_outbox_queue(s, &budget, REPORTER, "Received #ABC234",
	    STORE_OUT_REPLY, 0, NOW);
	if (id == 0)
		WRONG(st, "outbox_queue: held back by an empty budget");
	step_ok(st, "outbox_queue", id);
	memset(&o, 0, sizeof(o));
	rc = store_outbox_next(s, NOW, &o);
	if (rc == 1 && (strcmp(o.number, REPORTER) != 0 ||
	    strcmp(o.text, "Received #ABC234") != 0))
		WRONG(st, "outbox_next: a message nobody queued");
	if (rc == 0 && id > 0)
		WRONG(st, "outbox_next: nothing, though one is queued");
	if (step_ok(st, "outbox_next", rc) && rc == 1) {
		out = o.id;
		st->sent = step_ok(st, "outbox_sent",
		    store_outbox_sent(s, o.id, "7", NOW));
	}
	store_out_free(&o);
	rc = store_outbox_delivery(s, 7, 1, NOW + 5);
	if (rc == 0 && st->sent)
		WRONG(st, "outbox_delivery: no match for a message sent");
	step_ok(st, "outbox_delivery", rc);
	step_ok(st, "outbox_count", store_outbox_count(s, REPORTER, 0));
	step_ok(st, "outbox_wait", store_outbox_wait(s, NOW) + 1);

	memset(&rn, 0, sizeof(rn));
	rn.number = REPORTER;
	rn.text = "a man offers work in Macau";
	rn.relay = (const unsigned char *)"relay";
	rn.relay_len = 5;
	rn.relay_until = NOW + 3600;
	rid = store_report_file(s, &rn, NOW, ref, sizeof(ref));
	if (step_ok(st, "report_file", rid) && rid > 0) {
		memset(&rep, 0, sizeof(rep));
		rc = store_report_find(s, ref, &rep);
		if (rc == 0 || (rc == 1 && (rep.id != rid ||
		    strcmp(rep.ref, ref) != 0)))
			WRONG(st, "report_find: not the report filed");
		if (step_ok(st, "report_find", rc) && rc == 1)
			store_report_free(&rep);
		step_ok(st, "report_entry_add", store_report_entry_add(s,
		    &(struct store_report_entry){ .report_id = rid, .at = NOW,
		    .kind = "ack", .outbox_id = out }));
	}
	if (step_ok(st, "number_hash", store_number_hash(s, REPORTER, hash))) {
		rc = store_link_put(s, hash, rid > 0 ? rid : 0, "open", 1,
		    NOW + 600);
		if (step_ok(st, "link_put", rc)) {
			rc = store_link_get(s, hash, NOW, &linked, state,
			    sizeof(state), &lang);
			if (rc == 0 || (rc == 1 && (linked != (rid > 0 ?
			    rid : 0) || strcmp(state, "open") != 0)))
				WRONG(st, "link_get: not the window put");
			step_ok(st, "link_get", rc);
		}
	}
	step_ok(st, "stat_bump", store_stat_bump(s, "2025-11-29", "report"));

	memset(&ms, 0, sizeof(ms));
	ms.connected = 1;
	snprintf(ms.operator_name, sizeof(ms.operator_name), "Fake");
	ms.updated_at = NOW;
	if (step_ok(st, "modem_state_put", store_modem_state_put(s, &ms))) {
		rc = store_modem_state_get(s, &got);
		if (rc == 0 || (rc == 1 && strcmp(got.operator_name,
		    "Fake") != 0))
			WRONG(st, "modem_state_get: not the state put");
		step_ok(st, "modem_state_get", rc);
	}
	step_ok(st, "list_inbox", store_list_inbox(s, &all, step_msg, &n));
	step_ok(st, "counts", store_counts(s, &c));
	store_retention_days(&ret, 30, 30, 30, NOW);
	step_ok(st, "purge", store_purge(s, &ret, 0, &purged));
	step_ok(st, "wal_truncate", store_wal_truncate(s));
}

/* After the fault: the store works again, and keeps what it said it
 * stored. */
static void
store_after(struct store *s, struct steps *st)
{
	static const struct store_part report = {
		.sender = REPORTER, .sent_at = 1700000001, .part_no = 1,
		.part_count = 1, .text = "REPORT a man offers work in Macau",
	};
	struct store_counts c;
	int rc;

	if (store_begin(s) != 0 || store_commit(s) != 0)
		WRONG(st, "after the fault, no transaction: %s",
		    store_errmsg(s));
	if (store_counts(s, &c) != 0)
		WRONG(st, "after the fault, no counts: %s", store_errmsg(s));
	rc = store_put_part(s, &report, NOW);
	if (rc != (st->put_report ? 0 : 1))
		WRONG(st, "after the fault, the report's part put again: %d "
		    "(%s)", rc, rc < 0 ? store_errmsg(s) : "");
}

/* One run of the store alone with kind armed at call n: open, the steps,
 * close. Returns how many calls failed (0: n was never reached). */
static long
store_run(enum fault_kind kind, long n, struct steps *st)
{
	struct store *s;
	char err[512];
	sqlite3_int64 before;

	memset(st, 0, sizeof(*st));
	copy_template();
	before = sqlite3_memory_used();
	fault_arm(kind, n);
	err[0] = '\0';
	if ((s = store_open(db, 0, err, sizeof(err))) == NULL) {
		if (err[0] == '\0')
			WRONG(st, "store_open: NULL without a reason");
	} else
		store_steps(s, st);
	fault.armed = 0;
	if (s != NULL)
		store_after(s, st);
	store_close(s);
	if (sqlite3_memory_used() != before)
		WRONG(st, "SQLite holds %lld bytes more after store_close()",
		    (long long)(sqlite3_memory_used() - before));
	return fault.fired;
}

/* The store's loop for one allocation fault. */
static void
store_loop(enum fault_kind kind)
{
	struct steps st;
	long n, runs = 0, calls, stride;

	assert_int_equal(store_run(kind, MAX_CALLS * 10L, &st), 0);
	assert_int_equal(st.wrong, 0);
	assert_int_equal(st.failed, 0);
	calls = fault.calls;
	stride = fault_stride(calls, 300);
	for (n = 1; n < MAX_CALLS; n += stride, runs++) {
		if (store_run(kind, n, &st) == 0)
			break;
		if (st.wrong > 0)
			fail_msg("%s at call %ld: the store answered wrongly "
			    "(above)", kinds[kind].name, n);
	}
	assert_true(n < MAX_CALLS);
	assert_int_equal(fault.calls, calls);
	assert_int_equal(st.failed, 0);
	printf("  store, %s: %ld of %ld calls failed in turn\n",
	    kinds[kind].name, runs, calls);
}

static void test_store_oom_transient(void **s)
{ (void)s; store_loop(FAULT_OOM); }
static void test_store_oom_persistent(void **s)
{ (void)s; store_loop(FAULT_OOM_ON); }

/* An argument runs only the tests whose names match it (a glob). */
int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_oom_transient),
		cmocka_unit_test(test_store_oom_persistent),
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
