/*
 * conf: shukher.conf, parsed once into a plain struct.
 *
 * conf_load() starts from built-in defaults, reads the libconfig file over
 * them, copies every string out of libconfig and validates the whole in one
 * function. A struct conf is immutable once loaded: SIGHUP builds a new one
 * and swaps it in only when it is valid, so any pointer into a conf stays
 * valid until that conf is freed.
 */
#ifndef SHUKHER_CONF_H
#define SHUKHER_CONF_H

#include <stddef.h>

#define CONF_DEFAULT_PATH "/etc/shukher/shukher.conf"

/* Reply languages. mn is Mongolian in Cyrillic, mn_latn Mongolian typed in
 * Latin letters (cheap GSM-7), en English. */
enum lang {
	LANG_MN = 0,
	LANG_EN,
	LANG_MN_LATN,
	LANG_COUNT
};

/* "mn", "en", "mn_latn"; lang_parse returns -1 for anything else. */
const char *lang_name(enum lang lang);
int lang_parse(const char *name);

/* One text per language; NULL where the config gives none. */
struct conf_reply {
	char *text[LANG_COUNT];
};

struct conf_keyword {
	char *name;              /* group name: statistics and logs use it */
	char **words;            /* as written in the config */
	size_t nwords;
	struct conf_reply reply;
	int report;              /* 1: the message is filed as a report */
};

/* gammu's own terms, passed to libgammu unchanged. */
struct conf_modem {
	char *device;            /* "/dev/gsm-modem", a directory for dummy */
	char *connection;        /* "at115200", "at", "proxyat", "none", ... */
	char *model;             /* "" (auto), "dummy", ... */
	char *pin;               /* "" when the SIM has none; never logged */
	int timeout;             /* seconds one modem call may take */
	int poll_interval;       /* seconds between full reads of the SIM */
	int notifications;       /* 1: ask for +CMTI new-message notices */
};

struct conf_limits {
	int reply_budget;        /* replies per number per reply_window */
	int reply_window;        /* seconds */
	int send_attempts;       /* before a reply is marked failed */
	int retry_delay;         /* seconds before the first retry; doubles */
	int multipart_timeout;   /* seconds before an incomplete message is
	                            handled as partial */
	int short_code_max_digits; /* senders with at most this many digits
	                            are short codes: stored, never answered */
};

struct conf {
	char *path;              /* the file this was read from */
	char *database;          /* SQLite file */
	enum lang language;      /* when nothing tells us the sender's */
	struct conf_modem modem;
	struct conf_limits limits;
	struct conf_keyword *keywords;
	size_t nkeywords;
	struct conf_reply default_reply;   /* the short menu */
	char **stop_words;
	size_t nstop_words;
	struct conf_reply stop_reply;      /* the one confirmation */
	char **start_words;
	size_t nstart_words;
	struct conf_reply start_reply;
};

/*
 * Reads path into a new conf. Returns 0 and sets *out, or -1 and writes
 * "FILE:LINE: reason" (or "FILE: reason" where libconfig gives no line)
 * into err. Caller frees *out with conf_free().
 */
int conf_load(const char *path, struct conf **out, char *err, size_t errlen);

void conf_free(struct conf *conf);

/*
 * The text of reply in lang, falling back to the conf's default language,
 * then to any language it has. NULL only when the reply has no text at all.
 * Owned by the conf.
 */
const char *conf_reply_text(const struct conf *conf,
    const struct conf_reply *reply, enum lang lang);

#endif
