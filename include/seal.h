/*
 * seal: reports sealed to the caseworkers' public key (libsodium sealed
 * boxes), and the key files.
 *
 * The daemon holds only the public key: it can seal a report but never open
 * one. shukherctl opens them with the secret key, which lives on the
 * caseworkers' machine (shukherctl keygen makes the pair). Each sealed blob
 * is stored with the key id (a short fingerprint of the public key), so that
 * a wrong key is told apart from a damaged record.
 *
 * Key files are one line of text: "shukher-public-key <64 hex>" or
 * "shukher-secret-key <64 hex>". The secret file is created 0600 and never
 * overwritten.
 */
#ifndef SHUKHER_SEAL_H
#define SHUKHER_SEAL_H

#include <stddef.h>

#define SEAL_KEY_BYTES 32        /* crypto_box_PUBLICKEYBYTES, SECRETKEYBYTES */
#define SEAL_ID_LEN 16           /* hex characters of a key id */
#define SEAL_OVERHEAD 48         /* crypto_box_SEALBYTES */

/* The environment variable naming the secret key file for shukherctl. */
#define SEAL_KEY_ENV "SHUKHER_KEY"

struct seal_pub {
	unsigned char pk[SEAL_KEY_BYTES];
	char id[SEAL_ID_LEN + 1];
};

/* A key pair; wipe with seal_sec_wipe() when done. */
struct seal_sec {
	unsigned char pk[SEAL_KEY_BYTES];
	unsigned char sk[SEAL_KEY_BYTES];
	char id[SEAL_ID_LEN + 1];
};

/*
 * Makes a new key pair: the public key into pub_path, the secret key into
 * sec_path (mode 0600). Neither file may exist yet. Returns 0, or -1 with
 * err filled (no file is left half written).
 */
int seal_keygen(const char *pub_path, const char *sec_path, char *err,
    size_t errlen);

/* Reads a public key file. Returns 0, or -1 with err filled. */
int seal_load_public(const char *path, struct seal_pub *out, char *err,
    size_t errlen);

/* Reads a secret key file (and derives its public half). Returns 0, or -1
 * with err filled; a public key file given by mistake is named as such. */
int seal_load_secret(const char *path, struct seal_sec *out, char *err,
    size_t errlen);

void seal_sec_wipe(struct seal_sec *sec);

/*
 * Seals len bytes of msg to pub. Returns a new blob of len + SEAL_OVERHEAD
 * bytes (caller frees) with its length in *outlen, or NULL when out of
 * memory.
 */
unsigned char *seal_seal(const struct seal_pub *pub, const void *msg,
    size_t len, size_t *outlen);

/*
 * Opens a blob sealed to sec's public key. Returns the plain text, NUL
 * terminated (caller frees with seal_free(), which wipes it), with its
 * length in *outlen when outlen is not NULL; NULL when the blob was sealed
 * to another key, is damaged, or memory ran out.
 */
char *seal_open(const struct seal_sec *sec, const unsigned char *blob,
    size_t len, size_t *outlen);

/* Wipes and frees a string from seal_open(). NULL is fine. */
void seal_free(char *plain);

#define SEAL_BOX_OVERHEAD 40     /* crypto_box_NONCEBYTES + MACBYTES */
/*
 * A message from the holder of from's secret key to the holder of to's,
 * authenticated both ways (crypto_box: a fresh nonce, then the box): it
 * opens only with to's secret key and from's public key, so whoever
 * opens it knows that from's secret key made it. Returns a new blob of
 * len + SEAL_BOX_OVERHEAD bytes (caller frees) with its length in
 * *outlen, or NULL when out of memory.
 */
unsigned char *seal_box(const struct seal_sec *from, const struct seal_pub *to,
    const void *msg, size_t len, size_t *outlen);
/*
 * Opens a seal_box() blob made for sec by from's secret key. Returns the
 * plain text as seal_open() does; NULL when another key made it (a sealed
 * box made by anyone, say), it is damaged, or memory ran out.
 */
char *seal_box_open(const struct seal_sec *sec, const struct seal_pub *from,
    const unsigned char *blob, size_t len, size_t *outlen);

/*
 * The vault form of a secret key: sec encrypted with a key derived from
 * passphrase (crypto_pwhash, Argon2id, a fresh salt; crypto_secretbox),
 * with the key id in the clear so that it can be told apart. Returns a new
 * blob (caller frees) with its length in *outlen, or NULL with err filled.
 */
unsigned char *seal_lock(const struct seal_sec *sec, const char *passphrase,
    size_t *outlen, char *err, size_t errlen);

/*
 * Opens a vault blob with passphrase into *sec (wipe with seal_sec_wipe()).
 * Returns 0; 1 when the passphrase is wrong; -1 with err filled when the
 * blob is damaged or memory ran out.
 */
int seal_unlock(const unsigned char *blob, size_t len, const char *passphrase,
    struct seal_sec *sec, char *err, size_t errlen);

/*
 * A password or a PIN as a crypto_pwhash_str string (Argon2id, interactive
 * limits): what an account or a caseworker's PIN keeps, checked with
 * crypto_pwhash_str_verify. Returns 0 with the string in out (at least
 * crypto_pwhash_STRBYTES bytes), or -1 when out is too small or memory ran
 * out. Rules on what a secret may be are the caller's.
 */
int seal_password_hash(const char *secret, char *out, size_t outlen);

/*
 * The key for purpose ("link", "part", "relay": one per use, so that no
 * two uses share a key) derived from secret (SEAL_KEY_BYTES, the device
 * secret) into key (SEAL_KEY_BYTES): BLAKE2b of the purpose keyed with the
 * secret. The one derivation of the device secret's keys: hashes and
 * digests already stored were made with it and stay valid only as long
 * as it does not change.
 */
void seal_derive_key(const unsigned char *secret, const char *purpose,
    unsigned char *key);

#endif
