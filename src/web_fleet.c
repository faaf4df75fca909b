/*
 * web_fleet: the central console's fleet page (web.source = "central"):
 * every gateway with its last contact, modem, signal, SIM use, queue and
 * version as its newest health snapshot says, and a plain warning on one
 * silent longer than central.silent_after, so that a technician knows
 * which device to visit. Under it, the reports and messages of each
 * gateway counted, beside the statistics page's total.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "web.h"
#include "web_data.h"

/* What a fleet row writes into. */
struct web_fleet {
	struct web_req *req;
	struct web_buf *b;
	int n, silent;
};

/* A figure, or "-" when the gateway has not said. */
static void
web_fig(struct web_buf *b, int v, int unknown, const char *unit)
{
	if (v == unknown)
		wb_raw(b, "-");
	else
		wb_printf(b, "%d%s", v, unit);
}

static int
web_fleet_row(void *arg, const struct central_gateway *g)
{
	struct web_fleet *f = arg;
	struct web_req *req = f->req;
	struct web_buf *b = f->b;
	char at[WEB_TIME_LEN];

	f->n++;
	f->silent += g->silent != 0;
	wb_printf(b, "<tr class=\"%s\" id=\"gw-", g->silent ? "silent" : "");
	wb_text(b, g->name);
	wb_raw(b, "\"><td><a href=\"/queue?status=open&amp;gw=");
	wb_text(b, g->name);
	wb_raw(b, "\">");
	wb_text(b, g->name);
	wb_raw(b, "</a>");
	if (g->silent) {
		wb_raw(b, " <span class=\"badge warn\">");
		wb_text(b, T(req, W_SILENT_WARN));
		wb_raw(b, "</span>");
	}
	wb_raw(b, "</td><td>");
	wb_text(b, g->last_seen != 0 ? web_time(g->last_seen, at, sizeof(at)) :
	    T(req, W_NEVER));
	wb_raw(b, "</td><td>");
	wb_text(b, g->connected < 0 ? "-" : T(req, g->connected ?
	    W_CONNECTED : W_DISCONNECTED));
	if (g->operator_name != NULL) {
		wb_raw(b, " (");
		wb_text(b, g->operator_name);
		wb_raw(b, ")");
	}
	wb_raw(b, "</td><td>");
	web_fig(b, g->signal_dbm, 0, " dBm");
	wb_raw(b, "</td><td>");
	web_fig(b, g->sim_used, -1, "");
	wb_raw(b, "</td><td>");
	web_fig(b, g->outbox_queued, -1, "");
	wb_raw(b, "</td><td>");
	web_fig(b, g->reports_open, -1, "");
	wb_raw(b, "</td><td>");
	wb_text(b, g->version != NULL ? g->version : "-");
	wb_raw(b, "</td></tr>");
	return 0;
}

void
web_fleet(struct web_req *req, struct web_resp *resp)
{
	static const enum web_str cols[] = { W_GATEWAY, W_LAST_CONTACT,
	    W_MODEM, W_SIGNAL, W_SIM_USED, W_OUTBOX_QUEUED, W_REPORTS_OPEN,
	    W_VERSION };
	struct web_data *d = web_data(req->app);
	struct web_buf *b = &resp->body;
	struct web_fleet f = { req, b, 0, 0 };

	resp->refresh = 30;
	web_head(req, resp, T(req, W_FLEET), T(req, W_FLEET));
	web_thead(req, b, "fleet", NULL, cols, sizeof(cols) / sizeof(cols[0]));
	if (d->ops->fleet(d, web_conf(req->app)->central.silent_after,
	    web_fleet_row, &f) < 0) {
		log_error("web: fleet: %s", d->ops->errmsg(d));
		wb_raw(b, "</tbody></table>");
		web_notice(b, "error", T(req, W_ERROR));
		web_foot(resp);
		return;
	}
	wb_raw(b, "</tbody></table>");
	if (f.n == 0)
		web_notice(b, "empty", T(req, W_NO_GATEWAYS));
	else {
		wb_raw(b, "<p class=\"note\" id=\"fleet-count\">");
		wb_text(b, T(req, W_FLEET));
		wb_printf(b, ": <b>%d</b>, ", f.n);
		wb_text(b, T(req, W_SILENT));
		wb_printf(b, ": <b id=\"silent-count\">%d</b></p>", f.silent);
	}
	web_foot(resp);
}

/* ---- statistics per gateway ------------------------------------------ */

static int
web_gwstat_row(void *arg, const char *gateway, int64_t total)
{
	struct web_buf *b = arg;

	wb_raw(b, "<tr><td><a href=\"/stats?gw=");
	wb_text(b, gateway);
	wb_raw(b, "\">");
	wb_text(b, gateway);
	wb_printf(b, "</a></td><td class=\"gw-total\">%lld</td></tr>",
	    (long long)total);
	return 0;
}

void
web_stats_gateways(struct web_req *req, struct web_buf *b,
    const char *since_day, const char *until_day)
{
	static const enum web_str cols[] = { W_GATEWAY, W_TOTAL };
	struct web_data *d = web_data(req->app);
	int failed;

	if (d->ops->totals == NULL)
		return;
	wb_raw(b, "<h2>");
	wb_text(b, T(req, W_FLEET));
	wb_raw(b, "</h2>");
	web_thead(req, b, "gateways", NULL, cols, 2);
	if ((failed = d->ops->totals(d, since_day, until_day, web_gwstat_row,
	    b) < 0))
		log_error("web: statistics: %s", d->ops->errmsg(d));
	wb_raw(b, "</tbody></table>");
	if (failed)
		web_notice(b, "error", T(req, W_ERROR));
}
