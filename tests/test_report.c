/*
 * test_report: the reporting side as a reporter and a caseworker meet it.
 *
 * Each test stores SMS as the modem would deliver them, lets the router
 * handle them, and looks at what a person would check: the replies and
 * alerts in the outbox, the report opened with the caseworkers' secret key,
 * its timeline, the inbox with nothing left in the clear. A :memory:
 * database, tests/data/report.conf (PINs 4821 for oyuna, 7315 for bat; a
 * weekday roster; three wrong PINs lock out; a reply budget of 10 an hour)
 * and its test key pair. Times are UTC.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "report.h"
#include "route.h"
#include "seal.h"
#include "store.h"

#define MON_10 1764583200       /* Monday 2025-12-01 10:00 UTC */
#define MON_20 1764619200       /* Monday 20:00 */
#define TUE_03 1764644400       /* Tuesday 03:00 (Monday night) */
#define SAT_12 1765022400       /* Saturday 12:00 */
#define HOUR 3600

#define REPORTER "+97699113344"
#define OYUNA "+97699000001"
#define BAT "+97699000002"
#define SARAA "+97699000003"

/* What the phones received, in order (see deliver()). */
#define PHONE_LOG 1024
struct phone_log {
	int n;
	char number[PHONE_LOG][24];
	char text[PHONE_LOG][256];
	int64_t at[PHONE_LOG];
};

struct fixture {
	struct conf *conf;
	struct store *store;
	struct seal_sec sec;
	struct phone_log *got;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	assert_non_null(f);
	if (conf_load("tests/data/report.conf", &f->conf, err,
	    sizeof(err)) < 0)
		fail_msg("conf: %s", err);
	if ((f->store = store_open(":memory:", 1, err, sizeof(err))) == NULL)
		fail_msg("store: %s", err);
	if (seal_load_secret("tests/data/report.key", &f->sec, err,
	    sizeof(err)) < 0)
		fail_msg("key: %s", err);
	assert_non_null(f->got = calloc(1, sizeof(*f->got)));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->store);
	conf_free(f->conf);
	seal_sec_wipe(&f->sec);
	free(f->got);
	free(f);
	return 0;
}

/* Stores text from sender as one SMS sent at at, handles all waiting. */
static void
receive(struct fixture *f, const char *sender, const char *text, int64_t at)
{
	struct store_part p = {
		.sender = sender, .sent_at = at, .part_no = 1,
		.part_count = 1, .text = text,
	};

	assert_int_equal(store_put_part(f->store, &p, at), 1);
	while (route_handle_next(f->store, f->conf, at) == 1)
		;
}

/* What went to one number: how many, and the newest text. */
struct sent {
	const char *number;
	int n;
	char last[512];
};

static int
sent_row(void *arg, const struct store_out *o)
{
	struct sent *s = arg;

	if (strcmp(s->number, o->number) != 0)
		return 0;
	if (s->n++ == 0)        /* newest first */
		snprintf(s->last, sizeof(s->last), "%s", o->text);
	return 0;
}

static struct sent
sent_to(struct fixture *f, const char *number)
{
	struct store_filter all = { .urgent = -1 };
	struct sent s = { .number = number };

	assert_int_equal(store_list_outbox(f->store, &all, sent_row, &s), 0);
	return s;
}

/*
 * The gateway's turn at at: every due message is "sent" (what the phones
 * receive goes into f->got), then the periodic work, which blanks the
 * number and text of every report SMS sent. Returns how many were sent.
 */
static int
deliver(struct fixture *f, int64_t at)
{
	struct store_out o;
	int n = 0;

	while (store_outbox_next(f->store, at, &o) == 1) {
		assert_true(f->got->n < PHONE_LOG);
		snprintf(f->got->number[f->got->n], 24, "%s", o.number);
		snprintf(f->got->text[f->got->n], 256, "%s", o.text);
		f->got->at[f->got->n] = at;
		f->got->n++;
		n++;
		assert_int_equal(store_outbox_sent(f->store, o.id, "1", at), 0);
		store_out_free(&o);
	}
	assert_int_equal(report_tick(f->store, f->conf, at), 0);
	return n;
}

/* How many messages number received (deliver()) holding needle (NULL:
 * any). */
static int
got(struct fixture *f, const char *number, const char *needle)
{
	int i, n = 0;

	for (i = 0; i < f->got->n; i++)
		if (strcmp(f->got->number[i], number) == 0 &&
		    (needle == NULL || strstr(f->got->text[i], needle) != NULL))
			n++;
	return n;
}

/* The newest message number received (deliver()), or "". */
static const char *
got_last(struct fixture *f, const char *number)
{
	int i;

	for (i = f->got->n - 1; i >= 0; i--)
		if (strcmp(f->got->number[i], number) == 0)
			return f->got->text[i];
	return "";
}

/* The reference at the end of the newest reply to number ("... #REF"). */
static void
ref_of_reply(struct fixture *f, const char *number, char *ref, size_t len)
{
	struct sent s = sent_to(f, number);
	const char *hash = strrchr(s.last, '#');

	if (hash == NULL)
		fail_msg("no reference in \"%s\"", s.last);
	snprintf(ref, len, "%s", hash + 1);
}

/* A report opened as a caseworker would: "number\ntext" in plain (caller
 * frees with seal_free()); r filled (free with store_report_free()). */
static char *
open_report(struct fixture *f, const char *ref, struct store_report *r)
{
	char *plain;

	assert_int_equal(store_report_find(f->store, ref, r), 1);
	/* Sealed at rest: nothing in the clear columns. */
	assert_non_null(r->sealed);
	assert_string_equal(r->number, "");
	assert_string_equal(r->text, "");
	assert_string_equal(r->key_id, f->sec.id);
	plain = seal_open(&f->sec, r->sealed, r->sealed_len, NULL);
	assert_non_null(plain);
	return plain;
}

/* A report's timeline: kinds joined by ',', and every body opened and
 * joined by '|'. */
struct timeline {
	struct fixture *f;
	char kinds[512];
	char bodies[2048];
	char actors[256];
};

static int
timeline_row(void *arg, const struct store_report_entry *e)
{
	struct timeline *t = arg;
	char *plain;

	snprintf(t->kinds + strlen(t->kinds), sizeof(t->kinds) -
	    strlen(t->kinds), "%s%s", t->kinds[0] ? "," : "", e->kind);
	if (e->actor != NULL)
		snprintf(t->actors + strlen(t->actors), sizeof(t->actors) -
		    strlen(t->actors), "%s%s", t->actors[0] ? "," : "",
		    e->actor);
	if (e->body == NULL)
		return 0;
	assert_non_null(e->key_id);     /* sealed */
	plain = seal_open(&t->f->sec, e->body, e->body_len, NULL);
	assert_non_null(plain);
	snprintf(t->bodies + strlen(t->bodies), sizeof(t->bodies) -
	    strlen(t->bodies), "%s|", plain);
	seal_free(plain);
	return 0;
}

static struct timeline
timeline_of(struct fixture *f, const char *ref)
{
	struct timeline t;
	struct store_report r;

	memset(&t, 0, sizeof(t));
	t.f = f;
	assert_int_equal(store_report_find(f->store, ref, &r), 1);
	assert_int_equal(store_report_entries(f->store, r.id, timeline_row,
	    &t), 0);
	store_report_free(&r);
	return t;
}

/* Counts inbox messages, and those whose text or sender holds needle. */
struct inbox {
	const char *needle;
	int n, clear;
};

static int
inbox_row(void *arg, const struct store_msg *m)
{
	struct inbox *in = arg;

	in->n++;
	if (strstr(m->text, in->needle) != NULL ||
	    strstr(m->sender, in->needle) != NULL)
		in->clear++;
	return 0;
}

static struct inbox
inbox_with(struct fixture *f, const char *needle)
{
	struct inbox in = { .needle = needle };

	assert_int_equal(store_list_inbox(f->store, NULL, inbox_row, &in), 0);
	return in;
}

static int
open_reports(struct fixture *f)
{
	struct store_counts c;

	assert_int_equal(store_counts(f->store, &c), 0);
	return c.reports_open;
}

/* ---- intake ------------------------------------------------------------- */

static void
test_report_with_text_is_filed_at_once(void **state)
{
	struct fixture *f = *state;
	struct store_report r;
	char ref[16], *plain;

	receive(f, REPORTER, "REPORT a man keeps our passports in Erlian",
	    SAT_12);
	assert_int_equal(sent_to(f, REPORTER).n, 1);
	assert_memory_equal(sent_to(f, REPORTER).last, "Received #", 10);
	ref_of_reply(f, REPORTER, ref, sizeof(ref));
	/* Easy to read out and type: no 0/O, 1/I. */
	assert_int_equal(strlen(ref), 6);
	assert_int_equal(strpbrk(ref, "0O1I"), NULL);
	plain = open_report(f, ref, &r);
	assert_string_equal(plain, REPORTER
	    "\nREPORT a man keeps our passports in Erlian");
	assert_false(r.urgent);
	assert_string_equal(r.status, "open");
	seal_free(plain);
	store_report_free(&r);
	/* The inbox copy is blanked: neither text nor number in the clear. */
	assert_int_equal(inbox_with(f, "passports").clear, 0);
	assert_int_equal(inbox_with(f, REPORTER).clear, 0);
	/* Not urgent: no caseworker was told. */
	assert_int_equal(sent_to(f, SARAA).n, 0);
}

static void
test_bare_keyword_then_the_next_message_is_the_report(void **state)
{
	struct fixture *f = *state;
	struct store_report r;
	char ref[16], *plain;

	receive(f, REPORTER, "МЭДЭЭЛЭХ", SAT_12);
	assert_int_equal(open_reports(f), 0);
	/* The question, in the script written. */
	assert_non_null(strstr(sent_to(f, REPORTER).last, "Юу болсон"));
	receive(f, REPORTER, "Эрээн хотод паспортыг минь авсан", SAT_12 + 300);
	assert_int_equal(open_reports(f), 1);
	assert_memory_equal(sent_to(f, REPORTER).last, "Хүлээн авлаа #",
	    strlen("Хүлээн авлаа #"));
	ref_of_reply(f, REPORTER, ref, sizeof(ref));
	plain = open_report(f, ref, &r);
	assert_string_equal(plain, REPORTER "\nЭрээн хотод паспортыг минь авсан");
	seal_free(plain);
	store_report_free(&r);

	/* After the window the next message is an ordinary one. */
	receive(f, "+97699115566", "REPORT", SAT_12);
	receive(f, "+97699115566", "hello there", SAT_12 + 601);
	assert_int_equal(open_reports(f), 1);
	assert_non_null(strstr(sent_to(f, "+97699115566").last, "1 "));
}

static void
test_followups_by_reference_and_by_window(void **state)
{
	struct fixture *f = *state;
	struct timeline t;
	char ref[16], msg[64];

	receive(f, REPORTER, "REPORT they took my sister to Macau", SAT_12);
	ref_of_reply(f, REPORTER, ref, sizeof(ref));
	/* Within the window: joins the report, with the follow-up reply. */
	receive(f, REPORTER, "the agency is on Peace avenue", SAT_12 + 60);
	assert_string_equal(sent_to(f, REPORTER).last, "Added to your report");
	/* After the window, quoting the reference ("#" and case optional). */
	snprintf(msg, sizeof(msg), "#%s she called from a new number", ref);
	msg[1] = (char)(msg[1] | 0x20);
	receive(f, REPORTER, msg, SAT_12 + 2 * HOUR);
	/* After the window, no reference: not the report's. */
	receive(f, REPORTER, "what is the weather", SAT_12 + 3 * HOUR);
	assert_int_equal(open_reports(f), 1);
	t = timeline_of(f, ref);
	assert_string_equal(t.kinds, "filed,ack,message,ack,message,ack");
	assert_non_null(strstr(t.bodies, REPORTER
	    "\nthe agency is on Peace avenue|"));
	assert_non_null(strstr(t.bodies, "\nshe called from a new number|"));
	assert_null(strstr(t.bodies, "weather"));
	assert_int_equal(inbox_with(f, "Peace").clear, 0);
	assert_int_equal(inbox_with(f, "weather").clear, 1);
}

/* ---- urgency, roster, alerts ------------------------------------------- */

static void
test_urgent_words(void **state)
{
	struct fixture *f = *state;

	assert_true(report_is_urgent(f->conf, "please DANGER now"));
	assert_true(report_is_urgent(f->conf, "аюул байна"));
	assert_true(report_is_urgent(f->conf, "Тусламж!"));
	/* A typo of one letter in a long word is forgiven... */
	assert_true(report_is_urgent(f->conf, "dangr, come"));
	assert_true(report_is_urgent(f->conf, "тусламш"));
	/* ...not in a short one, and not two. */
	assert_false(report_is_urgent(f->conf, "hlp me"));
	assert_false(report_is_urgent(f->conf, "dnagre"));
	assert_false(report_is_urgent(f->conf, "a job offer in Seoul"));
	/* A whole word, not a part of one. */
	assert_false(report_is_urgent(f->conf, "helpful dangerously"));
}

static void
test_roster_by_weekday_and_hour_with_fallback(void **state)
{
	struct fixture *f = *state;
	size_t who[8];

	/* Weekday day: oyuna, then bat (the order they are told). */
	assert_int_equal(report_on_duty(f->conf, MON_10, who, 8), 2);
	assert_int_equal(who[0], 0);
	assert_int_equal(who[1], 1);
	assert_int_equal(report_on_duty(f->conf, MON_10 - HOUR, who, 8), 2);
	/* Weekday evening and the night after it: bat. */
	assert_int_equal(report_on_duty(f->conf, MON_10 + 8 * HOUR, who, 8),
	    1);
	assert_int_equal(who[0], 1);
	assert_int_equal(report_on_duty(f->conf, MON_20, who, 8), 1);
	assert_int_equal(report_on_duty(f->conf, TUE_03, who, 8), 1);
	assert_int_equal(who[0], 1);
	/* Friday night runs into Saturday 03:00. */
	assert_int_equal(report_on_duty(f->conf, SAT_12 - 9 * HOUR, who, 8),
	    1);
	assert_int_equal(who[0], 1);
	/* Weekend day, and Sunday night: the fallback, in its order. */
	assert_int_equal(report_on_duty(f->conf, SAT_12, who, 8), 2);
	assert_int_equal(who[0], 2);
	assert_int_equal(who[1], 0);
	assert_int_equal(report_on_duty(f->conf, MON_10 - 7 * HOUR, who, 8),
	    2);
	assert_int_equal(who[0], 2);
	/* max is respected. */
	assert_int_equal(report_on_duty(f->conf, MON_10, who, 1), 1);
}

static void
test_urgent_report_alerts_on_duty_then_escalates(void **state)
{
	struct fixture *f = *state;
	struct timeline t;
	char ref[16];

	receive(f, REPORTER, "REPORT danger they locked us in a flat in "
	    "Zamiin-Uud, four girls from Darkhan, they took our phones and "
	    "passports, the man is called Bold, third floor, blue door",
	    MON_10);
	ref_of_reply(f, REPORTER, ref, sizeof(ref));
	assert_int_equal(sent_to(f, OYUNA).n, 1);
	assert_int_equal(sent_to(f, BAT).n, 0);
	assert_non_null(strstr(sent_to(f, OYUNA).last, ref));
	assert_non_null(strstr(sent_to(f, OYUNA).last, "locked us"));
	/* alert_segments = 1: one SMS, cut; no number (not configured). */
	assert_true(strlen(sent_to(f, OYUNA).last) <= 160);
	assert_null(strstr(sent_to(f, OYUNA).last, "blue door"));
	assert_null(strstr(sent_to(f, OYUNA).last, REPORTER));

	/* Not claimed within escalate_minutes (15): bat is told. */
	assert_int_equal(report_tick(f->store, f->conf, MON_10 + 14 * 60), 0);
	assert_int_equal(sent_to(f, BAT).n, 0);
	assert_int_equal(report_tick(f->store, f->conf, MON_10 + 15 * 60), 0);
	assert_int_equal(sent_to(f, BAT).n, 1);
	assert_non_null(strstr(sent_to(f, BAT).last, ref));
	/* The daemon cannot read the report back: only the reference. */
	assert_null(strstr(sent_to(f, BAT).last, "locked"));
	/* Nobody left on duty: nobody else, and nobody twice. */
	assert_int_equal(report_tick(f->store, f->conf, MON_10 + 60 * 60), 0);
	assert_int_equal(sent_to(f, BAT).n, 1);
	assert_int_equal(sent_to(f, OYUNA).n, 1);
	t = timeline_of(f, ref);
	assert_string_equal(t.kinds, "filed,ack,alert,escalate");
	assert_string_equal(t.actors, "oyuna,bat");
}

static void
test_claimed_report_is_not_escalated(void **state)
{
	struct fixture *f = *state;
	char ref[16], cmd[64];

	receive(f, REPORTER, "REPORT аюул, help", MON_10);
	ref_of_reply(f, REPORTER, ref, sizeof(ref));
	snprintf(cmd, sizeof(cmd), "CLAIM %s 4821", ref);
	receive(f, OYUNA, cmd, MON_10 + 60);
	assert_int_equal(report_tick(f->store, f->conf, MON_10 + HOUR), 0);
	assert_int_equal(sent_to(f, BAT).n, 0);
}

/* ---- caseworkers' SMS commands ----------------------------------------- */

/* Audit rows: how many, and the claims made by SMS. */
struct audit_count {
	int n, sms_claims;
};

static int
audit_row(void *arg, const struct store_audit *a)
{
	struct audit_count *c = arg;

	c->n++;
	if (strcmp(a->via, "sms") == 0 && strcmp(a->action, "claim") == 0 &&
	    strcmp(a->actor, "oyuna") == 0)
		c->sms_claims++;
	return 0;
}


static void
test_sms_commands_with_the_right_pin(void **state)
{
	struct fixture *f = *state;
	struct store_report r;
	struct timeline t;
	char ref[16], cmd[128];

	receive(f, REPORTER, "REPORT my cousin is held in Erlian", MON_10);
	ref_of_reply(f, REPORTER, ref, sizeof(ref));

	snprintf(cmd, sizeof(cmd), "claim %s 4821", ref);
	receive(f, OYUNA, cmd, MON_10 + 60);
	assert_non_null(strstr(sent_to(f, OYUNA).last, "Claimed."));
	assert_int_equal(store_report_find(f->store, ref, &r), 1);
	assert_string_equal(r.claimed_by, "oyuna");
	store_report_free(&r);

	snprintf(cmd, sizeof(cmd), "NOTE %s 4821 called the border police",
	    ref);
	receive(f, OYUNA, cmd, MON_10 + 120);
	assert_non_null(strstr(sent_to(f, OYUNA).last, "Noted."));

	snprintf(cmd, sizeof(cmd), "REPLY #%s 4821 We can help. Call 1800",
	    ref);
	receive(f, OYUNA, cmd, MON_10 + 180);
	assert_non_null(strstr(sent_to(f, OYUNA).last, "Sent."));
	/* The reporter gets it from the gateway: the caseworker's number
	 * is nowhere in it. */
	assert_string_equal(sent_to(f, REPORTER).last, "We can help. Call 1800");

	snprintf(cmd, sizeof(cmd), "CLOSE %s 4821 safe at home", ref);
	receive(f, OYUNA, cmd, MON_10 + 240);
	assert_non_null(strstr(sent_to(f, OYUNA).last, "Closed."));
	assert_int_equal(store_report_find(f->store, ref, &r), 1);
	assert_string_equal(r.status, "closed");
	/* Sealed: the outcome is in the timeline, not in the clear. */
	assert_true(r.outcome == NULL || r.outcome[0] == '\0');
	store_report_free(&r);

	t = timeline_of(f, ref);
	assert_string_equal(t.kinds, "filed,ack,claim,note,reply,close");
	assert_non_null(strstr(t.bodies, "called the border police|"));
	assert_non_null(strstr(t.bodies, "We can help. Call 1800|"));
	assert_non_null(strstr(t.bodies, "safe at home|"));
	/* No PIN and no command text left in the inbox. */
	assert_int_equal(inbox_with(f, "4821").clear, 0);
	assert_int_equal(inbox_with(f, "border").clear, 0);
	assert_int_equal(open_reports(f), 0);
}

/* The SMS verbs are casework's (casework.h): the console's length check on
 * a REPLY, its audit rows, and its sealing rule, which refuses text beside
 * a report sealed to a key the gateway no longer seals with. */
static void
test_sms_commands_are_casework(void **state)
{
	struct fixture *f = *state;
	struct audit_count a = { 0 };
	char ref[16], cmd[1200], longtext[1024];
	int before;

	receive(f, REPORTER, "REPORT my cousin is held in Erlian", MON_10);
	ref_of_reply(f, REPORTER, ref, sizeof(ref));
	before = sent_to(f, REPORTER).n;

	/* Longer than limits.max_segments SMS: refused, nothing sent. */
	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	snprintf(cmd, sizeof(cmd), "REPLY %s 4821 %s", ref, longtext);
	receive(f, OYUNA, cmd, MON_10 + 60);
	assert_non_null(strstr(sent_to(f, OYUNA).last, "too long"));
	assert_int_equal(sent_to(f, REPORTER).n, before);
	snprintf(cmd, sizeof(cmd), "NOTE %s 4821", ref);
	receive(f, OYUNA, cmd, MON_10 + 70);
	assert_non_null(strstr(sent_to(f, OYUNA).last, "text is missing"));
	assert_string_equal(timeline_of(f, ref).kinds, "filed,ack");

	/* The gateway now seals to another key: no text beside this report
	 * by SMS, a claim all the same. */
	snprintf(f->conf->reports.key.id, sizeof(f->conf->reports.key.id),
	    "%s", "00000000deadbeef");
	snprintf(cmd, sizeof(cmd), "NOTE %s 4821 called the police", ref);
	receive(f, OYUNA, cmd, MON_10 + 80);
	assert_non_null(strstr(sent_to(f, OYUNA).last, "another key"));
	snprintf(cmd, sizeof(cmd), "CLOSE %s 4821 safe", ref);
	receive(f, OYUNA, cmd, MON_10 + 90);
	assert_non_null(strstr(sent_to(f, OYUNA).last, "another key"));
	snprintf(cmd, sizeof(cmd), "CLAIM %s 4821", ref);
	receive(f, OYUNA, cmd, MON_10 + 100);
	assert_non_null(strstr(sent_to(f, OYUNA).last, "Claimed."));
	assert_string_equal(timeline_of(f, ref).kinds, "filed,ack,claim");
	assert_int_equal(open_reports(f), 1);

	/* Audited as every caseworker's action is: the claim, by SMS. */
	assert_int_equal(store_list_audit(f->store, 0, 0, audit_row, &a), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.sms_claims, 1);
}

static void
test_wrong_pin_refused_counted_and_locked_out(void **state)
{
	struct fixture *f = *state;
	struct store_report r;
	struct store_pin p;
	char ref[16], cmd[64];

	receive(f, REPORTER, "REPORT a fake job offer in Korea", MON_10);
	ref_of_reply(f, REPORTER, ref, sizeof(ref));

	snprintf(cmd, sizeof(cmd), "CLAIM %s 1111", ref);
	receive(f, BAT, cmd, MON_10 + 10);
	assert_non_null(strstr(sent_to(f, BAT).last, "Wrong PIN."));
	assert_int_equal(store_pin_get(f->store, "bat", &p), 0);
	assert_int_equal(p.failures, 1);
	/* Another caseworker's PIN is a wrong PIN too; answered no more
	 * within pin_lockout. */
	snprintf(cmd, sizeof(cmd), "CLAIM %s 4821", ref);
	receive(f, BAT, cmd, MON_10 + 20);
	assert_int_equal(store_pin_get(f->store, "bat", &p), 0);
	assert_int_equal(p.failures, 2);
	assert_int_equal(sent_to(f, BAT).n, 1);
	/* The third wrong one (pin_attempts = 3) locks bat out, and bat is
	 * warned that the PIN is being guessed... */
	snprintf(cmd, sizeof(cmd), "CLAIM %s", ref);
	receive(f, BAT, cmd, MON_10 + 30);
	assert_int_equal(sent_to(f, BAT).n, 2);
	assert_non_null(strstr(sent_to(f, BAT).last, "Warning: 3 wrong PINs"));
	assert_non_null(strstr(sent_to(f, BAT).last, "Locked for 60 min"));
	assert_non_null(strstr(sent_to(f, BAT).last, "guessing"));
	assert_true(strlen(sent_to(f, BAT).last) <= 160);
	/* ...so that even the right PIN is refused (silently: answered
	 * already) for pin_lockout. */
	snprintf(cmd, sizeof(cmd), "CLAIM %s 7315", ref);
	receive(f, BAT, cmd, MON_10 + 40);
	assert_int_equal(sent_to(f, BAT).n, 2);
	assert_int_equal(store_report_find(f->store, ref, &r), 1);
	assert_null(r.claimed_by);
	store_report_free(&r);
	/* A lock does not reset the count. */
	assert_int_equal(store_pin_get(f->store, "bat", &p), 0);
	assert_int_equal(p.failures, 3);
	assert_int_equal(p.locked_until, MON_10 + 30 + HOUR);
	/* Other caseworkers are not locked out. */
	assert_int_equal(store_pin_get(f->store, "oyuna", &p), 0);
	assert_int_equal(p.locked_until, 0);
	/* After the lockout, the right PIN works and ends the streak. */
	receive(f, BAT, cmd, MON_10 + 40 + HOUR);
	assert_non_null(strstr(sent_to(f, BAT).last, "Claimed."));
	assert_int_equal(store_report_find(f->store, ref, &r), 1);
	assert_string_equal(r.claimed_by, "bat");
	store_report_free(&r);
	assert_int_equal(store_pin_get(f->store, "bat", &p), 0);
	assert_int_equal(p.failures, 0);
	assert_int_equal(p.locked_until, 0);
	assert_int_equal(p.warned, 0);
}

/*
 * Sends a wrong PIN from bat every step seconds from start for span
 * seconds; returns how many of them were checked (not refused unseen by a
 * lock), and the answers bat received in f->got.
 */
static int
guess_for(struct fixture *f, const char *ref, int64_t start, int64_t span,
    int step)
{
	struct store_pin before, after;
	char cmd[64];
	int64_t t;
	int checked = 0;

	for (t = start; t < start + span; t += step) {
		assert_int_equal(store_pin_get(f->store, "bat", &before), 0);
		snprintf(cmd, sizeof(cmd), "NOTE %s %06lld guess", ref,
		    (long long)(t % 1000000));
		receive(f, BAT, cmd, t);
		assert_int_equal(store_pin_get(f->store, "bat", &after), 0);
		checked += after.failures - before.failures;
		deliver(f, t);
	}
	return checked;
}

static void
test_pin_lockout_doubles_up_to_the_cap(void **state)
{
	struct fixture *f = *state;
	struct store_pin p;
	int64_t t = SAT_12, want = HOUR;
	char ref[16], cmd[64];
	int k, i;

	receive(f, REPORTER, "REPORT a fake job offer in Korea", t);
	ref_of_reply(f, REPORTER, ref, sizeof(ref));
	/* An attacker who guesses as soon as each lock ends: 3 guesses,
	 * then 1 h, 2 h, 4 h, ... locked, up to pin_lockout_max (4 d). */
	for (k = 1; k <= 10; k++) {
		for (i = 0; i < 3; i++) {
			snprintf(cmd, sizeof(cmd), "CLAIM %s %d", ref,
			    100000 + k * 10 + i);
			receive(f, BAT, cmd, t);
		}
		assert_int_equal(store_pin_get(f->store, "bat", &p), 0);
		assert_int_equal(p.failures, 3 * k);
		assert_int_equal(p.locked_until - t, want);
		/* The right PIN one second before the end is refused. */
		snprintf(cmd, sizeof(cmd), "CLAIM %s 7315", ref);
		receive(f, BAT, cmd, p.locked_until - 1);
		t = p.locked_until;
		want = want * 2 < 4 * 24 * HOUR ? want * 2 : 4 * 24 * HOUR;
	}
	assert_int_equal(want, 4 * 24 * HOUR);
	/* Warned once in the whole streak. */
	deliver(f, t);
	assert_int_equal(got(f, BAT, "Warning"), 1);
	/* The right PIN after the lock ends the streak: claimed, and the
	 * next wrong PIN starts from one again. */
	snprintf(cmd, sizeof(cmd), "CLAIM %s 7315", ref);
	receive(f, BAT, cmd, t);
	deliver(f, t);
	assert_non_null(strstr(got_last(f, BAT), "Claimed."));
	assert_int_equal(store_pin_get(f->store, "bat", &p), 0);
	assert_int_equal(p.failures, 0);
	assert_int_equal(p.locked_until, 0);
	snprintf(cmd, sizeof(cmd), "NOTE %s 111111 x", ref);
	receive(f, BAT, cmd, t + 1);
	assert_int_equal(store_pin_get(f->store, "bat", &p), 0);
	assert_int_equal(p.failures, 1);
	assert_int_equal(p.locked_until, 0);
}

static void
test_pin_guessing_is_slow_and_answers_are_few(void **state)
{
	struct fixture *f = *state;
	int64_t start = SAT_12 + 60, days = 20, last;
	char ref[16];
	int checked, answers, i;

	receive(f, REPORTER, "REPORT a fake job offer in Korea", SAT_12);
	ref_of_reply(f, REPORTER, ref, sizeof(ref));
	deliver(f, SAT_12);
	/* A spoofer sends a guess every 10 minutes for 20 days: 2880. */
	checked = guess_for(f, ref, start, days * 24 * HOUR, 600);
	/* 3 guesses, then locks of 1, 2, 4 ... 64 h (21 guesses in the
	 * first 5.4 days), then 3 guesses per 4 days: 33 checked. Before,
	 * with the count reset at each 1 h lock, it was 3 an hour: 1440. */
	assert_int_equal(checked, 33);
	/* Answers: the warning once; wrong-PIN and locked answers never
	 * two within pin_lockout, at most two per lock (its start, once
	 * more after pin_lockout when the lock is longer). */
	answers = got(f, BAT, "Wrong PIN") + got(f, BAT, "Locked for");
	assert_int_equal(got(f, BAT, "Warning"), 1);
	assert_true(answers >= 11);
	assert_true(answers <= 2 * (checked / 3));
	for (i = 0, last = 0; i < f->got->n; i++) {
		if (strcmp(f->got->number[i], BAT) != 0)
			continue;
		assert_null(strstr(f->got->text[i], "Claimed"));
		if (strstr(f->got->text[i], "Warning") != NULL)
			continue;
		assert_true(last == 0 || f->got->at[i] - last >= HOUR);
		last = f->got->at[i];
	}
}

static void
test_twenty_wrong_pins_one_answer(void **state)
{
	struct fixture *f = *state;
	char ref[16], cmd[64];
	int i;

	receive(f, REPORTER, "REPORT a fake job offer in Korea", MON_10);
	ref_of_reply(f, REPORTER, ref, sizeof(ref));
	deliver(f, MON_10);
	/* 20 wrong PINs within a minute: one answer, and the warning. */
	for (i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "CLOSE %s %06d", ref, 200000 + i);
		receive(f, BAT, cmd, MON_10 + 60 + i * 3);
		deliver(f, MON_10 + 60 + i * 3);
	}
	assert_int_equal(got(f, BAT, NULL), 2);
	assert_int_equal(got(f, BAT, "Wrong PIN."), 1);
	assert_int_equal(got(f, BAT, "Warning"), 1);
	/* The same from saraa, who has no PIN at all. */
	for (i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "CLOSE %s 4821", ref);
		receive(f, SARAA, cmd, MON_10 + 60 + i * 3);
	}
	deliver(f, MON_10 + 200);
	assert_int_equal(got(f, SARAA, "Wrong PIN."), 1);
	assert_int_equal(got(f, SARAA, NULL), 2);
	/* After the first lock (3 wrong: 1 h) ends, one more answer. */
	snprintf(cmd, sizeof(cmd), "CLOSE %s 999999", ref);
	receive(f, BAT, cmd, MON_10 + 60 + HOUR + 60);
	deliver(f, MON_10 + 60 + HOUR + 60);
	assert_int_equal(got(f, BAT, NULL), 3);
}

static void
test_commands_only_from_caseworkers_with_a_pin(void **state)
{
	struct fixture *f = *state;
	struct store_report r;
	char ref[16], cmd[64];

	receive(f, REPORTER, "REPORT a fake job offer in Dubai", MON_10);
	ref_of_reply(f, REPORTER, ref, sizeof(ref));
	/* The right PIN from a number that is not a caseworker's: an
	 * ordinary message, nothing done. */
	snprintf(cmd, sizeof(cmd), "CLOSE %s 4821", ref);
	receive(f, "+97699117788", cmd, MON_10 + HOUR);
	/* saraa has no pin_hash: refused. */
	receive(f, SARAA, cmd, MON_10 + HOUR);
	assert_non_null(strstr(sent_to(f, SARAA).last, "Wrong PIN."));
	assert_int_equal(store_report_find(f->store, ref, &r), 1);
	assert_string_equal(r.status, "open");
	store_report_free(&r);
}

/* ---- a part read twice -------------------------------------------------- */

static void
test_report_part_read_twice_is_filed_once(void **state)
{
	struct fixture *f = *state;
	struct store_part p = {
		.sender = REPORTER, .sent_at = SAT_12 - 5, .part_no = 1,
		.part_count = 1, .text = "REPORT they keep us in a sauna",
	};
	struct store_part p2 = {
		.sender = REPORTER, .sent_at = SAT_12 - 5, .concat_ref = 77,
		.part_no = 2, .part_count = 2, .text = "in Ulaanbaatar",
	};

	assert_int_equal(store_put_part(f->store, &p, SAT_12), 1);
	while (route_handle_next(f->store, f->conf, SAT_12) == 1)
		;
	assert_int_equal(open_reports(f), 1);
	assert_int_equal(inbox_with(f, "sauna").clear, 0);
	/* The SIM delete failed: the modem gives the same SMS again. */
	assert_int_equal(store_put_part(f->store, &p, SAT_12 + 30), 0);
	while (route_handle_next(f->store, f->conf, SAT_12 + 30) == 1)
		;
	assert_int_equal(inbox_with(f, "").n, 1);
	assert_int_equal(open_reports(f), 1);
	assert_int_equal(sent_to(f, REPORTER).n, 1);

	/* The same for a part of a long message. */
	p.concat_ref = 77;
	p.part_count = 2;
	p.sent_at = SAT_12 + 50;
	p2.sent_at = SAT_12 + 50;
	assert_int_equal(store_put_part(f->store, &p, SAT_12 + 60), 1);
	assert_int_equal(store_put_part(f->store, &p2, SAT_12 + 60), 1);
	while (route_handle_next(f->store, f->conf, SAT_12 + 60) == 1)
		;
	assert_int_equal(open_reports(f), 2);
	assert_int_equal(store_put_part(f->store, &p2, SAT_12 + 90), 0);
	assert_int_equal(store_put_part(f->store, &p, SAT_12 + 90), 0);
	assert_int_equal(inbox_with(f, "").n, 2);
	/* A different text with the same header is a different part. */
	p.text = "REPORT something else";
	p.concat_ref = 0;
	p.part_count = 1;
	assert_int_equal(store_put_part(f->store, &p, SAT_12 + 90), 1);
}

/* ---- the reply budget: every message to a number counts ---------------- */

#define ROBOT "+97699445566"

static void
test_sixteen_reports_get_at_most_the_budget(void **state)
{
	struct fixture *f = *state;
	struct store_filter all = { .urgent = -1 };
	struct sent clear = { .number = REPORTER };
	char text[64];
	int i;

	/* 16 reports in 16 minutes; the gateway sends and blanks each
	 * acknowledgement before the next comes (report_tick()). */
	for (i = 0; i < 16; i++) {
		snprintf(text, sizeof(text), "REPORT a fake job offer %d", i);
		receive(f, REPORTER, text, SAT_12 + i * 60);
		deliver(f, SAT_12 + i * 60);
	}
	assert_int_equal(open_reports(f), 16);
	assert_int_equal(got(f, REPORTER, NULL), 10);
	assert_int_equal(got(f, REPORTER, "Received #"), 10);
	/* The acknowledgements were blanked, and counted all the same. */
	assert_int_equal(store_list_outbox(f->store, &all, sent_row, &clear),
	    0);
	assert_int_equal(clear.n, 0);
	/* A window later the budget is there again. */
	receive(f, REPORTER, "REPORT one more", SAT_12 + HOUR + 60);
	deliver(f, SAT_12 + HOUR + 60);
	assert_int_equal(got(f, REPORTER, NULL), 11);
}

/*
 * A robot that answers every SMS it receives, at once, against the
 * gateway at start: each round the gateway sends what it queued, and the
 * robot answers each message it got. Returns the rounds until the robot
 * got nothing more (fails after 200: an endless loop).
 */
static int
ping_pong(struct fixture *f, const char *first, int64_t start)
{
	int64_t t = start;
	int before, rounds = 0;
	char text[64];

	receive(f, ROBOT, first, t);
	for (;;) {
		before = got(f, ROBOT, NULL);
		deliver(f, t);
		if (got(f, ROBOT, NULL) == before)
			return rounds;
		assert_true(++rounds < 200);
		t += 20;
		snprintf(text, sizeof(text), "Auto-reply %d: I am away, "
		    "back on Monday", rounds);
		receive(f, ROBOT, text, t);
	}
}

static void
test_auto_responder_ping_pong_stops_at_the_budget(void **state)
{
	struct fixture *f = *state;
	int rounds;

	/* A report, then follow-ups (reports.followup_reply) forever: the
	 * answers are blanked once sent, and still counted. */
	rounds = ping_pong(f, "REPORT a man took our passports", SAT_12);
	assert_int_equal(got(f, ROBOT, NULL), 10);
	assert_int_equal(got(f, ROBOT, "Added to your report"), 9);
	assert_int_equal(rounds, 10);
	/* The same robot, later, against the menu (default_reply). */
	rounds = ping_pong(f, "hello", SAT_12 + 2 * HOUR);
	assert_int_equal(got(f, ROBOT, NULL), 20);
	assert_true(rounds <= 10);
}

static void
test_ten_urgent_reports_alert_once_per_window(void **state)
{
	struct fixture *f = *state;
	char text[96];
	int i;

	/* Monday 10:00: oyuna, then bat, on duty. 10 urgent reports from
	 * one number in 9 minutes: oyuna is told once... */
	for (i = 0; i < 10; i++) {
		snprintf(text, sizeof(text), "REPORT danger, they lock us in "
		    "(%d)", i);
		receive(f, REPORTER, text, MON_10 + i * 60);
		deliver(f, MON_10 + i * 60);
	}
	assert_int_equal(open_reports(f), 10);
	assert_int_equal(got(f, OYUNA, "URGENT"), 1);
	/* ...and bat once, when nobody claimed it. */
	for (i = 1; i <= 12; i++)
		deliver(f, MON_10 + 540 + i * 5 * 60);
	assert_int_equal(got(f, BAT, "URGENT"), 1);
	assert_int_equal(got(f, OYUNA, "URGENT"), 1);
	/* Another number's urgent report is its own alert. */
	receive(f, "+97699118899", "REPORT danger in Zamiin-Uud", MON_10 +
	    HOUR + 600);
	deliver(f, MON_10 + HOUR + 600);
	assert_int_equal(got(f, OYUNA, "URGENT"), 2);
	/* After the window (reports.window, 600 s, without a message), the
	 * first number alerts again. */
	receive(f, REPORTER, "REPORT danger again", MON_10 + 2 * HOUR);
	deliver(f, MON_10 + 2 * HOUR);
	assert_int_equal(got(f, OYUNA, "URGENT"), 3);
	/* A caseworker is never sent more than the budget either. */
	assert_true(got(f, OYUNA, NULL) <= 10);
}

static void
test_caseworker_budget_passes_the_alert_on(void **state)
{
	struct fixture *f = *state;
	char text[96];
	int i;

	/* Ten urgent reports from ten numbers in ten minutes spend oyuna's
	 * budget; the eleventh goes to bat, the next on duty. */
	for (i = 0; i < 11; i++) {
		snprintf(text, sizeof(text), "+976991200%02d", i);
		receive(f, text, "REPORT danger, help us", MON_10 + i * 60);
		deliver(f, MON_10 + i * 60);
	}
	assert_int_equal(got(f, OYUNA, "URGENT"), 10);
	assert_int_equal(got(f, BAT, "URGENT"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_report_with_text_is_filed_at_once),
		T(test_bare_keyword_then_the_next_message_is_the_report),
		T(test_followups_by_reference_and_by_window),
		T(test_urgent_words),
		T(test_roster_by_weekday_and_hour_with_fallback),
		T(test_urgent_report_alerts_on_duty_then_escalates),
		T(test_claimed_report_is_not_escalated),
		T(test_sms_commands_with_the_right_pin),
		T(test_sms_commands_are_casework),
		T(test_wrong_pin_refused_counted_and_locked_out),
		T(test_commands_only_from_caseworkers_with_a_pin),
		T(test_report_part_read_twice_is_filed_once),
		T(test_pin_lockout_doubles_up_to_the_cap),
		T(test_pin_guessing_is_slow_and_answers_are_few),
		T(test_twenty_wrong_pins_one_answer),
		T(test_sixteen_reports_get_at_most_the_budget),
		T(test_auto_responder_ping_pong_stops_at_the_budget),
		T(test_ten_urgent_reports_alert_once_per_window),
		T(test_caseworker_budget_passes_the_alert_on),
#undef T
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
