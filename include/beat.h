/*
 * beat: the signs of life of a supervisor's children, in memory they
 * share.
 *
 * The supervisor makes a board of slots before it forks (one per child);
 * a child stamps its slot as it works (beat_stamp()), and the supervisor
 * reads how long ago each slot was stamped (beat_age()) to tell a
 * process that is hung (stopped, deadlocked, stuck in a call that never
 * returns) from one that works. A stamp is one atomic store: no system
 * call, no write to the SD card, and it goes on while the database fails
 * (a process that waits for its database is not hung). Ages count on
 * CLOCK_MONOTONIC, so a wall clock set by hand or by the network's time
 * makes no process look hung.
 */
#ifndef SHUKHER_BEAT_H
#define SHUKHER_BEAT_H

#include <stddef.h>
#include <stdint.h>

struct beat;

/* A board of n slots, each stamped now, shared with the children forked
 * after it. NULL when the system refuses the memory (errno set). Caller
 * frees with beat_free(). */
struct beat *beat_new(size_t n);

/* Unmaps the board (in the process that calls it only). NULL is fine. */
void beat_free(struct beat *b);

/* Slot i (< n) was alive now. Safe in any process that shares the board,
 * and from a signal handler. */
void beat_stamp(struct beat *b, size_t i);

/* Seconds since slot i was last stamped (0 or more). */
int64_t beat_age(const struct beat *b, size_t i);

#endif
