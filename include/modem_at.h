/*
 * modem_at: one AT command of our own on a modem's serial line.
 *
 * libgammu has no public call that sends a command of the caller's, and
 * two things it cannot do need one: fetching the raw PDU of a record it
 * cannot decode (AT+CMGR=<n>) and deleting such a record (AT+CMGD=<n>,
 * which libgammu refuses after its own re-read fails). Between two libgammu
 * calls nothing of libgammu's is pending on its descriptor, so a short
 * exchange there is safe. It reads one byte at a time, so that it never
 * takes a byte past its own final result line from libgammu; it skips the
 * echo (ATE1) and unsolicited lines, telling the caller of new-message
 * notices (+CMTI, +CDSI) so that none is lost; it is bounded by the clock.
 * The module never logs.
 */
#ifndef SHUKHER_MODEM_AT_H
#define SHUKHER_MODEM_AT_H

#include <stddef.h>

#define MODEM_AT_PDU_MAX 512     /* hex digits of a listed record, and more */

enum modem_at_result {
	MODEM_AT_OK = 0,         /* final result OK */
	MODEM_AT_FAILED = -1,    /* no final result in time, or the line
	                            failed: the line's state is unknown */
	MODEM_AT_REFUSED = -2,   /* ERROR, +CMS ERROR or +CME ERROR: the
	                            modem is fine */
};

/* What a command answered besides its final result. */
struct modem_at_reply {
	int stat;                /* +CMGR: <stat> (0-3); -1 when no +CMGR */
	char pdu[MODEM_AT_PDU_MAX + 1]; /* the line after +CMGR:; "" none, or
	                            when it was longer than MODEM_AT_PDU_MAX */
	char final[64];          /* the final result line, cut to fit */
	int notices;             /* +CMTI and +CDSI lines seen meanwhile */
	int boot;                /* lines a modem prints when it has just
	                            restarted (RDY, +CFUN: 1, +CPIN: READY,
	                            Call Ready, SMS Ready) seen meanwhile,
	                            other than the answer to cmd itself */
	int ready;               /* "SMS Ready" was among them */
	char info[128];          /* the first information line of the answer
	                            (not the echo, a notice or a boot line),
	                            cut to fit; "" none */
};

/* Lines read between commands, kept across calls: a line may arrive in
 * two pieces. Zero it before the first call on a new line. */
struct modem_at_lines {
	char buf[160];
	size_t n;
};

/*
 * Sends cmd (without the "\r") on fd, a non-blocking serial descriptor,
 * and reads its answer until a final result, at most timeout_ms in all.
 * Fills rep. Returns an enum modem_at_result.
 */
int modem_at_command(int fd, const char *cmd, int timeout_ms,
    struct modem_at_reply *rep);

/* Called for each record a listing (AT+CMGL) names: its index, <stat>
 * and PDU in hex ("" when longer than MODEM_AT_PDU_MAX). */
typedef void (*modem_at_record_cb)(void *arg, int index, int stat,
    const char *pdu);

/* modem_at_command() for a listing: cmd (AT+CMGL=4) and cb for each
 * record it lists. */
int modem_at_list(int fd, const char *cmd, int timeout_ms,
    modem_at_record_cb cb, void *arg, struct modem_at_reply *rep);

/*
 * Reads the answer to something already written on fd (the PDU of an
 * AT+CMGS and its Ctrl-Z) until a final result, at most timeout_ms, as
 * modem_at_command() reads its own. Returns an enum modem_at_result; a
 * restart (rep->boot) seen before any final result ends the wait at once
 * with MODEM_AT_FAILED: no answer is coming.
 */
int modem_at_answer(int fd, int timeout_ms, struct modem_at_reply *rep);

/*
 * Reads what fd has now, without waiting, between commands: unsolicited
 * lines, counted into rep (notices, boot, ready; rep is not cleared), an
 * incomplete one kept in lines for the next call. Returns 0, or -1 when
 * the line failed or hung up.
 */
int modem_at_unsolicited(int fd, struct modem_at_lines *lines,
    struct modem_at_reply *rep);

#endif
