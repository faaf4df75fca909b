/*
 * test_conf_errors: every kind of mistake in a configuration is refused
 * with the file, the line and a word of the reason: bad fixtures (in
 * tests/data/conf, the line to name marked "# <- error"), numbers out of
 * range, wrong shapes, files that are not files, NUL bytes, includes. Run
 * from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

#include "conf_util.h"
#define MARK "# <- error"
#define MANPAGE "firmware/man/shukher.conf.5"
#define CONF_MAX (1024 * 1024)   /* shukher.conf(5): 1 MiB with includes */

/* conf_load(path) must fail with an error that starts with want. */
static void
load_fails(const char *path, const char *want)
{
	struct conf *conf = NULL;
	char err[512] = "";

	if (conf_load(path, &conf, err, sizeof(err)) != -1)
		fail_msg("%s loaded", path);
	assert_null(conf);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("%s: \"%s\" does not start with \"%s\"", path, err,
		    want);
}

/* The line of the fixture that carries MARK, or 0 when none does. */
static unsigned
marked_line(const char *path)
{
	char buf[1024];
	unsigned line = 0;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("cannot open fixture %s", path);
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		line++;
		if (strstr(buf, MARK) != NULL) {
			fclose(fp);
			return line;
		}
	}
	fclose(fp);
	return 0;
}

static const struct bad {
	const char *file;
	const char *reason;      /* a word the message must contain */
} bad_configs[] = {
	{ "syntax.conf", "syntax error" },
	{ "duplicate_setting.conf", "duplicate" },
	{ "unknown_top.conf", "unknown setting \"databse\"" },
	{ "unknown_modem.conf", "modem: unknown setting \"speed\"" },
	{ "unknown_keyword_key.conf", "unknown setting \"reprot\"" },
	{ "not_integer.conf", "limits.reply_budget: expected a whole number "
	    "from 1 to 100000" },
	{ "float_integer.conf", "modem.timeout: expected a whole number from "
	    "1 to 120" },
	{ "out_of_range.conf", "limits.retry_delay: 99999999999 is out of "
	    "range: expected a whole number from 1 to 3600" },
	{ "not_bool.conf", "modem.notifications: expected true or false" },
	{ "not_string.conf", "modem.device: expected a string" },
	{ "zero_limit.conf", "limits.retry_delay: 0 is out of range" },
	{ "negative_limit.conf", "limits.reply_window: -60 is out of range" },
	{ "bad_language.conf", "language:" },
	{ "empty_database.conf", "database: must not be empty" },
	{ "modem_not_group.conf", "modem: expected a group" },
	{ "keywords_not_list.conf", "keywords: expected a list" },
	{ "duplicate_group.conf", "duplicate group name" },
	{ "bad_group_name.conf", "keywords[0] (\"job offers\").name" },
	{ "reserved_group_name.conf", "reserved" },
	{ "reserved_route_label.conf", "\"Opted_Out\" is reserved" },
	{ "no_name.conf", "keywords[0]: no name" },
	{ "no_words.conf", "keywords[0] (\"jobs\").words: no words" },
	{ "duplicate_word.conf", "\"help\" is already a word of "
	    "keywords[0] (\"help\")" },
	{ "duplicate_word_cyrillic.conf", "is already a word of "
	    "keywords[0] (\"report\")" },
	{ "duplicate_stop_word.conf", "is already a word of stop" },
	{ "empty_word.conf", "words[1]: empty word" },
	{ "word_not_string.conf", "words[1]: expected a string" },
	{ "empty_reply_text.conf", "reply.mn: empty text" },
	{ "no_reply_text.conf", "keywords[1] (\"info\").reply: no text in "
	    "any language" },
	{ "no_reply.conf", "reply: no text in any language" },
	{ "bad_reply_language.conf", "unknown language \"ru\"" },
	{ "empty_stop_words.conf", "stop.words: no words" },
	{ "empty_stop_reply.conf", "stop.reply: no text" },
	{ "empty_default_reply.conf", "default_reply.mn_latn: empty text" },
	{ "bad_utf8.conf", "not valid UTF-8" },
	{ "space_in_word.conf", "words[1]: \"ТУСЛАМЖ \" would never match" },
	{ "punct_in_word.conf", "words[0]: \"1.\" would never match" },
	{ "double_space_in_word.conf", "words[2]: \"JOB  OFFER\" would never" },
	{ "long_word.conf", "more than 64 characters" },
	{ "bom_error.conf", "limits.reply_budget: 0 is out of range" },
	{ "web_unknown.conf", "web: unknown setting \"lisen\"" },
	{ "web_bad_listen.conf", "web.listen: \"office.local\" is not an "
	    "IPv4 or IPv6 address" },
	{ "web_cert_alone.conf", "web.certificate and key go together" },
	{ "web_port_range.conf", "web.port: 70000 is out of range: expected a "
	    "whole number from 0 to 65535" },
	{ "web_cert_missing.conf", "web.certificate: cannot read "
	    "/nonexistent/web.crt" },
	{ "web_bad_day.conf", "web.campaign_start: expected a day" },
	{ "caseworker_short_number.conf", "a number in international form" },
	{ "caseworker_unknown_key.conf", "reports.caseworkers: unknown "
	    "setting \"pin-hash\"" },
	{ "roster_unknown_key.conf", "reports.roster: unknown setting "
	    "\"hour\"" },
	{ "hotline_plus_inside.conf", "hotlines[1]: expected a number" },
};

static void
test_bad_configs(void **state)
{
	char path[256], want[300], err[512];
	struct conf *conf;
	unsigned line;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
		snprintf(path, sizeof(path), DATA "%s", bad_configs[i].file);
		if ((line = marked_line(path)) == 0)
			fail_msg("%s has no \"%s\" line", path, MARK);
		snprintf(want, sizeof(want), "%s:%u: ", path, line);
		conf = (struct conf *)&conf;	/* must be reset to NULL */
		err[0] = '\0';
		if (conf_load(path, &conf, err, sizeof(err)) != -1)
			fail_msg("%s loaded", path);
		assert_null(conf);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("%s: \"%s\" does not start with \"%s\"", path,
			    err, want);
		if (strstr(err, bad_configs[i].reason) == NULL)
			fail_msg("%s: \"%s\" does not say \"%s\"", path, err,
			    bad_configs[i].reason);
	}
}

static void
test_missing_file(void **state)
{
	struct conf *conf = NULL;
	char err[256];

	(void)state;
	assert_int_equal(conf_load(DATA "no-such.conf", &conf, err,
	    sizeof(err)), -1);
	assert_null(conf);
	assert_string_equal(err, DATA "no-such.conf: cannot open: "
	    "No such file or directory");
}

/* A short error buffer is truncated, never overrun. */
static void
test_short_error_buffer(void **state)
{
	struct conf *conf = NULL;
	char err[12];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(conf_load(DATA "zero_limit.conf", &conf, err,
	    sizeof(err) - 2), -1);
	assert_int_equal(strlen(err), sizeof(err) - 3);
	assert_int_equal(err[sizeof(err) - 1], 'x');
	assert_int_equal(conf_load(DATA "zero_limit.conf", &conf, NULL, 0),
	    -1);
}

/* Every integer setting, with its range as shukher.conf(5) gives it. */
static const struct range {
	const char *group, *name;
	int min, max;
	const char *extra;       /* what else the group needs to be valid */
} ranges[] = {
	{ "modem", "timeout", 1, 120, "" },
	{ "modem", "poll_interval", 1, 3600, "" },
	{ "modem", "daily_limit", 0, 1000000, "" },
	{ NULL, "failover_after", 1, 86400, "" },     /* top level */
	{ NULL, "broadcast_rate", 1, 60, "" },        /* top level */
	{ "limits", "reply_budget", 1, 100000, "" },
	{ "limits", "reply_window", 1, 604800, "" },
	{ "limits", "send_attempts", 1, 100, "" },
	{ "limits", "retry_delay", 1, 3600, "" },
	{ "limits", "multipart_timeout", 1, 86400, "" },
	{ "limits", "short_code_max_digits", 1, 7, "" },
	{ "limits", "max_segments", 1, 10, "" },
	{ "matching", "typo_length", 0, 64, "typo2_length = 0;" },
	{ "matching", "typo2_length", 0, 64, "typo_length = 0;" },
	{ "reports", "window", 60, 604800, "" },
	{ "reports", "alert_segments", 1, 6, "" },
	{ "reports", "escalate_minutes", 1, 1440, "" },
	{ "reports", "relay_hours", 0, 2160, "" },
	{ "reports", "pin_attempts", 1, 100, "" },
	{ "reports", "pin_lockout", 60, 2592000, "" },
	{ "reports", "pin_lockout_max", 60, 7776000, "pin_lockout = 60;" },
	{ "reports", "retention_days", 0, 36500, "" },
	{ "reports", "inbox_retention_days", 0, 36500, "" },
	{ "reports", "outbox_retention_days", 0, 36500, "" },
	{ "web", "port", 0, 65535, "" },
	{ "web", "session_idle", 1, 86400, "session_max = 604800;" },
	{ "web", "session_max", 1, 604800, "session_idle = 1;" },
	{ "web", "signin_attempts", 1, 1000, "" },
	{ "web", "signin_lockout", 1, 604800, "" },
	{ "web", "address_attempts", 1, 100000, "" },
	{ "web", "request_timeout", 1, 300, "" },
	{ "central", "silent_after", 60, 604800, "" },
	{ NULL, "alert_after", 10, 86400, "" },
	{ NULL, "alert_every", 10, 604800, "" },
	{ NULL, "alert_failed_sends", 1, 1000, "" },
	/* a group inside a group: written as modem = { balance = { ... } } */
	{ "modem.balance", "every", 10, 604800, "ussd = \"*211#\";" },
	{ "modem.balance", "low", 0, 100000000, "ussd = \"*211#\";" },
};
#define NRANGES (sizeof(ranges) / sizeof(ranges[0]))

/* Writes a config with r set to value (as written) on line 4. */
static const char *
range_conf(const struct range *r, const char *value, char *path,
    size_t len)
{
	const char *dot;
	char text[512];
	int n;

	if (r->group == NULL)
		n = snprintf(text, sizeof(text), "database = \"/tmp/x.db\";\n"
		    "keywords = ( { name = \"help\"; words = [ \"HELP\" ]; "
		    "reply = { en = \"Police 102.\"; }; } );\n\n%s = %s;\n",
		    r->name, value);
	else if ((dot = strchr(r->group, '.')) != NULL)
		n = snprintf(text, sizeof(text), "database = \"/tmp/x.db\";\n"
		    "keywords = ( { name = \"help\"; words = [ \"HELP\" ]; "
		    "reply = { en = \"Police 102.\"; }; } );\n"
		    "%.*s = {\n\t%s = { %s = %s; %s };\n};\n",
		    (int)(dot - r->group), r->group, dot + 1, r->name, value,
		    r->extra);
	else
		n = snprintf(text, sizeof(text), "database = \"/tmp/x.db\";\n"
		    "keywords = ( { name = \"help\"; words = [ \"HELP\" ]; "
		    "reply = { en = \"Police 102.\"; }; } );\n"
		    "%s = {\n\t%s = %s;\n\t%s\n};\n", r->group, r->name,
		    value, r->extra);
	return cu_write_scratch("range.conf", text, (size_t)n, path, len);
}

/*
 * Every integer setting takes its bounds and refuses what lies outside,
 * also values that overflow an int, floats and strings, with the file,
 * the line and the range in the error.
 */
static void
test_int_ranges(void **state)
{
	char path[128], value[32], want[256], err[512];
	struct conf *conf;
	size_t i, v;

	(void)state;
	for (i = 0; i < NRANGES; i++) {
		const struct range *r = &ranges[i];
		const char *bad[] = { NULL, NULL, "2147483647", "-2147483648",
		    "9999999999L", "4294967297L", "1.5", "\"10\"", "true" };

		snprintf(value, sizeof(value), "%d", r->min);
		conf = cu_load_ok(range_conf(r, value, path, sizeof(path)));
		conf_free(conf);
		snprintf(value, sizeof(value), "%d", r->max);
		conf = cu_load_ok(range_conf(r, value, path, sizeof(path)));
		conf_free(conf);
		for (v = 0; v < sizeof(bad) / sizeof(bad[0]); v++) {
			if (v < 2)
				snprintf(value, sizeof(value), "%d",
				    v == 0 ? r->min - 1 : r->max + 1);
			else
				snprintf(value, sizeof(value), "%s", bad[v]);
			range_conf(r, value, path, sizeof(path));
			snprintf(want, sizeof(want), "%s:4: %s%s%s: ", path,
			    r->group ? r->group : "", r->group ? "." : "",
			    r->name);
			load_fails(path, want);
			conf = NULL;
			conf_load(path, &conf, err, sizeof(err));
			snprintf(want, sizeof(want), "expected a whole number "
			    "from %d to %d", r->min, r->max);
			if (strstr(err, want) == NULL)
				fail_msg("%s = %s: \"%s\" does not say \"%s\"",
				    r->name, value, err, want);
		}
	}
}

/*
 * One shape mistake of each kind in each group that can make it: every
 * group reads its settings with the same toolkit (src/conf_kit.c), so the
 * same mistake gets the same words everywhere, on its own line.
 */
static const struct shape {
	const char *group;       /* NULL: the top level */
	const char *setting;     /* as written on line 4 */
	const char *want;        /* what the error says after "PATH:4: " */
} shapes[] = {
	{ NULL, "bogus = 1;", "unknown setting \"bogus\"" },
	{ "modem", "bogus = 1;", "modem: unknown setting \"bogus\"" },
	{ "limits", "bogus = 1;", "limits: unknown setting \"bogus\"" },
	{ "stop", "bogus = 1;", "stop: unknown setting \"bogus\"" },
	{ "start", "bogus = 1;", "start: unknown setting \"bogus\"" },
	{ "matching", "bogus = 1;", "matching: unknown setting \"bogus\"" },
	{ "reports", "bogus = 1;", "reports: unknown setting \"bogus\"" },
	{ "web", "bogus = 1;", "web: unknown setting \"bogus\"" },
	{ NULL, "modem = 1;", "modem: expected a group { ... }" },
	{ NULL, "limits = 1;", "limits: expected a group { ... }" },
	{ NULL, "stop = 1;", "stop: expected a group { ... }" },
	{ NULL, "matching = 1;", "matching: expected a group { ... }" },
	{ NULL, "reports = 1;", "reports: expected a group { ... }" },
	{ NULL, "web = 1;", "web: expected a group { ... }" },
	{ NULL, "language = 1;", "language: expected a string" },
	{ "modem", "device = 1;", "modem.device: expected a string" },
	{ "web", "listen = 1;", "web.listen: expected a non-empty string" },
	{ "web", "key = \"\";", "web.key: expected a non-empty string" },
	{ "reports", "public_key = 1;",
	  "reports.public_key: expected a non-empty string" },
	{ "stop", "words = \"STOP\";", "stop.words: expected a list of "
	  "strings" },
	{ "start", "words = ( \"GO\", 1 );", "start.words[1]: expected a "
	  "string" },
	{ "matching", "not_typos = ( \"hello\", 1 );",
	  "matching.not_typos[1]: expected a string" },
	{ "matching", "not_typos = 1;",
	  "matching.not_typos: expected a list of strings" },
	{ "reports", "urgent_words = ( \"help\", \"\" );",
	  "reports.urgent_words[1]: expected a non-empty string" },
	{ "reports", "fallback = ( 1 );",
	  "reports.fallback[0]: expected a non-empty string" },
	{ "reports", "fallback = ( \"nobody\" );",
	  "reports.fallback[0]: no caseworker named \"nobody\"" },
	{ "modem", "notifications = 1;",
	  "modem.notifications: expected true or false" },
	{ "web", "enabled = 1;", "web.enabled: expected true or false" },
	{ "reports", "alert_include_number = \"yes\";",
	  "reports.alert_include_number: expected true or false" },
	{ NULL, "default_reply = { ru = \"x\"; };",
	  "default_reply: unknown language \"ru\"" },
	{ "stop", "reply = \"x\";", "stop.reply: expected a group of texts" },
	{ "reports", "prompt = { ru = \"x\"; };",
	  "reports.prompt: unknown language \"ru\"" },
	{ "reports", "followup_reply = { en = 1; };",
	  "reports.followup_reply.en: expected a string" },
};

static void
test_shape_errors(void **state)
{
	char text[512], path[128], want[256];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		n = snprintf(text, sizeof(text), "database = \"/tmp/x.db\";\n"
		    "keywords = ( { name = \"help\"; words = [ \"HELP\" ]; "
		    "reply = { en = \"Police 102.\"; }; } );\n"
		    "%s%s\n\t%s\n%s\n", shapes[i].group ? shapes[i].group :
		    "# the top level", shapes[i].group ? " = {" : "",
		    shapes[i].setting, shapes[i].group ? "};" : "#");
		cu_write_scratch("shape.conf", text, (size_t)n, path,
		    sizeof(path));
		snprintf(want, sizeof(want), "%s:4: %s", path, shapes[i].want);
		load_fails(path, want);
	}
}

/* The man page gives each range as the code has it, and no other. */
static void
test_int_ranges_documented(void **state)
{
	char line[512], name[96], want[64], *p, *q;
	int documented = 0, found[NRANGES] = { 0 };
	size_t i, n;
	FILE *fp;

	(void)state;
	if ((fp = fopen(MANPAGE, "r")) == NULL)
		fail_msg("cannot open %s", MANPAGE);
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".It Ic ", 7) != 0 ||
		    (q = strstr(line, " Pq ")) == NULL || strstr(q, " to ") ==
		    NULL)
			continue;
		/* ".It Ic a.b , c.d Pq 4, 8; 0 to 64": the names, then the
		 * range that each of them must have. */
		for (p = line + 7; p < q; p += n) {
			n = strcspn(p, " ,");
			if (n == 0) {
				n = 1;
				continue;
			}
			snprintf(name, sizeof(name), "%.*s", (int)n, p);
			for (i = 0; i < NRANGES; i++) {
				snprintf(want, sizeof(want), "%s%s%s",
				    ranges[i].group ? ranges[i].group : "",
				    ranges[i].group ? "." : "", ranges[i].name);
				if (strcmp(want, name) == 0)
					break;
			}
			if (i == NRANGES)
				fail_msg("%s documents a range for %s, which "
				    "the test does not know", MANPAGE, name);
			snprintf(want, sizeof(want), "; %d to %d",
			    ranges[i].min, ranges[i].max);
			if (strlen(q) < strlen(want) || strcmp(q + strlen(q) -
			    strlen(want), want) != 0)
				fail_msg("%s: %s: expected \"%s\" at the end of "
				    "\"%s\"", MANPAGE, name, want, q);
			found[i] = 1;
			documented++;
		}
	}
	fclose(fp);
	for (i = 0; i < NRANGES; i++)
		if (!found[i])
			fail_msg("%s does not give the range of %s%s%s",
			    MANPAGE, ranges[i].group ? ranges[i].group : "",
			    ranges[i].group ? "." : "", ranges[i].name);
	assert_int_equal(documented, NRANGES);
}

/*
 * A config path that is not a regular file is refused before it is read,
 * with what it is: never libconfig's "input in flex scanner failed" exit,
 * never a wait on a FIFO (alarm() fails the test instead of hanging).
 */
static void
test_not_a_file(void **state)
{
	char path[128], want[256], *big;
	struct conf *conf;
	size_t n;

	(void)state;
	alarm(30);
	cu_scratch_path("dir.conf", path, sizeof(path));
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(want, sizeof(want), "%s: a directory, not a file", path);
	load_fails(path, want);
	cu_scratch_path("fifo.conf", path, sizeof(path));
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(want, sizeof(want), "%s: a FIFO, not a file", path);
	load_fails(path, want);
	load_fails("/dev/null", "/dev/null: a character device, not a file");
	cu_scratch_path("link.conf", path, sizeof(path));
	assert_int_equal(symlink(cu_scratch, path), 0);
	snprintf(want, sizeof(want), "%s: a directory, not a file", path);
	load_fails(path, want);
	/* As large as allowed, then a byte more. */
	n = CONF_MAX;
	big = malloc(n + 2);
	assert_non_null(big);
	memset(big, '#', n + 1);
	memcpy(big, "database = \"/tmp/x.db\";\n", 24);
	big[n - 1] = '\n';
	conf = cu_load_ok(cu_write_scratch("big.conf", big, n, path, sizeof(path)));
	assert_int_equal(conf->nkeywords, 0);
	conf_free(conf);
	big[n - 1] = '#';
	big[n] = '\n';
	cu_write_scratch("big.conf", big, n + 1, path, sizeof(path));
	snprintf(want, sizeof(want), "%s: too large: a config with its "
	    "includes may have at most 1048576 bytes", path);
	load_fails(path, want);
	free(big);
	/* An empty file is a config of defaults (config check warns). */
	conf = cu_load_ok(cu_write_scratch("empty.conf", "", 0, path, sizeof(path)));
	assert_int_equal(conf->nkeywords, 0);
	conf_free(conf);
	/* Unreadable: root reads it anyway (the integration test drops the
	 * capability for that). */
	if (geteuid() != 0) {
		cu_write_scratch("secret.conf", "x = 1;\n", 7, path, sizeof(path));
		assert_int_equal(chmod(path, 0), 0);
		snprintf(want, sizeof(want), "%s: cannot open: Permission "
		    "denied", path);
		load_fails(path, want);
	}
	alarm(0);
}

static const char nul_head[] = "database = \"/tmp/x.db\";\n"
    "# a comment\n"
    "keywords = ( { name = \"help\"; words = [ \"HELP\" ];\n";

/* A config of nul_head, then text (len bytes) as line 4. */
static const char *
nul_conf(const char *text, size_t len, char *path, size_t plen)
{
	char buf[512];

	memcpy(buf, nul_head, sizeof(nul_head) - 1);
	memcpy(buf + sizeof(nul_head) - 1, text, len);
	return cu_write_scratch("nul.conf", buf, sizeof(nul_head) - 1 + len,
	    path, plen);
}

/*
 * No NUL byte reaches a string: libconfig drops the escape \x00 and ends
 * its text at a raw NUL, so both are errors with their line, wherever
 * they stand; a NUL spelt out otherwise is only text.
 */
static void
test_nul_bytes(void **state)
{
	static const struct {
		const char *text;
		size_t len;
	} bad[] = {
#define T(s) { s, sizeof(s) - 1 }
		T("  reply = { en = \"Police\\x00102\"; }; } );\n"),
		T("  reply = { en = \"Police\\X00102\"; }; } );\n"),
		T("  reply = { en = \"Police 102\"; mn = \"\\x00\"; }; } );\n"),
		T("  reply = { en = \"Police\0 102\"; }; } );\n"),
		T("  reply = { en = \"Police 102\"; }; } ); # \0\n"),
		T("  reply = { en = \"Police 102\"; }; } );\0\n"),
		T("  reply = { en = \"Police 102\"; }; } ); /* \0 */\n"),
	};
	static const struct {
		const char *text, *reply;
	} good[] = {
		{ "  reply = { en = \"Police \\\\x00\"; }; } );\n",
		  "Police \\x00" },
		{ "  reply = { en = \"Police \\x41\"; }; } ); # \\x00\n",
		  "Police A" },
		{ "  reply = { en = \"Police\"; }; } ); /* \"\\x00\" */\n",
		  "Police" },
#undef T
	};
	char path[128], want[256];
	struct conf *conf;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nul_conf(bad[i].text, bad[i].len, path, sizeof(path));
		snprintf(want, sizeof(want), "%s:4: ", path);
		load_fails(path, want);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		conf = cu_load_ok(nul_conf(good[i].text, strlen(good[i].text),
		    path, sizeof(path)));
		assert_string_equal(conf->keywords[0].reply.text[LANG_EN],
		    good[i].reply);
		conf_free(conf);
	}
}

/*
 * @include takes the file next to the one that names it, whatever the
 * working directory; every file passes the same checks, and errors name
 * the file and line they stand on, also after an include.
 */
static void
test_includes(void **state)
{
	char path[128], dir[128], inc[128], want[512], text[256];
	struct conf *conf;
	int n;

	(void)state;
	conf = cu_load_ok(DATA "inc/main.conf");
	assert_int_equal(conf->nkeywords, 1);
	assert_string_equal(conf->keywords[0].name, "help");
	assert_string_equal(conf->default_reply.text[LANG_EN], "Send HELP.");
	assert_int_equal(conf->limits.reply_budget, 4);
	conf_free(conf);

	cu_scratch_path("sub", dir, sizeof(dir));
	mkdir(dir, 0700);
	cu_scratch_path("sub/part.conf", inc, sizeof(inc));
#define MAIN(body) do { \
	n = snprintf(text, sizeof(text), "database = \"/tmp/x.db\";\n" \
	    "@include \"sub/part.conf\"\n%s", body); \
	cu_write_scratch("main.conf", text, (size_t)n, path, sizeof(path)); \
} while (0)
#define PART(body) cu_write_scratch("sub/part.conf", body, strlen(body), inc, \
	    sizeof(inc))
	/* An error in the included file: its name and line. */
	MAIN("limits = { reply_budget = 3; };\n");
	PART("# part\n\nmodem = { timeout = 0; };\n");
	snprintf(want, sizeof(want), "%s:3: modem.timeout: 0 is out", inc);
	load_fails(path, want);
	PART("# part\nmodem = { timeout = ; };\n");
	snprintf(want, sizeof(want), "%s:2: syntax error", inc);
	load_fails(path, want);
	/* After it, the including file's own lines. */
	PART("# one\n# two\n# three\n");
	MAIN("\nlimits = { reply_budget = 0; };\n");
	snprintf(want, sizeof(want), "%s:4: limits.reply_budget", path);
	load_fails(path, want);
	/* What the directive names is checked as the config is. */
	MAIN("");
	unlink(inc);
	mkdir(inc, 0700);
	snprintf(want, sizeof(want), "%s:2: @include \"%s\": a directory, "
	    "not a file", path, inc);
	load_fails(path, want);
	rmdir(inc);
	assert_int_equal(mkfifo(inc, 0600), 0);
	snprintf(want, sizeof(want), "%s:2: @include \"%s\": a FIFO", path,
	    inc);
	load_fails(path, want);
	unlink(inc);
	snprintf(want, sizeof(want), "%s:2: @include \"%s\": cannot open: "
	    "No such file", path, inc);
	load_fails(path, want);
	/* A file that includes itself ends at the depth limit. */
	PART("@include \"part.conf\"\n");
	snprintf(want, sizeof(want), "%s:1: @include \"%s/part.conf\": more "
	    "than 10 levels deep", inc, dir);
	load_fails(path, want);
	/* A string or comment does not run on into the next file. */
	PART("x = \"never ends\n");
	snprintf(want, sizeof(want), "%s:1: a string that never ends", inc);
	load_fails(path, want);
	PART("/* never ends\n");
	snprintf(want, sizeof(want), "%s:1: a comment that never ends", inc);
	load_fails(path, want);
	/* Nothing but a comment after the name, as libconfig would not
	 * take a second directive there. */
	PART("\n");
	n = snprintf(text, sizeof(text), "database = \"/tmp/x.db\";\n"
	    "@include \"sub/part.conf\" @include \"sub/part.conf\"\n");
	cu_write_scratch("main.conf", text, (size_t)n, path, sizeof(path));
	snprintf(want, sizeof(want), "%s:2: @include: nothing but a comment",
	    path);
	load_fails(path, want);
	/* A directive inside a comment or a string is not one. */
	n = snprintf(text, sizeof(text), "database = \"/tmp/x.db\";\n/*\n"
	    "@include \"nowhere.conf\"\n*/\n");
	conf = cu_load_ok(cu_write_scratch("main.conf", text, (size_t)n, path,
	    sizeof(path)));
	conf_free(conf);
#undef MAIN
#undef PART
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_short_error_buffer),
		cmocka_unit_test(test_int_ranges),
		cmocka_unit_test(test_int_ranges_documented),
		cmocka_unit_test(test_shape_errors),
		cmocka_unit_test(test_not_a_file),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_includes),
	};

	return cmocka_run_group_tests(tests, cu_scratch_setup, cu_scratch_teardown);
}
