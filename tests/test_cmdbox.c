/*
 * test_cmdbox: a caseworkers' command box opens for the gateway it was
 * made for, with the caseworkers' public key, and gives back the content
 * of exactly the report and action it was made for: every action
 * (claim, note, reply, close) with and without content; refused when
 * anyone else made it (sealed to the gateway, boxed by another pair),
 * for another gateway, moved to another report or action (each of the
 * four to each other), damaged or cut, or in the format before this one.
 */
#define _GNU_SOURCE             /* memmem() */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>

#include <stdlib.h>
#include <string.h>

#include "cmdbox.h"
#include "seal.h"

static const char *const actions[] = { "claim", "note", "reply", "close" };
#define NACTIONS (sizeof(actions) / sizeof(actions[0]))

/* What each action carries, a newline inside a reply's. */
static const char *
content_of(const char *action)
{
	if (strcmp(action, "note") == 0)
		return "called the hotline\nwaiting";
	if (strcmp(action, "reply") == 0)
		return "+97699113344\nwe are calling you today";
	if (strcmp(action, "close") == 0)
		return "referred";
	return NULL;
}

struct keys {
	struct seal_sec cw, gw, other_gw, stranger;
	struct seal_pub cw_pub, gw_pub, other_gw_pub, stranger_pub;
};

static void
pair(struct seal_sec *sec, struct seal_pub *pub)
{
	memset(sec, 0, sizeof(*sec));
	assert_int_equal(crypto_box_keypair(sec->pk, sec->sk), 0);
	memset(pub, 0, sizeof(*pub));
	memcpy(pub->pk, sec->pk, sizeof(pub->pk));
}

static int
setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));

	assert_non_null(k);
	pair(&k->cw, &k->cw_pub);
	pair(&k->gw, &k->gw_pub);
	pair(&k->other_gw, &k->other_gw_pub);
	pair(&k->stranger, &k->stranger_pub);
	*state = k;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

/* Opens blob as gw for ref and action: the result, the content copied
 * into out (when OK). */
static enum cmdbox_res
open_as(const struct keys *k, const unsigned char *blob, size_t len,
    const char *ref, const char *action, char *out, size_t outlen)
{
	const char *content;
	enum cmdbox_res res;
	char *raw;

	res = cmdbox_open(&k->gw, &k->cw_pub, blob, len, ref, action, &raw,
	    &content);
	if (res == CMDBOX_OK) {
		assert_non_null(raw);
		assert_non_null(content);
		snprintf(out, outlen, "%s", content);
		seal_free(raw);
	} else {
		assert_null(raw);
		assert_null(content);
	}
	return res;
}

static void
test_each_action_opens_with_its_content(void **state)
{
	struct keys *k = *state;
	unsigned char *blob;
	char got[128];
	size_t len, i;

	for (i = 0; i < NACTIONS; i++) {
		blob = cmdbox_make(&k->cw, &k->gw_pub, "k7qx2m", actions[i],
		    content_of(actions[i]), &len);
		assert_non_null(blob);
		/* Nothing of the content, the reference or the action in
		 * the clear. */
		assert_null(memmem(blob, len, "K7QX2M", 6));
		assert_null(memmem(blob, len, actions[i], strlen(actions[i])));
		if (content_of(actions[i]) != NULL)
			assert_null(memmem(blob, len, content_of(actions[i]),
			    4));
		/* The reference in any case, as reports are named. */
		assert_int_equal(open_as(k, blob, len, "K7QX2M", actions[i],
		    got, sizeof(got)), CMDBOX_OK);
		assert_string_equal(got, content_of(actions[i]) != NULL ?
		    content_of(actions[i]) : "");
		assert_int_equal(open_as(k, blob, len, "k7qx2m", actions[i],
		    got, sizeof(got)), CMDBOX_OK);
		free(blob);
	}
	/* A close without an outcome, a note's empty text: "". */
	blob = cmdbox_make(&k->cw, &k->gw_pub, "K7QX2M", "close", "", &len);
	assert_int_equal(open_as(k, blob, len, "K7QX2M", "close", got,
	    sizeof(got)), CMDBOX_OK);
	assert_string_equal(got, "");
	free(blob);
}

static void
test_moved_to_another_report_or_action(void **state)
{
	struct keys *k = *state;
	static const char *const refs[] = { "K7QX2", "K7QX2MM", "A7QX2M",
	    "K7QX2N", "", "K7QX2M\n" };
	unsigned char *blob;
	char got[128];
	size_t len, i, j;

	for (i = 0; i < NACTIONS; i++) {
		blob = cmdbox_make(&k->cw, &k->gw_pub, "K7QX2M", actions[i],
		    content_of(actions[i]), &len);
		assert_non_null(blob);
		for (j = 0; j < NACTIONS; j++)
			assert_int_equal(open_as(k, blob, len, "K7QX2M",
			    actions[j], got, sizeof(got)),
			    i == j ? CMDBOX_OK : CMDBOX_MOVED);
		for (j = 0; j < sizeof(refs) / sizeof(refs[0]); j++)
			assert_int_equal(open_as(k, blob, len, refs[j],
			    actions[i], got, sizeof(got)), CMDBOX_MOVED);
		/* An action named like another's beginning or end. */
		assert_int_equal(open_as(k, blob, len, "K7QX2M", "clo", got,
		    sizeof(got)), CMDBOX_MOVED);
		assert_int_equal(open_as(k, blob, len, "K7QX2M", "", got,
		    sizeof(got)), CMDBOX_MOVED);
		free(blob);
	}
}

static void
test_made_by_anyone_else_refused(void **state)
{
	struct keys *k = *state;
	const char *msg = CMDBOX_TAG "\nK7QX2M\nclose\nreferred";
	unsigned char *blob;
	char got[128];
	size_t len, i;

	/* Sealed to the gateway's public key: what the central server,
	 * or anyone, can make. */
	blob = seal_seal(&k->gw_pub, msg, strlen(msg), &len);
	assert_int_equal(open_as(k, blob, len, "K7QX2M", "close", got,
	    sizeof(got)), CMDBOX_FORGED);
	free(blob);
	/* Boxed by another pair, to this gateway. */
	blob = cmdbox_make(&k->stranger, &k->gw_pub, "K7QX2M", "close",
	    "referred", &len);
	assert_int_equal(open_as(k, blob, len, "K7QX2M", "close", got,
	    sizeof(got)), CMDBOX_FORGED);
	free(blob);
	/* The caseworkers', for another gateway. */
	blob = cmdbox_make(&k->cw, &k->other_gw_pub, "K7QX2M", "close",
	    "referred", &len);
	assert_int_equal(open_as(k, blob, len, "K7QX2M", "close", got,
	    sizeof(got)), CMDBOX_FORGED);
	free(blob);
	/* None at all (a claim queued with no body). */
	assert_int_equal(open_as(k, NULL, 0, "K7QX2M", "claim", got,
	    sizeof(got)), CMDBOX_FORGED);
	/* Any byte changed, any length cut. */
	blob = cmdbox_make(&k->cw, &k->gw_pub, "K7QX2M", "claim", NULL, &len);
	assert_non_null(blob);
	for (i = 0; i < len; i++) {
		blob[i] ^= 0x20;
		assert_int_equal(open_as(k, blob, len, "K7QX2M", "claim", got,
		    sizeof(got)), CMDBOX_FORGED);
		blob[i] ^= 0x20;
	}
	for (i = 0; i < len; i++)
		assert_int_equal(open_as(k, blob, i, "K7QX2M", "claim", got,
		    sizeof(got)), CMDBOX_FORGED);
	free(blob);
}

static void
test_older_format_and_bad_plain_text(void **state)
{
	struct keys *k = *state;
	/* The reply box before this format: "REF\nnumber\ntext". */
	static const char *const plains[] = {
		"K7QX2M\n+97699113344\nwe are calling you today",
		"shukher-command 2\nK7QX2M\nclaim\n",
		CMDBOX_TAG "\nK7QX2M\nclaim",      /* no content line */
		CMDBOX_TAG "\nK7QX2M",
		CMDBOX_TAG,
		"",
	};
	static const char nul[] = CMDBOX_TAG "\nK7QX2M\nnote\nok\0hidden";
	unsigned char *blob;
	char got[128];
	size_t len, i;

	for (i = 0; i < sizeof(plains) / sizeof(plains[0]); i++) {
		blob = seal_box(&k->cw, &k->gw_pub, plains[i],
		    strlen(plains[i]), &len);
		assert_non_null(blob);
		assert_int_equal(open_as(k, blob, len, "K7QX2M", "claim", got,
		    sizeof(got)), CMDBOX_FORMAT);
		free(blob);
	}
	blob = seal_box(&k->cw, &k->gw_pub, nul, sizeof(nul) - 1, &len);
	assert_int_equal(open_as(k, blob, len, "K7QX2M", "note", got,
	    sizeof(got)), CMDBOX_FORMAT);
	free(blob);
}

static void
test_make_refuses_what_cannot_be_a_line(void **state)
{
	struct keys *k = *state;
	size_t len = 7;

	assert_null(cmdbox_make(&k->cw, &k->gw_pub, "", "claim", NULL, &len));
	assert_null(cmdbox_make(&k->cw, &k->gw_pub, "K7QX2M", "", NULL,
	    &len));
	assert_null(cmdbox_make(&k->cw, &k->gw_pub, "K7\nQX2M", "claim",
	    NULL, &len));
	assert_null(cmdbox_make(&k->cw, &k->gw_pub, "K7QX2M", "clo\nse",
	    "x", &len));
	assert_null(cmdbox_make(&k->cw, &k->gw_pub, NULL, "claim", NULL,
	    &len));
}

static void
test_every_box_its_own_nonce(void **state)
{
	struct keys *k = *state;
	unsigned char *a, *b;
	size_t alen, blen;

	/* The same command made twice: two boxes, two nonces, so that the
	 * gateway refuses a box again and not a caseworker's second,
	 * deliberate, same command. */
	a = cmdbox_make(&k->cw, &k->gw_pub, "K7QX2M", "note", "x", &alen);
	b = cmdbox_make(&k->cw, &k->gw_pub, "K7QX2M", "note", "x", &blen);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(alen, blen);
	assert_memory_not_equal(a, b, CMDBOX_NONCE_BYTES);
	free(a);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_each_action_opens_with_its_content, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_moved_to_another_report_or_action, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_made_by_anyone_else_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_older_format_and_bad_plain_text, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_make_refuses_what_cannot_be_a_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_box_its_own_nonce,
		    setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
