/*
 * web_report: a report with its timeline, and the actions on it (claim,
 * note, reply, close), each through casework.h. A reply is checked as the
 * sender will send it before it is queued; one that does not fit comes
 * back in its form with why.
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

#define WEB_REPLY_MAX 600        /* characters of a reply (the form's limit,
                                    enforced here too) */

/* A reply the console refused, shown again in its form with why. */
struct web_draft {
	const char *text;        /* what the caseworker wrote */
	char why[320];           /* the refusal, worded for them */
};


/* What the timeline's callbacks write into. */
struct web_tl {
	struct web_req *req;
	struct web_buf *b;
};

/* One turn of the conversation: who (cls "reporter", "caseworker",
 * "gateway"; name as shown), when, and what (NULL with sealed: locked). */
static void
web_turn(struct web_buf *b, const char *cls, const char *who, int64_t at,
    const char *text, int sealed, const char *id)
{
	char when[WEB_TIME_LEN];

	wb_printf(b, "<li class=\"turn %s\"><div class=\"who\"><b>", cls);
	wb_text(b, who);
	wb_raw(b, "</b> <span class=\"at\">");
	wb_text(b, web_time(at, when, sizeof(when)));
	wb_printf(b, "</span></div><div class=\"body%s\"%s%s%s>",
	    sealed ? " sealed" : "", id != NULL ? " id=\"" : "",
	    id != NULL ? id : "", id != NULL ? "\"" : "");
	wb_text(b, text);
	wb_raw(b, "</div></li>");
}

/* The conversation's turns after the report itself: the reporter's later
 * messages, the gateway's acknowledgement and the caseworkers' replies.
 * Claims, notes and alerts are the timeline's only. */
static int
web_turn_row(void *arg, const struct casework_entry *ce)
{
	struct web_tl *t = arg;
	struct web_req *req = t->req;
	const char *kind = ce->e->kind;
	const char *text = ce->unreadable ? T(req, W_SEALED) : ce->text;

	if (strcmp(kind, "message") == 0)
		web_turn(t->b, "reporter", T(req, W_REPORTER), ce->e->at, text,
		    ce->unreadable, NULL);
	else if (strcmp(kind, "reply") == 0)
		web_turn(t->b, "caseworker", ce->e->actor != NULL ?
		    ce->e->actor : T(req, W_UNKNOWN), ce->e->at, text,
		    ce->unreadable, NULL);
	else if (strcmp(kind, "ack") == 0)
		web_turn(t->b, "gateway", T(req, W_GATEWAY_AUTO), ce->e->at,
		    T(req, W_ACK_BODY), 0, NULL);
	return 0;
}

/* A timeline entry: when, a sentence of who did what by what, and its
 * text (a message, a note, a reply, an outcome) when it has one. */
static int
web_timeline_row(void *arg, const struct casework_entry *ce)
{
	struct web_tl *t = arg;
	struct web_buf *b = t->b;
	char at[WEB_TIME_LEN];

	wb_printf(b, "<li class=\"entry %s\"><span class=\"at\">",
	    strcmp(ce->e->kind, "message") == 0 ? "in" : "out");
	wb_text(b, web_time(ce->e->at, at, sizeof(at)));
	wb_raw(b, "</span> <span class=\"what\">");
	web_entry_sentence(b, t->req->lang, ce->e->kind, ce->e->actor);
	wb_raw(b, "</span>");
	if (ce->unreadable) {
		wb_raw(b, "<div class=\"body sealed\">");
		wb_text(b, T(t->req, W_SEALED));
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
int64_t
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

/* The request's report: id, and centrally its gateway (?gw=, a checked
 * name: letters, digits and _). */
static void
web_rkey(struct web_req *req, int64_t id, struct web_rkey *k)
{
	const char *gw = web_form_get(&req->query, "gw");

	memset(k, 0, sizeof(*k));
	k->id = id;
	if (web_data(req->app)->ops->central && gw != NULL &&
	    conf_central_name_ok(gw))
		snprintf(k->gateway, sizeof(k->gateway), "%s", gw);
}

/* "/report/ID" with what ("/claim", "" ...) and the gateway's ?gw=NAME
 * centrally (extra: more of the query, "&done=claim", or ""). */
static void
web_rpath(struct web_req *req, int64_t id, const char *what,
    const char *extra, char *out, size_t len)
{
	struct web_rkey k;

	web_rkey(req, id, &k);
	if (k.gateway[0] != '\0')
		snprintf(out, len, "/report/%lld%s?gw=%s%s", (long long)id,
		    what, k.gateway, extra);
	else
		snprintf(out, len, "/report/%lld%s%s%s", (long long)id, what,
		    extra[0] != '\0' ? "?" : "", extra[0] != '\0' ?
		    extra + 1 : "");
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
	char action[128];

	web_rpath(req, r->id, "/reply", "", action, sizeof(action));
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

/* The form that closes r: apart from the others and in the colour of
 * danger, and it only asks; the next page confirms (web_close_ask()). */
static void
web_close_form(struct web_req *req, struct web_buf *b,
    const struct store_report *r)
{
	char action[128];

	web_rpath(req, r->id, "/close", "", action, sizeof(action));
	web_form_open(req, b, action, "action danger");
	wb_raw(b, "<label>");
	wb_text(b, T(req, W_OUTCOME));
	wb_raw(b, "<input name=\"outcome\" id=\"outcome\" maxlength=\"500\">"
	    "</label><p class=\"hint\">");
	wb_text(b, T(req, W_CLOSE_HINT));
	wb_raw(b, "</p><button id=\"close\" class=\"danger\">");
	wb_text(b, T(req, W_CLOSE_REPORT));
	wb_raw(b, "</button></form>");
}

static void
web_report_actions(struct web_req *req, struct web_buf *b,
    const struct store_report *r, int readable,
    const struct web_draft *draft)
{
	char action[128];

	if (readable)
		web_reply_form(req, b, r, draft);
	if (r->claimed_by == NULL) {
		web_rpath(req, r->id, "/claim", "", action, sizeof(action));
		web_form_open(req, b, action, "action");
		wb_raw(b, "<button id=\"claim\">");
		wb_text(b, T(req, W_CLAIM));
		wb_raw(b, "</button></form>");
	}
	web_rpath(req, r->id, "/note", "", action, sizeof(action));
	web_form_open(req, b, action, "action");
	wb_raw(b, "<label>");
	wb_text(b, T(req, W_NOTE));
	wb_raw(b, "<textarea name=\"text\" id=\"note\" rows=\"2\" required>"
	    "</textarea></label><button>");
	wb_text(b, T(req, W_ADD_NOTE));
	wb_raw(b, "</button></form>");
	web_close_form(req, b, r);
}

/* The heading, what was just done, and the report's facts. */
static void
web_report_facts(struct web_req *req, struct web_buf *b,
    const struct store_report *r, int readable, enum cw_err err)
{
	static const struct { const char *what; enum web_str s; } done[] = {
		{ "claim", W_DONE_CLAIM }, { "note", W_DONE_NOTE },
		{ "reply", W_DONE_REPLY }, { "close", W_DONE_CLOSE },
	};
	const char *d = web_form_get(&req->query, "done");
	char at[WEB_TIME_LEN];
	size_t i;

	wb_raw(b, "<h1>");
	wb_text(b, T(req, W_REPORT));
	wb_raw(b, " ");
	wb_text(b, r->ref);
	if (r->urgent) {
		wb_raw(b, " <span class=\"badge\">");
		wb_text(b, T(req, W_URGENT));
		wb_raw(b, "</span>");
	}
	wb_raw(b, "</h1>");
	struct web_rkey k;

	web_rkey(req, r->id, &k);
	for (i = 0; d != NULL && i < sizeof(done) / sizeof(done[0]); i++)
		if (strcmp(d, done[i].what) != 0)
			continue;
		else if (k.gateway[0] == '\0')
			web_notice(b, "done", T(req, done[i].s));
		else {           /* centrally: done once the gateway applies it */
			wb_raw(b, "<p class=\"done\" role=\"status\" "
			    "id=\"queued\">");
			wb_text(b, T(req, W_QUEUED_FOR));
			wb_raw(b, " <b>");
			wb_text(b, k.gateway);
			wb_raw(b, "</b>: ");
			wb_text(b, d);
			wb_raw(b, "</p>");
		}
	if (!readable)
		web_notice(b, "note", err == CW_LOCKED ?
		    T(req, W_LOCKED_NOTE) : web_cw_error(req->lang, err));
	wb_raw(b, "<dl class=\"report\">");
	if (k.gateway[0] != '\0')
		web_dl(b, T(req, W_GATEWAY), k.gateway);
	web_dl(b, T(req, W_STATE), T(req, strcmp(r->status, "closed") == 0 ?
	    W_CLOSED : W_OPEN));
	web_dl(b, T(req, W_FILED), web_time(r->created_at, at, sizeof(at)));
	web_dl(b, T(req, W_CLAIMED_BY), r->claimed_by != NULL ?
	    r->claimed_by : T(req, W_UNCLAIMED));
	if (r->outcome != NULL && r->outcome[0] != '\0')
		web_dl(b, T(req, W_OUTCOME), r->outcome);
	web_dl(b, T(req, W_NUMBER), readable && r->number != NULL &&
	    r->number[0] != '\0' ? r->number : T(req, W_SEALED));
	wb_raw(b, "</dl>");
}

/* The report's messages as a conversation (its first message is the
 * report itself), then every entry of its timeline as a sentence. */
static void
web_report_history(struct web_req *req, struct web_buf *b,
    struct casework *cw, const struct store_report *r, int readable,
    int actions, const struct web_draft *draft)
{
	struct web_tl t = { req, b };
	struct web_data *d = web_data(req->app);
	struct web_rkey k;

	web_rkey(req, r->id, &k);
	wb_raw(b, "<h2>");
	wb_text(b, T(req, W_CONVERSATION));
	wb_raw(b, "</h2><ol class=\"conversation\">");
	web_turn(b, "reporter", T(req, W_REPORTER), r->created_at, readable ?
	    r->text : T(req, W_SEALED), !readable, "report-text");
	if (d->ops->timeline(d, cw, &k, web_turn_row, &t) != CW_OK)
		web_notice(b, "error", T(req, W_ERROR));
	wb_raw(b, "</ol>");
	if (actions)
		web_report_actions(req, b, r, readable && r->number != NULL &&
		    r->number[0] != '\0', draft);
	wb_raw(b, "<h2>");
	wb_text(b, T(req, W_TIMELINE));
	wb_raw(b, "</h2><ol class=\"timeline\">");
	if (d->ops->timeline(d, cw, &k, web_timeline_row, &t) != CW_OK)
		web_notice(b, "error", T(req, W_ERROR));
	wb_raw(b, "</ol>");
}

/* The report id; draft (NULL: none) is a refused reply to show again. */
static void
web_report_show(struct web_req *req, struct web_resp *resp, int64_t id,
    const struct web_draft *draft)
{
	struct web_buf *b = &resp->body;
	struct web_data *d = web_data(req->app);
	struct store_report r;
	struct casework cw;
	struct web_rkey k;
	enum cw_err err;
	char title[64], detail[80];
	int readable, open;

	web_cw(req, &cw);
	web_rkey(req, id, &k);
	if ((err = d->ops->find(d, &cw, &k, &r)) != CW_OK) {
		web_page_message(req, resp, err == CW_NOTFOUND ? 404 : 500,
		    err == CW_NOTFOUND ? W_NOT_FOUND : W_ERROR,
		    web_cw_error(req->lang, err));
		return;
	}
	/* Centrally the audit row names the gateway's report in its detail:
	 * the console's own reports table does not hold it. */
	snprintf(detail, sizeof(detail), "%s %s", k.gateway, r.ref);
	err = casework_open(&cw, &r, !d->ops->central);
	readable = err == CW_OK;
	if (d->ops->central && err != CW_NOMEM && err != CW_DB)
		casework_audit_detail(&cw, "open", 0, detail);
	else if (err == CW_LOCKED || err == CW_WRONGKEY || err == CW_DAMAGED)
		casework_audit(&cw, "open", r.id);  /* metadata only */
	if (err != CW_OK && err != CW_LOCKED && err != CW_WRONGKEY &&
	    err != CW_DAMAGED) {
		web_page_message(req, resp, 500, W_ERROR,
		    web_cw_error(req->lang, err));
		store_report_free(&r);
		return;
	}
	open = strcmp(r.status, "closed") != 0;
	snprintf(title, sizeof(title), "%s %s", T(req, W_REPORT), r.ref);
	web_head(req, resp, title, NULL);
	web_report_facts(req, b, &r, readable, err);
	if (draft != NULL && (!readable || !open))
		web_notice(b, "error", draft->why);  /* no form to show it */
	web_report_history(req, b, &cw, &r, readable, open, draft);
	web_foot(resp);
	if (r.number != NULL)
		sodium_memzero(r.number, strlen(r.number));
	if (r.text != NULL)
		sodium_memzero(r.text, strlen(r.text));
	store_report_free(&r);
}

void
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
	} else {
		struct web_data *wd = web_data(req->app);
		struct web_rkey k;

		web_rkey(req, r->id, &k);
		err = wd->ops->act(wd, cw, &k, r, "reply", t);
	}
	sodium_memzero(t, strlen(t));
	free(t);
	return err;
}

/*
 * The confirmation a close needs: the report and the outcome it would
 * keep, what closing means, and a form that repeats the close with
 * confirm=1. Nothing changes until that form comes back.
 */
static void
web_close_ask(struct web_req *req, struct web_resp *resp,
    const struct store_report *r, const char *outcome)
{
	struct web_buf *b = &resp->body;
	char action[128], back[128];

	web_rpath(req, r->id, "/close", "", action, sizeof(action));
	web_rpath(req, r->id, "", "", back, sizeof(back));
	web_head(req, resp, T(req, W_CLOSE_ASK), T(req, W_CLOSE_ASK));
	wb_raw(b, "<dl class=\"report\">");
	web_dl(b, T(req, W_REF), r->ref);
	web_dl(b, T(req, W_OUTCOME), outcome != NULL && outcome[0] != '\0' ?
	    outcome : T(req, W_NO_OUTCOME));
	wb_raw(b, "</dl>");
	web_notice(b, "warn", T(req, W_CLOSE_WARN));
	web_form_open(req, b, action, "action danger");
	wb_raw(b, "<input type=\"hidden\" name=\"outcome\" value=\"");
	wb_text(b, outcome != NULL ? outcome : "");
	wb_raw(b, "\"><input type=\"hidden\" name=\"confirm\" value=\"1\">"
	    "<button id=\"confirm-close\" class=\"danger\">");
	wb_text(b, T(req, W_CLOSE_YES));
	wb_printf(b, "</button> <a class=\"cancel\" id=\"cancel-close\" "
	    "href=\"%s\">", back);
	wb_text(b, T(req, W_CANCEL));
	wb_raw(b, "</a></form>");
	web_foot(resp);
}

/* The answer's status for a refusal of casework's. */
static int
web_cw_status(enum cw_err err)
{
	switch (err) {
	case CW_CLOSED:
	case CW_TAKEN:
		return 409;
	case CW_LOCKED:
	case CW_WRONGKEY:
		return 403;
	case CW_EMPTY:
	case CW_NONUMBER:
	case CW_TOOLONG:
	case CW_BADTEXT:
		return 400;
	default:
		return 500;
	}
}

/*
 * The action what ("/claim", "/note", "/reply", "/close") on r. Returns
 * CW_OK or casework's refusal, or -1 when the page is written (a reply
 * shown again in its form, a close to confirm, an unknown action).
 */
static int
web_report_act(struct web_req *req, struct web_resp *resp,
    struct casework *cw, const struct store_report *r, const char *what)
{
	const char *text = web_form_get(&req->form, "text");
	const char *outcome = web_form_get(&req->form, "outcome");
	const char *confirm = web_form_get(&req->form, "confirm");
	struct web_data *d = web_data(req->app);
	struct web_rkey k;

	web_rkey(req, r->id, &k);
	if (strcmp(what, "/claim") == 0 || strcmp(what, "/note") == 0)
		return d->ops->act(d, cw, &k, r, what + 1, what[1] == 'n' ?
		    text : NULL);
	if (strcmp(what, "/reply") == 0)
		return web_reply_post(req, resp, cw, r, text);
	if (strcmp(what, "/close") == 0) {
		if (confirm != NULL && strcmp(confirm, "1") == 0)
			return d->ops->act(d, cw, &k, r, "close", outcome);
		if (strcmp(r->status, "closed") == 0)
			return CW_CLOSED;
		web_close_ask(req, resp, r, outcome);
		return -1;
	}
	web_page_message(req, resp, 404, W_NOT_FOUND, req->path);
	return -1;
}

void
web_report_post(struct web_req *req, struct web_resp *resp, int64_t id,
    const char *what)
{
	struct web_data *d = web_data(req->app);
	struct store_report r;
	struct casework cw;
	struct web_rkey k;
	enum cw_err err;
	char extra[24];
	int rc, status;

	web_cw(req, &cw);
	web_rkey(req, id, &k);
	if ((err = d->ops->find(d, &cw, &k, &r)) != CW_OK) {
		web_page_message(req, resp, err == CW_NOTFOUND ? 404 : 500,
		    err == CW_NOTFOUND ? W_NOT_FOUND : W_ERROR,
		    web_cw_error(req->lang, err));
		return;
	}
	rc = web_report_act(req, resp, &cw, &r, what);
	store_report_free(&r);
	if (rc == -1)
		return;
	if ((err = (enum cw_err)rc) == CW_OK) {
		log_info("web: %s: %s on report %lld", web_sess_user(req->sess),
		    what + 1, (long long)id);
		snprintf(extra, sizeof(extra), "&done=%s", what + 1);
		web_rpath(req, id, "", extra, resp->location,
		    sizeof(resp->location));
		resp->status = 303;
		return;
	}
	if ((status = web_cw_status(err)) == 500)
		log_error("web: %s on report %lld: %s", what + 1,
		    (long long)id, err == CW_DB ?
		    d->ops->errmsg(d) : casework_strerror(err));
	web_page_message(req, resp, status, W_REPORT,
	    web_cw_error(req->lang, err));
}
