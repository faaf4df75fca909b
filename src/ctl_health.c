/*
 * ctl_health: the gateway's health in shukherctl status: each SIM's credit
 * as the daemon last read it by USSD (the first modem's at the top level
 * of --json, each modem's in its modems[] entry: src/ctl_modems.c), and
 * the open health conditions (include/health.h), in text and JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctl.h"
#include "json.h"
#include "store.h"
#include "store_health.h"

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

	if (store_credit_get(store, NULL, 1, &c) < 0)   /* the first's */
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

/* The credit lines of a modem: mc (NULL: the conf is unknown; the
 * first modem's), first its conf's first, several whether the lines name
 * it. */
static int
ctl_health_credit(FILE *fp, struct store *store, const struct conf_modem *mc,
    int first, int several)
{
	struct store_credit c;
	char at[CTL_TIME_LEN], *err, head[48];

	if (store_credit_get(store, mc != NULL ? mc->name : NULL, first,
	    &c) < 0)
		return -1;
	snprintf(head, sizeof(head), "%s%s%s", several ? "modem " : "",
	    several ? mc->name : "", several ? ": " : "");
	if (c.known)
		fprintf(fp, "%-10s %s%lld at %s%s\n", "credit", head,
		    (long long)c.amount, ctl_time_local(c.at, at, sizeof(at)),
		    mc != NULL && mc->balance.ussd != NULL &&
		    c.amount < mc->balance.low ? ": LOW, top up" : "");
	else if (c.checked_at > 0)
		fprintf(fp, "%-10s %sunknown\n", "credit", head);
	if (c.error[0] != '\0' && (err = ctl_clean(c.error, 0)) != NULL) {
		fprintf(fp, "%-10s %slast check %s failed: %s\n", "", head,
		    ctl_time_local(c.checked_at, at, sizeof(at)), err);
		free(err);
	}
	return 0;
}

int
ctl_health_text(FILE *fp, struct store *store, const struct conf *conf)
{
	struct ctl_health_list l = { NULL, fp, 0 };
	size_t i;

	if (conf == NULL && ctl_health_credit(fp, store, NULL, 1, 0) < 0)
		return -1;
	for (i = 0; conf != NULL && i < conf->nmodems; i++)
		if (ctl_health_credit(fp, store, &conf->modems[i], i == 0,
		    conf->nmodems > 1) < 0)
			return -1;
	if (store_health_list_open(store, ctl_health_row, &l) < 0)
		return -1;
	if (l.n == 0)
		fprintf(fp, "%-10s no open condition\n", "health");
	return 0;
}
