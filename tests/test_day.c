/*
 * test_day: "YYYY-MM-DD" as shukher reads it everywhere (shukherctl
 * --since/--until, the console's date fields, web.campaign_start, the
 * statistics chart): that shape only, a day that exists, local midnight.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "day.h"

static const char *const good[] = { "2026-11-30", "2026-01-01",
    "2028-02-29", "2000-02-29", "1999-12-31", "1970-01-01", "2038-01-19",
    "2100-12-31", NULL };
/* The browser's US form, other orders and separators, days that do not
 * exist, short fields, spaces, signs, junk around it, other digits. */
static const char *const bad[] = { "11/30/2026", "30.11.2026",
    "2026/11/30", "2026-11-31", "2026-02-29", "2026-02-30", "2100-02-29",
    "2026-13-01", "2026-00-10", "2026-11-00", "2026-1-05", "2026-01-5",
    "26-11-30", " 2026-11-30", "2026-11-30 ", "2026-11-30x", "+2026-11-3",
    "2026-+1-30", "2026-11--1", "2026- 1-30", "２０２６-11-30", "",
    "20261130", "2026-11-30T00:00", "12026-11-30", "2026-011-30", NULL };

static void
use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void
test_parse(void **state)
{
	int y, m, d, i;

	(void)state;
	for (i = 0; good[i] != NULL; i++) {
		if (day_parse(good[i], &y, &m, &d) != 0)
			fail_msg("refused: %s", good[i]);
		assert_int_equal(y, atoi(good[i]));
		assert_int_equal(m, atoi(good[i] + 5));
		assert_int_equal(d, atoi(good[i] + 8));
		assert_int_equal(day_parse(good[i], NULL, NULL, NULL), 0);
	}
	for (i = 0; bad[i] != NULL; i++)
		if (day_parse(bad[i], &y, &m, &d) != -1)
			fail_msg("accepted: \"%s\"", bad[i]);
	assert_int_equal(day_parse(NULL, NULL, NULL, NULL), -1);
}

/* Local midnight, in Ulaanbaatar and in zones with summer time, and the
 * midnight after (the end of an --until day). */
static void
test_start(void **state)
{
	static const char *const zones[] = { "<+08>-8", "UTC0",
	    "EST5EDT,M3.2.0,M11.1.0", "<-0330>3:30", NULL };
	struct tm tm;
	int64_t start, end;
	time_t t;
	int i, z;

	(void)state;
	for (z = 0; zones[z] != NULL; z++) {
		use_tz(zones[z]);
		for (i = 0; good[i] != NULL; i++) {
			if (day_start(good[i], 0, &start) != 0)
				fail_msg("%s: refused: %s", zones[z], good[i]);
			t = (time_t)start;
			assert_non_null(localtime_r(&t, &tm));
			assert_int_equal(tm.tm_hour, 0);
			assert_int_equal(tm.tm_min, 0);
			assert_int_equal(tm.tm_year + 1900, atoi(good[i]));
			assert_int_equal(tm.tm_mon + 1, atoi(good[i] + 5));
			assert_int_equal(tm.tm_mday, atoi(good[i] + 8));
			assert_int_equal(day_start(good[i], 1, &end), 0);
			/* A day lasts 23 to 25 hours where clocks change. */
			assert_true(end - start >= 23 * 3600 &&
			    end - start <= 25 * 3600);
			t = (time_t)end;
			assert_non_null(localtime_r(&t, &tm));
			assert_int_equal(tm.tm_hour, 0);
		}
		for (i = 0; bad[i] != NULL; i++)
			if (day_start(bad[i], 0, &start) != -1)
				fail_msg("accepted: \"%s\"", bad[i]);
	}
	/* The night clocks go forward in New York is 23 hours long. */
	use_tz("EST5EDT,M3.2.0,M11.1.0");
	assert_int_equal(day_start("2026-03-08", 0, &start), 0);
	assert_int_equal(day_start("2026-03-08", 1, &end), 0);
	assert_int_equal(end - start, 23 * 3600);
	/* The end of the year runs into the next. */
	use_tz("<+08>-8");
	assert_int_equal(day_start("2026-12-31", 1, &end), 0);
	assert_int_equal(day_start("2027-01-01", 0, &start), 0);
	assert_int_equal(start, end);
	use_tz("UTC0");
}

/* The calendar's day count, the same in every zone. */
static void
test_number(void **state)
{
	static const char *const zones[] = { "<+08>-8", "UTC0", "<-10>10",
	    NULL };
	int i, z;

	(void)state;
	for (z = 0; zones[z] != NULL; z++) {
		use_tz(zones[z]);
		assert_int_equal(day_number("1970-01-01"), 0);
		assert_int_equal(day_number("1970-01-02"), 1);
		assert_int_equal(day_number("2026-11-30"), 20787);
		assert_int_equal(day_number("2028-03-01") -
		    day_number("2028-02-28"), 2);
		assert_int_equal(day_number("2027-01-01") -
		    day_number("2026-01-01"), 365);
		for (i = 0; bad[i] != NULL; i++)
			assert_int_equal(day_number(bad[i]), -1);
	}
	use_tz("UTC0");
}

/* What day_format() writes, day_parse() reads back as the same day. */
static void
test_format(void **state)
{
	char out[DAY_LEN], tiny[4];
	int64_t start;
	int i;

	(void)state;
	use_tz("<+08>-8");
	/* 2026-11-29T20:00:00Z is already the 30th in Ulaanbaatar. */
	assert_string_equal(day_format(1795982400, out, sizeof(out)),
	    "2026-11-30");
	for (i = 0; good[i] != NULL; i++) {
		assert_int_equal(day_start(good[i], 0, &start), 0);
		assert_string_equal(day_format(start + 12 * 3600, out,
		    sizeof(out)), good[i]);
	}
	assert_string_equal(day_format(0, tiny, sizeof(tiny)), "-");
	use_tz("UTC0");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
