/*
 * ctl_list: shukherctl inbox, outbox and stats, and the frame every listing
 * shares.
 *
 * A listing asks the store for its rows through a callback; each row is
 * written at once as a JSON object, or kept in a table that is printed
 * with aligned columns once all rows are in. The JSON field names are the
 * store structs' member names, so that a script and the source agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "store.h"

int
ctl_list_begin(struct ctl *ctl, const char *const *headers, int ncols)
{
	if (ctl->json != NULL) {
		json_array_begin(ctl->json);
		return 0;
	}
	if ((ctl->table = ctl_table_new(headers, ncols)) == NULL) {
		ctl_err("out of memory");
		return EXIT_OSERR;
	}
	return 0;
}

int
ctl_db_error(struct ctl *ctl)
{
	if (store_locked(ctl->store)) {
		ctl_err("database %s is locked by another process (shukherd "
		    "writing, or another shukherctl): try again", ctl->db_path);
		return EXIT_TEMPFAIL;
	}
	ctl_err("database %s: %s", ctl->db_path, store_errmsg(ctl->store));
	return EXIT_IOERR;
}

int
ctl_list_end(struct ctl *ctl, int rc, const char *none_text)
{
	if (ctl->oom) {
		ctl_err("out of memory");
		return EXIT_OSERR;
	}
	if (rc < 0)
		return ctl_db_error(ctl);
	if (ctl->json != NULL)
		json_array_end(ctl->json);
	else
		ctl_table_print(ctl->table, ctl->out, none_text);
	return EXIT_OK;
}

void
ctl_json_drop(struct ctl *ctl)
{
	if (ctl->json != NULL)
		(void)json_free(ctl->json);
	ctl->json = NULL;
	if (ctl->out != stdout)
		(void)fclose(ctl->out);
	ctl->out = stdout;
	if (ctl->json_buf != NULL)
		sodium_memzero(ctl->json_buf, ctl->json_len);
	free(ctl->json_buf);
	ctl->json_buf = NULL;
	ctl->json_len = 0;
}

int
ctl_list_row(struct ctl *ctl, const char *const *cells)
{
	if (ctl_table_add(ctl->table, cells) == -1) {
		ctl->oom = 1;
		return -1;
	}
	return 0;
}

/*
 * A row whose number and text were blanked: a sealed report's message (its
 * text lives on, sealed, in the report) or one past its retention. The
 * table says so rather than show empty cells.
 */
#define CTL_BLANKED_TEXT "(blanked: a sealed report's, or past retention)"

static int
ctl_blanked(const char *number, const char *text)
{
	return (number == NULL || number[0] == '\0') &&
	    (text == NULL || text[0] == '\0');
}

/* Attempts made: the failed ones, and the one that sent it. */
static int
ctl_outbox_tries(const struct store_out *o)
{
	return o->attempts + (o->state != NULL &&
	    strcmp(o->state, "sent") == 0);
}

/* ---- inbox -------------------------------------------------------------- */

static void
ctl_inbox_json(struct json *j, const struct store_msg *m)
{
	json_object_begin(j);
	json_kv_int(j, "id", m->id);
	json_kv_string(j, "sender", m->sender);
	json_kv_string(j, "text", m->text);
	ctl_json_time(j, "sent_at", m->sent_at);
	ctl_json_time(j, "received_at", m->received_at);
	ctl_json_time(j, "handled_at", m->handled_at);
	json_kv_string(j, "keyword", m->keyword);
	json_kv_int(j, "parts", m->parts);
	json_kv_bool(j, "partial", m->partial);
	json_kv_bool(j, "malformed", m->malformed);
	json_kv_string(j, "modem", m->modem);
	json_object_end(j);
}

static int
ctl_inbox_row(void *arg, const struct store_msg *m)
{
	struct ctl *ctl = arg;
	char id[24], at[CTL_TIME_LEN], text[512];
	const char *cells[6];

	if (ctl->json != NULL) {
		ctl_inbox_json(ctl->json, m);
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)m->id);
	/* The table cuts it anyway: the buffer needs only the start. */
	snprintf(text, sizeof(text), "%s%s%s",
	    m->malformed ? "[malformed] " : "",
	    m->partial ? "[partial] " : "", ctl_blanked(m->sender, m->text) ?
	    CTL_BLANKED_TEXT : m->text ? m->text : "");
	cells[0] = id;
	cells[1] = ctl_time_local(m->received_at, at, sizeof(at));
	cells[2] = ctl_blanked(m->sender, m->text) ? "-" : m->sender;
	cells[3] = m->handled_at == 0 ? "(new)" : m->keyword;
	cells[4] = m->modem != NULL ? m->modem : "-";
	cells[5] = text;
	return ctl_list_row(ctl, cells);
}

int
ctl_inbox(struct ctl *ctl, struct ctl_args *args)
{
	static const char *const headers[] = {
		"ID", "RECEIVED", "SENDER", "KEYWORD", "MODEM", "TEXT"
	};
	int rc;

	if ((rc = ctl_list_begin(ctl, headers, 6)) != 0)
		return rc;
	rc = store_list_inbox(ctl->store, &args->filter, ctl_inbox_row, ctl);
	return ctl_list_end(ctl, rc, "no messages");
}

/* ---- outbox ------------------------------------------------------------- */

static const char *
ctl_kind_name(int kind)
{
	switch (kind) {
	case STORE_OUT_REPLY:
		return "reply";
	case STORE_OUT_MANUAL:
		return "manual";
	case STORE_OUT_ALERT:
		return "alert";
	}
	return "unknown";
}

static void
ctl_outbox_json(struct json *j, const struct store_out *o)
{
	json_object_begin(j);
	json_kv_int(j, "id", o->id);
	json_kv_string(j, "number", o->number);
	json_kv_string(j, "text", o->text);
	json_kv_string(j, "state", o->state);
	json_kv_string(j, "kind", ctl_kind_name(o->kind));
	json_kv_int(j, "attempts", o->attempts);
	json_kv_int(j, "tries", ctl_outbox_tries(o));
	ctl_json_time(j, "created_at", o->created_at);
	ctl_json_time(j, "next_at", o->next_at);
	ctl_json_time(j, "sent_at", o->sent_at);
	json_kv_string(j, "msgref", o->msgref);
	json_kv_string(j, "last_error", o->last_error);
	if (o->in_reply_to > 0)
		json_kv_int(j, "in_reply_to", o->in_reply_to);
	else
		json_kv_null(j, "in_reply_to");
	json_kv_string(j, "delivery", o->delivery);
	ctl_json_time(j, "delivered_at", o->delivered_at);
	json_kv_string(j, "modem", o->modem);
	json_object_end(j);
}

static int
ctl_outbox_row(void *arg, const struct store_out *o)
{
	struct ctl *ctl = arg;
	char id[24], at[CTL_TIME_LEN], tries[16], text[512];
	const char *cells[8];

	if (ctl->json != NULL) {
		ctl_outbox_json(ctl->json, o);
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)o->id);
	snprintf(tries, sizeof(tries), "%d", ctl_outbox_tries(o));
	if (o->last_error != NULL && o->last_error[0] != '\0' &&
	    o->state != NULL && strcmp(o->state, "sent") != 0)
		snprintf(text, sizeof(text), "[%s] %s", o->last_error,
		    o->text ? o->text : "");
	else
		snprintf(text, sizeof(text), "%s", ctl_blanked(o->number,
		    o->text) ? CTL_BLANKED_TEXT : o->text ? o->text : "");
	cells[0] = id;
	cells[1] = ctl_time_local(o->created_at, at, sizeof(at));
	cells[2] = ctl_blanked(o->number, o->text) ? "-" : o->number;
	cells[3] = ctl_kind_name(o->kind);
	cells[4] = o->state;
	cells[5] = tries;
	cells[6] = o->modem != NULL ? o->modem : "-";
	cells[7] = text;
	return ctl_list_row(ctl, cells);
}

int
ctl_outbox(struct ctl *ctl, struct ctl_args *args)
{
	static const char *const headers[] = {
		"ID", "QUEUED", "NUMBER", "KIND", "STATE", "TRIES", "MODEM",
		"TEXT"
	};
	int rc;

	if ((rc = ctl_list_begin(ctl, headers, 8)) != 0)
		return rc;
	rc = store_list_outbox(ctl->store, &args->filter, ctl_outbox_row, ctl);
	return ctl_list_end(ctl, rc, "no messages");
}

/* ---- stats -------------------------------------------------------------- */

int
ctl_count_row(struct ctl *ctl, const char *keyname, const char *day,
    const char *key, int count)
{
	const char *cells[3];
	char n[16];

	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_string(ctl->json, "day", day);
		json_kv_string(ctl->json, keyname, key);
		json_kv_int(ctl->json, "count", count);
		json_object_end(ctl->json);
		return 0;
	}
	snprintf(n, sizeof(n), "%d", count);
	cells[0] = day;
	cells[1] = key;
	cells[2] = n;
	return ctl_list_row(ctl, cells);
}

static int
ctl_stats_row(void *arg, const char *day, const char *keyword, int count)
{
	return ctl_count_row(arg, "keyword", day, keyword, count);
}

int
ctl_stats(struct ctl *ctl, struct ctl_args *args)
{
	static const char *const headers[] = { "DAY", "KEYWORD", "COUNT" };
	int rc;

	if (args->by != NULL)
		return ctl_stats_sources(ctl, args);   /* ctl_campaign.c */
	if (args->since_day != NULL && args->until_day != NULL &&
	    strcmp(args->since_day, args->until_day) > 0) {
		ctl_err("stats: --since %s is after --until %s",
		    args->since_day, args->until_day);
		return EXIT_USAGE;
	}
	if ((rc = ctl_list_begin(ctl, headers, 3)) != 0)
		return rc;
	rc = store_list_stats(ctl->store, args->since_day, args->until_day,
	    ctl_stats_row, ctl);
	return ctl_list_end(ctl, rc, "no messages counted");
}
