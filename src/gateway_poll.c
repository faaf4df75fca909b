/*
 * gateway_poll: when the gateway looks at the SIM (see gateway_poll.h).
 * Pure: no modem, no clock, no log.
 */
#include <string.h>

#include "gateway_poll.h"

void
gateway_poll_init(struct gateway_poll *p)
{
	int polling = p->polling;

	memset(p, 0, sizeof(*p));
	p->left = -1;
	/* a modem that lost notices may lose them again after a reopen:
	 * what was proved of it stands until notices prove it wrong */
	p->polling = polling;
}

int
gateway_poll_every(const struct gateway_poll *p, int interval)
{
	if (interval < 1)
		interval = 1;
	return p->polling && interval > GW_POLL_FAST ? GW_POLL_FAST : interval;
}

int
gateway_poll_counted(struct gateway_poll *p, int n, int noticed)
{
	if (noticed)
		return 1;               /* announced: read as a notice asks */
	if (n <= 0 || (p->left >= 0 && n <= p->left)) {
		if (n >= 0 && n < p->left) {
			p->left = n;    /* someone emptied the SIM meanwhile */
			if (p->hidden > n)
				p->hidden = n;
		}
		return 0;
	}
	p->unannounced = 1;
	p->counted = n;
	return 1;
}

enum gateway_poll_switch
gateway_poll_notice(struct gateway_poll *p)
{
	if (!p->polling)
		return GW_POLL_SAME;
	if (++p->proof < GW_POLL_PROOF)
		return GW_POLL_SAME;
	p->polling = 0;
	p->proof = 0;
	return GW_POLL_OFF;
}

enum gateway_poll_switch
gateway_poll_read(struct gateway_poll *p, int found, int left)
{
	int before = p->left < 0 ? 0 : p->left - p->hidden;
	int unannounced = p->unannounced;

	p->unannounced = 0;
	if (found < 0) {
		p->left = -1;
		p->hidden = 0;
		return GW_POLL_SAME;
	}
	if (left < 0)
		left = 0;
	p->left = left + p->hidden;
	if (!unannounced)
		return GW_POLL_SAME;
	/* A count above what the last read left, and a read that found no
	 * more than it passed on then: records the read does not pass on
	 * are there; they are the new baseline, no message was lost. */
	if (found <= before) {
		if (p->counted > p->left) {
			p->hidden += p->counted - p->left;
			p->left = p->counted;
		}
		return GW_POLL_SAME;
	}
	p->proof = 0;
	if (p->polling)
		return GW_POLL_SAME;
	p->polling = 1;
	return GW_POLL_ON;
}
