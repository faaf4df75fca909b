/*
 * test_match: does a message reach the group its sender meant?
 *
 * The table tests/data/messages.tsv holds messages as people text them
 * (Cyrillic, Latin spellings, typos, mixed case, punctuation, emoji, menu
 * numbers) with the group each must reach on the shipped config, and
 * ordinary messages that must reach none. The other tests pin the rules
 * behind it on tests/data/match.conf: ties, typo lengths, the exception
 * list, transliteration from the config, and the language of a match.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "match.h"

#define SHIPPED "board/shukher.conf"
#define TABLE "tests/data/messages.tsv"
#define FIXTURE "tests/data/match.conf"

static struct conf *
load(const char *path)
{
	struct conf *conf;
	char err[512];

	if (conf_load(path, &conf, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_non_null(conf->match);
	return conf;
}

/* The group name text reaches on conf, "-" for none. */
static const char *
group_of(const struct conf *conf, const char *text, struct match_result *r)
{
	if (!match_text(conf->match, text, r))
		return "-";
	switch (r->target) {
	case MATCH_STOP:
		return "stop";
	case MATCH_START:
		return "start";
	default:
		return conf->keywords[r->keyword].name;
	}
}

static void
test_messages_reach_their_group(void **state)
{
	struct conf *conf = load(SHIPPED);
	struct match_result r;
	char line[512], *tab, *nl;
	const char *got;
	int matched = 0, none = 0, wrong = 0, lineno = 0;
	FILE *fp;

	(void)state;
	fp = fopen(TABLE, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if ((tab = strrchr(line, '\t')) == NULL)
			fail_msg("%s:%d: no tab", TABLE, lineno);
		*tab++ = '\0';
		got = group_of(conf, line, &r);
		if (strcmp(got, tab) != 0) {
			print_error("%s:%d: \"%s\" reached %s (%s), not %s\n",
			    TABLE, lineno, line, got, match_kind_name(r.kind),
			    tab);
			wrong++;
		}
		if (strcmp(tab, "-") == 0)
			none++;
		else
			matched++;
	}
	fclose(fp);
	conf_free(conf);
	assert_int_equal(wrong, 0);
	assert_true(matched >= 150);
	assert_true(none >= 30);
}

static void
test_exact_before_translit_before_fuzzy(void **state)
{
	struct conf *conf = load(FIXTURE);
	struct match_result r;

	(void)state;
	/* "test" is second's word exactly and a spelling of first's ТЕСТ. */
	assert_string_equal(group_of(conf, "test", &r), "second");
	assert_int_equal(r.kind, MATCH_EXACT);
	assert_int_equal(r.lang, LANG_EN);
	assert_string_equal(group_of(conf, "ТЕСТ", &r), "first");
	assert_int_equal(r.lang, LANG_MN);
	/* One typo from both ABCDEFGH (first) and ABCDEFGX (second): the
	 * same rank and length, so config order. */
	assert_string_equal(group_of(conf, "abcdefgy", &r), "first");
	assert_int_equal(r.kind, MATCH_FUZZY);
	assert_int_equal(r.distance, 1);
	/* The exception list: never a typo. */
	assert_string_equal(group_of(conf, "abcdefgz", &r), "-");
	/* Longer keyword first: JOB OFFER (second) over JOB (third). */
	assert_string_equal(group_of(conf, "Job offer, abroad", &r), "second");
	assert_string_equal(group_of(conf, "job abroad", &r), "third");
	conf_free(conf);
}

static void
test_typo_lengths(void **state)
{
	struct conf *conf = load(FIXTURE);
	struct match_result r;

	(void)state;
	/* typo_length 5: a four-letter word gets no typo. */
	assert_string_equal(group_of(conf, "tesx", &r), "-");
	/* typo2_length 8: two typos in an eight-letter word. */
	assert_string_equal(group_of(conf, "abcdefyz", &r), "first");
	assert_int_equal(r.distance, 2);
	assert_string_equal(group_of(conf, "abcdeyyy", &r), "-");
	/* A transposition is one typo. */
	assert_string_equal(group_of(conf, "abcdefhg", &r), "first");
	assert_int_equal(r.distance, 1);
	/* Digits never match by typo. */
	assert_string_equal(group_of(conf, "8", &r), "-");
	assert_string_equal(group_of(conf, "77", &r), "-");
	assert_string_equal(group_of(conf, "7!", &r), "third");
	assert_int_equal(r.kind, MATCH_MENU);
	assert_int_equal(r.lang, -1);
	conf_free(conf);
}

static void
test_transliteration_from_the_config(void **state)
{
	struct conf *conf = load(FIXTURE);
	struct match_result r;

	(void)state;
	/* Built in: ц as ts or c; from the config: q. */
	assert_string_equal(group_of(conf, "tsag", &r), "third");
	assert_int_equal(r.kind, MATCH_TRANSLIT);
	assert_int_equal(r.lang, LANG_MN_LATN);
	assert_string_equal(group_of(conf, "cag", &r), "third");
	assert_string_equal(group_of(conf, "qag", &r), "third");
	/* ө as o, u, v or ö; х as h, kh or x; doubled letters are one. */
	assert_string_equal(group_of(conf, "hooh", &r), "fourth");
	assert_string_equal(group_of(conf, "khuukh", &r), "fourth");
	assert_string_equal(group_of(conf, "XÖÖX", &r), "fourth");
	assert_string_equal(group_of(conf, "hvvh", &r), "fourth");
	conf_free(conf);
}

static void
test_shipped_language_of_a_match(void **state)
{
	struct conf *conf = load(SHIPPED);
	struct match_result r;

	(void)state;
	assert_string_equal(group_of(conf, "tuslamzh", &r), "help");
	assert_int_equal(r.lang, LANG_MN_LATN);
	assert_string_equal(group_of(conf, "TUSLAMJ", &r), "help");
	assert_int_equal(r.lang, LANG_MN_LATN);   /* listed, yet Mongolian */
	assert_string_equal(group_of(conf, "help", &r), "help");
	assert_int_equal(r.lang, LANG_EN);
	assert_string_equal(group_of(conf, "тусламж", &r), "help");
	assert_int_equal(r.lang, LANG_MN);
	assert_string_equal(group_of(conf, "\xff\xfe", &r), "-");
	assert_string_equal(group_of(conf, "", &r), "-");
	conf_free(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages_reach_their_group),
		cmocka_unit_test(test_exact_before_translit_before_fuzzy),
		cmocka_unit_test(test_typo_lengths),
		cmocka_unit_test(test_transliteration_from_the_config),
		cmocka_unit_test(test_shipped_language_of_a_match),
	};

	return cmocka_run_group_tests_name("match", tests, NULL, NULL);
}
