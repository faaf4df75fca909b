/*
 * conf_int: what the conf_*.c files share and nobody else needs.
 */
#ifndef SHUKHER_CONF_INT_H
#define SHUKHER_CONF_INT_H

#include <stdarg.h>
#include <stddef.h>

#include <libconfig.h>

/* A config with all its includes: at most this many bytes. Real ones are
 * a few dozen kilobytes. */
#define CONF_FILE_MAX (1024 * 1024)
/* @include nesting: as libconfig's own limit. */
#define CONF_INCLUDE_DEPTH 10

/*
 * Writes "FILE:LINE: " (the line of setting s, the file it came from; or
 * "FILE: " when s is NULL or has no line), prefix ("web." for a group's
 * errors, or "") and the formatted reason into err. Returns -1, so that
 * callers can return it.
 */
int conf_failv(const char *path, const config_setting_t *s,
    const char *prefix, char *err, size_t errlen, const char *fmt,
    va_list ap);

/*
 * The integer setting s (name is what errors call it, "modem.timeout")
 * into *dst when it is a whole number from min to max. Returns 0, or -1
 * with "FILE:LINE: name: ... expected a whole number from MIN to MAX" in
 * err. Every integer setting is read through here, so that each has a
 * range and every error names it.
 */
int conf_int_range(const char *path, const config_setting_t *s,
    const char *name, int min, int max, int *dst, char *err, size_t errlen);

/* ---- the file and its lines (src/conf_file.c) -------------------------- */

/* The text of a config, its @include lines expanded, and a map from each
 * of its lines to the file and line it came from. */
struct conf_src;

/*
 * Reads the config path (a regular file; nothing else is opened) and the
 * files it includes into a new *out. Returns 0, or -1 with "FILE: reason"
 * or "FILE:LINE: reason" in err. Caller frees *out with conf_src_free().
 */
int conf_src_read(const char *path, struct conf_src **out, char *err,
    size_t errlen);
/* The expanded text, for config_read_string(). Owned by src. */
const char *conf_src_text(const struct conf_src *src);
/* The file (owned by src) and *file_line that line text_line of the text
 * came from. */
const char *conf_src_where(const struct conf_src *src, unsigned text_line,
    unsigned *file_line);
/* The src a parsed tree came from: conf_load() sets it as its root's hook;
 * NULL when none is set. */
const struct conf_src *conf_src_of(const config_setting_t *s);
void conf_src_free(struct conf_src *src);

/*
 * Whether path names a regular file, for the files a config names (keys,
 * certificates) before they are opened: a FIFO there would block the
 * daemon at a reload. Returns 0, or -1 with the reason in why.
 */
int conf_file_check(const char *path, char *why, size_t whylen);

#endif
