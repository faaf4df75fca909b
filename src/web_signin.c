/*
 * web_signin: signing in and out, and unlocking the caseworkers' key for
 * a session.
 *
 * A wrong name, a wrong password and a locked account get the same answer
 * after the same Argon2id work, so that the answer tells nobody which
 * names exist. The sign-in form carries a token of its own (login CSRF).
 * WEB_UNLOCK_TRIES wrong passphrases sign the session out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "casework.h"
#include "log.h"
#include "web.h"

#define WEB_UNLOCK_TRIES 5       /* wrong passphrases before sign-out */

/* A crypto_pwhash_str of a random password: verified against when the
 * name is unknown, so that a wrong name takes as long as a wrong password. */
static char web_dummy_hash[crypto_pwhash_STRBYTES];

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

void
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

void
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

void
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

void
web_lock(struct web_req *req, struct web_resp *resp)
{
	struct casework cw;

	web_sess_set_key(req->sess, NULL);
	web_cw(req, &cw);
	casework_audit(&cw, "lock", 0);
	web_redirect(resp, "/queue");
}

int
web_pages_init(void)
{
	unsigned char pw[16];

	randombytes_buf(pw, sizeof(pw));
	return crypto_pwhash_str(web_dummy_hash, (const char *)pw,
	    sizeof(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE);
}
