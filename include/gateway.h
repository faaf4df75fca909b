/*
 * gateway: the message path, one step at a time.
 *
 * A gateway joins a modem (through its modem_ops), the store and the conf:
 * it opens the modem and reopens it with backoff when it fails, reads every
 * SMS and stores it before deleting it from the modem, joins long messages,
 * hands stored messages to the router and sends what the outbox holds.
 * Reading always goes before sending. The daemon's main loop is
 * gateway_run_once() and gateway_wait(), and nothing else; tests drive the
 * same two calls with a fake modem and a fake clock.
 *
 * The gateway logs (it is daemon code), never with a message's text or
 * number. It never gives up: every failure is retried, except a database
 * file that is no longer the one opened.
 */
#ifndef SHUKHER_GATEWAY_H
#define SHUKHER_GATEWAY_H

#include <stdint.h>

#include "conf.h"
#include "modem.h"
#include "store.h"

struct gateway;

/* store and conf stay the caller's and must outlive the gateway (or be
 * replaced with gateway_set_conf()). Returns NULL when out of memory. */
struct gateway *gateway_new(const struct modem_ops *ops, struct store *store,
    const struct conf *conf);

/* Closes the modem and records it as disconnected. */
void gateway_free(struct gateway *gw);

/* A reloaded conf. The modem is reopened when its settings changed. The
 * old conf may be freed once this returns. Returns 0, or -1 (and changes
 * nothing) when conf has no modem of this gateway's name. */
int gateway_set_conf(struct gateway *gw, const struct conf *conf);

/*
 * Several modems (conf->modems): which one this gateway drives, by name;
 * a new gateway drives the first. The first also runs the daily purge and
 * the reports' escalation, once for all. Returns 0, or -1 when conf has
 * no modem of that name or the modem is open.
 */
int gateway_use_modem(struct gateway *gw, const char *name);

/*
 * One pass: open the modem if it is due, read and store what it holds,
 * delete what was stored, join expired long messages, handle stored
 * messages, send at most one due message. Returns how many milliseconds the
 * caller may wait (with gateway_wait()) before the next pass; 0 when there
 * is more to do at once; -1 when the database file was deleted or replaced
 * under the gateway (logged): nothing more is deleted from the SIM, and the
 * caller stops with EXIT_IOERR. A database that fails otherwise (full,
 * read-only, locked) is waited for with backoff: the SIM is left alone
 * meanwhile and what is queued still goes out.
 */
int gateway_run_once(struct gateway *gw, int64_t now);

/* Waits up to timeout_ms for the modem to announce a message (or for a
 * signal). */
void gateway_wait(struct gateway *gw, int timeout_ms);

/* 1 while the modem is open. */
int gateway_connected(const struct gateway *gw);

/*
 * Signs of life (gateway_alive.c): alive(arg) is called at the start of
 * each pass, after each modem call returns, for each SMS a read passes on
 * and after each part of a long send, so that whoever watches the process
 * (the supervisor's board, systemd's watchdog: shukherd.c) hears from it
 * between any two calls, however long a pass (a big read, many deletes)
 * takes. NULL: nobody.
 */
void gateway_set_alive(struct gateway *gw, void (*alive)(void *arg),
    void *arg);

/* Seconds the longest modem call of mc may legitimately take: three of
 * its timeouts (an open; no call is let run longer, modem.h). */
int64_t gateway_call_max(const struct conf_modem *mc);

/* Seconds the send of a text of parts SMS through mc may take, at most:
 * each part its timeout and the 2 s its watchdog adds (modem_gammu_send.c),
 * never less than gateway_call_max(). */
int64_t gateway_send_max(const struct conf_modem *mc, int parts);

/*
 * Seconds a modem's process may go without a sign of life before it is
 * taken for hung: failover_after, and gateway_call_max() more, so that a
 * process merely blocked in a slow call never is. The other modems then
 * take its queued messages, and the supervisor restarts it.
 */
int64_t gateway_hung_after(const struct conf *conf,
    const struct conf_modem *mc);

/*
 * The modem of this gateway has been out of service since then (its
 * process was restarted, and its predecessor was last seen alive then):
 * the health alerts count the modem lost from then, and the other modems
 * take it for down from then, until it opens.
 */
void gateway_lost_since(struct gateway *gw, int64_t since);

#endif
