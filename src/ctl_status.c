/*
 * ctl_status: shukherctl status, send and config check, the technician's
 * commands.
 *
 * status shows what the daemon last wrote about the modem (the CLI never
 * touches the modem itself: the daemon owns it) and the sizes of the
 * queues; send queues a message that the daemon sends like any other;
 * config check reads a config the way the daemon would and says what is
 * wrong with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistr.h>

#include "conf.h"
#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "store.h"
#include "text.h"

/* Longer than this since the daemon wrote its state: say it may be down. */
#define CTL_STALE_SECONDS 300

/* A word for a signal level in dBm; NULL when unknown (0). */
static const char *
ctl_signal_word(int dbm)
{
	if (dbm == 0)
		return NULL;
	if (dbm >= -70)
		return "excellent";
	if (dbm >= -85)
		return "good";
	if (dbm >= -100)
		return "fair";
	return "poor";
}

/* An integer member, or null when v equals unknown. */
static void
ctl_kv_int_or_null(struct json *j, const char *key, int v, int unknown)
{
	if (v == unknown)
		json_kv_null(j, key);
	else
		json_kv_int(j, key, v);
}

int
ctl_status_json(struct json *j, struct store *store,
    const struct store_modem_state *m, int reported,
    const struct store_counts *c, const struct ctl_modems *ms,
    const struct store_uplink_state *up, int64_t pending)
{
	int rc;

	json_object_begin(j);
	json_kv_bool(j, "reported", reported);
	if (reported)
		json_kv_bool(j, "connected", m->connected);
	else
		json_kv_null(j, "connected");
	ctl_json_time(j, "since", reported ? m->since : 0);
	json_kv_string(j, "operator_name", reported && m->operator_name[0] ?
	    m->operator_name : NULL);
	ctl_kv_int_or_null(j, "signal_dbm", reported ? m->signal_dbm : 0, 0);
	ctl_kv_int_or_null(j, "signal_percent",
	    reported ? m->signal_percent : -1, -1);
	json_kv_string(j, "signal_quality",
	    reported ? ctl_signal_word(m->signal_dbm) : NULL);
	ctl_kv_int_or_null(j, "sim_used", reported ? m->sim_used : -1, -1);
	ctl_kv_int_or_null(j, "sim_total",
	    reported && m->sim_used >= 0 ? m->sim_total : -1, -1);
	json_kv_string(j, "last_error", reported && m->last_error[0] ?
	    m->last_error : NULL);
	ctl_json_time(j, "last_error_at", reported ? m->last_error_at : 0);
	ctl_json_time(j, "updated_at", reported ? m->updated_at : 0);
	json_kv_int(j, "inbox_new", c->inbox_new);
	json_kv_int(j, "parts_pending", c->parts_pending);
	json_kv_int(j, "outbox_queued", c->outbox_queued);
	json_kv_int(j, "outbox_failed", c->outbox_failed);
	json_kv_int(j, "reports_open", c->reports_open);
	json_kv_int(j, "reports_urgent_open", c->reports_urgent_open);
	if (ms != NULL)
		ctl_modems_json(j, ms);
	if (up != NULL)
		json_kv_bool(j, "uplink_connected", up->connected);
	else
		json_kv_null(j, "uplink_connected");
	json_kv_int(j, "uplink_pending", pending);
	ctl_json_time(j, "uplink_last_ok", up != NULL ? up->last_ok : 0);
	rc = ctl_health_json(j, store);  /* src/ctl_health.c */
	json_object_end(j);
	return rc;
}

/* The uplink's line of the text status. */
static void
ctl_status_uplink(FILE *fp, const struct store_uplink_state *up, int known,
    int64_t pending)
{
	char at[CTL_TIME_LEN];

	if (!known) {
		if (pending > 0)
			fprintf(fp, "%-10s never connected, %lld events "
			    "pending\n", "uplink", (long long)pending);
		else
			fprintf(fp, "%-10s not running (no central server)\n",
			    "uplink");
		return;
	}
	fprintf(fp, "%-10s %s, %lld events pending, last ok %s\n", "uplink",
	    up->connected ? "connected" : "NOT CONNECTED", (long long)pending,
	    up->last_ok ? ctl_time_local(up->last_ok, at, sizeof(at)) :
	    "never");
}

/* The modem's lines of the text status. */
static void
ctl_status_modem(FILE *fp, const struct store_modem_state *m, int64_t now)
{
	char at[CTL_TIME_LEN], *s;
	const char *word;

	fprintf(fp, "%-10s last report %s (%lld min ago)%s\n", "daemon",
	    ctl_time_local(m->updated_at, at, sizeof(at)),
	    (long long)((now - m->updated_at) / 60),
	    now - m->updated_at > CTL_STALE_SECONDS ?
	    ": stale, is shukherd running?" : "");
	s = ctl_clean(m->operator_name, 0);
	fprintf(fp, "%-10s %s since %s%s%s\n", "modem",
	    m->connected ? "connected" : "NOT CONNECTED",
	    ctl_time_local(m->since, at, sizeof(at)),
	    s != NULL && s[0] != '\0' ? ", operator " : "", s ? s : "");
	free(s);
	if ((word = ctl_signal_word(m->signal_dbm)) == NULL)
		fprintf(fp, "%-10s unknown\n", "signal");
	else if (m->signal_percent >= 0)
		fprintf(fp, "%-10s %d dBm, %s (%d%%)\n", "signal",
		    m->signal_dbm, word, m->signal_percent);
	else
		fprintf(fp, "%-10s %d dBm, %s\n", "signal", m->signal_dbm,
		    word);
	if (m->sim_used < 0)
		fprintf(fp, "%-10s unknown\n", "SIM");
	else
		fprintf(fp, "%-10s %d of %d messages used%s\n", "SIM",
		    m->sim_used, m->sim_total,
		    m->sim_total > 0 && m->sim_used >= m->sim_total ?
		    ": FULL" : "");
	s = ctl_clean(m->last_error, 0);
	if (m->last_error[0] == '\0' || s == NULL)
		fprintf(fp, "%-10s none\n", "last error");
	else
		fprintf(fp, "%-10s %s %s\n", "last error",
		    ctl_time_local(m->last_error_at, at, sizeof(at)), s);
	free(s);
}

int
ctl_status(struct ctl *ctl, struct ctl_args *args)
{
	struct store_modem_state m;
	struct store_uplink_state up;
	struct store_counts c;
	struct ctl_modems ms;
	int64_t pending = 0;
	int reported, uplink, r;
	FILE *fp = ctl->out;

	memset(&m, 0, sizeof(m));
	if ((reported = store_modem_state_get(ctl->store, &m)) == -1 ||
	    store_counts(ctl->store, &c) == -1 ||
	    (uplink = store_uplink_state_get(ctl->store, &up)) == -1 ||
	    store_uplink_pending(ctl->store, &pending) == -1)
		return ctl_db_error(ctl);
	if ((r = ctl_modems_read(ctl->store, (int64_t)time(NULL), &ms)) < 0 ||
	    (r = ctl_modems_credit(ctl->store, ctl->conf != NULL ?
	    ctl->conf->modems[0].name : NULL, &ms)) < 0) {
		ctl_modems_free(&ms);
		if (r == -1)
			return ctl_db_error(ctl);
		ctl_err("out of memory");
		return EXIT_OSERR;
	}
	if (ctl->json != NULL) {
		r = ctl_status_json(ctl->json, ctl->store, &m, reported,
		    &c, &ms, uplink ? &up : NULL, pending);
		ctl_modems_free(&ms);
		return r < 0 ? ctl_db_error(ctl) : EXIT_OK;
	}
	if (reported)
		ctl_status_modem(fp, &m, (int64_t)time(NULL));
	else
		fprintf(fp, "%-10s daemon has not reported yet\n", "modem");
	ctl_modems_text(fp, &ms);
	ctl_modems_free(&ms);
	fprintf(fp, "%-10s %d new, %d parts of long messages waiting\n",
	    "inbox", c.inbox_new, c.parts_pending);
	fprintf(fp, "%-10s %d queued, %d failed\n", "outbox",
	    c.outbox_queued, c.outbox_failed);
	fprintf(fp, "%-10s %d open, %d of them urgent\n", "reports",
	    c.reports_open, c.reports_urgent_open);
	ctl_status_uplink(fp, &up, uplink, pending);
	if (ctl_health_text(fp, ctl->store, ctl->conf) < 0)
		return ctl_db_error(ctl);
	return EXIT_OK;
}

/* The words joined by single spaces. Caller frees; NULL: no memory. */
char *
ctl_join(char **words, int n)
{
	size_t len = 1, off = 0, w;
	char *s;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		w = strlen(words[i]);
		memcpy(s + off, words[i], w);
		off += w;
		if (i < n - 1)
			s[off++] = ' ';
	}
	s[off] = '\0';
	return s;
}

int
ctl_send(struct ctl *ctl, struct ctl_args *args)
{
	const char *number = args->rest[0];
	int64_t id;
	char *text;

	if (!text_number_ok(number, 3)) {
		ctl_err("send: not a phone number (+ and 3 to 20 digits): %s",
		    number);
		return EXIT_DATAERR;
	}
	if ((text = ctl_join(args->rest + 1, args->nrest - 1)) == NULL) {
		ctl_err("out of memory");
		return EXIT_OSERR;
	}
	if (text[strspn(text, " \t\r\n")] == '\0') {
		ctl_err("send: the text is empty");
		free(text);
		return EXIT_DATAERR;
	}
	if (u8_check((const uint8_t *)text, strlen(text)) != NULL) {
		ctl_err("send: the text is not valid UTF-8");
		free(text);
		return EXIT_DATAERR;
	}
	id = store_outbox_add(ctl->store, number, text, STORE_OUT_MANUAL, 0,
	    (int64_t)time(NULL));
	free(text);
	if (id < 0)
		return ctl_db_error(ctl);
	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_int(ctl->json, "id", id);
		json_kv_string(ctl->json, "number", number);
		json_kv_string(ctl->json, "state", "queued");
		json_kv_string(ctl->json, "kind", "manual");
		json_object_end(ctl->json);
	} else
		fprintf(ctl->out, "queued as message %lld\n", (long long)id);
	return EXIT_OK;
}
