/*
 * test_report: the reporting side as a reporter and a caseworker meet it.
 *
 * Each test stores SMS as the modem would deliver them, lets the router
 * handle them, and looks at what a person would check: the replies and
 * alerts in the outbox, the report opened with the caseworkers' secret key,
 * its timeline, the inbox with nothing left in the clear. A :memory:
 * database, tests/data/report.conf (PINs 4821 for oyuna, 7315 for bat; a
 * weekday roster; three wrong PINs lock out; a reply budget of 10 an hour)
 * and its test key pair. Times are UTC. Caseworkers' SMS commands are in
 * test_report_sms.c; the set-up both use is in report_util.c.
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
#define MON_20 1764619200       /* Monday 20:00 */
#define TUE_03 1764644400       /* Tuesday 03:00 (Monday night) */

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

/* ---- intake ------------------------------------------------------------- */

static void
test_report_with_text_is_filed_at_once(void **state)
{
	struct fixture *f = *state;
	struct store_report r;
	char ref[16], *plain;

	ru_receive(f, REPORTER, "REPORT a man keeps our passports in Erlian",
	    SAT_12);
	assert_int_equal(ru_sent_to(f, REPORTER).n, 1);
	assert_memory_equal(ru_sent_to(f, REPORTER).last, "Received #", 10);
	ru_ref_of_reply(f, REPORTER, ref, sizeof(ref));
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
	assert_int_equal(ru_inbox_with(f, "passports").clear, 0);
	assert_int_equal(ru_inbox_with(f, REPORTER).clear, 0);
	/* Not urgent: no caseworker was told. */
	assert_int_equal(ru_sent_to(f, SARAA).n, 0);
}

static void
test_bare_keyword_then_the_next_message_is_the_report(void **state)
{
	struct fixture *f = *state;
	struct store_report r;
	char ref[16], *plain;

	ru_receive(f, REPORTER, "МЭДЭЭЛЭХ", SAT_12);
	assert_int_equal(ru_open_reports(f), 0);
	/* The question, in the script written. */
	assert_non_null(strstr(ru_sent_to(f, REPORTER).last, "Юу болсон"));
	ru_receive(f, REPORTER, "Эрээн хотод паспортыг минь авсан", SAT_12 + 300);
	assert_int_equal(ru_open_reports(f), 1);
	assert_memory_equal(ru_sent_to(f, REPORTER).last, "Хүлээн авлаа #",
	    strlen("Хүлээн авлаа #"));
	ru_ref_of_reply(f, REPORTER, ref, sizeof(ref));
	plain = open_report(f, ref, &r);
	assert_string_equal(plain, REPORTER "\nЭрээн хотод паспортыг минь авсан");
	seal_free(plain);
	store_report_free(&r);

	/* After the window the next message is an ordinary one. */
	ru_receive(f, "+97699115566", "REPORT", SAT_12);
	ru_receive(f, "+97699115566", "hello there", SAT_12 + 601);
	assert_int_equal(ru_open_reports(f), 1);
	assert_non_null(strstr(ru_sent_to(f, "+97699115566").last, "1 "));
}

static void
test_followups_by_reference_and_by_window(void **state)
{
	struct fixture *f = *state;
	struct timeline t;
	char ref[16], msg[64];

	ru_receive(f, REPORTER, "REPORT they took my sister to Macau", SAT_12);
	ru_ref_of_reply(f, REPORTER, ref, sizeof(ref));
	/* Within the window: joins the report, with the follow-up reply. */
	ru_receive(f, REPORTER, "the agency is on Peace avenue", SAT_12 + 60);
	assert_string_equal(ru_sent_to(f, REPORTER).last, "Added to your report");
	/* After the window, quoting the reference ("#" and case optional). */
	snprintf(msg, sizeof(msg), "#%s she called from a new number", ref);
	msg[1] = (char)(msg[1] | 0x20);
	ru_receive(f, REPORTER, msg, SAT_12 + 2 * HOUR);
	/* After the window, no reference: not the report's. */
	ru_receive(f, REPORTER, "what is the weather", SAT_12 + 3 * HOUR);
	assert_int_equal(ru_open_reports(f), 1);
	t = ru_timeline_of(f, ref);
	assert_string_equal(t.kinds, "filed,ack,message,ack,message,ack");
	assert_non_null(strstr(t.bodies, REPORTER
	    "\nthe agency is on Peace avenue|"));
	assert_non_null(strstr(t.bodies, "\nshe called from a new number|"));
	assert_null(strstr(t.bodies, "weather"));
	assert_int_equal(ru_inbox_with(f, "Peace").clear, 0);
	assert_int_equal(ru_inbox_with(f, "weather").clear, 1);
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

	ru_receive(f, REPORTER, "REPORT danger they locked us in a flat in "
	    "Zamiin-Uud, four girls from Darkhan, they took our phones and "
	    "passports, the man is called Bold, third floor, blue door",
	    MON_10);
	ru_ref_of_reply(f, REPORTER, ref, sizeof(ref));
	assert_int_equal(ru_sent_to(f, OYUNA).n, 1);
	assert_int_equal(ru_sent_to(f, BAT).n, 0);
	assert_non_null(strstr(ru_sent_to(f, OYUNA).last, ref));
	assert_non_null(strstr(ru_sent_to(f, OYUNA).last, "locked us"));
	/* alert_segments = 1: one SMS, cut; no number (not configured). */
	assert_true(strlen(ru_sent_to(f, OYUNA).last) <= 160);
	assert_null(strstr(ru_sent_to(f, OYUNA).last, "blue door"));
	assert_null(strstr(ru_sent_to(f, OYUNA).last, REPORTER));

	/* Not claimed within escalate_minutes (15): bat is told. */
	assert_int_equal(report_tick(f->store, f->conf, MON_10 + 14 * 60), 0);
	assert_int_equal(ru_sent_to(f, BAT).n, 0);
	assert_int_equal(report_tick(f->store, f->conf, MON_10 + 15 * 60), 0);
	assert_int_equal(ru_sent_to(f, BAT).n, 1);
	assert_non_null(strstr(ru_sent_to(f, BAT).last, ref));
	/* The daemon cannot read the report back: only the reference. */
	assert_null(strstr(ru_sent_to(f, BAT).last, "locked"));
	/* Nobody left on duty: nobody else, and nobody twice. */
	assert_int_equal(report_tick(f->store, f->conf, MON_10 + 60 * 60), 0);
	assert_int_equal(ru_sent_to(f, BAT).n, 1);
	assert_int_equal(ru_sent_to(f, OYUNA).n, 1);
	t = ru_timeline_of(f, ref);
	assert_string_equal(t.kinds, "filed,ack,alert,escalate");
	assert_string_equal(t.actors, "oyuna,bat");
}

static void
test_claimed_report_is_not_escalated(void **state)
{
	struct fixture *f = *state;
	char ref[16], cmd[64];

	ru_receive(f, REPORTER, "REPORT аюул, help", MON_10);
	ru_ref_of_reply(f, REPORTER, ref, sizeof(ref));
	snprintf(cmd, sizeof(cmd), "CLAIM %s 4821", ref);
	ru_receive(f, OYUNA, cmd, MON_10 + 60);
	assert_int_equal(report_tick(f->store, f->conf, MON_10 + HOUR), 0);
	assert_int_equal(ru_sent_to(f, BAT).n, 0);
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
	assert_int_equal(ru_open_reports(f), 1);
	assert_int_equal(ru_inbox_with(f, "sauna").clear, 0);
	/* The SIM delete failed: the modem gives the same SMS again. */
	assert_int_equal(store_put_part(f->store, &p, SAT_12 + 30), 0);
	while (route_handle_next(f->store, f->conf, SAT_12 + 30) == 1)
		;
	assert_int_equal(ru_inbox_with(f, "").n, 1);
	assert_int_equal(ru_open_reports(f), 1);
	assert_int_equal(ru_sent_to(f, REPORTER).n, 1);

	/* The same for a part of a long message. */
	p.concat_ref = 77;
	p.part_count = 2;
	p.sent_at = SAT_12 + 50;
	p2.sent_at = SAT_12 + 50;
	assert_int_equal(store_put_part(f->store, &p, SAT_12 + 60), 1);
	assert_int_equal(store_put_part(f->store, &p2, SAT_12 + 60), 1);
	while (route_handle_next(f->store, f->conf, SAT_12 + 60) == 1)
		;
	assert_int_equal(ru_open_reports(f), 2);
	assert_int_equal(store_put_part(f->store, &p2, SAT_12 + 90), 0);
	assert_int_equal(store_put_part(f->store, &p, SAT_12 + 90), 0);
	assert_int_equal(ru_inbox_with(f, "").n, 2);
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
		ru_receive(f, REPORTER, text, SAT_12 + i * 60);
		ru_deliver(f, SAT_12 + i * 60);
	}
	assert_int_equal(ru_open_reports(f), 16);
	assert_int_equal(ru_got(f, REPORTER, NULL), 10);
	assert_int_equal(ru_got(f, REPORTER, "Received #"), 10);
	/* The acknowledgements were blanked, and counted all the same. */
	assert_int_equal(store_list_outbox(f->store, &all, ru_sent_row, &clear),
	    0);
	assert_int_equal(clear.n, 0);
	/* A window later the budget is there again. */
	ru_receive(f, REPORTER, "REPORT one more", SAT_12 + HOUR + 60);
	ru_deliver(f, SAT_12 + HOUR + 60);
	assert_int_equal(ru_got(f, REPORTER, NULL), 11);
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

	ru_receive(f, ROBOT, first, t);
	for (;;) {
		before = ru_got(f, ROBOT, NULL);
		ru_deliver(f, t);
		if (ru_got(f, ROBOT, NULL) == before)
			return rounds;
		assert_true(++rounds < 200);
		t += 20;
		snprintf(text, sizeof(text), "Auto-reply %d: I am away, "
		    "back on Monday", rounds);
		ru_receive(f, ROBOT, text, t);
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
	assert_int_equal(ru_got(f, ROBOT, NULL), 10);
	assert_int_equal(ru_got(f, ROBOT, "Added to your report"), 9);
	assert_int_equal(rounds, 10);
	/* The same robot, later, against the menu (default_reply). */
	rounds = ping_pong(f, "hello", SAT_12 + 2 * HOUR);
	assert_int_equal(ru_got(f, ROBOT, NULL), 20);
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
		ru_receive(f, REPORTER, text, MON_10 + i * 60);
		ru_deliver(f, MON_10 + i * 60);
	}
	assert_int_equal(ru_open_reports(f), 10);
	assert_int_equal(ru_got(f, OYUNA, "URGENT"), 1);
	/* ...and bat once, when nobody claimed it. */
	for (i = 1; i <= 12; i++)
		ru_deliver(f, MON_10 + 540 + i * 5 * 60);
	assert_int_equal(ru_got(f, BAT, "URGENT"), 1);
	assert_int_equal(ru_got(f, OYUNA, "URGENT"), 1);
	/* Another number's urgent report is its own alert. */
	ru_receive(f, "+97699118899", "REPORT danger in Zamiin-Uud", MON_10 +
	    HOUR + 600);
	ru_deliver(f, MON_10 + HOUR + 600);
	assert_int_equal(ru_got(f, OYUNA, "URGENT"), 2);
	/* After the window (reports.window, 600 s, without a message), the
	 * first number alerts again. */
	ru_receive(f, REPORTER, "REPORT danger again", MON_10 + 2 * HOUR);
	ru_deliver(f, MON_10 + 2 * HOUR);
	assert_int_equal(ru_got(f, OYUNA, "URGENT"), 3);
	/* A caseworker is never sent more than the budget either. */
	assert_true(ru_got(f, OYUNA, NULL) <= 10);
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
		ru_receive(f, text, "REPORT danger, help us", MON_10 + i * 60);
		ru_deliver(f, MON_10 + i * 60);
	}
	assert_int_equal(ru_got(f, OYUNA, "URGENT"), 10);
	assert_int_equal(ru_got(f, BAT, "URGENT"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, ru_setup, ru_teardown)
		T(test_report_with_text_is_filed_at_once),
		T(test_bare_keyword_then_the_next_message_is_the_report),
		T(test_followups_by_reference_and_by_window),
		T(test_urgent_words),
		T(test_roster_by_weekday_and_hour_with_fallback),
		T(test_urgent_report_alerts_on_duty_then_escalates),
		T(test_claimed_report_is_not_escalated),
		T(test_report_part_read_twice_is_filed_once),
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
