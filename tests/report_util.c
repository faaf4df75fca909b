/*
 * report_util: what the reporting tests (test_report*.c) share: a
 * database, a config and a key, messages stored as the modem delivers them
 * and handled, what went out (report_util.h).
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

#include "conf.h"
#include "report.h"
#include "route.h"
#include "seal.h"
#include "store.h"

#include "report_util.h"

int
ru_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	assert_non_null(f);
	if (conf_load("tests/data/report.conf", &f->conf, err,
	    sizeof(err)) < 0)
		fail_msg("conf: %s", err);
	if ((f->store = store_open(":memory:", 1, err, sizeof(err))) == NULL)
		fail_msg("store: %s", err);
	if (seal_load_secret("tests/data/report.key", &f->sec, err,
	    sizeof(err)) < 0)
		fail_msg("key: %s", err);
	assert_non_null(f->got = calloc(1, sizeof(*f->got)));
	*state = f;
	return 0;
}

int
ru_teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->store);
	conf_free(f->conf);
	seal_sec_wipe(&f->sec);
	free(f->got);
	free(f);
	return 0;
}

/* Stores text from sender as one SMS sent at at, handles all waiting. */
void
ru_receive(struct fixture *f, const char *sender, const char *text, int64_t at)
{
	struct store_part p = {
		.sender = sender, .sent_at = at, .part_no = 1,
		.part_count = 1, .text = text,
	};

	assert_int_equal(store_put_part(f->store, &p, at), 1);
	while (route_handle_next(f->store, f->conf, at) == 1)
		;
}

int
ru_sent_row(void *arg, const struct store_out *o)
{
	struct sent *s = arg;

	if (strcmp(s->number, o->number) != 0)
		return 0;
	if (s->n++ == 0)        /* newest first */
		snprintf(s->last, sizeof(s->last), "%s", o->text);
	return 0;
}

struct sent
ru_sent_to(struct fixture *f, const char *number)
{
	struct store_filter all = { .urgent = -1 };
	struct sent s = { .number = number };

	assert_int_equal(store_list_outbox(f->store, &all, ru_sent_row, &s), 0);
	return s;
}

/*
 * The gateway's turn at at: every due message is "sent" (what the phones
 * receive goes into f->got), then the periodic work, which blanks the
 * number and text of every report SMS sent. Returns how many were sent.
 */
int
ru_deliver(struct fixture *f, int64_t at)
{
	struct store_out o;
	int n = 0;

	while (store_outbox_next(f->store, at, &o) == 1) {
		assert_true(f->got->n < PHONE_LOG);
		snprintf(f->got->number[f->got->n], 24, "%s", o.number);
		snprintf(f->got->text[f->got->n], 256, "%s", o.text);
		f->got->at[f->got->n] = at;
		f->got->n++;
		n++;
		assert_int_equal(store_outbox_sent(f->store, o.id, "1", at), 0);
		store_out_free(&o);
	}
	assert_int_equal(report_tick(f->store, f->conf, at), 0);
	return n;
}

/* How many messages number received (ru_deliver()) holding needle (NULL:
 * any). */
int
ru_got(struct fixture *f, const char *number, const char *needle)
{
	int i, n = 0;

	for (i = 0; i < f->got->n; i++)
		if (strcmp(f->got->number[i], number) == 0 &&
		    (needle == NULL || strstr(f->got->text[i], needle) != NULL))
			n++;
	return n;
}

/* The reference at the end of the newest reply to number ("... #REF"). */
void
ru_ref_of_reply(struct fixture *f, const char *number, char *ref, size_t len)
{
	struct sent s = ru_sent_to(f, number);
	const char *hash = strrchr(s.last, '#');

	if (hash == NULL)
		fail_msg("no reference in \"%s\"", s.last);
	snprintf(ref, len, "%s", hash + 1);
}

int
ru_timeline_row(void *arg, const struct store_report_entry *e)
{
	struct timeline *t = arg;
	char *plain;

	snprintf(t->kinds + strlen(t->kinds), sizeof(t->kinds) -
	    strlen(t->kinds), "%s%s", t->kinds[0] ? "," : "", e->kind);
	if (e->actor != NULL)
		snprintf(t->actors + strlen(t->actors), sizeof(t->actors) -
		    strlen(t->actors), "%s%s", t->actors[0] ? "," : "",
		    e->actor);
	if (e->body == NULL)
		return 0;
	assert_non_null(e->key_id);     /* sealed */
	plain = seal_open(&t->f->sec, e->body, e->body_len, NULL);
	assert_non_null(plain);
	snprintf(t->bodies + strlen(t->bodies), sizeof(t->bodies) -
	    strlen(t->bodies), "%s|", plain);
	seal_free(plain);
	return 0;
}

struct timeline
ru_timeline_of(struct fixture *f, const char *ref)
{
	struct timeline t;
	struct store_report r;

	memset(&t, 0, sizeof(t));
	t.f = f;
	assert_int_equal(store_report_find(f->store, ref, &r), 1);
	assert_int_equal(store_report_entries(f->store, r.id, ru_timeline_row,
	    &t), 0);
	store_report_free(&r);
	return t;
}

int
ru_inbox_row(void *arg, const struct store_msg *m)
{
	struct inbox *in = arg;

	in->n++;
	if (strstr(m->text, in->needle) != NULL ||
	    strstr(m->sender, in->needle) != NULL)
		in->clear++;
	return 0;
}

struct inbox
ru_inbox_with(struct fixture *f, const char *needle)
{
	struct inbox in = { .needle = needle };

	assert_int_equal(store_list_inbox(f->store, NULL, ru_inbox_row, &in), 0);
	return in;
}

int
ru_open_reports(struct fixture *f)
{
	struct store_counts c;

	assert_int_equal(store_counts(f->store, &c), 0);
	return c.reports_open;
}
