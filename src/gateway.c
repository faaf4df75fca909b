/*
 * gateway: opens, reads, stores, deletes, routes and sends, in that order.
 *
 * The order carries the promises of DESIGN.md: an SMS is deleted from the
 * modem only after the transaction that stored it committed (one per read
 * of the SIM, however many SMS it finds); reading comes before sending in
 * every pass, so that a burst never fills the SIM; the messages a pass
 * handles share one transaction, each all or nothing in a savepoint; a send
 * that fails stays queued. A modem that fails repeatedly is closed and
 * reopened with exponential backoff (1 s doubling to 60 s). Fewer, larger
 * transactions are what spares the SD card: each commit syncs whole pages.
 *
 * A database that refuses writes (a full disk, a file system gone
 * read-only, a lock held too long) is waited for the same way: the SIM is
 * not read while it fails, so what it holds stays there; the failure is
 * logged once, then once a minute; what is already queued keeps going out
 * while the database can be read, and sends it could not record are kept
 * in memory, never sent twice, and recorded when it recovers (sending is
 * gateway_send.c). Before every
 * read of the SIM and every delete, the database file must still be the
 * one opened: deleted or replaced, the gateway stops (gateway_run_once()
 * returns -1) rather than store into a file nobody will see again. Nothing
 * here exits the process.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway_int.h"
#include "log.h"
#include "netclock.h"
#include "route.h"

/* What one read of the SIM found, in the order read: stored together,
 * then deleted from where each lies. */
struct gateway_batch {
	struct gateway *gw;
	struct modem_sms *sms;
	size_t n, cap;
	int full;                /* out of memory: reading was stopped */
};

/*
 * A database write (or read) failed: no read of the SIM until the backoff
 * has passed. The first failure of an outage is logged, then one line a
 * minute with the count, however often it is tried.
 */
void
gateway_store_error(struct gateway *gw, const char *what, const char *err,
    int64_t now)
{
	if (!gw->store_down) {
		gw->store_down = 1;
		gw->store_down_since = now;
	}
	gw->store_failures++;
	if (now >= gw->store_log_at) {
		if (!gw->store_logged)
			log_warnx("store: %s failed: %s; SMS stay on the SIM "
			    "until the database takes writes again (retrying "
			    "with backoff; logged once a minute)", what, err);
		else
			log_warnx("store: still failing after %lld s (%d "
			    "failure%s since the last line): %s: %s",
			    (long long)(now - gw->store_down_since),
			    gw->store_failures, gw->store_failures == 1 ?
			    "" : "s", what, err);
		gw->store_logged = 1;
		gw->store_failures = 0;
		gw->store_log_at = now + GW_STORE_LOG_EVERY;
	}
	gw->store_at = now + gw->store_backoff;
	gw->store_backoff = gw->store_backoff * 2 > GW_BACKOFF_MAX ?
	    GW_BACKOFF_MAX : gw->store_backoff * 2;
}

/* A write worked: a failing database has recovered. */
void
gateway_store_ok(struct gateway *gw, int64_t now)
{
	if (!gw->store_down)
		return;
	if (gw->store_logged)
		log_info("store: writes work again after %lld s; reading the "
		    "SIM", (long long)(now - gw->store_down_since));
	gw->store_down = 0;
	gw->store_logged = 0;
	gw->store_failures = 0;
	gw->store_backoff = 1;
	gw->store_at = 0;
}

/* Seconds between writes of the modem's row while nothing else writes
 * it: with several modems, a third of failover_after, so that a process
 * that hangs is taken for down in time; with one, the signal refresh's
 * pace. */
static int64_t
gateway_beat_every(const struct gateway *gw)
{
	int64_t every = gw->conf->failover_after / 3;

	if (gw->conf->nmodems < 2)
		return GW_INFO_INTERVAL;
	return every < 1 ? 1 : every > GW_INFO_INTERVAL ? GW_INFO_INTERVAL :
	    every;
}

void
gateway_down(struct gateway *gw, int64_t now)
{
	if (gw->down_since == 0) {
		gw->down_since = now;
		gw->beat_at = now;      /* tell the others at once */
	}
}

void
gateway_up(struct gateway *gw, int64_t now)
{
	if (gw->down_since != 0) {
		gw->down_since = 0;
		gw->beat_at = now;
	}
}

/* Records the modem's state for shukherctl status; a write like any
 * other, so it also tells whether a failing database has recovered. */
static void
gateway_save_state(struct gateway *gw, int64_t now)
{
	gw->state.updated_at = now;
	gw->beat_at = now + gateway_beat_every(gw);
	if ((gw->primary && store_modem_state_put(gw->store, &gw->state) < 0)
	    || store_modem_put(gw->store, gw->name, &gw->state,
	    gw->down_since) < 0)
		gateway_store_error(gw, "recording the modem state",
		    store_errmsg(gw->store), now);
	else
		gateway_store_ok(gw, now);
}

/*
 * Whether the database file is still the one opened. 0 when it is; -1
 * when it was deleted or replaced (logged; the gateway stops: nothing more
 * is deleted from the SIM); 1 when it cannot be told now (treated as a
 * failing database).
 */
static int
gateway_check_file(struct gateway *gw, int64_t now)
{
	char err[GW_ERR * 2];
	int r;

	if (gw->file_gone)
		return -1;
	if ((r = store_same_file(gw->store, err, sizeof(err))) == 0)
		return 0;
	if (r < 0) {
		gateway_store_error(gw, "checking the database file", err,
		    now);
		return 1;
	}
	log_error("%s: no SMS is deleted from the SIM any more; stopping, so "
	    "that the service restarts into a clear failure (restore the "
	    "file, or start afresh with `shukherctl init`)", err);
	gw->file_gone = 1;
	return -1;
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
		gateway_alive(gw);
	}
	if (gw->state.connected) {
		gw->state.connected = 0;
		gw->state.since = now;
	}
	gateway_down(gw, now);
	gateway_save_state(gw, now);
}

/*
 * A modem call failed. Record it; after GW_ERRORS_REOPEN failures in a row
 * (or at once when the device is gone) close the modem so that the next
 * passes reopen it with backoff.
 */
void
gateway_modem_error(struct gateway *gw, const char *what, const char *err,
    int gone, int64_t now)
{
	log_warnx("modem: %s failed: %s", what, err);
	snprintf(gw->state.last_error, sizeof(gw->state.last_error),
	    "%s: %s", what, err);
	gw->state.last_error_at = now;
	if (strncmp(err, MODEM_ERR_REOPEN, strlen(MODEM_ERR_REOPEN)) == 0) {
		/* it restarted, or lost a send's status: re-initialise it
		 * now, not after failures and backoff */
		log_warnx("modem: reopening now");
		gateway_close(gw, now);
		gw->open_at = now;
		gw->backoff = 1;
		return;
	}
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
	int r;

	gw->info_at = now + GW_INFO_INTERVAL;
	r = gw->ops->info(gw->modem, &info, err, sizeof(err));
	gateway_alive(gw);
	if (r < 0) {
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
	gw->modem = gw->ops->open(gw->mc, err, sizeof(err));
	gateway_alive(gw);
	if (gw->modem == NULL) {
		log_warnx("modem: cannot open %s: %s; next try in %d s",
		    gw->mc->device, err, gw->backoff);
		snprintf(gw->state.last_error, sizeof(gw->state.last_error),
		    "open: %s", err);
		gw->state.last_error_at = now;
		gateway_down(gw, now);
		gateway_save_state(gw, now);
		gateway_backoff(gw, now);
		return;
	}
	log_info("modem: connected (%s, %s)", gw->mc->device,
	    gw->mc->connection);
	gw->errors = 0;
	gateway_up(gw, now);
	gw->read_due = 1;
	gateway_poll_init(&gw->poll);
	gw->state.connected = 1;
	gw->state.since = now;
	gateway_refresh_info(gw, now);
}

/* read() callback: keeps the SMS, to be stored with the others of this
 * read. Out of memory, reading stops: what was kept is stored, the rest
 * stays on the SIM for the next read. A sign of life each: a full SIM's
 * read is one call of many commands. */
static int
gateway_collect(void *arg, const struct modem_sms *sms)
{
	struct gateway_batch *b = arg;
	struct modem_sms *grown;
	size_t cap;

	gateway_alive(b->gw);
	if (sms->raw && sms->text[0] == '\0' && !sms->status_report) {
		log_warnx("modem: the SMS at location %d cannot be decoded and "
		    "this connection cannot fetch it raw: left on the SIM",
		    sms->location);
		return 0;
	}
	if (b->n == b->cap) {
		cap = b->cap ? b->cap * 2 : 16;
		if ((grown = realloc(b->sms, cap * sizeof(*grown))) == NULL) {
			b->full = 1;
			return -1;
		}
		b->sms = grown;
		b->cap = cap;
	}
	b->sms[b->n++] = *sms;
	return 0;
}

/* Stores one SMS read, inside the read's transaction. Returns 0 or -1,
 * with *what saying what failed. */
static int
gateway_store_sms(struct gateway *gw, const struct modem_sms *sms,
    int64_t now, const char **what)
{
	struct store_part part;
	int r;

	if (sms->status_report) {
		*what = "recording a delivery report";
		if ((r = store_outbox_delivery_via(gw->store, gw->name,
		    sms->report_ref, sms->report_delivered, now)) < 0)
			return -1;
		log_debug("delivery report for reference %d: %s%s",
		    sms->report_ref, sms->report_delivered ? "delivered" :
		    "not delivered", r == 0 ? " (no message matches)" : "");
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
	part.modem = gw->name;
	*what = "storing an SMS";
	if ((r = store_put_part(gw->store, &part, now)) < 0)
		return -1;
	if (r == 1 && sms->raw)
		log_info("stored an SMS the modem could not decode, raw and "
		    "marked malformed");
	if (r == 1 && sms->probe)
		log_info("stored a type 0 SMS (a network probe): not answered");
	log_debug("stored SMS at %d (part %d/%d)%s", sms->location,
	    sms->part_no, sms->part_count, r == 0 ? ", already stored" : "");
	return 0;
}

/*
 * What one read found, in the order it arrived: by the SMSC's timestamp,
 * then by location. A SIM800 puts a new SMS in the lowest free location,
 * so after an outage a reporter's follow-up can lie before its report;
 * stored in location order it would be handled first, as a stranger's
 * text. Delivery reports carry no timestamp and go first: they only mark
 * what was sent.
 */
static int
gateway_arrival_cmp(const void *a, const void *b)
{
	const struct modem_sms *x = a, *y = b;

	if (x->sent_at != y->sent_at)
		return x->sent_at < y->sent_at ? -1 : 1;
	return (x->location > y->location) - (x->location < y->location);
}

/*
 * Stores what one read found in one transaction (one commit, one sync,
 * however many SMS the SIM held), stopping at the first that fails; what
 * was stored before it is committed. Returns how many, from the first,
 * are stored for good and may be deleted; *failed says what failed, or
 * stays NULL.
 */
static size_t
gateway_store_batch(struct gateway *gw, struct gateway_batch *b,
    int64_t now, const char **failed)
{
	size_t i;
	const char *what = "storing an SMS";

	if (b->n == 0)
		return 0;
	qsort(b->sms, b->n, sizeof(b->sms[0]), gateway_arrival_cmp);
	if (store_begin(gw->store) < 0) {
		*failed = what;
		return 0;
	}
	for (i = 0; i < b->n; i++)
		if (gateway_store_sms(gw, &b->sms[i], now, &what) < 0) {
			*failed = what;
			break;
		}
	if (i == 0) {
		store_rollback(gw->store);
		return 0;
	}
	if (store_commit(gw->store) < 0) {
		store_rollback(gw->store);
		*failed = what;
		return 0;
	}
	return i;
}

/* Seconds until the next count: poll_interval, shorter while notices
 * prove unreliable; a modem not asked for notices keeps poll_interval. */
static int
gateway_every(const struct gateway *gw)
{
	const struct conf_modem *c = gw->mc;

	return c->notifications ? gateway_poll_every(&gw->poll,
	    c->poll_interval) : c->poll_interval;
}

/* Logs a switch of the polling mode, once per switch (none where no
 * notices were asked for: every message comes unannounced). */
static void
gateway_poll_log(struct gateway *gw, enum gateway_poll_switch sw)
{
	if (!gw->mc->notifications)
		return;
	if (sw == GW_POLL_ON)
		log_warnx("modem: a message came that no notice announced: "
		    "notices are unreliable on this modem; counting its "
		    "messages every %d s until notices work again",
		    GW_POLL_FAST);
	else if (sw == GW_POLL_OFF)
		log_info("modem: notices work again (%d in a row): counting "
		    "every %d s", GW_POLL_PROOF, gw->mc->poll_interval);
}

/*
 * Counts the SIM's records (one short command) after a send and after an
 * interval without a notice, and has it read at once when a message came
 * that no notice announced (gateway_poll.h). A modem that cannot count is
 * read every interval instead.
 */
static void
gateway_count(struct gateway *gw, int64_t now)
{
	char err[GW_ERR];
	int n, noticed;

	gw->count_due = 0;
	gw->counted_at = now;
	if (gw->ops->count == NULL) {
		if (now >= gw->read_at)
			gw->read_due = 1;
		return;
	}
	gw->read_at = now + gateway_every(gw);
	n = gw->ops->count(gw->modem, &noticed, err, sizeof(err));
	gateway_alive(gw);
	if (n < 0) {
		gateway_modem_error(gw, "count", err, 0, now);
		return;
	}
	if (noticed)
		gateway_poll_log(gw, gateway_poll_notice(&gw->poll));
	if (gateway_poll_counted(&gw->poll, n, noticed))
		gw->read_due = 1;
}

/*
 * Reads the modem, stores every SMS in one transaction, then deletes each
 * one stored, unless the database file is no longer the one opened. What
 * could not be stored stays on the SIM and is read again once the
 * database recovers.
 */
static void
gateway_read(struct gateway *gw, int64_t now)
{
	struct gateway_batch b = { gw, NULL, 0, 0, 0 };
	const char *failed = NULL;
	char err[GW_ERR];
	size_t i, stored, deleted = 0;
	int n, r;

	gw->read_due = 0;
	gw->read_at = now + gateway_every(gw);
	n = gw->ops->read(gw->modem, gateway_collect, &b, err, sizeof(err));
	gateway_alive(gw);
	if (b.full)
		gw->read_due = 1;       /* the rest, at once */
	else if (n < 0)
		gateway_modem_error(gw, "read", err, 0, now);
	else
		gw->errors = 0, gw->backoff = 1;  /* it works: forget the past */
	stored = gateway_store_batch(gw, &b, now, &failed);
	if (failed != NULL) {
		gateway_store_error(gw, failed, store_errmsg(gw->store), now);
		gw->read_due = 1;       /* again, once the store recovers */
	} else if (stored > 0) {
		gateway_store_ok(gw, now);
	}
	if (stored > 0 && gateway_check_file(gw, now) != 0)
		stored = 0;             /* stored where nobody will look */
	for (i = 0; i < stored && gw->modem != NULL; i++) {
		r = gw->ops->remove(gw->modem, &b.sms[i], err, sizeof(err));
		gateway_alive(gw);
		if (r == -2)            /* refused: the modem is fine */
			log_warnx("modem: %s; the SMS stays on the SIM", err);
		else if (r < 0) {
			gateway_modem_error(gw, "delete", err, 0, now);
			gw->read_due = 1;
		} else
			deleted++;
	}
	gateway_poll_log(gw, gateway_poll_read(&gw->poll, b.full ? -1 : n,
	    n - (int)deleted));
	if (stored > 0)
		log_info("received %zu SMS", stored);
	free(b.sms);
}

/* Routes up to GW_HANDLE_BATCH messages inside the caller's transaction,
 * each in a savepoint of its own. Returns how many, or -1. */
static int
gateway_route_batch(struct gateway *gw, int64_t now)
{
	int n, r;

	for (n = 0; n < GW_HANDLE_BATCH; n++)
		if ((r = route_handle_next(gw->store, gw->conf, now)) <= 0)
			return r < 0 ? -1 : n;
	return n;
}

/*
 * Joins long messages whose time is up and routes up to GW_HANDLE_BATCH
 * messages, in one transaction: each message's consequences are all or
 * nothing (route_handle_next() inside an open transaction takes a
 * savepoint), and the pass commits, and syncs, once. A message that fails
 * is rolled back alone; those before it are committed. Returns 1 when
 * more may be waiting.
 */
static int
gateway_handle(struct gateway *gw, int64_t now)
{
	const char *what = "joining long messages";
	int n = -1;

	if (store_begin(gw->store) < 0) {
		gateway_store_error(gw, "handling a message",
		    store_errmsg(gw->store), now);
		return 0;
	}
	if (store_expire_parts(gw->store,
	    now - gw->conf->limits.multipart_timeout) >= 0) {
		what = "handling a message";
		n = gateway_route_batch(gw, now);
	}
	/* What was handled before a failure is kept. */
	if (store_commit(gw->store) < 0) {
		store_rollback(gw->store);
		n = -1;
	}
	if (n < 0) {
		gateway_store_error(gw, what, store_errmsg(gw->store), now);
		return 0;
	}
	if (n > 0)
		gateway_store_ok(gw, now);
	return n == GW_HANDLE_BATCH;
}

/* 1 while a failing database is being waited for. */
static int
gateway_store_waiting(const struct gateway *gw, int64_t now)
{
	return gw->store_down && now < gw->store_at;
}

/* Milliseconds until something is due, at most GW_WAIT_MAX. */
static int
gateway_next_wait(struct gateway *gw, int64_t now)
{
	int64_t due = now + GW_WAIT_MAX / 1000, read_at, w;

	if (gw->modem == NULL) {
		if (gw->open_at < due)
			due = gw->open_at;
	} else {
		read_at = gw->read_due ? now : gw->read_at;
		if (gw->count_due && gw->counted_at + 1 < read_at)
			read_at = gw->counted_at + 1 > now ? gw->counted_at + 1 :
			    now;
		if (gateway_store_waiting(gw, now) && read_at < gw->store_at)
			read_at = gw->store_at;
		if (read_at < due)
			due = read_at;
		w = gateway_outbox_wait(gw, now);
		if (w >= 0 && now + w < due)
			due = now + w;
	}
	return due <= now ? 0 : (int)((due - now) * 1000);
}

/*
 * Whether the database may be used in this pass: yes unless it failed and
 * its backoff has not passed. When it has, the records of sends kept and
 * the modem's state are written first, which tells whether it recovered.
 * Records kept are written before anything else also when another write
 * already told that it recovered: a delivery report read before the
 * record of its send would find no message, and be lost.
 */
int
gateway_store_ready(struct gateway *gw, int64_t now)
{
	if (gw->store_down && now < gw->store_at)
		return 0;
	if (gw->nrecords > 0)
		gateway_flush_records(gw, now);
	if (gw->store_down && gw->nrecords == 0)
		gateway_save_state(gw, now);
	return !gw->store_down;
}

int
gateway_run_once(struct gateway *gw, int64_t now)
{
	int more = 0;

	gateway_alive(gw);
	gateway_open(gw, now);
	if (gateway_check_file(gw, now) < 0)
		return -1;
	if (gateway_store_ready(gw, now) && gw->modem != NULL &&
	    !gw->read_due && ((gw->count_due && now > gw->counted_at) ||
	    now >= gw->read_at))
		gateway_count(gw, now);
	if (gateway_store_ready(gw, now) && gw->modem != NULL && gw->read_due)
		gateway_read(gw, now);
	if (gw->file_gone)
		return -1;
	if (gateway_store_ready(gw, now))
		more = gateway_handle(gw, now);
	if (gw->primary && gateway_store_ready(gw, now))
		gateway_upkeep(gw, now);
	else if (gateway_store_ready(gw, now))
		gateway_health(gw, now);        /* its own modem's */
	/* not while a USSD answer is awaited: gateway_health.c */
	if (gw->modem != NULL && now >= gw->info_at && gw->ussd_until == 0)
		gateway_refresh_info(gw, now);
	else if (now >= gw->beat_at && gateway_store_ready(gw, now))
		gateway_save_state(gw, now);
	/* Read before send; but while the database cannot store what is
	 * read, what is queued goes out meanwhile. */
	if (gw->modem != NULL && (!gw->read_due ||
	    !gateway_store_ready(gw, now)) && gateway_send(gw, now)) {
		more = 1;
		gw->count_due = 1;      /* a notice may be lost meanwhile */
	}
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
	gateway_alive(gw);
	if (r > 0) {
		gw->read_due = 1;
		gateway_poll_log(gw, gateway_poll_notice(&gw->poll));
	} else if (r == -2)
		gateway_modem_error(gw, "wait", MODEM_ERR_REOPEN ": it "
		    "restarted", 0, (int64_t)time(NULL));
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
	gw->mc = &conf->modems[0];
	snprintf(gw->name, sizeof(gw->name), "%s", gw->mc->name);
	gw->primary = 1;
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

int
gateway_set_conf(struct gateway *gw, const struct conf *conf)
{
	const struct conf_modem *mc = conf_modem_find(conf, gw->name);
	int64_t now = (int64_t)time(NULL);

	if (mc == NULL)
		return -1;
	if (gw->modem != NULL && gateway_modem_changed(gw->mc, mc)) {
		log_info("modem: settings changed, reopening");
		gateway_close(gw, now);
		gw->open_at = now;
		gw->backoff = 1;
	}
	gw->conf = conf;
	gw->mc = mc;
	gw->health_unnamed = 0;
	return 0;
}

int
gateway_use_modem(struct gateway *gw, const char *name)
{
	const struct conf_modem *mc = conf_modem_find(gw->conf, name);

	if (mc == NULL || gw->modem != NULL)
		return -1;
	gw->mc = mc;
	snprintf(gw->name, sizeof(gw->name), "%s", mc->name);
	gw->primary = mc == &gw->conf->modems[0];
	return 0;
}

void
gateway_free(struct gateway *gw)
{
	int64_t now = (int64_t)time(NULL);

	if (gw == NULL)
		return;
	gateway_close(gw, now);
	if (gw->nrecords > 0 && !gw->file_gone)
		gateway_flush_records(gw, now);
	if (gw->nrecords > 0)
		log_warnx("outbox: %zu send%s could not be recorded; %s sent "
		    "again at the next start", gw->nrecords, gw->nrecords == 1 ?
		    "" : "s", gw->nrecords == 1 ? "it is" : "they are");
	free(gw->records);
	free(gw);
}
