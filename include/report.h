/*
 * report: the reporting side of the gateway, between the router and the
 * store.
 *
 * A report keyword with text files a report at once; the keyword alone
 * asks what happened and takes the next message within reports.window as
 * the report. Later messages that start with the reference, or come from
 * the same number within the window, join the report. Urgent words mark a
 * report urgent: the caseworkers on duty (the roster) are told by SMS, one
 * after another until one claims it, once per window for a flood from one
 * number. Caseworkers on the roster may act by SMS ("CLAIM REF PIN",
 * "CLOSE REF PIN [outcome]", "NOTE REF PIN text", "REPLY REF PIN text"),
 * each command carrying a PIN checked against its crypto_pwhash hash, with
 * a lockout after repeated wrong PINs that doubles each time.
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
#include "route.h"
#include "store.h"

/*
 * Called by the router inside its transaction, after route_decide() gave
 * r for msg. When msg is the reporting side's (a report, the bare report
 * keyword, a follow-up, a caseworker's command), writes all of its
 * consequences, the message marked handled included, and returns 1. Every
 * SMS it queues, to anyone, is within its recipient's reply budget. Returns
 * 0 when the message is none of these (the router goes on), -1 on a store
 * error (the caller rolls back).
 */
int report_route(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const struct route_result *r, int64_t now);

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
