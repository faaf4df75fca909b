/*
 * route_campaign_apply: the writes of the campaign's outcomes, inside the
 * message's transaction (route_apply() calls it for every plan): a
 * subscription made or ended, a survey attempt started, answered or
 * ended, the SMS each asks for, a source counted.
 *
 * Every SMS to a survey respondent is tied to the attempt
 * (store_attempt_outbox()), so that its number and text are blanked when
 * the attempt's window ends, with the hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "conf.h"
#include "day.h"
#include "route.h"
#include "route_int.h"
#include "store.h"
#include "store_campaign.h"

/* Queues text to the respondent of attempt id, tied to it, never held
 * back by the budget (see route_campaign.c). 0 or -1. */
static int
route_camp_send(struct store *store, const struct conf *conf,
    const struct store_msg *msg, int64_t id, const char *text, int64_t now)
{
	int64_t out;

	if (text == NULL)
		return 0;
	if ((out = route_queue_reply(store, conf, msg, text, 0, now)) < 0)
		return -1;
	return store_attempt_outbox(store, id, out);
}

/* ROUTE_SERIES_JOIN: subscribed (unless already), the confirmation and
 * message 1 within the budget; the next on the series' schedule. Both
 * are tied to the subscription as replies (a STOP fails them while they
 * wait; quiet hours let them go: the person asked). */
static int
route_camp_join(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const struct route_facts *f,
    const struct route_plan *plan, int64_t now)
{
	const struct conf_series *s = &conf->campaign.series[plan->camp.index];
	int64_t confirm = 0, out = 0;
	int sent;

	if (plan->reply != NULL && (confirm = route_queue_reply(store, conf,
	    msg, plan->reply, 1, now)) < 0)
		return -1;
	if (!f->camp.subscribed) {
		if (plan->camp.extra != NULL && (out = route_queue_reply(store,
		    conf, msg, plan->camp.extra, 1, now)) < 0)
			return -1;
		sent = out > 0 ? 1 : 0;
		if (store_sub_join(store, msg->sender, s->name,
		    (int)plan->lang, sent, sent ? campaign_next_at(s, now) :
		    now, now) < 0)
			return -1;
	}
	if (confirm > 0 && store_sub_outbox(store, msg->sender, s->name,
	    confirm, 0) < 0)
		return -1;
	return out > 0 && store_sub_outbox(store, msg->sender, s->name, out,
	    0) < 0 ? -1 : 0;
}

/* ROUTE_SURVEY_START: a new attempt, the consent and question 1. */
static int
route_camp_start(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const struct route_facts *f,
    const struct route_plan *plan, int64_t now)
{
	const struct conf_survey *s = &conf->campaign.surveys[plan->camp.index];
	int64_t id;

	if ((id = store_attempt_start(store, s->name, s->wave, f->camp.hash,
	    (int)plan->lang, now, now + s->window)) < 0)
		return -1;
	if (route_camp_send(store, conf, msg, id, plan->reply, now) < 0)
		return -1;
	return route_camp_send(store, conf, msg, id, plan->camp.extra, now);
}

/* ROUTE_SURVEY_ANSWER: the answer, the attempt moved on, the reply (with
 * the hint before it). */
static int
route_camp_answer(struct store *store, const struct conf *conf,
    const struct store_msg *msg,
    const struct route_facts *f, const struct route_plan *plan, int64_t now)
{
	const struct route_camp_plan *p = &plan->camp;
	const struct campaign_value *v = &p->value;
	int64_t id = f->camp.attempt.id;
	char *text = NULL;
	int rc;

	if (p->answered && store_attempt_answer(store, id,
	    p->answered_question, v->choice, v->text == NULL && v->choice == 0,
	    v->number, v->text) < 0)
		return -1;
	if (store_attempt_update(store, id, p->question, p->hinted,
	    p->complete ? "complete" : "open", now, now +
	    conf->campaign.surveys[p->index].window) < 0)
		return -1;
	if (p->prefix != NULL && plan->reply != NULL &&
	    (text = campaign_hinted(conf, &conf->campaign.surveys[p->index],
	    &conf->campaign.surveys[p->index].questions[p->question],
	    plan->lang)) == NULL)
		return -1;
	rc = route_camp_send(store, conf, msg, id,
	    text != NULL ? text : plan->reply, now);
	free(text);
	return rc;
}

/* What any plan's camp asks: every SMS of the campaign still queued to
 * the number failed, every series ended and the open attempt ended
 * (STOP; its own answer, queued before, goes), the source counted. */
static int
route_camp_common(struct store *store, const struct conf *conf,
    const struct store_msg *msg,
    const struct route_facts *f, const struct route_plan *plan, int64_t now)
{
	char day[16];

	if (plan->camp.end_all) {
		if (store_campaign_stop(store, msg->sender) < 0 ||
		    store_sub_leave_all(store, msg->sender) < 0)
			return -1;
		if (f->camp.in_survey && store_attempt_update(store,
		    f->camp.attempt.id, f->camp.attempt.question,
		    f->camp.attempt.hinted, "partial", now, now +
		    conf->campaign.surveys[f->camp.survey].window) < 0)
			return -1;
	}
	if (plan->camp.source != NULL) {
		day_format(now, day, sizeof(day));
		if (store_source_bump(store, day, plan->camp.source) < 0)
			return -1;
	}
	return 0;
}

int
route_apply_campaign(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const struct route_facts *f,
    const struct route_plan *plan, int64_t now)
{
	int rc = 0;

	switch (plan->outcome) {
	case ROUTE_SERIES_JOIN:
		rc = route_camp_join(store, conf, msg, f, plan, now);
		break;
	case ROUTE_SERIES_LEAVE:
		if ((rc = store_sub_leave_all(store, msg->sender)) >= 0 &&
		    plan->reply != NULL)
			rc = route_queue_reply(store, conf, msg, plan->reply,
			    1, now) < 0 ? -1 : 0;
		break;
	case ROUTE_SURVEY_START:
		rc = route_camp_start(store, conf, msg, f, plan, now);
		break;
	case ROUTE_SURVEY_ANSWER:
		rc = route_camp_answer(store, conf, msg, f, plan, now);
		break;
	case ROUTE_SURVEY_REPEAT:
		rc = route_camp_send(store, conf, msg, f->camp.prev.id,
		    plan->reply, now);
		break;
	default:
		break;
	}
	if (rc < 0)
		return -1;
	return route_camp_common(store, conf, msg, f, plan, now);
}
