/*
 * day: a calendar day written "YYYY-MM-DD", the one form shukher reads
 * days in (shukherctl --since/--until, the console's date fields, the
 * statistics table, web.campaign_start) and writes them in.
 *
 * Exactly that shape (ISO 8601, whatever a browser's locale shows), and a
 * day that exists: 2026-02-30 is refused, not carried into March. Local
 * time is the device's (TZ), as for everything a caseworker reads.
 */
#ifndef SHUKHER_DAY_H
#define SHUKHER_DAY_H

#include <stddef.h>
#include <stdint.h>

/* Room for "YYYY-MM-DD" and its NUL. */
#define DAY_LEN 11

/*
 * Whether s is a day: 0, with *year (2026), *month (1-12) and *mday (1-31)
 * set when they are not NULL, or -1.
 */
int day_parse(const char *s, int *year, int *month, int *mday);

/*
 * The local midnight that starts day s plus after days (after 1: the end
 * of day s) into *t. Returns 0, or -1 when s is not a day.
 */
int day_start(const char *s, int after, int64_t *t);

/* Days from 1970-01-01 to day s in the calendar alone (no time zone), or
 * -1 when s is not a day. */
long day_number(const char *s);

/* The local day of time t into out (DAY_LEN bytes or more); "-" when it
 * cannot be told. Returns out. */
const char *day_format(int64_t t, char *out, size_t outlen);

/* The local midnight that began the day of time t (t itself when it
 * cannot be told): where a "per day" count starts. */
int64_t day_midnight(int64_t t);

#endif
