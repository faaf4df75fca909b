/*
 * gateway_send: the outbox side of the gateway: which message goes out
 * next, sending it, and recording what became of it.
 *
 * A send that fails stays queued and is retried with a doubling delay, then
 * marked failed. What a send came to is written to the database at once;
 * when the database refuses (full disk, read-only), the record is kept in
 * memory, the message is never sent again by this process, and the record
 * is written once the database recovers. So what was queued keeps going out
 * while the disk fails, each message once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway_int.h"
#include "log.h"

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
	    store_outbox_progress(gw->store, r->id, r->msgref, r->sent_at) < 0)
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
int
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
void
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
	p->best.modem = o->modem != NULL ? strdup(o->modem) : NULL;
	if (p->best.number == NULL || p->best.text == NULL ||
	    p->best.state == NULL || (o->msgref != NULL &&
	    p->best.msgref == NULL) || (o->modem != NULL &&
	    p->best.modem == NULL)) {
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

	if (gateway_multi(gw))
		return gateway_multi_next(gw, now, o);
	if (gw->nrecords == 0)
		return store_outbox_next(gw->store, now, o);
	if (gateway_pick(gw, now, &p) < 0)
		return -1;
	*o = p.best;
	return p.best.id != 0;
}

/* store_outbox_wait(), passing over rows with a record kept. */
int64_t
gateway_outbox_wait(struct gateway *gw, int64_t now)
{
	struct gateway_pick p;

	if (gateway_multi(gw))
		return gateway_multi_wait(gw, now);
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
	struct gateway_record r = { .id = o->id, .at = now, .sent_at = now };
	int attempts = o->attempts + 1;

	snprintf(r.msgref, sizeof(r.msgref), "%s", progress->msgref);
	snprintf(r.error, sizeof(r.error), "%s", err);
	gw->send_failures++;            /* gateway_health.c */
	if (rc == -2)                   /* refused: out of credit? */
		gateway_credit_soon(gw, now);
	gateway_down(gw, now);          /* others take its queue in time */
	if (rc != -1) {                 /* the modem's error is set there */
		snprintf(gw->state.last_error, sizeof(gw->state.last_error),
		    "send: %s", err);
		gw->state.last_error_at = now;
	}
	if (rc == -1) {                 /* the modem, not the message */
		gateway_modem_error(gw, "send", err, 0, now);
		gateway_multi_release(gw, o->id, now);
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
	int64_t now;
};

/*
 * Each part as it goes, but the last: a retry, also after a crash, sends
 * only the rest. The last part is recorded with the send itself, in one
 * transaction (a crash before it repeats only that part, the one that was
 * on the wire), so that a message of one part costs one commit. A failure
 * here is caught by the record of the whole send.
 */
static void
gateway_part_sent(void *arg, const struct modem_send *progress)
{
	struct gateway_sending *s = arg;

	gateway_alive(s->gw);
	if (!s->gw->store_down && progress->parts_done < progress->parts_total)
		(void)store_outbox_progress(s->gw->store, s->id,
		    progress->msgref, s->now);
}

/* How far an earlier attempt got: the references of the parts it sent. */
static void
gateway_progress(const struct store_out *o, struct modem_send *progress)
{
	memset(progress, 0, sizeof(*progress));
	progress->concat_ref = (int)(o->id % 255) + 1;
	if (o->parts_sent == 0 || o->msgref == NULL)
		return;
	snprintf(progress->msgref, sizeof(progress->msgref), "%s", o->msgref);
	progress->parts_done = o->parts_sent;
}

/* Sends the message due soonest, if any. 1 when one was tried. */
int
gateway_send(struct gateway *gw, int64_t now)
{
	struct store_out o;
	struct modem_send progress;
	struct gateway_sending sending = { .gw = gw, .now = now };
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
	r = gw->ops->wait(gw->modem, 0);
	gateway_alive(gw);
	if (r != 0) {
		if (r > 0)
			gw->read_due = 1;
		else
			gateway_modem_error(gw, "wait", "device gone", 1, now);
		gateway_multi_release(gw, o.id, now);
		store_out_free(&o);
		return 1;
	}
	gateway_progress(&o, &progress);
	sending.id = o.id;
	rc = gw->ops->send(gw->modem, o.number, o.text, &progress,
	    gateway_part_sent, &sending, err, sizeof(err));
	gateway_alive(gw);
	if (rc == 0) {
		gw->errors = 0;
		gw->send_failures = 0;
		gateway_up(gw, now);
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
