/*
 * seal: libsodium sealed boxes for reports, and the key files.
 *
 * A sealed box (crypto_box_seal) needs only the recipient's public key to
 * write, and the secret key to read: exactly the split between the daemon,
 * which must store a report it can never read again, and the caseworkers.
 * The key id is the first 8 bytes of BLAKE2b(public key) in hex; it is not
 * secret and is stored beside every sealed blob.
 */
#include <errno.h>
#include <fcntl.h>
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

void
seal_free(char *plain)
{
	if (plain == NULL)
		return;
	sodium_memzero(plain, strlen(plain));
	free(plain);
}
