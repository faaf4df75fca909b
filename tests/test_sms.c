/*
 * test_sms: what a reply costs, checked against libgammu's own encoder.
 *
 * The calculator must count exactly the parts that GSM_EncodeMultiPartSMS
 * makes when the daemon sends the text, or the campaign's cost figures
 * (and shukherctl config check) would lie. The texts sit on every
 * boundary: 160/161 and 153-multiples in GSM-7, 70/71 and 67-multiples in
 * UCS-2, with escapes and surrogate pairs placed across each part edge.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gammu.h>

#include "sms.h"

#define MAXTEXT 4096

/* The parts libgammu makes of text, sent as the daemon sends it. */
static int
gammu_parts(const char *text, int ucs2)
{
	static unsigned char buf[2 * MAXTEXT + 2];
	static GSM_MultiSMSMessage multi;
	GSM_MultiPartSMSInfo info;
	GSM_Error e;

	DecodeUTF8(buf, text, strlen(text));
	GSM_ClearMultiPartSMSInfo(&info);
	info.EntriesNum = 1;
	info.UnicodeCoding = ucs2 ? TRUE : FALSE;
	info.Class = -1;
	info.Entries[0].ID = SMS_ConcatenatedTextLong;
	info.Entries[0].Buffer = buf;
	memset(&multi, 0, sizeof(multi));
	e = GSM_EncodeMultiPartSMS(GSM_GetGlobalDebug(), &info, &multi);
	if (e != ERR_NONE)
		fail_msg("gammu: %s", GSM_ErrorString(e));
	return multi.Number;
}

/* Appends n copies of the UTF-8 character c to s (MAXTEXT bytes). */
static void
rep(char *s, const char *c, int n)
{
	while (n-- > 0) {
		assert_true(strlen(s) + strlen(c) < MAXTEXT);
		strcat(s, c);
	}
}

/* Text of a*n1, then mid, then a*n2. */
static const char *
mk(const char *a, int n1, const char *mid, int n2)
{
	static char s[MAXTEXT];

	s[0] = '\0';
	rep(s, a, n1);
	strcat(s, mid);
	rep(s, a, n2);
	return s;
}

static int
segments(const char *text, enum sms_encoding *enc)
{
	struct sms_info info;

	assert_int_equal(sms_measure(text, &info), 0);
	if (enc != NULL)
		*enc = info.encoding;
	return info.segments;
}

static void
test_known_sizes(void **state)
{
	(void)state;
	assert_int_equal(segments(mk("a", 160, "", 0), NULL), 1);
	assert_int_equal(segments(mk("a", 161, "", 0), NULL), 2);
	assert_int_equal(segments(mk("a", 306, "", 0), NULL), 2);
	assert_int_equal(segments(mk("a", 307, "", 0), NULL), 3);
	assert_int_equal(segments(mk("ж", 70, "", 0), NULL), 1);
	assert_int_equal(segments(mk("ж", 71, "", 0), NULL), 2);
	assert_int_equal(segments(mk("ж", 134, "", 0), NULL), 2);
	assert_int_equal(segments(mk("ж", 135, "", 0), NULL), 3);
	/* An escape counts two: 159 + one '€' is 161 septets. */
	assert_int_equal(segments(mk("a", 158, "€", 0), NULL), 1);
	assert_int_equal(segments(mk("a", 159, "€", 0), NULL), 2);
	/* 306 septets, but the escape cannot straddle parts 1 and 2. */
	assert_int_equal(segments(mk("a", 152, "€", 152), NULL), 3);
	/* Nor a surrogate pair: 66 + 2 + 66 units. */
	assert_int_equal(segments(mk("ж", 66, "😀", 66), NULL), 3);
	assert_int_equal(segments("", NULL), 1);
}

static void
test_encoding_choice(void **state)
{
	enum sms_encoding enc;
	struct sms_info info;

	(void)state;
	segments("Help: Police 102 [24h] {ok} ~ | \\ ^ €5 @home $1 £2", &enc);
	assert_int_equal(enc, SMS_GSM7);
	segments("Tuslamj: 102. Ö ü é à Ñ ß Δ", &enc);
	assert_int_equal(enc, SMS_GSM7);
	segments("Тусламж: 102", &enc);
	assert_int_equal(enc, SMS_UCS2);
	segments("help `now`", &enc);       /* no backtick in GSM-7 */
	assert_int_equal(enc, SMS_UCS2);
	segments("ö ü but ө", &enc);        /* Mongolian ө is not ö */
	assert_int_equal(enc, SMS_UCS2);
	assert_int_equal(sms_gsm7_septets(0x20ac), 2);
	assert_int_equal(sms_gsm7_septets('a'), 1);
	assert_int_equal(sms_gsm7_septets(0x4e9), 0);
	assert_int_equal(sms_measure("Тусламж 😀", &info), 0);
	assert_int_equal(info.chars, 9);
	assert_int_equal(info.units, 10);
	assert_int_equal(sms_measure("\xff", &info), -1);
}

/* One family of texts: filler a, a separator mid at an offset. */
struct family {
	const char *a;
	const char *mid;
	int ucs2;
};

static void
test_agrees_with_gammu(void **state)
{
	static const struct family fam[] = {
		{ "a", "", 0 },
		{ "a", "€", 0 },
		{ "a", "[]", 0 },
		{ "e", "{", 0 },
		{ "ж", "", 1 },
		{ "ж", "😀", 1 },
		{ "a", "ө", 1 },
		{ "ө", "😀😀", 1 },
	};
	/* Lengths of the filler around every boundary up to 4 parts. */
	static const int gsm_len[] = { 1, 150, 151, 152, 153, 154, 158, 159,
	    160, 161, 162, 304, 305, 306, 307, 457, 458, 459, 460, 611, 612,
	    613 };
	static const int ucs_len[] = { 1, 64, 65, 66, 67, 68, 69, 70, 71,
	    72, 132, 133, 134, 135, 136, 199, 200, 201, 202, 266, 267, 268 };
	enum sms_encoding enc;
	size_t f, i;
	int checked = 0, n, split, ours, theirs;

	(void)state;
	for (f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		const int *lens = fam[f].ucs2 ? ucs_len : gsm_len;
		size_t nl = fam[f].ucs2 ? sizeof(ucs_len) / sizeof(int) :
		    sizeof(gsm_len) / sizeof(int);

		for (i = 0; i < nl; i++) {
			n = lens[i];
			/* mid at the end, and just before a part's edge */
			for (split = 0; split < 2; split++) {
				int n1 = split ? (n > 2 ? n - 2 : 0) : n;
				const char *t = mk(fam[f].a, n1, fam[f].mid,
				    n - n1);

				ours = segments(t, &enc);
				assert_int_equal(enc, fam[f].ucs2 ? SMS_UCS2 :
				    SMS_GSM7);
				theirs = gammu_parts(t, fam[f].ucs2);
				if (ours != theirs)
					fail_msg("%zu chars of '%s' with '%s' "
					    "at %d: we say %d parts, gammu %d",
					    strlen(t), fam[f].a, fam[f].mid,
					    n1, ours, theirs);
				checked++;
			}
		}
	}
	assert_true(checked >= 100);
}

/* ---- decoding what comes in ------------------------------------------- */

/* Decodes the hex of big-endian UTF-16 and compares with want. */
static void
utf16_is(const char *hex, const char *want)
{
	unsigned char data[256];
	char out[SMS_TEXT_MAX(sizeof(data))];
	size_t len = strlen(hex) / 2, i, n;
	unsigned int b;

	assert_true(len <= sizeof(data));
	for (i = 0; i < len; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		data[i] = (unsigned char)b;
	}
	n = sms_text_utf16(data, len, out);
	assert_int_equal(n, strlen(out));
	assert_true(n < SMS_TEXT_MAX(len));
	if (strcmp(out, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", hex, out, want);
}

#define FFFD "\xef\xbf\xbd"

/* Every kind of unit a phone or a hostile sender can put in UCS-2: the
 * result is valid UTF-8 that ends only at its end. */
static void
test_utf16_every_unit_reads(void **state)
{
	(void)state;
	utf16_is("", "");
	utf16_is("0048006900210020D83DDE00", "Hi! \xf0\x9f\x98\x80");
	utf16_is("04420443", "ту");
	/* a lone high surrogate at the end, a lone low one at the start */
	utf16_is("00410042D83D", "AB" FFFD);
	utf16_is("DE0000410042", FFFD "AB");
	/* lone ones in the middle, two highs, a low before a high */
	utf16_is("0041D83D0042", "A" FFFD "B");
	utf16_is("D83DD83DDE00", FFFD "\xf0\x9f\x98\x80");
	utf16_is("DE00D83D", FFFD FFFD);
	/* U+0000 neither ends the text nor reaches it */
	utf16_is("0041000000420043", "A" FFFD "BC");
	utf16_is("00000000", FFFD FFFD);
	/* an odd byte is ill-formed too */
	utf16_is("004100", "A" FFFD);
	/* the noncharacters and U+FFFD itself are characters */
	utf16_is("FFFEFFFD", "\xef\xbf\xbe" FFFD);
}

static int
eight_bit(const char *bytes, size_t len, const char *want)
{
	char out[SMS_TEXT_MAX(256)];
	int text;

	assert_true(len <= 256);
	text = sms_text_8bit((const unsigned char *)bytes, len, out);
	if (want != NULL && strcmp(out, want) != 0)
		fail_msg("got \"%s\", want \"%s\"", out, want);
	return text;
}

static void
test_8bit_reads_as_utf8_or_binary(void **state)
{
	(void)state;
	assert_true(eight_bit("", 0, ""));
	assert_true(eight_bit("REPORT \xd1\x82\xd1\x83", 11,
	    "REPORT \xd1\x82\xd1\x83"));
	assert_true(eight_bit("line\r\nnext\ttab", 14, "line\r\nnext\ttab"));
	/* a 3-byte and a 4-byte sequence cut short, at the end and start */
	assert_true(eight_bit("REPORT \xe2\x82", 9, "REPORT " FFFD));
	assert_true(eight_bit("\x9f\x98\x80 REPORT in Erlian", 20,
	    FFFD FFFD FFFD " REPORT in Erlian"));
	/* the same tail on a short part is binary alone: the parts are
	 * joined before the decision */
	assert_false(eight_bit("\x9f\x98\x80 REPORT", 10,
	    FFFD FFFD FFFD " REPORT"));
	assert_true(eight_bit("REPORT now \xf0\x9f\x98", 14,
	    "REPORT now " FFFD));
	/* U+0000 and overlong forms */
	assert_true(eight_bit("AB\0CDEFGH", 9, "AB" FFFD "CDEFGH"));
	assert_true(eight_bit("ABCDEFG\xc0\xaf", 9, NULL));
	/* binary: mostly not text */
	assert_false(eight_bit("\xff\x00\x41\xc3", 4, NULL));
	assert_false(eight_bit("\x01\x02\x03\x04\x05\x06\x07\x08", 8, NULL));
	/* the edge: one odd character in four is still text, two are not */
	assert_true(eight_bit("AB\x01" "C", 4, NULL));
	assert_false(eight_bit("A\x01\x02" "C", 4, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_sizes),
		cmocka_unit_test(test_encoding_choice),
		cmocka_unit_test(test_agrees_with_gammu),
		cmocka_unit_test(test_utf16_every_unit_reads),
		cmocka_unit_test(test_8bit_reads_as_utf8_or_binary),
	};

	return cmocka_run_group_tests_name("sms", tests, NULL, NULL);
}
