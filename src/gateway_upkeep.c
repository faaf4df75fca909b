/*
 * gateway_upkeep: what the first modem's process does besides messages,
 * once per pass when the database works: the daily retention purge, the
 * reports' escalation and scrubbing, the gateway's health
 * (gateway_health.c) and the campaign's scheduler (campaign.c).
 */
#include <stdint.h>

#include "campaign.h"
#include "gateway_int.h"
#include "log.h"
#include "report.h"
#include "store.h"

/*
 * Once a day (and at start), forgets what the retention settings let go,
 * so that a device nobody logs in to still forgets; report_tick() then
 * empties the WAL. Logs counts only.
 */
static void
gateway_purge(struct gateway *gw, int64_t now)
{
	const struct conf_reports *r = &gw->conf->reports;
	struct store_retention ret;
	struct store_purged p;

	if (now < gw->purge_at)
		return;
	store_retention_days(&ret, r->retention_days, r->inbox_retention_days,
	    r->outbox_retention_days, now);
	if (store_purge(gw->store, &ret, 0, &p) < 0) {
		gateway_store_error(gw, "the retention purge",
		    store_errmsg(gw->store), now);
		gw->purge_at = now + 3600;
		return;
	}
	gw->purge_at = now + 86400;
	if (p.reports > 0 || p.messages > 0 || p.outbox > 0)
		log_info("retention: purged %d closed report(s), %d inbox and "
		    "%d outbox message(s)", p.reports, p.messages, p.outbox);
}

/* The daily purge, the reports' escalation and the gateway's own health
 * (gateway_health.c), when the database works. */
void
gateway_upkeep(struct gateway *gw, int64_t now)
{
	gateway_purge(gw, now);
	if (gateway_store_ready(gw, now) &&
	    report_tick(gw->store, gw->conf, now) < 0)
		gateway_store_error(gw, "escalating or scrubbing reports",
		    store_errmsg(gw->store), now);
	if (gateway_store_ready(gw, now))
		gateway_health(gw, now);
	if (gateway_store_ready(gw, now) &&
	    campaign_tick(gw->store, gw->conf, now) < 0)
		gateway_store_error(gw, "queueing series and broadcasts",
		    store_errmsg(gw->store), now);
}
