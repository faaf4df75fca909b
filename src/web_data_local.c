/*
 * web_data_local: the console's data from the gateway's own SQLite
 * database, through store.h and casework.h (the same code paths as
 * shukherctl). No gateway column, no fleet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casework.h"
#include "store.h"
#include "web_data.h"

/* What store_list_reports()'s callback carries. */
struct wdl_rows {
	web_data_report_cb cb;
	void *arg;
};

static int
wdl_row(void *arg, const struct store_report *r)
{
	struct wdl_rows *w = arg;

	return w->cb(w->arg, r, NULL);
}

static int
wdl_reports(struct web_data *d, const struct store_filter *f,
    const char *gateway, web_data_report_cb cb, void *arg)
{
	struct wdl_rows w = { cb, arg };

	(void)gateway;           /* one gateway: this one */
	return store_list_reports(d->impl, f, wdl_row, &w) < 0 ? -1 : 0;
}

static int
wdl_count(void *arg, const struct store_report *r)
{
	struct central_counts *c = arg;

	if (r->status != NULL && strcmp(r->status, "closed") == 0) {
		c->closed++;
		return 0;
	}
	c->open++;
	c->unclaimed += r->claimed_by == NULL;
	c->urgent += r->urgent != 0;
	return 0;
}

static int
wdl_counts(struct web_data *d, const struct store_filter *f,
    const char *gateway, struct central_counts *out)
{
	struct store_filter all = *f;

	(void)gateway;
	memset(out, 0, sizeof(*out));
	all.state = NULL;
	all.limit = 0;
	return store_list_reports(d->impl, &all, wdl_count, out) < 0 ? -1 : 0;
}

static enum cw_err
wdl_find(struct web_data *d, struct casework *cw, const struct web_rkey *k,
    struct store_report *r)
{
	char key[24];

	(void)d;
	snprintf(key, sizeof(key), "%lld", (long long)k->id);
	return casework_find(cw, key, r);
}

static enum cw_err
wdl_timeline(struct web_data *d, struct casework *cw,
    const struct web_rkey *k, casework_entry_cb cb, void *arg)
{
	(void)d;
	return casework_timeline(cw, k->id, cb, arg);
}

static int
wdl_stats(struct web_data *d, const char *since_day, const char *until_day,
    const char *gateway, store_stat_cb cb, void *arg)
{
	(void)gateway;
	return store_list_stats(d->impl, since_day, until_day, cb, arg) < 0 ?
	    -1 : 0;
}

static enum cw_err
wdl_act(struct web_data *d, struct casework *cw, const struct web_rkey *k,
    const struct store_report *r, const char *action, const char *text)
{
	(void)d;
	(void)k;
	if (strcmp(action, "claim") == 0)
		return casework_claim(cw, r);
	if (strcmp(action, "note") == 0)
		return casework_note(cw, r, text);
	if (strcmp(action, "reply") == 0)
		return casework_reply(cw, r, text, NULL);
	return casework_close(cw, r, text);
}

static const char *
wdl_errmsg(struct web_data *d)
{
	return store_errmsg(d->impl);
}

static void
wdl_close(struct web_data *d)
{
	free(d);                 /* the store is the console's */
}

static const struct web_data_ops web_data_local_ops = {
	.name = "local",
	.central = 0,
	.reports = wdl_reports,
	.counts = wdl_counts,
	.find = wdl_find,
	.timeline = wdl_timeline,
	.stats = wdl_stats,
	.totals = NULL,
	.fleet = NULL,
	.act = wdl_act,
	.errmsg = wdl_errmsg,
	.close = wdl_close,
};

struct web_data *
web_data_local(struct store *store)
{
	struct web_data *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->ops = &web_data_local_ops;
	d->impl = store;
	return d;
}

void
web_data_close(struct web_data *d)
{
	if (d != NULL)
		d->ops->close(d);
}
