/*
 * report_int: what src/report*.c share and nobody else may see.
 */
#ifndef SHUKHER_REPORT_INT_H
#define SHUKHER_REPORT_INT_H

#include <stdint.h>

#include "conf.h"
#include "store.h"

/* A 32-byte key for purpose ("relay") derived from the device
 * secret. Returns 0 or -1. */
int report_key(struct store *store, const char *purpose, unsigned char *key);

/* The window key of number (a keyed hash, 32 bytes) into hash. 0 or -1. */
int report_hash(struct store *store, const char *number, unsigned char *hash);

/*
 * Queues text to number within number's reply budget (route_budget()): the
 * way every part of the reporting side sends. Returns the outbox id (> 0),
 * 0 when the budget held it back, -1.
 */
int64_t report_send(struct store *store, const struct conf *conf,
    const char *number, const char *text, int kind, int64_t in_reply_to,
    int64_t now);

/* See report.c. Returns 1 told, 0 nobody left, -1. */
int report_alert(struct store *store, const struct conf *conf, int64_t id,
    const char *ref, const char *number, const char *text, int level,
    int64_t now);

/* A caseworker's SMS command (report_cmd.c): 1 handled (all written), 0 not
 * a command, -1. */
int report_command(struct store *store, const struct conf *conf,
    const struct store_msg *msg, int64_t now);

/* Writes the end of any report message: the day's count under label, the
 * inbox copy scrubbed, the message handled. Returns 0 or -1. */
int report_finish(struct store *store, const struct store_msg *msg,
    const char *label, int64_t now);

#endif
