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
 * With several modems (conf->modems), shukherd is a small supervisor: a
 * child process per modem runs the loop below for its modem alone, all
 * sharing the database (WAL, IMMEDIATE transactions, busy waiting), so
 * that a libgammu call that hangs, or a crash, in one modem's process
 * delays no other modem. A child that ends is started again with backoff
 * (1 s doubling to 60 s, back to 1 s once it ran a minute); one that ends
 * with 74 (the database file is gone) stops them all with 74. A child
 * that hangs (stopped, deadlocked, stuck where no modem deadline reaches)
 * is restarted too: each stamps its slot on a shared board (beat.h) at
 * every pass and after every modem call, and one silent for longer than
 * any call may take (gateway_hung_after(), the bound by which the other
 * modems take its messages) is sent SIGTERM and SIGCONT, then SIGKILL
 * when it has not ended after one more longest call. The new process
 * counts its modem as lost since its predecessor's last sign of life
 * (the health alerts, the other modems' failover). SIGTERM and SIGHUP
 * are passed on; a reload that changes the list of modems restarts the
 * children. The supervisor keeps sd_notify and systemd's watchdog; the
 * children die with it (PR_SET_PDEATHSIG). One modem is one process,
 * watched by systemd's watchdog alone (WatchdogSec in the unit), fed at
 * the same points.
 *
 * Exit codes (exitcode.h): 0 on a clean stop or a good -n check, 64 for a
 * wrong command line, 78 for a bad config, 74 when the database cannot be
 * opened, is corrupt, or was deleted or replaced while running, 77 when
 * this user may not read or write it, 71 when the system refuses memory or
 * signals. A database locked by another process is waited for.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "beat.h"
#include "conf.h"
#include "exitcode.h"
#include "gateway.h"
#include "log.h"
#include "service.h"
#include "modem.h"
#include "store.h"

static volatile sig_atomic_t quit;
static volatile sig_atomic_t reload;
static volatile sig_atomic_t child_ended;

/*
 * How this process shows that it lives: a modem's process under the
 * supervisor stamps its slot on the board; the single process feeds
 * systemd's watchdog, at most once a second (gateway_set_alive() calls
 * this after every modem call). One per process: a child's is its copy.
 */
static struct {
	uint64_t wd_usec;        /* systemd's watchdog; 0: none */
	uint64_t wd_unit;        /* as the unit set it */
	int64_t fed;             /* the second (monotonic) it was last fed */
	struct beat *board;      /* a modem's process: the supervisor's */
	size_t slot;
} life;

#define LIFE_SLACK 10            /* seconds a pass may take besides its
                                    longest call: the database's busy
                                    wait (5 s) and its own work */

static int64_t
mono_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static void
life_sign(void *arg)
{
	int64_t now;

	(void)arg;
	if (life.board != NULL) {
		beat_stamp(life.board, life.slot);
		return;
	}
	if (life.wd_usec == 0 || (now = mono_now()) == life.fed)
		return;
	life.fed = now;
	sd_notify(0, "WATCHDOG=1");
}

/*
 * The single process: systemd's watchdog must outlast the longest modem
 * call and a pass's other work, or a merely slow modem gets the daemon
 * killed. When the unit's WatchdogSec is shorter (a long modem.timeout),
 * it is raised to that for as long as this conf runs (WATCHDOG_USEC).
 */
static void
life_watchdog(const struct conf *conf)
{
	uint64_t need = (uint64_t)(gateway_call_max(&conf->modems[0]) +
	    LIFE_SLACK) * 1000000ULL, usec;

	if (life.wd_unit == 0)
		return;
	usec = need > life.wd_unit ? need : life.wd_unit;
	if (usec == life.wd_usec)
		return;
	life.wd_usec = usec;
	sd_notifyf(0, "WATCHDOG_USEC=%llu", (unsigned long long)usec);
	if (usec != life.wd_unit)
		log_info("watchdog: %llu s, longer than the unit's %llu s: the "
		    "longest modem call (three timeouts) may take %lld s",
		    (unsigned long long)(usec / 1000000),
		    (unsigned long long)(life.wd_unit / 1000000),
		    (long long)gateway_call_max(&conf->modems[0]));
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else if (sig == SIGCHLD)
		child_ended = 1;
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
	    sigaction(SIGHUP, &sa, NULL) < 0 ||
	    sigaction(SIGCHLD, &sa, NULL) < 0)
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
	} else if (gateway_set_conf(gw, next) < 0) {
		log_warnx("reload refused: this modem is no longer in the "
		    "configuration");
		conf_free(next);
	} else {
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
		life_sign(NULL);        /* waiting is no hang */
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
	int wait_ms, rc = EXIT_OK;

	gateway_set_alive(gw, life_sign, NULL);
	sd_notify(0, "READY=1\nSTATUS=running");
	log_info("running");
	while (!quit) {
		if (reload) {
			reload = 0;
			reload_conf(path, conf, gw);
			if (life.board == NULL)
				life_watchdog(*conf);
		}
		wait_ms = gateway_run_once(gw, (int64_t)time(NULL));
		if (wait_ms < 0) {
			rc = EXIT_IOERR;
			break;
		}
		life_sign(NULL);
		if (wait_ms > 0 && !quit && !reload)
			gateway_wait(gw, wait_ms);
	}
	sd_notify(0, "STOPPING=1");
	log_info("stopping%s", rc != EXIT_OK ? " (exit 74): the database "
	    "file is not the one opened" : "");
	return rc;
}


/* ---- several modems: a process each ------------------------------------ */

#define SUP_BACKOFF_MAX 60       /* seconds between restarts of a child */
#define SUP_STOP_WAIT   30       /* seconds a child may take to stop */

struct sup_child {
	pid_t pid;               /* 0: not running */
	int64_t started;         /* when it was started */
	int64_t start_at;        /* not running: when to start it */
	int backoff;             /* seconds before the restart after next */
	int64_t lost_since;      /* not running: its predecessor's last sign
	                            of life (wall clock); 0 at the first start */
	int64_t term_at;         /* hung: when SIGTERM went (monotonic); 0 none */
	int killed;              /* hung: SIGKILL went too */
};

/* The child's side: the gateway loop for modem i. Never returns. */
static _Noreturn void
sup_child_main(const char *path, struct conf *conf, size_t i, pid_t parent,
    struct beat *board, int64_t lost_since)
{
	static char ident[48];
	const char *name = conf->modems[i].name;
	struct store *store;
	struct gateway *gw;
	int rc;

	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(EXIT_OK);         /* the supervisor is already gone */
	unsetenv("NOTIFY_SOCKET");      /* systemd hears the supervisor */
	life.board = board;
	life.slot = i;
	snprintf(ident, sizeof(ident), "shukherd[%s]", name);
	log_init(ident, log_debug_enabled() ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	/* quit and reload as inherited, and as set since: a SIGTERM sent
	 * right after the fork is not lost (the supervisor forks only while
	 * it runs; a reload too many is harmless) */
	if ((store = open_store(conf->database)) == NULL) {
		conf_free(conf);
		exit(EXIT_OK);
	}
	if ((gw = gateway_new(&modem_gammu_ops, store, conf)) == NULL)
		fatal(EXIT_OSERR, "gateway");
	if (gateway_use_modem(gw, name) < 0)
		fatalx(EXIT_CONFIG, "no modem named %s", name);
	gateway_lost_since(gw, lost_since);
	rc = run(path, &conf, gw);
	gateway_free(gw);
	store_close(store);
	conf_free(conf);
	exit(rc);
}

/* Starts the child of modem i, its slot stamped now. */
static void
sup_start(const char *path, struct conf *conf, struct sup_child *c, size_t i,
    struct beat *board, int64_t now)
{
	pid_t pid, parent = getpid();

	fflush(stderr);
	beat_stamp(board, i);
	if ((pid = fork()) < 0) {
		log_warn("fork for modem %s", conf->modems[i].name);
		c->start_at = now + c->backoff;
		return;
	}
	if (pid == 0)
		sup_child_main(path, conf, i, parent, board, c->lost_since);
	c->pid = pid;
	c->started = now;
	c->term_at = 0;
	c->killed = 0;
	log_info("modem %s: process %d started", conf->modems[i].name,
	    (int)pid);
}

/* Collects the children that ended and schedules their restarts.
 * Returns EXIT_IOERR when one ended so (the database is gone), else 0. */
static int
sup_reap(struct conf *conf, struct sup_child *kids, const struct beat *board,
    int64_t now)
{
	pid_t pid;
	size_t i;
	int st, rc = 0;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < conf->nmodems && kids[i].pid != pid; i++)
			;
		if (i == conf->nmodems)
			continue;
		kids[i].pid = 0;
		kids[i].lost_since = now - beat_age(board, i);
		if (now - kids[i].started >= SUP_BACKOFF_MAX)
			kids[i].backoff = 1;
		kids[i].start_at = now + kids[i].backoff;
		if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_IOERR)
			rc = EXIT_IOERR;
		log_warnx("modem %s: process %d ended (%s %d); restarting in "
		    "%d s", conf->modems[i].name, (int)pid, WIFSIGNALED(st) ?
		    "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) :
		    WEXITSTATUS(st), kids[i].backoff);
		kids[i].backoff = kids[i].backoff * 2 > SUP_BACKOFF_MAX ?
		    SUP_BACKOFF_MAX : kids[i].backoff * 2;
	}
	return rc;
}

/*
 * Stops a child that gave no sign of life for longer than any modem call
 * may take (gateway_hung_after()): SIGTERM, with SIGCONT for a stopped
 * one, so that it can end cleanly once it runs; SIGKILL when it has not
 * ended after one more longest call (deadlocked, or stuck where signals
 * wait). sup_reap() restarts it with the usual backoff.
 */
static void
sup_watch(const struct conf *conf, struct sup_child *kids,
    const struct beat *board)
{
	const struct conf_modem *mc;
	int64_t age, mono = mono_now();
	size_t i;

	for (i = 0; i < conf->nmodems; i++) {
		mc = &conf->modems[i];
		if (kids[i].pid <= 0 || kids[i].killed)
			continue;
		if (kids[i].term_at != 0) {
			if (mono - kids[i].term_at < gateway_call_max(mc))
				continue;
			log_warnx("modem %s: process %d does not stop; killing "
			    "it", mc->name, (int)kids[i].pid);
			(void)kill(kids[i].pid, SIGKILL);
			kids[i].killed = 1;
			continue;
		}
		if ((age = beat_age(board, i)) <= gateway_hung_after(conf, mc))
			continue;
		log_warnx("modem %s: process %d gave no sign of life for %lld "
		    "s (over failover_after and three modem timeouts, %lld "
		    "s): it hangs; restarting it", mc->name, (int)kids[i].pid,
		    (long long)age, (long long)gateway_hung_after(conf, mc));
		(void)kill(kids[i].pid, SIGTERM);
		(void)kill(kids[i].pid, SIGCONT);
		kids[i].term_at = mono;
	}
}

/* Sends sig to every child running. */
static void
sup_signal(const struct conf *conf, const struct sup_child *kids, int sig)
{
	size_t i;

	for (i = 0; i < conf->nmodems; i++)
		if (kids[i].pid > 0)
			(void)kill(kids[i].pid, sig);
}

/* Stops every child: SIGTERM, then SIGKILL for one that does not end. */
static void
sup_stop_all(const struct conf *conf, struct sup_child *kids)
{
	time_t until = time(NULL) + SUP_STOP_WAIT;
	size_t i;
	int st;

	sup_signal(conf, kids, SIGTERM);
	sup_signal(conf, kids, SIGCONT);        /* a stopped one, too */
	for (i = 0; i < conf->nmodems; i++) {
		while (kids[i].pid > 0 && waitpid(kids[i].pid, &st, WNOHANG) ==
		    0) {
			if (time(NULL) >= until) {
				log_warnx("modem %s: process %d does not stop; "
				    "killing it", conf->modems[i].name,
				    (int)kids[i].pid);
				(void)kill(kids[i].pid, SIGKILL);
				(void)waitpid(kids[i].pid, &st, 0);
				break;
			}
			(void)poll(NULL, 0, 50);
		}
		kids[i].pid = 0;
	}
}

/* 1 when the two confs list the same modems in the same order. */
static int
sup_same_modems(const struct conf *a, const struct conf *b)
{
	size_t i;

	if (a->nmodems != b->nmodems)
		return 0;
	for (i = 0; i < a->nmodems; i++)
		if (strcmp(a->modems[i].name, b->modems[i].name) != 0)
			return 0;
	return 1;
}

/* SIGHUP in the supervisor: a valid conf with the same modems is passed
 * on to the children (each reloads it); other modems restart them all. */
static void
sup_reload(const char *path, struct conf **conf, struct sup_child *kids)
{
	struct conf *next;
	char err[512];
	size_t i;

	if (conf_load(path, &next, err, sizeof(err)) < 0) {
		log_warnx("reload refused, the running configuration stays: %s",
		    err);
		return;
	}
	if (strcmp(next->database, (*conf)->database) != 0 ||
	    next->nmodems < 2) {
		log_warnx("reload refused: a new database path, or one modem "
		    "instead of several, takes a restart");
		conf_free(next);
		return;
	}
	if (sup_same_modems(*conf, next)) {
		sup_signal(*conf, kids, SIGHUP);
		conf_free(*conf);
		*conf = next;
		return;
	}
	log_info("reload: the modems changed; restarting their processes");
	sup_stop_all(*conf, kids);
	conf_free(*conf);
	*conf = next;
	for (i = 0; i < next->nmodems; i++) {
		memset(&kids[i], 0, sizeof(kids[i]));
		kids[i].backoff = 1;
	}
}

/* The supervisor's loop. Returns the exit code. */
static int
supervise(const char *path, struct conf **conf)
{
	struct sup_child *kids;
	struct beat *board;
	uint64_t wd_usec = 0;
	int64_t now;
	size_t i;
	int rc = EXIT_OK;

	if ((kids = calloc(CONF_MODEMS_MAX, sizeof(*kids))) == NULL ||
	    (board = beat_new(CONF_MODEMS_MAX)) == NULL)
		fatal(EXIT_OSERR, "supervisor");
	for (i = 0; i < CONF_MODEMS_MAX; i++)
		kids[i].backoff = 1;
	if (sd_watchdog_enabled(0, &wd_usec) <= 0)
		wd_usec = 0;
	sd_notify(0, "READY=1\nSTATUS=running");
	log_info("running %zu modems, a process each", (*conf)->nmodems);
	while (!quit && rc == EXIT_OK) {
		now = (int64_t)time(NULL);
		if (reload) {
			reload = 0;
			sd_notify(0, "RELOADING=1");
			sup_reload(path, conf, kids);
			sd_notify(0, "READY=1");
		}
		child_ended = 0;
		rc = sup_reap(*conf, kids, board, now);
		if (rc == EXIT_OK)
			sup_watch(*conf, kids, board);
		for (i = 0; rc == EXIT_OK && i < (*conf)->nmodems; i++)
			if (kids[i].pid == 0 && now >= kids[i].start_at)
				sup_start(path, *conf, &kids[i], i, board, now);
		if (wd_usec != 0)
			sd_notify(0, "WATCHDOG=1");
		if (!quit && !reload && !child_ended)
			(void)poll(NULL, 0, 1000);  /* a signal ends it */
	}
	sd_notify(0, "STOPPING=1");
	log_info("stopping the modems' processes");
	sup_stop_all(*conf, kids);
	beat_free(board);
	free(kids);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct service_opts o;
	struct conf *conf;
	struct store *store;
	struct gateway *gw;
	int rc;

	service_start("shukherd", argc, argv, usage, &o, &conf);
	if (conf_unsealed(conf) != NULL)
		log_warnx("%s", conf_unsealed(conf));
	if (o.check) {
		printf("%s: configuration ok\n", o.path);
		conf_free(conf);
		return EXIT_OK;
	}
	signals_init();
	if ((store = open_store(conf->database)) == NULL) {
		conf_free(conf);
		return EXIT_OK;
	}
	if (conf->nmodems > 1) {
		/* created and migrated; each child opens its own */
		store_close(store);
		rc = supervise(o.path, &conf);
		conf_free(conf);
		return rc;
	}
	if ((gw = gateway_new(&modem_gammu_ops, store, conf)) == NULL)
		fatal(EXIT_OSERR, "gateway");
	if (sd_watchdog_enabled(0, &life.wd_unit) <= 0)
		life.wd_unit = 0;
	life.wd_usec = life.wd_unit;
	life_watchdog(conf);

	rc = run(o.path, &conf, gw);

	gateway_free(gw);
	store_close(store);
	conf_free(conf);
	return rc;
}
