/*
 * sms: the segment calculator (GSM 03.38 and 3GPP TS 23.040 sizes), and
 * the decoders of incoming UCS-2 and 8-bit user data.
 *
 * The two GSM-7 tables are data below, as Unicode code points; everything
 * else is counting. A part boundary never falls inside an escape sequence
 * (GSM-7) or a surrogate pair (UCS-2) of what we send: such a character
 * moves whole to the next part, as libgammu does. What comes in may be cut
 * anywhere, so the decoders take the joined user data of all the parts and
 * leave every ill-formed unit to libunistring, which reads it as U+FFFD.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <unistr.h>

#include "sms.h"

#define SMS_GSM7_SINGLE 160
#define SMS_GSM7_PART 153
#define SMS_UCS2_SINGLE 70
#define SMS_UCS2_PART 67

/* The default alphabet, in the order of its septet values 0x00..0x7f
 * (0x1b, the escape, stands as 0: never a character of its own). */
static const uint16_t sms_gsm7_basic[128] = {
	'@', 0x00a3, '$', 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec,
	0x00f2, 0x00c7, '\n', 0x00d8, 0x00f8, '\r', 0x00c5, 0x00e5,
	0x0394, '_', 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8,
	0x03a3, 0x0398, 0x039e, 0, 0x00c6, 0x00e6, 0x00df, 0x00c9,
	' ', '!', '"', '#', 0x00a4, '%', '&', '\'',
	'(', ')', '*', '+', ',', '-', '.', '/',
	'0', '1', '2', '3', '4', '5', '6', '7',
	'8', '9', ':', ';', '<', '=', '>', '?',
	0x00a1, 'A', 'B', 'C', 'D', 'E', 'F', 'G',
	'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
	'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W',
	'X', 'Y', 'Z', 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
	0x00bf, 'a', 'b', 'c', 'd', 'e', 'f', 'g',
	'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w',
	'x', 'y', 'z', 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
};

/* The extension table: each is sent as the escape and one septet. */
static const uint16_t sms_gsm7_ext[] = {
	'\f', '^', '{', '}', '\\', '[', '~', ']', '|', 0x20ac,
};

uint32_t
sms_gsm7_char(unsigned int s)
{
	return s < 128 ? sms_gsm7_basic[s] : 0;
}

int
sms_gsm7_septets(uint32_t c)
{
	size_t i;

	if (c == 0)
		return 0;
	for (i = 0; i < 128; i++)
		if (sms_gsm7_basic[i] == c)
			return 1;
	for (i = 0; i < sizeof(sms_gsm7_ext) / sizeof(sms_gsm7_ext[0]); i++)
		if (sms_gsm7_ext[i] == c)
			return 2;
	return 0;
}

/*
 * The parts text s of units units takes in encoding enc: one when it fits
 * single, else parts of at most part units, no character split.
 */
static int
sms_parts(const uint8_t *s, enum sms_encoding enc, size_t units,
    size_t single, size_t part)
{
	size_t used = 0, w;
	int parts = 1, n;
	ucs4_t uc;

	if (units <= single)
		return 1;
	while (*s != '\0') {
		n = u8_strmbtouc(&uc, s);
		s += n;
		if (enc == SMS_GSM7)
			w = (size_t)sms_gsm7_septets(uc);
		else
			w = uc >= 0x10000 ? 2 : 1;
		if (used + w > part) {
			parts++;
			used = 0;
		}
		used += w;
	}
	return parts;
}

int
sms_measure(const char *text, struct sms_info *out)
{
	const uint8_t *s = (const uint8_t *)text, *p;
	size_t septets = 0, utf16 = 0, chars = 0;
	int gsm7 = 1, n, w;
	ucs4_t uc;

	memset(out, 0, sizeof(*out));
	if (u8_check(s, strlen(text)) != NULL)
		return -1;
	for (p = s; *p != '\0'; p += n) {
		n = u8_strmbtouc(&uc, p);
		chars++;
		utf16 += uc >= 0x10000 ? 2 : 1;
		if ((w = sms_gsm7_septets(uc)) == 0)
			gsm7 = 0;
		septets += (size_t)w;
	}
	out->chars = chars;
	if (gsm7) {
		out->encoding = SMS_GSM7;
		out->units = septets;
		out->segments = sms_parts(s, SMS_GSM7, septets,
		    SMS_GSM7_SINGLE, SMS_GSM7_PART);
	} else {
		out->encoding = SMS_UCS2;
		out->units = utf16;
		out->segments = sms_parts(s, SMS_UCS2, utf16,
		    SMS_UCS2_SINGLE, SMS_UCS2_PART);
	}
	return 0;
}

const char *
sms_encoding_name(enum sms_encoding e)
{
	return e == SMS_GSM7 ? "GSM-7" : "UCS-2";
}

/* ---- decoding --------------------------------------------------------- */

/* Appends uc to out at *n as UTF-8, U+0000 as U+FFFD. out has room. */
static void
sms_put(char *out, size_t *n, ucs4_t uc)
{
	int k;

	if (uc == 0)
		uc = 0xfffd;
	if ((k = u8_uctomb((uint8_t *)out + *n, uc, 4)) > 0)
		*n += (size_t)k;
}

size_t
sms_text_utf16(const unsigned char *data, size_t len, char *out)
{
	uint16_t u[2];
	size_t i, n = 0;
	ucs4_t uc;
	int k, have;

	for (i = 0; i + 1 < len; i += 2 * (size_t)k) {
		u[0] = (uint16_t)(data[i] << 8 | data[i + 1]);
		have = 1;
		if (i + 3 < len) {
			u[1] = (uint16_t)(data[i + 2] << 8 | data[i + 3]);
			have = 2;
		}
		if ((k = u16_mbtouc(&uc, u, (size_t)have)) < 1)
			k = 1;
		sms_put(out, &n, uc);
	}
	if (len % 2 != 0)
		sms_put(out, &n, 0xfffd);
	out[n] = '\0';
	return n;
}

/* 1 when uc, read from 8-bit data, does not belong in a text. */
static int
sms_not_text(ucs4_t uc)
{
	if (uc == '\t' || uc == '\n' || uc == '\r')
		return 0;
	return uc < 0x20 || (uc >= 0x7f && uc < 0xa0) || uc == 0xfffd;
}

int
sms_text_8bit(const unsigned char *data, size_t len, char *out)
{
	size_t i, n = 0, chars = 0, odd = 0;
	ucs4_t uc;
	int k;

	for (i = 0; i < len; i += (size_t)k) {
		if ((k = u8_mbtouc(&uc, data + i, len - i)) < 1)
			k = 1;
		chars++;
		odd += sms_not_text(uc);
		sms_put(out, &n, uc);
	}
	out[n] = '\0';
	return 4 * odd <= chars;
}
