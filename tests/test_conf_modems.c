/*
 * test_conf_modems: the modems list as an operator writes it. Without one
 * the single modem group is one modem named "modem"; each entry takes the
 * single group's defaults; prefixes decide what is on-net; duplicates of a
 * name or a device, both forms at once, and bad names, prefixes and
 * limits are refused with the file and the line of the entry at fault.
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

#define HEAD "database = \"/tmp/x.db\";\n" \
	"keywords = ( { name = \"help\"; words = [ \"HELP\" ];" \
	" reply = { en = \"Police 102.\"; }; } );\n"

static char path[64];

/* Writes HEAD and body to a scratch file and loads it. */
static int
load(const char *body, struct conf **conf, char *err, size_t errlen)
{
	FILE *fp;
	int fd, rc;

	snprintf(path, sizeof(path), "/tmp/test_conf_modems.XXXXXX");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		fail_msg("scratch file");
	fputs(HEAD, fp);
	fputs(body, fp);
	fclose(fp);
	rc = conf_load(path, conf, err, errlen);
	unlink(path);
	return rc;
}

static struct conf *
load_ok(const char *body)
{
	struct conf *conf;
	char err[512];

	if (load(body, &conf, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return conf;
}

/* The error of body, which must say "<file>:line: " and then want. */
static void
load_bad(const char *body, unsigned line, const char *want)
{
	struct conf *conf;
	char err[512], prefix[128];

	assert_int_equal(load(body, &conf, err, sizeof(err)), -1);
	snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, want) == NULL)
		fail_msg("expected %s...%s, got: %s", prefix, want, err);
}

static void
test_single_group_is_one_modem(void **state)
{
	struct conf *conf = load_ok("modem = { device = \"/dev/ttyUSB0\";"
	    " daily_limit = 7; };\n");

	(void)state;
	assert_int_equal(conf->nmodems, 1);
	assert_string_equal(conf->modems[0].name, "modem");
	assert_string_equal(conf->modems[0].device, "/dev/ttyUSB0");
	assert_int_equal(conf->modems[0].daily_limit, 7);
	assert_int_equal(conf->modems[0].nprefixes, 0);
	assert_int_equal(conf->failover_after, 300);
	assert_ptr_equal(conf_modem_find(conf, "modem"), &conf->modems[0]);
	assert_null(conf_modem_find(conf, "other"));
	conf_free(conf);

	conf = load_ok("");             /* no modem group: the defaults */
	assert_int_equal(conf->nmodems, 1);
	assert_string_equal(conf->modems[0].name, "modem");
	assert_string_equal(conf->modems[0].device, "/dev/gsm-modem");
	conf_free(conf);
}

static void
test_list(void **state)
{
	struct conf *conf = load_ok("failover_after = 20;\nmodems = (\n"
	    " { name = \"mobicom\"; device = \"/dev/a\"; connection = \"at\";"
	    "   prefixes = [ \"+97699\", \"+97695\" ]; daily_limit = 500;"
	    "   pin = \"1234\"; timeout = 9; },\n"
	    " { name = \"unitel\"; device = \"/dev/b\"; }\n);\n");

	(void)state;
	assert_int_equal(conf->failover_after, 20);
	assert_int_equal(conf->nmodems, 2);
	assert_string_equal(conf->modems[0].name, "mobicom");
	assert_string_equal(conf->modems[0].connection, "at");
	assert_string_equal(conf->modems[0].pin, "1234");
	assert_int_equal(conf->modems[0].timeout, 9);
	assert_int_equal(conf->modems[0].daily_limit, 500);
	assert_int_equal(conf->modems[0].nprefixes, 2);
	/* the second takes the single group's defaults */
	assert_string_equal(conf->modems[1].connection, "at115200");
	assert_int_equal(conf->modems[1].timeout, 30);
	assert_int_equal(conf->modems[1].daily_limit, 0);
	assert_int_equal(conf->modems[1].notifications, 1);
	/* conf->modem is the first, for what knows one modem */
	assert_string_equal(conf->modem.device, "/dev/a");
	assert_string_equal(conf->modem.name, "mobicom");
	assert_ptr_equal(conf_modem_find(conf, "unitel"), &conf->modems[1]);
	conf_free(conf);
}

static void
test_covers(void **state)
{
	struct conf *conf = load_ok("modems = (\n"
	    " { name = \"a\"; device = \"/dev/a\";"
	    "   prefixes = [ \"+97699\", \"+976505\" ]; },\n"
	    " { name = \"b\"; device = \"/dev/b\"; }\n);\n");
	const struct conf_modem *a = &conf->modems[0], *b = &conf->modems[1];

	(void)state;
	assert_true(conf_modem_covers(a, "+97699112233"));
	assert_true(conf_modem_covers(a, "+97650512345"));
	assert_false(conf_modem_covers(a, "+97650412345"));
	assert_false(conf_modem_covers(a, "+9769"));
	assert_false(conf_modem_covers(a, "99112233"));
	assert_false(conf_modem_covers(a, ""));
	assert_false(conf_modem_covers(a, NULL));
	assert_false(conf_modem_covers(b, "+97699112233"));
	conf_free(conf);
}

static void
test_errors(void **state)
{
	(void)state;
	load_bad("modems = (\n { name = \"a\"; device = \"/dev/a\"; },\n"
	    " { name = \"b\";\n device = \"/dev/a\"; }\n);\n", 6,
	    "modems[1].device: already the device of modems[0]");
	load_bad("modems = (\n { name = \"a\"; device = \"/dev/a\"; },\n"
	    " { name = \"a\"; device = \"/dev/b\"; }\n);\n", 5,
	    "modems[1].name: \"a\" is already the name of modems[0]");
	load_bad("modem = { device = \"/dev/a\"; };\n"
	    "modems = ( { name = \"a\"; device = \"/dev/b\"; } );\n", 4,
	    "modems: give either");
	load_bad("modems = (\n { device = \"/dev/a\"; }\n);\n", 4,
	    "modems[0].name: every modem needs one");
	load_bad("modems = (\n { name = \"a b\"; device = \"/dev/a\"; }\n);\n",
	    4, "modems[0].name: letters");
	load_bad("modems = (\n { name = \"a\"; device = \"/dev/a\";\n"
	    "  prefixes = [ \"+976\",\n \"99x\" ]; }\n);\n", 6,
	    "modems[0].prefixes[1]: expected digits");
	load_bad("modems = (\n { name = \"a\"; device = \"/dev/a\";\n"
	    "  daily_limit = -1; }\n);\n", 5, "modems[0].daily_limit");
	load_bad("modems = (\n { name = \"a\"; device = \"/dev/a\";\n"
	    "  speed = 9; }\n);\n", 5, "unknown setting");
	load_bad("modems = ( );\n", 3, "modems: the list is empty");
	load_bad("modems = { name = \"a\"; };\n", 3, "expected a list");
	load_bad("failover_after = 0;\n", 3, "failover_after");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_group_is_one_modem),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
