/*
 * exitcode: distinct exit codes so that systemd and a technician can tell a
 * bad config from a missing database from a wrong command line. Values follow
 * sysexits.h where one fits. Documented in README.md.
 */
#ifndef SHUKHER_EXITCODE_H
#define SHUKHER_EXITCODE_H

enum exitcode {
	EXIT_OK = 0,
	EXIT_FAIL = 1,       /* a command did not succeed (unknown id, ...) */
	EXIT_USAGE = 64,     /* EX_USAGE: wrong command line */
	EXIT_DATAERR = 65,   /* EX_DATAERR: bad input data */
	EXIT_NOINPUT = 66,   /* EX_NOINPUT: database missing (shukherctl) */
	EXIT_SOFTWARE = 70,  /* EX_SOFTWARE: internal error */
	EXIT_OSERR = 71,     /* EX_OSERR: out of memory, fork failed, ... */
	EXIT_IOERR = 74,     /* EX_IOERR: database cannot be opened or is corrupt */
	EXIT_TEMPFAIL = 75,  /* EX_TEMPFAIL: try again (shukher-web: cannot
	                        listen yet; a database locked by another
	                        process); systemd restarts */
	EXIT_NOPERM = 77,    /* EX_NOPERM: may not read or write the database */
	EXIT_CONFIG = 78,    /* EX_CONFIG: configuration invalid */
};

#endif
