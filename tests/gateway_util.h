/*
 * gateway_util: what the gateway tests (test_gateway*.c) share: a gateway
 * on a fake modem and a fake clock, and what it did.
 */
#ifndef SHUKHER_TEST_GATEWAY_UTIL_H
#define SHUKHER_TEST_GATEWAY_UTIL_H

#include <stdint.h>
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

#define NOW 1764390000

struct fixture {
	struct conf *conf;
	struct store *store;
	struct gateway *gw;
	int64_t now;
	int saved_stderr;
	char log[64];            /* the gateway's log of this test */
};

/*
 * The gateway's log goes to a file of the test's own, not to the test
 * run's output: the failures a test provokes are expected, and the test
 * asserts them (gu_log_lines()) rather than print them as if something broke.
 */
void gu_log_capture(struct fixture *f);

void gu_log_release(struct fixture *f);

/* Lines of the gateway's log that contain word. */
int gu_log_lines(struct fixture *f, const char *word);

/* Runs passes at the current fake time until the gateway has nothing to
 * do at once (bounded, so that a busy loop fails the test). */
void gu_settle(struct fixture *f);

/* Advances the fake clock one second at a time, running passes. */
void gu_advance(struct fixture *f, int seconds);

#endif
