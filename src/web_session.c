/*
 * web_session: who is signed in, and what each client address may still
 * do.
 *
 * Sessions are a fixed table of WEB_SESSIONS; a session's token (256
 * random bits) is its cookie, looked up in constant time, and it ends
 * after session_idle without a request or session_max after sign-in, its
 * unlocked key wiped then. Each client address has a token bucket for
 * its requests and a count of its wrong sign-ins. Refused sign-ins are
 * audited one by one up to WEB_FAIL_ROWS a window, then counted in one
 * row, so that a flood cannot fill the disk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "casework.h"
#include "log.h"
#include "web_int.h"

int64_t
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

struct web_data *
web_data(struct web_app *app)
{
	return app->data;
}

const struct conf *
web_conf(struct web_app *app)
{
	return app->conf;
}

void
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
void
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
struct web_session *
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
int
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
int
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
void
web_fails_flush(struct web_app *app, int force)
{
	struct web_fails *f = &app->fails;
	struct casework cw;
	char detail[240], from[WEB_TIME_LEN], to[WEB_TIME_LEN];

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
