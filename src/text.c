/*
 * text: normalisation of what people type, and the transliteration table.
 *
 * Everything Unicode goes through libunistring (NFKC, case folding,
 * general categories, decimal digit values); this file only decides what
 * to keep. The transliteration table is data, below: the ways Mongolians
 * write each Cyrillic letter in Latin letters on a phone, the first being
 * the common one. The config can add spellings (text_translit_add).
 * text_utf8_cut() is the one place that decides where UTF-8 may be cut,
 * text_number_ok() the one that says what a phone number is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "text.h"

#define TEXT_SCAN (4 * TEXT_NORM_MAX)   /* input bytes read at most */
#define TEXT_ALTS 8                     /* spellings per letter */
#define TEXT_LETTERS 96                 /* letters in one table */
#define TEXT_SPELL_MAX 48               /* bytes of one spelling */
#define TEXT_WORD_CHARS 64              /* characters in a trigger word */

/*
 * How Mongolian Cyrillic is typed in Latin letters on phones, the first
 * spelling being the usual one. An empty spelling means the letter may be
 * left out. Upper case needs no entry: both sides are case folded first.
 */
static const struct {
	const char *letter;
	const char *latin;       /* spellings separated by '|' */
} text_builtin[] = {
	{ "а", "a" }, { "б", "b" }, { "в", "v|w" }, { "г", "g" },
	{ "д", "d" }, { "е", "e|ye" }, { "ё", "yo|io|e" }, { "ж", "j|zh" },
	{ "з", "z|dz" }, { "и", "i" }, { "й", "i|y" }, { "к", "k" },
	{ "л", "l" }, { "м", "m" }, { "н", "n" }, { "о", "o" },
	{ "ө", "o|u|v|ö" }, { "п", "p" }, { "р", "r" }, { "с", "s" },
	{ "т", "t" }, { "у", "u" }, { "ү", "u|v|ü" }, { "ф", "f" },
	{ "х", "h|kh|x" }, { "ц", "ts|c" }, { "ч", "ch" }, { "ш", "sh" },
	{ "щ", "sh|sch" }, { "ъ", "|i" }, { "ы", "ii|y" }, { "ь", "i|" },
	{ "э", "e" }, { "ю", "yu|iu" }, { "я", "ya|ia" },
};

struct text_letter {
	ucs4_t uc;
	char *latin[TEXT_ALTS];
	size_t n;
};

struct text_translit {
	struct text_letter letters[TEXT_LETTERS];
	size_t n;
};

static void
text_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/* Frees r unless it is one of the caller's buffers. */
static void
text_release(uint8_t *r, const uint8_t *a, const uint8_t *b)
{
	if (r != NULL && r != a && r != b)
		free(r);
}

/*
 * The NFKC case fold of s[0..len) in *res (either buf, of *reslen bytes,
 * or allocated: release with text_release). Returns 0 or -1.
 */
static int
text_fold(const uint8_t *s, size_t len, uint8_t *nbuf, size_t nlen,
    uint8_t *buf, uint8_t **res, size_t *reslen)
{
	uint8_t *n;
	size_t nl = nlen;

	n = u8_normalize(UNINORM_NFKC, s, len, nbuf, &nl);
	if (n == NULL)
		return -1;
	*res = u8_casefold(n, nl, NULL, UNINORM_NFKC, buf, reslen);
	text_release(n, nbuf, buf);
	return *res == NULL ? -1 : 0;
}

/* Output of text_normalize() under construction. */
struct text_out {
	char *s;
	size_t len, cap;
	ucs4_t last;             /* last letter written, 0 after a space */
	int space;               /* a separator is pending */
	int full;                /* a character did not fit */
};

static void
text_put(struct text_out *o, ucs4_t uc, int letter)
{
	uint8_t b[6];
	int n;

	if (o->full)
		return;
	if (letter && uc == o->last && !o->space)
		return;                 /* "жжж" is "ж" */
	n = u8_uctomb(b, uc, sizeof(b));
	if (n <= 0)
		return;
	if (o->len + (o->space && o->len > 0) + (size_t)n + 1 > o->cap) {
		o->full = 1;
		return;
	}
	if (o->space && o->len > 0)
		o->s[o->len++] = ' ';
	o->space = 0;
	memcpy(o->s + o->len, b, (size_t)n);
	o->len += (size_t)n;
	o->last = letter ? uc : 0;
}

/* Writes the kept characters of folded text f[0..len) into o. */
static void
text_keep(struct text_out *o, const uint8_t *f, size_t len)
{
	const uint8_t *p = f, *end = f + len;
	ucs4_t uc;
	int n, d;

	while (p < end && !o->full) {
		n = u8_mbtouc(&uc, p, (size_t)(end - p));
		p += n;
		if ((d = uc_decimal_value(uc)) >= 0)
			text_put(o, (ucs4_t)('0' + d), 0);
		else if (uc_is_general_category(uc, UC_CATEGORY_L))
			text_put(o, uc, 1);
		else if (uc_is_general_category(uc, UC_CATEGORY_M)) {
			if (o->last != 0 && !o->space)
				text_put(o, uc, 0);
		} else {
			o->space = 1;
			o->last = 0;
		}
	}
}

size_t
text_utf8_cut(const char *s, size_t len, size_t max, size_t max_chars)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = 0, chars = 0;
	ucs4_t uc;
	int k;

	while (n < len && chars < max_chars) {
		if ((k = u8_mbtoucr(&uc, p + n, len - n)) < 1)
			k = 1;  /* ill-formed or incomplete: one byte alone */
		if ((size_t)k > max - n)
			break;
		n += (size_t)k;
		chars++;
	}
	return n;
}

size_t
text_utf8_copy(char *out, size_t outlen, const char *src)
{
	size_t n;

	if (outlen == 0)
		return 0;
	n = text_utf8_cut(src, strlen(src), outlen - 1, SIZE_MAX);
	memcpy(out, src, n);
	out[n] = '\0';
	return n;
}

int
text_number_ok(const char *s, size_t min_digits)
{
	size_t n;

	if (s == NULL)
		return 0;
	s += *s == '+';
	n = strspn(s, "0123456789");
	return s[n] == '\0' && n >= min_digits && n > 0 &&
	    n <= TEXT_NUMBER_DIGITS_MAX;
}

int
text_normalize(const char *s, size_t len, char *out, size_t outlen)
{
	uint8_t nbuf[TEXT_SCAN * 2], fbuf[TEXT_SCAN * 2], *f;
	struct text_out o = { out, 0, outlen, 0, 0, 0 };
	size_t scan, flen = sizeof(fbuf);
	char *sp;

	if (outlen < 8)
		return -1;
	out[0] = '\0';
	if (u8_check((const uint8_t *)s, len) != NULL)
		return -1;
	scan = text_utf8_cut(s, len, TEXT_SCAN, SIZE_MAX);
	if (text_fold((const uint8_t *)s, scan, nbuf, sizeof(nbuf), fbuf, &f,
	    &flen) == -1)
		return -1;
	text_keep(&o, f, flen);
	text_release(f, nbuf, fbuf);
	out[o.len] = '\0';
	if (o.full || scan < len) {     /* the last word may be cut short */
		sp = strrchr(out, ' ');
		o.len = sp != NULL ? (size_t)(sp - out) : 0;
		out[o.len] = '\0';
	}
	return (int)o.len;
}

int
text_word_check(const char *word, char *err, size_t errlen)
{
	const uint8_t *p = (const uint8_t *)word;
	char norm[TEXT_NORM_MAX];
	size_t chars = 0;
	ucs4_t uc, prev = ' ';
	int n;

	text_err(err, errlen, "");
	if (text_normalize(word, strlen(word), norm, sizeof(norm)) <= 0) {
		text_err(err, errlen, "no letter or digit");
		return -1;
	}
	while (*p != '\0') {
		if ((n = u8_strmbtouc(&uc, p)) <= 0)
			return -1;
		p += n;
		chars++;
		if (uc == ' ' && prev == ' ') {
			text_err(err, errlen, "a space at the start or two "
			    "in a row");
			return -1;
		}
		if (uc != ' ' && uc_decimal_value(uc) < 0 &&
		    !uc_is_general_category(uc, UC_CATEGORY_L) &&
		    !uc_is_general_category(uc, UC_CATEGORY_M)) {
			text_err(err, errlen, "punctuation or a symbol");
			return -1;
		}
		prev = uc;
	}
	if (prev == ' ') {
		text_err(err, errlen, "a space at the end");
		return -1;
	}
	if (chars > TEXT_WORD_CHARS) {
		text_err(err, errlen, "more than 64 characters");
		return -1;
	}
	return 0;
}

/* 1 when s has a code point for which is(uc) holds, else 0. */
static int
text_any(const char *s, int (*is)(ucs4_t))
{
	const uint8_t *p = (const uint8_t *)s;
	ucs4_t uc;
	int n;

	while (*p != '\0') {
		if ((n = u8_strmbtouc(&uc, p)) <= 0)
			return 0;
		if (is(uc))
			return 1;
		p += n;
	}
	return 0;
}

static int
text_uc_cyrillic(ucs4_t uc)
{
	return uc >= 0x400 && uc <= 0x52f;
}

static int
text_uc_nonlatin_letter(ucs4_t uc)
{
	return uc_is_general_category(uc, UC_CATEGORY_L) &&
	    !((uc >= 'a' && uc <= 'z') || (uc >= 'A' && uc <= 'Z'));
}

static int
text_uc_ascii_letter(ucs4_t uc)
{
	return (uc >= 'a' && uc <= 'z') || (uc >= 'A' && uc <= 'Z');
}

int
text_is_cyrillic(const char *s)
{
	return text_any(s, text_uc_cyrillic);
}

int
text_is_latin(const char *s)
{
	return text_any(s, text_uc_ascii_letter) &&
	    !text_any(s, text_uc_nonlatin_letter);
}

/* The entry of letter uc, or NULL. */
static struct text_letter *
text_find(const struct text_translit *t, ucs4_t uc)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->letters[i].uc == uc)
			return (struct text_letter *)&t->letters[i];
	return NULL;
}

/* Adds the normalised spelling latin to letter uc, once. 0 or -1. */
static int
text_add_spelling(struct text_translit *t, ucs4_t uc, const char *latin)
{
	struct text_letter *l;
	size_t i;

	if ((l = text_find(t, uc)) == NULL) {
		if (t->n == TEXT_LETTERS)
			return -1;
		l = &t->letters[t->n++];
		l->uc = uc;
	}
	for (i = 0; i < l->n; i++)
		if (strcmp(l->latin[i], latin) == 0)
			return 0;
	if (l->n == TEXT_ALTS || (l->latin[l->n] = strdup(latin)) == NULL)
		return -1;
	l->n++;
	return 0;
}

struct text_translit *
text_translit_new(void)
{
	struct text_translit *t;
	char buf[32], *p, *bar;
	size_t i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	for (i = 0; i < sizeof(text_builtin) / sizeof(text_builtin[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", text_builtin[i].latin);
		for (p = buf; p != NULL; p = bar) {
			if ((bar = strchr(p, '|')) != NULL)
				*bar++ = '\0';
			if (text_translit_add(t, text_builtin[i].letter, p,
			    NULL, 0) == -1) {
				text_translit_free(t);
				return NULL;
			}
		}
	}
	return t;
}

void
text_translit_free(struct text_translit *t)
{
	size_t i, j;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		for (j = 0; j < t->letters[i].n; j++)
			free(t->letters[i].latin[j]);
	free(t);
}

int
text_translit_add(struct text_translit *t, const char *letter,
    const char *latin, char *err, size_t errlen)
{
	char norm[64], spell[64];
	const uint8_t *p;
	ucs4_t uc;
	int n;

	if (text_normalize(letter, strlen(letter), norm, sizeof(norm)) <= 0 ||
	    (n = u8_strmbtouc(&uc, (const uint8_t *)norm)) <= 0 ||
	    norm[n] != '\0' || !uc_is_general_category(uc, UC_CATEGORY_L)) {
		text_err(err, errlen, "the letter must be one letter");
		return -1;
	}
	for (p = (const uint8_t *)latin; *p != '\0'; p += n) {
		ucs4_t c;

		if ((n = u8_strmbtouc(&c, p)) <= 0 ||
		    !uc_is_general_category(c, UC_CATEGORY_L)) {
			text_err(err, errlen, "a spelling must be letters only");
			return -1;
		}
	}
	if (strlen(latin) > 16 ||
	    text_normalize(latin, strlen(latin), spell, sizeof(spell)) < 0) {
		text_err(err, errlen, "a spelling must be at most 16 bytes");
		return -1;
	}
	if (text_add_spelling(t, uc, spell) == -1) {
		text_err(err, errlen, "too many spellings");
		return -1;
	}
	return 0;
}

/* The state of one text_translit_each() walk. */
struct text_walk {
	const struct text_translit *t;
	int (*fn)(void *, const char *);
	void *arg;
	char **seen;             /* spellings given so far */
	size_t nseen, max;
	size_t leaves;           /* complete spellings tried */
	int rc;                  /* -1 once fn or malloc failed */
};

/* Normalises one complete spelling and gives it unless seen before. */
static void
text_walk_leaf(struct text_walk *w, const char *buf, size_t len)
{
	char norm[TEXT_NORM_MAX];
	size_t i;

	w->leaves++;
	if (text_normalize(buf, len, norm, sizeof(norm)) <= 0)
		return;
	for (i = 0; i < w->nseen; i++)
		if (strcmp(w->seen[i], norm) == 0)
			return;
	if ((w->seen[w->nseen] = strdup(norm)) == NULL) {
		w->rc = -1;
		return;
	}
	w->nseen++;
	if (w->fn(w->arg, norm) == -1)
		w->rc = -1;
}

/* Spells the rest of the text, p, after the len bytes already in buf. */
static void
text_walk(struct text_walk *w, const uint8_t *p, char *buf, size_t len)
{
	const struct text_letter *l;
	size_t i, sl;
	ucs4_t uc;
	int n;

	if (w->rc == -1 || w->nseen >= w->max || w->leaves >= 8 * w->max)
		return;
	if (*p == '\0') {
		text_walk_leaf(w, buf, len);
		return;
	}
	if ((n = u8_strmbtouc(&uc, p)) <= 0)
		return;
	if ((l = text_find(w->t, uc)) == NULL) {
		if (len + (size_t)n >= TEXT_SPELL_MAX * 4)
			return;
		memcpy(buf + len, p, (size_t)n);
		text_walk(w, p + n, buf, len + (size_t)n);
		return;
	}
	for (i = 0; i < l->n; i++) {
		sl = strlen(l->latin[i]);
		if (len + sl >= TEXT_SPELL_MAX * 4)
			continue;
		memcpy(buf + len, l->latin[i], sl);
		text_walk(w, p + n, buf, len + sl);
	}
}

int
text_translit_each(const struct text_translit *t, const char *norm,
    size_t max, int (*fn)(void *arg, const char *spelling), void *arg)
{
	struct text_walk w = { t, fn, arg, NULL, 0, max, 0, 0 };
	char buf[TEXT_SPELL_MAX * 4];
	const uint8_t *p;
	ucs4_t uc;
	size_t i;
	int n, known = 0;

	for (p = (const uint8_t *)norm; *p != '\0'; p += n) {
		if ((n = u8_strmbtouc(&uc, p)) <= 0)
			return -1;
		if (text_find(t, uc) != NULL)
			known = 1;
	}
	if (!known || max == 0)
		return 0;
	if ((w.seen = calloc(max, sizeof(*w.seen))) == NULL)
		return -1;
	text_walk(&w, (const uint8_t *)norm, buf, 0);
	for (i = 0; i < w.nseen; i++)
		free(w.seen[i]);
	free(w.seen);
	return w.rc == -1 ? -1 : (int)w.nseen;
}

int
text_translit_dump(const struct text_translit *t,
    void (*fn)(void *arg, const char *letter, const char *const *latin,
    size_t n), void *arg)
{
	uint8_t b[8];
	size_t i;
	int n;

	for (i = 0; i < t->n; i++) {
		n = u8_uctomb(b, t->letters[i].uc, sizeof(b) - 1);
		b[n > 0 ? n : 0] = '\0';
		fn(arg, (const char *)b, (const char *const *)t->letters[i].latin,
		    t->letters[i].n);
	}
	return 0;
}
