/*
 * test_health: the gateway's own health. The decisions are tables of
 * cases: each condition's state machine (start, reminder, clear, the rate
 * limit, quiet hours, urgency), the quiet hours' rule, the amount in USSD
 * answers, the alerts' texts in every language. Then the config's health
 * settings with their errors (file and line), the store's tables, and the
 * gateway on the fake modem: the credit asked by USSD, the roster told of
 * low credit once and when it clears, a refused send asking again soon.
 * Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "gateway.h"
#include "health.h"
#include "modem_fake.h"
#include "quiet.h"
#include "store.h"
#include "store_health.h"
#include "store_util.h"

#undef NOW                       /* store_util.h's: ours is later */
#define NOW 1764390000
#define TECH "+97688000001"

/* ---- the state machine ------------------------------------------------- */

/* One look: what holds at t, and the alert expected. */
struct step_case {
	int t;                   /* seconds after NOW */
	int bad, urgent, quiet;
	enum health_alert want;
};

/* Runs a sequence of looks on one condition with alert_every = 100. */
static void
run_steps(const char *name, const struct step_case *c, size_t n)
{
	struct health_state s = { 0, 0, 0, 0 };
	enum health_alert a;
	size_t i;

	for (i = 0; i < n; i++) {
		a = health_step(&s, c[i].bad, c[i].urgent, c[i].quiet, 100,
		    NOW + c[i].t);
		if (a != c[i].want)
			fail_msg("%s, look %zu (t=%d): alert %d, expected %d",
			    name, i, c[i].t, (int)a, (int)c[i].want);
		assert_int_equal(s.open, c[i].bad);
	}
}

static void
test_step_table(void **state)
{
	/* starts once, reminds every 100 s, clears once */
	static const struct step_case plain[] = {
		{ 0, 0, 0, 0, HEALTH_NONE },
		{ 5, 1, 0, 0, HEALTH_START },
		{ 6, 1, 0, 0, HEALTH_NONE },
		{ 104, 1, 0, 0, HEALTH_NONE },
		{ 105, 1, 0, 0, HEALTH_REMIND },
		{ 150, 1, 0, 0, HEALTH_NONE },
		{ 205, 1, 0, 0, HEALTH_REMIND },
		{ 206, 0, 0, 0, HEALTH_CLEAR },
		{ 207, 0, 0, 0, HEALTH_NONE },
		{ 500, 0, 0, 0, HEALTH_NONE },
	};
	/* flapping: a new start waits for alert_every after the last start;
	 * a condition gone before its start was sent needs no clear */
	static const struct step_case flap[] = {
		{ 0, 1, 0, 0, HEALTH_START },
		{ 10, 0, 0, 0, HEALTH_CLEAR },
		{ 20, 1, 0, 0, HEALTH_NONE },
		{ 30, 0, 0, 0, HEALTH_NONE },
		{ 40, 1, 0, 0, HEALTH_NONE },
		{ 100, 1, 0, 0, HEALTH_START },
		{ 110, 0, 0, 0, HEALTH_CLEAR },
	};
	/* quiet hours hold back what is not urgent, and send it after */
	static const struct step_case quiet[] = {
		{ 0, 1, 0, 1, HEALTH_NONE },
		{ 50, 1, 0, 1, HEALTH_NONE },
		{ 60, 1, 0, 0, HEALTH_START },
		{ 70, 0, 0, 1, HEALTH_NONE },
		{ 80, 0, 0, 1, HEALTH_NONE },
		{ 90, 0, 0, 0, HEALTH_CLEAR },
		/* started and gone in the night: never told */
		{ 300, 1, 0, 1, HEALTH_NONE },
		{ 310, 0, 0, 1, HEALTH_NONE },
		{ 320, 0, 0, 0, HEALTH_NONE },
	};
	/* urgent: quiet hours do not hold it */
	static const struct step_case urgent[] = {
		{ 0, 1, 1, 1, HEALTH_START },
		{ 100, 1, 1, 1, HEALTH_REMIND },
		{ 120, 0, 1, 1, HEALTH_CLEAR },
	};
	/* a clock set back: the reminder is not held for ever */
	static const struct step_case back[] = {
		{ 1000, 1, 0, 0, HEALTH_START },
		{ 10, 1, 0, 0, HEALTH_REMIND },
		{ 20, 1, 0, 0, HEALTH_NONE },
	};

	(void)state;
	run_steps("plain", plain, sizeof(plain) / sizeof(plain[0]));
	run_steps("flap", flap, sizeof(flap) / sizeof(flap[0]));
	run_steps("quiet", quiet, sizeof(quiet) / sizeof(quiet[0]));
	run_steps("urgent", urgent, sizeof(urgent) / sizeof(urgent[0]));
	run_steps("back", back, sizeof(back) / sizeof(back[0]));
}

static void
test_urgent_and_names(void **state)
{
	int c;

	(void)state;
	for (c = 0; c < HEALTH_NCOND; c++)
		assert_string_not_equal(health_name((enum health_cond)c), "?");
	assert_string_equal(health_name(HEALTH_NCOND), "?");
	assert_true(health_urgent(HEALTH_MODEM));
	assert_true(health_urgent(HEALTH_DISK));
	assert_true(health_urgent(HEALTH_SENDS));
	assert_false(health_urgent(HEALTH_CREDIT));
	assert_false(health_urgent(HEALTH_SIM_FULL));
	assert_false(health_urgent(HEALTH_CLOCK));
}

/* ---- quiet hours --------------------------------------------------------- */

static void
test_quiet_minute_table(void **state)
{
	static const struct { int from, to, minute, want; } c[] = {
		{ 22 * 60, 8 * 60, 23 * 60, 1 },    /* past midnight */
		{ 22 * 60, 8 * 60, 22 * 60, 1 },    /* from is in */
		{ 22 * 60, 8 * 60, 21 * 60 + 59, 0 },
		{ 22 * 60, 8 * 60, 0, 1 },
		{ 22 * 60, 8 * 60, 7 * 60 + 59, 1 },
		{ 22 * 60, 8 * 60, 8 * 60, 0 },     /* to is out */
		{ 22 * 60, 8 * 60, 12 * 60, 0 },
		{ 13 * 60, 14 * 60, 13 * 60 + 30, 1 }, /* the same day */
		{ 13 * 60, 14 * 60, 14 * 60, 0 },
		{ 13 * 60, 14 * 60, 12 * 60, 0 },
		{ -1, -1, 0, 0 },                   /* none */
		{ 600, 600, 600, 0 },               /* empty */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (quiet_minute(c[i].from, c[i].to, c[i].minute) != c[i].want)
			fail_msg("case %zu: %d-%d at %d: expected %d", i,
			    c[i].from, c[i].to, c[i].minute, c[i].want);
}

/* ---- texts ---------------------------------------------------------------- */

/* Characters (code points) of UTF-8 s. */
static size_t
chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void
test_texts(void **state)
{
	static const enum health_alert kinds[] = { HEALTH_START,
	    HEALTH_REMIND, HEALTH_CLEAR };
	char out[480];
	size_t k, n, max;
	int c, l;

	(void)state;
	for (c = 0; c < HEALTH_NCOND; c++)
		for (l = 0; l < LANG_COUNT; l++)
			for (k = 0; k < 3; k++) {
				n = health_text((enum health_cond)c, kinds[k],
				    (enum lang)l, "1234", out, sizeof(out));
				assert_int_equal(n, strlen(out));
				if (strncmp(out, "shukher", 7) != 0)
					fail_msg("%d/%d/%zu: %s", c, l, k, out);
				/* two parts at most: 306 GSM-7, 134 UCS-2 */
				max = l == LANG_MN ? 134 : 306;
				if (chars(out) > max)
					fail_msg("%d/%d/%zu too long: %s", c, l,
					    k, out);
				if (kinds[k] == HEALTH_REMIND &&
				    strstr(out, "(") == NULL)
					fail_msg("reminder unmarked: %s", out);
			}
	health_text(HEALTH_CREDIT, HEALTH_START, LANG_EN, "850", out,
	    sizeof(out));
	assert_string_equal(out, "shukher: SIM credit is low: 850. Top up the "
	    "SIM now, or replies will stop.");
	health_text(HEALTH_CREDIT, HEALTH_REMIND, LANG_EN, "850", out,
	    sizeof(out));
	assert_string_equal(out, "shukher: SIM credit is low: 850. Top up the "
	    "SIM now, or replies will stop (still).");
	/* cut to fit, at a character boundary */
	n = health_text(HEALTH_CREDIT, HEALTH_START, LANG_MN, "850", out, 20);
	assert_true(n < 20);
	assert_int_equal(chars(out) * 1, chars(out));
	assert_int_equal(health_text(HEALTH_CREDIT, HEALTH_NONE, LANG_EN, "",
	    out, sizeof(out)), 0);
}

/* ---- the amount in an answer --------------------------------------------- */

static void
test_credit_parse_table(void **state)
{
	static const struct {
		const char *pattern, *answer;
		long long want;          /* -1: no amount */
	} c[] = {
		{ "balance is ([0-9,.]+)", "Your balance is 1,234.50 MNT.",
		    1234 },
		{ "balance is ([0-9,.]+)", "Your balance is 850 MNT", 850 },
		{ "balance is ([0-9,.]+)", "Your balance is 1234,50", 1234 },
		{ "balance is ([0-9,.]+)", "Balance: 12", -1 },
		{ "үлдэгдэл ([0-9]+)", "Таны үлдэгдэл 850₮. 2027.01.01", 850 },
		{ "([0-9][0-9,]*([.][0-9]+)?)", "Uldegdel 25,000.00 tug",
		    25000 },
		{ "([0-9][0-9,]*([.][0-9]+)?)", "no digits here", -1 },
		{ "Bal(a*)nce", "Balnce 100", -1 },   /* group without digits */
		{ "([0-9 ]+)", "1 000 000", 1000000 },
		{ "([0-9]+)", "99999999999999999999", -1 }, /* too long */
	};
	struct conf_balance b;
	int64_t amount;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&b, 0, sizeof(b));
		assert_int_equal(regcomp(&b.re, c[i].pattern, REG_EXTENDED), 0);
		b.compiled = 1;
		amount = -7;
		r = health_credit_parse(&b, c[i].answer, &amount);
		if (c[i].want < 0 ? r != -1 : r != 0 || amount != c[i].want)
			fail_msg("case %zu (%s): r %d amount %lld, expected "
			    "%lld", i, c[i].answer, r, (long long)amount,
			    c[i].want);
		regfree(&b.re);
	}
	memset(&b, 0, sizeof(b));
	assert_int_equal(health_credit_parse(&b, "1", &amount), -1);
}

/* ---- the config ----------------------------------------------------------- */

static char scratch[64];

/* Writes the minimal config with extra appended (and modem_extra in a
 * modem group) to a scratch file; loads it. */
static int
load_with(const char *modem_extra, const char *extra, struct conf **conf,
    char *err, size_t errlen, char *path, size_t pathlen)
{
	FILE *fp;

	snprintf(path, pathlen, "%s/health.conf", scratch);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "database = \"%s/db\";\n"
	    "keywords = ( { name = \"help\"; words = [ \"HELP\" ];\n"
	    "  reply = { en = \"Police 102.\"; }; } );\n"
	    "modem = { device = \"/dev/null\"; connection = \"none\";\n"
	    "  model = \"dummy\";\n%s\n};\n%s\n", scratch, modem_extra, extra);
	fclose(fp);
	return conf_load(path, conf, err, errlen);
}

static void
test_conf_defaults_and_values(void **state)
{
	struct conf *conf;
	char err[512], path[128];

	(void)state;
	if (load_with("", "", &conf, err, sizeof(err), path,
	    sizeof(path)) < 0)
		fail_msg("%s", err);
	assert_null(conf->modem.balance.ussd);
	assert_int_equal(conf->health.ntechnicians, 0);
	assert_int_equal(conf->health.alert_after, 600);
	assert_int_equal(conf->health.alert_every, 21600);
	assert_int_equal(conf->health.quiet_from, -1);
	assert_int_equal(conf->health.daily_summary, -1);
	assert_int_equal(conf->health.failed_sends, 5);
	assert_int_equal(quiet_hours_now(conf, NOW), 0);
	conf_free(conf);

	if (load_with("balance = { ussd = \"*211#\"; pattern = \"is "
	    "([0-9]+)\"; every = 3600; low = 500; };",
	    "technicians = [ \"" TECH "\" ];\nalert_after = 60;\n"
	    "alert_every = 120;\nquiet_hours = \"22:30-07:15\";\n"
	    "daily_summary = \"09:05\";\nalert_failed_sends = 3;",
	    &conf, err, sizeof(err), path, sizeof(path)) < 0)
		fail_msg("%s", err);
	assert_string_equal(conf->modem.balance.ussd, "*211#");
	assert_int_equal(conf->modem.balance.every, 3600);
	assert_int_equal(conf->modem.balance.low, 500);
	assert_int_equal(conf->health.ntechnicians, 1);
	assert_string_equal(conf->health.technicians[0], TECH);
	assert_int_equal(conf->health.alert_after, 60);
	assert_int_equal(conf->health.alert_every, 120);
	assert_int_equal(conf->health.quiet_from, 22 * 60 + 30);
	assert_int_equal(conf->health.quiet_to, 7 * 60 + 15);
	assert_int_equal(conf->health.daily_summary, 9 * 60 + 5);
	assert_int_equal(conf->health.failed_sends, 3);
	conf_free(conf);

	/* a balance without a pattern takes the first number */
	if (load_with("balance = { ussd = \"*211#\"; };", "", &conf, err,
	    sizeof(err), path, sizeof(path)) < 0)
		fail_msg("%s", err);
	assert_int_equal(conf->modem.balance.compiled, 1);
	assert_int_equal(conf->modem.balance.every, 21600);
	assert_int_equal(conf->modem.balance.low, 1000);
	conf_free(conf);
}

/* Each mistake: refused with the file, the line (the line of the setting
 * in the scratch file) and a word of the reason. */
static void
test_conf_errors(void **state)
{
	static const struct {
		const char *modem, *extra, *line, *word;
	} c[] = {
		{ "balance = { ussd = \"*211#\"; pattern = \"(\"; };", "", ":6:",
		    "pattern: not a POSIX" },
		{ "balance = { ussd = \"*211#\"; pattern = \"[0-9]+\"; };", "",
		    ":6:", "needs a group" },
		{ "balance = { pattern = \"([0-9]+)\"; };", "", ":6:",
		    "ussd" },
		{ "balance = { ussd = \"call me\"; };", "", ":6:",
		    "expected a code" },
		{ "balance = { ussd = \"*211#\"; every = 5; };", "", ":6:",
		    "every" },
		{ "balance = { ussd = \"*211#\"; lo = 5; };", "", ":6:",
		    "unknown setting \"lo\"" },
		{ "balance = \"*211#\";", "", ":6:", "balance: expected a group" },
		{ "", "technicians = [ \"99112233\" ];", ":8:",
		    "technicians[0]" },
		{ "", "quiet_hours = \"22:00\";", ":8:", "quiet_hours" },
		{ "", "quiet_hours = \"25:00-08:00\";", ":8:", "quiet_hours" },
		{ "", "quiet_hours = \"08:00-08:00\";", ":8:", "quiet_hours" },
		{ "", "daily_summary = \"9am\";", ":8:", "daily_summary" },
		{ "", "alert_every = 0;", ":8:", "alert_every" },
		{ "", "alert_failed_sends = 0;", ":8:", "alert_failed_sends" },
	};
	struct conf *conf;
	char err[512], path[128], want[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		conf = NULL;
		if (load_with(c[i].modem, c[i].extra, &conf, err, sizeof(err),
		    path, sizeof(path)) == 0)
			fail_msg("case %zu loaded", i);
		snprintf(want, sizeof(want), "%s%s", path, c[i].line);
		if (strncmp(err, want, strlen(want)) != 0 ||
		    strstr(err, c[i].word) == NULL)
			fail_msg("case %zu: \"%s\", expected \"%s\" and \"%s\"",
			    i, err, want, c[i].word);
	}
}

/* ---- the store ------------------------------------------------------------ */

static int
count_open(void *arg, const struct store_health *h)
{
	int *n = arg;

	(void)h;
	(*n)++;
	return 0;
}

static void
test_store_tables(void **state)
{
	struct store_credit c;
	struct store_health h, got;
	struct store *store;
	char err[256];
	int n = 0;

	(void)state;
	assert_non_null(store = store_open(":memory:", 1, err, sizeof(err)));
	assert_int_equal(store_credit_get(store, "modem", 1, &c), 0);
	assert_int_equal(c.known, 0);
	assert_int_equal(store_credit_failed(store, "modem", 1, "no answer",
	    NULL, NOW), 0);
	assert_int_equal(store_credit_get(store, "modem", 1, &c), 0);
	assert_int_equal(c.known, 0);
	assert_string_equal(c.error, "no answer");
	assert_int_equal(store_credit_put(store, "modem", 1, 850,
	    "balance is 850", NOW + 1), 0);
	assert_int_equal(store_credit_get(store, "modem", 1, &c), 0);
	assert_int_equal(c.known, 1);
	assert_int_equal(c.amount, 850);
	assert_int_equal(c.at, NOW + 1);
	assert_string_equal(c.error, "");
	/* a failure later keeps the amount, and the answer that failed */
	assert_int_equal(store_credit_failed(store, "modem", 1, "no match",
	    "garbled", NOW + 2), 0);
	assert_int_equal(store_credit_get(store, "modem", 1, &c), 0);
	assert_int_equal(c.amount, 850);
	assert_int_equal(c.at, NOW + 1);
	assert_int_equal(c.checked_at, NOW + 2);
	assert_string_equal(c.answer, "garbled");

	assert_int_equal(store_health_get(store, "credit_low", &got), 0);
	assert_string_equal(got.name, "credit_low");
	memset(&h, 0, sizeof(h));
	snprintf(h.name, sizeof(h.name), "credit_low");
	h.open = 1, h.since = NOW, h.alerted_at = NOW, h.told = 1;
	snprintf(h.detail, sizeof(h.detail), "850");
	assert_int_equal(store_health_put(store, &h), 0);
	snprintf(h.name, sizeof(h.name), "disk_low");
	h.open = 0;
	assert_int_equal(store_health_put(store, &h), 0);
	assert_int_equal(store_health_get(store, "credit_low", &got), 1);
	assert_int_equal(got.open, 1);
	assert_int_equal(got.told, 1);
	assert_string_equal(got.detail, "850");
	assert_int_equal(store_health_list_open(store, count_open, &n), 0);
	assert_int_equal(n, 1);
	store_close(store);
}

/* ---- the gateway on the fake modem --------------------------------------- */

struct gw_fixture {
	struct conf *conf;
	struct store *store;
	struct gateway *gw;
	int64_t now;
};

static int
count_to(void *arg, const struct store_out *o)
{
	int *n = arg;

	if (o->number != NULL && strcmp(o->number, TECH) == 0 &&
	    o->kind == STORE_OUT_ALERT)
		(*n)++;
	return 0;
}

/* Alerts queued or sent to TECH. */
static int
alerts(struct gw_fixture *f)
{
	struct store_filter flt;
	int n = 0;

	memset(&flt, 0, sizeof(flt));
	flt.urgent = -1;
	assert_int_equal(store_list_outbox(f->store, &flt, count_to, &n), 0);
	return n;
}

static void
run_for(struct gw_fixture *f, int seconds)
{
	int i;

	while (seconds-- > 0) {
		f->now++;
		for (i = 0; i < 100 && gateway_run_once(f->gw, f->now) == 0;
		    i++)
			;
	}
}

static void
gw_setup_at(struct gw_fixture *f, const char *extra, const char *db)
{
	char err[512], path[128], top[512];

	modem_fake_reset();
	snprintf(top, sizeof(top), "technicians = [ \"" TECH "\" ];\n"
	    "alert_every = 3600;\nlanguage = \"en\";\n%s", extra);
	if (load_with("balance = { ussd = \"*211#\"; pattern = \"is "
	    "([0-9]+)\"; every = 600; low = 1000; };", top, &f->conf, err,
	    sizeof(err), path, sizeof(path)) < 0)
		fail_msg("%s", err);
	assert_non_null(f->store = store_open(db, 1, err, sizeof(err)));
	assert_non_null(f->gw = gateway_new(&modem_fake_ops, f->store,
	    f->conf));
	f->now = NOW;
}

static void
gw_setup_with(struct gw_fixture *f, const char *extra)
{
	gw_setup_at(f, extra, ":memory:");
}

static void
gw_setup(struct gw_fixture *f)
{
	gw_setup_with(f, "");
}

static void
gw_teardown(struct gw_fixture *f)
{
	gateway_free(f->gw);
	store_close(f->store);
	conf_free(f->conf);
}

static void
test_gateway_credit_alerts(void **state)
{
	struct gw_fixture f;
	struct store_credit c;

	(void)state;
	gw_setup(&f);
	fake.ussd_reply = NULL;          /* the network is slow */
	run_for(&f, 3);
	assert_int_equal(fake.ussd_requests, 1);
	assert_string_equal(fake.ussd_code, "*211#");
	fake.ussd_reply = "Your balance is 850 MNT";
	run_for(&f, 10);
	assert_int_equal(store_credit_get(f.store, "modem", 1, &c), 0);
	assert_int_equal(c.amount, 850);
	assert_int_equal(alerts(&f), 1);
	/* rechecked at every: still low, no second alert */
	run_for(&f, 620);
	assert_int_equal(fake.ussd_requests, 2);
	assert_int_equal(alerts(&f), 1);
	/* topped up: one clear */
	fake.ussd_reply = "Your balance is 5000 MNT";
	run_for(&f, 620);
	assert_int_equal(fake.ussd_requests, 3);
	assert_int_equal(store_credit_get(f.store, "modem", 1, &c), 0);
	assert_int_equal(c.amount, 5000);
	assert_int_equal(alerts(&f), 2);
	gw_teardown(&f);
}

/* An alert the outbox cannot take is not taken for sent: once the
 * outbox works again it goes out, not an alert_every later. */
static void
test_gateway_alert_queued_with_its_row(void **state)
{
	struct gw_fixture f;
	struct store_health h;
	const char *db;

	(void)state;
	assert_int_equal(su_group_setup(NULL), 0);
	db = su_path_for("health.db");
	gw_setup_at(&f, "", db);
	su_raw_sql(db, "CREATE TRIGGER no_alert BEFORE INSERT ON outbox"
	    " WHEN NEW.kind = 2 BEGIN SELECT RAISE(ABORT, 'full'); END;");
	fake.ussd_reply = "Your balance is 850 MNT";
	run_for(&f, 10);
	assert_int_equal(alerts(&f), 0);
	assert_true(store_health_get(f.store, "credit_low", &h) == 0 ||
	    h.told == 0);
	su_raw_sql(db, "DROP TRIGGER no_alert;");
	run_for(&f, 120);
	assert_int_equal(alerts(&f), 1);
	assert_int_equal(store_health_get(f.store, "credit_low", &h), 1);
	assert_int_equal(h.told, 1);
	gw_teardown(&f);
	assert_int_equal(su_group_teardown(NULL), 0);
}

/* A credit the database cannot give is not a credit fine again: the
 * open condition stays open and no clear goes out. */
static void
test_gateway_unreadable_credit_clears_nothing(void **state)
{
	struct gw_fixture f;
	struct store_health h;
	const char *db;

	(void)state;
	assert_int_equal(su_group_setup(NULL), 0);
	db = su_path_for("health.db");
	gw_setup_at(&f, "", db);
	fake.ussd_reply = "Your balance is 850 MNT";
	run_for(&f, 10);
	assert_int_equal(alerts(&f), 1);
	su_raw_sql(db, "ALTER TABLE credit RENAME TO credit_gone;");
	run_for(&f, 300);
	assert_int_equal(alerts(&f), 1);
	assert_int_equal(store_health_get(f.store, "credit_low", &h), 1);
	assert_int_equal(h.open, 1);
	gw_teardown(&f);
	assert_int_equal(su_group_teardown(NULL), 0);
}

static void
test_gateway_credit_failures(void **state)
{
	struct gw_fixture f;
	struct store_credit c;

	(void)state;
	gw_setup(&f);
	/* no answer within modem.timeout: failed, tried again later */
	fake.ussd_reply = NULL;
	run_for(&f, f.conf->modem.timeout + 3);
	assert_int_equal(store_credit_get(f.store, "modem", 1, &c), 0);
	assert_int_equal(c.known, 0);
	assert_non_null(strstr(c.error, "no USSD answer"));
	assert_int_equal(fake.ussd_requests, 1);
	/* an answer that does not match: kept with the error */
	fake.ussd_reply = "Service unavailable";
	run_for(&f, 610);
	assert_int_equal(fake.ussd_requests, 2);
	assert_int_equal(store_credit_get(f.store, "modem", 1, &c), 0);
	assert_int_equal(c.known, 0);
	assert_string_equal(c.answer, "Service unavailable");
	/* refused by the modem */
	fake.ussd_fail = 1;
	run_for(&f, 610);
	assert_int_equal(fake.ussd_requests, 3);
	assert_int_equal(store_credit_get(f.store, "modem", 1, &c), 0);
	assert_string_equal(c.error, "USSD refused");
	assert_int_equal(alerts(&f), 0);
	gw_teardown(&f);
}

/* A send the network refuses asks the credit again soon, not at every. */
static void
test_gateway_refused_send_asks_credit(void **state)
{
	struct gw_fixture f;

	(void)state;
	gw_setup(&f);
	fake.ussd_reply = "Your balance is 5000 MNT";
	run_for(&f, 5);
	assert_int_equal(fake.ussd_requests, 1);
	run_for(&f, 400);
	assert_int_equal(fake.ussd_requests, 1);
	fake.fail_send = 1;
	fake.fail_send_rc = -2;
	assert_true(store_outbox_add(f.store, "+97699112233", "hi",
	    STORE_OUT_MANUAL, 0, f.now) > 0);
	run_for(&f, 3);
	assert_int_equal(fake.ussd_requests, 2);
	gw_teardown(&f);
}

/* Sends failing alert_failed_sends times in a row alert (urgent); the
 * first that goes out clears it. */
static void
test_gateway_sends_failing(void **state)
{
	struct gw_fixture f;
	struct store_health h;
	int i;

	(void)state;
	gw_setup_with(&f, "alert_failed_sends = 3;\n");
	fake.ussd_reply = "Your balance is 5000 MNT";
	fake.fail_send = 1000;
	fake.fail_send_rc = -2;
	for (i = 0; i < 2; i++)
		assert_true(store_outbox_add(f.store, "+97699112233", "hi",
		    STORE_OUT_MANUAL, 0, f.now) > 0);
	run_for(&f, 200);
	assert_int_equal(store_health_get(f.store, "sends_failing", &h), 1);
	assert_int_equal(h.open, 1);
	assert_int_equal(alerts(&f), 1);
	fake.fail_send = 0;
	run_for(&f, 3700);
	assert_int_equal(store_health_get(f.store, "sends_failing", &h), 1);
	assert_int_equal(h.open, 0);
	assert_int_equal(alerts(&f), 2);
	gw_teardown(&f);
}

/* A SIM that stays full (the daemon cannot read it) for alert_after. */
static void
test_gateway_sim_full(void **state)
{
	struct gw_fixture f;
	struct store_health h;
	int i;

	(void)state;
	gw_setup_with(&f, "alert_after = 100;\n");
	fake.ussd_reply = "Your balance is 5000 MNT";
	for (i = 0; i < FAKE_SIM_SIZE; i++)
		modem_fake_put("+97699112233", "x", 0, 1, 1);
	fake.fail_read = 1000000;
	run_for(&f, 90);
	assert_int_equal(store_health_get(f.store, "sim_full", &h), 0);
	run_for(&f, 100);
	assert_int_equal(store_health_get(f.store, "sim_full", &h), 1);
	assert_int_equal(h.open, 1);
	assert_string_equal(h.detail, "64/64");
	assert_int_equal(alerts(&f), 1);
	gw_teardown(&f);
}

/* The disk's measure walks up to a directory that exists. */
static void
test_disk_free(void **state)
{
	unsigned long long mb = 0;
	char dir[128];

	(void)state;
	assert_int_equal(health_disk_free("/tmp/no/such/dir/shukher.db", dir,
	    sizeof(dir), &mb), 0);
	assert_string_equal(dir, "/tmp");
	assert_true(mb > 0);
	assert_int_equal(health_clock(HEALTH_CLOCK_MIN - 1, 0, 0), 2);
	assert_int_equal(health_clock(NOW, 1, NOW + 121), 1);
	assert_int_equal(health_clock(NOW, 1, NOW - 120), 0);
	assert_int_equal(health_clock(NOW, 0, 0), 0);
}

static int
setup_scratch(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "/tmp/test_health.XXXXXX");
	return mkdtemp(scratch) == NULL ? -1 : 0;
}

static int
teardown_scratch(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/health.conf", scratch);
	unlink(path);
	rmdir(scratch);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_table),
		cmocka_unit_test(test_urgent_and_names),
		cmocka_unit_test(test_quiet_minute_table),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_credit_parse_table),
		cmocka_unit_test(test_conf_defaults_and_values),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_store_tables),
		cmocka_unit_test(test_gateway_credit_alerts),
		cmocka_unit_test(test_gateway_alert_queued_with_its_row),
		cmocka_unit_test(test_gateway_unreadable_credit_clears_nothing),
		cmocka_unit_test(test_gateway_credit_failures),
		cmocka_unit_test(test_gateway_refused_send_asks_credit),
		cmocka_unit_test(test_gateway_sends_failing),
		cmocka_unit_test(test_gateway_sim_full),
		cmocka_unit_test(test_disk_free),
	};

	return cmocka_run_group_tests(tests, setup_scratch, teardown_scratch);
}
