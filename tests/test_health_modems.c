/*
 * test_health_modems: health and credit with several modems. The names
 * and texts of the conditions per modem (every condition, alert and
 * language); the credit kept per modem, the row of before schema 14 read
 * as the first modem's across the upgrade; each modem's gateway asking
 * its own SIM's credit with its own balance group and alerting its own
 * conditions, the first alone the gateway's (clock) and the summary of
 * every modem's credit; and an alert of a
 * lost modem going out through another modem at once, while a row for a
 * working modem's prefixes stays that modem's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unistr.h>

#include "conf.h"
#include "conf_util.h"
#include "gateway.h"
#include "health.h"
#include "modem_fake.h"
#include "store.h"
#include "store_health.h"

#include "store_util.h"

#define T0 1764390000
#define TECH "+97688000009"      /* on modem b's prefixes */

/* ---- names and texts ----------------------------------------------------- */

static void
test_cond_names(void **state)
{
	char name[64], small[8];
	int c;

	(void)state;
	for (c = 0; c < HEALTH_NCOND; c++) {
		assert_int_equal(health_of_modem((enum health_cond)c),
		    c == HEALTH_CREDIT || c == HEALTH_MODEM ||
		    c == HEALTH_SIM_FULL || c == HEALTH_SENDS);
		health_cond_name((enum health_cond)c, NULL, name,
		    sizeof(name));
		assert_string_equal(name, health_name((enum health_cond)c));
		health_cond_name((enum health_cond)c, "unitel", name,
		    sizeof(name));
		if (health_of_modem((enum health_cond)c)) {
			assert_int_equal(strncmp(name, health_name(
			    (enum health_cond)c), strlen(health_name(
			    (enum health_cond)c))), 0);
			assert_string_equal(name + strlen(health_name(
			    (enum health_cond)c)), ":unitel");
		} else
			assert_string_equal(name,
			    health_name((enum health_cond)c));
		/* the longest name a modem may have fits the store's row */
		assert_true(health_cond_name((enum health_cond)c,
		    "abcdefghijklmnopqrstuvwxyz01234", name, sizeof(name)) <
		    sizeof(((struct store_health *)0)->name));
		assert_int_equal(health_cond_name((enum health_cond)c,
		    "unitel", small, sizeof(small)), 7);
		assert_int_equal(strlen(small), 7);
	}
}

/* Every condition, alert and language: a modem's text names the modem
 * and says the rest as health_text() does; the gateway's do not. */
static void
test_texts_name_the_modem(void **state)
{
	static const enum health_alert as[] = { HEALTH_START, HEALTH_REMIND,
	    HEALTH_CLEAR };
	char plain[512], named[512], cut[512];
	size_t a, n, len;
	int c, l;

	(void)state;
	for (c = 0; c < HEALTH_NCOND; c++)
	for (a = 0; a < 3; a++)
	for (l = 0; l < LANG_COUNT; l++) {
		health_text((enum health_cond)c, as[a], (enum lang)l, "12",
		    plain, sizeof(plain));
		assert_int_equal(strncmp(plain, "shukher:", 8), 0);
		health_text_modem((enum health_cond)c, as[a], (enum lang)l,
		    NULL, "12", named, sizeof(named));
		assert_string_equal(named, plain);
		len = health_text_modem((enum health_cond)c, as[a],
		    (enum lang)l, "unitel", "12", named, sizeof(named));
		assert_int_equal(len, strlen(named));
		if (health_of_modem((enum health_cond)c)) {
			assert_int_equal(strncmp(named, "shukher unitel:",
			    15), 0);
			assert_string_equal(named + 15, plain + 8);
		} else
			assert_string_equal(named, plain);
		/* cut short anywhere: whole characters, terminated */
		for (n = 1; n < 40; n++) {
			len = health_text_modem((enum health_cond)c, as[a],
			    (enum lang)l, "unitel", "12", cut, n);
			assert_true(len < n);
			assert_int_equal(strlen(cut), len);
			assert_null(u8_check((const uint8_t *)cut, len));
		}
	}
}

/* ---- the credit kept per modem ------------------------------------------ */

static void
test_credit_per_modem(void **state)
{
	struct store *s;
	struct store_credit c;

	(void)state;
	s = su_open_ok(su_path_for("credit.db"), 1);
	assert_int_equal(store_credit_put(s, "a", 1, 850, "is 850", T0), 0);
	assert_int_equal(store_credit_failed(s, "b", 0, "no answer", NULL,
	    T0 + 1), 0);
	assert_int_equal(store_credit_get(s, "a", 1, &c), 0);
	assert_true(c.known);
	assert_int_equal(c.amount, 850);
	assert_string_equal(c.error, "");
	assert_int_equal(store_credit_get(s, "b", 0, &c), 0);
	assert_false(c.known);
	assert_int_equal(c.checked_at, T0 + 1);
	assert_string_equal(c.error, "no answer");
	assert_int_equal(store_credit_put(s, "b", 0, 4000, "is 4000", T0 + 2),
	    0);
	assert_int_equal(store_credit_failed(s, "a", 1, "no match", "garbled",
	    T0 + 3), 0);
	assert_int_equal(store_credit_get(s, "a", 1, &c), 0);
	assert_int_equal(c.amount, 850);        /* kept */
	assert_string_equal(c.answer, "garbled");
	assert_string_equal(c.error, "no match");
	assert_int_equal(store_credit_get(s, "b", 0, &c), 0);
	assert_int_equal(c.amount, 4000);
	assert_int_equal(store_credit_get(s, "c", 0, &c), 0);
	assert_false(c.known);
	assert_int_equal(c.checked_at, 0);
	/* without a name: the first modem's, as its last write said */
	assert_int_equal(store_credit_get(s, NULL, 1, &c), 0);
	assert_int_equal(c.amount, 850);
	assert_int_equal(store_credit_put(s, "b", 1, 4100, "is 4100", T0 + 4),
	    0);
	assert_int_equal(store_credit_get(s, NULL, 1, &c), 0);
	assert_int_equal(c.amount, 4100);
	assert_int_equal(store_credit_failed(s, "a", 1, "again", NULL,
	    T0 + 5), 0);
	assert_int_equal(store_credit_get(s, NULL, 1, &c), 0);
	assert_int_equal(c.amount, 850);
	store_close(s);
}

/* A database of schema 13 with the single row of before: after the
 * upgrade the first modem reads it, the others do not, and the first's
 * own row wins once it writes one. */
static void
test_old_credit_kept_across_the_upgrade(void **state)
{
	const char *path = su_path_for("upgrade.db");
	struct store *s;
	struct store_credit c;

	(void)state;
	s = su_open_ok(path, 1);
	store_close(s);
	su_downgrade(path, 13);
	su_raw_sql(path, "INSERT INTO credit VALUES (1, 777, 1764000000,"
	    " 'is 777', 1764000000, '');");
	s = su_open_ok(path, 0);
	assert_int_equal(su_raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(store_credit_get(s, "a", 1, &c), 0);
	assert_true(c.known);
	assert_int_equal(c.amount, 777);
	assert_string_equal(c.answer, "is 777");
	assert_int_equal(store_credit_get(s, "b", 0, &c), 0);
	assert_false(c.known);
	assert_int_equal(store_credit_get(s, NULL, 1, &c), 0);
	assert_int_equal(c.amount, 777);
	assert_int_equal(store_credit_put(s, "a", 1, 900, "is 900", T0), 0);
	assert_int_equal(store_credit_get(s, NULL, 1, &c), 0);
	assert_int_equal(c.amount, 900);
	assert_int_equal(store_credit_get(s, "a", 1, &c), 0);
	assert_int_equal(c.amount, 900);
	assert_int_equal(store_credit_get(s, "", 1, &c), 0);
	assert_int_equal(c.amount, 777);
	store_close(s);
}

/* ---- the gateways ------------------------------------------------------- */

static const char conf_text[] =
	"database = \"/tmp/x.db\";\n"
	"language = \"en\";\n"
	"keywords = ( { name = \"help\"; words = [ \"HELP\" ];"
	" reply = { en = \"Police 102.\"; }; } );\n"
	"failover_after = 600;\n"
	"technicians = [ \"" TECH "\" ];\n"
	"alert_after = 60;\nalert_every = 3600;\n"
	"modems = (\n"
	" { name = \"a\"; device = \"/dev/a\"; connection = \"none\";"
	"   model = \"dummy\"; timeout = 10; prefixes = [ \"+97699\" ];"
	"   balance = { ussd = \"*100#\"; pattern = \"is ([0-9]+)\";"
	"   every = 600; low = 1000; }; },\n"
	" { name = \"b\"; device = \"/dev/b\"; connection = \"none\";"
	"   model = \"dummy\"; timeout = 10; prefixes = [ \"+97688\" ];"
	"   balance = { ussd = \"*200#\"; pattern = \"is ([0-9]+)\";"
	"   every = 600; low = 500; }; }\n"
	");\n";

struct fixture {
	struct conf *conf;
	struct store *store;
	int saved_stderr;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	assert_non_null(f);
	f->conf = cu_load_text(conf_text);
	modem_fake_reset();
	assert_non_null(f->store = store_open(":memory:", 1, err,
	    sizeof(err)));
	fflush(stderr);
	f->saved_stderr = dup(2);
	assert_true(freopen("/dev/null", "w", stderr) != NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->store);
	conf_free(f->conf);
	fflush(stderr);
	dup2(f->saved_stderr, 2);
	close(f->saved_stderr);
	free(f);
	return 0;
}

/* The gateway that drives modem name. */
static struct gateway *
gw_for(struct fixture *f, const char *name)
{
	struct gateway *gw;

	assert_non_null(gw = gateway_new(&modem_fake_ops, f->store, f->conf));
	assert_int_equal(gateway_use_modem(gw, name), 0);
	return gw;
}

/* Passes from *now for seconds, a second apart. */
static void
run_for(struct gateway *gw, int64_t *now, int seconds)
{
	int i;

	while (seconds-- > 0) {
		(*now)++;
		for (i = 0; i < 100 && gateway_run_once(gw, *now) == 0; i++)
			;
	}
}

/* The alerts to TECH: how many, the text and modem of the last queued,
 * and whether it was sent. */
struct alerts {
	int n;
	int64_t id;
	char text[512], modem[32], state[16];
};

static int
alert_row(void *arg, const struct store_out *o)
{
	struct alerts *a = arg;

	if (o->kind != STORE_OUT_ALERT || strcmp(o->number, TECH) != 0)
		return 0;
	a->n++;
	if (o->id > a->id) {
		a->id = o->id;
		snprintf(a->text, sizeof(a->text), "%s", o->text);
		snprintf(a->modem, sizeof(a->modem), "%s",
		    o->modem != NULL ? o->modem : "");
		snprintf(a->state, sizeof(a->state), "%s", o->state);
	}
	return 0;
}

static struct alerts
alerts(struct fixture *f)
{
	struct store_filter flt;
	struct alerts a;

	memset(&a, 0, sizeof(a));
	memset(&flt, 0, sizeof(flt));
	flt.urgent = -1;
	assert_int_equal(store_list_outbox(f->store, &flt, alert_row, &a), 0);
	return a;
}

static int
is_open(struct fixture *f, const char *name)
{
	struct store_health h;
	int r = store_health_get(f->store, name, &h);

	assert_true(r >= 0);
	return r == 1 && h.open;
}

/* Each modem asks its own SIM with its own code and judges the answer by
 * its own low; the low one alerts as its own condition, naming it. */
static void
test_each_modem_its_own_credit(void **state)
{
	struct fixture *f = *state;
	struct store_credit c;
	struct gateway *gw;
	struct alerts a;
	int64_t now = T0;

	gw = gw_for(f, "b");
	fake.ussd_reply = "Balance is 400 MNT";
	run_for(gw, &now, 5);
	gateway_free(gw);
	assert_int_equal(fake.ussd_requests, 1);
	assert_string_equal(fake.ussd_code, "*200#");
	assert_int_equal(store_credit_get(f->store, "b", 0, &c), 0);
	assert_int_equal(c.amount, 400);
	assert_int_equal(store_credit_get(f->store, "a", 1, &c), 0);
	assert_false(c.known);
	assert_true(is_open(f, "credit_low:b"));
	assert_false(is_open(f, "credit_low"));
	assert_false(is_open(f, "credit_low:a"));
	a = alerts(f);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.text, "shukher b: SIM credit is low: 400. Top "
	    "up the SIM now, or replies will stop.");

	/* a's 900 is low by a's 1000, b's 400 stays b's */
	modem_fake_reset();
	gw = gw_for(f, "a");
	fake.ussd_reply = "Balance is 900 MNT";
	run_for(gw, &now, 5);
	gateway_free(gw);
	assert_string_equal(fake.ussd_code, "*100#");
	assert_int_equal(store_credit_get(f->store, "a", 1, &c), 0);
	assert_int_equal(c.amount, 900);
	assert_int_equal(store_credit_get(f->store, "b", 0, &c), 0);
	assert_int_equal(c.amount, 400);
	assert_true(is_open(f, "credit_low:a"));
	assert_int_equal(alerts(f).n, 2);
}

/* The gateway's conditions (the clock here) are the first modem's
 * process's alone; its modem's conditions are named per modem too. */
static void
test_gateway_conditions_on_the_first(void **state)
{
	struct fixture *f = *state;
	struct gateway *gw;
	int64_t now = HEALTH_CLOCK_MIN - 1000;

	gw = gw_for(f, "b");
	run_for(gw, &now, 10);
	gateway_free(gw);
	assert_false(is_open(f, "clock_wrong"));
	gw = gw_for(f, "a");
	run_for(gw, &now, 10);
	gateway_free(gw);
	assert_true(is_open(f, "clock_wrong"));
	assert_false(is_open(f, "clock_wrong:a"));
}

/* An open condition of the one modem there was (its plain name) is
 * closed, untold, by the first modem's process once there are several:
 * it would never clear. */
static void
test_plain_rows_of_one_modem_closed(void **state)
{
	struct fixture *f = *state;
	struct store_health h;
	struct gateway *gw;
	int64_t now = T0;
	int c;

	for (c = 0; c < HEALTH_NCOND; c++) {
		if (!health_of_modem((enum health_cond)c))
			continue;
		memset(&h, 0, sizeof(h));
		snprintf(h.name, sizeof(h.name), "%s",
		    health_name((enum health_cond)c));
		h.open = 1;
		h.told = 1;
		h.since = T0 - 100;
		h.alerted_at = T0 - 100;
		assert_int_equal(store_health_put(f->store, &h), 0);
	}
	gw = gw_for(f, "b");
	run_for(gw, &now, 10);
	gateway_free(gw);
	assert_true(is_open(f, "credit_low"));  /* not b's to close */
	gw = gw_for(f, "a");
	run_for(gw, &now, 10);
	gateway_free(gw);
	for (c = 0; c < HEALTH_NCOND; c++)
		if (health_of_modem((enum health_cond)c))
			assert_false(is_open(f, health_name(
			    (enum health_cond)c)));
	assert_int_equal(alerts(f).n, 0);       /* closed untold */
}

/* The daily summary (the first modem's process) gives each modem's
 * credit, by name, "?" for one never read. */
static void
test_summary_lists_each_credit(void **state)
{
	struct fixture *f = *state;
	char path[] = "/tmp/test_health_modems.XXXXXX", err[512];
	struct conf *conf;
	struct gateway *gw;
	struct tm tm;
	time_t t = (time_t)T0;
	int64_t now = T0;
	FILE *fp;
	int fd;

	assert_non_null(localtime_r(&t, &tm));
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fprintf(fp, "%sdaily_summary = \"%02d:%02d\";\n", conf_text,
	    tm.tm_hour, tm.tm_min);
	fclose(fp);
	if (conf_load(path, &conf, err, sizeof(err)) < 0)
		fail_msg("conf: %s", err);
	unlink(path);
	assert_int_equal(store_credit_put(f->store, "a", 1, 5000, "is 5000",
	    T0), 0);
	assert_non_null(gw = gateway_new(&modem_fake_ops, f->store, conf));
	assert_int_equal(gateway_use_modem(gw, "a"), 0);
	run_for(gw, &now, 10);
	gateway_free(gw);
	conf_free(conf);
	assert_int_equal(alerts(f).n, 1);
	assert_non_null(strstr(alerts(f).text, "; credit a 5000, b ?;"));
}

/* b lost for alert_after: its process queues the alert with no modem,
 * naming b; a sends it at once (b closed), long before failover_after. */
static void
test_lost_modem_alerted_through_another(void **state)
{
	struct fixture *f = *state;
	struct gateway *gw;
	struct alerts a;
	int64_t now = T0;

	gw = gw_for(f, "b");
	fake.fail_open = 1000000;
	run_for(gw, &now, 59);
	assert_int_equal(alerts(f).n, 0);
	run_for(gw, &now, 10);
	gateway_free(gw);
	assert_true(is_open(f, "modem_lost:b"));
	assert_false(is_open(f, "modem_lost"));
	a = alerts(f);
	assert_int_equal(a.n, 1);
	assert_int_equal(strncmp(a.text, "shukher b: the modem was lost for ",
	    34), 0);
	assert_string_equal(a.modem, "");
	assert_string_equal(a.state, "queued");

	modem_fake_reset();
	gw = gw_for(f, "a");
	run_for(gw, &now, 3);
	gateway_free(gw);
	a = alerts(f);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.state, "sent");
	assert_string_equal(a.modem, "a");
	assert_int_equal(fake.nsent, 1);
	assert_string_equal(fake.sent[0].number, TECH);
}

/* The rule kept: a row with no modem for a working modem's prefixes is
 * that modem's; a does not take it. */
static void
test_working_modem_keeps_its_numbers(void **state)
{
	struct fixture *f = *state;
	struct store_modem_state st;
	struct gateway *gw;
	int64_t now = T0;

	memset(&st, 0, sizeof(st));
	st.connected = 1;
	st.sim_used = -1;
	st.updated_at = T0 + 1;
	assert_int_equal(store_modem_put(f->store, "b", &st, 0), 0);
	assert_true(store_outbox_add(f->store, TECH, "x", STORE_OUT_ALERT, 0,
	    T0) > 0);
	gw = gw_for(f, "a");
	run_for(gw, &now, 3);
	gateway_free(gw);
	assert_int_equal(fake.nsent, 0);
	assert_string_equal(alerts(f).state, "queued");
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_cond_names),
		cmocka_unit_test(test_texts_name_the_modem),
		cmocka_unit_test(test_credit_per_modem),
		cmocka_unit_test(test_old_credit_kept_across_the_upgrade),
	};
	const struct CMUnitTest gws[] = {
		cmocka_unit_test_setup_teardown(test_each_modem_its_own_credit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_gateway_conditions_on_the_first, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_plain_rows_of_one_modem_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_summary_lists_each_credit, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_lost_modem_alerted_through_another, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_working_modem_keeps_its_numbers, setup, teardown),
	};
	int failed;

	failed = cmocka_run_group_tests(pure, su_group_setup,
	    su_group_teardown);
	return failed + cmocka_run_group_tests(gws, NULL, NULL);
}
