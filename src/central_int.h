/*
 * central_int: what the central*.c files share and nobody else needs.
 */
#ifndef SHUKHER_CENTRAL_INT_H
#define SHUKHER_CENTRAL_INT_H

/* Migration from (0-based) of the central schema, or NULL past the last
 * (src/central_schema.c). */
const char *central_schema_step(int from);

#endif
