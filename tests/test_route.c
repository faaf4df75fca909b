/*
 * test_route: what a person gets back for what they texted.
 *
 * Each test stores messages as the modem would deliver them, lets the router
 * handle them, and looks at the outbox, the contacts and the statistics,
 * as a caseworker or the campaign team would. A :memory: database and the
 * fixture tests/data/route.conf (reply budget 3).
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
#include "route.h"
#include "store.h"

#define NOW 1764390000          /* a fixed clock */

struct fixture {
	struct conf *conf;
	struct store *store;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	assert_non_null(f);
	if (conf_load("tests/data/route.conf", &f->conf, err,
	    sizeof(err)) < 0)
		fail_msg("conf: %s", err);
	f->store = store_open(":memory:", 1, err, sizeof(err));
	if (f->store == NULL)
		fail_msg("store: %s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->store);
	conf_free(f->conf);
	free(f);
	return 0;
}

/* Stores text from sender as one SMS, handles everything waiting. */
static void
receive(struct fixture *f, const char *sender, const char *text, int64_t at)
{
	static int seq;
	struct store_part p = {
		.sender = sender, .sent_at = at + seq++, .concat_ref = 0,
		.part_no = 1, .part_count = 1, .text = text,
	};

	assert_int_equal(store_put_part(f->store, &p, at), 1);
	while (route_handle_next(f->store, f->conf, at) == 1)
		;
}

struct replies {
	const char *number;      /* NULL: every number */
	int n;
	char last[512];
};

static int
collect(void *arg, const struct store_out *o)
{
	struct replies *r = arg;

	if (r->number != NULL && strcmp(r->number, o->number) != 0)
		return 0;
	if (r->n++ == 0)        /* newest first: the first row is the last */
		snprintf(r->last, sizeof(r->last), "%s", o->text);
	return 0;
}

static struct replies
replies_to(struct fixture *f, const char *number)
{
	struct store_filter all = { .urgent = -1 };
	struct replies r = { .number = number };

	assert_int_equal(store_list_outbox(f->store, &all, collect, &r), 0);
	return r;
}

static void
test_keyword_gets_its_reply_in_the_script_written(void **state)
{
	struct fixture *f = *state;
	struct replies r;

	receive(f, "+97699110001", "тусламж", NOW);
	r = replies_to(f, "+97699110001");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.last, "Тусламж: 102");

	receive(f, "+97699110002", "Help!", NOW);
	r = replies_to(f, "+97699110002");
	assert_int_equal(r.n, 1);
	/* An English keyword: English. */
	assert_string_equal(r.last, "Help: 102");

	/* Mongolian in Latin letters, as people text it: mn_latn. */
	receive(f, "+97699110012", "tuslamzh", NOW);
	assert_string_equal(replies_to(f, "+97699110012").last,
	    "Tuslamj: 102");
}

static void
test_keyword_is_first_word_or_whole_text(void **state)
{
	struct fixture *f = *state;

	receive(f, "+97699110003", "ТУСЛАМЖ хэрэгтэй байна", NOW);
	assert_string_equal(replies_to(f, "+97699110003").last,
	    "Тусламж: 102");
	receive(f, "+97699110004", "  job   offer ", NOW);
	assert_string_equal(replies_to(f, "+97699110004").last,
	    "Job offers");
}

static void
test_unknown_text_gets_the_menu(void **state)
{
	struct fixture *f = *state;

	receive(f, "+97699110005", "сайн уу", NOW);
	assert_string_equal(replies_to(f, "+97699110005").last,
	    "1 Тусламж 2 Ажил 3 Мэдээлэх");
}

static void
test_stop_confirms_once_then_silence_until_start(void **state)
{
	struct fixture *f = *state;
	const char *n = "+97699110006";
	struct store_contact c;

	receive(f, n, "stop", NOW);
	assert_int_equal(replies_to(f, n).n, 1);
	/* An English word: English. */
	assert_string_equal(replies_to(f, n).last, "Stopped");
	assert_int_equal(store_contact_get(f->store, n, &c), 0);
	assert_true(c.opted_out);

	receive(f, n, "тусламж", NOW + 10);
	receive(f, n, "STOP", NOW + 20);
	receive(f, n, "anything", NOW + 30);
	assert_int_equal(replies_to(f, n).n, 1);

	receive(f, n, "Эхлэх", NOW + 40);
	assert_int_equal(replies_to(f, n).n, 2);
	assert_string_equal(replies_to(f, n).last, "Эхэллээ");
	receive(f, n, "тусламж", NOW + 50);
	assert_int_equal(replies_to(f, n).n, 3);
	assert_string_equal(replies_to(f, n).last, "Тусламж: 102");
}

static void
test_robots_and_short_codes_are_stored_never_answered(void **state)
{
	struct fixture *f = *state;
	struct store_counts counts;

	receive(f, "MOBICOM", "Tanii dansand 1000 tugrug", NOW);
	receive(f, "1111", "help", NOW);
	receive(f, "+976123", "help", NOW);
	assert_int_equal(replies_to(f, NULL).n, 0);
	assert_int_equal(store_counts(f->store, &counts), 0);
	assert_int_equal(counts.inbox_new, 0);  /* handled: not lost */
}

static void
test_reply_budget_stops_a_loop(void **state)
{
	struct fixture *f = *state;
	const char *robot = "+97699110007";
	int i;

	for (i = 0; i < 10; i++)
		receive(f, robot, "Auto-reply: I am away", NOW + i);
	assert_int_equal(replies_to(f, robot).n, 3);
	/* The window passes: the budget is back. */
	receive(f, robot, "help", NOW + 3601 + 10);
	assert_int_equal(replies_to(f, robot).n, 4);
}

static void
test_report_is_filed_and_its_reference_sent_back(void **state)
{
	struct fixture *f = *state;
	struct store_report rep;
	char key[32];
	const char *last, *hash;

	receive(f, "+97699110008", "REPORT a man offers jobs in Macau", NOW);
	last = replies_to(f, "+97699110008").last;
	hash = strchr(last, '#');
	assert_non_null(hash);
	assert_memory_equal(last, "Received #", strlen("Received #"));
	snprintf(key, sizeof(key), "%s", hash + 1);
	assert_int_equal(store_report_find(f->store, key, &rep), 1);
	assert_string_equal(rep.text, "REPORT a man offers jobs in Macau");
	assert_string_equal(rep.status, "open");
	store_report_free(&rep);
}

/* A number that said STOP and then writes a report chose to write to us:
 * the report is filed and acknowledged, and the number stays opted out. */
static void
test_report_after_stop_is_filed_and_acknowledged(void **state)
{
	struct fixture *f = *state;
	const char *n = "+97699110016";
	struct store_contact c;
	struct store_report rep;
	const char *hash;
	char key[32];

	receive(f, n, "stop", NOW);
	assert_int_equal(replies_to(f, n).n, 1);
	receive(f, n, "REPORT my sister was taken to Erlian", NOW + 10);
	assert_int_equal(replies_to(f, n).n, 2);
	hash = strchr(replies_to(f, n).last, '#');
	assert_non_null(hash);
	snprintf(key, sizeof(key), "%s", hash + 1);
	assert_int_equal(store_report_find(f->store, key, &rep), 1);
	assert_non_null(strstr(rep.text, "Erlian"));
	store_report_free(&rep);

	/* Still opted out: an ordinary keyword gets no answer. */
	receive(f, n, "тусламж", NOW + 20);
	assert_int_equal(replies_to(f, n).n, 2);
	assert_int_equal(store_contact_get(f->store, n, &c), 0);
	assert_true(c.opted_out);
}

/* Stores text from sender as one SMS that could not all be decoded. */
static void
receive_malformed(struct fixture *f, const char *sender, const char *text,
    int64_t at)
{
	struct store_part p = {
		.sender = sender, .sent_at = at, .part_no = 1,
		.part_count = 1, .text = text, .malformed = 1,
	};

	assert_int_equal(store_put_part(f->store, &p, at), 1);
	while (route_handle_next(f->store, f->conf, at) == 1)
		;
}

/* Nothing that looks like a report is routed as nothing: a malformed
 * message whose decodable start is a report keyword files a report and is
 * acknowledged; any other malformed message stays unanswered. */
static void
test_malformed_report_is_filed(void **state)
{
	struct fixture *f = *state;
	const char *n = "+97699110017";
	struct store_contact stranger = { .known = 0, .lang = -1 };
	struct route_result r;
	struct store_report rep;
	const char *hash;
	char key[32];

	receive_malformed(f, n, "REPORT they took our passports D83D0041FF",
	    NOW);
	assert_int_equal(replies_to(f, n).n, 1);
	hash = strchr(replies_to(f, n).last, '#');
	assert_non_null(hash);
	snprintf(key, sizeof(key), "%s", hash + 1);
	assert_int_equal(store_report_find(f->store, key, &rep), 1);
	assert_non_null(strstr(rep.text, "passports D83D0041FF"));
	store_report_free(&rep);

	receive_malformed(f, "+97699110018", "help 0041D83D", NOW);
	receive_malformed(f, "+97699110019", "D83D00410042", NOW);
	assert_int_equal(replies_to(f, "+97699110018").n, 0);
	assert_int_equal(replies_to(f, "+97699110019").n, 0);

	route_decide(f->conf, n, "МЭДЭЭЛЭХ 0041D83D", 1, &stranger, 0, &r);
	assert_int_equal(r.action, ROUTE_KEYWORD);
	assert_true(r.keyword->report);
	route_decide(f->conf, n, "тусламж 0041", 1, &stranger, 0, &r);
	assert_int_equal(r.action, ROUTE_SILENT_MALFORMED);
	assert_null(r.reply);
}

static int
count_stat(void *arg, const char *day, const char *keyword, int count)
{
	int *help = arg;

	(void)day;
	if (strcmp(keyword, "help") == 0)
		*help += count;
	return 0;
}

static void
test_each_message_handled_once_and_counted(void **state)
{
	struct fixture *f = *state;
	int help = 0;

	receive(f, "+97699110009", "1", NOW);
	assert_int_equal(route_handle_next(f->store, f->conf, NOW), 0);
	assert_int_equal(replies_to(f, "+97699110009").n, 1);
	assert_int_equal(store_list_stats(f->store, NULL, NULL, count_stat,
	    &help), 0);
	assert_int_equal(help, 1);
}

static void
test_language_is_remembered_per_number(void **state)
{
	struct fixture *f = *state;
	const char *n = "+97699110010";
	struct store_contact c = { .known = 1, .lang = LANG_EN };

	assert_int_equal(store_contact_put(f->store, n, &c, NOW), 0);
	/* A menu digit tells nothing: the remembered language. */
	receive(f, n, "1", NOW);
	assert_string_equal(replies_to(f, n).last, "Help: 102");
	/* Writing in Cyrillic switches, and is remembered in turn. */
	receive(f, n, "тусламж", NOW + 1);
	assert_string_equal(replies_to(f, n).last, "Тусламж: 102");
	receive(f, n, "#1", NOW + 2);
	assert_string_equal(replies_to(f, n).last, "Тусламж: 102");
	assert_int_equal(store_contact_get(f->store, n, &c), 0);
	assert_int_equal(c.lang, LANG_MN);
}

static void
test_forgiving_matching_reaches_the_right_group(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *text, *reply;
	} cases[] = {
		{ "Тусламж!", "Тусламж: 102" },
		{ "ТУСЛАМЖЖЖ 🙏", "Тусламж: 102" },
		{ "тусламш", "Тусламж: 102" },            /* a typo */
		{ "TUSLAMZH", "Tuslamj: 102" },
		{ "１", "Тусламж: 102" },                  /* full width */
		{ "мэдээлэх нэг хүн", "Хүлээн авлаа" },
		{ "ajil", "Ажлын санал" },     /* no mn_latn text: mn */
		{ "hello", "1 Тусламж 2 Ажил 3 Мэдээлэх" },
		{ "7", "1 Тусламж 2 Ажил 3 Мэдээлэх" },
	};
	char number[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(number, sizeof(number), "+976991200%02zu", i);
		receive(f, number, cases[i].text, NOW);
		if (strncmp(replies_to(f, number).last, cases[i].reply,
		    strlen(cases[i].reply)) != 0)
			fail_msg("\"%s\" got \"%s\", not \"%s\"",
			    cases[i].text, replies_to(f, number).last,
			    cases[i].reply);
	}
}

static void
test_language_keyword_switches(void **state)
{
	struct fixture *f = *state;
	const char *n = "+97699110013";
	struct store_contact c;

	receive(f, n, "english", NOW);
	assert_string_equal(replies_to(f, n).last, "1 Help 2 Jobs 3 Report");
	receive(f, n, "2", NOW + 1);
	assert_string_equal(replies_to(f, n).last, "Job offers");
	receive(f, n, "монгол", NOW + 2);
	assert_string_equal(replies_to(f, n).last, "1 Тусламж 2 Ажил 3 Мэдээлэх");
	assert_int_equal(store_contact_get(f->store, n, &c), 0);
	assert_int_equal(c.lang, LANG_MN);
}

static void
test_decide_is_pure(void **state)
{
	struct fixture *f = *state;
	struct store_contact stranger = { .known = 0, .lang = -1 };
	struct route_result r;

	route_decide(f->conf, "+97699110011", "МЭДЭЭЛЭХ", 0, &stranger, 0, &r);
	assert_int_equal(r.action, ROUTE_KEYWORD);
	assert_string_equal(r.keyword->name, "report");
	assert_true(r.keyword->report);
	route_decide(f->conf, "+97699110011", "\xff\xfe", 1, &stranger, 0, &r);
	assert_int_equal(r.action, ROUTE_SILENT_MALFORMED);
	assert_null(r.reply);
	route_decide(f->conf, "Unitel", "help", 0, &stranger, 0, &r);
	assert_int_equal(r.action, ROUTE_SILENT_SHORTCODE);
	route_decide(f->conf, "+97699110011", "help", 0, &stranger, 3, &r);
	assert_int_equal(r.action, ROUTE_SILENT_BUDGET);
	assert_null(r.reply);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_keyword_gets_its_reply_in_the_script_written),
		T(test_keyword_is_first_word_or_whole_text),
		T(test_unknown_text_gets_the_menu),
		T(test_stop_confirms_once_then_silence_until_start),
		T(test_robots_and_short_codes_are_stored_never_answered),
		T(test_reply_budget_stops_a_loop),
		T(test_report_is_filed_and_its_reference_sent_back),
		T(test_report_after_stop_is_filed_and_acknowledged),
		T(test_malformed_report_is_filed),
		T(test_each_message_handled_once_and_counted),
		T(test_language_is_remembered_per_number),
		T(test_decide_is_pure),
		T(test_forgiving_matching_reaches_the_right_group),
		T(test_language_keyword_switches),
#undef T
	};

	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
