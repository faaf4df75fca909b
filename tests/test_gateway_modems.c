/*
 * test_gateway_modems: which queued message a modem sends when several
 * share the outbox, with a fake modem and a fake clock. The gateway under
 * test drives modem "a"; modem "b" is only its row in the database, set
 * by the test as b's process would write it. A row of b's is left to b
 * while b works and taken when b has been down failover_after seconds, or
 * its process silent that long plus three timeouts; a row of nobody's
 * goes on-net first, else to any; a modem at its daily limit sends
 * nothing more that day, and its on-net rows go to the others.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_util.h"
#include "day.h"
#include "gateway.h"
#include "modem_fake.h"
#include "store.h"
#include "store_campaign.h"

#define NOW 1764390000
#define F 60                     /* failover_after */
#define T 10                     /* each modem's timeout */

static const char conf_text[] =
	"database = \"/tmp/x.db\";\n"
	"keywords = ( { name = \"help\"; words = [ \"HELP\" ];"
	" reply = { en = \"Police 102.\"; }; } );\n"
	"failover_after = 60;\n"
	"modems = (\n"
	" { name = \"a\"; device = \"/dev/a\"; connection = \"none\";"
	"   model = \"dummy\"; timeout = 10; prefixes = [ \"+97699\" ];"
	"   daily_limit = 3; },\n"
	" { name = \"b\"; device = \"/dev/b\"; connection = \"none\";"
	"   model = \"dummy\"; timeout = 10; prefixes = [ \"+97688\" ];"
	"   daily_limit = 1; }\n"
	");\n";

struct fixture {
	struct conf *conf;
	struct store *store;
	struct gateway *gw;
	struct gateway *gw_b;    /* b's process, where a test wants it */
	int64_t now_b;           /* the time b_pass() runs at */
	int saved_stderr;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	assert_non_null(f);
	f->conf = cu_load_text(conf_text);
	modem_fake_reset();
	assert_non_null(f->store = store_open(":memory:", 1, err,
	    sizeof(err)));
	assert_non_null(f->gw = gateway_new(&modem_fake_ops, f->store,
	    f->conf));
	assert_int_equal(gateway_use_modem(f->gw, "a"), 0);
	assert_int_equal(gateway_use_modem(f->gw, "zz"), -1);
	/* the gateway's log says what a test provokes: not the run's */
	fflush(stderr);
	f->saved_stderr = dup(2);
	assert_true(freopen("/dev/null", "w", stderr) != NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	gateway_free(f->gw);
	if (f->gw_b != NULL)
		gateway_free(f->gw_b);
	store_close(f->store);
	conf_free(f->conf);
	fflush(stderr);
	dup2(f->saved_stderr, 2);
	close(f->saved_stderr);
	free(f);
	return 0;
}

/* b's row as its process would write it. */
static void
b_row(struct fixture *f, int64_t updated_at, int64_t down_since)
{
	struct store_modem_state st;

	memset(&st, 0, sizeof(st));
	st.connected = down_since == 0;
	st.sim_used = -1;
	st.updated_at = updated_at;
	assert_int_equal(store_modem_put(f->store, "b", &st, down_since), 0);
}

/* Queues a message to number for modem (NULL: nobody's). */
static int64_t
queue(struct fixture *f, const char *number, const char *modem, int64_t now)
{
	int64_t id = store_outbox_add(f->store, number, "x", STORE_OUT_MANUAL,
	    0, now);

	assert_true(id > 0);
	if (modem != NULL)
		assert_int_equal(store_outbox_claim(f->store, id, NULL, modem,
		    now), 1);
	return id;
}

/* Passes at now until the gateway waits. */
static void
run(struct fixture *f, int64_t now)
{
	int i;

	for (i = 0; i < 50; i++)
		if (gateway_run_once(f->gw, now) > 0)
			return;
	fail_msg("the gateway never settled");
}

struct row {
	int64_t id;
	char state[16], modem[16];
};

static int
find_row(void *arg, const struct store_out *o)
{
	struct row *r = arg;

	if (o->id != r->id)
		return 0;
	snprintf(r->state, sizeof(r->state), "%s", o->state);
	snprintf(r->modem, sizeof(r->modem), "%s", o->modem ? o->modem : "");
	return 1;
}

static void
assert_row(struct fixture *f, int64_t id, const char *state,
    const char *modem)
{
	struct row r = { .id = id };

	assert_int_equal(store_list_outbox(f->store, NULL, find_row, &r), 0);
	assert_string_equal(r.state, state);
	assert_string_equal(r.modem, modem);
}

/* b's rows stay b's while it works and for failover_after after it went
 * down; then a sends them, once, and the row says so. */
static void
test_down_modem_queue_moves_after_failover(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	b_row(f, NOW, 0);
	id = queue(f, "+97688000001", "b", NOW);
	run(f, NOW);
	run(f, NOW + F + 5);
	assert_int_equal(fake.nsent, 0);
	assert_row(f, id, "queued", "b");
	b_row(f, NOW + 100, NOW + 100 - F + 1);
	run(f, NOW + 100);
	assert_int_equal(fake.nsent, 0);
	b_row(f, NOW + 101, NOW + 101 - F);
	run(f, NOW + 101);
	assert_int_equal(fake.nsent, 1);
	assert_string_equal(fake.sent[0].number, "+97688000001");
	assert_row(f, id, "sent", "a");
	run(f, NOW + 200);
	assert_int_equal(fake.nsent, 1);
}

/* A row whose sends failed on b, b's next try an hour away (its
 * backoff): while b works it stays b's; once b has been down
 * failover_after, a sends it at once, not after b's backoff. */
static void
test_failing_modem_backoff_does_not_hold_its_queue(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	b_row(f, NOW, 0);
	id = queue(f, "+97688000009", "b", NOW);
	assert_int_equal(store_outbox_retry(f->store, id, "+CMS ERROR: 500",
	    NOW + 3600), 0);
	run(f, NOW + 10);
	assert_int_equal(fake.nsent, 0);
	b_row(f, NOW + F + 10, NOW + 10);
	run(f, NOW + F + 10);
	assert_int_equal(fake.nsent, 1);
	assert_string_equal(fake.sent[0].number, "+97688000009");
	assert_row(f, id, "sent", "a");
}

/* The same row held for after quiet hours (a campaign's SMS): a, taking
 * it from the down b, keeps the hold as b would. */
static void
test_taken_row_keeps_a_quiet_hours_hold(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	b_row(f, NOW, 0);
	id = queue(f, "+97688000010", "b", NOW);
	assert_int_equal(store_outbox_retry(f->store, id, "+CMS ERROR: 500",
	    NOW + 30), 0);
	assert_int_equal(store_campaign_slot(f->store, id, NOW + 5000), 0);
	b_row(f, NOW + F + 10, NOW + 10);
	run(f, NOW + F + 10);
	run(f, NOW + 4999);
	assert_int_equal(fake.nsent, 0);
	b_row(f, NOW + 5000, NOW + 10);
	run(f, NOW + 5000);
	assert_int_equal(fake.nsent, 1);
	assert_row(f, id, "sent", "a");
}

/* A process that has not written its row for failover_after and three
 * timeouts is taken for hung; a slower one is not. */
static void
test_silent_process_queue_moves(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	b_row(f, NOW, 0);
	id = queue(f, "+97688000002", "b", NOW);
	run(f, NOW + F + 3 * T - 1);
	assert_int_equal(fake.nsent, 0);
	run(f, NOW + F + 3 * T);
	assert_int_equal(fake.nsent, 1);
	assert_row(f, id, "sent", "a");
}

/* Nobody's rows: on-net first (b's prefix: b's, while b works), else
 * any; b at its daily limit sends nothing more, so a takes them. */
static void
test_on_net_else_any_and_limit(void **state)
{
	struct fixture *f = *state;
	int64_t onnet, abroad, mine, bsent;

	b_row(f, NOW, 0);
	onnet = queue(f, "+97688000003", NULL, NOW);
	abroad = queue(f, "+15550000001", NULL, NOW);
	mine = queue(f, "+97699000001", NULL, NOW);
	run(f, NOW);
	assert_int_equal(fake.nsent, 2);
	assert_row(f, onnet, "queued", "");
	assert_row(f, abroad, "sent", "a");
	assert_row(f, mine, "sent", "a");
	/* b sent one today: its limit */
	bsent = queue(f, "+97688000009", "b", NOW);
	assert_int_equal(store_outbox_sent(f->store, bsent, "7", NOW), 0);
	b_row(f, NOW + 1, 0);
	run(f, NOW + 1);
	assert_int_equal(fake.nsent, 3);
	assert_row(f, onnet, "sent", "a");
}

/* a at its own limit (3) sends no more that day, its own rows included;
 * the next local day it goes on. */
static void
test_own_daily_limit(void **state)
{
	struct fixture *f = *state;
	int64_t fourth, tomorrow = day_midnight(NOW) + 86400 + 60;

	b_row(f, NOW, 0);
	queue(f, "+97699000011", "a", NOW);
	queue(f, "+97699000012", "a", NOW);
	queue(f, "+97699000013", "a", NOW);
	fourth = queue(f, "+97699000014", "a", NOW);
	run(f, NOW);
	assert_int_equal(fake.nsent, 3);
	assert_row(f, fourth, "queued", "a");
	b_row(f, tomorrow, 0);
	run(f, tomorrow);
	assert_int_equal(fake.nsent, 4);
	assert_row(f, fourth, "sent", "a");
}

/* b's process, in the middle of a's send. */
static void
b_pass(void *arg)
{
	struct fixture *f = arg;

	assert_int_equal(gateway_run_once(f->gw_b, f->now_b) >= 0, 1);
}

/*
 * a has been down failover_after (its sends failed), so b may take its
 * rows; but a row a is sending at that moment is a's until the send ends
 * or a could no longer be in it (a lease of three timeouts): b, running
 * meanwhile, leaves it, and the person gets it once.
 */
static void
test_row_in_flight_is_not_taken(void **state)
{
	struct fixture *f = *state;
	int64_t id, later = NOW + F + 1;

	assert_non_null(f->gw_b = gateway_new(&modem_fake_ops, f->store,
	    f->conf));
	assert_int_equal(gateway_use_modem(f->gw_b, "b"), 0);
	id = queue(f, "+97699000021", "a", NOW);
	fake.fail_send = 1;
	fake.fail_send_rc = -2;
	run(f, NOW);                    /* a's send refused: a is down */
	assert_int_equal(fake.nsent, 0);
	assert_row(f, id, "queued", "a");
	f->now_b = later;
	fake.on_send = b_pass;
	fake.on_send_arg = f;
	run(f, later);                  /* a retries; b runs meanwhile */
	assert_null(fake.on_send);
	assert_int_equal(fake.nsent, 1);
	assert_row(f, id, "sent", "a");
	assert_int_equal(gateway_run_once(f->gw_b, later + 3 * T) >= 0, 1);
	assert_int_equal(fake.nsent, 1);
}

/* One modem (the modem group) keeps its daily_limit too, whatever the
 * kind of message: an alert, a reply, shukherctl send. */
static void
test_single_modem_daily_limit(void **state)
{
	static const char one[] =
		"database = \"/tmp/x.db\";\n"
		"keywords = ( { name = \"help\"; words = [ \"HELP\" ];"
		" reply = { en = \"Police 102.\"; }; } );\n"
		"modem = { device = \"/dev/a\"; connection = \"none\";"
		" model = \"dummy\"; daily_limit = 2; };\n";
	struct fixture *f = *state;
	struct conf *conf = cu_load_text(one);
	struct gateway *gw;
	int64_t alert, reply, manual, tomorrow = day_midnight(NOW) + 86400;

	assert_non_null(gw = gateway_new(&modem_fake_ops, f->store, conf));
	alert = store_outbox_add(f->store, "+97699000031", "x",
	    STORE_OUT_ALERT, 0, NOW);
	reply = store_outbox_add(f->store, "+97699000032", "x",
	    STORE_OUT_REPLY, 0, NOW);
	manual = store_outbox_add(f->store, "+97699000033", "x",
	    STORE_OUT_MANUAL, 0, NOW);
	assert_int_equal(gateway_run_once(gw, NOW) >= 0, 1);
	assert_int_equal(gateway_run_once(gw, NOW) >= 0, 1);
	assert_int_equal(gateway_run_once(gw, NOW) >= 0, 1);
	assert_int_equal(fake.nsent, 2);
	assert_row(f, alert, "sent", "modem");
	assert_row(f, reply, "sent", "modem");
	assert_row(f, manual, "queued", "");
	assert_int_equal(gateway_run_once(gw, tomorrow) >= 0, 1);
	assert_int_equal(fake.nsent, 3);
	assert_row(f, manual, "sent", "modem");
	gateway_free(gw);
	conf_free(conf);
}

/* b sent the first part of a long message, then went down: a takes it
 * and sends it whole, since the phone joins parts only from one number
 * (a's second part after b's first would never make a message). */
static void
test_taken_row_starts_from_its_first_part(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	fake.part_len = 4;
	id = store_outbox_add(f->store, "+97688000041", "abcdefgh",
	    STORE_OUT_REPLY, 0, NOW);
	assert_int_equal(store_outbox_claim(f->store, id, NULL, "b", NOW), 1);
	assert_int_equal(store_outbox_progress(f->store, id, "77", NOW), 0);
	b_row(f, NOW + F, NOW);
	run(f, NOW + F);
	assert_int_equal(fake.nsent, 2);
	assert_int_equal(fake.sent[0].part, 1);
	assert_string_equal(fake.sent[0].text, "abcd");
	assert_int_equal(fake.sent[1].part, 2);
	assert_row(f, id, "sent", "a");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_down_modem_queue_moves_after_failover, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_failing_modem_backoff_does_not_hold_its_queue, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_taken_row_keeps_a_quiet_hours_hold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_process_queue_moves,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_net_else_any_and_limit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_daily_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_row_in_flight_is_not_taken,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_modem_daily_limit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_taken_row_starts_from_its_first_part, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
