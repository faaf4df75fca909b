/*
 * casework: what a caseworker does to a report, in one place for every
 * front end (shukherctl's verbs, the web console, SMS commands).
 *
 * Each action is one transaction that writes the change, its timeline
 * entry under the caseworker's name and an audit row (who, through what,
 * from where, which report). Text written beside a sealed report (a note,
 * a reply, an outcome) is sealed too: the secret key is needed to write
 * it, so that nothing lands in the clear beside a sealed report. A closed
 * report takes no more changes, so that a first outcome is never
 * overwritten. The module never prints and never logs; errors come back as
 * an enum cw_err the front end words for its reader.
 */
#ifndef SHUKHER_CASEWORK_H
#define SHUKHER_CASEWORK_H

#include <stddef.h>
#include <stdint.h>

#include "seal.h"
#include "sms.h"
#include "store.h"

/* limits.max_segments when no config says (src/conf.c's default). */
#define CASEWORK_SEGMENTS_DEFAULT 2

/* Who acts, with what. */
struct casework {
	struct store *store;
	const struct seal_sec *sec; /* the caseworkers' key; NULL: locked */
	const char *actor;       /* caseworker's name, for timeline and audit */
	const char *via;         /* "cli", "web" */
	const char *addr;        /* the web client's address; NULL from cli */
	int max_segments;        /* SMS parts a reply may take: the config's
	                            limits.max_segments. Below 1 refuses every
	                            reply, so that a front end that forgot to
	                            set it cannot send unchecked text */
	/* The daemon, for caseworkers' SMS commands (route_apply.c): */
	const struct seal_pub *pub; /* seals without opening (no sec): the
	                            conf's public key; NULL: none */
	int64_t now;             /* 0: the clock */
	int in_transaction;      /* 1: the caller's transaction holds the
	                            change (the message's): casework neither
	                            begins, commits nor rolls back; on CW_DB or
	                            CW_NOMEM the caller rolls back */
};

enum cw_err {
	CW_OK = 0,
	CW_NOTFOUND,             /* no such report */
	CW_CLOSED,               /* closed: no more changes */
	CW_TAKEN,                /* already claimed */
	CW_LOCKED,               /* sealed, and no key at hand */
	CW_WRONGKEY,             /* sealed to another key */
	CW_DAMAGED,              /* the sealed blob does not open */
	CW_NONUMBER,             /* nobody to answer (no number kept) */
	CW_EMPTY,                /* a note or reply without text */
	CW_TOOLONG,              /* a reply longer than max_segments SMS */
	CW_BADTEXT,              /* a reply that is not valid UTF-8 */
	CW_DB,                   /* the store failed: store_errmsg() says how */
	CW_NOMEM
};

/* A short English phrase for err ("report is closed", ...). */
const char *casework_strerror(enum cw_err err);

/*
 * Finds the report key names (number or reference) into *r (free with
 * store_report_free()). Returns CW_OK, CW_NOTFOUND or CW_DB.
 */
enum cw_err casework_find(struct casework *cw, const char *key,
    struct store_report *r);

/*
 * Opens a sealed report in place: number and text replaced by the sealed
 * ones. A clear report is left as it is. When audit is set, records that
 * the actor opened it (the console and `reports show` do; a list does
 * not). Returns CW_OK, CW_LOCKED, CW_WRONGKEY, CW_DAMAGED, CW_DB or
 * CW_NOMEM.
 */
enum cw_err casework_open(struct casework *cw, struct store_report *r,
    int audit);

/* One timeline entry with its text opened. Strings are borrowed for the
 * callback's duration. */
struct casework_entry {
	const struct store_report_entry *e;
	const char *text;        /* NULL: none; opened when sealed */
	int unreadable;          /* 1: sealed and no key, or another key */
};
typedef int (*casework_entry_cb)(void *arg, const struct casework_entry *ce);

/*
 * Calls cb for every timeline entry of report id, oldest first, texts
 * opened with cw's key when it has one (a reporter's message gives only
 * its text, not the number on its first line). Returns CW_OK, CW_DB or
 * CW_NOMEM; a non-zero from cb stops early with CW_OK.
 */
enum cw_err casework_timeline(struct casework *cw, int64_t id,
    casework_entry_cb cb, void *arg);
/*
 * One entry e read from elsewhere (the central database's copy of a
 * gateway's timeline) given to cb as casework_timeline() gives it, its
 * text opened with cw's key. *stop gets cb's return (0 when it was not
 * called). Returns CW_OK or CW_NOMEM.
 */
enum cw_err casework_entry(struct casework *cw,
    const struct store_report_entry *e, casework_entry_cb cb, void *arg,
    int *stop);

/*
 * The changes, each one transaction on an open report r (as found by
 * casework_find: need not be opened). claim takes no text; note needs
 * text; close takes an optional outcome (NULL or ""). Text beside a
 * sealed report is sealed to the report's key, which cw must hold (sec,
 * or pub when it only seals): CW_LOCKED or CW_WRONGKEY otherwise. Return
 * CW_OK or why not.
 */
enum cw_err casework_claim(struct casework *cw, const struct store_report *r);
enum cw_err casework_note(struct casework *cw, const struct store_report *r,
    const char *text);
enum cw_err casework_close(struct casework *cw, const struct store_report *r,
    const char *outcome);

/*
 * Whether text may be sent to a reporter as an SMS of at most max_segments
 * parts, measured with the sender's own segment calculator (sms_measure():
 * GSM-7 when every character allows, else UCS-2) and within what the
 * sender accepts at all (CASEWORK_TEXT_BYTES, CASEWORK_PARTS_MAX), so
 * that a text confirmed here never fails in the outbox as "too long".
 * info (may be NULL) gets the measure for the refusal's wording. Pure:
 * the caseworkers' SMS REPLY command (route_apply.c) calls it too.
 * Returns CW_OK, CW_EMPTY, CW_BADTEXT or CW_TOOLONG.
 */
#define CASEWORK_TEXT_BYTES 4096 /* the modem's send() (modem_gammu.c) */
#define CASEWORK_PARTS_MAX 49    /* libgammu's GSM_MAX_MULTI_SMS - 1 */
enum cw_err casework_check_text(const char *text, int max_segments,
    struct sms_info *info);

/*
 * How many septets (GSM-7) or UTF-16 units (UCS-2) a text of at most
 * max_segments parts holds: 160 or 70 in one SMS, 153 or 67 per part of
 * a longer one. For wording a limit ("306 Latin or 134 Cyrillic
 * characters"); the check itself is casework_check_text().
 */
size_t casework_room(int max_segments, enum sms_encoding enc);

/*
 * Queues text to the reporter of r, from the gateway's number: the text
 * is checked first (casework_check_text() with cw->max_segments), the
 * number is opened with the key, the SMS queued as a manual message (the
 * daemon blanks it once sent), and the reply joins the timeline, sealed.
 * *outbox (may be NULL) gets the outbox id. Returns CW_OK or why not.
 */
enum cw_err casework_reply(struct casework *cw, const struct store_report *r,
    const char *text, int64_t *outbox);

/*
 * casework_reply() to a number the caller opened (the daemon's relay copy
 * of it: the daemon cannot open a sealed report). With budget (not NULL)
 * the SMS is held back when the number's reply budget is spent: CW_OK with
 * *outbox 0 and nothing written. Returns CW_OK or why not.
 */
enum cw_err casework_reply_to(struct casework *cw,
    const struct store_report *r, const char *number, const char *text,
    const struct store_budget *budget, int64_t *outbox);

/*
 * Records an action without a report (report_id 0), such as "signin",
 * "signin-failed", "unlock", "signout", "export": an audit row only.
 * casework_audit_detail() adds a short detail (NULL: none), such as the
 * count of failed sign-ins a summary row stands for.
 */
enum cw_err casework_audit(struct casework *cw, const char *action,
    int64_t report_id);
enum cw_err casework_audit_detail(struct casework *cw, const char *action,
    int64_t report_id, const char *detail);

#endif
