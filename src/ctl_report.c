/*
 * ctl_report: shukherctl reports list, show, claim, note, reply and close,
 * the caseworker's queue, and keygen.
 *
 * A report is found by its number or by the short reference the reporter
 * was texted; both are what a caseworker has at hand. Every change joins
 * the report's timeline under the user's login name; what a caseworker
 * writes beside a sealed report (a note, a reply, an outcome) is sealed
 * too, so that the secret key is needed to write it. A closed report
 * takes no more changes, so that a first outcome is never overwritten.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "seal.h"
#include "store.h"

/* The secret key, loaded once per run when a sealed report is met. */
static struct seal_sec ctl_report_sec;
static int ctl_report_have_sec;

/*
 * Loads the secret key named by --key or $SHUKHER_KEY. Returns 0, or -1
 * after saying why (no key given, unreadable, not a secret key).
 */
static int
ctl_report_key(const struct ctl_args *args)
{
	const char *path = args->key;
	char err[512];

	if (ctl_report_have_sec)
		return 0;
	if (path == NULL)
		path = getenv(SEAL_KEY_ENV);
	if (path == NULL || path[0] == '\0') {
		ctl_err("reports are sealed: give the caseworkers' secret key "
		    "with --key FILE or " SEAL_KEY_ENV "=FILE");
		return -1;
	}
	if (seal_load_secret(path, &ctl_report_sec, err, sizeof(err)) == -1) {
		ctl_err("%s", err);
		return -1;
	}
	ctl_report_have_sec = 1;
	return 0;
}

/*
 * Opens a sealed report in place: number and text replaced by the sealed
 * ones (r owns them; free with store_report_free()). A clear report is left
 * as it is. Returns 0, or -1 after saying why (no key, wrong key, damaged).
 */
static int
ctl_report_unseal(const struct ctl_args *args, struct store_report *r)
{
	char *plain, *nl;

	if (r->sealed == NULL)
		return 0;
	if (ctl_report_key(args) == -1)
		return -1;
	if (strcmp(r->key_id, ctl_report_sec.id) != 0) {
		ctl_err("report %s was sealed to key %s; this key is %s "
		    "(wrong key)", r->ref, r->key_id, ctl_report_sec.id);
		return -1;
	}
	if ((plain = seal_open(&ctl_report_sec, r->sealed, r->sealed_len,
	    NULL)) == NULL) {
		ctl_err("report %s: cannot open it with this key (damaged?)",
		    r->ref);
		return -1;
	}
	nl = strchr(plain, '\n');
	free(r->number);
	free(r->text);
	r->number = strndup(plain, nl != NULL ? (size_t)(nl - plain) : 0);
	r->text = strdup(nl != NULL ? nl + 1 : plain);
	seal_free(plain);
	if (r->number == NULL || r->text == NULL) {
		ctl_err("out of memory");
		return -1;
	}
	return 0;
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
 * search applied to the opened text.
 */
static int
ctl_report_row(void *arg, const struct store_report *row)
{
	struct ctl *ctl = arg;
	struct store_report c = *row;
	char id[24], at[CTL_TIME_LEN];
	const char *cells[7];
	int rc = 0;

	c.number = c.text = NULL;
	c.sealed = NULL;
	if (row->sealed != NULL) {
		c.sealed = row->sealed;
		if (ctl_report_unseal(ctl_report_args, &c) == -1) {
			ctl_report_failed = 1;
			free(c.number);
			free(c.text);
			return 1;
		}
	} else if ((c.number = strdup(row->number)) == NULL ||
	    (c.text = strdup(row->text)) == NULL) {
		free(c.number);
		ctl->oom = 1;
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
		return EXIT_FAIL;
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

/* What the timeline callback needs. */
struct ctl_timeline {
	struct ctl *ctl;
	const struct ctl_args *args;
	int failed;
};

/*
 * The text of a timeline entry, opened when sealed (caller frees with
 * seal_free()); NULL when it has none. A reporter's message carries their
 * number on its first line: only the text is given.
 */
static char *
ctl_entry_text(struct ctl_timeline *t, const struct store_report_entry *e)
{
	char *plain, *nl, *text;

	if (e->body == NULL || e->body_len == 0)
		return NULL;
	if (e->key_id != NULL && e->key_id[0] != '\0') {
		if (ctl_report_key(t->args) == -1)
			return NULL;
		if (strcmp(e->key_id, ctl_report_sec.id) != 0 ||
		    (plain = seal_open(&ctl_report_sec, e->body, e->body_len,
		    NULL)) == NULL)
			return strdup("(sealed to another key)");
	} else if ((plain = strndup((const char *)e->body, e->body_len)) ==
	    NULL)
		return NULL;
	if (strcmp(e->kind, "message") != 0 ||
	    (nl = strchr(plain, '\n')) == NULL)
		return plain;
	text = strdup(nl + 1);
	seal_free(plain);
	return text;
}

/* One timeline entry: a JSON object, or a line of text. */
static int
ctl_timeline_row(void *arg, const struct store_report_entry *e)
{
	struct ctl_timeline *t = arg;
	char at[CTL_TIME_LEN], *text, *clean = NULL;

	text = ctl_entry_text(t, e);
	if (text == NULL && e->body != NULL && e->body_len > 0 &&
	    e->key_id != NULL && !ctl_report_have_sec) {
		t->failed = 1;
		return 1;
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
		fprintf(t->ctl->out, "%s  %-9s %-10s %s\n",
		    ctl_time_local(e->at, at, sizeof(at)), e->kind,
		    e->actor != NULL ? e->actor : "-",
		    clean != NULL ? clean : "");
		free(clean);
	}
	seal_free(text);
	return 0;
}

/* Writes the timeline of report id. Returns 0, or -1 after saying why. */
static int
ctl_timeline(struct ctl *ctl, const struct ctl_args *args, int64_t id)
{
	struct ctl_timeline t = { ctl, args, 0 };
	int rc;

	if (ctl->json != NULL) {
		json_key(ctl->json, "timeline");
		json_array_begin(ctl->json);
	} else
		fprintf(ctl->out, "\ntimeline:\n");
	rc = store_report_entries(ctl->store, id, ctl_timeline_row, &t);
	if (ctl->json != NULL)
		json_array_end(ctl->json);
	if (rc < 0) {
		ctl_db_error(ctl);
		return -1;
	}
	return t.failed ? -1 : 0;
}

int
ctl_reports_show(struct ctl *ctl, struct ctl_args *args)
{
	struct store_report r;
	int rc;

	if ((rc = ctl_report_get(ctl, args->rest[0], &r)) != EXIT_OK)
		return rc;
	if (ctl_report_unseal(args, &r) == -1) {
		store_report_free(&r);
		return EXIT_FAIL;
	}
	if (ctl->json != NULL) {
		ctl_report_json_open(ctl->json, &r);
		rc = ctl_timeline(ctl, args, r.id);
		json_object_end(ctl->json);
	} else {
		ctl_report_print(ctl->out, &r);
		rc = ctl_timeline(ctl, args, r.id);
	}
	store_report_free(&r);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

/* Who acts: the login name of the user running shukherctl. */
static const char *
ctl_report_actor(void)
{
	const char *user = getenv("USER");

	return user != NULL && user[0] != '\0' ? user : "shukherctl";
}

/*
 * Adds a timeline entry of kind to report r, by the user running
 * shukherctl, with text (NULL: none) sealed to r's key when r is sealed:
 * the secret key is then needed, so that nothing is written in the clear
 * beside a sealed report. Returns EXIT_OK, or the exit code after saying
 * why.
 */
static int
ctl_report_entry(struct ctl *ctl, const struct ctl_args *args,
    const struct store_report *r, const char *kind, const char *text,
    int64_t outbox)
{
	struct store_report_entry e;
	struct seal_pub pub;
	unsigned char *blob = NULL;
	size_t len = 0;

	memset(&e, 0, sizeof(e));
	e.report_id = r->id;
	e.at = (int64_t)time(NULL);
	e.kind = kind;
	e.actor = ctl_report_actor();
	e.outbox_id = outbox;
	if (text != NULL && text[0] != '\0' && r->sealed != NULL) {
		if (ctl_report_key(args) == -1)
			return EXIT_FAIL;
		memcpy(pub.pk, ctl_report_sec.pk, sizeof(pub.pk));
		snprintf(pub.id, sizeof(pub.id), "%s", ctl_report_sec.id);
		if ((blob = seal_seal(&pub, text, strlen(text), &len)) == NULL) {
			ctl_err("out of memory");
			return EXIT_OSERR;
		}
		e.body = blob;
		e.key_id = pub.id;
	} else if (text != NULL && text[0] != '\0') {
		e.body = (const unsigned char *)text;
		len = strlen(text);
	}
	e.body_len = len;
	if (store_report_entry_add(ctl->store, &e) < 0) {
		free(blob);
		return ctl_db_error(ctl);
	}
	free(blob);
	return EXIT_OK;
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
 * Does one change to an open report in one transaction: CTL_CLOSE,
 * CTL_CLAIM or CTL_NOTE, with text (outcome or note). The text of a
 * sealed report's outcome or note is sealed into the timeline and never
 * stored in the clear. Returns the exit code.
 */
enum { CTL_CLOSE, CTL_CLAIM, CTL_NOTE };
static int
ctl_report_change(struct ctl *ctl, struct ctl_args *args, int what,
    const char *text)
{
	static const char *const kinds[] = { "close", "claim", "note" };
	static const char *const done[] = { "closed", "claimed", "noted" };
	struct store_report r;
	int64_t now = (int64_t)time(NULL);
	int rc, n = 1;

	if ((rc = ctl_report_get(ctl, args->rest[0], &r)) != EXIT_OK)
		return rc;
	if (strcmp(r.status, "closed") == 0) {
		ctl_err("report %s is closed", r.ref);
		store_report_free(&r);
		return EXIT_FAIL;
	}
	if (store_begin(ctl->store) < 0) {
		store_report_free(&r);
		return ctl_db_error(ctl);
	}
	if (what == CTL_CLOSE)
		n = store_report_close(ctl->store, r.id, r.sealed != NULL ?
		    "" : text, now);
	else if (what == CTL_CLAIM)
		n = store_report_claim(ctl->store, r.id, ctl_report_actor(),
		    now);
	if (n < 0)
		rc = ctl_db_error(ctl);
	else if (n == 0) {
		ctl_err("report %s is %s", r.ref, what == CTL_CLAIM ?
		    "already claimed" : "already closed");
		rc = EXIT_FAIL;
	} else
		rc = ctl_report_entry(ctl, args, &r, kinds[what], text, 0);
	if (rc == EXIT_OK && store_commit(ctl->store) < 0)
		rc = ctl_db_error(ctl);
	if (rc != EXIT_OK)
		store_rollback(ctl->store);
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
 * Queues text to the reporter of the report named by rest[0]: the number
 * is opened with the secret key, queued as a manual message (sent from the
 * gateway's number; the daemon blanks it once sent) and the reply joins
 * the timeline, sealed.
 */
int
ctl_reports_reply(struct ctl *ctl, struct ctl_args *args)
{
	struct store_report r;
	char *text;
	int64_t out = -1;
	int rc;

	if ((rc = ctl_report_get(ctl, args->rest[0], &r)) != EXIT_OK)
		return rc;
	if (ctl_report_unseal(args, &r) == -1 || r.number[0] == '\0') {
		if (r.number != NULL && r.number[0] == '\0')
			ctl_err("report %s has no number to answer", r.ref);
		store_report_free(&r);
		return EXIT_FAIL;
	}
	if ((text = ctl_report_words(args, 1)) == NULL) {
		store_report_free(&r);
		return EXIT_OSERR;
	}
	if (store_begin(ctl->store) < 0 ||
	    (out = store_outbox_add(ctl->store, r.number, text,
	    STORE_OUT_MANUAL, 0, (int64_t)time(NULL))) < 0)
		rc = ctl_db_error(ctl);
	else
		rc = ctl_report_entry(ctl, args, &r, "reply", text, out);
	if (rc == EXIT_OK && store_commit(ctl->store) < 0)
		rc = ctl_db_error(ctl);
	if (rc != EXIT_OK)
		store_rollback(ctl->store);
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
