/*
 * central: the client of the fleet's central PostgreSQL database (libpq),
 * for shukher-uplink on a gateway, shukherctl's fleet commands and the
 * central console (shukher-web with web.source = "central").
 *
 * Only these programs link it: shukherd never does, so that the
 * message path depends on neither the network nor libpq. Every query is
 * sent with bound parameters. A handle is one connection; every function
 * returns 0 (or a count) on success and -1 on failure with the reason in
 * central_errmsg(), which never holds a bound value. After a failure
 * central_broken() says whether the connection itself is gone (then
 * close it and connect again).
 */
#ifndef SHUKHER_CENTRAL_H
#define SHUKHER_CENTRAL_H

#include <stddef.h>
#include <stdint.h>

struct conf_central;
struct central;

/* The central schema's version this build makes (src/central_schema.c). */
int central_schema_version(void);

/* How central_connect() sets TLS up. */
enum central_mode {
	CENTRAL_GATEWAY,         /* the uplink: sslmode=verify-full always */
	CENTRAL_CLIENT           /* shukherctl: conninfo as it is, with the
	                            group's TLS files when given */
};

/*
 * Connects with the group's conninfo and files. Returns a handle (close
 * with central_close()), or NULL with the reason in err.
 */
struct central *central_connect(const struct conf_central *c,
    enum central_mode mode, char *err, size_t errlen);
void central_close(struct central *c);
const char *central_errmsg(const struct central *c);
int central_broken(const struct central *c);
/* The connection's socket, for poll(). */
int central_socket(const struct central *c);

/* ---- administration (shukherctl central) ------------------------------ */

/* Brings the schema to central_schema_version(); *from gets the version
 * found. Returns 0 or -1. */
int central_migrate(struct central *c, int *from);
/* The role of gateway name, made (with its row) if it is not there yet,
 * into role (at least 64 bytes). Returns 0 or -1. */
int central_add_gateway(struct central *c, const char *name, char *role,
    size_t rolelen);
/* A caseworker's login role (made, or put in shukher_caseworker). */
int central_add_caseworker(struct central *c, const char *name);

/* ---- the uplink ------------------------------------------------------ */

/* Registers the gateway's public key (hex) and version; *name (at least
 * 40 bytes) gets the gateway name the server knows this role by. */
int central_hello(struct central *c, const char *pubkey_hex,
    const char *version, char *name, size_t namelen);
/* Sends a batch (a JSON array, as shukher.push() takes it) in one
 * transaction; *top gets the highest seq the server committed. */
int central_push(struct central *c, const char *batch, int64_t *top);
/* Stores a health snapshot (a JSON object). */
int central_health(struct central *c, const char *doc);
/* LISTEN for new commands. */
int central_listen(struct central *c);
/* Reads what arrived on the socket; returns the notifications consumed
 * (0 when none), or -1 when the connection is gone. */
int central_drain(struct central *c);

/* A command for this gateway, not yet acknowledged. */
struct central_command {
	int64_t id;
	char ref[16];
	char action[8];
	char actor[64];          /* the login role that queued it */
	unsigned char *body;     /* a cmdbox.h box; NULL: none (refused) */
	size_t body_len;
};
/* This gateway's commands not acknowledged, oldest first, into a new
 * *out of *n (free with central_commands_free()). Returns 0 or -1. */
int central_commands(struct central *c, struct central_command **out,
    size_t *n);
void central_commands_free(struct central_command *cmds, size_t n);
/* Marks command id done with result ("ok" or why not). */
int central_ack(struct central *c, int64_t id, const char *result);

/* ---- the central team (shukherctl fleet, reports list --central) ------ */

struct central_gateway {
	const char *name;
	int64_t last_seen;       /* Unix seconds; 0: never */
	int connected;           /* -1: no health yet */
	const char *operator_name;   /* NULL: unknown */
	int signal_dbm;          /* 0: unknown */
	int sim_used;            /* -1: unknown */
	int outbox_queued;       /* -1: unknown */
	int reports_open;        /* -1: unknown */
	const char *version;     /* NULL: unknown */
	int silent;              /* no contact for silent_after seconds */
};
typedef int (*central_gateway_cb)(void *arg,
    const struct central_gateway *g);
/* Calls cb for every gateway, by name. Returns 0 or -1. */
int central_fleet(struct central *c, int silent_after, central_gateway_cb cb,
    void *arg);

struct central_report {
	const char *gateway;
	const char *ref;
	const char *status;
	int urgent;
	int64_t created_at, closed_at, claimed_at;
	const char *claimed_by;  /* NULL: unclaimed */
	const unsigned char *sealed;
	size_t sealed_len;
	const char *key_id;
	int64_t seq;             /* the gateway's sequence number of it: with
	                            the gateway, the report's key */
};
typedef int (*central_report_cb)(void *arg, const struct central_report *r);
/* Calls cb for every report of every gateway (status NULL: any), newest
 * first. Returns 0 or -1. */
int central_reports(struct central *c, const char *status,
    central_report_cb cb, void *arg);
/* The newest report ref of gateway (cb once), or none. Returns the
 * number of calls (0 or 1), or -1. */
int central_report_find(struct central *c, const char *gateway,
    const char *ref, central_report_cb cb, void *arg);
/* The public key (hex) gateway registered into hex (at least 65 bytes).
 * Returns 1, 0 when it has none yet, or -1. */
int central_gateway_key(struct central *c, const char *gateway, char *hex,
    size_t hexlen);
/* Queues a command for gateway; *id gets its id. Its author is the
 * connection's login role: the server writes it (central schema 2). */
int central_command_add(struct central *c, const char *gateway,
    const char *ref, const char *action, const unsigned char *body,
    size_t body_len, int64_t *id);

/* ---- the central console (shukher-web, web.source = "central") ----- */

/* Which reports central_report_list() gives. */
struct central_query_filter {
	const char *status;      /* NULL: any; "open", "closed" */
	const char *gateway;     /* NULL: every gateway */
	int urgent;              /* -1 any, 0 not urgent, 1 urgent only */
	int64_t since;           /* 0: any; else filed at or after */
	int limit;               /* 0: no limit */
};
/* The reports of f, newest first. Returns 0 or -1. */
int central_report_list(struct central *c,
    const struct central_query_filter *f, central_report_cb cb, void *arg);
/* How many reports of f (its status and limit aside) are open, closed,
 * open and unclaimed, open and urgent: one query. Returns 0 or -1. */
struct central_counts {
	int open, closed, unclaimed, urgent;
};
int central_report_counts(struct central *c,
    const struct central_query_filter *f, struct central_counts *out);
/* Report seq of gateway (cb once), or none: returns 1, 0 or -1. */
int central_report_get(struct central *c, const char *gateway, int64_t seq,
    central_report_cb cb, void *arg);

/* A timeline entry of a report, as the gateway sent it (body sealed when
 * key_id is set). Strings and body borrowed for the callback. */
struct central_entry {
	int64_t at;
	const char *kind;
	const char *actor;       /* NULL: none */
	const unsigned char *body;   /* NULL: none */
	size_t body_len;
	const char *key_id;      /* NULL: clear */
};
typedef int (*central_entry_cb)(void *arg, const struct central_entry *e);
/* The timeline of report report_seq of gateway, oldest first. A non-zero
 * from cb stops early. Returns 0 or -1. */
int central_entries(struct central *c, const char *gateway,
    int64_t report_seq, central_entry_cb cb, void *arg);

/* Counts per day ("YYYY-MM-DD") and keyword from since_day to until_day
 * (NULL: open), of gateway (NULL: summed over every gateway). */
typedef int (*central_stat_cb)(void *arg, const char *day,
    const char *keyword, int count);
int central_stats(struct central *c, const char *since_day,
    const char *until_day, const char *gateway, central_stat_cb cb,
    void *arg);
/* Every gateway's count of messages from since_day to until_day (NULL:
 * open), by name, 0 for one without any: one query. Returns 0 or -1. */
typedef int (*central_total_cb)(void *arg, const char *gateway,
    int64_t total);
int central_gateway_totals(struct central *c, const char *since_day,
    const char *until_day, central_total_cb cb, void *arg);

/* Whether action ("claim", "note", "reply", "close") with text (NULL:
 * none) may be asked of a report in status, claimed or not, as the
 * gateway's casework will judge it when it applies the command (and
 * judges again then): a reply's text within max_segments SMS. Returns
 * CW_OK or why not (casework.h's enum cw_err). */
int central_command_check(const char *status, int claimed,
    const char *action, const char *text, int max_segments);

struct seal_sec;
/* A reply's body, "number\ntext": the number opened from a report's
 * sealed blob with sec. NULL when it does not open (or no memory). Free
 * with sodium_free(); it is locked memory. */
char *central_reply_body(const struct seal_sec *sec,
    const unsigned char *sealed, size_t sealed_len, const char *text);
/* Queues action for gateway's report ref with its content plain (NULL:
 * none; a note's text, a close's outcome, a reply's "number\ntext"),
 * boxed from the caseworkers' key pair from to the key the gateway
 * registered (cmdbox_make(): the reference, the action and the content
 * inside): how every caseworker's command is made (shukherctl central
 * command, the central console). The gateway applies a command only
 * when that key made its box for that report and action, and each box
 * once, so that whoever can write the commands table (the central
 * server, its administrator) can neither make one nor move or replay
 * one. The author is the connection's login role, as the server records
 * it; the console's own audit names its account. Returns 0 (*id set) or
 * -1 (no key from, no key registered yet: central_errmsg() says so). */
int central_command_sealed(struct central *c, const char *gateway,
    const char *ref, const char *action, const char *plain,
    const struct seal_sec *from, int64_t *id);

#endif
