/*
 * test_gateway_disk: the message path when the disk fails. A database that
 * refuses writes (a VFS below SQLite that fails every write, as a full
 * disk does) is waited for: the SIM is left alone, the failure is logged
 * once a minute, what was queued still goes out once, and everything is
 * answered once when it recovers. A database file deleted or replaced
 * stops the gateway before it deletes anything from the SIM. Fake modem
 * and clock as in test_gateway.c (gateway_util.c).
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

#include "gateway_util.h"

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
	gu_log_capture(&ff->f);
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
	gu_log_release(&ff->f);
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
	gu_settle(f);
	assert_int_equal(modem_fake_count(), 0);
	assert_int_equal(fake.nsent, 0);

	/* The disk fills; three more SMS come. */
	disk_full = 1;
	for (i = 0; i < 3; i++)
		modem_fake_put(waiting[i], "help", 0, 1, 1);
	fake.announce = 1;
	gateway_wait(f->gw, 0);
	reads = fake.reads;
	gu_advance(f, 150);
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
	assert_in_range(gu_log_lines(&ff->f, "store:"), 1, 3);
	assert_int_equal(gu_log_lines(&ff->f, "full"), gu_log_lines(&ff->f,
	    "store:"));
	assert_int_equal(gu_log_lines(&ff->f, "no transaction"), 0);

	/* Space comes back: everything is stored, answered, recorded. */
	disk_full = 0;
	gu_advance(f, 70);
	assert_int_equal(modem_fake_count(), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(sent_to(queued[i]), 1);
	for (i = 0; i < 3; i++)
		assert_int_equal(sent_to(waiting[i]), 1);
	assert_int_equal(store_list_outbox(f->store, &all, count_state, n), 0);
	assert_int_equal(n[0], 5);
	assert_int_equal(n[1], 5);
	assert_int_equal(gu_log_lines(&ff->f, "writes work again"), 1);
	/* Nothing more goes out later. */
	gu_advance(f, 300);
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

	gu_settle(f);                  /* open; the modem's state recorded */
	for (i = 0; i < 12; i++)
		snprintf(number[i], sizeof(number[i]), "+976991400%02d", i);
	for (half = 1; half <= 2; half++) {
		for (i = 0; i < 12; i++)
			modem_fake_put(number[i], half == 1 ? "тусл" : "амж",
			    40 + i, half, 2);
		fake.announce = 1;
		gateway_wait(f->gw, 0);
		syncs = wal_syncs;
		gu_settle(f);
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
	gu_settle(f);
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
	gu_settle(f);
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
	assert_int_equal(gu_log_lines(&ff->f, "deleted"), 1);
}

static void
test_database_replaced_stops_before_deleting_from_sim(void **state)
{
	struct file_fixture *ff = *state;
	struct fixture *f = &ff->f;
	char other[192];
	FILE *fp;

	gu_settle(f);
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
	assert_int_equal(gu_log_lines(&ff->f, "replaced"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
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
	return cmocka_run_group_tests_name("gateway_disk", tests, NULL, NULL);
}
