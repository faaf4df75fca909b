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

#include <regex.h>
#include <stddef.h>

#include "seal.h"

#define CONF_DEFAULT_PATH "/etc/shukher/shukher.conf"
#define CONF_MODEMS_MAX 16       /* modems on one gateway: a Pi's USB
                                    ports, and then some */

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
	int language;            /* a language keyword: the enum lang it
	                            switches the sender to; -1 otherwise */
};

/* ---- health (src/conf_health.c) ----------------------------------------
 * A modem's credit check, and the technicians' alerts. */

/* A prepaid SIM's credit, asked for by USSD: the modem group's "balance"
 * (and, where a modems list exists, each entry's). */
struct conf_balance {
	char *ussd;              /* "*211#"; NULL: credit is not checked */
	char *pattern;           /* POSIX ERE; its first group is the amount */
	regex_t re;              /* pattern, compiled at load ... */
	int compiled;            /* ... when 1; owned by the conf */
	int every;               /* seconds between checks */
	int low;                 /* credit below this is an alert */
};

struct conf_health {
	char **technicians;      /* numbers that get the gateway's alerts */
	size_t ntechnicians;
	int alert_after;         /* seconds a modem may be lost unalerted */
	int alert_every;         /* seconds: one alert per condition at most
	                            this often while it lasts */
	int quiet_from, quiet_to; /* minutes after local midnight: no alert
	                            that is not urgent in [from, to) (past
	                            midnight when from > to); -1: none */
	int daily_summary;       /* minute of the local day the summary goes
	                            out; -1: none */
	int failed_sends;        /* sends failed in a row that alert */
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
	int delivery_reports;    /* 1: ask the network for delivery reports */
	struct conf_balance balance; /* src/conf_health.c */
	/* src/conf_modems.c: one of several modems on one gateway. */
	char *name;              /* "modem" for the single modem group */
	char **prefixes;         /* numbers this SIM sends to on-net, as
	                            "+97699" (the number begins so) */
	size_t nprefixes;
	int daily_limit;         /* messages per local day; 0: no limit */
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
	int max_segments;        /* SMS parts a reply should take at most:
	                            config check warns beyond */
};

/* How forgiving keyword matching is (include/match.h). */
struct conf_matching {
	int typo_length;         /* words this long may have one typo; 0:
	                            no typos at all */
	int typo2_length;        /* words this long may have two; 0: never */
	char **not_typos;        /* ordinary words never taken for a typo */
	size_t nnot_typos;
	char **translit;         /* pairs: a letter, one more Latin spelling */
	size_t ntranslit;        /* strings, twice the pairs */
};

struct match;

/* ---- reports (src/conf_report.c) ---------------------------------------
 * The "reports" group: sealing, the guided exchange, urgency, the on-duty
 * roster and the caseworkers' SMS commands. */

struct conf_caseworker {
	char *name;              /* shown in timelines and alerts */
	char *number;            /* where alerts go; commands come from */
	char *pin_hash;          /* crypto_pwhash_str of the PIN; NULL: no
	                            SMS commands from this caseworker */
};

/* One line of the roster: on these days, in [from_hour, to_hour) local
 * time (from > to runs past midnight), these caseworkers are on duty, in
 * the order they are told. */
struct conf_roster {
	unsigned days;           /* bit 0 Sunday .. bit 6 Saturday */
	int from_hour, to_hour;
	size_t *who;             /* indexes into caseworkers */
	size_t nwho;
};

struct conf_reports {
	char *public_key;        /* path of the caseworkers' public key; NULL:
	                            reports are kept in the clear (warned) */
	struct seal_pub key;     /* loaded from public_key */
	int window;              /* seconds: the guided exchange, follow-ups */
	char **urgent_words;
	size_t nurgent_words;
	int alert_segments;      /* SMS parts an alert may take */
	int alert_include_number;/* 1: alerts carry the reporter's number */
	int escalate_minutes;    /* unclaimed this long: tell the next one */
	int relay_hours;         /* the daemon keeps a number to relay SMS
	                            replies this long after the last message
	                            from it; 0: never */
	int pin_attempts;        /* wrong PINs before a lockout */
	int pin_lockout;         /* seconds: the first lockout; each next
	                            one doubles */
	int pin_lockout_max;     /* seconds: the longest lockout */
	int retention_days;      /* closed reports purged after; 0: kept */
	int inbox_retention_days;  /* number and text of handled messages
	                            blanked after; 0: kept (counts stay) */
	int outbox_retention_days; /* number and text of sent or failed
	                            messages blanked after; 0: kept */
	struct conf_reply prompt;  /* the guided exchange's question */
	struct conf_reply followup_reply; /* after a follow-up; may be empty */
	struct conf_caseworker *caseworkers;
	size_t ncaseworkers;
	struct conf_roster *roster;
	size_t nroster;
	size_t *fallback;        /* when no roster line is on duty */
	size_t nfallback;
};

/* ---- the web console (src/conf_web.c) -----------------------------------
 * The "web" group. Off by default; shukher-web reads it. */

struct conf_web {
	int enabled;             /* 0: shukher-web says so and exits */
	char *listen;            /* address to bind: IPv4 or IPv6 literal */
	int port;                /* 0: any free port (tests) */
	char *certificate;       /* PEM files for HTTPS; both or neither */
	char *key;
	int session_idle;        /* seconds without a request: signed out */
	int session_max;         /* seconds after sign-in: signed out */
	int signin_attempts;     /* wrong passwords before an account locks */
	int signin_lockout;      /* seconds */
	int address_attempts;    /* wrong sign-ins from one address per
	                            signin_lockout before it is refused */
	int language;            /* interface: LANG_MN or LANG_EN */
	char *campaign_start;    /* "YYYY-MM-DD": statistics from; NULL: the
	                            first day counted */
	char **names;            /* host names (or addresses) browsers use for
	                            the console, besides the address a request
	                            arrives on (and localhost on loopback) */
	size_t nnames;
	int request_timeout;     /* seconds a request may take, headers, body
	                            and answer, before its connection is cut */
	int central;             /* web.source = "central": the reports, the
	                            statistics and the fleet are the central
	                            PostgreSQL's (central.conninfo) */
};

/* ---- the campaign (src/conf_campaign.c) --------------------------------
 * Opt-in series, surveys and sources: the "series", "surveys" and
 * "sources" lists, and the top-level quiet_hours (src/quiet.c). */

/* An opt-in series: a numbered list of short messages, one at a time. */
struct conf_series {
	char *name;
	char **words;            /* join words, matched as keywords are */
	size_t nwords;
	char **leave_words;      /* its own leave words: every series ends */
	size_t nleave_words;
	int every;               /* seconds between messages; 0: daily */
	int at;                  /* daily: minutes after local midnight */
	struct conf_reply confirm;   /* on joining; says how to stop */
	struct conf_reply left;      /* to a leave word */
	struct conf_reply *messages;
	size_t nmessages;
};

enum conf_qtype {
	CONF_Q_CHOICE = 0,       /* numbered options */
	CONF_Q_NUMBER,           /* a whole number from min to max */
	CONF_Q_YESNO,
	CONF_Q_TEXT,             /* free text */
};

struct conf_option {
	char **words;            /* its own words; digits, number words and
	                            letters are added at load */
	size_t nwords;
};

struct conf_question {
	char *name;              /* results name it; "q1" by default */
	enum conf_qtype type;
	struct conf_reply text;
	struct conf_option *options;   /* CONF_Q_CHOICE */
	size_t noptions;
	int min, max;            /* CONF_Q_NUMBER */
	struct match *match;     /* CONF_Q_CHOICE: the options compiled;
	                            owned by the conf */
};

struct conf_survey {
	char *name;
	char *wave;              /* "pre", "post" or NULL */
	char **words;            /* start words */
	size_t nwords;
	int timeout;             /* seconds of silence: partial */
	int window;              /* seconds the attempt's hash is kept
	                            after its last message, once it is no
	                            longer open: a repeat within it is told
	                            so */
	struct conf_reply consent;   /* anonymous, how long, STOP ends it */
	struct conf_reply hint;      /* before a question asked again */
	struct conf_reply done;
	struct conf_reply repeat;    /* to a repeat within the window */
	struct conf_question *questions;
	size_t nquestions;
};

/* Words printed on one poster, spot or place: counted under the source,
 * otherwise answered as the keyword they contain. */
struct conf_source {
	char *name;
	char **words;
	size_t nwords;
};

struct campaign_words;

struct conf_campaign {
	struct conf_series *series;
	size_t nseries;
	struct conf_survey *surveys;
	size_t nsurveys;
	struct conf_source *sources;
	size_t nsources;
	struct campaign_words *words;  /* every campaign word compiled;
	                            owned by the conf (src/conf_campaign.c) */
	struct match *yesno;     /* yes and no, compiled once */
	int broadcast_rate;      /* broadcast SMS per minute per modem,
	                            1..60 (broadcast.h); 6 */
};

/* ---- the central fleet (src/conf_central.c) ----------------------------
 * The "central" group. Off (conninfo NULL) by default; shukher-uplink and
 * shukherctl's fleet commands read it. */

#define CONF_CENTRAL_NAME_MAX 32 /* characters of a gateway's name */

struct conf_central {
	char *conninfo;          /* libpq's; NULL: no central server */
	char *gateway;           /* this device's name there; NULL on the
	                            central team's machine */
	char *sslcert;           /* the client certificate and its key; both */
	char *sslkey;            /* or neither */
	char *sslrootcert;       /* the CA that signed the server's */
	int silent_after;        /* seconds without contact: a gateway is
	                            reported silent */
};

/* 1 when s is a gateway name as conf_central takes it: a lower-case letter,
 * then letters, digits and '_', at most CONF_CENTRAL_NAME_MAX. */
int conf_central_name_ok(const char *s);

struct conf {
	char *path;              /* the file this was read from */
	char *database;          /* SQLite file */
	enum lang language;      /* when nothing tells us the sender's */
	struct conf_modem modem; /* the first of modems (its own copy) */
	struct conf_modem *modems;         /* src/conf_modems.c: at least one */
	size_t nmodems;
	int failover_after;      /* seconds a modem is down (or at its daily
	                            limit) before another sends its messages */
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
	struct conf_matching matching;
	struct match *match;     /* compiled from the words and matching at
	                            load; owned by the conf */
	char **hotlines;         /* numbers the help reply must give */
	size_t nhotlines;
	struct conf_reports reports;       /* src/conf_report.c */
	struct conf_web web;               /* src/conf_web.c */
	struct conf_health health;         /* src/conf_health.c */
	struct conf_campaign campaign;     /* src/conf_campaign.c */
	struct conf_central central;       /* src/conf_central.c */
};

/*
 * Reads path into a new conf. Returns 0 and sets *out, or -1 and writes
 * "FILE:LINE: reason" (or "FILE: reason" where libconfig gives no line)
 * into err. Caller frees *out with conf_free().
 */
int conf_load(const char *path, struct conf **out, char *err, size_t errlen);

void conf_free(struct conf *conf);

/* The modem of that name in conf->modems; NULL when there is none. */
const struct conf_modem *conf_modem_find(const struct conf *conf,
    const char *name);
/* 1 when number begins with one of m's prefixes (on-net for its SIM). */
int conf_modem_covers(const struct conf_modem *m, const char *number);

/*
 * The text of reply in lang, falling back to the conf's default language,
 * then to any language it has. NULL only when the reply has no text at all.
 * Owned by the conf.
 */
const char *conf_reply_text(const struct conf *conf,
    const struct conf_reply *reply, enum lang lang);

/*
 * What every part of shukher says about a config without
 * reports.public_key (the daemon at each start and reload, config check,
 * the self-test, the console, firmware/provision): reports are then filed
 * in the clear. NULL when reports are sealed. A constant string.
 */
const char *conf_unsealed(const struct conf *conf);

#endif
