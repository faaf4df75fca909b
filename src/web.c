/*
 * web: the console's HTTP side, on libmicrohttpd.
 *
 * One internal polling thread serves every connection, so that sessions,
 * the address table and the store connection are touched by one thread
 * only. What every request passes before a page sees it:
 *
 *   - a deadline per request and room kept for new clients (web_conn.c);
 *   - a rate limit per client address (token bucket) and a body limit;
 *   - a Host header that names this console (web.name, the address the
 *     connection came in on, localhost on loopback): a page of another
 *     site whose name points here (DNS rebinding) is refused;
 *   - only GET and POST; a POST must be a urlencoded form;
 *   - the session cookie (HttpOnly, SameSite=Strict, Secure under TLS)
 *     looked up in constant time and dropped after session_idle without a
 *     request or session_max after sign-in; its unlocked key is wiped then;
 *   - every POST of a signed-in session must carry the session's CSRF
 *     token, and a sign-in the token of its pre-session cookie; a POST
 *     whose Origin is not this console (its scheme and the Host that was
 *     checked above) is refused as well.
 *
 * Refused sign-ins are audited one by one up to WEB_FAIL_ROWS a window,
 * then counted in one row, so that a flood cannot fill the disk.
 *
 * Every answer carries a strict Content-Security-Policy (no script at all,
 * styles only from /static), no-store caching, nosniff, no framing and no
 * referrer.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>
#include <sodium.h>

#include "casework.h"
#include "log.h"
#include "web.h"

#define WEB_SESSIONS 64          /* signed-in browsers at once */
#define WEB_ADDRS 256            /* client addresses remembered */
#define WEB_BODY_MAX (16 * 1024) /* a form: a note or reply is short */
#define WEB_RATE 10.0            /* requests per second per address */
#define WEB_BURST 60.0           /* a page with its stylesheet, twice... */
#define WEB_TOKEN_LEN 64         /* hex of 32 random bytes */

struct web_session {
	int used;
	char token[WEB_TOKEN_LEN + 1];
	char csrf[WEB_TOKEN_LEN + 1];
	char user[64];
	int64_t started;
	int64_t seen;
	struct seal_sec *key;    /* sodium_malloc'd; NULL: locked */
	int unlock_failures;
};

struct web_addr {
	char addr[INET6_ADDRSTRLEN];
	double tokens;           /* the rate limit's bucket */
	int64_t last_ms;
	int failures;            /* wrong sign-ins in the window */
	int64_t window_start;
	int64_t fail_mark;       /* the audit window it was last counted in */
};

/* Refused sign-ins past the first WEB_FAIL_ROWS of a window: counted. */
struct web_fails {
	int64_t since;           /* the window's start; 0: none open */
	int64_t last;            /* the latest refusal */
	int rows;                /* written one by one in this window */
	int more;                /* counted, not written */
	int addrs;               /* distinct addresses among them */
	char addr[INET6_ADDRSTRLEN]; /* the latest of them */
};

struct web_app {
	const struct conf *conf;
	struct store *store;
	struct MHD_Daemon *mhd;
	int tls;
	unsigned port;
	char *cert_pem, *key_pem;
	struct web_session sess[WEB_SESSIONS];
	struct web_addr addrs[WEB_ADDRS];
	struct web_conns *conns;
	struct web_fails fails;
};

/* What one connection has sent of its body so far. */
struct web_conn {
	char *body;
	size_t len;
	int too_big;
};

static int64_t
web_now(void)
{
	return (int64_t)time(NULL);
}

static int64_t
web_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- sessions ----------------------------------------------------------- */

const char *
web_sess_user(const struct web_session *s)
{
	return s->user;
}

const char *
web_sess_csrf(const struct web_session *s)
{
	return s->csrf;
}

const struct seal_sec *
web_sess_key(const struct web_session *s)
{
	return s->key;
}

int
web_sess_set_key(struct web_session *s, const struct seal_sec *key)
{
	if (s->key != NULL) {
		sodium_free(s->key);        /* zeroes it first */
		s->key = NULL;
	}
	if (key == NULL)
		return 0;
	if ((s->key = sodium_malloc(sizeof(*s->key))) == NULL)
		return -1;
	memcpy(s->key, key, sizeof(*key));
	sodium_mprotect_readonly(s->key);
	return 0;
}

int
web_sess_unlock_failures(struct web_session *s, int add)
{
	s->unlock_failures += add;
	return s->unlock_failures;
}

int64_t
web_sess_expires(const struct web_app *app, const struct web_session *s)
{
	int64_t idle = s->seen + app->conf->web.session_idle;
	int64_t max = s->started + app->conf->web.session_max;

	return idle < max ? idle : max;
}

struct store *
web_store(struct web_app *app)
{
	return app->store;
}

const struct conf *
web_conf(struct web_app *app)
{
	return app->conf;
}

static void
web_session_drop(struct web_session *s)
{
	web_sess_set_key(s, NULL);
	sodium_memzero(s, sizeof(*s));
}

static void
web_token(char *out)
{
	unsigned char raw[WEB_TOKEN_LEN / 2];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, WEB_TOKEN_LEN + 1, raw, sizeof(raw));
}

/* "name=value; Path=/; HttpOnly; SameSite=Strict; Max-Age=age[; Secure]" */
static void
web_set_cookie(struct web_app *app, struct web_resp *resp, const char *name,
    const char *value, const char *path, int age)
{
	char *slot = resp->cookie[0][0] == '\0' ? resp->cookie[0] :
	    resp->cookie[1];

	snprintf(slot, sizeof(resp->cookie[0]), "%s=%s; Path=%s; HttpOnly; "
	    "SameSite=Strict; Max-Age=%d%s", name, value, path, age,
	    app->tls ? "; Secure" : "");
}

int
web_session_start(struct web_req *req, struct web_resp *resp,
    const char *user)
{
	struct web_app *app = req->app;
	struct web_session *s = NULL, *oldest = NULL;
	int64_t now = web_now();
	size_t i;

	for (i = 0; i < WEB_SESSIONS; i++) {
		if (app->sess[i].used && web_sess_expires(app,
		    &app->sess[i]) <= now)
			web_session_drop(&app->sess[i]);
		if (!app->sess[i].used && s == NULL)
			s = &app->sess[i];
		if (app->sess[i].used && (oldest == NULL ||
		    app->sess[i].seen < oldest->seen))
			oldest = &app->sess[i];
	}
	if (s == NULL) {
		/* Full: the browser idle longest is signed out. */
		log_info("web: %d sessions; signing out the one idle longest",
		    WEB_SESSIONS);
		web_session_drop(oldest);
		s = oldest;
	}
	memset(s, 0, sizeof(*s));
	s->used = 1;
	web_token(s->token);
	web_token(s->csrf);
	snprintf(s->user, sizeof(s->user), "%s", user);
	s->started = s->seen = now;
	req->sess = s;
	web_set_cookie(app, resp, "sid", s->token, "/",
	    app->conf->web.session_max);
	return 0;
}

void
web_session_end(struct web_req *req, struct web_resp *resp)
{
	if (req->sess != NULL)
		web_session_drop(req->sess);
	req->sess = NULL;
	web_set_cookie(req->app, resp, "sid", "-", "/", 0);
}

/* The session whose token the cookie carries, compared in constant time;
 * *expired set when it was there but has run out (it is dropped). */
static struct web_session *
web_session_find(struct web_app *app, const char *token, int *expired)
{
	struct web_session *found = NULL;
	size_t i;

	*expired = 0;
	if (strlen(token) != WEB_TOKEN_LEN)
		return NULL;
	for (i = 0; i < WEB_SESSIONS; i++)
		if (app->sess[i].used && sodium_memcmp(app->sess[i].token,
		    token, WEB_TOKEN_LEN) == 0)
			found = &app->sess[i];
	if (found != NULL && web_sess_expires(app, found) <= web_now()) {
		log_info("web: session of %s expired", found->user);
		web_session_drop(found);
		*expired = 1;
		return NULL;
	}
	return found;
}

/* 1 unless the session's account has been disabled or removed. A store
 * error keeps the session: the page that follows will say so. */
static int
web_account_ok(struct web_app *app, const struct web_session *s)
{
	struct store_user u;
	int rc = store_user_get(app->store, s->user, &u);

	sodium_memzero(u.pwhash, sizeof(u.pwhash));
	return rc != 0 && !(rc == 1 && u.disabled);
}

/* ---- client addresses: rate limit and wrong sign-ins --------------------- */

static struct web_addr *
web_addr_get(struct web_app *app, const char *addr)
{
	struct web_addr *a, *oldest = &app->addrs[0];
	size_t i;

	for (i = 0; i < WEB_ADDRS; i++) {
		a = &app->addrs[i];
		if (strcmp(a->addr, addr) == 0)
			return a;
		if (a->last_ms < oldest->last_ms)
			oldest = a;
	}
	/* A new address takes the place of the one quiet longest. */
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->addr, sizeof(oldest->addr), "%s", addr);
	oldest->tokens = WEB_BURST;
	oldest->last_ms = web_now_ms();
	return oldest;
}

/* 1 when the address may make one more request now. */
static int
web_addr_allow(struct web_app *app, const char *addr)
{
	struct web_addr *a = web_addr_get(app, addr);
	int64_t now = web_now_ms();

	a->tokens += (double)(now - a->last_ms) / 1000.0 * WEB_RATE;
	if (a->tokens > WEB_BURST)
		a->tokens = WEB_BURST;
	a->last_ms = now;
	if (a->tokens < 1.0)
		return 0;
	a->tokens -= 1.0;
	return 1;
}

int
web_addr_failed(struct web_req *req, int add)
{
	struct web_addr *a = web_addr_get(req->app, req->addr);
	const struct conf_web *w = &req->app->conf->web;
	int64_t now = web_now();

	if (now - a->window_start >= w->signin_lockout) {
		a->window_start = now;
		a->failures = 0;
	}
	a->failures += add;
	return a->failures >= w->address_attempts;
}

/* ---- refused sign-ins in the audit log ---------------------------------- */

/* Writes the count of the window's refusals not written one by one, and
 * closes the window, when it has ended (or at once with force). */
static void
web_fails_flush(struct web_app *app, int force)
{
	struct web_fails *f = &app->fails;
	struct casework cw;
	char detail[200], from[32], to[32];

	if (f->since == 0 || (!force && web_now() - f->since <
	    WEB_FAIL_WINDOW))
		return;
	if (f->more > 0) {
		snprintf(detail, sizeof(detail), "%d more refused sign-ins from "
		    "%d addresses, %s to %s, not written one by one", f->more,
		    f->addrs, web_time(f->since, from, sizeof(from)),
		    web_time(f->last, to, sizeof(to)));
		memset(&cw, 0, sizeof(cw));
		cw.store = app->store;
		cw.actor = "-";
		cw.via = "web";
		cw.addr = f->addr;
		if (casework_audit_detail(&cw, "signin-failed", 0, detail) !=
		    CW_OK)
			log_error("web: audit: %s", store_errmsg(app->store));
		log_info("web: %s (the last from %s)", detail, f->addr);
	}
	memset(f, 0, sizeof(*f));
}

void
web_signin_refused(struct web_req *req, const char *name, const char *action)
{
	struct web_app *app = req->app;
	struct web_fails *f = &app->fails;
	struct web_addr *a;
	struct casework cw;

	web_fails_flush(app, 0);
	if (f->since == 0)
		f->since = web_now();
	f->last = web_now();
	if (f->rows < WEB_FAIL_ROWS) {
		f->rows++;
		memset(&cw, 0, sizeof(cw));
		cw.store = app->store;
		cw.actor = name;
		cw.via = "web";
		cw.addr = req->addr;
		if (casework_audit(&cw, action, 0) != CW_OK)
			log_error("web: audit: %s", store_errmsg(app->store));
		log_info("web: %s from %s", action, req->addr);
		return;
	}
	f->more++;
	a = web_addr_get(app, req->addr);
	if (a->fail_mark != f->since) {
		a->fail_mark = f->since;
		f->addrs++;
	}
	snprintf(f->addr, sizeof(f->addr), "%s", req->addr);
}

/* ---- requests ----------------------------------------------------------- */

static enum MHD_Result
web_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct web_form *f = cls;

	if (f->n == WEB_FORM_MAX)
		return MHD_NO;
	if ((f->name[f->n] = strdup(key)) == NULL ||
	    (f->value[f->n] = strdup(value != NULL ? value : "")) == NULL) {
		free(f->name[f->n]);
		f->name[f->n] = NULL;
		return MHD_NO;
	}
	f->n++;
	return MHD_YES;
}

static void
web_client_addr(struct MHD_Connection *c, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci;

	snprintf(out, outlen, "?");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	getnameinfo(ci->client_addr, ci->client_addr->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in), out,
	    (socklen_t)outlen, NULL, 0, NI_NUMERICHOST);
}

/* 1 when the Origin header is absent or names this console. */
static int
web_origin_ok(struct web_app *app, struct MHD_Connection *c)
{
	const char *origin, *host;
	char want[320];

	origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	if (origin == NULL)
		return 1;
	host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	if (host == NULL)
		return 0;
	snprintf(want, sizeof(want), "%s://%s", app->tls ? "https" : "http",
	    host);
	return strcmp(origin, want) == 0;
}

/* 1 when the Host header names this console (web_host_ok()), as seen
 * from the address the connection came in on. */
static int
web_host_check(struct web_app *app, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	const char *host;

	host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL || getsockname(ci->connect_fd, (struct sockaddr *)&local,
	    &len) == -1)
		return web_host_ok(host, app->conf->web.names,
		    app->conf->web.nnames, NULL);
	return web_host_ok(host, app->conf->web.names, app->conf->web.nnames,
	    (struct sockaddr *)&local);
}

static const char web_csp[] = "default-src 'none'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

static enum MHD_Result
web_send(struct web_app *app, struct MHD_Connection *c, struct web_resp *r,
    int is_static)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	char refresh[16];
	size_t len = r->body.len;

	if (r->body.oom) {
		wb_free(&r->body);
		r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		r->type = "text/plain; charset=utf-8";
		wb_raw(&r->body, "out of memory\n");
		len = r->body.p != NULL ? r->body.len : 0;
	}
	mr = MHD_create_response_from_buffer(len, len > 0 ? r->body.p :
	    (void *)"", len > 0 ? MHD_RESPMEM_MUST_FREE :
	    MHD_RESPMEM_PERSISTENT);
	if (mr == NULL) {
		wb_free(&r->body);
		return MHD_NO;
	}
	if (len > 0)
		r->body.p = NULL;       /* the response owns it now */
	MHD_add_response_header(mr, "Content-Type", r->type != NULL ?
	    r->type : "text/html; charset=utf-8");
	MHD_add_response_header(mr, "Content-Security-Policy", web_csp);
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, "X-Frame-Options", "DENY");
	/* same-origin, not no-referrer: with no-referrer browsers send
	 * "Origin: null" on our own forms, and the origin check would refuse
	 * them. Nothing leaves for another site either way. */
	MHD_add_response_header(mr, "Referrer-Policy", "same-origin");
	MHD_add_response_header(mr, "Cache-Control", is_static ?
	    "max-age=3600" : "no-store");
	if (app->tls)
		MHD_add_response_header(mr, "Strict-Transport-Security",
		    "max-age=31536000");
	if (r->location[0] != '\0')
		MHD_add_response_header(mr, "Location", r->location);
	if (r->cookie[0][0] != '\0')
		MHD_add_response_header(mr, "Set-Cookie", r->cookie[0]);
	if (r->cookie[1][0] != '\0')
		MHD_add_response_header(mr, "Set-Cookie", r->cookie[1]);
	if (r->refresh > 0) {
		snprintf(refresh, sizeof(refresh), "%d", r->refresh);
		MHD_add_response_header(mr, "Refresh", refresh);
	}
	if (r->status == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(mr, "Retry-After", "5");
	ret = MHD_queue_response(c, (unsigned)r->status, mr);
	MHD_destroy_response(mr);
	return ret;
}

/* Public paths: no session needed. */
static int
web_public(const char *path)
{
	return strcmp(path, "/login") == 0 ||
	    strcmp(path, "/favicon.ico") == 0 ||
	    strcmp(path, "/static/style.css") == 0 ||
	    strncmp(path, "/lang/", 6) == 0;
}

/* Everything between the last byte of the request and the page. */
static void
web_serve(struct web_app *app, struct MHD_Connection *c, struct web_req *req,
    struct web_conn *wc, struct web_resp *resp)
{
	const char *cookie, *type, *token;
	char sid[WEB_TOKEN_LEN + 8], lang[8];
	int expired = 0, post = strcmp(req->method, "POST") == 0;

	cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
	req->cookie = cookie;
	req->lang = app->conf->web.language == LANG_EN ? WEB_EN : WEB_MN;
	if (web_cookie(cookie, "lang", lang, sizeof(lang)))
		req->lang = strcmp(lang, "en") == 0 ? WEB_EN : WEB_MN;
	if (!web_addr_allow(app, req->addr)) {
		web_page_message(req, resp, MHD_HTTP_TOO_MANY_REQUESTS,
		    W_FORBIDDEN, web_t(req->lang, W_RATE));
		return;
	}
	web_fails_flush(app, 0);
	if (!web_host_check(app, c)) {
		log_debug("web: refused a request for another host name (%s)",
		    req->addr);
		web_page_message(req, resp, MHD_HTTP_MISDIRECTED_REQUEST,
		    W_FORBIDDEN, web_t(req->lang, W_WRONG_HOST));
		return;
	}
	if (!post && strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0) {
		web_page_message(req, resp, MHD_HTTP_METHOD_NOT_ALLOWED,
		    W_FORBIDDEN, req->method);
		return;
	}
	if (wc->too_big) {
		web_page_message(req, resp, MHD_HTTP_CONTENT_TOO_LARGE,
		    W_FORBIDDEN, web_t(req->lang, W_TOO_LARGE));
		return;
	}
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, web_query_arg,
	    &req->query);
	if (post) {
		type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    "Content-Type");
		if (type == NULL || strncasecmp(type,
		    "application/x-www-form-urlencoded", 33) != 0 ||
		    web_form_parse(&req->form, wc->body != NULL ? wc->body :
		    "", wc->len) == -1) {
			web_page_message(req, resp, MHD_HTTP_BAD_REQUEST,
			    W_FORBIDDEN, web_t(req->lang, W_CSRF));
			return;
		}
		if (!web_origin_ok(app, c)) {
			log_info("web: refused a form from another origin "
			    "(%s)", req->addr);
			web_page_message(req, resp, MHD_HTTP_FORBIDDEN,
			    W_FORBIDDEN, web_t(req->lang, W_CSRF));
			return;
		}
	}
	if (web_cookie(cookie, "sid", sid, sizeof(sid)))
		req->sess = web_session_find(app, sid, &expired);
	if (req->sess == NULL && !web_public(req->path)) {
		if (!post) {
			snprintf(resp->location, sizeof(resp->location),
			    "/login%s", expired ? "?expired=1" : "");
			resp->status = MHD_HTTP_SEE_OTHER;
		} else
			web_page_message(req, resp, MHD_HTTP_UNAUTHORIZED,
			    W_SIGNIN, web_t(req->lang, W_EXPIRED));
		if (expired)
			web_set_cookie(app, resp, "sid", "-", "/", 0);
		return;
	}
	if (req->sess != NULL && !web_account_ok(app, req->sess)) {
		/* Disabled (or removed) since sign-in: the session ends now,
		 * not at its timeout. */
		log_info("web: %s is disabled; session ended", req->sess->user);
		web_session_drop(req->sess);
		req->sess = NULL;
		web_set_cookie(app, resp, "sid", "-", "/", 0);
		if (!post) {
			snprintf(resp->location, sizeof(resp->location),
			    "/login");
			resp->status = MHD_HTTP_SEE_OTHER;
		} else
			web_page_message(req, resp, MHD_HTTP_UNAUTHORIZED,
			    W_SIGNIN, web_t(req->lang, W_EXPIRED));
		return;
	}
	if (req->sess != NULL)
		req->sess->seen = web_now();
	if (post && req->sess != NULL && strcmp(req->path, "/login") != 0) {
		token = web_form_get(&req->form, "csrf");
		if (token == NULL || strlen(token) != WEB_TOKEN_LEN ||
		    sodium_memcmp(token, req->sess->csrf,
		    WEB_TOKEN_LEN) != 0) {
			log_info("web: refused a form without this session's "
			    "CSRF token (%s)", req->addr);
			web_page_message(req, resp, MHD_HTTP_FORBIDDEN,
			    W_FORBIDDEN, web_t(req->lang, W_CSRF));
			return;
		}
	}
	web_route(req, resp);
}

static enum MHD_Result
web_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct web_app *app = cls;
	struct web_conn *wc = *con_cls;
	struct web_req req;
	struct web_resp resp;
	char addr[INET6_ADDRSTRLEN];
	enum MHD_Result ret;
	char *p;

	if (wc == NULL) {
		if ((wc = calloc(1, sizeof(*wc))) == NULL)
			return MHD_NO;
		*con_cls = wc;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (wc->too_big || wc->len + *upload_size > WEB_BODY_MAX)
			wc->too_big = 1;
		else if ((p = realloc(wc->body, wc->len + *upload_size + 1)) ==
		    NULL)
			wc->too_big = 1;
		else {
			memcpy(p + wc->len, upload, *upload_size);
			wc->body = p;
			wc->len += *upload_size;
			wc->body[wc->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	resp.status = MHD_HTTP_OK;
	web_client_addr(c, addr, sizeof(addr));
	req.app = app;
	req.method = method;
	req.path = url;
	req.addr = addr;
	web_serve(app, c, &req, wc, &resp);
	log_debug("web: %s %s %d (%s)", method, url, resp.status, addr);
	ret = web_send(app, c, &resp, strcmp(url, "/static/style.css") == 0 &&
	    resp.status == MHD_HTTP_OK);
	wb_free(&resp.body);
	web_form_free(&req.query);
	web_form_free(&req.form);
	return ret;
}

static void
web_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct web_app *app = cls;
	struct web_conn *wc = *con_cls;
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci != NULL)
		web_conns_answered(app->conns, ci->socket_context);
	if (wc == NULL)
		return;
	if (wc->body != NULL) {
		sodium_memzero(wc->body, wc->len);
		free(wc->body);
	}
	free(wc);
	*con_cls = NULL;
}

static void
web_notify(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct web_app *app = cls;
	const union MHD_ConnectionInfo *fd, *peer;

	if (toe != MHD_CONNECTION_NOTIFY_STARTED) {
		web_conns_notify(app->conns, -1, NULL, socket_context, 0);
		return;
	}
	fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	peer = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (fd == NULL) {
		*socket_context = NULL;
		return;
	}
	web_conns_notify(app->conns, fd->connect_fd, peer != NULL ?
	    peer->client_addr : NULL, socket_context, 1);
}

static void
web_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	web_conns_log(line);
}

/* ---- the server --------------------------------------------------------- */

/* The whole of a PEM file into a new string. Returns NULL with err. */
static char *
web_read_file(const char *path, char *err, size_t errlen)
{
	FILE *fp;
	char *buf = NULL;
	long n;

	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 &&
	    n < 1024 * 1024 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf == NULL)
		snprintf(err, errlen, "%s: cannot read it", path);
	fclose(fp);
	return buf;
}

struct web_app *
web_start(const struct conf *conf, struct store *store, char *err,
    size_t errlen)
{
	struct web_app *app;
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	const union MHD_DaemonInfo *info;
	/* epoll or poll, never select(): no FD_SETSIZE to overflow. */
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;

	if ((app = calloc(1, sizeof(*app))) == NULL ||
	    (app->conns = web_conns_new(conf->web.request_timeout)) == NULL) {
		free(app);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	app->conf = conf;
	app->store = store;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, conf->web.listen, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)conf->web.port);
	} else if (inet_pton(AF_INET6, conf->web.listen, &s6->sin6_addr) ==
	    1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)conf->web.port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "web.listen: not an address");
		goto fail;
	}
	if (conf->web.certificate != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "this libmicrohttpd has no TLS");
			goto fail;
		}
		if ((app->cert_pem = web_read_file(conf->web.certificate, err,
		    errlen)) == NULL || (app->key_pem =
		    web_read_file(conf->web.key, err, errlen)) == NULL)
			goto fail;
		app->tls = 1;
		flags |= MHD_USE_TLS;
	}
	/* The TLS pair, when there is one, goes in the first two slots of
	 * the option array; MHD_OPTION_ARRAY ends at the first END. */
	{
		struct MHD_OptionItem tls[] = {
			{ MHD_OPTION_HTTPS_MEM_CERT, 0, app->cert_pem },
			{ MHD_OPTION_HTTPS_MEM_KEY, 0, app->key_pem },
			{ MHD_OPTION_END, 0, NULL },
		};

		app->mhd = MHD_start_daemon(flags, 0, NULL, NULL, web_handler,
		    app, MHD_OPTION_EXTERNAL_LOGGER, web_mhd_log, app,
		    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		    MHD_OPTION_NOTIFY_COMPLETED, web_completed, app,
		    MHD_OPTION_NOTIFY_CONNECTION, web_notify, app,
		    MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_CONNS,
		    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		    (unsigned)WEB_CONNS_PER_ADDR,
		    /* Idle between requests; the deadline per request is
		     * web_conn.c's. */
		    MHD_OPTION_CONNECTION_TIMEOUT,
		    (unsigned)conf->web.request_timeout,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
		    MHD_OPTION_ARRAY, app->tls ? tls : tls + 2,
		    MHD_OPTION_END);
	}
	if (app->mhd == NULL) {
		snprintf(err, errlen, "cannot listen on %s port %d (in use? "
		    "see the lines above)", conf->web.listen, conf->web.port);
		goto fail;
	}
	info = MHD_get_daemon_info(app->mhd, MHD_DAEMON_INFO_BIND_PORT);
	app->port = info != NULL ? info->port : (unsigned)conf->web.port;
	return app;
fail:
	web_stop(app);
	return NULL;
}

void
web_tick(struct web_app *app)
{
	web_conns_sweep(app->conns);
}

unsigned
web_port(const struct web_app *app)
{
	return app->port;
}

int
web_tls(const struct web_app *app)
{
	return app->tls;
}

void
web_stop(struct web_app *app)
{
	size_t i;

	if (app == NULL)
		return;
	if (app->mhd != NULL) {
		MHD_stop_daemon(app->mhd);
		web_fails_flush(app, 1);    /* its thread is gone: ours now */
	}
	web_conns_free(app->conns);
	for (i = 0; i < WEB_SESSIONS; i++)
		if (app->sess[i].used)
			web_session_drop(&app->sess[i]);
	if (app->key_pem != NULL) {
		sodium_memzero(app->key_pem, strlen(app->key_pem));
		free(app->key_pem);
	}
	free(app->cert_pem);
	free(app);
}
