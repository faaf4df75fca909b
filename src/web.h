/*
 * web: the caseworkers' console, served by shukher-web (its own process,
 * so that nothing it does can stall the modem loop).
 *
 * The parts: web_html.c (a growing buffer whose every dynamic string goes
 * through an escaping call, forms, cookies), web_i18n.c (interface text
 * in Mongolian and English), web_chart.c (the statistics chart as SVG),
 * web_pages.c (what every page shares, and the dispatch) with the pages
 * by group: web_signin.c, web_queue.c, web_report.c, web_status.c (over
 * casework.h: the same code paths as shukherctl); web_css.c (the
 * stylesheet); web.c (libmicrohttpd, limits, headers) with web_session.c
 * (sessions, client addresses), whose shared state is web_int.h. What
 * the pages read of reports, statistics and gateways comes through
 * web_data.h: the gateway's database, or the central PostgreSQL for the
 * central team's console (with web_fleet.c, its fleet page).
 *
 * One thread serves every request (libmicrohttpd's internal polling
 * thread), so that sessions and the store connection need no locks.
 */
#ifndef SHUKHER_WEB_H
#define SHUKHER_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "seal.h"
#include "store.h"

/* ---- web_html.c --------------------------------------------------------- */

struct web_buf {
	char *p;                 /* NUL terminated while !oom */
	size_t len, cap;
	int oom;                 /* a growth failed: the page is lost */
};

void wb_raw(struct web_buf *b, const char *s);
void wb_rawn(struct web_buf *b, const char *s, size_t n);
void wb_printf(struct web_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* s escaped for HTML text and quoted attribute values (& < > " '). NULL
 * writes nothing. Bytes that are not valid UTF-8 become U+FFFD, and control
 * characters other than newline and tab are dropped. */
void wb_text(struct web_buf *b, const char *s);
void wb_free(struct web_buf *b);

#define WEB_FORM_MAX 16
struct web_form {
	char *name[WEB_FORM_MAX];
	char *value[WEB_FORM_MAX];
	int n;
};

/*
 * Parses an application/x-www-form-urlencoded body (or a query string) of
 * len bytes. Returns 0, or -1 when it is malformed (a bad escape, a NUL,
 * too many fields) or memory ran out; f is usable (and to be freed) either
 * way.
 */
int web_form_parse(struct web_form *f, const char *body, size_t len);
/* The first value of name, or NULL. */
const char *web_form_get(const struct web_form *f, const char *name);
void web_form_free(struct web_form *f);

/* The value of cookie name in a Cookie header into out (at most outlen
 * - 1 bytes). Returns 1 when found, 0 otherwise. */
int web_cookie(const char *header, const char *name, char *out,
    size_t outlen);

/* "YYYY-MM-DD HH:MM ZONE" local time of t into out (the zone named:
 * "UTC", "UTC+08"); "-" for 0. WEB_TIME_LEN holds any. */
#define WEB_TIME_LEN 48
const char *web_time(int64_t t, char *out, size_t outlen);
/* The local zone at t as web_time() names it. */
const char *web_zone(int64_t t, char *out, size_t outlen);
/* Today, "YYYY-MM-DD" local, into out (11 bytes or more). */
const char *web_today(char *out, size_t outlen);

struct sockaddr;

/*
 * Whether a Host header names this console. A page of another site whose
 * name has been pointed at this console's address (DNS rebinding) sends
 * its own name: refused. Accepted: one of names (web.name), the address
 * the connection came in on (local), and "localhost" when that address is
 * loopback; case does not matter, a port is not compared. A missing Host
 * (HTTP/1.0, no browser) is accepted; an empty or malformed one is not.
 */
int web_host_ok(const char *host, char *const *names, size_t nnames,
    const struct sockaddr *local);

/* ---- web_i18n.c --------------------------------------------------------- */

enum web_lang { WEB_MN = 0, WEB_EN = 1 };

enum web_str {
	W_TITLE, W_SIGNIN, W_SIGNOUT, W_NAME, W_PASSWORD, W_BAD_SIGNIN,
	W_TOO_MANY, W_EXPIRED, W_QUEUE, W_REPORT, W_STATUS, W_STATS,
	W_UNLOCK, W_LOCK, W_PASSPHRASE, W_BAD_PASSPHRASE, W_NO_VAULT,
	W_LOCKED_NOTE, W_UNLOCKED_NOTE, W_REF, W_FILED, W_URGENT, W_STATE,
	W_CLAIMED_BY, W_TEXT, W_NUMBER, W_OPEN, W_CLOSED, W_ANY, W_SINCE,
	W_FILTER, W_URGENT_ONLY, W_NO_REPORTS, W_TIMELINE, W_CLAIM, W_NOTE,
	W_REPLY, W_CLOSE, W_OUTCOME, W_SEND_REPLY, W_ADD_NOTE, W_CLOSE_REPORT,
	W_SEALED, W_DONE_CLAIM, W_DONE_NOTE, W_DONE_REPLY, W_DONE_CLOSE,
	W_MODEM, W_CONNECTED, W_DISCONNECTED, W_OPERATOR, W_SIGNAL,
	W_SIM_STORAGE, W_CREDIT, W_HEALTH, W_LAST_ERROR, W_QUEUES, W_INBOX_NEW, W_OUTBOX_QUEUED,
	W_OUTBOX_FAILED, W_REPORTS_OPEN, W_OUTBOX, W_KIND, W_ATTEMPTS,
	W_DELIVERY, W_NOTHING, W_PER_DAY, W_KEYWORD, W_TOTAL, W_DAY,
	W_NOT_FOUND, W_FORBIDDEN, W_CSRF, W_TOO_LARGE, W_RATE, W_ERROR,
	W_BACK, W_NEVER, W_UNKNOWN, W_LANGUAGE, W_UNCLAIMED, W_SIGNED_IN_AS,
	W_NEED_KEY, W_SESSION_ENDS, W_MESSAGES, W_NO_STATS, W_AUDIT,
	W_REPLY_TOO_LONG, W_CHARS, W_AT_MOST, W_LATIN, W_CYRILLIC,
	W_WRONG_HOST,
	/* the header on a phone */
	W_NAV_QUEUE, W_NAV_AUDIT,
	/* days */
	W_DAY_HINT, W_BAD_DAY,
	/* the queue's counts */
	W_COUNTS, W_URGENT_LC, W_QUEUED_AT,
	/* a report: conversation, timeline sentences, closing */
	W_CONVERSATION, W_REPORTER, W_GATEWAY_AUTO, W_ACK_BODY, W_NO_TURNS,
	W_E_FILED, W_E_MESSAGE, W_E_ACK, W_E_ALERT, W_E_ESCALATE, W_E_CLAIM,
	W_E_NOTE, W_E_REPLY, W_E_CLOSE,
	W_CLOSE_HINT, W_CLOSE_ASK, W_CLOSE_WARN, W_CLOSE_YES, W_CANCEL,
	W_NO_OUTCOME,
	/* statistics */
	W_Y_AXIS, W_SO_FAR, W_TODAY_SO_FAR, W_OTHER, W_DAYS_IN,
	W_G_DEFAULT, W_G_STOP, W_G_START, W_G_IGNORED, W_G_OPTED_OUT,
	W_G_MALFORMED, W_G_FOLLOWUP, W_G_CASEWORKER, W_G_REPORT, W_G_LANGUAGE,
	W_L_MN, W_L_EN, W_L_MN_LATN,
	/* safe by default */
	W_UNSEALED,
	/* the campaign (web_campaign.c) */
	W_NAV_SURVEYS,
	/* several modems: the gateway page's table */
	W_MODEMS, W_SENT_TODAY,
	/* the central console (web.source = "central") */
	W_GATEWAY, W_FLEET, W_LAST_CONTACT, W_VERSION, W_SIM_USED,
	W_SILENT_WARN, W_ALL_GATEWAYS, W_QUEUED_FOR, W_NO_GATEWAYS, W_SILENT,
	W_COUNT
};

/* The text of s in lang (UTF-8, plain: escape it like any string). */
const char *web_t(enum web_lang lang, enum web_str s);

/*
 * A timeline entry as a sentence in lang, escaped into b: who did what,
 * and by what ("Alert sent by SMS to <b>oyuna</b>."). actor is the
 * caseworker the entry names (NULL: unknown). Every kind the gateway
 * writes has its sentence in both languages; an unknown kind is written
 * as it is, with the actor.
 */
void web_entry_sentence(struct web_buf *b, enum web_lang lang,
    const char *kind, const char *actor);

/*
 * The name a caseworker reads for a statistics label (a keyword group's
 * name, or one of the router's: "default", "stop", ...), in lang, into
 * out. The router's labels have names of their own; a group that files
 * reports or switches language is named for that; any other group by its
 * first keyword in Cyrillic in Mongolian (capitalised as a word), and by
 * its name capitalised in English, since the config has no display name
 * per group. conf may be NULL.
 */
void web_group_name(const struct conf *conf, enum web_lang lang,
    const char *label, char *out, size_t outlen);
/* A casework error (enum cw_err) worded for the caseworker. */
const char *web_cw_error(enum web_lang lang, int err);

/* ---- web_chart.c -------------------------------------------------------- */

/* Counts per keyword per day, filled from store_list_stats(). */
struct web_series {
	char **days;             /* "YYYY-MM-DD", ascending, every day from
	                            the first to the last, no gaps */
	size_t ndays;
	char **keywords;         /* by total, largest first */
	size_t nkeywords;
	int *count;              /* [keyword * ndays + day] */
	char **labels;           /* the keywords' names for people
	                            (web_series_label()); NULL: keywords */
	int partial_last;        /* 1: the last day is today, counted so far */
};

/*
 * Reads the statistics from since_day to until_day ("YYYY-MM-DD"; NULL:
 * the first, the last day counted) into s; when anything was counted, the
 * days run over the whole period, quiet days as zeros. Returns 0, or -1
 * (store error or out of memory). Free with web_series_free() either way.
 */
int web_series_load(struct store *store, const char *since_day,
    const char *until_day, struct web_series *s);
/* web_series_load() from fn(src, ...) instead of a store, which keeps
 * store_list_stats()'s contract (counts of a day and keyword given more
 * than once are summed: several gateways'). */
typedef int (*web_stats_fn)(void *src, const char *since_day,
    const char *until_day, store_stat_cb cb, void *arg);
int web_series_load_with(web_stats_fn fn, void *src, const char *since_day,
    const char *until_day, struct web_series *s);
void web_series_free(struct web_series *s);
/* Names every keyword of s for people in lang (web_group_name()).
 * Returns 0, or -1 when out of memory (the keywords are shown then). */
int web_series_label(struct web_series *s, const struct conf *conf,
    enum web_lang lang);
/* The chart: messages per keyword per day, lines over days, a legend.
 * The y axis is named; days are labelled in ISO form at a regular step
 * that ends on the last day; a partial last day (today) is marked: its
 * segment dashed, its point hollow, "so far" under its label. Inline SVG
 * with presentation attributes only (no style attributes, no script), so
 * that the strict Content-Security-Policy allows it. */
void web_chart_svg(struct web_buf *b, const struct web_series *s,
    enum web_lang lang);

/* ---- web_conn.c --------------------------------------------------------- */

#define WEB_CONNS 64             /* connections at once (libmicrohttpd's) */
#define WEB_CONNS_PER_ADDR 16    /* of them from one address */
#define WEB_CONNS_SPARE 16       /* kept free: past WEB_CONNS - SPARE, a new
                                    connection ends one of the busiest
                                    address's */

/* The connections and their deadlines (web_conn.c says how). */
struct web_conns;

/* A table for requests of at most deadline seconds each. NULL: no
 * memory. */
struct web_conns *web_conns_new(int deadline);
void web_conns_free(struct web_conns *t);
/* A connection on socket fd from peer started (started 1; *ctx set to
 * its slot) or ended (0; *ctx cleared): libmicrohttpd's connection
 * notice, with its socket context. */
void web_conns_notify(struct web_conns *t, int fd, const struct sockaddr *peer,
    void **ctx, int started);
/* The answer to a request on the connection of ctx is sent: the next
 * request's deadline starts now. */
void web_conns_answered(struct web_conns *t, void *ctx);
/* Ends every connection whose request has run past the deadline; says so
 * in the log once a minute at most. Called once a second. */
void web_conns_sweep(struct web_conns *t);
/* Logs a line of libmicrohttpd's; one repeated is logged once a minute
 * with its count. */
void web_conns_log(const char *line);

/* ---- web.c, web_session.c and the pages ---------------------------------- */

struct web_app;
struct web_session;
struct web_data;

/* A request as the pages see it. */
struct web_req {
	struct web_app *app;
	struct web_session *sess;  /* NULL: not signed in */
	enum web_lang lang;
	const char *method;      /* "GET", "POST" */
	const char *path;        /* without the query */
	const char *addr;        /* client address, printable */
	const char *cookie;      /* the Cookie header, or NULL */
	struct web_form query;
	struct web_form form;    /* POST body */
};

/* What a page answers. */
struct web_resp {
	int status;
	struct web_buf body;
	const char *type;        /* NULL: text/html; charset=utf-8 */
	char location[256];      /* a redirect's target ("" for none) */
	char cookie[2][320];     /* Set-Cookie lines ("" for none) */
	int refresh;             /* seconds: the page reloads itself; 0 off */
};

/* The session's parts the pages use (web.c owns sessions). */
const char *web_sess_user(const struct web_session *s);
const char *web_sess_csrf(const struct web_session *s);
const struct seal_sec *web_sess_key(const struct web_session *s);
/* Keeps key (copied into locked memory) for the session; NULL forgets. */
int web_sess_set_key(struct web_session *s, const struct seal_sec *key);
int64_t web_sess_expires(const struct web_app *app,
    const struct web_session *s);
int web_sess_unlock_failures(struct web_session *s, int add);
struct store *web_store(struct web_app *app);
/* Where the reports, statistics and fleet come from (web_data.h). */
struct web_data *web_data(struct web_app *app);
const struct conf *web_conf(struct web_app *app);

/* Signs in: a new session for user, its cookie set on resp. Returns 0 or
 * -1 (too many sessions or out of memory). */
int web_session_start(struct web_req *req, struct web_resp *resp,
    const char *user);
/* Ends the request's session (key wiped), the cookie cleared on resp. */
void web_session_end(struct web_req *req, struct web_resp *resp);
/* Counts a wrong sign-in from the request's address; returns 1 when the
 * address is now over its limit (or already was, with add 0). */
int web_addr_failed(struct web_req *req, int add);
/*
 * Audits a refused sign-in as name (as typed) for action
 * ("signin-failed", "signin-locked", "signin-refused"): the first
 * WEB_FAIL_ROWS in a window of WEB_FAIL_WINDOW seconds get a row (and a
 * log line) each; the rest are counted, and the count goes in one row
 * when the window ends or the console stops, so that a flood of wrong
 * sign-ins cannot fill the disk.
 */
#define WEB_FAIL_ROWS 10
#define WEB_FAIL_WINDOW 600
void web_signin_refused(struct web_req *req, const char *name,
    const char *action);

/* Prepares the pages (a dummy password hash). Returns 0 or -1. */
int web_pages_init(void);
/* Dispatches a request to its page. */
void web_route(struct web_req *req, struct web_resp *resp);

/* A page with a message and status: errors and refusals. */
void web_page_message(struct web_req *req, struct web_resp *resp, int status,
    enum web_str title, const char *text);

/* ---- web_pages.c: what the pages share ----------------------------------- */

struct casework;

/* The text of s in the request's language: on nearly every line of the
 * pages, hence the one short name. */
static inline const char *
T(const struct web_req *req, enum web_str s)
{
	return web_t(req->lang, s);
}

/* The request's caseworker acting through the console, on cw. */
void web_cw(struct web_req *req, struct casework *cw);
/* The page up to its heading: title in the tab, heading (NULL: the page
 * writes its own) as the h1. */
void web_head(struct web_req *req, struct web_resp *resp, const char *title,
    const char *heading);
void web_foot(struct web_resp *resp);
/* A table of class cls and its head: first (a literal, or NULL), then the
 * titles of cols; the body is left open. */
void web_thead(struct web_req *req, struct web_buf *b, const char *cls,
    const char *first, const enum web_str *cols, size_t n);
/* A POST form to action (a path of ours: constant text and numbers), with
 * the session's CSRF token. */
void web_form_open(struct web_req *req, struct web_buf *b, const char *action,
    const char *cls);
/* A notice paragraph of class cls ("note", "done", "error", "empty"). */
void web_notice(struct web_buf *b, const char *cls, const char *text);
/* A 303 to path. */
void web_redirect(struct web_resp *resp, const char *path);

/* The pages, by group (web_route() dispatches). */
void web_login(struct web_req *req, struct web_resp *resp);
void web_logout(struct web_req *req, struct web_resp *resp);
void web_unlock(struct web_req *req, struct web_resp *resp);
void web_lock(struct web_req *req, struct web_resp *resp);
void web_queue(struct web_req *req, struct web_resp *resp);
/* The report path's id ("/report/12..."), or 0. *rest gets what follows. */
int64_t web_report_id(const char *path, const char **rest);
void web_report(struct web_req *req, struct web_resp *resp, int64_t id);
/* An action (rest: "/claim", "/note", "/reply", "/close") on report id. */
void web_report_post(struct web_req *req, struct web_resp *resp, int64_t id,
    const char *rest);
void web_status(struct web_req *req, struct web_resp *resp);
/* Centrally: every gateway, its last contact and health, a silent one
 * marked (web_fleet.c). */
void web_fleet(struct web_req *req, struct web_resp *resp);
/* Centrally: each gateway's count of messages from since_day to
 * until_day, a table with links to its own statistics. */
void web_stats_gateways(struct web_req *req, struct web_buf *b,
    const char *since_day, const char *until_day);
void web_stats(struct web_req *req, struct web_resp *resp);
void web_audit(struct web_req *req, struct web_resp *resp);
/* The surveys, pre and post side by side, and the sources
 * (web_campaign.c). */
void web_surveys(struct web_req *req, struct web_resp *resp);

/*
 * Starts serving conf->web on its own thread, with store (accounts, the
 * vault, the audit) and data (the reports, statistics, fleet: web_data.h),
 * which only that thread then uses. Returns the server, or NULL with err
 * filled (the address taken, the certificate unreadable, ...).
 */
struct web_app *web_start(const struct conf *conf, struct store *store,
    struct web_data *data, char *err, size_t errlen);
/* The port listened on (the one the system picked for port 0). */
unsigned web_port(const struct web_app *app);
/* Once a second, from the thread that started the server: ends the
 * connections past their request's deadline (web_conns_sweep()). */
void web_tick(struct web_app *app);
int web_tls(const struct web_app *app);
/* Stops serving; every session ends and its key is wiped. */
void web_stop(struct web_app *app);

/* The stylesheet, served as /static/style.css. */
extern const char web_css[];

#endif
