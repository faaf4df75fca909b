/*
 * gateway_health: the gateway watching itself. Each modem's process asks
 * its own SIM's credit by USSD with its own balance group (at start,
 * every balance.every seconds, and soon after a send the network
 * refused: no credit is the usual reason), looks at its
 * health conditions every few seconds, and queues the technicians'
 * alerts and the daily summary as outbox rows (include/health.h decides;
 * this gathers and queues). Each process looks at its own modem's
 * conditions (named per modem when there are several); the first
 * modem's also at the gateway's (disk, clock) and sends the summary. An
 * alert is a row with no modem, which a working modem sends: a modem
 * lost is told through another where there is one (gateway_modems.c).
 *
 * A USSD answer comes seconds later, asynchronously: the request is sent
 * (the modem's OK is all it waits for, under modem.timeout) and the
 * answer is collected on later passes, which the loop makes at least once
 * a second; after modem.timeout seconds without one the attempt counts as
 * failed and is tried again later. The message path never waits for it.
 * Logs carry the amount only, never the answer's other digits.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gateway_int.h"
#include "health.h"
#include "log.h"
#include "netclock.h"
#include "quiet.h"
#include "store_health.h"

#define GW_HEALTH_EVERY  5       /* seconds between looks at the conditions */
#define GW_CREDIT_RETRY  600     /* seconds before a failed check is retried */
#define GW_CREDIT_SOON   300     /* a refused send asks again after this */
#define GW_SUMMARY_LATE  3600    /* a summary missed by more is skipped */

/* What the store says of a failure, once per outage (gateway.c's rule). */
static void
gateway_health_store_error(struct gateway *gw, const char *what, int64_t now)
{
	gateway_store_error(gw, what, store_errmsg(gw->store), now);
}

/* ---- credit ---------------------------------------------------------- */

static void
gateway_credit_failed(struct gateway *gw, const char *why, const char *answer,
    int64_t now)
{
	const struct conf_balance *b = &gw->mc->balance;

	log_warnx("credit: %s; asking again in %d s", why,
	    b->every < GW_CREDIT_RETRY ? b->every : GW_CREDIT_RETRY);
	gw->credit_at = now + (b->every < GW_CREDIT_RETRY ? b->every :
	    GW_CREDIT_RETRY);
	if (store_credit_failed(gw->store, gw->name, gw->primary, why, answer,
	    now) < 0)
		gateway_health_store_error(gw, "recording the credit", now);
}

/* The answer came: the amount in it, by the pattern. */
static void
gateway_credit_answer(struct gateway *gw, const char *answer, int64_t now)
{
	const struct conf_balance *b = &gw->mc->balance;
	int64_t amount;

	if (health_credit_parse(b, answer, &amount) < 0) {
		gateway_credit_failed(gw, "the USSD answer does not match "
		    "balance.pattern", answer, now);
		return;
	}
	log_info("credit: %lld%s", (long long)amount, amount < b->low ?
	    " (low)" : "");
	if (store_credit_put(gw->store, gw->name, gw->primary, amount, answer,
	    now) < 0)
		gateway_health_store_error(gw, "recording the credit", now);
	gw->health_at = now;            /* judge it at once */
}

/* A send the network refused: the credit may have run out. */
void
gateway_credit_soon(struct gateway *gw, int64_t now)
{
	if (gw->ussd_until == 0 && now - gw->credit_asked_at >= GW_CREDIT_SOON)
		gw->credit_at = now;
}

/* Collects the answer to a request waiting for one. */
static void
gateway_credit_collect(struct gateway *gw, int64_t now)
{
	char text[512], err[GW_ERR] = "", why[GW_ERR + 32];
	int r;

	r = gw->ops->ussd_answer(gw->modem, text, sizeof(text), err,
	    sizeof(err));
	gateway_alive(gw);
	if (r == 0 && now < gw->ussd_until)
		return;
	gw->ussd_until = 0;
	if (r == 1) {
		gateway_credit_answer(gw, text, now);
		return;
	}
	if (r == 0)
		snprintf(why, sizeof(why), "no USSD answer within %d s",
		    gw->mc->timeout);
	else
		snprintf(why, sizeof(why), "%s", err);
	gateway_credit_failed(gw, why, NULL, now);
}

/* Asks for the credit when it is due, or collects the answer. */
static void
gateway_credit(struct gateway *gw, int64_t now)
{
	const struct conf_balance *b = &gw->mc->balance;
	char err[GW_ERR] = "";
	int r;

	if (b->ussd == NULL || gw->modem == NULL || gw->ops->ussd == NULL) {
		gw->ussd_until = 0;     /* a new handle forgets the request */
		return;
	}
	if (gw->ussd_until != 0) {
		gateway_credit_collect(gw, now);
		return;
	}
	if (now < gw->credit_at)
		return;
	gw->credit_asked_at = now;
	r = gw->ops->ussd(gw->modem, b->ussd, err, sizeof(err));
	gateway_alive(gw);
	if (r == 0) {
		log_debug("credit: USSD request sent");
		gw->ussd_until = now + gw->mc->timeout;
		gw->credit_at = now + b->every;
		return;
	}
	if (r == -1)
		gateway_modem_error(gw, "USSD", err, 0, now);
	gateway_credit_failed(gw, err, NULL, now);
}

/* ---- conditions ------------------------------------------------------- */

/*
 * Writes row and queues text (when not NULL) to every technician, in one
 * transaction: a row that says an alert was sent while its outbox rows
 * failed would never send it (nor its reminder before alert_every), and
 * the rows queued without the row would be queued again at the next look.
 * 0, or -1 (logged; nothing written).
 */
static int
gateway_health_keep(struct gateway *gw, const struct store_health *row,
    const char *text, int64_t now)
{
	const struct conf_health *h = &gw->conf->health;
	size_t i;

	if (store_begin(gw->store) < 0)
		goto fail;
	if (store_health_put(gw->store, row) < 0)
		goto undo;
	for (i = 0; text != NULL && i < h->ntechnicians; i++)
		if (store_outbox_add(gw->store, h->technicians[i], text,
		    STORE_OUT_ALERT, 0, now) < 0)
			goto undo;
	if (store_commit(gw->store) == 0)
		return 0;
undo:
	gateway_health_store_error(gw, text != NULL ? "queueing an alert" :
	    "recording the health", now);
	store_rollback(gw->store);
	return -1;
fail:
	gateway_health_store_error(gw, "recording the health", now);
	return -1;
}

/* What one look found: whether each condition holds, and its figure;
 * unknown when it could not be told (a failed read): such a condition
 * stays as it was, rather than clear untruly. */
struct gateway_look {
	int bad[HEALTH_NCOND];
	int unknown[HEALTH_NCOND];
	char detail[HEALTH_NCOND][64];
};

static void
gateway_look_credit(struct gateway *gw, struct gateway_look *l, int64_t now)
{
	struct store_credit c;

	if (gw->mc->balance.ussd == NULL)
		return;
	if (store_credit_get(gw->store, gw->name, gw->primary, &c) < 0) {
		l->unknown[HEALTH_CREDIT] = 1;
		gateway_health_store_error(gw, "reading the credit", now);
		return;
	}
	if (!c.known)
		return;
	l->bad[HEALTH_CREDIT] = c.amount < gw->mc->balance.low;
	snprintf(l->detail[HEALTH_CREDIT], sizeof(l->detail[0]), "%lld",
	    (long long)c.amount);
}

/* The modem lost, and the SIM full, each for longer than alert_after. */
static void
gateway_look_modem(struct gateway *gw, struct gateway_look *l, int64_t now)
{
	int after = gw->conf->health.alert_after;
	const struct store_modem_state *s = &gw->state;

	if (gw->modem == NULL && gw->lost_since == 0)
		gw->lost_since = now;
	else if (gw->modem != NULL && gw->lost_since != 0) {
		gw->lost_for = now - gw->lost_since;
		gw->lost_since = 0;
	}
	l->bad[HEALTH_MODEM] = gw->lost_since != 0 &&
	    now - gw->lost_since >= after;
	snprintf(l->detail[HEALTH_MODEM], sizeof(l->detail[0]), "%lld min",
	    (long long)((gw->lost_since != 0 ? now - gw->lost_since :
	    gw->lost_for) + 59) / 60);

	if (gw->modem != NULL && s->sim_total > 0 &&
	    s->sim_used >= s->sim_total) {
		if (gw->sim_full_since == 0)
			gw->sim_full_since = now;
	} else if (gw->modem != NULL)
		gw->sim_full_since = 0;
	l->bad[HEALTH_SIM_FULL] = gw->sim_full_since != 0 &&
	    now - gw->sim_full_since >= after;
	snprintf(l->detail[HEALTH_SIM_FULL], sizeof(l->detail[0]), "%d/%d",
	    s->sim_used, s->sim_total);
	l->bad[HEALTH_SENDS] = gw->send_failures >=
	    gw->conf->health.failed_sends;
	snprintf(l->detail[HEALTH_SENDS], sizeof(l->detail[0]), "%d",
	    gw->send_failures);
}

static void
gateway_look_machine(struct gateway *gw, struct gateway_look *l, int64_t now)
{
	unsigned long long mb;
	char dir[512];
	int64_t net = 0;
	int have, c;

	if (health_disk_free(gw->conf->database, dir, sizeof(dir), &mb) == 0) {
		l->bad[HEALTH_DISK] = mb < HEALTH_DISK_FAIL_MB;
		snprintf(l->detail[HEALTH_DISK], sizeof(l->detail[0]),
		    "%llu MiB", mb);
	} else
		l->unknown[HEALTH_DISK] = 1;
	have = netclock_now(&gw->state, &net);
	c = health_clock(now, have, net);
	l->bad[HEALTH_CLOCK] = c != 0;
	snprintf(l->detail[HEALTH_CLOCK], sizeof(l->detail[0]), c == 2 ?
	    "in the past" : "%lld s off the network", (long long)(now - net));
}

/* Steps condition c on what l found; keeps its state; alerts. */
static void
gateway_health_step(struct gateway *gw, enum health_cond c,
    const struct gateway_look *l, int quiet, int64_t now)
{
	const char *modem = gw->conf->nmodems > 1 ? gw->name : NULL;
	struct store_health row;
	struct health_state s;
	enum health_alert a;
	char text[480], name[sizeof(row.name)];
	int r, turned;

	health_cond_name(c, modem, name, sizeof(name));
	if ((r = store_health_get(gw->store, name, &row)) < 0) {
		gateway_health_store_error(gw, "reading the health", now);
		return;
	}
	s.open = row.open;
	s.since = row.since;
	s.alerted_at = row.alerted_at;
	s.told = row.told;
	/* With nobody to tell, conditions open and close untold: once
	 * technicians are configured, what is still open is told then. */
	if (gw->conf->health.ntechnicians == 0)
		a = health_step(&s, l->bad[c], 0, 1, 1, now);
	else
		a = health_step(&s, l->bad[c], health_urgent(c), quiet,
		    gw->conf->health.alert_every, now);
	if (r == 1 && s.open == row.open && s.told == row.told &&
	    s.alerted_at == row.alerted_at)
		return;                 /* nothing to keep */
	if (r == 0 && !s.open)
		return;                 /* never bad: no row needed */
	turned = s.open != row.open;
	row.open = s.open;
	row.since = s.since;
	row.alerted_at = s.alerted_at;
	row.told = s.told;
	snprintf(row.detail, sizeof(row.detail), "%s", l->detail[c]);
	if (a != HEALTH_NONE)
		health_text_modem(c, a, gw->conf->language, modem,
		    l->detail[c], text, sizeof(text));
	if (gateway_health_keep(gw, &row, a != HEALTH_NONE ? text : NULL,
	    now) < 0)
		return;
	if (turned)
		log_info("health: %s %s", name, s.open ? "started" :
		    "cleared");
	if (a == HEALTH_NONE)
		return;
	log_info("health: %s alert (%s) queued to %zu technician(s)",
	    name, a == HEALTH_CLEAR ? "cleared" : a == HEALTH_REMIND ?
	    "reminder" : "started", gw->conf->health.ntechnicians);
}

/* ---- the daily summary ------------------------------------------------ */

/* When today's summary is due (local time), or 0 when none is set. */
static int64_t
gateway_summary_due(const struct conf *conf, int64_t now)
{
	struct tm tm;
	time_t t = (time_t)now;

	if (conf->health.daily_summary < 0 || localtime_r(&t, &tm) == NULL)
		return 0;
	tm.tm_hour = conf->health.daily_summary / 60;
	tm.tm_min = conf->health.daily_summary % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* The credit for the summary: "850", or "unitel 850, mobicom ?" with
 * several modems (those that ask theirs). */
static void
gateway_summary_credit(struct gateway *gw, char *out, size_t outlen)
{
	const struct conf *conf = gw->conf;
	struct store_credit c;
	char one[32];
	size_t i, n = 0;

	snprintf(out, outlen, "?");
	for (i = 0; i < conf->nmodems && n + 1 < outlen; i++) {
		if (conf->modems[i].balance.ussd == NULL)
			continue;
		snprintf(one, sizeof(one), "?");
		if (store_credit_get(gw->store, conf->modems[i].name, i == 0,
		    &c) == 0 && c.known)
			snprintf(one, sizeof(one), "%lld",
			    (long long)c.amount);
		if (conf->nmodems == 1)
			snprintf(out, outlen, "%s", one);
		else
			n += (size_t)snprintf(out + n, outlen - n, "%s%s %s",
			    n > 0 ? ", " : "", conf->modems[i].name, one);
	}
}

static void
gateway_summary_text(struct gateway *gw, const struct store_day_counts *d,
    char *out, size_t outlen)
{
	char credit[160], signal[16] = "?";

	gateway_summary_credit(gw, credit, sizeof(credit));
	if (gw->modem != NULL && gw->state.signal_percent >= 0)
		snprintf(signal, sizeof(signal), "%d%%",
		    gw->state.signal_percent);
	switch (gw->conf->language) {
	case LANG_MN:
		snprintf(out, outlen, "shukher 24 цаг: ирсэн %d, явсан %d, "
		    "амжилтгүй %d, мэдээлэл %d; үлдэгдэл %s; дохио %s.",
		    d->in, d->out, d->failed, d->reports, credit, signal);
		break;
	case LANG_MN_LATN:
		snprintf(out, outlen, "shukher 24 tsag: irsen %d, yavsan %d, "
		    "amjiltgui %d, medeelel %d; uldegdel %s; dohio %s.",
		    d->in, d->out, d->failed, d->reports, credit, signal);
		break;
	default:
		snprintf(out, outlen, "shukher, last 24 h: %d in, %d out, %d "
		    "failed, %d reports; credit %s; signal %s.", d->in, d->out,
		    d->failed, d->reports, credit, signal);
	}
}

/* Once a day at daily_summary, within GW_SUMMARY_LATE of it (a daemon
 * started later that day waits for the next). */
static void
gateway_summary(struct gateway *gw, int64_t now)
{
	struct store_health row;
	struct store_day_counts d;
	int64_t due = gateway_summary_due(gw->conf, now);
	char text[480];

	if (due == 0 || now < due || now - due > GW_SUMMARY_LATE ||
	    gw->conf->health.ntechnicians == 0)
		return;
	if (store_health_get(gw->store, "summary", &row) < 0 ||
	    row.alerted_at >= due)
		return;
	if (store_day_counts(gw->store, now - 86400, &d) < 0) {
		gateway_health_store_error(gw, "counting the day", now);
		return;
	}
	gateway_summary_text(gw, &d, text, sizeof(text));
	row.alerted_at = now;
	if (gateway_health_keep(gw, &row, text, now) < 0)
		return;
	log_info("health: daily summary queued to %zu technician(s)",
	    gw->conf->health.ntechnicians);
}

/* Several modems: a modem's condition kept under its plain name from
 * when there was one modem would stay open for ever; the first modem's
 * process closes it, untold (its modem's row says it now), once per
 * conf: nothing opens such a row while there are several. */
static void
gateway_health_unname(struct gateway *gw, int64_t now)
{
	struct store_health row;
	int c, r;

	if (gw->health_unnamed || !gw->primary || gw->conf->nmodems < 2)
		return;
	for (c = 0; c < HEALTH_NCOND; c++) {
		if (!health_of_modem((enum health_cond)c))
			continue;
		r = store_health_get(gw->store, health_name((enum health_cond)c),
		    &row);
		if (r < 0) {
			gateway_health_store_error(gw, "reading the health",
			    now);
			return;
		}
		if (r == 0 || !row.open)
			continue;
		row.open = 0;
		row.told = 0;
		row.since = now;
		if (store_health_put(gw->store, &row) < 0) {
			gateway_health_store_error(gw, "recording the health",
			    now);
			return;
		}
		log_info("health: %s closed: kept per modem now", row.name);
	}
	gw->health_unnamed = 1;
}

void
gateway_health(struct gateway *gw, int64_t now)
{
	struct gateway_look l;
	int c, quiet;

	gateway_credit(gw, now);
	if (now < gw->health_at && now >= gw->health_at - GW_HEALTH_EVERY)
		return;
	gw->health_at = now + GW_HEALTH_EVERY;
	memset(&l, 0, sizeof(l));
	gateway_look_credit(gw, &l, now);
	gateway_look_modem(gw, &l, now);
	if (gw->primary)
		gateway_look_machine(gw, &l, now);
	gateway_health_unname(gw, now);
	quiet = quiet_hours_now(gw->conf, (time_t)now);
	for (c = 0; c < HEALTH_NCOND; c++)
		if ((gw->primary || health_of_modem((enum health_cond)c)) &&
		    !l.unknown[c])
			gateway_health_step(gw, (enum health_cond)c, &l,
			    quiet, now);
	if (gw->primary)
		gateway_summary(gw, now);
}
