/*
 * quiet: the configured quiet hours (quiet_hours = "22:00-08:00"), when
 * nothing that can wait is sent to a person's phone: health alerts that
 * are not urgent wait for the morning; other senders of optional messages
 * may ask the same.
 */
#ifndef SHUKHER_QUIET_H
#define SHUKHER_QUIET_H

#include <time.h>

#include "conf.h"

/*
 * 1 when now falls in conf's quiet hours in local time ([from, to), past
 * midnight when from is later than to), 0 when it does not or none are
 * configured.
 */
int quiet_hours_now(const struct conf *conf, time_t now);

/* The same for a minute of the local day (0..1439) and a window in
 * minutes (from or to -1: none): the rule itself, for tests. */
int quiet_minute(int from, int to, int minute);

#endif
