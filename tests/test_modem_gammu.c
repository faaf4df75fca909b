/*
 * test_modem_gammu: modem_gammu_ops against libgammu's dummy driver.
 *
 * The dummy driver (model "dummy", connection "none") keeps a phone in a
 * directory: received messages are smsbackup INI files in sms/<folder>/<n>,
 * folders 1 and 3 being inboxes. Each test builds such a directory, so what
 * is asserted is what a user of the modem would see: senders, UTF-8 texts,
 * parts of long messages, deletions, and how many parts a reply took.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "modem.h"

#define CYR_HELP "тусламж"      /* "help" in Mongolian Cyrillic */

struct fixture {
	char dir[64];
	struct conf_modem conf;
	void *modem;
	char err[256];
};

struct collected {
	struct modem_sms sms[16];
	int n;
	int stop_after;         /* 0: never stop */
};

/* ---- helpers --------------------------------------------------------- */

/* UTF-8 to the hex of big-endian UTF-16, as smsbackup files store text. */
static void
utf16_hex(const char *s, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long c, hi, lo;
	size_t n = 0;

	out[0] = '\0';
	while (*p != '\0') {
		if (*p < 0x80)
			c = *p++;
		else if ((*p & 0xe0) == 0xc0)
			c = (p[0] & 0x1fUL) << 6 | (p[1] & 0x3f), p += 2;
		else if ((*p & 0xf0) == 0xe0)
			c = (p[0] & 0x0fUL) << 12 | (p[1] & 0x3fUL) << 6 |
			    (p[2] & 0x3f), p += 3;
		else
			c = (p[0] & 0x07UL) << 18 | (p[1] & 0x3fUL) << 12 |
			    (p[2] & 0x3fUL) << 6 | (p[3] & 0x3f), p += 4;
		if (c >= 0x10000) {
			hi = 0xd800 + ((c - 0x10000) >> 10);
			lo = 0xdc00 + ((c - 0x10000) & 0x3ff);
			n += snprintf(out + n, outlen - n, "%04lX%04lX", hi, lo);
		} else
			n += snprintf(out + n, outlen - n, "%04lX", c);
	}
}

static void
bytes_hex(const unsigned char *b, size_t len, char *out, size_t outlen)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < len && 2 * i + 2 < outlen; i++)
		snprintf(out + 2 * i, 3, "%02X", b[i]);
}

/*
 * Writes one message as the dummy driver stores it: pdu "Deliver" or
 * "Submit", coding "Default", "Unicode" or "8bit", hextext already hex,
 * udh hex or NULL.
 */
static void
write_sms(const struct fixture *f, int folder, int loc, const char *pdu,
    const char *number, const char *sent, const char *coding,
    const char *hextext, const char *udh)
{
	char path[256], numhex[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/sms", f->dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sms/%d", f->dir, folder);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sms/%d/%d", f->dir, folder, loc);
	utf16_hex(number, numhex, sizeof(numhex));
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "[SMSBackup000]\n"
	    "SMSC = \"+97699000000\"\n"
	    "PDU = %s\n"
	    "State = %s\n"
	    "Number = \"%s\"\n"
	    "NumberUnicode = %s\n"
	    "Text00 = %s\n"
	    "Coding = %s\n"
	    "Folder = %d\n"
	    "Class = -1\n",
	    pdu, strcmp(pdu, "Deliver") == 0 ? "UnRead" : "UnSent",
	    number, numhex, hextext, coding, folder);
	if (sent != NULL)
		fprintf(fp, "Sent = %s\nDateTime = %s\n", sent, sent);
	if (udh != NULL)
		fprintf(fp, "UDH = %s\n", udh);
	assert_int_equal(fclose(fp), 0);
}

static void
write_text_sms(const struct fixture *f, int folder, int loc,
    const char *number, const char *coding, const char *text,
    const char *udh)
{
	char hex[2048];

	utf16_hex(text, hex, sizeof(hex));
	write_sms(f, folder, loc, "Deliver", number, "20240315T101500Z",
	    coding, hex, udh);
}

static int
sms_path_exists(const struct fixture *f, int folder, int loc)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/sms/%d/%d", f->dir, folder, loc);
	return stat(path, &st) == 0;
}

static int
collect(void *arg, const struct modem_sms *sms)
{
	struct collected *c = arg;

	if (c->n < (int)(sizeof(c->sms) / sizeof(c->sms[0])))
		c->sms[c->n] = *sms;
	c->n++;
	if (c->stop_after > 0 && c->n >= c->stop_after)
		return -1;
	return 0;
}

static const struct modem_sms *
find_sender(const struct collected *c, const char *sender)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->sms[i].sender, sender) == 0)
			return &c->sms[i];
	return NULL;
}

static int
setup(void **state)
{
	struct fixture *f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/shukher-gammu-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->conf.device = f->dir;
	f->conf.connection = "none";
	f->conf.model = "dummy";
	f->conf.pin = "";
	f->conf.timeout = 5;
	f->conf.poll_interval = 30;
	f->conf.notifications = 1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	if (f->modem != NULL)
		modem_gammu_ops.close(f->modem);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

static void
open_modem(struct fixture *f)
{
	f->modem = modem_gammu_ops.open(&f->conf, f->err, sizeof(f->err));
	if (f->modem == NULL)
		fail_msg("open: %s", f->err);
}

static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
	tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

static int
count_char(const char *s, char ch)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == ch;
	return n;
}

/* n copies of the UTF-8 string unit, into out. */
static void
repeat(char *out, size_t outlen, const char *unit, int n)
{
	size_t len = 0, ulen = strlen(unit);

	out[0] = '\0';
	while (n-- > 0 && len + ulen < outlen) {
		memcpy(out + len, unit, ulen + 1);
		len += ulen;
	}
}

/* ---- tests ----------------------------------------------------------- */

static void
test_open_close(void **state)
{
	struct fixture *f = *state;

	open_modem(f);
	assert_string_equal(modem_gammu_ops.name, "gammu");
	modem_gammu_ops.close(f->modem);
	f->modem = NULL;
}

static void
test_open_missing_device_fails(void **state)
{
	struct fixture *f = *state;
	char missing[128];

	snprintf(missing, sizeof(missing), "%s/nonexistent", f->dir);
	f->conf.device = missing;
	f->err[0] = '\0';
	assert_null(modem_gammu_ops.open(&f->conf, f->err, sizeof(f->err)));
	assert_true(strlen(f->err) > 0);
	f->conf.device = "";
	f->err[0] = '\0';
	assert_null(modem_gammu_ops.open(&f->conf, f->err, sizeof(f->err)));
	assert_true(strlen(f->err) > 0);
}

static void
test_read_gsm7_and_ucs2(void **state)
{
	struct fixture *f = *state;
	struct collected c = { .n = 0 };
	const struct modem_sms *s;

	write_text_sms(f, 1, 1, "+97699112233", "Default", "HELP tuslamj",
	    NULL);
	write_text_sms(f, 1, 2, "+97688001122", "Unicode", CYR_HELP " Өө Үү",
	    NULL);
	open_modem(f);
	assert_int_equal(modem_gammu_ops.read(f->modem, collect, &c, f->err,
	    sizeof(f->err)), 2);
	assert_int_equal(c.n, 2);

	s = find_sender(&c, "+97699112233");
	assert_non_null(s);
	assert_string_equal(s->text, "HELP tuslamj");
	assert_int_equal(s->coding, 0);
	assert_int_equal(s->malformed, 0);
	assert_int_equal(s->concat_ref, 0);
	assert_int_equal(s->part_no, 1);
	assert_int_equal(s->part_count, 1);
	assert_int_equal(s->sent_at, utc(2024, 3, 15, 10, 15, 0));

	s = find_sender(&c, "+97688001122");
	assert_non_null(s);
	assert_string_equal(s->text, CYR_HELP " Өө Үү");
	assert_int_equal(s->coding, 1);
	assert_int_equal(s->malformed, 0);
	assert_int_equal(s->part_count, 1);
}

/*
 * The SMSC timestamp as Unix seconds across the calendar: a leap day, a
 * century's last second, past 2038; before 1970 reads as 0 ("unset"). The
 * expected seconds are computed outside C (Python's datetime).
 */
static void
test_read_timestamps(void **state)
{
	static const struct {
		const char *sent;
		int64_t want;
	} t[] = {
		{ "20240229T235959Z", INT64_C(1709251199) },
		{ "19991231T235959Z", INT64_C(946684799) },
		{ "20000301T000000Z", INT64_C(951868800) },
		{ "20380119T031408Z", INT64_C(2147483648) },
		{ "20991231T235959Z", INT64_C(4102444799) },
		{ "19691231T235959Z", 0 },
	};
	struct fixture *f = *state;
	struct collected c = { .n = 0 };
	const struct modem_sms *s;
	char number[32], hex[64];
	int i, n = (int)(sizeof(t) / sizeof(t[0]));

	utf16_hex("date", hex, sizeof(hex));
	for (i = 0; i < n; i++) {
		snprintf(number, sizeof(number), "+9769900000%d", i);
		write_sms(f, 1, i + 1, "Deliver", number, t[i].sent, "Default",
		    hex, NULL);
	}
	open_modem(f);
	assert_int_equal(modem_gammu_ops.read(f->modem, collect, &c, f->err,
	    sizeof(f->err)), n);
	for (i = 0; i < n; i++) {
		snprintf(number, sizeof(number), "+9769900000%d", i);
		assert_non_null(s = find_sender(&c, number));
		if (s->sent_at != t[i].want)
			fail_msg("%s: %lld, not %lld", t[i].sent,
			    (long long)s->sent_at, (long long)t[i].want);
	}
}

static void
test_read_concat_parts(void **state)
{
	struct fixture *f = *state;
	struct collected c = { .n = 0 };
	const struct modem_sms *s8, *s16;

	/* part 2 of 3, 8-bit reference 0xAB; part 1 of 2, 16-bit 0x1234 */
	write_text_sms(f, 1, 1, "+97699000001", "Unicode", "хоёрдугаар хэсэг",
	    "050003AB0302");
	write_text_sms(f, 3, 4, "+97699000002", "Default", "first half",
	    "06080412340201");
	open_modem(f);
	assert_int_equal(modem_gammu_ops.read(f->modem, collect, &c, f->err,
	    sizeof(f->err)), 2);
	s8 = find_sender(&c, "+97699000001");
	s16 = find_sender(&c, "+97699000002");
	assert_non_null(s8);
	assert_non_null(s16);
	assert_string_equal(s8->text, "хоёрдугаар хэсэг");
	assert_int_equal(s8->concat_ref, 0xAB);
	assert_int_equal(s8->part_no, 2);
	assert_int_equal(s8->part_count, 3);
	assert_string_equal(s16->text, "first half");
	assert_int_equal(s16->concat_ref, 0x1234);
	assert_int_equal(s16->part_no, 1);
	assert_int_equal(s16->part_count, 2);
}

static void
test_read_8bit(void **state)
{
	struct fixture *f = *state;
	struct collected c = { .n = 0 };
	static const unsigned char junk[] = { 0xff, 0x00, 0x41, 0xc3 };
	const char *utf8 = "Сайн уу";
	char hex[128];
	const struct modem_sms *s;

	bytes_hex(junk, sizeof(junk), hex, sizeof(hex));
	write_sms(f, 1, 1, "Deliver", "+97699000003", "20240101T000000Z",
	    "8bit", hex, NULL);
	bytes_hex((const unsigned char *)utf8, strlen(utf8), hex, sizeof(hex));
	write_sms(f, 1, 2, "Deliver", "+97699000004", "20240101T000000Z",
	    "8bit", hex, NULL);
	open_modem(f);
	assert_int_equal(modem_gammu_ops.read(f->modem, collect, &c, f->err,
	    sizeof(f->err)), 2);

	s = find_sender(&c, "+97699000003");
	assert_non_null(s);
	assert_int_equal(s->coding, 2);
	assert_int_equal(s->malformed, 1);
	bytes_hex(junk, sizeof(junk), hex, sizeof(hex));
	assert_string_equal(s->text, hex);

	s = find_sender(&c, "+97699000004");
	assert_non_null(s);
	assert_int_equal(s->coding, 2);
	assert_int_equal(s->malformed, 0);
	assert_string_equal(s->text, utf8);
}

#define FFFD "\xef\xbf\xbd"

/*
 * UCS-2 as the phone sent it, whatever the units: a part ending in half a
 * surrogate pair keeps its units for the join (and reads as U+FFFD alone),
 * a lone low surrogate or a U+0000 in a single SMS is one U+FFFD, and the
 * units after a U+0000 are there: Length counts, not the NUL.
 */
static void
test_read_ucs2_units_as_sent(void **state)
{
	static const unsigned char half[] = { 0x00, 'H', 0x00, 'i', 0xd8, 0x3d };
	static const unsigned char nul[] = { 0x00, 'A', 0x00, 0x00, 0x00, 'B',
	    0x00, 'C' };
	struct fixture *f = *state;
	struct collected c = { .n = 0 };
	const struct modem_sms *s;

	write_sms(f, 1, 1, "Deliver", "+97699000021", "20240101T000000Z",
	    "Unicode", "00480069D83D", "050003C10201");
	write_sms(f, 1, 2, "Deliver", "+97699000022", "20240101T000000Z",
	    "Unicode", "DC0100480045004C0050", NULL);
	write_sms(f, 1, 3, "Deliver", "+97699000023", "20240101T000000Z",
	    "Unicode", "0041000000420043", NULL);
	open_modem(f);
	assert_int_equal(modem_gammu_ops.read(f->modem, collect, &c, f->err,
	    sizeof(f->err)), 3);

	s = find_sender(&c, "+97699000021");
	assert_non_null(s);
	assert_int_equal(s->coding, 1);
	assert_int_equal(s->malformed, 0);
	assert_int_equal(s->part_no, 1);
	assert_int_equal(s->data_len, sizeof(half));
	assert_memory_equal(s->data, half, sizeof(half));
	assert_string_equal(s->text, "Hi" FFFD);

	s = find_sender(&c, "+97699000022");
	assert_non_null(s);
	assert_int_equal(s->malformed, 0);
	assert_string_equal(s->text, FFFD "HELP");

	s = find_sender(&c, "+97699000023");
	assert_non_null(s);
	assert_int_equal(s->malformed, 0);
	assert_int_equal(s->data_len, sizeof(nul));
	assert_memory_equal(s->data, nul, sizeof(nul));
	assert_string_equal(s->text, "A" FFFD "BC");
}

/* An 8-bit part cut inside a UTF-8 sequence: text alone if it mostly is,
 * hex and malformed if the fragment is most of it; its bytes always. */
static void
test_read_8bit_parts_keep_their_bytes(void **state)
{
	static const unsigned char head[] = "REPORT 5000 \xe2\x82";
	static const unsigned char tail[] = "\xac!";
	struct fixture *f = *state;
	struct collected c = { .n = 0 };
	const struct modem_sms *s;
	char hex[128];

	bytes_hex(head, sizeof(head) - 1, hex, sizeof(hex));
	write_sms(f, 1, 1, "Deliver", "+97699000024", "20240101T000000Z",
	    "8bit", hex, "050003C20201");
	bytes_hex(tail, sizeof(tail) - 1, hex, sizeof(hex));
	write_sms(f, 1, 2, "Deliver", "+97699000025", "20240101T000000Z",
	    "8bit", hex, "050003C20202");
	open_modem(f);
	assert_int_equal(modem_gammu_ops.read(f->modem, collect, &c, f->err,
	    sizeof(f->err)), 2);

	s = find_sender(&c, "+97699000024");
	assert_non_null(s);
	assert_int_equal(s->coding, 2);
	assert_int_equal(s->malformed, 0);
	assert_string_equal(s->text, "REPORT 5000 " FFFD);
	assert_int_equal(s->data_len, sizeof(head) - 1);
	assert_memory_equal(s->data, head, sizeof(head) - 1);

	s = find_sender(&c, "+97699000025");
	assert_non_null(s);
	assert_int_equal(s->malformed, 1);
	assert_string_equal(s->text, "AC21");
	assert_int_equal(s->data_len, 2);
	assert_memory_equal(s->data, tail, 2);
}

static void
test_read_skips_outgoing(void **state)
{
	struct fixture *f = *state;
	struct collected c = { .n = 0 };
	char hex[128];

	utf16_hex("queued reply", hex, sizeof(hex));
	write_sms(f, 2, 1, "Submit", "+97699000005", NULL, "Default", hex,
	    NULL);
	write_text_sms(f, 1, 7, "+97699000006", "Default", "hello", NULL);
	open_modem(f);
	assert_int_equal(modem_gammu_ops.read(f->modem, collect, &c, f->err,
	    sizeof(f->err)), 1);
	assert_string_equal(c.sms[0].sender, "+97699000006");
	assert_true(sms_path_exists(f, 2, 1));
}

static void
test_read_does_not_delete_and_cb_stops(void **state)
{
	struct fixture *f = *state;
	struct collected c = { .n = 0, .stop_after = 1 };

	write_text_sms(f, 1, 1, "+97699000007", "Default", "one", NULL);
	write_text_sms(f, 1, 2, "+97699000008", "Default", "two", NULL);
	write_text_sms(f, 1, 3, "+97699000009", "Default", "three", NULL);
	open_modem(f);
	assert_int_equal(modem_gammu_ops.read(f->modem, collect, &c, f->err,
	    sizeof(f->err)), 1);
	assert_int_equal(c.n, 1);
	assert_true(sms_path_exists(f, 1, 1));
	assert_true(sms_path_exists(f, 1, 2));
	assert_true(sms_path_exists(f, 1, 3));
}

static void
test_remove(void **state)
{
	struct fixture *f = *state;
	struct collected c = { .n = 0 };
	struct collected again = { .n = 0 };
	const struct modem_sms *s;

	write_text_sms(f, 1, 1, "+97699000010", "Default", "keep", NULL);
	write_text_sms(f, 3, 5, "+97699000011", "Unicode", CYR_HELP, NULL);
	open_modem(f);
	assert_int_equal(modem_gammu_ops.read(f->modem, collect, &c, f->err,
	    sizeof(f->err)), 2);
	s = find_sender(&c, "+97699000011");
	assert_non_null(s);
	assert_int_equal(modem_gammu_ops.remove(f->modem, s, f->err,
	    sizeof(f->err)), 0);
	assert_false(sms_path_exists(f, 3, 5));
	assert_true(sms_path_exists(f, 1, 1));
	/* gone already: still deleted, not an error */
	assert_int_equal(modem_gammu_ops.remove(f->modem, s, f->err,
	    sizeof(f->err)), 0);

	assert_int_equal(modem_gammu_ops.read(f->modem, collect, &again,
	    f->err, sizeof(f->err)), 1);
	assert_string_equal(again.sms[0].sender, "+97699000010");
}

static void
count_part(void *arg, const struct modem_send *progress)
{
	int *calls = arg;

	(void)progress;
	(*calls)++;
}

/* Sends text from a fresh start; returns how many parts went out, or the
 * send's failure code (< 0). */
static int
send_parts(struct fixture *f, const char *number, const char *text)
{
	struct modem_send progress = { .concat_ref = 7 };
	int rc, calls = 0;

	rc = modem_gammu_ops.send(f->modem, number, text, &progress,
	    count_part, &calls, f->err, sizeof(f->err));
	if (rc != 0)
		return rc;
	assert_int_equal(calls, progress.parts_total);
	assert_int_equal(progress.parts_done, progress.parts_total);
	assert_int_equal(count_char(progress.msgref, ','),
	    progress.parts_total - 1);
	return progress.parts_total;
}

static void
test_send_parts(void **state)
{
	struct fixture *f = *state;
	char text[1024];

	open_modem(f);
	/* 150 Cyrillic letters: UCS-2, 67 per part of a long one: 3 parts */
	repeat(text, sizeof(text), "ш", 150);
	assert_int_equal(send_parts(f, "+97699112233", text), 3);
	/* 70 fit one UCS-2 SMS, 71 do not */
	repeat(text, sizeof(text), "ө", 70);
	assert_int_equal(send_parts(f, "+97699112233", text), 1);
	repeat(text, sizeof(text), "ө", 71);
	assert_int_equal(send_parts(f, "+97699112233", text), 2);
	/* 150 Latin letters stay GSM-7: one SMS; 161 need two */
	repeat(text, sizeof(text), "a", 150);
	assert_int_equal(send_parts(f, "97699112233", text), 1);
	repeat(text, sizeof(text), "a", 161);
	assert_int_equal(send_parts(f, "97699112233", text), 2);
	/* GSM-7 extension characters (€) do not force UCS-2 */
	repeat(text, sizeof(text), "€", 70);
	assert_int_equal(send_parts(f, "97699112233", text), 1);
}

static void
test_send_resumes_after_the_parts_already_sent(void **state)
{
	struct fixture *f = *state;
	struct modem_send progress = { .concat_ref = 9, .parts_done = 2,
	    .msgref = "11,12" };
	char text[1024];
	int calls = 0;

	open_modem(f);
	repeat(text, sizeof(text), "ш", 150);          /* 3 parts */
	assert_int_equal(modem_gammu_ops.send(f->modem, "+97699112233", text,
	    &progress, count_part, &calls, f->err, sizeof(f->err)), 0);
	assert_int_equal(calls, 1);                     /* only the third */
	assert_int_equal(progress.parts_done, 3);
	assert_int_equal(progress.parts_total, 3);
	assert_int_equal(count_char(progress.msgref, ','), 2);
	assert_memory_equal(progress.msgref, "11,12,", 6);
}

static void
test_send_refuses_bad_input(void **state)
{
	struct fixture *f = *state;

	/* -2: the message is at fault, not the modem (which stays open). */
	open_modem(f);
	f->err[0] = '\0';
	assert_int_equal(send_parts(f, "+976991abc", "hello"), -2);
	assert_true(strlen(f->err) > 0);
	assert_null(strstr(f->err, "991abc"));
	f->err[0] = '\0';
	assert_int_equal(send_parts(f, "+97699112233", "bad \xff\xfe utf-8"),
	    -2);
	assert_true(strlen(f->err) > 0);
	assert_null(strstr(f->err, "bad"));
	assert_int_equal(send_parts(f, "+97699112233", ""), -2);
}

/*
 * Every kind of string that is not a phone number is refused before the
 * modem sees it (-2, the modem stays usable); the shortest and longest
 * numbers an SMS address holds are sent.
 */
static void
test_send_number_check(void **state)
{
	static const char *const bad[] = {
		"", "+", "++97699112233", "976+99112233", "+976 99112233",
		"+97699112233 ", "+976-99112233", "123456789012345678901",
		"+123456789012345678901", "\xef\xbc\x91\xef\xbc\x92", NULL,
	};
	struct fixture *f = *state;
	size_t i;

	open_modem(f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f->err[0] = '\0';
		if (send_parts(f, bad[i], "hello") != -2)
			fail_msg("\"%s\" was not refused",
			    bad[i] != NULL ? bad[i] : "(null)");
		assert_string_equal(f->err, "invalid number");
	}
	assert_int_equal(send_parts(f, "1", "hello"), 1);
	assert_int_equal(send_parts(f, "+12345678901234567890", "hello"), 1);
	assert_int_equal(send_parts(f, "12345678901234567890", "hello"), 1);
}

static void
test_info(void **state)
{
	struct fixture *f = *state;
	struct modem_info info;

	write_text_sms(f, 1, 1, "+97699000012", "Default", "a", NULL);
	write_text_sms(f, 1, 2, "+97699000013", "Default", "b", NULL);
	open_modem(f);
	assert_int_equal(modem_gammu_ops.info(f->modem, &info, f->err,
	    sizeof(f->err)), 0);
	/* what gammu's dummy phone reports about itself */
	assert_string_equal(info.operator_name, "GammuT3l");
	assert_int_equal(info.signal_percent, 42);
	assert_int_equal(info.sim_used, 2);
	assert_true(info.sim_total >= info.sim_used);
}

static void
test_wait_times_out(void **state)
{
	struct fixture *f = *state;
	struct timespec a, b;
	long ms;

	open_modem(f);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(modem_gammu_ops.wait(f->modem, 200), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 190);
	assert_true(ms < 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_close, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_missing_device_fails,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_gsm7_and_ucs2, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_timestamps, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_concat_parts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_8bit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_ucs2_units_as_sent,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_read_8bit_parts_keep_their_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_skips_outgoing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_read_does_not_delete_and_cb_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_parts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_send_resumes_after_the_parts_already_sent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_refuses_bad_input,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_number_check, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_times_out, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
