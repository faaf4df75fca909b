/*
 * ctl_export: shukherctl reports export, the reports of a date range for
 * a caseworker's spreadsheet or a script.
 *
 * Every report filed in the range (local days, inclusive, on the time it
 * was filed), newest first as in reports list, with its reference, status,
 * urgency, times, who claimed it and the outcome; with the caseworkers'
 * secret key, the number and text are opened too. Without the key the
 * sealed parts stay out (empty in CSV, null in JSON) and stderr says so:
 * an export is a copy that leaves the device, so it carries only what its
 * reader could already open.
 *
 * CSV follows RFC 4180: a header row, CRLF line ends, fields with a comma,
 * a quote or a line break quoted, quotes doubled, UTF-8. A texter's words
 * that start like a spreadsheet formula (= + - @) get a leading ' so that
 * a spreadsheet shows them instead of running them. CSV to a terminal is
 * shown through ctl_clean() (escape sequences as \x1b, bidi controls as
 * \u202e); to a file or a pipe it is the data as stored. JSON goes through
 * the json writer, which escapes controls itself. The whole output is
 * built in memory and written only when every report could be read, so
 * that a wrong key or a database error never leaves half an export behind.
 * Each export is written to the audit log ("export", or "export-opened"
 * with the key) before it leaves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "day.h"
#include "casework.h"
#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "seal.h"
#include "store.h"

#define CTL_EXPORT_NCOLS 12

static const char *const ctl_export_cols[CTL_EXPORT_NCOLS] = {
	"id", "ref", "status", "urgent", "created_at", "claimed_by",
	"claimed_at", "closed_at", "outcome", "number", "text", "sealed"
};

/* One export in progress. */
struct ctl_export {
	FILE *fp;                /* the output, in memory */
	struct json *json;       /* NULL: CSV */
	struct store *store;
	int64_t until;           /* filed before this; 0: no end */
	struct seal_sec sec;
	int have_sec;
	int tty;                 /* CSV to a terminal: fields shown through
	                            ctl_clean(), not as data */
	int shut;                /* sealed reports left unopened (no key) */
	int rc;                  /* EXIT_OK, or why it stopped */
};

/* What one report shows once opened: all NULL when nothing is known. */
struct ctl_export_view {
	char *number, *text, *outcome;  /* free with seal_free() */
};

/*
 * The end of the range: local midnight after the --until day (already
 * checked to be a date), or 0 when there is none. Returns 0, or -1.
 */
static int
ctl_export_until(const char *day, int64_t *until)
{
	*until = 0;
	return day == NULL ? 0 : day_start(day, 1, until);
}

/*
 * Loads the secret key named by --key or $SHUKHER_KEY, when one is named.
 * Returns 0 (with or without a key), or -1 after saying why.
 */
static int
ctl_export_key(struct ctl_export *e, const struct ctl_args *args)
{
	int n;

	if ((n = ctl_key_load(args, &e->sec)) == -1)
		return -1;
	e->have_sec = n;
	return 0;
}

/* A copy (for seal_free()) of s, or NULL for NULL; *oom set on failure. */
static char *
ctl_export_dup(const char *s, int *oom)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*oom = 1;
	return d;
}

/* What the timeline callback needs. */
struct ctl_export_tl {
	struct ctl_export *e;
	struct ctl_export_view *v;
};

/*
 * Timeline callback: the text of the last "close" entry, opened, is the
 * outcome of a sealed report (whose outcome column stays empty).
 */
static int
ctl_export_close_entry(void *arg, const struct store_report_entry *en)
{
	struct ctl_export_tl *t = arg;
	char *plain = NULL;

	if (strcmp(en->kind, "close") != 0 || en->body == NULL ||
	    en->body_len == 0 || en->key_id == NULL || en->key_id[0] == '\0')
		return 0;
	if (strcmp(en->key_id, t->e->sec.id) == 0)
		plain = seal_open(&t->e->sec, en->body, en->body_len, NULL);
	seal_free(t->v->outcome);
	t->v->outcome = plain != NULL ? plain :
	    strdup("(sealed to another key)");
	if (t->v->outcome == NULL)
		t->e->rc = EXIT_OSERR;
	return 0;
}

static void
ctl_export_view_free(struct ctl_export_view *v)
{
	seal_free(v->number);
	seal_free(v->text);
	seal_free(v->outcome);
}

/*
 * Opens a sealed report with the key (casework_open(), as reports show
 * does, without an audit row per report: the export has one), and the
 * outcome from its timeline. Returns 0, or -1 with e->rc set after saying
 * why.
 */
static int
ctl_export_unseal(struct ctl_export *e, const struct store_report *r,
    struct ctl_export_view *v)
{
	struct ctl_export_tl t = { e, v };
	struct casework cw;
	struct store_report c = *r;
	enum cw_err err;
	int oom = 0;

	memset(&cw, 0, sizeof(cw));
	cw.store = e->store;
	cw.sec = &e->sec;
	c.number = c.text = NULL;
	if ((err = casework_open(&cw, &c, 0)) != CW_OK) {
		if (err == CW_WRONGKEY)
			ctl_err("report %s was sealed to key %s; this key is %s "
			    "(wrong key)", r->ref, r->key_id, e->sec.id);
		else
			ctl_err("report %s: %s", r->ref,
			    casework_strerror(err));
		e->rc = err == CW_NOMEM ? EXIT_OSERR : err == CW_DB ?
		    EXIT_IOERR : EXIT_FAIL;
		return -1;
	}
	v->number = ctl_export_dup(c.number, &oom);
	v->text = ctl_export_dup(c.text, &oom);
	free(c.number);
	free(c.text);
	if (oom) {
		e->rc = EXIT_OSERR;
		return -1;
	}
	if (store_report_entries(e->store, r->id, ctl_export_close_entry,
	    &t) < 0) {
		e->rc = EXIT_IOERR;
		return -1;
	}
	return e->rc == EXIT_OK ? 0 : -1;
}

/*
 * What r shows: a clear report as it is, a sealed one opened with the key
 * or, without it, nothing but its metadata. Returns 0, or -1 (e->rc set).
 */
static int
ctl_export_view(struct ctl_export *e, const struct store_report *r,
    struct ctl_export_view *v)
{
	int oom = 0;

	memset(v, 0, sizeof(*v));
	if (r->sealed != NULL) {
		if (e->have_sec)
			return ctl_export_unseal(e, r, v);
		e->shut++;
		return 0;
	}
	v->number = ctl_export_dup(r->number, &oom);
	v->text = ctl_export_dup(r->text, &oom);
	v->outcome = ctl_export_dup(r->outcome, &oom);
	if (oom) {
		e->rc = EXIT_OSERR;
		return -1;
	}
	return 0;
}

/*
 * One CSV field, then a comma or (last) CRLF. A field a person wrote
 * (guard) that starts like a formula is quoted with a leading '. On a
 * terminal (tty) the field is what ctl_clean() shows, so that a
 * reporter's escape sequences reach nobody's terminal; to a file or a
 * pipe it is the data, byte for byte.
 */
static void
ctl_export_csv_field(FILE *fp, const char *s, int guard, int last, int tty)
{
	char *shown = NULL;
	const char *p;
	int formula;

	if (s == NULL)
		s = "";
	if (tty && (shown = ctl_clean(s, 1)) != NULL)
		s = shown;
	formula = guard && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
	if (!formula && strpbrk(s, ",\"\r\n") == NULL)
		fputs(s, fp);
	else {
		fputs(formula ? "\"'" : "\"", fp);
		for (p = s; *p != '\0'; p++) {
			if (*p == '"')
				fputc('"', fp);
			fputc(*p, fp);
		}
		fputc('"', fp);
	}
	fputs(last ? "\r\n" : ",", fp);
	free(shown);
}

static void
ctl_export_csv(struct ctl_export *e, const struct store_report *r,
    const struct ctl_export_view *v)
{
	char id[24], created[CTL_TIME_LEN], claimed[CTL_TIME_LEN];
	char closed[CTL_TIME_LEN];
	const char *cells[CTL_EXPORT_NCOLS];
	int i;

	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	cells[0] = id;
	cells[1] = r->ref;
	cells[2] = r->status;
	cells[3] = r->urgent ? "true" : "false";
	cells[4] = ctl_time_iso(r->created_at, created, sizeof(created));
	cells[5] = r->claimed_by;
	cells[6] = ctl_time_iso(r->claimed_at, claimed, sizeof(claimed));
	cells[7] = ctl_time_iso(r->closed_at, closed, sizeof(closed));
	cells[8] = v->outcome;
	cells[9] = v->number;
	cells[10] = v->text;
	cells[11] = r->sealed != NULL ? "true" : "false";
	for (i = 0; i < CTL_EXPORT_NCOLS; i++)
		ctl_export_csv_field(e->fp, cells[i], i == 5 || i == 8 ||
		    i == 10, i == CTL_EXPORT_NCOLS - 1, e->tty);
}

static void
ctl_export_json(struct ctl_export *e, const struct store_report *r,
    const struct ctl_export_view *v)
{
	struct json *j = e->json;

	json_object_begin(j);
	json_kv_int(j, "id", r->id);
	json_kv_string(j, "ref", r->ref);
	json_kv_string(j, "status", r->status);
	json_kv_bool(j, "urgent", r->urgent);
	ctl_json_time(j, "created_at", r->created_at);
	json_kv_string(j, "claimed_by", r->claimed_by);
	ctl_json_time(j, "claimed_at", r->claimed_at);
	ctl_json_time(j, "closed_at", r->closed_at);
	json_kv_string(j, "outcome", v->outcome);
	json_kv_string(j, "number", v->number);
	json_kv_string(j, "text", v->text);
	json_kv_bool(j, "sealed", r->sealed != NULL);
	json_object_end(j);
}

/* A listed report: skipped when filed after the range, else written. */
static int
ctl_export_row(void *arg, const struct store_report *r)
{
	struct ctl_export *e = arg;
	struct ctl_export_view v;

	if (e->until != 0 && r->created_at >= e->until)
		return 0;
	if (ctl_export_view(e, r, &v) == -1) {
		ctl_export_view_free(&v);
		return 1;
	}
	if (e->json != NULL)
		ctl_export_json(e, r, &v);
	else
		ctl_export_csv(e, r, &v);
	ctl_export_view_free(&v);
	return 0;
}

/*
 * Checks the range, and the format against --json. Returns 0 with *json
 * set for JSON output, or EXIT_USAGE after saying why.
 */
static int
ctl_export_args(struct ctl *ctl, const struct ctl_args *args,
    int64_t *until, int *json)
{
	if (ctl_export_until(args->until_day, until) == -1) {
		ctl_err("reports export: --until: not a date: %s",
		    args->until_day);
		return EXIT_USAGE;
	}
	if (*until != 0 && args->filter.since >= *until) {
		ctl_err("reports export: --since %s is after --until %s",
		    args->since_day, args->until_day);
		return EXIT_USAGE;
	}
	*json = args->format != NULL ? strcmp(args->format, "json") == 0 :
	    ctl->json != NULL;
	if (ctl->json != NULL && !*json) {
		ctl_err("reports export: --json and --format csv disagree");
		return EXIT_USAGE;
	}
	return 0;
}

/* Runs the listing into e (output in memory). Returns the exit code. */
static int
ctl_export_run(struct ctl *ctl, const struct ctl_args *args,
    struct ctl_export *e)
{
	struct store_filter f;
	int i, rc;

	memset(&f, 0, sizeof(f));
	f.urgent = -1;
	f.since = args->filter.since;
	if (e->json != NULL)
		json_array_begin(e->json);
	else
		for (i = 0; i < CTL_EXPORT_NCOLS; i++)
			ctl_export_csv_field(e->fp, ctl_export_cols[i], 0,
			    i == CTL_EXPORT_NCOLS - 1, 0);
	rc = store_list_reports(ctl->store, &f, ctl_export_row, e);
	if (e->json != NULL)
		json_array_end(e->json);
	if (rc < 0 || e->rc == EXIT_IOERR)
		return ctl_db_error(ctl);
	if (e->rc == EXIT_OSERR)
		ctl_err("out of memory");
	return e->rc;
}

/* Writes the finished output to out, and says what stayed sealed. */
static int
ctl_export_flush(struct ctl *ctl, struct ctl_export *e, const char *buf,
    size_t len)
{
	if (fwrite(buf, 1, len, ctl->out) != len)
		return EXIT_IOERR;
	if (e->shut > 0)
		ctl_err("reports export: %d report%s sealed: numbers, texts "
		    "and outcomes left out (--key FILE or " SEAL_KEY_ENV
		    "=FILE opens them)", e->shut, e->shut == 1 ? " is" :
		    "s are");
	return EXIT_OK;
}

/*
 * Writes the export to the audit log, as the login user through the cli,
 * before the output leaves: a copy of reports leaving the device is what
 * an auditor most needs to see. Returns the exit code.
 */
static int
ctl_export_audit(struct ctl *ctl, const struct ctl_export *e)
{
	struct casework cw;

	memset(&cw, 0, sizeof(cw));
	cw.store = ctl->store;
	cw.actor = ctl_actor();
	cw.via = "cli";
	if (casework_audit(&cw, e->have_sec ? "export-opened" : "export",
	    0) != CW_OK)
		return ctl_db_error(ctl);
	return EXIT_OK;
}

int
ctl_reports_export(struct ctl *ctl, struct ctl_args *args)
{
	struct ctl_export e;
	char *buf = NULL;
	size_t len = 0;
	int json, rc;

	memset(&e, 0, sizeof(e));
	e.store = ctl->store;
	if ((rc = ctl_export_args(ctl, args, &e.until, &json)) != 0)
		return rc;
	/* With --json the export still writes its own JSON, built in memory
	 * (below) and wiped after: the global writer, which would stay empty
	 * and fail the run (exit 74), is dropped unused, with its buffer. */
	ctl_json_drop(ctl);
	/* JSON escapes every control itself (json.h). */
	e.tty = !json && isatty(fileno(ctl->out));
	if (ctl_export_key(&e, args) == -1)
		return EXIT_FAIL;
	if ((e.fp = open_memstream(&buf, &len)) == NULL ||
	    (json && (e.json = json_new(e.fp, 2)) == NULL)) {
		ctl_err("out of memory");
		rc = EXIT_OSERR;
	} else
		rc = ctl_export_run(ctl, args, &e);
	if (e.json != NULL && json_free(e.json) == -1 && rc == EXIT_OK)
		rc = EXIT_OSERR;
	if (e.fp != NULL && fclose(e.fp) != 0 && rc == EXIT_OK)
		rc = EXIT_OSERR;
	if (rc == EXIT_OK)
		rc = ctl_export_audit(ctl, &e);
	if (rc == EXIT_OK)
		rc = ctl_export_flush(ctl, &e, buf, len);
	if (buf != NULL)
		sodium_memzero(buf, len);
	free(buf);
	if (e.have_sec)
		seal_sec_wipe(&e.sec);
	return rc;
}
