/*
 * web_data: what the console's pages read and do to reports, behind one
 * interface with two implementations, the way modem_ops separates the
 * modem: web_data_local.c (the gateway's own SQLite database, through
 * store.h and casework.h) and web_data_central.c (the fleet's central
 * PostgreSQL, through central.h; chosen by web.source = "central").
 *
 * The pages never ask which one they have, except to show what only the
 * central one knows: a report's gateway, and the fleet. Accounts, the
 * vault of the caseworkers' key and the audit of sign-ins stay in the
 * console's own database either way (web_store()).
 *
 * Reports come as store_report whatever the source, sealed as they are
 * kept: the pages open them with the session's key (casework_open()), so
 * that neither source ever holds, nor is sent, a report's text in the
 * clear by the console.
 */
#ifndef SHUKHER_WEB_DATA_H
#define SHUKHER_WEB_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "casework.h"
#include "central.h"
#include "store.h"

#define WEB_GATEWAY_LEN 40       /* a gateway's name, NUL included */

/* A report as the console names it: its id, and centrally its gateway
 * (the id is then that gateway's sequence number of the report). */
struct web_rkey {
	int64_t id;
	char gateway[WEB_GATEWAY_LEN];   /* "" locally */
};

/* A row of the queue: r with its gateway (NULL locally). r's strings are
 * borrowed for the call. */
typedef int (*web_data_report_cb)(void *arg, const struct store_report *r,
    const char *gateway);

struct web_data;

struct web_data_ops {
	const char *name;        /* "local", "central" */
	int central;             /* 1: gateways to show (column, fleet) */

	/* Reports matching f (and gateway, NULL any), newest first, at
	 * most f->limit. Returns 0 or -1. */
	int (*reports)(struct web_data *d, const struct store_filter *f,
	    const char *gateway, web_data_report_cb cb, void *arg);
	/* How many reports match f but its status and limit (and gateway,
	 * NULL any), by status; the open ones unclaimed and urgent. Returns
	 * 0 or -1. */
	int (*counts)(struct web_data *d, const struct store_filter *f,
	    const char *gateway, struct central_counts *out);
	/* Report k into *r (free with store_report_free()), sealed as kept.
	 * Returns CW_OK, CW_NOTFOUND or CW_DB. */
	enum cw_err (*find)(struct web_data *d, struct casework *cw,
	    const struct web_rkey *k, struct store_report *r);
	/* k's timeline, oldest first, texts opened with cw's key
	 * (casework_timeline()'s contract). */
	enum cw_err (*timeline)(struct web_data *d, struct casework *cw,
	    const struct web_rkey *k, casework_entry_cb cb, void *arg);
	/* Counts per keyword per day (store_list_stats()'s contract), of
	 * gateway (NULL: all, summed). Returns 0 or -1. */
	int (*stats)(struct web_data *d, const char *since_day,
	    const char *until_day, const char *gateway, store_stat_cb cb,
	    void *arg);
	/* Each gateway's total count from since_day to until_day, in one
	 * query (central only; NULL locally). Returns 0 or -1. */
	int (*totals)(struct web_data *d, const char *since_day,
	    const char *until_day, central_total_cb cb, void *arg);
	/* Every gateway (central only; NULL locally). Returns 0 or -1. */
	int (*fleet)(struct web_data *d, int silent_after,
	    central_gateway_cb cb, void *arg);
	/* An action on report r (as find() gave it): "claim", "note",
	 * "reply", "close" with its text (note, reply) or outcome (close,
	 * NULL: none). Locally done at once through casework; centrally
	 * queued as a command for the report's gateway, its text sealed to
	 * that gateway's key (a reply's number opened with cw's key first).
	 * Returns CW_OK or why not. */
	enum cw_err (*act)(struct web_data *d, struct casework *cw,
	    const struct web_rkey *k, const struct store_report *r,
	    const char *action, const char *text);
	/* Why the last call failed (for the log: never a bound value). */
	const char *(*errmsg)(struct web_data *d);
	void (*close)(struct web_data *d);
};

/* A source: its operations and its own state. */
struct web_data {
	const struct web_data_ops *ops;
	void *impl;
};

/* The gateway's own database (store: the console's connection). NULL: no
 * memory. */
struct web_data *web_data_local(struct store *store);
/* The central database of cc; NULL with err filled when it cannot be
 * reached. A lost connection is made again at the next call. */
struct web_data *web_data_central(const struct conf_central *cc,
    char *err, size_t errlen);
void web_data_close(struct web_data *d);

#endif
