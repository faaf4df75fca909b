/*
 * fault: failures injected below SQLite, for the fault-injection loops
 * (test_fault.c, test_store_fault.c), as SQLite tests itself
 * (test/alterfault.test, do_faultsim_test).
 *
 * One fault is armed at a time, at the Nth call of its kind: an allocation
 * (an allocator installed with sqlite3_config(SQLITE_CONFIG_MALLOC)), a
 * write or an fsync of the database or its WAL, or an attempt to take the
 * WAL's write lock, which then finds a second connection (the holder)
 * holding BEGIN EXCLUSIVE. Writes, syncs and locks go through a VFS over
 * the default one, registered as the default; its sleeps are instant, so
 * that a busy timeout of seconds costs nothing. What a test asks of SQLite
 * itself (the holder, its checks) runs with fault.quiet set: neither
 * counted nor failed.
 */
#ifndef SHUKHER_TEST_FAULT_H
#define SHUKHER_TEST_FAULT_H

#define FAULT_MAX_CALLS 200000  /* a loop that never ends is a failure */

enum fault_kind {
	FAULT_OOM,              /* the Nth allocation fails */
	FAULT_OOM_ON,           /* the Nth and every later one */
	FAULT_FULL,             /* the Nth write and every later one:
	                           SQLITE_FULL, a disk that fills */
	FAULT_IOERR,            /* the Nth write, once: SQLITE_IOERR_WRITE */
	FAULT_FSYNC,            /* the Nth sync, once: SQLITE_IOERR_FSYNC */
	FAULT_BUSY,             /* the Nth write lock: the holder takes it,
	                           until fault_holder_release() */
	FAULT_BUSY_ON,          /* ... and keeps it until disarmed */
	FAULT_KINDS
};

struct fault {
	enum fault_kind kind;
	int armed;
	long n;                 /* fail the nth call counted */
	long calls;             /* calls counted since armed */
	long fired;             /* calls failed since armed */
	int quiet;              /* > 0: nothing counted, nothing failed */
};

extern struct fault fault;

/* Installs the allocator and the VFS. Before anything else touches
 * SQLite. Returns 0 or -1. */
int fault_install(void);

/* Arms kind at call n (0: counts nothing); disarming releases the
 * holder. */
void fault_arm(enum fault_kind kind, long n);
void fault_disarm(void);
const char *fault_name(enum fault_kind kind);

/*
 * The step from one N to the next in a loop over calls calls: 1 with
 * TEST_FAULT_FULL set (every N, as SQLite's full suite; minutes), else
 * one that makes at most runs runs, so that the unit tests stay quick.
 */
long fault_stride(long calls, long runs);

/* The holder: a connection to path on the default VFS itself, which
 * takes the write lock when a busy fault fires. Returns 0 or -1. */
int fault_holder_open(const char *path);
void fault_holder_release(void);
void fault_holder_close(void);
/* 1 when the holder could not take the lock when told. */
int fault_holder_failed(void);

/*
 * A directory of the test's own (on a RAM file system when there is one:
 * synchronous=FULL costs nothing there, and the loops sync thousands of
 * times) with a template database, all migrations done. fault_fresh_db()
 * puts a copy of it at fault_db. Return 0 or -1.
 */
extern char fault_dir[64], fault_db[128];
int fault_files_setup(const char *name);
int fault_fresh_db(void);
void fault_files_teardown(void);

#endif
