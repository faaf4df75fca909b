/*
 * route: what a stored message means, and every consequence of it.
 *
 * Every incoming message goes through three stages, in the one
 * transaction that handles it (route_handle_next()):
 *
 *   gather  (route.c, reads only): the message, the sender's contact
 *           record, the replies already sent to them within the window,
 *           the report window of their number, the report the text names
 *           (the reference it starts with, or a caseworker command's),
 *           and a caseworker's PIN state: struct route_facts;
 *   decide  (route_decide.c, pure: no database, no clock, no writes):
 *           the facts and the conf give one plan, struct route_plan,
 *           whose outcome says what the message is and whose fields carry
 *           what that outcome needs;
 *   apply   (route_apply.c, the only writer): writes the plan: outbox
 *           rows (each through the reply budget, store_outbox_queue()),
 *           report rows, timeline and audit (caseworkers' commands through
 *           casework.h, as the CLI and the console do), the contact, the
 *           day's count, the inbox copy scrubbed, the message handled.
 *
 * A new kind of message (a subscription, a survey answer) is one more
 * enum route_outcome, the facts it needs read in gather, one more branch in
 * route_decide() that returns it (with its fields in struct route_plan),
 * and one more case in route_apply()'s switch; nothing else reads or
 * writes for a message. decide is unit-tested on tables of
 * {facts, text} -> outcome (tests/test_route.c).
 */
#ifndef SHUKHER_ROUTE_H
#define SHUKHER_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "campaign.h"
#include "conf.h"
#include "store.h"
#include "store_campaign.h"

enum route_outcome {
	ROUTE_REPLY,             /* a keyword group's reply, or the menu */
	ROUTE_STOP,              /* opt out, one confirmation */
	ROUTE_START,             /* opt in again, one confirmation */
	ROUTE_REPORT,            /* a new report: filed, acknowledged with its
	                            reference, the roster told when urgent */
	ROUTE_REPORT_ASK,        /* the bare report keyword: the question, and
	                            a window in which the next is the report */
	ROUTE_FOLLOWUP,          /* joins an open report (reference, window) */
	ROUTE_CW_CLAIM,          /* a caseworker's SMS command, right PIN: */
	ROUTE_CW_NOTE,           /*   run by casework.h, as the CLI does */
	ROUTE_CW_REPLY,
	ROUTE_CW_CLOSE,
	ROUTE_CW_REFUSED,        /* right PIN, but no such report or closed */
	ROUTE_CW_WRONG_PIN,      /* counted; may lock */
	ROUTE_CW_LOCKED,         /* refused unchecked while a lock holds */
	ROUTE_IGNORED,           /* alphanumeric sender or short code (type 0
	                            probes never get here: the store marks
	                            them handled) */
	ROUTE_OPTED_OUT,         /* the number said STOP */
	ROUTE_MALFORMED,         /* nothing to answer: undecodable */
	ROUTE_BUDGET,            /* a reply was due, the number's budget is
	                            spent (a STOP still opts out) */
	/* The campaign (src/route_campaign.c): */
	ROUTE_SERIES_JOIN,       /* a series' join word: subscribed, the
	                            confirmation and message 1 */
	ROUTE_SERIES_LEAVE,      /* a leave word: every series ends */
	ROUTE_SURVEY_START,      /* a survey's word: consent, question 1 */
	ROUTE_SURVEY_ANSWER,     /* inside an open attempt: the answer, the
	                            next question (or the hint, or thanks) */
	ROUTE_SURVEY_REPEAT,     /* a completed survey's word again, within
	                            its window: told so, nothing counted */
	ROUTE_SOURCE,            /* a source's words: the reply of the keyword
	                            they contain, counted under the source */
};

/* What gather read for the campaign (route_gather_campaign()). */
struct route_campaign {
	struct campaign_hit hit; /* the campaign word the text starts with */
	int in_survey;           /* 1: attempt is the number's open one */
	struct store_attempt attempt;
	size_t survey;           /* in_survey: attempt's survey (index) */
	int have_prev;           /* the hit survey: prev is the newest
	                            attempt still remembered */
	struct store_attempt prev;
	unsigned char hash[32];  /* the hit survey's hash of the number */
	int subscribed;          /* the hit series: already joined */
};

/* What the campaign's outcomes carry (struct route_plan's camp). */
struct route_camp_plan {
	const char *source;      /* counted under it; owned by conf */
	int end_all;             /* STOP: every series and the open attempt
	                            end */
	size_t index;            /* the series or survey (conf index) */
	const char *extra;       /* a second SMS after reply (message 1, a
	                            question); owned by conf */
	const char *prefix;      /* put before reply (the hint) */
	int question;            /* the attempt's question after this one */
	int hinted;
	int complete;            /* the attempt ends complete */
	int answered;            /* value is the answer to record */
	int answered_question;
	struct campaign_value value;
};

/* A caseworker's SMS command, as written: "VERB REF PIN [text]". */
#define ROUTE_CMD_WORD 32
struct route_cmd {
	char verb[ROUTE_CMD_WORD];   /* "CLAIM", "NOTE", "REPLY", "CLOSE" */
	char ref[ROUTE_CMD_WORD];    /* without a leading '#'; "" none */
	char pin[ROUTE_CMD_WORD];    /* "" none */
	const char *text;        /* after the PIN, trimmed; points into the
	                            message; may be "" */
};

/* What gather read for one message: everything decide may look at. */
struct route_facts {
	const char *sender;      /* borrowed from the message */
	const char *text;
	int malformed;
	int64_t now;
	struct store_contact contact;  /* known = 0: a stranger */
	int replies_in_window;   /* store_outbox_count() over the window */
	/* The sender's report window (store_link_get()), keyed by hash. */
	unsigned char hash[32];  /* store_number_hash() of the sender */
	int linked;              /* 1: a window is open */
	int64_t link_report;     /* its report; 0 while awaiting one */
	char link_state[16];     /* "await", "open" */
	int link_lang;
	/* The report the text names: the reference it starts with, or the
	 * reference of a caseworker's command. */
	int have_report;         /* 1: found; report is filled */
	struct store_report report;
	/* A caseworker's PIN state, for a command (store_pin_get()). */
	struct store_pin pin;
	struct route_campaign camp;
};

/* What to do with one message: decide's answer, apply's order. */
struct route_plan {
	enum route_outcome outcome;
	const char *label;       /* statistics and the handled mark: a group
	                            name, "default", "stop", "followup",
	                            "caseworker", ...; owned by conf or static */
	enum lang lang;          /* of the replies */
	const char *reply;       /* to the sender, or NULL; owned by conf;
	                            a report's acknowledgement gets its
	                            reference appended (route_ack_text()) */
	int write_contact;       /* 1: contact is the record to write */
	struct store_contact contact;
	int scrub;               /* 1: the inbox copy is blanked (a report's
	                            message, a caseworker's command) */
	/* Reports: ROUTE_REPORT files text; ROUTE_FOLLOWUP adds text to
	 * report_id; ROUTE_CW_* act on report_id. */
	const char *text;        /* borrowed from the message */
	int64_t report_id;
	int urgent;              /* ROUTE_REPORT: urgent words in it */
	/* Caseworkers' commands. */
	const struct conf_caseworker *caseworker;  /* owned by conf */
	struct route_cmd cmd;
	int write_pin;           /* 1: pin is the state to write */
	struct store_pin pin;
	char answer[96];         /* to the caseworker ("" none): the PIN's or
	                            the refusal's; ROUTE_CW_{CLAIM,...} get
	                            theirs from casework in apply */
	char warning[200];       /* to the caseworker ("" none): their PIN is
	                            being guessed, once a streak */
	struct route_camp_plan camp;
};

/* The reply budget of every number (limits.reply_budget messages per
 * limits.reply_window), for store_outbox_queue(). */
void route_budget(const struct conf *conf, struct store_budget *out);

/* 1 when sender is alphanumeric or a short code that must never be
 * answered. */
int route_is_short_code(const struct conf *conf, const char *sender);

/*
 * The caseworker whose number is sender and the command text holds, or
 * NULL (then cmd is undefined). Pure; gather uses it to know what to read.
 */
const struct conf_caseworker *route_command(const struct conf *conf,
    const char *sender, const char *text, struct route_cmd *cmd);

/*
 * When text starts with something shaped like a report's reference
 * ("7KQ4ZP ..." or "#7KQ4ZP ..."; STORE_REF_LEN letters and digits, not
 * all digits), the reference upper-cased into ref (STORE_REF_LEN + 1
 * bytes) and the text after it; NULL otherwise. Pure.
 */
const char *route_text_ref(const char *text, char *ref);

/*
 * The acknowledgement of a report: reply with " #REF" appended; the one
 * builder, used by apply and priced by shukherctl config check. Returns
 * a new string (caller frees) or NULL when memory ran out.
 */
char *route_ack_text(const char *reply, const char *ref);

/*
 * Decides what the message in facts means, into plan. Pure: no database,
 * no clock (facts->now), no writes; never fails. plan borrows from conf
 * and facts (text, the report): keep them while plan is used.
 */
void route_decide(const struct conf *conf, const struct route_facts *facts,
    struct route_plan *plan);

/*
 * The campaign's branch of route_decide() (src/route_campaign.c): a
 * message inside an open survey, a join or leave word, a survey's word;
 * a source's word is noted in plan->camp.source. report: the text is a
 * report keyword's. Returns 1 with the plan made, 0 when the message is
 * not the campaign's (the router goes on). Pure.
 */
int route_decide_campaign(const struct conf *conf,
    const struct route_facts *facts, int report, struct route_plan *plan);

/*
 * Handles the oldest unhandled message, if any: gather, decide, apply and
 * commit. Returns 1 when one was handled, 0 when none was waiting, -1 on
 * a store error (rolled back: the message stays unhandled and is tried
 * again).
 */
int route_handle_next(struct store *store, const struct conf *conf,
    int64_t now);

#endif
