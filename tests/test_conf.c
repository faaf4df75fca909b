/*
 * test_conf: the configuration as an operator meets it. The example config
 * loads with the campaign's groups and replies that fit the SMS budget;
 * absent keys take the documented defaults; overrides, the web group,
 * languages and reply modes read as written. Mistakes are in
 * test_conf_errors.c (helpers in conf_util.c). Run from the repository
 * root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

#include "conf_util.h"
#define EXAMPLE "board/shukher.conf"

static const struct conf_keyword *
find_group(const struct conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nkeywords; i++)
		if (strcmp(conf->keywords[i].name, name) == 0)
			return &conf->keywords[i];
	return NULL;
}

static int
has_word(char *const *words, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(words[i], word) == 0)
			return 1;
	return 0;
}

/* Characters of a UTF-8 string (all our texts are in the BMP). */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* GSM-7 septets of an ASCII text, or 10000 when it needs UCS-2. */
static size_t
gsm7_septets(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80 || *s == '`')
			return 10000;
		n += strchr("[]{}\\^~|", *s) != NULL ? 2 : 1;
	}
	return n;
}

static void
test_example_groups(void **state)
{
	struct conf *conf = cu_load_ok(EXAMPLE);
	const struct conf_keyword *help, *jobs, *report, *abroad, *lang;

	(void)state;
	assert_string_equal(conf->path, EXAMPLE);
	assert_string_equal(conf->database, "/var/lib/shukher/shukher.db");
	assert_string_equal(conf->modem.device, "/dev/gsm-modem");
	assert_string_equal(conf->modem.connection, "at115200");
	assert_int_equal(conf->language, LANG_MN);
	help = find_group(conf, "help");
	jobs = find_group(conf, "signs");
	abroad = find_group(conf, "abroad");
	report = find_group(conf, "report");
	assert_non_null(help);
	assert_non_null(jobs);
	assert_non_null(abroad);
	assert_non_null(report);
	assert_true(has_word(help->words, help->nwords, "ТУСЛАМЖ"));
	assert_true(has_word(help->words, help->nwords, "TUSLAMJ"));
	assert_true(has_word(help->words, help->nwords, "1"));
	assert_true(has_word(jobs->words, jobs->nwords, "АЖИЛ"));
	assert_true(has_word(jobs->words, jobs->nwords, "2"));
	assert_true(has_word(report->words, report->nwords, "МЭДЭЭЛЭХ"));
	assert_true(has_word(abroad->words, abroad->nwords, "3"));
	assert_true(has_word(report->words, report->nwords, "4"));
	assert_true(report->report);
	/* A language keyword for each language. */
	lang = find_group(conf, "lang_en");
	assert_non_null(lang);
	assert_int_equal(lang->language, LANG_EN);
	assert_int_equal(help->language, -1);
	assert_int_equal(conf->limits.max_segments, 2);
	assert_int_equal(conf->nhotlines, 4);
	assert_false(help->report);
	assert_false(jobs->report);
	assert_true(has_word(conf->stop_words, conf->nstop_words, "ЗОГС"));
	assert_true(has_word(conf->start_words, conf->nstart_words, "ЭХЛЭХ"));
	conf_free(conf);
}

/*
 * Checks one reply of the example: all languages (one is enough for a
 * language keyword), within two SMS parts once room is left for what
 * route appends (a report's " #REF").
 */
static void
check_reply_budget(const struct conf_reply *reply, const char *what,
    size_t room, int one)
{
	const char *mn = reply->text[LANG_MN] ? reply->text[LANG_MN] : "";
	const char *en = reply->text[LANG_EN] ? reply->text[LANG_EN] : "";
	const char *latn = reply->text[LANG_MN_LATN] ?
	    reply->text[LANG_MN_LATN] : "";

	if (!one && (*mn == '\0' || *en == '\0' || *latn == '\0'))
		fail_msg("%s: a language is missing", what);
	if (utf8_chars(mn) + room > 134)
		fail_msg("%s.mn: %zu characters, more than 2 UCS-2 parts", what,
		    utf8_chars(mn));
	if (gsm7_septets(en) + room > 306)
		fail_msg("%s.en: over 2 GSM-7 parts or not GSM-7", what);
	if (gsm7_septets(latn) + room > 306)
		fail_msg("%s.mn_latn: over 2 GSM-7 parts or not GSM-7", what);
}

static void
test_example_replies(void **state)
{
	struct conf *conf = cu_load_ok(EXAMPLE);
	const struct conf_keyword *help;
	size_t i;
	int l;

	(void)state;
	for (i = 0; i < conf->nkeywords; i++)
		check_reply_budget(&conf->keywords[i].reply,
		    conf->keywords[i].name, conf->keywords[i].report ? 17 : 0,
		    conf->keywords[i].language >= 0);
	check_reply_budget(&conf->default_reply, "default_reply", 0, 0);
	check_reply_budget(&conf->stop_reply, "stop", 0, 0);
	check_reply_budget(&conf->start_reply, "start", 0, 0);
	/* The menu fits one Cyrillic SMS. */
	assert_true(utf8_chars(conf->default_reply.text[LANG_MN]) <= 70);
	help = find_group(conf, "help");
	assert_non_null(help);
	for (l = 0; l < LANG_COUNT; l++) {
		assert_non_null(strstr(help->reply.text[l], "102"));
		assert_non_null(strstr(help->reply.text[l], "107"));
		assert_non_null(strstr(help->reply.text[l], "108"));
		assert_non_null(strstr(help->reply.text[l], "1903"));
	}
	conf_free(conf);
}

static void
test_minimal_defaults(void **state)
{
	struct conf *conf = cu_load_ok(DATA "minimal.conf");

	(void)state;
	assert_string_equal(conf->database, "/tmp/shukher-minimal.db");
	assert_int_equal(conf->language, LANG_MN);
	assert_string_equal(conf->modem.device, "/dev/gsm-modem");
	assert_string_equal(conf->modem.connection, "at115200");
	assert_string_equal(conf->modem.model, "");
	assert_string_equal(conf->modem.pin, "");
	assert_int_equal(conf->modem.timeout, 30);
	assert_int_equal(conf->modem.poll_interval, 30);
	assert_int_equal(conf->modem.notifications, 1);
	assert_int_equal(conf->limits.reply_budget, 10);
	assert_int_equal(conf->limits.reply_window, 3600);
	assert_int_equal(conf->limits.send_attempts, 5);
	assert_int_equal(conf->limits.retry_delay, 30);
	assert_int_equal(conf->limits.multipart_timeout, 600);
	assert_int_equal(conf->limits.short_code_max_digits, 6);
	assert_int_equal(conf->nkeywords, 1);
	assert_int_equal(conf->keywords[0].report, 0);
	assert_null(conf->keywords[0].reply.text[LANG_MN]);
	assert_string_equal(conf->keywords[0].reply.text[LANG_EN],
	    "Police 102.");
	assert_int_equal(conf->nstop_words, 3);
	assert_true(has_word(conf->stop_words, 3, "STOP"));
	assert_true(has_word(conf->stop_words, 3, "ЗОГС"));
	assert_true(has_word(conf->stop_words, 3, "ZOGS"));
	assert_int_equal(conf->nstart_words, 3);
	assert_true(has_word(conf->start_words, 3, "START"));
	assert_true(has_word(conf->start_words, 3, "ЭХЛЭХ"));
	assert_true(has_word(conf->start_words, 3, "EHLEH"));
	assert_non_null(conf->stop_reply.text[LANG_MN]);
	assert_non_null(conf->stop_reply.text[LANG_EN]);
	assert_non_null(conf->start_reply.text[LANG_MN]);
	assert_non_null(conf->start_reply.text[LANG_EN]);
	assert_null(conf_reply_text(conf, &conf->default_reply, LANG_MN));
	conf_free(conf);
}

static void
test_overrides(void **state)
{
	struct conf *conf = cu_load_ok(DATA "overrides.conf");
	const struct conf_keyword *info;

	(void)state;
	assert_int_equal(conf->language, LANG_EN);
	assert_string_equal(conf->modem.device, "/dev/ttyUSB2");
	assert_string_equal(conf->modem.connection, "at");
	assert_string_equal(conf->modem.pin, "1234");
	assert_int_equal(conf->modem.timeout, 5);
	assert_int_equal(conf->modem.poll_interval, 30);
	assert_int_equal(conf->modem.notifications, 0);
	assert_int_equal(conf->limits.reply_budget, 3);
	assert_int_equal(conf->limits.short_code_max_digits, 5);
	assert_int_equal(conf->limits.reply_window, 3600);
	/* words given as a list */
	info = find_group(conf, "info");
	assert_non_null(info);
	assert_int_equal(info->nwords, 2);
	assert_true(has_word(info->words, info->nwords, "мэдээ"));
	assert_true(info->report);
	/* stop replaced as a whole; start keeps its defaults */
	assert_int_equal(conf->nstop_words, 1);
	assert_string_equal(conf->stop_words[0], "QUIT");
	assert_string_equal(conf->stop_reply.text[LANG_EN], "Bye");
	assert_null(conf->stop_reply.text[LANG_MN]);
	assert_true(has_word(conf->start_words, conf->nstart_words, "START"));
	conf_free(conf);
}

/* The console is off and on loopback unless the file says otherwise. */
static void
test_web_group(void **state)
{
	struct conf *conf = cu_load_ok(DATA "minimal.conf");

	(void)state;
	assert_false(conf->web.enabled);
	assert_string_equal(conf->web.listen, "127.0.0.1");
	assert_int_equal(conf->web.port, 8080);
	assert_null(conf->web.certificate);
	assert_int_equal(conf->web.language, LANG_MN);
	conf_free(conf);
	conf = cu_load_ok(DATA "web_ok.conf");
	assert_true(conf->web.enabled);
	assert_string_equal(conf->web.listen, "::");
	assert_int_equal(conf->web.port, 8443);
	assert_int_equal(conf->web.language, LANG_EN);
	assert_int_equal(conf->web.session_idle, 60);
	assert_int_equal(conf->web.session_max, 8 * 3600);
	assert_string_equal(conf->web.campaign_start, "2026-09-01");
	conf_free(conf);
}

/* A byte-order mark and CRLF line ends, as Windows editors write them. */
static void
test_bom_crlf(void **state)
{
	struct conf *conf = cu_load_ok(DATA "bom.conf");

	(void)state;
	assert_string_equal(conf->database, "/tmp/shukher-bom.db");
	assert_int_equal(conf->nkeywords, 1);
	assert_string_equal(conf->keywords[0].words[0], "ТУСЛАМЖ");
	assert_string_equal(conf->keywords[0].reply.text[LANG_MN],
	    "Цагдаа 102");
	conf_free(conf);
}

/* Two loads share nothing: freeing one leaves the other whole. */
static void
test_independent_loads(void **state)
{
	struct conf *a = cu_load_ok(EXAMPLE);
	struct conf *b = cu_load_ok(EXAMPLE);
	const struct conf_keyword *help;

	(void)state;
	assert_ptr_not_equal(a->database, b->database);
	assert_ptr_not_equal(a->keywords[0].words[0], b->keywords[0].words[0]);
	conf_free(a);
	help = find_group(b, "help");
	assert_non_null(help);
	assert_true(has_word(help->words, help->nwords, "ТУСЛАМЖ"));
	assert_string_equal(b->database, "/var/lib/shukher/shukher.db");
	assert_non_null(strstr(help->reply.text[LANG_MN], "102"));
	conf_free(b);
	conf_free(NULL);
}

static void
test_reply_fallback(void **state)
{
	struct conf conf;
	struct conf_reply only_mn = { { "mn text", NULL, NULL } };
	struct conf_reply en_latn = { { NULL, "en text", "latn text" } };
	struct conf_reply only_latn = { { NULL, NULL, "latn text" } };
	struct conf_reply none = { { NULL, NULL, NULL } };

	(void)state;
	memset(&conf, 0, sizeof(conf));
	conf.language = LANG_EN;
	/* the requested language when it is there */
	assert_string_equal(conf_reply_text(&conf, &en_latn, LANG_MN_LATN),
	    "latn text");
	/* else the conf's language */
	assert_string_equal(conf_reply_text(&conf, &en_latn, LANG_MN),
	    "en text");
	/* else whatever there is */
	assert_string_equal(conf_reply_text(&conf, &only_mn, LANG_MN_LATN),
	    "mn text");
	assert_string_equal(conf_reply_text(&conf, &only_latn, LANG_MN),
	    "latn text");
	assert_null(conf_reply_text(&conf, &none, LANG_EN));
}

static void
test_lang_names(void **state)
{
	int l;

	(void)state;
	for (l = 0; l < LANG_COUNT; l++)
		assert_int_equal(lang_parse(lang_name((enum lang)l)), l);
	assert_string_equal(lang_name(LANG_MN_LATN), "mn_latn");
	assert_int_equal(lang_parse("mn"), LANG_MN);
	assert_int_equal(lang_parse("ru"), -1);
	assert_int_equal(lang_parse("MN"), -1);
	assert_int_equal(lang_parse(""), -1);
	assert_int_equal(lang_parse(NULL), -1);
}

/* A prompt's languages that the file omits keep their built-in texts;
 * a keyword's reply is the file's alone. */
static void
test_reply_modes(void **state)
{
	static const char text[] = "database = \"/tmp/x.db\";\n"
	    "keywords = ( { name = \"help\"; words = [ \"HELP\" ]; "
	    "reply = { en = \"Police 102.\"; }; } );\n"
	    "reports = { prompt = { en = \"Tell us.\"; }; };\n";
	char path[128];
	struct conf *conf;

	(void)state;
	cu_write_scratch("modes.conf", text, sizeof(text) - 1, path,
	    sizeof(path));
	conf = cu_load_ok(path);
	assert_string_equal(conf->reports.prompt.text[LANG_EN], "Tell us.");
	assert_non_null(conf->reports.prompt.text[LANG_MN]);
	assert_non_null(conf->reports.prompt.text[LANG_MN_LATN]);
	assert_null(conf->keywords[0].reply.text[LANG_MN]);
	conf_free(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_groups),
		cmocka_unit_test(test_example_replies),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_web_group),
		cmocka_unit_test(test_bom_crlf),
		cmocka_unit_test(test_independent_loads),
		cmocka_unit_test(test_reply_fallback),
		cmocka_unit_test(test_lang_names),
		cmocka_unit_test(test_reply_modes),
	};

	return cmocka_run_group_tests(tests, cu_scratch_setup, cu_scratch_teardown);
}
