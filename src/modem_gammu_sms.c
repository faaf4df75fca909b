/*
 * modem_gammu_sms: an SMS as libgammu read it, as a struct modem_sms. Text
 * in gammu unicode becomes UTF-8 in buffers of our own; a UCS-2 or 8-bit
 * part also keeps its user data as it was sent (see modem_gammu.c).
 *
 * Concatenation references: modem_sms.concat_ref is the reference from the
 * UDH, except that a reference of 0 (legal in a UDH, but "single SMS" in
 * struct modem_sms) becomes 0x100 for an 8-bit and 0x10000 for a 16-bit
 * reference: values no UDH of that kind can carry.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <gammu.h>

#include "modem_gammu_int.h"
#include "sms.h"
#include "text.h"

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

/*
 * gammu unicode (big-endian UCS-2/UTF-16, NUL-terminated within srclen
 * bytes: a number, an operator's name, a GSM-7 text) to UTF-8 in out, cut
 * at a character boundary to fit; an ill-formed unit reads as U+FFFD.
 * Returns 0, or -1 when src has no NUL unit (out then holds the units
 * there were, as far as GSM_MAX_SMS_LENGTH).
 */
int
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
	text_utf8_copy(out, outlen, utf8);
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

/* ---- the message --------------------------------------------------- */

/*
 * A date libgammu gives as Unix seconds: its fields are local time at an
 * offset of dt->Timezone seconds east of UTC (an SMSC's timestamp, the
 * modem's clock). 0 when a field is out of range or the year is not
 * within [from, to].
 */
int64_t
modem_gammu_utc(const GSM_DateTime *dt, int from, int to)
{
	struct tm tm;
	time_t t;

	if (dt->Year < from || dt->Year > to || dt->Month < 1 ||
	    dt->Month > 12 || dt->Day < 1 || dt->Day > 31 || dt->Hour < 0 ||
	    dt->Hour > 23 || dt->Minute < 0 || dt->Minute > 59 ||
	    dt->Second < 0 || dt->Second > 60)
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
int
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
	text_utf8_copy(out->sender, sizeof(out->sender), number);
	out->sent_at = modem_gammu_utc(&sms->DateTime, 1970, INT_MAX);
	modem_gammu_concat(sms, out);
	modem_gammu_text(sms, out);
	return 1;
}
