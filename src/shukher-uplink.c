/*
 * shukher-uplink: a gateway's link to the fleet's central PostgreSQL, a
 * process of its own (include/uplink.h says what it does).
 *
 * Apart from shukherd so that the message path never waits on the network
 * or links libpq, and so that it runs with the network and no devices. It
 * shares the database (WAL; short transactions) and the config file with
 * the daemon.
 *
 * Exits 0 at once when central.conninfo is not set, so that the unit may
 * stay installed on every device; -n checks the config and exits 0 when
 * the uplink is to run, 1 when it is off (the unit's ExecCondition= skips
 * the start then) and 78 when the config is broken. SIGTERM and SIGINT
 * stop it between two rounds; what was not committed centrally is sent
 * again by the next start.
 */
#define _GNU_SOURCE             /* ppoll() */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <systemd/sd-daemon.h>

#include "conf.h"
#include "exitcode.h"
#include "log.h"
#include "service.h"
#include "store.h"
#include "uplink.h"

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: shukher-uplink [-nv] [-c file]\n"
	    "  -c file  configuration (default %s)\n"
	    "  -n       check the configuration: exit 0 when the uplink is "
	    "on,\n           1 when it is off\n"
	    "  -v       debug logging (batches; never texts or numbers)\n",
	    CONF_DEFAULT_PATH);
	exit(EXIT_USAGE);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the config turns the uplink on; says so when not. */
static int
uplink_on(const struct conf *conf, const char *path)
{
	if (conf->central.conninfo == NULL) {
		log_info("the uplink is off (no central.conninfo in %s)", path);
		return 0;
	}
	if (conf->central.gateway == NULL) {
		log_info("the uplink is off (central.gateway is not set in "
		    "%s: this is not a gateway)", path);
		return 0;
	}
	return 1;
}

/* Waits up to ms for the socket fd (-1: none) or a signal. */
static void
uplink_wait(int fd, int ms, const sigset_t *unblocked)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	if (ppoll(&pfd, fd >= 0 ? 1 : 0, &ts, unblocked) == -1 &&
	    errno != EINTR)
		log_warn("poll");
}

/* Opens the database, retrying with backoff while it cannot be opened
 * (the daemon may be creating it). The signals are blocked but for the
 * waits (unblocked), as in the loop. Returns NULL when told to stop. */
static struct store *
open_store(const char *path, const sigset_t *unblocked)
{
	struct store *store;
	char err[512];
	int delay = 1;

	while (!quit) {
		if ((store = store_open(path, 1, err, sizeof(err))) != NULL)
			return store;
		log_warnx("database: %s; retrying in %d s", err, delay);
		uplink_wait(-1, delay * 1000, unblocked);
		if (delay < 60)
			delay *= 2;
	}
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct service_opts o;
	struct sigaction sa;
	struct conf *conf;
	struct store *store;
	struct uplink *u;
	sigset_t set, old;
	char err[1024];
	int ch, fd, ms;

	service_start("shukher-uplink", argc, argv, usage, &o, &conf);
	if ((ch = uplink_on(conf, o.path)) == 0 || o.check) {
		conf_free(conf);
		return o.check && ch == 0 ? 1 : EXIT_OK;
	}
	/* Signals only between rounds: blocked, and let through in ppoll. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1 ||
	    signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
	    signal(SIGHUP, SIG_IGN) == SIG_ERR ||
	    sigprocmask(SIG_BLOCK, &set, &old) == -1)
		fatal(EXIT_OSERR, "signals");
	if ((store = open_store(conf->database, &old)) == NULL) {
		conf_free(conf);
		return EXIT_OK;
	}
	if ((u = uplink_new(conf, store, err, sizeof(err))) == NULL) {
		store_close(store);
		conf_free(conf);
		fatalx(EXIT_IOERR, "%s", err);
	}
	log_info("started for gateway %s", conf->central.gateway);
	sd_notify(0, "READY=1\nSTATUS=sending to the central server");
	while (!quit) {
		ms = uplink_run_once(u, now_ms(), &fd);
		if (ms > 0 && !quit)
			uplink_wait(fd, ms, &old);
	}
	sd_notify(0, "STOPPING=1");
	log_info("stopping");
	uplink_free(u);
	store_close(store);
	conf_free(conf);
	return EXIT_OK;
}
