/*
 * ctl_report: shukherctl reports list, show and close, the caseworker's
 * queue.
 *
 * A report is found by its number or by the short reference the reporter
 * was texted; both are what a caseworker has at hand. Closing is the one
 * change a caseworker makes here, and it is refused for a report that is
 * already closed so that a first outcome is never overwritten.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "store.h"

static void
ctl_report_json(struct json *j, const struct store_report *r)
{
	json_object_begin(j);
	json_kv_int(j, "id", r->id);
	json_kv_string(j, "ref", r->ref);
	json_kv_string(j, "number", r->number);
	json_kv_string(j, "text", r->text);
	json_kv_string(j, "status", r->status);
	json_kv_bool(j, "urgent", r->urgent);
	if (r->message_id > 0)
		json_kv_int(j, "message_id", r->message_id);
	else
		json_kv_null(j, "message_id");
	ctl_json_time(j, "created_at", r->created_at);
	ctl_json_time(j, "closed_at", r->closed_at);
	json_kv_string(j, "outcome", r->outcome);
	json_object_end(j);
}

static int
ctl_report_row(void *arg, const struct store_report *r)
{
	struct ctl *ctl = arg;
	char id[24], at[CTL_TIME_LEN];
	const char *cells[7];

	if (ctl->json != NULL) {
		ctl_report_json(ctl->json, r);
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	cells[0] = id;
	cells[1] = r->ref;
	cells[2] = ctl_time_local(r->created_at, at, sizeof(at));
	cells[3] = r->number;
	cells[4] = r->status;
	cells[5] = r->urgent ? "URGENT" : "";
	cells[6] = r->text;
	return ctl_list_row(ctl, cells);
}

int
ctl_reports_list(struct ctl *ctl, struct ctl_args *args)
{
	static const char *const headers[] = {
		"ID", "REF", "FILED", "NUMBER", "STATUS", "URGENT", "TEXT"
	};
	int rc;

	if ((rc = ctl_list_begin(ctl, headers, 7)) != 0)
		return rc;
	rc = store_list_reports(ctl->store, &args->filter, ctl_report_row,
	    ctl);
	return ctl_list_end(ctl, rc, "no reports");
}

/*
 * Finds the report key names. Returns EXIT_OK with *r filled (free with
 * store_report_free()), or the exit code after saying why.
 */
static int
ctl_report_get(struct ctl *ctl, const char *key, struct store_report *r)
{
	switch (store_report_find(ctl->store, key, r)) {
	case 1:
		return EXIT_OK;
	case 0:
		ctl_err("no report %s", key);
		return EXIT_FAIL;
	}
	return ctl_db_error(ctl);
}

/* Prints label and a cleaned value, or "-" for NULL or "". */
static void
ctl_show_line(FILE *fp, const char *label, const char *value)
{
	char *clean = NULL;

	if (value != NULL && value[0] != '\0')
		clean = ctl_clean(value, 0);
	fprintf(fp, "%-10s %s\n", label, clean != NULL ? clean : "-");
	free(clean);
}

/* The whole report as text; its text and outcome are never cut. */
static void
ctl_report_print(FILE *fp, const struct store_report *r)
{
	char buf[64], at[CTL_TIME_LEN], *text;

	snprintf(buf, sizeof(buf), "%lld", (long long)r->id);
	ctl_show_line(fp, "report", buf);
	ctl_show_line(fp, "ref", r->ref);
	snprintf(buf, sizeof(buf), "%s%s", r->status ? r->status : "?",
	    r->urgent ? ", URGENT" : "");
	ctl_show_line(fp, "status", buf);
	ctl_show_line(fp, "number", r->number);
	ctl_show_line(fp, "filed", ctl_time_local(r->created_at, at,
	    sizeof(at)));
	ctl_show_line(fp, "closed", ctl_time_local(r->closed_at, at,
	    sizeof(at)));
	ctl_show_line(fp, "outcome", r->outcome);
	if (r->message_id > 0) {
		snprintf(buf, sizeof(buf), "%lld (shukherctl inbox)",
		    (long long)r->message_id);
		ctl_show_line(fp, "message", buf);
	}
	fprintf(fp, "\n");
	if ((text = ctl_clean(r->text ? r->text : "", 1)) != NULL)
		fprintf(fp, "%s\n", text);
	free(text);
}

int
ctl_reports_show(struct ctl *ctl, struct ctl_args *args)
{
	struct store_report r;
	int rc;

	if ((rc = ctl_report_get(ctl, args->rest[0], &r)) != EXIT_OK)
		return rc;
	if (ctl->json != NULL)
		ctl_report_json(ctl->json, &r);
	else
		ctl_report_print(ctl->out, &r);
	store_report_free(&r);
	return EXIT_OK;
}

int
ctl_reports_close(struct ctl *ctl, struct ctl_args *args)
{
	struct store_report r;
	int rc;

	if ((rc = ctl_report_get(ctl, args->rest[0], &r)) != EXIT_OK)
		return rc;
	if (r.status != NULL && strcmp(r.status, "closed") == 0) {
		ctl_err("report %s is already closed", r.ref);
		store_report_free(&r);
		return EXIT_FAIL;
	}
	rc = store_report_close(ctl->store, r.id, args->outcome,
	    (int64_t)time(NULL));
	if (rc != 1) {
		if (rc == 0)
			ctl_err("report %s is already closed", r.ref);
		store_report_free(&r);
		return rc == 0 ? EXIT_FAIL : ctl_db_error(ctl);
	}
	store_report_free(&r);
	/* Read it back, so that what is shown is what was stored. */
	if ((rc = ctl_report_get(ctl, args->rest[0], &r)) != EXIT_OK)
		return rc;
	if (ctl->json != NULL)
		ctl_report_json(ctl->json, &r);
	else
		fprintf(ctl->out, "report %s closed\n", r.ref);
	store_report_free(&r);
	return EXIT_OK;
}
