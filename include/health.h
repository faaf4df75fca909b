/*
 * health: what the gateway knows of its own health, and when it tells the
 * technicians (conf health.technicians) by SMS.
 *
 * Each condition (credit low, modem lost, SIM full, disk, clock, sends
 * failing) is a small state machine, health_step(): it alerts once when
 * it starts and once when it clears, reminds at most once per alert_every
 * while it lasts (a condition that flaps starts again no sooner than
 * alert_every after its last alert), and holds back in quiet hours what
 * is not urgent. Everything here is pure (no clock, no I/O) but the
 * disk's measure, which the daemon and the self-test share so that they
 * judge by the same thresholds.
 */
#ifndef SHUKHER_HEALTH_H
#define SHUKHER_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

enum health_cond {
	HEALTH_CREDIT = 0,       /* credit below balance.low */
	HEALTH_MODEM,            /* modem lost longer than alert_after */
	HEALTH_SIM_FULL,         /* SIM memory full longer than alert_after */
	HEALTH_DISK,             /* free space below HEALTH_DISK_FAIL_MB */
	HEALTH_CLOCK,            /* clock in the past, or off the network's */
	HEALTH_SENDS,            /* alert_failed_sends failed sends in a row */
	HEALTH_NCOND
};

/* The self-test's thresholds (shukherctl selftest judges by these too). */
#define HEALTH_DISK_FAIL_MB 50
#define HEALTH_DISK_WARN_MB 200
#define HEALTH_CLOCK_MIN 1735689600   /* 2025-01-01: before it, wrong */
#define HEALTH_CLOCK_DRIFT 120        /* seconds off the network's time */

/* "credit_low", "modem_lost", "sim_full", "disk_low", "clock_wrong",
 * "sends_failing": the names status and the database use. */
const char *health_name(enum health_cond c);
/* 1 for the conditions that stop the service (modem lost, disk, sends
 * failing): alerted also in quiet hours. */
int health_urgent(enum health_cond c);

/* One condition's state, as kept in the database (struct store_health). */
struct health_state {
	int open;
	int64_t since;
	int64_t alerted_at;      /* the last start or reminder sent; 0 never */
	int told;                /* a start was sent: a clear is owed */
};

enum health_alert {
	HEALTH_NONE = 0,
	HEALTH_START,
	HEALTH_REMIND,
	HEALTH_CLEAR
};

/*
 * One look at a condition: bad is whether it holds now. Updates s and
 * returns the alert to send now, if any (the caller sends it; s already
 * says it was sent). A start is sent at once unless another start or
 * reminder of this condition went out less than every seconds ago (then
 * when that has passed, if it still holds); a reminder every seconds
 * while it holds; a clear when it ends after a start was sent (a start
 * never sent needs no clear). In quiet hours (quiet 1), only an urgent
 * condition alerts; what is held back is sent after them if still due.
 */
enum health_alert health_step(struct health_state *s, int bad, int urgent,
    int quiet, int every, int64_t now);

/*
 * The alert's text for technicians in lang: short, plain, and saying what
 * to do. detail is the figure it names ("850", "12/30", "42 MiB"), or "".
 * Returns the length written (cut to outlen).
 */
size_t health_text(enum health_cond c, enum health_alert a, enum lang lang,
    const char *detail, char *out, size_t outlen);

/*
 * Several modems (src/health_modems.c). A modem's conditions (credit low,
 * modem lost, SIM full, sends failing: health_of_modem() 1) are kept and
 * alerted per modem, the gateway's (disk, clock) once.
 * health_cond_name(): the condition's name, "credit_low:unitel" for a
 * modem's when modem is not NULL (the caller passes NULL with one modem,
 * so that its names stay as they were). health_text_modem(): as
 * health_text(), "shukher unitel: ..." for a modem's when modem is not
 * NULL. Both return the length written (cut to outlen).
 */
int health_of_modem(enum health_cond c);
size_t health_cond_name(enum health_cond c, const char *modem, char *out,
    size_t outlen);
size_t health_text_modem(enum health_cond c, enum health_alert a,
    enum lang lang, const char *modem, const char *detail, char *out,
    size_t outlen);

/*
 * The amount in a USSD answer: the first group of the balance pattern,
 * read as a number ("1,234.50" -> 1234: separators of thousands skipped,
 * decimals dropped). Returns 0 and *amount, or -1 when the pattern does
 * not match or its group holds no digits.
 */
int health_credit_parse(const struct conf_balance *b, const char *answer,
    int64_t *amount);

/*
 * Free space, in MiB, on the file system that holds path (or would: its
 * nearest existing directory); dir gets the directory measured. Returns
 * 0, or -1 with errno set.
 */
int health_disk_free(const char *path, char *dir, size_t dirlen,
    unsigned long long *mb);

/* The clock's verdict: 2 in the past (before HEALTH_CLOCK_MIN); 1 more
 * than HEALTH_CLOCK_DRIFT off the network's time (have_net 1, net its
 * now); 0 fine. */
int health_clock(int64_t now, int have_net, int64_t net);

#endif
