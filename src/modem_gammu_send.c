/*
 * modem_gammu_send: modem_ops.send over libgammu. A text becomes one SMS
 * or a concatenated long one, GSM-7 whenever the text allows (the same
 * choice as the segment calculator, sms.h), each part sent and awaited on
 * its own so that a retry resumes after the parts already sent.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gammu.h>

#include "modem_gammu_int.h"
#include "sms.h"
#include "text.h"

#define MODEM_GAMMU_FLUSH_MS 3000 /* for libgammu to take an AT's OK */

/* modem_gammu_send_part()'s failures; both below any message reference. */
#define MODEM_GAMMU_REFUSED	(-2)
#define MODEM_GAMMU_FAILED	(-3)

/* libgammu's send-status callback for the part just sent: status 0 when
 * the network took it, a +CMS ERROR code above 0, below 0 for a plain
 * ERROR; ref is the message reference. */
void
modem_gammu_on_status(GSM_StateMachine *sm, int status, int ref, void *arg)
{
	struct modem_gammu *m = arg;

	(void)sm;
	m->send_done = 1;
	m->send_status = status;
	m->send_ref = ref;
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
 * After the status was read on our own descriptor: libgammu still holds
 * the command's echo and the "> " prompt in its buffer, waiting for the
 * final answer we took, and would take the next command's answer for it
 * (misread, then a timeout). A bare "AT" of ours, its OK read by libgammu,
 * completes that answer: libgammu hands it to its send-status callback
 * (whose values the caller overwrites) and empties its buffer. A libgammu
 * that does not, within MODEM_GAMMU_FLUSH_MS, leaves a line whose state
 * is unknown: the handle is spoilt (the send itself stands; every later
 * call fails until a reopen).
 */
static void
modem_gammu_flush(struct modem_gammu *m)
{
	int64_t deadline = modem_gammu_now_ms() + MODEM_GAMMU_FLUSH_MS;

	m->send_done = 0;
	if (write(m->fd, "AT\r", 3) == 3)
		while (!m->send_done && modem_gammu_now_ms() < deadline)
			if (GSM_ReadDevice(m->sm, TRUE) < 0 &&
			    !GSM_IsConnected(m->sm))
				break;
	if (!m->send_done)
		modem_gammu_spoil(m);   /* the send itself went well */
}

/*
 * The status of the part just sent, read on our own descriptor: "+CMGS:
 * <ref>" and OK, or +CMS ERROR, as the send-status callback would have
 * had it (libgammu holds nothing of this answer: it wrote the PDU itself
 * and waits for nothing). Read ourselves so that a modem that restarts
 * while sending (its boot lines, which libgammu would keep in its buffer
 * until the next answer, misread) is seen at once rather than after the
 * whole timeout.
 */
static void
modem_gammu_status_line(struct modem_gammu *m, char *err, size_t errlen)
{
	struct modem_at_reply rep;
	int r, ref = -1, code = -1;

	r = modem_at_answer(m->fd, m->timeout * 1000, &rep);
	modem_gammu_note(m, &rep);
	if (m->boot_at != 0) {
		(void)modem_gammu_restarted(m, err, errlen);
		return;
	}
	if (r == MODEM_AT_FAILED)
		return;                 /* no status came */
	modem_gammu_flush(m);
	m->send_done = 1;
	if (r == MODEM_AT_OK) {
		(void)sscanf(rep.info, "+CMGS: %d", &ref);
		m->send_status = 0;
		m->send_ref = ref;
	} else if (sscanf(rep.final, "+CMS ERROR: %d", &code) == 1 &&
	    code > 0)
		m->send_status = code;
	else
		m->send_status = -1;
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
	int dead;

	m->send_done = 0;
	m->send_status = -1;
	m->send_ref = -1;
	if (modem_gammu_arm(m, m->timeout + 2, err, errlen) == -1)
		return MODEM_GAMMU_FAILED;
	e = GSM_SendSMS(m->sm, sms);
	if (e == ERR_NONE && m->fd >= 0)
		modem_gammu_status_line(m, err, errlen);
	deadline = modem_gammu_now_ms() + (int64_t)m->timeout * 1000;
	while (e == ERR_NONE && !m->send_done && m->fd < 0 &&
	    modem_gammu_now_ms() < deadline) {
		if (GSM_ReadDevice(m->sm, TRUE) < 0 && !GSM_IsConnected(m->sm))
			break;
	}
	dead = modem_gammu_disarm(m, NULL, 0) == -1;
	if (m->boot_at != 0)
		return MODEM_GAMMU_FAILED;      /* err says it restarted */
	if (dead) {
		modem_gammu_err(err, errlen, "modem did not answer in time");
		return MODEM_GAMMU_FAILED;
	}
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
		/* the line's state is unknown: only a reopen makes it sure */
		modem_gammu_kill(m);
		modem_gammu_err(err, errlen, "%s: no status came for the "
		    "message sent", MODEM_ERR_REOPEN);
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
int
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

	if (!text_number_ok(number, 1)) {
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
