/*
 * gateway_alive: how long a modem's process may be silent, and its signs
 * of life.
 *
 * No modem call runs longer than three of the modem's timeouts (an open;
 * modem_gammu.c aborts a call at its deadline), and a part of a long
 * send, or one record of a read, no longer than one. A process whose
 * modem works gives a sign of life after each call (each part sent, each
 * SMS read) and at each pass, through the hook its daemon set; a process
 * silent for failover_after and that longest call more is hung (stopped,
 * deadlocked, stuck where no deadline reaches): the other modems then
 * take its queued rows (gateway_modems.c, by its row in the database) and
 * the supervisor restarts it (shukherd.c, by its slot on the board of
 * include/beat.h). The bound is defined here once, for both.
 */
#include "gateway_int.h"

#define GW_CALL_TIMEOUTS 3       /* the longest call, an open, in timeouts */
#define GW_PART_SLACK    2       /* s a part's send may run past its timeout */

int64_t
gateway_call_max(const struct conf_modem *mc)
{
	return GW_CALL_TIMEOUTS * (int64_t)mc->timeout;
}

int64_t
gateway_send_max(const struct conf_modem *mc, int parts)
{
	int64_t t = (parts > 1 ? parts : 1) * ((int64_t)mc->timeout +
	    GW_PART_SLACK) + mc->timeout;

	return t > gateway_call_max(mc) ? t : gateway_call_max(mc);
}

int64_t
gateway_hung_after(const struct conf *conf, const struct conf_modem *mc)
{
	return (int64_t)conf->failover_after + gateway_call_max(mc);
}

void
gateway_set_alive(struct gateway *gw, void (*alive)(void *arg), void *arg)
{
	gw->alive = alive;
	gw->alive_arg = arg;
}

void
gateway_alive(struct gateway *gw)
{
	if (gw->alive != NULL)
		gw->alive(gw->alive_arg);
}

void
gateway_lost_since(struct gateway *gw, int64_t since)
{
	if (gw->modem != NULL || since <= 0)
		return;
	gw->lost_since = since;
	gateway_down(gw, since);
}
