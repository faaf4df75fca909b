/*
 * modem_gammu: struct modem_ops over libgammu.
 *
 * One handle owns one GSM_StateMachine, configured from struct conf_modem
 * without any gammurc. Reading never deletes: the gateway stores what read()
 * hands it and only then calls remove(), so that nothing that reached the
 * modem is lost. Everything libgammu gives as its own UCS-2 ("gammu
 * unicode") is turned into UTF-8 (modem_gammu_sms.c) in buffers of our
 * own, never through DecodeUnicodeString()'s static buffer. A UCS-2 or
 * 8-bit part also carries its user data as it was sent (modem_sms.data),
 * because a character may straddle two parts: the store joins the data,
 * then decodes (sms.h).
 *
 * What bounds each call: libgammu waits for every AT reply in GSM_WaitFor(),
 * counting "timeout" rounds of GSM_ReadDevice() of up to one second each
 * (most AT commands use 10 to 30 rounds; sending a PDU uses 30, then 40 for
 * the +CMGS line), and the round counter restarts whenever any byte arrives.
 * Listing and memory commands use 200 to 500 rounds, so a modem that stops
 * answering would hold read() for up to eight minutes, and one that keeps
 * sending garbage for ever. Hence a watchdog thread per handle: each
 * libgammu call may take conf->timeout seconds (open three times that),
 * then the watchdog calls GSM_AbortOperation(), the call returns, and the
 * handle is dead: every later call fails until the gateway reopens. Our
 * own loops (waiting for a send status, wait()) are bounded by the clock.
 *
 * A record libgammu cannot decode costs only itself (modem_gammu_raw.c).
 *
 * The handle's parts: modem_gammu_dog.c, the watchdog; modem_gammu_sms.c,
 * what libgammu read as struct modem_sms; modem_gammu_raw.c, records
 * libgammu cannot decode, through our own AT commands; modem_gammu_send.c,
 * sending; modem_gammu_line.c, the serial line between libgammu's calls
 * (notices, a modem that restarts, the count of the SIM's messages).
 * modem_gammu_int.h is what they share.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gammu.h>

#include "modem.h"
#include "modem_gammu_int.h"
#include "text.h"

#define MODEM_GAMMU_DEFAULT_TIMEOUT 30  /* seconds, when conf gives none */
#define MODEM_GAMMU_MAX_READS 4096      /* GetNextSMS calls in one read() */
#define MODEM_GAMMU_IDLE_MS 20          /* pause when the device had nothing */
#define MODEM_GAMMU_OPERATOR_MS 3600000 /* the operator's name, asked hourly:
                                           nine AT commands on an AT modem */

/* The formatted reason into err (errlen bytes); nothing when err is NULL. */
void
modem_gammu_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* "what: gammu's short description of e"; never a number or a text. */
void
modem_gammu_gerr(char *err, size_t errlen, const char *what, GSM_Error e)
{
	modem_gammu_err(err, errlen, "%s: %s", what, GSM_ErrorString(e));
}

/* The monotonic clock in milliseconds. */
int64_t
modem_gammu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps ms milliseconds. Returns -1 when a signal cut the sleep short. */
static int
modem_gammu_sleep_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (nanosleep(&ts, NULL) == -1 && errno == EINTR)
		return -1;
	return 0;
}

/* ---- reading and deleting ------------------------------------------ */

/*
 * One GSM_GetNextSMS call under the watchdog: start a new listing, or go
 * on after multi->SMS[0].Location. Returns its error, or ERR_ABORTED with
 * err filled when the watchdog cut it short or had done so before.
 */
static GSM_Error
modem_gammu_next(struct modem_gammu *m, int start, char *err, size_t errlen)
{
	GSM_Error e;

	m->multi->SMS[0].Folder = 0;	/* locations are flat */
	if (modem_gammu_arm(m, m->timeout, err, errlen) == -1)
		return ERR_ABORTED;
	e = GSM_GetNextSMS(m->sm, m->multi, start);
	if (modem_gammu_disarm(m, err, errlen) == -1)
		return ERR_ABORTED;
	return e;
}

/*
 * Remembers that this read met a record at location. Returns 1 when it
 * had met it before (or cannot remember more), else 0.
 */
static int
modem_gammu_seen(struct modem_gammu *m, int location)
{
	int i;

	for (i = 0; i < m->nseen; i++)
		if (m->seen[i] == location)
			return 1;
	if (m->nseen >= MODEM_GAMMU_SEEN_MAX)
		return 1;
	m->seen[m->nseen++] = location;
	return 0;
}

/*
 * 1 when a failure of GetNextSMS with e names a record it can go on after:
 * a record error at a location this read has not met before. A failure
 * that is not the decoding of a new record leaves the location where the
 * last record was (a listing that failed), and a driver that cannot go on
 * names the same one again or goes round (the dummy driver): those end
 * the read, as any other failure does.
 */
static int
modem_gammu_can_skip(struct modem_gammu *m, GSM_Error e, int location)
{
	return modem_gammu_is_record_error(e) && location > 0 &&
	    !modem_gammu_seen(m, location);
}

/*
 * Reads every SMS in every folder with GSM_GetNextSMS, calling cb for each
 * received one; deletes nothing. A record libgammu cannot decode is passed
 * raw (see modem_gammu_bad_record) and the listing goes on after it with
 * GetNextSMS(start FALSE); any other failure ends the read. Returns how
 * many were passed to cb (also when cb stopped the read with -1), or -1
 * and err when gammu or the modem failed.
 */
static int
modem_gammu_read_all(struct modem_gammu *m, modem_sms_cb cb, void *arg,
    char *err, size_t errlen)
{
	GSM_MultiSMSMessage *multi = m->multi;
	struct modem_sms sms;
	GSM_Error e;
	int i, r, calls, count = 0;

	memset(multi, 0, sizeof(*multi));
	m->nseen = 0;
	for (calls = 0; calls < MODEM_GAMMU_MAX_READS; calls++) {
		if ((e = modem_gammu_next(m, calls == 0, err, errlen)) ==
		    ERR_ABORTED && modem_gammu_dead(m))
			return -1;
		if (e == ERR_EMPTY)
			return count;
		if (e != ERR_NONE && !modem_gammu_can_skip(m, e,
		    multi->SMS[0].Location)) {
			modem_gammu_gerr(err, errlen, "reading SMS", e);
			return -1;
		}
		if (e == ERR_NONE)
			(void)modem_gammu_seen(m, multi->SMS[0].Location);
		if (e != ERR_NONE) {
			if ((r = modem_gammu_bad_record(m,
			    multi->SMS[0].Location, &sms, err, errlen)) == -1)
				return -1;
			if (r == 1 && (count++, cb(arg, &sms) == -1))
				return count;
			continue;
		}
		for (i = 0; i < multi->Number && i < GSM_MAX_MULTI_SMS; i++) {
			if (!modem_gammu_convert(&multi->SMS[i], &sms))
				continue;
			if (modem_gammu_check(m, &sms, err, errlen) == -1)
				return -1;
			count++;
			if (cb(arg, &sms) == -1)
				return count;
		}
	}
	modem_gammu_err(err, errlen, "reading SMS: the modem lists too many");
	return -1;
}

/* modem_ops.read: modem_gammu_read_all() with our own listing of the
 * records (modem_gammu_raw.c) made for this read alone. */
static int
modem_gammu_read(void *modem, modem_sms_cb cb, void *arg, char *err,
    size_t errlen)
{
	struct modem_gammu *m = modem;
	int n;

	modem_gammu_list_start(m);
	n = modem_gammu_read_all(m, cb, arg, err, errlen);
	modem_gammu_list_end(m);
	return n;
}

/*
 * Deletes one SMS where read() found it. The location is passed flat
 * (Folder 0), as gammu's smsd does: the AT driver reports folders 1-4 but
 * expects either a flat location or a folder-relative one. A message that
 * is already gone counts as deleted. A raw record libgammu refuses to
 * delete goes to modem_gammu_remove_raw(). 0; -1 and err when the modem
 * failed; -2 and err when it refused or the record changed.
 */
static int
modem_gammu_remove(void *modem, const struct modem_sms *sms, char *err,
    size_t errlen)
{
	struct modem_gammu *m = modem;
	GSM_SMSMessage *msg = &m->multi->SMS[0];
	GSM_Error e;

	memset(msg, 0, sizeof(*msg));
	msg->Location = sms->location;
	msg->Folder = 0;
	if (modem_gammu_arm(m, m->timeout, err, errlen) == -1)
		return -1;
	e = GSM_DeleteSMS(m->sm, msg);
	if (modem_gammu_disarm(m, err, errlen) == -1)
		return -1;
	if (e == ERR_NONE || e == ERR_EMPTY)
		return 0;
	if (sms->raw && m->fd >= 0 && modem_gammu_is_record_error(e))
		return modem_gammu_remove_raw(m, sms, err, errlen);
	modem_gammu_gerr(err, errlen, "deleting SMS", e);
	return -1;
}

/* ---- state ----------------------------------------------------------- */

/* The operator's name into out (UTF-8), "" when unknown. 0, or a GSM_Error. */
static GSM_Error
modem_gammu_operator(struct modem_gammu *m, char *out, size_t outlen)
{
	GSM_NetworkInfo net;
	char name[3 * sizeof(net.NetworkName) + 1];
	GSM_Error e;

	memset(&net, 0, sizeof(net));
	if ((e = GSM_GetNetworkInfo(m->sm, &net)) != ERR_NONE)
		return e;
	net.NetworkCode[sizeof(net.NetworkCode) - 1] = '\0';
	if (UnicodeLength(net.NetworkName) == 0 && net.NetworkCode[0] != '\0')
		CopyUnicodeString(net.NetworkName,
		    GSM_GetNetworkName(net.NetworkCode));
	if (modem_gammu_from_unicode(name, sizeof(name), net.NetworkName,
	    sizeof(net.NetworkName)) == 0)
		text_utf8_copy(out, outlen, name);
	return ERR_NONE;
}

/*
 * Operator, signal and SIM storage, each asked separately: what one query
 * cannot tell stays unknown (operator "", dBm 0, percent and SIM counts -1).
 * The operator is asked once an hour (nine commands on an AT modem; it
 * rarely changes): in between, its last answer. Where notices were asked
 * for, checks they still are on (modem_gammu_notices_on). Returns 0 when
 * at least one answer came, -1 and err when none did, the modem timed out
 * or its notices are off.
 */
static int
modem_gammu_info(void *modem, struct modem_info *out, char *err,
    size_t errlen)
{
	struct modem_gammu *m = modem;
	GSM_SignalQuality sig;
	GSM_SMSMemoryStatus st;
	GSM_DateTime dt;
	GSM_Error e, last = ERR_NONE;
	int ok = 0;

	memset(out, 0, sizeof(*out));
	out->signal_percent = out->sim_used = out->sim_total = -1;
	if (modem_gammu_arm(m, 3 * m->timeout, err, errlen) == -1)
		return -1;
	memset(&sig, 0, sizeof(sig));
	if ((e = GSM_GetSignalQuality(m->sm, &sig)) == ERR_NONE) {
		ok = 1;
		out->signal_dbm = sig.SignalStrength == -1 ? 0 :
		    sig.SignalStrength;
		out->signal_percent = sig.SignalPercent;
	} else
		last = e;
	if (modem_gammu_now_ms() >= m->operator_at) {
		m->operator_name[0] = '\0';
		if ((e = modem_gammu_operator(m, m->operator_name,
		    sizeof(m->operator_name))) == ERR_NONE) {
			ok = 1;
			m->operator_at = modem_gammu_now_ms() +
			    MODEM_GAMMU_OPERATOR_MS;
		} else
			last = e;
	}
	snprintf(out->operator_name, sizeof(out->operator_name), "%s",
	    m->operator_name);
	memset(&st, 0, sizeof(st));
	if ((e = GSM_GetSMSStatus(m->sm, &st)) == ERR_NONE) {
		ok = 1;
		out->sim_used = st.SIMUsed;
		out->sim_total = st.SIMSize;
	} else
		last = e;
	/* The modem's clock (AT+CCLK?): the network's time when the modem
	 * takes it from the network (NITZ); a modem that never did starts
	 * at 2000 or 2004, which is refused. Not counted as an answer. */
	memset(&dt, 0, sizeof(dt));
	if (GSM_GetDateTime(m->sm, &dt) == ERR_NONE)
		out->network_time = modem_gammu_utc(&dt, 2025, 2200);
	if (modem_gammu_disarm(m, err, errlen) == -1)
		return -1;
	if (!ok) {
		modem_gammu_gerr(err, errlen, "asking the modem", last);
		return -1;
	}
	return modem_gammu_notices_on(m, err, errlen);
}

static void
modem_gammu_on_sms(GSM_StateMachine *sm, GSM_SMSMessage *sms, void *arg)
{
	struct modem_gammu *m = arg;

	(void)sm;
	(void)sms;
	m->incoming = 1;
}

/*
 * One GSM_ReadDevice(s, FALSE) (at most 50 ms in select()) with signals
 * blocked: libgammu's proxy device answers an interrupted select() with a
 * blocking read() that only the modem can end. Returns what GSM_ReadDevice
 * returned; *signalled is set when a signal became pending meanwhile (it is
 * delivered when the mask is restored, before this returns).
 */
static int
modem_gammu_poll(struct modem_gammu *m, int *signalled)
{
	sigset_t all, old, pending;
	int r, sig;

	sigfillset(&all);
	sigdelset(&all, SIGSEGV), sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE), sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = GSM_ReadDevice(m->sm, FALSE);
	sigemptyset(&pending);
	sigpending(&pending);
	for (sig = 1; sig <= SIGRTMAX; sig++)
		if (sigismember(&pending, sig) == 1 &&
		    sigismember(&old, sig) == 0)
			*signalled = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/*
 * Sleeps in poll() on the modem's descriptor until it has bytes for
 * libgammu to read, at most until deadline (monotonic ms). 1 readable; 0
 * at the deadline, on a signal (*signalled set) or when the device hung
 * up (the caller tells these apart by the clock and the flag).
 */
static int
modem_gammu_readable(struct modem_gammu *m, int64_t deadline, int *signalled)
{
	struct pollfd p = { .fd = m->fd, .events = POLLIN };
	int64_t left = deadline - modem_gammu_now_ms();
	int r;

	r = poll(&p, 1, left > 0 ? (int)left : 0);
	if (r < 0 && errno == EINTR)
		*signalled = 1;
	if (r <= 0 || (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
		return 0;
	return 1;
}

/*
 * Waits up to timeout_ms for a new message to be announced. Returns 1 as
 * soon as one was (also one announced during an earlier call), 0 on
 * timeout or when a signal arrived, -1 when the device failed or the
 * handle is dead, -2 when the modem restarted.
 *
 * On a serial descriptor of libgammu's, we read the line ourselves
 * (modem_gammu_line.c), except while a USSD answer is awaited (one
 * modem timeout after the request): libgammu then reads it, since
 * only its callback decodes +CUSD in the character set it chose; a
 * restart announced in that window is seen at the next command whose
 * answer no longer fits. Elsewhere (proxyat's pipe, the dummy driver)
 * libgammu processes unsolicited lines: GSM_ReadDevice(s, TRUE) would sit
 * out signals (it loops until the second changes), so this polls with
 * FALSE. Drivers without a device (dummy) return at once; then we sleep a
 * little, and a signal ends the sleep.
 */
static int
modem_gammu_wait(void *modem, int timeout_ms)
{
	struct modem_gammu *m = modem;
	int64_t start, t0, now;
	int r, signalled = 0;

	if (modem_gammu_dead(m))
		return -1;
	if (m->fd >= 0 && (m->ussd_until == 0 ||
	    modem_gammu_now_ms() >= m->ussd_until))
		return modem_gammu_wait_line(m, timeout_ms);
	start = modem_gammu_now_ms();
	for (;;) {
		if (m->incoming) {
			m->incoming = 0;
			return 1;
		}
		if (signalled)
			return 0;
		if (!GSM_IsConnected(m->sm))
			return -1;
		if (m->fd >= 0 && !modem_gammu_readable(m, start + timeout_ms,
		    &signalled))
			return signalled || modem_gammu_now_ms() - start >=
			    timeout_ms ? 0 : -1;
		t0 = modem_gammu_now_ms();
		errno = 0;
		r = modem_gammu_poll(m, &signalled);
		if (r < 0 && errno != EINTR && errno != EAGAIN && !m->incoming)
			return -1;
		now = modem_gammu_now_ms();
		if (now - start >= timeout_ms && !m->incoming)
			return 0;
		if (m->fd < 0 && now - t0 < 5 && !m->incoming && !signalled &&
		    modem_gammu_sleep_ms(MODEM_GAMMU_IDLE_MS) == -1)
			signalled = 1;
	}
}

/* ---- opening --------------------------------------------------------- */

/*
 * Fills libgammu's first config section from conf, with nothing read from
 * a gammurc. Device, Connection and DebugFile are strdup()ed because
 * GSM_FreeStateMachine() frees exactly those three; the rest are arrays.
 * 0, or -1 and err.
 */
static int
modem_gammu_config(GSM_StateMachine *sm, const struct conf_modem *conf,
    char *err, size_t errlen)
{
	GSM_Config *cfg = GSM_GetConfig(sm, 0);
	const char *debug = getenv("SHUKHER_GAMMU_DEBUG");
	size_t i;

	if (conf->device == NULL || conf->device[0] == '\0' ||
	    conf->connection == NULL || conf->connection[0] == '\0') {
		modem_gammu_err(err, errlen, "no modem device or connection "
		    "configured");
		return -1;
	}
	if (conf->model != NULL &&
	    strlen(conf->model) >= sizeof(cfg->Model)) {
		modem_gammu_err(err, errlen, "modem model name too long");
		return -1;
	}
	cfg->Device = strdup(conf->device);
	cfg->Connection = strdup(conf->connection);
	cfg->DebugFile = debug != NULL && debug[0] != '\0' ?
	    strdup(debug) : NULL;
	if (cfg->Device == NULL || cfg->Connection == NULL ||
	    (debug != NULL && debug[0] != '\0' && cfg->DebugFile == NULL)) {
		modem_gammu_err(err, errlen, "out of memory");
		return -1;
	}
	snprintf(cfg->Model, sizeof(cfg->Model), "%s",
	    conf->model != NULL ? conf->model : "");
	snprintf(cfg->DebugLevel, sizeof(cfg->DebugLevel), "%s",
	    cfg->DebugFile != NULL ? "textalldate" : "");
	cfg->SyncTime = FALSE;
	cfg->LockDevice = FALSE;
	cfg->StartInfo = FALSE;
	cfg->UseGlobalDebugFile = FALSE;
	cfg->PhoneFeatures[0] = 0;
	for (i = 0; i < sizeof(cfg->CNMIParams) / sizeof(cfg->CNMIParams[0]);
	    i++)
		cfg->CNMIParams[i] = -1;	/* the driver's choice */
	GSM_SetConfigNum(sm, 1);
	return 0;
}

/*
 * Enters the PIN when the SIM asks for it. A phone that cannot tell its
 * security status is taken as not asking. 0, or -1 and err (which never
 * holds the PIN).
 */
static int
modem_gammu_pin(struct modem_gammu *m, const char *pin, char *err,
    size_t errlen)
{
	GSM_SecurityCodeType status = SEC_None;
	GSM_SecurityCode code;
	GSM_Error e;

	e = GSM_GetSecurityStatus(m->sm, &status);
	if (e == ERR_NOTSUPPORTED || e == ERR_NOTIMPLEMENTED)
		return 0;
	if (e != ERR_NONE) {
		modem_gammu_gerr(err, errlen, "asking for the SIM status", e);
		return -1;
	}
	if (status == SEC_None)
		return 0;
	if (status != SEC_Pin) {
		modem_gammu_err(err, errlen, MODEM_ERR_SIM_LOCKED);
		return -1;
	}
	if (pin == NULL || pin[0] == '\0') {
		modem_gammu_err(err, errlen, MODEM_ERR_PIN_NEEDED);
		return -1;
	}
	memset(&code, 0, sizeof(code));
	code.Type = SEC_Pin;
	snprintf(code.Code, sizeof(code.Code), "%s", pin);
	e = GSM_EnterSecurityCode(m->sm, &code);
	memset(&code, 0, sizeof(code));
	if (e == ERR_SECURITYERROR) {
		modem_gammu_err(err, errlen, MODEM_ERR_PIN_REFUSED);
		return -1;
	}
	if (e != ERR_NONE) {
		modem_gammu_gerr(err, errlen, "entering the PIN", e);
		return -1;
	}
	return 0;
}

/* Terminates the connection (errors ignored) and frees everything. */
static void
modem_gammu_free(struct modem_gammu *m)
{
	if (m == NULL)
		return;
	if (m->sm != NULL) {
		/* the AT driver's Terminate says nothing to the modem; others
		 * might, so a dead handle (aborted) returns at once */
		if (m->dog_started)
			(void)modem_gammu_arm(m, m->timeout, NULL, 0);
		GSM_TerminateConnection(m->sm);
		modem_gammu_dog_stop(m);
		/* closes a debug file a failed init left open */
		GSM_SetDebugFileDescriptor(NULL, FALSE, GSM_GetDebug(m->sm));
		GSM_FreeStateMachine(m->sm);
	}
	free(m->multi);
	free(m->parts);
	free(m->listed);
	free(m);
}

/*
 * The descriptor libgammu opened for device, found in /proc/self/fd by
 * the device's real path (a /dev/gsm-modem link leads to /dev/ttyUSB0),
 * so that wait() can sleep in poll() until the modem says something rather
 * than wake twenty times a second. -1 where there is none: proxyat talks
 * through a pipe, the dummy driver through files.
 */
static int
modem_gammu_find_fd(const char *device)
{
	char want[PATH_MAX], path[64], have[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	ssize_t n;
	int fd, found = -1;

	if (device == NULL || realpath(device, want) == NULL ||
	    strncmp(want, "/dev/", 5) != 0 ||
	    (dir = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		fd = atoi(d->d_name);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, have, sizeof(have) - 1);
		if (n <= 0)
			continue;
		have[n] = '\0';
		if (strcmp(have, want) == 0 && fd > found)
			found = fd;
	}
	closedir(dir);
	return found;
}

/*
 * Connects as conf says, enters the PIN if the SIM asks, and asks for
 * new-message notices when conf wants them (a modem that refuses them is
 * not an error: the periodic full read finds the messages anyway). Returns the handle,
 * or NULL and err. Close with modem_gammu_close().
 */
static void *
modem_gammu_open(const struct conf_modem *conf, char *err, size_t errlen)
{
	struct modem_gammu *m;
	GSM_Error e;
	int r;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->multi = malloc(sizeof(*m->multi))) == NULL ||
	    (m->parts = malloc(sizeof(*m->parts))) == NULL ||
	    (m->sm = GSM_AllocStateMachine()) == NULL) {
		modem_gammu_err(err, errlen, "out of memory");
		goto fail;
	}
	m->fd = -1;
	m->listing = 2;                 /* not in a read */
	m->reports = conf->delivery_reports;
	m->notices = conf->notifications;
	m->timeout = conf->timeout > 0 ? conf->timeout :
	    MODEM_GAMMU_DEFAULT_TIMEOUT;
	if (modem_gammu_config(m->sm, conf, err, errlen) == -1 ||
	    modem_gammu_dog_start(m, err, errlen) == -1 ||
	    modem_gammu_arm(m, 3 * m->timeout, err, errlen) == -1)
		goto fail;
	e = GSM_InitConnection(m->sm, 1);
	if (modem_gammu_disarm(m, err, errlen) == -1)
		goto fail;
	if (e != ERR_NONE) {
		modem_gammu_gerr(err, errlen, "connecting to the modem", e);
		goto fail;
	}
	m->fd = modem_gammu_find_fd(conf->device);
	/* InitConnection clears the callbacks: set them only now */
	GSM_SetSendSMSStatusCallback(m->sm, modem_gammu_on_status, m);
	GSM_SetIncomingSMSCallback(m->sm, modem_gammu_on_sms, m);
	if (modem_gammu_arm(m, 2 * m->timeout, err, errlen) == -1)
		goto fail;
	r = modem_gammu_pin(m, conf->pin, err, errlen);
	/* a failure to enable notices only costs latency: reads remain */
	if (r == 0 && conf->notifications)
		(void)GSM_SetIncomingSMS(m->sm, TRUE);
	if (modem_gammu_disarm(m, err, errlen) == -1 || r == -1)
		goto fail;
	return m;
fail:
	modem_gammu_free(m);
	return NULL;
}

static void
modem_gammu_close(void *modem)
{
	modem_gammu_free(modem);
}

const struct modem_ops modem_gammu_ops = {
	.name = "gammu",
	.open = modem_gammu_open,
	.close = modem_gammu_close,
	.read = modem_gammu_read,
	.remove = modem_gammu_remove,
	.send = modem_gammu_send,
	.info = modem_gammu_info,
	.wait = modem_gammu_wait,
	.ussd = modem_gammu_ussd,
	.ussd_answer = modem_gammu_ussd_answer,
	.count = modem_gammu_count,
};
