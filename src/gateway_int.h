/*
 * gateway_int: what gateway.c (reading, storing, handling, the loop) and
 * gateway_send.c (sending, and the records of sends the database could not
 * take) share, and nobody else may see.
 */
#ifndef SHUKHER_GATEWAY_INT_H
#define SHUKHER_GATEWAY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gateway.h"
#include "gateway_poll.h"

#define GW_BACKOFF_MAX     60      /* seconds between reopen attempts */
#define GW_ERRORS_REOPEN   3       /* consecutive failures before a reopen */
#define GW_HANDLE_BATCH    20      /* messages routed per pass */
#define GW_INFO_INTERVAL   600     /* seconds between signal/SIM/clock and
                                      notice checks (idle costs little) */
#define GW_RETRY_MAX       3600    /* longest wait before a send retry */
#define GW_WAIT_MAX        2000    /* ms: the loop turns at least this often
                                      (queued replies, long messages due;
                                      idle wake-ups: gateway_poll.h) */
#define GW_ERR             192     /* room for a modem error, with its context */
#define GW_STORE_LOG_EVERY 60      /* seconds between lines on a failing store */
#define GW_QUEUE_SCAN      200     /* queued rows a modem looks through for
                                      one it may send (several modems) */

/* What the database could not record of a send yet. */
enum gateway_record_kind {
	GW_REC_SENT,             /* sent: store_outbox_sent() */
	GW_REC_RETRY,            /* failed, try again at `at` */
	GW_REC_FAIL,             /* failed for good */
	GW_REC_PROGRESS,         /* some parts went out (modem failure) */
};

struct gateway_record {
	int64_t id;              /* the outbox row */
	enum gateway_record_kind kind;
	int64_t at;              /* sent at; next attempt (retry); failed at */
	char msgref[64];         /* the references of the parts sent */
	int64_t sent_at;         /* when the parts in msgref not recorded yet
	                            went (retry, fail, progress) */
	char error[GW_ERR];      /* retry, fail: why */
};

struct gateway {
	const struct modem_ops *ops;
	struct store *store;
	const struct conf *conf;
	const struct conf_modem *mc; /* the modem this gateway drives: one of
	                            conf->modems, found again by name when
	                            the conf is replaced */
	char name[32];           /* its name */
	int primary;             /* the first modem: the daily purge and the
	                            reports' escalation run here, and its
	                            state is also modem_state's */
	int64_t down_since;      /* 0: working; since when it has not */
	int64_t beat_at;         /* several modems: the next write of its row,
	                            by which the others know it lives */
	void (*alive)(void *);   /* signs of life: gateway_set_alive() */
	void *alive_arg;
	void *modem;             /* NULL while closed */
	int64_t open_at;         /* next attempt to open */
	int backoff;             /* seconds before the next attempt after this */
	int errors;              /* consecutive modem failures */
	int read_due;            /* read at the next pass */
	int64_t read_at;         /* next count of the SIM (gateway_poll.h); a
	                            modem that cannot count: next full read */
	int count_due;           /* count at the next pass (a send was tried) */
	int64_t counted_at;      /* the last count: counts after sends come at
	                            most once a second, so that a flood on the
	                            SIM cannot starve sending (each count that
	                            finds more is a read) */
	struct gateway_poll poll; /* when to look at the SIM */
	int64_t info_at;         /* next signal/SIM refresh */
	int64_t purge_at;        /* next retention purge (daily) */
	struct store_modem_state state;
	/* A failing database: */
	int store_down;          /* a write failed; none has worked since */
	int64_t store_at;        /* while down: the next attempt */
	int store_backoff;       /* seconds before the attempt after that */
	int64_t store_down_since;
	int64_t store_log_at;    /* no failure line before then */
	int store_logged;        /* a failure line since the last recovery */
	int store_failures;      /* failures not logged yet */
	int file_gone;           /* the database file was deleted/replaced */
	/* Sends the database could not record, in the order they happened;
	 * never sent again while here. */
	struct gateway_record *records;
	size_t nrecords, records_cap;
	/* Health (gateway_health.c): */
	int64_t credit_at;       /* next USSD credit request (0: at once) */
	int64_t credit_asked_at; /* the last request */
	int64_t ussd_until;      /* a request waits for its answer until
	                            then; 0: none waits */
	int64_t health_at;       /* next look at the conditions */
	int health_unnamed;      /* the rows kept under plain names are
	                            closed (gateway_health.c); 0 again on a
	                            new conf */
	int64_t lost_since;      /* the modem closed since; 0 while open */
	int64_t lost_for;        /* seconds the last loss lasted */
	int64_t sim_full_since;  /* the SIM full since; 0 while not */
	int send_failures;       /* sends failed in a row */
};

/* A database call failed (what: "storing an SMS"; err: its message): no
 * read of the SIM until the backoff has passed; logged once, then once a
 * minute. */
void gateway_store_error(struct gateway *gw, const char *what,
    const char *err, int64_t now);
/* A database write worked: a failing database has recovered. */
void gateway_store_ok(struct gateway *gw, int64_t now);
/* Whether the database may be used in this pass (gateway.c): no while it
 * failed and its backoff runs; what was kept for it is written first. */
int gateway_store_ready(struct gateway *gw, int64_t now);
/* The first modem's upkeep, once per pass (gateway_upkeep.c). */
void gateway_upkeep(struct gateway *gw, int64_t now);
/* A modem call failed; enough failures close it for a reopen. */
void gateway_modem_error(struct gateway *gw, const char *what,
    const char *err, int gone, int64_t now);

/* Several modems: the modem is failing (sets down_since once) or works
 * again (clears it); its row is written at the next pass. */
void gateway_down(struct gateway *gw, int64_t now);
void gateway_up(struct gateway *gw, int64_t now);
/* Whether the queue goes through gateway_multi_next(): several modems, or
 * one with a daily_limit (gateway_modems.c). */
int gateway_multi(const struct gateway *gw);
/* Several modems (gateway_modems.c): the queued message this modem may
 * send now, claimed for it (1, o filled; 0 none; -1 database error), and
 * the seconds until one is due (as gateway_outbox_wait()). */
int gateway_multi_next(struct gateway *gw, int64_t now, struct store_out *o);
int64_t gateway_multi_wait(struct gateway *gw, int64_t now);
/* Under gateway_multi(): row id, taken but not sent and no record of it
 * written, is due again now. */
void gateway_multi_release(struct gateway *gw, int64_t id, int64_t now);
/* Whether outbox row id has a record the database has not taken yet. */
int gateway_unrecorded(const struct gateway *gw, int64_t id);

/* A sign of life: a modem call returned, a pass began
 * (gateway_alive.c). */
void gateway_alive(struct gateway *gw);

/* Sends the message due soonest, if any. 1 when one was tried. */
int gateway_send(struct gateway *gw, int64_t now);
/* Seconds until the next message may be sent (0: now), -1 when none is
 * queued, -2 on a database error. */
int64_t gateway_outbox_wait(struct gateway *gw, int64_t now);
/* Asks the credit, looks at the health conditions and queues the
 * technicians' alerts and the daily summary (gateway_health.c). Called on
 * every pass the database works. */
void gateway_health(struct gateway *gw, int64_t now);
/* A send the network refused: ask the credit soon. */
void gateway_credit_soon(struct gateway *gw, int64_t now);

/* Writes the records of sends kept while the database failed, oldest
 * first, while it takes them. */
void gateway_flush_records(struct gateway *gw, int64_t now);

#endif
