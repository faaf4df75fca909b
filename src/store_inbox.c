/*
 * store_inbox: parts of incoming SMS and the messages they make.
 *
 * Every part is stored as it comes, in a transaction that also creates its
 * message when the part is a whole SMS or completes a long one, so that the
 * caller may delete it from the modem as soon as we return. A part the modem
 * hands over twice is recognised by a UNIQUE keyed digest (device secret)
 * of what the modem gave, which outlives the blanking of a report's text,
 * and changes nothing.
 * Parts of a long message group by (sender, reference, count) among the parts
 * not yet joined, so a sender reusing a reference later starts a new group.
 * A waiting part keeps its user data (schema 7): the message's text is
 * decoded from the joined data of its parts, never from texts decoded part
 * by part, since a phone splits a long message wherever a part is full,
 * also inside a surrogate pair or a UTF-8 sequence.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

#define STORE_DIGEST_LEN 32

#define STORE_MSG_COLS \
	"id, sender, text, sent_at, received_at, handled_at, keyword," \
	" parts, partial, malformed, modem"

/* Inserts a message; *id receives its rowid. Returns 0 or -1. */
static int
store_msg_insert(struct store *store, const char *sender, const char *text,
    int64_t sent_at, int64_t received_at, int parts, int partial,
    int malformed, int64_t *id)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "INSERT INTO messages (sender, text, sent_at,"
	    " received_at, parts, partial, malformed)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, sender);
	store_bind_str(stmt, 2, text);
	sqlite3_bind_int64(stmt, 3, sent_at);
	sqlite3_bind_int64(stmt, 4, received_at);
	sqlite3_bind_int(stmt, 5, parts);
	sqlite3_bind_int(stmt, 6, partial);
	sqlite3_bind_int(stmt, 7, malformed != 0);
	if (store_step_done(store, stmt, "insert message") == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(store->db);
	return 0;
}

/* Records that the given parts belong to message msg; their data, now in
 * the message's text, goes. Returns 0 or -1. */
static int
store_parts_link(struct store *store, const int64_t *ids, int n, int64_t msg)
{
	sqlite3_stmt *stmt;
	int i;

	if (store_prepare(store, "UPDATE parts SET message_id = ?1, data = NULL"
	    " WHERE id = ?2", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, msg);
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(stmt, 2, ids[i]);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			store_fail(store, "link parts");
			sqlite3_finalize(stmt);
			return -1;
		}
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	return 0;
}

/*
 * Fills p from a row of (part_no, text, malformed, coding, data, form) at
 * column col on, with copies the caller frees. 0, or -1 when out of
 * memory.
 */
static int
store_piece_row(sqlite3_stmt *stmt, int col, struct store_piece *p)
{
	const void *blob;
	unsigned char *data;
	char *text;
	int n;

	memset(p, 0, sizeof(*p));
	p->no = sqlite3_column_int(stmt, col);
	if ((text = strdup(store_col_str(stmt, col + 1))) == NULL)
		return -1;
	p->text = text;
	p->malformed = sqlite3_column_int(stmt, col + 2) != 0;
	p->coding = sqlite3_column_int(stmt, col + 3);
	if (sqlite3_column_int(stmt, col + 5) == 0)
		return store_piece_legacy(p);
	if (sqlite3_column_type(stmt, col + 4) != SQLITE_BLOB ||
	    (p->coding != STORE_CODING_UCS2 && p->coding != STORE_CODING_8BIT))
		return 0;
	blob = sqlite3_column_blob(stmt, col + 4);
	n = sqlite3_column_bytes(stmt, col + 4);
	if ((data = malloc((size_t)n + 1)) == NULL)
		return -1;
	if (n > 0)
		memcpy(data, blob, (size_t)n);
	p->data = data;
	p->len = (size_t)n;
	return 0;
}

/* What a group of unjoined parts holds: the first part of each number. */
struct store_group {
	int64_t *ids;
	struct store_piece *pieces;
	int n;
	int64_t sent_at, received_at;
};

static void
store_group_free(struct store_group *g)
{
	int i;

	for (i = 0; g->pieces != NULL && i < g->n; i++) {
		free((void *)g->pieces[i].data);	/* owned: read */
		free((void *)g->pieces[i].text);
	}
	free(g->pieces);
	free(g->ids);
}

/* The key of a group being read, and where its parts go. */
struct store_group_key {
	struct store *store;
	const char *sender;
	int ref, count, last;
	struct store_group *g;
};

static void
store_group_bind(sqlite3_stmt *stmt, const void *arg)
{
	const struct store_group_key *k = arg;

	store_bind_str(stmt, 1, k->sender);
	sqlite3_bind_int(stmt, 2, k->ref);
	sqlite3_bind_int(stmt, 3, k->count);
}

static int
store_group_row(sqlite3_stmt *stmt, void *arg)
{
	struct store_group_key *k = arg;
	struct store_group *g = k->g;
	int no;

	no = sqlite3_column_int(stmt, 3);
	if (no == k->last || g->n >= k->count)
		return 0;	/* the same number again: not ours */
	k->last = no;
	g->ids[g->n] = sqlite3_column_int64(stmt, 0);
	if (store_piece_row(stmt, 3, &g->pieces[g->n++]) == -1)
		return store_failx(k->store, "out of memory");
	if (g->n == 1)
		g->sent_at = sqlite3_column_int64(stmt, 1);
	if (sqlite3_column_int64(stmt, 2) > g->received_at)
		g->received_at = sqlite3_column_int64(stmt, 2);
	return 0;
}

/* Reads the group's parts in part_no order, skipping repeated numbers.
 * Fills g (caller frees with store_group_free()). Returns 0 or -1. */
static int
store_group_read(struct store *store, const char *sender, int ref, int count,
    struct store_group *g)
{
	struct store_group_key k = { store, sender, ref, count, 0, g };

	if ((g->ids = calloc(count, sizeof(*g->ids))) == NULL ||
	    (g->pieces = calloc(count, sizeof(*g->pieces))) == NULL)
		return store_failx(store, "out of memory");
	return store_rows(store, "SELECT id, sent_at, received_at, part_no,"
	    " text, malformed, coding, data, form FROM parts WHERE sender = ?1"
	    " AND concat_ref = ?2 AND part_count = ?3 AND message_id IS NULL"
	    " ORDER BY part_no, id", store_group_bind, &k, store_group_row, &k,
	    "read parts") < 0 ? -1 : 0;
}

/*
 * Joins the unjoined parts of (sender, ref, count) into one message: when
 * every number 1..count is there, or with partial set, whatever is there
 * (marked partial when a number is missing). Runs inside the caller's
 * transaction. Returns 1 joined, 0 not (yet), -1 error.
 */
static int
store_group_join(struct store *store, const char *sender, int ref, int count,
    int partial)
{
	struct store_group g;
	struct store_buf text = { NULL, 0, 0 };
	int64_t msg;
	int rc = 0, malformed = 0;

	memset(&g, 0, sizeof(g));
	if (store_group_read(store, sender, ref, count, &g) == -1) {
		rc = -1;
		goto done;
	}
	if (g.n == 0 || (g.n < count && !partial))
		goto done;
	rc = -1;
	if (store_join_text(g.pieces, g.n, &text, &malformed) == -1) {
		store_failx(store, "out of memory");
		goto done;
	}
	if (store_msg_insert(store, sender, text.s, g.sent_at, g.received_at,
	    g.n, g.n < count, malformed, &msg) == -1)
		goto done;
	if (store_parts_link(store, g.ids, g.n, msg) == -1)
		goto done;
	rc = 1;
done:
	store_group_free(&g);
	free(text.s);
	return rc;
}

/* Feeds a length and the bytes of s to the digest: no two field lists
 * feed the same bytes. */
static void
store_digest_str(crypto_generichash_state *st, const char *s)
{
	uint64_t n = strlen(s);

	crypto_generichash_update(st, (const unsigned char *)&n, sizeof(n));
	crypto_generichash_update(st, (const unsigned char *)s, n);
}

/*
 * The part's digest into out: BLAKE2b keyed with a key derived from the
 * device secret, so that the digest of a blanked report part cannot be
 * tried against guessed numbers and texts without the database's secret.
 * Returns 0 or -1.
 */
static int
store_part_digest(struct store *store, const struct store_part *part,
    const char *sender, const char *text, unsigned char *out)
{
	crypto_generichash_state st;
	unsigned char key[32];
	int64_t nums[4];

	if (store_device_key(store, "part", key) == -1)
		return -1;
	nums[0] = part->sent_at;
	nums[1] = part->concat_ref;
	nums[2] = part->part_no;
	nums[3] = part->part_count;
	crypto_generichash_init(&st, key, sizeof(key), STORE_DIGEST_LEN);
	store_digest_str(&st, sender);
	crypto_generichash_update(&st, (const unsigned char *)nums,
	    sizeof(nums));
	store_digest_str(&st, text);
	crypto_generichash_final(&st, out, STORE_DIGEST_LEN);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&st, sizeof(st));
	return 0;
}

/* Whether the part was stored before schema 3 (no digest). Returns 1, 0
 * or -1. */
static int
store_part_legacy(struct store *store, const struct store_part *part,
    const char *sender, const char *text)
{
	sqlite3_stmt *stmt;
	int64_t n;

	if (store_prepare(store, "SELECT count(*) FROM parts WHERE"
	    " digest IS NULL AND sender = ?1 AND sent_at = ?2"
	    " AND concat_ref = ?3 AND part_no = ?4 AND part_count = ?5"
	    " AND text = ?6", &stmt) == -1)
		return -1;
	store_bind_str(stmt, 1, sender);
	sqlite3_bind_int64(stmt, 2, part->sent_at);
	sqlite3_bind_int(stmt, 3, part->concat_ref);
	sqlite3_bind_int(stmt, 4, part->part_no);
	sqlite3_bind_int(stmt, 5, part->part_count);
	store_bind_str(stmt, 6, text);
	if (store_step_int64(store, stmt, 0, &n) == -1)
		return -1;
	return n > 0;
}

/* Inserts the part unless already stored. Returns 1 inserted, 0 duplicate,
 * -1 error. */
static int
store_part_insert(struct store *store, const struct store_part *part,
    const char *sender, const char *text, int64_t now)
{
	unsigned char digest[STORE_DIGEST_LEN];
	sqlite3_stmt *stmt;
	int n;

	if ((n = store_part_legacy(store, part, sender, text)) != 0)
		return n == 1 ? 0 : -1;
	if (store_part_digest(store, part, sender, text, digest) == -1)
		return -1;
	if (store_prepare(store, "INSERT INTO parts (sender, sent_at,"
	    " concat_ref, part_no, part_count, text, coding, malformed,"
	    " received_at, digest, data, form, modem)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12)"
	    " ON CONFLICT DO NOTHING", &stmt) == -1)
		return -1;
	/* Static: a copy needs memory, and a bind that fails for want of it
	 * leaves the digest NULL, so that once the part is blanked (a
	 * report's) nothing recognises it when the modem gives it again. */
	sqlite3_bind_blob(stmt, 10, digest, sizeof(digest), SQLITE_STATIC);
	if (part->data != NULL)
		sqlite3_bind_blob64(stmt, 11, part->data, part->data_len,
		    SQLITE_STATIC);
	store_bind_str(stmt, 1, sender);
	sqlite3_bind_int64(stmt, 2, part->sent_at);
	sqlite3_bind_int(stmt, 3, part->concat_ref);
	sqlite3_bind_int(stmt, 4, part->part_no);
	sqlite3_bind_int(stmt, 5, part->part_count);
	store_bind_str(stmt, 6, text);
	sqlite3_bind_int(stmt, 7, part->coding);
	sqlite3_bind_int(stmt, 8, part->malformed != 0);
	sqlite3_bind_int64(stmt, 9, now);
	store_bind_str(stmt, 12, part->modem);
	if ((n = store_step_done(store, stmt, "insert part")) == -1)
		return -1;
	return n > 0;
}

/*
 * The body of store_put_part, inside its transaction. A part that claims a
 * number outside 1..count cannot join anything: it becomes a message of its
 * own, marked malformed, rather than waiting forever.
 */
static int
store_put_part_tx(struct store *store, const struct store_part *part,
    int64_t now)
{
	const char *sender = part->sender ? part->sender : "";
	const char *text = part->text ? part->text : "";
	struct store_piece piece;
	struct store_buf joined = { NULL, 0, 0 };
	int64_t id, msg;
	int rc, odd, malformed = 0;

	if ((rc = store_part_insert(store, part, sender, text, now)) != 1)
		return rc;
	odd = part->part_count > 1 &&
	    (part->part_no < 1 || part->part_no > part->part_count);
	if (part->part_count > 1 && !odd)
		return store_group_join(store, sender, part->concat_ref,
		    part->part_count, 0) == -1 ? -1 : 1;
	id = sqlite3_last_insert_rowid(store->db);
	memset(&piece, 0, sizeof(piece));
	piece.coding = part->coding;
	piece.text = text;
	piece.malformed = part->malformed;
	if (part->data != NULL && (part->coding == STORE_CODING_UCS2 ||
	    part->coding == STORE_CODING_8BIT)) {
		piece.data = part->data;
		piece.len = part->data_len;
	}
	if (store_join_text(&piece, 1, &joined, &malformed) == -1)
		rc = store_failx(store, "out of memory");
	else
		rc = store_msg_insert(store, sender, joined.s, part->sent_at,
		    now, 1, odd, malformed || odd, &msg);
	free(joined.s);
	if (rc == -1 || store_parts_link(store, &id, 1, msg) == -1)
		return -1;
	/* a probe asks nothing of anyone: closed as it comes */
	if (part->probe && store_msg_handled(store, msg, "probe", now) == -1)
		return -1;
	return 1;
}

int
store_put_part(struct store *store, const struct store_part *part,
    int64_t now)
{
	int own;

	if (store_tx_enter(store, &own) == -1)
		return -1;
	return store_tx_leave(store, own, store_put_part_tx(store, part, now));
}

/* The first incomplete group that is old enough (store_expire_find()). */
struct store_expired {
	struct store *store;
	int64_t older_than;
	char *sender;
	int ref, count;
};

static void
store_expired_bind(sqlite3_stmt *stmt, const void *arg)
{
	sqlite3_bind_int64(stmt, 1,
	    ((const struct store_expired *)arg)->older_than);
}

static int
store_expired_row(sqlite3_stmt *stmt, void *arg)
{
	struct store_expired *e = arg;

	e->ref = sqlite3_column_int(stmt, 1);
	e->count = sqlite3_column_int(stmt, 2);
	if (store_col_dup(stmt, 0, &e->sender) == -1 || e->sender == NULL)
		return store_failx(e->store, "out of memory");
	return 1;
}

/* Fills e with the first incomplete group that is old enough (the caller
 * frees e->sender). Returns 1 found, 0 none, -1 error. */
static int
store_expire_find(struct store *store, struct store_expired *e)
{
	e->sender = NULL;
	return store_rows(store, "SELECT sender, concat_ref, part_count"
	    " FROM parts WHERE message_id IS NULL"
	    " GROUP BY sender, concat_ref, part_count"
	    " HAVING min(received_at) <= ?1 LIMIT 1", store_expired_bind, e,
	    store_expired_row, e, "find expired parts");
}

/* Each join takes at least one part out of the pool, so this ends. */
static int
store_expire_parts_tx(struct store *store, int64_t older_than)
{
	struct store_expired e = { store, older_than, NULL, 0, 0 };
	int n = 0, rc;

	for (;;) {
		rc = store_expire_find(store, &e);
		if (rc <= 0)
			return rc == -1 ? -1 : n;
		rc = store_group_join(store, e.sender, e.ref, e.count, 1);
		free(e.sender);
		if (rc == -1)
			return -1;
		if (rc == 0)
			return store_failx(store, "expire: empty group");
		n++;
	}
}

int
store_expire_parts(struct store *store, int64_t older_than)
{
	int own;

	if (store_tx_enter(store, &own) == -1)
		return -1;
	return store_tx_leave(store, own,
	    store_expire_parts_tx(store, older_than));
}

/* Fills msg from a row of STORE_MSG_COLS; strings borrowed from stmt. */
static void
store_msg_row(sqlite3_stmt *stmt, struct store_msg *msg)
{
	msg->id = sqlite3_column_int64(stmt, 0);
	msg->sender = (char *)store_col_str(stmt, 1);
	msg->text = (char *)store_col_str(stmt, 2);
	msg->sent_at = sqlite3_column_int64(stmt, 3);
	msg->received_at = sqlite3_column_int64(stmt, 4);
	msg->handled_at = sqlite3_column_int64(stmt, 5);
	msg->keyword = sqlite3_column_type(stmt, 6) == SQLITE_NULL ? NULL :
	    (char *)store_col_str(stmt, 6);
	msg->parts = sqlite3_column_int(stmt, 7);
	msg->partial = sqlite3_column_int(stmt, 8);
	msg->malformed = sqlite3_column_int(stmt, 9);
	msg->modem = sqlite3_column_type(stmt, 10) == SQLITE_NULL ? NULL :
	    (char *)store_col_str(stmt, 10);
}

/* A row of STORE_MSG_COLS copied into the caller's message. */
struct store_msg_copy {
	struct store *store;
	struct store_msg *msg;
};

static int
store_msg_copy_row(sqlite3_stmt *stmt, void *arg)
{
	struct store_msg_copy *c = arg;
	struct store_msg *msg = c->msg;

	store_msg_row(stmt, msg);
	msg->sender = msg->text = msg->keyword = msg->modem = NULL;
	if (store_col_dup(stmt, 1, &msg->sender) == -1 ||
	    store_col_dup(stmt, 2, &msg->text) == -1 ||
	    store_col_dup(stmt, 6, &msg->keyword) == -1 ||
	    store_col_dup(stmt, 10, &msg->modem) == -1) {
		store_msg_free(msg);
		return store_failx(c->store, "out of memory");
	}
	return 1;
}

int
store_msg_next(struct store *store, struct store_msg *msg)
{
	struct store_msg_copy c = { store, msg };

	memset(msg, 0, sizeof(*msg));
	return store_rows(store, "SELECT " STORE_MSG_COLS " FROM messages"
	    " WHERE handled_at IS NULL ORDER BY id LIMIT 1", NULL, NULL,
	    store_msg_copy_row, &c, "next message");
}

void
store_msg_free(struct store_msg *msg)
{
	if (msg == NULL)
		return;
	free(msg->sender);
	free(msg->text);
	free(msg->keyword);
	free(msg->modem);
	memset(msg, 0, sizeof(*msg));
}

int
store_msg_handled(struct store *store, int64_t id, const char *keyword,
    int64_t now)
{
	sqlite3_stmt *stmt;
	int n;

	if (store_prepare(store, "UPDATE messages SET handled_at = ?1,"
	    " keyword = ?2 WHERE id = ?3 AND handled_at IS NULL", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, now);
	store_bind_str(stmt, 2, keyword);
	sqlite3_bind_int64(stmt, 3, id);
	if ((n = store_step_done(store, stmt, "mark handled")) == -1)
		return -1;
	return n > 0;
}

/* Messages newest first; state "new", "handled" or "malformed", since on
 * received_at. */
struct store_msg_list {
	store_msg_cb cb;
	void *arg;
};

static int
store_msg_list_row(sqlite3_stmt *stmt, void *arg)
{
	struct store_msg_list *l = arg;
	struct store_msg msg;

	store_msg_row(stmt, &msg);
	return l->cb(l->arg, &msg) != 0;
}

int
store_list_inbox(struct store *store, const struct store_filter *filter,
    store_msg_cb cb, void *arg)
{
	struct store_msg_list l = { cb, arg };

	return store_rows(store, "SELECT " STORE_MSG_COLS " FROM messages"
	    " WHERE (?1 IS NULL OR (?1 = 'new' AND handled_at IS NULL)"
	    "  OR (?1 = 'handled' AND handled_at IS NOT NULL)"
	    "  OR (?1 = 'malformed' AND malformed != 0))"
	    " AND (?2 = 0 OR received_at >= ?2)"
	    " AND (?3 IS NULL OR instr(text, ?3) > 0)"
	    " ORDER BY received_at DESC, id DESC LIMIT ?4", store_bind_filter,
	    filter, store_msg_list_row, &l, "list inbox") < 0 ? -1 : 0;
}

int
store_scrub_message(struct store *store, int64_t message_id)
{
	sqlite3_stmt *stmt;

	if (store_prepare(store, "UPDATE messages SET sender = '', text = ''"
	    " WHERE id = ?1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, message_id);
	if (store_step_done(store, stmt, "scrub message") < 0)
		return -1;
	/* Parts keep their digest (schema 3), so that a part the modem
	 * gives again is still known; sender and text go. */
	if (store_prepare(store, "UPDATE parts SET sender = '', text = ''"
	    " WHERE message_id = ?1", &stmt) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, message_id);
	return store_step_done(store, stmt, "scrub parts") < 0 ? -1 : 0;
}

/* Handled messages handled before ?1 that still hold a number or text. */
#define STORE_INBOX_PURGE \
	"handled_at IS NOT NULL AND handled_at < ?1" \
	" AND (sender != '' OR text != '')"

int
store_inbox_purge(struct store *store, int64_t before, int dry_run)
{
	if (dry_run)
		return store_purge_count(store, "SELECT count(*) FROM messages"
		    " WHERE " STORE_INBOX_PURGE, before);
	/* Parts keep their digest, so that a part the modem gives again is
	 * still known; sender and text go. */
	if (store_purge_run(store, "UPDATE parts SET sender = '', text = ''"
	    " WHERE (sender != '' OR text != '') AND message_id IN"
	    " (SELECT id FROM messages WHERE handled_at IS NOT NULL"
	    " AND handled_at < ?1)", before) < 0)
		return -1;
	return store_purge_run(store, "UPDATE messages SET sender = '',"
	    " text = '' WHERE " STORE_INBOX_PURGE, before);
}
