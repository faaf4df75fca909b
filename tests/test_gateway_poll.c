/*
 * test_gateway_poll: when the gateway looks at the SIM (gateway_poll.h):
 * a count above what the last read left means a lost notice and a read
 * now; a read that then finds messages switches the modem to polling,
 * once; GW_POLL_PROOF notices in a row switch it back, once; records a
 * read cannot pass on are a baseline, never a lost notice.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "gateway_poll.h"

static void
fresh(struct gateway_poll *p)
{
	memset(p, 0, sizeof(*p));
	gateway_poll_init(p);
}

/* Opened: the first read leaves the SIM empty. */
static void
opened_and_read(struct gateway_poll *p)
{
	fresh(p);
	assert_int_equal(gateway_poll_read(p, 0, 0), GW_POLL_SAME);
}

static void
test_interval(void **state)
{
	struct gateway_poll p;

	(void)state;
	opened_and_read(&p);
	assert_int_equal(gateway_poll_every(&p, 30), 30);
	assert_int_equal(gateway_poll_every(&p, 0), 1);
	p.polling = 1;
	assert_int_equal(gateway_poll_every(&p, 30), GW_POLL_FAST);
	assert_int_equal(gateway_poll_every(&p, 2), 2);
}

/* Every count that finds no more than was left: no read, whatever n. */
static void
test_nothing_new(void **state)
{
	struct gateway_poll p;
	int left, n;

	(void)state;
	for (left = 0; left < 5; left++)
		for (n = 0; n <= left; n++) {
			fresh(&p);
			(void)gateway_poll_read(&p, left, left);
			assert_int_equal(gateway_poll_counted(&p, n, 0), 0);
			assert_int_equal(p.polling, 0);
		}
}

/* A notice always reads, and is not a lost one. */
static void
test_noticed_reads(void **state)
{
	struct gateway_poll p;
	int n;

	(void)state;
	for (n = 0; n < 4; n++) {
		opened_and_read(&p);
		assert_int_equal(gateway_poll_counted(&p, n, 1), 1);
		assert_int_equal(gateway_poll_read(&p, n, 0), GW_POLL_SAME);
		assert_int_equal(p.polling, 0);
	}
}

/* A lost notice: read at once; found, polling from then on, switched
 * once however many more come unannounced. */
static void
test_lost_notice_switches_once(void **state)
{
	struct gateway_poll p;
	int i;

	(void)state;
	opened_and_read(&p);
	assert_int_equal(gateway_poll_counted(&p, 1, 0), 1);
	assert_int_equal(gateway_poll_read(&p, 1, 0), GW_POLL_ON);
	assert_int_equal(p.polling, 1);
	for (i = 0; i < 5; i++) {
		assert_int_equal(gateway_poll_counted(&p, 2, 0), 1);
		assert_int_equal(gateway_poll_read(&p, 2, 0), GW_POLL_SAME);
		assert_int_equal(p.polling, 1);
	}
	/* a reopen keeps what was proved */
	gateway_poll_init(&p);
	assert_int_equal(p.polling, 1);
	assert_int_equal(p.left, -1);
}

/* GW_POLL_PROOF notices in a row switch back, once; an unannounced
 * message between them starts the proof again. */
static void
test_proof(void **state)
{
	struct gateway_poll p;
	int i;

	(void)state;
	opened_and_read(&p);
	(void)gateway_poll_counted(&p, 1, 0);
	assert_int_equal(gateway_poll_read(&p, 1, 0), GW_POLL_ON);
	for (i = 0; i < GW_POLL_PROOF - 1; i++)
		assert_int_equal(gateway_poll_notice(&p), GW_POLL_SAME);
	(void)gateway_poll_counted(&p, 1, 0);
	assert_int_equal(gateway_poll_read(&p, 1, 0), GW_POLL_SAME);
	for (i = 0; i < GW_POLL_PROOF - 1; i++)
		assert_int_equal(gateway_poll_notice(&p), GW_POLL_SAME);
	assert_int_equal(gateway_poll_notice(&p), GW_POLL_OFF);
	assert_int_equal(p.polling, 0);
	for (i = 0; i < 2 * GW_POLL_PROOF; i++)
		assert_int_equal(gateway_poll_notice(&p), GW_POLL_SAME);
	assert_int_equal(p.polling, 0);
}

/* Records a read cannot pass on (sent records, undecodable ones without
 * a line): the count is above what was left, the read finds nothing new:
 * they become the baseline, no switch, no read at the next count. */
static void
test_hidden_records_are_a_baseline(void **state)
{
	struct gateway_poll p;
	int hidden;

	(void)state;
	for (hidden = 1; hidden < 4; hidden++) {
		opened_and_read(&p);
		assert_int_equal(gateway_poll_counted(&p, hidden, 0), 1);
		assert_int_equal(gateway_poll_read(&p, 0, 0), GW_POLL_SAME);
		assert_int_equal(p.polling, 0);
		assert_int_equal(gateway_poll_counted(&p, hidden, 0), 0);
		/* one more than those: a lost notice after all */
		assert_int_equal(gateway_poll_counted(&p, hidden + 1, 0), 1);
		assert_int_equal(gateway_poll_read(&p, 1, 0), GW_POLL_ON);
	}
}

/* Records left after a read (a delete refused) are no new message; a
 * failed read knows nothing: the next count reads if anything is there. */
static void
test_left_and_failed(void **state)
{
	struct gateway_poll p;

	(void)state;
	opened_and_read(&p);
	assert_int_equal(gateway_poll_counted(&p, 2, 1), 1);
	assert_int_equal(gateway_poll_read(&p, 2, 1), GW_POLL_SAME);
	assert_int_equal(gateway_poll_counted(&p, 1, 0), 0);
	assert_int_equal(gateway_poll_read(&p, -1, 0), GW_POLL_SAME);
	assert_int_equal(p.left, -1);
	assert_int_equal(gateway_poll_counted(&p, 0, 0), 0);
	assert_int_equal(gateway_poll_counted(&p, 1, 0), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval),
		cmocka_unit_test(test_nothing_new),
		cmocka_unit_test(test_noticed_reads),
		cmocka_unit_test(test_lost_notice_switches_once),
		cmocka_unit_test(test_proof),
		cmocka_unit_test(test_hidden_records_are_a_baseline),
		cmocka_unit_test(test_left_and_failed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
