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
 * Sessions, the per-address counts and the audit of refused sign-ins are
 * web_session.c's; the server's state they share is in web_int.h.
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
#include "web_int.h"

#define WEB_BODY_MAX (16 * 1024) /* a form: a note or reply is short */

/* What one connection has sent of its body so far. */
struct web_conn {
	char *body;
	size_t len;
	int too_big;
};

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
web_start(const struct conf *conf, struct store *store,
    struct web_data *data, char *err,
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
	app->data = data;
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
