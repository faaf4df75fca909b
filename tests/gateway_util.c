/*
 * gateway_util: what the gateway tests (test_gateway*.c) share: a gateway
 * on a fake modem and a fake clock, and what it did (gateway_util.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "conf.h"
#include "gateway.h"
#include "modem_fake.h"
#include "store.h"

#include "gateway_util.h"

/*
 * The gateway's log goes to a file of the test's own, not to the test
 * run's output: the failures a test provokes are expected, and the test
 * asserts them (gu_log_lines()) rather than print them as if something broke.
 */
void
gu_log_capture(struct fixture *f)
{
	int fd;

	snprintf(f->log, sizeof(f->log), "/tmp/test_gateway.log.XXXXXX");
	assert_true((fd = mkstemp(f->log)) >= 0);
	fflush(stderr);
	f->saved_stderr = dup(2);
	assert_true(dup2(fd, 2) == 2);
	close(fd);
}

void
gu_log_release(struct fixture *f)
{
	fflush(stderr);
	dup2(f->saved_stderr, 2);
	close(f->saved_stderr);
	unlink(f->log);
}

/* Lines of the gateway's log that contain word. */
int
gu_log_lines(struct fixture *f, const char *word)
{
	char line[1024];
	FILE *fp;
	int n = 0;

	fflush(stderr);
	assert_non_null(fp = fopen(f->log, "r"));
	while (fgets(line, sizeof(line), fp) != NULL)
		n += strstr(line, word) != NULL;
	fclose(fp);
	return n;
}

/* Runs passes at the current fake time until the gateway has nothing to
 * do at once (bounded, so that a busy loop fails the test). */
void
gu_settle(struct fixture *f)
{
	int i;

	for (i = 0; i < 100; i++)
		if (gateway_run_once(f->gw, f->now) > 0)
			return;
	fail_msg("gateway never settled");
}

/* Advances the fake clock one second at a time, running passes. */
void
gu_advance(struct fixture *f, int seconds)
{
	while (seconds-- > 0) {
		f->now++;
		gu_settle(f);
	}
}
