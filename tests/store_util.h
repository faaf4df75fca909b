/*
 * store_util: what the store tests (test_store*.c) share: a scratch
 * folder, opening, parts, listings collected.
 */
#ifndef SHUKHER_TEST_STORE_UTIL_H
#define SHUKHER_TEST_STORE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define NOW		1700000000
#define SENDER		"+97699112233"

extern char su_tmpdir[64];

const char *su_path_for(const char *name);

int su_group_setup(void **state);

int su_group_teardown(void **state);

struct store *su_open_ok(const char *path, int create);

struct store_part su_part(const char *sender, int64_t sent_at, int ref, int no,
    int count, const char *text);

struct seen {
	int n;
	int64_t id[16];
	char text[16][128];
	char extra[16][64];
	int flag[16];
};

int su_seen_msg(void *arg, const struct store_msg *m);

int su_seen_out(void *arg, const struct store_out *o);

struct seen su_inbox(struct store *s, const char *state, const char *search,
    int limit);

struct seen su_outbox(struct store *s, const char *state);

 int su_pending(struct store *s);

/* Runs SQL on a file outside the store. */
void su_raw_sql(const char *path, const char *sql);

int64_t su_raw_int(const char *path, const char *sql);

/* Brings the database at path down to schema version `to` (7 or later),
 * as an older shukher left it, by undoing each migration after it: a new
 * migration adds its undo to su_undo[] in store_util.c, and every test
 * that makes an old file (the store's, health's, the campaign's) follows. */
void su_downgrade(const char *path, int to);

struct conf;
/* Stores text from sender as one SMS at at and routes what is waiting. */
void su_receive(struct store *store, const struct conf *conf,
    const char *sender, const char *text, int64_t at);
/* Every SMS queued and due by at marked sent at at, as a modem would.
 * Returns how many. */
int su_send_due(struct store *store, int64_t at);

#define EMOJI	"\xf0\x9f\x98\x80"	/* U+1F600: D83D DE00 in UTF-16 */

/* A part with user data (coding UCS-2 or 8-bit); its text is what the part
 * alone reads as, which the join must not use. */
struct store_part su_data_part(const char *sender, int ref, int no, int count,
    int coding, const void *data, size_t len);

/* Stores the n parts in the order given (1-based numbers), then returns
 * the one message they made (caller frees). */
struct store_msg su_put_in_order(struct store *s, const struct store_part
    *parts, int n, const int *order);

/* Blanks the number of outbox row id as report_tick() does once it is
 * sent: a report entry points to it. */
void su_blank_sent(struct store *s, int64_t report, int64_t id, int64_t at);

/* What the outbox listing shows of row id: its msgref ("-" for NULL),
 * parts_sent and delivery ("-" for none). */
struct su_out_view {
	int64_t id;
	char msgref[64];
	int parts;
	char delivery[16];
	char state[16];
};

int su_view_out(void *arg, const struct store_out *o);

struct su_out_view su_out_view(struct store *s, int64_t id);

#endif
