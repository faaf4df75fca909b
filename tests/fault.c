/*
 * fault: see fault.h.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fault.h"
#include "store.h"

struct fault fault;

enum counter { C_ALLOC, C_WRITE, C_SYNC, C_LOCK };

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

void
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

/* The holder (fault.h). */
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

void
fault_holder_release(void)
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
int
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

void
fault_disarm(void)
{
	fault.armed = 0;
	fault_holder_release();
}

const char *
fault_name(enum fault_kind kind)
{
	return kinds[kind].name;
}

int
fault_holder_open(const char *path)
{
	holding = holder_failed = 0;
	fault.quiet++;
	if (sqlite3_open_v2(path, &holder, SQLITE_OPEN_READWRITE,
	    real_vfs->zName) != SQLITE_OK) {
		sqlite3_close(holder);
		holder = NULL;
	} else
		sqlite3_busy_timeout(holder, 0);
	fault.quiet--;
	return holder != NULL ? 0 : -1;
}

void
fault_holder_close(void)
{
	fault_holder_release();
	fault.quiet++;
	sqlite3_close(holder);
	fault.quiet--;
	holder = NULL;
}

int
fault_holder_failed(void)
{
	return holder_failed;
}

long
fault_stride(long calls, long runs)
{
	if (getenv("TEST_FAULT_FULL") != NULL || calls <= runs)
		return 1;
	return (calls + runs - 1) / runs;
}


/* ---- the files ---------------------------------------------------------- */

char fault_dir[64], fault_db[128];
static char template_db[128];

static void
remove_db(void)
{
	static const char *const tails[] = { "", "-wal", "-shm", NULL };
	char path[160];
	int i;

	for (i = 0; tails[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s%s", fault_db, tails[i]);
		unlink(path);
	}
}

/* A fresh database at db, a copy of the template (all migrations done). */
int
fault_fresh_db(void)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	remove_db();
	if ((in = open(template_db, O_RDONLY)) < 0)
		return -1;
	if ((out = open(fault_db, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0 &&
	    write(out, buf, (size_t)n) == n)
		;
	close(in);
	return close(out) == 0 && n == 0 ? 0 : -1;
}

int
fault_files_setup(const char *name)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	struct store *s;
	char err[512];

	snprintf(fault_dir, sizeof(fault_dir), "%s/%s.XXXXXX", base, name);
	if (mkdtemp(fault_dir) == NULL)
		return -1;
	snprintf(template_db, sizeof(template_db), "%s/template.db",
	    fault_dir);
	snprintf(fault_db, sizeof(fault_db), "%s/shukher.db", fault_dir);
	if ((s = store_open(template_db, STORE_CREATE, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "store: %s\n", err);
		return -1;
	}
	store_close(s);
	return 0;
}

void
fault_files_teardown(void)
{
	char path[160];

	remove_db();
	unlink(template_db);
	snprintf(path, sizeof(path), "%s.created", template_db);
	unlink(path);
	rmdir(fault_dir);
}
