/*
 * web_data_central: the console's data from the fleet's central
 * PostgreSQL (central.h), for web.source = "central". Reports are read as
 * the gateways sent them, sealed, and opened by the pages with the
 * session's key; caseworkers' actions become commands for the report's
 * gateway (central_command_sealed(), as `shukherctl central command`
 * makes them), so that nothing is written to PostgreSQL in the clear and
 * the change itself is the gateway's, through its casework, once its
 * uplink applies it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "casework.h"
#include "central.h"
#include "conf.h"
#include "web_data.h"

struct wdc {
	const struct conf_central *cc;
	struct central *c;       /* NULL: to connect at the next call */
	char err[512];
};

/* The connection, made again when it was lost. NULL with d's err. */
static struct central *
wdc_conn(struct web_data *d)
{
	struct wdc *w = d->impl;

	if (w->c != NULL && central_broken(w->c)) {
		central_close(w->c);
		w->c = NULL;
	}
	if (w->c == NULL)
		w->c = central_connect(w->cc, CENTRAL_CLIENT, w->err,
		    sizeof(w->err));
	return w->c;
}

/* Keeps why the last call failed. Returns -1. */
static int
wdc_fail(struct web_data *d)
{
	struct wdc *w = d->impl;

	if (w->c != NULL)
		snprintf(w->err, sizeof(w->err), "%s", central_errmsg(w->c));
	return -1;
}

/* A central report as a store_report whose fields are borrowed from r. */
static void
wdc_borrow(const struct central_report *r, struct store_report *out)
{
	memset(out, 0, sizeof(*out));
	out->id = r->seq;
	snprintf(out->ref, sizeof(out->ref), "%s", r->ref);
	out->status = (char *)(uintptr_t)r->status;
	out->urgent = r->urgent;
	out->created_at = r->created_at;
	out->closed_at = r->closed_at;
	out->claimed_at = r->claimed_at;
	out->claimed_by = (char *)(uintptr_t)r->claimed_by;
	out->sealed = (unsigned char *)(uintptr_t)r->sealed;
	out->sealed_len = r->sealed_len;
	snprintf(out->key_id, sizeof(out->key_id), "%s", r->key_id != NULL ?
	    r->key_id : "");
}

/* What central_report_list()'s callback carries. */
struct wdc_rows {
	web_data_report_cb cb;
	void *arg;
};

static int
wdc_row(void *arg, const struct central_report *r)
{
	struct wdc_rows *w = arg;
	struct store_report s;

	wdc_borrow(r, &s);
	return w->cb(w->arg, &s, r->gateway);
}

static int
wdc_reports(struct web_data *d, const struct store_filter *f,
    const char *gateway, web_data_report_cb cb, void *arg)
{
	struct central_query_filter q;
	struct wdc_rows w = { cb, arg };
	struct central *c;

	if ((c = wdc_conn(d)) == NULL)
		return -1;
	memset(&q, 0, sizeof(q));
	q.status = f->state;
	q.gateway = gateway;
	q.urgent = f->urgent;
	q.since = f->since;
	q.limit = f->limit;
	return central_report_list(c, &q, wdc_row, &w) < 0 ? wdc_fail(d) : 0;
}

static int
wdc_counts(struct web_data *d, const struct store_filter *f,
    const char *gateway, struct central_counts *out)
{
	struct central_query_filter q;
	struct central *c;

	memset(out, 0, sizeof(*out));
	if ((c = wdc_conn(d)) == NULL)
		return -1;
	memset(&q, 0, sizeof(q));
	q.gateway = gateway;
	q.urgent = f->urgent;
	q.since = f->since;
	return central_report_counts(c, &q, out) < 0 ? wdc_fail(d) : 0;
}

/* What find's callback fills: an owned copy. */
struct wdc_found {
	struct store_report *r;
	int oom;
};

static int
wdc_found(void *arg, const struct central_report *r)
{
	struct wdc_found *f = arg;
	struct store_report b;

	wdc_borrow(r, &b);
	*f->r = b;
	f->r->status = f->r->claimed_by = NULL;
	f->r->sealed = NULL;
	f->r->sealed_len = 0;
	/* Centrally there is no clear text to show: "" until opened. */
	if ((f->r->number = strdup("")) == NULL ||
	    (f->r->text = strdup("")) == NULL ||
	    (f->r->status = strdup(r->status)) == NULL ||
	    (r->claimed_by != NULL &&
	    (f->r->claimed_by = strdup(r->claimed_by)) == NULL) ||
	    (r->sealed != NULL &&
	    (f->r->sealed = malloc(r->sealed_len)) == NULL)) {
		f->oom = 1;
		return 1;
	}
	if (r->sealed != NULL) {
		memcpy(f->r->sealed, r->sealed, r->sealed_len);
		f->r->sealed_len = r->sealed_len;
	}
	return 1;
}

static enum cw_err
wdc_find(struct web_data *d, struct casework *cw, const struct web_rkey *k,
    struct store_report *r)
{
	struct wdc_found f = { r, 0 };
	struct central *c;
	int n;

	(void)cw;
	memset(r, 0, sizeof(*r));
	if (k->gateway[0] == '\0')
		return CW_NOTFOUND;      /* centrally a report is a gateway's */
	if ((c = wdc_conn(d)) == NULL)
		return CW_DB;
	if ((n = central_report_get(c, k->gateway, k->id, wdc_found, &f)) < 0)
		return wdc_fail(d), CW_DB;
	if (f.oom) {
		store_report_free(r);
		return CW_NOMEM;
	}
	return n == 0 ? CW_NOTFOUND : CW_OK;
}

/* What the timeline's callback carries. */
struct wdc_tl {
	struct casework *cw;
	int64_t seq;
	casework_entry_cb cb;
	void *arg;
	enum cw_err err;
};

static int
wdc_entry(void *arg, const struct central_entry *ce)
{
	struct wdc_tl *t = arg;
	struct store_report_entry e;
	int stop = 0;

	memset(&e, 0, sizeof(e));
	e.report_id = t->seq;
	e.at = ce->at;
	e.kind = ce->kind;
	e.actor = ce->actor;
	e.body = ce->body;
	e.body_len = ce->body_len;
	e.key_id = ce->key_id;
	if ((t->err = casework_entry(t->cw, &e, t->cb, t->arg, &stop)) !=
	    CW_OK)
		return 1;
	return stop;
}

static enum cw_err
wdc_timeline(struct web_data *d, struct casework *cw,
    const struct web_rkey *k, casework_entry_cb cb, void *arg)
{
	struct wdc_tl t = { cw, k->id, cb, arg, CW_OK };
	struct central *c;

	if ((c = wdc_conn(d)) == NULL)
		return CW_DB;
	if (central_entries(c, k->gateway, k->id, wdc_entry, &t) < 0)
		return wdc_fail(d), CW_DB;
	return t.err;
}

static int
wdc_stats(struct web_data *d, const char *since_day, const char *until_day,
    const char *gateway, store_stat_cb cb, void *arg)
{
	struct central *c;

	if ((c = wdc_conn(d)) == NULL)
		return -1;
	return central_stats(c, since_day, until_day, gateway, cb, arg) < 0 ?
	    wdc_fail(d) : 0;
}

static int
wdc_totals(struct web_data *d, const char *since_day, const char *until_day,
    central_total_cb cb, void *arg)
{
	struct central *c;

	if ((c = wdc_conn(d)) == NULL)
		return -1;
	return central_gateway_totals(c, since_day, until_day, cb, arg) < 0 ?
	    wdc_fail(d) : 0;
}

static int
wdc_fleet(struct web_data *d, int silent_after, central_gateway_cb cb,
    void *arg)
{
	struct central *c;

	if ((c = wdc_conn(d)) == NULL)
		return -1;
	return central_fleet(c, silent_after, cb, arg) < 0 ? wdc_fail(d) : 0;
}

static enum cw_err
wdc_act(struct web_data *d, struct casework *cw, const struct web_rkey *k,
    const struct store_report *r, const char *action, const char *text)
{
	struct central *c;
	char *body = NULL, detail[96];
	const char *plain = text != NULL && text[0] != '\0' ? text : NULL;
	enum cw_err err;
	int64_t id = 0;
	int rc;

	/* Every command is boxed with the unlocked key, the one the report
	 * was sealed to: its gateway applies nothing else. */
	if (cw->sec == NULL)
		return CW_LOCKED;
	if ((err = (enum cw_err)central_command_check(r->status,
	    r->claimed_by != NULL, action, text, cw->max_segments)) != CW_OK)
		return err;
	if (strcmp(r->key_id, cw->sec->id) != 0)
		return CW_WRONGKEY;
	if (strcmp(action, "claim") == 0)
		plain = NULL;
	if (strcmp(action, "reply") == 0) {
		if ((body = central_reply_body(cw->sec, r->sealed,
		    r->sealed_len, text)) == NULL)
			return r->sealed == NULL ? CW_NONUMBER : CW_WRONGKEY;
		plain = body;
	}
	if ((c = wdc_conn(d)) == NULL)
		rc = -1;
	else if ((rc = central_command_sealed(c, k->gateway, r->ref, action,
	    plain, cw->sec, &id)) < 0)
		wdc_fail(d);
	if (body != NULL)
		sodium_free(body);
	if (rc < 0)
		return CW_DB;
	/* The console's own audit: who asked what of which gateway. */
	snprintf(detail, sizeof(detail), "%s %s %s command %lld", k->gateway,
	    r->ref, action, (long long)id);
	return casework_audit_detail(cw, "central-command", 0, detail);
}

static const char *
wdc_errmsg(struct web_data *d)
{
	return ((struct wdc *)d->impl)->err;
}

static void
wdc_close(struct web_data *d)
{
	struct wdc *w = d->impl;

	if (w->c != NULL)
		central_close(w->c);
	free(w);
	free(d);
}

static const struct web_data_ops web_data_central_ops = {
	.name = "central",
	.central = 1,
	.reports = wdc_reports,
	.counts = wdc_counts,
	.find = wdc_find,
	.timeline = wdc_timeline,
	.stats = wdc_stats,
	.totals = wdc_totals,
	.fleet = wdc_fleet,
	.act = wdc_act,
	.errmsg = wdc_errmsg,
	.close = wdc_close,
};

struct web_data *
web_data_central(const struct conf_central *cc, char *err, size_t errlen)
{
	struct web_data *d;
	struct wdc *w;

	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (w = calloc(1, sizeof(*w))) == NULL) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->cc = cc;
	d->ops = &web_data_central_ops;
	d->impl = w;
	if (wdc_conn(d) == NULL) {
		snprintf(err, errlen, "%s", w->err);
		wdc_close(d);
		return NULL;
	}
	return d;
}
