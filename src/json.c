/*
 * json: a streaming JSON writer that cannot produce invalid JSON.
 *
 * The writer keeps a stack of open containers and, for each, how many
 * members it has and whether a key is waiting for its value. Every value
 * goes through json_value_start(), which checks that a value is allowed
 * here and writes the separator and indentation; a value that is not
 * allowed is dropped and the writer marked failed, so that json_free()
 * can tell the caller. Strings are escaped by json_write_string(), which
 * validates UTF-8 as it goes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

enum json_frame_type {
	JSON_FRAME_ARRAY,
	JSON_FRAME_OBJECT,
};

struct json_frame {
	enum json_frame_type type;
	int members;
	int have_key;            /* object: a key waits for its value */
};

struct json {
	FILE *fp;
	int indent;
	int depth;               /* open containers */
	int top_values;          /* values written at depth 0 */
	int failed;
	struct json_frame stack[JSON_MAX_DEPTH];
};

struct json *
json_new(FILE *fp, int indent)
{
	struct json *json;

	if ((json = calloc(1, sizeof(*json))) == NULL)
		return NULL;
	json->fp = fp;
	json->indent = indent > 0 ? indent : 0;
	return json;
}

int
json_free(struct json *json)
{
	int rc;

	if (json == NULL)
		return -1;
	if (json->indent > 0 && json->top_values > 0)
		putc('\n', json->fp);
	rc = json->failed || json->depth != 0 || json->top_values != 1 ? -1 : 0;
	if (fflush(json->fp) == EOF || ferror(json->fp))
		rc = -1;
	free(json);
	return rc;
}

static void
json_newline(struct json *json)
{
	int i;

	if (json->indent == 0)
		return;
	putc('\n', json->fp);
	for (i = 0; i < json->depth * json->indent; i++)
		putc(' ', json->fp);
}

/*
 * Checks that a value may be written now, and writes what goes before it:
 * the comma and the line break inside an array (an object's were written by
 * json_key). Returns 0, or -1 (writer marked failed) when no value is
 * allowed here.
 */
static int
json_value_start(struct json *json)
{
	struct json_frame *f;

	if (json->failed)
		return -1;
	if (json->depth == 0) {
		if (json->top_values > 0) {
			json->failed = 1;
			return -1;
		}
		json->top_values++;
		return 0;
	}
	f = &json->stack[json->depth - 1];
	if (f->type == JSON_FRAME_OBJECT) {
		if (!f->have_key) {
			json->failed = 1;
			return -1;
		}
		f->have_key = 0;
		return 0;
	}
	if (f->members++ > 0)
		putc(',', json->fp);
	json_newline(json);
	return 0;
}

static void
json_begin(struct json *json, enum json_frame_type type, int c)
{
	struct json_frame *f;

	if (json->depth >= JSON_MAX_DEPTH) {
		json->failed = 1;
		return;
	}
	if (json_value_start(json) == -1)
		return;
	putc(c, json->fp);
	f = &json->stack[json->depth++];
	f->type = type;
	f->members = 0;
	f->have_key = 0;
}

static void
json_end(struct json *json, enum json_frame_type type, int c)
{
	struct json_frame *f;

	if (json->failed)
		return;
	if (json->depth == 0 || json->stack[json->depth - 1].type != type ||
	    json->stack[json->depth - 1].have_key) {
		json->failed = 1;
		return;
	}
	f = &json->stack[--json->depth];
	if (f->members > 0)
		json_newline(json);
	putc(c, json->fp);
}

void
json_object_begin(struct json *json)
{
	json_begin(json, JSON_FRAME_OBJECT, '{');
}

void
json_object_end(struct json *json)
{
	json_end(json, JSON_FRAME_OBJECT, '}');
}

void
json_array_begin(struct json *json)
{
	json_begin(json, JSON_FRAME_ARRAY, '[');
}

void
json_array_end(struct json *json)
{
	json_end(json, JSON_FRAME_ARRAY, ']');
}

void
json_key(struct json *json, const char *key)
{
	struct json_frame *f;

	if (json->failed)
		return;
	if (json->depth == 0 || key == NULL) {
		json->failed = 1;
		return;
	}
	f = &json->stack[json->depth - 1];
	if (f->type != JSON_FRAME_OBJECT || f->have_key) {
		json->failed = 1;
		return;
	}
	if (f->members++ > 0)
		putc(',', json->fp);
	json_newline(json);
	json_write_string(json->fp, key);
	putc(':', json->fp);
	if (json->indent > 0)
		putc(' ', json->fp);
	f->have_key = 1;
}

void
json_string(struct json *json, const char *s)
{
	if (s == NULL) {
		json_null(json);
		return;
	}
	if (json_value_start(json) == -1)
		return;
	if (json_write_string(json->fp, s) == -1)
		json->failed = 1;
}

void
json_int(struct json *json, int64_t v)
{
	if (json_value_start(json) == -1)
		return;
	fprintf(json->fp, "%lld", (long long)v);
}

void
json_bool(struct json *json, int v)
{
	if (json_value_start(json) == -1)
		return;
	fputs(v ? "true" : "false", json->fp);
}

void
json_null(struct json *json)
{
	if (json_value_start(json) == -1)
		return;
	fputs("null", json->fp);
}

void
json_kv_string(struct json *json, const char *key, const char *s)
{
	json_key(json, key);
	json_string(json, s);
}

void
json_kv_int(struct json *json, const char *key, int64_t v)
{
	json_key(json, key);
	json_int(json, v);
}

void
json_kv_bool(struct json *json, const char *key, int v)
{
	json_key(json, key);
	json_bool(json, v);
}

void
json_kv_null(struct json *json, const char *key)
{
	json_key(json, key);
	json_null(json);
}

/*
 * The length of the valid UTF-8 sequence at s (1 to 4), or 0 when the bytes
 * at s are not one: a stray continuation byte, a truncated sequence, an
 * overlong form, a UTF-16 surrogate or a code point past U+10FFFF. Sets *cp
 * to the code point.
 */
static int
json_utf8_len(const unsigned char *s, uint32_t *cp)
{
	uint32_t c;
	int n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

/*
 * Writes the escape for the one-byte character c, or c itself when it
 * needs none. Control characters (and DEL, which some terminals act on)
 * are escaped.
 */
static void
json_write_ascii(FILE *fp, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", fp);
		return;
	case '\\':
		fputs("\\\\", fp);
		return;
	case '\b':
		fputs("\\b", fp);
		return;
	case '\f':
		fputs("\\f", fp);
		return;
	case '\n':
		fputs("\\n", fp);
		return;
	case '\r':
		fputs("\\r", fp);
		return;
	case '\t':
		fputs("\\t", fp);
		return;
	}
	if (c < 0x20 || c == 0x7f)
		fprintf(fp, "\\u%04x", c);
	else
		putc(c, fp);
}

/*
 * Whether the code point cp (beyond ASCII) is written as \uXXXX: the C1
 * controls, which a terminal showing the JSON would act on; the bidi
 * controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), which
 * reorder what is shown around them; U+2028 and U+2029, valid JSON but
 * not valid JavaScript. Escaped, each still decodes to itself.
 */
static int
json_escaped(uint32_t cp)
{
	return (cp >= 0x80 && cp < 0xa0) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f ||
	    cp == 0x061c || cp == 0x2028 || cp == 0x2029;
}

int
json_write_string(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n;

	putc('"', fp);
	while (*p != '\0') {
		n = json_utf8_len(p, &cp);
		if (n == 0) {
			/* One byte of garbage: U+FFFD, then resync. */
			fputs("\xef\xbf\xbd", fp);
			p++;
		} else if (n == 1) {
			json_write_ascii(fp, *p++);
		} else if (json_escaped(cp)) {
			fprintf(fp, "\\u%04x", (unsigned)cp);
			p += n;
		} else {
			fwrite(p, 1, n, fp);
			p += n;
		}
	}
	putc('"', fp);
	return ferror(fp) ? -1 : 0;
}
