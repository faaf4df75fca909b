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

#include "day.h"
#include "casework.h"
#include "log.h"
#include "web.h"
#include "web_data.h"

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
	char gateway[WEB_GATEWAY_LEN];  /* "" locally */
};

struct web_queue {
	struct web_req *req;
	struct web_qrow *rows;
	size_t n;
	int oom;
};

static int
web_queue_row(void *arg, const struct store_report *row,
    const char *gateway)
{
	struct web_queue *q = arg;
	struct web_qrow *r = &q->rows[q->n];
	struct store_report c = *row;
	struct casework cw;

	if (q->n == WEB_QUEUE_MAX)
		return 1;
	memset(r, 0, sizeof(*r));
	r->id = row->id;
	snprintf(r->gateway, sizeof(r->gateway), "%s", gateway != NULL ?
	    gateway : "");
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

static void
web_option(struct web_buf *b, const char *value, const char *cur,
    const char *label)
{
	wb_printf(b, "<option value=\"%s\"%s>", value, strcmp(value, cur) ==
	    0 ? " selected" : "");
	wb_text(b, label);
	wb_raw(b, "</option>");
}

/* A link to the queue of status under the same filters, with its count;
 * day is a checked day or "". */
static void
web_count_link(struct web_req *req, struct web_buf *b, const char *status,
    const char *cur, enum web_str label, int n, int urgent, const char *day,
    const char *gw)
{
	wb_printf(b, "<a id=\"count-%s\" href=\"/queue?status=%s%s%s%s",
	    status, status, urgent ? "&amp;urgent=1" : "", day[0] != '\0' ?
	    "&amp;since=" : "", day);
	if (gw[0] != '\0') {
		wb_raw(b, "&amp;gw=");
		wb_text(b, gw);  /* a checked name: letters, digits, _ */
	}
	wb_printf(b, "\"%s>", strcmp(status, cur) == 0 ?
	    " aria-current=\"page\"" : "");
	wb_text(b, T(req, label));
	wb_printf(b, ": <b>%d</b></a>", n);
}

/* Open, closed and all reports under the filters, as links; of the open
 * ones, how many nobody has claimed and how many are urgent. */
static void
web_queue_counts(struct web_req *req, struct web_buf *b,
    const struct store_filter *f, const char *status, const char *day,
    const char *gw)
{
	struct web_data *d = web_data(req->app);
	struct central_counts c;

	if (d->ops->counts(d, f, gw[0] != '\0' ? gw : NULL, &c) < 0) {
		web_notice(b, "error", T(req, W_ERROR));
		return;
	}
	wb_raw(b, "<nav class=\"counts\" aria-label=\"");
	wb_text(b, T(req, W_COUNTS));
	wb_raw(b, "\">");
	web_count_link(req, b, "open", status, W_OPEN, c.open, f->urgent == 1,
	    day, gw);
	wb_raw(b, " <span class=\"of-open\">(");
	wb_text(b, T(req, W_UNCLAIMED));
	wb_printf(b, ": <b id=\"count-unclaimed\">%d</b>, ", c.unclaimed);
	wb_text(b, T(req, W_URGENT_LC));
	wb_printf(b, ": <b id=\"count-urgent\">%d</b>)</span> ", c.urgent);
	web_count_link(req, b, "closed", status, W_CLOSED, c.closed,
	    f->urgent == 1, day, gw);
	wb_raw(b, " ");
	web_count_link(req, b, "any", status, W_ANY, c.open + c.closed,
	    f->urgent == 1, day, gw);
	wb_raw(b, "</nav>");
}

/* What the gateways' select collects. */
struct web_gw_opts {
	struct web_buf *b;
	const char *cur;
};

static int
web_gw_option(void *arg, const struct central_gateway *g)
{
	struct web_gw_opts *o = arg;

	wb_raw(o->b, "<option value=\"");
	wb_text(o->b, g->name);
	wb_printf(o->b, "\"%s>", strcmp(g->name, o->cur) == 0 ?
	    " selected" : "");
	wb_text(o->b, g->name);
	wb_raw(o->b, "</option>");
	return 0;
}

/* Centrally: the gateways' filter, gw the one chosen ("" all). */
static void
web_queue_gateways(struct web_req *req, struct web_buf *b, const char *gw)
{
	struct web_data *d = web_data(req->app);
	struct web_gw_opts o = { b, gw };

	if (d->ops->fleet == NULL)
		return;
	wb_raw(b, "<label>");
	wb_text(b, T(req, W_GATEWAY));
	wb_raw(b, "<select name=\"gw\" id=\"gw\"><option value=\"\">");
	wb_text(b, T(req, W_ALL_GATEWAYS));
	wb_raw(b, "</option>");
	if (d->ops->fleet(d, web_conf(req->app)->central.silent_after,
	    web_gw_option, &o) < 0)
		log_error("web: fleet: %s", d->ops->errmsg(d));
	wb_raw(b, "</select></label>");
}

/* The filters' form. since is what was asked (shown again as typed when
 * it is not a day, with how to write one), day the checked day or "". */
static void
web_queue_filters(struct web_req *req, struct web_buf *b, const char *status,
    int urgent, const char *since, const char *day, const char *gw)
{
	char today[16];

	web_today(today, sizeof(today));
	if (since != NULL && since[0] != '\0' && day[0] == '\0') {
		wb_raw(b, "<p class=\"error\" role=\"status\" id=\"bad-day\">");
		wb_text(b, T(req, W_BAD_DAY));
		wb_raw(b, " ");
		wb_text(b, today);
		wb_raw(b, ".</p>");
	}
	wb_raw(b, "<form method=\"get\" action=\"/queue\" class=\"filters\">"
	    "<label>");
	wb_text(b, T(req, W_STATE));
	wb_raw(b, "<select name=\"status\">");
	web_option(b, "open", status, T(req, W_OPEN));
	web_option(b, "closed", status, T(req, W_CLOSED));
	web_option(b, "any", status, T(req, W_ANY));
	wb_printf(b, "</select></label><label><input type=\"checkbox\" "
	    "name=\"urgent\" value=\"1\"%s>", urgent ? " checked" : "");
	wb_text(b, T(req, W_URGENT_ONLY));
	wb_raw(b, "</label><label>");
	wb_text(b, T(req, W_SINCE));
	wb_raw(b, " <span class=\"hint\">(");
	wb_text(b, T(req, W_DAY_HINT));
	/* A text field, not type=date: a date field shows the day in the
	 * browser's locale (mm/dd/yyyy in a US one); this one is ISO in
	 * every browser. The server checks it as well (day_start()). */
	wb_raw(b, ")</span><input type=\"text\" name=\"since\" id=\"since\" "
	    "inputmode=\"numeric\" pattern=\"[0-9]{4}-[0-9]{2}-[0-9]{2}\" "
	    "maxlength=\"10\" autocomplete=\"off\" placeholder=\"");
	wb_text(b, today);
	wb_raw(b, "\" title=\"");
	wb_text(b, T(req, W_DAY_HINT));
	wb_raw(b, "\" value=\"");
	wb_text(b, since != NULL ? since : "");
	wb_raw(b, "\"></label>");
	web_queue_gateways(req, b, gw);
	wb_raw(b, "<button>");
	wb_text(b, T(req, W_FILTER));
	wb_raw(b, "</button></form>");
}

/* A cell of a queue row, labelled for a phone, where rows are cards and
 * the table's head is not shown. */
static void
web_cell_open(struct web_req *req, struct web_buf *b, enum web_str label)
{
	wb_raw(b, "<td><span class=\"lbl\">");
	wb_text(b, T(req, label));
	wb_raw(b, "</span>");
}

static void
web_queue_rows(struct web_req *req, struct web_buf *b,
    const struct web_queue *q)
{
	static const enum web_str queue_cols[] = { W_REF, W_FILED, W_STATE,
	    W_CLAIMED_BY, W_TEXT };
	static const enum web_str central_cols[] = { W_REF, W_GATEWAY,
	    W_FILED, W_STATE, W_CLAIMED_BY, W_TEXT };
	int central = web_data(req->app)->ops->central;
	char at[WEB_TIME_LEN];
	size_t i;

	if (central)
		web_thead(req, b, "queue", NULL, central_cols, 6);
	else
		web_thead(req, b, "queue", NULL, queue_cols, 5);
	for (i = 0; i < q->n; i++) {
		const struct web_qrow *r = &q->rows[i];

		wb_printf(b, "<tr class=\"%s\">", r->urgent ? "urgent" : "");
		web_cell_open(req, b, W_REF);
		wb_printf(b, "<a href=\"/report/%lld", (long long)r->id);
		if (r->gateway[0] != '\0') {
			wb_raw(b, "?gw=");
			wb_text(b, r->gateway);
		}
		wb_raw(b, "\">");
		wb_text(b, r->ref);
		wb_raw(b, "</a>");
		if (r->urgent) {
			wb_raw(b, " <span class=\"badge\">");
			wb_text(b, T(req, W_URGENT));
			wb_raw(b, "</span>");
		}
		wb_raw(b, "</td>");
		if (central) {
			web_cell_open(req, b, W_GATEWAY);
			wb_raw(b, "<span class=\"gateway\">");
			wb_text(b, r->gateway);
			wb_raw(b, "</span></td>");
		}
		web_cell_open(req, b, W_FILED);
		wb_text(b, web_time(r->created_at, at, sizeof(at)));
		wb_raw(b, "</td>");
		web_cell_open(req, b, W_STATE);
		wb_text(b, T(req, r->closed ? W_CLOSED : W_OPEN));
		wb_raw(b, "</td>");
		web_cell_open(req, b, W_CLAIMED_BY);
		wb_text(b, r->claimed_by != NULL ? r->claimed_by :
		    T(req, W_UNCLAIMED));
		wb_raw(b, "</td><td class=\"text\">");
		wb_text(b, r->text != NULL ? r->text : T(req, W_SEALED));
		wb_raw(b, "</td></tr>");
	}
	wb_raw(b, "</tbody></table>");
}

void
web_queue(struct web_req *req, struct web_resp *resp)
{
	struct web_buf *b = &resp->body;
	struct store_filter f;
	struct web_queue q;
	const char *status = web_form_get(&req->query, "status");
	const char *urgent = web_form_get(&req->query, "urgent");
	const char *since = web_form_get(&req->query, "since");
	const char *gw = web_form_get(&req->query, "gw");
	const char *day = "";
	int64_t start = 0;
	size_t i;
	int rc;

	if (status == NULL || (strcmp(status, "closed") != 0 &&
	    strcmp(status, "any") != 0))
		status = "open";
	if (day_start(since, 0, &start) == 0)
		day = since;             /* digits and dashes only */
	if (gw == NULL || !web_data(req->app)->ops->central ||
	    !conf_central_name_ok(gw))
		gw = "";                 /* a name: letters, digits, _ */
	memset(&f, 0, sizeof(f));
	f.state = strcmp(status, "any") == 0 ? NULL : status;
	f.urgent = urgent != NULL && strcmp(urgent, "1") == 0 ? 1 : -1;
	f.since = day[0] != '\0' ? start : 0;
	f.limit = WEB_QUEUE_MAX;
	memset(&q, 0, sizeof(q));
	q.req = req;
	if ((q.rows = calloc(WEB_QUEUE_MAX, sizeof(*q.rows))) == NULL) {
		b->oom = 1;
		return;
	}
	rc = web_data(req->app)->ops->reports(web_data(req->app), &f,
	    gw[0] != '\0' ? gw : NULL, web_queue_row, &q);
	if (rc < 0 || q.oom) {
		web_page_message(req, resp, 500, W_ERROR, T(req, W_ERROR));
		goto out;
	}
	qsort(q.rows, q.n, sizeof(*q.rows), web_qrow_cmp);
	resp->refresh = 30;
	web_head(req, resp, T(req, W_QUEUE), T(req, W_QUEUE));
	web_notice(b, "note", T(req, web_sess_key(req->sess) != NULL ?
	    W_UNLOCKED_NOTE : W_LOCKED_NOTE));
	web_queue_counts(req, b, &f, status, day, gw);
	web_queue_filters(req, b, status, f.urgent == 1, since, day, gw);
	if (q.n == 0)
		web_notice(b, "empty", T(req, W_NO_REPORTS));
	else
		web_queue_rows(req, b, &q);
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
