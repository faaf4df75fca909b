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
#include <unistd.h>

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
	assert_string_equal(web_kind(WEB_EN, "filed"), "filed");
	assert_string_equal(web_kind(WEB_MN, "claim"), web_t(WEB_MN, W_CLAIM));
	assert_string_equal(web_kind(WEB_MN, "something-new"),
	    "something-new");
	for (e = CW_NOTFOUND; e <= CW_NOMEM; e++) {
		assert_true(strlen(web_cw_error(WEB_MN, e)) > 0);
		assert_true(strlen(web_cw_error(WEB_EN, e)) > 0);
	}
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
	assert_non_null(strstr(b.p, ">11-02<"));
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
		cmocka_unit_test_setup_teardown(test_series_days_without_gaps,
		    db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(
		    test_chart_is_svg_with_text_escaped, db_setup,
		    db_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
