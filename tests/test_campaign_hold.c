/*
 * test_campaign_hold: what the campaign never sends (issue 18), on the
 * store through route_handle_next() and campaign_tick(), with the fixture
 * tests/data/campaign_hold.conf (a series of three, one a minute; a
 * survey; quiet hours 22:00-08:00 UTC).
 *
 * 1. STOP (in any of its words, past the reply budget too) fails every
 *    SMS of the campaign still queued to the number, of every kind: a
 *    join's answers, a series' scheduled message, a broadcast's, a
 *    survey's consent, question or hinted question; the series' leave
 *    word fails the series' and the broadcasts'. The rows stay, failed,
 *    with the reason; the answer to the STOP and what is not the
 *    campaign's (a caseworker's message) still go; another number's are
 *    untouched.
 * 2. Quiet hours hold every SMS nobody asked for just then that is still
 *    queued (a series' scheduled message, one retried, a broadcast's) and
 *    let replies go (a join's answers, a survey's question, a keyword's
 *    reply); a series' next step waits while its last SMS is queued.
 * 3. In quiet hours with only replies queued, the scheduler takes no
 *    write lock (read first).
 * 4. A database from before (schema 16) has its queued series SMS tied
 *    by the migration, so that STOP fails them too.
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
#include "route.h"
#include "store.h"
#include "store_campaign.h"
#include "store_util.h"

#define NOON 1764504000         /* 12:00 UTC */
#define QUIET (NOON + 10 * 3600)        /* 22:00 */
#define MORNING (NOON + 20 * 3600)      /* 08:00 */
#define X "+97699140001"        /* the one who stops */
#define Y "+97699140002"        /* the one who does not */
#define LEFT "the number left the series"
#define CASEWORKER "From your caseworker"

static struct conf *
load(void)
{
	struct conf *conf;
	char err[512];

	if (conf_load("tests/data/campaign_hold.conf", &conf, err,
	    sizeof(err)) < 0)
		fail_msg("conf: %s", err);
	return conf;
}

static struct store *
open_memory(void)
{
	struct store *store;
	char err[256];

	if ((store = store_open(":memory:", 1, err, sizeof(err))) == NULL)
		fail_msg("store: %s", err);
	return store;
}

/* The outbox, as rows a test can look at. */
struct row {
	int64_t id, next_at;
	char number[32], text[64], state[16], error[64];
};

struct rows {
	int n;
	struct row r[96];
};

static int
rows_add(void *arg, const struct store_out *o)
{
	struct rows *rs = arg;
	struct row *r;

	assert_true(rs->n < (int)(sizeof(rs->r) / sizeof(rs->r[0])));
	r = &rs->r[rs->n++];
	r->id = o->id;
	r->next_at = o->next_at;
	snprintf(r->number, sizeof(r->number), "%s", o->number);
	snprintf(r->text, sizeof(r->text), "%s", o->text);
	snprintf(r->state, sizeof(r->state), "%s", o->state);
	snprintf(r->error, sizeof(r->error), "%s",
	    o->last_error != NULL ? o->last_error : "");
	return 0;
}

static void
outbox(struct store *store, struct rows *rs)
{
	struct store_filter f = { NULL, -1, 0, NULL, 0 };

	rs->n = 0;
	assert_int_equal(store_list_outbox(store, &f, rows_add, rs), 0);
}

static const struct row *
row_by_id(const struct rows *rs, int64_t id)
{
	static const struct row none;
	int i;

	for (i = 0; i < rs->n; i++)
		if (rs->r[i].id == id)
			return &rs->r[i];
	fail_msg("no outbox row %lld", (long long)id);
	return &none;
}

/* How many rows to number in state (NULL any) have text (NULL any). */
static int
count(const struct rows *rs, const char *number, const char *state,
    const char *text)
{
	int i, n = 0;

	for (i = 0; i < rs->n; i++)
		n += strcmp(rs->r[i].number, number) == 0 &&
		    (state == NULL || strcmp(rs->r[i].state, state) == 0) &&
		    (text == NULL || strcmp(rs->r[i].text, text) == 0);
	return n;
}

/* ---- 1. STOP fails every campaign SMS still queued ---------------------- */

enum kind {
	K_JOIN,                  /* the join's confirmation and message 1 */
	K_SERIES,                /* message 2, queued by the scheduler */
	K_BROADCAST,             /* a broadcast's SMS, slotted */
	K_SURVEY_START,          /* the consent and question 1 */
	K_SURVEY_NEXT,           /* question 2 after an answer */
	K_SURVEY_HINT,           /* question 1 again with the hint */
};

static const char *const kind_names[] = { "join", "series", "broadcast",
    "survey start", "survey next", "survey hint" };

/* Queues an SMS of kind to each of who, not sent. */
static void
queue_kind(struct store *store, const struct conf *conf, enum kind k,
    const char *const *who, int n)
{
	int i;

	for (i = 0; i < n; i++)
		su_receive(store, conf, who[i], k < K_SURVEY_START ? "tips" :
		    "survey", NOON);
	if (k == K_JOIN || k == K_SURVEY_START)
		return;
	su_send_due(store, NOON + 1);
	switch (k) {
	case K_SERIES:
		assert_int_equal(campaign_tick(store, conf, NOON + 61), n);
		break;
	case K_BROADCAST:
		assert_true(store_broadcast_add(store, "tips", "Hotline 1903",
		    NOON + 5, NOON) > 0);
		assert_int_equal(campaign_tick(store, conf, NOON + 5), n);
		break;
	default:
		for (i = 0; i < n; i++)
			su_receive(store, conf, who[i], k == K_SURVEY_NEXT ? "1" :
			    "maybe", NOON + 2);
		break;
	}
}

struct stop_case {
	enum kind kind;
	const char *word;
	const char *reason;      /* of the rows failed */
	const char *answer;      /* the answer to word; NULL none */
	int spend;               /* the reply budget spent first */
};

static const struct stop_case stop_cases[] = {
	{ K_JOIN, "stop", "stopped", "Stopped", 0 },
	{ K_JOIN, "ЗОГС", "stopped", "Зогслоо", 0 },
	{ K_JOIN, "tips off", LEFT, "Left", 0 },
	{ K_SERIES, "STOP", "stopped", "Stopped", 0 },
	{ K_SERIES, "зогс", "stopped", "Зогслоо", 0 },
	{ K_SERIES, "tips off", LEFT, "Left", 0 },
	{ K_SERIES, "stop", "stopped", NULL, 1 },
	{ K_BROADCAST, "stop", "stopped", "Stopped", 0 },
	{ K_BROADCAST, "tips off", LEFT, "Left", 0 },
	{ K_BROADCAST, "stop", "stopped", NULL, 1 },
	{ K_SURVEY_START, "stop", "stopped", "Stopped", 0 },
	{ K_SURVEY_NEXT, "STOP", "stopped", "Stopped", 0 },
	{ K_SURVEY_HINT, "ЗОГС", "stopped", "Зогслоо", 0 },
};

/* One case: X and Y get SMS of the case's kind, X sends its word. */
static void
stop_one(const struct conf *conf, const struct stop_case *c, size_t ci)
{
	static const char *const who[] = { X, Y };
	int64_t before[16], after_y[16], manual;
	struct store *store = open_memory();
	struct store_survey_count sc;
	struct rows rs;
	int nx = 0, ny = 0, i;

	queue_kind(store, conf, c->kind, who, 2);
	for (i = 0; c->spend && i < 12; i++)
		su_receive(store, conf, X, "help", NOON + 3);
	/* what is the campaign's, queued to each, before the word */
	outbox(store, &rs);
	for (i = 0; i < rs.n; i++) {
		if (strcmp(rs.r[i].state, "queued") != 0 ||
		    strcmp(rs.r[i].text, "Help: 102") == 0)
			continue;
		if (strcmp(rs.r[i].number, X) == 0)
			before[nx++] = rs.r[i].id;
		else
			after_y[ny++] = rs.r[i].id;
	}
	if (nx == 0 || nx != ny)
		fail_msg("#%zu %s: %d and %d queued", ci, kind_names[c->kind],
		    nx, ny);
	/* not the campaign's: a caseworker's message to the same number */
	assert_true((manual = store_outbox_add(store, X, CASEWORKER,
	    STORE_OUT_MANUAL, 0, NOON + 4)) > 0);
	su_receive(store, conf, X, c->word, NOON + 10);
	/* the scheduler after it queues nothing more to X */
	assert_true(campaign_tick(store, conf, NOON + 300) >= 0);
	outbox(store, &rs);
	for (i = 0; i < nx; i++) {
		const struct row *r = row_by_id(&rs, before[i]);

		if (strcmp(r->state, "failed") != 0 ||
		    strcmp(r->error, c->reason) != 0)
			fail_msg("#%zu %s \"%s\": \"%s\" %s (%s)", ci,
			    kind_names[c->kind], c->word, r->text, r->state,
			    r->error);
	}
	for (i = 0; i < ny; i++)
		if (strcmp(row_by_id(&rs, after_y[i])->state, "queued") != 0)
			fail_msg("#%zu %s: Y's \"%s\" not queued", ci,
			    kind_names[c->kind], row_by_id(&rs,
			    after_y[i])->text);
	assert_string_equal(row_by_id(&rs, manual)->state, "queued");
	/* X's queue now: the caseworker's, the answer to the word (unless
	 * the budget held it back), the spent budget's replies */
	assert_int_equal(count(&rs, X, "queued", NULL), 1 +
	    (c->answer != NULL) + (c->spend ? count(&rs, X, "queued",
	    "Help: 102") : 0));
	if (c->answer != NULL)
		assert_int_equal(count(&rs, X, "queued", c->answer), 1);
	if (c->kind >= K_SURVEY_START) {
		assert_int_equal(store_survey_counts(store, "know", &sc), 0);
		assert_int_equal(sc.partial, 1);
		assert_int_equal(sc.open, 1);
	}
	store_close(store);
}

static void
test_stop_fails_every_campaign_sms(void **state)
{
	struct conf *conf = load();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(stop_cases) / sizeof(stop_cases[0]); i++)
		stop_one(conf, &stop_cases[i], i);
	conf_free(conf);
}

/* ---- 2. quiet hours hold what nobody asked for just then ---------------- */

static void
test_quiet_hours_hold_every_unasked_sms(void **state)
{
	static const char *const subs[] = { "+97699140011", "+97699140012",
	    "+97699140013" };
	const char *joiner = "+97699140021", *asker = "+97699140022";
	const char *helped = "+97699140023";
	struct conf *conf = load();
	struct store *store = open_memory();
	struct rows rs, again;
	int64_t t0 = QUIET - 300, retried = 0;
	int i, held = 0, replies = 0;

	(void)state;
	/* Before quiet hours, with the modem down: each subscriber's
	 * message 2 and a broadcast queued, not sent; one of the messages
	 * 2 refused once, its retry due in quiet hours. */
	for (i = 0; i < 3; i++)
		su_receive(store, conf, subs[i], "tips", t0 - 120);
	assert_int_equal(su_send_due(store, t0 - 119), 6);
	assert_int_equal(campaign_tick(store, conf, t0 - 60), 3);
	assert_true(store_broadcast_add(store, "tips", "Hotline 1903", t0,
	    t0) > 0);
	assert_int_equal(campaign_tick(store, conf, t0), 3);
	outbox(store, &rs);
	for (i = 0; i < rs.n; i++)
		if (strcmp(rs.r[i].text, "Tip 2") == 0 && retried == 0)
			retried = rs.r[i].id;
	assert_int_equal(store_outbox_retry(store, retried, "refused",
	    QUIET + 600), 0);
	/* A minute before: replies to people's own SMS. */
	su_receive(store, conf, joiner, "tips", QUIET - 60);
	su_receive(store, conf, asker, "survey", QUIET - 60);
	su_receive(store, conf, helped, "help", QUIET - 60);
	/* Quiet hours: every unasked one dated after them, replies not. */
	assert_int_equal(campaign_tick(store, conf, QUIET), 0);
	outbox(store, &rs);
	for (i = 0; i < rs.n; i++) {
		const struct row *r = &rs.r[i];

		if (strcmp(r->state, "queued") != 0)
			continue;
		if (strcmp(r->text, "Tip 2") == 0 ||
		    strcmp(r->text, "Hotline 1903") == 0) {
			if (r->next_at < MORNING)
				fail_msg("\"%s\" to %s due at %lld", r->text,
				    r->number, (long long)(r->next_at - NOON));
			held++;
		} else {
			if (r->next_at >= QUIET)
				fail_msg("the reply \"%s\" held", r->text);
			replies++;
		}
	}
	assert_int_equal(held, 6);
	assert_int_equal(replies, 2 + 2 + 1);
	/* The night: replies go, nothing else; the hold stays put. */
	assert_int_equal(campaign_tick(store, conf, QUIET + 3600), 0);
	assert_int_equal(su_send_due(store, QUIET + 3600), 5);
	assert_int_equal(su_send_due(store, MORNING - 1), 0);
	outbox(store, &again);
	for (i = 0; i < rs.n; i++)
		if (strcmp(rs.r[i].state, "queued") == 0 &&
		    rs.r[i].next_at >= MORNING)
			assert_int_equal(row_by_id(&again,
			    rs.r[i].id)->next_at, rs.r[i].next_at);
	/* Morning: the subscribers' message 3 waits while their message 2
	 * is queued; the joiner's answers went, so its message 2 comes... */
	assert_int_equal(campaign_tick(store, conf, MORNING), 1);
	outbox(store, &rs);
	for (i = 0; i < 3; i++)
		assert_int_equal(count(&rs, subs[i], NULL, "Tip 3"), 0);
	assert_int_equal(count(&rs, joiner, "queued", "Tip 2"), 1);
	/* ...and message 3 comes once message 2 has gone, after it. */
	assert_int_equal(su_send_due(store, MORNING + 600), 6 + 1);
	assert_int_equal(campaign_tick(store, conf, MORNING + 3600), 3 + 1);
	outbox(store, &rs);
	for (i = 0; i < 3; i++) {
		assert_int_equal(count(&rs, subs[i], "sent", "Tip 2"), 1);
		assert_int_equal(count(&rs, subs[i], "queued", "Tip 3"), 1);
	}
	store_close(store);
	conf_free(conf);
}

/* ---- 3. read first ------------------------------------------------------ */

/* In quiet hours, with replies queued (and nothing to hold), the tick
 * reads and leaves: while another connection holds the write lock it
 * still returns at once (a transaction would wait out the busy timeout
 * and fail). */
static void
test_quiet_tick_takes_no_lock(void **state)
{
	const char *path = su_path_for("hold.db");
	struct conf *conf = load();
	struct store *store, *other;
	struct rows rs;

	(void)state;
	store = su_open_ok(path, 1);
	su_receive(store, conf, "+97699140031", "tips", QUIET - 60);
	su_receive(store, conf, "+97699140032", "survey", QUIET - 60);
	su_receive(store, conf, "+97699140033", "help", QUIET - 60);
	other = su_open_ok(path, 0);
	assert_int_equal(store_begin(other), 0);
	assert_int_equal(campaign_tick(store, conf, QUIET), 0);
	assert_int_equal(campaign_tick(store, conf, QUIET + 60), 0);
	store_rollback(other);
	store_close(other);
	outbox(store, &rs);
	assert_int_equal(rs.n, 5);
	store_close(store);
	unlink(path);
	conf_free(conf);
}

/* ---- 4. a database from before ----------------------------------------- */

static void
test_migration_ties_queued_series_sms(void **state)
{
	const char *path = su_path_for("before.db");
	struct conf *conf = load();
	struct store *store;
	struct rows rs;

	(void)state;
	store = su_open_ok(path, 1);
	su_receive(store, conf, X, "tips", NOON);
	assert_int_equal(su_send_due(store, NOON + 1), 2);
	assert_int_equal(campaign_tick(store, conf, NOON + 61), 1);
	su_receive(store, conf, X, "help", NOON + 62);
	store_close(store);
	/* as schema 17 left it: no ties */
	su_downgrade(path, 17);
	store = su_open_ok(path, 0);
	su_receive(store, conf, X, "stop", NOON + 63);
	outbox(store, &rs);
	assert_int_equal(count(&rs, X, "failed", "Tip 2"), 1);
	assert_int_equal(count(&rs, X, "queued", "Help: 102"), 1);
	assert_int_equal(count(&rs, X, "queued", "Stopped"), 1);
	store_close(store);
	unlink(path);
	conf_free(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_fails_every_campaign_sms),
		cmocka_unit_test(test_quiet_hours_hold_every_unasked_sms),
		cmocka_unit_test(test_quiet_tick_takes_no_lock),
		cmocka_unit_test(test_migration_ties_queued_series_sms),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, su_group_setup,
	    su_group_teardown);
}
