/*
 * test_gateway: the message path with a fake modem and a fake clock.
 *
 * What a person and a technician would check: a message on the SIM is
 * answered and then gone from the SIM; a long message is answered once; a
 * modem that fails is reopened with growing pauses; a refused send is
 * retried and then marked failed with the reason; a modem failure during a
 * send loses nothing. A failing disk is test_gateway_disk.c; the fake
 * modem, clock and log both use are in gateway_util.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "conf.h"
#include "gateway.h"
#include "modem_fake.h"
#include "store.h"

#include "gateway_util.h"

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	assert_non_null(f);
	modem_fake_reset();
	if (conf_load("tests/data/route.conf", &f->conf, err,
	    sizeof(err)) < 0)
		fail_msg("conf: %s", err);
	f->store = store_open(":memory:", 1, err, sizeof(err));
	if (f->store == NULL)
		fail_msg("store: %s", err);
	f->gw = gateway_new(&modem_fake_ops, f->store, f->conf);
	assert_non_null(f->gw);
	f->now = NOW;
	gu_log_capture(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	gateway_free(f->gw);
	store_close(f->store);
	conf_free(f->conf);
	gu_log_release(f);
	free(f);
	return 0;
}

static int
find_out(void *arg, const struct store_out *o)
{
	struct store_out *dst = arg;

	dst->attempts = o->attempts;
	free(dst->state);
	dst->state = strdup(o->state);
	free(dst->last_error);
	dst->last_error = o->last_error ? strdup(o->last_error) : NULL;
	return 1;
}

static void
test_message_is_answered_and_removed_from_sim(void **state)
{
	struct fixture *f = *state;

	modem_fake_put("+97699120001", "тусламж", 0, 1, 1);
	gu_settle(f);
	assert_int_equal(modem_fake_count(), 0);
	assert_int_equal(fake.nsent, 1);
	assert_string_equal(fake.sent[0].number, "+97699120001");
	assert_string_equal(fake.sent[0].text, "Тусламж: 102");
}

/*
 * A SIM800 puts a new SMS in the lowest free location, so one that
 * arrived later can lie before one that arrived earlier (a reporter's
 * follow-up before the report itself): they are handled, and answered,
 * in the order they arrived.
 */
static void
test_messages_are_handled_in_order_of_arrival(void **state)
{
	struct fixture *f = *state;

	fake.in_order = 0;
	assert_int_equal(modem_fake_put("+97699120010", "x", 0, 1, 1), 1);
	assert_int_equal(modem_fake_put("+97699120011", "first", 0, 1, 1), 2);
	fake.used[0] = 0;       /* location 1 emptied meanwhile */
	assert_int_equal(modem_fake_put("+97699120012", "second", 0, 1, 1),
	    1);
	gu_settle(f);
	assert_int_equal(fake.nsent, 2);
	assert_string_equal(fake.sent[0].number, "+97699120011");
	assert_string_equal(fake.sent[1].number, "+97699120012");
}

static void
test_long_message_out_of_order_is_answered_once(void **state)
{
	struct fixture *f = *state;
	modem_fake_put("+97699120002", " a man offers work", 7, 2, 3);
	modem_fake_put("+97699120002", " in Macau", 7, 3, 3);
	gu_settle(f);
	assert_int_equal(fake.nsent, 0);        /* not complete yet */
	assert_int_equal(modem_fake_count(), 0); /* but stored and removed */
	modem_fake_put("+97699120002", "REPORT", 7, 1, 3);
	fake.announce = 1;      /* +CMTI */
	gateway_wait(f->gw, 0);
	gu_settle(f);
	assert_int_equal(fake.nsent, 1);
	/* The report keyword's reply, in English as the keyword was, with
	 * the new report's reference. */
	assert_memory_equal(fake.sent[0].text, "Received #",
	    strlen("Received #"));
}

static void
test_missing_part_is_handled_after_the_timeout(void **state)
{
	struct fixture *f = *state;

	modem_fake_put("+97699120003", "тусламж ", 9, 1, 2);
	gu_settle(f);
	assert_int_equal(fake.nsent, 0);
	gu_advance(f, f->conf->limits.multipart_timeout + 1);
	assert_int_equal(fake.nsent, 1);
	assert_string_equal(fake.sent[0].text, "Тусламж: 102");
}

static void
test_failing_modem_is_reopened_with_growing_pauses(void **state)
{
	struct fixture *f = *state;
	struct store_modem_state st;
	int64_t start = f->now;
	int64_t opened_at[5];
	int n = 0, last = 0;

	fake.fail_open = 4;
	while (f->now - start < 60 && n < 5) {
		gu_settle(f);
		if (fake.opens != last) {
			opened_at[n++] = f->now - start;
			last = fake.opens;
		}
		f->now++;
	}
	assert_int_equal(n, 5);
	/* Tries at 0, 1, 3, 7, 15 s: the pause doubles. */
	assert_int_equal(opened_at[1] - opened_at[0], 1);
	assert_int_equal(opened_at[2] - opened_at[1], 2);
	assert_int_equal(opened_at[3] - opened_at[2], 4);
	assert_int_equal(opened_at[4] - opened_at[3], 8);
	assert_true(gateway_connected(f->gw));
	assert_int_equal(store_modem_state_get(f->store, &st), 1);
	assert_true(st.connected);
	assert_string_equal(st.operator_name, "Fake");
	assert_non_null(strstr(st.last_error, "no such device"));
	/* The technician's log says each failed open and the next try. */
	assert_int_equal(gu_log_lines(f, "cannot open"), 4);
	assert_int_equal(gu_log_lines(f, "modem: connected"), 1);
}

static void
test_repeated_read_errors_reopen_and_lose_nothing(void **state)
{
	struct fixture *f = *state;

	gu_settle(f);
	assert_int_equal(fake.opens, 1);
	modem_fake_put("+97699120004", "help", 0, 1, 1);
	fake.fail_read = 3;
	gateway_wait(f->gw, 0);
	fake.announce = 1;
	gateway_wait(f->gw, 0);
	gu_settle(f);
	gu_advance(f, 5);
	gateway_wait(f->gw, 0);
	fake.announce = 1;
	gateway_wait(f->gw, 0);
	gu_advance(f, 70);
	assert_true(fake.opens >= 2);
	assert_true(fake.closes >= 1);
	assert_int_equal(modem_fake_count(), 0);
	assert_int_equal(fake.nsent, 1);
	assert_true(gu_log_lines(f, "closing after 3 failure(s)") >= 1);
}

static void
test_refused_send_is_retried_then_failed_with_reason(void **state)
{
	struct fixture *f = *state;
	struct store_filter all = { .urgent = -1 };
	struct store_out o;

	memset(&o, 0, sizeof(o));
	fake.fail_send = 100;   /* the network refuses everything */
	modem_fake_put("+97699120005", "help", 0, 1, 1);
	gu_settle(f);
	assert_int_equal(store_list_outbox(f->store, &all, find_out, &o), 0);
	assert_string_equal(o.state, "queued");
	assert_int_equal(o.attempts, 1);
	/* retry_delay 10 s, doubling: attempts at +10 and then +20 */
	gu_advance(f, 9);
	assert_int_equal(store_list_outbox(f->store, &all, find_out, &o), 0);
	assert_int_equal(o.attempts, 1);
	gu_advance(f, 40);
	assert_int_equal(store_list_outbox(f->store, &all, find_out, &o), 0);
	assert_int_equal(o.attempts, 3);
	assert_string_equal(o.state, "failed");
	assert_non_null(strstr(o.last_error, "+CMS ERROR: 500"));
	assert_int_equal(fake.nsent, 0);
	assert_true(gateway_connected(f->gw)); /* the modem is fine */
	store_out_free(&o);
	assert_int_equal(gu_log_lines(f, "failed after 3 attempts: +CMS ERROR: "
	    "500"), 1);
	assert_int_equal(gu_log_lines(f, "closing after"), 0);
}

static void
test_modem_failure_during_send_keeps_the_reply(void **state)
{
	struct fixture *f = *state;

	struct store_filter all = { .urgent = -1 };
	struct store_out o;

	memset(&o, 0, sizeof(o));
	fake.fail_send = 1;
	fake.fail_send_rc = -1;  /* a timeout: the modem, not the message */
	modem_fake_put("+97699120006", "help", 0, 1, 1);
	gu_settle(f);
	assert_int_equal(fake.nsent, 1);
	assert_string_equal(fake.sent[0].number, "+97699120006");
	assert_int_equal(store_list_outbox(f->store, &all, find_out, &o), 0);
	assert_string_equal(o.state, "sent");
	store_out_free(&o);
}

static void
test_reading_goes_before_sending(void **state)
{
	struct fixture *f = *state;
	int i;
	char number[32];

	for (i = 0; i < 5; i++) {
		snprintf(number, sizeof(number), "+9769913%04d", i);
		modem_fake_put(number, "help", 0, 1, 1);
	}
	gateway_run_once(f->gw, f->now);
	/* One pass read the whole SIM before it sent anything. */
	assert_int_equal(modem_fake_count(), 0);
	assert_true(fake.nsent <= 1);
	gu_settle(f);
	assert_int_equal(fake.nsent, 5);
}

static void
test_new_message_is_read_before_the_next_reply_goes(void **state)
{
	struct fixture *f = *state;
	int i;
	char number[32];

	for (i = 0; i < 3; i++) {
		snprintf(number, sizeof(number), "+9769914%04d", i);
		modem_fake_put(number, "help", 0, 1, 1);
	}
	gateway_run_once(f->gw, f->now);
	assert_int_equal(fake.nsent, 1);
	/* During that send a new message came, with its +CMTI. */
	modem_fake_put("+97699149999", "help", 0, 1, 1);
	fake.announce = 1;
	gateway_run_once(f->gw, f->now);        /* notices it, sends nothing */
	assert_int_equal(fake.nsent, 1);
	gateway_run_once(f->gw, f->now);        /* reads it off the SIM */
	assert_int_equal(modem_fake_count(), 0);
	gu_settle(f);
	assert_int_equal(fake.nsent, 4);
}

static int
find_delivery(void *arg, const struct store_out *o)
{
	char *dst = arg;

	snprintf(dst, 32, "%s", o->delivery ? o->delivery : "(none)");
	return 1;
}

static void
test_delivery_reports_are_matched_and_cleared_from_sim(void **state)
{
	struct fixture *f = *state;
	struct store_filter all = { .urgent = -1 };
	struct store_counts counts;
	char delivery[32];

	modem_fake_put("+97699120010", "help", 0, 1, 1);
	gu_settle(f);
	assert_int_equal(fake.nsent, 1);        /* its reference is 1 */
	assert_int_equal(store_list_outbox(f->store, &all, find_delivery,
	    delivery), 0);
	assert_string_equal(delivery, "(none)");
	modem_fake_put_report(99, 1);           /* nobody's: dropped */
	modem_fake_put_report(1, 1);
	fake.announce = 1;
	gateway_wait(f->gw, 0);
	gu_settle(f);
	assert_int_equal(modem_fake_count(), 0);  /* the SIM never fills */
	assert_int_equal(fake.nsent, 1);          /* reports get no reply */
	assert_int_equal(store_counts(f->store, &counts), 0);
	assert_int_equal(counts.inbox_new, 0);
	assert_int_equal(store_list_outbox(f->store, &all, find_delivery,
	    delivery), 0);
	assert_string_equal(delivery, "delivered");
	modem_fake_put_report(1, 0);            /* a part failed after all */
	fake.announce = 1;
	gateway_wait(f->gw, 0);
	gu_settle(f);
	assert_int_equal(store_list_outbox(f->store, &all, find_delivery,
	    delivery), 0);
	assert_string_equal(delivery, "failed");
}

/* A 4-part reply whose third part fails with rc: parts 1 and 2 go out
 * once, and the next attempt sends only 3 and 4, with one concatenation
 * reference throughout, so the phone joins them. */
static void
resume_after_failure(struct fixture *f, int rc, int wait)
{
	int i;

	fake.part_len = 5;      /* "Тусламж: 102" is 19 bytes: 4 parts */
	fake.fail_after = 2;
	fake.fail_send = 1;
	fake.fail_send_rc = rc;
	modem_fake_put("+97699120007", "тусламж", 0, 1, 1);
	gu_settle(f);
	gu_advance(f, wait);
	assert_int_equal(fake.nsent, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(fake.sent[i].part, i + 1);
		assert_int_equal(fake.sent[i].parts, 4);
		assert_int_equal(fake.sent[i].concat_ref,
		    fake.sent[0].concat_ref);
	}
}

static void
test_refused_part_is_resent_alone(void **state)
{
	resume_after_failure(*state, -2, 10);   /* retry_delay is 10 s */
}

static void
test_part_lost_to_a_dead_modem_is_resent_alone(void **state)
{
	resume_after_failure(*state, -1, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_message_is_answered_and_removed_from_sim),
		T(test_messages_are_handled_in_order_of_arrival),
		T(test_long_message_out_of_order_is_answered_once),
		T(test_missing_part_is_handled_after_the_timeout),
		T(test_failing_modem_is_reopened_with_growing_pauses),
		T(test_repeated_read_errors_reopen_and_lose_nothing),
		T(test_refused_send_is_retried_then_failed_with_reason),
		T(test_modem_failure_during_send_keeps_the_reply),
		T(test_reading_goes_before_sending),
		T(test_new_message_is_read_before_the_next_reply_goes),
		T(test_delivery_reports_are_matched_and_cleared_from_sim),
		T(test_refused_part_is_resent_alone),
		T(test_part_lost_to_a_dead_modem_is_resent_alone),
#undef T
	};

	return cmocka_run_group_tests_name("gateway", tests, NULL, NULL);
}
