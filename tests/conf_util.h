/*
 * conf_util: what the config tests (test_conf*.c) share: a scratch folder,
 * loading that must work or fail.
 */
#ifndef SHUKHER_TEST_CONF_UTIL_H
#define SHUKHER_TEST_CONF_UTIL_H

#include <stddef.h>

#include "conf.h"

#define DATA "tests/data/conf/"

extern char cu_scratch[64];

const char *cu_scratch_path(const char *name, char *buf, size_t len);

/* Writes len bytes of text to the scratch file name; returns its path. */
const char *cu_write_scratch(const char *name, const char *text, size_t len,
    char *buf, size_t buflen);

int cu_scratch_setup(void **state);

int cu_scratch_teardown(void **state);

struct conf *cu_load_ok(const char *path);

/* Loads text as a config file (through a temporary file); fails the test
 * when it does not load. */
struct conf *cu_load_text(const char *text);

#endif
