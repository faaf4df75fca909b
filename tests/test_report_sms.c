/*
 * test_report_sms: caseworkers' SMS commands (CLAIM, NOTE, REPLY, CLOSE)
 * as a caseworker and a guesser meet them: with the right PIN they do what
 * casework does for the CLI and the console; a wrong PIN is refused,
 * counted and locks out for longer each time, with few answers; only
 * caseworkers with a PIN may command. Same set-up as test_report.c
 * (report_util.c).
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

#include "report_util.h"

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

	ru_receive(f, REPORTER, "REPORT my cousin is held in Erlian", MON_10);
	ru_ref_of_reply(f, REPORTER, ref, sizeof(ref));

	snprintf(cmd, sizeof(cmd), "claim %s 4821", ref);
	ru_receive(f, OYUNA, cmd, MON_10 + 60);
	assert_non_null(strstr(ru_sent_to(f, OYUNA).last, "Claimed."));
	assert_int_equal(store_report_find(f->store, ref, &r), 1);
	assert_string_equal(r.claimed_by, "oyuna");
	store_report_free(&r);

	snprintf(cmd, sizeof(cmd), "NOTE %s 4821 called the border police",
	    ref);
	ru_receive(f, OYUNA, cmd, MON_10 + 120);
	assert_non_null(strstr(ru_sent_to(f, OYUNA).last, "Noted."));

	snprintf(cmd, sizeof(cmd), "REPLY #%s 4821 We can help. Call 1800",
	    ref);
	ru_receive(f, OYUNA, cmd, MON_10 + 180);
	assert_non_null(strstr(ru_sent_to(f, OYUNA).last, "Sent."));
	/* The reporter gets it from the gateway: the caseworker's number
	 * is nowhere in it. */
	assert_string_equal(ru_sent_to(f, REPORTER).last, "We can help. Call 1800");

	snprintf(cmd, sizeof(cmd), "CLOSE %s 4821 safe at home", ref);
	ru_receive(f, OYUNA, cmd, MON_10 + 240);
	assert_non_null(strstr(ru_sent_to(f, OYUNA).last, "Closed."));
	assert_int_equal(store_report_find(f->store, ref, &r), 1);
	assert_string_equal(r.status, "closed");
	/* Sealed: the outcome is in the timeline, not in the clear. */
	assert_true(r.outcome == NULL || r.outcome[0] == '\0');
	store_report_free(&r);

	t = ru_timeline_of(f, ref);
	assert_string_equal(t.kinds, "filed,ack,claim,note,reply,close");
	assert_non_null(strstr(t.bodies, "called the border police|"));
	assert_non_null(strstr(t.bodies, "We can help. Call 1800|"));
	assert_non_null(strstr(t.bodies, "safe at home|"));
	/* No PIN and no command text left in the inbox. */
	assert_int_equal(ru_inbox_with(f, "4821").clear, 0);
	assert_int_equal(ru_inbox_with(f, "border").clear, 0);
	assert_int_equal(ru_open_reports(f), 0);
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

	ru_receive(f, REPORTER, "REPORT my cousin is held in Erlian", MON_10);
	ru_ref_of_reply(f, REPORTER, ref, sizeof(ref));
	before = ru_sent_to(f, REPORTER).n;

	/* Longer than limits.max_segments SMS: refused, nothing sent. */
	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	snprintf(cmd, sizeof(cmd), "REPLY %s 4821 %s", ref, longtext);
	ru_receive(f, OYUNA, cmd, MON_10 + 60);
	assert_non_null(strstr(ru_sent_to(f, OYUNA).last, "too long"));
	assert_int_equal(ru_sent_to(f, REPORTER).n, before);
	snprintf(cmd, sizeof(cmd), "NOTE %s 4821", ref);
	ru_receive(f, OYUNA, cmd, MON_10 + 70);
	assert_non_null(strstr(ru_sent_to(f, OYUNA).last, "text is missing"));
	assert_string_equal(ru_timeline_of(f, ref).kinds, "filed,ack");

	/* The gateway now seals to another key: no text beside this report
	 * by SMS, a claim all the same. */
	snprintf(f->conf->reports.key.id, sizeof(f->conf->reports.key.id),
	    "%s", "00000000deadbeef");
	snprintf(cmd, sizeof(cmd), "NOTE %s 4821 called the police", ref);
	ru_receive(f, OYUNA, cmd, MON_10 + 80);
	assert_non_null(strstr(ru_sent_to(f, OYUNA).last, "another key"));
	snprintf(cmd, sizeof(cmd), "CLOSE %s 4821 safe", ref);
	ru_receive(f, OYUNA, cmd, MON_10 + 90);
	assert_non_null(strstr(ru_sent_to(f, OYUNA).last, "another key"));
	snprintf(cmd, sizeof(cmd), "CLAIM %s 4821", ref);
	ru_receive(f, OYUNA, cmd, MON_10 + 100);
	assert_non_null(strstr(ru_sent_to(f, OYUNA).last, "Claimed."));
	assert_string_equal(ru_timeline_of(f, ref).kinds, "filed,ack,claim");
	assert_int_equal(ru_open_reports(f), 1);

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

	ru_receive(f, REPORTER, "REPORT a fake job offer in Korea", MON_10);
	ru_ref_of_reply(f, REPORTER, ref, sizeof(ref));

	snprintf(cmd, sizeof(cmd), "CLAIM %s 1111", ref);
	ru_receive(f, BAT, cmd, MON_10 + 10);
	assert_non_null(strstr(ru_sent_to(f, BAT).last, "Wrong PIN."));
	assert_int_equal(store_pin_get(f->store, "bat", &p), 0);
	assert_int_equal(p.failures, 1);
	/* Another caseworker's PIN is a wrong PIN too; answered no more
	 * within pin_lockout. */
	snprintf(cmd, sizeof(cmd), "CLAIM %s 4821", ref);
	ru_receive(f, BAT, cmd, MON_10 + 20);
	assert_int_equal(store_pin_get(f->store, "bat", &p), 0);
	assert_int_equal(p.failures, 2);
	assert_int_equal(ru_sent_to(f, BAT).n, 1);
	/* The third wrong one (pin_attempts = 3) locks bat out, and bat is
	 * warned that the PIN is being guessed... */
	snprintf(cmd, sizeof(cmd), "CLAIM %s", ref);
	ru_receive(f, BAT, cmd, MON_10 + 30);
	assert_int_equal(ru_sent_to(f, BAT).n, 2);
	assert_non_null(strstr(ru_sent_to(f, BAT).last, "Warning: 3 wrong PINs"));
	assert_non_null(strstr(ru_sent_to(f, BAT).last, "Locked for 60 min"));
	assert_non_null(strstr(ru_sent_to(f, BAT).last, "guessing"));
	assert_true(strlen(ru_sent_to(f, BAT).last) <= 160);
	/* ...so that even the right PIN is refused (silently: answered
	 * already) for pin_lockout. */
	snprintf(cmd, sizeof(cmd), "CLAIM %s 7315", ref);
	ru_receive(f, BAT, cmd, MON_10 + 40);
	assert_int_equal(ru_sent_to(f, BAT).n, 2);
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
	ru_receive(f, BAT, cmd, MON_10 + 40 + HOUR);
	assert_non_null(strstr(ru_sent_to(f, BAT).last, "Claimed."));
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
		ru_receive(f, BAT, cmd, t);
		assert_int_equal(store_pin_get(f->store, "bat", &after), 0);
		checked += after.failures - before.failures;
		ru_deliver(f, t);
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

	ru_receive(f, REPORTER, "REPORT a fake job offer in Korea", t);
	ru_ref_of_reply(f, REPORTER, ref, sizeof(ref));
	/* An attacker who guesses as soon as each lock ends: 3 guesses,
	 * then 1 h, 2 h, 4 h, ... locked, up to pin_lockout_max (4 d). */
	for (k = 1; k <= 10; k++) {
		for (i = 0; i < 3; i++) {
			snprintf(cmd, sizeof(cmd), "CLAIM %s %d", ref,
			    100000 + k * 10 + i);
			ru_receive(f, BAT, cmd, t);
		}
		assert_int_equal(store_pin_get(f->store, "bat", &p), 0);
		assert_int_equal(p.failures, 3 * k);
		assert_int_equal(p.locked_until - t, want);
		/* The right PIN one second before the end is refused. */
		snprintf(cmd, sizeof(cmd), "CLAIM %s 7315", ref);
		ru_receive(f, BAT, cmd, p.locked_until - 1);
		t = p.locked_until;
		want = want * 2 < 4 * 24 * HOUR ? want * 2 : 4 * 24 * HOUR;
	}
	assert_int_equal(want, 4 * 24 * HOUR);
	/* Warned once in the whole streak. */
	ru_deliver(f, t);
	assert_int_equal(ru_got(f, BAT, "Warning"), 1);
	/* The right PIN after the lock ends the streak: claimed, and the
	 * next wrong PIN starts from one again. */
	snprintf(cmd, sizeof(cmd), "CLAIM %s 7315", ref);
	ru_receive(f, BAT, cmd, t);
	ru_deliver(f, t);
	assert_non_null(strstr(got_last(f, BAT), "Claimed."));
	assert_int_equal(store_pin_get(f->store, "bat", &p), 0);
	assert_int_equal(p.failures, 0);
	assert_int_equal(p.locked_until, 0);
	snprintf(cmd, sizeof(cmd), "NOTE %s 111111 x", ref);
	ru_receive(f, BAT, cmd, t + 1);
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

	ru_receive(f, REPORTER, "REPORT a fake job offer in Korea", SAT_12);
	ru_ref_of_reply(f, REPORTER, ref, sizeof(ref));
	ru_deliver(f, SAT_12);
	/* A spoofer sends a guess every 10 minutes for 20 days: 2880. */
	checked = guess_for(f, ref, start, days * 24 * HOUR, 600);
	/* 3 guesses, then locks of 1, 2, 4 ... 64 h (21 guesses in the
	 * first 5.4 days), then 3 guesses per 4 days: 33 checked. Before,
	 * with the count reset at each 1 h lock, it was 3 an hour: 1440. */
	assert_int_equal(checked, 33);
	/* Answers: the warning once; wrong-PIN and locked answers never
	 * two within pin_lockout, at most two per lock (its start, once
	 * more after pin_lockout when the lock is longer). */
	answers = ru_got(f, BAT, "Wrong PIN") + ru_got(f, BAT, "Locked for");
	assert_int_equal(ru_got(f, BAT, "Warning"), 1);
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

	ru_receive(f, REPORTER, "REPORT a fake job offer in Korea", MON_10);
	ru_ref_of_reply(f, REPORTER, ref, sizeof(ref));
	ru_deliver(f, MON_10);
	/* 20 wrong PINs within a minute: one answer, and the warning. */
	for (i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "CLOSE %s %06d", ref, 200000 + i);
		ru_receive(f, BAT, cmd, MON_10 + 60 + i * 3);
		ru_deliver(f, MON_10 + 60 + i * 3);
	}
	assert_int_equal(ru_got(f, BAT, NULL), 2);
	assert_int_equal(ru_got(f, BAT, "Wrong PIN."), 1);
	assert_int_equal(ru_got(f, BAT, "Warning"), 1);
	/* The same from saraa, who has no PIN at all. */
	for (i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "CLOSE %s 4821", ref);
		ru_receive(f, SARAA, cmd, MON_10 + 60 + i * 3);
	}
	ru_deliver(f, MON_10 + 200);
	assert_int_equal(ru_got(f, SARAA, "Wrong PIN."), 1);
	assert_int_equal(ru_got(f, SARAA, NULL), 2);
	/* After the first lock (3 wrong: 1 h) ends, one more answer. */
	snprintf(cmd, sizeof(cmd), "CLOSE %s 999999", ref);
	ru_receive(f, BAT, cmd, MON_10 + 60 + HOUR + 60);
	ru_deliver(f, MON_10 + 60 + HOUR + 60);
	assert_int_equal(ru_got(f, BAT, NULL), 3);
}

static void
test_commands_only_from_caseworkers_with_a_pin(void **state)
{
	struct fixture *f = *state;
	struct store_report r;
	char ref[16], cmd[64];

	ru_receive(f, REPORTER, "REPORT a fake job offer in Dubai", MON_10);
	ru_ref_of_reply(f, REPORTER, ref, sizeof(ref));
	/* The right PIN from a number that is not a caseworker's: an
	 * ordinary message, nothing done. */
	snprintf(cmd, sizeof(cmd), "CLOSE %s 4821", ref);
	ru_receive(f, "+97699117788", cmd, MON_10 + HOUR);
	/* saraa has no pin_hash: refused. */
	ru_receive(f, SARAA, cmd, MON_10 + HOUR);
	assert_non_null(strstr(ru_sent_to(f, SARAA).last, "Wrong PIN."));
	assert_int_equal(store_report_find(f->store, ref, &r), 1);
	assert_string_equal(r.status, "open");
	store_report_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, ru_setup, ru_teardown)
		T(test_sms_commands_with_the_right_pin),
		T(test_sms_commands_are_casework),
		T(test_wrong_pin_refused_counted_and_locked_out),
		T(test_commands_only_from_caseworkers_with_a_pin),
		T(test_pin_lockout_doubles_up_to_the_cap),
		T(test_pin_guessing_is_slow_and_answers_are_few),
		T(test_twenty_wrong_pins_one_answer),
#undef T
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("report_sms", tests, NULL, NULL);
}
