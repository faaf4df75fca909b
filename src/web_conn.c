/*
 * web_conn: the console's connections, kept reachable on a hostile
 * network.
 *
 * libmicrohttpd's own timeout is an idle timeout: a client that sends one
 * byte a second is never idle, and a few such clients hold every
 * connection the server allows, so that nobody can sign in. Here every
 * connection has a deadline per request: from the moment a request may
 * begin (the connection accepted, or the answer to the one before sent)
 * to the moment its answer is sent, headers, body and all, it has
 * web.request_timeout seconds; past that the sweep (once a second, from
 * the main thread) shuts its socket down and libmicrohttpd closes it. And
 * room is kept for new clients: once fewer than WEB_CONNS_SPARE
 * connections are left, each new one shuts down the connection of the
 * busiest address (most connections) that has waited longest, so a slow
 * client from that address pays, not the caseworker arriving.
 *
 * The table is shared by libmicrohttpd's thread (connections start, end,
 * answers go out) and the main thread (the sweep), under one mutex.
 * libmicrohttpd tells of a connection's end before it closes the socket,
 * so a socket in the table is always still open: shutdown() never hits a
 * descriptor that has been closed and reused.
 */
#include <sys/socket.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "web.h"

#define WEB_LOG_EVERY_MS 60000   /* a repeated condition: once a minute */

/* One connection. */
struct web_slot {
	int used;
	int cut;                 /* shut down: libmicrohttpd is closing it */
	int fd;
	int64_t since_ms;        /* when its current request could begin */
	char addr[64];           /* the client's address, numeric */
};

struct web_conns {
	pthread_mutex_t lock;
	int64_t deadline_ms;
	struct web_slot slot[WEB_CONNS];
	int cut_late, cut_room;  /* since the last log line */
	int64_t logged_ms;
};

static int64_t
web_conn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct web_conns *
web_conns_new(int deadline)
{
	struct web_conns *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t);
		return NULL;
	}
	t->deadline_ms = (int64_t)deadline * 1000;
	t->logged_ms = web_conn_now_ms();
	return t;
}

void
web_conns_free(struct web_conns *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Shuts s down: libmicrohttpd reads the end and closes it. Locked. */
static void
web_conn_cut(struct web_slot *s)
{
	shutdown(s->fd, SHUT_RDWR);
	s->cut = 1;
}

/* How many open (not cut) connections addr has. Locked. */
static int
web_conn_count(const struct web_conns *t, const char *addr)
{
	int i, n = 0;

	for (i = 0; i < WEB_CONNS; i++)
		if (t->slot[i].used && !t->slot[i].cut &&
		    strcmp(t->slot[i].addr, addr) == 0)
			n++;
	return n;
}

/*
 * The connection to give up for a new one (never self): of the address
 * with the most connections, the one that has waited longest. NULL when
 * there is no other. Locked.
 */
static struct web_slot *
web_conn_victim(struct web_conns *t, const struct web_slot *self)
{
	struct web_slot *s, *victim = NULL;
	int i, n, most = 0;

	for (i = 0; i < WEB_CONNS; i++) {
		s = &t->slot[i];
		if (!s->used || s->cut || s == self)
			continue;
		n = web_conn_count(t, s->addr);
		if (n > most || (n == most && s->since_ms < victim->since_ms)) {
			most = n;
			victim = s;
		}
	}
	return victim;
}

/* A connection begins: its slot, and room kept for the next. */
static void
web_conn_start(struct web_conns *t, int fd, const char *addr, void **ctx)
{
	struct web_slot *s = NULL, *victim;
	int i, open = 0;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < WEB_CONNS; i++) {
		if (t->slot[i].used && !t->slot[i].cut)
			open++;
		if (!t->slot[i].used && s == NULL)
			s = &t->slot[i];
	}
	if (s != NULL) {
		memset(s, 0, sizeof(*s));
		s->used = 1;
		s->fd = fd;
		s->since_ms = web_conn_now_ms();
		snprintf(s->addr, sizeof(s->addr), "%s", addr);
		open++;
	}
	*ctx = s;
	if (open > WEB_CONNS - WEB_CONNS_SPARE &&
	    (victim = web_conn_victim(t, s)) != NULL) {
		web_conn_cut(victim);
		t->cut_room++;
	}
	pthread_mutex_unlock(&t->lock);
}

void
web_conns_notify(struct web_conns *t, int fd, const struct sockaddr *peer,
    void **ctx, int started)
{
	struct web_slot *s = *ctx;
	char addr[64] = "?";

	if (!started) {
		if (s != NULL) {
			pthread_mutex_lock(&t->lock);
			s->used = 0;
			pthread_mutex_unlock(&t->lock);
		}
		*ctx = NULL;
		return;
	}
	if (peer != NULL)
		getnameinfo(peer, peer->sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
		    addr, sizeof(addr), NULL, 0, NI_NUMERICHOST);
	web_conn_start(t, fd, addr, ctx);
}

void
web_conns_answered(struct web_conns *t, void *ctx)
{
	struct web_slot *s = ctx;

	if (s == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	s->since_ms = web_conn_now_ms();
	pthread_mutex_unlock(&t->lock);
}

void
web_conns_sweep(struct web_conns *t)
{
	struct web_slot *s;
	int64_t now = web_conn_now_ms();
	int i, late = 0, room = 0;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < WEB_CONNS; i++) {
		s = &t->slot[i];
		if (s->used && !s->cut && now - s->since_ms > t->deadline_ms) {
			web_conn_cut(s);
			t->cut_late++;
		}
	}
	if (now - t->logged_ms >= WEB_LOG_EVERY_MS &&
	    t->cut_late + t->cut_room > 0) {
		late = t->cut_late;
		room = t->cut_room;
		t->cut_late = t->cut_room = 0;
		t->logged_ms = now;
	}
	pthread_mutex_unlock(&t->lock);
	if (late + room > 0)
		log_info("web: closed %d connections past the request deadline "
		    "of %d s and %d to keep room for new clients (in the last "
		    "minute or so)", late, (int)(t->deadline_ms / 1000), room);
}

/* ---- libmicrohttpd's messages ------------------------------------------- */

/* The messages seen lately, so that a flood of a few (a connection limit
 * reached, clients gone mid-request) is a line each a minute, not a line
 * each time. */
#define WEB_LOG_KEPT 8

static struct web_logged {
	char line[200];
	int64_t logged_ms;       /* 0: slot free */
	int repeats;             /* seen since, not logged */
} web_logged[WEB_LOG_KEPT];
static pthread_mutex_t web_log_lock = PTHREAD_MUTEX_INITIALIZER;

void
web_conns_log(const char *line)
{
	struct web_logged *e = NULL, *old = &web_logged[0];
	int64_t now = web_conn_now_ms();
	char gone[200];
	int i, repeats = 0, gone_repeats = 0;

	pthread_mutex_lock(&web_log_lock);
	for (i = 0; i < WEB_LOG_KEPT && e == NULL; i++) {
		if (web_logged[i].logged_ms != 0 &&
		    strncmp(web_logged[i].line, line,
		    sizeof(web_logged[i].line) - 1) == 0)
			e = &web_logged[i];
		else if (web_logged[i].logged_ms < old->logged_ms)
			old = &web_logged[i];
	}
	if (e != NULL && now - e->logged_ms < WEB_LOG_EVERY_MS) {
		e->repeats++;
		pthread_mutex_unlock(&web_log_lock);
		return;
	}
	if (e == NULL) {
		/* The slot of the one logged longest ago; its count, if any,
		 * is said before it is forgotten. */
		e = old;
		gone_repeats = e->repeats;
		snprintf(gone, sizeof(gone), "%s", e->line);
		snprintf(e->line, sizeof(e->line), "%s", line);
	} else
		repeats = e->repeats;
	e->logged_ms = now;
	e->repeats = 0;
	pthread_mutex_unlock(&web_log_lock);
	if (gone_repeats > 0)
		log_warnx("web: %d more times: %s", gone_repeats, gone);
	if (repeats > 0)
		log_warnx("web: %s (and %d more times since last said)",
		    line, repeats);
	else
		log_warnx("web: %s", line);
}
