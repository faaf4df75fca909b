/*
 * test_seal_box: a message boxed from one key pair to another (a central
 * reply, from the caseworkers' key to a gateway's) opens with the
 * recipient's secret key and the sender's public key, and with nothing
 * else: not from another sender, not to another recipient, not a sealed
 * box anyone could make to the recipient's public key (what a central
 * server could write), not a blob with any byte changed or cut short.
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

#include "seal.h"

#define REPLY "K7QX2M\n+97699113344\nwe are calling you today"

static void
pair(struct seal_sec *sec, struct seal_pub *pub)
{
	memset(sec, 0, sizeof(*sec));
	assert_int_equal(crypto_box_keypair(sec->pk, sec->sk), 0);
	memset(pub, 0, sizeof(*pub));
	memcpy(pub->pk, sec->pk, sizeof(pub->pk));
}

static void
test_opens_only_from_the_sender_for_the_recipient(void **state)
{
	struct seal_sec cw, gw, other;
	struct seal_pub cw_pub, gw_pub, other_pub;
	unsigned char *blob, *sealed;
	size_t len, slen, n;
	char *plain;

	(void)state;
	pair(&cw, &cw_pub);
	pair(&gw, &gw_pub);
	pair(&other, &other_pub);
	blob = seal_box(&cw, &gw_pub, REPLY, strlen(REPLY), &len);
	assert_non_null(blob);
	assert_int_equal(len, strlen(REPLY) + SEAL_BOX_OVERHEAD);
	assert_null(memmem(blob, len, "+97699113344", 12));

	plain = seal_box_open(&gw, &cw_pub, blob, len, &n);
	assert_non_null(plain);
	assert_string_equal(plain, REPLY);
	assert_int_equal(n, strlen(REPLY));
	seal_free(plain);

	/* Another sender's key, another recipient's: nothing. */
	assert_null(seal_box_open(&gw, &other_pub, blob, len, NULL));
	assert_null(seal_box_open(&other, &cw_pub, blob, len, NULL));
	/* What anyone can make to the gateway's public key: refused. */
	sealed = seal_seal(&gw_pub, REPLY, strlen(REPLY), &slen);
	assert_non_null(sealed);
	assert_null(seal_box_open(&gw, &cw_pub, sealed, slen, NULL));
	free(sealed);
	/* A box the other pair made, even to this gateway: refused. */
	sealed = seal_box(&other, &gw_pub, REPLY, strlen(REPLY), &slen);
	assert_null(seal_box_open(&gw, &cw_pub, sealed, slen, NULL));
	free(sealed);
	free(blob);
}

static void
test_any_change_or_cut_refused(void **state)
{
	struct seal_sec cw, gw;
	struct seal_pub cw_pub, gw_pub;
	unsigned char *blob;
	size_t len, i;

	(void)state;
	pair(&cw, &cw_pub);
	pair(&gw, &gw_pub);
	blob = seal_box(&cw, &gw_pub, REPLY, strlen(REPLY), &len);
	assert_non_null(blob);
	for (i = 0; i < len; i++) {
		blob[i] ^= 0x01;
		assert_null(seal_box_open(&gw, &cw_pub, blob, len, NULL));
		blob[i] ^= 0x01;
	}
	for (i = 0; i < len; i++)
		assert_null(seal_box_open(&gw, &cw_pub, blob, i, NULL));
	assert_null(seal_box_open(&gw, &cw_pub, NULL, 0, NULL));
	free(blob);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_opens_only_from_the_sender_for_the_recipient),
		cmocka_unit_test(test_any_change_or_cut_refused),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
