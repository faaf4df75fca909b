/*
 * web_pages: what every page shares (the header with its navigation, the
 * footer, tables, forms, notices, redirects) and the dispatch of a request
 * to its page.
 *
 * The pages themselves, by group: web_signin.c (sign-in, sign-out, the
 * key), web_queue.c (the report queue), web_report.c (a report and the
 * actions on it), web_status.c (the gateway's state, statistics, the
 * audit log); the stylesheet is web_css.c.
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
#include "web_data.h"

void
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

/* ---- layout ------------------------------------------------------------- */

/* The page links, the current one marked (a report is the queue's). */
static void
web_nav_pages(struct web_req *req, struct web_buf *b)
{
	static const struct { const char *path; enum web_str s; } pages[] = {
		{ "/queue", W_NAV_QUEUE }, { "/status", W_STATUS },
		{ "/stats", W_STATS }, { "/audit", W_NAV_AUDIT },
	};
	/* Centrally the gateway's page is the fleet's. */
	int central = web_data(req->app)->ops->central;
	int current;
	size_t i;

	wb_raw(b, "<nav class=\"pages\">");
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		const char *path = central && pages[i].s == W_STATUS ?
		    "/fleet" : pages[i].path;

		current = strcmp(req->path, path) == 0 ||
		    (i == 0 && strncmp(req->path, "/report/", 8) == 0);
		wb_printf(b, "<a href=\"%s\"%s>", path, current ?
		    " aria-current=\"page\"" : "");
		wb_text(b, T(req, central && pages[i].s == W_STATUS ?
		    W_FLEET : pages[i].s));
		wb_raw(b, "</a>");
	}
	wb_raw(b, "</nav>");
}

/* Who is signed in, the key, the other language, signing out. */
static void
web_nav_account(struct web_req *req, struct web_buf *b)
{
	wb_raw(b, "<div class=\"account\">");
	if (req->sess != NULL) {
		wb_raw(b, "<span class=\"who\"><span class=\"lbl\">");
		wb_text(b, T(req, W_SIGNED_IN_AS));
		wb_raw(b, "</span> <b>");
		wb_text(b, web_sess_user(req->sess));
		wb_raw(b, "</b></span>");
		if (web_sess_key(req->sess) == NULL) {
			wb_raw(b, "<a class=\"key\" href=\"/unlock\">");
			wb_text(b, T(req, W_UNLOCK));
			wb_raw(b, "</a>");
		} else {
			wb_printf(b, "<form method=\"post\" action=\"/lock\" "
			    "class=\"inline\"><input type=\"hidden\" "
			    "name=\"csrf\" value=\"%s\"><button>",
			    web_sess_csrf(req->sess));
			wb_text(b, T(req, W_LOCK));
			wb_raw(b, "</button></form>");
		}
	}
	wb_printf(b, "<a class=\"lang\" href=\"/lang/%s\">",
	    req->lang == WEB_EN ? "mn" : "en");
	wb_text(b, T(req, W_LANGUAGE));
	wb_raw(b, "</a>");
	if (req->sess != NULL) {
		wb_printf(b, "<form method=\"post\" action=\"/logout\" "
		    "class=\"inline\"><input type=\"hidden\" name=\"csrf\" "
		    "value=\"%s\"><button id=\"signout\">",
		    web_sess_csrf(req->sess));
		wb_text(b, T(req, W_SIGNOUT));
		wb_raw(b, "</button></form>");
	}
	wb_raw(b, "</div>");
}

/* Reports filed in the clear: said on every page, in both languages,
 * whichever the caseworker reads, since it is the config that must change
 * and anyone may be the one to notice. */
static void
web_unsealed_banner(struct web_req *req, struct web_buf *b)
{
	if (web_conf(req->app)->reports.public_key != NULL)
		return;
	wb_raw(b, "<div class=\"unsealed\" id=\"unsealed\" role=\"alert\">"
	    "<p lang=\"mn\">");
	wb_text(b, web_t(WEB_MN, W_UNSEALED));
	wb_raw(b, "</p><p lang=\"en\">");
	wb_text(b, web_t(WEB_EN, W_UNSEALED));
	wb_raw(b, "</p></div>");
}

void
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
	    "href=\"/static/style.css\"></head><body><header>");
	if (req->sess != NULL)
		web_nav_pages(req, b);
	web_nav_account(req, b);
	wb_raw(b, "</header>");
	web_unsealed_banner(req, b);
	wb_raw(b, "<main>");
	if (heading != NULL) {
		wb_raw(b, "<h1>");
		wb_text(b, heading);
		wb_raw(b, "</h1>");
	}
}

void
web_foot(struct web_resp *resp)
{
	wb_raw(&resp->body, "</main></body></html>");
}

/* A table of class cls and its head: first (a literal, or NULL), then the
 * titles of cols; the body is left open. */
void
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
void
web_form_open(struct web_req *req, struct web_buf *b, const char *action,
    const char *cls)
{
	wb_printf(b, "<form method=\"post\" action=\"%s\" class=\"%s\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", action, cls,
	    web_sess_csrf(req->sess));
}

void
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

void
web_redirect(struct web_resp *resp, const char *path)
{
	snprintf(resp->location, sizeof(resp->location), "%s", path);
	resp->status = 303;
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
	else if (strcmp(p, "/status") == 0 && !post &&
	    web_data(req->app)->ops->central)
		web_redirect(resp, "/fleet");
	else if (strcmp(p, "/status") == 0 && !post)
		web_status(req, resp);
	else if (strcmp(p, "/fleet") == 0 && !post &&
	    web_data(req->app)->ops->central)
		web_fleet(req, resp);
	else if (strcmp(p, "/stats") == 0 && !post)
		web_stats(req, resp);
	else if (strcmp(p, "/audit") == 0 && !post)
		web_audit(req, resp);
	else if (strcmp(p, "/surveys") == 0 && !post)
		web_surveys(req, resp);
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
