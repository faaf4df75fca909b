/*
 * ctl: what the parts of shukherctl share, private to src/shukherctl.c and
 * src/ctl_*.c.
 *
 * Each command is a row of a table (struct ctl_cmd): its name, its help,
 * which options it takes and the function that runs it. shukherctl.c
 * parses the command line against that table, opens the config and the
 * database the command needs, and calls the function, which returns the
 * process's exit code (exitcode.h). Output goes either to a JSON writer or
 * to a text table, chosen once by --json.
 */
#ifndef SHUKHER_CTL_H
#define SHUKHER_CTL_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"
#include "store_health.h"
#include "store_uplink.h"

struct conf;
struct json;

/* The options a command accepts, as a mask in struct ctl_cmd. --json and
 * --help are accepted everywhere. */
enum ctl_opt {
	CTL_OPT_STATE = 1 << 0,     /* --state S */
	CTL_OPT_STATUS = 1 << 1,    /* --status S */
	CTL_OPT_SINCE = 1 << 2,     /* --since YYYY-MM-DD */
	CTL_OPT_UNTIL = 1 << 3,     /* --until YYYY-MM-DD */
	CTL_OPT_LIMIT = 1 << 4,     /* --limit N */
	CTL_OPT_SEARCH = 1 << 5,    /* --search TEXT */
	CTL_OPT_URGENT = 1 << 6,    /* --urgent */
	CTL_OPT_OUTCOME = 1 << 7,   /* --outcome TEXT */
	CTL_OPT_KEY = 1 << 12,      /* --key FILE: the caseworkers' secret key */
	CTL_OPT_SMS = 1 << 8,       /* --sms NUMBER (selftest) */
	CTL_OPT_FORMAT = 1 << 9,    /* --format csv|json (reports export) */
	CTL_OPT_DRY_RUN = 1 << 10,  /* --dry-run (purge) */
	CTL_OPT_REPORT = 1 << 13,   /* --report REF|ID (audit) */
	CTL_OPT_SET = 1 << 14,      /* --set (clock) */
	CTL_OPT_BY = 1 << 15,       /* --by source (stats) */
	CTL_OPT_AT = 1 << 16,       /* --at TIME (broadcast) */
	CTL_OPT_CSV = 1 << 17,      /* --csv (surveys results) */
	CTL_OPT_CENTRAL = 1 << 18,  /* --central (reports list) */
};

/* What the command line gave a command. Strings point into argv. */
struct ctl_args {
	struct store_filter filter;
	const char *since_day;      /* --since as given */
	const char *until_day;      /* --until as given */
	const char *outcome;
	const char *key;            /* --key, else $SHUKHER_KEY */
	const char *sms;            /* --sms NUMBER */
	const char *format;         /* --format csv|json */
	int dry_run;                /* --dry-run */
	int set;                    /* --set */
	const char *report;         /* --report REF|ID */
	const char *by;             /* --by source */
	const char *at;             /* --at TIME */
	int csv;                    /* --csv */
	int central;                /* --central: the central database's */
	char **rest;                /* positional arguments */
	int nrest;
};

/* The state of one run of shukherctl. */
struct ctl {
	const char *conf_path;      /* -c, or CONF_DEFAULT_PATH */
	const char *db_path;        /* -d, or the config's database */
	int want_json;              /* --json */
	struct conf *conf;          /* loaded when the command needs it */
	struct store *store;        /* opened when the command needs it */
	struct json *json;          /* the writer when want_json */
	FILE *out;                  /* stdout; with --json a buffer that
	                               reaches stdout only when it holds one
	                               whole JSON value (main) */
	char *json_buf;             /* that buffer (open_memstream) */
	size_t json_len;
	struct ctl_table *table;    /* rows being collected for text output */
	int oom;                    /* a row callback ran out of memory */
};

struct ctl_cmd {
	const char *name;           /* "inbox", "reports list" */
	const char *synopsis;       /* the arguments, after the name */
	const char *summary;        /* one line, for the command list */
	const char *help;           /* the options, one per line */
	unsigned opts;              /* enum ctl_opt mask */
	const char *const *states;  /* allowed --state/--status values */
	int min_args, max_args;     /* positional arguments; -1: no limit */
	int needs_db;               /* 1: open the database before run */
	int (*run)(struct ctl *ctl, struct ctl_args *args);
};

/* ---- the commands ------------------------------------------------------- */

int ctl_inbox(struct ctl *ctl, struct ctl_args *args);
int ctl_init(struct ctl *ctl, struct ctl_args *args);
int ctl_outbox(struct ctl *ctl, struct ctl_args *args);
int ctl_stats(struct ctl *ctl, struct ctl_args *args);
int ctl_reports_list(struct ctl *ctl, struct ctl_args *args);
int ctl_reports_show(struct ctl *ctl, struct ctl_args *args);
int ctl_reports_close(struct ctl *ctl, struct ctl_args *args);
int ctl_reports_reply(struct ctl *ctl, struct ctl_args *args);
int ctl_reports_claim(struct ctl *ctl, struct ctl_args *args);
int ctl_reports_note(struct ctl *ctl, struct ctl_args *args);
int ctl_reports_export(struct ctl *ctl, struct ctl_args *args);
int ctl_purge(struct ctl *ctl, struct ctl_args *args);
int ctl_pin_hash(struct ctl *ctl, struct ctl_args *args);
int ctl_keygen(struct ctl *ctl, struct ctl_args *args);
int ctl_send(struct ctl *ctl, struct ctl_args *args);
int ctl_status(struct ctl *ctl, struct ctl_args *args);
/* The words joined by single spaces. Caller frees; NULL: no memory. */
char *ctl_join(char **words, int n);
/* The central fleet (src/ctl_central.c; shukherctl links libpq). */
int ctl_central_init(struct ctl *ctl, struct ctl_args *args);
int ctl_central_add_gateway(struct ctl *ctl, struct ctl_args *args);
int ctl_central_add_caseworker(struct ctl *ctl, struct ctl_args *args);
int ctl_central_command(struct ctl *ctl, struct ctl_args *args);
int ctl_central_reports(struct ctl *ctl, struct ctl_args *args);
int ctl_fleet(struct ctl *ctl, struct ctl_args *args);

int ctl_clock(struct ctl *ctl, struct ctl_args *args);

/* ---- the modems' rows, for status (src/ctl_modems.c) ---------------- */
struct store;
struct store_modem;
struct store_credit;
struct ctl_modems {
	struct store_modem *m;
	size_t n, cap;
	int oom;
	struct store_credit *credit; /* m's credits (ctl_modems_credit()) */
};
/* Reads every modem's row, sent_today counted from the local midnight
 * before now. Returns 0, -1 on a database error, -2 out of memory. */
int ctl_modems_read(struct store *store, int64_t now, struct ctl_modems *ms);
void ctl_modems_free(struct ctl_modems *ms);
/* Reads each row's credit (schema 14), first being the conf's first
 * modem (NULL: unknown; it then reads its own row only). Returns 0, -1
 * on a database error, -2 out of memory. */
int ctl_modems_credit(struct store *store, const char *first,
    struct ctl_modems *ms);
/* The "modems" member of the object being written: an array. */
void ctl_modems_json(struct json *j, const struct ctl_modems *ms);
/* A line per modem; nothing with one modem (the modem lines say it). */
void ctl_modems_text(FILE *fp, const struct ctl_modems *ms);

/* The object `status --json` prints, also the uplink's health snapshot:
 * m as store_modem_state_get() gave it (reported: its return), c, every
 * modem's row (ms; NULL: none shown), the uplink's state (NULL: it never
 * wrote one) and events pending, with the gateway's health read from
 * store. 0, or -1 when store failed. */
int ctl_status_json(struct json *j, struct store *store,
    const struct store_modem_state *m, int reported,
    const struct store_counts *c, const struct ctl_modems *ms,
    const struct store_uplink_state *up, int64_t pending);

/*
 * Loads the caseworkers' secret key named by --key, else $SHUKHER_KEY,
 * into sec. Returns 1, 0 when neither names one, or -1 after saying why
 * it cannot be loaded.
 */
/* Who acts, for timelines and the audit log: the login name of the user
 * running shukherctl ($USER), else "shukherctl". */
const char *ctl_actor(void);

struct seal_sec;
int ctl_key_load(const struct ctl_args *args, struct seal_sec *sec);

/*
 * Reads one line of standard input into buf (len bytes), echo off when
 * tty (standard input is a terminal) after printing prompt to stderr: a
 * password, passphrase or PIN. Returns its length, -1 at end of input,
 * -2 when the line does not fit.
 */
int ctl_secret_line(const char *prompt, int tty, char *buf, size_t len);
int ctl_config_check(struct ctl *ctl, struct ctl_args *args);
int ctl_selftest(struct ctl *ctl, struct ctl_args *args);
int ctl_users_add(struct ctl *ctl, struct ctl_args *args);
int ctl_users_passwd(struct ctl *ctl, struct ctl_args *args);
int ctl_users_disable(struct ctl *ctl, struct ctl_args *args);
int ctl_users_enable(struct ctl *ctl, struct ctl_args *args);
int ctl_users_list(struct ctl *ctl, struct ctl_args *args);
int ctl_key_store(struct ctl *ctl, struct ctl_args *args);
int ctl_key_remove(struct ctl *ctl, struct ctl_args *args);
int ctl_audit(struct ctl *ctl, struct ctl_args *args);
/* The campaign's (ctl_campaign.c). */
int ctl_series_list(struct ctl *ctl, struct ctl_args *args);
int ctl_broadcast(struct ctl *ctl, struct ctl_args *args);
int ctl_broadcasts_list(struct ctl *ctl, struct ctl_args *args);
int ctl_surveys_results(struct ctl *ctl, struct ctl_args *args);
int ctl_stats_sources(struct ctl *ctl, struct ctl_args *args);

/* ---- listings (ctl_list.c) --------------------------------------------- */

/*
 * Starts a listing: a JSON array, or a table with these column titles
 * (static). Returns 0, or an exit code after saying why.
 */
int ctl_list_begin(struct ctl *ctl, const char *const *headers, int ncols);
/*
 * Ends a listing whose store_list_* call returned rc: closes the array or
 * prints the table (none_text when empty). Returns the exit code.
 */
int ctl_list_end(struct ctl *ctl, int rc, const char *none_text);
/* For a command that writes its own output with --json (reports export,
 * which builds its JSON in memory): drops the global writer and its buffer
 * unused, and gives back stdout as ctl->out. */
void ctl_json_drop(struct ctl *ctl);
/* Adds a table row; on failure marks ctl->oom. Returns 0 or -1 (stop). */
int ctl_list_row(struct ctl *ctl, const char *const *cells);
/* A count of a day under a key ("keyword", "source"): a JSON object
 * {day, KEYNAME, count} or a row DAY KEY COUNT. */
int ctl_count_row(struct ctl *ctl, const char *keyname, const char *day,
    const char *key, int count);

/* The database's path: -d's, else the config's (loaded into ctl->conf).
 * EXIT_OK, or EXIT_CONFIG with the config's error said. */
int ctl_find_db(struct ctl *ctl);

/* Says that the database failed; returns EXIT_TEMPFAIL when another
 * process held the lock (try again), else EXIT_IOERR. */
int ctl_db_error(struct ctl *ctl);

/* ---- the gateway's health in status (ctl_health.c) ----------------------
 * The credit and the open health conditions: members of the status
 * object (credit, credit_at, credit_answer, credit_error,
 * credit_checked_at, open_conditions), or text lines (conf, may be NULL,
 * marks a low credit). 0, or -1 on a database error. */
int ctl_health_json(struct json *j, struct store *store);
int ctl_health_text(FILE *fp, struct store *store, const struct conf *conf);

/* ---- formatting (ctl_fmt.c) -------------------------------------------- */

#define CTL_TIME_LEN 32

/* "2026-11-29T04:15:00Z" (UTC) into buf; "" for 0. Returns buf. */
char *ctl_time_iso(int64_t t, char *buf, size_t len);
/* "2026-11-29 12:15" (local time) into buf; "-" for 0. Returns buf. */
char *ctl_time_local(int64_t t, char *buf, size_t len);
/* A time member: an ISO 8601 UTC string, or null for 0. */
void ctl_json_time(struct json *json, const char *key, int64_t t);

/*
 * The one renderer of untrusted text for a person: a new string that is
 * safe on a terminal and shows what s holds. Line breaks and tabs become
 * spaces (with keep_lines, \n and \t stay and CRLF becomes \n); other C0
 * controls and DEL become \xNN ("\x1b"); C1 controls (U+0080-U+009F), the
 * bidi controls U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C and
 * U+2028, U+2029 become \uNNNN ("\u202e"); each byte of invalid UTF-8
 * becomes \xNN. Caller frees. NULL: no memory.
 */
char *ctl_clean(const char *s, int keep_lines);
/* 1 when s is valid UTF-8 that ctl_clean() would show as it is on one
 * line: no control, bidi control or line break. */
int ctl_plain(const char *s);

/*
 * A text table collected row by row and printed with aligned columns. The
 * last column takes what is left of CTL_TABLE_WIDTH and is cut with an
 * ellipsis where it does not fit; the others are never cut.
 */
#define CTL_TABLE_WIDTH 100
#define CTL_TABLE_MAXCOLS 12
struct ctl_table;

/* headers: ncols (1 to CTL_TABLE_MAXCOLS) column titles, borrowed and
 * kept. NULL: no memory, or a bad ncols. */
struct ctl_table *ctl_table_new(const char *const *headers, int ncols);
/* Adds a row of ncols cells, copied and cleaned; NULL cells print "-".
 * Returns 0, or -1 when out of memory. */
int ctl_table_add(struct ctl_table *table, const char *const *cells);
/* Prints the table, or none_text when it has no rows. */
void ctl_table_print(struct ctl_table *table, FILE *fp,
    const char *none_text);
void ctl_table_free(struct ctl_table *table);

/* Writes an error line "shukherctl: ..." to stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
