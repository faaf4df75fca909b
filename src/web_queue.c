/*
 * web_queue: the report queue, urgent first, then newest; filters by
 * status, urgency and day. Without the unlocked key it shows each
 * report's reference, time, urgency and status, never its text.
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

void
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
