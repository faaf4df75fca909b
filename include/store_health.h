/*
 * store_health: the part of the store that keeps the gateway's health
 * (src/store_health.c): the SIMs' credit and the health conditions, for
 * the daemon's alerts, shukherctl status and selftest, and the console.
 * The handle and its conventions are store.h's.
 */
#ifndef SHUKHER_STORE_HEALTH_H
#define SHUKHER_STORE_HEALTH_H

#include <stdint.h>

#include "store.h"

/* ---- the gateway's health (store_health.c) -------------------------------
 * Schema 10. Each SIM's credit as USSD last told it (per modem since
 * schema 14), and the health conditions the technicians are alerted of
 * (include/health.h). */

struct store_credit {
	int known;               /* 0: never read; amount and at mean nothing */
	int64_t amount;          /* whole units of the currency */
	int64_t at;              /* when amount was read */
	char answer[256];        /* the USSD answer amount came from */
	int64_t checked_at;      /* the last attempt, answered or not */
	char error[128];         /* why it failed; "" when it worked */
};

/* The credit of modem (its conf name) read at now from answer; first: it
 * is the conf's first modem (its row is marked so, no other). 0 or -1. */
int store_credit_put(struct store *store, const char *modem, int first,
    int64_t amount, const char *answer, int64_t now);
/* An attempt of modem at now that failed with error (the amount kept
 * stays); the answer that did not match, when answer is not NULL. */
int store_credit_failed(struct store *store, const char *modem, int first,
    const char *error, const char *answer, int64_t now);
/* Fills out with modem's credit (known 0 when never read, nor tried);
 * modem NULL: the row marked first. first: modem is the conf's first,
 * which also owns the single row kept from before schema 14 until it
 * writes its own. 0 or -1. */
int store_credit_get(struct store *store, const char *modem, int first,
    struct store_credit *out);

struct store_health {
	char name[64];           /* health_name(), ":modem" for a modem's
	                            condition when there are several */
	int open;
	int64_t since;           /* when it opened (or closed, when not open) */
	int64_t alerted_at;      /* the last start or reminder sent */
	int told;                /* 1: a start was sent; its clear is owed */
	char detail[64];         /* what it was at the last look: "850" */
};

/* Writes h over the row of its name. 0 or -1. */
int store_health_put(struct store *store, const struct store_health *h);
/* The row of name into out: 1, 0 when there is none (out zeroed, name
 * set), -1. */
int store_health_get(struct store *store, const char *name,
    struct store_health *out);
/* Calls cb for each open condition, oldest first. 0 or -1. */
typedef int (*store_health_cb)(void *arg, const struct store_health *h);
int store_health_list_open(struct store *store, store_health_cb cb,
    void *arg);

/* What the daily summary counts since a time. */
struct store_day_counts {
	int in;                  /* messages received */
	int out;                 /* messages sent */
	int failed;              /* messages given up on */
	int reports;             /* reports filed */
};
int store_day_counts(struct store *store, int64_t since,
    struct store_day_counts *out);

#endif
