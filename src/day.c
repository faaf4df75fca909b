/*
 * day: "YYYY-MM-DD" read and written in one place (include/day.h).
 *
 * strptime() takes the fields, then the round trip decides: the fields,
 * normalised by timegm() and written back, must give the text as it was.
 * That one comparison refuses what strptime() forgives (leading blanks,
 * "2026-1-5", signs) and the days that do not exist (2026-02-30 comes
 * back as 2026-03-02); the length, the years before 1000.
 */
#define _XOPEN_SOURCE 700        /* strptime() */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "day.h"

/* The calendar fields of s at midnight into *tm (tm_isdst -1, for
 * mktime()). Returns 0, or -1 when s is not a day. */
static int
day_tm(const char *s, struct tm *tm)
{
	struct tm back;
	char again[DAY_LEN + 8];
	const char *end;
	time_t t;

	/* Ten characters: strftime() writes the year 26 as "26". */
	if (s == NULL || strlen(s) != DAY_LEN - 1)
		return -1;
	memset(tm, 0, sizeof(*tm));
	if ((end = strptime(s, "%Y-%m-%d", tm)) == NULL || *end != '\0')
		return -1;
	back = *tm;
	if ((t = timegm(&back)) == (time_t)-1 ||
	    gmtime_r(&t, &back) == NULL ||
	    strftime(again, sizeof(again), "%Y-%m-%d", &back) == 0 ||
	    strcmp(again, s) != 0)
		return -1;
	tm->tm_hour = tm->tm_min = tm->tm_sec = 0;
	tm->tm_isdst = -1;
	return 0;
}

int
day_parse(const char *s, int *year, int *month, int *mday)
{
	struct tm tm;

	if (day_tm(s, &tm) == -1)
		return -1;
	if (year != NULL)
		*year = tm.tm_year + 1900;
	if (month != NULL)
		*month = tm.tm_mon + 1;
	if (mday != NULL)
		*mday = tm.tm_mday;
	return 0;
}

int
day_start(const char *s, int after, int64_t *t)
{
	struct tm tm;
	time_t start;

	if (day_tm(s, &tm) == -1)
		return -1;
	tm.tm_mday += after;
	if ((start = mktime(&tm)) == (time_t)-1)
		return -1;
	*t = (int64_t)start;
	return 0;
}

long
day_number(const char *s)
{
	struct tm tm;

	if (day_tm(s, &tm) == -1)
		return -1;
	return (long)(timegm(&tm) / 86400);
}

const char *
day_format(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(out, outlen, "%Y-%m-%d", &tm) == 0)
		snprintf(out, outlen, "-");
	return out;
}

int64_t
day_midnight(int64_t t)
{
	time_t tt = (time_t)t, start;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return t;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	if ((start = mktime(&tm)) == (time_t)-1)
		return t;
	return (int64_t)start;
}
