/*
 * test_store_fault: the store's functions alone, with each allocation
 * SQLite makes failing in turn (fault.h), once or from then on: N = 1, 2,
 * 3, ... until a run never reaches the fault, as SQLite tests itself.
 *
 * Each run opens a database file, calls the functions the message path
 * and the tools call, one after the other, and closes it. Each call
 * returns its result or -1, and none answers wrongly: a message, an
 * outbox row, a report, a window, the modem state read back are the ones
 * written; a part stored before is a duplicate when the modem gives it
 * again, also once a report's text is blanked; a delivery report finds
 * the message sent. Once allocations work again the same store works (a
 * ROLLBACK that failed left nothing open) and keeps what it said it
 * stored; after store_close() SQLite holds no memory (ASan checks the
 * rest at exit). TEST_FAULT_FULL=1 tries every N (fault_stride()).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "fault.h"
#include "store.h"

#define NOW 1764390000
#define REPORTER "+97699140003"
#define LONG     "+97699140002"

/* What the store-level steps found wrong (printed) and how many calls
 * failed. */
struct steps {
	int wrong;
	int failed;
	int put_report;         /* the report's part is stored */
	int sent;               /* the outbox row is recorded as sent */
};

#define WRONG(st, ...) do { \
	printf("  " __VA_ARGS__); \
	printf("\n"); \
	(st)->wrong++; \
} while (0)

/* rc of a call that returns 0 or -1 (or a count): a failure counted. */
static int
step_ok(struct steps *st, const char *what, long rc)
{
	if (rc < -1)
		WRONG(st, "%s returned %ld", what, rc);
	if (rc < 0)
		st->failed++;
	return rc >= 0;
}

static int
step_msg(void *arg, const struct store_msg *m)
{
	(void)m;
	(*(int *)arg)++;
	return 0;
}

/*
 * The store's functions one after the other, as the message path and the
 * tools call them, on store s: each may fail (-1), none may answer
 * wrongly. What a call answers is checked against what the calls before
 * it were told they did.
 */
static void
store_steps(struct store *s, struct steps *st)
{
	static const struct store_part report = {
		.sender = REPORTER, .sent_at = 1700000001, .part_no = 1,
		.part_count = 1, .text = "REPORT a man offers work in Macau",
	};
	struct store_part p2 = {
		.sender = LONG, .sent_at = 1700000002, .concat_ref = 5,
		.part_no = 2, .part_count = 2, .text = "OFFER",
	};
	struct store_part p1 = p2;
	struct store_filter all = { .urgent = -1 };
	struct store_budget budget = { 10, 3600 };
	struct store_report_new rn;
	struct store_modem_state ms, got;
	struct store_report rep;
	struct store_counts c;
	struct store_purged purged;
	struct store_retention ret;
	struct store_out o;
	struct store_msg m;
	unsigned char hash[32];
	char ref[16], state[16];
	int64_t id, out = 0, rid = 0, linked;
	int rc, lang, n = 0, joined = 0;

	p1.part_no = 1;
	p1.text = "JOB ";
	rc = store_put_part(s, &report, NOW);
	if (rc == 0)
		WRONG(st, "the first put of a part is a duplicate");
	st->put_report = rc == 1;
	step_ok(st, "put_part", rc);
	if (step_ok(st, "put_part", store_put_part(s, &p2, NOW)) &&
	    step_ok(st, "put_part", store_put_part(s, &p1, NOW)))
		joined = 1;
	step_ok(st, "expire_parts", store_expire_parts(s, NOW - 600));

	memset(&m, 0, sizeof(m));
	rc = store_msg_next(s, &m);
	if (rc == 1 && strcmp(m.text, report.text) != 0 &&
	    strcmp(m.text, "JOB OFFER") != 0)
		WRONG(st, "msg_next: \"%s\", which nobody sent", m.text);
	if (rc == 0 && (st->put_report || joined))
		WRONG(st, "msg_next: nothing, though a message is stored");
	if (step_ok(st, "msg_next", rc) && rc == 1) {
		step_ok(st, "msg_handled", store_msg_handled(s, m.id, "report",
		    NOW));
		if (strcmp(m.text, report.text) == 0)
			step_ok(st, "scrub_message",
			    store_scrub_message(s, m.id));
	}
	store_msg_free(&m);
	/* The modem gives the report's part again (a crash before the
	 * delete): stored, whatever became of its text, it is a duplicate. */
	rc = store_put_part(s, &report, NOW);
	if (rc == 1 && st->put_report)
		WRONG(st, "put_part: a part stored before is stored again");
	st->put_report |= rc == 1;
	step_ok(st, "put_part again", rc);

	id = store_outbox_queue(s, &budget, REPORTER, "Received #ABC234",
	    STORE_OUT_REPLY, 0, NOW);
	if (id == 0)
		WRONG(st, "outbox_queue: held back by an empty budget");
	step_ok(st, "outbox_queue", id);
	memset(&o, 0, sizeof(o));
	rc = store_outbox_next(s, NOW, &o);
	if (rc == 1 && (strcmp(o.number, REPORTER) != 0 ||
	    strcmp(o.text, "Received #ABC234") != 0))
		WRONG(st, "outbox_next: a message nobody queued");
	if (rc == 0 && id > 0)
		WRONG(st, "outbox_next: nothing, though one is queued");
	if (step_ok(st, "outbox_next", rc) && rc == 1) {
		out = o.id;
		st->sent = step_ok(st, "outbox_sent",
		    store_outbox_sent(s, o.id, "7", NOW));
	}
	store_out_free(&o);
	rc = store_outbox_delivery(s, 7, 1, NOW + 5);
	if (rc == 0 && st->sent)
		WRONG(st, "outbox_delivery: no match for a message sent");
	step_ok(st, "outbox_delivery", rc);
	step_ok(st, "outbox_count", store_outbox_count(s, REPORTER, 0));
	step_ok(st, "outbox_wait", store_outbox_wait(s, NOW) + 1);

	memset(&rn, 0, sizeof(rn));
	rn.number = REPORTER;
	rn.text = "a man offers work in Macau";
	rn.relay = (const unsigned char *)"relay";
	rn.relay_len = 5;
	rn.relay_until = NOW + 3600;
	rid = store_report_file(s, &rn, NOW, ref, sizeof(ref));
	if (step_ok(st, "report_file", rid) && rid > 0) {
		memset(&rep, 0, sizeof(rep));
		rc = store_report_find(s, ref, &rep);
		if (rc == 0 || (rc == 1 && (rep.id != rid ||
		    strcmp(rep.ref, ref) != 0)))
			WRONG(st, "report_find: not the report filed");
		if (step_ok(st, "report_find", rc) && rc == 1)
			store_report_free(&rep);
		step_ok(st, "report_entry_add", store_report_entry_add(s,
		    &(struct store_report_entry){ .report_id = rid, .at = NOW,
		    .kind = "ack", .outbox_id = out }));
	}
	if (step_ok(st, "number_hash", store_number_hash(s, REPORTER, hash))) {
		rc = store_link_put(s, hash, rid > 0 ? rid : 0, "open", 1,
		    NOW + 600);
		if (step_ok(st, "link_put", rc)) {
			rc = store_link_get(s, hash, NOW, &linked, state,
			    sizeof(state), &lang);
			if (rc == 0 || (rc == 1 && (linked != (rid > 0 ?
			    rid : 0) || strcmp(state, "open") != 0)))
				WRONG(st, "link_get: not the window put");
			step_ok(st, "link_get", rc);
		}
	}
	step_ok(st, "stat_bump", store_stat_bump(s, "2025-11-29", "report"));

	memset(&ms, 0, sizeof(ms));
	ms.connected = 1;
	snprintf(ms.operator_name, sizeof(ms.operator_name), "Fake");
	ms.updated_at = NOW;
	if (step_ok(st, "modem_state_put", store_modem_state_put(s, &ms))) {
		rc = store_modem_state_get(s, &got);
		if (rc == 0 || (rc == 1 && strcmp(got.operator_name,
		    "Fake") != 0))
			WRONG(st, "modem_state_get: not the state put");
		step_ok(st, "modem_state_get", rc);
	}
	step_ok(st, "list_inbox", store_list_inbox(s, &all, step_msg, &n));
	step_ok(st, "counts", store_counts(s, &c));
	store_retention_days(&ret, 30, 30, 30, NOW);
	step_ok(st, "purge", store_purge(s, &ret, 0, &purged));
	step_ok(st, "wal_truncate", store_wal_truncate(s));
}

/* After the fault: the store works again, and keeps what it said it
 * stored. */
static void
store_after(struct store *s, struct steps *st)
{
	static const struct store_part report = {
		.sender = REPORTER, .sent_at = 1700000001, .part_no = 1,
		.part_count = 1, .text = "REPORT a man offers work in Macau",
	};
	struct store_counts c;
	int rc;

	if (store_begin(s) != 0 || store_commit(s) != 0)
		WRONG(st, "after the fault, no transaction: %s",
		    store_errmsg(s));
	if (store_counts(s, &c) != 0)
		WRONG(st, "after the fault, no counts: %s", store_errmsg(s));
	rc = store_put_part(s, &report, NOW);
	if (rc != (st->put_report ? 0 : 1))
		WRONG(st, "after the fault, the report's part put again: %d "
		    "(%s)", rc, rc < 0 ? store_errmsg(s) : "");
}

/* One run of the store alone with kind armed at call n: open, the steps,
 * close. Returns how many calls failed (0: n was never reached). */
static long
store_run(enum fault_kind kind, long n, struct steps *st)
{
	struct store *s;
	char err[512];
	sqlite3_int64 before;

	memset(st, 0, sizeof(*st));
	assert_int_equal(fault_fresh_db(), 0);
	before = sqlite3_memory_used();
	fault_arm(kind, n);
	err[0] = '\0';
	if ((s = store_open(fault_db, 0, err, sizeof(err))) == NULL) {
		if (err[0] == '\0')
			WRONG(st, "store_open: NULL without a reason");
	} else
		store_steps(s, st);
	fault_disarm();
	if (s != NULL)
		store_after(s, st);
	store_close(s);
	if (sqlite3_memory_used() != before)
		WRONG(st, "SQLite holds %lld bytes more after store_close()",
		    (long long)(sqlite3_memory_used() - before));
	return fault.fired;
}

/* The store's loop for one allocation fault. */
static void
store_loop(enum fault_kind kind)
{
	struct steps st;
	long n, runs = 0, calls, stride;

	assert_int_equal(store_run(kind, FAULT_MAX_CALLS * 10L, &st), 0);
	assert_int_equal(st.wrong, 0);
	assert_int_equal(st.failed, 0);
	calls = fault.calls;
	stride = fault_stride(calls, 300);
	for (n = 1; n < FAULT_MAX_CALLS; n += stride, runs++) {
		if (store_run(kind, n, &st) == 0)
			break;
		if (st.wrong > 0)
			fail_msg("%s at call %ld: the store answered wrongly "
			    "(above)", fault_name(kind), n);
	}
	assert_true(n < FAULT_MAX_CALLS);
	assert_int_equal(fault.calls, calls);
	assert_int_equal(st.failed, 0);
	printf("  store, %s: %ld of %ld calls failed in turn\n",
	    fault_name(kind), runs, calls);
}

static void test_store_oom_transient(void **s)
{ (void)s; store_loop(FAULT_OOM); }
static void test_store_oom_persistent(void **s)
{ (void)s; store_loop(FAULT_OOM_ON); }

static int
group_setup(void **state)
{
	(void)state;
	return fault_files_setup("test_store_fault");
}

static int
group_teardown(void **state)
{
	(void)state;
	fault_files_teardown();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_oom_transient),
		cmocka_unit_test(test_store_oom_persistent),
	};

	if (fault_install() == -1)
		return 1;
	return cmocka_run_group_tests_name("store_fault", tests, group_setup,
	    group_teardown);
}
