/*
 * web_int: the console server's state, shared by web.c (HTTP, on
 * libmicrohttpd) and web_session.c (sessions, client addresses, refused
 * sign-ins). The pages never see it: they use web.h's accessors.
 *
 * One thread touches all of it (libmicrohttpd's internal polling thread),
 * so nothing here is locked.
 */
#ifndef SHUKHER_WEB_INT_H
#define SHUKHER_WEB_INT_H

#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>

#include "web.h"

#define WEB_SESSIONS 64          /* signed-in browsers at once */
#define WEB_ADDRS 256            /* client addresses remembered */
#define WEB_RATE 10.0            /* requests per second per address */
#define WEB_BURST 60.0           /* a page with its stylesheet, twice... */
#define WEB_TOKEN_LEN 64         /* hex of 32 random bytes */

struct web_session {
	int used;
	char token[WEB_TOKEN_LEN + 1];
	char csrf[WEB_TOKEN_LEN + 1];
	char user[64];
	int64_t started;
	int64_t seen;
	struct seal_sec *key;    /* sodium_malloc'd; NULL: locked */
	int unlock_failures;
};

struct web_addr {
	char addr[INET6_ADDRSTRLEN];
	double tokens;           /* the rate limit's bucket */
	int64_t last_ms;
	int failures;            /* wrong sign-ins in the window */
	int64_t window_start;
	int64_t fail_mark;       /* the audit window it was last counted in */
};

/* Refused sign-ins past the first WEB_FAIL_ROWS of a window: counted. */
struct web_fails {
	int64_t since;           /* the window's start; 0: none open */
	int64_t last;            /* the latest refusal */
	int rows;                /* written one by one in this window */
	int more;                /* counted, not written */
	int addrs;               /* distinct addresses among them */
	char addr[INET6_ADDRSTRLEN]; /* the latest of them */
};

struct web_app {
	const struct conf *conf;
	struct store *store;
	struct web_data *data;       /* web_data.h: the reports' source */
	struct MHD_Daemon *mhd;      /* web.c's */
	int tls;
	unsigned port;
	char *cert_pem, *key_pem;
	struct web_session sess[WEB_SESSIONS];
	struct web_addr addrs[WEB_ADDRS];
	struct web_conns *conns;
	struct web_fails fails;
};

/* ---- web_session.c ------------------------------------------------------ */

int64_t web_now(void);
/* Signs the session out: its key wiped, its slot free. */
void web_session_drop(struct web_session *s);
/* Sets cookie name on resp: "name=value; Path=path; HttpOnly;
 * SameSite=Strict; Max-Age=age", and Secure under TLS. */
void web_set_cookie(struct web_app *app, struct web_resp *resp,
    const char *name, const char *value, const char *path, int age);
/* The session whose token the cookie carries, compared in constant time;
 * *expired set when it was there but has run out (it is dropped). */
struct web_session *web_session_find(struct web_app *app, const char *token,
    int *expired);
/* 1 unless the session's account has been disabled or removed. A store
 * error keeps the session: the page that follows will say so. */
int web_account_ok(struct web_app *app, const struct web_session *s);
/* 1 when the address may make one more request now (a token bucket of
 * WEB_BURST requests refilled at WEB_RATE a second). */
int web_addr_allow(struct web_app *app, const char *addr);
/* Writes the count of the window's refused sign-ins not written one by
 * one, and closes the window, when it has ended (or at once with force). */
void web_fails_flush(struct web_app *app, int force);

#endif
