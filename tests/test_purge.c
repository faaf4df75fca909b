/*
 * test_purge: retention, as a technician or an auditor would check it.
 *
 * A :memory: database holds, on a fake clock, messages, replies and
 * reports some older than the retention and some newer; a purge must take
 * exactly the old ones: closed reports deleted with their timelines, the
 * number and text of handled messages and of sent or failed replies
 * blanked. Open reports, unhandled messages, queued replies and the daily
 * statistics never go, and a dry run changes nothing. The retention keys
 * are read from a config like any other.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "store.h"

#define DAY 86400
#define T0 1764583200           /* Monday 2025-12-01 10:00 UTC */
#define NOW (T0 + 40 * DAY)
#define KEEP 30                 /* days, each kind */

struct world {
	struct store *store;
	int64_t old_msg, new_msg, unhandled_msg;
	int64_t old_sent, old_failed, old_queued, new_sent, ack;
	char old_closed[16], new_closed[16], old_open[16];
};

/* Stores and (when handled_at) handles a message. Returns its id. */
static int64_t
message(struct store *s, const char *from, const char *text, int64_t at,
    int64_t handled_at)
{
	struct store_part p;
	struct store_msg m;
	int64_t id;

	memset(&p, 0, sizeof(p));
	p.sender = from;
	p.sent_at = at;
	p.part_no = p.part_count = 1;
	p.text = text;
	assert_int_equal(store_put_part(s, &p, at), 1);
	assert_int_equal(store_msg_next(s, &m), 1);
	id = m.id;
	store_msg_free(&m);
	if (handled_at > 0)
		assert_int_equal(store_msg_handled(s, id, "help", handled_at), 1);
	return id;
}

/* A reply queued at at; sent (1), failed (-1) or left queued (0). */
static int64_t
reply(struct store *s, const char *to, const char *text, int64_t at, int how)
{
	int64_t id = store_outbox_add(s, to, text, STORE_OUT_REPLY, 0, at);

	assert_true(id > 0);
	if (how > 0)
		assert_int_equal(store_outbox_sent(s, id, "7", at + 60), 0);
	else if (how < 0)
		assert_int_equal(store_outbox_fail(s, id, "no network", at + 60),
		    0);
	return id;
}

/* Files a clear report at at, closed at closed_at (0: left open). */
static int64_t
report(struct world *w, const char *text, int64_t at, int64_t closed_at,
    char *ref)
{
	int64_t id = store_report_add(w->store, "+97699000555", text, 0, 0,
	    at, ref, 16);

	assert_true(id > 0);
	if (closed_at > 0)
		assert_int_equal(store_report_close(w->store, id, "safe",
		    closed_at), 1);
	return id;
}

static int
setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct store_report_entry e;
	char err[256];
	int64_t id;
	int i;

	assert_non_null(w);
	w->store = store_open(":memory:", 1, err, sizeof(err));
	assert_non_null(w->store);
	w->old_msg = message(w->store, "+97699000111", "old question", T0, T0);
	w->new_msg = message(w->store, "+97699000222", "new question",
	    NOW - 2 * DAY, NOW - 2 * DAY);
	w->unhandled_msg = message(w->store, "+97699000333", "never handled",
	    T0, 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(store_stat_bump(w->store, "2025-12-01",
		    "help"), 0);
	w->old_sent = reply(w->store, "+97699000111", "old answer", T0, 1);
	w->old_failed = reply(w->store, "+97699000444", "old failure", T0, -1);
	w->old_queued = reply(w->store, "+97699000666", "still waiting", T0, 0);
	w->new_sent = reply(w->store, "+97699000222", "new answer",
	    NOW - DAY, 1);
	id = report(w, "old closed report", T0, T0 + DAY, w->old_closed);
	/* Its acknowledgement, sent, on its timeline. */
	w->ack = store_outbox_add(w->store, "+97699000555", "ack old report",
	    STORE_OUT_REPLY, 0, NOW - DAY);
	assert_int_equal(store_outbox_sent(w->store, w->ack, "8", NOW - DAY),
	    0);
	memset(&e, 0, sizeof(e));
	e.report_id = id;
	e.at = T0;
	e.kind = "ack";
	e.outbox_id = w->ack;
	assert_true(store_report_entry_add(w->store, &e) > 0);
	report(w, "new closed report", NOW - 5 * DAY, NOW - 2 * DAY,
	    w->new_closed);
	report(w, "old open report", T0, 0, w->old_open);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;

	store_close(w->store);
	free(w);
	return 0;
}

/* ---- what a person would look at --------------------------------------- */

struct seen {
	int64_t id;
	char sender[64], text[64];
	int found;
	int count;
};

static int
seen_msg(void *arg, const struct store_msg *m)
{
	struct seen *s = arg;

	if (m->id == s->id) {
		snprintf(s->sender, sizeof(s->sender), "%s", m->sender);
		snprintf(s->text, sizeof(s->text), "%s", m->text);
		s->found = 1;
	}
	return 0;
}

static int
seen_out(void *arg, const struct store_out *o)
{
	struct seen *s = arg;

	if (o->id == s->id) {
		snprintf(s->sender, sizeof(s->sender), "%s", o->number);
		snprintf(s->text, sizeof(s->text), "%s", o->text);
		s->found = 1;
	}
	return 0;
}

static int
seen_stat(void *arg, const char *day, const char *keyword, int count)
{
	struct seen *s = arg;

	if (strcmp(day, "2025-12-01") == 0 && strcmp(keyword, "help") == 0)
		s->count = count;
	return 0;
}

static int
seen_entry(void *arg, const struct store_report_entry *e)
{
	((struct seen *)arg)->count++;
	return 0;
}

/* The inbox message id as shukherctl inbox would list it. */
static struct seen
inbox(struct world *w, int64_t id)
{
	struct seen s = { .id = id };
	struct store_filter f = { NULL, -1, 0, NULL, 0 };

	assert_int_equal(store_list_inbox(w->store, &f, seen_msg, &s), 0);
	assert_true(s.found);
	return s;
}

static struct seen
outbox(struct world *w, int64_t id)
{
	struct seen s = { .id = id };
	struct store_filter f = { NULL, -1, 0, NULL, 0 };

	assert_int_equal(store_list_outbox(w->store, &f, seen_out, &s), 0);
	assert_true(s.found);
	return s;
}

static int
report_exists(struct world *w, const char *ref)
{
	struct store_report r;
	int rc = store_report_find(w->store, ref, &r);

	assert_true(rc >= 0);
	store_report_free(&r);
	return rc;
}

static int
help_count(struct world *w)
{
	struct seen s = { 0 };

	assert_int_equal(store_list_stats(w->store, NULL, NULL, seen_stat, &s),
	    0);
	return s.count;
}

static struct store_purged
purge(struct world *w, int reports, int inbox_days, int outbox_days,
    int dry_run)
{
	struct store_retention ret;
	struct store_purged p;

	store_retention_days(&ret, reports, inbox_days, outbox_days, NOW);
	assert_int_equal(store_purge(w->store, &ret, dry_run, &p), 0);
	return p;
}

/* ---- the tests ---------------------------------------------------------- */

static void
test_dry_run_counts_and_changes_nothing(void **state)
{
	struct world *w = *state;
	struct store_purged p = purge(w, KEEP, KEEP, KEEP, 1);

	assert_int_equal(p.reports, 1);
	assert_int_equal(p.messages, 1);
	assert_int_equal(p.outbox, 2);          /* old sent, old failed */
	assert_string_equal(inbox(w, w->old_msg).text, "old question");
	assert_string_equal(inbox(w, w->old_msg).sender, "+97699000111");
	assert_string_equal(outbox(w, w->old_sent).text, "old answer");
	assert_string_equal(outbox(w, w->old_failed).sender, "+97699000444");
	assert_int_equal(report_exists(w, w->old_closed), 1);
	/* The same again: a dry run is repeatable. */
	p = purge(w, KEEP, KEEP, KEEP, 1);
	assert_int_equal(p.reports + p.messages + p.outbox, 4);
}

static void
test_old_rows_go_newer_stay(void **state)
{
	struct world *w = *state;
	struct store_purged dry = purge(w, KEEP, KEEP, KEEP, 1);
	struct store_purged p = purge(w, KEEP, KEEP, KEEP, 0);

	/* The real run does what the dry run said. */
	assert_int_equal(p.reports, dry.reports);
	assert_int_equal(p.messages, dry.messages);
	assert_int_equal(p.outbox, dry.outbox);

	assert_string_equal(inbox(w, w->old_msg).text, "");
	assert_string_equal(inbox(w, w->old_msg).sender, "");
	assert_string_equal(inbox(w, w->new_msg).text, "new question");
	assert_string_equal(inbox(w, w->unhandled_msg).text, "never handled");

	assert_string_equal(outbox(w, w->old_sent).text, "");
	assert_string_equal(outbox(w, w->old_sent).sender, "");
	assert_string_equal(outbox(w, w->old_failed).sender, "");
	assert_string_equal(outbox(w, w->old_queued).text, "still waiting");
	assert_string_equal(outbox(w, w->new_sent).text, "new answer");

	assert_int_equal(report_exists(w, w->old_closed), 0);
	assert_int_equal(report_exists(w, w->new_closed), 1);
	assert_int_equal(report_exists(w, w->old_open), 1);
	/* The purged report's acknowledgement went with it, though young. */
	assert_string_equal(outbox(w, w->ack).sender, "");

	/* Nothing left to take: a second run finds nothing. */
	p = purge(w, KEEP, KEEP, KEEP, 0);
	assert_int_equal(p.reports + p.messages + p.outbox, 0);
}

static void
test_timeline_goes_with_report(void **state)
{
	struct world *w = *state;
	struct store_report r;
	struct seen s = { 0 };
	int64_t id;

	assert_int_equal(store_report_find(w->store, w->old_closed, &r), 1);
	id = r.id;
	store_report_free(&r);
	assert_int_equal(store_report_entries(w->store, id, seen_entry, &s), 0);
	assert_int_equal(s.count, 1);
	purge(w, KEEP, 0, 0, 0);
	s.count = 0;
	assert_int_equal(store_report_entries(w->store, id, seen_entry, &s), 0);
	assert_int_equal(s.count, 0);
}

static void
test_open_reports_never_purged(void **state)
{
	struct world *w = *state;
	struct store_purged p = purge(w, 1, 1, 1, 0);

	/* A day's retention: both closed reports go, the open one stays,
	 * though it is 40 days old. */
	assert_int_equal(p.reports, 2);
	assert_int_equal(report_exists(w, w->old_open), 1);
	assert_int_equal(report_exists(w, w->new_closed), 0);
	/* Unhandled and queued messages are never taken either. */
	assert_string_equal(inbox(w, w->unhandled_msg).text, "never handled");
	assert_string_equal(outbox(w, w->old_queued).sender, "+97699000666");
}

static void
test_statistics_untouched(void **state)
{
	struct world *w = *state;

	assert_int_equal(help_count(w), 2);
	purge(w, 1, 1, 1, 0);
	assert_int_equal(help_count(w), 2);
	/* The message's keyword and time stay for shukherctl inbox. */
	assert_string_equal(inbox(w, w->old_msg).text, "");
}

static void
test_zero_days_keeps_everything(void **state)
{
	struct world *w = *state;
	struct store_purged p = purge(w, 0, 0, 0, 0);

	assert_int_equal(p.reports + p.messages + p.outbox, 0);
	assert_string_equal(inbox(w, w->old_msg).text, "old question");
	assert_string_equal(outbox(w, w->old_sent).text, "old answer");
	assert_int_equal(report_exists(w, w->old_closed), 1);
	/* Each kind alone: only messages. */
	p = purge(w, 0, KEEP, 0, 0);
	assert_int_equal(p.messages, 1);
	assert_int_equal(p.reports + p.outbox, 0);
	assert_string_equal(outbox(w, w->old_sent).text, "old answer");
}

static void
test_retention_keys_read_from_config(void **state)
{
	static const char text[] =
	    "database = \"/tmp/x.db\";\n"
	    "keywords = ( { name = \"help\"; words = [ \"HELP\" ];"
	    " reply = { en = \"Police 102.\"; }; } );\n"
	    "reports = { retention_days = 365; inbox_retention_days = 30;"
	    " outbox_retention_days = 7; };\n";
	char path[] = "/tmp/test_purge_XXXXXX", err[512];
	struct conf *conf;
	FILE *fp;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs(text, fp);
	fclose(fp);
	if (conf_load(path, &conf, err, sizeof(err)) != 0)
		fail_msg("conf: %s", err);
	assert_int_equal(conf->reports.retention_days, 365);
	assert_int_equal(conf->reports.inbox_retention_days, 30);
	assert_int_equal(conf->reports.outbox_retention_days, 7);
	conf_free(conf);
	/* A negative number of days is refused, naming the key. */
	assert_non_null(fp = fopen(path, "w"));
	fputs("keywords = ( { name = \"help\"; words = [ \"HELP\" ];"
	    " reply = { en = \"x\"; }; } );\n"
	    "reports = { inbox_retention_days = -1; };\n", fp);
	fclose(fp);
	assert_int_equal(conf_load(path, &conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "inbox_retention_days"));
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_dry_run_counts_and_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_rows_go_newer_stay,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeline_goes_with_report,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_reports_never_purged,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_statistics_untouched,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_zero_days_keeps_everything, setup, teardown),
		cmocka_unit_test(test_retention_keys_read_from_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
