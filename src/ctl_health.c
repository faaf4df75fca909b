/*
 * ctl_health: the gateway's health in shukherctl status: the SIM's credit
 * as the daemon last read it by USSD, and the open health conditions
 * (include/health.h), in text and JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctl.h"
#include "json.h"
#include "store.h"

/* The open conditions into a JSON array, or a text line each. */
struct ctl_health_list {
	struct json *json;
	FILE *fp;
	int n;
};

static int
ctl_health_row(void *arg, const struct store_health *h)
{
	struct ctl_health_list *l = arg;
	char at[CTL_TIME_LEN], *detail;

	l->n++;
	if (l->json != NULL) {
		json_object_begin(l->json);
		json_kv_string(l->json, "name", h->name);
		ctl_json_time(l->json, "since", h->since);
		json_kv_string(l->json, "detail", h->detail[0] ? h->detail :
		    NULL);
		json_kv_bool(l->json, "alerted", h->told);
		json_object_end(l->json);
		return 0;
	}
	detail = ctl_clean(h->detail, 0);
	fprintf(l->fp, "%-10s %s since %s%s%s%s\n", l->n == 1 ? "health" : "",
	    h->name, ctl_time_local(h->since, at, sizeof(at)),
	    detail != NULL && detail[0] ? " (" : "", detail ? detail : "",
	    detail != NULL && detail[0] ? ")" : "");
	free(detail);
	return 0;
}

int
ctl_health_json(struct json *j, struct store *store)
{
	struct ctl_health_list l = { j, NULL, 0 };
	struct store_credit c;

	if (store_credit_get(store, &c) < 0)
		return -1;
	if (c.known)
		json_kv_int(j, "credit", c.amount);
	else
		json_kv_null(j, "credit");
	ctl_json_time(j, "credit_at", c.known ? c.at : 0);
	json_kv_string(j, "credit_answer", c.answer[0] ? c.answer : NULL);
	json_kv_string(j, "credit_error", c.error[0] ? c.error : NULL);
	ctl_json_time(j, "credit_checked_at", c.checked_at);
	json_key(j, "open_conditions");
	json_array_begin(j);
	if (store_health_list_open(store, ctl_health_row, &l) < 0)
		return -1;
	json_array_end(j);
	return 0;
}

int
ctl_health_text(FILE *fp, struct store *store, const struct conf *conf)
{
	struct ctl_health_list l = { NULL, fp, 0 };
	struct store_credit c;
	char at[CTL_TIME_LEN], *err;

	if (store_credit_get(store, &c) < 0)
		return -1;
	if (c.known)
		fprintf(fp, "%-10s %lld at %s%s\n", "credit",
		    (long long)c.amount, ctl_time_local(c.at, at, sizeof(at)),
		    conf != NULL && conf->modem.balance.ussd != NULL &&
		    c.amount < conf->modem.balance.low ? ": LOW, top up" : "");
	else if (c.checked_at > 0)
		fprintf(fp, "%-10s unknown\n", "credit");
	if (c.error[0] != '\0' && (err = ctl_clean(c.error, 0)) != NULL) {
		fprintf(fp, "%-10s last check %s failed: %s\n", "",
		    ctl_time_local(c.checked_at, at, sizeof(at)), err);
		free(err);
	}
	if (store_health_list_open(store, ctl_health_row, &l) < 0)
		return -1;
	if (l.n == 0)
		fprintf(fp, "%-10s no open condition\n", "health");
	return 0;
}
