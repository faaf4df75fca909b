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

#endif
