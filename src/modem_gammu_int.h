/*
 * modem_gammu_int: what src/modem_gammu*.c share and nobody else may see:
 * the handle's body and the functions one part of it offers the others.
 * Each function's contract is where it is defined.
 */
#ifndef SHUKHER_MODEM_GAMMU_INT_H
#define SHUKHER_MODEM_GAMMU_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <gammu.h>

#include "modem.h"
#include "modem_at.h"

#define MODEM_GAMMU_SEND_MAX 4096       /* bytes of UTF-8 send() accepts */
#define MODEM_GAMMU_SKIP_MAX 64         /* unfetchable records remembered */
#define MODEM_GAMMU_SEEN_MAX 1024       /* records one read remembers */

struct modem_gammu_listed {
	int index;                  /* in the memory listed */
	int stat;
	char pdu[MODEM_AT_PDU_MAX + 1]; /* "" when too long to keep */
};

struct modem_gammu {
	GSM_StateMachine *sm;
	int fd;                     /* libgammu's descriptor of a serial
	                               device, or -1 where none was found */
	int timeout;                /* seconds: bounds the wait for a status */
	int reports;                /* ask for delivery reports */
	int incoming;               /* set by modem_gammu_on_sms() */
	int send_done;              /* set by modem_gammu_on_status() */
	int send_status;
	int send_ref;
	int have_smsc;
	GSM_SMSC smsc;              /* the SIM's SMSC, read once per handle */
	GSM_MultiSMSMessage *multi; /* scratch for read and send (260 KB) */
	GSM_MultiPartSMSInfo *parts;
	unsigned char text[2 * MODEM_GAMMU_SEND_MAX + 2]; /* send()'s text */
	int skipped[MODEM_GAMMU_SKIP_MAX]; /* locations of undecodable records
	                               passed on without their PDU (no line
	                               of our own): passed once per handle */
	int nskipped;
	int seen[MODEM_GAMMU_SEEN_MAX]; /* locations met by the read going on */
	int nseen;
	/* USSD (modem_gammu_ussd.c): set by its callback */
	int ussd_on;                /* incoming USSD enabled on this handle */
	int ussd_state;             /* 0 none, 1 an answer, -2 an error */
	char ussd_text[3 * GSM_MAX_USSD_LENGTH + 1]; /* UTF-8 */
	int64_t ussd_until;         /* monotonic ms: until then an answer is
	                               awaited, and wait() lets libgammu read
	                               the line (its callback decodes +CUSD);
	                               0 when none is */
	/* What our own AT+CMGL=4 listed, once per read (modem_gammu_raw.c):
	 * every record's PDU, instead of one AT+CMGR per record */
	struct modem_gammu_listed *listed;
	size_t nlisted, listed_cap;
	int listing;                /* 0 none yet this read; 1 listed; -1
	                               refused (AT+CMGR per record); 2 not
	                               in a read (AT+CMGR: remove_raw) */
	int notices;                /* conf asks for new-message notices */
	struct modem_at_lines urc;  /* what wait() read of a line so far */
	int64_t boot_at;            /* monotonic ms when the modem was seen
	                               restarting (its boot lines); 0 never */
	int ready;                  /* ... and "SMS Ready" came */
	int64_t operator_at;        /* monotonic ms of the next operator query */
	char operator_name[64];     /* its last answer */

	/* the watchdog; the fields below are guarded by lock */
	pthread_t dog;
	int dog_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int armed;                  /* a libgammu call is running ... */
	struct timespec deadline;   /* ... and must end by then (monotonic) */
	int aborted;                /* the watchdog cut a call short */
	int spoilt;                 /* libgammu's state unsure: later calls
	                               fail (modem_gammu_spoil) */
	int quit;
};

/* modem_gammu.c */
void modem_gammu_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void modem_gammu_gerr(char *err, size_t errlen, const char *what,
    GSM_Error e);
int64_t modem_gammu_now_ms(void);

/* modem_gammu_dog.c: the watchdog */
int modem_gammu_dog_start(struct modem_gammu *m, char *err, size_t errlen);
void modem_gammu_dog_stop(struct modem_gammu *m);
int modem_gammu_arm(struct modem_gammu *m, int secs, char *err,
    size_t errlen);
int modem_gammu_dead(struct modem_gammu *m);
void modem_gammu_kill(struct modem_gammu *m);
void modem_gammu_spoil(struct modem_gammu *m);
int modem_gammu_disarm(struct modem_gammu *m, char *err, size_t errlen);

/* modem_gammu_sms.c: what libgammu read, as struct modem_sms */
int modem_gammu_from_unicode(char *out, size_t outlen,
    const unsigned char *src, size_t srclen);
int64_t modem_gammu_utc(const GSM_DateTime *dt, int from, int to);
int modem_gammu_convert(const GSM_SMSMessage *sms, struct modem_sms *out);

/* modem_gammu_raw.c: records libgammu cannot decode */
int modem_gammu_at(struct modem_gammu *m, const char *cmd,
    struct modem_at_reply *rep, char *err, size_t errlen);
int modem_gammu_is_record_error(GSM_Error e);
int modem_gammu_bad_record(struct modem_gammu *m, int location,
    struct modem_sms *out, char *err, size_t errlen);
int modem_gammu_check(struct modem_gammu *m, struct modem_sms *sms,
    char *err, size_t errlen);
int modem_gammu_remove_raw(struct modem_gammu *m,
    const struct modem_sms *sms, char *err, size_t errlen);
void modem_gammu_list_start(struct modem_gammu *m);
void modem_gammu_list_end(struct modem_gammu *m);

/* modem_gammu_line.c: the serial line between libgammu's calls */
void modem_gammu_note(struct modem_gammu *m, const struct modem_at_reply *rep);
int modem_gammu_restarted(struct modem_gammu *m, char *err, size_t errlen);
int modem_gammu_wait_line(struct modem_gammu *m, int timeout_ms);
int modem_gammu_count(void *modem, int *noticed, char *err, size_t errlen);
int modem_gammu_notices_on(struct modem_gammu *m, char *err, size_t errlen);

/* modem_gammu_send.c: sending */
void modem_gammu_on_status(GSM_StateMachine *sm, int status, int ref,
    void *arg);
int modem_gammu_send(void *modem, const char *number, const char *text,
    struct modem_send *progress, modem_part_cb cb, void *arg, char *err,
    size_t errlen);

/* modem_gammu_ussd.c: USSD requests */
int modem_gammu_ussd(void *modem, const char *code, char *err,
    size_t errlen);
int modem_gammu_ussd_answer(void *modem, char *out, size_t outlen, char *err,
    size_t errlen);

#endif
