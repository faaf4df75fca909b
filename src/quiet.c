/*
 * quiet: whether now is in the configured quiet hours (include/quiet.h).
 */
#include <time.h>

#include "conf.h"
#include "quiet.h"

int
quiet_minute(int from, int to, int minute)
{
	if (from < 0 || to < 0 || from == to)
		return 0;
	if (from < to)
		return minute >= from && minute < to;
	return minute >= from || minute < to;
}

int
quiet_hours_now(const struct conf *conf, time_t now)
{
	struct tm tm;

	if (conf->health.quiet_from < 0 || localtime_r(&now, &tm) == NULL)
		return 0;
	return quiet_minute(conf->health.quiet_from, conf->health.quiet_to,
	    tm.tm_hour * 60 + tm.tm_min);
}
