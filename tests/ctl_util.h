/*
 * ctl_util: what the shukherctl tests (test_ctl*.c) share: a database
 * built with the store API, the real binary run with its output caught.
 */
#ifndef SHUKHER_TEST_CTL_UTIL_H
#define SHUKHER_TEST_CTL_UTIL_H

#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json_judge.h"
#include "store.h"

/* 2026-11-29T04:15:00Z */
#define T0 1795925700
#define SENDER "+97699112233"
#define MSG_TEXT "Тусламж хэрэгтэй, \"ажил\" гэж хэлсэн\nгадаад руу \\ явах"
#define PART1 "Намайг Солонгос руу ажилд авна гэсэн, "
#define PART2 "паспортыг минь авсан."
#define REPORT_TEXT "Миний эгч Дубайд байгаа, утас нь хураагдсан"

struct fixture {
	char dir[64];
	char db[128];
	char ref[16];            /* the urgent report's reference */
	int64_t msg_id;          /* the handled single message */
	int64_t urgent_id, plain_id;
};

/* What one run of shukherctl did. */
struct run {
	int status;              /* exit code; -1 when killed */
	char *out;               /* stdout, NUL-terminated */
	char *err;               /* stderr */
};

void cl_run_free(struct run *r);

/* Everything fd gives until EOF, NUL-terminated. */
char *cl_slurp(int fd);

/*
 * Runs shukherctl with the NULL-ended arguments. stderr goes to a file so
 * that a full pipe can never block the child.
 */
struct run cl_ctl_run(const char *first, ...);

/* One question about a JSON document, and the answer expected. */
struct want {
	const char *expr;        /* Python, over the decoded value v */
	const char *want;        /* str() of it; JSON spelling for
	                            null, true and false */
};

/*
 * Each of the n expressions over the JSON text, in one question to the
 * judge (tests/json_judge.c). Returns the answers, NUL-separated in one
 * buffer (caller frees), or NULL when the text is not valid JSON or an
 * expression failed.
 */
char *cl_py_eval(const char *text, const struct want *w, size_t n);

/* Asserts that each expression over the JSON text gives what is wanted. */
void cl_assert_json(const char *text, const struct want *w, size_t n);

#define ASSERT_JSON(text, ...) do {                                  \
	const struct want w_[] = { __VA_ARGS__ };                    \
	cl_assert_json((text), w_, sizeof(w_) / sizeof(w_[0]));         \
} while (0)

void cl_put_part(struct store *s, const char *sender, int ref, int no, int
    count, const char *text, int64_t now);

/* The database a running daemon would have written. */
void cl_fixture_fill(struct fixture *f);

int cl_setup(void **state);

int cl_teardown(void **state);

#endif
