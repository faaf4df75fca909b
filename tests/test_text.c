/*
 * test_text: the one form every spelling of a word is reduced to.
 *
 * What a sender's phone may produce (capitals, Ө and Ү, full-width and
 * other Unicode digits, punctuation, emoji, repeated letters, extra
 * spaces) against what the matcher must see; the config's word check;
 * and the transliteration table's Latin spellings.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_normalize_long_text_keeps_whole_words),
		cmocka_unit_test(test_word_check),
		cmocka_unit_test(test_translit),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
