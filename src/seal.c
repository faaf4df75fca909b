/*
 * seal: libsodium sealed boxes for reports, and the key files.
 *
 * A sealed box (crypto_box_seal) needs only the recipient's public key to
 * write, and the secret key to read: exactly the split between the daemon,
 * which must store a report it can never read again, and the caseworkers.
 * The key id is the first 8 bytes of BLAKE2b(public key) in hex; it is not
 * secret and is stored beside every sealed blob.
 *
 * The vault form of the secret key (seal_lock(), seal_unlock()) lets the
 * device keep it for the web console without keeping it readable: it is
 * encrypted with a key derived from a caseworker's passphrase by Argon2id
 * at the interactive limits (about a second on a Raspberry Pi 3), and the
 * derived key lives only in locked memory for as long as it is needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "seal.h"

#define SEAL_PUB_TAG "shukher-public-key "
#define SEAL_SEC_TAG "shukher-secret-key "
#define SEAL_LINE_MAX 160

/* The key id of pk into id (SEAL_ID_LEN + 1 bytes). */
static void
seal_key_id(const unsigned char *pk, char *id)
{
	unsigned char h[SEAL_ID_LEN / 2];

	crypto_generichash(h, sizeof(h), pk, SEAL_KEY_BYTES, NULL, 0);
	sodium_bin2hex(id, SEAL_ID_LEN + 1, h, sizeof(h));
}

/*
 * Writes tag and key in hex as one line to a new file path with mode.
 * Returns 0, or -1 with err filled and no file left behind.
 */
static int
seal_write_key(const char *path, int mode, const char *tag,
    const unsigned char *key, char *err, size_t errlen)
{
	char line[SEAL_LINE_MAX];
	size_t n;
	int fd, ok;

	n = (size_t)snprintf(line, sizeof(line), "%s", tag);
	sodium_bin2hex(line + n, sizeof(line) - n, key, SEAL_KEY_BYTES);
	n = strlen(line);
	line[n++] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		sodium_memzero(line, sizeof(line));
		return -1;
	}
	ok = write(fd, line, n) == (ssize_t)n && fsync(fd) == 0;
	sodium_memzero(line, sizeof(line));
	if (close(fd) == -1)
		ok = 0;
	if (!ok) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int
seal_keygen(const char *pub_path, const char *sec_path, char *err,
    size_t errlen)
{
	unsigned char pk[SEAL_KEY_BYTES], sk[SEAL_KEY_BYTES];
	int rc;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "sodium_init failed");
		return -1;
	}
	if (access(pub_path, F_OK) == 0 || access(sec_path, F_OK) == 0) {
		snprintf(err, errlen, "%s: exists; a key is never overwritten",
		    access(pub_path, F_OK) == 0 ? pub_path : sec_path);
		return -1;
	}
	crypto_box_keypair(pk, sk);
	rc = seal_write_key(sec_path, 0600, SEAL_SEC_TAG, sk, err, errlen);
	if (rc == 0 && seal_write_key(pub_path, 0644, SEAL_PUB_TAG, pk, err,
	    errlen) == -1) {
		unlink(sec_path);
		rc = -1;
	}
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

/*
 * Reads the key file path, which must hold tag and 64 hex digits, into key.
 * Returns 0, 1 when the file holds the other kind of key, or -1 with err
 * filled.
 */
static int
seal_read_key(const char *path, const char *tag, const char *other,
    unsigned char *key, char *err, size_t errlen)
{
	char line[SEAL_LINE_MAX];
	const char *hex;
	size_t n = 0, taglen = strlen(tag);
	FILE *fp;
	int rc = -1;

	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), fp) == NULL)
		line[0] = '\0';
	fclose(fp);
	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, other, strlen(other)) == 0)
		rc = 1;
	else if (strncmp(line, tag, taglen) != 0)
		snprintf(err, errlen, "%s: not a shukher key file", path);
	else {
		hex = line + taglen;
		if (strlen(hex) == 2 * SEAL_KEY_BYTES &&
		    sodium_hex2bin(key, SEAL_KEY_BYTES, hex, strlen(hex), NULL,
		    &n, NULL) == 0 && n == SEAL_KEY_BYTES)
			rc = 0;
		else
			snprintf(err, errlen, "%s: damaged key file", path);
	}
	sodium_memzero(line, sizeof(line));
	return rc;
}

int
seal_load_public(const char *path, struct seal_pub *out, char *err,
    size_t errlen)
{
	int rc;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "sodium_init failed");
		return -1;
	}
	rc = seal_read_key(path, SEAL_PUB_TAG, SEAL_SEC_TAG, out->pk, err,
	    errlen);
	if (rc == 1) {
		snprintf(err, errlen, "%s: a secret key; the daemon needs only "
		    "the public key (keep the secret key off the device)", path);
		return -1;
	}
	if (rc == 0)
		seal_key_id(out->pk, out->id);
	return rc;
}

int
seal_load_secret(const char *path, struct seal_sec *out, char *err,
    size_t errlen)
{
	int rc;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "sodium_init failed");
		return -1;
	}
	rc = seal_read_key(path, SEAL_SEC_TAG, SEAL_PUB_TAG, out->sk, err,
	    errlen);
	if (rc == 1) {
		snprintf(err, errlen, "%s: a public key; reading reports needs "
		    "the secret key", path);
		return -1;
	}
	if (rc == -1)
		return -1;
	crypto_scalarmult_base(out->pk, out->sk);
	seal_key_id(out->pk, out->id);
	return 0;
}

void
seal_sec_wipe(struct seal_sec *sec)
{
	sodium_memzero(sec, sizeof(*sec));
}

unsigned char *
seal_seal(const struct seal_pub *pub, const void *msg, size_t len,
    size_t *outlen)
{
	unsigned char *blob;

	if ((blob = malloc(len + crypto_box_SEALBYTES)) == NULL)
		return NULL;
	if (crypto_box_seal(blob, msg, len, pub->pk) != 0) {
		free(blob);
		return NULL;
	}
	*outlen = len + crypto_box_SEALBYTES;
	return blob;
}

char *
seal_open(const struct seal_sec *sec, const unsigned char *blob, size_t len,
    size_t *outlen)
{
	unsigned char *plain;
	size_t n;

	if (blob == NULL || len < crypto_box_SEALBYTES)
		return NULL;
	n = len - crypto_box_SEALBYTES;
	if ((plain = malloc(n + 1)) == NULL)
		return NULL;
	if (crypto_box_seal_open(plain, blob, len, sec->pk, sec->sk) != 0) {
		free(plain);
		return NULL;
	}
	plain[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return (char *)plain;
}

_Static_assert(SEAL_BOX_OVERHEAD == crypto_box_NONCEBYTES +
    crypto_box_MACBYTES, "seal.h's SEAL_BOX_OVERHEAD");

unsigned char *
seal_box(const struct seal_sec *from, const struct seal_pub *to,
    const void *msg, size_t len, size_t *outlen)
{
	unsigned char *blob;

	if ((blob = malloc(len + SEAL_BOX_OVERHEAD)) == NULL)
		return NULL;
	randombytes_buf(blob, crypto_box_NONCEBYTES);
	if (crypto_box_easy(blob + crypto_box_NONCEBYTES, msg, len, blob,
	    to->pk, from->sk) != 0) {
		free(blob);
		return NULL;
	}
	*outlen = len + SEAL_BOX_OVERHEAD;
	return blob;
}

char *
seal_box_open(const struct seal_sec *sec, const struct seal_pub *from,
    const unsigned char *blob, size_t len, size_t *outlen)
{
	unsigned char *plain;
	size_t n;

	if (blob == NULL || len < SEAL_BOX_OVERHEAD)
		return NULL;
	n = len - SEAL_BOX_OVERHEAD;
	if ((plain = malloc(n + 1)) == NULL)
		return NULL;
	if (crypto_box_open_easy(plain, blob + crypto_box_NONCEBYTES,
	    len - crypto_box_NONCEBYTES, blob, from->pk, sec->sk) != 0) {
		free(plain);
		return NULL;
	}
	plain[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return (char *)plain;
}

void
seal_free(char *plain)
{
	if (plain == NULL)
		return;
	sodium_memzero(plain, strlen(plain));
	free(plain);
}

/*
 * The vault blob, version 1, all integers big-endian:
 *
 *   "SHKV" | version (1) | key id (SEAL_ID_LEN ASCII hex) |
 *   opslimit (8) | memlimit (8) | salt (crypto_pwhash_SALTBYTES) |
 *   nonce (crypto_secretbox_NONCEBYTES) |
 *   crypto_secretbox(secret key) (SEAL_KEY_BYTES + crypto_secretbox_MACBYTES) |
 *   BLAKE2b-128 of all that comes before (SEAL_VAULT_SUM)
 *
 * The limits travel with the blob so that a later build may raise them
 * and still open old blobs; they are bounded on reading, so that a
 * damaged blob cannot ask for gigabytes. The key id is in the clear to
 * tell keys apart without the passphrase, and is checked against the
 * opened key. The trailing checksum (not keyed: it guards against a bad
 * SD card, not an attacker, who could as well replace the whole blob) is
 * what tells a damaged blob (-1) from a wrong passphrase (1): without it
 * both fail secretbox's check alike.
 */
#define SEAL_VAULT_MAGIC "SHKV"
#define SEAL_VAULT_VERSION 1
#define SEAL_VAULT_HEAD (4 + 1 + SEAL_ID_LEN + 8 + 8 + \
	crypto_pwhash_SALTBYTES + crypto_secretbox_NONCEBYTES)
#define SEAL_VAULT_SUM 16
#define SEAL_VAULT_BODY (SEAL_VAULT_HEAD + SEAL_KEY_BYTES + \
	crypto_secretbox_MACBYTES)
#define SEAL_VAULT_LEN (SEAL_VAULT_BODY + SEAL_VAULT_SUM)
/* What a version 1 blob may ask for: the sensitive limits at most. */
#define SEAL_VAULT_MAXOPS crypto_pwhash_OPSLIMIT_SENSITIVE
#define SEAL_VAULT_MAXMEM crypto_pwhash_MEMLIMIT_SENSITIVE

static void
seal_put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t
seal_get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Derives the secretbox key from passphrase, salt and limits into key
 * (locked in memory by the caller). Returns 0, or -1 when out of memory.
 */
static int
seal_vault_key(unsigned char *key, const char *passphrase,
    const unsigned char *salt, uint64_t ops, uint64_t mem)
{
	return crypto_pwhash(key, crypto_secretbox_KEYBYTES, passphrase,
	    strlen(passphrase), salt, (unsigned long long)ops, (size_t)mem,
	    crypto_pwhash_ALG_ARGON2ID13);
}

unsigned char *
seal_lock(const struct seal_sec *sec, const char *passphrase,
    size_t *outlen, char *err, size_t errlen)
{
	unsigned char key[crypto_secretbox_KEYBYTES], *blob, *p;
	uint64_t ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	uint64_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	int rc;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "sodium_init failed");
		return NULL;
	}
	if (passphrase == NULL || passphrase[0] == '\0') {
		snprintf(err, errlen, "no passphrase");
		return NULL;
	}
	if ((blob = malloc(SEAL_VAULT_LEN)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p = blob;
	memcpy(p, SEAL_VAULT_MAGIC, 4);
	p[4] = SEAL_VAULT_VERSION;
	memcpy(p + 5, sec->id, SEAL_ID_LEN);
	seal_put64(p + 5 + SEAL_ID_LEN, ops);
	seal_put64(p + 13 + SEAL_ID_LEN, mem);
	p += 21 + SEAL_ID_LEN;
	randombytes_buf(p, crypto_pwhash_SALTBYTES);
	randombytes_buf(p + crypto_pwhash_SALTBYTES,
	    crypto_secretbox_NONCEBYTES);
	sodium_mlock(key, sizeof(key));
	rc = seal_vault_key(key, passphrase, p, ops, mem);
	if (rc == 0)
		crypto_secretbox_easy(blob + SEAL_VAULT_HEAD, sec->sk,
		    SEAL_KEY_BYTES, p + crypto_pwhash_SALTBYTES, key);
	sodium_munlock(key, sizeof(key));     /* wipes it too */
	crypto_generichash(blob + SEAL_VAULT_BODY, SEAL_VAULT_SUM, blob,
	    SEAL_VAULT_BODY, NULL, 0);
	if (rc != 0) {
		free(blob);
		snprintf(err, errlen, "out of memory (crypto_pwhash)");
		return NULL;
	}
	*outlen = SEAL_VAULT_LEN;
	return blob;
}

/*
 * Reads a vault blob's header: its key id into id, its limits. Returns 0,
 * or -1 with err filled when it is not a blob this build can open.
 */
static int
seal_vault_head(const unsigned char *blob, size_t len, char *id,
    uint64_t *ops, uint64_t *mem, char *err, size_t errlen)
{
	unsigned char sum[SEAL_VAULT_SUM];
	size_t i;

	if (blob == NULL || len < 5 || memcmp(blob, SEAL_VAULT_MAGIC, 4) != 0) {
		snprintf(err, errlen, "damaged vault entry (not a sealed key)");
		return -1;
	}
	if (blob[4] != SEAL_VAULT_VERSION) {
		snprintf(err, errlen, "vault entry of version %d; this "
		    "program reads version %d", blob[4], SEAL_VAULT_VERSION);
		return -1;
	}
	if (len != SEAL_VAULT_LEN) {
		snprintf(err, errlen, "damaged vault entry (%zu bytes, not "
		    "%d)", len, (int)SEAL_VAULT_LEN);
		return -1;
	}
	crypto_generichash(sum, sizeof(sum), blob, SEAL_VAULT_BODY, NULL, 0);
	if (sodium_memcmp(sum, blob + SEAL_VAULT_BODY, sizeof(sum)) != 0) {
		snprintf(err, errlen, "damaged vault entry (checksum)");
		return -1;
	}
	for (i = 0; i < SEAL_ID_LEN; i++)
		if (strchr("0123456789abcdef", blob[5 + i]) == NULL ||
		    blob[5 + i] == '\0') {
			snprintf(err, errlen, "damaged vault entry (key id)");
			return -1;
		}
	memcpy(id, blob + 5, SEAL_ID_LEN);
	id[SEAL_ID_LEN] = '\0';
	*ops = seal_get64(blob + 5 + SEAL_ID_LEN);
	*mem = seal_get64(blob + 13 + SEAL_ID_LEN);
	if (*ops < crypto_pwhash_OPSLIMIT_MIN || *ops > SEAL_VAULT_MAXOPS ||
	    *mem < crypto_pwhash_MEMLIMIT_MIN || *mem > SEAL_VAULT_MAXMEM) {
		snprintf(err, errlen, "damaged vault entry (limits)");
		return -1;
	}
	return 0;
}

int
seal_unlock(const unsigned char *blob, size_t len, const char *passphrase,
    struct seal_sec *sec, char *err, size_t errlen)
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	const unsigned char *salt;
	char id[SEAL_ID_LEN + 1];
	uint64_t ops, mem;
	int rc;

	memset(sec, 0, sizeof(*sec));
	if (sodium_init() < 0) {
		snprintf(err, errlen, "sodium_init failed");
		return -1;
	}
	if (seal_vault_head(blob, len, id, &ops, &mem, err, errlen) == -1)
		return -1;
	if (passphrase == NULL)
		return 1;
	salt = blob + 21 + SEAL_ID_LEN;
	sodium_mlock(key, sizeof(key));
	if (seal_vault_key(key, passphrase, salt, ops, mem) != 0) {
		sodium_munlock(key, sizeof(key));
		snprintf(err, errlen, "out of memory (crypto_pwhash)");
		return -1;
	}
	rc = crypto_secretbox_open_easy(sec->sk, blob + SEAL_VAULT_HEAD,
	    SEAL_KEY_BYTES + crypto_secretbox_MACBYTES,
	    salt + crypto_pwhash_SALTBYTES, key);
	sodium_munlock(key, sizeof(key));
	if (rc != 0) {
		seal_sec_wipe(sec);
		return 1;
	}
	crypto_scalarmult_base(sec->pk, sec->sk);
	seal_key_id(sec->pk, sec->id);
	if (strcmp(sec->id, id) != 0) {
		seal_sec_wipe(sec);
		snprintf(err, errlen, "damaged vault entry (key id %s, the "
		    "key inside is another)", id);
		return -1;
	}
	return 0;
}

int
seal_password_hash(const char *secret, char *out, size_t outlen)
{
	if (outlen < crypto_pwhash_STRBYTES || sodium_init() < 0)
		return -1;
	return crypto_pwhash_str(out, secret, strlen(secret),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0 ? 0 : -1;
}

void
seal_derive_key(const unsigned char *secret, const char *purpose,
    unsigned char *key)
{
	crypto_generichash(key, SEAL_KEY_BYTES, (const unsigned char *)purpose,
	    strlen(purpose), secret, SEAL_KEY_BYTES);
}
