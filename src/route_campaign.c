/*
 * route_campaign: the campaign's part of the router's one path (route.h):
 * what gather reads for it (the number's open survey attempt, found by
 * its keyed hash; the attempt of the survey the text names; whether the
 * number is in the series it names) and decide's branch for it, pure.
 *
 * The order inside decide's branch is the policy:
 *   1. a report keyword, or a message within the number's report window,
 *      is the reporting side's: a person reporting gets the report path,
 *      never a survey question;
 *   2. a number that said STOP hears nothing (START first);
 *   3. inside an open attempt, the message is its answer: recorded, and
 *      the next question (or the thanks); a message that is no answer
 *      gets the question again with the hint, once, then the attempt goes
 *      on without that answer;
 *   4. a series' join word, a leave word, a survey's start word;
 *   5. a source's words are noted: the router answers them as the keyword
 *      they contain, counted under the source.
 * A survey's word (its start, or a repeat refused) passes the reply
 * budget as a keyword does; inside an attempt the messages are counted
 * but never held back (the person asked for each, and an attempt is
 * bounded by its questions: at most two SMS for its start and two per
 * question). No survey message creates a contact record: an attempt
 * keeps nothing of the number but the hash, dropped with its window, and
 * the inbox copies are scrubbed.
 */
#include <string.h>

#include "campaign.h"
#include "conf.h"
#include "route.h"
#include "route_int.h"
#include "store.h"
#include "store_campaign.h"
#include "text.h"

/* The number's open attempt (any survey; the one it wrote to last), and
 * the attempt of the survey the text names. Whether the open one has
 * fallen silent for its timeout is decide's to say. */
static int
route_gather_survey(struct store *store, const struct conf *conf,
    const char *number, struct route_campaign *c)
{
	const struct conf_campaign *cc = &conf->campaign;
	struct store_attempt a;
	unsigned char hash[32];
	size_t i;
	int rc;

	for (i = 0; i < cc->nsurveys; i++) {
		if (campaign_survey_hash(store, cc->surveys[i].name, number,
		    hash) < 0 || (rc = store_attempt_find(store, hash, &a)) < 0)
			return -1;
		if (rc == 1 && strcmp(a.state, "open") == 0 &&
		    (!c->in_survey || a.last_at > c->attempt.last_at)) {
			c->in_survey = 1;
			c->attempt = a;
			c->survey = i;
		}
		if (c->hit.what == CAMPAIGN_SURVEY && c->hit.index == i) {
			memcpy(c->hash, hash, sizeof(c->hash));
			c->have_prev = rc;
			c->prev = a;
		}
	}
	return 0;
}

int
route_gather_campaign(struct store *store, const struct conf *conf,
    const struct store_msg *msg, int64_t now, struct route_facts *f)
{
	struct route_campaign *c = &f->camp;
	int rc;

	campaign_match(conf, msg->text, &c->hit);
	if (conf->campaign.nsurveys > 0 &&
	    route_gather_survey(store, conf, msg->sender, c) < 0)
		return -1;
	if (c->hit.what == CAMPAIGN_JOIN) {
		if ((rc = store_sub_has(store, msg->sender,
		    conf->campaign.series[c->hit.index].name)) < 0)
			return -1;
		c->subscribed = rc;
	}
	return 0;
}

/* The language to answer a campaign word in: Cyrillic is mn; else how the
 * matched word was written; else the number's, else the conf's. */
static enum lang
route_camp_lang(const struct conf *conf, const struct route_facts *f)
{
	int l = f->camp.hit.lang;

	if (text_is_cyrillic(f->text))
		return LANG_MN;
	if (l >= 0 && l < LANG_COUNT)
		return (enum lang)l;
	if (f->contact.known && f->contact.lang >= 0 &&
	    f->contact.lang < LANG_COUNT)
		return (enum lang)f->contact.lang;
	return conf->language;
}

/* Step 3: a message inside the open attempt. */
static void
route_decide_in_survey(const struct conf *conf, const struct route_facts *f,
    struct route_plan *plan)
{
	const struct store_attempt *a = &f->camp.attempt;
	const struct conf_survey *s = &conf->campaign.surveys[f->camp.survey];
	struct route_camp_plan *p = &plan->camp;
	int q = a->question;

	plan->outcome = ROUTE_SURVEY_ANSWER;
	plan->label = s->name;
	plan->lang = a->lang >= 0 && a->lang < LANG_COUNT ?
	    (enum lang)a->lang : conf->language;
	plan->scrub = 1;
	p->index = f->camp.survey;
	if (q < 0 || (size_t)q >= s->nquestions) {
		p->question = (int)s->nquestions;
		p->complete = 1;
		plan->reply = conf_reply_text(conf, &s->done, plan->lang);
		return;
	}
	if (campaign_answer(conf, &s->questions[q], f->text, &p->value)) {
		p->answered = 1;
		p->answered_question = q;
		p->question = q + 1;
	} else if (!a->hinted) {
		/* The question again, with the hint, once. */
		p->question = q;
		p->hinted = 1;
		p->prefix = conf_reply_text(conf, &s->hint, plan->lang);
		plan->reply = conf_reply_text(conf, &s->questions[q].text,
		    plan->lang);
		return;
	} else
		p->question = q + 1;   /* on, without that answer */
	if ((size_t)p->question >= s->nquestions) {
		p->complete = 1;
		plan->reply = conf_reply_text(conf, &s->done, plan->lang);
	} else
		plan->reply = conf_reply_text(conf,
		    &s->questions[p->question].text, plan->lang);
}

/*
 * Step 4: a campaign word. Returns 1 when the plan is made. The word's
 * replies are within the budget as a keyword's are: when it is spent, a
 * join or a survey's word does nothing (ROUTE_BUDGET: nobody is
 * subscribed without the confirmation that says how to stop, and the
 * scheduler would send message 1 at once), a leave word still ends every
 * series, silently (as a STOP still opts out).
 */
static int
route_decide_word(const struct conf *conf, const struct route_facts *f,
    struct route_plan *plan)
{
	const struct route_campaign *c = &f->camp;
	const struct conf_series *se;
	const struct conf_survey *su;

	if (c->hit.what != CAMPAIGN_JOIN && c->hit.what != CAMPAIGN_LEAVE &&
	    c->hit.what != CAMPAIGN_SURVEY)
		return 0;
	plan->lang = route_camp_lang(conf, f);
	plan->camp.index = c->hit.index;
	switch (c->hit.what) {
	case CAMPAIGN_JOIN:
		se = &conf->campaign.series[c->hit.index];
		plan->outcome = ROUTE_SERIES_JOIN;
		plan->label = se->name;
		plan->reply = conf_reply_text(conf, &se->confirm, plan->lang);
		if (!c->subscribed)
			plan->camp.extra = conf_reply_text(conf,
			    &se->messages[0], plan->lang);
		break;
	case CAMPAIGN_LEAVE:
		se = &conf->campaign.series[c->hit.index];
		plan->outcome = ROUTE_SERIES_LEAVE;
		plan->label = "series_leave";
		plan->reply = conf_reply_text(conf, &se->left, plan->lang);
		break;
	case CAMPAIGN_SURVEY:
		su = &conf->campaign.surveys[c->hit.index];
		plan->label = su->name;
		plan->scrub = 1;
		if (c->have_prev && strcmp(c->prev.state, "complete") == 0) {
			plan->outcome = ROUTE_SURVEY_REPEAT;
			plan->reply = conf_reply_text(conf, &su->repeat,
			    plan->lang);
		} else {
			plan->outcome = ROUTE_SURVEY_START;
			plan->reply = conf_reply_text(conf, &su->consent,
			    plan->lang);
			plan->camp.extra = conf_reply_text(conf,
			    &su->questions[0].text, plan->lang);
		}
		break;
	default:
		return 0;
	}
	if (f->replies_in_window >= conf->limits.reply_budget) {
		plan->reply = NULL;
		plan->camp.extra = NULL;
		if (plan->outcome != ROUTE_SERIES_LEAVE)
			plan->outcome = ROUTE_BUDGET;
	}
	/* a survey keeps no record of the number */
	if (plan->reply != NULL && c->hit.what != CAMPAIGN_SURVEY) {
		plan->contact = f->contact;
		plan->contact.lang = (int)plan->lang;
		plan->write_contact = !f->contact.known ||
		    f->contact.lang != (int)plan->lang;
	}
	return 1;
}

/* 1 when the message is an answer in the number's open attempt: one
 * that has not fallen silent for its survey's timeout (the scheduler
 * ends those as partial, campaign_tick()). */
static int
route_camp_answering(const struct conf *conf, const struct route_facts *f)
{
	return f->camp.in_survey && f->now - f->camp.attempt.last_at <=
	    conf->campaign.surveys[f->camp.survey].timeout;
}

int
route_decide_campaign(const struct conf *conf, const struct route_facts *f,
    int report, struct route_plan *plan)
{
	if (f->camp.hit.what == CAMPAIGN_SOURCE)
		plan->camp.source = conf->campaign.sources[f->camp.hit.index].name;
	if (report || f->linked || f->contact.opted_out)
		return 0;
	if (route_camp_answering(conf, f)) {
		route_decide_in_survey(conf, f, plan);
		return 1;
	}
	return route_decide_word(conf, f, plan);
}
