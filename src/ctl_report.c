/*
 * ctl_report: shukherctl reports list, show, claim, note, reply and close,
 * the caseworker's queue, and keygen.
 *
 * A report is found by its number or by the short reference the reporter
 * was texted; both are what a caseworker has at hand. The actions
 * themselves are casework's (casework.h), the same code the web console
 * runs: this file only loads the key, prints and words the refusals.
 * Every change and every `reports show` is in the audit log under the
 * user's login name, through "cli".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "casework.h"
#include "conf.h"
#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "seal.h"
#include "store.h"

/* The secret key, loaded once per run when a sealed report is met. */
static struct seal_sec ctl_report_sec;
static int ctl_report_have_sec;

const char *
ctl_actor(void)
{
	const char *user = getenv("USER");

	return user != NULL && user[0] != '\0' ? user : "shukherctl";
}

int
ctl_key_load(const struct ctl_args *args, struct seal_sec *sec)
{
	const char *path = args->key;
	char err[512];

	if (path == NULL)
		path = getenv(SEAL_KEY_ENV);
	if (path == NULL || path[0] == '\0')
		return 0;
	if (seal_load_secret(path, sec, err, sizeof(err)) == -1) {
		ctl_err("%s", err);
		return -1;
	}
	return 1;
}

/*
 * The caseworker as casework sees them: the user running shukherctl,
 * through the cli, with the secret key when need is set and one is named
 * (--key or $SHUKHER_KEY). Without one named, cw has no key and casework
 * answers CW_LOCKED where it needs it. Returns 0, or -1 after saying why
 * the named key cannot be loaded.
 */
static int
ctl_report_cw(struct ctl *ctl, const struct ctl_args *args, int need,
    struct casework *cw)
{
	int n;

	memset(cw, 0, sizeof(*cw));
	cw->store = ctl->store;
	cw->actor = ctl_actor();
	cw->via = "cli";
	if (need && !ctl_report_have_sec) {
		if ((n = ctl_key_load(args, &ctl_report_sec)) == -1)
			return -1;
		ctl_report_have_sec = n;
	}
	if (ctl_report_have_sec)
		cw->sec = &ctl_report_sec;
	return 0;
}

/*
 * Says why casework refused err on report r (NULL: key, as given) and
 * returns the exit code.
 */
static int
ctl_report_fail(struct ctl *ctl, const char *key,
    const struct store_report *r, enum cw_err err)
{
	const char *ref = r != NULL ? r->ref : key;

	switch (err) {
	case CW_OK:
		return EXIT_OK;
	case CW_NOTFOUND:
		ctl_err("no report %s", ref);
		return EXIT_FAIL;
	case CW_LOCKED:
		ctl_err("reports are sealed: give the caseworkers' secret key "
		    "with --key FILE or " SEAL_KEY_ENV "=FILE");
		return EXIT_FAIL;
	case CW_WRONGKEY:
		ctl_err("report %s was sealed to key %s; this key is %s "
		    "(wrong key)", ref, r != NULL ? r->key_id : "?",
		    ctl_report_sec.id);
		return EXIT_FAIL;
	case CW_DAMAGED:
		ctl_err("report %s: cannot open it with this key (damaged?)",
		    ref);
		return EXIT_FAIL;
	case CW_CLOSED:
	case CW_TAKEN:
	case CW_NONUMBER:
		/* "report is closed" -> "report X is closed" */
		ctl_err("report %s%s", ref, casework_strerror(err) +
		    strlen("report"));
		return EXIT_FAIL;
	case CW_EMPTY:
	case CW_TOOLONG:
	case CW_BADTEXT:
		ctl_err("report %s: %s", ref, casework_strerror(err));
		return EXIT_DATAERR;
	case CW_DB:
		return ctl_db_error(ctl);
	case CW_NOMEM:
		ctl_err("%s", casework_strerror(err));
		return EXIT_OSERR;
	}
	return EXIT_SOFTWARE;
}

/* The report's members, in an object left open for more. */
static void
ctl_report_json_open(struct json *j, const struct store_report *r)
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
	json_kv_string(j, "claimed_by", r->claimed_by);
}

static void
ctl_report_json(struct json *j, const struct store_report *r)
{
	ctl_report_json_open(j, r);
	json_object_end(j);
}

/* The list's arguments, for the row callback. */
static const struct ctl_args *ctl_report_args;
static int ctl_report_failed;

/*
 * A listed row: sealed ones opened (a copy; the row is borrowed), the
 * search applied to the opened text. A list opens without an audit row:
 * it is the queue, not the reading of one report.
 */
static int
ctl_report_row(void *arg, const struct store_report *row)
{
	struct ctl *ctl = arg;
	struct store_report c = *row;
	struct casework cw;
	char id[24], at[CTL_TIME_LEN];
	const char *cells[7];
	enum cw_err err;
	int rc = 0;

	c.number = c.text = NULL;
	if (ctl_report_cw(ctl, ctl_report_args, row->sealed != NULL,
	    &cw) == -1) {
		ctl_report_failed = EXIT_FAIL;
		return 1;
	}
	if (row->sealed == NULL && ((c.number = strdup(row->number)) == NULL ||
	    (c.text = strdup(row->text)) == NULL))
		err = CW_NOMEM;
	else
		err = casework_open(&cw, &c, 0);
	if (err != CW_OK) {
		ctl_report_failed = ctl_report_fail(ctl, NULL, row, err);
		free(c.number);
		free(c.text);
		return 1;
	}
	if (ctl_report_args->filter.search != NULL &&
	    strstr(c.text, ctl_report_args->filter.search) == NULL)
		goto out;
	if (ctl->json != NULL) {
		ctl_report_json(ctl->json, &c);
		goto out;
	}
	snprintf(id, sizeof(id), "%lld", (long long)c.id);
	cells[0] = id;
	cells[1] = c.ref;
	cells[2] = ctl_time_local(c.created_at, at, sizeof(at));
	cells[3] = c.number;
	cells[4] = c.status;
	cells[5] = c.urgent ? "URGENT" : "";
	cells[6] = c.text;
	rc = ctl_list_row(ctl, cells);
out:
	free(c.number);
	free(c.text);
	return rc;
}

int
ctl_reports_list(struct ctl *ctl, struct ctl_args *args)
{
	static const char *const headers[] = {
		"ID", "REF", "FILED", "NUMBER", "STATUS", "URGENT", "TEXT"
	};
	struct store_filter f = args->filter;
	int rc;

	if ((rc = ctl_list_begin(ctl, headers, 7)) != 0)
		return rc;
	ctl_report_args = args;
	f.search = NULL;        /* sealed texts are searched once opened */
	if (args->filter.search != NULL)
		f.limit = 0;
	rc = store_list_reports(ctl->store, &f, ctl_report_row, ctl);
	if (ctl_report_failed)
		return ctl_report_failed;
	return ctl_list_end(ctl, rc, "no reports");
}

/*
 * Finds the report key names. Returns EXIT_OK with *r filled (free with
 * store_report_free()), or the exit code after saying why.
 */
static int
ctl_report_get(struct ctl *ctl, const char *key, struct store_report *r)
{
	struct casework cw;
	enum cw_err err;

	memset(&cw, 0, sizeof(cw));
	cw.store = ctl->store;
	if ((err = casework_find(&cw, key, r)) != CW_OK)
		return ctl_report_fail(ctl, key, NULL, err);
	return EXIT_OK;
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

/* What the timeline callback needs. */
struct ctl_timeline {
	struct ctl *ctl;
	int failed;
};

/* One timeline entry: a JSON object, or a line of text. */
static int
ctl_timeline_row(void *arg, const struct casework_entry *ce)
{
	struct ctl_timeline *t = arg;
	const struct store_report_entry *e = ce->e;
	char at[CTL_TIME_LEN], *clean = NULL, *actor = NULL;
	const char *text = ce->text;

	if (ce->unreadable) {
		/* Without any key, a sealed entry is an error, as a sealed
		 * report is; with another key, it is said so in place. */
		if (!ctl_report_have_sec) {
			t->failed = 1;
			return 1;
		}
		text = "(sealed to another key)";
	}
	if (t->ctl->json != NULL) {
		json_object_begin(t->ctl->json);
		ctl_json_time(t->ctl->json, "at", e->at);
		json_kv_string(t->ctl->json, "kind", e->kind);
		json_kv_string(t->ctl->json, "actor", e->actor);
		json_kv_string(t->ctl->json, "text", text);
		json_object_end(t->ctl->json);
	} else {
		if (text != NULL)
			clean = ctl_clean(text, 0);
		if (e->actor != NULL)
			actor = ctl_clean(e->actor, 0);
		fprintf(t->ctl->out, "%s  %-9s %-10s %s\n",
		    ctl_time_local(e->at, at, sizeof(at)), e->kind,
		    actor != NULL ? actor : "-", clean != NULL ? clean : "");
		free(clean);
		free(actor);
	}
	return 0;
}

/* Writes the timeline of report id. Returns the exit code. */
static int
ctl_timeline(struct ctl *ctl, struct casework *cw, int64_t id)
{
	struct ctl_timeline t = { ctl, 0 };
	enum cw_err err;

	if (ctl->json != NULL) {
		json_key(ctl->json, "timeline");
		json_array_begin(ctl->json);
	} else
		fprintf(ctl->out, "\ntimeline:\n");
	err = casework_timeline(cw, id, ctl_timeline_row, &t);
	if (ctl->json != NULL)
		json_array_end(ctl->json);
	if (err != CW_OK)
		return ctl_report_fail(ctl, NULL, NULL, err);
	if (t.failed)
		return ctl_report_fail(ctl, NULL, NULL, CW_LOCKED);
	return EXIT_OK;
}

/*
 * Shows one report in full, opened with the key when sealed; the opening
 * is written to the audit log under the user's login name.
 */
int
ctl_reports_show(struct ctl *ctl, struct ctl_args *args)
{
	struct store_report r;
	struct casework cw;
	enum cw_err err;
	int rc;

	if ((rc = ctl_report_get(ctl, args->rest[0], &r)) != EXIT_OK)
		return rc;
	if (ctl_report_cw(ctl, args, 1, &cw) == -1) {
		store_report_free(&r);
		return EXIT_FAIL;
	}
	if ((err = casework_open(&cw, &r, 1)) != CW_OK) {
		rc = ctl_report_fail(ctl, NULL, &r, err);
		store_report_free(&r);
		return rc;
	}
	if (ctl->json != NULL) {
		ctl_report_json_open(ctl->json, &r);
		rc = ctl_timeline(ctl, &cw, r.id);
		json_object_end(ctl->json);
	} else {
		ctl_report_print(ctl->out, &r);
		rc = ctl_timeline(ctl, &cw, r.id);
	}
	store_report_free(&r);
	return rc;
}

/* rest[from..] joined by spaces (caller frees), or NULL after saying so. */
static char *
ctl_report_words(const struct ctl_args *args, int from)
{
	size_t n = 1;
	char *text;
	int i;

	for (i = from; i < args->nrest; i++)
		n += strlen(args->rest[i]) + 1;
	if ((text = calloc(1, n)) == NULL) {
		ctl_err("out of memory");
		return NULL;
	}
	for (i = from; i < args->nrest; i++)
		strcat(strcat(text, i > from ? " " : ""), args->rest[i]);
	return text;
}

/*
 * Does one change to the report named by rest[0] through casework:
 * CTL_CLOSE, CTL_CLAIM or CTL_NOTE, with text (outcome or note; the key
 * is loaded only when there is text to seal). Returns the exit code.
 */
enum { CTL_CLOSE, CTL_CLAIM, CTL_NOTE };
static int
ctl_report_change(struct ctl *ctl, struct ctl_args *args, int what,
    const char *text)
{
	static const char *const done[] = { "closed", "claimed", "noted" };
	struct store_report r;
	struct casework cw;
	enum cw_err err;
	int rc;

	if ((rc = ctl_report_get(ctl, args->rest[0], &r)) != EXIT_OK)
		return rc;
	if (ctl_report_cw(ctl, args, r.sealed != NULL && text != NULL &&
	    text[0] != '\0', &cw) == -1) {
		store_report_free(&r);
		return EXIT_FAIL;
	}
	if (what == CTL_CLOSE)
		err = casework_close(&cw, &r, text);
	else if (what == CTL_CLAIM)
		err = casework_claim(&cw, &r);
	else
		err = casework_note(&cw, &r, text);
	if (err != CW_OK)
		rc = ctl_report_fail(ctl, NULL, &r, err);
	else if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_int(ctl->json, "id", r.id);
		json_kv_string(ctl->json, "ref", r.ref);
		json_kv_string(ctl->json, "done", done[what]);
		json_object_end(ctl->json);
	} else
		fprintf(ctl->out, "report %s %s\n", r.ref, done[what]);
	store_report_free(&r);
	return rc;
}

int
ctl_reports_close(struct ctl *ctl, struct ctl_args *args)
{
	return ctl_report_change(ctl, args, CTL_CLOSE, args->outcome);
}

int
ctl_reports_claim(struct ctl *ctl, struct ctl_args *args)
{
	return ctl_report_change(ctl, args, CTL_CLAIM, NULL);
}

int
ctl_reports_note(struct ctl *ctl, struct ctl_args *args)
{
	char *text;
	int rc;

	if ((text = ctl_report_words(args, 1)) == NULL)
		return EXIT_OSERR;
	rc = ctl_report_change(ctl, args, CTL_NOTE, text);
	free(text);
	return rc;
}

/*
 * limits.max_segments into *max: the config's when shukherctl has read
 * it or can; with -d and no config file at the default path, the
 * default. Returns 0, or the exit code after saying why the config that
 * is there cannot be read.
 */
static int
ctl_report_max_segments(struct ctl *ctl, int *max)
{
	char err[512];

	*max = CASEWORK_SEGMENTS_DEFAULT;
	if (ctl->conf == NULL) {
		if (strcmp(ctl->conf_path, CONF_DEFAULT_PATH) == 0 &&
		    access(ctl->conf_path, F_OK) == -1 && errno == ENOENT)
			return 0;
		if (conf_load(ctl->conf_path, &ctl->conf, err,
		    sizeof(err)) == -1) {
			ctl_err("%s (limits.max_segments bounds a reply)", err);
			return EXIT_CONFIG;
		}
	}
	*max = ctl->conf->limits.max_segments;
	return 0;
}

/*
 * Says why text cannot go as a reply to r (casework_check_text() said
 * err): how many SMS it would take against the limit, and how much fits.
 * Returns the exit code.
 */
static int
ctl_report_text_fail(struct ctl *ctl, const struct store_report *r,
    const char *text, int max, enum cw_err err)
{
	struct sms_info info;

	if (err != CW_TOOLONG)
		return ctl_report_fail(ctl, NULL, r, err);
	casework_check_text(text, max, &info);
	ctl_err("report %s: the reply is too long: %d SMS (%s, %zu "
	    "characters); at most %d SMS (limits.max_segments) fit %zu "
	    "characters in GSM-7, %zu in UCS-2 (Cyrillic); nothing was sent",
	    r->ref, info.segments, sms_encoding_name(info.encoding),
	    info.chars, max, casework_room(max, SMS_GSM7),
	    casework_room(max, SMS_UCS2));
	return EXIT_DATAERR;
}

/*
 * Queues text to the reporter of the report named by rest[0], from the
 * gateway's number (casework_reply()), once it fits limits.max_segments
 * as the sender counts (casework_check_text()).
 */
int
ctl_reports_reply(struct ctl *ctl, struct ctl_args *args)
{
	struct store_report r;
	struct casework cw;
	enum cw_err err;
	char *text;
	int64_t out = 0;
	int rc;

	if ((rc = ctl_report_get(ctl, args->rest[0], &r)) != EXIT_OK)
		return rc;
	if (ctl_report_cw(ctl, args, r.sealed != NULL, &cw) == -1) {
		store_report_free(&r);
		return EXIT_FAIL;
	}
	if ((rc = ctl_report_max_segments(ctl, &cw.max_segments)) !=
	    EXIT_OK) {
		store_report_free(&r);
		return rc;
	}
	if ((text = ctl_report_words(args, 1)) == NULL) {
		store_report_free(&r);
		return EXIT_OSERR;
	}
	if ((err = casework_check_text(text, cw.max_segments, NULL)) !=
	    CW_OK)
		rc = ctl_report_text_fail(ctl, &r, text, cw.max_segments, err);
	else if ((err = casework_reply(&cw, &r, text, &out)) != CW_OK)
		rc = ctl_report_fail(ctl, NULL, &r, err);
	else if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_int(ctl->json, "id", out);
		json_kv_string(ctl->json, "ref", r.ref);
		json_object_end(ctl->json);
	} else
		fprintf(ctl->out, "reply to %s queued (outbox %lld)\n", r.ref,
		    (long long)out);
	free(text);
	store_report_free(&r);
	return rc;
}

int
ctl_keygen(struct ctl *ctl, struct ctl_args *args)
{
	char err[512];

	if (seal_keygen(args->rest[0], args->rest[1], err, sizeof(err)) ==
	    -1) {
		ctl_err("keygen: %s", err);
		return EXIT_FAIL;
	}
	fprintf(ctl->out, "public key %s (for reports.public_key on the "
	    "device)\nsecret key %s (for caseworkers only; keep a copy "
	    "offline)\n", args->rest[0], args->rest[1]);
	return EXIT_OK;
}
