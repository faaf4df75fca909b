/*
 * web_pages: the console's pages and actions.
 *
 * Every action on a report goes through casework.h, the code shukherctl's
 * verbs use, with the session's caseworker as the actor and "web" as the
 * way in; casework writes the timeline entry and the audit row in the
 * action's transaction. A sealed report's text and number are shown only
 * while the session holds the unlocked key; without it the pages show the
 * queue's metadata (reference, time, urgency, status) and nothing else.
 *
 * After a successful POST the answer is a redirect (303) to the page that
 * shows the result, so that reloading never repeats an action.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "casework.h"
#include "log.h"
#include "web.h"

#define WEB_QUEUE_MAX 200        /* reports on the queue page */
#define WEB_OUTBOX_MAX 50
#define WEB_AUDIT_MAX 200
#define WEB_UNLOCK_TRIES 5       /* wrong passphrases before sign-out */
#define WEB_REPLY_MAX 600        /* characters of a reply (the form's limit,
                                    enforced here too) */

/* A reply the console refused, shown again in its form with why. */
struct web_draft {
	const char *text;        /* what the caseworker wrote */
	char why[320];           /* the refusal, worded for them */
};

/* A crypto_pwhash_str of a random password: verified against when the
 * name is unknown, so that a wrong name takes as long as a wrong password. */
static char web_dummy_hash[crypto_pwhash_STRBYTES];

static void
web_cw(struct web_req *req, struct casework *cw)
{
	memset(cw, 0, sizeof(*cw));
	cw->store = web_store(req->app);
	cw->sec = req->sess != NULL ? web_sess_key(req->sess) : NULL;
	cw->actor = req->sess != NULL ? web_sess_user(req->sess) : NULL;
	cw->via = "web";
	cw->addr = req->addr;
	cw->max_segments = web_conf(req->app)->limits.max_segments;
}

static const char *
T(const struct web_req *req, enum web_str s)
{
	return web_t(req->lang, s);
}

/* ---- layout ------------------------------------------------------------- */

/* The page up to its heading: title in the tab, heading (NULL: the page
 * writes its own) as the h1. */
static void
web_head(struct web_req *req, struct web_resp *resp, const char *title,
    const char *heading)
{
	struct web_buf *b = &resp->body;

	wb_printf(b, "<!doctype html><html lang=\"%s\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\"><title>",
	    req->lang == WEB_EN ? "en" : "mn");
	wb_text(b, title);
	wb_raw(b, " · Shukher</title><link rel=\"stylesheet\" "
	    "href=\"/static/style.css\"></head><body><header><nav>");
	if (req->sess != NULL) {
		wb_raw(b, "<a href=\"/queue\">");
		wb_text(b, T(req, W_QUEUE));
		wb_raw(b, "</a><a href=\"/status\">");
		wb_text(b, T(req, W_STATUS));
		wb_raw(b, "</a><a href=\"/stats\">");
		wb_text(b, T(req, W_STATS));
		wb_raw(b, "</a><a href=\"/audit\">");
		wb_text(b, T(req, W_AUDIT));
		wb_raw(b, "</a>");
		if (web_sess_key(req->sess) == NULL) {
			wb_raw(b, "<a class=\"key\" href=\"/unlock\">");
			wb_text(b, T(req, W_UNLOCK));
			wb_raw(b, "</a>");
		}
	}
	wb_printf(b, "<a class=\"lang\" href=\"/lang/%s\">",
	    req->lang == WEB_EN ? "mn" : "en");
	wb_text(b, T(req, W_LANGUAGE));
	wb_raw(b, "</a>");
	if (req->sess != NULL) {
		wb_raw(b, "<span class=\"who\">");
		wb_text(b, T(req, W_SIGNED_IN_AS));
		wb_raw(b, " <b>");
		wb_text(b, web_sess_user(req->sess));
		wb_raw(b, "</b></span>");
		if (web_sess_key(req->sess) != NULL) {
			wb_printf(b, "<form method=\"post\" action=\"/lock\" "
			    "class=\"inline\"><input type=\"hidden\" "
			    "name=\"csrf\" value=\"%s\"><button>",
			    web_sess_csrf(req->sess));
			wb_text(b, T(req, W_LOCK));
			wb_raw(b, "</button></form>");
		}
		wb_printf(b, "<form method=\"post\" action=\"/logout\" "
		    "class=\"inline\"><input type=\"hidden\" name=\"csrf\" "
		    "value=\"%s\"><button id=\"signout\">",
		    web_sess_csrf(req->sess));
		wb_text(b, T(req, W_SIGNOUT));
		wb_raw(b, "</button></form>");
	}
	wb_raw(b, "</nav></header><main>");
	if (heading != NULL) {
		wb_raw(b, "<h1>");
		wb_text(b, heading);
		wb_raw(b, "</h1>");
	}
}

static void
web_foot(struct web_resp *resp)
{
	wb_raw(&resp->body, "</main></body></html>");
}

/* A table of class cls and its head: first (a literal, or NULL), then the
 * titles of cols; the body is left open. */
static void
web_thead(struct web_req *req, struct web_buf *b, const char *cls,
    const char *first, const enum web_str *cols, size_t n)
{
	size_t i;

	wb_printf(b, "<table class=\"%s\"><thead><tr>", cls);
	if (first != NULL) {
		wb_raw(b, "<th>");
		wb_text(b, first);
		wb_raw(b, "</th>");
	}
	for (i = 0; i < n; i++) {
		wb_raw(b, "<th>");
		wb_text(b, T(req, cols[i]));
		wb_raw(b, "</th>");
	}
	wb_raw(b, "</tr></thead><tbody>");
}

/* A POST form to action (a path of ours: constant text and numbers). */
static void
web_form_open(struct web_req *req, struct web_buf *b, const char *action,
    const char *cls)
{
	wb_printf(b, "<form method=\"post\" action=\"%s\" class=\"%s\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", action, cls,
	    web_sess_csrf(req->sess));
}

static void
web_notice(struct web_buf *b, const char *cls, const char *text)
{
	wb_printf(b, "<p class=\"%s\" role=\"status\">", cls);
	wb_text(b, text);
	wb_raw(b, "</p>");
}

void
web_page_message(struct web_req *req, struct web_resp *resp, int status,
    enum web_str title, const char *text)
{
	wb_free(&resp->body);
	resp->status = status;
	web_head(req, resp, T(req, title), T(req, title));
	web_notice(&resp->body, "error", text);
	wb_raw(&resp->body, "<p><a href=\"");
	wb_raw(&resp->body, req->sess != NULL ? "/queue" : "/login");
	wb_raw(&resp->body, "\">");
	wb_text(&resp->body, T(req, W_BACK));
	wb_raw(&resp->body, "</a></p>");
	web_foot(resp);
}

static void
web_redirect(struct web_resp *resp, const char *path)
{
	snprintf(resp->location, sizeof(resp->location), "%s", path);
	resp->status = 303;
}

/* ---- sign-in ------------------------------------------------------------ */

static void
web_login_page(struct web_req *req, struct web_resp *resp, int status,
    const char *notice)
{
	struct web_buf *b = &resp->body;
	unsigned char raw[32];
	char token[65];

	/* The form's token, also in a cookie only this path sees: a sign-in
	 * must come from a form this console served (login CSRF). A token
	 * the browser already holds is kept, so that two tabs, or a request
	 * the browser makes on its own, do not void each other's forms. */
	if (!web_cookie(req->cookie, "pre", token, sizeof(token)) ||
	    strlen(token) != 64 || strspn(token, "0123456789abcdef") != 64) {
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2hex(token, sizeof(token), raw, sizeof(raw));
	}
	snprintf(resp->cookie[1], sizeof(resp->cookie[1]), "pre=%s; "
	    "Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600%s", token,
	    web_tls(req->app) ? "; Secure" : "");
	resp->status = status;
	web_head(req, resp, T(req, W_SIGNIN), T(req, W_TITLE));
	if (notice != NULL)
		web_notice(b, "error", notice);
	wb_printf(b, "<form method=\"post\" action=\"/login\" class=\"card\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", token);
	wb_raw(b, "<label>");
	wb_text(b, T(req, W_NAME));
	wb_raw(b, "<input name=\"name\" id=\"name\" autocomplete=\"username\" "
	    "required maxlength=\"63\"></label><label>");
	wb_text(b, T(req, W_PASSWORD));
	wb_raw(b, "<input name=\"password\" id=\"password\" type=\"password\" "
	    "autocomplete=\"current-password\" required></label>"
	    "<button id=\"signin\">");
	wb_text(b, T(req, W_SIGNIN));
	wb_raw(b, "</button></form>");
	web_foot(resp);
}

/*
 * Counts a wrong password against account u, not locked now, and locks it
 * at the signin_attempts-th. A lock that has run out starts the count
 * again, so that one more wrong password after it does not lock the
 * account at once.
 */
static void
web_login_count(struct store *store, const struct conf_web *w,
    const struct store_user *u, int64_t now)
{
	int failures = (u->locked_until != 0 ? 0 : u->failures) + 1;

	if (store_user_attempt(store, u->name, failures,
	    failures >= w->signin_attempts ? now + w->signin_lockout : 0,
	    now) < 0)
		log_error("web: %s", store_errmsg(store));
	else if (failures >= w->signin_attempts)
		log_info("web: %s locked for %d s after %d wrong passwords",
		    u->name, w->signin_lockout, failures);
}

static void
web_login(struct web_req *req, struct web_resp *resp)
{
	const struct conf_web *w = &web_conf(req->app)->web;
	struct store *store = web_store(req->app);
	const char *name, *pw, *token;
	char pre[80];
	struct store_user u;
	struct casework cw;
	int64_t now = (int64_t)time(NULL);
	int found, ok, locked;

	if (strcmp(req->method, "POST") != 0) {
		if (req->sess != NULL) {
			web_redirect(resp, "/queue");
			return;
		}
		web_login_page(req, resp, 200, web_form_get(&req->query,
		    "expired") != NULL ? T(req, W_EXPIRED) : NULL);
		return;
	}
	token = web_form_get(&req->form, "csrf");
	if (token == NULL || !web_cookie(req->cookie, "pre", pre,
	    sizeof(pre)) || strlen(token) != strlen(pre) ||
	    sodium_memcmp(token, pre, strlen(pre)) != 0) {
		web_page_message(req, resp, 403, W_FORBIDDEN, T(req, W_CSRF));
		return;
	}
	name = web_form_get(&req->form, "name");
	pw = web_form_get(&req->form, "password");
	if (name == NULL || pw == NULL || name[0] == '\0' ||
	    strlen(name) > 63) {
		web_login_page(req, resp, 401, T(req, W_BAD_SIGNIN));
		return;
	}
	web_cw(req, &cw);
	cw.actor = name;
	if (web_addr_failed(req, 0)) {
		web_signin_refused(req, name, "signin-refused");
		web_login_page(req, resp, 429, T(req, W_TOO_MANY));
		return;
	}
	if ((found = store_user_get(store, name, &u)) < 0) {
		log_error("web: %s", store_errmsg(store));
		web_page_message(req, resp, 500, W_ERROR, T(req, W_ERROR));
		return;
	}
	/* A locked account is answered as an unknown name is, after the
	 * same hashing: the answer tells nobody which names exist. */
	locked = found && u.locked_until > now;
	ok = crypto_pwhash_str_verify(found ? u.pwhash : web_dummy_hash, pw,
	    strlen(pw)) == 0 && found && !u.disabled && !locked;
	sodium_memzero(u.pwhash, sizeof(u.pwhash));
	if (!ok) {
		web_addr_failed(req, 1);
		if (found && !locked)
			web_login_count(store, w, &u, now);
		web_signin_refused(req, name, locked ? "signin-locked" :
		    "signin-failed");
		web_login_page(req, resp, 401, T(req, W_BAD_SIGNIN));
		return;
	}
	if (store_user_attempt(store, name, 0, 0, now) < 0 ||
	    web_session_start(req, resp, name) == -1) {
		web_page_message(req, resp, 500, W_ERROR, T(req, W_ERROR));
		return;
	}
	casework_audit(&cw, "signin", 0);
	log_info("web: %s signed in from %s", name, req->addr);
	snprintf(resp->cookie[1], sizeof(resp->cookie[1]), "pre=-; "
	    "Path=/login; HttpOnly; SameSite=Strict; Max-Age=0");
	web_redirect(resp, "/queue");
}

static void
web_logout(struct web_req *req, struct web_resp *resp)
{
	struct casework cw;

	web_cw(req, &cw);
	casework_audit(&cw, "signout", 0);
	log_info("web: %s signed out", web_sess_user(req->sess));
	web_session_end(req, resp);
	web_redirect(resp, "/login");
}

/* ---- the key ------------------------------------------------------------ */

static void
web_unlock(struct web_req *req, struct web_resp *resp)
{
	struct store *store = web_store(req->app);
	struct web_buf *b = &resp->body;
	struct casework cw;
	struct seal_sec sec;
	unsigned char *blob = NULL;
	size_t len = 0;
	const char *pass;
	char err[256];
	int have, rc;

	have = store_vault_get(store, NULL, &blob, &len);
	if (have < 0) {
		web_page_message(req, resp, 500, W_ERROR, T(req, W_ERROR));
		return;
	}
	if (strcmp(req->method, "POST") == 0) {
		pass = web_form_get(&req->form, "passphrase");
		if (have == 0) {
			web_page_message(req, resp, 404, W_UNLOCK,
			    T(req, W_NO_VAULT));
			return;
		}
		rc = seal_unlock(blob, len, pass != NULL ? pass : "", &sec, err,
		    sizeof(err));
		free(blob);
		blob = NULL;
		web_cw(req, &cw);
		if (rc == 0) {
			rc = web_sess_set_key(req->sess, &sec);
			seal_sec_wipe(&sec);
			if (rc == -1) {
				web_page_message(req, resp, 500, W_ERROR,
				    T(req, W_ERROR));
				return;
			}
			casework_audit(&cw, "unlock", 0);
			log_info("web: %s unlocked the reports",
			    web_sess_user(req->sess));
			web_redirect(resp, "/queue");
			return;
		}
		casework_audit(&cw, "unlock-failed", 0);
		if (rc < 0) {
			log_error("web: the key vault: %s", err);
			web_page_message(req, resp, 500, W_ERROR, err);
			return;
		}
		if (web_sess_unlock_failures(req->sess, 1) >=
		    WEB_UNLOCK_TRIES) {
			log_info("web: %s gave %d wrong passphrases; signed "
			    "out", web_sess_user(req->sess), WEB_UNLOCK_TRIES);
			web_session_end(req, resp);
		}
		web_page_message(req, resp, 403, W_UNLOCK,
		    T(req, W_BAD_PASSPHRASE));
		return;
	}
	free(blob);
	web_head(req, resp, T(req, W_UNLOCK), T(req, W_UNLOCK));
	if (have == 0) {
		web_notice(b, "error", T(req, W_NO_VAULT));
		web_foot(resp);
		return;
	}
	web_notice(b, "note", T(req, W_LOCKED_NOTE));
	web_form_open(req, b, "/unlock", "card");
	wb_raw(b, "<label>");
	wb_text(b, T(req, W_PASSPHRASE));
	wb_raw(b, "<input name=\"passphrase\" id=\"passphrase\" "
	    "type=\"password\" autocomplete=\"off\" required></label>"
	    "<button id=\"unlock\">");
	wb_text(b, T(req, W_UNLOCK));
	wb_raw(b, "</button></form>");
	web_foot(resp);
}

static void
web_lock(struct web_req *req, struct web_resp *resp)
{
	struct casework cw;

	web_sess_set_key(req->sess, NULL);
	web_cw(req, &cw);
	casework_audit(&cw, "lock", 0);
	web_redirect(resp, "/queue");
}

/* ---- the queue ---------------------------------------------------------- */

/* A report as the queue shows it: owned copies. */
struct web_qrow {
	int64_t id;
	char ref[16];
	int64_t created_at;
	int urgent;
	int closed;
	char *claimed_by;
	char *text;              /* NULL: locked (or none) */
};

struct web_queue {
	struct web_req *req;
	struct web_qrow *rows;
	size_t n;
	int oom;
};

static int
web_queue_row(void *arg, const struct store_report *row)
{
	struct web_queue *q = arg;
	struct web_qrow *r = &q->rows[q->n];
	struct store_report c = *row;
	struct casework cw;

	if (q->n == WEB_QUEUE_MAX)
		return 1;
	memset(r, 0, sizeof(*r));
	r->id = row->id;
	snprintf(r->ref, sizeof(r->ref), "%s", row->ref);
	r->created_at = row->created_at;
	r->urgent = row->urgent;
	r->closed = row->status != NULL && strcmp(row->status, "closed") == 0;
	if (row->claimed_by != NULL &&
	    (r->claimed_by = strdup(row->claimed_by)) == NULL)
		q->oom = 1;
	/* The text, opened with the session's key when it has one: a copy,
	 * since the row is borrowed and casework_open() replaces fields. */
	web_cw(q->req, &cw);
	c.number = c.text = NULL;
	if (row->sealed == NULL) {
		if (row->text != NULL && (r->text = strdup(row->text)) == NULL)
			q->oom = 1;
	} else if (cw.sec != NULL && casework_open(&cw, &c, 0) == CW_OK) {
		r->text = c.text;
		c.text = NULL;
	}
	if (c.number != NULL)
		sodium_memzero(c.number, strlen(c.number));
	free(c.number);
	free(c.text);
	q->n++;
	return 0;
}

static int
web_qrow_cmp(const void *a, const void *b)
{
	const struct web_qrow *x = a, *y = b;

	if (x->urgent != y->urgent)
		return y->urgent - x->urgent;
	return x->created_at < y->created_at ? 1 :
	    x->created_at > y->created_at ? -1 : 0;
}

/* "YYYY-MM-DD" local midnight as a time, or 0 when s is not a day. */
static int64_t
web_day_start(const char *s)
{
	struct tm tm;
	int y, m, d;
	char c;

	if (s == NULL || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m,
	    &d, &c) != 3)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void
web_option(struct web_buf *b, const char *value, const char *cur,
    const char *label)
{
	wb_printf(b, "<option value=\"%s\"%s>", value, strcmp(value, cur) ==
	    0 ? " selected" : "");
	wb_text(b, label);
	wb_raw(b, "</option>");
}

static void
web_queue(struct web_req *req, struct web_resp *resp)
{
	static const enum web_str queue_cols[] = { W_REF, W_FILED, W_STATE,
	    W_CLAIMED_BY, W_TEXT };
	struct web_buf *b = &resp->body;
	struct store_filter f;
	struct web_queue q;
	const char *status = web_form_get(&req->query, "status");
	const char *urgent = web_form_get(&req->query, "urgent");
	const char *since = web_form_get(&req->query, "since");
	char at[32];
	size_t i;
	int rc;

	if (status == NULL || (strcmp(status, "closed") != 0 &&
	    strcmp(status, "any") != 0))
		status = "open";
	memset(&f, 0, sizeof(f));
	f.state = strcmp(status, "any") == 0 ? NULL : status;
	f.urgent = urgent != NULL && strcmp(urgent, "1") == 0 ? 1 : -1;
	f.since = web_day_start(since);
	f.limit = WEB_QUEUE_MAX;
	memset(&q, 0, sizeof(q));
	q.req = req;
	if ((q.rows = calloc(WEB_QUEUE_MAX, sizeof(*q.rows))) == NULL) {
		b->oom = 1;
		return;
	}
	rc = store_list_reports(web_store(req->app), &f, web_queue_row, &q);
	if (rc < 0 || q.oom) {
		web_page_message(req, resp, 500, W_ERROR, T(req, W_ERROR));
		goto out;
	}
	qsort(q.rows, q.n, sizeof(*q.rows), web_qrow_cmp);
	resp->refresh = 30;
	web_head(req, resp, T(req, W_QUEUE), T(req, W_QUEUE));
	web_notice(b, "note", T(req, web_sess_key(req->sess) != NULL ?
	    W_UNLOCKED_NOTE : W_LOCKED_NOTE));
	wb_raw(b, "<form method=\"get\" action=\"/queue\" class=\"filters\">"
	    "<label>");
	wb_text(b, T(req, W_STATE));
	wb_raw(b, "<select name=\"status\">");
	web_option(b, "open", status, T(req, W_OPEN));
	web_option(b, "closed", status, T(req, W_CLOSED));
	web_option(b, "any", status, T(req, W_ANY));
	wb_printf(b, "</select></label><label><input type=\"checkbox\" "
	    "name=\"urgent\" value=\"1\"%s>", f.urgent == 1 ? " checked" : "");
	wb_text(b, T(req, W_URGENT_ONLY));
	wb_raw(b, "</label><label>");
	wb_text(b, T(req, W_SINCE));
	wb_raw(b, "<input type=\"date\" name=\"since\" value=\"");
	if (f.since != 0)
		wb_text(b, since);
	wb_raw(b, "\"></label><button>");
	wb_text(b, T(req, W_FILTER));
	wb_raw(b, "</button></form>");
	if (q.n == 0) {
		web_notice(b, "empty", T(req, W_NO_REPORTS));
		web_foot(resp);
		goto out;
	}
	web_thead(req, b, "queue", NULL, queue_cols, 5);
	for (i = 0; i < q.n; i++) {
		struct web_qrow *r = &q.rows[i];

		wb_printf(b, "<tr class=\"%s\"><td><a href=\"/report/%lld\">",
		    r->urgent ? "urgent" : "", (long long)r->id);
		wb_text(b, r->ref);
		wb_raw(b, "</a>");
		if (r->urgent) {
			wb_raw(b, " <span class=\"badge\">");
			wb_text(b, T(req, W_URGENT));
			wb_raw(b, "</span>");
		}
		wb_raw(b, "</td><td>");
		wb_text(b, web_time(r->created_at, at, sizeof(at)));
		wb_raw(b, "</td><td>");
		wb_text(b, T(req, r->closed ? W_CLOSED : W_OPEN));
		wb_raw(b, "</td><td>");
		wb_text(b, r->claimed_by != NULL ? r->claimed_by :
		    T(req, W_UNCLAIMED));
		wb_raw(b, "</td><td class=\"text\">");
		if (r->text != NULL)
			wb_text(b, r->text);
		else
			wb_text(b, T(req, W_SEALED));
		wb_raw(b, "</td></tr>");
	}
	wb_raw(b, "</tbody></table>");
	web_foot(resp);
out:
	for (i = 0; i < q.n; i++) {
		free(q.rows[i].claimed_by);
		if (q.rows[i].text != NULL)
			sodium_memzero(q.rows[i].text, strlen(q.rows[i].text));
		free(q.rows[i].text);
	}
	free(q.rows);
}

/* ---- a report ----------------------------------------------------------- */

static int
web_timeline_row(void *arg, const struct casework_entry *ce)
{
	struct web_req *req = ((void **)arg)[0];
	struct web_buf *b = ((void **)arg)[1];
	char at[32];

	wb_printf(b, "<li class=\"entry %s\"><span class=\"at\">",
	    strcmp(ce->e->kind, "message") == 0 ? "in" : "out");
	wb_text(b, web_time(ce->e->at, at, sizeof(at)));
	wb_raw(b, "</span> <span class=\"kind\">");
	wb_text(b, web_kind(req->lang, ce->e->kind));
	wb_raw(b, "</span> <span class=\"actor\">");
	wb_text(b, ce->e->actor);
	wb_raw(b, "</span>");
	if (ce->unreadable) {
		wb_raw(b, "<div class=\"body sealed\">");
		wb_text(b, T(req, W_SEALED));
		wb_raw(b, "</div>");
	} else if (ce->text != NULL) {
		wb_raw(b, "<div class=\"body\">");
		wb_text(b, ce->text);
		wb_raw(b, "</div>");
	}
	wb_raw(b, "</li>");
	return 0;
}

/* The report path's id ("/report/12..."), or 0. *rest gets what follows. */
static int64_t
web_report_id(const char *path, const char **rest)
{
	char *end;
	long long id;

	if (strncmp(path, "/report/", 8) != 0 || path[8] < '1' ||
	    path[8] > '9')
		return 0;
	id = strtoll(path + 8, &end, 10);
	*rest = end;
	return id > 0 ? (int64_t)id : 0;
}

static void
web_dl(struct web_buf *b, const char *label, const char *value)
{
	wb_raw(b, "<dt>");
	wb_text(b, label);
	wb_raw(b, "</dt><dd>");
	wb_text(b, value);
	wb_raw(b, "</dd>");
}

/*
 * The reply form: a draft the console refused comes back in it with why,
 * and a line says how much fits in limits.max_segments SMS (the form's
 * maxlength is the GSM-7 room, at most WEB_REPLY_MAX; UCS-2 text, such
 * as Cyrillic, is checked by the server).
 */
static void
web_reply_form(struct web_req *req, struct web_buf *b,
    const struct store_report *r, const struct web_draft *draft)
{
	int max = web_conf(req->app)->limits.max_segments;
	size_t gsm = casework_room(max, SMS_GSM7);
	char action[64];

	snprintf(action, sizeof(action), "/report/%lld/reply",
	    (long long)r->id);
	web_form_open(req, b, action, "action");
	if (draft != NULL)
		web_notice(b, "error", draft->why);
	wb_raw(b, "<label>");
	wb_text(b, T(req, W_REPLY));
	/* The newline after the tag is dropped by HTML parsers: a draft
	 * that starts with one keeps it. */
	wb_printf(b, "<textarea name=\"text\" id=\"reply\" rows=\"3\" "
	    "maxlength=\"%zu\" required aria-describedby=\"reply-room\">\n",
	    gsm < WEB_REPLY_MAX ? gsm : (size_t)WEB_REPLY_MAX);
	if (draft != NULL)
		wb_text(b, draft->text);
	wb_raw(b, "</textarea></label><p class=\"hint\" id=\"reply-room\">");
	wb_text(b, T(req, W_AT_MOST));
	wb_printf(b, " %d SMS: ", max);
	wb_text(b, T(req, W_LATIN));
	wb_printf(b, " %zu, ", gsm < WEB_REPLY_MAX ? gsm :
	    (size_t)WEB_REPLY_MAX);
	wb_text(b, T(req, W_CYRILLIC));
	wb_printf(b, " %zu ", casework_room(max, SMS_UCS2));
	wb_text(b, T(req, W_CHARS));
	wb_raw(b, "</p><button id=\"send-reply\">");
	wb_text(b, T(req, W_SEND_REPLY));
	wb_raw(b, "</button></form>");
}

static void
web_report_actions(struct web_req *req, struct web_buf *b,
    const struct store_report *r, int readable,
    const struct web_draft *draft)
{
	char action[64];

	if (r->claimed_by == NULL) {
		snprintf(action, sizeof(action), "/report/%lld/claim",
		    (long long)r->id);
		web_form_open(req, b, action, "action");
		wb_raw(b, "<button id=\"claim\">");
		wb_text(b, T(req, W_CLAIM));
		wb_raw(b, "</button></form>");
	}
	snprintf(action, sizeof(action), "/report/%lld/note", (long long)r->id);
	web_form_open(req, b, action, "action");
	wb_raw(b, "<label>");
	wb_text(b, T(req, W_NOTE));
	wb_raw(b, "<textarea name=\"text\" id=\"note\" rows=\"2\" required>"
	    "</textarea></label><button>");
	wb_text(b, T(req, W_ADD_NOTE));
	wb_raw(b, "</button></form>");
	if (readable)
		web_reply_form(req, b, r, draft);
	snprintf(action, sizeof(action), "/report/%lld/close",
	    (long long)r->id);
	web_form_open(req, b, action, "action");
	wb_raw(b, "<label>");
	wb_text(b, T(req, W_OUTCOME));
	wb_raw(b, "<input name=\"outcome\" id=\"outcome\" maxlength=\"500\">"
	    "</label><button id=\"close\">");
	wb_text(b, T(req, W_CLOSE_REPORT));
	wb_raw(b, "</button></form>");
}

/* The report id; draft (NULL: none) is a refused reply to show again. */
static void
web_report_show(struct web_req *req, struct web_resp *resp, int64_t id,
    const struct web_draft *draft)
{
	static const struct { const char *what; enum web_str s; } done[] = {
		{ "claim", W_DONE_CLAIM }, { "note", W_DONE_NOTE },
		{ "reply", W_DONE_REPLY }, { "close", W_DONE_CLOSE },
	};
	struct web_buf *b = &resp->body;
	struct store_report r;
	struct casework cw;
	enum cw_err err;
	const char *d = web_form_get(&req->query, "done");
	char key[24], at[32], title[64];
	void *targ[2] = { req, b };
	int readable;
	size_t i;

	web_cw(req, &cw);
	snprintf(key, sizeof(key), "%lld", (long long)id);
	if ((err = casework_find(&cw, key, &r)) != CW_OK) {
		web_page_message(req, resp, err == CW_NOTFOUND ? 404 : 500,
		    err == CW_NOTFOUND ? W_NOT_FOUND : W_ERROR,
		    web_cw_error(req->lang, err));
		return;
	}
	err = casework_open(&cw, &r, 1);
	readable = err == CW_OK;
	if (err == CW_LOCKED || err == CW_WRONGKEY || err == CW_DAMAGED)
		casework_audit(&cw, "open", r.id);  /* metadata only */
	else if (err != CW_OK) {
		web_page_message(req, resp, 500, W_ERROR,
		    web_cw_error(req->lang, err));
		store_report_free(&r);
		return;
	}
	snprintf(title, sizeof(title), "%s %s", T(req, W_REPORT), r.ref);
	web_head(req, resp, title, NULL);
	wb_raw(b, "<h1>");
	wb_text(b, title);
	if (r.urgent) {
		wb_raw(b, " <span class=\"badge\">");
		wb_text(b, T(req, W_URGENT));
		wb_raw(b, "</span>");
	}
	wb_raw(b, "</h1>");
	for (i = 0; d != NULL && i < sizeof(done) / sizeof(done[0]); i++)
		if (strcmp(d, done[i].what) == 0)
			web_notice(b, "done", T(req, done[i].s));
	if (!readable)
		web_notice(b, "note", err == CW_LOCKED ?
		    T(req, W_LOCKED_NOTE) : web_cw_error(req->lang, err));
	if (draft != NULL && (!readable || strcmp(r.status, "closed") == 0))
		web_notice(b, "error", draft->why);  /* no form to show it */
	wb_raw(b, "<dl class=\"report\">");
	web_dl(b, T(req, W_STATE), T(req, strcmp(r.status, "closed") == 0 ?
	    W_CLOSED : W_OPEN));
	web_dl(b, T(req, W_FILED), web_time(r.created_at, at, sizeof(at)));
	web_dl(b, T(req, W_CLAIMED_BY), r.claimed_by != NULL ? r.claimed_by :
	    T(req, W_UNCLAIMED));
	if (r.outcome != NULL && r.outcome[0] != '\0')
		web_dl(b, T(req, W_OUTCOME), r.outcome);
	web_dl(b, T(req, W_NUMBER), readable && r.number != NULL &&
	    r.number[0] != '\0' ? r.number : T(req, W_SEALED));
	wb_raw(b, "</dl><h2>");
	wb_text(b, T(req, W_TEXT));
	wb_raw(b, "</h2><div class=\"report-text\" id=\"report-text\">");
	wb_text(b, readable ? r.text : T(req, W_SEALED));
	wb_raw(b, "</div>");
	if (strcmp(r.status, "closed") != 0)
		web_report_actions(req, b, &r, readable && r.number != NULL &&
		    r.number[0] != '\0', draft);
	wb_raw(b, "<h2>");
	wb_text(b, T(req, W_TIMELINE));
	wb_raw(b, "</h2><ol class=\"timeline\">");
	if (casework_timeline(&cw, r.id, web_timeline_row, targ) != CW_OK)
		web_notice(b, "error", T(req, W_ERROR));
	wb_raw(b, "</ol>");
	web_foot(resp);
	if (r.number != NULL)
		sodium_memzero(r.number, strlen(r.number));
	if (r.text != NULL)
		sodium_memzero(r.text, strlen(r.text));
	store_report_free(&r);
}

static void
web_report(struct web_req *req, struct web_resp *resp, int64_t id)
{
	web_report_show(req, resp, id, NULL);
}

/*
 * A reply as typed into the form, into *out (caller frees): browsers send
 * a textarea's line breaks as CR LF, which would cost two characters of
 * an SMS each; they become LF.
 */
static int
web_reply_text(const char *text, char **out)
{
	size_t i, n = 0;

	if ((*out = malloc(strlen(text) + 1)) == NULL)
		return -1;
	for (i = 0; text[i] != '\0'; i++)
		if (!(text[i] == '\r' && text[i + 1] == '\n'))
			(*out)[n++] = text[i];
	(*out)[n] = '\0';
	return 0;
}

/*
 * Whether text fits a reply: WEB_REPLY_MAX characters and
 * limits.max_segments SMS as the sender counts (casework_check_text()).
 * Returns 1, or 0 with d filled for the form.
 */
static int
web_reply_fits(struct web_req *req, const char *text, struct web_draft *d)
{
	int max = web_conf(req->app)->limits.max_segments;
	struct sms_info info;
	enum cw_err err = casework_check_text(text, max, &info);

	d->text = text;
	if (err == CW_OK && info.chars <= WEB_REPLY_MAX)
		return 1;
	if (err == CW_TOOLONG)
		snprintf(d->why, sizeof(d->why), "%s %d SMS (%s), %s %d SMS.",
		    T(req, W_REPLY_TOO_LONG), info.segments,
		    sms_encoding_name(info.encoding), T(req, W_AT_MOST), max);
	else if (err == CW_OK)
		snprintf(d->why, sizeof(d->why), "%s %zu %s, %s %d.",
		    T(req, W_REPLY_TOO_LONG), info.chars, T(req, W_CHARS),
		    T(req, W_AT_MOST), WEB_REPLY_MAX);
	else
		snprintf(d->why, sizeof(d->why), "%s",
		    web_cw_error(req->lang, err));
	return 0;
}

/*
 * Queues the reply of the form to r's reporter once it fits; a reply that
 * does not is shown again in its form with why (400), never queued.
 * Returns CW_OK with resp untouched, the refusal of casework_reply(), or
 * -1 when the page is written.
 */
static int
web_reply_post(struct web_req *req, struct web_resp *resp,
    struct casework *cw, const struct store_report *r, const char *text)
{
	struct web_draft d;
	char *t;
	int err;

	if (web_reply_text(text != NULL ? text : "", &t) == -1)
		return CW_NOMEM;
	if (!web_reply_fits(req, t, &d)) {
		log_info("web: %s: reply to report %lld refused: %s",
		    web_sess_user(req->sess), (long long)r->id,
		    casework_strerror(casework_check_text(t,
		    cw->max_segments, NULL)));
		web_report_show(req, resp, r->id, &d);
		if (resp->status == 200)
			resp->status = 400;
		err = -1;
	} else
		err = casework_reply(cw, r, t, NULL);
	sodium_memzero(t, strlen(t));
	free(t);
	return err;
}

static void
web_report_post(struct web_req *req, struct web_resp *resp, int64_t id,
    const char *what)
{
	struct store_report r;
	struct casework cw;
	enum cw_err err;
	const char *text = web_form_get(&req->form, "text");
	char key[24];
	int status, rc;

	web_cw(req, &cw);
	snprintf(key, sizeof(key), "%lld", (long long)id);
	if ((err = casework_find(&cw, key, &r)) != CW_OK) {
		web_page_message(req, resp, err == CW_NOTFOUND ? 404 : 500,
		    err == CW_NOTFOUND ? W_NOT_FOUND : W_ERROR,
		    web_cw_error(req->lang, err));
		return;
	}
	if (strcmp(what, "/claim") == 0)
		err = casework_claim(&cw, &r);
	else if (strcmp(what, "/note") == 0)
		err = casework_note(&cw, &r, text);
	else if (strcmp(what, "/reply") == 0) {
		if ((rc = web_reply_post(req, resp, &cw, &r, text)) == -1) {
			store_report_free(&r);
			return;
		}
		err = (enum cw_err)rc;
	}
	else if (strcmp(what, "/close") == 0)
		err = casework_close(&cw, &r, web_form_get(&req->form,
		    "outcome"));
	else {
		store_report_free(&r);
		web_page_message(req, resp, 404, W_NOT_FOUND, req->path);
		return;
	}
	store_report_free(&r);
	if (err == CW_OK) {
		log_info("web: %s: %s on report %lld", web_sess_user(req->sess),
		    what + 1, (long long)id);
		snprintf(resp->location, sizeof(resp->location),
		    "/report/%lld?done=%s", (long long)id, what + 1);
		resp->status = 303;
		return;
	}
	switch (err) {
	case CW_CLOSED:
	case CW_TAKEN:
		status = 409;
		break;
	case CW_LOCKED:
	case CW_WRONGKEY:
		status = 403;
		break;
	case CW_EMPTY:
	case CW_NONUMBER:
	case CW_TOOLONG:
	case CW_BADTEXT:
		status = 400;
		break;
	default:
		status = 500;
		log_error("web: %s on report %lld: %s", what + 1,
		    (long long)id, err == CW_DB ?
		    store_errmsg(web_store(req->app)) : casework_strerror(err));
	}
	web_page_message(req, resp, status, W_REPORT,
	    web_cw_error(req->lang, err));
}

/* ---- the gateway's state ------------------------------------------------ */

static const char *
web_out_kind(int kind)
{
	switch (kind) {
	case STORE_OUT_MANUAL: return "manual";
	case STORE_OUT_ALERT: return "alert";
	}
	return "reply";
}

static int
web_outbox_row(void *arg, const struct store_out *o)
{
	struct web_buf *b = arg;
	char at[32];
	size_t n = o->number != NULL ? strlen(o->number) : 0;

	wb_printf(b, "<tr><td>%lld</td><td>", (long long)o->id);
	wb_text(b, web_time(o->created_at, at, sizeof(at)));
	wb_raw(b, "</td><td>");
	/* Only the last three digits: enough to tell messages apart, not
	 * enough to know who asked for help. */
	if (n > 3) {
		wb_raw(b, "…");
		wb_text(b, o->number + n - 3);
	} else
		wb_raw(b, "-");
	wb_raw(b, "</td><td>");
	wb_text(b, web_out_kind(o->kind));
	wb_raw(b, "</td><td>");
	wb_text(b, o->state);
	wb_printf(b, "</td><td>%d</td><td>", o->attempts);
	wb_text(b, o->delivery != NULL ? o->delivery : "-");
	wb_raw(b, "</td></tr>");
	return 0;
}

static void
web_row(struct web_buf *b, const char *label, const char *value)
{
	wb_raw(b, "<tr><th>");
	wb_text(b, label);
	wb_raw(b, "</th><td>");
	wb_text(b, value);
	wb_raw(b, "</td></tr>");
}

static void
web_status(struct web_req *req, struct web_resp *resp)
{
	static const enum web_str outbox_cols[] = { W_FILED, W_NUMBER, W_KIND,
	    W_STATE, W_ATTEMPTS, W_DELIVERY };
	struct store *store = web_store(req->app);
	struct web_buf *b = &resp->body;
	struct store_modem_state m;
	struct store_counts c;
	struct store_filter f;
	char v[320], at[32];
	int have;

	if ((have = store_modem_state_get(store, &m)) < 0 ||
	    store_counts(store, &c) < 0) {
		web_page_message(req, resp, 500, W_ERROR, T(req, W_ERROR));
		return;
	}
	resp->refresh = 30;
	web_head(req, resp, T(req, W_STATUS), T(req, W_STATUS));
	wb_raw(b, "<h2>");
	wb_text(b, T(req, W_MODEM));
	wb_raw(b, "</h2><table class=\"kv\">");
	if (!have)
		web_row(b, T(req, W_MODEM), T(req, W_UNKNOWN));
	else {
		snprintf(v, sizeof(v), "%s (%s)", T(req, m.connected ?
		    W_CONNECTED : W_DISCONNECTED), web_time(m.since, at,
		    sizeof(at)));
		web_row(b, T(req, W_MODEM), v);
		web_row(b, T(req, W_OPERATOR), m.operator_name[0] != '\0' ?
		    m.operator_name : T(req, W_UNKNOWN));
		if (m.signal_dbm != 0)
			snprintf(v, sizeof(v), "%d dBm (%d%%)", m.signal_dbm,
			    m.signal_percent);
		else
			snprintf(v, sizeof(v), "%s", T(req, W_UNKNOWN));
		web_row(b, T(req, W_SIGNAL), v);
		if (m.sim_used >= 0)
			snprintf(v, sizeof(v), "%d / %d", m.sim_used,
			    m.sim_total);
		else
			snprintf(v, sizeof(v), "%s", T(req, W_UNKNOWN));
		web_row(b, T(req, W_SIM_STORAGE), v);
		if (m.last_error[0] != '\0')
			snprintf(v, sizeof(v), "%s (%s)", m.last_error,
			    web_time(m.last_error_at, at, sizeof(at)));
		else
			snprintf(v, sizeof(v), "-");
		web_row(b, T(req, W_LAST_ERROR), v);
	}
	wb_raw(b, "</table><h2>");
	wb_text(b, T(req, W_QUEUES));
	wb_raw(b, "</h2><table class=\"kv\">");
	snprintf(v, sizeof(v), "%d", c.inbox_new);
	web_row(b, T(req, W_INBOX_NEW), v);
	snprintf(v, sizeof(v), "%d", c.outbox_queued);
	web_row(b, T(req, W_OUTBOX_QUEUED), v);
	snprintf(v, sizeof(v), "%d", c.outbox_failed);
	web_row(b, T(req, W_OUTBOX_FAILED), v);
	snprintf(v, sizeof(v), "%d (%d %s)", c.reports_open,
	    c.reports_urgent_open, T(req, W_URGENT));
	web_row(b, T(req, W_REPORTS_OPEN), v);
	wb_raw(b, "</table><h2>");
	wb_text(b, T(req, W_OUTBOX));
	wb_raw(b, "</h2>");
	web_thead(req, b, "outbox", "#", outbox_cols, 6);
	memset(&f, 0, sizeof(f));
	f.urgent = -1;
	f.limit = WEB_OUTBOX_MAX;
	if (store_list_outbox(store, &f, web_outbox_row, b) < 0)
		web_notice(b, "error", T(req, W_ERROR));
	wb_raw(b, "</tbody></table>");
	web_foot(resp);
}

/* ---- statistics ------------------------------------------------------- */

static void
web_stats(struct web_req *req, struct web_resp *resp)
{
	static const enum web_str total_cols[] = { W_KEYWORD, W_TOTAL };
	struct web_buf *b = &resp->body;
	struct web_series s;
	size_t k, d;
	long total;
	char today[16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	if (web_series_load(web_store(req->app),
	    web_conf(req->app)->web.campaign_start, today, &s) == -1) {
		web_series_free(&s);
		web_page_message(req, resp, 500, W_ERROR, T(req, W_ERROR));
		return;
	}
	web_head(req, resp, T(req, W_STATS), T(req, W_STATS));
	wb_raw(b, "<h2>");
	wb_text(b, T(req, W_PER_DAY));
	wb_raw(b, "</h2>");
	if (s.ndays == 0) {
		web_notice(b, "empty", T(req, W_NO_STATS));
	} else {
		wb_raw(b, "<figure>");
		web_chart_svg(b, &s, req->lang);
		wb_raw(b, "<figcaption>");
		wb_text(b, s.days[0]);
		wb_raw(b, " – ");
		wb_text(b, s.days[s.ndays - 1]);
		wb_raw(b, "</figcaption></figure>");
		web_thead(req, b, "totals", NULL, total_cols, 2);
		for (k = 0; k < s.nkeywords; k++) {
			for (total = 0, d = 0; d < s.ndays; d++)
				total += s.count[k * s.ndays + d];
			wb_raw(b, "<tr><td>");
			wb_text(b, s.keywords[k]);
			wb_printf(b, "</td><td>%ld</td></tr>", total);
		}
		wb_raw(b, "</tbody></table>");
	}
	web_foot(resp);
	web_series_free(&s);
}

/* ---- the audit log ------------------------------------------------------ */

static int
web_audit_row(void *arg, const struct store_audit *a)
{
	struct web_buf *b = arg;
	char at[32];

	wb_raw(b, "<tr><td>");
	wb_text(b, web_time(a->at, at, sizeof(at)));
	wb_raw(b, "</td><td>");
	wb_text(b, a->actor);
	wb_raw(b, "</td><td>");
	wb_text(b, a->via);
	wb_raw(b, "</td><td>");
	wb_text(b, a->action);
	wb_raw(b, "</td><td>");
	if (a->report_id > 0)
		wb_printf(b, "<a href=\"/report/%lld\">%lld</a>",
		    (long long)a->report_id, (long long)a->report_id);
	wb_raw(b, "</td><td>");
	wb_text(b, a->addr);
	wb_raw(b, "</td></tr>");
	return 0;
}

static void
web_audit(struct web_req *req, struct web_resp *resp)
{
	struct web_buf *b = &resp->body;

	web_head(req, resp, T(req, W_AUDIT), T(req, W_AUDIT));
	wb_raw(b, "<table class=\"audit\"><tbody>");
	if (store_list_audit(web_store(req->app), 0, WEB_AUDIT_MAX,
	    web_audit_row, b) < 0)
		web_notice(b, "error", T(req, W_ERROR));
	wb_raw(b, "</tbody></table>");
	web_foot(resp);
}

/* ---- dispatch ----------------------------------------------------------- */

void
web_route(struct web_req *req, struct web_resp *resp)
{
	const char *p = req->path, *rest = "";
	int post = strcmp(req->method, "POST") == 0;
	int64_t id;

	if (strcmp(p, "/static/style.css") == 0 && !post) {
		wb_raw(&resp->body, web_css);
		resp->type = "text/css; charset=utf-8";
	} else if (strcmp(p, "/login") == 0)
		web_login(req, resp);
	else if (strcmp(p, "/lang/en") == 0 || strcmp(p, "/lang/mn") == 0) {
		snprintf(resp->cookie[0], sizeof(resp->cookie[0]), "lang=%s; "
		    "Path=/; SameSite=Strict; Max-Age=31536000", p + 6);
		web_redirect(resp, "/queue");
	} else if (strcmp(p, "/") == 0 && !post)
		web_redirect(resp, "/queue");
	else if (strcmp(p, "/queue") == 0 && !post)
		web_queue(req, resp);
	else if (strcmp(p, "/status") == 0 && !post)
		web_status(req, resp);
	else if (strcmp(p, "/stats") == 0 && !post)
		web_stats(req, resp);
	else if (strcmp(p, "/audit") == 0 && !post)
		web_audit(req, resp);
	else if (strcmp(p, "/unlock") == 0)
		web_unlock(req, resp);
	else if (strcmp(p, "/lock") == 0 && post)
		web_lock(req, resp);
	else if (strcmp(p, "/logout") == 0 && post)
		web_logout(req, resp);
	else if ((id = web_report_id(p, &rest)) > 0 && !post &&
	    rest[0] == '\0')
		web_report(req, resp, id);
	else if (id > 0 && post)
		web_report_post(req, resp, id, rest);
	else
		web_page_message(req, resp, 404, W_NOT_FOUND,
		    T(req, W_NOT_FOUND));
}

/* Makes the dummy hash; called once before serving. */
int
web_pages_init(void)
{
	unsigned char pw[16];

	randombytes_buf(pw, sizeof(pw));
	return crypto_pwhash_str(web_dummy_hash, (const char *)pw,
	    sizeof(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

const char web_css[] =
    ":root{--fg:#1d1d1f;--muted:#5f6368;--line:#d9dce1;--bg:#f7f7f8;"
    "--accent:#0b5cad;--urgent:#b3261e}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',"
    "Roboto,'Noto Sans',sans-serif;color:var(--fg);background:var(--bg)}\n"
    "header{background:#fff;border-bottom:1px solid var(--line)}\n"
    "nav{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;"
    "padding:.6rem 1rem;max-width:72rem;margin:auto}\n"
    "nav a{color:var(--accent);text-decoration:none;font-weight:600}\n"
    "nav .who{margin-left:auto;color:var(--muted);font-size:.9rem}\n"
    "main{max-width:72rem;margin:auto;padding:1rem}\n"
    "h1{font-size:1.4rem;margin:.4rem 0 1rem}h2{font-size:1.1rem;"
    "margin:1.4rem 0 .5rem}\n"
    "form.inline{display:inline}\n"
    "button{font:inherit;padding:.45rem .9rem;border:1px solid "
    "var(--accent);background:var(--accent);color:#fff;border-radius:6px;"
    "cursor:pointer}\n"
    "nav button{background:#fff;color:var(--accent);padding:.25rem .6rem}\n"
    "input,select,textarea{font:inherit;padding:.4rem;border:1px solid "
    "var(--line);border-radius:6px;width:100%;background:#fff}\n"
    "input[type=checkbox]{width:auto;margin-right:.4rem}\n"
    "label{display:block;margin:.5rem 0}\n"
    ".card{background:#fff;border:1px solid var(--line);border-radius:8px;"
    "padding:1rem;max-width:26rem}\n"
    ".filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;"
    "margin-bottom:1rem}.filters label{margin:0;min-width:9rem}\n"
    "table{width:100%;border-collapse:collapse;background:#fff;"
    "border:1px solid var(--line)}\n"
    "th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid "
    "var(--line);vertical-align:top}\n"
    "th{font-size:.85rem;color:var(--muted);font-weight:600}\n"
    "tr.urgent td:first-child{border-left:4px solid var(--urgent)}\n"
    ".badge{display:inline-block;background:var(--urgent);color:#fff;"
    "border-radius:4px;padding:0 .4rem;font-size:.8rem;font-weight:600}\n"
    "td.text{max-width:28rem;overflow:hidden;text-overflow:ellipsis;"
    "white-space:nowrap}\n"
    ".note,.done,.error,.empty{padding:.6rem .8rem;border-radius:6px}\n"
    ".note{background:#eef3fb}.done{background:#e7f5ec}"
    ".error{background:#fdecea;color:var(--urgent)}\n"
    ".hint{color:var(--muted);font-size:.85rem;margin:.2rem 0 .5rem}\n"
    "dl.report{display:grid;grid-template-columns:max-content 1fr;"
    "gap:.3rem 1rem}dt{color:var(--muted)}dd{margin:0}\n"
    ".report-text{white-space:pre-wrap;background:#fff;border:1px solid "
    "var(--line);border-radius:8px;padding:.8rem}\n"
    "form.action{background:#fff;border:1px solid var(--line);"
    "border-radius:8px;padding:.6rem .8rem;margin:.6rem 0}\n"
    "ol.timeline{list-style:none;padding:0}\n"
    ".entry{background:#fff;border:1px solid var(--line);border-radius:8px;"
    "padding:.5rem .8rem;margin:.4rem 0}\n"
    ".entry .at,.entry .actor{color:var(--muted);font-size:.85rem}\n"
    ".entry .kind{font-weight:600}.entry .body{white-space:pre-wrap;"
    "margin-top:.3rem}\n"
    "svg.chart{background:#fff;border:1px solid var(--line);"
    "border-radius:8px}figure{margin:0 0 1rem}figcaption{color:"
    "var(--muted);font-size:.85rem}\n"
    "@media (max-width:40rem){table.queue thead{display:none}"
    "table.queue tr{display:block;border-bottom:1px solid var(--line)}"
    "table.queue td{display:block;border:0;padding:.2rem .6rem}"
    "td.text{white-space:normal}nav .who{margin-left:0}}\n";
