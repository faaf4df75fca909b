/*
 * netclock: the network's time, for a device with no internet and no
 * battery-backed clock.
 *
 * The daemon reads the modem's clock (which the network sets, where the
 * modem takes its time zone and time from it) and records it with the
 * CLOCK_BOOTTIME second and the boot it was read in. `shukherctl clock`
 * carries that reading forward to now on CLOCK_BOOTTIME, which a wrong
 * system clock, or a jump of it, does not move, and can set the system
 * clock from it. fake-hwclock keeps the clock monotonic across reboots;
 * this makes it right.
 */
#ifndef SHUKHER_NETCLOCK_H
#define SHUKHER_NETCLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Seconds of CLOCK_BOOTTIME (counts suspend, never jumps). */
int64_t netclock_boottime(void);

/* This boot's id (/proc/sys/kernel/random/boot_id) into buf; "" when it
 * cannot be read. */
void netclock_boot_id(char *buf, size_t len);

/* Records network_time (UTC seconds), read now, into st. */
void netclock_note(struct store_modem_state *st, int64_t network_time);

/*
 * The network's time now, from what st recorded. Returns 1 with it in
 * *out; 0 when there is none usable (never read, or read in another boot:
 * the boottime then means nothing).
 */
int netclock_now(const struct store_modem_state *st, int64_t *out);

#endif
