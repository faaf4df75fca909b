/*
 * campaign: the scheduler of series and broadcasts, and what the router
 * and shukherctl share about the campaign (include/campaign.h).
 *
 * Only numbers that opted in are ever sent to: the subscriptions table
 * holds nothing else, a STOP or a leave word deletes a number's rows, and
 * a number that said STOP cannot join (route_campaign.c). Nothing is
 * queued in quiet hours: what falls due then waits for their end. A
 * broadcast's recipient is recorded in the transaction that queues its
 * SMS, so that a crash between batches queues nobody twice, and each SMS
 * is dated by the broadcast's schedule (broadcast.h): broadcast_rate a
 * minute per modem, within the modems' daily limits, outside quiet hours,
 * after every broadcast SMS still queued. The schedule is planned once per
 * pass; a broadcast larger than a pass (CAMPAIGN_BATCH *
 * CAMPAIGN_BATCHES) or resumed after a crash is planned again from its
 * last slot, counting what each modem sent today. In quiet hours what
 * is still queued and due of both, series and broadcasts, is dated again
 * for after them; a series' next step waits while its last SMS is
 * queued. Each SMS is tied to what queued it (store_campaign.h), so that
 * a STOP fails every one still queued to the number, in its transaction.
 *
 * Series messages and broadcasts count in each number's reply budget
 * (store_outbox_add()) but are never held back by it: the number asked
 * for them, a series sends one message per step of its schedule and a
 * broadcast one SMS per subscriber, and a STOP ends both at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "broadcast.h"
#include "campaign.h"
#include "conf.h"
#include "day.h"
#include "quiet.h"
#include "store.h"
#include "store_campaign.h"

#define CAMPAIGN_BATCH 200       /* rows queued per transaction */
#define CAMPAIGN_BATCHES 10      /* per pass: the loop stays responsive */

int64_t
campaign_next_at(const struct conf_series *s, int64_t now)
{
	time_t t = (time_t)now + 3600, day;
	struct tm tm;

	if (s->every > 0)
		return now + s->every;
	/* The first local s->at at least an hour from now. */
	if (localtime_r(&t, &tm) == NULL)
		return now + 86400;
	tm.tm_hour = s->at / 60;
	tm.tm_min = s->at % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	if ((day = mktime(&tm)) == (time_t)-1)
		return now + 86400;
	if ((int64_t)day < now + 3600) {
		tm.tm_mday++;
		tm.tm_isdst = -1;
		if ((day = mktime(&tm)) == (time_t)-1)
			return now + 86400;
	}
	return (int64_t)day;
}

int
campaign_survey_hash(struct store *store, const char *survey,
    const char *number, unsigned char *hash)
{
	crypto_generichash_state st;
	unsigned char key[32];

	if (store_device_key(store, "survey", key) < 0)
		return -1;
	crypto_generichash_init(&st, key, sizeof(key), 32);
	crypto_generichash_update(&st, (const unsigned char *)survey,
	    strlen(survey) + 1);
	crypto_generichash_update(&st, (const unsigned char *)number,
	    strlen(number));
	crypto_generichash_final(&st, hash, 32);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&st, sizeof(st));
	return 0;
}

/*
 * One due subscription: its next message queued and tied to it, the row
 * moved on (or gone after the last). While its last SMS is still queued
 * (a modem down, a retry, held by quiet hours) the step waits a period:
 * a series goes one message at a time, in order, and never piles up.
 * Returns 1 when queued, 0, -1.
 */
static int
campaign_series_one(struct store *store, const struct conf *conf,
    const struct store_sub *sub, int64_t now)
{
	const struct conf_series *s = campaign_series(conf, sub->series);
	const char *text;
	enum lang lang;
	int64_t out;
	int rc;

	if (s == NULL || sub->sent < 0 || (size_t)sub->sent >= s->nmessages)
		return store_sub_delete(store, sub->id);   /* gone or done */
	if ((rc = store_sub_waiting(store, sub->id, sub->number)) != 0)
		return rc < 0 ? -1 : store_sub_advance(store, sub->id,
		    sub->sent, campaign_next_at(s, now));
	lang = sub->lang >= 0 && sub->lang < LANG_COUNT ?
	    (enum lang)sub->lang : conf->language;
	text = conf_reply_text(conf, &s->messages[sub->sent], lang);
	if (text != NULL && ((out = store_outbox_add(store, sub->number, text,
	    STORE_OUT_REPLY, 0, now)) < 0 || store_sub_outbox(store,
	    sub->number, sub->series, out, 1) < 0))
		return -1;
	if ((size_t)sub->sent + 1 >= s->nmessages) {
		if (store_sub_delete(store, sub->id) < 0)
			return -1;
	} else if (store_sub_advance(store, sub->id, sub->sent + 1,
	    campaign_next_at(s, now)) < 0)
		return -1;
	return text != NULL;
}

/* A batch of due series messages in one transaction. Returns how many
 * were queued, or -1; *more when the batch was full. */
static int
campaign_series_batch(struct store *store, const struct conf *conf,
    int64_t now, int *more)
{
	static struct store_sub subs[CAMPAIGN_BATCH];
	int n, i, rc, queued = 0;

	*more = 0;
	if (store_begin(store) < 0)
		return -1;
	if ((n = store_sub_due(store, now, subs, CAMPAIGN_BATCH)) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((rc = campaign_series_one(store, conf, &subs[i], now)) < 0)
			goto fail;
		queued += rc;
	}
	if (store_commit(store) < 0)
		goto fail;
	*more = n == CAMPAIGN_BATCH;
	return queued;
fail:
	store_rollback(store);
	return -1;
}

/* A schedule for broadcast SMS from now on, in *p: after the last SMS
 * nobody asked for just then still queued (store_campaign_last()), each
 * modem's limit less what it sent today. 0 or -1. */
static int
campaign_plan(struct store *store, const struct conf *conf, int64_t now,
    struct broadcast_plan *p)
{
	int limits[BROADCAST_MODEMS_MAX], sent[BROADCAST_MODEMS_MAX];
	size_t i, n = conf->nmodems < BROADCAST_MODEMS_MAX ? conf->nmodems :
	    BROADCAST_MODEMS_MAX;
	int64_t start = now, last, day0 = day_midnight(now);

	if ((last = store_campaign_last(store)) < 0)
		return -1;
	if (last >= now)
		start = last + broadcast_gap(conf->campaign.broadcast_rate);
	for (i = 0; i < n; i++) {
		limits[i] = conf->modems[i].daily_limit;
		sent[i] = 0;
		if (limits[i] > 0 && (sent[i] = store_broadcast_sent(store,
		    n > 1 ? conf->modems[i].name : NULL, day0)) < 0)
			return -1;
	}
	broadcast_plan_init(p, start, day0, conf->campaign.broadcast_rate,
	    conf->health.quiet_from, conf->health.quiet_to, n, limits, sent);
	return 0;
}

/* A batch of the due broadcast's recipients in one transaction, dated by
 * plan (planned first when *planned is 0). Returns how many were queued,
 * or -1; *more when there may be more. */
static int
campaign_broadcast_batch(struct store *store, const struct conf *conf,
    int64_t now, struct broadcast_plan *plan, int *planned, int *more)
{
	static struct store_sub subs[CAMPAIGN_BATCH];
	struct store_broadcast b;
	int64_t out;
	int n, i, rc;

	*more = 0;
	if (store_begin(store) < 0)
		return -1;
	if ((rc = store_broadcast_due(store, now, &b)) <= 0) {
		store_rollback(store);
		return rc;
	}
	if ((n = store_broadcast_pending(store, &b, subs, CAMPAIGN_BATCH)) < 0)
		goto fail;
	if (n > 0 && !*planned) {
		if (campaign_plan(store, conf, now, plan) < 0)
			goto fail;
		*planned = 1;
	}
	for (i = 0; i < n; i++)
		if ((out = store_outbox_add(store, subs[i].number, b.text,
		    STORE_OUT_MANUAL, 0, now)) < 0 ||
		    store_campaign_slot(store, out, broadcast_next(plan)) < 0 ||
		    store_broadcast_queued(store, b.id, subs[i].id, out) < 0)
			goto fail;
	if (n < CAMPAIGN_BATCH && store_broadcast_done(store, b.id, now) < 0)
		goto fail;
	if (store_commit(store) < 0)
		goto fail;
	store_broadcast_free(&b);
	*more = 1;       /* this one's next batch, or the next broadcast */
	return n;
fail:
	store_broadcast_free(&b);
	store_rollback(store);
	return -1;
}

/*
 * In quiet hours: a batch of the SMS nobody asked for just then (a
 * broadcast's, a series' the scheduler queued) still queued and due
 * before they end (a modem was down or slow, a retry, quiet_hours
 * changed) dated again after the other broadcast slots, so that none
 * goes out until morning. What answers a person's own SMS (a join's
 * message 1, a survey's question) is a reply and goes. Returns how many,
 * or -1.
 */
static int
campaign_hold(struct store *store, const struct conf *conf, int64_t now)
{
	static int64_t ids[CAMPAIGN_BATCH];
	struct broadcast_plan plan;
	int64_t end;
	int n, i;

	/* the first second after quiet hours: one modem's first slot */
	broadcast_plan_init(&plan, now, day_midnight(now), 60,
	    conf->health.quiet_from, conf->health.quiet_to, 0, NULL, NULL);
	end = broadcast_next(&plan);
	/* read first: most nights there is nothing to hold, and no
	 * transaction is needed to tell (a row sent meanwhile keeps its
	 * state, whatever its date) */
	if ((n = store_campaign_early(store, end, ids, CAMPAIGN_BATCH)) <= 0)
		return n;
	if (store_begin(store) < 0)
		return -1;
	if (campaign_plan(store, conf, now, &plan) < 0)
		goto fail;
	for (i = 0; i < n; i++)
		if (store_campaign_slot(store, ids[i],
		    broadcast_next(&plan)) < 0)
			goto fail;
	if (store_commit(store) < 0)
		goto fail;
	return n;
fail:
	store_rollback(store);
	return -1;
}

/* Silent attempts ended as partial; finished windows forgotten. Read
 * first: most passes have nothing to end or forget, and need no
 * transaction to tell (with surveys of several timeouts, the shortest
 * tells; each survey's own is applied below). */
static int
campaign_surveys(struct store *store, const struct conf *conf, int64_t now)
{
	int timeout = conf->campaign.surveys[0].timeout, rc;
	size_t i;

	for (i = 1; i < conf->campaign.nsurveys; i++)
		if (conf->campaign.surveys[i].timeout < timeout)
			timeout = conf->campaign.surveys[i].timeout;
	if ((rc = store_attempt_due(store, now - timeout, now)) <= 0)
		return rc;
	if (store_begin(store) < 0)
		return -1;
	for (i = 0; i < conf->campaign.nsurveys; i++)
		if (store_attempt_expire(store, conf->campaign.surveys[i].name,
		    now - conf->campaign.surveys[i].timeout) < 0)
			goto fail;
	if (store_attempt_forget(store, now) < 0 || store_commit(store) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(store);
	return -1;
}

int
campaign_tick(struct store *store, const struct conf *conf, int64_t now)
{
	struct broadcast_plan plan;
	int b, n, more = 1, queued = 0, planned = 0;

	/* Without a series or a survey there is nothing to do: no
	 * transaction, nothing read (a broadcast names a series). */
	if (conf->campaign.nseries == 0 && conf->campaign.nsurveys == 0)
		return 0;
	if (conf->campaign.nsurveys > 0 && campaign_surveys(store, conf,
	    now) < 0)
		return -1;
	if (quiet_hours_now(conf, (time_t)now)) {
		for (b = 0, n = CAMPAIGN_BATCH; n == CAMPAIGN_BATCH &&
		    b < CAMPAIGN_BATCHES; b++)
			if ((n = campaign_hold(store, conf, now)) < 0)
				return -1;
		return 0;
	}
	/* read first, as above: most passes have nothing due */
	if ((n = store_campaign_due(store, now)) <= 0)
		return n;
	for (b = 0; more && b < CAMPAIGN_BATCHES; b++) {
		if ((n = campaign_series_batch(store, conf, now, &more)) < 0)
			return -1;
		queued += n;
	}
	for (more = 1, b = 0; more && b < CAMPAIGN_BATCHES; b++) {
		if ((n = campaign_broadcast_batch(store, conf, now, &plan,
		    &planned, &more)) < 0)
			return -1;
		queued += n;
	}
	return queued;
}

char *
campaign_hinted(const struct conf *conf, const struct conf_survey *s,
    const struct conf_question *q, enum lang lang)
{
	const char *h = conf_reply_text(conf, &s->hint, lang);
	const char *t = conf_reply_text(conf, &q->text, lang);
	char *out;
	size_t len;

	if (h == NULL || t == NULL)
		return NULL;
	len = strlen(h) + strlen(t) + 2;
	if ((out = malloc(len)) != NULL)
		snprintf(out, len, "%s %s", h, t);
	return out;
}
