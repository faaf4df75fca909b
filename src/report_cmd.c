/*
 * report_cmd: caseworkers acting by SMS from a number on the roster.
 *
 *   CLAIM REF PIN          the report is theirs; escalation stops
 *   NOTE REF PIN text      a note on the timeline
 *   REPLY REF PIN text     an SMS to the reporter from the gateway's number
 *   CLOSE REF PIN [text]   closes it, with the text as the outcome
 *
 * Sender numbers can be spoofed, so every command carries the caseworker's
 * PIN, checked against the crypto_pwhash hash in the config; after
 * reports.pin_attempts wrong PINs the caseworker is locked out for
 * reports.pin_lockout seconds. The command message (PIN and text) is
 * scrubbed from the inbox like a report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "report.h"
#include "report_int.h"
#include "seal.h"

#define REPORT_CMD_WORD 32

/* One parsed command; the words are copied, the text points into msg. */
struct report_cmd {
	char verb[REPORT_CMD_WORD];
	char ref[REPORT_CMD_WORD];
	char pin[REPORT_CMD_WORD];
	const char *text;        /* after the PIN, trimmed; may be "" */
};

static const char *const report_verbs[] = { "CLAIM", "NOTE", "REPLY",
    "CLOSE", NULL };

/* Copies the next word of *p into buf; advances *p. 0, or -1 when none
 * or too long. */
static int
report_word(const char **p, char *buf, size_t len)
{
	size_t n;

	*p += strspn(*p, " \t\r\n");
	n = strcspn(*p, " \t\r\n");
	if (n == 0 || n >= len)
		return -1;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p += n;
	return 0;
}

/* Parses text as a command. Returns 0, or -1 when it is not one. */
static int
report_cmd_parse(const char *text, struct report_cmd *cmd)
{
	const char *p = text;
	size_t i;

	if (report_word(&p, cmd->verb, sizeof(cmd->verb)) == -1)
		return -1;
	for (i = 0; report_verbs[i] != NULL; i++)
		if (strcasecmp(cmd->verb, report_verbs[i]) == 0)
			break;
	if (report_verbs[i] == NULL)
		return -1;
	snprintf(cmd->verb, sizeof(cmd->verb), "%s", report_verbs[i]);
	if (report_word(&p, cmd->ref, sizeof(cmd->ref)) == -1)
		cmd->ref[0] = '\0';
	if (cmd->ref[0] == '#')
		memmove(cmd->ref, cmd->ref + 1, strlen(cmd->ref));
	if (report_word(&p, cmd->pin, sizeof(cmd->pin)) == -1)
		cmd->pin[0] = '\0';
	cmd->text = p + strspn(p, " \t\r\n");
	return 0;
}

/* The caseworker whose number sent msg, or NULL. */
static const struct conf_caseworker *
report_cmd_who(const struct conf *conf, const char *sender)
{
	size_t i;

	for (i = 0; i < conf->reports.ncaseworkers; i++)
		if (strcmp(conf->reports.caseworkers[i].number, sender) == 0)
			return &conf->reports.caseworkers[i];
	return NULL;
}

/* Queues answer to the caseworker (kind alert: outside the budget). */
static int
report_cmd_answer(struct store *store, const struct conf_caseworker *cw,
    const char *answer, int64_t now)
{
	return store_outbox_add(store, cw->number, answer, STORE_OUT_ALERT, 0,
	    now) < 0 ? -1 : 0;
}

/*
 * Checks cmd's PIN for cw, counting failures. Returns 1 good, 0 wrong or
 * locked (the answer says which), -1.
 */
static int
report_cmd_pin(struct store *store, const struct conf *conf,
    const struct conf_caseworker *cw, const struct report_cmd *cmd,
    const char **answer, int64_t now)
{
	int64_t locked;
	int failures;

	if (store_pin_get(store, cw->name, &failures, &locked) < 0)
		return -1;
	if (locked > now) {
		*answer = "Locked: too many wrong PINs. Try later.";
		return 0;
	}
	if (cw->pin_hash != NULL && cmd->pin[0] != '\0' &&
	    crypto_pwhash_str_verify(cw->pin_hash, cmd->pin,
	    strlen(cmd->pin)) == 0) {
		if (failures > 0 && store_pin_put(store, cw->name, 0, 0) < 0)
			return -1;
		return 1;
	}
	failures++;
	locked = 0;
	*answer = "Wrong PIN.";
	if (failures >= conf->reports.pin_attempts) {
		locked = now + conf->reports.pin_lockout;
		failures = 0;
		*answer = "Wrong PIN. Locked: too many wrong PINs.";
	}
	return store_pin_put(store, cw->name, failures, locked) < 0 ? -1 : 0;
}

/* Adds a timeline entry with text (sealed when a key is set), and its
 * audit row. */
static int
report_cmd_entry(struct store *store, const struct conf *conf, int64_t id,
    const char *kind, const char *actor, const char *text, int64_t outbox,
    int64_t now)
{
	struct store_audit a;
	int rc;

	rc = report_entry_add(store, id, kind, actor, text,
	    conf->reports.public_key != NULL ? &conf->reports.key : NULL,
	    outbox, now);
	if (rc < 0)
		return -1;
	/* The audit log names every action on a report, by SMS too. */
	memset(&a, 0, sizeof(a));
	a.at = now;
	a.actor = actor;
	a.via = "sms";
	a.action = kind;
	a.report_id = id;
	return store_audit_add(store, &a) < 0 ? -1 : 0;
}

/*
 * Relays text to the reporter of report id through the relay copy of the
 * number. Returns 1 queued, 0 no copy left, -1.
 */
static int
report_cmd_relay(struct store *store, const struct conf *conf,
    const struct conf_caseworker *cw, int64_t id, const char *text,
    int64_t now)
{
	unsigned char key[32], *blob = NULL;
	char number[64];
	size_t len, n;
	int64_t out;
	int rc;

	if ((rc = store_report_relay(store, id, now, &blob, &len)) <= 0)
		return rc;
	n = len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	rc = -1;
	if (len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES ||
	    n >= sizeof(number) || report_key(store, "relay", key) < 0)
		goto out;
	if (crypto_secretbox_open_easy((unsigned char *)number,
	    blob + crypto_secretbox_NONCEBYTES,
	    len - crypto_secretbox_NONCEBYTES, blob, key) != 0) {
		rc = 0;         /* another device's secret: no relay */
		goto out;
	}
	number[n] = '\0';
	out = store_outbox_add(store, number, text, STORE_OUT_MANUAL, 0, now);
	if (out >= 0 && report_cmd_entry(store, conf, id, "reply", cw->name,
	    text, out, now) == 0)
		rc = 1;
out:
	sodium_memzero(number, sizeof(number));
	sodium_memzero(key, sizeof(key));
	free(blob);
	return rc;
}

/* Does what cmd asks on report r for cw. Returns 0 with *answer set, -1. */
static int
report_cmd_act(struct store *store, const struct conf *conf,
    const struct conf_caseworker *cw, const struct report_cmd *cmd,
    const struct store_report *r, const char **answer, int64_t now)
{
	int rc;

	if (strcmp(cmd->verb, "CLAIM") == 0) {
		if ((rc = store_report_claim(store, r->id, cw->name, now)) < 0)
			return -1;
		*answer = rc ? "Claimed." : "Already claimed or closed.";
		return rc ? report_cmd_entry(store, conf, r->id, "claim",
		    cw->name, NULL, 0, now) : 0;
	}
	if (strcmp(cmd->verb, "NOTE") == 0) {
		*answer = "Noted.";
		return report_cmd_entry(store, conf, r->id, "note", cw->name,
		    cmd->text, 0, now);
	}
	if (strcmp(cmd->verb, "CLOSE") == 0) {
		rc = store_report_close(store, r->id, conf->reports.public_key ?
		    "" : cmd->text, now);
		if (rc < 0)
			return -1;
		*answer = rc ? "Closed." : "Already closed.";
		return rc ? report_cmd_entry(store, conf, r->id, "close",
		    cw->name, cmd->text, 0, now) : 0;
	}
	if (cmd->text[0] == '\0') {
		*answer = "REPLY REF PIN text: the text is missing.";
		return 0;
	}
	if ((rc = report_cmd_relay(store, conf, cw, r->id, cmd->text,
	    now)) < 0)
		return -1;
	*answer = rc ? "Sent." : "Cannot relay any more: "
	    "use shukherctl reports reply.";
	return 0;
}

int
report_command(struct store *store, const struct conf *conf,
    const struct store_msg *msg, int64_t now)
{
	const struct conf_caseworker *cw;
	struct report_cmd cmd;
	struct store_report r;
	const char *answer = NULL;
	char buf[96];
	int rc;

	if ((cw = report_cmd_who(conf, msg->sender)) == NULL ||
	    report_cmd_parse(msg->text, &cmd) == -1)
		return 0;
	if ((rc = report_cmd_pin(store, conf, cw, &cmd, &answer, now)) < 0)
		goto fail;
	if (rc == 1) {
		if ((rc = store_report_find(store, cmd.ref, &r)) < 0)
			goto fail;
		if (rc == 0 || cmd.ref[0] == '\0')
			answer = "No such report.";
		else if (strcmp(r.status, "open") != 0 &&
		    strcmp(cmd.verb, "CLOSE") != 0)
			answer = "That report is closed.";
		else if (report_cmd_act(store, conf, cw, &cmd, &r, &answer,
		    now) < 0) {
			store_report_free(&r);
			goto fail;
		}
		if (rc == 1)
			store_report_free(&r);
	}
	snprintf(buf, sizeof(buf), "%s #%s: %s", cmd.verb, cmd.ref, answer);
	sodium_memzero(&cmd, sizeof(cmd));
	if (report_cmd_answer(store, cw, buf, now) < 0 ||
	    report_finish(store, msg, "caseworker", now) < 0)
		return -1;
	return 1;
fail:
	sodium_memzero(&cmd, sizeof(cmd));
	return -1;
}
