/*
 * report: the reporting side's helpers, and its periodic work.
 *
 * What a message means for reports (a report, the bare keyword's
 * question, a follow-up, a caseworker's SMS command) is decided by the
 * router and written by its apply stage (route.h), which calls these:
 * urgency, the roster, sealing, the relay copy of a reporter's number,
 * timeline entries and alerts. report_tick() escalates unclaimed urgent
 * reports and forgets what is no longer needed.
 *
 * Texts and numbers are sealed to the caseworkers' public key (seal.h)
 * when reports.public_key is set; the inbox copy of each report message is
 * scrubbed in the same transaction that seals it. The library never logs.
 */
#ifndef SHUKHER_REPORT_H
#define SHUKHER_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "store.h"

/*
 * The periodic work, outside any transaction: tells the next caseworker
 * about urgent reports nobody claimed within reports.escalate_minutes,
 * blanks the numbers and texts of report SMS already sent, drops closed
 * windows and empties the WAL of old page images. Returns 0, or -1 on a
 * store error (nothing half done; try again later).
 */
int report_tick(struct store *store, const struct conf *conf, int64_t now);

/* 1 when text holds one of the conf's urgent words (case folded; a typo
 * of one letter forgiven in words of five letters or more). */
int report_is_urgent(const struct conf *conf, const char *text);

/*
 * The caseworkers on duty at now (local time), in the order they are to
 * be told: the first roster line that covers now, else the fallback.
 * Fills idx (indexes into conf->reports.caseworkers) and returns how many.
 */
size_t report_on_duty(const struct conf *conf, int64_t now, size_t *idx,
    size_t max);

/*
 * Seals "number\ntext" (text alone when number is NULL) to the conf's key
 * into *blob (caller frees) with its length in *len. Returns 0, with *blob
 * NULL when no key is set; -1 when memory ran out.
 */
int report_seal_text(const struct conf *conf, const char *number,
    const char *text, unsigned char **blob, size_t *len);

/*
 * The relay copy of a reporter's number: encrypted with a key derived
 * from the device secret, so that the daemon can relay a caseworker's SMS
 * reply for reports.relay_hours and nothing else can read it. seal makes
 * one (caller frees *blob); open reads report id's, while it lives, into
 * number (len bytes). seal returns 0 or -1; open 1, 0 when there is none
 * (expired, or another device's), -1.
 */
int report_relay_seal(struct store *store, const char *number,
    unsigned char **blob, size_t *len);
int report_relay_open(struct store *store, int64_t id, int64_t now,
    char *number, size_t len);

/*
 * Tells the caseworker on duty number level (0 first) about report id,
 * adds it to the timeline and records the level; a caseworker whose reply
 * budget is spent is passed over for the next one. text and number are
 * the report's, in the clear for this call only; NULL for an escalation,
 * which carries only the reference. Inside the caller's transaction.
 * Returns 1 when one was told, 0 when nobody is left (or nobody could
 * be), -1.
 */
int report_alert(struct store *store, const struct conf *conf, int64_t id,
    const char *ref, const char *number, const char *text, int level,
    int64_t now);

/*
 * A reporter's message on report id's timeline (kind "message"): their
 * number on its first line, then text, sealed to the conf's key when one
 * is set. Inside the caller's transaction. Returns 0 or -1.
 */
int report_message_add(struct store *store, const struct conf *conf,
    int64_t id, const char *number, const char *text, int64_t now);

/*
 * Adds a timeline entry of kind to report id by actor (NULL: none), with
 * text (NULL or "": none) sealed to pub, or clear when pub is NULL, and
 * outbox the SMS it queued (0: none). Inside the caller's transaction; the
 * one way every part of the program writes a timeline entry. Returns 0,
 * -1 on a store error, -2 when memory ran out.
 */
struct seal_pub;
int report_entry_add(struct store *store, int64_t id, const char *kind,
    const char *actor, const char *text, const struct seal_pub *pub,
    int64_t outbox, int64_t now);

/* A new PIN: 6 to 31 characters (6 digits at least on a keypad; 31 is
 * the longest an SMS command takes), no spaces or control characters.
 * Hashes made before keep working whatever their length. */
#define REPORT_PIN_MIN 6
#define REPORT_PIN_MAX 31

/* 1 when pin may be hashed for the config (see REPORT_PIN_MIN), else 0. */
int report_pin_ok(const char *pin);

/*
 * Hashes a PIN for the config (crypto_pwhash_str, interactive limits).
 * Returns 0 with the string in out (crypto_pwhash_STRBYTES = 128 bytes),
 * -2 when report_pin_ok() refuses the PIN, -1 when memory ran out.
 */
int report_pin_hash(const char *pin, char *out, size_t outlen);

#endif
