/*
 * casework: a caseworker's actions on a report (open, claim, note, reply,
 * close), shared by shukherctl, the web console and the caseworkers' SMS
 * commands (route_apply.c, which runs them inside the transaction of the
 * message that carried the command, with the conf's public key to seal).
 *
 * Every change is one transaction holding the change itself, its timeline
 * entry and its audit row, so that the audit log can never miss an action
 * nor show one that did not happen. The report's status is read again
 * inside that transaction: a report closed meanwhile by someone else
 * takes no note, reply or second outcome. Text beside a sealed report is
 * sealed to the report's own key, which the caller must hold (its public
 * half is what seals): a note sealed to another key would be lost to the
 * caseworkers who can open the report. A reply is measured with the
 * sender's segment calculator before anything is written: a text the
 * daemon would refuse is refused here, while the caseworker can still
 * shorten it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "casework.h"
#include "report.h"
#include "seal.h"
#include "sms.h"
#include "store.h"

/* The sizes the segment calculator counts by (3GPP TS 23.040). */
#define CW_GSM7_SINGLE 160
#define CW_GSM7_PART 153
#define CW_UCS2_SINGLE 70
#define CW_UCS2_PART 67

const char *
casework_strerror(enum cw_err err)
{
	switch (err) {
	case CW_OK:
		return "done";
	case CW_NOTFOUND:
		return "no such report";
	case CW_CLOSED:
		return "report is closed";
	case CW_TAKEN:
		return "report is already claimed";
	case CW_LOCKED:
		return "report is sealed and the key is locked";
	case CW_WRONGKEY:
		return "report was sealed to another key (wrong key)";
	case CW_DAMAGED:
		return "report cannot be opened with this key (damaged?)";
	case CW_NONUMBER:
		return "report has no number to answer";
	case CW_EMPTY:
		return "no text given";
	case CW_TOOLONG:
		return "text is too long for the SMS limit";
	case CW_BADTEXT:
		return "text is not valid UTF-8";
	case CW_DB:
		return "database error";
	case CW_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}

/* The time of the change: the caller's, else the clock. */
static int64_t
cw_now(const struct casework *cw)
{
	return cw->now != 0 ? cw->now : (int64_t)time(NULL);
}

/* The actor's name; the audit and the timeline never take NULL. */
static const char *
cw_actor(const struct casework *cw)
{
	return cw->actor != NULL && cw->actor[0] != '\0' ? cw->actor :
	    "unknown";
}

/* Writes one audit row for action on report_id (0: none), with detail
 * (NULL: none). */
static enum cw_err
cw_audit_row(struct casework *cw, const char *action, int64_t report_id,
    const char *detail, int64_t now)
{
	struct store_audit a;

	memset(&a, 0, sizeof(a));
	a.at = now;
	a.actor = cw_actor(cw);
	a.via = cw->via != NULL ? cw->via : "cli";
	a.action = action;
	a.report_id = report_id;
	a.addr = cw->addr;
	a.detail = detail;
	return store_audit_add(cw->store, &a) < 0 ? CW_DB : CW_OK;
}

static enum cw_err
cw_audit(struct casework *cw, const char *action, int64_t report_id,
    int64_t now)
{
	return cw_audit_row(cw, action, report_id, NULL, now);
}

enum cw_err
casework_audit(struct casework *cw, const char *action, int64_t report_id)
{
	return cw_audit(cw, action, report_id, cw_now(cw));
}

enum cw_err
casework_audit_detail(struct casework *cw, const char *action,
    int64_t report_id, const char *detail)
{
	return cw_audit_row(cw, action, report_id, detail, cw_now(cw));
}

/* The parts a reply may take: the configured limit within the sender's. */
static int
cw_parts(int max_segments)
{
	return max_segments < CASEWORK_PARTS_MAX ? max_segments :
	    CASEWORK_PARTS_MAX;
}

size_t
casework_room(int max_segments, enum sms_encoding enc)
{
	int parts = cw_parts(max_segments);

	if (parts < 1)
		return 0;
	if (parts == 1)
		return enc == SMS_GSM7 ? CW_GSM7_SINGLE : CW_UCS2_SINGLE;
	return (size_t)parts * (enc == SMS_GSM7 ? CW_GSM7_PART :
	    CW_UCS2_PART);
}

enum cw_err
casework_check_text(const char *text, int max_segments,
    struct sms_info *info)
{
	struct sms_info m;

	if (info == NULL)
		info = &m;
	memset(info, 0, sizeof(*info));
	if (text == NULL || text[0] == '\0')
		return CW_EMPTY;
	if (sms_measure(text, info) == -1)
		return CW_BADTEXT;
	if (strlen(text) > CASEWORK_TEXT_BYTES ||
	    info->segments > cw_parts(max_segments))
		return CW_TOOLONG;
	return CW_OK;
}

enum cw_err
casework_find(struct casework *cw, const char *key, struct store_report *r)
{
	switch (store_report_find(cw->store, key, r)) {
	case 1:
		return CW_OK;
	case 0:
		return CW_NOTFOUND;
	}
	return CW_DB;
}

/*
 * Opens r's sealed blob: "number\ntext". Returns CW_OK with the plain text
 * in *plain (free with seal_free()), or why not.
 */
static enum cw_err
cw_unseal(const struct casework *cw, const struct store_report *r,
    char **plain)
{
	*plain = NULL;
	if (cw->sec == NULL)
		return CW_LOCKED;
	if (strcmp(r->key_id, cw->sec->id) != 0)
		return CW_WRONGKEY;
	if ((*plain = seal_open(cw->sec, r->sealed, r->sealed_len,
	    NULL)) == NULL)
		return CW_DAMAGED;
	return CW_OK;
}

enum cw_err
casework_open(struct casework *cw, struct store_report *r, int audit)
{
	char *plain, *nl, *number, *text;
	enum cw_err err;

	if (r->sealed != NULL) {
		if ((err = cw_unseal(cw, r, &plain)) != CW_OK)
			return err;
		nl = strchr(plain, '\n');
		number = strndup(plain, nl != NULL ? (size_t)(nl - plain) : 0);
		text = strdup(nl != NULL ? nl + 1 : plain);
		seal_free(plain);
		if (number == NULL || text == NULL) {
			free(number);
			free(text);
			return CW_NOMEM;
		}
		free(r->number);
		free(r->text);
		r->number = number;
		r->text = text;
	}
	if (audit)
		return casework_audit(cw, "open", r->id);
	return CW_OK;
}

/* What the timeline callback carries. */
struct cw_timeline {
	struct casework *cw;
	casework_entry_cb cb;
	void *arg;
	enum cw_err err;
};

/*
 * The text of entry e (NULL: none), opened when sealed, into *text (free
 * with seal_free()); *unreadable set when it is sealed and cannot be
 * opened. A reporter's message holds their number on its first line:
 * only the text is given. Returns CW_OK or CW_NOMEM.
 */
static enum cw_err
cw_entry_text(const struct casework *cw, const struct store_report_entry *e,
    char **text, int *unreadable)
{
	char *plain = NULL, *nl;

	*text = NULL;
	*unreadable = 0;
	if (e->body == NULL || e->body_len == 0)
		return CW_OK;
	if (e->key_id != NULL && e->key_id[0] != '\0') {
		if (cw->sec == NULL || strcmp(e->key_id, cw->sec->id) != 0 ||
		    (plain = seal_open(cw->sec, e->body, e->body_len,
		    NULL)) == NULL) {
			*unreadable = 1;
			return CW_OK;
		}
	} else if ((plain = strndup((const char *)e->body, e->body_len)) ==
	    NULL)
		return CW_NOMEM;
	if (strcmp(e->kind, "message") != 0 ||
	    (nl = strchr(plain, '\n')) == NULL) {
		*text = plain;
		return CW_OK;
	}
	*text = strdup(nl + 1);
	seal_free(plain);
	return *text != NULL ? CW_OK : CW_NOMEM;
}

static int
cw_timeline_row(void *arg, const struct store_report_entry *e)
{
	struct cw_timeline *t = arg;
	struct casework_entry ce;
	char *text;
	int rc;

	if ((t->err = cw_entry_text(t->cw, e, &text, &ce.unreadable)) !=
	    CW_OK)
		return 1;
	ce.e = e;
	ce.text = text;
	rc = t->cb(t->arg, &ce);
	seal_free(text);
	return rc;
}

enum cw_err
casework_entry(struct casework *cw, const struct store_report_entry *e,
    casework_entry_cb cb, void *arg, int *stop)
{
	struct cw_timeline t = { cw, cb, arg, CW_OK };

	*stop = cw_timeline_row(&t, e);
	return t.err;
}

enum cw_err
casework_timeline(struct casework *cw, int64_t id, casework_entry_cb cb,
    void *arg)
{
	struct cw_timeline t = { cw, cb, arg, CW_OK };

	if (store_report_entries(cw->store, id, cw_timeline_row, &t) < 0)
		return CW_DB;
	return t.err;
}

/*
 * Begins the transaction of a change to r (unless the caller holds one)
 * and checks, inside it, that r is still open. Returns CW_OK with the
 * transaction open, or why not with none open (the caller's untouched).
 */
static enum cw_err
cw_begin(struct casework *cw, const struct store_report *r)
{
	struct store_report now;
	char id[24];
	int closed;

	enum cw_err err = CW_DB;

	if (!cw->in_transaction && store_begin(cw->store) < 0)
		return CW_DB;
	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	switch (store_report_find(cw->store, id, &now)) {
	case 1:
		closed = strcmp(now.status, "closed") == 0;
		store_report_free(&now);
		if (!closed)
			return CW_OK;
		err = CW_CLOSED;
		break;
	case 0:
		err = CW_NOTFOUND;
		break;
	}
	if (!cw->in_transaction)
		store_rollback(cw->store);
	return err;
}

/* Ends what cw_begin began: commits when err is CW_OK, else rolls back;
 * neither in the caller's transaction. */
static enum cw_err
cw_end(struct casework *cw, enum cw_err err)
{
	if (cw->in_transaction)
		return err;
	if (err == CW_OK && store_commit(cw->store) < 0)
		err = CW_DB;
	if (err != CW_OK)
		store_rollback(cw->store);
	return err;
}

/*
 * The key that seals text beside r into *pub: the public half of cw's
 * secret key, else the public key cw seals with. Returns CW_OK, or
 * CW_LOCKED when cw holds neither.
 */
static enum cw_err
cw_pub(const struct casework *cw, struct seal_pub *pub)
{
	if (cw->sec != NULL) {
		memcpy(pub->pk, cw->sec->pk, sizeof(pub->pk));
		snprintf(pub->id, sizeof(pub->id), "%s", cw->sec->id);
	} else if (cw->pub != NULL)
		*pub = *cw->pub;
	else
		return CW_LOCKED;
	return CW_OK;
}

/*
 * Whether text may be written beside r: always when r is clear; when r is
 * sealed, only with r's own key at hand. Returns CW_OK or why not.
 */
static enum cw_err
cw_may_write(const struct casework *cw, const struct store_report *r,
    const char *text)
{
	struct seal_pub pub;

	if (text == NULL || text[0] == '\0' || r->sealed == NULL)
		return CW_OK;
	if (cw_pub(cw, &pub) != CW_OK)
		return CW_LOCKED;
	if (strcmp(r->key_id, pub.id) != 0)
		return CW_WRONGKEY;
	return CW_OK;
}

/*
 * Adds a timeline entry of kind to r by the actor, with text (NULL or "":
 * none) sealed when r is sealed (cw_may_write() said yes), then its audit
 * row. Inside the caller's transaction.
 */
static enum cw_err
cw_entry(struct casework *cw, const struct store_report *r, const char *kind,
    const char *text, int64_t outbox, int64_t now)
{
	struct seal_pub pub;
	int sealed;
	int rc;

	sealed = r->sealed != NULL && cw_pub(cw, &pub) == CW_OK;
	rc = report_entry_add(cw->store, r->id, kind, cw_actor(cw), text,
	    sealed ? &pub : NULL, outbox, now);
	if (rc == -2)
		return CW_NOMEM;
	if (rc < 0)
		return CW_DB;
	return cw_audit(cw, kind, r->id, now);
}

enum cw_err
casework_claim(struct casework *cw, const struct store_report *r)
{
	int64_t now = cw_now(cw);
	enum cw_err err;
	int n;

	if ((err = cw_begin(cw, r)) != CW_OK)
		return err;
	n = store_report_claim(cw->store, r->id, cw_actor(cw), now);
	if (n < 0)
		err = CW_DB;
	else if (n == 0)
		err = CW_TAKEN;         /* open (cw_begin), so claimed */
	else
		err = cw_entry(cw, r, "claim", NULL, 0, now);
	return cw_end(cw, err);
}

enum cw_err
casework_note(struct casework *cw, const struct store_report *r,
    const char *text)
{
	enum cw_err err;

	if (text == NULL || text[0] == '\0')
		return CW_EMPTY;
	if ((err = cw_may_write(cw, r, text)) != CW_OK)
		return err;
	if ((err = cw_begin(cw, r)) != CW_OK)
		return err;
	return cw_end(cw, cw_entry(cw, r, "note", text, 0, cw_now(cw)));
}

enum cw_err
casework_close(struct casework *cw, const struct store_report *r,
    const char *outcome)
{
	int64_t now = cw_now(cw);
	enum cw_err err;
	int n;

	if ((err = cw_may_write(cw, r, outcome)) != CW_OK)
		return err;
	if ((err = cw_begin(cw, r)) != CW_OK)
		return err;
	/* A sealed report's outcome lives only in its sealed timeline. */
	n = store_report_close(cw->store, r->id, r->sealed != NULL ? "" :
	    outcome, now);
	if (n < 0)
		err = CW_DB;
	else if (n == 0)
		err = CW_CLOSED;
	else
		err = cw_entry(cw, r, "close", outcome, 0, now);
	return cw_end(cw, err);
}

/*
 * The reporter's number of r into *number (free with seal_free()),
 * opened with the key when r is sealed. Returns CW_OK or why not.
 */
static enum cw_err
cw_number(const struct casework *cw, const struct store_report *r,
    char **number)
{
	char *plain, *nl;
	enum cw_err err;

	*number = NULL;
	if (r->sealed == NULL)
		*number = strdup(r->number != NULL ? r->number : "");
	else {
		if ((err = cw_unseal(cw, r, &plain)) != CW_OK)
			return err;
		nl = strchr(plain, '\n');
		*number = strndup(plain, nl != NULL ? (size_t)(nl - plain) : 0);
		seal_free(plain);
	}
	if (*number == NULL)
		return CW_NOMEM;
	if ((*number)[0] == '\0') {
		seal_free(*number);
		*number = NULL;
		return CW_NONUMBER;
	}
	return CW_OK;
}

enum cw_err
casework_reply_to(struct casework *cw, const struct store_report *r,
    const char *number, const char *text, const struct store_budget *budget,
    int64_t *outbox)
{
	int64_t now = cw_now(cw), out = 0;
	enum cw_err err;

	if (outbox != NULL)
		*outbox = 0;
	if ((err = casework_check_text(text, cw->max_segments, NULL)) !=
	    CW_OK)
		return err;
	if ((err = cw_may_write(cw, r, text)) != CW_OK)
		return err;
	if ((err = cw_begin(cw, r)) != CW_OK)
		return err;
	if (budget != NULL)
		out = store_outbox_queue(cw->store, budget, number, text,
		    STORE_OUT_MANUAL, 0, now);
	else
		out = store_outbox_add(cw->store, number, text,
		    STORE_OUT_MANUAL, 0, now);
	if (out < 0)
		err = CW_DB;
	else if (out > 0)
		err = cw_entry(cw, r, "reply", text, out, now);
	err = cw_end(cw, err);
	if (err == CW_OK && outbox != NULL)
		*outbox = out;
	return err;
}

enum cw_err
casework_reply(struct casework *cw, const struct store_report *r,
    const char *text, int64_t *outbox)
{
	char *number;
	enum cw_err err;

	if (outbox != NULL)
		*outbox = 0;
	if ((err = casework_check_text(text, cw->max_segments, NULL)) !=
	    CW_OK)
		return err;
	if ((err = cw_number(cw, r, &number)) != CW_OK)
		return err;
	err = casework_reply_to(cw, r, number, text, NULL, outbox);
	seal_free(number);
	return err;
}
