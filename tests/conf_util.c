/*
 * conf_util: what the config tests (test_conf*.c) share: a scratch folder,
 * loading that must work or fail (conf_util.h).
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

/* A scratch directory for the files a test writes (mkdtemp). */
char cu_scratch[64];

const char *
cu_scratch_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", cu_scratch, name);
	return buf;
}

/* Writes len bytes of text to the scratch file name; returns its path. */
const char *
cu_write_scratch(const char *name, const char *text, size_t len, char *buf,
    size_t buflen)
{
	FILE *fp;

	cu_scratch_path(name, buf, buflen);
	if ((fp = fopen(buf, "w")) == NULL ||
	    fwrite(text, 1, len, fp) != len || fclose(fp) != 0)
		fail_msg("cannot write %s", buf);
	return buf;
}

int
cu_scratch_setup(void **state)
{
	(void)state;
	snprintf(cu_scratch, sizeof(cu_scratch), "/tmp/test_conf.XXXXXX");
	return mkdtemp(cu_scratch) == NULL ? -1 : 0;
}

int
cu_scratch_teardown(void **state)
{
	char cmd[96];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cu_scratch);
	return system(cmd) == 0 ? 0 : -1;
}

struct conf *
cu_load_ok(const char *path)
{
	struct conf *conf = NULL;
	char err[512] = "";

	if (conf_load(path, &conf, err, sizeof(err)) != 0)
		fail_msg("%s did not load: %s", path, err);
	assert_non_null(conf);
	return conf;
}

struct conf *
cu_load_text(const char *text)
{
	char path[] = "/tmp/shukher-conf.XXXXXX", err[512] = "";
	struct conf *conf = NULL;
	FILE *fp;
	int fd;

	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	if (conf_load(path, &conf, err, sizeof(err)) != 0)
		fail_msg("the config did not load: %s", err);
	unlink(path);
	assert_non_null(conf);
	return conf;
}
