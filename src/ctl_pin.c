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
	size_t n;
	int rc = EXIT_OK;

	if (ctl_secret_line("PIN: ", isatty(STDIN_FILENO), pin,
	    sizeof(pin)) == -1) {
		ctl_err("pin-hash: no PIN on standard input");
		return EXIT_DATAERR;
	}
	n = strlen(pin);
	if (n < 4 || n > CTL_PIN_MAX || strchr(pin, ' ') != NULL) {
		ctl_err("pin-hash: a PIN is 4 to %d characters, no spaces",
		    CTL_PIN_MAX);
		rc = EXIT_DATAERR;
	} else if (report_pin_hash(pin, hash, sizeof(hash)) == -1) {
		ctl_err("pin-hash: out of memory");
		rc = EXIT_OSERR;
	} else
		fprintf(ctl->out, "%s\n", hash);
	sodium_memzero(pin, sizeof(pin));
	return rc;
}
