/*
 * ctl_fmt: how shukherctl shows things: times, dates, text that came from
 * strangers' phones, and aligned tables.
 *
 * Everything a stranger could have written (texts, numbers, names, notes,
 * audit details, the modem's error) passes through ctl_clean() before it
 * is shown to a person: an SMS may carry escape sequences (OSC 52 writes
 * the clipboard) or bidi overrides (which make a text read backwards), and
 * a caseworker's terminal must neither act on them nor hide them. They are
 * shown as visible escapes instead: \x1b, \u202e.
 * Widths are counted in terminal columns (libunistring's uc_width), so that
 * Cyrillic and wide characters line up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistr.h>
#include <uniwidth.h>

#include "ctl.h"
#include "json.h"

char *
ctl_time_iso(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
	return buf;
}

char *
ctl_time_local(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, len, "-");
	return buf;
}

void
ctl_json_time(struct json *json, const char *key, int64_t t)
{
	char buf[CTL_TIME_LEN];

	json_key(json, key);
	if (t == 0)
		json_null(json);
	else
		json_string(json, ctl_time_iso(t, buf, sizeof(buf)));
}

/*
 * How ctl_clean() shows uc: 0 as it is, 'x' as \xNN (C0 controls and DEL,
 * which a terminal acts on), 'u' as \uNNNN (C1 controls, which some
 * terminals take as CSI, OSC, ...; the bidi controls, which reorder what
 * is shown around them; the line and paragraph separators).
 */
static int
ctl_escape_kind(ucs4_t uc)
{
	if (uc < 0x20 || uc == 0x7f)
		return 'x';
	if ((uc >= 0x80 && uc < 0xa0) ||
	    (uc >= 0x202a && uc <= 0x202e) ||
	    (uc >= 0x2066 && uc <= 0x2069) ||
	    uc == 0x200e || uc == 0x200f || uc == 0x061c ||
	    uc == 0x2028 || uc == 0x2029)
		return 'u';
	return 0;
}

int
ctl_plain(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(s), i = 0;
	ucs4_t uc;
	int len;

	while (i < n) {
		if ((len = u8_mbtoucr(&uc, p + i, n - i)) < 0 ||
		    ctl_escape_kind(uc) != 0)
			return 0;
		i += (size_t)len;
	}
	return 1;
}

char *
ctl_clean(const char *s, int keep_lines)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(s), i = 0, o = 0;
	char *out;
	ucs4_t uc;
	int len, kind;

	/* At most four bytes for one: \xNN for a byte; \uNNNN for two or
	 * three. */
	if ((out = malloc(4 * n + 1)) == NULL)
		return NULL;
	while (i < n) {
		if ((len = u8_mbtoucr(&uc, p + i, n - i)) < 0) {
			o += (size_t)sprintf(out + o, "\\x%02x", p[i]);
			i++;
			continue;
		}
		i += (size_t)len;
		if (uc == '\r' && keep_lines && i < n && p[i] == '\n')
			continue;        /* CRLF: the LF is the line break */
		if (uc == '\n' || uc == '\t' || uc == '\r')
			out[o++] = keep_lines && uc != '\r' ? (char)uc : ' ';
		else if ((kind = ctl_escape_kind(uc)) == 'x')
			o += (size_t)sprintf(out + o, "\\x%02x", (unsigned)uc);
		else if (kind == 'u')
			o += (size_t)sprintf(out + o, "\\u%04x", (unsigned)uc);
		else {
			memcpy(out + o, p + i - len, (size_t)len);
			o += (size_t)len;
		}
	}
	out[o] = '\0';
	return out;
}

/* The width of a cleaned string in terminal columns. */
static int
ctl_width(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(s), i = 0;
	ucs4_t uc;
	int len, w, total = 0;

	while (i < n) {
		if ((len = u8_mbtoucr(&uc, p + i, n - i)) < 0)
			len = 1, uc = '?';
		if ((w = uc_width(uc, "UTF-8")) > 0)
			total += w;
		i += len;
	}
	return total;
}

/*
 * Prints s cut to at most max columns, ending in an ellipsis when cut, then
 * pad spaces up to max when pad is set. s is cleaned (valid UTF-8).
 */
static void
ctl_print_cell(FILE *fp, const char *s, int max, int pad)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(s), i = 0;
	int len, w, used = 0, cut;
	ucs4_t uc;

	cut = ctl_width(s) > max;
	while (i < n) {
		if ((len = u8_mbtoucr(&uc, p + i, n - i)) < 0)
			break;
		w = uc_width(uc, "UTF-8");
		if (w < 0)
			w = 0;
		if (used + w > max - (cut ? 1 : 0))
			break;
		fwrite(p + i, 1, len, fp);
		used += w;
		i += len;
	}
	if (cut && max > 0) {
		fputs("\xe2\x80\xa6", fp);
		used++;
	}
	while (pad && used++ < max)
		putc(' ', fp);
}

struct ctl_table {
	const char *const *headers;
	int ncols;
	char **cells;               /* nrows * ncols, row by row */
	size_t nrows, cap;
};

struct ctl_table *
ctl_table_new(const char *const *headers, int ncols)
{
	struct ctl_table *t;

	if (ncols < 1 || ncols > CTL_TABLE_MAXCOLS)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->headers = headers;
	t->ncols = ncols;
	return t;
}

int
ctl_table_add(struct ctl_table *t, const char *const *cells)
{
	char **grown;
	size_t base;
	int c;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;

		grown = realloc(t->cells, cap * t->ncols * sizeof(*grown));
		if (grown == NULL)
			return -1;
		t->cells = grown;
		t->cap = cap;
	}
	base = t->nrows * t->ncols;
	for (c = 0; c < t->ncols; c++) {
		t->cells[base + c] = ctl_clean(cells[c] ? cells[c] : "-", 0);
		if (t->cells[base + c] == NULL) {
			while (c-- > 0)
				free(t->cells[base + c]);
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

/* Prints one row; widths[] holds each column's width. */
static void
ctl_table_row(FILE *fp, const char *const *cells, const int *widths,
    int ncols)
{
	int c;

	for (c = 0; c < ncols; c++) {
		if (c > 0)
			fputs("  ", fp);
		ctl_print_cell(fp, cells[c], widths[c], c < ncols - 1);
	}
	putc('\n', fp);
}

void
ctl_table_print(struct ctl_table *t, FILE *fp, const char *none_text)
{
	int widths[CTL_TABLE_MAXCOLS], c, w, left;
	size_t r;

	if (t->nrows == 0) {
		fprintf(fp, "%s\n", none_text);
		return;
	}
	left = CTL_TABLE_WIDTH;
	for (c = 0; c < t->ncols; c++) {
		widths[c] = ctl_width(t->headers[c]);
		for (r = 0; r < t->nrows; r++) {
			w = ctl_width(t->cells[r * t->ncols + c]);
			if (w > widths[c])
				widths[c] = w;
		}
		if (c < t->ncols - 1)
			left -= widths[c] + 2;
	}
	/* The last column gets the rest, but never fewer than 20. */
	if (widths[t->ncols - 1] > left)
		widths[t->ncols - 1] = left < 20 ? 20 : left;
	ctl_table_row(fp, t->headers, widths, t->ncols);
	for (r = 0; r < t->nrows; r++)
		ctl_table_row(fp, (const char *const *)&t->cells[r * t->ncols],
		    widths, t->ncols);
}

void
ctl_table_free(struct ctl_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void
ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("shukherctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	putc('\n', stderr);
}
