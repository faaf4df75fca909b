/*
 * gateway: opens, reads, stores, deletes, routes and sends, in that order.
 *
 * The order carries the promises of DESIGN.md: an SMS is deleted from the
 * modem only after store_put_part() committed it; reading comes before
 * sending in every pass, so that a burst never fills the SIM; a send that
 * fails stays queued. A modem that fails repeatedly is closed and reopened
 * with exponential backoff (1 s doubling to 60 s).
 *
 * A database that refuses writes (a full disk, a file system gone
 * read-only, a lock held too long) is waited for the same way: the SIM is
 * not read while it fails, so what it holds stays there; the failure is
 * logged once, then once a minute; what is already queued keeps going out
 * while the database can be read, and sends it could not record are kept
 * in memory, never sent twice, and recorded when it recovers. Before every
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
#define GW_STORE_LOG_EVERY 60      /* seconds between lines on a failing store */

/* What the database could not record of a send yet. */
enum gateway_record_kind {
	GW_REC_SENT,             /* sent: store_outbox_sent() */
	GW_REC_RETRY,            /* failed, try again at `at` */
	GW_REC_FAIL,             /* failed for good */
	GW_REC_PROGRESS,         /* some parts went out (modem failure) */
};

struct gateway_record {
	int64_t id;              /* the outbox row */
	enum gateway_record_kind kind;
	int64_t at;              /* sent at; next attempt (retry); failed at */
	char msgref[64];         /* the references of the parts sent */
	char error[GW_ERR];      /* retry, fail: why */
};

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
	int64_t purge_at;        /* next retention purge (daily) */
	struct store_modem_state state;
	/* A failing database: */
	int store_down;          /* a write failed; none has worked since */
	int64_t store_at;        /* while down: the next attempt */
	int store_backoff;       /* seconds before the attempt after that */
	int64_t store_down_since;
	int64_t store_log_at;    /* no failure line before then */
	int store_logged;        /* a failure line since the last recovery */
	int store_failures;      /* failures not logged yet */
	int file_gone;           /* the database file was deleted/replaced */
	/* Sends the database could not record, in the order they happened;
	 * never sent again while here. */
	struct gateway_record *records;
	size_t nrecords, records_cap;
};

/* Where read() found an SMS that is now stored: delete it there. */
struct gateway_batch {
	struct gateway *gw;
	int64_t now;
	struct modem_sms *done;
	size_t ndone, cap;
	const char *store_failed;   /* what could not be stored, or NULL */
};

/*
 * A database write (or read) failed: no read of the SIM until the backoff
 * has passed. The first failure of an outage is logged, then one line a
 * minute with the count, however often it is tried.
 */
static void
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
static void
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

/* Records the modem's state for shukherctl status; a write like any
 * other, so it also tells whether a failing database has recovered. */
static void
gateway_save_state(struct gateway *gw, int64_t now)
{
	gw->state.updated_at = now;
	if (store_modem_state_put(gw->store, &gw->state) < 0)
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
			b->store_failed = "recording a delivery report";
			return -1;
		}
		log_debug("delivery report for reference %d: %s%s",
		    sms->report_ref, sms->report_delivered ? "delivered" :
		    "not delivered", r == 0 ? " (no message matches)" : "");
		goto done;
	}
	part.sender = sms->sender;
	part.sent_at = sms->sent_at;
	part.concat_ref = sms->concat_ref;
	part.part_no = sms->part_no;
	part.part_count = sms->part_count;
	part.text = sms->text;
	part.coding = sms->coding;
	part.malformed = sms->malformed;
	if ((r = store_put_part(b->gw->store, &part, b->now)) < 0) {
		b->store_failed = "storing an SMS";
		return -1;
	}
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

/*
 * Reads the modem, stores each SMS, then deletes each one stored, unless
 * the database file is no longer the one opened. What could not be stored
 * stays on the SIM and is read again once the database recovers.
 */
static void
gateway_read(struct gateway *gw, int64_t now)
{
	struct gateway_batch b = { .gw = gw, .now = now };
	char err[GW_ERR];
	size_t i;
	int n;

	gw->read_due = 0;
	gw->read_at = now + gw->conf->modem.poll_interval;
	n = gw->ops->read(gw->modem, gateway_store_sms, &b, err, sizeof(err));
	if (n < 0 && b.store_failed == NULL)
		gateway_modem_error(gw, "read", err, 0, now);
	else if (n >= 0)
		gw->errors = 0, gw->backoff = 1;  /* it works: forget the past */
	if (b.store_failed != NULL) {
		gateway_store_error(gw, b.store_failed,
		    store_errmsg(gw->store), now);
		gw->read_due = 1;       /* again, once the store recovers */
	} else if (b.ndone > 0) {
		gateway_store_ok(gw, now);
	}
	if (b.ndone > 0 && gateway_check_file(gw, now) != 0)
		b.ndone = 0;            /* stored where nobody will look */
	for (i = 0; i < b.ndone && gw->modem != NULL; i++) {
		if (gw->ops->remove(gw->modem, &b.done[i], err,
		    sizeof(err)) < 0) {
			gateway_modem_error(gw, "delete", err, 0, now);
			gw->read_due = 1;
		}
	}
	if (b.ndone > 0)
		log_info("received %zu SMS", b.ndone);
	free(b.done);
}

/* Routes up to GW_HANDLE_BATCH messages. 1 when more may be waiting. */
static int
gateway_handle(struct gateway *gw, int64_t now)
{
	int i, r;

	if (store_expire_parts(gw->store,
	    now - gw->conf->limits.multipart_timeout) < 0) {
		gateway_store_error(gw, "joining long messages",
		    store_errmsg(gw->store), now);
		return 0;
	}
	for (i = 0; i < GW_HANDLE_BATCH; i++) {
		if ((r = route_handle_next(gw->store, gw->conf, now)) < 0) {
			gateway_store_error(gw, "handling a message",
			    store_errmsg(gw->store), now);
			return 0;
		}
		if (r == 0)
			return 0;
		gateway_store_ok(gw, now);
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

/* Writes one record to the database. Returns 0 or -1. */
static int
gateway_record_write(struct gateway *gw, const struct gateway_record *r)
{
	if (r->msgref[0] != '\0' && r->kind != GW_REC_SENT &&
	    store_outbox_progress(gw->store, r->id, r->msgref) < 0)
		return -1;
	switch (r->kind) {
	case GW_REC_SENT:
		return store_outbox_sent(gw->store, r->id, r->msgref, r->at);
	case GW_REC_RETRY:
		return store_outbox_retry(gw->store, r->id, r->error, r->at);
	case GW_REC_FAIL:
		return store_outbox_fail(gw->store, r->id, r->error, r->at);
	case GW_REC_PROGRESS:
		break;
	}
	return 0;
}

/* Whether outbox row id has a record the database has not taken yet. */
static int
gateway_unrecorded(const struct gateway *gw, int64_t id)
{
	size_t i;

	for (i = 0; i < gw->nrecords; i++)
		if (gw->records[i].id == id)
			return 1;
	return 0;
}

/*
 * Writes what a send came to. When the database refuses it, the record is
 * kept (the row is then never sent again by this process) and written
 * once the database recovers. Out of memory, it is lost: the row stays
 * queued and goes out again (at least once).
 */
static void
gateway_record(struct gateway *gw, const struct gateway_record *r,
    int64_t now)
{
	struct gateway_record *grown;
	size_t cap;

	if (gw->nrecords == 0 && gateway_record_write(gw, r) == 0) {
		gateway_store_ok(gw, now);
		return;
	}
	if (gw->nrecords == 0)
		gateway_store_error(gw, "recording a send",
		    store_errmsg(gw->store), now);
	if (gw->nrecords == gw->records_cap) {
		cap = gw->records_cap ? gw->records_cap * 2 : 8;
		if ((grown = realloc(gw->records, cap * sizeof(*grown))) ==
		    NULL) {
			log_warnx("outbox %lld: out of memory; it may be sent "
			    "again", (long long)r->id);
			return;
		}
		gw->records = grown;
		gw->records_cap = cap;
	}
	gw->records[gw->nrecords++] = *r;
}

/* Writes the kept records, oldest first, while the database takes them. */
static void
gateway_flush_records(struct gateway *gw, int64_t now)
{
	size_t done = 0;

	while (done < gw->nrecords &&
	    gateway_record_write(gw, &gw->records[done]) == 0)
		done++;
	if (done > 0) {
		log_info("outbox: %zu send%s recorded late", done,
		    done == 1 ? "" : "s");
		memmove(gw->records, gw->records + done,
		    (gw->nrecords - done) * sizeof(*gw->records));
		gw->nrecords -= done;
		gateway_store_ok(gw, now);
	}
	if (gw->nrecords > 0)
		gateway_store_error(gw, "recording a send",
		    store_errmsg(gw->store), now);
}

/*
 * While records wait: the queued message due soonest that has none, and
 * the seconds until the first such message is due (-1: none).
 */
struct gateway_pick {
	const struct gateway *gw;
	int64_t now;
	struct store_out best;   /* copies, when best.id != 0 */
	int64_t next_at;         /* INT64_MAX: none */
	int oom;
};

static int
gateway_pick_row(void *arg, const struct store_out *o)
{
	struct gateway_pick *p = arg;

	if (gateway_unrecorded(p->gw, o->id))
		return 0;
	if (o->next_at < p->next_at)
		p->next_at = o->next_at;
	if (o->next_at > p->now || (p->best.id != 0 &&
	    (o->next_at > p->best.next_at || (o->next_at ==
	    p->best.next_at && o->id > p->best.id))))
		return 0;
	store_out_free(&p->best);
	p->best = *o;
	p->best.number = strdup(o->number);
	p->best.text = strdup(o->text);
	p->best.state = strdup(o->state);
	p->best.msgref = o->msgref != NULL ? strdup(o->msgref) : NULL;
	p->best.last_error = NULL;
	p->best.delivery = NULL;
	if (p->best.number == NULL || p->best.text == NULL ||
	    p->best.state == NULL || (o->msgref != NULL &&
	    p->best.msgref == NULL)) {
		p->oom = 1;
		return 1;
	}
	return 0;
}

static int
gateway_pick(struct gateway *gw, int64_t now, struct gateway_pick *p)
{
	static const struct store_filter queued = { "queued", -1, 0, NULL, 0 };

	memset(p, 0, sizeof(*p));
	p->gw = gw;
	p->now = now;
	p->next_at = INT64_MAX;
	if (store_list_outbox(gw->store, &queued, gateway_pick_row, p) < 0 ||
	    p->oom) {
		store_out_free(&p->best);
		return -1;
	}
	return 0;
}

/* store_outbox_next(), passing over rows with a record kept. */
static int
gateway_next_out(struct gateway *gw, int64_t now, struct store_out *o)
{
	struct gateway_pick p;

	if (gw->nrecords == 0)
		return store_outbox_next(gw->store, now, o);
	if (gateway_pick(gw, now, &p) < 0)
		return -1;
	*o = p.best;
	return p.best.id != 0;
}

/* store_outbox_wait(), passing over rows with a record kept. */
static int64_t
gateway_outbox_wait(struct gateway *gw, int64_t now)
{
	struct gateway_pick p;

	if (gw->nrecords == 0)
		return store_outbox_wait(gw->store, now);
	if (gateway_pick(gw, now, &p) < 0)
		return -2;
	store_out_free(&p.best);
	if (p.next_at == INT64_MAX)
		return -1;
	return p.next_at <= now ? 0 : p.next_at - now;
}

/* What to do with a message the modem did not send. */
static void
gateway_send_failed(struct gateway *gw, const struct store_out *o, int rc,
    const char *err, const struct modem_send *progress, int64_t now)
{
	struct gateway_record r = { .id = o->id, .at = now };
	int attempts = o->attempts + 1;

	snprintf(r.msgref, sizeof(r.msgref), "%s", progress->msgref);
	snprintf(r.error, sizeof(r.error), "%s", err);
	if (rc == -1) {                 /* the modem, not the message */
		gateway_modem_error(gw, "send", err, 0, now);
		if (progress->msgref[0] == '\0')
			return;
		r.kind = GW_REC_PROGRESS;
	} else if (attempts >= gw->conf->limits.send_attempts) {
		log_warnx("outbox %lld: failed after %d attempts: %s",
		    (long long)o->id, attempts, err);
		r.kind = GW_REC_FAIL;
	} else {
		log_warnx("outbox %lld: attempt %d failed: %s",
		    (long long)o->id, attempts, err);
		r.kind = GW_REC_RETRY;
		r.at = now + gateway_retry_delay(gw->conf, attempts);
	}
	gateway_record(gw, &r, now);
}

/* Where a send in progress records each part the network accepted. */
struct gateway_sending {
	struct gateway *gw;
	int64_t id;
};

/* Each part as it goes: a retry, also after a crash, sends only the rest.
 * A failure here is caught by the record of the whole send. */
static void
gateway_part_sent(void *arg, const struct modem_send *progress)
{
	struct gateway_sending *s = arg;

	if (!s->gw->store_down)
		(void)store_outbox_progress(s->gw->store, s->id,
		    progress->msgref);
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
	struct gateway_record rec = { .kind = GW_REC_SENT, .at = now };
	char err[GW_ERR] = "";
	int r, rc;

	if (gw->nrecords > 0 && !gw->store_down)
		gateway_flush_records(gw, now);
	memset(&o, 0, sizeof(o));
	if ((r = gateway_next_out(gw, now, &o)) <= 0) {
		if (r < 0)
			gateway_store_error(gw, "reading the outbox",
			    store_errmsg(gw->store), now);
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
		rec.id = o.id;
		snprintf(rec.msgref, sizeof(rec.msgref), "%s", progress.msgref);
		gateway_record(gw, &rec, now);
	} else {
		gateway_send_failed(gw, &o, rc, err, &progress, now);
	}
	store_out_free(&o);
	return 1;
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

/*
 * Whether the database may be used in this pass: yes unless it failed and
 * its backoff has not passed. When it has, the records of sends kept and
 * the modem's state are written first, which tells whether it recovered.
 */
static int
gateway_store_ready(struct gateway *gw, int64_t now)
{
	if (!gw->store_down)
		return 1;
	if (now < gw->store_at)
		return 0;
	if (gw->nrecords > 0)
		gateway_flush_records(gw, now);
	if (gw->store_down && gw->nrecords == 0)
		gateway_save_state(gw, now);
	return !gw->store_down;
}

/* The daily purge and the reports' escalation, when the database works. */
static void
gateway_upkeep(struct gateway *gw, int64_t now)
{
	gateway_purge(gw, now);
	if (gateway_store_ready(gw, now) &&
	    report_tick(gw->store, gw->conf, now) < 0)
		gateway_store_error(gw, "escalating or scrubbing reports",
		    store_errmsg(gw->store), now);
}

int
gateway_run_once(struct gateway *gw, int64_t now)
{
	int more = 0;

	gateway_open(gw, now);
	if (gateway_check_file(gw, now) < 0)
		return -1;
	if (gateway_store_ready(gw, now) && gw->modem != NULL &&
	    (gw->read_due || now >= gw->read_at))
		gateway_read(gw, now);
	if (gw->file_gone)
		return -1;
	if (gateway_store_ready(gw, now))
		more = gateway_handle(gw, now);
	if (gateway_store_ready(gw, now))
		gateway_upkeep(gw, now);
	if (gw->modem != NULL && now >= gw->info_at)
		gateway_refresh_info(gw, now);
	/* Read before send; but while the database cannot store what is
	 * read, what is queued goes out meanwhile. */
	if (gw->modem != NULL && (!gw->read_due ||
	    !gateway_store_ready(gw, now)) && gateway_send(gw, now))
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
