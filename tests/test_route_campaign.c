/*
 * test_route_campaign: the campaign's part of the router's decision and
 * what a survey answer is, on tables, with the fixture
 * tests/data/report.conf (one series, a survey of every question type, a
 * source, quiet hours 22:00-08:00); and the store's side through
 * route_handle_next() on a :memory: database: a join, STOP ending it, an
 * attempt's answers kept without the number.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "campaign.h"
#include "conf.h"
#include "quiet.h"
#include "route.h"
#include "store.h"
#include "store_campaign.h"

#include "store_util.h"

#define T_DECIDE 1764390000        /* the deciding cases' clock */

/* src/conf_int.h's, which tests may not include. */
#define WHO "+97699117788"

static struct conf *
load(void)
{
	struct conf *conf;
	char err[512];

	if (conf_load("tests/data/report.conf", &conf, err, sizeof(err)) < 0)
		fail_msg("conf: %s", err);
	return conf;
}

/* ---- answers ------------------------------------------------------------ */

struct answer_case {
	int question;            /* 0 choice, 1 number 18-27, 2 yes/no, 3 text */
	const char *text;
	int ok;
	long want;               /* choice (yes 1, no 2) or number */
};

static const struct answer_case answer_cases[] = {
	/* A choice: digits, a dot, number words, letters, the options'
	 * words in both scripts, their Latin spellings and typos. */
	{ 0, "1", 1, 1 }, { 0, "1.", 1, 1 }, { 0, " 1) ", 1, 1 },
	{ 0, "нэг", 1, 1 }, { 0, "НЭГ", 1, 1 }, { 0, "neg", 1, 1 },
	{ 0, "one", 1, 1 }, { 0, "A", 1, 1 }, { 0, "a.", 1, 1 },
	{ 0, "хуурамч", 1, 1 }, { 0, "huuramch", 1, 1 }, { 0, "fake", 1, 1 },
	{ 0, "fkae", 1, 1 }, { 0, "Fake job", 1, 1 },
	{ 0, "2", 1, 2 }, { 0, "хоёр", 1, 2 }, { 0, "hoyor", 1, 2 },
	{ 0, "two", 1, 2 }, { 0, "b", 1, 2 }, { 0, "жинхэнэ", 1, 2 },
	{ 0, "jinhene", 1, 2 }, { 0, "real", 1, 2 },
	{ 0, "3", 1, 3 }, { 0, "гурав", 1, 3 }, { 0, "gurav", 1, 3 },
	{ 0, "C", 1, 3 }, { 0, "мэдэхгүй", 1, 3 }, { 0, "dont know", 1, 3 },
	{ 0, "4", 0, 0 }, { 0, "dөрөв", 0, 0 }, { 0, "maybe", 0, 0 },
	{ 0, "", 0, 0 }, { 0, "?!", 0, 0 },
	/* A number in range. */
	{ 1, "22", 1, 22 }, { 1, " 18 ", 1, 18 }, { 1, "27.", 1, 27 },
	{ 1, "22 nastai", 1, 22 }, { 1, "17", 0, 0 }, { 1, "28", 0, 0 },
	{ 1, "abc", 0, 0 }, { 1, "2a", 0, 0 }, { 1, "", 0, 0 },
	{ 1, "9999999999999", 0, 0 },
	/* Yes and no: Mongolian in Cyrillic and Latin, English. */
	{ 2, "тийм", 1, 1 }, { 2, "Тийм ээ", 1, 1 }, { 2, "tiim", 1, 1 },
	{ 2, "tiimee", 1, 1 }, { 2, "за", 1, 1 }, { 2, "za", 1, 1 },
	{ 2, "yes", 1, 1 }, { 2, "Yes!", 1, 1 }, { 2, "y", 1, 1 },
	{ 2, "үгүй", 1, 2 }, { 2, "ҮГҮЙ", 1, 2 }, { 2, "ugui", 1, 2 },
	{ 2, "biish", 1, 2 }, { 2, "биш", 1, 2 }, { 2, "no", 1, 2 },
	{ 2, "No.", 1, 2 }, { 2, "n", 1, 2 },
	{ 2, "maybe", 0, 0 }, { 2, "", 0, 0 },
	/* Free text: anything but blank. */
	{ 3, "at the police", 1, 0 }, { 3, "102", 1, 0 }, { 3, "  ", 0, 0 },
};

static void
test_answers_on_a_table(void **state)
{
	const struct conf_survey *s;
	struct campaign_value v;
	struct conf *conf = load();
	size_t i;
	int ok;
	long got;

	(void)state;
	assert_non_null(s = campaign_survey(conf, "know_pre", NULL));
	for (i = 0; i < sizeof(answer_cases) / sizeof(answer_cases[0]); i++) {
		const struct answer_case *c = &answer_cases[i];

		ok = campaign_answer(conf, &s->questions[c->question], c->text,
		    &v);
		got = c->question == 1 ? v.number : v.choice;
		if (ok != c->ok || (ok && c->question != 3 && got != c->want))
			fail_msg("#%zu q%d \"%s\": %s %ld, not %s %ld", i,
			    c->question + 1, c->text, ok ? "answer" : "none",
			    got, c->ok ? "answer" : "none", c->want);
	}
	conf_free(conf);
}

/* ---- decide ------------------------------------------------------------- */

/* The facts for text from WHO, inside an open attempt at question q (-1:
 * none), hinted or not. */
static void
facts_for(const struct conf *conf, const char *text, int q, int hinted,
    struct route_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->sender = WHO;
	f->text = text;
	f->now = T_DECIDE;
	f->contact.lang = -1;
	f->link_lang = -1;
	campaign_match(conf, text, &f->camp.hit);
	if (q >= 0) {
		f->camp.in_survey = 1;
		f->camp.attempt.id = 5;
		f->camp.attempt.question = q;
		f->camp.attempt.hinted = hinted;
		f->camp.attempt.lang = LANG_EN;
		f->camp.attempt.last_at = T_DECIDE - 60;
		snprintf(f->camp.attempt.state, sizeof(f->camp.attempt.state),
		    "open");
	}
}

static void
test_survey_steps(void **state)
{
	struct route_facts f;
	struct route_plan p;
	struct conf *conf = load();

	(void)state;
	/* A right answer: recorded, the next question. */
	facts_for(conf, "fake", 0, 0, &f);
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_SURVEY_ANSWER);
	assert_true(p.camp.answered);
	assert_int_equal(p.camp.value.choice, 1);
	assert_int_equal(p.camp.question, 1);
	assert_string_equal(p.reply, "Q2: age?");
	assert_null(p.camp.prefix);
	assert_int_equal(p.write_contact, 0);  /* no record of the number */
	assert_int_equal(p.scrub, 1);
	/* A wrong one: the question again with the hint, once. */
	facts_for(conf, "thirty", 1, 0, &f);
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_SURVEY_ANSWER);
	assert_false(p.camp.answered);
	assert_int_equal(p.camp.question, 1);
	assert_int_equal(p.camp.hinted, 1);
	assert_string_equal(p.camp.prefix, "Again:");
	assert_string_equal(p.reply, "Q2: age?");
	/* Wrong again: on, without that answer. */
	facts_for(conf, "thirty", 1, 1, &f);
	route_decide(conf, &f, &p);
	assert_false(p.camp.answered);
	assert_int_equal(p.camp.question, 2);
	assert_string_equal(p.reply, "Q3: 1903?");
	/* The last: complete, thanks. */
	facts_for(conf, "at the police", 3, 0, &f);
	route_decide(conf, &f, &p);
	assert_true(p.camp.answered);
	assert_true(p.camp.complete);
	assert_string_equal(p.reply, "Thanks");
	/* Free text may be a keyword: inside a survey it is the answer. */
	facts_for(conf, "help", 3, 0, &f);
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_SURVEY_ANSWER);
	/* STOP ends the attempt and every series. */
	facts_for(conf, "stop", 2, 0, &f);
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_STOP);
	assert_true(p.camp.end_all);
	/* Silent past the survey's timeout (600 s): no longer an answer. */
	facts_for(conf, "fake", 0, 0, &f);
	f.camp.attempt.last_at = T_DECIDE - 601;
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_REPLY);
	/* A reporter gets the report path, not the question. */
	facts_for(conf, "МЭДЭЭЛЭХ a man took her", 0, 0, &f);
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_REPORT);
	conf_free(conf);
}

static void
test_words_join_leave_source(void **state)
{
	struct route_facts f;
	struct route_plan p;
	struct conf *conf = load();

	(void)state;
	/* Join: the confirmation, and message 1 in the language written. */
	facts_for(conf, "зөвлөгөө", -1, 0, &f);
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_SERIES_JOIN);
	assert_string_equal(p.reply, "Элслээ. Зогсоох: ЗОГС");
	assert_string_equal(p.camp.extra, "Зөвлөгөө 1");
	/* Already in: the confirmation again, message 1 not again. */
	f.camp.subscribed = 1;
	route_decide(conf, &f, &p);
	assert_null(p.camp.extra);
	/* The budget spent: nobody joins without the confirmation, nor
	 * starts a survey, nor hears a repeat refused; a leave word still
	 * ends every series, silently. */
	facts_for(conf, "tips", -1, 0, &f);
	f.replies_in_window = 10;
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_BUDGET);
	assert_null(p.reply);
	assert_null(p.camp.extra);
	facts_for(conf, "survey", -1, 0, &f);
	f.replies_in_window = 10;
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_BUDGET);
	assert_null(p.reply);
	assert_null(p.camp.extra);
	f.camp.have_prev = 1;
	snprintf(f.camp.prev.state, sizeof(f.camp.prev.state), "complete");
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_BUDGET);
	facts_for(conf, "tips off", -1, 0, &f);
	f.replies_in_window = 10;
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_SERIES_LEAVE);
	assert_null(p.reply);
	/* ...and inside an attempt the next question goes all the same. */
	facts_for(conf, "fake", 0, 0, &f);
	f.replies_in_window = 10;
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_SURVEY_ANSWER);
	assert_string_equal(p.reply, "Q2: age?");
	/* A typo of the join word still joins. */
	facts_for(conf, "tipss", -1, 0, &f);
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_SERIES_JOIN);
	/* A number that said STOP is enrolled by nothing. */
	facts_for(conf, "tips", -1, 0, &f);
	f.contact.known = f.contact.opted_out = 1;
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_OPTED_OUT);
	assert_null(p.reply);
	/* A source: the keyword's reply, the source noted; in a report
	 * window the report's path, the source still counted. */
	facts_for(conf, "ТУСЛАМЖ ДАРХАН", -1, 0, &f);
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_SOURCE);
	assert_string_equal(p.reply, "Тусламж: 102");
	assert_string_equal(p.camp.source, "darkhan_poster");
	facts_for(conf, "help darkhan", -1, 0, &f);
	f.linked = 1;
	f.link_report = 7;
	snprintf(f.link_state, sizeof(f.link_state), "open");
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_FOLLOWUP);
	assert_string_equal(p.camp.source, "darkhan_poster");
	/* The plain keyword is no source. */
	facts_for(conf, "help", -1, 0, &f);
	route_decide(conf, &f, &p);
	assert_int_equal(p.outcome, ROUTE_REPLY);
	assert_null(p.camp.source);
	conf_free(conf);
}

/* ---- quiet hours and schedules ------------------------------------------ */

static void
test_quiet_hours_and_schedule(void **state)
{
	static const struct { int h, m, quiet; } at[] = {
		{ 21, 59, 0 }, { 22, 0, 1 }, { 23, 30, 1 }, { 0, 0, 1 },
		{ 7, 59, 1 }, { 8, 0, 0 }, { 12, 0, 0 },
	};
	struct conf *conf;
	struct tm tm;
	time_t t;
	size_t i;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	conf = load();
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = 126;
		tm.tm_mon = 10;
		tm.tm_mday = 30;
		tm.tm_hour = at[i].h;
		tm.tm_min = at[i].m;
		t = timegm(&tm);
		if (quiet_hours_now(conf, t) != at[i].quiet)
			fail_msg("%02d:%02d: quiet %d", at[i].h, at[i].m,
			    !at[i].quiet);
	}
	/* every = 60 */
	assert_int_equal(campaign_next_at(&conf->campaign.series[0], T_DECIDE),
	    T_DECIDE + 60);
	conf_free(conf);
}


/* ---- the store's side --------------------------------------------------- */

#define NOON 1764504000         /* 2025-11-30 12:00 UTC: not quiet */

static int
count_subs(void *arg, const char *series, int lang, int count)
{
	*(int *)arg += count;
	return 0;
}

static int
subscribers(struct store *store)
{
	int n = 0;

	assert_int_equal(store_sub_counts(store, count_subs, &n), 0);
	return n;
}

static void
test_series_in_the_store(void **state)
{
	struct store_out o;
	struct conf *conf = load();
	struct store *store;
	char err[256];

	(void)state;
	assert_non_null(store = store_open(":memory:", 1, err, sizeof(err)));
	/* Join: confirmation and tip 1 now; tip 2 (the last) on schedule,
	 * then the subscription (and its number) is gone. */
	su_receive(store, conf, "+97699110001", "tips", NOON);
	assert_int_equal(store_outbox_count(store, "+97699110001", 0), 2);
	assert_int_equal(subscribers(store), 1);
	assert_int_equal(campaign_tick(store, conf, NOON + 30), 0);
	/* not while the join's answers wait in the queue (a step later) */
	assert_int_equal(campaign_tick(store, conf, NOON + 61), 0);
	assert_int_equal(su_send_due(store, NOON + 62), 2);
	assert_int_equal(campaign_tick(store, conf, NOON + 121), 1);
	assert_int_equal(store_outbox_count(store, "+97699110001", 0), 3);
	assert_int_equal(subscribers(store), 0);
	/* STOP ends it at once. */
	su_receive(store, conf, "+97699110002", "tips", NOON);
	su_receive(store, conf, "+97699110002", "stop", NOON + 1);
	assert_int_equal(subscribers(store), 0);
	assert_int_equal(campaign_tick(store, conf, NOON + 120), 0);
	/* ...and a number that said STOP cannot join. */
	su_receive(store, conf, "+97699110002", "tips", NOON + 2);
	assert_int_equal(subscribers(store), 0);
	/* Due in quiet hours (23:00 UTC): nothing until 08:00. */
	su_receive(store, conf, "+97699110003", "tips", NOON);
	su_send_due(store, NOON + 1);
	assert_int_equal(campaign_tick(store, conf, NOON + 11 * 3600), 0);
	assert_int_equal(campaign_tick(store, conf, NOON + 20 * 3600), 1);
	/* A broadcast: once per subscriber, however often the tick runs. */
	su_receive(store, conf, "+97699110004", "tips", NOON);
	su_receive(store, conf, "+97699110005", "tips", NOON);
	assert_true(store_broadcast_add(store, "tips", "Hotline 1903",
	    NOON + 10, NOON) > 0);
	assert_int_equal(campaign_tick(store, conf, NOON + 5), 0);
	assert_int_equal(campaign_tick(store, conf, NOON + 10), 2);
	assert_int_equal(campaign_tick(store, conf, NOON + 11), 0);
	/* A STOP before its slot: that SMS never goes. */
	su_receive(store, conf, "+97699110005", "stop", NOON + 12);
	while (store_outbox_next(store, NOON + 86400, &o) == 1) {
		if (strcmp(o.text, "Hotline 1903") == 0)
			assert_string_equal(o.number, "+97699110004");
		assert_int_equal(store_outbox_sent(store, o.id, "1",
		    NOON + 13), 0);
		store_out_free(&o);
	}
	store_close(store);
	conf_free(conf);
}

static void
test_survey_in_the_store(void **state)
{
	static const char *const answers[] = { "survey", "1", "22", "yes",
	    "at the police" };
	struct store_survey_count c;
	struct store_contact contact;
	struct store_out o;
	struct conf *conf = load();
	struct store *store;
	const char *r = "+97699110009";
	char err[256];
	size_t i;

	(void)state;
	assert_non_null(store = store_open(":memory:", 1, err, sizeof(err)));
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
		su_receive(store, conf, r, answers[i], NOON + (int64_t)i);
	assert_int_equal(store_survey_counts(store, "know_pre", &c), 0);
	assert_int_equal(c.complete, 1);
	/* No contact record: nothing but the hash knows the number. */
	assert_int_equal(store_contact_get(store, r, &contact), 0);
	assert_int_equal(contact.known, 0);
	/* A repeat within the window: refused, one more message; repeats
	 * again are refused within the reply budget (10), then in silence. */
	su_receive(store, conf, r, "survey", NOON + 10);
	assert_int_equal(store_survey_counts(store, "know_pre", &c), 0);
	assert_int_equal(c.complete + c.partial + c.open, 1);
	assert_int_equal(store_outbox_count(store, r, 0), 7);
	for (i = 0; i < 5; i++)
		su_receive(store, conf, r, "survey", NOON + 11 + (int64_t)i);
	assert_int_equal(store_outbox_count(store, r, 0), 10);
	/* Another falls silent: partial after the timeout. */
	su_receive(store, conf, "+97699110010", "судалгаа", NOON);
	assert_true(campaign_tick(store, conf, NOON + 601) >= 0);
	assert_int_equal(store_survey_counts(store, "know_pre", &c), 0);
	assert_int_equal(c.partial, 1);
	/* The window ends: the sent messages' numbers and the hash go; not
	 * while one still waits in the queue (none was sent here: they are
	 * marked sent below). */
	assert_int_equal(campaign_tick(store, conf, NOON + 3601), 0);
	assert_int_equal(store_outbox_count(store, r, 0), 10);
	while (store_outbox_next(store, NOON + 3602, &o) == 1) {
		assert_int_equal(store_outbox_sent(store, o.id, "1",
		    NOON + 3602), 0);
		store_out_free(&o);
	}
	/* A window counts from the attempt's last message (NOON + 4). */
	assert_int_equal(campaign_tick(store, conf, NOON + 3603), 0);
	assert_int_equal(store_outbox_count(store, r, 0), 10);
	assert_int_equal(campaign_tick(store, conf, NOON + 3604), 0);
	assert_int_equal(store_outbox_count(store, r, 0), 0);
	assert_int_equal(store_survey_counts(store, "know_pre", &c), 0);
	assert_int_equal(c.complete, 1);        /* the answers stay */
	store_close(store);
	conf_free(conf);
}

/* Counts the queued rows, and those that leave through modem arg. */
struct via {
	const char *modem;
	int rows, through;
};

static int
count_via(void *arg, const struct store_out *o)
{
	struct via *v = arg;

	v->rows++;
	v->through += o->modem != NULL && strcmp(o->modem, v->modem) == 0;
	return 0;
}

/* Every campaign reply (a join's confirmation and message 1, a survey's
 * consent, questions and thanks, a repeat refused, a leave's
 * confirmation) leaves through the modem its message came in on, as a
 * keyword's reply does. */
static void
test_replies_leave_by_their_modem(void **state)
{
	static const char *const texts[] = { "tips off", "tips", "survey",
	    "1", "22", "yes", "at the police", "survey" };
	struct conf *conf = load();
	struct store *store;
	struct via v = { "unitel", 0, 0 };
	char err[256];
	size_t i;

	(void)state;
	assert_non_null(store = store_open(":memory:", 1, err, sizeof(err)));
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct store_part p = {
			.sender = "+97699110020", .sent_at = NOON + (int64_t)i,
			.part_no = 1, .part_count = 1, .text = texts[i],
			.modem = "unitel",
		};

		assert_int_equal(store_put_part(store, &p, NOON), 1);
		while (route_handle_next(store, conf, NOON) == 1)
			;
	}
	assert_int_equal(store_outbox_queued(store, 0, count_via, &v), 0);
	/* 2 for the join, 6 for the survey, 1 repeat, 1 leave */
	assert_int_equal(v.rows, 10);
	assert_int_equal(v.through, v.rows);
	store_close(store);
	conf_free(conf);
}

/* ---- the config's errors -------------------------------------------------- */

static const struct { const char *text, *want; } conf_bad[] = {
	{ "quiet_hours = \"22-08\";", "quiet_hours: expected" },
	{ "series = ( { name = \"t\"; words = [ \"T\" ]; confirm = { en = "
	  "\"x\"; }; } );", "messages: missing" },
	{ "series = ( { name = \"t\"; words = [ \"T\" ]; colour = 1; } );",
	  "unknown setting \"colour\"" },
	{ "series = ( { name = \"t\"; words = [ \"T\" ]; messages = ( { en "
	  "= \"1\"; } ); } );", "confirm: missing" },
	{ "series = ( { name = \"t\"; words = [ \"T\" ]; at = \"25:00\"; "
	  "confirm = { en = \"x\"; }; messages = ( { en = \"1\"; } ); } );",
	  "at: expected" },
	{ "series = ( { name = \"T t\"; words = [ \"T\" ]; } );",
	  "lower-case letters" },
	{ "surveys = ( { name = \"s\"; words = [ \"S\" ]; questions = ( { "
	  "type = \"choice\"; text = { en = \"q\"; }; options = ( [ \"a\" ] "
	  "); } ); } );", "2 to 9 options" },
	{ "surveys = ( { name = \"s\"; wave = \"mid\"; words = [ \"S\" ]; "
	  "questions = ( { type = \"text\"; text = { en = \"q\"; }; } ); } );",
	  "wave: expected" },
	{ "surveys = ( { name = \"s\"; words = [ \"S\" ]; questions = ( { "
	  "type = \"scale\"; text = { en = \"q\"; }; } ); } );",
	  "type: expected" },
	{ "sources = ( { name = \"a\"; words = [ \"A B\" ]; }, { name = "
	  "\"a\"; words = [ \"C D\" ]; } );", "\"a\" twice" },
	{ "sources = ( { name = \"a\"; } );", "words: missing" },
};

static void
test_config_errors(void **state)
{
	char path[] = "/tmp/test_campaign_XXXXXX", err[512];
	struct conf *conf;
	size_t i;
	FILE *fp;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(conf_bad) / sizeof(conf_bad[0]); i++) {
		strcpy(path, "/tmp/test_campaign_XXXXXX");
		assert_true((fd = mkstemp(path)) >= 0);
		assert_non_null(fp = fdopen(fd, "w"));
		fprintf(fp, "database = \"/tmp/x.db\";\n%s\n", conf_bad[i].text);
		fclose(fp);
		if (conf_load(path, &conf, err, sizeof(err)) == 0)
			fail_msg("#%zu loaded: %s", i, conf_bad[i].text);
		unlink(path);
		if (strstr(err, conf_bad[i].want) == NULL ||
		    strstr(err, ":2: ") == NULL)
			fail_msg("#%zu: \"%s\", not \"%s\" on line 2", i, err,
			    conf_bad[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers_on_a_table),
		cmocka_unit_test(test_survey_steps),
		cmocka_unit_test(test_words_join_leave_source),
		cmocka_unit_test(test_quiet_hours_and_schedule),
		cmocka_unit_test(test_series_in_the_store),
		cmocka_unit_test(test_survey_in_the_store),
		cmocka_unit_test(test_replies_leave_by_their_modem),
		cmocka_unit_test(test_config_errors),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
