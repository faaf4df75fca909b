/*
 * ctl_pin: shukherctl pin-hash, the hash of a caseworker's PIN for
 * reports.caseworkers[].pin_hash.
 *
 * The PIN is read from standard input, without echo when that is a
 * terminal, so that it never stands on a command line (ps, shell history)
 * or on the screen; only its crypto_pwhash_str hash is printed.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"
#include "exitcode.h"
#include "report.h"

#define CTL_PIN_MAX 64

int
ctl_pin_hash(struct ctl *ctl, struct ctl_args *args)
{
	char pin[CTL_PIN_MAX + 2], hash[crypto_pwhash_STRBYTES];
	int rc = EXIT_OK;

	if (ctl_secret_line("PIN: ", isatty(STDIN_FILENO), pin,
	    sizeof(pin)) == -1) {
		ctl_err("pin-hash: no PIN on standard input");
		return EXIT_DATAERR;
	}
	if (!report_pin_ok(pin)) {
		ctl_err("pin-hash: a PIN is %d to %d characters, no spaces "
		    "(on a keypad: %d digits or more)", REPORT_PIN_MIN,
		    REPORT_PIN_MAX, REPORT_PIN_MIN);
		rc = EXIT_DATAERR;
	} else if (report_pin_hash(pin, hash, sizeof(hash)) != 0) {
		ctl_err("pin-hash: out of memory");
		rc = EXIT_OSERR;
	} else
		fprintf(ctl->out, "%s\n", hash);
	sodium_memzero(pin, sizeof(pin));
	return rc;
}
