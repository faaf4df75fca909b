/*
 * web_status: the gateway's state (modem, queues, the outbox with numbers
 * cut to their last three digits), the statistics with their chart, and
 * the audit log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "casework.h"
#include "conf.h"
#include "day.h"
#include "log.h"
#include "store_health.h"
#include "web.h"
#include "web_data.h"

#define WEB_OUTBOX_MAX 50
#define WEB_AUDIT_MAX 200

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
	char at[WEB_TIME_LEN];
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

/* The open health conditions, one row each (include/health.h's names). */
struct web_health {
	struct web_req *req;
	struct web_buf *b;
	int n;
};

static int
web_health_row(void *arg, const struct store_health *h)
{
	struct web_health *w = arg;
	char v[160], at[WEB_TIME_LEN];

	snprintf(v, sizeof(v), "%s%s%s%s (%s)", h->name, h->detail[0] ?
	    ": " : "", h->detail, h->told ? ", alerted" : "",
	    web_time(h->since, at, sizeof(at)));
	web_row(w->b, w->n++ == 0 ? T(w->req, W_HEALTH) : "", v);
	return 0;
}

/* The SIM's credit as the daemon last read it (with one modem: several
 * have it in their table's rows), and the open conditions: rows of the
 * modem's table. */
static void
web_status_health(struct web_req *req, struct web_buf *b,
    struct store *store)
{
	struct web_health w = { req, b, 0 };
	struct store_credit c;
	char v[320], at[WEB_TIME_LEN];

	const struct conf *conf = web_conf(req->app);

	if (conf->nmodems == 1 && store_credit_get(store,
	    conf->modems[0].name, 1, &c) == 0 && (c.known || c.checked_at)) {
		if (c.known)
			snprintf(v, sizeof(v), "%lld (%s)%s%s",
			    (long long)c.amount, web_time(c.at, at,
			    sizeof(at)), c.error[0] ? "; " : "", c.error);
		else
			snprintf(v, sizeof(v), "%s: %s", T(req, W_UNKNOWN),
			    c.error);
		web_row(b, T(req, W_CREDIT), v);
	}
	if (store_health_list_open(store, web_health_row, &w) == 0 &&
	    w.n == 0)
		web_row(b, T(req, W_HEALTH), "-");
}

/* The modems' rows, for the page. */
struct web_modems {
	struct store_modem m[CONF_MODEMS_MAX];
	size_t n;
};

static int
web_modem_add(void *arg, const struct store_modem *m)
{
	struct web_modems *ms = arg;

	if (ms->n < CONF_MODEMS_MAX)
		ms->m[ms->n++] = *m;
	return 0;
}

/* A modem's credit for its row: "850 (time)", or unknown. */
static void
web_modem_credit(struct web_req *req, struct store *store, const char *name,
    char *v, size_t vlen)
{
	const struct conf *conf = web_conf(req->app);
	struct store_credit c;
	char at[WEB_TIME_LEN];

	if (store_credit_get(store, name, strcmp(name,
	    conf->modems[0].name) == 0, &c) == 0 && c.known)
		snprintf(v, vlen, "%lld (%s)", (long long)c.amount,
		    web_time(c.at, at, sizeof(at)));
	else
		snprintf(v, vlen, "%s", T(req, W_UNKNOWN));
}

/* A row per modem (its name, state, operator, signal, SIM, credit, sent
 * today, last error), when there are several; nothing with one: the
 * modem's own table above says it all. */
static void
web_modems(struct web_req *req, struct web_buf *b, struct store *store,
    const struct web_modems *ms)
{
	static const enum web_str cols[] = { W_MODEM, W_OPERATOR, W_SIGNAL,
	    W_SIM_STORAGE, W_CREDIT, W_SENT_TODAY, W_LAST_ERROR };
	const struct store_modem *m;
	char v[320];
	size_t i, c;

	if (ms->n < 2)
		return;
	wb_raw(b, "<h2>");
	wb_text(b, T(req, W_MODEMS));
	wb_raw(b, "</h2><table class=\"modems\"><thead><tr><th></th>");
	for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
		wb_raw(b, "<th>");
		wb_text(b, T(req, cols[c]));
		wb_raw(b, "</th>");
	}
	wb_raw(b, "</tr></thead><tbody>");
	for (i = 0; i < ms->n; i++) {
		m = &ms->m[i];
		wb_raw(b, "<tr><th>");
		wb_text(b, m->name);
		wb_raw(b, "</th><td>");
		wb_text(b, T(req, m->state.connected ? W_CONNECTED :
		    W_DISCONNECTED));
		wb_raw(b, "</td><td>");
		wb_text(b, m->state.operator_name[0] != '\0' ?
		    m->state.operator_name : T(req, W_UNKNOWN));
		wb_raw(b, "</td><td>");
		if (m->state.signal_dbm != 0)
			snprintf(v, sizeof(v), "%d dBm", m->state.signal_dbm);
		else
			snprintf(v, sizeof(v), "%s", T(req, W_UNKNOWN));
		wb_text(b, v);
		wb_raw(b, "</td><td>");
		if (m->state.sim_used >= 0)
			snprintf(v, sizeof(v), "%d / %d", m->state.sim_used,
			    m->state.sim_total);
		else
			snprintf(v, sizeof(v), "%s", T(req, W_UNKNOWN));
		wb_text(b, v);
		wb_raw(b, "</td><td>");
		web_modem_credit(req, store, m->name, v, sizeof(v));
		wb_text(b, v);
		wb_raw(b, "</td><td>");
		snprintf(v, sizeof(v), "%d", m->sent_today);
		wb_text(b, v);
		wb_raw(b, "</td><td>");
		wb_text(b, m->state.last_error[0] != '\0' ?
		    m->state.last_error : "-");
		wb_raw(b, "</td></tr>");
	}
	wb_raw(b, "</tbody></table>");
}

void
web_status(struct web_req *req, struct web_resp *resp)
{
	static const enum web_str outbox_cols[] = { W_QUEUED_AT, W_NUMBER, W_KIND,
	    W_STATE, W_ATTEMPTS, W_DELIVERY };
	struct store *store = web_store(req->app);
	struct web_buf *b = &resp->body;
	struct store_modem_state m;
	struct store_counts c;
	struct store_filter f;
	struct web_modems ms = { .n = 0 };
	char v[320], at[WEB_TIME_LEN];
	int have;

	if ((have = store_modem_state_get(store, &m)) < 0 ||
	    store_counts(store, &c) < 0 || store_modem_list(store,
	    day_midnight((int64_t)time(NULL)), web_modem_add, &ms) < 0) {
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
		web_status_health(req, b, store);
		if (m.last_error[0] != '\0')
			snprintf(v, sizeof(v), "%s (%s)", m.last_error,
			    web_time(m.last_error_at, at, sizeof(at)));
		else
			snprintf(v, sizeof(v), "-");
		web_row(b, T(req, W_LAST_ERROR), v);
	}
	wb_raw(b, "</table>");
	web_modems(req, b, store, &ms);
	wb_raw(b, "<h2>");
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

/* The statistics' source: the console's data, of one gateway or all. */
struct web_stats_src {
	struct web_data *d;
	const char *gateway;     /* NULL: all */
};

static int
web_data_stats(void *arg, const char *since_day, const char *until_day,
    store_stat_cb cb, void *cbarg)
{
	struct web_stats_src *src = arg;

	return src->d->ops->stats(src->d, since_day, until_day, src->gateway,
	    cb, cbarg);
}

void
web_stats(struct web_req *req, struct web_resp *resp)
{
	static const enum web_str total_cols[] = { W_KEYWORD, W_TOTAL };
	struct web_buf *b = &resp->body;
	struct web_data *d = web_data(req->app);
	const char *gw = web_form_get(&req->query, "gw");
	struct web_stats_src src;
	struct web_series s;
	size_t k, n;
	long total;
	char today[16], zone[24];

	web_today(today, sizeof(today));
	if (gw == NULL || !conf_central_name_ok(gw) || !d->ops->central)
		gw = NULL;               /* all: a checked name otherwise */
	src.d = d;
	src.gateway = gw;
	if (web_series_load_with(web_data_stats, &src,
	    web_conf(req->app)->web.campaign_start, today, &s) == -1) {
		web_series_free(&s);
		web_page_message(req, resp, 500, W_ERROR, T(req, W_ERROR));
		return;
	}
	/* Today is counted as the day goes: a low last point is "so far",
	 * not a collapse. */
	s.partial_last = s.ndays > 0 && strcmp(s.days[s.ndays - 1], today) ==
	    0;
	if (web_series_label(&s, web_conf(req->app), req->lang) == -1)
		b->oom = 1;
	web_head(req, resp, T(req, W_STATS), T(req, W_STATS));
	/* The campaign's page hangs here: the header has no room for it on
	 * a phone. */
	wb_raw(b, "<p class=\"more\"><a href=\"/surveys\">");
	wb_text(b, T(req, W_NAV_SURVEYS));
	wb_raw(b, "</a></p><h2>");
	wb_text(b, T(req, W_PER_DAY));
	wb_raw(b, "</h2>");
	if (s.ndays == 0) {
		web_notice(b, "empty", T(req, W_NO_STATS));
		web_foot(resp);
		web_series_free(&s);
		return;
	}
	wb_raw(b, "<figure>");
	web_chart_svg(b, &s, req->lang);
	wb_raw(b, "<figcaption>");
	wb_text(b, s.days[0]);
	wb_raw(b, " – ");
	wb_text(b, s.days[s.ndays - 1]);
	wb_raw(b, " · ");
	wb_text(b, T(req, W_DAYS_IN));
	wb_raw(b, " ");
	wb_text(b, web_zone((int64_t)time(NULL), zone, sizeof(zone)));
	wb_raw(b, "</figcaption></figure>");
	web_thead(req, b, "totals", NULL, total_cols, 2);
	for (k = 0; k < s.nkeywords; k++) {
		for (total = 0, n = 0; n < s.ndays; n++)
			total += s.count[k * s.ndays + n];
		wb_raw(b, "<tr><td>");
		wb_text(b, s.labels != NULL ? s.labels[k] : s.keywords[k]);
		wb_printf(b, "</td><td>%ld</td></tr>", total);
	}
	wb_raw(b, "</tbody></table>");
	web_stats_gateways(req, b, web_conf(req->app)->web.campaign_start,
	    today);
	web_foot(resp);
	web_series_free(&s);
}

/* ---- the audit log ------------------------------------------------------ */

static int
web_audit_row(void *arg, const struct store_audit *a)
{
	struct web_buf *b = arg;
	char at[WEB_TIME_LEN];

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

void
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
