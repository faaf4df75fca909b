/*
 * test_modem_at: one AT command of our own on a serial line, against a
 * socket pair whose far end holds what a modem answered (echo on, as
 * libgammu leaves a modem). What is asserted is what libgammu would need
 * after us: nothing past our final result is taken from the line, and a
 * new-message notice that came meanwhile is reported, never lost. Then
 * what it reads besides one command's answer (issue 17): a SIM800's boot
 * lines wherever they come (between commands, inside an answer, instead
 * of a send's status), the lines between commands read in pieces, a
 * send's status, and one listing of every record.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "modem_at.h"

#define PDU_HEX "07917996090000F1040B917996090066F60000621020304050230BE8" \
    "329BFD06D1D1657919"
#define PDU_B "07917996090000F1040B917996090066F64000621020304050230BE8" \
    "329BFD06D1D1657919"

/* What a SIM800 prints as it starts, one by one. */
static const char *const boot[] = { "RDY", "+CFUN: 1", "+CPIN: READY",
    "Call Ready", "SMS Ready", NULL };

struct line {
	int host;               /* our end, non-blocking */
	int modem;              /* the far end */
};

static int
setup(void **state)
{
	static struct line l;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	l.host = sv[0];
	l.modem = sv[1];
	assert_int_equal(fcntl(l.host, F_SETFL,
	    fcntl(l.host, F_GETFL) | O_NONBLOCK), 0);
	*state = &l;
	return 0;
}

static int
teardown(void **state)
{
	struct line *l = *state;

	close(l->host);
	if (l->modem >= 0)
		close(l->modem);
	return 0;
}

static void
modem_says(struct line *l, const char *s)
{
	assert_int_equal(write(l->modem, s, strlen(s)), (ssize_t)strlen(s));
}

/* What the host sent, and what is left on the line for libgammu. */
static void
rest(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
}

static void
test_cmgr_with_echo_and_notices(void **state)
{
	struct line *l = *state;
	struct modem_at_reply rep;
	char buf[256];

	modem_says(l, "\r\n+CMTI: \"SM\",4\r\n"
	    "AT+CMGR=3\r\r\n+CMGR: 1,,36\r\n" PDU_HEX "\r\n\r\nOK\r\n"
	    "\r\n+CDSI: \"SM\",5\r\n");
	assert_int_equal(modem_at_command(l->host, "AT+CMGR=3", 2000, &rep),
	    MODEM_AT_OK);
	assert_int_equal(rep.stat, 1);
	assert_string_equal(rep.pdu, PDU_HEX);
	assert_string_equal(rep.final, "OK");
	assert_int_equal(rep.notices, 1);
	rest(l->modem, buf, sizeof(buf));
	assert_string_equal(buf, "AT+CMGR=3\r");
	/* the notice after OK is libgammu's to read */
	rest(l->host, buf, sizeof(buf));
	assert_string_equal(buf, "\n\r\n+CDSI: \"SM\",5\r\n");
}

static void
test_empty_slot_and_errors(void **state)
{
	struct line *l = *state;
	struct modem_at_reply rep;

	modem_says(l, "AT+CMGR=9\r\r\nOK\r\n");
	assert_int_equal(modem_at_command(l->host, "AT+CMGR=9", 2000, &rep),
	    MODEM_AT_OK);
	assert_int_equal(rep.stat, -1);
	assert_string_equal(rep.pdu, "");
	/* some modems say "+CMGR: 0,,0" and no PDU line for an empty slot */
	modem_says(l, "\r\n+CMGR: 0,,0\r\n\r\nOK\r\n");
	assert_int_equal(modem_at_command(l->host, "AT+CMGR=9", 2000, &rep),
	    MODEM_AT_OK);
	assert_string_equal(rep.pdu, "");
	modem_says(l, "\r\n+CMS ERROR: 321\r\n");
	assert_int_equal(modem_at_command(l->host, "AT+CMGD=9", 2000, &rep),
	    MODEM_AT_REFUSED);
	assert_string_equal(rep.final, "+CMS ERROR: 321");
	modem_says(l, "\r\n+CME ERROR: 10\r\n");
	assert_int_equal(modem_at_command(l->host, "AT+CMGD=9", 2000, &rep),
	    MODEM_AT_REFUSED);
	modem_says(l, "\r\nERROR\r\n");
	assert_int_equal(modem_at_command(l->host, "AT+CMGD=9", 2000, &rep),
	    MODEM_AT_REFUSED);
}

static void
test_overlong_pdu_line_is_not_a_pdu(void **state)
{
	struct line *l = *state;
	struct modem_at_reply rep;
	char big[MODEM_AT_PDU_MAX + 200];

	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	modem_says(l, "\r\n+CMGR: 1,,200\r\n");
	modem_says(l, big);
	modem_says(l, "\r\nOK\r\n");
	assert_int_equal(modem_at_command(l->host, "AT+CMGR=1", 2000, &rep),
	    MODEM_AT_OK);
	assert_string_equal(rep.pdu, "");
}

static void
test_silence_and_hangup_fail(void **state)
{
	struct line *l = *state;
	struct modem_at_reply rep;

	modem_says(l, "AT+CMGR=1\r\r\n+CMGR: 1,,36\r\n");
	assert_int_equal(modem_at_command(l->host, "AT+CMGR=1", 100, &rep),
	    MODEM_AT_FAILED);
	close(l->modem);
	l->modem = -1;
	assert_int_equal(modem_at_command(l->host, "AT+CMGR=1", 2000, &rep),
	    MODEM_AT_FAILED);
	assert_int_equal(modem_at_command(-1, "AT", 100, &rep),
	    MODEM_AT_FAILED);
}

/* Each boot line, alone between commands, and cut in two pieces: counted
 * once, "SMS Ready" alone sets ready; other lines are not boot lines. */
static void
test_unsolicited_boot_lines(void **state)
{
	struct line *l = *state;
	struct modem_at_lines lines;
	struct modem_at_reply rep;
	char buf[64];
	size_t half;
	int i;

	for (i = 0; boot[i] != NULL; i++) {
		memset(&lines, 0, sizeof(lines));
		memset(&rep, 0, sizeof(rep));
		snprintf(buf, sizeof(buf), "\r\n%s\r\n", boot[i]);
		half = strlen(buf) / 2;
		assert_int_equal(write(l->modem, buf, half), (ssize_t)half);
		assert_int_equal(modem_at_unsolicited(l->host, &lines, &rep),
		    0);
		assert_int_equal(rep.boot, 0);
		modem_says(l, buf + half);
		assert_int_equal(modem_at_unsolicited(l->host, &lines, &rep),
		    0);
		assert_int_equal(rep.boot, 1);
		assert_int_equal(rep.ready, strcmp(boot[i], "SMS Ready") == 0);
		assert_int_equal(rep.notices, 0);
	}
	memset(&rep, 0, sizeof(rep));
	modem_says(l, "\r\n+CMTI: \"SM\",3\r\n\r\n+CDSI: \"SM\",4\r\n"
	    "\r\nREADY\r\n\r\n+CFUN: 0\r\n\r\nRDYX\r\n\r\nSMS Ready?\r\n");
	assert_int_equal(modem_at_unsolicited(l->host, &lines, &rep), 0);
	assert_int_equal(rep.notices, 2);
	assert_int_equal(rep.boot, 0);
	assert_int_equal(rep.ready, 0);
	close(l->modem);
	l->modem = -1;
	assert_int_equal(modem_at_unsolicited(l->host, &lines, &rep), -1);
}

/* Boot lines inside a command's answer are counted; the command's own
 * answer (+CFUN: 1 to AT+CFUN?, +CPIN: READY to AT+CPIN?) is not. */
static void
test_boot_lines_inside_an_answer(void **state)
{
	struct line *l = *state;
	struct modem_at_reply rep;

	modem_says(l, "AT+CPMS?\r\r\nRDY\r\n\r\n+CPMS: \"SM\",2,30,\"SM\",2,30,"
	    "\"SM\",2,30\r\n\r\nOK\r\n");
	assert_int_equal(modem_at_command(l->host, "AT+CPMS?", 2000, &rep),
	    MODEM_AT_OK);
	assert_int_equal(rep.boot, 1);
	assert_string_equal(rep.info, "+CPMS: \"SM\",2,30,\"SM\",2,30,"
	    "\"SM\",2,30");
	modem_says(l, "AT+CFUN?\r\r\n+CFUN: 1\r\n\r\nOK\r\n");
	assert_int_equal(modem_at_command(l->host, "AT+CFUN?", 2000, &rep),
	    MODEM_AT_OK);
	assert_int_equal(rep.boot, 0);
	assert_string_equal(rep.info, "+CFUN: 1");
	modem_says(l, "AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n");
	assert_int_equal(modem_at_command(l->host, "AT+CPIN?", 2000, &rep),
	    MODEM_AT_OK);
	assert_int_equal(rep.boot, 0);
	modem_says(l, "AT+CNMI?\r\r\n+CPIN: READY\r\n\r\n+CNMI: 0,0,0,0,0\r\n"
	    "\r\nOK\r\n");
	assert_int_equal(modem_at_command(l->host, "AT+CNMI?", 2000, &rep),
	    MODEM_AT_OK);
	assert_int_equal(rep.boot, 1);
	assert_string_equal(rep.info, "+CNMI: 0,0,0,0,0");
}

/* A send's status: the PDU's echo skipped, the reference, errors; a boot
 * line instead of it ends the wait at once (no answer is coming). */
static void
test_send_status(void **state)
{
	struct line *l = *state;
	struct modem_at_reply rep;
	int i;

	modem_says(l, PDU_HEX "\x1a\r\n+CMTI: \"SM\",1\r\n\r\n+CMGS: 17\r\n"
	    "\r\nOK\r\n");
	assert_int_equal(modem_at_answer(l->host, 2000, &rep), MODEM_AT_OK);
	assert_string_equal(rep.info, "+CMGS: 17");
	assert_int_equal(rep.notices, 1);
	modem_says(l, PDU_HEX "\x1a\r\n+CMS ERROR: 38\r\n");
	assert_int_equal(modem_at_answer(l->host, 2000, &rep),
	    MODEM_AT_REFUSED);
	assert_string_equal(rep.final, "+CMS ERROR: 38");
	for (i = 0; boot[i] != NULL; i++) {
		char buf[600];

		snprintf(buf, sizeof(buf), "%s\x1a\r\n%s\r\n", PDU_HEX, boot[i]);
		modem_says(l, buf);
		/* 60 s: only the boot line may end it */
		assert_int_equal(modem_at_answer(l->host, 60000, &rep),
		    MODEM_AT_FAILED);
		assert_int_equal(rep.boot, 1);
		assert_int_equal(rep.ready, strcmp(boot[i], "SMS Ready") == 0);
	}
	assert_int_equal(modem_at_answer(l->host, 100, &rep),
	    MODEM_AT_FAILED);
	assert_int_equal(rep.boot, 0);
}

struct listed {
	int n;
	int index[8], stat[8];
	char pdu[8][600];
};

static void
keep(void *arg, int index, int stat, const char *pdu)
{
	struct listed *k = arg;

	assert_true(k->n < 8);
	k->index[k->n] = index;
	k->stat[k->n] = stat;
	snprintf(k->pdu[k->n], sizeof(k->pdu[0]), "%s", pdu);
	k->n++;
}

/* One listing: every record with its PDU, an over-long one as "", a
 * notice in the middle counted and not taken for a record. */
static void
test_listing(void **state)
{
	struct line *l = *state;
	struct modem_at_reply rep;
	struct listed k;
	char big[MODEM_AT_PDU_MAX + 100];

	memset(&k, 0, sizeof(k));
	memset(big, 'B', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	modem_says(l, "AT+CMGL=4\r\r\n+CMGL: 1,1,,36\r\n" PDU_HEX "\r\n"
	    "+CMTI: \"SM\",9\r\n+CMGL: 7,0,,36\r\n" PDU_B "\r\n"
	    "+CMGL: 12,1,,200\r\n");
	modem_says(l, big);
	modem_says(l, "\r\n\r\nOK\r\n");
	assert_int_equal(modem_at_list(l->host, "AT+CMGL=4", 2000, keep, &k,
	    &rep), MODEM_AT_OK);
	assert_int_equal(k.n, 3);
	assert_int_equal(k.index[0], 1);
	assert_int_equal(k.stat[0], 1);
	assert_string_equal(k.pdu[0], PDU_HEX);
	assert_int_equal(k.index[1], 7);
	assert_int_equal(k.stat[1], 0);
	assert_string_equal(k.pdu[1], PDU_B);
	assert_int_equal(k.index[2], 12);
	assert_string_equal(k.pdu[2], "");
	assert_int_equal(rep.notices, 1);
	memset(&k, 0, sizeof(k));
	modem_says(l, "AT+CMGL=4\r\r\nERROR\r\n");
	assert_int_equal(modem_at_list(l->host, "AT+CMGL=4", 2000, keep, &k,
	    &rep), MODEM_AT_REFUSED);
	assert_int_equal(k.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_cmgr_with_echo_and_notices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_slot_and_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_overlong_pdu_line_is_not_a_pdu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silence_and_hangup_fail,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsolicited_boot_lines,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_boot_lines_inside_an_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_status, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_listing, setup, teardown),
	};

	/* a socket's closed far end raises SIGPIPE; a tty's says EIO */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
