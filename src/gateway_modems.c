/*
 * gateway_modems: which queued message this modem sends, when several
 * modems share the outbox (conf->nmodems > 1, a process each), or when
 * its daily_limit must be kept (one modem too).
 *
 * A row with a modem is that modem's: a reply goes back through the SIM
 * its message came in on. A row without one (an alert, a relayed reply,
 * shukherctl send) goes to a working modem whose prefixes cover the
 * number (on-net), else to any; a modem closed at its last write does
 * not count as working for it. A modem counts as gone when it has been
 * down for failover_after seconds (it failed to open, was closed after
 * errors, or its sends fail), when its process has not written its row
 * for that long and three modem timeouts more (hung or dead: no call
 * takes longer), or when it has sent its daily_limit today; then the
 * others take its rows. Taking a row, its own rows included, sets its
 * modem and marks it taken until its send is surely over (taken_until,
 * gateway_send_max() for its parts; next_at, when it was due, stays), in a
 * transaction of its own (BEGIN IMMEDIATE across the processes), so no
 * two modems send one row, even when one is taken for down while it
 * sends; the row then records the modem that sent it. A send that ends
 * without a record (a notice came first, the modem failed) gives the
 * row back at once; one cut short by a crash waits for the lease.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "day.h"
#include "gateway_int.h"
#include "log.h"
#include "sms.h"

/* What the modems' rows say of each modem of the conf, by index. */
struct gateway_health {
	int known;               /* a row was found */
	int connected;           /* its modem open at its last write */
	int64_t down_since;
	int64_t updated_at;
	int sent_today;
};

struct gateway_scan {
	struct gateway *gw;
	int64_t now;
	struct gateway_health *health;  /* conf->nmodems of them */
	struct store_out best;   /* copies, when best.id != 0 */
	int64_t next_at;         /* the soonest row this modem may take */
	int oom;
};

static int
gateway_health_row(void *arg, const struct store_modem *m)
{
	struct gateway_scan *s = arg;
	const struct conf_modem *mc = conf_modem_find(s->gw->conf, m->name);
	struct gateway_health *h;

	if (mc == NULL)
		return 0;
	h = &s->health[mc - s->gw->conf->modems];
	h->known = 1;
	h->connected = m->state.connected;
	h->down_since = m->down_since;
	h->updated_at = m->state.updated_at;
	h->sent_today = m->sent_today;
	return 0;
}

static int
gateway_at_limit(const struct conf_modem *mc, const struct gateway_health *h)
{
	return mc->daily_limit > 0 && h->sent_today >= mc->daily_limit;
}

/*
 * Whether modem i may send now: not at its limit, not down for
 * failover_after, and its process not silent for longer than that plus
 * the longest call it may legitimately be blocked in (gateway_hung_after():
 * the bound the supervisor restarts it by), so that a slow modem is not
 * taken for a hung one.
 */
static int
gateway_usable(const struct gateway_scan *s, size_t i)
{
	const struct gateway_health *h = &s->health[i];
	const struct conf_modem *mc = &s->gw->conf->modems[i];
	int64_t after = s->gw->conf->failover_after;

	if (gateway_at_limit(mc, h))
		return 0;
	if (!h->known)
		return 1;               /* starting: give it its time */
	if (h->down_since != 0 && s->now - h->down_since >= after)
		return 0;
	return h->updated_at == 0 ||
	    s->now - h->updated_at < gateway_hung_after(s->gw->conf, mc);
}

/* Whether this modem may send row o. */
static int
gateway_may_take(const struct gateway_scan *s, const struct store_out *o)
{
	const struct conf *conf = s->gw->conf;
	const struct conf_modem *me = s->gw->mc, *owner;
	size_t i, mine = (size_t)(me - conf->modems);
	int onnet = 0;

	if (gateway_at_limit(me, &s->health[mine]))
		return 0;
	owner = conf_modem_find(conf, o->modem);
	if (owner == me)
		return 1;
	if (owner != NULL && gateway_usable(s, (size_t)(owner - conf->modems)))
		return 0;
	/* no modem, or its modem is gone: on-net first, else any; a modem
	 * closed now (lost, reopening) is passed over, so that an alert of
	 * its loss goes out through another at once */
	for (i = 0; i < conf->nmodems; i++) {
		if (&conf->modems[i] == owner || !gateway_usable(s, i) ||
		    (s->health[i].known && !s->health[i].connected) ||
		    !conf_modem_covers(&conf->modems[i], o->number))
			continue;
		if (i == mine)
			return 1;
		onnet = 1;
	}
	return !onnet;
}

/* Copies o into s->best. Returns 0 or -1 (out of memory). */
static int
gateway_scan_keep(struct gateway_scan *s, const struct store_out *o)
{
	struct store_out *b = &s->best;

	*b = *o;
	b->number = strdup(o->number);
	b->text = strdup(o->text);
	b->state = strdup(o->state);
	b->msgref = o->msgref != NULL ? strdup(o->msgref) : NULL;
	b->modem = o->modem != NULL ? strdup(o->modem) : NULL;
	b->last_error = NULL;
	b->delivery = NULL;
	if (b->number == NULL || b->text == NULL || b->state == NULL ||
	    (o->msgref != NULL && b->msgref == NULL) ||
	    (o->modem != NULL && b->modem == NULL))
		return -1;
	return 0;
}

/*
 * When this modem may send row o, which it may take: when it is due and
 * no send holds it. A row that another modem tried and that is taken from
 * it now waits no longer for that modem's backoff (next_at after a failed
 * attempt): the backoff was for the modem that failed, and the queue of a
 * modem whose sends fail moves after failover_after, not after its
 * retries. A campaign's slot and its quiet-hours hold are in taken_until
 * too (store_campaign_slot()), which holds for every modem.
 */
static int64_t
gateway_due(const struct gateway_scan *s, const struct store_out *o)
{
	int64_t due = o->next_at;

	if (o->attempts > 0 && o->modem != NULL &&
	    strcmp(o->modem, s->gw->name) != 0)
		due = 0;
	return due > o->taken_until ? due : o->taken_until;
}

static int
gateway_scan_row(void *arg, const struct store_out *o)
{
	struct gateway_scan *s = arg;
	int64_t due;

	if (gateway_unrecorded(s->gw, o->id) || !gateway_may_take(s, o))
		return 0;
	due = gateway_due(s, o);
	if (due < s->next_at)
		s->next_at = due;
	if (due > s->now || s->best.id != 0)
		return 0;
	if (gateway_scan_keep(s, o) < 0) {
		s->oom = 1;
		return 1;
	}
	return 0;
}

/* Reads the modems' rows and looks through the queue. Returns 0 or -1;
 * the caller frees s->health and s->best. */
static int
gateway_scan(struct gateway *gw, int64_t now, struct gateway_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->gw = gw;
	s->now = now;
	s->next_at = INT64_MAX;
	if ((s->health = calloc(gw->conf->nmodems, sizeof(*s->health))) ==
	    NULL)
		return -1;
	if (store_modem_list(gw->store, day_midnight(now), gateway_health_row,
	    s) < 0 || store_outbox_queued(gw->store, GW_QUEUE_SCAN,
	    gateway_scan_row, s) < 0 || s->oom)
		return -1;
	return 0;
}

static void
gateway_scan_free(struct gateway_scan *s)
{
	free(s->health);
	store_out_free(&s->best);
}

int
gateway_multi_next(struct gateway *gw, int64_t now, struct store_out *o)
{
	struct gateway_scan s;
	struct sms_info info;
	int r = -1;

	memset(o, 0, sizeof(*o));
	if (store_begin(gw->store) < 0)
		return -1;
	if (gateway_scan(gw, now, &s) < 0)
		goto done;
	r = 0;
	if (s.best.id == 0)
		goto done;
	/* its own rows too: while it sends, every part of it, no other
	 * modem may take it */
	if ((r = store_outbox_claim(gw->store, s.best.id, s.best.modem,
	    gw->name, now + gateway_send_max(gw->mc,
	    sms_measure(s.best.text, &info) == 0 ? info.segments : 1))) <= 0)
		goto done;
	if (s.best.modem == NULL || strcmp(s.best.modem, gw->name) != 0) {
		if (s.best.modem != NULL) {
			log_info("outbox %lld: taken over from modem %s",
			    (long long)s.best.id, s.best.modem);
			free(s.best.msgref);    /* the claim forgot them */
			s.best.msgref = NULL;
			s.best.parts_sent = 0;
		}
		free(s.best.modem);
		if ((s.best.modem = strdup(gw->name)) == NULL) {
			r = -1;
			goto done;
		}
	}
	*o = s.best;
	memset(&s.best, 0, sizeof(s.best));
	r = 1;
done:
	gateway_scan_free(&s);
	if (r < 0 || store_commit(gw->store) < 0) {
		store_rollback(gw->store);
		store_out_free(o);
		return -1;
	}
	return r;
}

int
gateway_multi(const struct gateway *gw)
{
	return gw->conf->nmodems > 1 || gw->mc->daily_limit > 0;
}

void
gateway_multi_release(struct gateway *gw, int64_t id, int64_t now)
{
	if (gateway_multi(gw) &&
	    store_outbox_claim(gw->store, id, gw->name, gw->name, now) < 0)
		gateway_store_error(gw, "giving a message back to the queue",
		    store_errmsg(gw->store), now);
}

int64_t
gateway_multi_wait(struct gateway *gw, int64_t now)
{
	struct gateway_scan s;
	int64_t w;

	if (gateway_scan(gw, now, &s) < 0) {
		gateway_scan_free(&s);
		return -2;
	}
	w = s.next_at == INT64_MAX ? -1 : s.next_at <= now ? 0 :
	    s.next_at - now;
	gateway_scan_free(&s);
	return w;
}
