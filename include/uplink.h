/*
 * uplink: a gateway's link to the fleet's central PostgreSQL, the work of
 * shukher-uplink (src/shukher-uplink.c holds its loop and signals).
 *
 * Each round: connect when due (with a bounded exponential backoff after
 * a failure), send what the local queue holds in batches, each committed
 * centrally before it is forgotten here, apply the central commands for
 * this gateway once each and acknowledge them, and send a health
 * snapshot now and then. The local database stays the truth: nothing here
 * is on the message path, and a gateway without a link keeps everything
 * queued until it has one.
 */
#ifndef SHUKHER_UPLINK_H
#define SHUKHER_UPLINK_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct store;
struct uplink;

/* Tunables, seconds. */
#define UPLINK_BACKOFF_MIN 1     /* first wait after a failure; doubles */
#define UPLINK_BACKOFF_MAX 300   /* ...up to this */
#define UPLINK_HEALTH_EVERY 60   /* health snapshots */
#define UPLINK_COMMANDS_EVERY 30 /* commands looked for without a NOTIFY */
#define UPLINK_BATCH 500         /* events per batch (one transaction) */

/*
 * An uplink for conf (borrowed; its central group must have conninfo and
 * gateway) over store (borrowed). Its key pair comes from the store's
 * 'uplink' secret. Returns NULL with err filled.
 */
struct uplink *uplink_new(const struct conf *conf, struct store *store,
    char *err, size_t errlen);
void uplink_free(struct uplink *u);

/*
 * One round at now_ms (a monotonic clock, milliseconds). Returns how many
 * milliseconds may pass before the next round; *fd gets the connection's
 * socket to wait on for a NOTIFY (-1: none).
 */
int uplink_run_once(struct uplink *u, int64_t now_ms, int *fd);

#endif
