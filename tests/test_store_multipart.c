/*
 * test_store_multipart: long messages as the modem delivers them (out of
 * order, twice, interleaved, never complete), decoded as a whole from the
 * joined data of their parts; records the modem could not decode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"

#include "store_util.h"

static void
test_multipart_out_of_order(void **state)
{
	struct store_part p3 = su_part(SENDER, NOW, 42, 3, 3, "гурав");
	struct store_part p1 = su_part(SENDER, NOW, 42, 1, 3, "нэг ");
	struct store_part p2 = su_part(SENDER, NOW, 42, 2, 3, "хоёр ");
	struct store_msg m;
	struct store *s;

	(void)state;
	s = su_open_ok(":memory:", 1);
	assert_int_equal(store_put_part(s, &p3, NOW), 1);
	assert_int_equal(store_put_part(s, &p1, NOW + 1), 1);
	assert_int_equal(store_msg_next(s, &m), 0);
	assert_int_equal(su_pending(s), 2);
	assert_int_equal(store_put_part(s, &p2, NOW + 2), 1);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_string_equal(m.text, "нэг хоёр гурав");
	assert_int_equal(m.parts, 3);
	assert_int_equal(m.partial, 0);
	assert_int_equal(m.received_at, NOW + 2);
	store_msg_free(&m);
	assert_int_equal(su_pending(s), 0);

	/* The modem gives part 2 again: nothing changes. */
	assert_int_equal(store_put_part(s, &p2, NOW + 3), 0);
	assert_int_equal(su_inbox(s, NULL, NULL, 0).n, 1);
	assert_int_equal(su_pending(s), 0);
	store_close(s);
}

static void
test_multipart_duplicate_number(void **state)
{
	struct store_part p1 = su_part(SENDER, NOW, 7, 1, 3, "a");
	struct store_part p2 = su_part(SENDER, NOW, 7, 2, 3, "b");
	struct store_part p2b = su_part(SENDER, NOW + 9, 7, 2, 3, "x");
	struct store_part p3 = su_part(SENDER, NOW, 7, 3, 3, "c");
	struct seen seen;
	struct store *s;

	(void)state;
	s = su_open_ok(":memory:", 1);
	assert_int_equal(store_put_part(s, &p1, NOW), 1);
	assert_int_equal(store_put_part(s, &p2, NOW), 1);
	/* Another part 2 (not the same one): still not complete. */
	assert_int_equal(store_put_part(s, &p2b, NOW), 1);
	assert_int_equal(su_inbox(s, NULL, NULL, 0).n, 0);
	assert_int_equal(su_pending(s), 3);
	assert_int_equal(store_put_part(s, &p3, NOW), 1);
	seen = su_inbox(s, NULL, NULL, 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.text[0], "abc");
	assert_int_equal(su_pending(s), 1);
	store_close(s);
}

static void
test_multipart_expire(void **state)
{
	const char *path = su_path_for("expire.db");
	struct store_part p1 = su_part(SENDER, NOW, 9, 1, 3, "first ");
	struct store_part p3 = su_part(SENDER, NOW, 9, 3, 3, "last");
	struct store_msg m;
	struct store *s;

	(void)state;
	s = su_open_ok(path, 1);
	assert_int_equal(store_put_part(s, &p3, NOW), 1);
	assert_int_equal(store_put_part(s, &p1, NOW + 100), 1);
	store_close(s);

	/* After a restart the parts are still waiting. */
	s = su_open_ok(path, 0);
	assert_int_equal(su_pending(s), 2);
	assert_int_equal(store_expire_parts(s, NOW - 1), 0);
	assert_int_equal(store_msg_next(s, &m), 0);
	assert_int_equal(store_expire_parts(s, NOW), 1);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_string_equal(m.text, "first last");
	assert_int_equal(m.partial, 1);
	assert_int_equal(m.parts, 2);
	assert_int_equal(m.received_at, NOW + 100);
	store_msg_free(&m);
	assert_int_equal(su_pending(s), 0);
	assert_int_equal(store_expire_parts(s, NOW + 1000), 0);
	store_close(s);
}

static void
test_multipart_interleaved(void **state)
{
	struct store_part a1 = su_part("+97611111111", NOW, 5, 1, 2, "A1");
	struct store_part b1 = su_part("+97622222222", NOW, 5, 1, 2, "B1");
	struct store_part a2 = su_part("+97611111111", NOW, 5, 2, 2, "A2");
	struct store_part b2 = su_part("+97622222222", NOW, 5, 2, 2, "B2");
	struct store_part c1 = su_part("+97611111111", NOW + 60, 5, 1, 2, "C1");
	struct store_part c2 = su_part("+97611111111", NOW + 60, 5, 2, 2, "C2");
	struct seen seen;
	struct store *s;

	(void)state;
	s = su_open_ok(":memory:", 1);
	assert_int_equal(store_put_part(s, &a1, NOW), 1);
	assert_int_equal(store_put_part(s, &b1, NOW), 1);
	assert_int_equal(store_put_part(s, &b2, NOW + 1), 1);
	assert_int_equal(store_put_part(s, &a2, NOW + 2), 1);
	/* The first sender reuses the reference later. */
	assert_int_equal(store_put_part(s, &c2, NOW + 60), 1);
	assert_int_equal(su_inbox(s, NULL, NULL, 0).n, 2);
	assert_int_equal(store_put_part(s, &c1, NOW + 61), 1);
	seen = su_inbox(s, NULL, NULL, 0);	/* newest first */
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.text[0], "C1C2");
	assert_string_equal(seen.text[1], "A1A2");
	assert_string_equal(seen.extra[1], "+97611111111");
	assert_string_equal(seen.text[2], "B1B2");
	assert_string_equal(seen.extra[2], "+97622222222");
	store_close(s);
}
#define FFFD	"\xef\xbf\xbd"

/* An emoji split by the phone between two UCS-2 parts, and a three-part
 * message with a pair split at both edges: whole again, in every order of
 * arrival; no user data left once the message is made. */
static void
test_multipart_split_surrogate_pair(void **state)
{
	static const unsigned char a1[] = { 0, 'H', 0, 'i', 0, ' ', 0xd8, 0x3d };
	static const unsigned char a2[] = { 0xde, 0x00, 0, ' ', 0, '!' };
	static const unsigned char b1[] = { 0x04, 0x42, 0xd8, 0x3d };
	static const unsigned char b2[] = { 0xde, 0x00, 0, '-', 0xd8, 0x3d };
	static const unsigned char b3[] = { 0xde, 0x00, 0x04, 0x43 };
	static const int orders2[][2] = { { 1, 2 }, { 2, 1 } };
	static const int orders3[][3] = { { 1, 2, 3 }, { 3, 2, 1 },
	    { 2, 3, 1 } };
	const char *path = su_path_for("surrogate.db");
	struct store_part a[2], b[3];
	struct store_msg m;
	struct store *s;
	size_t i;

	(void)state;
	s = su_open_ok(path, 1);
	for (i = 0; i < 2; i++) {
		a[0] = su_data_part(SENDER, 60 + i, 1, 2, STORE_CODING_UCS2, a1,
		    sizeof(a1));
		a[1] = su_data_part(SENDER, 60 + i, 2, 2, STORE_CODING_UCS2, a2,
		    sizeof(a2));
		m = su_put_in_order(s, a, 2, orders2[i]);
		assert_string_equal(m.text, "Hi " EMOJI " !");
		assert_int_equal(m.malformed, 0);
		assert_int_equal(m.parts, 2);
		store_msg_free(&m);
	}
	/* one part waits: its data is kept, for the join */
	assert_int_equal(store_put_part(s, &a[0], NOW), 0);
	a[0] = su_data_part(SENDER, 62, 1, 2, STORE_CODING_UCS2, a1, sizeof(a1));
	assert_int_equal(store_put_part(s, &a[0], NOW), 1);
	assert_int_equal(su_raw_int(path, "SELECT count(*) FROM parts"
	    " WHERE data IS NOT NULL"), 1);
	for (i = 0; i < 3; i++) {
		b[0] = su_data_part(SENDER, 70 + i, 1, 3, STORE_CODING_UCS2, b1,
		    sizeof(b1));
		b[1] = su_data_part(SENDER, 70 + i, 2, 3, STORE_CODING_UCS2, b2,
		    sizeof(b2));
		b[2] = su_data_part(SENDER, 70 + i, 3, 3, STORE_CODING_UCS2, b3,
		    sizeof(b3));
		m = su_put_in_order(s, b, 3, orders3[i]);
		assert_string_equal(m.text, "т" EMOJI "-" EMOJI "у");
		assert_int_equal(m.malformed, 0);
		store_msg_free(&m);
	}
	/* the joined parts keep no data: only the waiting one has some */
	assert_int_equal(su_raw_int(path, "SELECT count(*) FROM parts"
	    " WHERE data IS NOT NULL"), 1);
	store_close(s);
}

/* 8-bit parts with a 3-byte and a 4-byte UTF-8 sequence cut at the part
 * edges (a short middle part is binary alone): one text, every order. */
static void
test_multipart_split_utf8_sequences(void **state)
{
	static const char p1[] = "REPORT 5000 \xe2\x82";	/* € cut */
	static const char p2[] = "\xac \xf0\x9f";		/* 😀 cut */
	static const char p3[] = "\x98\x80 in Erlian";
	static const int orders[][3] = { { 1, 2, 3 }, { 3, 1, 2 },
	    { 2, 3, 1 } };
	struct store_part p[3];
	struct store_msg m;
	struct store *s;
	size_t i;

	(void)state;
	s = su_open_ok(":memory:", 1);
	for (i = 0; i < 3; i++) {
		p[0] = su_data_part(SENDER, 80 + i, 1, 3, STORE_CODING_8BIT, p1,
		    strlen(p1));
		p[1] = su_data_part(SENDER, 80 + i, 2, 3, STORE_CODING_8BIT, p2,
		    strlen(p2));
		p[1].malformed = 1;	/* what the modem says of it alone */
		p[2] = su_data_part(SENDER, 80 + i, 3, 3, STORE_CODING_8BIT, p3,
		    strlen(p3));
		m = su_put_in_order(s, p, 3, orders[i]);
		assert_string_equal(m.text,
		    "REPORT 5000 \xe2\x82\xac " EMOJI " in Erlian");
		assert_int_equal(m.malformed, 0);
		store_msg_free(&m);
	}
	store_close(s);
}

/* A single SMS with a lone surrogate at either end, or U+0000 inside: a
 * U+FFFD where the bad unit was, the rest kept, and not malformed. */
static void
test_single_sms_bad_units_read_as_fffd(void **state)
{
	static const unsigned char hi_end[] = { 0, 'H', 0, 'E', 0, 'L', 0,
	    'P', 0xd8, 0x3d };
	static const unsigned char lo_start[] = { 0xdc, 0x01, 0, 'H', 0, 'E',
	    0, 'L', 0, 'P' };
	static const unsigned char nul[] = { 0, 'A', 0, 0, 0, 'B', 0, 'C' };
	static const char bytes_nul[] = "REPORT\0 at the border";
	static const struct {
		const void *data;
		size_t len;
		int coding;
		const char *want;
	} cases[] = {
		{ hi_end, sizeof(hi_end), STORE_CODING_UCS2, "HELP" FFFD },
		{ lo_start, sizeof(lo_start), STORE_CODING_UCS2, FFFD "HELP" },
		{ nul, sizeof(nul), STORE_CODING_UCS2, "A" FFFD "BC" },
		{ bytes_nul, sizeof(bytes_nul) - 1, STORE_CODING_8BIT,
		  "REPORT" FFFD " at the border" },
	};
	struct store_part p;
	struct store_msg m;
	struct store *s;
	size_t i;

	(void)state;
	s = su_open_ok(":memory:", 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = su_data_part(SENDER, 0, 1, 1, cases[i].coding, cases[i].data,
		    cases[i].len);
		p.sent_at = NOW + (int64_t)i;
		m = su_put_in_order(s, &p, 1, (const int[]){ 1 });
		assert_string_equal(m.text, cases[i].want);
		assert_int_equal(m.malformed, 0);
		store_msg_free(&m);
	}
	store_close(s);
}

/*
 * What stays malformed: 8-bit data that is not text (its hex), and a part
 * without data that the modem could not read, whose hex stands where the
 * part was. Halves of a pair around a missing part are never joined.
 */
static void
test_multipart_what_stays_malformed(void **state)
{
	static const unsigned char bin[] = { 0xff, 0x00, 0x41, 0xc3 };
	static const unsigned char r1[] = { 0, 'R', 0, 'E', 0, 'P', 0, 'O',
	    0, 'R', 0, 'T', 0, ' ' };
	static const unsigned char g1[] = { 0, 'x', 0xd8, 0x3d };
	static const unsigned char g3[] = { 0xde, 0x00, 0, 'y' };
	struct store_part p, q;
	struct store_msg m;
	struct store *s;

	(void)state;
	s = su_open_ok(":memory:", 1);
	p = su_data_part(SENDER, 0, 1, 1, STORE_CODING_8BIT, bin, sizeof(bin));
	m = su_put_in_order(s, &p, 1, (const int[]){ 1 });
	assert_string_equal(m.text, "FF0041C3");
	assert_int_equal(m.malformed, 1);
	store_msg_free(&m);

	p = su_data_part(SENDER, 90, 1, 2, STORE_CODING_UCS2, r1, sizeof(r1));
	q = su_part(SENDER, NOW, 90, 2, 2, "0A1B2C");
	q.malformed = 1;
	assert_int_equal(store_put_part(s, &q, NOW), 1);
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_string_equal(m.text, "REPORT 0A1B2C");
	assert_int_equal(m.malformed, 1);
	assert_int_equal(store_msg_handled(s, m.id, "x", NOW), 1);
	store_msg_free(&m);

	p = su_data_part(SENDER, 91, 1, 3, STORE_CODING_UCS2, g1, sizeof(g1));
	q = su_data_part(SENDER, 91, 3, 3, STORE_CODING_UCS2, g3, sizeof(g3));
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	assert_int_equal(store_put_part(s, &q, NOW), 1);
	assert_int_equal(store_expire_parts(s, NOW), 1);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_string_equal(m.text, "x" FFFD FFFD "y");
	assert_int_equal(m.partial, 1);
	assert_int_equal(m.malformed, 0);
	store_msg_free(&m);
	store_close(s);
}

/* ---- records the modem could not decode, and probes ------------------------ */

static void
test_malformed_and_probes(void **state)
{
	static const char *raw = "07917996090000F1070B917996090066F6";
	struct store_msg m;
	struct seen seen;
	struct store *s;
	struct store_part p;
	int pass;

	(void)state;
	s = su_open_ok(":memory:", 1);
	/* a raw record the SIM keeps giving back (it would not be deleted)
	 * is one message, however many reads see it */
	for (pass = 0; pass < 3; pass++) {
		p = su_part(SENDER, 0, 0, 1, 1, raw);
		p.coding = STORE_CODING_8BIT;
		p.malformed = 1;
		assert_int_equal(store_put_part(s, &p, NOW + pass),
		    pass == 0 ? 1 : 0);
	}
	p = su_part(SENDER, NOW, 0, 1, 1, "тусламж");
	assert_int_equal(store_put_part(s, &p, NOW), 1);
	/* a probe is stored handled: the router never sees it */
	p = su_part("+97699000777", NOW, 0, 1, 1, "тусламж");
	p.probe = 1;
	assert_int_equal(store_put_part(s, &p, NOW + 1), 1);
	assert_int_equal(store_put_part(s, &p, NOW + 2), 0);
	seen = su_inbox(s, "malformed", NULL, 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.text[0], raw);
	seen = su_inbox(s, "handled", NULL, 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.extra[0], "+97699000777");
	assert_int_equal(su_inbox(s, NULL, NULL, 0).n, 3);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_string_equal(m.text, raw);
	assert_int_equal(m.malformed, 1);
	assert_int_equal(store_msg_handled(s, m.id, "malformed", NOW + 3), 1);
	store_msg_free(&m);
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_string_equal(m.text, "тусламж");
	assert_string_equal(m.sender, SENDER);
	assert_int_equal(store_msg_handled(s, m.id, "help", NOW + 3), 1);
	store_msg_free(&m);
	assert_int_equal(store_msg_next(s, &m), 0);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_and_probes),
		cmocka_unit_test(test_multipart_out_of_order),
		cmocka_unit_test(test_multipart_duplicate_number),
		cmocka_unit_test(test_multipart_expire),
		cmocka_unit_test(test_multipart_interleaved),
		cmocka_unit_test(test_multipart_split_surrogate_pair),
		cmocka_unit_test(test_multipart_split_utf8_sequences),
		cmocka_unit_test(test_single_sms_bad_units_read_as_fffd),
		cmocka_unit_test(test_multipart_what_stays_malformed),
	};

	return cmocka_run_group_tests(tests, su_group_setup, su_group_teardown);
}
