/*
 * test_conf: the configuration as an operator meets it. The example config
 * loads with the campaign's groups and replies that fit the SMS budget;
 * absent keys take the documented defaults; every kind of mistake is
 * refused with the file, the line and a word of the reason. Bad fixtures in
 * tests/data/conf mark the line the error must name with "# <- error", so
 * the expected line comes from the fixture itself. Run from the repository
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

#include "conf.h"

#define EXAMPLE "board/shukher.conf"
#define DATA "tests/data/conf/"
#define MARK "# <- error"

static struct conf *
load_ok(const char *path)
{
	struct conf *conf = NULL;
	char err[512] = "";

	if (conf_load(path, &conf, err, sizeof(err)) != 0)
		fail_msg("%s did not load: %s", path, err);
	assert_non_null(conf);
	return conf;
}

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
	struct conf *conf = load_ok(EXAMPLE);
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
	struct conf *conf = load_ok(EXAMPLE);
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
	struct conf *conf = load_ok(DATA "minimal.conf");

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
	struct conf *conf = load_ok(DATA "overrides.conf");
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
	struct conf *conf = load_ok(DATA "minimal.conf");

	(void)state;
	assert_false(conf->web.enabled);
	assert_string_equal(conf->web.listen, "127.0.0.1");
	assert_int_equal(conf->web.port, 8080);
	assert_null(conf->web.certificate);
	assert_int_equal(conf->web.language, LANG_MN);
	conf_free(conf);
	conf = load_ok(DATA "web_ok.conf");
	assert_true(conf->web.enabled);
	assert_string_equal(conf->web.listen, "::");
	assert_int_equal(conf->web.port, 8443);
	assert_int_equal(conf->web.language, LANG_EN);
	assert_int_equal(conf->web.session_idle, 60);
	assert_int_equal(conf->web.session_max, 8 * 3600);
	assert_string_equal(conf->web.campaign_start, "2026-09-01");
	conf_free(conf);
}

/* The line of the fixture that carries MARK, or 0 when none does. */
static unsigned
marked_line(const char *path)
{
	char buf[1024];
	unsigned line = 0;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("cannot open fixture %s", path);
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		line++;
		if (strstr(buf, MARK) != NULL) {
			fclose(fp);
			return line;
		}
	}
	fclose(fp);
	return 0;
}

static const struct bad {
	const char *file;
	const char *reason;      /* a word the message must contain */
} bad_configs[] = {
	{ "syntax.conf", "syntax error" },
	{ "duplicate_setting.conf", "duplicate" },
	{ "unknown_top.conf", "unknown setting \"databse\"" },
	{ "unknown_modem.conf", "modem: unknown setting \"speed\"" },
	{ "unknown_keyword_key.conf", "unknown setting \"reprot\"" },
	{ "not_integer.conf", "limits.reply_budget: expected an integer" },
	{ "float_integer.conf", "modem.timeout: expected an integer" },
	{ "out_of_range.conf", "limits.retry_delay: out of range" },
	{ "not_bool.conf", "modem.notifications: expected true or false" },
	{ "not_string.conf", "modem.device: expected a string" },
	{ "zero_limit.conf", "limits.retry_delay: must be greater than 0" },
	{ "negative_limit.conf", "limits.reply_window: must be greater" },
	{ "bad_language.conf", "language:" },
	{ "empty_database.conf", "database: must not be empty" },
	{ "modem_not_group.conf", "modem: expected a group" },
	{ "keywords_not_list.conf", "keywords: expected a list" },
	{ "duplicate_group.conf", "duplicate group name" },
	{ "bad_group_name.conf", "keywords[0] (\"job offers\").name" },
	{ "reserved_group_name.conf", "reserved" },
	{ "reserved_route_label.conf", "\"Opted_Out\" is reserved" },
	{ "no_name.conf", "keywords[0]: no name" },
	{ "no_words.conf", "keywords[0] (\"jobs\").words: no words" },
	{ "duplicate_word.conf", "\"help\" is already a word of "
	    "keywords[0] (\"help\")" },
	{ "duplicate_word_cyrillic.conf", "is already a word of "
	    "keywords[0] (\"report\")" },
	{ "duplicate_stop_word.conf", "is already a word of stop" },
	{ "empty_word.conf", "words[1]: empty word" },
	{ "word_not_string.conf", "words[1]: expected a string" },
	{ "empty_reply_text.conf", "reply.mn: empty text" },
	{ "no_reply_text.conf", "keywords[1] (\"info\").reply: no text in "
	    "any language" },
	{ "no_reply.conf", "reply: no text in any language" },
	{ "bad_reply_language.conf", "unknown language \"ru\"" },
	{ "empty_stop_words.conf", "stop.words: no words" },
	{ "empty_stop_reply.conf", "stop.reply: no text" },
	{ "empty_default_reply.conf", "default_reply.mn_latn: empty text" },
	{ "bad_utf8.conf", "not valid UTF-8" },
	{ "space_in_word.conf", "words[1]: \"ТУСЛАМЖ \" would never match" },
	{ "punct_in_word.conf", "words[0]: \"1.\" would never match" },
	{ "double_space_in_word.conf", "words[2]: \"JOB  OFFER\" would never" },
	{ "long_word.conf", "more than 64 characters" },
	{ "bom_error.conf", "limits.reply_budget: must be greater than 0" },
	{ "web_unknown.conf", "web.lisen: unknown setting" },
	{ "web_bad_listen.conf", "web.listen: \"office.local\" is not an "
	    "IPv4 or IPv6 address" },
	{ "web_cert_alone.conf", "web.certificate and key go together" },
	{ "web_port_range.conf", "web.port: expected a whole number from 0 "
	    "to 65535" },
	{ "web_cert_missing.conf", "web.certificate: cannot read "
	    "/nonexistent/web.crt" },
	{ "web_bad_day.conf", "web.campaign_start: expected a day" },
};

static void
test_bad_configs(void **state)
{
	char path[256], want[300], err[512];
	struct conf *conf;
	unsigned line;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
		snprintf(path, sizeof(path), DATA "%s", bad_configs[i].file);
		if ((line = marked_line(path)) == 0)
			fail_msg("%s has no \"%s\" line", path, MARK);
		snprintf(want, sizeof(want), "%s:%u: ", path, line);
		conf = (struct conf *)&conf;	/* must be reset to NULL */
		err[0] = '\0';
		if (conf_load(path, &conf, err, sizeof(err)) != -1)
			fail_msg("%s loaded", path);
		assert_null(conf);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("%s: \"%s\" does not start with \"%s\"", path,
			    err, want);
		if (strstr(err, bad_configs[i].reason) == NULL)
			fail_msg("%s: \"%s\" does not say \"%s\"", path, err,
			    bad_configs[i].reason);
	}
}

static void
test_missing_file(void **state)
{
	struct conf *conf = NULL;
	char err[256];

	(void)state;
	assert_int_equal(conf_load(DATA "no-such.conf", &conf, err,
	    sizeof(err)), -1);
	assert_null(conf);
	assert_string_equal(err, DATA "no-such.conf: cannot open: "
	    "No such file or directory");
}

/* A short error buffer is truncated, never overrun. */
static void
test_short_error_buffer(void **state)
{
	struct conf *conf = NULL;
	char err[12];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(conf_load(DATA "zero_limit.conf", &conf, err,
	    sizeof(err) - 2), -1);
	assert_int_equal(strlen(err), sizeof(err) - 3);
	assert_int_equal(err[sizeof(err) - 1], 'x');
	assert_int_equal(conf_load(DATA "zero_limit.conf", &conf, NULL, 0),
	    -1);
}

/* A byte-order mark and CRLF line ends, as Windows editors write them. */
static void
test_bom_crlf(void **state)
{
	struct conf *conf = load_ok(DATA "bom.conf");

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
	struct conf *a = load_ok(EXAMPLE);
	struct conf *b = load_ok(EXAMPLE);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_groups),
		cmocka_unit_test(test_example_replies),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_web_group),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_short_error_buffer),
		cmocka_unit_test(test_bom_crlf),
		cmocka_unit_test(test_independent_loads),
		cmocka_unit_test(test_reply_fallback),
		cmocka_unit_test(test_lang_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
