/*
 * quiet: the hours in which nothing non-urgent is sent (quiet_hours =
 * "22:00-08:00" at the top of shukher.conf, the device's local time): a
 * message about trafficking lighting up a phone at night, where someone
 * else may see it, can put a person in danger. Replies to what a person
 * has just sent and alerts to caseworkers are not held back; series
 * messages and broadcasts wait for the morning.
 */
#ifndef SHUKHER_QUIET_H
#define SHUKHER_QUIET_H

#include <time.h>

#include "conf.h"

/* 1 when now falls within conf's quiet hours (local time), else 0 (also
 * when none are set). Pure but for the time zone. */
int quiet_hours_now(const struct conf *conf, time_t now);

#endif
