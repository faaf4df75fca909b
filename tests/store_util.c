/*
 * store_util: what the store tests (test_store*.c) share: a scratch
 * folder, opening, parts, listings collected (store_util.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "conf.h"
#include "route.h"
#include "store.h"

#include "store_util.h"

char su_tmpdir[64];

const char *
su_path_for(const char *name)
{
	static char path[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", su_tmpdir, name);
	return path[i];
}

int
su_group_setup(void **state)
{
	(void)state;
	snprintf(su_tmpdir, sizeof(su_tmpdir), "/tmp/test_store.XXXXXX");
	return mkdtemp(su_tmpdir) == NULL ? -1 : 0;
}

int
su_group_teardown(void **state)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	(void)state;
	if ((d = opendir(su_tmpdir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", su_tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(su_tmpdir);
}

struct store *
su_open_ok(const char *path, int create)
{
	char err[256];
	struct store *s;

	s = store_open(path, create, err, sizeof(err));
	if (s == NULL)
		fail_msg("store_open %s: %s", path, err);
	return s;
}

struct store_part
su_part(const char *sender, int64_t sent_at, int ref, int no, int count,
    const char *text)
{
	struct store_part p;

	memset(&p, 0, sizeof(p));
	p.sender = sender;
	p.sent_at = sent_at;
	p.concat_ref = ref;
	p.part_no = no;
	p.part_count = count;
	p.text = text;
	p.coding = STORE_CODING_UCS2;
	return p;
}

int
su_seen_msg(void *arg, const struct store_msg *m)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->id[s->n] = m->id;
		snprintf(s->text[s->n], 128, "%s", m->text);
		snprintf(s->extra[s->n], 64, "%s", m->sender);
		s->flag[s->n] = m->partial;
	}
	s->n++;
	return 0;
}

int
su_seen_out(void *arg, const struct store_out *o)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->id[s->n] = o->id;
		snprintf(s->text[s->n], 128, "%s", o->text);
		snprintf(s->extra[s->n], 64, "%s", o->msgref ? o->msgref : "");
		s->flag[s->n] = o->attempts;
	}
	s->n++;
	return 0;
}

struct seen
su_inbox(struct store *s, const char *state, const char *search, int limit)
{
	struct store_filter f = { state, -1, 0, search, limit };
	struct seen seen;

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_list_inbox(s, &f, su_seen_msg, &seen), 0);
	return seen;
}

struct seen
su_outbox(struct store *s, const char *state)
{
	struct store_filter f = { state, -1, 0, NULL, 0 };
	struct seen seen;

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_list_outbox(s, &f, su_seen_out, &seen), 0);
	return seen;
}

/* ---- long messages -------------------------------------------------------- */

int
su_pending(struct store *s)
{
	struct store_counts c;

	assert_int_equal(store_counts(s, &c), 0);
	return c.parts_pending;
}

/* Runs SQL on a file outside the store. */
void
su_raw_sql(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

int64_t
su_raw_int(const char *path, const char *sql)
{
	sqlite3_stmt *stmt;
	sqlite3 *db;
	int64_t v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* A part with user data (coding UCS-2 or 8-bit); its text is what the part
 * alone reads as, which the join must not use. */
struct store_part
su_data_part(const char *sender, int ref, int no, int count, int coding,
    const void *data, size_t len)
{
	struct store_part p = su_part(sender, NOW, ref, no, count, "(alone)");

	p.coding = coding;
	p.data = data;
	p.data_len = len;
	return p;
}

/* Stores the n parts in the order given (1-based numbers), then returns
 * the one message they made (caller frees). */
struct store_msg
su_put_in_order(struct store *s, const struct store_part *parts, int n,
    const int *order)
{
	struct store_msg m;
	int i;

	for (i = 0; i < n; i++) {
		assert_int_equal(store_msg_next(s, &m), 0);
		assert_int_equal(store_put_part(s, &parts[order[i] - 1],
		    NOW + i), 1);
	}
	assert_int_equal(store_msg_next(s, &m), 1);
	assert_int_equal(store_msg_handled(s, m.id, "x", NOW + 9), 1);
	return m;
}

/* Blanks the number of outbox row id as report_tick() does once it is
 * sent: a report entry points to it. */
void
su_blank_sent(struct store *s, int64_t report, int64_t id, int64_t at)
{
	struct store_report_entry e = { .report_id = report, .at = at,
	    .kind = "ack", .outbox_id = id };

	assert_true(store_report_entry_add(s, &e) > 0);
	assert_int_equal(store_outbox_sent(s, id, "1", at), 0);
}

int
su_view_out(void *arg, const struct store_out *o)
{
	struct su_out_view *v = arg;

	if (o->id != v->id)
		return 0;
	snprintf(v->msgref, sizeof(v->msgref), "%s",
	    o->msgref ? o->msgref : "-");
	v->parts = o->parts_sent;
	snprintf(v->delivery, sizeof(v->delivery), "%s",
	    o->delivery ? o->delivery : "-");
	snprintf(v->state, sizeof(v->state), "%s", o->state);
	return 1;
}

struct su_out_view
su_out_view(struct store *s, int64_t id)
{
	struct su_out_view v;

	memset(&v, 0, sizeof(v));
	v.id = id;
	assert_int_equal(store_list_outbox(s, NULL, su_view_out, &v), 0);
	assert_true(v.state[0] != '\0');
	return v;
}

/*
 * What each migration added, taken away again: su_undo[v] brings a database
 * from user_version v back to v - 1, so that a test can make the file an
 * older shukher left and watch the migrations bring it up.
 */
static const char *const su_undo[] = {
	[7] = "ALTER TABLE parts DROP COLUMN form;"
	    "ALTER TABLE parts DROP COLUMN data;",
	[8] = "DROP INDEX outbox_budget;"
	    "ALTER TABLE outbox DROP COLUMN number_hash;"
	    "CREATE INDEX outbox_replies ON outbox(number, created_at)"
	    " WHERE kind = 0;"
	    "ALTER TABLE pin_failures DROP COLUMN quiet_until;"
	    "ALTER TABLE pin_failures DROP COLUMN warned;"
	    "ALTER TABLE report_links DROP COLUMN alerted_at;",
	[9] = "DROP TRIGGER messages_blanked; DROP TRIGGER messages_deleted;"
	    "DROP TRIGGER parts_blanked; DROP TRIGGER parts_deleted;"
	    "DROP TRIGGER outbox_blanked; DROP TRIGGER outbox_deleted;"
	    "DROP TRIGGER reports_blanked; DROP TRIGGER reports_deleted;"
	    "DROP TRIGGER report_entries_deleted;"
	    "DROP TRIGGER report_links_deleted; DROP TRIGGER vault_deleted;"
	    "DROP TRIGGER users_changed; DROP TRIGGER users_deleted;"
	    "DROP TABLE wal_scrub;"
	    "ALTER TABLE outbox ADD COLUMN msgref TEXT;"
	    "UPDATE outbox SET msgref = (SELECT group_concat(ref, ',') FROM"
	    " (SELECT ref FROM sent_parts WHERE outbox_id = outbox.id"
	    " ORDER BY part_no));"
	    "DROP TABLE sent_parts;"
	    "CREATE INDEX outbox_sent ON outbox(sent_at) WHERE state = 'sent';",
	[10] = "DROP TABLE credit; DROP TABLE health;",
	[11] = "DROP TRIGGER subscriptions_deleted;"
	    "DROP TRIGGER survey_hash_dropped;"
	    "DROP TABLE source_stats; DROP TABLE survey_outbox;"
	    "DROP TABLE survey_answers; DROP TABLE survey_attempts;"
	    "DROP TABLE broadcast_recipients; DROP TABLE broadcasts;"
	    "DROP TABLE subscriptions;",
	[12] = "DROP TRIGGER uplink_report; DROP TRIGGER uplink_report_state;"
	    "DROP TRIGGER uplink_entry; DROP TRIGGER uplink_audit;"
	    "DROP TRIGGER uplink_stat_new; DROP TRIGGER uplink_stat;"
	    "DROP INDEX uplink_queue_stat;"
	    "DROP TABLE uplink_queue; DROP TABLE uplink_applied;"
	    "DROP TABLE uplink_state;"
	    "DELETE FROM secrets WHERE name = 'uplink';",
	[13] = "DROP TABLE modems; DROP INDEX outbox_modem_sent;"
	    "DROP TRIGGER parts_modem;"
	    "ALTER TABLE outbox DROP COLUMN modem;"
	    "ALTER TABLE messages DROP COLUMN modem;"
	    "ALTER TABLE parts DROP COLUMN modem;",
	[14] = "CREATE TABLE credit_one (id INTEGER PRIMARY KEY"
	    " CHECK (id = 1), amount INTEGER, at INTEGER NOT NULL DEFAULT 0,"
	    " answer TEXT NOT NULL DEFAULT '',"
	    " checked_at INTEGER NOT NULL DEFAULT 0,"
	    " error TEXT NOT NULL DEFAULT '');"
	    "INSERT INTO credit_one SELECT 1, amount, at, answer, checked_at,"
	    " error FROM credit ORDER BY first DESC, modem = '' LIMIT 1;"
	    "DROP TABLE credit; ALTER TABLE credit_one RENAME TO credit;",
	[15] = "CREATE INDEX outbox_modem_sent ON outbox(modem, sent_at)"
	    " WHERE state = 'sent';",
	[16] = "ALTER TABLE outbox DROP COLUMN taken_until;",
	[17] = "DROP TRIGGER uplink_report_purged;"
	    "DROP TRIGGER uplink_entry_purged; DROP INDEX uplink_queue_row;"
	    "DROP TABLE uplink_replies;",
	[18] = "DROP TABLE series_outbox;"
	    "DROP INDEX broadcast_recipients_outbox;",
};

void
su_downgrade(const char *path, int to)
{
	char sql[64];
	int v;

	assert_true(store_schema_version() <
	    (int)(sizeof(su_undo) / sizeof(su_undo[0])));
	for (v = store_schema_version(); v > to; v--) {
		assert_non_null(su_undo[v]);
		su_raw_sql(path, su_undo[v]);
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;", to);
	su_raw_sql(path, sql);
}

/* Stores text from sender as one SMS at at (each call a second later as
 * the phone dates it, so that none is taken for a repeat), and handles
 * everything waiting, as the daemon's router would. */
void
su_receive(struct store *store, const struct conf *conf, const char *sender,
    const char *text, int64_t at)
{
	static int seq;
	struct store_part p = {
		.sender = sender, .sent_at = at + seq++, .part_no = 1,
		.part_count = 1, .text = text,
	};

	assert_int_equal(store_put_part(store, &p, at), 1);
	while (route_handle_next(store, conf, at) == 1)
		;
}

int
su_send_due(struct store *store, int64_t at)
{
	struct store_out o;
	int n = 0;

	while (store_outbox_next(store, at, &o) == 1) {
		assert_int_equal(store_outbox_sent(store, o.id, "1", at), 0);
		store_out_free(&o);
		n++;
	}
	return n;
}
