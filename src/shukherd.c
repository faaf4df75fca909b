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
 * opened or is corrupt, 71 when the system refuses memory or signals.
 */
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
	}
	sd_notify(0, "READY=1");
}

/* The main loop: a pass, then a wait, until a signal says stop. */
static void
run(const char *path, struct conf **conf, struct gateway *gw)
{
	uint64_t wd_usec = 0;
	int wait_ms;

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
		if (wd_usec != 0)
			sd_notify(0, "WATCHDOG=1");
		if (wait_ms > 0 && !quit && !reload)
			gateway_wait(gw, wait_ms);
	}
	sd_notify(0, "STOPPING=1");
	log_info("stopping");
}

int
main(int argc, char *argv[])
{
	const char *path = CONF_DEFAULT_PATH;
	struct conf *conf;
	struct store *store;
	struct gateway *gw;
	char err[512];
	int ch, check = 0, verbose = 0;

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
	if (check) {
		printf("%s: configuration ok\n", path);
		conf_free(conf);
		return EXIT_OK;
	}
	if ((store = store_open(conf->database, 1, err, sizeof(err))) == NULL)
		fatalx(EXIT_IOERR, "%s", err);
	signals_init();
	if ((gw = gateway_new(&modem_gammu_ops, store, conf)) == NULL)
		fatal(EXIT_OSERR, "gateway");

	run(path, &conf, gw);

	gateway_free(gw);
	store_close(store);
	conf_free(conf);
	return EXIT_OK;
}
