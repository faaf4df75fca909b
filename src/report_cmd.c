/*
 * report_cmd: caseworkers acting by SMS from a number on the roster.
 *
 *   CLAIM REF PIN          the report is theirs; escalation stops
 *   NOTE REF PIN text      a note on the timeline
 *   REPLY REF PIN text     an SMS to the reporter from the gateway's number
 *   CLOSE REF PIN [text]   closes it, with the text as the outcome
 *
 * Sender numbers can be spoofed, so every command carries the caseworker's
 * PIN, checked against the crypto_pwhash hash in the config. Guessing must
 * stay slower than a PIN is long: every reports.pin_attempts wrong PINs
 * lock the caseworker's commands, for reports.pin_lockout the first time
 * and twice as long each next time, up to reports.pin_lockout_max; a lock
 * does not reset the count, only the right PIN once no lock holds does.
 * The first lock of a streak tells the caseworker by SMS that their PIN is
 * being guessed. A spoofer must not make the gateway text the caseworker
 * for every guess either: wrong-PIN and locked answers go at most once per
 * pin_lockout, or once per lock. The command message (PIN and text) is
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

/* "N min", "N h" or "N d" for seconds, rounded up: how long a lock
 * lasts, in an SMS. */
static void
report_cmd_span(int64_t secs, char *buf, size_t len)
{
	if (secs >= 2 * 86400)
		snprintf(buf, len, "%lld d", (long long)((secs + 86399) / 86400));
	else if (secs >= 2 * 3600)
		snprintf(buf, len, "%lld h", (long long)((secs + 3599) / 3600));
	else
		snprintf(buf, len, "%lld min", (long long)((secs + 59) / 60));
}

/* The length of lock number k (1 first): pin_lockout doubled k - 1 times,
 * at most pin_lockout_max. */
static int64_t
report_cmd_lock_span(const struct conf *conf, int k)
{
	int64_t span = conf->reports.pin_lockout;

	while (--k > 0 && span < conf->reports.pin_lockout_max)
		span *= 2;
	return span < conf->reports.pin_lockout_max ? span :
	    conf->reports.pin_lockout_max;
}

/*
 * Checks cmd's PIN for cw and counts a wrong one (see the top of this
 * file). Returns 1 right; 0 wrong or locked, with answer filled when this
 * one is to be answered ("" when the caseworker was answered within the
 * quiet period, or the warning goes instead) and *warn set when the
 * warning is due; -1.
 */
static int
report_cmd_pin(struct store *store, const struct conf *conf,
    const struct conf_caseworker *cw, const struct report_cmd *cmd,
    char *answer, size_t alen, int *warn, int64_t now)
{
	struct store_pin p;
	int64_t span = 0;
	char left[24];

	answer[0] = '\0';
	*warn = 0;
	if (store_pin_get(store, cw->name, &p) < 0)
		return -1;
	if (p.locked_until > now) {
		report_cmd_span(p.locked_until - now, left, sizeof(left));
		snprintf(answer, alen, "Locked for %s more: too many wrong "
		    "PINs.", left);
	} else if (cw->pin_hash != NULL && cmd->pin[0] != '\0' &&
	    crypto_pwhash_str_verify(cw->pin_hash, cmd->pin,
	    strlen(cmd->pin)) == 0) {
		/* The right PIN with no lock holding: a new streak. */
		if (p.failures > 0 || p.locked_until > 0 || p.warned) {
			memset(&p, 0, sizeof(p));
			if (store_pin_put(store, cw->name, &p) < 0)
				return -1;
		}
		return 1;
	} else {
		p.failures++;
		snprintf(answer, alen, "Wrong PIN.");
		if (p.failures % conf->reports.pin_attempts == 0) {
			span = report_cmd_lock_span(conf, p.failures /
			    conf->reports.pin_attempts);
			p.locked_until = now + span;
			report_cmd_span(span, left, sizeof(left));
			snprintf(answer, alen, "Wrong PIN. Locked for %s.",
			    left);
			*warn = !p.warned;
			p.warned = 1;
		}
	}
	/* One answer per quiet period: pin_lockout, or the lock. */
	if (p.quiet_until > now)
		answer[0] = '\0';
	else
		p.quiet_until = p.locked_until > now + conf->reports.pin_lockout ?
		    p.locked_until : now + conf->reports.pin_lockout;
	if (*warn)
		answer[0] = '\0';      /* the warning says it all */
	return store_pin_put(store, cw->name, &p) < 0 ? -1 : 0;
}

/* Tells cw once a streak that their PIN is being guessed. Returns 0, -1. */
static int
report_cmd_warn(struct store *store, const struct conf *conf,
    const struct conf_caseworker *cw, int64_t now)
{
	struct store_pin p;
	char msg[200], span[24];

	if (store_pin_get(store, cw->name, &p) < 0)
		return -1;
	report_cmd_span(p.locked_until - now, span, sizeof(span));
	snprintf(msg, sizeof(msg), "Warning: %d wrong PINs for your SMS "
	    "commands. Locked for %s. Not you? Someone may be guessing your "
	    "PIN: tell your coordinator.", p.failures, span);
	return report_send(store, conf, cw->number, msg, STORE_OUT_ALERT, 0,
	    now) < 0 ? -1 : 0;
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
 * number, within the reporter's reply budget. Returns 1 queued, 0 no copy
 * left, -2 the budget held it back, -1.
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
	out = report_send(store, conf, number, text, STORE_OUT_MANUAL, 0, now);
	if (out == 0)
		rc = -2;        /* the reporter's budget is spent */
	else if (out > 0 && report_cmd_entry(store, conf, id, "reply",
	    cw->name, text, out, now) == 0)
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
	    now)) == -1)
		return -1;
	*answer = rc == 1 ? "Sent." : rc == -2 ? "Not sent: the reporter "
	    "had enough messages this hour. Try later." : "Cannot relay any "
	    "more: use shukherctl reports reply.";
	return 0;
}

/* Runs cmd for cw after the right PIN; *answer says how it went. */
static int
report_cmd_run(struct store *store, const struct conf *conf,
    const struct conf_caseworker *cw, const struct report_cmd *cmd,
    const char **answer, int64_t now)
{
	struct store_report r;
	int rc;

	if ((rc = store_report_find(store, cmd->ref, &r)) < 0)
		return -1;
	if (rc == 0 || cmd->ref[0] == '\0')
		*answer = "No such report.";
	else if (strcmp(r.status, "open") != 0 &&
	    strcmp(cmd->verb, "CLOSE") != 0)
		*answer = "That report is closed.";
	else if (report_cmd_act(store, conf, cw, cmd, &r, answer, now) < 0)
		rc = -1;
	if (rc != 0)
		store_report_free(&r);
	return rc < 0 ? -1 : 0;
}

int
report_command(struct store *store, const struct conf *conf,
    const struct store_msg *msg, int64_t now)
{
	const struct conf_caseworker *cw;
	struct report_cmd cmd;
	const char *answer = NULL;
	char pinanswer[96], buf[160];
	int rc, warn = 0;

	if ((cw = report_cmd_who(conf, msg->sender)) == NULL ||
	    report_cmd_parse(msg->text, &cmd) == -1)
		return 0;
	rc = report_cmd_pin(store, conf, cw, &cmd, pinanswer,
	    sizeof(pinanswer), &warn, now);
	if (rc == 1)
		rc = report_cmd_run(store, conf, cw, &cmd, &answer, now);
	else if (rc == 0 && pinanswer[0] != '\0')
		answer = pinanswer;
	if (rc < 0) {
		sodium_memzero(&cmd, sizeof(cmd));
		return -1;
	}
	if (answer != NULL)
		snprintf(buf, sizeof(buf), "%s #%s: %s", cmd.verb, cmd.ref,
		    answer);
	sodium_memzero(&cmd, sizeof(cmd));
	if ((answer != NULL && report_send(store, conf, cw->number, buf,
	    STORE_OUT_ALERT, 0, now) < 0) ||
	    (warn && report_cmd_warn(store, conf, cw, now) < 0) ||
	    report_finish(store, msg, "caseworker", now) < 0)
		return -1;
	return 1;
}
