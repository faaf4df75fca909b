/*
 * gateway_poll: when the gateway looks at the SIM, as pure functions of
 * what it saw, so that the schedule can be tested without a modem.
 *
 * A full read of the SIM costs a listing; a count (AT+CPMS?) costs one
 * short command. The gateway reads when a notice (+CMTI) says a message
 * came, and counts after every send and after every interval without a
 * notice: a count above what the last read left on the SIM means a
 * message came whose notice was lost, and it is read at once. When a
 * read shows that messages came unannounced, notices are unreliable on
 * this modem (some drop them while a command runs, or after a restart):
 * it is counted every GW_POLL_FAST seconds until GW_POLL_PROOF notices in
 * a row came with nothing unannounced between them. Modems whose notices
 * work stay quiet: one count per interval.
 */
#ifndef SHUKHER_GATEWAY_POLL_H
#define SHUKHER_GATEWAY_POLL_H

#define GW_POLL_FAST  3          /* seconds between counts while polling */
#define GW_POLL_PROOF 3          /* notices in a row that prove them again */

struct gateway_poll {
	int left;                /* records the last read left on the SIM;
	                            -1 unknown (read when any is there) */
	int hidden;              /* ... of which a read does not pass on
	                            (filed to send; undecodable, no line) */
	int polling;             /* notices proved unreliable */
	int proof;               /* notices in a row since the last
	                            unannounced message */
	int unannounced;         /* the read due was asked by a count ... */
	int counted;             /* ... that found this many records */
};

/* What a change of mode is, for the caller to log once. */
enum gateway_poll_switch {
	GW_POLL_SAME = 0,
	GW_POLL_ON,              /* notices unreliable: polling from now */
	GW_POLL_OFF,             /* notices proved again: quiet */
};

/* A fresh modem (opened or reopened): nothing known. */
void gateway_poll_init(struct gateway_poll *p);

/* Seconds until the next count: interval (the configured poll_interval)
 * while notices work, GW_POLL_FAST (or less) while polling. */
int gateway_poll_every(const struct gateway_poll *p, int interval);

/* A count found n records, noticed saying whether a notice came since the
 * last wait. Returns 1 when the SIM is to be read now. */
int gateway_poll_counted(struct gateway_poll *p, int n, int noticed);

/* A notice came (the read it asks for is the caller's). */
enum gateway_poll_switch gateway_poll_notice(struct gateway_poll *p);

/* A read passed found records to the gateway and left records on the
 * SIM (passed but not deleted), or failed (found < 0: nothing known). */
enum gateway_poll_switch gateway_poll_read(struct gateway_poll *p,
    int found, int left);

#endif
