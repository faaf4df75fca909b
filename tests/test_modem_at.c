/*
 * test_modem_at: one AT command of our own on a serial line, against a
 * socket pair whose far end holds what a modem answered (echo on, as
 * libgammu leaves a modem). What is asserted is what libgammu would need
 * after us: nothing past our final result is taken from the line, and a
 * new-message notice that came meanwhile is reported, never lost.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "modem_at.h"

#define PDU_HEX "07917996090000F1040B917996090066F60000621020304050230BE8" \
    "329BFD06D1D1657919"

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
	};

	/* a socket's closed far end raises SIGPIPE; a tty's says EIO */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
