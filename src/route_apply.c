/*
 * route_apply: writes what route_decide() planned for one message, inside
 * the transaction that handles it: the only writer of a message's
 * consequences.
 *
 * Every SMS it queues, to anyone (the sender, a caseworker on duty, a
 * reporter a caseworker answers), goes through route_queue(): the reply
 * budget of its recipient (store_outbox_queue()); a reply to the sender,
 * of any outcome, through route_queue_reply(), which also sends it back
 * through the modem the message came in on. Only a survey's messages
 * are counted but not held back one by one (route_campaign.c). A report
 * is filed even when the budget keeps its acknowledgement back: it may
 * be the only message the person can send. A caseworker's command runs
 * through casework.h, as the CLI's and the console's do: the same
 * checks, the same sealing rule (what belongs to a sealed report is
 * sealed), the same timeline entries and audit rows. Whatever holds a
 * report's text or a PIN is scrubbed from the inbox in the same
 * transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "casework.h"
#include "conf.h"
#include "day.h"
#include "report.h"
#include "route.h"
#include "route_int.h"
#include "store.h"

/* Queues text to number within number's reply budget. Returns the outbox
 * id (> 0), 0 when the budget held it back, -1. */
static int64_t
route_queue(struct store *store, const struct conf *conf, const char *number,
    const char *text, int kind, int64_t in_reply_to, int64_t now)
{
	struct store_budget budget;

	route_budget(conf, &budget);
	return store_outbox_queue(store, &budget, number, text, kind,
	    in_reply_to, now);
}

/* route_int.h */
int64_t
route_queue_reply(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const char *text, int budgeted, int64_t now)
{
	struct store_budget budget;

	/* the modem: store_outbox_queue() takes in_reply_to's */
	route_budget(conf, &budget);
	return store_outbox_queue(store, budgeted ? &budget : NULL, msg->sender,
	    text, STORE_OUT_REPLY, msg->id, now);
}

/*
 * Queues plan's reply to the sender (route_queue_reply(), within the
 * budget), with " #ref" when ref is not NULL; when report id (> 0) is
 * given and it was queued, an "ack" entry on its timeline ties the SMS to
 * the report so that it is blanked once sent. Returns 0 or -1.
 */
static int
route_reply(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const struct route_plan *plan, int64_t id,
    const char *ref, int64_t now)
{
	char *text;
	int64_t out;

	if (plan->reply == NULL)
		return 0;
	if ((text = route_ack_text(plan->reply, ref)) == NULL)
		return -1;
	out = route_queue_reply(store, conf, msg, text, 1, now);
	free(text);
	if (out <= 0 || id <= 0)
		return out < 0 ? -1 : 0;
	return report_entry_add(store, id, "ack", NULL, NULL, NULL, out,
	    now) < 0 ? -1 : 0;
}

/* The report's window for the sender: follow-ups join report id (0: the
 * next message is awaited as the report) until reports.window ends. */
static int
route_window(struct store *store, const struct conf *conf,
    const struct route_facts *f, const struct route_plan *plan, int64_t id,
    int64_t now)
{
	return store_link_put(store, f->hash, id, id > 0 ? "open" : "await",
	    (int)plan->lang, now + conf->reports.window);
}

/*
 * ROUTE_REPORT: files plan->text from the sender, sealed, with the relay
 * copy of the number; the timeline's first entry; the window for
 * follow-ups; the acknowledgement with the reference; the roster told
 * when it is urgent, once per window for a flood from one number (a
 * report not alerted waits in the queue, urgent, and never escalates on
 * its own).
 */
static int
route_apply_report(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const struct route_facts *f,
    const struct route_plan *plan, int64_t now)
{
	struct store_report_new rn;
	unsigned char *sealed = NULL, *relay = NULL;
	size_t slen = 0, rlen = 0;
	char ref[16];
	int64_t id;
	int rc = -1;

	memset(&rn, 0, sizeof(rn));
	if (report_seal_text(conf, msg->sender, plan->text, &sealed,
	    &slen) < 0)
		return -1;
	if (conf->reports.relay_hours > 0 &&
	    report_relay_seal(store, msg->sender, &relay, &rlen) < 0)
		goto out;
	rn.number = msg->sender;
	rn.text = plan->text;
	rn.sealed = sealed;
	rn.sealed_len = slen;
	rn.key_id = conf->reports.key.id;
	rn.urgent = plan->urgent;
	rn.message_id = msg->id;
	rn.relay = relay;
	rn.relay_len = rlen;
	rn.relay_until = now + (int64_t)conf->reports.relay_hours * 3600;
	if ((id = store_report_file(store, &rn, now, ref, sizeof(ref))) < 0 ||
	    report_entry_add(store, id, "filed", NULL, NULL, NULL, 0,
	    now) < 0 ||
	    route_window(store, conf, f, plan, id, now) < 0 ||
	    route_reply(store, conf, msg, plan, id, ref, now) < 0)
		goto out;
	rc = 0;
	if (plan->urgent && (rc = store_link_alert(store, f->hash, now -
	    conf->reports.window, now)) > 0)
		rc = report_alert(store, conf, id, ref, msg->sender,
		    plan->text, 0, now);
	rc = rc < 0 ? -1 : 0;
out:
	free(sealed);
	free(relay);
	return rc;
}

/* ROUTE_FOLLOWUP: plan->text joins its report's timeline; the window and
 * the relay copy stay open; the follow-up reply. */
static int
route_apply_followup(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const struct route_facts *f,
    const struct route_plan *plan, int64_t now)
{
	int64_t id = plan->report_id;

	if (report_message_add(store, conf, id, msg->sender, plan->text,
	    now) < 0 ||
	    route_window(store, conf, f, plan, id, now) < 0 ||
	    store_report_relay_touch(store, id, now +
	    (int64_t)conf->reports.relay_hours * 3600) < 0)
		return -1;
	return route_reply(store, conf, msg, plan, id, NULL, now);
}

/* ---- caseworkers' commands ---------------------------------------------- */

/* What casework said, for a caseworker's phone; NULL for a store error or
 * memory that ran out (the message is rolled back and tried again). */
static const char *
route_cw_words(enum route_outcome o, enum cw_err err)
{
	switch (err) {
	case CW_OK:
		return o == ROUTE_CW_CLAIM ? "Claimed." : o == ROUTE_CW_NOTE ?
		    "Noted." : o == ROUTE_CW_CLOSE ? "Closed." : "Sent.";
	case CW_TAKEN:
		return "Already claimed or closed.";
	case CW_CLOSED:
		return o == ROUTE_CW_CLOSE ? "Already closed." :
		    o == ROUTE_CW_CLAIM ? "Already claimed or closed." :
		    "That report is closed.";
	case CW_NOTFOUND:
		return "No such report.";
	case CW_EMPTY:
		return o == ROUTE_CW_NOTE ? "NOTE REF PIN text: the text is "
		    "missing." : "REPLY REF PIN text: the text is missing.";
	case CW_TOOLONG:
		return "Not sent: too long. Shorten it or use shukherctl.";
	case CW_BADTEXT:
		return "Not sent: the text cannot be read.";
	case CW_LOCKED:
	case CW_WRONGKEY:
	case CW_DAMAGED:
	case CW_NONUMBER:
		return "Not done: the report is sealed to another key. Use "
		    "shukherctl.";
	case CW_DB:
	case CW_NOMEM:
		break;
	}
	return NULL;
}

/*
 * ROUTE_CW_REPLY: the text checked as the console checks it, then relayed
 * to the reporter through the relay copy of their number, within the
 * reporter's budget. *answer says how it went. Returns CW_OK or why not.
 */
static enum cw_err
route_cw_reply(struct store *store, struct casework *cw,
    const struct route_plan *plan, const struct store_report *r,
    const struct store_budget *budget, const char **answer)
{
	char number[64];
	int64_t out = 0;
	enum cw_err err;
	int rc;

	if ((err = casework_check_text(plan->text, cw->max_segments,
	    NULL)) != CW_OK)
		return err;
	if ((rc = report_relay_open(store, r->id, cw->now, number,
	    sizeof(number))) < 0)
		return CW_DB;
	if (rc == 0) {
		*answer = "Cannot relay any more: use shukherctl reports "
		    "reply.";
		return CW_OK;
	}
	err = casework_reply_to(cw, r, number, plan->text, budget, &out);
	sodium_memzero(number, sizeof(number));
	if (err == CW_OK && out == 0)
		*answer = "Not sent: the reporter had enough messages this "
		    "hour. Try later.";
	return err;
}

/* Runs a caseworker's command on its report through casework, in the
 * message's transaction; *answer says how it went. Returns 0 or -1. */
static int
route_cw_run(struct store *store, const struct conf *conf,
    const struct route_facts *f, const struct route_plan *plan,
    const char **answer, int64_t now)
{
	struct casework cw;
	struct store_budget budget;
	enum cw_err err = CW_OK;

	memset(&cw, 0, sizeof(cw));
	cw.store = store;
	cw.actor = plan->caseworker->name;
	cw.via = "sms";
	cw.max_segments = conf->limits.max_segments;
	cw.pub = conf->reports.public_key != NULL ? &conf->reports.key : NULL;
	cw.now = now;
	cw.in_transaction = 1;
	route_budget(conf, &budget);
	*answer = NULL;
	switch (plan->outcome) {
	case ROUTE_CW_CLAIM:
		err = casework_claim(&cw, &f->report);
		break;
	case ROUTE_CW_NOTE:
		err = casework_note(&cw, &f->report, plan->text);
		break;
	case ROUTE_CW_CLOSE:
		err = casework_close(&cw, &f->report, plan->text);
		break;
	case ROUTE_CW_REPLY:
		err = route_cw_reply(store, &cw, plan, &f->report, &budget,
		    answer);
		break;
	default:
		*answer = plan->answer[0] != '\0' ? plan->answer : NULL;
		return 0;
	}
	if (*answer == NULL && (*answer = route_cw_words(plan->outcome,
	    err)) == NULL)
		return -1;
	return 0;
}

/*
 * ROUTE_CW_*: the PIN state, the command run (right PIN), the answer to
 * the caseworker ("VERB #REF: how it went", at most one per quiet
 * period for wrong PINs) and the warning, each within the caseworker's
 * budget.
 */
static int
route_apply_command(struct store *store, const struct conf *conf,
    const struct route_facts *f, const struct route_plan *plan, int64_t now)
{
	const char *number = plan->caseworker->number, *answer = NULL;
	char buf[200];

	if (plan->write_pin && store_pin_put(store, plan->caseworker->name,
	    &plan->pin) < 0)
		return -1;
	if (route_cw_run(store, conf, f, plan, &answer, now) < 0)
		return -1;
	if (answer != NULL) {
		snprintf(buf, sizeof(buf), "%s #%s: %s", plan->cmd.verb,
		    plan->cmd.ref, answer);
		if (route_queue(store, conf, number, buf, STORE_OUT_ALERT, 0,
		    now) < 0)
			return -1;
	}
	if (plan->warning[0] != '\0' && route_queue(store, conf, number,
	    plan->warning, STORE_OUT_ALERT, 0, now) < 0)
		return -1;
	return 0;
}

/* ---- every message ------------------------------------------------------ */

/* What every message ends with: the contact, the inbox copy scrubbed,
 * the day's count, the handled mark. */
static int
route_apply_end(struct store *store, const struct store_msg *msg,
    const struct route_plan *plan, int64_t now)
{
	char day[16];

	if (plan->write_contact && store_contact_put(store, msg->sender,
	    &plan->contact, now) < 0)
		return -1;
	if (plan->scrub && store_scrub_message(store, msg->id) < 0)
		return -1;
	day_format(now, day, sizeof(day));	/* the campaign's day */
	if (store_stat_bump(store, day, plan->label) < 0)
		return -1;
	return store_msg_handled(store, msg->id, plan->label, now) < 0 ?
	    -1 : 0;
}

int
route_apply(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const struct route_facts *f,
    const struct route_plan *plan, int64_t now)
{
	int rc = 0;

	switch (plan->outcome) {
	case ROUTE_REPLY:
	case ROUTE_STOP:
	case ROUTE_START:
		rc = route_reply(store, conf, msg, plan, 0, NULL, now);
		break;
	case ROUTE_REPORT:
		rc = route_apply_report(store, conf, msg, f, plan, now);
		break;
	case ROUTE_REPORT_ASK:
		if ((rc = route_window(store, conf, f, plan, 0, now)) == 0)
			rc = route_reply(store, conf, msg, plan, 0, NULL, now);
		break;
	case ROUTE_FOLLOWUP:
		rc = route_apply_followup(store, conf, msg, f, plan, now);
		break;
	case ROUTE_CW_CLAIM:
	case ROUTE_CW_NOTE:
	case ROUTE_CW_REPLY:
	case ROUTE_CW_CLOSE:
	case ROUTE_CW_REFUSED:
	case ROUTE_CW_WRONG_PIN:
	case ROUTE_CW_LOCKED:
		rc = route_apply_command(store, conf, f, plan, now);
		break;
	case ROUTE_SOURCE:
		rc = route_reply(store, conf, msg, plan, 0, NULL, now);
		break;
	case ROUTE_SERIES_JOIN:
	case ROUTE_SERIES_LEAVE:
	case ROUTE_SURVEY_START:
	case ROUTE_SURVEY_ANSWER:
	case ROUTE_SURVEY_REPEAT:
	case ROUTE_IGNORED:
	case ROUTE_OPTED_OUT:
	case ROUTE_MALFORMED:
	case ROUTE_BUDGET:
		break;          /* the campaign's below; else only the end */
	}
	if (rc < 0 || route_apply_campaign(store, conf, msg, f, plan, now) < 0)
		return -1;
	return route_apply_end(store, msg, plan, now);
}
