/*
 * broadcast: the spreading schedule of a broadcast's SMS
 * (include/broadcast.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "broadcast.h"
#include "quiet.h"

#define BROADCAST_DAY 86400

int
broadcast_gap(int rate)
{
	return rate >= 1 && rate <= 60 ? (60 + rate - 1) / rate : 60;
}

void
broadcast_plan_init(struct broadcast_plan *p, int64_t start,
    int64_t day_start, int rate, int quiet_from, int quiet_to,
    size_t nmodems, const int *limits, const int *sent)
{
	size_t i;

	p->day_start = day_start <= start ? day_start : start;
	p->gap = broadcast_gap(rate);
	p->quiet_from = quiet_from;
	p->quiet_to = quiet_to;
	p->nmodems = nmodems == 0 ? 1 : nmodems > BROADCAST_MODEMS_MAX ?
	    BROADCAST_MODEMS_MAX : nmodems;
	for (i = 0; i < p->nmodems; i++) {
		struct broadcast_modem *m = &p->modems[i];

		m->limit = i < nmodems && limits[i] > 0 ? limits[i] : 0;
		m->room = m->limit - (i < nmodems && sent[i] > 0 ? sent[i] : 0);
		m->next = start;
		m->day = 0;
	}
}

/*
 * The soonest second at or after m->next that modem m may send, with the
 * day and the room it would have then in *day and *room. At most a few
 * rounds: each moves past a quiet window or to a new day, and a new day
 * brings a full limit.
 */
static int64_t
broadcast_fit(const struct broadcast_plan *p, const struct broadcast_modem *m,
    int64_t *day, int *room)
{
	int64_t t = m->next, d, sec;

	*day = m->day;
	*room = m->room;
	for (;;) {
		d = (t - p->day_start) / BROADCAST_DAY;
		sec = (t - p->day_start) % BROADCAST_DAY;
		if (d > *day) {
			*day = d;
			*room = m->limit;
		}
		if (m->limit > 0 && *room <= 0) {
			t = p->day_start + (d + 1) * BROADCAST_DAY;
			continue;
		}
		if (quiet_minute(p->quiet_from, p->quiet_to, (int)(sec / 60))) {
			/* to the end of the window: today's, or tomorrow's
			 * when it began yesterday evening and ends later */
			t = p->day_start + d * BROADCAST_DAY +
			    (int64_t)p->quiet_to * 60;
			if ((int64_t)p->quiet_to * 60 <= sec)
				t += BROADCAST_DAY;
			continue;
		}
		return t;
	}
}

int64_t
broadcast_next(struct broadcast_plan *p)
{
	int64_t t, best = INT64_MAX, day, best_day = 0;
	int room, best_room = 0;
	size_t i, pick = 0;

	for (i = 0; i < p->nmodems; i++) {
		t = broadcast_fit(p, &p->modems[i], &day, &room);
		if (t < best) {
			best = t;
			best_day = day;
			best_room = room;
			pick = i;
		}
	}
	p->modems[pick].day = best_day;
	p->modems[pick].room = best_room - 1;
	p->modems[pick].next = best + p->gap;
	return best;
}
