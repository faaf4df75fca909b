/*
 * test_text: the one form every spelling of a word is reduced to.
 *
 * What a sender's phone may produce (capitals, Ө and Ү, full-width and
 * other Unicode digits, punctuation, emoji, repeated letters, extra
 * spaces) against what the matcher must see; the config's word check;
 * the transliteration table's Latin spellings; and where UTF-8 is cut.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static const char *
norm(const char *s)
{
	static char out[TEXT_NORM_MAX];

	if (text_normalize(s, strlen(s), out, sizeof(out)) < 0)
		return "(invalid)";
	return out;
}

static void
test_normalize(void **state)
{
	(void)state;
	assert_string_equal(norm("ТУСЛАМЖ"), "тусламж");
	assert_string_equal(norm("ӨӨРӨӨ ҮҮР"), "өрө үр");
	assert_string_equal(norm("Тусламж!!! 🙏🙏"), "тусламж");
	assert_string_equal(norm("  job   offer\t\n"), "job ofer");
	assert_string_equal(norm("tuslamjjjj"), "tuslamj");
	assert_string_equal(norm("３"), "3");
	assert_string_equal(norm("#2."), "2");
	assert_string_equal(norm("٣"), "3");            /* Arabic-Indic */
	assert_string_equal(norm("११"), "11");          /* digits never squeeze */
	assert_string_equal(norm("ＨＥＬＰ"), "help");
	assert_string_equal(norm("е\xcc\x88"), "ё");    /* e + diaeresis */
	assert_string_equal(norm("help-me"), "help me");
	assert_string_equal(norm("!!!"), "");
	assert_string_equal(norm("\xff"), "(invalid)");
}

static void
test_normalize_long_text_keeps_whole_words(void **state)
{
	char big[4000], out[32];
	int n;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "help me ", 8);
	n = text_normalize(big, strlen(big), out, sizeof(out));
	assert_int_equal(n, 7);
	assert_string_equal(out, "help me");
	assert_int_equal(text_normalize("x", 1, out, 4), -1);
}

static void
test_word_check(void **state)
{
	char err[128];

	(void)state;
	assert_int_equal(text_word_check("ТУСЛАМЖ", err, sizeof(err)), 0);
	assert_int_equal(text_word_check("JOB OFFER", err, sizeof(err)), 0);
	assert_int_equal(text_word_check("1", err, sizeof(err)), 0);
	assert_int_equal(text_word_check("1.", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "punctuation"));
	assert_int_equal(text_word_check("JOB  OFFER", err, sizeof(err)), -1);
	assert_int_equal(text_word_check(" HELP", err, sizeof(err)), -1);
	assert_int_equal(text_word_check("HELP ", err, sizeof(err)), -1);
	assert_int_equal(text_word_check("🙏", err, sizeof(err)), -1);
}

struct spellings {
	char all[1024];
	int n;
};

static int
collect(void *arg, const char *s)
{
	struct spellings *sp = arg;

	strcat(sp->all, s);
	strcat(sp->all, ",");
	sp->n++;
	return 0;
}

static void
test_translit(void **state)
{
	struct text_translit *t = text_translit_new();
	struct spellings sp;
	char err[128];

	(void)state;
	assert_non_null(t);
	memset(&sp, 0, sizeof(sp));
	assert_int_equal(text_translit_each(t, "тусламж", 64, collect, &sp), 2);
	assert_string_equal(sp.all, "tuslamj,tuslamzh,");
	memset(&sp, 0, sizeof(sp));
	text_translit_each(t, "өр", 64, collect, &sp);
	assert_string_equal(sp.all, "or,ur,vr,ör,");
	memset(&sp, 0, sizeof(sp));
	assert_int_equal(text_translit_each(t, "help", 64, collect, &sp), 0);
	/* The config adds a spelling; a bad one is refused. */
	assert_int_equal(text_translit_add(t, "Ж", "dj", err, sizeof(err)), 0);
	memset(&sp, 0, sizeof(sp));
	text_translit_each(t, "ж", 64, collect, &sp);
	assert_string_equal(sp.all, "j,zh,dj,");
	assert_int_equal(text_translit_add(t, "жа", "j", err, sizeof(err)), -1);
	assert_int_equal(text_translit_add(t, "ж", "j1", err, sizeof(err)), -1);
	/* At most max spellings, however many the table allows. */
	memset(&sp, 0, sizeof(sp));
	assert_int_equal(text_translit_each(t, "хөхөхөх", 5, collect, &sp), 5);
	text_translit_free(t);
}

/*
 * A text of 1-, 2-, 3- and 4-byte characters cut at every byte and every
 * character count: the cut is always the last character end within both
 * limits, never inside a character.
 */
static void
test_utf8_cut_every_limit(void **state)
{
	/* "aЖ€😀b": characters end at bytes 1, 3, 6, 10 and 11 */
	static const char s[] = "a\xd0\x96\xe2\x82\xac\xf0\x9f\x98\x80" "b";
	static const size_t ends[] = { 0, 1, 3, 6, 10, 11 };
	size_t len = sizeof(s) - 1, max, c, want;

	(void)state;
	for (max = 0; max <= len + 2; max++) {
		for (c = 0; c + 1 < sizeof(ends) / sizeof(ends[0]) &&
		    ends[c + 1] <= max; c++)
			;
		want = ends[c];
		if (text_utf8_cut(s, len, max, SIZE_MAX) != want)
			fail_msg("max %zu: %zu, not %zu", max,
			    text_utf8_cut(s, len, max, SIZE_MAX), want);
	}
	for (c = 0; c < sizeof(ends) / sizeof(ends[0]); c++)
		assert_int_equal(text_utf8_cut(s, len, SIZE_MAX, c), ends[c]);
	assert_int_equal(text_utf8_cut(s, len, SIZE_MAX, 99), len);
	/* both limits: whichever comes first */
	assert_int_equal(text_utf8_cut(s, len, 9, 4), 6);
	assert_int_equal(text_utf8_cut(s, len, 10, 2), 3);
	/* only len bytes are looked at: a NUL inside is a character, and
	 * a character len cuts short is bytes of its own */
	assert_int_equal(text_utf8_cut("ab\0cd", 5, 4, SIZE_MAX), 4);
	assert_int_equal(text_utf8_cut(s, 5, SIZE_MAX, SIZE_MAX), 5);
	assert_int_equal(text_utf8_cut(s, 5, SIZE_MAX, 3), 4);
}

/*
 * What is not UTF-8 is cut too, each such byte a character of its own: a
 * stray continuation byte, a sequence cut short, an overlong form, a
 * surrogate, a byte UTF-8 never uses.
 */
static void
test_utf8_cut_ill_formed(void **state)
{
	static const struct {
		const char *s;
		size_t max, chars, want;
	} t[] = {
		{ "\x80\x80x", SIZE_MAX, 2, 2 },        /* stray continuation */
		{ "x\xe2\x82", SIZE_MAX, SIZE_MAX, 3 }, /* cut short at the end */
		{ "x\xe2\x82", SIZE_MAX, 2, 2 },
		{ "\xe2\x82x", 2, SIZE_MAX, 2 },        /* cut short, then more */
		{ "\xc0\x80", SIZE_MAX, 1, 1 },         /* overlong NUL */
		{ "\xed\xa0\x80", 2, SIZE_MAX, 2 },    /* a surrogate */
		{ "\xff\xfe", SIZE_MAX, 1, 1 },
		{ "\xd0\x96\xff", 2, SIZE_MAX, 2 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (text_utf8_cut(t[i].s, strlen(t[i].s), t[i].max,
		    t[i].chars) != t[i].want)
			fail_msg("case %zu: %zu, not %zu", i,
			    text_utf8_cut(t[i].s, strlen(t[i].s), t[i].max,
			    t[i].chars), t[i].want);
}

/* Copying into a buffer too small: whole characters and a NUL, always. */
static void
test_utf8_copy(void **state)
{
	char out[8];

	(void)state;
	memset(out, 'z', sizeof(out));
	assert_int_equal(text_utf8_copy(out, sizeof(out), "ЖЖЖЖЖ"), 6);
	assert_string_equal(out, "ЖЖЖ");
	assert_int_equal(text_utf8_copy(out, 7, "ЖЖЖЖЖ"), 6);
	assert_int_equal(text_utf8_copy(out, 6, "ЖЖЖЖЖ"), 4);
	assert_string_equal(out, "ЖЖ");
	assert_int_equal(text_utf8_copy(out, 2, "ЖЖ"), 0);
	assert_string_equal(out, "");
	assert_int_equal(text_utf8_copy(out, 1, "a"), 0);
	assert_string_equal(out, "");
	out[0] = 'z';
	assert_int_equal(text_utf8_copy(out, 0, "a"), 0);
	assert_int_equal(out[0], 'z');
	assert_int_equal(text_utf8_copy(out, sizeof(out), "+976 99"), 7);
	assert_string_equal(out, "+976 99");
}

/* What a phone number is, and every near miss. */
static void
test_number_ok(void **state)
{
	static const struct {
		const char *s;
		size_t min;
		int ok;
	} t[] = {
		{ "+97699112233", 3, 1 }, { "97699112233", 3, 1 },
		{ "102", 3, 1 }, { "+102", 3, 1 }, { "12", 3, 0 },
		{ "+12", 3, 0 }, { "1", 1, 1 }, { "+1", 1, 1 },
		{ "12345678901234567890", 3, 1 },       /* 20 digits */
		{ "+12345678901234567890", 3, 1 },
		{ "123456789012345678901", 3, 0 },      /* 21 */
		{ "+123456789012345678901", 1, 0 },
		{ "", 0, 0 }, { "+", 0, 0 }, { "++1", 1, 0 }, { "1+2", 1, 0 },
		{ "+976 99112233", 3, 0 }, { " 102", 3, 0 }, { "102 ", 3, 0 },
		{ "10-2", 3, 0 }, { "-102", 3, 0 }, { "10a2", 3, 0 },
		{ "\xef\xbc\x91\xef\xbc\x90\xef\xbc\x92", 1, 0 }, /* full-width */
		{ "\xd9\xa1\xd9\xa0\xd9\xa2", 1, 0 },    /* Arabic-Indic */
		{ "102\n", 3, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (text_number_ok(t[i].s, t[i].min) != t[i].ok)
			fail_msg("\"%s\" (at least %zu digits): not %d", t[i].s,
			    t[i].min, t[i].ok);
	assert_int_equal(text_number_ok(NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_normalize_long_text_keeps_whole_words),
		cmocka_unit_test(test_word_check),
		cmocka_unit_test(test_translit),
		cmocka_unit_test(test_utf8_cut_every_limit),
		cmocka_unit_test(test_utf8_cut_ill_formed),
		cmocka_unit_test(test_utf8_copy),
		cmocka_unit_test(test_number_ok),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
