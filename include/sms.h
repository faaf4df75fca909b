/*
 * sms: what a text costs as SMS, and what SMS user data says.
 *
 * A text goes in GSM-7 when every character is in the GSM 03.38 default
 * alphabet or its extension table (an extension character is sent as an
 * escape and a character: two septets); otherwise it goes in UCS-2. One
 * SMS holds 160 septets or 70 UTF-16 units; each part of a concatenated
 * message 153 septets or 67 units, and no part ends inside an escape or a
 * surrogate pair. The daemon chooses the encoding with sms_measure(), and
 * shukherctl config check prices every reply with it, so the two never
 * disagree.
 */
#ifndef SHUKHER_SMS_H
#define SHUKHER_SMS_H

#include <stddef.h>
#include <stdint.h>

enum sms_encoding {
	SMS_GSM7 = 0,
	SMS_UCS2 = 1,
};

struct sms_info {
	enum sms_encoding encoding;
	size_t chars;            /* Unicode characters (code points) */
	size_t units;            /* septets (GSM-7) or UTF-16 units (UCS-2) */
	int segments;            /* SMS it takes; 1 for an empty text */
};

/* 1 when c is in the GSM-7 default alphabet, 2 when in its extension
 * table (sent as two septets), 0 when GSM-7 cannot carry it. */
int sms_gsm7_septets(uint32_t c);
/* The Unicode character of septet s (0..127) of the default alphabet; 0
 * for the escape (0x1B), which is no character of its own. */
uint32_t sms_gsm7_char(unsigned int s);

/*
 * Measures the UTF-8 text: its encoding, length and number of segments.
 * Returns 0, or -1 when text is not valid UTF-8.
 */
int sms_measure(const char *text, struct sms_info *out);

/* "GSM-7" or "UCS-2". */
const char *sms_encoding_name(enum sms_encoding e);

/*
 * Reading what came in. A UCS-2 message is big-endian UTF-16 (phones send
 * characters outside the BMP as surrogate pairs, and split a long message
 * wherever a part is full, also between the two halves of a pair); an
 * 8-bit one is taken as UTF-8 when it reads as text. Both decoders write
 * valid UTF-8 whose first NUL is its end: a unit or sequence that is not
 * well-formed, and U+0000, become U+FFFD, so that a stray unit costs one
 * character and never the rest of the text. out must hold
 * SMS_TEXT_MAX(len) bytes.
 */
#define SMS_TEXT_MAX(len) (3 * (size_t)(len) + 1)

/* len bytes of big-endian UTF-16 (an odd last byte is ill-formed) to
 * UTF-8 in out. Returns the length of out. */
size_t sms_text_utf16(const unsigned char *data, size_t len, char *out);

/*
 * len bytes of 8-bit user data read as UTF-8 into out. Returns 1 when it
 * is text: at most a quarter of its characters are ill-formed, U+0000 or
 * control characters other than tab, line feed and carriage return; 0 when
 * it is binary data (a ringtone, a phone's settings), which out then
 * renders badly and the caller keeps as it came.
 */
int sms_text_8bit(const unsigned char *data, size_t len, char *out);

#endif
