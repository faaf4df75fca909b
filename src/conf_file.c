/*
 * conf_file: the text of shukher.conf, read so that no file can stop or
 * stall the program that reads it, and where each line of it came from.
 *
 * libconfig's own reading is not safe for that: its scanner exits the
 * process (status 2, "input in flex scanner failed") when a read fails, as
 * on a directory, and blocks forever on a FIFO. So a config is opened here,
 * once: a path that is not a regular file is refused from its stat() before
 * anything opens it (opening a device can have effects of its own); the
 * descriptor is opened non-blocking and checked again with fstat(), so that
 * a file swapped for a FIFO or a directory in between is still refused; it
 * is read whole, at most CONF_FILE_MAX bytes, and libconfig parses the copy
 * in memory.
 *
 * @include "file" lines are expanded here by the same reader, so that
 * libconfig never opens a file itself: a relative name is taken from the
 * directory of the file that includes it (libconfig would take it from the
 * working directory, which is "/" under systemd), nesting stops at
 * CONF_INCLUDE_DEPTH (which also ends a file that includes itself), and all
 * the files together are bounded by CONF_FILE_MAX. A line map remembers the
 * file and line each line of the expanded text came from, so that errors
 * name them.
 *
 * The scan that finds the directives also refuses what libconfig would
 * lose without a word: a NUL byte in a file (it ends the text libconfig
 * sees), and the escape \x00 in a string (libconfig drops it, so that
 * "a\x00b" reads as "ab").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "conf_int.h"

/* One run of lines of the expanded text that come from one file. */
struct conf_seg {
	unsigned text_line;      /* its first line in the text, from 1 */
	size_t file;             /* index into files */
	unsigned file_line;      /* the same line in that file */
};

struct conf_src {
	char *text;              /* the expanded text, NUL-terminated */
	size_t len, cap;
	unsigned newlines;       /* in text so far */
	struct conf_seg *segs;
	size_t nsegs;
	char **files;            /* paths as opened */
	size_t nfiles;
	char *err;
	size_t errlen;
};

/* Where the scan of one file stands. */
struct conf_scan {
	const char *path;
	size_t file;             /* index into src->files */
	const char *buf;
	size_t len, i;
	unsigned line;
	int depth;
};

static int conf_src_fail(struct conf_src *, const char *, unsigned,
    const char *, ...) __attribute__((format(printf, 4, 5)));

/* "FILE:LINE: reason" (or "FILE: reason" for line 0) into the error
 * buffer. Returns -1. */
static int
conf_src_fail(struct conf_src *src, const char *file, unsigned line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_errv(src->err, src->errlen, file, line, "", fmt, ap);
	va_end(ap);
	return -1;
}

/* What st is, for a path that is not a regular file. */
static const char *
conf_file_kind(const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return "a directory";
	if (S_ISFIFO(st->st_mode))
		return "a FIFO";
	if (S_ISCHR(st->st_mode))
		return "a character device";
	if (S_ISBLK(st->st_mode))
		return "a block device";
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	return "not a regular file";
}

int
conf_file_check(const char *path, char *why, size_t whylen)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s, not a file", conf_file_kind(&st));
		return -1;
	}
	return 0;
}

/*
 * Reads the regular file path whole into a new *buf (*len bytes, then a
 * NUL), at most max bytes. Returns 0, or -1 with the reason (without the
 * path) in why.
 */
static int
conf_file_slurp(const char *path, size_t max, char **buf, size_t *len,
    char *why, size_t whylen)
{
	struct stat st;
	ssize_t n;
	size_t have = 0;
	char *b;
	int fd;

	*buf = NULL;
	if (conf_file_check(path, why, whylen) == -1)
		return -1;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "cannot stat: %s", strerror(errno));
		close(fd);
		return -1;
	}
	/* Swapped since the stat() above: refused all the same. */
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s, not a file", conf_file_kind(&st));
		close(fd);
		return -1;
	}
	if ((b = malloc(max + 2)) == NULL) {
		close(fd);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	/* One byte more than allowed tells a file that is too large, also
	 * one that grows while it is read. */
	while (have <= max && (n = read(fd, b + have, max + 1 - have)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(why, whylen, "cannot read: %s",
			    strerror(errno));
			break;
		}
		have += (size_t)n;
	}
	close(fd);
	if (have > max || n == -1) {
		if (have > max)
			snprintf(why, whylen, "too large: a config with its "
			    "includes may have at most %d bytes", CONF_FILE_MAX);
		free(b);
		return -1;
	}
	b[have] = '\0';
	*buf = b;
	*len = have;
	return 0;
}

/* Appends n bytes of s to the text. Returns 0, or -1 when out of memory. */
static int
conf_src_put(struct conf_src *src, const char *s, size_t n)
{
	size_t cap;
	char *t;

	if (src->len + n + 1 > src->cap) {
		cap = src->cap ? src->cap : 4096;
		while (cap < src->len + n + 1)
			cap *= 2;
		if ((t = realloc(src->text, cap)) == NULL)
			return -1;
		src->text = t;
		src->cap = cap;
	}
	memcpy(src->text + src->len, s, n);
	src->len += n;
	src->text[src->len] = '\0';
	while (n-- > 0)
		if (*s++ == '\n')
			src->newlines++;
	return 0;
}

/* Starts a run: the next line of the text is line file_line of file. */
static int
conf_src_seg(struct conf_src *src, size_t file, unsigned file_line)
{
	struct conf_seg *s;

	if ((s = realloc(src->segs, (src->nsegs + 1) * sizeof(*s))) == NULL)
		return -1;
	src->segs = s;
	s[src->nsegs].text_line = src->newlines + 1;
	s[src->nsegs].file = file;
	s[src->nsegs].file_line = file_line;
	src->nsegs++;
	return 0;
}

static int
conf_src_nomem(struct conf_src *src)
{
	return conf_src_fail(src, src->nfiles > 0 ? src->files[0] : "config",
	    0, "out of memory");
}

/*
 * The file an @include names: as it is when absolute, else next to the
 * including file. NULL when out of memory.
 */
static char *
conf_include_path(const char *from, const char *name)
{
	const char *slash = strrchr(from, '/');
	size_t dir;
	char *p;

	if (name[0] == '/' || slash == NULL)
		return strdup(name);
	dir = (size_t)(slash - from) + 1;
	if ((p = malloc(dir + strlen(name) + 1)) == NULL)
		return NULL;
	memcpy(p, from, dir);
	strcpy(p + dir, name);
	return p;
}

static int conf_src_file(struct conf_src *src, const char *path, int depth,
    const char *from, unsigned from_line);

/*
 * At sc->i stands what libconfig takes for an include: at the start of a
 * line, [ \t]*@include[ \t]+". Returns the index of the opening quote, or
 * 0 when there is none.
 */
static size_t
conf_scan_include(const struct conf_scan *sc)
{
	size_t j = sc->i, k;

	while (j < sc->len && (sc->buf[j] == ' ' || sc->buf[j] == '\t'))
		j++;
	if (sc->len - j < 8 || memcmp(sc->buf + j, "@include", 8) != 0)
		return 0;
	for (k = j + 8; k < sc->len && (sc->buf[k] == ' ' ||
	    sc->buf[k] == '\t'); k++)
		;
	if (k == j + 8 || k >= sc->len || sc->buf[k] != '"')
		return 0;
	return k;
}

/*
 * Expands the @include whose opening quote is at q: reads the name (with
 * libconfig's escapes \\ and \"), checks that nothing but a comment
 * follows on the line, and inserts the file in place of the line.
 * Returns 0 with sc past the line, or -1.
 */
static int
conf_scan_expand(struct conf_src *src, struct conf_scan *sc, size_t q)
{
	char *name, *path;
	size_t j, n = 0;
	int rc;

	if ((name = malloc(sc->len - q)) == NULL)
		return conf_src_nomem(src);
	for (j = q + 1; j < sc->len && sc->buf[j] != '"' &&
	    sc->buf[j] != '\n'; j++) {
		if (sc->buf[j] == '\\' && j + 1 < sc->len &&
		    (sc->buf[j + 1] == '\\' || sc->buf[j + 1] == '"'))
			j++;
		name[n++] = sc->buf[j];
	}
	name[n] = '\0';
	if (j >= sc->len || sc->buf[j] != '"' || n == 0) {
		free(name);
		return conf_src_fail(src, sc->path, sc->line, "@include: "
		    "expected a file name in quotes on this line");
	}
	for (j++; j < sc->len && strchr(" \t\r", sc->buf[j]) != NULL; j++)
		;
	if (j < sc->len && sc->buf[j] != '\n' && sc->buf[j] != '#' &&
	    !(sc->buf[j] == '/' && j + 1 < sc->len && sc->buf[j + 1] == '/')) {
		free(name);
		return conf_src_fail(src, sc->path, sc->line, "@include: "
		    "nothing but a comment may follow the file name");
	}
	while (j < sc->len && sc->buf[j] != '\n')
		j++;
	path = conf_include_path(sc->path, name);
	free(name);
	if (path == NULL)
		return conf_src_nomem(src);
	rc = conf_src_file(src, path, sc->depth + 1, sc->path, sc->line);
	free(path);
	/* The included text ends its own line; the including file goes on
	 * with the line after the directive. */
	if (rc == 0 && src->len > 0 && src->text[src->len - 1] != '\n' &&
	    conf_src_put(src, "\n", 1) == -1)
		rc = conf_src_nomem(src);
	sc->i = j < sc->len ? j + 1 : j;
	sc->line++;
	if (rc == 0 && conf_src_seg(src, sc->file, sc->line) == -1)
		rc = conf_src_nomem(src);
	return rc;
}

/*
 * A backslash at sc->i in a string: the length of its escape as libconfig
 * reads it (\xHH 4, \n \r \t \f \\ \" 2, else the backslash alone), or 0
 * for \x00, which libconfig would drop.
 */
static size_t
conf_scan_escape(const struct conf_scan *sc)
{
	const char *p = sc->buf + sc->i;
	size_t left = sc->len - sc->i;

	if (left >= 4 && (p[1] == 'x' || p[1] == 'X') &&
	    strchr("0123456789abcdefABCDEF", p[2]) != NULL && p[2] != '\0' &&
	    strchr("0123456789abcdefABCDEF", p[3]) != NULL && p[3] != '\0')
		return p[2] == '0' && p[3] == '0' ? 0 : 4;
	if (left >= 2 && strchr("nrtf\\\"", p[1]) != NULL && p[1] != '\0')
		return 2;
	return 1;
}

enum conf_lex { LEX_CODE, LEX_STRING, LEX_LINE_COMMENT, LEX_COMMENT };

/*
 * Copies the file in sc into the text as libconfig would scan it, with
 * its @include lines expanded. Returns 0, or -1 with the file and line
 * of the first thing refused.
 */
static int
conf_scan(struct conf_src *src, struct conf_scan *sc)
{
	enum conf_lex lex = LEX_CODE;
	unsigned opened = 0;     /* where a string or comment began */
	size_t q, n;
	char c;

	while (sc->i < sc->len) {
		c = sc->buf[sc->i];
		n = 1;
		if (c == '\0')
			return conf_src_fail(src, sc->path, sc->line, "a NUL "
			    "byte: a config is text");
		if (lex == LEX_CODE && (sc->i == 0 || sc->buf[sc->i - 1] ==
		    '\n') && (q = conf_scan_include(sc)) != 0) {
			if (conf_scan_expand(src, sc, q) == -1)
				return -1;
			continue;
		}
		switch (lex) {
		case LEX_CODE:
			if (c == '"')
				lex = LEX_STRING;
			else if (c == '#' || (c == '/' &&
			    sc->buf[sc->i + 1] == '/'))
				lex = LEX_LINE_COMMENT;
			else if (c == '/' && sc->buf[sc->i + 1] == '*') {
				lex = LEX_COMMENT;
				n = 2;
			}
			opened = sc->line;
			break;
		case LEX_STRING:
			if (c == '"')
				lex = LEX_CODE;
			else if (c == '\\' && (n = conf_scan_escape(sc)) == 0)
				return conf_src_fail(src, sc->path, sc->line,
				    "\\x00 in a string: a text may not hold a "
				    "NUL byte");
			break;
		case LEX_LINE_COMMENT:
			if (c == '\n')
				lex = LEX_CODE;
			break;
		case LEX_COMMENT:
			if (c == '*' && sc->buf[sc->i + 1] == '/') {
				lex = LEX_CODE;
				n = 2;
			}
			break;
		}
		if (conf_src_put(src, sc->buf + sc->i, n) == -1)
			return conf_src_nomem(src);
		if (c == '\n')
			sc->line++;
		sc->i += n;
	}
	if (lex == LEX_STRING || lex == LEX_COMMENT)
		return conf_src_fail(src, sc->path, opened, "%s that never "
		    "ends", lex == LEX_STRING ? "a string" : "a comment");
	return 0;
}

/*
 * Reads path (included from from:from_line, or the config itself when
 * from is NULL) into the text. Returns 0 or -1.
 */
static int
conf_src_file(struct conf_src *src, const char *path, int depth,
    const char *from, unsigned from_line)
{
	struct conf_scan sc;
	char why[160], **files, *buf;
	size_t len;
	int rc;

	if (depth > CONF_INCLUDE_DEPTH)
		return conf_src_fail(src, from, from_line, "@include \"%s\": "
		    "more than %d levels deep (does a file include itself?)",
		    path, CONF_INCLUDE_DEPTH);
	if (conf_file_slurp(path, CONF_FILE_MAX - src->len, &buf, &len, why,
	    sizeof(why)) == -1) {
		if (from == NULL)
			return conf_src_fail(src, path, 0, "%s", why);
		return conf_src_fail(src, from, from_line, "@include \"%s\": "
		    "%s", path, why);
	}
	if ((files = realloc(src->files, (src->nfiles + 1) *
	    sizeof(*files))) == NULL || (src->files = files,
	    (files[src->nfiles] = strdup(path)) == NULL)) {
		free(buf);
		return conf_src_nomem(src);
	}
	memset(&sc, 0, sizeof(sc));
	sc.file = src->nfiles++;
	sc.path = src->files[sc.file];
	sc.buf = buf;
	sc.len = len;
	sc.line = 1;
	sc.depth = depth;
	/* A UTF-8 byte-order mark, as some Windows editors write. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		sc.i = 3;
	if (conf_src_seg(src, sc.file, 1) == -1)
		rc = conf_src_nomem(src);
	else
		rc = conf_scan(src, &sc);
	free(buf);
	return rc;
}

int
conf_src_read(const char *path, struct conf_src **out, char *err,
    size_t errlen)
{
	struct conf_src *src;

	*out = NULL;
	if ((src = calloc(1, sizeof(*src))) == NULL) {
		if (errlen > 0)
			snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	src->err = err;
	src->errlen = errlen;
	if (conf_src_file(src, path, 0, NULL, 0) == -1) {
		conf_src_free(src);
		return -1;
	}
	/* An empty file is an empty text, not none. */
	if (src->text == NULL && conf_src_put(src, "", 0) == -1) {
		conf_src_nomem(src);
		conf_src_free(src);
		return -1;
	}
	src->err = NULL;
	src->errlen = 0;
	*out = src;
	return 0;
}

const char *
conf_src_text(const struct conf_src *src)
{
	return src->text;
}

const char *
conf_src_where(const struct conf_src *src, unsigned text_line,
    unsigned *file_line)
{
	const struct conf_seg *seg = NULL;
	size_t i;

	for (i = 0; i < src->nsegs && src->segs[i].text_line <= text_line;
	    i++)
		seg = &src->segs[i];
	if (seg == NULL) {
		*file_line = text_line;
		return src->nfiles > 0 ? src->files[0] : "";
	}
	*file_line = seg->file_line + (text_line - seg->text_line);
	return src->files[seg->file];
}

const struct conf_src *
conf_src_of(const config_setting_t *s)
{
	while (s != NULL && config_setting_parent(s) != NULL)
		s = config_setting_parent(s);
	return s != NULL ? config_setting_get_hook(s) : NULL;
}

void
conf_src_free(struct conf_src *src)
{
	size_t i;

	if (src == NULL)
		return;
	for (i = 0; i < src->nfiles; i++)
		free(src->files[i]);
	free(src->files);
	free(src->segs);
	free(src->text);
	free(src);
}
