/*
 * route_int: what src/route*.c share and nobody else may see: the apply
 * stage, which route_handle_next() (route.c) calls after gather and
 * decide.
 */
#ifndef SHUKHER_ROUTE_INT_H
#define SHUKHER_ROUTE_INT_H

#include <stdint.h>

#include "conf.h"
#include "route.h"
#include "store.h"

/*
 * Writes every consequence of plan for msg, inside the caller's
 * transaction: the only writer of a message's consequences. Returns 0,
 * or -1 on a store error or when memory ran out (the caller rolls back).
 */
int route_apply(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const struct route_facts *facts,
    const struct route_plan *plan, int64_t now);

/* Reads the campaign's facts for msg (src/route_campaign.c). 0 or -1. */
int route_gather_campaign(struct store *store, const struct conf *conf,
    const struct store_msg *msg, int64_t now, struct route_facts *f);

/* The campaign's outcomes, and what any outcome's plan->camp asks (a
 * source counted, every series ended): src/route_campaign_apply.c. 0 or
 * -1. */
int route_apply_campaign(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const struct route_facts *f,
    const struct route_plan *plan, int64_t now);

/*
 * Queues text to msg's sender as a reply to msg, through the modem msg
 * came in on (store_outbox_queue() copies the message's modem: the SIM
 * the person chose; a ported number is on no prefix's network): every
 * reply of every outcome goes this way.
 * budgeted: within the sender's reply budget; 0: counted by it but never
 * held back (what decide already let through as a whole, a survey's
 * next question). Returns the outbox id (> 0), 0 when the budget held it
 * back, -1.
 */
int64_t route_queue_reply(struct store *store, const struct conf *conf,
    const struct store_msg *msg, const char *text, int budgeted, int64_t now);

#endif
