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

#define WEB_REPLY_MAX 600        /* characters of a reply (the form's limit,
                                    enforced here too) */

/* A reply the console refused, shown again in its form with why. */
struct web_draft {
	const char *text;        /* what the caseworker wrote */
	char why[320];           /* the refusal, worded for them */
};


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
	} else
		err = casework_reply(cw, r, t, NULL);
	sodium_memzero(t, strlen(t));
	free(t);
	return err;
}

void
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
