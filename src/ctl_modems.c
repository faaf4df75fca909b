/*
 * ctl_modems: the modems' rows (schema 10) as shukherctl status shows
 * them: one line per modem in text, and the "modems" array of --json
 * (name, connected, operator, signal_dbm, sim_used, sim_total,
 * sent_today, last_error, and when it last reported and since when it
 * has been down; credit and credit_at when ctl_modems_credit() read
 * them). With a single modem the text shows nothing more than
 * before: its lines are the modem's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "day.h"
#include "json.h"
#include "store.h"
#include "store_health.h"

static int
ctl_modems_add(void *arg, const struct store_modem *m)
{
	struct ctl_modems *ms = arg;
	struct store_modem *grown;

	if (ms->n == ms->cap) {
		ms->cap = ms->cap ? ms->cap * 2 : 4;
		if ((grown = realloc(ms->m, ms->cap * sizeof(*grown))) ==
		    NULL) {
			ms->oom = 1;
			return 1;
		}
		ms->m = grown;
	}
	ms->m[ms->n++] = *m;
	return 0;
}

int
ctl_modems_read(struct store *store, int64_t now, struct ctl_modems *ms)
{
	memset(ms, 0, sizeof(*ms));
	if (store_modem_list(store, day_midnight(now), ctl_modems_add, ms) < 0)
		return -1;
	return ms->oom ? -2 : 0;
}

int
ctl_modems_credit(struct store *store, const char *first,
    struct ctl_modems *ms)
{
	size_t i;

	free(ms->credit);
	if ((ms->credit = calloc(ms->n + 1, sizeof(*ms->credit))) == NULL)
		return -2;
	for (i = 0; i < ms->n; i++)
		if (store_credit_get(store, ms->m[i].name, first != NULL &&
		    strcmp(first, ms->m[i].name) == 0, &ms->credit[i]) < 0)
			return -1;
	return 0;
}

void
ctl_modems_free(struct ctl_modems *ms)
{
	free(ms->credit);
	free(ms->m);
	memset(ms, 0, sizeof(*ms));
}

void
ctl_modems_json(struct json *j, const struct ctl_modems *ms)
{
	const struct store_modem *m;
	size_t i;

	json_key(j, "modems");
	json_array_begin(j);
	for (i = 0; i < ms->n; i++) {
		m = &ms->m[i];
		json_object_begin(j);
		json_kv_string(j, "name", m->name);
		json_kv_bool(j, "connected", m->state.connected);
		json_kv_string(j, "operator", m->state.operator_name[0] ?
		    m->state.operator_name : NULL);
		if (m->state.signal_dbm == 0)
			json_kv_null(j, "signal_dbm");
		else
			json_kv_int(j, "signal_dbm", m->state.signal_dbm);
		if (m->state.sim_used < 0) {
			json_kv_null(j, "sim_used");
			json_kv_null(j, "sim_total");
		} else {
			json_kv_int(j, "sim_used", m->state.sim_used);
			json_kv_int(j, "sim_total", m->state.sim_total);
		}
		json_kv_int(j, "sent_today", m->sent_today);
		json_kv_string(j, "last_error", m->state.last_error[0] ?
		    m->state.last_error : NULL);
		ctl_json_time(j, "updated_at", m->state.updated_at);
		ctl_json_time(j, "down_since", m->down_since);
		if (ms->credit != NULL && ms->credit[i].known) {
			json_kv_int(j, "credit", ms->credit[i].amount);
			ctl_json_time(j, "credit_at", ms->credit[i].at);
		} else {
			json_kv_null(j, "credit");
			json_kv_null(j, "credit_at");
		}
		json_object_end(j);
	}
	json_array_end(j);
}

void
ctl_modems_text(FILE *fp, const struct ctl_modems *ms)
{
	const struct store_modem *m;
	char *op, *err, at[CTL_TIME_LEN];
	size_t i;

	if (ms->n < 2)
		return;
	for (i = 0; i < ms->n; i++) {
		m = &ms->m[i];
		op = ctl_clean(m->state.operator_name, 0);
		err = ctl_clean(m->state.last_error, 0);
		fprintf(fp, "%-10s %s: %s%s%s, ", "modem", m->name,
		    m->state.connected ? "connected" : "NOT CONNECTED",
		    op != NULL && op[0] != '\0' ? ", " : "", op ? op : "");
		if (m->state.signal_dbm != 0)
			fprintf(fp, "%d dBm, ", m->state.signal_dbm);
		if (m->state.sim_used >= 0)
			fprintf(fp, "SIM %d of %d, ", m->state.sim_used,
			    m->state.sim_total);
		fprintf(fp, "%d sent today", m->sent_today);
		if (ms->credit != NULL && ms->credit[i].known)
			fprintf(fp, ", credit %lld",
			    (long long)ms->credit[i].amount);
		if (m->down_since != 0)
			fprintf(fp, ", down since %s", ctl_time_local(
			    m->down_since, at, sizeof(at)));
		if (err != NULL && err[0] != '\0')
			fprintf(fp, "; last error: %s", err);
		fputc('\n', fp);
		free(op);
		free(err);
	}
}
