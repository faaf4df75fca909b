/*
 * shukherd: the SMS gateway daemon.
 *
 * Runs in the foreground and logs to stderr (systemd collects both). Reads
 * the config once, opens the database, and turns the gateway's loop until
 * SIGTERM or SIGINT. SIGHUP reloads the config: a new one is swapped in only
 * when it is valid. Signal handlers only set flags. Under systemd it says
 * READY, keeps the watchdog fed and says STOPPING; without systemd the
 * sd_notify calls do nothing.
 *
 * Exit codes (exitcode.h): 0 on a clean stop or a good -n check, 64 for a
 * wrong command line, 78 for a bad config, 74 when the database cannot be
 * opened, is corrupt, or was deleted or replaced while running, 77 when
 * this user may not read or write it, 71 when the system refuses memory or
 * signals. A database locked by another process is waited for.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "conf.h"
#include "exitcode.h"
#include "gateway.h"
#include "log.h"
#include "modem.h"
#include "store.h"

static volatile sig_atomic_t quit;
static volatile sig_atomic_t reload;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		quit = 1;
}

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: shukherd [-nv] [-c file]\n"
	    "  -c file  configuration (default %s)\n"
	    "  -n       check the configuration and exit\n"
	    "  -v       debug logging (never message text or numbers)\n",
	    CONF_DEFAULT_PATH);
	exit(EXIT_USAGE);
}

/* No SA_RESTART: a signal interrupts the modem wait so that the loop sees
 * the flag at once. */
static void
signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	if (sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0)
		fatal(EXIT_OSERR, "sigaction");
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		fatal(EXIT_OSERR, "sigaction");
}

/*
 * SIGHUP: reads the config again. A valid one replaces *conf (the old one is
 * freed); an invalid one is refused and the old one keeps running. The
 * database cannot change under a running daemon.
 */
static void
reload_conf(const char *path, struct conf **conf, struct gateway *gw)
{
	struct conf *next;
	char err[512];

	sd_notify(0, "RELOADING=1");
	if (conf_load(path, &next, err, sizeof(err)) < 0) {
		log_warnx("reload refused, the running configuration stays: %s",
		    err);
	} else if (strcmp(next->database, (*conf)->database) != 0) {
		log_warnx("reload refused: a new database path takes a restart");
		conf_free(next);
	} else {
		gateway_set_conf(gw, next);
		conf_free(*conf);
		*conf = next;
		log_info("configuration reloaded from %s", path);
		if (conf_unsealed(next) != NULL)
			log_warnx("%s", conf_unsealed(next));
	}
	sd_notify(0, "READY=1");
}

/*
 * Opens the database, creating it on the first start. A lock held by
 * another process is waited for (logged once, then once a minute); any
 * other fault ends the daemon with its exit code. NULL when a signal said
 * stop meanwhile.
 */
static struct store *
open_store(const char *path)
{
	enum store_fault fault;
	struct store *store;
	time_t logged = 0;
	char err[768];
	int delay = 1, existed = access(path, F_OK) == 0;

	for (;;) {
		store = store_open_fault(path, STORE_CREATE | STORE_WRITER |
		    STORE_MARK, &fault, err, sizeof(err));
		if (store != NULL || fault != STORE_FAULT_LOCKED)
			break;
		if (time(NULL) - logged >= 60) {
			log_warnx("%s; waiting for it", err);
			logged = time(NULL);
		}
		/* Not READY yet: tell systemd that the start goes on. */
		sd_notifyf(0, "STATUS=waiting for the database (locked)\n"
		    "WATCHDOG=1\nEXTEND_TIMEOUT_USEC=%llu",
		    (unsigned long long)(delay + 10) * 1000000ULL);
		(void)poll(NULL, 0, delay * 1000);   /* a signal ends it */
		if (quit)
			return NULL;
		delay = delay * 2 > 16 ? 16 : delay * 2;
	}
	if (store == NULL)
		fatalx(store_fault_exit(fault), "%s", err);
	if (logged != 0)
		log_info("database: no longer locked");
	if (!existed)
		log_info("database: created %s (the first start)", path);
	return store;
}

/* The main loop: a pass, then a wait, until a signal says stop or the
 * database is gone. Returns the exit code. */
static int
run(const char *path, struct conf **conf, struct gateway *gw)
{
	uint64_t wd_usec = 0;
	int wait_ms, rc = EXIT_OK;

	if (sd_watchdog_enabled(0, &wd_usec) <= 0)
		wd_usec = 0;
	sd_notify(0, "READY=1\nSTATUS=running");
	log_info("running");
	while (!quit) {
		if (reload) {
			reload = 0;
			reload_conf(path, conf, gw);
		}
		wait_ms = gateway_run_once(gw, (int64_t)time(NULL));
		if (wait_ms < 0) {
			rc = EXIT_IOERR;
			break;
		}
		if (wd_usec != 0)
			sd_notify(0, "WATCHDOG=1");
		if (wait_ms > 0 && !quit && !reload)
			gateway_wait(gw, wait_ms);
	}
	sd_notify(0, "STOPPING=1");
	log_info("stopping%s", rc != EXIT_OK ? " (exit 74): the database "
	    "file is not the one opened" : "");
	return rc;
}

int
main(int argc, char *argv[])
{
	const char *path = CONF_DEFAULT_PATH;
	struct conf *conf;
	struct store *store;
	struct gateway *gw;
	char err[512];
	int ch, check = 0, verbose = 0, rc;

	while ((ch = getopt(argc, argv, "c:nvh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("shukherd", verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);

	if (conf_load(path, &conf, err, sizeof(err)) < 0)
		fatalx(EXIT_CONFIG, "%s", err);
	if (conf_unsealed(conf) != NULL)
		log_warnx("%s", conf_unsealed(conf));
	if (check) {
		printf("%s: configuration ok\n", path);
		conf_free(conf);
		return EXIT_OK;
	}
	signals_init();
	if ((store = open_store(conf->database)) == NULL) {
		conf_free(conf);
		return EXIT_OK;
	}
	if ((gw = gateway_new(&modem_gammu_ops, store, conf)) == NULL)
		fatal(EXIT_OSERR, "gateway");

	rc = run(path, &conf, gw);

	gateway_free(gw);
	store_close(store);
	conf_free(conf);
	return rc;
}
