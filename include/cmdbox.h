/*
 * cmdbox: a caseworkers' command for one gateway, as it travels through
 * the central server: boxed (seal_box()) from the caseworkers' key pair
 * to the gateway's own key, with the report's reference, the action and
 * the action's content inside ("shukher-command 1\nREF\nACTION\ncontent":
 * a note's text, a close's outcome, a reply's "number\ntext", nothing
 * for a claim).
 *
 * Whoever can write the central commands table (the server, its
 * administrator, a caseworker's role) can seal anything to a gateway's
 * public key, but only the holder of the caseworkers' secret key can make
 * a box that opens with reports.public_key; and since the reference and
 * the action are inside it, a genuine box moved to another report or
 * action is told apart. Its nonce (the blob's first CMDBOX_NONCE_BYTES
 * bytes, random) names it: the gateway remembers it so that the same box
 * queued again is refused. The module never logs.
 */
#ifndef SHUKHER_CMDBOX_H
#define SHUKHER_CMDBOX_H

#include <stddef.h>

#include "seal.h"

/* The first line of every command box: its format's version. */
#define CMDBOX_TAG "shukher-command 1"
#define CMDBOX_NONCE_BYTES 24    /* crypto_box_NONCEBYTES */

/*
 * The box of action on report ref with content (NULL: none), from the
 * caseworkers' pair from to the gateway's public key to; the reference
 * is put in upper case, as reports are named. Returns a new blob (caller
 * frees) with its length in *len, or NULL when ref or action is empty or
 * holds a newline, or memory ran out.
 */
unsigned char *cmdbox_make(const struct seal_sec *from,
    const struct seal_pub *to, const char *ref, const char *action,
    const char *content, size_t *len);

/* What cmdbox_open() found. */
enum cmdbox_res {
	CMDBOX_OK = 0,
	CMDBOX_FORGED,           /* no body, or it does not open with these
	                            keys: another key made it (or anyone
	                            sealed it), or it is damaged */
	CMDBOX_MOVED,            /* a genuine box for another report or
	                            another action */
	CMDBOX_FORMAT            /* the caseworkers' key made it, but not as
	                            a command box of this version (an older
	                            shukherctl's reply) */
};

/*
 * Opens blob (len bytes; NULL: none) with the gateway's pair sec, as made
 * by from's secret key, and checks that it names report ref (in any
 * case) and action. On CMDBOX_OK *raw gets what to free with seal_free()
 * and *content the action's content within it ("" when none); otherwise
 * both are NULL. Memory running out reads as CMDBOX_FORGED.
 */
enum cmdbox_res cmdbox_open(const struct seal_sec *sec,
    const struct seal_pub *from, const unsigned char *blob, size_t len,
    const char *ref, const char *action, char **raw, const char **content);

#endif
