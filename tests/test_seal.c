/*
 * test_seal: the caseworkers' key pair and sealed reports, as a caseworker
 * meets them: a report sealed on the device opens with their secret key
 * and with nothing else; the public key given by mistake, another pair's
 * key and a damaged record are told apart and never give garbage; keygen
 * never overwrites a key. The vault: a key locked with a passphrase opens
 * with that passphrase only, and a damaged vault entry says so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seal.h"

#define REPORT_TEXT "+97699113344\na man keeps our passports, Erlian"

struct fixture {
	char dir[64];
	char pub[96], sec[96];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_seal.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->pub, sizeof(f->pub), "%s/cw.pub", f->dir);
	snprintf(f->sec, sizeof(f->sec), "%s/cw.key", f->dir);
	if (seal_keygen(f->pub, f->sec, err, sizeof(err)) == -1)
		fail_msg("keygen: %s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char path[128];
	const char *names[] = { "cw.pub", "cw.key", "b.pub", "b.key",
	    "junk", NULL };
	int i;

	for (i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Whether needle stands anywhere in the len bytes of hay. */
static int
contains(const unsigned char *hay, size_t len, const char *needle)
{
	size_t i, n = strlen(needle);

	for (i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

/* Whether the n bytes of needle stand anywhere in the len bytes of hay. */
static int
contains_bin(const unsigned char *hay, size_t len,
    const unsigned char *needle, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

/* Seals REPORT_TEXT to the fixture's public key. Caller frees. */
static unsigned char *
seal_report(struct fixture *f, size_t *len)
{
	struct seal_pub pub;
	unsigned char *blob;
	char err[512];

	if (seal_load_public(f->pub, &pub, err, sizeof(err)) == -1)
		fail_msg("public: %s", err);
	blob = seal_seal(&pub, REPORT_TEXT, strlen(REPORT_TEXT), len);
	assert_non_null(blob);
	assert_int_equal(*len, strlen(REPORT_TEXT) + SEAL_OVERHEAD);
	return blob;
}

static void
test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct seal_pub pub;
	struct seal_sec sec;
	unsigned char *blob;
	char err[512], *plain;
	size_t len, n = 0;

	blob = seal_report(f, &len);
	/* The text is not in the blob in the clear. */
	assert_false(contains(blob, len, "passports"));
	assert_int_equal(seal_load_secret(f->sec, &sec, err, sizeof(err)), 0);
	assert_int_equal(seal_load_public(f->pub, &pub, err, sizeof(err)), 0);
	/* The key id names the pair: the same from either half. */
	assert_string_equal(sec.id, pub.id);
	assert_int_equal(strlen(pub.id), SEAL_ID_LEN);
	plain = seal_open(&sec, blob, len, &n);
	assert_non_null(plain);
	assert_string_equal(plain, REPORT_TEXT);
	assert_int_equal(n, strlen(REPORT_TEXT));
	seal_free(plain);
	seal_sec_wipe(&sec);
	free(blob);
}

static void
test_wrong_key_opens_nothing(void **state)
{
	struct fixture *f = *state;
	struct seal_sec other, mine;
	unsigned char *blob;
	char err[512], pub[128], key[128];
	size_t len;

	snprintf(pub, sizeof(pub), "%s/b.pub", f->dir);
	snprintf(key, sizeof(key), "%s/b.key", f->dir);
	assert_int_equal(seal_keygen(pub, key, err, sizeof(err)), 0);
	assert_int_equal(seal_load_secret(key, &other, err, sizeof(err)), 0);
	assert_int_equal(seal_load_secret(f->sec, &mine, err, sizeof(err)), 0);
	assert_string_not_equal(other.id, mine.id);
	blob = seal_report(f, &len);
	assert_null(seal_open(&other, blob, len, NULL));
	seal_sec_wipe(&other);
	seal_sec_wipe(&mine);
	free(blob);
}

static void
test_public_key_given_for_secret(void **state)
{
	struct fixture *f = *state;
	struct seal_sec sec;
	struct seal_pub pub;
	char err[512] = "";

	assert_int_equal(seal_load_secret(f->pub, &sec, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a public key"));
	assert_non_null(strstr(err, "secret key"));
	/* And the other way round: the device is told to keep it off. */
	assert_int_equal(seal_load_public(f->sec, &pub, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a secret key"));
	/* The secret key is never quoted in the error. */
	assert_null(strstr(err, "shukher-secret-key"));
}

static void
test_not_a_key_file(void **state)
{
	struct fixture *f = *state;
	struct seal_sec sec;
	char err[512] = "", path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/junk", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("ssh-ed25519 AAAA... someone@laptop\n", fp);
	fclose(fp);
	assert_int_equal(seal_load_secret(path, &sec, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a shukher key file"));
	assert_non_null(fp = fopen(path, "w"));
	fputs("shukher-secret-key 00ff\n", fp);
	fclose(fp);
	assert_int_equal(seal_load_secret(path, &sec, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "damaged key file"));
	assert_int_equal(seal_load_secret("/nonexistent/cw.key", &sec, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/cw.key"));
}

static void
test_damaged_record_opens_nothing(void **state)
{
	struct fixture *f = *state;
	struct seal_sec sec;
	unsigned char *blob;
	char err[512], *plain;
	size_t len, i;

	assert_int_equal(seal_load_secret(f->sec, &sec, err, sizeof(err)), 0);
	blob = seal_report(f, &len);
	/* Any byte: the ephemeral key, the MAC, the text. */
	for (i = 0; i < len; i += 7) {
		blob[i] ^= 0x01;
		assert_null(seal_open(&sec, blob, len, NULL));
		blob[i] ^= 0x01;
	}
	assert_null(seal_open(&sec, blob, len - 1, NULL));
	assert_null(seal_open(&sec, blob, SEAL_OVERHEAD - 1, NULL));
	assert_null(seal_open(&sec, NULL, 0, NULL));
	/* Undamaged, it still opens: the failures were the damage. */
	plain = seal_open(&sec, blob, len, NULL);
	assert_non_null(plain);
	seal_free(plain);
	seal_sec_wipe(&sec);
	free(blob);
}

/* The content of path, or "" (static buffer). */
static const char *
slurp(const char *path)
{
	static char buf[256];
	FILE *fp;
	size_t n;

	buf[0] = '\0';
	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		buf[n] = '\0';
		fclose(fp);
	}
	return buf;
}

static void
test_keygen_never_overwrites(void **state)
{
	struct fixture *f = *state;
	char err[512] = "", pub[256], sec[256], other[128];
	struct stat st;

	snprintf(pub, sizeof(pub), "%s", slurp(f->pub));
	snprintf(sec, sizeof(sec), "%s", slurp(f->sec));
	assert_non_null(strstr(pub, "shukher-public-key "));
	assert_non_null(strstr(sec, "shukher-secret-key "));
	assert_int_equal(stat(f->sec, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* Both exist; only one exists (either one): refused, both kept. */
	assert_int_equal(seal_keygen(f->pub, f->sec, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "never overwritten"));
	snprintf(other, sizeof(other), "%s/b.key", f->dir);
	assert_int_equal(seal_keygen(f->pub, other, err, sizeof(err)), -1);
	assert_int_equal(access(other, F_OK), -1);
	snprintf(other, sizeof(other), "%s/b.pub", f->dir);
	assert_int_equal(seal_keygen(other, f->sec, err, sizeof(err)), -1);
	assert_int_equal(access(other, F_OK), -1);
	assert_string_equal(slurp(f->pub), pub);
	assert_string_equal(slurp(f->sec), sec);
}

#define PASSPHRASE "umbrella over Darkhan 2021"

/* The fixture's secret key locked in a vault blob. Caller frees. */
static unsigned char *
lock_key(struct fixture *f, struct seal_sec *sec, size_t *len)
{
	unsigned char *blob;
	char err[512] = "";

	assert_int_equal(seal_load_secret(f->sec, sec, err, sizeof(err)), 0);
	blob = seal_lock(sec, PASSPHRASE, len, err, sizeof(err));
	if (blob == NULL)
		fail_msg("seal_lock: %s", err);
	return blob;
}

static void
test_vault_round_trip(void **state)
{
	struct fixture *f = *state;
	struct seal_sec sec, back;
	unsigned char *blob, *again, *report;
	char err[512] = "", *plain, hex[2 * SEAL_KEY_BYTES + 1];
	size_t len, len2, rlen;
	unsigned i;

	blob = lock_key(f, &sec, &len);
	/* The key id is in the clear; the secret key is not, in any form. */
	assert_true(contains(blob, len, sec.id));
	assert_false(contains(blob, len, PASSPHRASE));
	for (i = 0; i + 8 <= SEAL_KEY_BYTES; i++)
		assert_false(contains_bin(blob, len, sec.sk + i, 8));
	for (i = 0; i < SEAL_KEY_BYTES; i++)
		snprintf(hex + 2 * i, 3, "%02x", sec.sk[i]);
	assert_false(contains(blob, len, hex));

	assert_int_equal(seal_unlock(blob, len, PASSPHRASE, &back, err,
	    sizeof(err)), 0);
	assert_memory_equal(back.sk, sec.sk, SEAL_KEY_BYTES);
	assert_memory_equal(back.pk, sec.pk, SEAL_KEY_BYTES);
	assert_string_equal(back.id, sec.id);
	/* What matters: the unlocked key opens a report sealed on the
	 * device. */
	report = seal_report(f, &rlen);
	plain = seal_open(&back, report, rlen, NULL);
	assert_non_null(plain);
	assert_string_equal(plain, REPORT_TEXT);
	seal_free(plain);
	free(report);

	/* A fresh salt and nonce each time: the same key and passphrase
	 * never give the same blob. */
	again = seal_lock(&sec, PASSPHRASE, &len2, err, sizeof(err));
	assert_non_null(again);
	assert_int_equal(len2, len);
	assert_memory_not_equal(again, blob, len);
	free(again);
	seal_sec_wipe(&back);
	seal_sec_wipe(&sec);
	free(blob);
}

static void
test_vault_wrong_passphrase(void **state)
{
	struct fixture *f = *state;
	struct seal_sec sec, back;
	unsigned char *blob, zero[sizeof(back)];
	char err[512] = "";
	size_t len;

	blob = lock_key(f, &sec, &len);
	memset(zero, 0, sizeof(zero));
	assert_int_equal(seal_unlock(blob, len, "umbrella over Darkhan 2022",
	    &back, err, sizeof(err)), 1);
	/* Nothing half opened is left behind. */
	assert_memory_equal(&back, zero, sizeof(back));
	assert_int_equal(seal_unlock(blob, len, "", &back, err, sizeof(err)),
	    1);
	/* And the right one still opens it. */
	assert_int_equal(seal_unlock(blob, len, PASSPHRASE, &back, err,
	    sizeof(err)), 0);
	seal_sec_wipe(&back);
	seal_sec_wipe(&sec);
	free(blob);
}

static void
test_vault_damaged(void **state)
{
	struct fixture *f = *state;
	struct seal_sec sec, back;
	unsigned char *blob;
	char err[512];
	size_t len, i;

	blob = lock_key(f, &sec, &len);
	/* Any byte changed: damaged, with a reason; never "wrong
	 * passphrase", never a key. */
	for (i = 0; i < len; i++) {
		blob[i] ^= 0x20;
		err[0] = '\0';
		assert_int_equal(seal_unlock(blob, len, PASSPHRASE, &back, err,
		    sizeof(err)), -1);
		assert_true(strlen(err) > 0);
		blob[i] ^= 0x20;
	}
	err[0] = '\0';
	assert_int_equal(seal_unlock(blob, len - 1, PASSPHRASE, &back, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "damaged"));
	assert_int_equal(seal_unlock(blob, 3, PASSPHRASE, &back, err,
	    sizeof(err)), -1);
	assert_int_equal(seal_unlock(NULL, 0, PASSPHRASE, &back, err,
	    sizeof(err)), -1);
	/* A report blob is not a vault blob. */
	assert_int_equal(seal_unlock((const unsigned char *)REPORT_TEXT,
	    strlen(REPORT_TEXT), PASSPHRASE, &back, err, sizeof(err)), -1);
	assert_int_equal(seal_unlock(blob, len, PASSPHRASE, &back, err,
	    sizeof(err)), 0);
	seal_sec_wipe(&back);
	seal_sec_wipe(&sec);
	free(blob);
}

/*
 * A password is any text a person types: spaces, Cyrillic, short PIN-like
 * digits; only its hash is kept, and it verifies against exactly itself.
 */
static void
test_password_hash(void **state)
{
	static const char *const secrets[] = { "correct horse battery",
	    "нууц үг 2026", "123456", "x" };
	char hash[crypto_pwhash_STRBYTES], small[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		assert_int_equal(seal_password_hash(secrets[i], hash,
		    sizeof(hash)), 0);
		assert_true(strncmp(hash, "$argon2id$", 10) == 0);
		assert_int_equal(crypto_pwhash_str_verify(hash, secrets[i],
		    strlen(secrets[i])), 0);
		assert_int_not_equal(crypto_pwhash_str_verify(hash, "wrong",
		    5), 0);
	}
	assert_int_equal(seal_password_hash("x", small, sizeof(small)), -1);
}

/*
 * The device secret's keys: BLAKE2b-256 of the purpose keyed with the
 * secret, pinned by vectors from Python's hashlib, since report windows'
 * hashes, part digests and relayed numbers already stored were made with
 * it. Each purpose and each secret gives its own key.
 */
static void
test_derive_key(void **state)
{
	static const struct {
		const char *purpose, *hex;
	} vectors[] = {
		{ "link", "8fdacf281310123000265320dbe64f6b"
		    "ada74ede73b6723180ebdbaf13680d98" },
		{ "part", "bdbc2a5ddd0fefee8794199a1198e184"
		    "f878af335d49840312cc69bf93853fc4" },
		{ "relay", "c32f56ce51d238dddaa4817bf395d4df"
		    "2c1501e10b85266f652810a1ad156076" },
	};
	unsigned char secret[SEAL_KEY_BYTES], key[SEAL_KEY_BYTES],
	    other[SEAL_KEY_BYTES];
	char hex[2 * SEAL_KEY_BYTES + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(secret); i++)
		secret[i] = (unsigned char)i;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		seal_derive_key(secret, vectors[i].purpose, key);
		sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
		assert_string_equal(hex, vectors[i].hex);
	}
	seal_derive_key(secret, "link", key);
	secret[31] ^= 1;
	seal_derive_key(secret, "link", other);
	assert_memory_not_equal(key, other, sizeof(key));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_round_trip),
		T(test_wrong_key_opens_nothing),
		T(test_public_key_given_for_secret),
		T(test_not_a_key_file),
		T(test_damaged_record_opens_nothing),
		T(test_keygen_never_overwrites),
		T(test_vault_round_trip),
		T(test_vault_wrong_passphrase),
		T(test_vault_damaged),
		T(test_password_hash),
		T(test_derive_key),
#undef T
	};

	return cmocka_run_group_tests_name("seal", tests, NULL, NULL);
}
