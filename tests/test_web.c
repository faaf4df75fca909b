/*
 * test_web: the console's building blocks, as an attacker and a caseworker
 * would meet them: a report text with markup or broken bytes is shown as
 * text and never as markup; forms decode the way browsers encode them and
 * malformed ones are refused; the cookie parser finds only the cookie
 * asked for; every interface string has both languages; the statistics
 * chart counts what the store counted, day by day with no gaps, and a
 * keyword name with markup stays text inside the SVG. A Host header
 * names this console or the request is refused (DNS rebinding).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unictype.h>
#include <unistr.h>

#include "casework.h"
#include "conf.h"
#include "store.h"
#include "../src/web.h"

static char *
escaped(const char *s)
{
	struct web_buf b = { 0 };

	wb_text(&b, s);
	assert_false(b.oom);
	return b.p != NULL ? b.p : strdup("");
}

static void
test_text_is_escaped(void **state)
{
	char *out;

	out = escaped("<script>alert(\"x\")</script> & 'y'");
	assert_string_equal(out, "&lt;script&gt;alert(&quot;x&quot;)"
	    "&lt;/script&gt; &amp; &#39;y&#39;");
	free(out);
	/* An attribute value cannot be closed from inside. */
	out = escaped("\" onmouseover=\"alert(1)");
	assert_null(strchr(out, '"'));
	free(out);
	/* Cyrillic passes unchanged. */
	out = escaped("Тусламж хэрэгтэй");
	assert_string_equal(out, "Тусламж хэрэгтэй");
	free(out);
}

static void
test_bad_bytes_and_controls(void **state)
{
	char *out;

	/* A lone continuation byte and a truncated sequence become U+FFFD,
	 * so that no half character can eat the markup after it. */
	out = escaped("a\x80<b\xd0");
	assert_string_equal(out, "a\xef\xbf\xbd&lt;b\xef\xbf\xbd");
	free(out);
	/* Controls go; newline and tab stay (pre-wrap shows them). */
	out = escaped("x\x01\x1b[31my\n\tz\x7f");
	assert_string_equal(out, "x[31my\n\tz");
	free(out);
	out = escaped(NULL);
	assert_string_equal(out, "");
	free(out);
}

static void
test_form_decodes_as_browsers_encode(void **state)
{
	struct web_form f;
	const char body[] = "csrf=ab12&text=%D0%A2%D1%83%D1%81+a%26b%3D1"
	    "&empty=&flag&&outcome=safe+now";

	assert_int_equal(web_form_parse(&f, body, strlen(body)), 0);
	assert_string_equal(web_form_get(&f, "csrf"), "ab12");
	assert_string_equal(web_form_get(&f, "text"), "Тус a&b=1");
	assert_string_equal(web_form_get(&f, "empty"), "");
	assert_string_equal(web_form_get(&f, "flag"), "");
	assert_string_equal(web_form_get(&f, "outcome"), "safe now");
	assert_null(web_form_get(&f, "missing"));
	web_form_free(&f);
}

static void
test_form_malformed_is_refused(void **state)
{
	static const char *const bad[] = { "a=%zz", "a=%4", "a=%", "a=%00b" };
	struct web_form f;
	char many[512] = "";
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(web_form_parse(&f, bad[i], strlen(bad[i])),
		    -1);
		web_form_free(&f);
	}
	/* A NUL inside the body. */
	assert_int_equal(web_form_parse(&f, "a=1\0b=2", 7), -1);
	web_form_free(&f);
	/* More fields than any form of ours has. */
	for (i = 0; i < WEB_FORM_MAX + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "f%zu=1&", i);
	assert_int_equal(web_form_parse(&f, many, strlen(many)), -1);
	web_form_free(&f);
}

static void
test_cookie(void **state)
{
	char v[80];

	assert_true(web_cookie("lang=en; sid=abc123; xsid=no", "sid", v,
	    sizeof(v)));
	assert_string_equal(v, "abc123");
	assert_true(web_cookie("xsid=no;sid=yes", "sid", v, sizeof(v)));
	assert_string_equal(v, "yes");
	assert_false(web_cookie("xsid=no; sidx=no", "sid", v, sizeof(v)));
	assert_false(web_cookie(NULL, "sid", v, sizeof(v)));
	/* Too long for the buffer: not found, never cut. */
	assert_false(web_cookie("sid=0123456789", "sid", v, 8));
}

static int
count_char(const char *s, char c)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

static void
test_every_string_in_both_languages(void **state)
{
	int s, e;

	for (s = 0; s < W_COUNT; s++) {
		assert_string_not_equal(web_t(WEB_MN, (enum web_str)s), "?");
		assert_string_not_equal(web_t(WEB_EN, (enum web_str)s), "?");
	}
	/* The Mongolian is not the English copied. */
	assert_string_not_equal(web_t(WEB_MN, W_QUEUE),
	    web_t(WEB_EN, W_QUEUE));
	/* A sentence names the caseworker in both languages or in neither,
	 * and no string has another conversion. */
	for (s = 0; s < W_COUNT; s++) {
		const char *mn = web_t(WEB_MN, (enum web_str)s);
		const char *en = web_t(WEB_EN, (enum web_str)s);

		assert_int_equal(strstr(mn, "%s") != NULL,
		    strstr(en, "%s") != NULL);
		assert_int_equal(count_char(mn, '%'), strstr(mn, "%s") != NULL);
		assert_int_equal(count_char(en, '%'), strstr(en, "%s") != NULL);
	}
	for (e = CW_NOTFOUND; e <= CW_NOMEM; e++) {
		assert_true(strlen(web_cw_error(WEB_MN, e)) > 0);
		assert_true(strlen(web_cw_error(WEB_EN, e)) > 0);
	}
}

static char *
sentence(enum web_lang lang, const char *kind, const char *actor)
{
	struct web_buf b = { 0 };

	web_entry_sentence(&b, lang, kind, actor);
	assert_false(b.oom);
	return b.p != NULL ? b.p : strdup("");
}

static void
test_timeline_sentences(void **state)
{
	/* Every kind of entry the gateway writes (report_intake.c, report.c,
	 * casework.c, report_cmd.c), and whether it names a caseworker. */
	static const struct { const char *kind; int names; } kinds[] = {
		{ "filed", 0 }, { "message", 0 }, { "ack", 0 }, { "alert", 1 },
		{ "escalate", 1 }, { "claim", 1 }, { "note", 1 }, { "reply", 1 },
		{ "close", 1 },
	};
	enum web_lang lang;
	ucs4_t uc;
	size_t i, n;
	char *out;

	for (lang = WEB_MN; lang <= WEB_EN; lang++)
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			out = sentence(lang, kinds[i].kind, "oyuna");
			/* A sentence: a capital first, a full stop last. */
			assert_true(u8_mbtouc(&uc, (uint8_t *)out,
			    strlen(out)) > 0);
			if (!uc_is_upper(uc))
				fail_msg("%s: %s", kinds[i].kind, out);
			n = strlen(out);
			assert_true(n > 1 && out[n - 1] == '.');
			assert_int_equal(strstr(out, "<b>oyuna</b>") != NULL,
			    kinds[i].names);
			/* Not the kind's own word: a sentence of it. */
			assert_string_not_equal(out, kinds[i].kind);
			free(out);
		}
	/* Who was alerted, by what. */
	out = sentence(WEB_EN, "alert", "oyuna");
	assert_string_equal(out, "Alert sent by SMS to <b>oyuna</b>.");
	free(out);
	out = sentence(WEB_MN, "claim", "батаа");
	assert_string_equal(out, "Ажилтан <b>батаа</b> хариуцсан.");
	free(out);
	/* A name is text, never markup; a missing one is said to be. */
	out = sentence(WEB_EN, "note", "<i>x</i>");
	assert_string_equal(out, "Note added by <b>&lt;i&gt;x&lt;/i&gt;</b>.");
	free(out);
	out = sentence(WEB_EN, "close", NULL);
	assert_string_equal(out, "Closed by <b>unknown</b>.");
	free(out);
	/* A kind newer than the console: shown as it is, escaped. */
	out = sentence(WEB_EN, "<new>", "oyuna");
	assert_string_equal(out, "&lt;new&gt; (<b>oyuna</b>)");
	free(out);
}

static const char *
zoned(const char *tz, int64_t t)
{
	static char out[WEB_TIME_LEN];

	setenv("TZ", tz, 1);
	tzset();
	return web_time(t, out, sizeof(out));
}

static void
test_times_name_their_zone(void **state)
{
	const int64_t t = 1796046120;   /* 2026-11-30 13:42:00 UTC */

	assert_string_equal(zoned("UTC0", t), "2026-11-30 13:42 UTC");
	/* Ulaanbaatar as tzdata names it ("+08") and as POSIX may. */
	assert_string_equal(zoned("<+08>-8", t), "2026-11-30 21:42 UTC+08");
	assert_string_equal(zoned("ULAT-8", t), "2026-11-30 21:42 ULAT");
	assert_string_equal(zoned("<+0530>-5:30", t),
	    "2026-11-30 19:12 UTC+05:30");
	assert_string_equal(zoned("<-03>3", t), "2026-11-30 10:42 UTC-03");
	assert_string_equal(zoned("<+08>-8", 0), "-");
	setenv("TZ", "UTC0", 1);
	tzset();
}

/* Loads a config of text; returns conf_load()'s result and the conf (or
 * NULL) in *out. */
static int
load_text(const char *text, struct conf **out)
{
	char path[] = "/tmp/test_web_conf.XXXXXX", err[512];
	int fd = mkstemp(path), rc;
	FILE *fp;

	assert_true(fd >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fprintf(fp, "database = \"/tmp/x.db\";\n%s\n", text);
	fclose(fp);
	*out = NULL;
	rc = conf_load(path, out, err, sizeof(err));
	unlink(path);
	if (rc != 0)
		fail_msg("conf: %s", err);
	return rc;
}

static const char *
group(const struct conf *conf, enum web_lang lang, const char *label)
{
	static char out[160];

	web_group_name(conf, lang, label, out, sizeof(out));
	return out;
}

static void
test_groups_have_names_for_people(void **state)
{
	/* Every label the router and the report module count under. */
	static const char *const builtin[] = { "default", "stop", "start",
	    "ignored", "opted_out", "malformed", "followup", "caseworker",
	    "report", NULL };
	struct conf *conf;
	int i;

	load_text("keywords = ("
	    "{ name = \"help\"; words = [ \"HELP\", \"ТУСЛАМЖ\" ]; "
	    "  reply = { en = \"Help: 102\"; }; },"
	    "{ name = \"safe_work\"; words = [ \"SAFE\", \"ГАДААДАД\", "
	    "  \"АЖИЛ\" ]; reply = { en = \"x\"; }; },"
	    "{ name = \"latin_only\"; words = [ \"JOB\" ]; "
	    "  reply = { en = \"x\"; }; },"
	    "{ name = \"tell\"; words = [ \"REPORT\", \"МЭДЭЭЛЭХ\" ]; "
	    "  reply = { en = \"x\"; }; report = true; },"
	    "{ name = \"lang_latn\"; words = [ \"LATIN\" ]; "
	    "  language = \"mn_latn\"; reply = { en = \"x\"; }; }"
	    ");", &conf);
	/* A group: its first Cyrillic word as a word, in Mongolian; its
	 * name capitalised, in English. */
	assert_string_equal(group(conf, WEB_MN, "help"), "Тусламж");
	assert_string_equal(group(conf, WEB_EN, "help"), "Help");
	assert_string_equal(group(conf, WEB_MN, "safe_work"), "Гадаадад");
	assert_string_equal(group(conf, WEB_EN, "safe_work"), "Safe work");
	assert_string_equal(group(conf, WEB_MN, "latin_only"), "Latin only");
	/* What a group does names it, whatever it is called. */
	assert_string_equal(group(conf, WEB_EN, "tell"), "Reports filed");
	assert_string_equal(group(conf, WEB_MN, "tell"),
	    web_t(WEB_MN, W_G_REPORT));
	assert_string_equal(group(conf, WEB_EN, "lang_latn"),
	    "Language set to Mongolian in Latin letters");
	/* The router's own labels: a name in each language, never the
	 * identifier. */
	for (i = 0; builtin[i] != NULL; i++) {
		assert_string_not_equal(group(conf, WEB_EN, builtin[i]),
		    builtin[i]);
		assert_string_not_equal(group(NULL, WEB_MN, builtin[i]),
		    builtin[i]);
	}
	/* A label the config no longer has: its name capitalised. */
	assert_string_equal(group(conf, WEB_MN, "old_group"), "Old group");
	assert_string_equal(group(NULL, WEB_EN, "jobs"), "Jobs");
	conf_free(conf);
}

/* A local address as getsockname() gives it. */
static struct sockaddr_storage
local(const char *addr)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else {
		assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
	}
	return ss;
}

static int
host(const char *h, const char *at, char *const *names, size_t n)
{
	struct sockaddr_storage ss = local(at);

	return web_host_ok(h, names, n, (struct sockaddr *)&ss);
}

static void
test_host_names_this_console(void **state)
{
	char *names[] = { "shukher.lan", "console.example.org" };

	/* On loopback: the address, with or without a port, and localhost. */
	assert_true(host("127.0.0.1:8080", "127.0.0.1", NULL, 0));
	assert_true(host("127.0.0.1", "127.0.0.1", NULL, 0));
	assert_true(host("localhost:8080", "127.0.0.1", NULL, 0));
	assert_true(host("LocalHost", "127.0.0.1", NULL, 0));
	assert_true(host("[::1]:8080", "::1", NULL, 0));
	assert_true(host("localhost", "::1", NULL, 0));
	/* Any other name is a page of another site pointed here. */
	assert_false(host("evil.example:8080", "127.0.0.1", NULL, 0));
	assert_false(host("evil.example", "127.0.0.1", names, 2));
	assert_false(host("127.0.0.1.evil.example", "127.0.0.1", NULL, 0));
	assert_false(host("localhost.evil.example", "127.0.0.1", NULL, 0));
	assert_false(host("127.0.0.2:8080", "127.0.0.1", NULL, 0));
	/* On the office network: its address and the configured names;
	 * localhost is no name of a LAN address. */
	assert_true(host("192.168.1.20:8443", "192.168.1.20", NULL, 0));
	assert_false(host("localhost:8443", "192.168.1.20", NULL, 0));
	assert_true(host("Shukher.LAN:8443", "192.168.1.20", names, 2));
	assert_true(host("console.example.org", "192.168.1.20", names, 2));
	assert_false(host("shukher.lan", "192.168.1.20", NULL, 0));
	assert_false(host("shukher.lan.", "192.168.1.20", names, 2));
	/* Through an IPv6 socket that takes IPv4 too. */
	assert_true(host("192.168.1.20", "::ffff:192.168.1.20", NULL, 0));
	assert_true(host("localhost", "::ffff:127.0.0.1", NULL, 0));
	assert_true(host("[fe80::1]:8080", "fe80::1", NULL, 0));
	/* Malformed: refused. */
	assert_false(host("", "127.0.0.1", NULL, 0));
	assert_false(host(":8080", "127.0.0.1", NULL, 0));
	assert_false(host("127.0.0.1:", "127.0.0.1", NULL, 0));
	assert_false(host("127.0.0.1:80x", "127.0.0.1", NULL, 0));
	assert_false(host("127.0.0.1:8080@evil.example", "127.0.0.1", NULL,
	    0));
	assert_false(host("[::1", "::1", NULL, 0));
	assert_false(host("[::1]x", "::1", NULL, 0));
	assert_false(host("::1", "::1", NULL, 0));
	/* No Host at all (HTTP/1.0, never a browser): accepted; no local
	 * address known: only the configured names. */
	assert_true(web_host_ok(NULL, NULL, 0, NULL));
	assert_true(web_host_ok("shukher.lan", names, 2, NULL));
	assert_false(web_host_ok("127.0.0.1", names, 2, NULL));
}

/* Loads a config whose web group is web; returns conf_load()'s result
 * and the conf (or NULL) in *out. */
static int
load_web(const char *web, struct conf **out)
{
	char path[] = "/tmp/test_web_conf.XXXXXX", err[512];
	int fd = mkstemp(path), rc;
	FILE *fp;

	assert_true(fd >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fprintf(fp, "database = \"/tmp/x.db\";\nweb = { %s };\n", web);
	fclose(fp);
	*out = NULL;
	rc = conf_load(path, out, err, sizeof(err));
	unlink(path);
	return rc;
}

static void
test_conf_names_and_deadline(void **state)
{
	static const char *const bad[] = {
		"name = \"shukher.lan:8443\";", "name = \"\";",
		"name = \"evil/x\";", "name = \"a b\";", "name = 5;",
		"name = { a = \"x\"; };", "name = \".lan\";",
		"name = [ \"ok.lan\", \"http://x\" ];",
		"request_timeout = 0;", "request_timeout = 301;",
		"request_timeout = \"10\";", NULL,
	};
	struct conf *conf;
	int i;

	/* Defaults: no names (the arrival address and localhost only), a
	 * deadline of 10 s. */
	assert_int_equal(load_web("enabled = false;", &conf), 0);
	assert_int_equal(conf->web.nnames, 0);
	assert_int_equal(conf->web.request_timeout, 10);
	conf_free(conf);
	assert_int_equal(load_web("name = [ \"shukher.lan\", \"192.168.1.20\", "
	    "\"fe80::1\" ]; request_timeout = 300;", &conf), 0);
	assert_int_equal(conf->web.nnames, 3);
	assert_string_equal(conf->web.names[0], "shukher.lan");
	assert_string_equal(conf->web.names[2], "fe80::1");
	assert_int_equal(conf->web.request_timeout, 300);
	conf_free(conf);
	assert_int_equal(load_web("name = \"console.example.org\";", &conf),
	    0);
	assert_int_equal(conf->web.nnames, 1);
	conf_free(conf);
	for (i = 0; bad[i] != NULL; i++) {
		if (load_web(bad[i], &conf) != -1)
			fail_msg("accepted: %s", bad[i]);
		if (conf != NULL)
			conf_free(conf);
	}
}

struct dbfix {
	char dir[64], path[96];
	struct store *store;
};

static int
db_setup(void **state)
{
	struct dbfix *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_web.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/shukher.db", f->dir);
	f->store = store_open(f->path, 1, err, sizeof(err));
	if (f->store == NULL)
		fail_msg("store_open: %s", err);
	*state = f;
	return 0;
}

static int
db_teardown(void **state)
{
	struct dbfix *f = *state;
	char p[128];

	store_close(f->store);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
bump(struct store *store, const char *day, const char *keyword, int n)
{
	while (n-- > 0)
		assert_int_equal(store_stat_bump(store, day, keyword), 0);
}

static int
series_count(const struct web_series *s, const char *keyword,
    const char *day)
{
	size_t k, d;

	for (k = 0; k < s->nkeywords; k++)
		for (d = 0; d < s->ndays; d++)
			if (strcmp(s->keywords[k], keyword) == 0 &&
			    strcmp(s->days[d], day) == 0)
				return s->count[k * s->ndays + d];
	return -1;
}

static void
test_series_days_without_gaps(void **state)
{
	struct dbfix *f = *state;
	struct web_series s;

	bump(f->store, "2026-10-30", "help", 3);
	bump(f->store, "2026-11-02", "help", 1);
	bump(f->store, "2026-11-02", "job", 5);
	bump(f->store, "2026-10-31", "report", 2);
	assert_int_equal(web_series_load(f->store, NULL, NULL, &s), 0);
	/* 30, 31 October, 1 and 2 November: four days, the quiet one too
	 * (2026-11-01 crosses no DST change in Mongolia, which has none). */
	assert_int_equal(s.ndays, 4);
	assert_string_equal(s.days[0], "2026-10-30");
	assert_string_equal(s.days[2], "2026-11-01");
	assert_int_equal(s.nkeywords, 3);
	/* Largest total first: job 5, help 4, report 2. */
	assert_string_equal(s.keywords[0], "job");
	assert_string_equal(s.keywords[1], "help");
	assert_int_equal(series_count(&s, "help", "2026-10-30"), 3);
	assert_int_equal(series_count(&s, "help", "2026-11-01"), 0);
	assert_int_equal(series_count(&s, "job", "2026-11-02"), 5);
	web_series_free(&s);
	/* From the campaign's start to today: quiet days at both ends. */
	assert_int_equal(web_series_load(f->store, "2026-11-01",
	    "2026-11-05", &s), 0);
	assert_int_equal(s.ndays, 5);
	assert_string_equal(s.days[4], "2026-11-05");
	assert_int_equal(series_count(&s, "report", "2026-10-31"), -1);
	assert_int_equal(series_count(&s, "job", "2026-11-02"), 5);
	assert_int_equal(series_count(&s, "job", "2026-11-05"), 0);
	web_series_free(&s);
}

static void
test_chart_is_svg_with_text_escaped(void **state)
{
	struct dbfix *f = *state;
	struct web_series s;
	struct web_buf b = { 0 };

	bump(f->store, "2026-11-01", "<script>x</script>", 2);
	bump(f->store, "2026-11-03", "help", 4);
	assert_int_equal(web_series_load(f->store, NULL, NULL, &s), 0);
	web_chart_svg(&b, &s, WEB_EN);
	assert_false(b.oom);
	assert_non_null(strstr(b.p, "<svg "));
	assert_non_null(strstr(b.p, "</svg>"));
	assert_null(strstr(b.p, "<script"));
	assert_non_null(strstr(b.p, "&lt;script&gt;x&lt;/script&gt;"));
	assert_null(strstr(b.p, "style="));
	/* One line per keyword, one point per day (three days). */
	assert_non_null(strstr(b.p, "<polyline"));
	assert_non_null(strstr(strstr(b.p, "<polyline") + 1, "<polyline"));
	assert_non_null(strstr(b.p, ">2026-11-02<"));
	wb_free(&b);
	web_series_free(&s);
}

/* A series of ndays days from 2026-01-01 and nk keywords, counts made
 * up, the last day partial when partial. */
static void
series_make(struct web_series *s, size_t ndays, size_t nk, int partial)
{
	size_t d, k;
	time_t t;
	struct tm tm;

	memset(s, 0, sizeof(*s));
	assert_non_null(s->days = calloc(ndays, sizeof(*s->days)));
	assert_non_null(s->keywords = calloc(nk, sizeof(*s->keywords)));
	assert_non_null(s->count = calloc(nk * ndays, sizeof(*s->count)));
	for (d = 0; d < ndays; d++) {
		t = (time_t)(20454 + d) * 86400;       /* 2026-01-01 */
		gmtime_r(&t, &tm);
		assert_non_null(s->days[d] = malloc(11));
		strftime(s->days[d], 11, "%Y-%m-%d", &tm);
	}
	for (k = 0; k < nk; k++) {
		char name[32];

		snprintf(name, sizeof(name), "kw%zu", k);
		assert_non_null(s->keywords[k] = strdup(name));
		for (d = 0; d < ndays; d++)
			s->count[k * ndays + d] = (int)((d * 7 + k * 3) % 11);
	}
	s->ndays = ndays;
	s->nkeywords = nk;
	s->partial_last = partial;
}

static int
count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

static void
test_chart_labels_days_axis_and_today(void **state)
{
	struct web_series s;
	struct web_buf b = { 0 };
	const char *p;
	double x[400], gap = 0;
	size_t ndays, nl, i;
	char want[32];

	/* Every length from one day to more than a year: the last day is
	 * labelled, labels keep one step and never overlap, and not more
	 * than fit. */
	for (ndays = 1; ndays <= 370; ndays++) {
		series_make(&s, ndays, 2, 1);
		web_chart_svg(&b, &s, WEB_EN);
		assert_false(b.oom);
		snprintf(want, sizeof(want), ">%s<", s.days[ndays - 1]);
		assert_non_null(strstr(b.p, want));
		for (nl = 0, p = b.p; (p = strstr(p, "class=\"day\" x=\"")) !=
		    NULL; p++)
			x[nl++] = atof(p + strlen("class=\"day\" x=\""));
		assert_true(nl >= 1 && nl <= 9);
		/* Written from the last day back. */
		for (i = 1; i < nl; i++) {
			if (i == 1)
				gap = x[0] - x[1];
			assert_true(x[i - 1] - x[i] >= 70.0);
			assert_true(x[i - 1] - x[i] - gap < 0.2 &&
			    gap - (x[i - 1] - x[i]) < 0.2);
		}
		/* The y axis is named. */
		assert_int_equal(count_of(b.p, "class=\"axis-title\""), 1);
		wb_free(&b);
		web_series_free(&s);
	}
	/* Today so far: its segment dashed on each line, its point hollow,
	 * "(so far)" under its label, and the legend says what dashes are. */
	series_make(&s, 14, 3, 1);
	web_chart_svg(&b, &s, WEB_EN);
	assert_int_equal(count_of(b.p, "<polyline"), 3);
	assert_int_equal(count_of(b.p, "<line class=\"so-far\""), 3);
	assert_int_equal(count_of(b.p, "stroke-dasharray"), 4);
	assert_int_equal(count_of(b.p, "<circle"), 3 * 14);
	assert_int_equal(count_of(b.p, "fill=\"#ffffff\""), 3);
	assert_non_null(strstr(b.p, ">(so far)<"));
	assert_non_null(strstr(b.p, ">today, so far<"));
	assert_non_null(strstr(b.p, ">Messages a day<"));
	wb_free(&b);
	/* A finished day (a campaign over): nothing dashed. */
	s.partial_last = 0;
	web_chart_svg(&b, &s, WEB_MN);
	assert_int_equal(count_of(b.p, "stroke-dasharray"), 0);
	assert_int_equal(count_of(b.p, "fill=\"#ffffff\""), 0);
	assert_null(strstr(b.p, web_t(WEB_MN, W_SO_FAR)));
	assert_non_null(strstr(b.p, web_t(WEB_MN, W_Y_AXIS)));
	wb_free(&b);
	/* Keywords by their names for people, once labelled. */
	assert_int_equal(web_series_label(&s, NULL, WEB_EN), 0);
	web_chart_svg(&b, &s, WEB_EN);
	assert_non_null(strstr(b.p, ">Kw0<"));
	assert_null(strstr(b.p, ">kw0<"));
	wb_free(&b);
	web_series_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_is_escaped),
		cmocka_unit_test(test_bad_bytes_and_controls),
		cmocka_unit_test(test_form_decodes_as_browsers_encode),
		cmocka_unit_test(test_form_malformed_is_refused),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_host_names_this_console),
		cmocka_unit_test(test_conf_names_and_deadline),
		cmocka_unit_test(test_every_string_in_both_languages),
		cmocka_unit_test(test_timeline_sentences),
		cmocka_unit_test(test_times_name_their_zone),
		cmocka_unit_test(test_groups_have_names_for_people),
		cmocka_unit_test(test_chart_labels_days_axis_and_today),
		cmocka_unit_test_setup_teardown(test_series_days_without_gaps,
		    db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(
		    test_chart_is_svg_with_text_escaped, db_setup,
		    db_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
