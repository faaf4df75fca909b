/*
 * log: the daemon's and the CLI's only way to say something.
 *
 * Lines go to stderr, one per call, written with a single write(2) so that
 * lines from several processes never interleave. Under systemd (JOURNAL_STREAM
 * set) each line carries a "<N>" priority prefix that journald understands;
 * elsewhere a timestamp. Libraries (store, conf, route, modem) never log
 * errors they return: the caller decides. Message text, phone numbers and
 * PINs are never logged at info level or above; debug is opt-in (-v).
 */
#ifndef SHUKHER_LOG_H
#define SHUKHER_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* Sets the program name shown on each line and the most verbose level
 * printed (LOG_LVL_INFO by default, LOG_LVL_DEBUG with -v). */
void log_init(const char *ident, enum log_level max);

/* Whether debug lines are printed; lets callers skip costly formatting. */
int log_debug_enabled(void);

/* log_warn appends ": " and strerror(errno); log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log at error level and exit with the given code (see exitcode.h). fatal
 * appends strerror(errno); fatalx does not. */
_Noreturn void fatal(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
_Noreturn void fatalx(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
