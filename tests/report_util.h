/*
 * report_util: what the reporting tests (test_report*.c) share: a
 * database, a config and a key, messages stored as the modem delivers them
 * and handled, what went out.
 */
#ifndef SHUKHER_TEST_REPORT_UTIL_H
#define SHUKHER_TEST_REPORT_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "report.h"
#include "route.h"
#include "seal.h"
#include "store.h"

#define MON_10 1764583200       /* Monday 2025-12-01 10:00 UTC */
#define SAT_12 1765022400       /* Saturday 12:00 */
#define HOUR 3600
#define REPORTER "+97699113344"
#define OYUNA "+97699000001"
#define BAT "+97699000002"
#define SARAA "+97699000003"

/* What the phones received, in order (see ru_deliver()). */
#define PHONE_LOG 1024

struct phone_log {
	int n;
	char number[PHONE_LOG][24];
	char text[PHONE_LOG][256];
	int64_t at[PHONE_LOG];
};

struct fixture {
	struct conf *conf;
	struct store *store;
	struct seal_sec sec;
	struct phone_log *got;
};

int ru_setup(void **state);

int ru_teardown(void **state);

/* Stores text from sender as one SMS sent at at, handles all waiting. */
void ru_receive(struct fixture *f, const char *sender, const char *text,
    int64_t at);

/* What went to one number: how many, and the newest text. */
struct sent {
	const char *number;
	int n;
	char last[512];
};

int ru_sent_row(void *arg, const struct store_out *o);

struct sent ru_sent_to(struct fixture *f, const char *number);

/*
 * The gateway's turn at at: every due message is "sent" (what the phones
 * receive goes into f->got), then the periodic work, which blanks the
 * number and text of every report SMS sent. Returns how many were sent.
 */
int ru_deliver(struct fixture *f, int64_t at);

/* How many messages number received (ru_deliver()) holding needle (NULL:
 * any). */
int ru_got(struct fixture *f, const char *number, const char *needle);

/* The reference at the end of the newest reply to number ("... #REF"). */
void ru_ref_of_reply(struct fixture *f, const char *number, char *ref, size_t
    len);

/* A report's timeline: kinds joined by ',', and every body opened and
 * joined by '|'. */
struct timeline {
	struct fixture *f;
	char kinds[512];
	char bodies[2048];
	char actors[256];
};

int ru_timeline_row(void *arg, const struct store_report_entry *e);

struct timeline ru_timeline_of(struct fixture *f, const char *ref);

/* Counts inbox messages, and those whose text or sender holds needle. */
struct inbox {
	const char *needle;
	int n, clear;
};

int ru_inbox_row(void *arg, const struct store_msg *m);

struct inbox ru_inbox_with(struct fixture *f, const char *needle);

int ru_open_reports(struct fixture *f);

#endif
