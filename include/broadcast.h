/*
 * broadcast: when each recipient's SMS of a broadcast falls due, so that a
 * broadcast to a thousand subscribers does not make a SIM send like a
 * robot.
 *
 * The schedule gives every modem one SMS per gap seconds (60 divided by
 * the conf's broadcast_rate, SMS per minute per modem, rounded up: never
 * more than the rate in any minute) and gives each
 * recipient the soonest slot of any modem: never more than a modem's
 * daily_limit in a local day (what does not fit waits for the next
 * midnight), never in quiet hours (it waits for their end). It names a
 * time, not a modem: the rows it dates carry none, and the senders choose
 * (on-net first, src/gateway_modems.c); spread over the modems' slots,
 * no modem has more due than its rate allows. Pure: no clock, no store.
 * A day is 86400 seconds from day_start (Mongolia keeps no daylight
 * saving time).
 */
#ifndef SHUKHER_BROADCAST_H
#define SHUKHER_BROADCAST_H

#include <stddef.h>
#include <stdint.h>

#define BROADCAST_MODEMS_MAX 16  /* modems a schedule spreads over */

/* One modem, as the schedule sees it. */
struct broadcast_modem {
	int limit;               /* its daily_limit; 0: none */
	int room;                /* what it may still send on day 0 (limit
	                            minus what it sent today); ignored
	                            without a limit */
	int64_t next;            /* its next free second */
	int64_t day;             /* the day (from day_start) room counts */
};

struct broadcast_plan {
	int64_t day_start;       /* the local midnight that began day 0 */
	int gap;                 /* seconds between two SMS of one modem */
	int quiet_from, quiet_to;  /* quiet hours in minutes of the local
	                            day (quiet.h); -1: none */
	struct broadcast_modem modems[BROADCAST_MODEMS_MAX];
	size_t nmodems;
};

/*
 * A plan whose first SMS goes at start or later, day 0 beginning at
 * day_start (<= start), rate SMS per minute per modem (1..60), quiet hours
 * from and to (minutes, -1: none), and nmodems modems (at most
 * BROADCAST_MODEMS_MAX; more count as that many) of which limits[i] is the
 * daily limit (0: none) and sent[i] what was sent on day 0. Pure.
 */
void broadcast_plan_init(struct broadcast_plan *p, int64_t start,
    int64_t day_start, int rate, int quiet_from, int quiet_to,
    size_t nmodems, const int *limits, const int *sent);

/* Seconds between two SMS of one modem at rate SMS per minute (1..60;
 * else 60): 60 / rate rounded up. */
int broadcast_gap(int rate);

/*
 * When the next recipient's SMS falls due: the soonest slot of any modem
 * (the first modem on a tie), which it then takes. Pure.
 */
int64_t broadcast_next(struct broadcast_plan *p);

#endif
