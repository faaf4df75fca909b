/*
 * modem_fake: an in-process modem for unit tests of the gateway.
 *
 * It holds a small "SIM" of SMS that tests fill, records what is sent, and
 * fails on demand. One fake at a time (global state), reset with
 * modem_fake_reset().
 */
#ifndef SHUKHER_MODEM_FAKE_H
#define SHUKHER_MODEM_FAKE_H

#include "modem.h"

#define FAKE_SIM_SIZE 64
#define FAKE_SENT_MAX 256
#define FAKE_REMOVED_MAX 64

/* One part the fake sent; with part_len 0, a whole message is one part. */
struct fake_sent {
	char number[MODEM_NUMBER_MAX];
	char text[2048];
	int part;                /* 1-based */
	int parts;
	int concat_ref;
};

struct modem_fake {
	struct modem_sms sim[FAKE_SIM_SIZE];
	int used[FAKE_SIM_SIZE];
	struct fake_sent sent[FAKE_SENT_MAX];
	int nsent;
	int opens, closes, reads, removes;
	int fail_open;           /* open fails this many more times */
	int fail_read;           /* read fails this many more times */
	int fail_after;          /* parts sent before fail_send applies */
	int fail_send;           /* send fails this many more times ... */
	int fail_send_rc;        /* ... with this code (-1 modem, -2 refused) */
	int announce;            /* wait() returns 1 once */
	void (*on_send)(void *arg); /* called as a send begins (a test's
	                            other process, meanwhile), then cleared */
	void *on_send_arg;
	size_t part_len;         /* > 0: texts go out in parts of this many
	                            bytes, as a long SMS does */
	int is_open;
	int in_order;            /* 1: each SMS put goes to the location after
	                            the last one put (wrapping), and is sent a
	                            second after it, so that the SIM's order
	                            is the order of arrival; 0: the lowest free
	                            location, as a SIM800 does */
	int last_loc;            /* the location of the last SMS put */
	int puts;                /* SMS put, reports included */
	int ussd_requests;       /* ussd() calls */
	char ussd_code[32];      /* the last code asked for */
	int ussd_fail;           /* 1: ussd() is refused (-2) */
	const char *ussd_reply;  /* ussd_answer(): NULL none yet; "" an
	                            error; else the answer, every time */
	struct modem_sms removed[FAKE_REMOVED_MAX]; /* what remove() took off
	                            the SIM, in order (the first
	                            FAKE_REMOVED_MAX) */
};

extern struct modem_fake fake;
extern const struct modem_ops modem_fake_ops;

void modem_fake_reset(void);

/* Puts an SMS on the fake SIM; returns its location. */
int modem_fake_put(const char *sender, const char *text, int ref, int part,
    int count);

/* Puts a delivery report for message reference ref on the fake SIM. */
int modem_fake_put_report(int ref, int delivered);

/* SMS left on the fake SIM. */
int modem_fake_count(void);

#endif
