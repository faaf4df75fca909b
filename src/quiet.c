/*
 * quiet: quiet_hours, read and asked. See include/quiet.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libconfig.h>

#include "conf.h"
#include "conf_int.h"
#include "quiet.h"

/* "HH:MM" into minutes after midnight. Returns 0 or -1. */
static int
quiet_clock(const char *s, int *min)
{
	int h, m, n = 0;

	if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5 || h < 0 ||
	    h > 23 || m < 0 || m > 59)
		return -1;
	*min = h * 60 + m;
	return 0;
}

int
conf_quiet_parse(const char *s, int *from, int *to)
{
	char a[8], b[8];

	if (strlen(s) != 11 || s[5] != '-')
		return -1;
	memcpy(a, s, 5);
	a[5] = '\0';
	memcpy(b, s + 6, 5);
	b[5] = '\0';
	if (quiet_clock(a, from) == -1 || quiet_clock(b, to) == -1)
		return -1;
	return 0;
}

int
conf_quiet_read(const struct conf_ctx *ctx, const config_setting_t *root,
    struct conf_campaign *out)
{
	const config_setting_t *s;
	char *v = NULL;
	int rc;

	out->quiet_from = out->quiet_to = 0;
	if ((s = config_setting_get_member(root, "quiet_hours")) == NULL)
		return 0;
	if (conf_str(ctx, root, "quiet_hours", 0, &v) == -1)
		return -1;
	rc = v[0] == '\0' ? 0 : conf_quiet_parse(v, &out->quiet_from,
	    &out->quiet_to);
	free(v);
	if (rc == -1)
		return conf_fail(ctx, s, "quiet_hours: expected \"HH:MM-HH:MM\" "
		    "(\"22:00-08:00\"), or \"\" for none");
	return 0;
}

int
quiet_hours_now(const struct conf *conf, time_t now)
{
	int from = conf->campaign.quiet_from, to = conf->campaign.quiet_to;
	struct tm tm;
	int min;

	if (from == to || localtime_r(&now, &tm) == NULL)
		return 0;
	min = tm.tm_hour * 60 + tm.tm_min;
	if (from < to)
		return min >= from && min < to;
	return min >= from || min < to;   /* past midnight */
}
