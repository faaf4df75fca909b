/*
 * test_casework: a caseworker's actions as both front ends run them, on a
 * real database file with a real key pair: what is refused (no key,
 * another key, a closed report, a claimed one), what each action leaves
 * (timeline, audit row, outbox), and that nothing a caseworker writes
 * beside a sealed report reaches the file or its WAL in the clear. Also
 * the store beneath the console: accounts, the audit listing, the vault.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "casework.h"
#include "seal.h"
#include "store.h"

#define NUMBER "+97699113344"
#define TEXT "a man keeps our passports in the Erlian hotel"
#define NOTE "called the hotel manager Batbold"
#define OUTCOME "referred to the border police"

struct fixture {
	char dir[64];
	char db[96], pub[96], sec[96], pub2[96], sec2[96];
	struct store *store;
	struct seal_sec key, other;
	int64_t sealed_id, clear_id;
	char sealed_ref[16], clear_ref[16];
};

/* Files a report sealed to the fixture's key, and a clear one. */
static void
file_reports(struct fixture *f)
{
	struct store_report_new n;
	struct seal_pub pub;
	unsigned char *blob;
	char err[512];
	size_t len;

	if (seal_load_public(f->pub, &pub, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	blob = seal_seal(&pub, NUMBER "\n" TEXT, strlen(NUMBER "\n" TEXT),
	    &len);
	assert_non_null(blob);
	memset(&n, 0, sizeof(n));
	n.number = "";
	n.text = "";
	n.sealed = blob;
	n.sealed_len = len;
	n.key_id = pub.id;
	n.urgent = 1;
	f->sealed_id = store_report_file(f->store, &n, 1000, f->sealed_ref,
	    sizeof(f->sealed_ref));
	assert_true(f->sealed_id > 0);
	free(blob);
	memset(&n, 0, sizeof(n));
	n.number = "+97688001122";
	n.text = "my cousin went to Ulaanbaatar for a job";
	f->clear_id = store_report_file(f->store, &n, 1001, f->clear_ref,
	    sizeof(f->clear_ref));
	assert_true(f->clear_id > 0);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_casework.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/shukher.db", f->dir);
	snprintf(f->pub, sizeof(f->pub), "%s/cw.pub", f->dir);
	snprintf(f->sec, sizeof(f->sec), "%s/cw.key", f->dir);
	snprintf(f->pub2, sizeof(f->pub2), "%s/b.pub", f->dir);
	snprintf(f->sec2, sizeof(f->sec2), "%s/b.key", f->dir);
	if (seal_keygen(f->pub, f->sec, err, sizeof(err)) == -1 ||
	    seal_keygen(f->pub2, f->sec2, err, sizeof(err)) == -1 ||
	    seal_load_secret(f->sec, &f->key, err, sizeof(err)) == -1 ||
	    seal_load_secret(f->sec2, &f->other, err, sizeof(err)) == -1)
		fail_msg("keys: %s", err);
	if ((f->store = store_open(f->db, 1, err, sizeof(err))) == NULL)
		fail_msg("store_open: %s", err);
	file_reports(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	const char *names[] = { "shukher.db", "shukher.db-wal",
	    "shukher.db-shm", "cw.pub", "cw.key", "b.pub", "b.key", NULL };
	char path[160];
	int i;

	store_close(f->store);
	for (i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
		unlink(path);
	}
	rmdir(f->dir);
	seal_sec_wipe(&f->key);
	seal_sec_wipe(&f->other);
	free(f);
	return 0;
}

/* A caseworker at the console with key (NULL: locked). */
static struct casework
web(struct fixture *f, const struct seal_sec *key)
{
	struct casework cw = { .store = f->store, .sec = key,
	    .actor = "oyuna", .via = "web", .addr = "192.0.2.7",
	    .max_segments = CASEWORK_SEGMENTS_DEFAULT };

	return cw;
}

static void
find(struct fixture *f, int64_t id, struct store_report *r)
{
	struct casework cw = web(f, NULL);
	char key[24];

	snprintf(key, sizeof(key), "%lld", (long long)id);
	assert_int_equal(casework_find(&cw, key, r), CW_OK);
}

/* Whether needle stands in the database file or its WAL. */
static int
on_disk(struct fixture *f, const char *needle)
{
	const char *suffix[] = { "", "-wal", NULL };
	char path[160], *buf;
	size_t n, len = strlen(needle), i;
	FILE *fp;
	int j, found = 0;

	for (j = 0; suffix[j] != NULL && !found; j++) {
		snprintf(path, sizeof(path), "%s%s", f->db, suffix[j]);
		if ((fp = fopen(path, "rb")) == NULL)
			continue;
		buf = malloc(1 << 22);
		assert_non_null(buf);
		n = fread(buf, 1, 1 << 22, fp);
		fclose(fp);
		for (i = 0; i + len <= n && !found; i++)
			found = memcmp(buf + i, needle, len) == 0;
		free(buf);
	}
	return found;
}

/* The audit log, newest first, collected as "actor via action ref addr"
 * lines. */
struct audit_lines {
	char line[16][160];
	int n;
};

static int
audit_row(void *arg, const struct store_audit *a)
{
	struct audit_lines *l = arg;

	if (l->n < 16)
		snprintf(l->line[l->n++], sizeof(l->line[0]), "%s %s %s %s %s",
		    a->actor, a->via, a->action,
		    a->report_ref != NULL ? a->report_ref : "-",
		    a->addr != NULL ? a->addr : "-");
	return 0;
}

static struct audit_lines
audit(struct fixture *f, int64_t report_id)
{
	struct audit_lines l;

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_list_audit(f->store, report_id, 0, audit_row,
	    &l), 0);
	return l;
}

/* The timeline of a report as "kind actor text" lines. */
struct tl_lines {
	char line[16][200];
	int n;
};

static int
tl_row(void *arg, const struct casework_entry *ce)
{
	struct tl_lines *t = arg;

	if (t->n < 16)
		snprintf(t->line[t->n++], sizeof(t->line[0]), "%s %s %s",
		    ce->e->kind, ce->e->actor != NULL ? ce->e->actor : "-",
		    ce->unreadable ? "(unreadable)" :
		    ce->text != NULL ? ce->text : "-");
	return 0;
}

static struct tl_lines
timeline(struct fixture *f, const struct seal_sec *key, int64_t id)
{
	struct casework cw = web(f, key);
	struct tl_lines t;

	memset(&t, 0, sizeof(t));
	assert_int_equal(casework_timeline(&cw, id, tl_row, &t), CW_OK);
	return t;
}

/* Whether one of the n lines is line. */
static int
has_line(const char (*lines)[200], int n, const char *line)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(lines[i], line) == 0)
			return 1;
	return 0;
}

static void
test_sealed_claim_note_close(void **state)
{
	struct fixture *f = *state;
	struct casework locked = web(f, NULL), cw = web(f, &f->key);
	struct store_report r;
	struct audit_lines a;
	struct tl_lines t;
	char line[160];

	find(f, f->sealed_id, &r);
	/* A claim writes no text: no key needed. */
	assert_int_equal(casework_claim(&locked, &r), CW_OK);
	/* A note would have to be sealed: refused without the key, and
	 * nothing written, not even an audit row. */
	assert_int_equal(casework_note(&locked, &r, NOTE), CW_LOCKED);
	assert_int_equal(audit(f, f->sealed_id).n, 1);
	assert_int_equal(casework_note(&cw, &r, NOTE), CW_OK);
	assert_int_equal(casework_note(&cw, &r, ""), CW_EMPTY);
	assert_int_equal(casework_close(&cw, &r, OUTCOME), CW_OK);
	store_report_free(&r);

	find(f, f->sealed_id, &r);
	assert_string_equal(r.status, "closed");
	assert_string_equal(r.claimed_by, "oyuna");
	/* The outcome lives only in the sealed timeline. */
	assert_true(r.outcome == NULL || r.outcome[0] == '\0');
	/* Closed: no more changes, the first outcome stays. */
	assert_int_equal(casework_close(&cw, &r, "another outcome"),
	    CW_CLOSED);
	assert_int_equal(casework_note(&cw, &r, "late note"), CW_CLOSED);
	assert_int_equal(casework_claim(&cw, &r), CW_CLOSED);
	assert_int_equal(casework_reply(&cw, &r, "hello", NULL), CW_CLOSED);
	store_report_free(&r);

	t = timeline(f, &f->key, f->sealed_id);
	assert_true(has_line(t.line, t.n, "claim oyuna -"));
	assert_true(has_line(t.line, t.n, "note oyuna " NOTE));
	assert_true(has_line(t.line, t.n, "close oyuna " OUTCOME));
	assert_false(has_line(t.line, t.n, "close oyuna another outcome"));
	/* Without the key the entries are there but unreadable. */
	t = timeline(f, NULL, f->sealed_id);
	assert_true(has_line(t.line, t.n, "note oyuna (unreadable)"));
	t = timeline(f, &f->other, f->sealed_id);
	assert_true(has_line(t.line, t.n, "close oyuna (unreadable)"));

	/* One audit row per action done, newest first, none for refusals. */
	a = audit(f, f->sealed_id);
	assert_int_equal(a.n, 3);
	snprintf(line, sizeof(line), "oyuna web close %s 192.0.2.7",
	    f->sealed_ref);
	assert_string_equal(a.line[0], line);
	snprintf(line, sizeof(line), "oyuna web note %s 192.0.2.7",
	    f->sealed_ref);
	assert_string_equal(a.line[1], line);
	snprintf(line, sizeof(line), "oyuna web claim %s 192.0.2.7",
	    f->sealed_ref);
	assert_string_equal(a.line[2], line);

	/* Nothing beside a sealed report in the clear, not in the WAL. */
	assert_false(on_disk(f, NOTE));
	assert_false(on_disk(f, OUTCOME));
	assert_false(on_disk(f, "passports"));
}

static void
test_clear_report(void **state)
{
	struct fixture *f = *state;
	struct casework cli = { .store = f->store, .actor = "tuya",
	    .via = "cli", .max_segments = 2 };
	struct store_report r;
	struct audit_lines a;
	struct tl_lines t;
	char line[160];

	find(f, f->clear_id, &r);
	/* A clear report takes text without any key. */
	assert_int_equal(casework_open(&cli, &r, 1), CW_OK);
	assert_string_equal(r.text, "my cousin went to Ulaanbaatar for a job");
	assert_int_equal(casework_claim(&cli, &r), CW_OK);
	assert_int_equal(casework_note(&cli, &r, "asked for the agency"),
	    CW_OK);
	assert_int_equal(casework_close(&cli, &r, "agency is licensed"),
	    CW_OK);
	store_report_free(&r);
	find(f, f->clear_id, &r);
	assert_string_equal(r.status, "closed");
	assert_string_equal(r.outcome, "agency is licensed");
	store_report_free(&r);
	t = timeline(f, NULL, f->clear_id);
	assert_true(has_line(t.line, t.n, "note tuya asked for the agency"));
	assert_true(has_line(t.line, t.n, "close tuya agency is licensed"));
	a = audit(f, f->clear_id);
	assert_int_equal(a.n, 4);
	snprintf(line, sizeof(line), "tuya cli open %s -", f->clear_ref);
	assert_string_equal(a.line[3], line);
	/* The sealed report's audit is its own. */
	assert_int_equal(audit(f, f->sealed_id).n, 0);
	assert_int_equal(audit(f, 0).n, 4);
}

static void
test_open_locked_wrong_damaged(void **state)
{
	struct fixture *f = *state;
	struct casework locked = web(f, NULL), wrong = web(f, &f->other);
	struct casework cw = web(f, &f->key);
	struct store_report r, copy;
	unsigned char *blob;

	find(f, f->sealed_id, &r);
	assert_int_equal(casework_open(&locked, &r, 1), CW_LOCKED);
	assert_int_equal(casework_open(&wrong, &r, 1), CW_WRONGKEY);
	/* Another pair's key writes nothing a real caseworker could not
	 * read. */
	assert_int_equal(casework_note(&wrong, &r, NOTE), CW_WRONGKEY);
	assert_int_equal(casework_reply(&wrong, &r, "hello", NULL),
	    CW_WRONGKEY);
	assert_int_equal(casework_reply(&locked, &r, "hello", NULL),
	    CW_LOCKED);
	/* A damaged blob is told apart from a wrong key. */
	copy = r;
	blob = malloc(r.sealed_len);
	assert_non_null(blob);
	memcpy(blob, r.sealed, r.sealed_len);
	blob[r.sealed_len - 3] ^= 0x40;
	copy.sealed = blob;
	copy.number = copy.text = NULL;
	assert_int_equal(casework_open(&cw, &copy, 0), CW_DAMAGED);
	free(blob);
	/* Refusals leave no audit row. */
	assert_int_equal(audit(f, f->sealed_id).n, 0);

	assert_int_equal(casework_open(&cw, &r, 0), CW_OK);
	assert_string_equal(r.number, NUMBER);
	assert_string_equal(r.text, TEXT);
	/* A list opens without an audit row; show and the console do. */
	assert_int_equal(audit(f, f->sealed_id).n, 0);
	store_report_free(&r);
	find(f, f->sealed_id, &r);
	assert_int_equal(casework_open(&cw, &r, 1), CW_OK);
	assert_int_equal(audit(f, f->sealed_id).n, 1);
	store_report_free(&r);
}

/* Finds the outbox row id; fills number and text (static). */
static char out_number[64], out_text[200];
static int out_kind;

static int
out_row(void *arg, const struct store_out *o)
{
	if (o->id != *(int64_t *)arg)
		return 0;
	snprintf(out_number, sizeof(out_number), "%s", o->number);
	snprintf(out_text, sizeof(out_text), "%s", o->text);
	out_kind = o->kind;
	return 1;
}

static void
test_reply(void **state)
{
	struct fixture *f = *state;
	struct casework cw = web(f, &f->key);
	struct store_filter all = { NULL, -1, 0, NULL, 0 };
	struct store_report r;
	struct audit_lines a;
	struct tl_lines t;
	int64_t out = 0;

	find(f, f->sealed_id, &r);
	assert_int_equal(casework_reply(&cw, &r, "", &out), CW_EMPTY);
	assert_int_equal(casework_reply(&cw, &r, "We can help. Call 1800",
	    &out), CW_OK);
	assert_true(out > 0);
	store_report_free(&r);
	/* Queued to the reporter's number, opened with the key, from the
	 * gateway. */
	out_number[0] = '\0';
	assert_int_equal(store_list_outbox(f->store, &all, out_row, &out), 0);
	assert_string_equal(out_number, NUMBER);
	assert_string_equal(out_text, "We can help. Call 1800");
	assert_int_equal(out_kind, STORE_OUT_MANUAL);
	t = timeline(f, &f->key, f->sealed_id);
	assert_true(has_line(t.line, t.n, "reply oyuna We can help. Call 1800"));
	t = timeline(f, NULL, f->sealed_id);
	assert_true(has_line(t.line, t.n, "reply oyuna (unreadable)"));
	a = audit(f, f->sealed_id);
	assert_int_equal(a.n, 1);
	assert_non_null(strstr(a.line[0], " reply "));
	/* A clear report with no number kept has nobody to answer. */
	find(f, f->clear_id, &r);
	free(r.number);
	r.number = strdup("");
	assert_int_equal(casework_reply(&cw, &r, "hello", NULL), CW_NONUMBER);
	store_report_free(&r);
}

/* n copies of the UTF-8 character c, then tail, in a new string. */
static char *
repeat(const char *c, int n, const char *tail)
{
	size_t len = strlen(c), i;
	char *s = malloc(len * (size_t)n + strlen(tail) + 1);

	assert_non_null(s);
	for (i = 0; i < (size_t)n; i++)
		memcpy(s + i * len, c, len);
	strcpy(s + len * (size_t)n, tail);
	return s;
}

/* casework_check_text() of n times c then tail with max parts, checked
 * to agree with the sender's calculator (sms_measure()). */
static enum cw_err
check(const char *c, int n, const char *tail, int max)
{
	struct sms_info info, m;
	char *s = repeat(c, n, tail);
	enum cw_err err = casework_check_text(s, max, &info);

	assert_int_equal(sms_measure(s, &m), 0);
	assert_int_equal(info.segments, m.segments);
	assert_int_equal(info.encoding, m.encoding);
	if (strlen(s) <= CASEWORK_TEXT_BYTES)
		assert_int_equal(err == CW_OK, m.segments <= max &&
		    m.segments <= CASEWORK_PARTS_MAX);
	free(s);
	return err;
}

static void
test_reply_text_limits(void **state)
{
	(void)state;
	/* GSM-7: 160 in one SMS, 153 a part; exactly the limit, one more. */
	assert_int_equal(check("a", 160, "", 1), CW_OK);
	assert_int_equal(check("a", 161, "", 1), CW_TOOLONG);
	assert_int_equal(check("a", 306, "", 2), CW_OK);
	assert_int_equal(check("a", 307, "", 2), CW_TOOLONG);
	assert_int_equal(check("a", 459, "", 3), CW_OK);
	assert_int_equal(check("a", 460, "", 3), CW_TOOLONG);
	/* An extension character takes two septets, and never straddles
	 * two parts. */
	assert_int_equal(check("a", 304, "€", 2), CW_OK);
	assert_int_equal(check("a", 305, "€", 2), CW_TOOLONG);
	assert_int_equal(check("a", 158, "€", 1), CW_OK);
	assert_int_equal(check("a", 159, "€", 1), CW_TOOLONG);
	assert_int_equal(check("€", 76, "", 1), CW_OK);
	assert_int_equal(check("€", 153, "", 2), CW_TOOLONG);
	/* UCS-2 (Cyrillic): 70 in one SMS, 67 a part. */
	assert_int_equal(check("б", 70, "", 1), CW_OK);
	assert_int_equal(check("б", 71, "", 1), CW_TOOLONG);
	assert_int_equal(check("Ө", 134, "", 2), CW_OK);
	assert_int_equal(check("Ө", 135, "", 2), CW_TOOLONG);
	/* One Cyrillic letter makes a Latin text UCS-2. */
	assert_int_equal(check("a", 133, "ү", 2), CW_OK);
	assert_int_equal(check("a", 134, "ү", 2), CW_TOOLONG);
	/* A surrogate pair (an emoji) never straddles two parts. */
	assert_int_equal(check("😀", 35, "", 1), CW_OK);
	assert_int_equal(check("😀", 36, "", 1), CW_TOOLONG);
	assert_int_equal(check("😀", 66, "", 2), CW_OK);
	assert_int_equal(check("😀", 67, "", 2), CW_TOOLONG);
	/* The sender's own limits hold whatever the config says. */
	assert_int_equal(check("a", 4096, "", 100), CW_OK);
	assert_int_equal(check("a", 4097, "", 100), CW_TOOLONG);
	assert_int_equal(check("{", 3747, "", 100), CW_TOOLONG);
	/* No limit set: nothing goes. */
	assert_int_equal(check("a", 1, "", 0), CW_TOOLONG);
	assert_int_equal(casework_check_text("", 2, NULL), CW_EMPTY);
	assert_int_equal(casework_check_text(NULL, 2, NULL), CW_EMPTY);
	assert_int_equal(casework_check_text("caf\xc3", 2, NULL), CW_BADTEXT);
	assert_int_equal(casework_check_text("\xff", 2, NULL), CW_BADTEXT);
	/* The room a limit leaves, for the refusal's wording. */
	assert_int_equal(casework_room(1, SMS_GSM7), 160);
	assert_int_equal(casework_room(1, SMS_UCS2), 70);
	assert_int_equal(casework_room(2, SMS_GSM7), 306);
	assert_int_equal(casework_room(2, SMS_UCS2), 134);
	assert_int_equal(casework_room(0, SMS_GSM7), 0);
}

/* Counts outbox rows. */
static int
count_row(void *arg, const struct store_out *o)
{
	(void)o;
	(*(int *)arg)++;
	return 0;
}

static void
test_reply_too_long_is_never_queued(void **state)
{
	struct fixture *f = *state;
	struct casework cw = web(f, &f->key);
	struct store_filter all = { NULL, -1, 0, NULL, 0 };
	struct store_report r;
	struct tl_lines before, after;
	char *text;
	int64_t out = 7;
	int n = 0, max;

	find(f, f->sealed_id, &r);
	before = timeline(f, &f->key, f->sealed_id);
	for (max = 1; max <= 3; max++) {
		cw.max_segments = max;
		/* One character past the limit, Latin and Cyrillic. */
		text = repeat("a", (int)casework_room(max, SMS_GSM7) + 1, "");
		assert_int_equal(casework_reply(&cw, &r, text, &out),
		    CW_TOOLONG);
		assert_int_equal(out, 0);
		free(text);
		text = repeat("ш", (int)casework_room(max, SMS_UCS2) + 1, "");
		assert_int_equal(casework_reply(&cw, &r, text, &out),
		    CW_TOOLONG);
		free(text);
	}
	cw.max_segments = 0;
	assert_int_equal(casework_reply(&cw, &r, "hi", &out), CW_TOOLONG);
	cw.max_segments = 2;
	assert_int_equal(casework_reply(&cw, &r, "\xc3(", &out), CW_BADTEXT);
	/* Nothing queued, nothing in the timeline or the audit log. */
	assert_int_equal(store_list_outbox(f->store, &all, count_row, &n), 0);
	assert_int_equal(n, 0);
	after = timeline(f, &f->key, f->sealed_id);
	assert_int_equal(after.n, before.n);
	assert_int_equal(audit(f, f->sealed_id).n, 0);
	/* Exactly the limit goes, in Cyrillic as well. */
	text = repeat("ш", 134, "");
	assert_int_equal(casework_reply(&cw, &r, text, &out), CW_OK);
	assert_true(out > 0);
	free(text);
	assert_int_equal(store_list_outbox(f->store, &all, count_row, &n), 0);
	assert_int_equal(n, 1);
	store_report_free(&r);
}

static void
test_claim_taken(void **state)
{
	struct fixture *f = *state;
	struct casework a = web(f, NULL);
	struct casework b = { .store = f->store, .actor = "tuya",
	    .via = "cli", .max_segments = 2 };
	struct store_report r;

	find(f, f->sealed_id, &r);
	assert_int_equal(casework_claim(&a, &r), CW_OK);
	assert_int_equal(casework_claim(&b, &r), CW_TAKEN);
	store_report_free(&r);
	find(f, f->sealed_id, &r);
	assert_string_equal(r.claimed_by, "oyuna");
	store_report_free(&r);
	assert_int_equal(audit(f, f->sealed_id).n, 1);
	assert_int_equal(casework_find(&a, "NOSUCH", &r), CW_NOTFOUND);
	assert_string_equal(casework_strerror(CW_TAKEN),
	    "report is already claimed");
	/* An action without a report: an audit row only. */
	assert_int_equal(casework_audit(&a, "signin", 0), CW_OK);
	assert_string_equal(audit(f, 0).line[0], "oyuna web signin - 192.0.2.7");
}

static void
test_users(void **state)
{
	struct fixture *f = *state;
	struct store_user u;
	char name[80];

	assert_true(store_user_add(f->store, "oyuna", "$argon2id$x", 50) > 0);
	/* Names are case-sensitive, and unique. */
	assert_int_equal(store_user_add(f->store, "oyuna", "$argon2id$y", 51),
	    0);
	assert_true(store_user_add(f->store, "Oyuna", "$argon2id$z", 52) > 0);
	memset(name, 'a', sizeof(name));
	name[64] = '\0';        /* 64 bytes: one too many */
	assert_int_equal(store_user_add(f->store, name, "h", 53), -1);
	name[63] = '\0';
	assert_true(store_user_add(f->store, name, "h", 53) > 0);
	assert_int_equal(store_user_add(f->store, "", "h", 53), -1);

	assert_int_equal(store_user_get(f->store, "oyuna", &u), 1);
	assert_string_equal(u.pwhash, "$argon2id$x");
	assert_int_equal(u.created_at, 50);
	assert_int_equal(store_user_attempt(f->store, "oyuna", 3, 900, 60), 1);
	assert_int_equal(store_user_get(f->store, "oyuna", &u), 1);
	assert_int_equal(u.failures, 3);
	assert_int_equal(u.locked_until, 900);
	assert_int_equal(u.last_signin_at, 0);
	assert_int_equal(store_user_passwd(f->store, "oyuna", "$new"), 1);
	assert_int_equal(store_user_get(f->store, "oyuna", &u), 1);
	assert_int_equal(u.failures, 0);
	assert_int_equal(u.locked_until, 0);
	assert_string_equal(u.pwhash, "$new");
	assert_int_equal(store_user_attempt(f->store, "oyuna", 0, 0, 70), 1);
	assert_int_equal(store_user_disable(f->store, "oyuna", 1), 1);
	assert_int_equal(store_user_get(f->store, "oyuna", &u), 1);
	assert_int_equal(u.disabled, 1);
	assert_int_equal(u.last_signin_at, 70);
	assert_int_equal(store_user_disable(f->store, "nobody", 1), 0);
	assert_int_equal(store_user_passwd(f->store, "nobody", "x"), 0);
	assert_int_equal(store_user_get(f->store, "OYUNA", &u), 0);
}

static void
test_vault(void **state)
{
	struct fixture *f = *state;
	unsigned char *blob;
	size_t len;

	assert_int_equal(store_vault_get(f->store, NULL, &blob, &len), 0);
	assert_int_equal(store_vault_put(f->store, "aaaa",
	    (const unsigned char *)"one", 3, 10), 0);
	assert_int_equal(store_vault_put(f->store, "bbbb",
	    (const unsigned char *)"two", 3, 20), 0);
	assert_int_equal(store_vault_get(f->store, NULL, &blob, &len), 1);
	assert_memory_equal(blob, "two", 3);      /* the newest */
	free(blob);
	assert_int_equal(store_vault_put(f->store, "aaaa",
	    (const unsigned char *)"ONE!", 4, 30), 0);   /* replaces */
	assert_int_equal(store_vault_get(f->store, "aaaa", &blob, &len), 1);
	assert_int_equal(len, 4);
	assert_memory_equal(blob, "ONE!", 4);
	free(blob);
	assert_int_equal(store_vault_remove(f->store, "aaaa"), 1);
	assert_int_equal(store_vault_get(f->store, "aaaa", &blob, &len), 0);
	assert_int_equal(store_vault_remove(f->store, NULL), 1);
	assert_int_equal(store_vault_get(f->store, NULL, &blob, &len), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_sealed_claim_note_close),
		T(test_clear_report),
		T(test_open_locked_wrong_damaged),
		T(test_reply),
		T(test_reply_too_long_is_never_queued),
		cmocka_unit_test(test_reply_text_limits),
		T(test_claim_taken),
		T(test_users),
		T(test_vault),
#undef T
	};

	return cmocka_run_group_tests_name("casework", tests, NULL, NULL);
}
