/*
 * modem_gammu_line: the serial line between libgammu's calls, where
 * libgammu talks over a descriptor of its own (m->fd).
 *
 * libgammu 1.42 processes unsolicited lines only inside its own calls and
 * knows none that a SIM800-class modem prints when it restarts (RDY,
 * +CFUN: 1, +CPIN: READY, Call Ready, SMS Ready: its supply dips during a
 * transmission): they stay in its buffer and the next answer is misread.
 * So between calls we read the line ourselves (wait()): new-message
 * notices set m->incoming, as libgammu's callback would; boot lines mean
 * the modem restarted with its settings at defaults (notices off, echo
 * on), and only a reopen re-initialises it. The same lines met in an
 * answer to a command of our own (modem_gammu_at) or in a send's status
 * (modem_gammu_send.c) count alike. A restart announced is waited out
 * until "SMS Ready" (at most MODEM_GAMMU_BOOT_MS), so that the reopen
 * finds a modem that answers SMS commands.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modem_gammu_int.h"

#define MODEM_GAMMU_BOOT_MS 20000   /* a SIM800 says SMS Ready in ~10 s */

/* Takes in what rep saw: notices for wait(), a restart for everyone. */
void
modem_gammu_note(struct modem_gammu *m, const struct modem_at_reply *rep)
{
	if (rep->notices > 0)
		m->incoming = 1;
	if ((rep->boot > 0 || rep->ready) && m->boot_at == 0)
		m->boot_at = modem_gammu_now_ms();
	if (rep->ready)
		m->ready = 1;
}

/*
 * Sleeps in poll() until the line has bytes or until deadline (monotonic
 * ms). 1 readable; 0 at the deadline or on a signal (*signalled set);
 * -1 when the line hung up or failed.
 */
static int
modem_gammu_line_ready(struct modem_gammu *m, int64_t deadline,
    int *signalled)
{
	struct pollfd p = { .fd = m->fd, .events = POLLIN };
	int64_t left = deadline - modem_gammu_now_ms();
	int r;

	r = poll(&p, 1, left > 0 ? (int)(left > 60000 ? 60000 : left) : 0);
	if (r < 0 && errno == EINTR) {
		*signalled = 1;
		return 0;
	}
	if (r < 0 || (r > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL))))
		return -1;
	return r > 0;
}

/* Reads what the line has now into the handle's state. 0, or -1 when the
 * line failed. */
static int
modem_gammu_line_read(struct modem_gammu *m)
{
	struct modem_at_reply rep;

	memset(&rep, 0, sizeof(rep));
	if (modem_at_unsolicited(m->fd, &m->urc, &rep) == -1)
		return -1;
	modem_gammu_note(m, &rep);
	return 0;
}

/*
 * The modem restarted (m->boot_at set): waits until it says SMS Ready, at
 * most MODEM_GAMMU_BOOT_MS after its first boot line, then kills the
 * handle. Always returns -1, with err saying why a reopen is needed.
 */
int
modem_gammu_restarted(struct modem_gammu *m, char *err, size_t errlen)
{
	int64_t end = m->boot_at + MODEM_GAMMU_BOOT_MS;
	int signalled = 0, r;

	while (!m->ready && !signalled && (r = modem_gammu_line_ready(m, end,
	    &signalled)) == 1 && modem_gammu_line_read(m) == 0)
		;
	modem_gammu_kill(m);
	modem_gammu_err(err, errlen, "%s: it restarted (%s)", MODEM_ERR_REOPEN,
	    m->ready ? "ready again" : "not ready yet");
	return -1;
}

/*
 * wait() on our own descriptor: sleeps in poll() until the modem says
 * something, reads it, and returns 1 on a notice, 0 at timeout_ms or on
 * a signal, -1 when the line failed, -2 when the modem restarted (after
 * waiting, past timeout_ms, for its SMS Ready). A signal during that
 * wait returns 0; the next wait() goes on with it.
 */
int
modem_gammu_wait_line(struct modem_gammu *m, int timeout_ms)
{
	int64_t end = modem_gammu_now_ms() + timeout_ms;
	int signalled = 0, r;

	for (;;) {
		if (m->boot_at != 0) {
			if (m->ready || modem_gammu_now_ms() >=
			    m->boot_at + MODEM_GAMMU_BOOT_MS) {
				(void)modem_gammu_restarted(m, NULL, 0);
				return -2;
			}
			end = m->boot_at + MODEM_GAMMU_BOOT_MS;
		} else if (m->incoming) {
			m->incoming = 0;
			return 1;
		}
		if (signalled)
			return 0;
		if ((r = modem_gammu_line_ready(m, end, &signalled)) == -1)
			return -1;
		if (r == 0 && signalled)
			return 0;
		if (r == 0 && m->boot_at == 0)
			return 0;
		if (r == 1 && modem_gammu_line_read(m) == -1)
			return -1;
	}
}

/* The used count of "+CPMS: "SM",<used>,<total>,...", or -1. */
static int
modem_gammu_cpms_used(const char *line)
{
	const char *p;
	char *end;
	long v;

	if (strncmp(line, "+CPMS:", 6) != 0 || (p = strchr(line, ',')) == NULL)
		return -1;
	v = strtol(p + 1, &end, 10);
	return end == p + 1 || v < 0 || v > 100000 ? -1 : (int)v;
}

/*
 * modem_ops.count: one AT+CPMS? of our own where we have the line (it
 * names the memories libgammu selected: the first is the one read), else
 * libgammu's GSM_GetSMSStatus. See modem.h. A notice pending (one came
 * while a message was sent) makes the read due anyway: then nothing is
 * asked, and the count is 0.
 */
int
modem_gammu_count(void *modem, int *noticed, char *err, size_t errlen)
{
	struct modem_gammu *m = modem;
	struct modem_at_reply rep;
	GSM_SMSMemoryStatus st;
	GSM_Error e;
	int n, r;

	*noticed = 0;
	if (m->incoming) {              /* read anyway: no need to ask */
		m->incoming = 0;
		*noticed = 1;
		return 0;
	}
	if (m->fd >= 0) {
		r = modem_gammu_at(m, "AT+CPMS?", &rep, err, errlen);
		if (r != MODEM_AT_OK)
			return -1;
		if ((n = modem_gammu_cpms_used(rep.info)) < 0) {
			modem_gammu_err(err, errlen, "AT+CPMS?: an answer that "
			    "does not fit");
			return -1;
		}
	} else {
		memset(&st, 0, sizeof(st));
		if (modem_gammu_arm(m, m->timeout, err, errlen) == -1)
			return -1;
		e = GSM_GetSMSStatus(m->sm, &st);
		if (modem_gammu_disarm(m, err, errlen) == -1)
			return -1;
		if (e != ERR_NONE) {
			modem_gammu_gerr(err, errlen, "counting SMS", e);
			return -1;
		}
		n = st.SIMUsed + st.PhoneUsed;
	}
	*noticed = m->incoming;
	m->incoming = 0;
	return n;
}

/*
 * Where notices were asked for and we have the line: checks with AT+CNMI?
 * that they still are on. A modem whose <mode> or <mt> is back at 0 has
 * restarted unseen (or forgot): only a reopen re-initialises it. 0 when
 * they are on (or cannot be told), -1 and err (MODEM_ERR_REOPEN) when not,
 * or when the modem failed.
 */
int
modem_gammu_notices_on(struct modem_gammu *m, char *err, size_t errlen)
{
	struct modem_at_reply rep;
	int mode = -1, mt = -1, r;

	if (m->fd < 0 || !m->notices)
		return 0;
	r = modem_gammu_at(m, "AT+CNMI?", &rep, err, errlen);
	if (r == MODEM_AT_FAILED)
		return -1;
	if (r != MODEM_AT_OK || sscanf(rep.info, "+CNMI: %d,%d", &mode,
	    &mt) != 2)
		return 0;
	if (mode != 0 && mt != 0)
		return 0;
	modem_gammu_kill(m);
	modem_gammu_err(err, errlen, "%s: new-message notices found off "
	    "(restarted unseen?)", MODEM_ERR_REOPEN);
	return -1;
}
