/*
 * store_file: the database as a file: whether one may be created, what is
 * wrong with one that cannot be opened, and whether the file open is still
 * the one at its path.
 *
 * A database is created only where none ever was: no file, no -wal or
 * -journal beside it and no marker (<path>.created, which shukherd keeps
 * beside its database). A database that existed and is gone is an error to
 * look into, never a reason to start an empty one; so is a zero-length
 * file. Creation is atomic: the new database is built and migrated under
 * another name and linked into place, so that a crash never leaves a
 * half-made file where the database belongs.
 *
 * Errors are told as what they are (locked, read-only, permission, no
 * space, not a database, corrupt), with enum store_fault for the caller's
 * exit code, because each calls for a different remedy and only a damaged
 * file calls for restoring a backup.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "exitcode.h"
#include "store.h"
#include "store_int.h"

#define STORE_MARK_SUFFIX ".created"

int
store_fault_exit(enum store_fault fault)
{
	switch (fault) {
	case STORE_FAULT_NONE:
		return EXIT_OK;
	case STORE_FAULT_MISSING:
		return EXIT_NOINPUT;
	case STORE_FAULT_EXISTS:
		return EXIT_FAIL;
	case STORE_FAULT_LOCKED:
		return EXIT_TEMPFAIL;
	case STORE_FAULT_PERMISSION:
		return EXIT_NOPERM;
	case STORE_FAULT_NO_MEMORY:
		return EXIT_OSERR;
	default:
		return EXIT_IOERR;
	}
}

int
store_refuse(enum store_fault *fault, enum store_fault what, char *err,
    size_t errlen, const char *fmt, ...)
{
	va_list ap;

	*fault = what;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* path + suffix into out. Returns 0, or -1 when it does not fit. */
static int
store_sibling(const char *path, const char *suffix, char *out, size_t len)
{
	int n = snprintf(out, len, "%s%s", path, suffix);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The directory path is in, into out ("." for a bare name). */
static void
store_dir_of(const char *path, char *out, size_t len)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(out, len, "%s", dirname(copy));
}

/* Who this process runs as, for a message about permissions. */
static void
store_whoami(char *out, size_t len)
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw != NULL)
		snprintf(out, len, "user %s", pw->pw_name);
	else
		snprintf(out, len, "uid %ld", (long)geteuid());
}

/*
 * The fault an errno from the operating system stands for, with err
 * filled: "<path>: <what>: <reason, and what to do>". Returns -1.
 */
int
store_refuse_errno(enum store_fault *fault, int errnum, const char *path,
    const char *what, char *err, size_t errlen)
{
	char dir[PATH_MAX], who[64];

	switch (errnum) {
	case EACCES:
	case EPERM:
		store_dir_of(path, dir, sizeof(dir));
		store_whoami(who, sizeof(who));
		if (access(path, F_OK) == 0 && access(path, R_OK | W_OK) == -1)
			return store_refuse(fault, STORE_FAULT_PERMISSION, err,
			    errlen, "%s: %s: permission denied: %s may not "
			    "read and write the file; the data is not "
			    "damaged: fix its owner or mode", path, what, who);
		return store_refuse(fault, STORE_FAULT_PERMISSION, err, errlen,
		    "%s: %s: permission denied: %s may not create files in "
		    "%s (the database's -wal and -shm files go there); the "
		    "data is not damaged: fix the directory's owner or mode",
		    path, what, who, dir);
	case EROFS:
		return store_refuse(fault, STORE_FAULT_READ_ONLY, err, errlen,
		    "%s: %s: read-only file system: nothing can be stored "
		    "until it is writable again (a failing card, or mounted "
		    "read-only); the file is not damaged: copy it (with its "
		    "-wal file) elsewhere to read it", path, what);
	case ENOSPC:
	case EDQUOT:
		return store_refuse(fault, STORE_FAULT_NO_SPACE, err, errlen,
		    "%s: %s: no space left on the device", path, what);
	case ENOENT:
	case ENOTDIR:
		return store_refuse(fault, STORE_FAULT_MISSING, err, errlen,
		    "%s: %s: %s", path, what, strerror(errnum));
	case ENOMEM:
		return store_refuse(fault, STORE_FAULT_NO_MEMORY, err, errlen,
		    "%s: %s: out of memory", path, what);
	default:
		return store_refuse(fault, STORE_FAULT_IO, err, errlen,
		    "%s: %s: %s", path, what, strerror(errnum));
	}
}

/*
 * What keeps this process from writing the database at path or files
 * beside it (SQLite may name neither: a -shm file that cannot be created
 * shows as "unable to open", with ENOENT). An errno, or 0 when nothing
 * does.
 */
static int
store_write_errno(const char *path)
{
	char dir[PATH_MAX];

	store_dir_of(path, dir, sizeof(dir));
	if (access(path, R_OK | W_OK) == -1 ||
	    access(dir, W_OK | X_OK) == -1)
		return errno;
	return 0;
}

int
store_refuse_sqlite(enum store_fault *fault, sqlite3 *db, const char *path,
    const char *what, char *err, size_t errlen)
{
	int rc = db != NULL ? sqlite3_extended_errcode(db) : SQLITE_NOMEM;
	int sys = db != NULL ? sqlite3_system_errno(db) : 0, w;
	const char *msg = db != NULL ? sqlite3_errmsg(db) : "out of memory";

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return store_refuse(fault, STORE_FAULT_LOCKED, err, errlen,
		    "%s: %s: locked by another process (%s); the database is "
		    "not damaged: try again when that process has finished",
		    path, what, msg);
	case SQLITE_CORRUPT:
		return store_refuse(fault, STORE_FAULT_CORRUPT, err, errlen,
		    "%s: %s: corrupt database (%s)", path, what, msg);
	case SQLITE_NOTADB:
		return store_refuse(fault, STORE_FAULT_FOREIGN, err, errlen,
		    "%s: not a shukher database (%s)", path, msg);
	case SQLITE_NOMEM:
		return store_refuse(fault, STORE_FAULT_NO_MEMORY, err, errlen,
		    "%s: %s: out of memory", path, what);
	case SQLITE_FULL:
		return store_refuse_errno(fault, ENOSPC, path, what, err,
		    errlen);
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return store_refuse_errno(fault, EACCES, path, what, err,
		    errlen);
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		if (sys == EACCES || sys == EPERM || sys == EROFS ||
		    sys == ENOSPC || sys == EDQUOT)
			break;
		if ((w = store_write_errno(path)) != 0)
			return store_refuse_errno(fault, w, path, what, err,
			    errlen);
		if ((rc & 0xff) == SQLITE_READONLY)
			return store_refuse(fault, STORE_FAULT_READ_ONLY, err,
			    errlen, "%s: %s: read-only (%s); the data can "
			    "still be read", path, what, msg);
		break;
	}
	if (sys != 0 && sys != EINTR)
		return store_refuse_errno(fault, sys, path, what, err, errlen);
	return store_refuse(fault, STORE_FAULT_IO, err, errlen, "%s: %s: %s",
	    path, what, msg);
}

/*
 * Something left of a database that once was at path: its marker, or its
 * -wal or -journal file. Returns 1 and names it in out, 0 when there is
 * none.
 */
static int
store_traces(const char *path, char *out, size_t len)
{
	static const char *const suffixes[] = {
		STORE_MARK_SUFFIX, "-wal", "-journal",
	};
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (store_sibling(path, suffixes[i], out, len) == 0 &&
		    access(out, F_OK) == 0)
			return 1;
	return 0;
}

/* As root (shukherctl init), a new file belongs to the owner of its
 * directory (the service's user), or the daemon could not write it. */
static void
store_give_to_dir_owner(int fd, const char *path)
{
	char dir[PATH_MAX];
	struct stat st;

	if (geteuid() != 0)
		return;
	store_dir_of(path, dir, sizeof(dir));
	if (stat(dir, &st) == 0 && st.st_uid != 0)
		(void)fchown(fd, st.st_uid, st.st_gid);
}

void
store_mark(const char *path)
{
	char mark[PATH_MAX], when[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	int fd;

	if (strcmp(path, ":memory:") == 0 ||
	    store_sibling(path, STORE_MARK_SUFFIX, mark, sizeof(mark)) == -1 ||
	    access(mark, F_OK) == 0)
		return;
	fd = open(mark, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd == -1)
		return;         /* a marker is a safeguard, not a must */
	store_give_to_dir_owner(fd, path);
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return;
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "shukher: a database lives beside this file (%s); marked "
	    "%s.\nWhile this file is here, shukherd never creates an empty "
	    "database in place of a\nmissing one: restore it from a backup, "
	    "or start afresh with `shukherctl init`.\n", path, when);
	fclose(f);
}

/* Removes a half-made database and its -wal and -shm files. */
static void
store_unlink_all(const char *path)
{
	char p[PATH_MAX];

	unlink(path);
	if (store_sibling(path, "-wal", p, sizeof(p)) == 0)
		unlink(p);
	if (store_sibling(path, "-shm", p, sizeof(p)) == 0)
		unlink(p);
}

/* Makes tmp a complete, migrated database and closes it. 0 or -1. */
static int
store_build(const char *tmp, const char *path, enum store_fault *fault,
    char *err, size_t errlen)
{
	struct store s;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	s.fd = -1;
	if (sqlite3_open_v2(tmp, &s.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		rc = store_refuse_sqlite(fault, s.db, path, "create", err,
		    errlen);
	else if (store_settings(&s) == -1 || store_migrate(&s) == -1)
		rc = store_refuse_sqlite(fault, s.db, path, "create", err,
		    errlen);
	if (s.db != NULL && sqlite3_close(s.db) != SQLITE_OK && rc == 0)
		rc = store_refuse(fault, STORE_FAULT_IO, err, errlen,
		    "%s: create: cannot close the new database", path);
	return rc;
}

/* Makes the new database's name durable. */
static void
store_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	store_dir_of(path, dir, sizeof(dir));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	(void)fsync(fd);
	close(fd);
}

int
store_create(const char *path, enum store_fault *fault, char *err,
    size_t errlen)
{
	char tmp[PATH_MAX];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.new.%ld", path,
	    (long)getpid()) >= (int)sizeof(tmp))
		return store_refuse(fault, STORE_FAULT_IO, err, errlen,
		    "%s: path too long", path);
	store_unlink_all(tmp);          /* a crashed attempt of this pid */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
	if (fd == -1)
		return store_refuse_errno(fault, errno, path, "create", err,
		    errlen);
	store_give_to_dir_owner(fd, path);
	close(fd);
	if (store_build(tmp, path, fault, err, errlen) == -1) {
		store_unlink_all(tmp);
		return -1;
	}
	/* link(), not rename(): it never replaces a database that another
	 * process created meanwhile. */
	if (link(tmp, path) == -1) {
		int e = errno;

		store_unlink_all(tmp);
		if (e == EEXIST)
			return store_refuse(fault, STORE_FAULT_EXISTS, err,
			    errlen, "%s: exists", path);
		return store_refuse_errno(fault, e, path, "create", err,
		    errlen);
	}
	unlink(tmp);
	store_sync_dir(path);
	return 0;
}

int
store_open_file(const char *path, int flags, enum store_fault *fault,
    char *err, size_t errlen)
{
	static const char magic[16] = "SQLite format 3";
	char head[16], trace[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(path, &st) == -1) {
		if (errno != ENOENT || !(flags & STORE_CREATE))
			return store_refuse_errno(fault, errno, path, "open",
			    err, errlen);
		if (store_traces(path, trace, sizeof(trace)))
			return store_refuse(fault, STORE_FAULT_VANISHED, err,
			    errlen, "%s: the database has vanished (%s is "
			    "still there): no new one is created in its "
			    "place; restore it from a backup, or start afresh "
			    "with `shukherctl init`", path, trace);
		if (store_create(path, fault, err, errlen) == -1 &&
		    *fault != STORE_FAULT_EXISTS)
			return -1;
		*fault = STORE_FAULT_NONE;
		if (stat(path, &st) == -1)
			return store_refuse_errno(fault, errno, path, "open",
			    err, errlen);
	}
	if (!S_ISREG(st.st_mode))
		return store_refuse(fault, STORE_FAULT_FOREIGN, err, errlen,
		    "%s: not a regular file", path);
	if (st.st_size == 0)
		return store_refuse(fault, STORE_FAULT_EMPTY, err, errlen,
		    "%s: an empty file (0 bytes), not a shukher database; "
		    "nothing is created over it: if no data is missing, "
		    "remove it and run `shukherctl init`", path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return store_refuse_errno(fault, errno, path, "open", err,
		    errlen);
	n = read(fd, head, sizeof(head));
	if (n < 0) {
		int e = errno;

		close(fd);
		return store_refuse_errno(fault, e, path, "read", err,
		    errlen);
	}
	if (n != (ssize_t)sizeof(head) || memcmp(head, magic, 16) != 0) {
		close(fd);
		return store_refuse(fault, STORE_FAULT_FOREIGN, err, errlen,
		    "%s: not a shukher database (not an SQLite file)", path);
	}
	return fd;
}

int
store_same_file(struct store *store, char *err, size_t errlen)
{
	struct stat open_st, path_st;

	if (store->fd < 0)
		return 0;
	if (fstat(store->fd, &open_st) == -1) {
		snprintf(err, errlen, "%s: fstat: %s", store->path,
		    strerror(errno));
		return -1;
	}
	if (stat(store->path, &path_st) == -1) {
		if (errno != ENOENT && errno != ENOTDIR) {
			snprintf(err, errlen, "%s: stat: %s", store->path,
			    strerror(errno));
			return -1;
		}
		snprintf(err, errlen, "%s: the database file is gone (%s)",
		    store->path, open_st.st_nlink == 0 ? "deleted" :
		    "renamed");
		return 1;
	}
	if (path_st.st_dev != open_st.st_dev ||
	    path_st.st_ino != open_st.st_ino || open_st.st_nlink == 0) {
		snprintf(err, errlen, "%s: the database file was replaced by "
		    "another file", store->path);
		return 1;
	}
	return 0;
}
