/*
 * conf_int: what the conf_*.c files share and nobody else needs.
 */
#ifndef SHUKHER_CONF_INT_H
#define SHUKHER_CONF_INT_H

#include <stdarg.h>
#include <stddef.h>

#include <libconfig.h>

#include "conf.h"

/* A config with all its includes: at most this many bytes. Real ones are
 * a few dozen kilobytes. */
#define CONF_FILE_MAX (1024 * 1024)
/* @include nesting: as libconfig's own limit. */
#define CONF_INCLUDE_DEPTH 10

/* ---- the toolkit every group's reader uses (src/conf_kit.c) ----------
 *
 * Each reader gets a context for its group: the file, the error buffer and
 * the group's name in messages, so that an error reads "FILE:LINE:
 * group.setting: reason" wherever it is found. A helper looks up member
 * name of group g and leaves *dst as it is when the member is absent (the
 * defaults stay); it returns 0, or -1 with the error written. Strings are
 * copied out of libconfig: nothing points into the tree once it is gone.
 */

struct conf_ctx {
	const char *path;        /* the file, as the caller named it */
	const char *group;       /* "web", "keywords[0] (\"help\")"; "" at
	                            the top: what messages put before ".name" */
	char *err;
	size_t errlen;
};

/* The context for group (a name the caller keeps) within ctx's file. */
struct conf_ctx conf_ctx_group(const struct conf_ctx *ctx,
    const char *group);

/*
 * Writes "FILE:LINE: " (or "FILE: " for line 0), prefix and the formatted
 * reason into err. Returns -1. The one writer of that form: conf_fail(),
 * the parser's errors and the include reader's go through it.
 */
int conf_errv(char *err, size_t errlen, const char *file, unsigned line,
    const char *prefix, const char *fmt, va_list ap);
/* conf_errv() without a prefix, with its arguments. */
int conf_err(char *err, size_t errlen, const char *file, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * "FILE:LINE: group.reason" for setting s (its line, the file it came from
 * through @include; "FILE: " when s is NULL or has no line). Returns -1,
 * so that callers can "return conf_fail(...)".
 */
int conf_fail(const struct conf_ctx *ctx, const config_setting_t *s,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "FILE: out of memory". Returns -1. */
int conf_nomem(const struct conf_ctx *ctx);

/*
 * Fails on the first member of g whose name is not in keys (NULL-ended):
 * "group: unknown setting \"name\"" (at the top, without "group: ").
 */
int conf_keys(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *const *keys);

/* "HH:MM" (exactly five characters) into minutes after midnight, or -1. */
int conf_hhmm(const char *s);
/* The file setting name of g (path; NULL: not set, fine) can be read and
 * is a regular file (not a FIFO, which would block a program's start):
 * 0, or -1 with the error on name's line. */
int conf_readable(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, const char *path);
/* Member name of g into *out when it is a group; *out NULL when absent.
 * Fails with "name: expected a group { ... }". */
int conf_group(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, const config_setting_t **out);

/* Flags of conf_str() and conf_strs(). */
#define CONF_NONEMPTY 1          /* "" is an error too */

/* A string member into a new copy in *dst (the old one freed). Fails with
 * "name: expected a string" ("a non-empty string" with CONF_NONEMPTY). */
int conf_str(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, int flags, char **dst);

/*
 * A list or array of strings into a new *list of *n strings; the old list
 * is freed only once the new one is whole. Fails with "name: expected a
 * list of strings", or "name[i]: expected a string" on element i's line.
 */
int conf_strs(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, int flags, char ***list, size_t *n);
/* Frees the first n strings of list, and list. */
void conf_strs_free(char **list, size_t n);

/*
 * An integer member into *dst when it is a whole number from min to max;
 * fails with "name: expected a whole number from MIN to MAX" (or "name: V
 * is out of range: expected ..."). Every integer setting is read through
 * here, so that each has a range and every error names it.
 */
int conf_int(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, int min, int max, int *dst);

/* A boolean member into *dst (0 or 1). Fails with "name: expected true or
 * false". */
int conf_bool(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, int *dst);

/* How conf_reply() treats the texts already in *reply. */
enum conf_reply_mode {
	CONF_REPLY_REPLACE,      /* the member replaces them all */
	CONF_REPLY_OVER          /* languages it omits keep theirs */
};

/*
 * A reply member, a group of texts keyed by language ({ mn = "..."; en =
 * "..."; }), into *reply. Fails on a language that is not mn, en or
 * mn_latn, and on a text that is not a string.
 */
int conf_reply(const struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, enum conf_reply_mode mode, struct conf_reply *reply);
/* Frees the texts of reply and sets them to NULL. */
void conf_reply_free(struct conf_reply *reply);

/* ---- the groups' readers --------------------------------------------- */

/*
 * Each reads its part of the file's top-level group root over built-in
 * defaults into out. Returns 0, or -1 with "FILE:LINE: reason" written
 * through ctx (the file's top-level context). The caller frees out in
 * either case (conf_free() does).
 */
int conf_reports_read(const struct conf_ctx *ctx, const config_setting_t *root,
    struct conf_reports *out);
void conf_reports_free(struct conf_reports *reports);
int conf_web_read(const struct conf_ctx *ctx, const config_setting_t *root,
    struct conf_web *out);
void conf_web_free(struct conf_web *web);
/* The top-level health settings (technicians, alert_after, alert_every,
 * quiet_hours, daily_summary, alert_failed_sends) and modem.balance:
 * src/conf_health.c. conf_balance_read() reads one balance group g (NULL:
 * absent, the defaults) with ctx the group's own ("modem.balance",
 * "modems[1].balance"), and is meant for each modem's. */
int conf_health_read(const struct conf_ctx *ctx, const config_setting_t *root,
    struct conf *conf);
int conf_balance_read(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_balance *out);
void conf_balance_free(struct conf_balance *b);
void conf_health_free(struct conf_health *h);
int conf_central_read(const struct conf_ctx *ctx,
    const config_setting_t *root, struct conf_central *out);
void conf_central_free(struct conf_central *central);
/* matching and hotlines: src/conf_match.c. The hotlines are numbers that
 * must stand in every text of the "help" group's reply (config check
 * warns). */
int conf_matching_read(const struct conf_ctx *ctx,
    const config_setting_t *root, struct conf_matching *out);
void conf_matching_free(struct conf_matching *m);
int conf_hotlines_read(const struct conf_ctx *ctx,
    const config_setting_t *root, char ***out, size_t *n);

/* The campaign (src/conf_campaign.c): series, surveys, sources and
 * quiet_hours (src/quiet.c: "HH:MM-HH:MM" into minutes, 0 or -1). The
 * words are compiled once the whole conf is read, with its matching
 * settings: conf_campaign_compile() (src/campaign_words.c), 0 or -1 and
 * err. */
int conf_campaign_read(const struct conf_ctx *ctx,
    const config_setting_t *root, struct conf_campaign *out);
void conf_campaign_free(struct conf_campaign *c);
int conf_campaign_compile(struct conf *conf, char *err, size_t errlen);
void campaign_words_free(struct campaign_words *w);
/* The "modems" list, or the single "modem" group as one modem named
 * "modem" (src/conf_modems.c); reads after conf_read_fields() filled
 * conf->modem, and fills conf->modems and conf->nmodems. */
int conf_modems_read(const struct conf_ctx *ctx, const config_setting_t *root,
    struct conf *conf);
/* Frees one modem's strings (the PIN wiped first). */
void conf_modem_free(struct conf_modem *m);
void conf_modems_free(struct conf_modem *modems, size_t n);

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
