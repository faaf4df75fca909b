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

/* ---- decide, on a table of cases --------------------------------------- */

#define REPORTER "+97699113344"
#define OYUNA "+97699000001"     /* PIN 4821 (tests/data/report.conf) */
#define BAT "+97699000002"       /* PIN 7315 */
#define SARAA "+97699000003"     /* no PIN: no SMS commands */
#define WINDOW_REPORT 7          /* the report of an open window */
#define NAMED_REPORT 9           /* the report the text names */

/* One message, what gather would have read, and what decide must say. */
struct decide_case {
	const char *sender;
	const char *text;
	int malformed;
	int opted_out;
	int replies;             /* already sent within the window */
	const char *window;      /* NULL: none; "await"; "open" */
	const char *report;      /* the report the text names: NULL none,
	                            "open" or "closed" */
	int pin_failures;
	int locked;              /* 1: a lock holds for another 10 min */
	enum route_outcome want;
	const char *label;
	const char *reply;       /* NULL: none; "*": any; else its start */
	int64_t report_id;       /* 0: none expected */
	int urgent;
	int warning;             /* 1: the PIN-guessing warning */
	int survey;              /* 1: an open attempt at question 1; 2: a
	                            completed one remembered */
};

static const struct decide_case decide_cases[] = {
	/* The router's answers. */
	{ REPORTER, "тусламж", .want = ROUTE_REPLY, .label = "help",
	  .reply = "Тусламж: 102" },
	{ REPORTER, "tuslamzh", .want = ROUTE_REPLY, .label = "help",
	  .reply = "Tuslamj: 102" },
	{ REPORTER, "сайн уу", .want = ROUTE_REPLY, .label = "default",
	  .reply = "1 Тусламж" },
	{ REPORTER, "english", .want = ROUTE_REPLY, .label = "lang_en",
	  .reply = "1 Help" },
	{ REPORTER, "help", .replies = 10, .want = ROUTE_BUDGET,
	  .label = "help" },
	{ REPORTER, "qwerty", .replies = 10, .want = ROUTE_BUDGET,
	  .label = "default" },
	{ REPORTER, "stop", .want = ROUTE_STOP, .label = "stop",
	  .reply = "Stopped" },
	{ REPORTER, "STOP", .replies = 10, .want = ROUTE_BUDGET,
	  .label = "stop" },
	{ REPORTER, "stop", .opted_out = 1, .want = ROUTE_OPTED_OUT,
	  .label = "stop" },
	{ REPORTER, "Эхлэх", .opted_out = 1, .want = ROUTE_START,
	  .label = "start", .reply = "Эхэллээ" },
	{ REPORTER, "start", .replies = 10, .want = ROUTE_BUDGET,
	  .label = "start" },
	{ REPORTER, "тусламж", .opted_out = 1, .want = ROUTE_OPTED_OUT,
	  .label = "opted_out" },
	{ REPORTER, "stop 0041D83D", .malformed = 1, .want = ROUTE_STOP,
	  .label = "stop", .reply = "Stopped" },
	{ "MOBICOM", "help", .want = ROUTE_IGNORED, .label = "ignored" },
	{ "1111", "REPORT danger", .want = ROUTE_IGNORED, .label = "ignored" },
	{ "+976123", "stop", .want = ROUTE_IGNORED, .label = "ignored" },
	{ REPORTER, "тусламж 0041", .malformed = 1, .want = ROUTE_MALFORMED,
	  .label = "malformed" },
	{ REPORTER, "D83D00410042", .malformed = 1, .window = "open",
	  .want = ROUTE_MALFORMED, .label = "malformed" },
	/* Reports. */
	{ REPORTER, "REPORT a man offers jobs in Macau", .want = ROUTE_REPORT,
	  .label = "report", .reply = "Received" },
	{ REPORTER, "МЭДЭЭЛЭХ аюул, they hold us", .want = ROUTE_REPORT,
	  .label = "report", .reply = "Хүлээн авлаа", .urgent = 1 },
	{ REPORTER, "МЭДЭЭЛЭХ 0041D83D", .malformed = 1,
	  .want = ROUTE_REPORT, .label = "report", .reply = "Хүлээн авлаа" },
	{ REPORTER, "REPORT my sister was taken", .opted_out = 1,
	  .want = ROUTE_REPORT, .label = "report", .reply = "Received" },
	{ REPORTER, "REPORT a fake job in Korea", .replies = 10,
	  .want = ROUTE_REPORT, .label = "report" },
	{ REPORTER, "МЭДЭЭЛЭХ", .want = ROUTE_REPORT_ASK, .label = "report",
	  .reply = "*" },
	{ REPORTER, "REPORT", .replies = 10, .want = ROUTE_REPORT_ASK,
	  .label = "report" },
	{ REPORTER, "they took our passports", .window = "await",
	  .want = ROUTE_REPORT, .label = "report", .reply = "Хүлээн авлаа" },
	{ REPORTER, "he has a black car", .window = "open",
	  .want = ROUTE_FOLLOWUP, .label = "followup",
	  .reply = "Нэмэлтийг авлаа", .report_id = WINDOW_REPORT },
	{ REPORTER, "help me please, danger", .window = "open",
	  .want = ROUTE_FOLLOWUP, .label = "followup", .reply = "*",
	  .report_id = WINDOW_REPORT },
	{ REPORTER, "тусламж", .window = "open", .want = ROUTE_REPLY,
	  .label = "help", .reply = "Тусламж: 102" },
	{ REPORTER, "тусламж", .window = "open", .opted_out = 1,
	  .want = ROUTE_FOLLOWUP, .label = "followup", .reply = "*",
	  .report_id = WINDOW_REPORT },
	{ REPORTER, "#7KQ4ZP he came back", .report = "open",
	  .want = ROUTE_FOLLOWUP, .label = "followup", .reply = "*",
	  .report_id = NAMED_REPORT },
	{ REPORTER, "7kq4zp: he came back", .report = "open",
	  .window = "open", .replies = 10, .want = ROUTE_FOLLOWUP,
	  .label = "followup", .report_id = NAMED_REPORT },
	{ REPORTER, "7KQ4ZP hello", .report = "closed", .want = ROUTE_REPLY,
	  .label = "default", .reply = "*" },
	/* Caseworkers' commands. */
	{ OYUNA, "CLAIM 7KQ4ZP 4821", .report = "open",
	  .want = ROUTE_CW_CLAIM, .label = "caseworker",
	  .report_id = NAMED_REPORT },
	{ OYUNA, "note #7KQ4ZP 4821 called the police", .report = "open",
	  .want = ROUTE_CW_NOTE, .label = "caseworker",
	  .report_id = NAMED_REPORT },
	{ BAT, "REPLY 7KQ4ZP 7315 We can help", .report = "open",
	  .pin_failures = 2, .want = ROUTE_CW_REPLY, .label = "caseworker",
	  .report_id = NAMED_REPORT },
	{ BAT, "CLOSE 7KQ4ZP 7315 safe", .report = "open",
	  .want = ROUTE_CW_CLOSE, .label = "caseworker",
	  .report_id = NAMED_REPORT },
	{ BAT, "CLOSE 7KQ4ZP 7315", .report = "closed",
	  .want = ROUTE_CW_CLOSE, .label = "caseworker",
	  .report_id = NAMED_REPORT },
	{ BAT, "NOTE 7KQ4ZP 7315 more", .report = "closed",
	  .want = ROUTE_CW_REFUSED, .label = "caseworker" },
	{ BAT, "CLAIM 7KQ4ZP 7315", .want = ROUTE_CW_REFUSED,
	  .label = "caseworker" },
	{ BAT, "CLAIM", .want = ROUTE_CW_WRONG_PIN, .label = "caseworker" },
	{ BAT, "CLAIM 7KQ4ZP 4821", .report = "open",
	  .want = ROUTE_CW_WRONG_PIN, .label = "caseworker" },
	{ BAT, "CLAIM 7KQ4ZP 1111", .report = "open", .pin_failures = 2,
	  .want = ROUTE_CW_WRONG_PIN, .label = "caseworker", .warning = 1 },
	{ SARAA, "CLOSE 7KQ4ZP 4821", .report = "open",
	  .want = ROUTE_CW_WRONG_PIN, .label = "caseworker" },
	{ BAT, "CLAIM 7KQ4ZP 7315", .report = "open", .locked = 1,
	  .pin_failures = 3, .want = ROUTE_CW_LOCKED, .label = "caseworker" },
	{ "+97699117788", "CLOSE 7KQ4ZP 4821", .report = "open",
	  .want = ROUTE_REPLY, .label = "default", .reply = "*" },
	{ OYUNA, "тусламж", .want = ROUTE_REPLY, .label = "help",
	  .reply = "Тусламж: 102" },
	{ OYUNA, "CLAIM 7KQ4ZP 4821 0041", .malformed = 1,
	  .want = ROUTE_MALFORMED, .label = "malformed" },
	/* The campaign (more in test_route_campaign.c). */
	{ REPORTER, "tips", .want = ROUTE_SERIES_JOIN, .label = "tips",
	  .reply = "Joined" },
	{ REPORTER, "tips", .opted_out = 1, .want = ROUTE_OPTED_OUT,
	  .label = "opted_out" },
	{ REPORTER, "tips off", .want = ROUTE_SERIES_LEAVE,
	  .label = "series_leave", .reply = "*" },
	{ REPORTER, "судалгаа", .want = ROUTE_SURVEY_START,
	  .label = "know_pre", .reply = "Нэргүй" },
	{ REPORTER, "1.", .survey = 1, .want = ROUTE_SURVEY_ANSWER,
	  .label = "know_pre", .reply = "А2" },
	{ REPORTER, "survey", .survey = 2, .want = ROUTE_SURVEY_REPEAT,
	  .label = "know_pre", .reply = "*" },
	{ REPORTER, "help darkhan", .want = ROUTE_SOURCE, .label = "help",
	  .reply = "Help: 102" },
	{ REPORTER, "they took her", .window = "await", .survey = 1,
	  .want = ROUTE_REPORT, .label = "report", .reply = "Хүлээн авлаа" },
	{ REPORTER, "REPORT they took her", .survey = 1,
	  .want = ROUTE_REPORT, .label = "report", .reply = "Received" },
	{ REPORTER, "stop", .survey = 1, .want = ROUTE_STOP, .label = "stop",
	  .reply = "Stopped" },
};

/* The facts gather would have read for c, at NOW. */
static void
decide_facts(const struct decide_case *c, struct route_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->sender = c->sender;
	f->text = c->text;
	f->malformed = c->malformed;
	f->now = NOW;
	f->contact.known = c->opted_out;
	f->contact.opted_out = c->opted_out;
	f->contact.lang = -1;
	f->replies_in_window = c->replies;
	f->link_lang = -1;
	if (c->window != NULL) {
		f->linked = 1;
		f->link_report = strcmp(c->window, "open") == 0 ?
		    WINDOW_REPORT : 0;
		snprintf(f->link_state, sizeof(f->link_state), "%s",
		    c->window);
		f->link_lang = LANG_MN;
	}
	if (c->report != NULL) {
		f->have_report = 1;
		f->report.id = NAMED_REPORT;
		snprintf(f->report.ref, sizeof(f->report.ref), "7KQ4ZP");
		f->report.status = (char *)c->report;
	}
	f->pin.failures = c->pin_failures;
	f->pin.locked_until = c->locked ? NOW + 600 : 0;
	if (c->survey == 1) {
		f->camp.in_survey = 1;
		snprintf(f->camp.attempt.state, sizeof(f->camp.attempt.state),
		    "open");
		f->camp.attempt.lang = LANG_MN;
		f->camp.attempt.last_at = NOW;
	} else if (c->survey == 2) {
		f->camp.have_prev = 1;
		snprintf(f->camp.prev.state, sizeof(f->camp.prev.state),
		    "complete");
	}
}

static void
test_decide_on_a_table_of_cases(void **state)
{
	static const char *const names[] = { "REPLY", "STOP", "START",
	    "REPORT", "REPORT_ASK", "FOLLOWUP", "CW_CLAIM", "CW_NOTE",
	    "CW_REPLY", "CW_CLOSE", "CW_REFUSED", "CW_WRONG_PIN",
	    "CW_LOCKED", "IGNORED", "OPTED_OUT", "MALFORMED", "BUDGET",
	    "SERIES_JOIN", "SERIES_LEAVE", "SURVEY_START", "SURVEY_ANSWER",
	    "SURVEY_REPEAT", "SOURCE" };
	const size_t n = sizeof(decide_cases) / sizeof(decide_cases[0]);
	int seen[sizeof(names) / sizeof(names[0])] = { 0 };
	struct route_facts facts;
	struct route_plan plan;
	struct conf *conf;
	char err[512];
	size_t i;

	(void)state;
	if (conf_load("tests/data/report.conf", &conf, err, sizeof(err)) < 0)
		fail_msg("conf: %s", err);
	for (i = 0; i < n; i++) {
		const struct decide_case *c = &decide_cases[i];

		decide_facts(c, &facts);
		campaign_match(conf, c->text, &facts.camp.hit);  /* gather's */
		route_decide(conf, &facts, &plan);
		if (plan.outcome != c->want)
			fail_msg("#%zu \"%s\" from %s: %s, not %s", i, c->text,
			    c->sender, names[plan.outcome], names[c->want]);
		seen[plan.outcome]++;
		if (plan.label == NULL || strcmp(plan.label, c->label) != 0)
			fail_msg("#%zu \"%s\": label %s, not %s", i, c->text,
			    plan.label ? plan.label : "(none)", c->label);
		if (c->reply == NULL && plan.reply != NULL)
			fail_msg("#%zu \"%s\": a reply \"%s\" beyond the "
			    "budget or where none is due", i, c->text,
			    plan.reply);
		if (c->reply != NULL && (plan.reply == NULL ||
		    (strcmp(c->reply, "*") != 0 && strncmp(plan.reply,
		    c->reply, strlen(c->reply)) != 0)))
			fail_msg("#%zu \"%s\": reply \"%s\", not \"%s\"", i,
			    c->text, plan.reply ? plan.reply : "(none)",
			    c->reply);
		if (c->report_id != 0)
			assert_int_equal(plan.report_id, c->report_id);
		assert_int_equal(plan.urgent, c->urgent);
		assert_int_equal(plan.warning[0] != '\0', c->warning);
		/* What holds a report's text or a PIN leaves the inbox. */
		assert_int_equal(plan.scrub, (c->want >= ROUTE_REPORT &&
		    c->want <= ROUTE_CW_LOCKED) || (c->want >=
		    ROUTE_SURVEY_START && c->want <= ROUTE_SURVEY_REPEAT));
	}
	/* Every outcome has its row: a new one needs its own. */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (seen[i] == 0)
			fail_msg("no case for ROUTE_%s", names[i]);
	conf_free(conf);
}

/* The plan's other fields: the contact, the PIN state, the command. */
static void
test_decide_contact_and_pin(void **state)
{
	struct route_facts facts;
	struct route_plan plan;
	struct conf *conf;
	char err[512];
	struct decide_case stop_over_budget = { REPORTER, "stop",
	    .replies = 10 };
	struct decide_case right = { BAT, "CLAIM 7KQ4ZP 7315",
	    .report = "open", .pin_failures = 2 };
	struct decide_case wrong = { BAT, "CLAIM 7KQ4ZP 1111",
	    .report = "open", .pin_failures = 2 };
	struct decide_case robot = { "MOBICOM", "help",
	    .want = ROUTE_IGNORED };

	(void)state;
	if (conf_load("tests/data/report.conf", &conf, err, sizeof(err)) < 0)
		fail_msg("conf: %s", err);
	/* STOP opts out even when the budget keeps the confirmation. */
	decide_facts(&stop_over_budget, &facts);
	route_decide(conf, &facts, &plan);
	assert_true(plan.write_contact);
	assert_true(plan.contact.opted_out);
	/* A robot leaves no contact behind. */
	decide_facts(&robot, &facts);
	route_decide(conf, &facts, &plan);
	assert_false(plan.write_contact);
	/* The right PIN ends a streak; the third wrong one locks 1 h. */
	decide_facts(&right, &facts);
	route_decide(conf, &facts, &plan);
	assert_true(plan.write_pin);
	assert_int_equal(plan.pin.failures, 0);
	assert_string_equal(plan.cmd.verb, "CLAIM");
	assert_string_equal(plan.caseworker->name, "bat");
	decide_facts(&wrong, &facts);
	route_decide(conf, &facts, &plan);
	assert_true(plan.write_pin);
	assert_int_equal(plan.pin.failures, 3);
	assert_int_equal(plan.pin.locked_until, NOW + 3600);
	assert_string_equal(plan.answer, "");   /* the warning instead */
	assert_non_null(strstr(plan.warning, "Locked for 60 min"));
	conf_free(conf);
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
		T(test_decide_on_a_table_of_cases),
		T(test_decide_contact_and_pin),
		T(test_forgiving_matching_reaches_the_right_group),
		T(test_language_keyword_switches),
#undef T
	};

	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
