/*
 * test_store_uplink: the uplink's queue (schema 12) through the store's
 * public functions: every kind of change queued in order, only sealed
 * blobs handed out, a purged report queued as such with what was not
 * sent of it dropped, the queue forgotten only
 * up to what was committed, commands remembered inside the transaction
 * that applies them, and the link's state.
 */
#define _GNU_SOURCE             /* memmem() */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_uplink.h"

#define NOW 1700000000

struct fix {
	char dir[64];
	char path[128];
	struct store *store;
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store_uplink.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	f->store = store_open(f->path, 1, err, sizeof(err));
	assert_non_null(f->store);
	*state = f;
	return 0;
}

/* setup, with the uplink started. */
static int
setup_started(void **state)
{
	struct fix *f;

	setup(state);
	f = *state;
	assert_int_equal(store_uplink_start(f->store), 1);
	assert_int_equal(store_uplink_start(f->store), 0);
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	char p[160];

	store_close(f->store);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

#define MAXEV 32

struct got {
	int n;
	int64_t seq[MAXEV];
	char kind[MAXEV][16];
	int64_t row[MAXEV];
	int gone[MAXEV];
	int sealed[MAXEV];       /* 1: a blob was handed out */
	int64_t count[MAXEV];
	char status[MAXEV][8];
	char text_seen;          /* a clear text or number was handed out */
};

static int
collect(void *arg, const struct store_uplink_event *ev)
{
	struct got *g = arg;
	int i = g->n++;

	assert_true(i < MAXEV);
	g->seq[i] = ev->seq;
	snprintf(g->kind[i], sizeof(g->kind[i]), "%s", ev->kind);
	g->row[i] = ev->row_id;
	g->gone[i] = ev->gone;
	g->sealed[i] = ev->sealed != NULL || ev->body != NULL;
	g->count[i] = ev->count;
	snprintf(g->status[i], sizeof(g->status[i]), "%s",
	    ev->status ? ev->status : "");
	if ((ev->sealed != NULL && memmem(ev->sealed, ev->sealed_len,
	    "secret", 6) != NULL) || (ev->body != NULL &&
	    memmem(ev->body, ev->body_len, "secret", 6) != NULL))
		g->text_seen = 1;
	return 0;
}

static struct got
events(struct store *s, int64_t after)
{
	struct got g;

	memset(&g, 0, sizeof(g));
	assert_true(store_uplink_events(s, after, MAXEV, collect, &g) >= 0);
	return g;
}

/* Every kind, in the order it happened, with only sealed blobs. */
static void
test_queue_order_and_kinds(void **state)
{
	struct fix *f = *state;
	struct store *s = f->store;
	static const unsigned char blob[] = "sealed-bytes";
	struct store_report_new rn = { .sealed = blob, .sealed_len =
	    sizeof(blob), .key_id = "0011223344556677" };
	struct store_report_entry e = { .kind = "note", .actor = "oyuna",
	    .body = (const unsigned char *)"sealed-note", .body_len = 11,
	    .key_id = "0011223344556677" };
	struct store_report_entry clear = { .kind = "note", .actor = "oyuna",
	    .body = (const unsigned char *)"secret clear note",
	    .body_len = 17 };
	struct store_audit a = { .at = NOW, .actor = "oyuna", .via = "cli",
	    .action = "open" };
	int64_t sealed_id, clear_id, pending;
	struct got g;

	assert_true((sealed_id = store_report_file(s, &rn, NOW, NULL, 0)) > 0);
	e.report_id = sealed_id;
	e.at = NOW;
	assert_true(store_report_entry_add(s, &e) > 0);
	assert_true((clear_id = store_report_add(s, "+97699000000",
	    "secret text", 0, 0, NOW, NULL, 0)) > 0);
	clear.report_id = clear_id;
	clear.at = NOW;
	assert_true(store_report_entry_add(s, &clear) > 0);
	a.report_id = sealed_id;
	assert_true(store_audit_add(s, &a) > 0);
	assert_int_equal(store_stat_bump(s, "2026-11-30", "help"), 0);
	assert_int_equal(store_stat_bump(s, "2026-11-30", "help"), 0);
	assert_int_equal(store_stat_bump(s, "2026-11-30", "jobs"), 0);
	assert_int_equal(store_stat_bump(s, "2026-11-30", "help"), 0);
	assert_int_equal(store_report_claim(s, sealed_id, "oyuna", NOW), 1);
	assert_int_equal(store_report_close(s, sealed_id, "done", NOW), 1);

	/* A day's count of a keyword: once, where its last change was. */
	g = events(s, 0);
	assert_int_equal(g.n, 9);
	assert_string_equal(g.kind[0], "report");
	assert_string_equal(g.kind[1], "entry");
	assert_string_equal(g.kind[2], "report");
	assert_string_equal(g.kind[3], "entry");
	assert_string_equal(g.kind[4], "audit");
	assert_string_equal(g.kind[5], "stat");      /* jobs */
	assert_string_equal(g.kind[6], "stat");      /* help */
	assert_string_equal(g.kind[7], "report_state");
	assert_string_equal(g.kind[8], "report_state");
	for (int i = 1; i < g.n; i++)
		assert_true(g.seq[i] > g.seq[i - 1]);
	assert_true(g.sealed[0] && g.sealed[1]);
	assert_false(g.sealed[2]);          /* a clear report: no blob */
	assert_false(g.sealed[3]);          /* a clear note: no body */
	assert_false(g.text_seen);
	assert_int_equal(g.count[5], 1);
	assert_int_equal(g.count[6], 3);    /* the count as it is now */
	assert_string_equal(g.status[8], "closed");

	assert_int_equal(store_uplink_pending(s, &pending), 0);
	assert_int_equal(pending, 9);
	/* Committed up to the 4th: those go, the rest stays in order. */
	assert_int_equal(store_uplink_done(s, g.seq[3]), 0);
	assert_int_equal(store_uplink_pending(s, &pending), 0);
	assert_int_equal(pending, 5);
	g = events(s, 0);
	assert_string_equal(g.kind[0], "audit");
	/* Sent again from an older cursor: nothing before the done mark. */
	assert_int_equal(events(s, 0).seq[0], g.seq[0]);
}

/* A purged report is an event of its own, after what was sent of it; a
 * seq is never reused, not even after the newest row is deleted. */
static void
test_purge_and_no_reuse(void **state)
{
	struct fix *f = *state;
	struct store *s = f->store;
	struct store_audit a = { .at = NOW, .actor = "x", .via = "cli",
	    .action = "open" };
	struct store_retention ret;
	struct store_purged purged;
	int64_t id;
	struct got g;

	assert_true((id = store_report_add(s, "", "", 0, 0, NOW - 400 *
	    86400, NULL, 0)) > 0);
	assert_int_equal(store_report_close(s, id, NULL, NOW - 399 * 86400), 1);
	g = events(s, 0);
	assert_int_equal(store_uplink_done(s, g.seq[g.n - 1]), 0);
	memset(&ret, 0, sizeof(ret));
	ret.reports_before = NOW - 300 * 86400;
	assert_int_equal(store_purge(s, &ret, 0, &purged), 0);
	assert_int_equal(purged.reports, 1);
	assert_true(store_audit_add(s, &a) > 0);
	g = events(s, 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.kind[0], "purge");
	assert_int_equal(g.row[0], id);
	assert_int_equal(g.gone[0], 0);
	assert_string_equal(g.kind[1], "audit");
	/* A new report after the purge may get the old id, never the seq. */
	assert_true(store_report_add(s, "", "", 0, 0, NOW, NULL, 0) == id);
	g = events(s, 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.kind[2], "report");
	assert_true(g.seq[2] > g.seq[1]);
}

/*
 * A report purged before its events were sent: they go with it (a later
 * report taking its id must not be read in their place), its purge is
 * queued, and what a later report of the same id queues stays whole. For
 * every point up to which the queue was sent before the purge.
 */
static void
test_purge_drops_what_was_not_sent(void **state)
{
	struct fix *f = *state;
	struct store *s = f->store;
	struct store_report_entry e = { .kind = "note", .actor = "oyuna",
	    .body = (const unsigned char *)"sealed-note", .body_len = 11,
	    .key_id = "0011223344556677" };
	struct store_retention ret;
	struct store_purged purged;
	int64_t id, again, sent;
	struct got g;
	int upto, i, n;

	memset(&ret, 0, sizeof(ret));
	ret.reports_before = NOW - 300 * 86400;
	/* Filed, a note, claimed, closed: 4 events; 0 to 4 sent. */
	for (upto = 0; upto <= 4; upto++) {
		assert_true((id = store_report_add(s, "", "", 0, 0, NOW - 400 *
		    86400, NULL, 0)) > 0);
		e.report_id = id;
		e.at = NOW - 400 * 86400;
		assert_true(store_report_entry_add(s, &e) > 0);
		assert_int_equal(store_report_claim(s, id, "oyuna", NOW), 1);
		assert_int_equal(store_report_close(s, id, NULL, NOW - 399 *
		    86400), 1);
		g = events(s, 0);
		assert_int_equal(g.n, 4);
		sent = upto > 0 ? g.seq[upto - 1] : 0;
		if (upto > 0)
			assert_int_equal(store_uplink_done(s, sent), 0);
		assert_int_equal(store_purge(s, &ret, 0, &purged), 0);
		assert_int_equal(purged.reports, 1);
		/* The same id again, with a note of its own. */
		assert_true((again = store_report_add(s, "", "", 0, 0, NOW,
		    NULL, 0)) == id);
		e.report_id = again;
		e.at = NOW;
		assert_true(store_report_entry_add(s, &e) > 0);
		g = events(s, 0);
		assert_int_equal(g.n, 3);
		assert_string_equal(g.kind[0], "purge");
		assert_int_equal(g.row[0], id);
		assert_string_equal(g.kind[1], "report");
		assert_string_equal(g.kind[2], "entry");
		for (i = 0; i < g.n; i++) {
			assert_true(g.seq[i] > sent);
			assert_int_equal(g.gone[i], 0);
		}
		/* Sent; the new report closed and purged for the next. */
		assert_int_equal(store_uplink_done(s, g.seq[2]), 0);
		assert_int_equal(store_report_close(s, again, NULL, NOW - 399 *
		    86400), 1);
		assert_int_equal(store_purge(s, &ret, 0, &purged), 0);
		g = events(s, 0);
		n = g.n;
		assert_string_equal(g.kind[n - 1], "purge");
		assert_int_equal(store_uplink_done(s, g.seq[n - 1]), 0);
	}
}

/* A command id is remembered only by the transaction that applied it. */
static void
test_applied_in_the_transaction(void **state)
{
	struct fix *f = *state;
	struct store *s = f->store;
	char result[32];

	assert_int_equal(store_uplink_applied(s, 7, result, sizeof(result)),
	    0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_uplink_apply_mark(s, 7, "ok", NOW), 0);
	store_rollback(s);
	assert_int_equal(store_uplink_applied(s, 7, NULL, 0), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_uplink_apply_mark(s, 7, "report is closed",
	    NOW), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_uplink_applied(s, 7, result, sizeof(result)),
	    1);
	assert_string_equal(result, "report is closed");
	/* Twice is refused by the key, so a second apply cannot commit. */
	assert_int_equal(store_uplink_apply_mark(s, 7, "ok", NOW), -1);
}

/* A command box's nonce is taken once, and only by a transaction that commits. */
static void
test_box_once(void **state)
{
	struct fix *f = *state;
	struct store *s = f->store;
	unsigned char a[24], b[24];

	memset(a, 0xa5, sizeof(a));
	memset(b, 0xa5, sizeof(b));
	b[23] = 0x5a;
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_uplink_box_once(s, a, sizeof(a)), 1);
	store_rollback(s);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_uplink_box_once(s, a, sizeof(a)), 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_uplink_box_once(s, a, sizeof(a)), 0);
	assert_int_equal(store_uplink_box_once(s, b, sizeof(b)), 1);
	assert_int_equal(store_uplink_box_once(s, b, sizeof(b)), 0);
}

static void
test_state(void **state)
{
	struct fix *f = *state;
	struct store_uplink_state st, got;

	assert_int_equal(store_uplink_state_get(f->store, &got), 1);
	assert_int_equal(got.connected, 0);
	assert_int_equal(got.last_ok, 0);
	memset(&st, 0, sizeof(st));
	st.connected = 1;
	st.last_ok = NOW;
	snprintf(st.last_error, sizeof(st.last_error), "%s", "refused");
	st.updated_at = NOW + 1;
	assert_int_equal(store_uplink_state_put(f->store, &st), 0);
	assert_int_equal(store_uplink_state_get(f->store, &got), 1);
	assert_int_equal(got.connected, 1);
	assert_int_equal(got.last_ok, NOW);
	assert_string_equal(got.last_error, "refused");
}

/* Before the uplink's first start nothing is queued (a gateway without a
 * central server never grows a queue); the start queues all there was,
 * each report before its timeline, and the triggers from then on. */
static void
test_nothing_queued_until_started(void **state)
{
	struct fix *f = *state;
	struct store *s = f->store;
	struct store_report_entry e = { .kind = "note", .at = NOW };
	struct store_audit a = { .at = NOW, .actor = "x", .via = "cli",
	    .action = "open" };
	int64_t pending, r1, r2;
	struct got g;

	assert_true((r1 = store_report_add(s, "", "", 0, 0, NOW, NULL, 0)) >
	    0);
	assert_true((r2 = store_report_add(s, "", "", 0, 0, NOW, NULL, 0)) >
	    0);
	e.report_id = r1;
	assert_true(store_report_entry_add(s, &e) > 0);
	assert_true(store_audit_add(s, &a) > 0);
	assert_int_equal(store_stat_bump(s, "2026-11-30", "help"), 0);
	assert_int_equal(store_uplink_pending(s, &pending), 0);
	assert_int_equal(pending, 0);
	assert_int_equal(store_uplink_start(s), 1);
	g = events(s, 0);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.kind[0], "report");
	assert_int_equal(g.row[0], r1);
	assert_string_equal(g.kind[1], "report");
	assert_int_equal(g.row[1], r2);
	assert_string_equal(g.kind[2], "entry");
	assert_string_equal(g.kind[3], "audit");
	assert_string_equal(g.kind[4], "stat");
	assert_true(store_audit_add(s, &a) > 0);
	assert_int_equal(store_uplink_pending(s, &pending), 0);
	assert_int_equal(pending, 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_order_and_kinds,
		    setup_started, teardown),
		cmocka_unit_test_setup_teardown(test_purge_and_no_reuse,
		    setup_started, teardown),
		cmocka_unit_test_setup_teardown(
		    test_purge_drops_what_was_not_sent, setup_started,
		    teardown),
		cmocka_unit_test_setup_teardown(test_applied_in_the_transaction,
		    setup_started, teardown),
		cmocka_unit_test_setup_teardown(test_box_once, setup_started,
		    teardown),
		cmocka_unit_test_setup_teardown(test_state, setup_started,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_nothing_queued_until_started, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
