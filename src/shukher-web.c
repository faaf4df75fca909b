/*
 * shukher-web: the caseworkers' web console, a process of its own.
 *
 * Apart from shukherd so that nothing the console does (a slow browser,
 * a password hash, a crash) can stall the modem loop, and so that it can
 * run with fewer privileges: no modem device, only the network and the
 * database. It shares the database (WAL; each request is a short
 * transaction) and the config file with the daemon.
 *
 * Exits 0 at once when web.enabled is false, so that the unit may stay
 * installed on every device; -n checks the config and exits 0 when the
 * console is to run, 1 when it is off (the unit's ExecCondition= skips the
 * start then) and 78 when the config is broken. Logs "listening on" with the real port (the
 * tests bind port 0) and warns when it serves without TLS. SIGTERM and
 * SIGINT stop it: sessions end and unlocked keys are wiped.
 */
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
#include "web.h"
#include "web_data.h"

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: shukher-web [-nv] [-c file]\n"
	    "  -c file  configuration (default %s)\n"
	    "  -n       check the configuration: exit 0 when the console is "
	    "on,\n           1 when it is off\n"
	    "  -v       debug logging (requests; never texts or numbers)\n",
	    CONF_DEFAULT_PATH);
	exit(EXIT_USAGE);
}

/* Sleeps *delay seconds (then doubles it, up to a minute) unless SIGTERM
 * or SIGINT of set comes first: -1 then, to stop; 0 otherwise. */
static int
backoff(sigset_t *set, int *delay)
{
	struct timespec ts = { *delay, 0 };
	int sig;

	sig = sigtimedwait(set, NULL, &ts);
	if (sig == SIGTERM || sig == SIGINT)
		return -1;
	if (*delay < 60)
		*delay *= 2;
	return 0;
}

/* Opens the database, retrying with backoff while it cannot be opened
 * (the daemon may be creating it). Returns NULL when told to stop. */
static struct store *
open_store(const char *path, sigset_t *set)
{
	struct store *store;
	char err[512];
	int delay = 1;

	for (;;) {
		if ((store = store_open(path, 1, err, sizeof(err))) != NULL)
			return store;
		log_warnx("database: %s; retrying in %d s", err, delay);
		if (backoff(set, &delay) == -1)
			return NULL;
	}
}

/* The console's data: the central PostgreSQL (web.source = "central"),
 * retried with backoff while it cannot be reached, or the database. NULL
 * when told to stop. */
static struct web_data *
open_data(const struct conf *conf, struct store *store, sigset_t *set)
{
	struct web_data *d;
	char err[512];
	int delay = 1;

	if (!conf->web.central)
		return web_data_local(store);
	for (;;) {
		if ((d = web_data_central(&conf->central, err,
		    sizeof(err))) != NULL) {
			log_info("reports, statistics and the fleet from the "
			    "central database");
			return d;
		}
		log_warnx("central: %s; retrying in %d s", err, delay);
		if (backoff(set, &delay) == -1)
			return NULL;
	}
}

int
main(int argc, char *argv[])
{
	struct service_opts o;
	struct conf *conf;
	struct store *store;
	struct web_app *app;
	struct web_data *data;
	struct timespec tick = { 1, 0 };
	uint64_t watchdog_usec = 0;
	sigset_t set;
	char err[1024];
	int ch, sig;
	time_t last_ping = 0;

	service_start("shukher-web", argc, argv, usage, &o, &conf);
	if (!conf->web.enabled || o.check) {
		log_info("the web console is %s (web.enabled is %s in %s)",
		    conf->web.enabled ? "on" : "off", conf->web.enabled ?
		    "true" : "false", o.path);
		ch = o.check && !conf->web.enabled ? 1 : EXIT_OK;
		conf_free(conf);
		return ch;
	}
	/* The signals are taken with sigtimedwait() by this thread only: the
	 * server's thread, started below, inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal(EXIT_OSERR, "signals");
	if (web_pages_init() == -1)
		fatalx(EXIT_OSERR, "out of memory");
	if ((store = open_store(conf->database, &set)) == NULL) {
		conf_free(conf);
		return EXIT_OK;
	}
	if ((data = open_data(conf, store, &set)) == NULL) {
		if (!conf->web.central)
			fatalx(EXIT_OSERR, "out of memory");
		store_close(store);
		conf_free(conf);
		return EXIT_OK;
	}
	if ((app = web_start(conf, store, data, err, sizeof(err))) == NULL) {
		web_data_close(data);
		store_close(store);
		conf_free(conf);
		/* Most likely the address: taken, or not up yet. The
		 * config itself was checked above, certificate files too. */
		fatalx(EXIT_TEMPFAIL, "web: %s", err);
	}
	log_info("listening on %s://%s%s%s:%u/", web_tls(app) ? "https" :
	    "http", strchr(conf->web.listen, ':') != NULL ? "[" : "",
	    conf->web.listen, strchr(conf->web.listen, ':') != NULL ? "]" : "",
	    web_port(app));
	if (!web_tls(app))
		log_warnx("serving WITHOUT TLS: passwords, the key passphrase "
		    "and reports cross the network readable by anyone on it; "
		    "set web.certificate and web.key");
	if (sd_watchdog_enabled(0, &watchdog_usec) <= 0)
		watchdog_usec = 0;
	sd_notify(0, "READY=1\nSTATUS=serving the console");
	for (;;) {
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP)
			log_info("SIGHUP: the console reads its config at "
			    "start; restart it to apply changes");
		web_tick(app);
		if (watchdog_usec > 0 && time(NULL) - last_ping >=
		    (time_t)(watchdog_usec / 2000000 + 0)) {
			sd_notify(0, "WATCHDOG=1");
			last_ping = time(NULL);
		}
	}
	sd_notify(0, "STOPPING=1");
	log_info("stopping");
	web_stop(app);
	web_data_close(data);
	store_close(store);
	conf_free(conf);
	return EXIT_OK;
}
