/*
 * test_gateway_alive: a modem's process shows that it lives between any
 * two modem calls, however long a pass is (gateway_set_alive()); the
 * bound after which a silent process is taken for hung is one definition
 * (gateway_hung_after()); and a process restarted after a hang counts
 * its modem lost since its predecessor's last sign of life
 * (gateway_lost_since()): the health alert and the modems row see it
 * down from then. A fake modem and a fake clock.
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
#include "store_health.h"

#define NOW 1764390000
#define ALERT_AFTER 60

static const char conf_text[] =
	"database = \"/tmp/x.db\";\n"
	"keywords = ( { name = \"help\"; words = [ \"HELP\" ];"
	" reply = { en = \"Police 102, hotline 108.\"; }; } );\n"
	"failover_after = 45;\n"
	"technicians = [ \"+97699112233\" ];\n"
	"alert_after = 60;\n"
	"modem = { device = \"/dev/a\"; connection = \"none\";"
	" model = \"dummy\"; timeout = 7; };\n";

/* What the modem had done at each sign of life. */
struct seen {
	int opens, reads, removes, nsent;
};

struct fixture {
	struct conf *conf;
	struct store *store;
	struct gateway *gw;
	struct seen seen[256];
	size_t nseen;
	int saved_stderr;
};

static void
alive(void *arg)
{
	struct fixture *f = arg;

	if (f->nseen < sizeof(f->seen) / sizeof(f->seen[0])) {
		f->seen[f->nseen].opens = fake.opens;
		f->seen[f->nseen].reads = fake.reads;
		f->seen[f->nseen].removes = fake.removes;
		f->seen[f->nseen].nsent = fake.nsent;
	}
	f->nseen++;
}

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
	store_close(f->store);
	conf_free(f->conf);
	fflush(stderr);
	dup2(f->saved_stderr, 2);
	close(f->saved_stderr);
	free(f);
	return 0;
}

/* Whether some sign of life saw the modem exactly so far. */
static int
seen(const struct fixture *f, int opens, int reads, int removes, int nsent)
{
	size_t i;

	for (i = 0; i < f->nseen && i < sizeof(f->seen) / sizeof(f->seen[0]);
	    i++)
		if ((opens < 0 || f->seen[i].opens == opens) &&
		    (reads < 0 || f->seen[i].reads == reads) &&
		    (removes < 0 || f->seen[i].removes == removes) &&
		    (nsent < 0 || f->seen[i].nsent == nsent))
			return 1;
	return 0;
}

/* How many signs of life saw the modem so far. */
static size_t
count_seen(const struct fixture *f, int opens, int reads, int removes)
{
	size_t i, k = 0;

	for (i = 0; i < f->nseen && i < sizeof(f->seen) / sizeof(f->seen[0]);
	    i++)
		k += f->seen[i].opens == opens && f->seen[i].reads == reads &&
		    f->seen[i].removes == removes;
	return k;
}

/* One bound, from the conf: failover_after and three timeouts. */
static void
test_bounds(void **state)
{
	struct fixture *f = *state;
	const struct conf_modem *mc = &f->conf->modems[0];

	assert_int_equal(gateway_call_max(mc), 21);
	assert_int_equal(gateway_hung_after(f->conf, mc), 45 + 21);
	/* a send's lease: a short one three timeouts, a long one each part's
	 * timeout and slack, and its status */
	assert_int_equal(gateway_send_max(mc, 1), 21);
	assert_int_equal(gateway_send_max(mc, 2), 2 * (7 + 2) + 7);
	assert_int_equal(gateway_send_max(mc, 10), 10 * (7 + 2) + 7);
}

/* A long pass (open, a read of many SMS, a delete each) gives a sign of
 * life before its first call, after every call and for every SMS read,
 * so that its silences are single commands, never the pass. */
static void
test_sign_after_every_call(void **state)
{
	struct fixture *f = *state;
	int i, n = 6;

	for (i = 0; i < n; i++)
		modem_fake_put("+97699000100", "hello", 0, 1, 1);
	gateway_set_alive(f->gw, alive, f);
	assert_true(gateway_run_once(f->gw, NOW) >= 0);
	assert_int_equal(fake.removes, n);
	assert_true(seen(f, 0, 0, 0, -1));      /* the pass began */
	assert_true(seen(f, 1, 0, 0, -1));      /* opened */
	/* each SMS read (a full SIM's read is one call of many
	 * commands), and the read's end */
	assert_true(count_seen(f, 1, 1, 0) >= (size_t)n + 1);
	for (i = 1; i <= n; i++)                /* each delete */
		assert_true(seen(f, 1, 1, i, -1));
	/* no sign of life is given without a hook */
	gateway_set_alive(f->gw, NULL, NULL);
	f->nseen = 0;
	assert_true(gateway_run_once(f->gw, NOW + 1) >= 0);
	assert_int_equal(f->nseen, 0);
}

/* A long reply goes out in parts: a sign of life after each part. */
static void
test_sign_after_every_part(void **state)
{
	struct fixture *f = *state;
	int64_t now = NOW;
	int k;

	fake.part_len = 8;               /* "Police 102, hotline 108.": 3 */
	modem_fake_put("+97699000200", "HELP", 0, 1, 1);
	gateway_set_alive(f->gw, alive, f);
	for (k = 0; k < 20 && fake.nsent < 3; k++)
		(void)gateway_run_once(f->gw, now++);
	assert_int_equal(fake.nsent, 3);
	assert_true(seen(f, -1, -1, -1, 1));
	assert_true(seen(f, -1, -1, -1, 2));
	assert_true(seen(f, -1, -1, -1, 3));
}

static int
modem_row(void *arg, const struct store_modem *m)
{
	int64_t *down = arg;

	*down = m->down_since;
	return 0;
}

/*
 * A process restarted after a hang, whose modem does not open: the
 * modem counts as lost since its predecessor's last sign of life, so
 * that the technicians' alert comes alert_after from then, not from the
 * restart, and the other modems see it down since then.
 */
static void
test_lost_since_predecessor(void **state)
{
	struct fixture *f = *state;
	struct store_health h;
	int64_t down = -1;

	fake.fail_open = 1000;
	gateway_lost_since(f->gw, NOW - ALERT_AFTER - 5);
	assert_true(gateway_run_once(f->gw, NOW) >= 0);
	assert_int_equal(store_health_get(f->store, "modem_lost", &h), 1);
	assert_true(h.open);
	assert_int_equal(store_modem_list(f->store, day_midnight(NOW),
	    modem_row, &down), 0);
	assert_int_equal(down, NOW - ALERT_AFTER - 5);
}

/* The same restart whose modem opens at once: nothing to tell. */
static void
test_lost_since_then_opens(void **state)
{
	struct fixture *f = *state;
	struct store_health h;
	int64_t down = -1;

	gateway_lost_since(f->gw, NOW - ALERT_AFTER - 5);
	assert_true(gateway_run_once(f->gw, NOW) >= 0);
	assert_true(gateway_connected(f->gw));
	assert_true(store_health_get(f->store, "modem_lost", &h) >= 0);
	assert_false(h.open);
	assert_int_equal(store_modem_list(f->store, day_midnight(NOW),
	    modem_row, &down), 0);
	assert_int_equal(down, 0);
}

/* Without a predecessor, a modem that does not open is lost from now. */
static void
test_no_predecessor(void **state)
{
	struct fixture *f = *state;
	struct store_health h;

	fake.fail_open = 1000;
	gateway_lost_since(f->gw, 0);           /* the first start: nothing */
	assert_true(gateway_run_once(f->gw, NOW) >= 0);
	assert_true(store_health_get(f->store, "modem_lost", &h) >= 0);
	assert_false(h.open);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sign_after_every_call,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sign_after_every_part,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_since_predecessor,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_since_then_opens,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_predecessor, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
