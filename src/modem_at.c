/*
 * modem_at: one AT command of our own on a serial line (see modem_at.h).
 *
 * An answer, as 27.005 and 27.007 give it with echo on: the echo of the
 * command, then information lines ("+CMGR: <stat>,[<alpha>],<length>" and
 * the PDU on the next line), then the final result: OK, ERROR, +CMS ERROR:
 * <n> or +CME ERROR: <n>. Unsolicited lines may come before any of these
 * (a SIM800 holds them while it executes a command, others do not).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "modem_at.h"

#define MODEM_AT_LINE_MAX (MODEM_AT_PDU_MAX + 64)

static int64_t
modem_at_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits until fd is ready for events, at most until deadline. Returns 1,
 * or 0 on timeout or when the line hung up or failed.
 */
static int
modem_at_ready(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int r;

	for (;;) {
		if ((left = deadline - modem_at_now_ms()) <= 0)
			return 0;
		r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno != EINTR)
			return 0;
		if (r > 0)
			return (p.revents & events) != 0;
	}
}

static int
modem_at_write(int fd, const char *s, size_t len, int64_t deadline)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n < 0) {
			if (!modem_at_ready(fd, POLLOUT, deadline))
				return -1;
			continue;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Reads one non-empty line (without its CR/LF) into line, cut to len - 1
 * bytes (*cut set then). Returns its length, or -1 on timeout or when the
 * line failed.
 */
static int
modem_at_line(int fd, char *line, size_t len, int *cut, int64_t deadline)
{
	unsigned char c;
	size_t n = 0;
	ssize_t r;

	*cut = 0;
	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (!modem_at_ready(fd, POLLIN, deadline))
				return -1;
			continue;
		}
		if (r <= 0)
			return -1;      /* EOF or EIO: the device went away */
		if (c == '\r' || c == '\n') {
			if (n == 0)
				continue;
			line[n] = '\0';
			return (int)n;
		}
		if (n + 1 < len)
			line[n++] = (char)c;
		else
			*cut = 1;
	}
}

/* Copies src into out (outlen bytes), cut to fit. */
static void
modem_at_copy(char *out, size_t outlen, const char *src)
{
	size_t n = strlen(src);

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, src, n);
	out[n] = '\0';
}

static int
modem_at_prefix(const char *line, const char *prefix)
{
	return strncmp(line, prefix, strlen(prefix)) == 0;
}

/* 1 when line is a final result: what and whether it is an error. */
static int
modem_at_final(const char *line, int *refused)
{
	*refused = 1;
	if (strcmp(line, "OK") == 0) {
		*refused = 0;
		return 1;
	}
	return strcmp(line, "ERROR") == 0 ||
	    modem_at_prefix(line, "+CMS ERROR:") ||
	    modem_at_prefix(line, "+CME ERROR:");
}

/* <stat> of "+CMGR: <stat>,..."; -1 when it is not a number. */
static int
modem_at_stat(const char *line)
{
	const char *p = line + strlen("+CMGR:");
	char *end;
	long v;

	while (*p == ' ')
		p++;
	v = strtol(p, &end, 10);
	if (end == p || v < 0 || v > 3)
		return -1;
	return (int)v;
}

/*
 * 1 when line is one a SIM800-class modem prints as it starts (27.007's
 * +CFUN and +CPIN as unsolicited codes, SIMCom's RDY, Call Ready and SMS
 * Ready), unless it is the answer to cmd (AT+CFUN?, AT+CPIN?; cmd may be
 * ""); sets *ready for "SMS Ready", the last of them.
 */
static int
modem_at_boot(const char *line, const char *cmd, int *ready)
{
	if (strcmp(line, "SMS Ready") == 0) {
		*ready = 1;
		return 1;
	}
	if (strcmp(line, "RDY") == 0 || strcmp(line, "Call Ready") == 0)
		return 1;
	if (strcmp(line, "+CFUN: 1") == 0)
		return strncmp(cmd, "AT+CFUN", 7) != 0;
	if (strcmp(line, "+CPIN: READY") == 0)
		return strncmp(cmd, "AT+CPIN", 7) != 0;
	return 0;
}

/* Counts line into rep when it is a notice or a boot line: 1 then. */
static int
modem_at_note(const char *line, const char *cmd, struct modem_at_reply *rep)
{
	if (modem_at_prefix(line, "+CMTI:") || modem_at_prefix(line, "+CDSI:")) {
		rep->notices++;
		return 1;
	}
	if (modem_at_boot(line, cmd, &rep->ready)) {
		rep->boot++;
		return 1;
	}
	return 0;
}

/* Where a listing's records go (modem_at_list), or none. */
struct modem_at_listing {
	modem_at_record_cb cb;
	void *arg;
	int index;               /* of the +CMGL: line just read, else -1 */
	int stat;
};

/* index and stat of "+CMGL: <index>,<stat>,..." into l; 0, or -1 when
 * they are not numbers. */
static int
modem_at_cmgl(const char *line, struct modem_at_listing *l)
{
	return sscanf(line, "+CMGL: %d,%d", &l->index, &l->stat) == 2 &&
	    l->index >= 0 ? 0 : -1;
}

/* Reads lines until a final result (see modem_at_command). cmd is what
 * was sent, "" when the caller wrote it itself; list, when not NULL,
 * takes each record a listing names. */
static int
modem_at_read_answer(int fd, const char *cmd, int64_t deadline,
    struct modem_at_reply *rep, struct modem_at_listing *list)
{
	char line[MODEM_AT_LINE_MAX + 1];
	int cut, refused, want_pdu = 0;

	for (;;) {
		if (modem_at_line(fd, line, sizeof(line), &cut,
		    deadline) < 0)
			return MODEM_AT_FAILED;
		/* no PDU reads as a final result: test that first, so that
		 * a +CMGR: without a PDU line ("+CMGR: 0,,0" of an empty
		 * slot on some modems) does not take the OK for one */
		if (modem_at_final(line, &refused)) {
			modem_at_copy(rep->final, sizeof(rep->final), line);
			return refused ? MODEM_AT_REFUSED : MODEM_AT_OK;
		}
		if (want_pdu) {         /* the line after +CMGR: */
			want_pdu = 0;
			if (!cut && strlen(line) <= MODEM_AT_PDU_MAX)
				modem_at_copy(rep->pdu, sizeof(rep->pdu), line);
			continue;
		}
		if (list != NULL && list->index >= 0) { /* after +CMGL: */
			list->cb(list->arg, list->index, list->stat, !cut &&
			    strlen(line) <= MODEM_AT_PDU_MAX ? line : "");
			list->index = -1;
			continue;
		}
		if (list != NULL && modem_at_prefix(line, "+CMGL:")) {
			if (modem_at_cmgl(line, list) == -1)
				list->index = -1;
			continue;
		}
		if (modem_at_note(line, cmd, rep)) {
			/* restarted: what was asked is forgotten */
			if (rep->boot > 0 && cmd[0] == '\0')
				return MODEM_AT_FAILED;
			continue;
		}
		if (modem_at_prefix(line, "+CMGR:")) {
			rep->stat = modem_at_stat(line);
			want_pdu = 1;
		}
		/* the echo: the command, or the PDU and its Ctrl-Z */
		if (strcmp(line, cmd) == 0 || (cmd[0] == '\0' &&
		    strchr(line, 0x1a) != NULL))
			continue;
		if (rep->info[0] == '\0')
			modem_at_copy(rep->info, sizeof(rep->info), line);
	}
}

/* Writes cmd and reads its answer (see modem_at_command). */
static int
modem_at_exchange(int fd, const char *cmd, int timeout_ms,
    struct modem_at_reply *rep, struct modem_at_listing *list)
{
	char req[128];
	int64_t deadline = modem_at_now_ms() + timeout_ms;
	int n;

	memset(rep, 0, sizeof(*rep));
	rep->stat = -1;
	n = snprintf(req, sizeof(req), "%s\r", cmd);
	if (fd < 0 || n < 0 || (size_t)n >= sizeof(req) ||
	    modem_at_write(fd, req, (size_t)n, deadline) == -1)
		return MODEM_AT_FAILED;
	return modem_at_read_answer(fd, cmd, deadline, rep, list);
}

int
modem_at_command(int fd, const char *cmd, int timeout_ms,
    struct modem_at_reply *rep)
{
	return modem_at_exchange(fd, cmd, timeout_ms, rep, NULL);
}

int
modem_at_list(int fd, const char *cmd, int timeout_ms,
    modem_at_record_cb cb, void *arg, struct modem_at_reply *rep)
{
	struct modem_at_listing list = { cb, arg, -1, -1 };

	return modem_at_exchange(fd, cmd, timeout_ms, rep, &list);
}

int
modem_at_answer(int fd, int timeout_ms, struct modem_at_reply *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->stat = -1;
	if (fd < 0)
		return MODEM_AT_FAILED;
	return modem_at_read_answer(fd, "", modem_at_now_ms() + timeout_ms,
	    rep, NULL);
}

int
modem_at_unsolicited(int fd, struct modem_at_lines *lines,
    struct modem_at_reply *rep)
{
	unsigned char c;
	ssize_t r;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (r <= 0)
			return -1;
		if (c != '\r' && c != '\n') {
			if (lines->n + 1 < sizeof(lines->buf))
				lines->buf[lines->n++] = (char)c;
			continue;
		}
		if (lines->n == 0)
			continue;
		lines->buf[lines->n] = '\0';
		lines->n = 0;
		(void)modem_at_note(lines->buf, "", rep);
	}
}
