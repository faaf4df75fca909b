/*
 * test_store_modem: schema 10, several modems on one database. A message
 * records the modem its parts came in on, also when a long one is joined
 * or expires partial; an outbox row records the modem that sends it, and
 * a claim takes a row only while it is what the claimer read (no two
 * modems send one row); each modem's row holds its state, and its sends
 * of the day count only what it sent since the day began.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define NOW 1800000000

static struct store *
open_mem(void)
{
	char err[256];
	struct store *s = store_open(":memory:", STORE_CREATE, err,
	    sizeof(err));

	if (s == NULL)
		fail_msg("%s", err);
	return s;
}

static void
put(struct store *s, const char *sender, const char *modem, int ref,
    int no, int count, const char *text)
{
	struct store_part p;

	memset(&p, 0, sizeof(p));
	p.sender = sender;
	p.sent_at = NOW;
	p.concat_ref = ref;
	p.part_no = no;
	p.part_count = count;
	p.text = text;
	p.modem = modem;
	assert_int_equal(store_put_part(s, &p, NOW), 1);
}

/* The modem of the next unhandled message, handled then; "" for NULL. */
static void
next_modem(struct store *s, const char *want)
{
	struct store_msg m;

	assert_int_equal(store_msg_next(s, &m), 1);
	assert_string_equal(m.modem != NULL ? m.modem : "", want);
	assert_int_equal(store_msg_handled(s, m.id, "x", NOW), 1);
	store_msg_free(&m);
}

static void
test_message_has_its_modem(void **state)
{
	struct store *s = open_mem();

	(void)state;
	put(s, "+97699000001", "unitel", 0, 1, 1, "one");
	put(s, "+97699000002", NULL, 0, 1, 1, "no modem said");
	put(s, "+97699000003", "skytel", 7, 2, 2, "b");
	put(s, "+97699000003", "skytel", 7, 1, 2, "a");
	put(s, "+97699000004", "mobicom", 9, 1, 3, "only one of three");
	next_modem(s, "unitel");
	next_modem(s, "");
	next_modem(s, "skytel");
	assert_int_equal(store_expire_parts(s, NOW), 1);
	next_modem(s, "mobicom");
	store_close(s);
}

struct seen {
	int64_t ids[16];
	char modems[16][32];
	int64_t next_at[16], taken_until[16];
	int n;
};

static int
seen_out(void *arg, const struct store_out *o)
{
	struct seen *v = arg;

	v->ids[v->n] = o->id;
	snprintf(v->modems[v->n], sizeof(v->modems[0]), "%s",
	    o->modem ? o->modem : "");
	v->next_at[v->n] = o->next_at;
	v->taken_until[v->n] = o->taken_until;
	v->n++;
	return 0;
}

/* A reply to a message in the inbox, of any kind (a keyword's, a
 * series', a survey's), takes the modem its message came in on. */
static int64_t
reply_to(struct store *s, const char *number, const char *modem)
{
	struct store_msg m;
	int64_t id;

	put(s, number, modem, 0, 1, 1, "in");
	assert_int_equal(store_msg_next(s, &m), 1);
	id = store_outbox_add(s, number, "c", STORE_OUT_REPLY, m.id, NOW);
	assert_int_equal(store_msg_handled(s, m.id, "x", NOW), 1);
	store_msg_free(&m);
	return id;
}

static void
test_outbox_claim(void **state)
{
	struct store *s = open_mem();
	struct seen v = { .n = 0 };
	int64_t a, b, c;
	int i;

	(void)state;
	a = store_outbox_add(s, "+97699000001", "a", STORE_OUT_MANUAL, 0, NOW);
	b = store_outbox_add(s, "+97688000001", "b", STORE_OUT_MANUAL, 0,
	    NOW - 5);
	c = reply_to(s, "+97691000001", "skytel");
	/* soonest due first */
	assert_int_equal(store_outbox_queued(s, 0, seen_out, &v), 0);
	assert_int_equal(v.n, 3);
	assert_int_equal(v.ids[0], b);
	assert_string_equal(v.modems[0], "");
	assert_string_equal(v.modems[2], "skytel");
	/* the first claim of an unassigned row wins, the second loses */
	assert_int_equal(store_outbox_claim(s, a, NULL, "mobicom", NOW), 1);
	assert_int_equal(store_outbox_claim(s, a, NULL, "unitel", NOW), 0);
	/* a row moves from skytel only while it still is skytel's */
	assert_int_equal(store_outbox_claim(s, c, "unitel", "mobicom", NOW), 0);
	assert_int_equal(store_outbox_claim(s, c, "skytel", "unitel", NOW), 1);
	assert_int_equal(store_outbox_claim(s, c, "skytel", "mobicom", NOW), 0);
	/* a sent row is nobody's to claim */
	assert_int_equal(store_outbox_sent(s, b, "12", NOW), 0);
	assert_int_equal(store_outbox_claim(s, b, NULL, "unitel", NOW), 0);
	v.n = 0;
	assert_int_equal(store_outbox_queued(s, 1, seen_out, &v), 0);
	assert_int_equal(v.n, 1);
	assert_int_equal(v.ids[0], a);
	assert_string_equal(v.modems[0], "mobicom");
	/* taken for a send: when it was due stays (a broadcast's slot) */
	assert_int_equal(store_outbox_claim(s, a, "mobicom", "mobicom",
	    NOW + 9), 1);
	v.n = 0;
	assert_int_equal(store_outbox_queued(s, 0, seen_out, &v), 0);
	assert_int_equal(v.n, 2);
	i = v.ids[0] == a ? 0 : 1;
	assert_int_equal(v.ids[i], a);
	assert_int_equal(v.next_at[i], NOW);
	assert_int_equal(v.taken_until[i], NOW + 9);
	/* a send that failed is no longer taken: its retry's time counts */
	assert_int_equal(store_outbox_retry(s, a, "refused", NOW + 4), 0);
	v.n = 0;
	assert_int_equal(store_outbox_queued(s, 0, seen_out, &v), 0);
	assert_int_equal(v.ids[1], a);
	assert_int_equal(v.next_at[1], NOW + 4);
	assert_int_equal(v.taken_until[1], 0);
	store_close(s);
}

struct deliveries {
	char what[4][16];
	int n;
};

static int
seen_delivery(void *arg, const struct store_out *o)
{
	struct deliveries *d = arg;

	snprintf(d->what[d->n++], sizeof(d->what[0]), "%s",
	    o->delivery ? o->delivery : "-");
	return 0;
}

/* Two modems each count their own references: a report that came in on
 * one marks only what that one sent. */
static void
test_delivery_by_modem(void **state)
{
	struct store *s = open_mem();
	struct deliveries d = { .n = 0 };
	int64_t a, b;

	(void)state;
	a = store_outbox_add(s, "+97699000001", "a", STORE_OUT_MANUAL, 0, NOW);
	b = store_outbox_add(s, "+97688000001", "b", STORE_OUT_MANUAL, 0, NOW);
	assert_int_equal(store_outbox_claim(s, a, NULL, "mobicom", NOW), 1);
	assert_int_equal(store_outbox_claim(s, b, NULL, "unitel", NOW), 1);
	assert_int_equal(store_outbox_sent(s, a, "12", NOW), 0);
	assert_int_equal(store_outbox_sent(s, b, "12", NOW + 1), 0);
	/* the newest with 12 is unitel's; the report came in on mobicom */
	assert_int_equal(store_outbox_delivery_via(s, "mobicom", 12, 0,
	    NOW + 2), 1);
	assert_int_equal(store_outbox_delivery_via(s, "skytel", 12, 1,
	    NOW + 2), 0);
	assert_int_equal(store_list_outbox(s, NULL, seen_delivery, &d), 0);
	assert_int_equal(d.n, 2);
	/* newest first: b, then a */
	assert_string_equal(d.what[0], "-");
	assert_string_equal(d.what[1], "failed");
	store_close(s);
}

struct rows {
	struct store_modem m[4];
	int n;
};

static int
seen_modem(void *arg, const struct store_modem *m)
{
	struct rows *r = arg;

	r->m[r->n++] = *m;
	return 0;
}

static void
test_modem_rows_and_sent_today(void **state)
{
	struct store *s = open_mem();
	struct store_modem_state st;
	struct rows r = { .n = 0 };
	int64_t id;
	int i;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.connected = 1;
	st.signal_dbm = -71;
	st.sim_used = 3;
	st.sim_total = 30;
	snprintf(st.operator_name, sizeof(st.operator_name), "Unitel");
	st.updated_at = NOW;
	assert_int_equal(store_modem_put(s, "unitel", &st, 0), 0);
	st.connected = 0;
	snprintf(st.last_error, sizeof(st.last_error), "open: no device");
	assert_int_equal(store_modem_put(s, "mobicom", &st, NOW - 60), 0);
	assert_int_equal(store_modem_put(s, "mobicom", &st, NOW - 30), 0);
	/* unitel: two sent today, one yesterday, one queued, one failed */
	for (i = 0; i < 5; i++) {
		id = store_outbox_add(s, "+97688000001", "t", STORE_OUT_MANUAL,
		    0, NOW);
		assert_int_equal(store_outbox_claim(s, id, NULL, "unitel",
		    NOW), 1);
		if (i < 2)
			assert_int_equal(store_outbox_sent(s, id, "1", NOW), 0);
		else if (i == 2)
			assert_int_equal(store_outbox_sent(s, id, "1",
			    NOW - 86400), 0);
		else if (i == 3)
			assert_int_equal(store_outbox_fail(s, id, "x", NOW), 0);
	}
	assert_int_equal(store_modem_sent(s, "unitel", NOW - 3600), 2);
	assert_int_equal(store_modem_sent(s, "mobicom", NOW - 3600), 0);
	assert_int_equal(store_modem_list(s, NOW - 3600, seen_modem, &r), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.m[0].name, "mobicom");
	assert_int_equal(r.m[0].down_since, NOW - 30);
	assert_int_equal(r.m[0].state.connected, 0);
	assert_string_equal(r.m[0].state.last_error, "open: no device");
	assert_int_equal(r.m[0].sent_today, 0);
	assert_string_equal(r.m[1].name, "unitel");
	assert_int_equal(r.m[1].state.connected, 1);
	assert_int_equal(r.m[1].state.signal_dbm, -71);
	assert_string_equal(r.m[1].state.operator_name, "Unitel");
	assert_int_equal(r.m[1].sent_today, 2);
	assert_int_equal(r.m[1].down_since, 0);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_message_has_its_modem),
		cmocka_unit_test(test_outbox_claim),
		cmocka_unit_test(test_modem_rows_and_sent_today),
		cmocka_unit_test(test_delivery_by_modem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
