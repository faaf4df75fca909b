/*
 * json: a tiny streaming JSON writer, for shukherctl --json and anything
 * else that must hand data to scripts (the web console).
 *
 * Values are written to a stdio stream as they are given; nothing is kept
 * but the nesting. Strings are escaped so that the output is always valid
 * JSON: quotes, backslashes and control characters (C0, DEL and C1) are
 * escaped, and so are the bidi controls and U+2028/U+2029, so that the
 * output is safe on a terminal too; other valid UTF-8 (Cyrillic, emoji)
 * passes through as is, and each byte of invalid UTF-8 becomes U+FFFD. Misuse (a value in an object without a key, an end that
 * does not match its begin, nesting deeper than JSON_MAX_DEPTH) writes
 * nothing and marks the writer failed; json_free() reports it.
 */
#ifndef SHUKHER_JSON_H
#define SHUKHER_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json;

/*
 * A writer to fp (borrowed; the caller closes it). indent 0 writes one
 * line; indent > 0 puts each member on its own line, indented by that many
 * spaces per level. Returns NULL when out of memory.
 */
struct json *json_new(FILE *fp, int indent);

/*
 * Ends the last line (when indenting), flushes fp and frees the writer.
 * Returns 0 when one complete value was written without error, -1 when the
 * output is incomplete, the writer was misused or a write failed.
 */
int json_free(struct json *json);

void json_object_begin(struct json *json);
void json_object_end(struct json *json);
void json_array_begin(struct json *json);
void json_array_end(struct json *json);

/* The name of the next member; only inside an object. */
void json_key(struct json *json, const char *key);

/* A string; NULL writes null. */
void json_string(struct json *json, const char *s);
void json_int(struct json *json, int64_t v);
/* true for any non-zero v. */
void json_bool(struct json *json, int v);
void json_null(struct json *json);

/* A key and its value in one call. */
void json_kv_string(struct json *json, const char *key, const char *s);
void json_kv_int(struct json *json, const char *key, int64_t v);
void json_kv_bool(struct json *json, const char *key, int v);
void json_kv_null(struct json *json, const char *key);

/*
 * Writes s as a quoted, escaped JSON string to fp, as json_string() does.
 * Returns 0, or -1 when a write failed.
 */
int json_write_string(FILE *fp, const char *s);

#endif
