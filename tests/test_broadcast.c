/*
 * test_broadcast: the spreading schedule of a broadcast (broadcast.h), on
 * tables of cases: the exact slots for one and several modems, daily
 * limits (what does not fit waits for the next midnight, what a modem
 * sent today counts), quiet hours (the same day's and across midnight, a
 * start inside them), rates out of range; then the promises over a
 * thousand recipients for every case: never before the start, never in
 * quiet hours, never more in a day than the limits, never more in a
 * minute than rate times modems, in order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "broadcast.h"
#include "quiet.h"

#define H 3600
#define D 86400
#define MAXN 12

struct bcase {
	const char *what;
	int rate;
	int quiet_from, quiet_to;      /* minutes; -1 none */
	size_t nmodems;
	int limits[4], sent[4];
	int64_t start;                 /* seconds after day 0's midnight */
	size_t n;
	int64_t want[MAXN];            /* seconds after day 0's midnight */
};

static const struct bcase cases[] = {
	{ "one modem, 6 a minute", 6, -1, -1, 1, { 0 }, { 0 }, 10 * H, 4,
	  { 10 * H, 10 * H + 10, 10 * H + 20, 10 * H + 30 } },
	{ "two modems share each slot", 6, -1, -1, 2, { 0, 0 }, { 0, 0 }, 0,
	  5, { 0, 0, 10, 10, 20 } },
	{ "three modems, 60 a minute", 60, -1, -1, 3, { 0 }, { 0 }, 5, 7,
	  { 5, 5, 5, 6, 6, 6, 7 } },
	{ "the limited modem drops out, the other goes on", 60, -1, -1, 2,
	  { 2, 0 }, { 0, 0 }, 0, 7, { 0, 0, 1, 1, 2, 3, 4 } },
	{ "what it sent today counts", 60, -1, -1, 2, { 3, 0 }, { 2, 0 },
	  0, 4, { 0, 0, 1, 2 } },
	{ "past the limit: the next midnight", 60, -1, -1, 1, { 3 }, { 1 },
	  0, 6, { 0, 1, D, D + 1, D + 2, 2 * D } },
	{ "every modem at its limit already", 6, -1, -1, 2, { 5, 1 },
	  { 5, 1 }, 12 * H, 4, { D, D, D + 10, D + 20 } },
	{ "quiet 22:00-08:00 from 21:59:50", 6, 22 * 60, 8 * 60, 1, { 0 },
	  { 0 }, 22 * H - 10, 3, { 22 * H - 10, D + 8 * H, D + 8 * H + 10 } },
	{ "quiet 13:00-14:00 the same day", 12, 13 * 60, 14 * 60, 1, { 0 },
	  { 0 }, 13 * H - 5, 3, { 13 * H - 5, 14 * H, 14 * H + 5 } },
	{ "a start inside quiet hours, after midnight", 6, 22 * 60, 8 * 60,
	  1, { 0 }, { 0 }, 3 * H, 2, { 8 * H, 8 * H + 10 } },
	{ "a start inside quiet hours, before midnight", 6, 22 * 60, 8 * 60,
	  1, { 0 }, { 0 }, 23 * H, 2, { D + 8 * H, D + 8 * H + 10 } },
	{ "a limit and quiet hours", 1, 22 * 60, 8 * 60, 1, { 2 }, { 0 },
	  21 * H + 59 * 60, 4, { 21 * H + 59 * 60, D + 8 * H,
	  D + 8 * H + 60, 2 * D + 8 * H } },
	{ "rate 7: 9 seconds, never 8 in a minute", 7, -1, -1, 1, { 0 },
	  { 0 }, 0, 3, { 0, 9, 18 } },
	{ "rate 0: one a minute", 0, -1, -1, 1, { 0 }, { 0 }, 0, 3,
	  { 0, 60, 120 } },
	{ "rate 1000: one a minute", 1000, -1, -1, 1, { 0 }, { 0 }, 0, 2,
	  { 0, 60 } },
	{ "no modems counts as one", 6, -1, -1, 0, { 0 }, { 0 }, 0, 2,
	  { 0, 10 } },
	{ "empty quiet hours", 6, 10 * 60, 10 * 60, 1, { 0 }, { 0 }, 10 * H,
	  2, { 10 * H, 10 * H + 10 } },
};

#define DAY0 ((int64_t)1795000000 - 1795000000 % D)  /* a midnight */

static void
test_slots(void **state)
{
	struct broadcast_plan p;
	size_t c, i;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct bcase *k = &cases[c];

		broadcast_plan_init(&p, DAY0 + k->start, DAY0, k->rate,
		    k->quiet_from, k->quiet_to, k->nmodems, k->limits,
		    k->sent);
		for (i = 0; i < k->n; i++) {
			int64_t got = broadcast_next(&p) - DAY0;

			if (got != k->want[i])
				fail_msg("%s: SMS %zu at %lld, want %lld",
				    k->what, i + 1, (long long)got,
				    (long long)k->want[i]);
		}
	}
}

/* What must hold for every recipient of a long broadcast. */
static void
check_promises(const struct bcase *k, size_t n)
{
	struct broadcast_plan p;
	static int64_t at[1000];
	int64_t prev = 0, t, day_count[64] = { 0 };
	int64_t day_max = 0, sent0 = 0;
	size_t i, j, nm = k->nmodems == 0 ? 1 : k->nmodems;
	int64_t per_minute = (k->rate >= 1 && k->rate <= 60 ? k->rate : 1) *
	    (int64_t)nm;
	int limited = k->nmodems > 0;

	for (j = 0; j < k->nmodems; j++) {
		if (k->limits[j] <= 0)
			limited = 0;
		day_max += k->limits[j];
		sent0 += k->sent[j] < k->limits[j] ? k->sent[j] : k->limits[j];
	}
	broadcast_plan_init(&p, DAY0 + k->start, DAY0, k->rate,
	    k->quiet_from, k->quiet_to, k->nmodems, k->limits, k->sent);
	for (i = 0; i < n; i++) {
		t = broadcast_next(&p);
		if (t < DAY0 + k->start || (i > 0 && t < prev))
			fail_msg("%s: SMS %zu at %lld, before %lld", k->what,
			    i + 1, (long long)t, (long long)prev);
		if (quiet_minute(k->quiet_from, k->quiet_to,
		    (int)((t - DAY0) % D / 60)))
			fail_msg("%s: SMS %zu in quiet hours", k->what, i + 1);
		if ((t - DAY0) / D < 64)
			day_count[(t - DAY0) / D]++;
		/* the minute ending at t: the SMS per_minute back must be
		 * at least 60 seconds earlier */
		at[i] = t;
		if (i >= (size_t)per_minute && t - at[i - (size_t)per_minute] < 60)
			fail_msg("%s: more than %lld SMS in a minute at %zu",
			    k->what, (long long)per_minute, i + 1);
		prev = t;
	}
	for (j = 0; limited && j < 64; j++)
		if (day_count[j] > day_max - (j == 0 ? sent0 : 0))
			fail_msg("%s: %lld SMS on day %zu, limits %lld",
			    k->what, (long long)day_count[j], j,
			    (long long)day_max);
}

static void
test_promises(void **state)
{
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		check_promises(&cases[c], 1000);
}

/* A modem with no limit beside limited ones: the day is not capped, but
 * the rate still holds (checked above); and one limited modem alone
 * spreads a thousand over the days its limit needs. */
static void
test_days(void **state)
{
	static const int limits[] = { 100 }, sent[] = { 40 };
	struct broadcast_plan p;
	int64_t t = 0;
	int i;

	(void)state;
	broadcast_plan_init(&p, DAY0 + 9 * H, DAY0, 60, 22 * 60, 8 * 60, 1,
	    limits, sent);
	for (i = 0; i < 1000; i++)
		t = broadcast_next(&p);
	/* 60 on day 0, then 100 a day: the thousandth on day 10 */
	assert_int_equal((t - DAY0) / D, 10);
	assert_true((t - DAY0) % D >= 8 * H);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_promises),
		cmocka_unit_test(test_days),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
