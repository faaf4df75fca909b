/*
 * test_json: the JSON writer's output is valid JSON that decodes back to
 * exactly what was written. Python's json module is the independent judge:
 * each test writes a document, hands it to python3 (one process for the
 * whole run: tests/json_judge.c) and compares what Python decoded with the
 * input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "json_judge.h"

/* A writer into memory, and the text it wrote. */
struct doc {
	FILE *fp;
	char *buf;
	size_t len;
	struct json *json;
};

static void
doc_open(struct doc *d, int indent)
{
	memset(d, 0, sizeof(*d));
	d->fp = open_memstream(&d->buf, &d->len);
	assert_non_null(d->fp);
	d->json = json_new(d->fp, indent);
	assert_non_null(d->json);
}

/* Frees the writer; returns what json_free said. The text stays in buf. */
static int
doc_close(struct doc *d)
{
	int rc;

	rc = json_free(d->json);
	fclose(d->fp);
	return rc;
}

/* What Python makes of expr over the JSON text (caller frees), or NULL
 * when it is not JSON. */
static char *
py_eval(const char *text, const char *expr)
{
	return judge_eval(text, &expr, 1);
}

/* Writes s as the only value and checks that Python decodes it to want. */
static void
check_roundtrip(const char *s, const char *want)
{
	struct doc d;
	char *got;

	doc_open(&d, 0);
	json_string(d.json, s);
	assert_int_equal(doc_close(&d), 0);
	got = py_eval(d.buf, "v");
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	free(d.buf);
}

static void
test_escapes(void **state)
{
	const char *s = "say \"hi\" \\ back\nnew\ttab\r\b\f\x01\x1f\x7f end";
	struct doc d;

	doc_open(&d, 0);
	json_string(d.json, s);
	assert_int_equal(doc_close(&d), 0);
	assert_non_null(strstr(d.buf, "\\\"hi\\\""));
	assert_non_null(strstr(d.buf, " \\\\ "));
	assert_non_null(strstr(d.buf, "\\n"));
	assert_non_null(strstr(d.buf, "\\t"));
	assert_non_null(strstr(d.buf, "\\u0001"));
	assert_non_null(strstr(d.buf, "\\u001f"));
	/* No raw control character may reach the output. */
	for (const char *p = d.buf; *p != '\0'; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	free(d.buf);
	check_roundtrip(s, s);
}

static void
test_utf8_passthrough(void **state)
{
	const char *mn = "Хүний наймаа: 108 руу залга. Өө Үү";
	const char *mixed = "tuslamj 🙂 ё — 100%";
	struct doc d;

	doc_open(&d, 0);
	json_string(d.json, mn);
	assert_int_equal(doc_close(&d), 0);
	/* Cyrillic is written as it is, not as \u escapes. */
	assert_non_null(strstr(d.buf, mn));
	assert_null(strstr(d.buf, "\\u"));
	free(d.buf);
	check_roundtrip(mn, mn);
	check_roundtrip(mixed, mixed);
	check_roundtrip("", "");
}

static void
test_invalid_utf8(void **state)
{
	/* Stray byte, truncated sequence at the end, overlong '/', surrogate. */
	check_roundtrip("a\xff" "b\xd0", "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	check_roundtrip("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	check_roundtrip("x\xed\xa0\x80y",
	    "x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdy");
	/* A broken sequence does not swallow the quote after it. */
	check_roundtrip("\xe2\x82\"", "\xef\xbf\xbd\xef\xbf\xbd\"");
}

/*
 * Every C1 control (U+0080-U+009F) and every bidi control is written as a
 * \u escape, never as its bytes, so that --json on a terminal is as safe
 * as a table; each still decodes to itself. Characters next to them (é
 * U+00E9, U+2011, U+2030) pass as they are.
 */
static void
test_c1_and_bidi(void **state)
{
	static const unsigned escaped[] = { 0x202a, 0x202b, 0x202c, 0x202d,
	    0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c,
	    0x2028, 0x2029 };
	char in[16], want[16];
	unsigned cp;
	struct doc d;
	size_t i;

	(void)state;
	for (cp = 0x80; cp < 0xa0 + sizeof(escaped) / sizeof(escaped[0]);
	    cp++) {
		unsigned c = cp < 0xa0 ? cp : escaped[cp - 0xa0];

		if (c < 0x800)
			snprintf(in, sizeof(in), "a%c%cb", 0xc0 | (c >> 6),
			    0x80 | (c & 0x3f));
		else
			snprintf(in, sizeof(in), "a%c%c%cb", 0xe0 | (c >> 12),
			    0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
		doc_open(&d, 0);
		json_string(d.json, in);
		assert_int_equal(doc_close(&d), 0);
		snprintf(want, sizeof(want), "\"a\\u%04xb\"", c);
		assert_string_equal(d.buf, want);
		free(d.buf);
		check_roundtrip(in, in);
	}
	for (i = 0; i < 3; i++) {
		const char *plain[] = { "\xc3\xa9", "\xe2\x80\x91",
		    "\xe2\x80\xb0" };

		doc_open(&d, 0);
		json_string(d.json, plain[i]);
		assert_int_equal(doc_close(&d), 0);
		assert_null(strstr(d.buf, "\\u"));
		free(d.buf);
	}
}

/* A document with every kind of value, nested; checked field by field. */
static void
write_nested(struct json *j)
{
	json_array_begin(j);
	json_object_begin(j);
	json_kv_int(j, "id", 42);
	json_kv_string(j, "text", "сайн уу");
	json_kv_bool(j, "urgent", 1);
	json_kv_bool(j, "partial", 0);
	json_kv_null(j, "closed_at");
	json_kv_string(j, "outcome", NULL);
	json_kv_int(j, "min", INT64_MIN);
	json_kv_int(j, "max", INT64_MAX);
	json_key(j, "words");
	json_array_begin(j);
	json_string(j, "tuslamj");
	json_string(j, "тусламж");
	json_array_end(j);
	json_key(j, "empty_obj");
	json_object_begin(j);
	json_object_end(j);
	json_key(j, "empty_arr");
	json_array_begin(j);
	json_array_end(j);
	json_object_end(j);
	json_int(j, -7);
	json_null(j);
	json_array_end(j);
}

static void
check_nested(int indent)
{
	static const struct {
		const char *expr, *want;
	} checks[] = {
		{ "str(len(v))", "3" },
		{ "str(v[0][\"id\"])", "42" },
		{ "v[0][\"text\"]", "сайн уу" },
		{ "repr(v[0][\"urgent\"])", "True" },
		{ "repr(v[0][\"partial\"])", "False" },
		{ "repr(v[0][\"closed_at\"])", "None" },
		{ "repr(v[0][\"outcome\"])", "None" },
		{ "str(v[0][\"min\"])", "-9223372036854775808" },
		{ "str(v[0][\"max\"])", "9223372036854775807" },
		{ "\",\".join(v[0][\"words\"])", "tuslamj,тусламж" },
		{ "repr(v[0][\"empty_obj\"])", "{}" },
		{ "repr(v[0][\"empty_arr\"])", "[]" },
		{ "repr(v[1:])", "[-7, None]" },
		{ "\",\".join(v[0].keys())", "id,text,urgent,partial,closed_at,"
		    "outcome,min,max,words,empty_obj,empty_arr" },
	};
	struct doc d;
	size_t i;
	char *got;

	doc_open(&d, indent);
	write_nested(d.json);
	assert_int_equal(doc_close(&d), 0);
	if (indent == 0)
		assert_null(strchr(d.buf, '\n'));
	else
		assert_non_null(strstr(d.buf, "\n  {\n    \"id\": 42,"));
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		got = py_eval(d.buf, checks[i].expr);
		assert_non_null(got);
		assert_string_equal(got, checks[i].want);
		free(got);
	}
	free(d.buf);
}

static void
test_nesting_compact(void **state)
{
	check_nested(0);
}

static void
test_nesting_indented(void **state)
{
	check_nested(2);
}

static void
test_misuse(void **state)
{
	struct doc d;

	/* A value in an object without a key. */
	doc_open(&d, 0);
	json_object_begin(d.json);
	json_int(d.json, 1);
	json_object_end(d.json);
	assert_int_equal(doc_close(&d), -1);
	free(d.buf);

	/* An end that does not match. */
	doc_open(&d, 0);
	json_array_begin(d.json);
	json_object_end(d.json);
	assert_int_equal(doc_close(&d), -1);
	free(d.buf);

	/* A key left without its value. */
	doc_open(&d, 0);
	json_object_begin(d.json);
	json_key(d.json, "a");
	json_object_end(d.json);
	assert_int_equal(doc_close(&d), -1);
	free(d.buf);

	/* Left open, two top-level values, nothing at all. */
	doc_open(&d, 0);
	json_array_begin(d.json);
	assert_int_equal(doc_close(&d), -1);
	free(d.buf);
	doc_open(&d, 0);
	json_int(d.json, 1);
	json_int(d.json, 2);
	assert_int_equal(doc_close(&d), -1);
	free(d.buf);
	doc_open(&d, 0);
	assert_int_equal(doc_close(&d), -1);
	free(d.buf);
}

static void
test_depth(void **state)
{
	struct doc d;
	int i;

	/* Deeper than JSON_MAX_DEPTH. */
	doc_open(&d, 0);
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		json_array_begin(d.json);
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		json_array_end(d.json);
	assert_int_equal(doc_close(&d), -1);
	free(d.buf);

	/* Exactly JSON_MAX_DEPTH is fine, and valid. */
	doc_open(&d, 0);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_begin(d.json);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_end(d.json);
	assert_int_equal(doc_close(&d), 0);
	{
		char *got = py_eval(d.buf, "str(len(json.dumps(v)))");
		assert_non_null(got);
		assert_int_equal(atoi(got), 2 * JSON_MAX_DEPTH);
		free(got);
	}
	free(d.buf);
}

static void
test_write_error(void **state)
{
	struct json *j;
	FILE *fp;

	/* A stream that cannot be written: json_free must say so. */
	fp = fopen("/dev/full", "w");
	if (fp == NULL)
		skip();
	j = json_new(fp, 0);
	assert_non_null(j);
	json_array_begin(j);
	for (int i = 0; i < 10000; i++)
		json_string(j, "filling the buffer of a full device");
	json_array_end(j);
	assert_int_equal(json_free(j), -1);
	fclose(fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_utf8_passthrough),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_c1_and_bidi),
		cmocka_unit_test(test_nesting_compact),
		cmocka_unit_test(test_nesting_indented),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
