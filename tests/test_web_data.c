/*
 * test_web_data: the console's data interface (src/web_data.h) over the
 * gateway's own database: what the pages read (the queue's rows, a report
 * and its timeline, the statistics) and do (claim, note, reply, close),
 * each as casework does it; and web_series_load_with() summing what a
 * source gives for one day and keyword more than once (several
 * gateways'). The central implementation is exercised against a real
 * PostgreSQL by tests/integration/test_central_web.py.
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

#include "casework.h"
#include "store.h"
#include "../src/web.h"
#include "../src/web_data.h"

struct fx {
	char dir[64], path[96];
	struct store *store;
	struct web_data *d;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_web_data.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/shukher.db", f->dir);
	if ((f->store = store_open(f->path, 1, err, sizeof(err))) == NULL)
		fail_msg("store_open: %s", err);
	assert_non_null(f->d = web_data_local(f->store));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[128];

	web_data_close(f->d);
	store_close(f->store);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

struct rows {
	int n, with_gateway;
	int64_t ids[8];
};

static int
row(void *arg, const struct store_report *r, const char *gateway)
{
	struct rows *w = arg;

	w->with_gateway += gateway != NULL;
	if (w->n < 8)
		w->ids[w->n] = r->id;
	w->n++;
	return 0;
}

static int
entry_kind(void *arg, const struct casework_entry *ce)
{
	char *kinds = arg;

	strcat(kinds, ce->e->kind);
	strcat(kinds, ce->text != NULL ? "+" : "-");
	strcat(kinds, " ");
	return 0;
}

static void
cw_init(struct fx *f, struct casework *cw)
{
	memset(cw, 0, sizeof(*cw));
	cw->store = f->store;
	cw->actor = "oyuna";
	cw->via = "web";
	cw->max_segments = 2;
}

/* The whole path of a report through the local source: listed, found,
 * claimed, noted, replied to, closed; every change once, in the
 * timeline, and refused once closed. */
static void
test_local_report_path(void **state)
{
	struct fx *f = *state;
	const struct web_data_ops *ops = f->d->ops;
	struct store_filter flt = { .urgent = -1 };
	struct store_report r;
	struct casework cw;
	struct web_rkey k;
	struct rows w = { 0 };
	struct central_counts c;
	char kinds[256] = "";
	int64_t id, other;

	assert_false(ops->central);
	assert_null(ops->fleet);
	id = store_report_add(f->store, "+97699113344", "a man keeps "
	    "passports", 1, 0, 1000, NULL, 0);
	other = store_report_add(f->store, "+97688225566", "gone to Macau",
	    0, 0, 2000, NULL, 0);
	assert_true(id > 0 && other > 0);
	assert_int_equal(ops->reports(f->d, &flt, NULL, row, &w), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.with_gateway, 0);    /* locally: no gateway */
	assert_int_equal(w.ids[0], other);      /* newest first */
	flt.urgent = 1;
	memset(&w, 0, sizeof(w));
	assert_int_equal(ops->reports(f->d, &flt, "ignored", row, &w), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.ids[0], id);

	cw_init(f, &cw);
	memset(&k, 0, sizeof(k));
	k.id = id + other + 10;                 /* none such */
	assert_int_equal(ops->find(f->d, &cw, &k, &r), CW_NOTFOUND);
	k.id = id;
	assert_int_equal(ops->find(f->d, &cw, &k, &r), CW_OK);
	assert_string_equal(r.text, "a man keeps passports");
	assert_int_equal(ops->act(f->d, &cw, &k, &r, "claim", NULL), CW_OK);
	store_report_free(&r);
	assert_int_equal(ops->find(f->d, &cw, &k, &r), CW_OK);
	assert_string_equal(r.claimed_by, "oyuna");
	assert_int_equal(ops->act(f->d, &cw, &k, &r, "claim", NULL),
	    CW_TAKEN);
	assert_int_equal(ops->act(f->d, &cw, &k, &r, "note", "called"),
	    CW_OK);
	assert_int_equal(ops->act(f->d, &cw, &k, &r, "reply", "stay safe"),
	    CW_OK);
	assert_int_equal(ops->act(f->d, &cw, &k, &r, "close", "referred"),
	    CW_OK);
	assert_int_equal(ops->act(f->d, &cw, &k, &r, "note", "late"),
	    CW_CLOSED);
	store_report_free(&r);
	assert_int_equal(ops->timeline(f->d, &cw, &k, entry_kind, kinds),
	    CW_OK);
	assert_string_equal(kinds, "claim- note+ reply+ close+ ");
	flt.urgent = -1;
	flt.state = "open";
	memset(&w, 0, sizeof(w));
	assert_int_equal(ops->reports(f->d, &flt, NULL, row, &w), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.ids[0], other);
	/* The queue's counts ignore the status and limit asked for. */
	flt.limit = 1;
	assert_int_equal(ops->counts(f->d, &flt, NULL, &c), 0);
	assert_int_equal(c.open, 1);
	assert_int_equal(c.closed, 1);
	assert_int_equal(c.unclaimed, 1);
	assert_int_equal(c.urgent, 0);
	flt.urgent = 1;
	assert_int_equal(ops->counts(f->d, &flt, NULL, &c), 0);
	assert_true(c.open == 0 && c.closed == 1);
	assert_string_equal(ops->name, "local");
}

/* A source that gives the same day and keyword twice, as the central
 * database gives one row per gateway: the series sums them. */
static int
twice(void *src, const char *since_day, const char *until_day,
    store_stat_cb cb, void *arg)
{
	(void)src;
	(void)since_day;
	(void)until_day;
	cb(arg, "2026-11-01", "help", 2);
	cb(arg, "2026-11-01", "help", 3);
	cb(arg, "2026-11-02", "job", 1);
	return 0;
}

static void
test_series_sums_sources(void **state)
{
	struct web_series s;

	(void)state;
	assert_int_equal(web_series_load_with(twice, NULL, NULL, NULL, &s), 0);
	assert_int_equal(s.ndays, 2);
	assert_int_equal(s.nkeywords, 2);
	assert_string_equal(s.keywords[0], "help");
	assert_int_equal(s.count[0], 5);
	assert_int_equal(s.count[1], 0);
	web_series_free(&s);
}

/* The statistics through the local source, of the one gateway. */
static int
stat_sum(void *arg, const char *day, const char *keyword, int count)
{
	(void)day;
	(void)keyword;
	*(int *)arg += count;
	return 0;
}

static void
test_local_stats(void **state)
{
	struct fx *f = *state;
	int sum = 0;

	assert_int_equal(store_stat_bump(f->store, "2026-11-01", "help"), 0);
	assert_int_equal(store_stat_bump(f->store, "2026-11-02", "help"), 0);
	assert_int_equal(f->d->ops->stats(f->d, "2026-11-02", NULL, NULL,
	    stat_sum, &sum), 0);
	assert_int_equal(sum, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_local_report_path, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_local_stats, setup,
		    teardown),
		cmocka_unit_test(test_series_sums_sources),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
