/*
 * gateway: opens, reads, stores, deletes, routes and sends, in that order.
 *
 * The order carries the promises of DESIGN.md: an SMS is deleted from the
 * modem only after store_put_part() committed it; reading comes before
 * sending in every pass, so that a burst never fills the SIM; a send that
 * fails stays queued. A modem that fails repeatedly is closed and reopened
 * with exponential backoff (1 s doubling to 60 s); a database that fails is
 * retried likewise. Nothing here exits the process.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway.h"
#include "log.h"
#include "netclock.h"
#include "report.h"
#include "route.h"

#define GW_BACKOFF_MAX     60      /* seconds between reopen attempts */
#define GW_ERRORS_REOPEN   3       /* consecutive failures before a reopen */
#define GW_HANDLE_BATCH    20      /* messages routed per pass */
#define GW_INFO_INTERVAL   60      /* seconds between signal/SIM refreshes */
#define GW_RETRY_MAX       3600    /* longest wait before a send retry */
#define GW_WAIT_MAX        1000    /* ms: the loop turns at least this often */
#define GW_ERR             192     /* room for a modem error, with its context */

struct gateway {
	const struct modem_ops *ops;
	struct store *store;
	const struct conf *conf;
	void *modem;             /* NULL while closed */
	int64_t open_at;         /* next attempt to open */
	int backoff;             /* seconds before the next attempt after this */
	int errors;              /* consecutive modem failures */
	int read_due;            /* read at the next pass */
	int64_t read_at;         /* next periodic full read */
	int64_t info_at;         /* next signal/SIM refresh */
	int64_t store_at;        /* after a database failure: retry then */
	int store_backoff;
	int64_t purge_at;        /* next retention purge (daily) */
	struct store_modem_state state;
};

/* Where read() found an SMS that is now stored: delete it there. */
struct gateway_batch {
	struct gateway *gw;
	int64_t now;
	struct modem_sms *done;
	size_t ndone, cap;
	int store_failed;
};

static void
gateway_save_state(struct gateway *gw, int64_t now)
{
	gw->state.updated_at = now;
	if (store_modem_state_put(gw->store, &gw->state) < 0)
		log_warnx("store: cannot record the modem state: %s",
		    store_errmsg(gw->store));
}

/* Schedules the next open after the current backoff, and doubles it. */
static void
gateway_backoff(struct gateway *gw, int64_t now)
{
	gw->open_at = now + gw->backoff;
	gw->backoff = gw->backoff * 2 > GW_BACKOFF_MAX ?
	    GW_BACKOFF_MAX : gw->backoff * 2;
}

static void
gateway_close(struct gateway *gw, int64_t now)
{
	if (gw->modem != NULL) {
		gw->ops->close(gw->modem);
		gw->modem = NULL;
	}
	if (gw->state.connected) {
		gw->state.connected = 0;
		gw->state.since = now;
	}
	gateway_save_state(gw, now);
}

/*
 * A modem call failed. Record it; after GW_ERRORS_REOPEN failures in a row
 * (or at once when the device is gone) close the modem so that the next
 * passes reopen it with backoff.
 */
static void
gateway_modem_error(struct gateway *gw, const char *what, const char *err,
    int gone, int64_t now)
{
	log_warnx("modem: %s failed: %s", what, err);
	snprintf(gw->state.last_error, sizeof(gw->state.last_error),
	    "%s: %s", what, err);
	gw->state.last_error_at = now;
	if (++gw->errors >= GW_ERRORS_REOPEN || gone) {
		log_warnx("modem: closing after %d failure(s); reopening in "
		    "%d s", gw->errors, gw->backoff);
		gateway_backoff(gw, now);
		gateway_close(gw, now);
		return;
	}
	gateway_save_state(gw, now);
}

static void
gateway_refresh_info(struct gateway *gw, int64_t now)
{
	struct modem_info info;
	char err[GW_ERR];

	gw->info_at = now + GW_INFO_INTERVAL;
	if (gw->ops->info(gw->modem, &info, err, sizeof(err)) < 0) {
		gateway_modem_error(gw, "status", err, 0, now);
		return;
	}
	snprintf(gw->state.operator_name, sizeof(gw->state.operator_name),
	    "%s", info.operator_name);
	gw->state.signal_dbm = info.signal_dbm;
	gw->state.signal_percent = info.signal_percent;
	gw->state.sim_used = info.sim_used;
	gw->state.sim_total = info.sim_total;
	netclock_note(&gw->state, info.network_time);
	gateway_save_state(gw, now);
}

/* Opens the modem when it is closed and its time has come. */
static void
gateway_open(struct gateway *gw, int64_t now)
{
	char err[GW_ERR];

	if (gw->modem != NULL || now < gw->open_at)
		return;
	gw->modem = gw->ops->open(&gw->conf->modem, err, sizeof(err));
	if (gw->modem == NULL) {
		log_warnx("modem: cannot open %s: %s; next try in %d s",
		    gw->conf->modem.device, err, gw->backoff);
		snprintf(gw->state.last_error, sizeof(gw->state.last_error),
		    "open: %s", err);
		gw->state.last_error_at = now;
		gateway_save_state(gw, now);
		gateway_backoff(gw, now);
		return;
	}
	log_info("modem: connected (%s, %s)", gw->conf->modem.device,
	    gw->conf->modem.connection);
	gw->errors = 0;
	gw->read_due = 1;
	gw->state.connected = 1;
	gw->state.since = now;
	gateway_refresh_info(gw, now);
}

/* read() callback: store the SMS; remember where it lies to delete it. */
static int
gateway_store_sms(void *arg, const struct modem_sms *sms)
{
	struct gateway_batch *b = arg;
	struct store_part part;
	struct modem_sms *grown;
	int r = 0;

	if (sms->status_report) {
		if ((r = store_outbox_delivery(b->gw->store, sms->report_ref,
		    sms->report_delivered, b->now)) < 0) {
			log_warnx("store: cannot record a delivery report, left "
			    "on the modem: %s", store_errmsg(b->gw->store));
			b->store_failed = 1;
			return -1;
		}
		log_debug("delivery report for reference %d: %s%s",
		    sms->report_ref, sms->report_delivered ? "delivered" :
		    "not delivered", r == 0 ? " (no message matches)" : "");
		goto done;
	}
	if (sms->raw && sms->text[0] == '\0') {
		log_warnx("modem: the SMS at location %d cannot be decoded and "
		    "this connection cannot fetch it raw: left on the SIM",
		    sms->location);
		return 0;
	}
	part.sender = sms->sender;
	part.sent_at = sms->sent_at;
	part.concat_ref = sms->concat_ref;
	part.part_no = sms->part_no;
	part.part_count = sms->part_count;
	part.text = sms->text;
	part.coding = sms->coding;
	part.data = sms->data_len > 0 ? sms->data : NULL;
	part.data_len = sms->data_len;
	part.malformed = sms->malformed;
	part.probe = sms->probe;
	if ((r = store_put_part(b->gw->store, &part, b->now)) < 0) {
		log_warnx("store: cannot store an SMS, left on the modem: %s",
		    store_errmsg(b->gw->store));
		b->store_failed = 1;
		return -1;
	}
	if (r == 1 && sms->raw)
		log_info("stored an SMS the modem could not decode, raw and "
		    "marked malformed");
	if (r == 1 && sms->probe)
		log_info("stored a type 0 SMS (a network probe): not answered");
	log_debug("stored SMS at %d (part %d/%d)%s", sms->location,
	    sms->part_no, sms->part_count, r == 0 ? ", already stored" : "");
done:
	if (b->ndone == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;

		if ((grown = realloc(b->done, cap * sizeof(*grown))) == NULL)
			return -1;      /* stored; deleted on the next read */
		b->done = grown;
		b->cap = cap;
	}
	b->done[b->ndone++] = *sms;
	return 0;
}

/* Reads the modem, stores each SMS, then deletes each one stored. */
static void
gateway_read(struct gateway *gw, int64_t now)
{
	struct gateway_batch b = { .gw = gw, .now = now };
	char err[GW_ERR];
	size_t i;
	int n, r;

	gw->read_due = 0;
	gw->read_at = now + gw->conf->modem.poll_interval;
	n = gw->ops->read(gw->modem, gateway_store_sms, &b, err, sizeof(err));
	if (n < 0 && !b.store_failed)
		gateway_modem_error(gw, "read", err, 0, now);
	else if (n >= 0)
		gw->errors = 0, gw->backoff = 1;  /* it works: forget the past */
	for (i = 0; i < b.ndone && gw->modem != NULL; i++) {
		r = gw->ops->remove(gw->modem, &b.done[i], err, sizeof(err));
		if (r == -2)            /* refused: the modem is fine */
			log_warnx("modem: %s; the SMS stays on the SIM", err);
		else if (r < 0) {
			gateway_modem_error(gw, "delete", err, 0, now);
			gw->read_due = 1;
		}
	}
	if (b.ndone > 0)
		log_info("received %zu SMS", b.ndone);
	if (b.store_failed)
		gw->read_due = 1;       /* again, once the store recovers */
	free(b.done);
}

/* A database failure: log it and wait before the next pass touches it. */
static void
gateway_store_error(struct gateway *gw, const char *what, int64_t now)
{
	log_warnx("store: %s failed: %s; retrying in %d s", what,
	    store_errmsg(gw->store), gw->store_backoff);
	gw->store_at = now + gw->store_backoff;
	gw->store_backoff = gw->store_backoff * 2 > GW_BACKOFF_MAX ?
	    GW_BACKOFF_MAX : gw->store_backoff * 2;
}

/* Routes up to GW_HANDLE_BATCH messages. 1 when more may be waiting. */
static int
gateway_handle(struct gateway *gw, int64_t now)
{
	int i, r;

	if (store_expire_parts(gw->store,
	    now - gw->conf->limits.multipart_timeout) < 0) {
		gateway_store_error(gw, "joining long messages", now);
		return 0;
	}
	for (i = 0; i < GW_HANDLE_BATCH; i++) {
		if ((r = route_handle_next(gw->store, gw->conf, now)) < 0) {
			gateway_store_error(gw, "handling a message", now);
			return 0;
		}
		if (r == 0)
			return 0;
	}
	return 1;
}

/* Seconds to wait before attempt number attempts + 1. */
static int64_t
gateway_retry_delay(const struct conf *conf, int attempts)
{
	int64_t d = conf->limits.retry_delay;

	while (--attempts > 0 && d < GW_RETRY_MAX)
		d *= 2;
	return d < GW_RETRY_MAX ? d : GW_RETRY_MAX;
}

/* What to do with a message the modem did not send. */
static void
gateway_send_failed(struct gateway *gw, const struct store_out *o, int rc,
    const char *err, int64_t now)
{
	int attempts = o->attempts + 1;
	int r;

	if (rc == -1) {                 /* the modem, not the message */
		gateway_modem_error(gw, "send", err, 0, now);
		return;
	}
	if (attempts >= gw->conf->limits.send_attempts) {
		log_warnx("outbox %lld: failed after %d attempts: %s",
		    (long long)o->id, attempts, err);
		r = store_outbox_fail(gw->store, o->id, err, now);
	} else {
		log_warnx("outbox %lld: attempt %d failed: %s",
		    (long long)o->id, attempts, err);
		r = store_outbox_retry(gw->store, o->id, err,
		    now + gateway_retry_delay(gw->conf, attempts));
	}
	if (r < 0)
		gateway_store_error(gw, "recording a failed send", now);
}

/* Where a send in progress records each part the network accepted. */
struct gateway_sending {
	struct gateway *gw;
	int64_t id;
};

static void
gateway_part_sent(void *arg, const struct modem_send *progress)
{
	struct gateway_sending *s = arg;

	if (store_outbox_progress(s->gw->store, s->id, progress->msgref) < 0)
		log_warnx("store: cannot record a sent part of outbox %lld: "
		    "%s", (long long)s->id, store_errmsg(s->gw->store));
}

/* How far an earlier attempt got: one reference per part it sent. */
static void
gateway_progress(const struct store_out *o, struct modem_send *progress)
{
	const char *p;

	memset(progress, 0, sizeof(*progress));
	progress->concat_ref = (int)(o->id % 255) + 1;
	if (o->msgref == NULL || o->msgref[0] == '\0')
		return;
	snprintf(progress->msgref, sizeof(progress->msgref), "%s", o->msgref);
	progress->parts_done = 1;
	for (p = progress->msgref; *p != '\0'; p++)
		progress->parts_done += *p == ',';
}

/* Sends the message due soonest, if any. 1 when one was tried. */
static int
gateway_send(struct gateway *gw, int64_t now)
{
	struct store_out o;
	struct modem_send progress;
	struct gateway_sending sending = { .gw = gw };
	char err[GW_ERR] = "";
	int r, rc;

	memset(&o, 0, sizeof(o));
	if ((r = store_outbox_next(gw->store, now, &o)) <= 0) {
		if (r < 0)
			gateway_store_error(gw, "reading the outbox", now);
		return 0;
	}
	/* A send holds the line for seconds, and notices of new messages
	 * that came meanwhile wait in libgammu: read those first, so that a
	 * burst never fills the SIM while the outbox drains. */
	if ((r = gw->ops->wait(gw->modem, 0)) != 0) {
		if (r > 0)
			gw->read_due = 1;
		else
			gateway_modem_error(gw, "wait", "device gone", 1, now);
		store_out_free(&o);
		return 1;
	}
	gateway_progress(&o, &progress);
	sending.id = o.id;
	rc = gw->ops->send(gw->modem, o.number, o.text, &progress,
	    gateway_part_sent, &sending, err, sizeof(err));
	if (rc == 0) {
		gw->errors = 0;
		log_info("outbox %lld: sent (%d part%s)", (long long)o.id,
		    progress.parts_total, progress.parts_total == 1 ? "" : "s");
		if (store_outbox_sent(gw->store, o.id, progress.msgref,
		    now) < 0)
			gateway_store_error(gw, "recording a sent message",
			    now);
	} else {
		gateway_send_failed(gw, &o, rc, err, now);
	}
	store_out_free(&o);
	return 1;
}

/* Milliseconds until something is due, at most GW_WAIT_MAX. */
static int
gateway_next_wait(struct gateway *gw, int64_t now)
{
	int64_t due = now + GW_WAIT_MAX / 1000, w;

	if (gw->modem == NULL) {
		if (gw->open_at < due)
			due = gw->open_at;
	} else {
		if (gw->read_due)
			return 0;
		if (gw->read_at < due)
			due = gw->read_at;
		w = store_outbox_wait(gw->store, now);
		if (w >= 0 && now + w < due)
			due = now + w;
	}
	return due <= now ? 0 : (int)((due - now) * 1000);
}

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
		log_warnx("retention: purge failed: %s",
		    store_errmsg(gw->store));
		gw->purge_at = now + 3600;
		return;
	}
	gw->purge_at = now + 86400;
	if (p.reports > 0 || p.messages > 0 || p.outbox > 0)
		log_info("retention: purged %d closed report(s), %d inbox and "
		    "%d outbox message(s)", p.reports, p.messages, p.outbox);
}

int
gateway_run_once(struct gateway *gw, int64_t now)
{
	int more;

	gateway_open(gw, now);
	if (gw->modem != NULL && (gw->read_due || now >= gw->read_at))
		gateway_read(gw, now);
	if (now < gw->store_at)
		return GW_WAIT_MAX;
	more = gateway_handle(gw, now);
	if (now < gw->store_at)
		return GW_WAIT_MAX;
	gw->store_backoff = 1;
	gateway_purge(gw, now);
	if (report_tick(gw->store, gw->conf, now) < 0)
		log_warnx("reports: escalation or scrubbing failed: %s",
		    store_errmsg(gw->store));
	if (gw->modem != NULL && now >= gw->info_at)
		gateway_refresh_info(gw, now);
	if (gw->modem != NULL && !gw->read_due && gateway_send(gw, now))
		more = 1;
	return more ? 0 : gateway_next_wait(gw, now);
}

void
gateway_wait(struct gateway *gw, int timeout_ms)
{
	int r;

	if (timeout_ms <= 0)
		timeout_ms = 0;
	if (gw->modem == NULL) {
		if (poll(NULL, 0, timeout_ms) < 0 && errno != EINTR)
			log_warn("poll");
		return;
	}
	r = gw->ops->wait(gw->modem, timeout_ms);
	if (r > 0)
		gw->read_due = 1;
	else if (r < 0)
		gateway_modem_error(gw, "wait", "device gone", 1,
		    (int64_t)time(NULL));
}

int
gateway_connected(const struct gateway *gw)
{
	return gw->modem != NULL;
}

struct gateway *
gateway_new(const struct modem_ops *ops, struct store *store,
    const struct conf *conf)
{
	struct gateway *gw;

	if ((gw = calloc(1, sizeof(*gw))) == NULL)
		return NULL;
	gw->ops = ops;
	gw->store = store;
	gw->conf = conf;
	gw->backoff = 1;
	gw->store_backoff = 1;
	gw->read_due = 1;
	gw->state.signal_percent = -1;
	gw->state.sim_used = -1;
	gw->state.sim_total = -1;
	return gw;
}

/* 1 when the two confs would open the modem differently. */
static int
gateway_modem_changed(const struct conf_modem *a, const struct conf_modem *b)
{
	return strcmp(a->device, b->device) != 0 ||
	    strcmp(a->connection, b->connection) != 0 ||
	    strcmp(a->model, b->model) != 0 || strcmp(a->pin, b->pin) != 0 ||
	    a->notifications != b->notifications;
}

void
gateway_set_conf(struct gateway *gw, const struct conf *conf)
{
	int64_t now = (int64_t)time(NULL);

	if (gw->modem != NULL &&
	    gateway_modem_changed(&gw->conf->modem, &conf->modem)) {
		log_info("modem: settings changed, reopening");
		gateway_close(gw, now);
		gw->open_at = now;
		gw->backoff = 1;
	}
	gw->conf = conf;
}

void
gateway_free(struct gateway *gw)
{
	if (gw == NULL)
		return;
	gateway_close(gw, (int64_t)time(NULL));
	free(gw);
}
