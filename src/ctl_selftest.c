/*
 * ctl_selftest: shukherctl selftest, the field technician's one command.
 *
 * It checks, one line each with PASS, WARN or FAIL, what a device needs to
 * work: the config, the service, the modem, the SIM, the network, the
 * signal, the SIM's storage, the clock, the database and the disk. The exit
 * code is 0 when nothing failed (warnings allowed), 1 otherwise.
 *
 * The modem belongs to the running daemon: while shukherd runs, the modem's
 * lines are judged from what it reports in the database (it refreshes that
 * every minute and on every change). Only when no daemon runs does the
 * self-test open the modem itself, through modem_gammu_ops. --sms NUMBER
 * sends a test SMS (through the daemon's outbox, or directly) and waits for
 * an SMS back from that number. No line ever shows a message text, and a
 * number only as the technician typed it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "exitcode.h"
#include "health.h"
#include "json.h"
#include "netclock.h"
#include "modem.h"
#include "store.h"
#include "store_health.h"
#include "text.h"

/* A report older than this: the daemon is not reporting (it writes every
 * 60 s). */
#define ST_FRESH_SECONDS 150
/* The clock's and the disk's thresholds are include/health.h's: the
 * daemon alerts the technicians by the same. */
/* --sms: how long to wait for the test SMS to go out, and for the answer. */
#define ST_SEND_SECONDS 180
#define ST_REPLY_SECONDS 300
#define ST_POLL_MS 1000

enum st_result { ST_PASS, ST_WARN, ST_FAIL };

struct st {
	struct ctl *ctl;
	int failed;
	int warned;
};

/* One check's line, or its JSON object. */
static void
st_line(struct st *st, enum st_result r, const char *check,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
st_line(struct st *st, enum st_result r, const char *check,
    const char *fmt, ...)
{
	static const char *const words[] = { "PASS", "WARN", "FAIL" };
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (r == ST_FAIL)
		st->failed++;
	else if (r == ST_WARN)
		st->warned++;
	if (st->ctl->json != NULL) {
		json_object_begin(st->ctl->json);
		json_kv_string(st->ctl->json, "check", check);
		json_kv_string(st->ctl->json, "result", words[r]);
		json_kv_string(st->ctl->json, "detail", detail);
		json_object_end(st->ctl->json);
	} else {
		fprintf(st->ctl->out, "%s  %-9s %s\n", words[r], check, detail);
		fflush(st->ctl->out);
	}
}

/* 1 when the NUL-separated arguments in buf (a /proc cmdline) name conf:
 * "-c FILE" or "-cFILE" resolving to the same file, or no -c when conf is
 * the default. */
static int
st_cmdline_conf(const char *buf, size_t len, const char *conf)
{
	char want[PATH_MAX], got[PATH_MAX];
	const char *arg, *given = CONF_DEFAULT_PATH, *end = buf + len;

	for (arg = buf; arg < end; arg += strlen(arg) + 1) {
		if (strcmp(arg, "-c") == 0 && arg + strlen(arg) + 1 < end)
			given = arg + strlen(arg) + 1;
		else if (strncmp(arg, "-c", 2) == 0 && arg[2] != '\0')
			given = arg + 2;
	}
	if (realpath(conf, want) == NULL || realpath(given, got) == NULL)
		return strcmp(conf, given) == 0;
	return strcmp(want, got) == 0;
}

/* 1 when a process named shukherd runs on this machine with the config
 * conf (any user): that daemon owns the modem. */
static int
st_daemon_process(const char *conf)
{
	char path[64], buf[4096];
	struct dirent *de;
	size_t n;
	FILE *fp;
	DIR *dir;
	int found = 0;

	if ((dir = opendir("/proc")) == NULL)
		return 0;
	while (!found && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/comm", de->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		if (strcmp(buf, "shukherd\n") != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/cmdline", de->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		found = st_cmdline_conf(buf, n, conf);
	}
	closedir(dir);
	return found;
}

/* ---- what the modem says: from the daemon, or from the modem itself ---- */

/* The modem as the checks see it, whichever way it was learnt. */
struct st_modem {
	int answers;             /* opened, or the daemon is connected */
	char error[256];         /* why not */
	struct modem_info info;
};

/* A verdict on the signal: excellent or good pass, fair warns. */
static enum st_result
st_signal_verdict(int dbm, const char **word)
{
	if (dbm >= -70)
		*word = "excellent";
	else if (dbm >= -85)
		*word = "good";
	else if (dbm >= -100)
		*word = "fair, SMS should work; a better place or antenna helps";
	else
		*word = "poor, SMS will fail: move the device or the antenna";
	return dbm >= -85 ? ST_PASS : dbm >= -100 ? ST_WARN : ST_FAIL;
}

/* The SIM line: READY, or why not, from the modem's error (modem.h names
 * the texts open() gives for the SIM). */
static void
st_sim(struct st *st, const struct st_modem *m)
{
	if (m->answers)
		st_line(st, ST_PASS, "sim", "SIM ready");
	else if (strstr(m->error, MODEM_ERR_PIN_NEEDED) != NULL)
		st_line(st, ST_FAIL, "sim", "the SIM wants a PIN: set "
		    "modem.pin in shukher.conf");
	else if (strstr(m->error, MODEM_ERR_PIN_REFUSED) != NULL)
		st_line(st, ST_FAIL, "sim", "the SIM refused modem.pin in "
		    "shukher.conf: correct it (three wrong PINs lock the SIM)");
	else if (strstr(m->error, MODEM_ERR_SIM_LOCKED) != NULL)
		st_line(st, ST_FAIL, "sim", "the SIM is locked (PUK): unlock "
		    "it in a phone");
	else
		st_line(st, ST_WARN, "sim", "not checked: the modem does not "
		    "answer");
}

/* The lines about the modem, the SIM, the network, signal and storage. */
static void
st_modem_lines(struct st *st, const struct st_modem *m, const char *how)
{
	const char *word;
	enum st_result r;
	char *s;

	if (m->answers)
		st_line(st, ST_PASS, "modem", "answers (%s)", how);
	else {
		s = ctl_clean(m->error, 0);
		st_line(st, ST_FAIL, "modem", "does not answer: %s (%s)",
		    s != NULL && s[0] != '\0' ? s : "no reason given", how);
		free(s);
	}
	st_sim(st, m);
	if (!m->answers) {
		st_line(st, ST_WARN, "network", "not checked");
		st_line(st, ST_WARN, "signal", "not checked");
		st_line(st, ST_WARN, "storage", "not checked");
		return;
	}
	if (m->info.operator_name[0] != '\0') {
		s = ctl_clean(m->info.operator_name, 0);
		st_line(st, ST_PASS, "network", "registered, operator %s",
		    s != NULL ? s : "?");
		free(s);
	} else
		st_line(st, ST_FAIL, "network", "not registered on a network:"
		    " no coverage, or the SIM is not activated");
	if (m->info.signal_dbm == 0)
		st_line(st, ST_WARN, "signal", "unknown (the modem does not "
		    "tell)");
	else {
		r = st_signal_verdict(m->info.signal_dbm, &word);
		st_line(st, r, "signal", "%d dBm, %s", m->info.signal_dbm,
		    word);
	}
	if (m->info.sim_used < 0 || m->info.sim_total <= 0)
		st_line(st, ST_WARN, "storage", "SIM storage unknown");
	else if (m->info.sim_used >= m->info.sim_total)
		st_line(st, ST_FAIL, "storage", "SIM full (%d of %d): the "
		    "network stops delivering; is the daemon reading?",
		    m->info.sim_used, m->info.sim_total);
	else
		st_line(st, m->info.sim_used * 5 >= m->info.sim_total * 4 ?
		    ST_WARN : ST_PASS, "storage", "%d of %d SIM messages used",
		    m->info.sim_used, m->info.sim_total);
}

/* The modem from the daemon's report. */
static void
st_modem_from_daemon(struct st_modem *m, const struct store_modem_state *s)
{
	memset(m, 0, sizeof(*m));
	m->answers = s->connected;
	snprintf(m->error, sizeof(m->error), "%s", s->last_error);
	snprintf(m->info.operator_name, sizeof(m->info.operator_name), "%s",
	    s->operator_name);
	m->info.signal_dbm = s->signal_dbm;
	m->info.signal_percent = s->signal_percent;
	m->info.sim_used = s->sim_used;
	m->info.sim_total = s->sim_total;
}

/* Opens the modem (no daemon has it) and asks for its state. Returns the
 * open handle, or NULL with m->error set. */
static void *
st_modem_open(struct st_modem *m, const struct conf_modem *mc)
{
	void *h;

	memset(m, 0, sizeof(*m));
	m->info.signal_percent = -1;
	m->info.sim_used = -1;
	m->info.sim_total = -1;
	h = modem_gammu_ops.open(mc, m->error, sizeof(m->error));
	if (h == NULL)
		return NULL;
	m->answers = 1;
	if (modem_gammu_ops.info(h, &m->info, m->error, sizeof(m->error)) ==
	    -1) {
		m->info.operator_name[0] = '\0';
		m->info.signal_dbm = 0;
		m->info.sim_used = -1;
	}
	return h;
}

/* ---- the machine: clock, database, disk -------------------------------- */

static void
st_clock(struct st *st, const struct store_modem_state *state, int reported)
{
	struct timex tx;
	char buf[CTL_TIME_LEN];
	time_t now = time(NULL);
	int64_t net = 0, off = 0;
	int synced, have, verdict;

	memset(&tx, 0, sizeof(tx));
	synced = adjtimex(&tx) != TIME_ERROR;
	have = reported && netclock_now(state, &net);
	if (have)
		off = (int64_t)now - net;
	ctl_time_iso((int64_t)now, buf, sizeof(buf));
	verdict = health_clock((int64_t)now, have, net);
	if (verdict == 2)
		st_line(st, ST_FAIL, "clock", "%s is in the past: set the date"
		    " (shukherctl clock --set, date -s), or give the device "
		    "network time once", buf);
	else if (verdict == 1)
		st_line(st, ST_WARN, "clock", "%s is %lld s %s the mobile "
		    "network's time: shukherctl clock --set", buf,
		    (long long)(off < 0 ? -off : off), off < 0 ? "behind" :
		    "ahead of");
	else
		st_line(st, ST_PASS, "clock", "%s%s%s", buf, synced ?
		    ", synchronised" : ", not synchronised (fake-hwclock)",
		    have ? ", agrees with the mobile network" : "");
}

/*
 * The database: it opens and takes the write lock. A failure says what it
 * is (missing, locked, read-only, permission, not a database, corrupt) in
 * store_open()'s words, which name the remedy. Returns the store or NULL.
 */
static struct store *
st_database(struct st *st, const char *path)
{
	enum store_fault fault;
	struct store *store;
	char err[768];

	store = store_open_fault(path, STORE_WRITER, &fault, err, sizeof(err));
	if (store != NULL) {
		st_line(st, ST_PASS, "database", "%s writable", path);
		return store;
	}
	if (fault == STORE_FAULT_MISSING)
		st_line(st, ST_FAIL, "database", "%s (shukherd creates it on its "
		    "first start)", err);
	else
		st_line(st, ST_FAIL, "database", "%s", err);
	/* Locked by a writer or read-only: still readable for the rest. */
	if (fault == STORE_FAULT_LOCKED || fault == STORE_FAULT_READ_ONLY)
		store = store_open(path, 0, err, sizeof(err));
	return store;
}

/* Free space where the database lives (or will live: before the first
 * start the directory may not exist, and its parent is measured). */
static void
st_disk(struct st *st, const char *dbpath)
{
	char dir[512];
	unsigned long long mb;

	if (health_disk_free(dbpath, dir, sizeof(dir), &mb) == -1) {
		st_line(st, ST_FAIL, "disk", "%s: %s", dir, strerror(errno));
		return;
	}
	st_line(st, mb < HEALTH_DISK_FAIL_MB ? ST_FAIL :
	    mb < HEALTH_DISK_WARN_MB ? ST_WARN : ST_PASS, "disk",
	    "%llu MiB free for %s", mb, dir);
}

/*
 * The SIM's credit of modem i as the daemon last read it by USSD (its
 * balance group; in its block when there are several):
 * WARN when it is below balance.low or unknown, with the answer it came
 * from or why the check failed, so that a technician can check the
 * pattern against what the network says.
 */
static void
st_credit(struct st *st, struct store *store, const struct conf *conf,
    size_t i)
{
	const struct conf_modem *mc = &conf->modems[i];
	const struct conf_balance *b = &mc->balance;
	struct store_credit c;
	char at[CTL_TIME_LEN], *answer, *why;

	if (b->ussd == NULL)
		return;
	if (store == NULL || store_credit_get(store, mc->name, i == 0,
	    &c) < 0) {
		st_line(st, ST_WARN, "credit", "unknown: the database cannot "
		    "be read");
		return;
	}
	answer = ctl_clean(c.answer, 0);
	why = ctl_clean(c.error, 0);
	if (!c.known)
		st_line(st, ST_WARN, "credit", "unknown: %s%s%s%s%s",
		    why != NULL && why[0] ? why : "not read yet (shukherd asks "
		    "at start, by ", why != NULL && why[0] ? "" : b->ussd,
		    why != NULL && why[0] ? "" : ")",
		    answer != NULL && answer[0] ? "; the answer: " : "",
		    answer != NULL ? answer : "");
	else if (c.amount < b->low)
		st_line(st, ST_WARN, "credit", "%lld, below %d: top up the SIM "
		    "(read %s; the answer: %s)", (long long)c.amount, b->low,
		    ctl_time_local(c.at, at, sizeof(at)), answer ? answer : "");
	else
		st_line(st, ST_PASS, "credit", "%lld (read %s)",
		    (long long)c.amount, ctl_time_local(c.at, at, sizeof(at)));
	free(answer);
	free(why);
}

/* ---- --sms: a round trip ------------------------------------------------ */

/* 1 when two numbers are the same subscriber: their last 8 digits agree
 * (+97699112233 and 99112233). */
static int
st_same_number(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = 8;

	if (la < n || lb < n)
		return strcmp(a, b) == 0;
	return strcmp(a + la - n, b + lb - n) == 0;
}

struct st_find {
	int64_t id;              /* the outbox id looked for */
	const char *number;      /* the sender looked for */
	int64_t since;
	int found;
	char state[16];
};

static int
st_find_out(void *arg, const struct store_out *out)
{
	struct st_find *f = arg;

	if (out->id != f->id)
		return 0;
	f->found = 1;
	snprintf(f->state, sizeof(f->state), "%s", out->state);
	return 1;
}

static int
st_find_in(void *arg, const struct store_msg *msg)
{
	struct st_find *f = arg;

	if (msg->received_at >= f->since && msg->sender != NULL &&
	    st_same_number(msg->sender, f->number)) {
		f->found = 1;
		return 1;
	}
	return 0;
}

static void
st_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The round trip through the running daemon: queue, see it sent, see an
 * SMS come back from the number. */
static void
st_sms_daemon(struct st *st, struct store *store, const char *number,
    const char *text)
{
	struct store_filter filter;
	struct st_find f;
	time_t start = time(NULL), t0;

	memset(&f, 0, sizeof(f));
	f.number = number;
	f.since = (int64_t)start;
	if ((f.id = store_outbox_add(store, number, text, STORE_OUT_MANUAL, 0,
	    (int64_t)start)) < 0) {
		st_line(st, ST_FAIL, "sms", "cannot queue the test SMS: %s",
		    store_errmsg(store));
		return;
	}
	memset(&filter, 0, sizeof(filter));
	filter.urgent = -1;
	filter.since = (int64_t)start - 60;
	while (time(NULL) - start < ST_SEND_SECONDS) {
		f.found = 0;
		if (store_list_outbox(store, &filter, st_find_out, &f) == -1)
			break;
		if (f.found && strcmp(f.state, "queued") != 0)
			break;
		st_sleep_ms(ST_POLL_MS);
	}
	if (strcmp(f.state, "sent") != 0) {
		st_line(st, ST_FAIL, "sms", "the test SMS to %s was not sent "
		    "(%s): see shukherctl outbox", number,
		    f.state[0] != '\0' ? f.state : "unknown");
		return;
	}
	st_line(st, ST_PASS, "sms", "test SMS sent to %s after %lld s; "
	    "now answer it from that phone", number,
	    (long long)(time(NULL) - start));
	t0 = time(NULL);
	f.found = 0;
	filter.since = (int64_t)start;
	while (!f.found && time(NULL) - t0 < ST_REPLY_SECONDS) {
		if (store_list_inbox(store, &filter, st_find_in, &f) == -1)
			break;
		if (!f.found)
			st_sleep_ms(ST_POLL_MS);
	}
	if (f.found)
		st_line(st, ST_PASS, "sms", "answer from %s received after "
		    "%lld s: the round trip works", number,
		    (long long)(time(NULL) - start));
	else
		st_line(st, ST_FAIL, "sms", "no answer from %s within %d s: "
		    "sent but nothing came back (check the phone, the SIM's "
		    "credit and the signal)", number, ST_REPLY_SECONDS);
}

/* Counts the SMS on the modem from the number in f->found. */
static int
st_read_cb(void *arg, const struct modem_sms *sms)
{
	struct st_find *f = arg;

	if (st_same_number(sms->sender, f->number))
		f->found++;
	return 0;
}

/* The round trip on the modem itself (no daemon): send, then wait until
 * the SIM holds one SMS more from the number than before. Nothing is
 * deleted from the SIM: the daemon reads everything when it starts. */
static void
st_sms_direct(struct st *st, void *h, const char *number, const char *text)
{
	struct modem_send progress;
	char err[256];
	struct st_find f;
	time_t start = time(NULL);
	int before;

	memset(&progress, 0, sizeof(progress));
	progress.concat_ref = 1 + (int)(start % 255);
	memset(&f, 0, sizeof(f));
	f.number = number;
	if (modem_gammu_ops.read(h, st_read_cb, &f, err, sizeof(err)) == -1 ||
	    modem_gammu_ops.send(h, number, text, &progress, NULL, NULL, err,
	    sizeof(err)) != 0) {
		st_line(st, ST_FAIL, "sms", "the test SMS to %s was not sent: "
		    "%s", number, err);
		return;
	}
	before = f.found;
	st_line(st, ST_PASS, "sms", "test SMS sent to %s; now answer it from"
	    " that phone", number);
	while (f.found <= before && time(NULL) - start < ST_REPLY_SECONDS) {
		if (modem_gammu_ops.wait(h, ST_POLL_MS * 5) == -1)
			break;
		f.found = 0;
		if (modem_gammu_ops.read(h, st_read_cb, &f, err,
		    sizeof(err)) == -1)
			break;
	}
	if (f.found > before)
		st_line(st, ST_PASS, "sms", "answer from %s received after "
		    "%lld s: the round trip works", number,
		    (long long)(time(NULL) - start));
	else
		st_line(st, ST_FAIL, "sms", "no answer from %s within %d s",
		    number, ST_REPLY_SECONDS);
}

/* ---- several modems ----------------------------------------------------- */

/*
 * A block per modem of the conf: from its row when shukherd runs (it has
 * the modems), else opened here one after the other. Returns the first
 * modem, still open, for --sms when the self-test opened them.
 */
static void *
st_modems(struct st *st, struct store *store, const struct conf *conf,
    int daemon)
{
	struct ctl_modems ms;
	struct st_modem m;
	char how[96];
	void *h, *first = NULL;
	size_t i, j;

	memset(&ms, 0, sizeof(ms));
	if (daemon && (store == NULL ||
	    ctl_modems_read(store, (int64_t)time(NULL), &ms) < 0))
		st_line(st, ST_WARN, "modem", "the modems' reports cannot be "
		    "read");
	for (i = 0; i < conf->nmodems; i++) {
		if (!daemon) {
			snprintf(how, sizeof(how), "modem %s, opened by the "
			    "self-test", conf->modems[i].name);
			h = st_modem_open(&m, &conf->modems[i]);
			st_modem_lines(st, &m, how);
			st_credit(st, store, conf, i);
			if (i == 0)
				first = h;
			else if (h != NULL)
				modem_gammu_ops.close(h);
			continue;
		}
		for (j = 0; j < ms.n && strcmp(ms.m[j].name,
		    conf->modems[i].name) != 0; j++)
			;
		if (j == ms.n) {
			st_line(st, ST_WARN, "modem", "modem %s: shukherd has "
			    "not reported it yet", conf->modems[i].name);
			continue;
		}
		snprintf(how, sizeof(how), "modem %s, reported by shukherd",
		    conf->modems[i].name);
		st_modem_from_daemon(&m, &ms.m[j].state);
		st_modem_lines(st, &m, how);
		st_credit(st, store, conf, i);
	}
	ctl_modems_free(&ms);
	return first;
}

/* ---- the command -------------------------------------------------------- */

/* The service line; returns 1 when a daemon owns the modem. */
static int
st_service(struct st *st, const char *conf, int reported,
    const struct store_modem_state *s)
{
	int64_t age = (int64_t)time(NULL) - s->updated_at;
	int proc = st_daemon_process(conf);

	if (proc && reported && age <= ST_FRESH_SECONDS) {
		st_line(st, ST_PASS, "service", "shukherd is running, last "
		    "report %lld s ago", (long long)age);
		return 1;
	}
	if (proc && reported)
		st_line(st, ST_FAIL, "service", "shukherd runs but has not "
		    "reported for %lld min: stuck? (journalctl -u shukher)",
		    (long long)(age / 60));
	else if (proc)
		st_line(st, ST_FAIL, "service", "shukherd runs but has not "
		    "reported yet: starting, or stuck (journalctl -u shukher)");
	else
		st_line(st, ST_FAIL, "service", "shukherd is not running "
		    "(systemctl status shukher; journalctl -u shukher)");
	return proc;
}

int
ctl_selftest(struct ctl *ctl, struct ctl_args *args)
{
	struct store_modem_state state;
	struct store *store = NULL;
	struct st st = { ctl, 0, 0 };
	struct st_modem m;
	char err[512], text[160];
	void *h = NULL;
	int reported = 0, daemon;

	if (args->sms != NULL && !text_number_ok(args->sms, 3)) {
		ctl_err("selftest: --sms: not a phone number (+ and 3 to 20 "
		    "digits): %s", args->sms);
		return EXIT_USAGE;
	}
	if (ctl->json != NULL)
		json_array_begin(ctl->json);
	if (conf_load(ctl->conf_path, &ctl->conf, err, sizeof(err)) == -1) {
		st_line(&st, ST_FAIL, "config", "%s", err);
		goto done;
	}
	st_line(&st, ST_PASS, "config", "%s valid", ctl->conf_path);
	if (conf_unsealed(ctl->conf) != NULL)
		st_line(&st, ST_WARN, "reports", "%s", conf_unsealed(ctl->conf));
	else
		st_line(&st, ST_PASS, "reports", "sealed to %s",
		    ctl->conf->reports.public_key);
	if (ctl->db_path == NULL)
		ctl->db_path = ctl->conf->database;
	memset(&state, 0, sizeof(state));
	if ((store = st_database(&st, ctl->db_path)) != NULL &&
	    (reported = store_modem_state_get(store, &state)) == -1)
		reported = 0;
	daemon = st_service(&st, ctl->conf_path, reported, &state);
	if (ctl->conf->nmodems > 1) {
		h = st_modems(&st, store, ctl->conf, daemon);
	} else if (daemon && reported) {
		st_modem_from_daemon(&m, &state);
		st_modem_lines(&st, &m, "reported by shukherd");
	} else if (daemon) {
		st_line(&st, ST_WARN, "modem", "not checked: shukherd has it");
	} else {
		h = st_modem_open(&m, &ctl->conf->modem);
		st_modem_lines(&st, &m, "opened by the self-test");
	}
	if (ctl->conf->nmodems == 1)
		st_credit(&st, store, ctl->conf, 0);
	st_clock(&st, &state, reported);
	st_disk(&st, ctl->db_path);
	if (args->sms != NULL) {
		snprintf(text, sizeof(text), "shukher self-test %lld: please "
		    "answer this SMS with any word.", (long long)time(NULL));
		if (daemon && reported && store != NULL && state.connected)
			st_sms_daemon(&st, store, args->sms, text);
		else if (h != NULL)
			st_sms_direct(&st, h, args->sms, text);
		else
			st_line(&st, ST_FAIL, "sms", "not sent: no modem");
	}
done:
	if (h != NULL)
		modem_gammu_ops.close(h);
	if (store != NULL)
		store_close(store);
	if (ctl->json != NULL)
		json_array_end(ctl->json);
	else
		fprintf(ctl->out, "%s: %d failed, %d warning%s\n",
		    st.failed ? "FAILED" : "OK", st.failed, st.warned,
		    st.warned == 1 ? "" : "s");
	return st.failed ? EXIT_FAIL : EXIT_OK;
}
