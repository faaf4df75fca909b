/*
 * modem: the hardware, behind a table of function pointers.
 *
 * modem_gammu_ops talks to a real modem (or gammu's dummy driver) through
 * libgammu; tests/modem_fake.c is an in-process fake for unit tests. The
 * gateway never knows which it has. A handle (void *) belongs to one thread.
 *
 * Every operation returns -1 on failure and writes a short reason into err
 * (never a message text, a number or the PIN). After a failure the gateway
 * may close the handle and open a new one; an implementation need not
 * recover by itself. A call that outlives conf_modem.timeout is aborted,
 * and then every later call on that handle fails at once: only a reopen
 * brings the modem back.
 */
#ifndef SHUKHER_MODEM_H
#define SHUKHER_MODEM_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define MODEM_NUMBER_MAX 48
#define MODEM_TEXT_MAX 1024      /* one part, decoded to UTF-8, with room */
#define MODEM_DATA_MAX 320       /* one part's user data: 140 bytes over the
                                    air, up to 160 UTF-16 units in gammu's
                                    smsbackup files (the dummy driver) */

/* One SMS on the modem: a whole message or one part of a long one. */
struct modem_sms {
	int location;            /* where it lies on the modem ... */
	int folder;              /* ... and in which memory: for remove() */
	char sender[MODEM_NUMBER_MAX];
	int64_t sent_at;         /* SMSC timestamp, Unix seconds; 0 unknown */
	int concat_ref;          /* 0 for a single SMS; never 0 for a part
	                            (a UDH reference of 0 is remapped) */
	int part_no;             /* 1-based; 1 for a single SMS */
	int part_count;          /* 1 for a single SMS */
	char text[MODEM_TEXT_MAX]; /* this part alone as UTF-8 (an ill-formed
	                            unit or U+0000 read as U+FFFD); the hex
	                            of its bytes when malformed */
	int coding;              /* enum store_coding values */
	unsigned char data[MODEM_DATA_MAX]; /* UCS-2: the UTF-16 units as
	                            sent, big-endian; 8-bit: the bytes. The
	                            parts of a long message are joined from
	                            these and only then decoded, since a
	                            character may straddle two parts */
	size_t data_len;         /* 0: none (GSM-7, whose text is whole in
	                            each part, or nothing readable) */
	int malformed;           /* 1: this part alone is not text (8-bit
	                            binary, a compressed coding): text is
	                            hex; with data, the joined message may
	                            still read as text */
	int status_report;       /* 1: a delivery report, not a message: no
	                            text; report_ref names what it reports on */
	int report_ref;          /* the message reference it reports on */
	int report_delivered;    /* 1 delivered; 0 failed or still trying */
	int probe;               /* 1: a "type 0" SMS (TP-PID 0x40, 23.040
	                            9.2.3.9), the network testing that the
	                            phone is there: never answered; always a
	                            single SMS */
	int raw;                 /* 1: a record libgammu could not decode, or
	                            whose length fields do not fit its data:
	                            malformed is set and text is the record's
	                            PDU in hex, or "" when it could not be
	                            fetched either (see read()) */
};

struct modem_info {
	char operator_name[64];  /* "" unknown */
	int signal_dbm;          /* 0 unknown */
	int signal_percent;      /* -1 unknown */
	int sim_used;            /* -1 unknown */
	int sim_total;           /* -1 unknown */
	int64_t network_time;    /* the modem's clock in UTC seconds, when it
	                            is plausibly the network's (set by NITZ:
	                            not before 2025); 0 unknown */
};

/*
 * How far one outgoing message got, across attempts and restarts, so that
 * a retry sends only the parts that did not go out: a person never gets
 * the start of a long reply twice, and the parts of one reply always carry
 * the same concatenation reference, whichever attempt sent them.
 */
struct modem_send {
	int concat_ref;          /* in: 1..255, the same on every attempt */
	int parts_done;          /* in: parts sent before, skipped now;
	                            out: parts sent in all */
	int parts_total;         /* out: parts of the whole message */
	char msgref[64];         /* in/out: the network's references of the
	                            parts sent, comma-separated */
};

/* Called after each part the network accepted, with the progress so far. */
typedef void (*modem_part_cb)(void *arg, const struct modem_send *progress);

/* Called for each SMS read; return 0 to go on, -1 to stop reading. */
typedef int (*modem_sms_cb)(void *arg, const struct modem_sms *sms);

/*
 * What open() says when the SIM is the reason it failed: the start of its
 * error text, so that a technician's check (shukherctl selftest) can tell
 * the cases apart from the daemon's last error without guessing.
 */
#define MODEM_ERR_PIN_NEEDED  "SIM asks for a PIN and none is configured"
#define MODEM_ERR_PIN_REFUSED "PIN refused"
#define MODEM_ERR_SIM_LOCKED  "SIM asks for a code other than the PIN " \
	"(PUK or phone code)"

/*
 * What a call says, at the start of its error text, when the modem lost
 * its state and only a reopen makes it sure: it restarted (its boot lines
 * seen, its settings found back at defaults), or a message's send status
 * never came. The gateway reopens at once, without backoff.
 */
#define MODEM_ERR_REOPEN "modem needs a reopen"

struct modem_ops {
	const char *name;

	/* Connects as conf says, enters the PIN if asked. NULL and err on
	 * failure. */
	void *(*open)(const struct conf_modem *conf, char *err, size_t errlen);
	void (*close)(void *modem);

	/* Reads every SMS in every memory, calling cb for each. A record
	 * that cannot be decoded costs only itself: it is passed on raw
	 * (modem_sms.raw) and the reading goes on. Where the connection
	 * allows no command of our own (proxyat, dummy), such a record
	 * cannot be fetched: it is passed once per handle with an empty
	 * text, for the caller to log, and must be neither stored nor
	 * removed. Returns how many were passed to cb, or -1. */
	int (*read)(void *modem, modem_sms_cb cb, void *arg, char *err,
	    size_t errlen);

	/* Deletes one SMS from where read() found it. 0; -1 when the modem
	 * failed; -2 and err when the modem refused, or the record there is
	 * no longer the one read (it stays; the modem is fine). */
	int (*remove)(void *modem, const struct modem_sms *sms, char *err,
	    size_t errlen);

	/* Sends text (UTF-8) to number, as one SMS or a concatenated long one
	 * in GSM-7 when the text allows, UCS-2 otherwise, resuming where
	 * progress says an earlier attempt stopped (see struct modem_send);
	 * cb, when not NULL, is called after each part the network accepted.
	 * Returns 0 when every part is sent; -2 when the modem answered but
	 * refused or the network rejected it (+CMS ERROR: the modem is fine,
	 * retry this message later); -1 when the modem failed (timeout, I/O
	 * error: the caller reopens it). */
	int (*send)(void *modem, const char *number, const char *text,
	    struct modem_send *progress, modem_part_cb cb, void *arg,
	    char *err, size_t errlen);

	/* Operator, signal and SIM storage. 0 or -1. */
	int (*info)(void *modem, struct modem_info *out, char *err,
	    size_t errlen);

	/* Waits up to timeout_ms for the modem to tell of a new message.
	 * Returns 1 when one was announced (read now), 0 on timeout or when a
	 * signal interrupted the wait, -1 when the modem is gone, -2 when it
	 * restarted (reopen at once; the wait may outlast timeout_ms until
	 * the modem is ready for SMS again, within seconds). */
	int (*wait)(void *modem, int timeout_ms);

	/* USSD (a balance request such as "*211#"): ussd() sends code and
	 * returns once the modem took it (0), without waiting for the
	 * network's answer, which arrives later as an unsolicited line that
	 * the handle's other calls (wait() above all) take in; a new request
	 * forgets the answer to the last. -2 and err when the modem refused
	 * it (the modem is fine), -1 when the modem failed. */
	int (*ussd)(void *modem, const char *code, char *err, size_t errlen);
	/* The answer to the last ussd(), when it came: 1 and its text (UTF-8,
	 * NUL-ended, cut to outlen) in out; 0 while none came; -2 and err
	 * when the network answered with an error or without text. An answer
	 * is given once. Talks to nobody: costs no time. */
	int (*ussd_answer)(void *modem, char *out, size_t outlen, char *err,
	    size_t errlen);
	/* Optional (NULL: the gateway reads the SIM instead): how many
	 * records the SIM holds, asked cheaply (one AT+CPMS?), so that a
	 * message whose notice was lost is found without a full read.
	 * *noticed is set to 1 when a new-message notice came since the
	 * last wait() or count() (consumed here), else 0. Returns the count,
	 * or -1 and err. */
	int (*count)(void *modem, int *noticed, char *err, size_t errlen);
};

extern const struct modem_ops modem_gammu_ops;

#endif
