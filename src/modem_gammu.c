/*
 * modem_gammu: struct modem_ops over libgammu.
 *
 * One handle owns one GSM_StateMachine, configured from struct conf_modem
 * without any gammurc. Reading never deletes: the gateway stores what read()
 * hands it and only then calls remove(), so that nothing that reached the
 * modem is lost. Everything libgammu gives as its own UCS-2 ("gammu
 * unicode") is turned into UTF-8 here, in buffers of our own, never through
 * DecodeUnicodeString()'s static buffer. A UCS-2 or 8-bit part also carries
 * its user data as it was sent (modem_sms.data), because a character may
 * straddle two parts: the store joins the data, then decodes (sms.h).
 *
 * What bounds each call: libgammu waits for every AT reply in GSM_WaitFor(),
 * counting "timeout" rounds of GSM_ReadDevice() of up to one second each
 * (most AT commands use 10 to 30 rounds; sending a PDU uses 30, then 40 for
 * the +CMGS line), and the round counter restarts whenever any byte arrives.
 * Listing and memory commands use 200 to 500 rounds, so a modem that stops
 * answering would hold read() for up to eight minutes, and one that keeps
 * sending garbage for ever. Hence a watchdog thread per handle: each
 * libgammu call may take conf->timeout seconds (open three times that),
 * then the watchdog calls GSM_AbortOperation(), the call returns, and the
 * handle is dead: every later call fails until the gateway reopens. Our
 * own loops (waiting for a send status, wait()) are bounded by the clock.
 *
 * A record libgammu cannot decode costs only itself. GSM_GetNextSMS names
 * it (multi->SMS[0].Location is set before the decoding) and, called again
 * with start FALSE, goes on after it. Where libgammu talks over a serial
 * descriptor of its own (m->fd), our own AT+CMGR fetches the record's PDU,
 * which read() passes on raw and malformed, to be stored and then removed
 * like any other; the same fetch shows us TP-PID (which libgammu keeps to
 * itself: a "type 0" SMS is a probe) and lets pdu.c refuse records whose
 * lengths do not fit even where libgammu accepted them. libgammu will not
 * delete a record its own re-read refuses: remove() then checks the record
 * is still the one stored and deletes it with our own AT+CMGD.
 *
 * Concatenation references: modem_sms.concat_ref is the reference from the
 * UDH, except that a reference of 0 (legal in a UDH, but "single SMS" in
 * struct modem_sms) becomes 0x100 for an 8-bit and 0x10000 for a 16-bit
 * reference: values no UDH of that kind can carry.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gammu.h>
#include <unistr.h>

#include "modem.h"
#include "modem_at.h"
#include "pdu.h"
#include "sms.h"

/* modem_gammu_send_part()'s failures; both below any message reference. */
#define MODEM_GAMMU_REFUSED	(-2)
#define MODEM_GAMMU_FAILED	(-3)
#define MODEM_GAMMU_DEFAULT_TIMEOUT 30  /* seconds, when conf gives none */
#define MODEM_GAMMU_MAX_READS 4096      /* GetNextSMS calls in one read() */
#define MODEM_GAMMU_SEND_MAX 4096       /* bytes of UTF-8 send() accepts */
#define MODEM_GAMMU_IDLE_MS 20          /* pause when the device had nothing */
#define MODEM_GAMMU_SKIP_MAX 64         /* unfetchable records remembered */
#define MODEM_GAMMU_SEEN_MAX 1024       /* records one read remembers */

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

	/* the watchdog; the fields below are guarded by lock */
	pthread_t dog;
	int dog_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int armed;                  /* a libgammu call is running ... */
	struct timespec deadline;   /* ... and must end by then (monotonic) */
	int aborted;                /* the watchdog cut a call short */
	int quit;
};

static void modem_gammu_err(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
modem_gammu_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* "what: gammu's short description of e"; never a number or a text. */
static void
modem_gammu_gerr(char *err, size_t errlen, const char *what, GSM_Error e)
{
	modem_gammu_err(err, errlen, "%s: %s", what, GSM_ErrorString(e));
}

static int64_t
modem_gammu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps ms milliseconds. Returns -1 when a signal cut the sleep short. */
static int
modem_gammu_sleep_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (nanosleep(&ts, NULL) == -1 && errno == EINTR)
		return -1;
	return 0;
}

/* ---- watchdog -------------------------------------------------------- */

/*
 * The watchdog thread: sleeps until a call is armed, then until its
 * deadline; a call still armed then is aborted. GSM_AbortOperation() only
 * sets a flag that libgammu's wait loops poll, the one thing it is safe to
 * do from another thread.
 */
static void *
modem_gammu_dog(void *arg)
{
	struct modem_gammu *m = arg;
	struct timespec now;

	pthread_mutex_lock(&m->lock);
	while (!m->quit) {
		if (!m->armed) {
			pthread_cond_wait(&m->cond, &m->lock);
			continue;
		}
		pthread_cond_timedwait(&m->cond, &m->lock, &m->deadline);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (m->armed && !m->quit && (now.tv_sec > m->deadline.tv_sec ||
		    (now.tv_sec == m->deadline.tv_sec &&
		    now.tv_nsec >= m->deadline.tv_nsec))) {
			GSM_AbortOperation(m->sm);
			m->aborted = 1;
			m->armed = 0;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

/* Starts the watchdog. 0, or -1 and err. */
static int
modem_gammu_dog_start(struct modem_gammu *m, char *err, size_t errlen)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int r;

	if (pthread_mutex_init(&m->lock, NULL) != 0)
		goto fail;
	if (pthread_condattr_init(&ca) != 0)
		goto fail_lock;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&m->cond, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		goto fail_lock;
	}
	pthread_condattr_destroy(&ca);
	/* the thread inherits a full mask: the process's signals must go to
	 * the threads that wait for them, never to the watchdog */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&m->dog, NULL, modem_gammu_dog, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		pthread_cond_destroy(&m->cond);
		goto fail_lock;
	}
	m->dog_started = 1;
	return 0;
fail_lock:
	pthread_mutex_destroy(&m->lock);
fail:
	modem_gammu_err(err, errlen, "cannot start the modem watchdog");
	return -1;
}

static void
modem_gammu_dog_stop(struct modem_gammu *m)
{
	if (!m->dog_started)
		return;
	pthread_mutex_lock(&m->lock);
	m->quit = 1;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->dog, NULL);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	m->dog_started = 0;
}

/*
 * Arms the watchdog for one libgammu call of at most secs seconds. Returns
 * 0, or -1 and err when an earlier call was aborted: the handle is dead.
 */
static int
modem_gammu_arm(struct modem_gammu *m, int secs, char *err, size_t errlen)
{
	int dead;

	pthread_mutex_lock(&m->lock);
	if (!(dead = m->aborted)) {
		clock_gettime(CLOCK_MONOTONIC, &m->deadline);
		m->deadline.tv_sec += secs;
		m->armed = 1;
		pthread_cond_signal(&m->cond);
	}
	pthread_mutex_unlock(&m->lock);
	if (dead)
		modem_gammu_err(err, errlen, "modem timed out earlier: reopen");
	return dead ? -1 : 0;
}

/* 1 when the watchdog has aborted a call: the handle is dead. */
static int
modem_gammu_dead(struct modem_gammu *m)
{
	int dead;

	pthread_mutex_lock(&m->lock);
	dead = m->aborted;
	pthread_mutex_unlock(&m->lock);
	return dead;
}

/*
 * Ends the call armed last. Returns 0, or -1 and err when the watchdog cut
 * it short (whatever libgammu returned is then meaningless).
 */
static int
modem_gammu_disarm(struct modem_gammu *m, char *err, size_t errlen)
{
	int dead;

	pthread_mutex_lock(&m->lock);
	m->armed = 0;
	dead = m->aborted;
	pthread_mutex_unlock(&m->lock);
	if (dead)
		modem_gammu_err(err, errlen, "modem did not answer in time");
	return dead ? -1 : 0;
}

/* ---- text ----------------------------------------------------------- */

/* The i-th unit of gammu unicode (big-endian UCS-2) at t. */
#define MODEM_GAMMU_UNIT(t, i) \
	((unsigned)(t)[2 * (i)] << 8 | (t)[2 * (i) + 1])

/* Writes the hex of len bytes into out (outlen bytes, truncated). */
static void
modem_gammu_hex(char *out, size_t outlen, const unsigned char *b, size_t len)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	if (outlen == 0)
		return;
	for (i = 0; i < len && 2 * i + 2 < outlen; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 0x0f];
	}
	out[2 * i] = '\0';
}

/* Copies the UTF-8 string src into out, cut at a character boundary. */
static void
modem_gammu_copy_utf8(char *out, size_t outlen, const char *src)
{
	size_t n = 0, len = strlen(src);
	int k;

	while (n < len) {
		if ((k = u8_mblen((const uint8_t *)src + n, len - n)) < 1)
			k = 1;
		if (n + (size_t)k >= outlen)
			break;
		n += (size_t)k;
	}
	memcpy(out, src, n);
	out[n] = '\0';
}

/*
 * gammu unicode (big-endian UCS-2/UTF-16, NUL-terminated within srclen
 * bytes: a number, an operator's name, a GSM-7 text) to UTF-8 in out, cut
 * at a character boundary to fit; an ill-formed unit reads as U+FFFD.
 * Returns 0, or -1 when src has no NUL unit (out then holds the units
 * there were, as far as GSM_MAX_SMS_LENGTH).
 */
static int
modem_gammu_from_unicode(char *out, size_t outlen, const unsigned char *src,
    size_t srclen)
{
	char utf8[SMS_TEXT_MAX(2 * GSM_MAX_SMS_LENGTH)];
	size_t n, max = srclen / 2;

	if (max > GSM_MAX_SMS_LENGTH)
		max = GSM_MAX_SMS_LENGTH;
	for (n = 0; n < max && MODEM_GAMMU_UNIT(src, n) != 0; n++)
		;
	sms_text_utf16(src, 2 * n, utf8);
	modem_gammu_copy_utf8(out, outlen, utf8);
	return n < max ? 0 : -1;
}

/*
 * The UTF-16 units of a UCS-2 message as they were sent, big-endian, into
 * out (outlen bytes): sms->Length of them, a U+0000 among them included.
 * Returns the number of bytes written.
 *
 * libgammu's PDU decoder (DecodeUnicodeSpecialNOKIAChars, every phone
 * driver) writes each U+007E "~" of the message as two units "~~" and each
 * U+0001 as one "~" into sms->Text, so Text may run past Length units; its
 * smsbackup reader (the dummy driver) copies the units as they are. Text
 * ends with a NUL unit right after what was written: the first place from
 * Length on that holds a NUL and that the doubled tildes before it can
 * explain (at most one extra unit per pair of adjacent tildes) is taken as
 * that end, and one unit of a pair is dropped per extra unit. This is exact
 * for both drivers, except where a U+0000 and U+0001 in one message make
 * the doubling ambiguous; it never reads past the end Text has.
 */
static size_t
modem_gammu_units(const GSM_SMSMessage *sms, unsigned char *out,
    size_t outlen)
{
	const unsigned char *t = sms->Text;
	size_t max = sizeof(sms->Text) / 2, len, end, pairs = 0, i, n;
	unsigned u, run = 0;

	len = sms->Length < 0 ? 0 : (size_t)sms->Length;
	if (len > outlen / 2)
		len = outlen / 2;
	if (len >= max)
		len = max - 1;
	for (end = 0; end < max && end <= 2 * len; end++) {
		u = MODEM_GAMMU_UNIT(t, end);
		if (end >= len && u == 0 && end - len <= pairs)
			break;
		run = u == '~' ? run + 1 : 0;
		pairs += run > 0 && run % 2 == 0;
	}
	if (end >= max || end > 2 * len)
		end = len;              /* no end found: the units as they are */
	pairs = end - len;
	for (i = n = 0; i < end && n < len; i++, n++) {
		u = MODEM_GAMMU_UNIT(t, i);
		if (end > len && u == '~') {
			if (pairs > 0 && i + 1 < end &&
			    MODEM_GAMMU_UNIT(t, i + 1) == '~')
				pairs--, i++;
			else
				u = 0x0001;
		}
		out[2 * n] = (unsigned char)(u >> 8);
		out[2 * n + 1] = (unsigned char)(u & 0xff);
	}
	return 2 * n;
}

/* ---- reading --------------------------------------------------------- */

static int64_t
modem_gammu_days(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * The SMSC timestamp as Unix seconds: the fields are local time at the
 * SMSC, Timezone its offset east of UTC in seconds. 0 when unset or absurd.
 */
static int64_t
modem_gammu_time(const GSM_DateTime *dt)
{
	if (dt->Year < 1970 || dt->Month < 1 || dt->Month > 12 ||
	    dt->Day < 1 || dt->Day > 31 || dt->Hour < 0 || dt->Hour > 23 ||
	    dt->Minute < 0 || dt->Minute > 59 || dt->Second < 0 ||
	    dt->Second > 60)
		return 0;
	return modem_gammu_days(dt->Year, dt->Month, dt->Day) * 86400 +
	    dt->Hour * 3600 + dt->Minute * 60 + dt->Second - dt->Timezone;
}

/*
 * Looks for a concatenation element (IEI 0x00 or 0x08) in the raw UDH, for
 * headers gammu does not classify as concatenated because they carry other
 * elements too. Returns 1 and fills ref/part/count/wide, or 0.
 */
static int
modem_gammu_udh_scan(const GSM_UDHHeader *udh, int *ref, int *part,
    int *count, int *wide)
{
	const unsigned char *t = udh->Text;
	int end, i;

	end = udh->Length < (int)sizeof(udh->Text) ? udh->Length :
	    (int)sizeof(udh->Text);
	if (end > 0 && t[0] + 1 < end)
		end = t[0] + 1;
	for (i = 1; i + 1 < end && i + 2 + t[i + 1] <= end;
	    i += 2 + t[i + 1]) {
		if (t[i] == 0x00 && t[i + 1] == 3) {
			*ref = t[i + 2], *count = t[i + 3], *part = t[i + 4];
			*wide = 0;
			return 1;
		}
		if (t[i] == 0x08 && t[i + 1] == 4) {
			*ref = t[i + 2] << 8 | t[i + 3];
			*count = t[i + 4], *part = t[i + 5];
			*wide = 1;
			return 1;
		}
	}
	return 0;
}

/* Fills the concatenation fields of out from the SMS's UDH. */
static void
modem_gammu_concat(const GSM_SMSMessage *sms, struct modem_sms *out)
{
	int ref, part, count, wide, found = 0;

	if (sms->UDH.Type == UDH_ConcatenatedMessages) {
		ref = sms->UDH.ID8bit, wide = 0, found = 1;
	} else if (sms->UDH.Type == UDH_ConcatenatedMessages16bit) {
		ref = sms->UDH.ID16bit, wide = 1, found = 1;
	}
	if (found) {
		part = sms->UDH.PartNumber;
		count = sms->UDH.AllParts;
	} else if (sms->UDH.Type != UDH_NoUDH)
		found = modem_gammu_udh_scan(&sms->UDH, &ref, &part, &count,
		    &wide);
	out->concat_ref = 0;
	out->part_no = out->part_count = 1;
	if (!found || ref < 0 || count < 2 || part < 1 || part > count)
		return;
	out->concat_ref = ref != 0 ? ref : (wide ? 0x10000 : 0x100);
	out->part_no = part;
	out->part_count = count;
}

_Static_assert(SMS_TEXT_MAX(MODEM_DATA_MAX) <= MODEM_TEXT_MAX,
    "a part's user data decodes into modem_sms.text");

/*
 * Fills text, coding, data and malformed of out from the SMS's payload,
 * using sms->Length, never a NUL, for where UCS-2 and 8-bit data end.
 */
static void
modem_gammu_text(const GSM_SMSMessage *sms, struct modem_sms *out)
{
	size_t len;

	out->malformed = 0;
	out->data_len = 0;
	switch (sms->Coding) {
	case SMS_Coding_Default_No_Compression:
		/* GSM-7 as gammu unicode: no septet becomes U+0000 */
		out->coding = 0;
		(void)modem_gammu_from_unicode(out->text, sizeof(out->text),
		    sms->Text, sizeof(sms->Text));
		return;
	case SMS_Coding_Unicode_No_Compression:
		out->coding = 1;
		out->data_len = modem_gammu_units(sms, out->data,
		    sizeof(out->data));
		sms_text_utf16(out->data, out->data_len, out->text);
		return;
	case SMS_Coding_8bit:
		out->coding = 2;
		len = sms->Length < 0 ? 0 : (size_t)sms->Length;
		if (len > sizeof(out->data))
			len = sizeof(out->data);
		memcpy(out->data, sms->Text, len);
		out->data_len = len;
		if (sms_text_8bit(out->data, len, out->text))
			return;
		/* binary, or the part of a character another part holds:
		 * the join decides */
		modem_gammu_hex(out->text, sizeof(out->text), out->data, len);
		out->malformed = 1;
		return;
	default:	/* compressed: gammu leaves the bytes undecoded */
		out->coding = sms->Coding == SMS_Coding_Unicode_Compression;
		len = sms->Length < 0 ? 0 : (size_t)sms->Length;
		if (len > sizeof(sms->Text))
			len = sizeof(sms->Text);
		modem_gammu_hex(out->text, sizeof(out->text), sms->Text, len);
		out->malformed = 1;
		return;
	}
}

/*
 * Fills out from one SMS as gammu read it. Returns 1 for a received message
 * (a Deliver PDU, read or unread) or a delivery report, 0 for anything to
 * skip: messages to send or already sent. Delivery reports are passed on so
 * that they are deleted: left on the SIM, they would fill it.
 */
static int
modem_gammu_convert(const GSM_SMSMessage *sms, struct modem_sms *out)
{
	char number[3 * (GSM_MAX_NUMBER_LENGTH + 1) + 1];

	/* Some modems file delivery reports as "sent": take them whatever
	 * their state, or they fill the SIM. */
	if (sms->PDU != SMS_Status_Report && (sms->PDU != SMS_Deliver ||
	    (sms->State != SMS_Read && sms->State != SMS_UnRead)))
		return 0;
	memset(out, 0, sizeof(*out));
	if (sms->PDU == SMS_Status_Report) {
		out->location = sms->Location;
		out->folder = sms->Folder;
		out->status_report = 1;
		out->report_ref = sms->MessageReference;
		/* 3GPP TS 23.040 9.2.3.15: 0x00-0x1f, the transaction is
		 * complete (delivered); above, still trying or failed. */
		out->report_delivered = sms->DeliveryStatus < 0x20;
		return 1;
	}
	out->location = sms->Location;
	out->folder = sms->Folder;
	if (modem_gammu_from_unicode(number, sizeof(number), sms->Number,
	    sizeof(sms->Number)) == -1)
		number[0] = '\0';
	modem_gammu_copy_utf8(out->sender, sizeof(out->sender), number);
	out->sent_at = modem_gammu_time(&sms->DateTime);
	modem_gammu_concat(sms, out);
	modem_gammu_text(sms, out);
	return 1;
}

/* ---- records libgammu cannot decode ----------------------------------- */

/* 1 when e is what libgammu says of a record it could not decode, not of
 * a modem or a line that failed. */
static int
modem_gammu_is_record_error(GSM_Error e)
{
	return e == ERR_CORRUPTED || e == ERR_UNKNOWN ||
	    e == ERR_NOTSUPPORTED || e == ERR_UNKNOWNRESPONSE;
}

/*
 * Our own command cmd on libgammu's descriptor (see modem_at.h). A modem
 * that did not answer kills the handle, as the watchdog does: the line's
 * state is unknown, only a reopen makes it sure. A notice of a new message
 * seen meanwhile is kept for wait(). Returns an enum modem_at_result; err
 * is filled unless MODEM_AT_OK.
 */
static int
modem_gammu_at(struct modem_gammu *m, const char *cmd,
    struct modem_at_reply *rep, char *err, size_t errlen)
{
	int r;

	if (modem_gammu_dead(m)) {
		memset(rep, 0, sizeof(*rep));
		modem_gammu_err(err, errlen, "modem timed out earlier: reopen");
		return MODEM_AT_FAILED;
	}
	r = modem_at_command(m->fd, cmd, m->timeout * 1000, rep);
	if (rep->notices > 0)
		m->incoming = 1;
	if (r == MODEM_AT_FAILED) {
		pthread_mutex_lock(&m->lock);
		m->aborted = 1;
		pthread_mutex_unlock(&m->lock);
		modem_gammu_err(err, errlen, "%.16s: the modem did not answer "
		    "in time", cmd);
	} else if (r == MODEM_AT_REFUSED)
		modem_gammu_err(err, errlen, "%.16s: the modem answered %s",
		    cmd, rep->final);
	return r;
}

/*
 * AT+CMGR of the record at a flat location (libgammu numbers a second
 * memory's records from GSM_PHONE_MAXSMSINFOLDER on; the memory is the
 * one libgammu selected last, which is the record's while read() or
 * GSM_DeleteSMS() has just been at it). Returns an enum modem_at_result;
 * rep->pdu is "" when the slot is empty.
 */
static int
modem_gammu_fetch(struct modem_gammu *m, int location,
    struct modem_at_reply *rep, char *err, size_t errlen)
{
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "AT+CMGR=%d",
	    location % GSM_PHONE_MAXSMSINFOLDER);
	return modem_gammu_at(m, cmd, rep, err, errlen);
}

/* Fills out as a raw record at location: its PDU in upper-case hex, and
 * the sender and timestamp when the lenient reader reached them. */
static void
modem_gammu_raw(const char *pdu_hex, int location, struct modem_sms *out)
{
	struct pdu_deliver d;
	size_t i;

	memset(out, 0, sizeof(*out));
	(void)pdu_read_deliver(pdu_hex, &d);
	out->location = location;
	modem_gammu_copy_utf8(out->sender, sizeof(out->sender), d.sender);
	out->sent_at = d.sent_at;
	out->part_no = out->part_count = 1;
	for (i = 0; pdu_hex[i] != '\0' && i + 1 < sizeof(out->text); i++)
		out->text[i] = pdu_hex[i] >= 'a' && pdu_hex[i] <= 'z' ?
		    (char)(pdu_hex[i] - 'a' + 'A') : pdu_hex[i];
	out->text[i] = '\0';
	out->coding = 2;                /* the bytes, as hex */
	out->malformed = 1;
	out->raw = 1;
}

/* 1 when the unfetchable record at location was passed on before (and
 * remembers it now when it was not). */
static int
modem_gammu_skip_seen(struct modem_gammu *m, int location)
{
	int i;

	for (i = 0; i < m->nskipped; i++)
		if (m->skipped[i] == location)
			return 1;
	if (m->nskipped < MODEM_GAMMU_SKIP_MAX)
		m->skipped[m->nskipped++] = location;
	return 0;
}

/*
 * The record at location that libgammu could not decode, into out: fetched
 * raw where we have the line. A record the host filed to send (stat 2 or
 * 3) is skipped, as convert() skips those libgammu decodes. Without a line
 * of our own it is passed without its PDU, once per handle, and stays on
 * the SIM. Returns 1 when out is to be passed on, 0 to skip it (also when
 * the slot is empty or the modem refused: the next read tries again), -1
 * and err when the modem failed.
 */
static int
modem_gammu_bad_record(struct modem_gammu *m, int location,
    struct modem_sms *out, char *err, size_t errlen)
{
	struct modem_at_reply rep;
	int r;

	if (m->fd < 0) {
		if (modem_gammu_skip_seen(m, location))
			return 0;
		memset(out, 0, sizeof(*out));
		out->location = location;
		out->part_no = out->part_count = 1;
		out->malformed = out->raw = 1;
		return 1;
	}
	if ((r = modem_gammu_fetch(m, location, &rep, err, errlen)) ==
	    MODEM_AT_FAILED)
		return -1;
	if (r != MODEM_AT_OK || rep.pdu[0] == '\0' || rep.stat > 1)
		return 0;
	modem_gammu_raw(rep.pdu, location, out);
	return 1;
}

/*
 * What libgammu decoded, checked against the record's own bytes where we
 * have the line: a record whose lengths do not fit its data (libgammu
 * accepts some, reading past the record) becomes raw; a "type 0" SMS is
 * marked a probe. A record the fetch does not show as hex keeps libgammu's
 * reading. Returns 0, or -1 and err when the modem failed.
 */
static int
modem_gammu_check(struct modem_gammu *m, struct modem_sms *sms, char *err,
    size_t errlen)
{
	struct modem_at_reply rep;
	struct pdu_deliver d;
	enum pdu_status st;
	int r;

	if (m->fd < 0 || sms->status_report)
		return 0;
	if ((r = modem_gammu_fetch(m, sms->location, &rep, err, errlen)) ==
	    MODEM_AT_FAILED)
		return -1;
	if (r != MODEM_AT_OK || rep.pdu[0] == '\0')
		return 0;
	st = pdu_read_deliver(rep.pdu, &d);
	if (st != PDU_OK && st != PDU_ERR_HEX) {
		modem_gammu_raw(rep.pdu, sms->location, sms);
		return 0;
	}
	if (st == PDU_OK && d.pid == PDU_PID_TYPE0) {
		sms->probe = 1;
		sms->concat_ref = 0;
		sms->part_no = sms->part_count = 1;
	}
	return 0;
}

/*
 * Deletes a raw record that libgammu would not (its re-read failed, after
 * it had selected the record's memory): our own AT+CMGR first, and
 * AT+CMGD only while the record there is still the one read, so that
 * nothing is deleted that was not stored. An empty slot counts as
 * deleted. 0; -2 and err when the record changed or the modem refused;
 * -1 and err when the modem failed.
 */
static int
modem_gammu_remove_raw(struct modem_gammu *m, const struct modem_sms *sms,
    char *err, size_t errlen)
{
	struct modem_at_reply rep;
	char cmd[32];
	int r;

	if ((r = modem_gammu_fetch(m, sms->location, &rep, err, errlen)) ==
	    MODEM_AT_FAILED)
		return -1;
	if (r == MODEM_AT_OK && rep.pdu[0] == '\0')
		return 0;
	if (r == MODEM_AT_OK && strcasecmp(rep.pdu, sms->text) != 0)
		modem_gammu_err(err, errlen, "deleting SMS: the record there "
		    "is no longer the one read");
	if (r != MODEM_AT_OK || strcasecmp(rep.pdu, sms->text) != 0)
		return -2;
	snprintf(cmd, sizeof(cmd), "AT+CMGD=%d",
	    sms->location % GSM_PHONE_MAXSMSINFOLDER);
	r = modem_gammu_at(m, cmd, &rep, err, errlen);
	return r == MODEM_AT_OK ? 0 : r == MODEM_AT_REFUSED ? -2 : -1;
}

/*
 * One GSM_GetNextSMS call under the watchdog: start a new listing, or go
 * on after multi->SMS[0].Location. Returns its error, or ERR_ABORTED with
 * err filled when the watchdog cut it short or had done so before.
 */
static GSM_Error
modem_gammu_next(struct modem_gammu *m, int start, char *err, size_t errlen)
{
	GSM_Error e;

	m->multi->SMS[0].Folder = 0;	/* locations are flat */
	if (modem_gammu_arm(m, m->timeout, err, errlen) == -1)
		return ERR_ABORTED;
	e = GSM_GetNextSMS(m->sm, m->multi, start);
	if (modem_gammu_disarm(m, err, errlen) == -1)
		return ERR_ABORTED;
	return e;
}

/*
 * Remembers that this read met a record at location. Returns 1 when it
 * had met it before (or cannot remember more), else 0.
 */
static int
modem_gammu_seen(struct modem_gammu *m, int location)
{
	int i;

	for (i = 0; i < m->nseen; i++)
		if (m->seen[i] == location)
			return 1;
	if (m->nseen >= MODEM_GAMMU_SEEN_MAX)
		return 1;
	m->seen[m->nseen++] = location;
	return 0;
}

/*
 * 1 when a failure of GetNextSMS with e names a record it can go on after:
 * a record error at a location this read has not met before. A failure
 * that is not the decoding of a new record leaves the location where the
 * last record was (a listing that failed), and a driver that cannot go on
 * names the same one again or goes round (the dummy driver): those end
 * the read, as any other failure does.
 */
static int
modem_gammu_can_skip(struct modem_gammu *m, GSM_Error e, int location)
{
	return modem_gammu_is_record_error(e) && location > 0 &&
	    !modem_gammu_seen(m, location);
}

/*
 * Reads every SMS in every folder with GSM_GetNextSMS, calling cb for each
 * received one; deletes nothing. A record libgammu cannot decode is passed
 * raw (see modem_gammu_bad_record) and the listing goes on after it with
 * GetNextSMS(start FALSE); any other failure ends the read. Returns how
 * many were passed to cb (also when cb stopped the read with -1), or -1
 * and err when gammu or the modem failed.
 */
static int
modem_gammu_read(void *modem, modem_sms_cb cb, void *arg, char *err,
    size_t errlen)
{
	struct modem_gammu *m = modem;
	GSM_MultiSMSMessage *multi = m->multi;
	struct modem_sms sms;
	GSM_Error e;
	int i, r, calls, count = 0;

	memset(multi, 0, sizeof(*multi));
	m->nseen = 0;
	for (calls = 0; calls < MODEM_GAMMU_MAX_READS; calls++) {
		if ((e = modem_gammu_next(m, calls == 0, err, errlen)) ==
		    ERR_ABORTED && modem_gammu_dead(m))
			return -1;
		if (e == ERR_EMPTY)
			return count;
		if (e != ERR_NONE && !modem_gammu_can_skip(m, e,
		    multi->SMS[0].Location)) {
			modem_gammu_gerr(err, errlen, "reading SMS", e);
			return -1;
		}
		if (e == ERR_NONE)
			(void)modem_gammu_seen(m, multi->SMS[0].Location);
		if (e != ERR_NONE) {
			if ((r = modem_gammu_bad_record(m,
			    multi->SMS[0].Location, &sms, err, errlen)) == -1)
				return -1;
			if (r == 1 && (count++, cb(arg, &sms) == -1))
				return count;
			continue;
		}
		for (i = 0; i < multi->Number && i < GSM_MAX_MULTI_SMS; i++) {
			if (!modem_gammu_convert(&multi->SMS[i], &sms))
				continue;
			if (modem_gammu_check(m, &sms, err, errlen) == -1)
				return -1;
			count++;
			if (cb(arg, &sms) == -1)
				return count;
		}
	}
	modem_gammu_err(err, errlen, "reading SMS: the modem lists too many");
	return -1;
}

/*
 * Deletes one SMS where read() found it. The location is passed flat
 * (Folder 0), as gammu's smsd does: the AT driver reports folders 1-4 but
 * expects either a flat location or a folder-relative one. A message that
 * is already gone counts as deleted. A raw record libgammu refuses to
 * delete goes to modem_gammu_remove_raw(). 0; -1 and err when the modem
 * failed; -2 and err when it refused or the record changed.
 */
static int
modem_gammu_remove(void *modem, const struct modem_sms *sms, char *err,
    size_t errlen)
{
	struct modem_gammu *m = modem;
	GSM_SMSMessage *msg = &m->multi->SMS[0];
	GSM_Error e;

	memset(msg, 0, sizeof(*msg));
	msg->Location = sms->location;
	msg->Folder = 0;
	if (modem_gammu_arm(m, m->timeout, err, errlen) == -1)
		return -1;
	e = GSM_DeleteSMS(m->sm, msg);
	if (modem_gammu_disarm(m, err, errlen) == -1)
		return -1;
	if (e == ERR_NONE || e == ERR_EMPTY)
		return 0;
	if (sms->raw && m->fd >= 0 && modem_gammu_is_record_error(e))
		return modem_gammu_remove_raw(m, sms, err, errlen);
	modem_gammu_gerr(err, errlen, "deleting SMS", e);
	return -1;
}

/* ---- sending --------------------------------------------------------- */

static void
modem_gammu_on_status(GSM_StateMachine *sm, int status, int ref, void *arg)
{
	struct modem_gammu *m = arg;

	(void)sm;
	m->send_done = 1;
	m->send_status = status;
	m->send_ref = ref;
}

/* 1 when number is a dialable number ("+" and up to 20 digits), else 0. */
static int
modem_gammu_number_ok(const char *number)
{
	size_t i, n;

	if (number == NULL)
		return 0;
	i = number[0] == '+';
	n = strlen(number);
	if (n == i || n - i > 20)
		return 0;
	for (; i < n; i++)
		if (number[i] < '0' || number[i] > '9')
			return 0;
	return 1;
}

/*
 * Checks text and decodes it into gammu unicode in buf (at least
 * 2 * MODEM_GAMMU_SEND_MAX + 2 bytes). Returns 1 when it needs UCS-2,
 * 0 when GSM-7 carries it, -1 and err when it cannot be sent.
 */
static int
modem_gammu_prepare(const char *text, unsigned char *buf, char *err,
    size_t errlen)
{
	size_t len;
	struct sms_info info;
	int ucs2;

	len = text == NULL ? 0 : strlen(text);
	if (len == 0) {
		modem_gammu_err(err, errlen, "empty text");
		return -1;
	}
	if (len > MODEM_GAMMU_SEND_MAX) {
		modem_gammu_err(err, errlen, "text too long");
		return -1;
	}
	/* The same choice as the segment calculator: GSM-7 whenever the
	 * text allows. It refuses what is not UTF-8. */
	if (sms_measure(text, &info) == -1) {
		modem_gammu_err(err, errlen, "text is not UTF-8");
		return -1;
	}
	ucs2 = info.encoding == SMS_UCS2;
	DecodeUTF8(buf, text, len);
	return ucs2;
}

/*
 * Sets the SMSC of an outgoing part: the SIM's, read once per handle, else
 * "the phone's default". 0, or -1 and err when the modem timed out.
 */
static int
modem_gammu_set_smsc(struct modem_gammu *m, GSM_SMSMessage *sms, char *err,
    size_t errlen)
{
	GSM_Error e;

	if (!m->have_smsc) {
		memset(&m->smsc, 0, sizeof(m->smsc));
		m->smsc.Location = 1;
		if (modem_gammu_arm(m, m->timeout, err, errlen) == -1)
			return -1;
		e = GSM_GetSMSC(m->sm, &m->smsc);
		if (modem_gammu_disarm(m, err, errlen) == -1)
			return -1;
		m->have_smsc = e == ERR_NONE;
	}
	if (m->have_smsc) {
		sms->SMSC = m->smsc;
		sms->SMSC.Location = 0;
	} else
		sms->SMSC.Location = 1;
	return 0;
}

/* 1 when e says the modem or its line failed, not the message. */
static int
modem_gammu_is_link_error(GSM_Error e)
{
	switch (e) {
	case ERR_TIMEOUT:
	case ERR_ABORTED:
	case ERR_DEVICEREADERROR:
	case ERR_DEVICEWRITEERROR:
	case ERR_DEVICENOTEXIST:
	case ERR_DEVICEOPENERROR:
	case ERR_NOTCONNECTED:
		return 1;
	default:
		return 0;
	}
}

/*
 * Sends one encoded part and waits, up to the configured timeout, for the
 * send-status callback. Returns the message reference (>= 0, or -1 when
 * the modem gave none) on success; on failure fills err and returns
 * MODEM_GAMMU_REFUSED when the modem answered with an error (+CMS ERROR:
 * the message may be retried, the modem is fine) or MODEM_GAMMU_FAILED
 * when the modem did not answer (timeout, I/O error).
 */
static int
modem_gammu_send_part(struct modem_gammu *m, GSM_SMSMessage *sms, char *err,
    size_t errlen)
{
	GSM_Error e;
	int64_t deadline;

	m->send_done = 0;
	m->send_status = -1;
	m->send_ref = -1;
	if (modem_gammu_arm(m, m->timeout + 2, err, errlen) == -1)
		return MODEM_GAMMU_FAILED;
	e = GSM_SendSMS(m->sm, sms);
	deadline = modem_gammu_now_ms() + (int64_t)m->timeout * 1000;
	while (e == ERR_NONE && !m->send_done &&
	    modem_gammu_now_ms() < deadline) {
		if (GSM_ReadDevice(m->sm, TRUE) < 0 && !GSM_IsConnected(m->sm))
			break;
	}
	if (modem_gammu_disarm(m, err, errlen) == -1)
		return MODEM_GAMMU_FAILED;
	if (m->send_done && m->send_status > 0) {
		modem_gammu_err(err, errlen, "send failed: +CMS ERROR %d",
		    m->send_status);
		return MODEM_GAMMU_REFUSED;
	}
	if (e != ERR_NONE) {
		modem_gammu_gerr(err, errlen, "send failed", e);
		return modem_gammu_is_link_error(e) ? MODEM_GAMMU_FAILED :
		    MODEM_GAMMU_REFUSED;
	}
	if (!m->send_done) {
		modem_gammu_err(err, errlen, "send failed: no status from "
		    "the modem");
		return MODEM_GAMMU_FAILED;
	}
	if (m->send_status != 0) {
		modem_gammu_err(err, errlen, "send failed: the modem said "
		    "ERROR");
		return MODEM_GAMMU_REFUSED;
	}
	return m->send_ref;
}

/* Appends ",ref" (or "ref" first) to msgref, truncating silently. */
static void
modem_gammu_add_ref(char *msgref, size_t reflen, int ref)
{
	size_t n;

	if (msgref == NULL || reflen == 0)
		return;
	n = strlen(msgref);
	if (n < reflen)
		snprintf(msgref + n, reflen - n, "%s%d", n > 0 ? "," : "", ref);
}

/*
 * Gives a part of a long message the caller's concatenation reference, so
 * that parts sent by different attempts join on the phone: gammu picks a
 * new random one each time it encodes.
 */
static void
modem_gammu_set_concat_ref(struct modem_gammu *m, GSM_SMSMessage *sms,
    int concat_ref)
{
	if (sms->UDH.Type == UDH_ConcatenatedMessages)
		sms->UDH.ID8bit = concat_ref & 0xff;
	else if (sms->UDH.Type == UDH_ConcatenatedMessages16bit)
		sms->UDH.ID16bit = concat_ref & 0xffff;
	else
		return;
	GSM_EncodeUDHHeader(GSM_GetDebug(m->sm), &sms->UDH);
}

/*
 * Sends text (UTF-8) to number as one SMS or a concatenated long one, in
 * UCS-2 only when a character is outside the GSM-7 alphabet, skipping the
 * progress->parts_done parts an earlier attempt sent. After each part the
 * network accepts, progress is updated and cb called. 0; -2 and err when
 * the message was refused (invalid, or +CMS ERROR: retry it later); -1 and
 * err when the modem failed.
 */
static int
modem_gammu_send(void *modem, const char *number, const char *text,
    struct modem_send *progress, modem_part_cb cb, void *arg, char *err,
    size_t errlen)
{
	unsigned char dest[2 * (MODEM_NUMBER_MAX + 1)];
	struct modem_gammu *m = modem;
	GSM_MultiSMSMessage *multi = m->multi;
	unsigned char *buf = m->text;
	GSM_Error e;
	int i, ref, ucs2;

	if (!modem_gammu_number_ok(number)) {
		modem_gammu_err(err, errlen, "invalid number");
		return -2;
	}
	if ((ucs2 = modem_gammu_prepare(text, buf, err, errlen)) == -1)
		return -2;
	DecodeUTF8(dest, number, strlen(number));
	GSM_ClearMultiPartSMSInfo(m->parts);
	m->parts->EntriesNum = 1;
	m->parts->UnicodeCoding = ucs2 ? TRUE : FALSE;
	m->parts->Class = -1;
	m->parts->Entries[0].ID = SMS_ConcatenatedTextLong;
	m->parts->Entries[0].Buffer = buf;
	memset(multi, 0, sizeof(*multi));
	e = GSM_EncodeMultiPartSMS(GSM_GetDebug(m->sm), m->parts, multi);
	m->parts->Entries[0].Buffer = NULL;
	if (e != ERR_NONE) {
		modem_gammu_gerr(err, errlen, "encoding SMS", e);
		return -2;
	}
	if (multi->Number < 1 || multi->Number >= GSM_MAX_MULTI_SMS) {
		modem_gammu_err(err, errlen, "text too long");
		return -2;
	}
	progress->parts_total = multi->Number;
	for (i = progress->parts_done; i < multi->Number; i++) {
		CopyUnicodeString(multi->SMS[i].Number, dest);
		if (m->reports)         /* TP-SRR: the network reports back */
			multi->SMS[i].PDU = SMS_Status_Report;
		modem_gammu_set_concat_ref(m, &multi->SMS[i],
		    progress->concat_ref);
		if (modem_gammu_set_smsc(m, &multi->SMS[i], err, errlen) == -1)
			return -1;
		ref = modem_gammu_send_part(m, &multi->SMS[i], err, errlen);
		if (ref == MODEM_GAMMU_REFUSED)
			return -2;
		if (ref == MODEM_GAMMU_FAILED)
			return -1;
		modem_gammu_add_ref(progress->msgref, sizeof(progress->msgref),
		    ref);
		progress->parts_done = i + 1;
		if (cb != NULL)
			cb(arg, progress);
	}
	return 0;
}

/* ---- state ----------------------------------------------------------- */

/* The operator's name into out (UTF-8), "" when unknown. 0, or a GSM_Error. */
static GSM_Error
modem_gammu_operator(struct modem_gammu *m, char *out, size_t outlen)
{
	GSM_NetworkInfo net;
	char name[3 * sizeof(net.NetworkName) + 1];
	GSM_Error e;

	memset(&net, 0, sizeof(net));
	if ((e = GSM_GetNetworkInfo(m->sm, &net)) != ERR_NONE)
		return e;
	net.NetworkCode[sizeof(net.NetworkCode) - 1] = '\0';
	if (UnicodeLength(net.NetworkName) == 0 && net.NetworkCode[0] != '\0')
		CopyUnicodeString(net.NetworkName,
		    GSM_GetNetworkName(net.NetworkCode));
	if (modem_gammu_from_unicode(name, sizeof(name), net.NetworkName,
	    sizeof(net.NetworkName)) == 0)
		modem_gammu_copy_utf8(out, outlen, name);
	return ERR_NONE;
}

/* A modem's date and time (its zone in seconds east of UTC) as UTC
 * seconds; 0 when it is before 2025 or not a date. */
static int64_t
modem_gammu_utc(const GSM_DateTime *dt)
{
	struct tm tm;
	time_t t;

	if (dt->Year < 2025 || dt->Year > 2200 || dt->Month < 1 ||
	    dt->Month > 12 || dt->Day < 1 || dt->Day > 31 || dt->Hour > 23 ||
	    dt->Minute > 59 || dt->Second > 60)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = dt->Year - 1900;
	tm.tm_mon = dt->Month - 1;
	tm.tm_mday = dt->Day;
	tm.tm_hour = dt->Hour;
	tm.tm_min = dt->Minute;
	tm.tm_sec = dt->Second;
	if ((t = timegm(&tm)) == (time_t)-1)
		return 0;
	return (int64_t)t - dt->Timezone;
}

/*
 * Operator, signal and SIM storage, each asked separately: what one query
 * cannot tell stays unknown (operator "", dBm 0, percent and SIM counts -1).
 * Returns 0 when at least one answer came, -1 and err when none did or the
 * modem timed out.
 */
static int
modem_gammu_info(void *modem, struct modem_info *out, char *err,
    size_t errlen)
{
	struct modem_gammu *m = modem;
	GSM_SignalQuality sig;
	GSM_SMSMemoryStatus st;
	GSM_DateTime dt;
	GSM_Error e, last = ERR_NONE;
	int ok = 0;

	memset(out, 0, sizeof(*out));
	out->signal_percent = out->sim_used = out->sim_total = -1;
	if (modem_gammu_arm(m, 3 * m->timeout, err, errlen) == -1)
		return -1;
	memset(&sig, 0, sizeof(sig));
	if ((e = GSM_GetSignalQuality(m->sm, &sig)) == ERR_NONE) {
		ok = 1;
		out->signal_dbm = sig.SignalStrength == -1 ? 0 :
		    sig.SignalStrength;
		out->signal_percent = sig.SignalPercent;
	} else
		last = e;
	if ((e = modem_gammu_operator(m, out->operator_name,
	    sizeof(out->operator_name))) == ERR_NONE)
		ok = 1;
	else
		last = e;
	memset(&st, 0, sizeof(st));
	if ((e = GSM_GetSMSStatus(m->sm, &st)) == ERR_NONE) {
		ok = 1;
		out->sim_used = st.SIMUsed;
		out->sim_total = st.SIMSize;
	} else
		last = e;
	/* The modem's clock (AT+CCLK?): the network's time when the modem
	 * takes it from the network (NITZ); a modem that never did starts
	 * at 2000 or 2004, which is refused. Not counted as an answer. */
	memset(&dt, 0, sizeof(dt));
	if (GSM_GetDateTime(m->sm, &dt) == ERR_NONE)
		out->network_time = modem_gammu_utc(&dt);
	if (modem_gammu_disarm(m, err, errlen) == -1)
		return -1;
	if (!ok) {
		modem_gammu_gerr(err, errlen, "asking the modem", last);
		return -1;
	}
	return 0;
}

static void
modem_gammu_on_sms(GSM_StateMachine *sm, GSM_SMSMessage *sms, void *arg)
{
	struct modem_gammu *m = arg;

	(void)sm;
	(void)sms;
	m->incoming = 1;
}

/*
 * One GSM_ReadDevice(s, FALSE) (at most 50 ms in select()) with signals
 * blocked: libgammu's proxy device answers an interrupted select() with a
 * blocking read() that only the modem can end. Returns what GSM_ReadDevice
 * returned; *signalled is set when a signal became pending meanwhile (it is
 * delivered when the mask is restored, before this returns).
 */
static int
modem_gammu_poll(struct modem_gammu *m, int *signalled)
{
	sigset_t all, old, pending;
	int r, sig;

	sigfillset(&all);
	sigdelset(&all, SIGSEGV), sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE), sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = GSM_ReadDevice(m->sm, FALSE);
	sigemptyset(&pending);
	sigpending(&pending);
	for (sig = 1; sig <= SIGRTMAX; sig++)
		if (sigismember(&pending, sig) == 1 &&
		    sigismember(&old, sig) == 0)
			*signalled = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/*
 * Sleeps in poll() on the modem's descriptor until it has bytes for
 * libgammu to read, at most until start + timeout_ms. Returns 1 when it
 * is readable; 0 on timeout, on a signal (*signalled set) or when the
 * device hung up (the caller tells these apart by the clock and the flag).
 */
static int
modem_gammu_readable(struct modem_gammu *m, int64_t start, int timeout_ms,
    int *signalled)
{
	struct pollfd p = { .fd = m->fd, .events = POLLIN };
	int64_t left = start + timeout_ms - modem_gammu_now_ms();
	int r;

	r = poll(&p, 1, left > 0 ? (int)left : 0);
	if (r < 0 && errno == EINTR)
		*signalled = 1;
	if (r <= 0)
		return 0;
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
		return 0;
	return 1;
}

/*
 * Lets libgammu process unsolicited lines (+CMTI) for up to timeout_ms.
 * Returns 1 as soon as a new message was announced (also one announced
 * during an earlier call), 0 on timeout or when a signal arrived, -1 when
 * the device failed or the handle is dead.
 *
 * GSM_ReadDevice(s, TRUE) would sit out signals (it loops until the second
 * changes), so this polls with FALSE. Drivers without a device (dummy)
 * return at once; then we sleep a little, and a signal ends the sleep.
 */
static int
modem_gammu_wait(void *modem, int timeout_ms)
{
	struct modem_gammu *m = modem;
	int64_t start, t0, now;
	int r, signalled = 0;

	if (modem_gammu_dead(m))
		return -1;
	start = modem_gammu_now_ms();
	for (;;) {
		if (m->incoming) {
			m->incoming = 0;
			return 1;
		}
		if (signalled)
			return 0;
		if (!GSM_IsConnected(m->sm))
			return -1;
		if (m->fd >= 0 && !modem_gammu_readable(m, start, timeout_ms,
		    &signalled)) {
			if (signalled)
				return 0;
			return modem_gammu_now_ms() - start >= timeout_ms ?
			    0 : -1;
		}
		t0 = modem_gammu_now_ms();
		errno = 0;
		r = modem_gammu_poll(m, &signalled);
		if (r < 0 && errno != EINTR && errno != EAGAIN && !m->incoming)
			return -1;
		now = modem_gammu_now_ms();
		if (now - start >= timeout_ms && !m->incoming)
			return 0;
		if (m->fd < 0 && now - t0 < 5 && !m->incoming && !signalled &&
		    modem_gammu_sleep_ms(MODEM_GAMMU_IDLE_MS) == -1)
			signalled = 1;
	}
}

/* ---- opening --------------------------------------------------------- */

/*
 * Fills libgammu's first config section from conf, with nothing read from
 * a gammurc. Device, Connection and DebugFile are strdup()ed because
 * GSM_FreeStateMachine() frees exactly those three; the rest are arrays.
 * 0, or -1 and err.
 */
static int
modem_gammu_config(GSM_StateMachine *sm, const struct conf_modem *conf,
    char *err, size_t errlen)
{
	GSM_Config *cfg = GSM_GetConfig(sm, 0);
	const char *debug = getenv("SHUKHER_GAMMU_DEBUG");
	size_t i;

	if (conf->device == NULL || conf->device[0] == '\0' ||
	    conf->connection == NULL || conf->connection[0] == '\0') {
		modem_gammu_err(err, errlen, "no modem device or connection "
		    "configured");
		return -1;
	}
	if (conf->model != NULL &&
	    strlen(conf->model) >= sizeof(cfg->Model)) {
		modem_gammu_err(err, errlen, "modem model name too long");
		return -1;
	}
	cfg->Device = strdup(conf->device);
	cfg->Connection = strdup(conf->connection);
	cfg->DebugFile = debug != NULL && debug[0] != '\0' ?
	    strdup(debug) : NULL;
	if (cfg->Device == NULL || cfg->Connection == NULL ||
	    (debug != NULL && debug[0] != '\0' && cfg->DebugFile == NULL)) {
		modem_gammu_err(err, errlen, "out of memory");
		return -1;
	}
	snprintf(cfg->Model, sizeof(cfg->Model), "%s",
	    conf->model != NULL ? conf->model : "");
	snprintf(cfg->DebugLevel, sizeof(cfg->DebugLevel), "%s",
	    cfg->DebugFile != NULL ? "textalldate" : "");
	cfg->SyncTime = FALSE;
	cfg->LockDevice = FALSE;
	cfg->StartInfo = FALSE;
	cfg->UseGlobalDebugFile = FALSE;
	cfg->PhoneFeatures[0] = 0;
	for (i = 0; i < sizeof(cfg->CNMIParams) / sizeof(cfg->CNMIParams[0]);
	    i++)
		cfg->CNMIParams[i] = -1;	/* the driver's choice */
	GSM_SetConfigNum(sm, 1);
	return 0;
}

/*
 * Enters the PIN when the SIM asks for it. A phone that cannot tell its
 * security status is taken as not asking. 0, or -1 and err (which never
 * holds the PIN).
 */
static int
modem_gammu_pin(struct modem_gammu *m, const char *pin, char *err,
    size_t errlen)
{
	GSM_SecurityCodeType status = SEC_None;
	GSM_SecurityCode code;
	GSM_Error e;

	e = GSM_GetSecurityStatus(m->sm, &status);
	if (e == ERR_NOTSUPPORTED || e == ERR_NOTIMPLEMENTED)
		return 0;
	if (e != ERR_NONE) {
		modem_gammu_gerr(err, errlen, "asking for the SIM status", e);
		return -1;
	}
	if (status == SEC_None)
		return 0;
	if (status != SEC_Pin) {
		modem_gammu_err(err, errlen, MODEM_ERR_SIM_LOCKED);
		return -1;
	}
	if (pin == NULL || pin[0] == '\0') {
		modem_gammu_err(err, errlen, MODEM_ERR_PIN_NEEDED);
		return -1;
	}
	memset(&code, 0, sizeof(code));
	code.Type = SEC_Pin;
	snprintf(code.Code, sizeof(code.Code), "%s", pin);
	e = GSM_EnterSecurityCode(m->sm, &code);
	memset(&code, 0, sizeof(code));
	if (e == ERR_SECURITYERROR) {
		modem_gammu_err(err, errlen, MODEM_ERR_PIN_REFUSED);
		return -1;
	}
	if (e != ERR_NONE) {
		modem_gammu_gerr(err, errlen, "entering the PIN", e);
		return -1;
	}
	return 0;
}

/* Terminates the connection (errors ignored) and frees everything. */
static void
modem_gammu_free(struct modem_gammu *m)
{
	if (m == NULL)
		return;
	if (m->sm != NULL) {
		/* the AT driver's Terminate says nothing to the modem; others
		 * might, so a dead handle (aborted) returns at once */
		if (m->dog_started)
			(void)modem_gammu_arm(m, m->timeout, NULL, 0);
		GSM_TerminateConnection(m->sm);
		modem_gammu_dog_stop(m);
		/* closes a debug file a failed init left open */
		GSM_SetDebugFileDescriptor(NULL, FALSE, GSM_GetDebug(m->sm));
		GSM_FreeStateMachine(m->sm);
	}
	free(m->multi);
	free(m->parts);
	free(m);
}

/*
 * The descriptor libgammu opened for device, found in /proc/self/fd by
 * the device's real path (a /dev/gsm-modem link leads to /dev/ttyUSB0),
 * so that wait() can sleep in poll() until the modem says something rather
 * than wake twenty times a second. -1 where there is none: proxyat talks
 * through a pipe, the dummy driver through files.
 */
static int
modem_gammu_find_fd(const char *device)
{
	char want[PATH_MAX], path[64], have[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	ssize_t n;
	int fd, found = -1;

	if (device == NULL || realpath(device, want) == NULL ||
	    strncmp(want, "/dev/", 5) != 0 ||
	    (dir = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		fd = atoi(d->d_name);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, have, sizeof(have) - 1);
		if (n <= 0)
			continue;
		have[n] = '\0';
		if (strcmp(have, want) == 0 && fd > found)
			found = fd;
	}
	closedir(dir);
	return found;
}

/*
 * Connects as conf says, enters the PIN if the SIM asks, and asks for
 * new-message notices when conf wants them (a modem that refuses them is
 * not an error: the periodic full read finds the messages anyway). Returns the handle,
 * or NULL and err. Close with modem_gammu_close().
 */
static void *
modem_gammu_open(const struct conf_modem *conf, char *err, size_t errlen)
{
	struct modem_gammu *m;
	GSM_Error e;
	int r;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->multi = malloc(sizeof(*m->multi))) == NULL ||
	    (m->parts = malloc(sizeof(*m->parts))) == NULL ||
	    (m->sm = GSM_AllocStateMachine()) == NULL) {
		modem_gammu_err(err, errlen, "out of memory");
		goto fail;
	}
	m->fd = -1;
	m->reports = conf->delivery_reports;
	m->timeout = conf->timeout > 0 ? conf->timeout :
	    MODEM_GAMMU_DEFAULT_TIMEOUT;
	if (modem_gammu_config(m->sm, conf, err, errlen) == -1 ||
	    modem_gammu_dog_start(m, err, errlen) == -1 ||
	    modem_gammu_arm(m, 3 * m->timeout, err, errlen) == -1)
		goto fail;
	e = GSM_InitConnection(m->sm, 1);
	if (modem_gammu_disarm(m, err, errlen) == -1)
		goto fail;
	if (e != ERR_NONE) {
		modem_gammu_gerr(err, errlen, "connecting to the modem", e);
		goto fail;
	}
	m->fd = modem_gammu_find_fd(conf->device);
	/* InitConnection clears the callbacks: set them only now */
	GSM_SetSendSMSStatusCallback(m->sm, modem_gammu_on_status, m);
	GSM_SetIncomingSMSCallback(m->sm, modem_gammu_on_sms, m);
	if (modem_gammu_arm(m, 2 * m->timeout, err, errlen) == -1)
		goto fail;
	r = modem_gammu_pin(m, conf->pin, err, errlen);
	/* a failure to enable notices only costs latency: reads remain */
	if (r == 0 && conf->notifications)
		(void)GSM_SetIncomingSMS(m->sm, TRUE);
	if (modem_gammu_disarm(m, err, errlen) == -1 || r == -1)
		goto fail;
	return m;
fail:
	modem_gammu_free(m);
	return NULL;
}

static void
modem_gammu_close(void *modem)
{
	modem_gammu_free(modem);
}

const struct modem_ops modem_gammu_ops = {
	.name = "gammu",
	.open = modem_gammu_open,
	.close = modem_gammu_close,
	.read = modem_gammu_read,
	.remove = modem_gammu_remove,
	.send = modem_gammu_send,
	.info = modem_gammu_info,
	.wait = modem_gammu_wait,
};
