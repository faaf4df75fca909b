/*
 * match: the keyword matcher, compiled once per conf.
 *
 * Compiling turns every trigger word into keys: its normalised form, and
 * for a Cyrillic word each Latin spelling the transliteration table gives
 * (up to MATCH_SPELLINGS). Matching normalises the message once, then for
 * the first one, two, ... words compares with the keys of that many words:
 * exactly first, and only when nothing matched exactly, by a bounded edit
 * distance. A few hundred keys of short words: microseconds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "conf.h"
#include "match.h"
#include "text.h"

#define MATCH_SPELLINGS 64       /* Latin spellings kept per word */
#define MATCH_CHARS 80           /* code points compared by distance */

struct match_key {
	char *s;                 /* normalised spelling */
	size_t len;              /* its bytes */
	uint32_t *u;             /* its code points */
	size_t ulen;
	size_t nwords;
	enum match_kind kind;
	enum match_target target;
	size_t keyword;
	size_t order;            /* stop 0, start 1, keywords 2.. */
	int lang;
	int typos;               /* edit distance allowed */
	const char *word;        /* the config's word */
};

struct match {
	struct match_key *keys;
	size_t nkeys, cap;
	size_t maxwords;
	char **not_typos;        /* normalised */
	size_t nnot_typos;
	int typo1, typo2;
};

/* A word being compiled: what its keys share. */
struct match_src {
	struct match *m;
	enum match_target target;
	size_t keyword, order;
	int fuzzy;               /* 0 for stop and start words */
	const char *word;
};

/* Writes "what" about word into err. */
static void
match_err(char *err, size_t errlen, const char *what, const char *word)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s%s%s%s", word ? "\"" : "",
		    word ? word : "", word ? "\": " : "", what);
}

const char *
match_kind_name(enum match_kind kind)
{
	static const char *const names[] = { "none", "exact", "menu",
	    "translit", "fuzzy" };

	if ((int)kind < 0 || kind > MATCH_FUZZY)
		return "?";
	return names[kind];
}

size_t
match_size(const struct match *m)
{
	return m->nkeys;
}

/* Decodes s into at most max code points; returns how many. */
static size_t
match_decode(const char *s, uint32_t *u, size_t max)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = 0;
	ucs4_t uc;
	int k;

	while (*p != '\0' && n < max) {
		if ((k = u8_strmbtouc(&uc, p)) <= 0)
			break;
		u[n++] = uc;
		p += k;
	}
	return n;
}

/* 1 when the normalised s is digits and spaces only. */
static int
match_is_digits(const char *s)
{
	return s[strspn(s, "0123456789 ")] == '\0';
}

/* Adds the key s of kind for src. 0, or -1 when out of memory. */
static int
match_add(struct match_src *src, const char *s, enum match_kind kind,
    int lang)
{
	struct match *m = src->m;
	struct match_key *k, *keys;
	uint32_t u[MATCH_CHARS];
	size_t i, letters;

	if (m->nkeys == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		if ((keys = realloc(m->keys, m->cap * sizeof(*keys))) == NULL)
			return -1;
		m->keys = keys;
	}
	k = &m->keys[m->nkeys];
	memset(k, 0, sizeof(*k));
	k->ulen = match_decode(s, u, MATCH_CHARS);
	if ((k->s = strdup(s)) == NULL ||
	    (k->u = calloc(k->ulen + 1, sizeof(*k->u))) == NULL) {
		free(k->s);
		return -1;
	}
	memcpy(k->u, u, k->ulen * sizeof(*u));
	k->len = strlen(s);
	for (k->nwords = 1, i = 0; s[i] != '\0'; i++)
		k->nwords += s[i] == ' ';
	for (letters = 0, i = 0; i < k->ulen; i++)
		letters += u[i] != ' ';
	k->kind = kind;
	k->target = src->target;
	k->keyword = src->keyword;
	k->order = src->order;
	k->lang = lang;
	k->word = src->word;
	if (src->fuzzy && kind != MATCH_MENU && m->typo1 > 0)
		k->typos = (m->typo2 > 0 && letters >= (size_t)m->typo2) ? 2 :
		    letters >= (size_t)m->typo1 ? 1 : 0;
	if (k->nwords > m->maxwords)
		m->maxwords = k->nwords;
	m->nkeys++;
	return 0;
}

static int
match_add_spelling(void *arg, const char *spelling)
{
	return match_add(arg, spelling, MATCH_TRANSLIT, LANG_MN_LATN);
}

/* Compiles one config word into its keys. 0, or -1 and err. */
static int
match_add_word(struct match_src *src, const struct text_translit *tl,
    char *err, size_t errlen)
{
	char norm[TEXT_NORM_MAX];
	int lang = -1;

	if (text_normalize(src->word, strlen(src->word), norm,
	    sizeof(norm)) <= 0) {
		match_err(err, errlen, "no letter or digit", src->word);
		return -1;
	}
	if (match_is_digits(norm))
		return match_add(src, norm, MATCH_MENU, -1);
	if (text_is_cyrillic(norm))
		lang = LANG_MN;
	else if (text_is_latin(norm))
		lang = LANG_EN;
	if (match_add(src, norm, MATCH_EXACT, lang) == -1 ||
	    (lang == LANG_MN && text_translit_each(tl, norm, MATCH_SPELLINGS,
	    match_add_spelling, src) == -1)) {
		match_err(err, errlen, "out of memory", NULL);
		return -1;
	}
	return 0;
}

/*
 * A Latin word of a group that is also a spelling of one of the group's
 * Cyrillic words ("TUSLAMJ" beside "ТУСЛАМЖ") is Latin Mongolian, not
 * English: it tells the language to answer in.
 */
static void
match_mark_latn(struct match *m, size_t from)
{
	struct match_key *a, *b;
	size_t i, j;

	for (i = from; i < m->nkeys; i++) {
		a = &m->keys[i];
		if (a->kind != MATCH_EXACT || a->lang != LANG_EN)
			continue;
		for (j = from; j < m->nkeys; j++) {
			b = &m->keys[j];
			if (b->kind == MATCH_TRANSLIT &&
			    b->target == a->target &&
			    b->keyword == a->keyword && strcmp(a->s, b->s) == 0) {
				a->lang = LANG_MN_LATN;
				break;
			}
		}
	}
}

/* Compiles a list of words for one target. 0, or -1 and err. */
static int
match_add_set(struct match_src *src, char *const *words, size_t n,
    const struct text_translit *tl, char *err, size_t errlen)
{
	size_t i, from = src->m->nkeys;

	for (i = 0; i < n; i++) {
		src->word = words[i];
		if (match_add_word(src, tl, err, errlen) == -1)
			return -1;
	}
	match_mark_latn(src->m, from);
	return 0;
}

/* The table with the config's extra spellings. NULL and err on error. */
static struct text_translit *
match_translit(const struct conf *conf, char *err, size_t errlen)
{
	const struct conf_matching *cm = &conf->matching;
	struct text_translit *tl;
	char why[128];
	size_t i;

	if ((tl = text_translit_new()) == NULL) {
		match_err(err, errlen, "out of memory", NULL);
		return NULL;
	}
	for (i = 0; i + 1 < cm->ntranslit; i += 2)
		if (text_translit_add(tl, cm->translit[i], cm->translit[i + 1],
		    why, sizeof(why)) == -1) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "transliteration \"%s\" "
				    "\"%s\": %s", cm->translit[i],
				    cm->translit[i + 1], why);
			text_translit_free(tl);
			return NULL;
		}
	return tl;
}

/* The not_typos list, normalised. 0, or -1 when out of memory. */
static int
match_not_typos(struct match *m, const struct conf_matching *cm)
{
	char norm[TEXT_NORM_MAX];
	size_t i;

	if (cm->nnot_typos == 0)
		return 0;
	if ((m->not_typos = calloc(cm->nnot_typos, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < cm->nnot_typos; i++) {
		if (text_normalize(cm->not_typos[i], strlen(cm->not_typos[i]),
		    norm, sizeof(norm)) < 0)
			norm[0] = '\0';
		if ((m->not_typos[m->nnot_typos] = strdup(norm)) == NULL)
			return -1;
		m->nnot_typos++;
	}
	return 0;
}

struct match *
match_new(const struct conf *conf, char *err, size_t errlen)
{
	struct match_src src;
	struct text_translit *tl;
	struct match *m;
	size_t i;
	int rc = 0;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		match_err(err, errlen, "out of memory", NULL);
		return NULL;
	}
	m->typo1 = conf->matching.typo_length;
	m->typo2 = conf->matching.typo2_length;
	if (match_not_typos(m, &conf->matching) == -1) {
		match_err(err, errlen, "out of memory", NULL);
		match_free(m);
		return NULL;
	}
	if ((tl = match_translit(conf, err, errlen)) == NULL) {
		match_free(m);
		return NULL;
	}
	src = (struct match_src){ m, MATCH_STOP, 0, 0, 0, NULL };
	rc = match_add_set(&src, conf->stop_words, conf->nstop_words, tl,
	    err, errlen);
	src.target = MATCH_START;
	src.order = 1;
	if (rc == 0)
		rc = match_add_set(&src, conf->start_words, conf->nstart_words,
		    tl, err, errlen);
	src.target = MATCH_KEYWORD;
	src.fuzzy = 1;
	for (i = 0; rc == 0 && i < conf->nkeywords; i++) {
		src.keyword = i;
		src.order = 2 + i;
		rc = match_add_set(&src, conf->keywords[i].words,
		    conf->keywords[i].nwords, tl, err, errlen);
	}
	text_translit_free(tl);
	if (rc == -1) {
		match_free(m);
		return NULL;
	}
	return m;
}

void
match_free(struct match *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nkeys; i++) {
		free(m->keys[i].s);
		free(m->keys[i].u);
	}
	for (i = 0; i < m->nnot_typos; i++)
		free(m->not_typos[i]);
	free(m->not_typos);
	free(m->keys);
	free(m);
}

/*
 * The optimal string alignment distance of a and b (insertions,
 * deletions, substitutions, transpositions of neighbours), or max + 1 as
 * soon as it must exceed max.
 */
static int
match_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
    int max)
{
	int rows[3][MATCH_CHARS + 1], *pp, *p, *c, best, v;
	size_t i, j;

	if ((na > nb ? na - nb : nb - na) > (size_t)max)
		return max + 1;
	for (j = 0; j <= nb; j++)
		rows[0][j] = (int)j;
	for (i = 1; i <= na; i++) {
		c = rows[i % 3];
		p = rows[(i - 1) % 3];
		pp = rows[(i + 1) % 3];         /* row i - 2 */
		c[0] = best = (int)i;
		for (j = 1; j <= nb; j++) {
			v = p[j - 1] + (a[i - 1] != b[j - 1]);
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
	}
	return rows[na % 3][nb];
}

/* The rank of a key matched with d typos: exact and menu first, then
 * transliterated, then fuzzy with one typo, then two. */
static int
match_rank(const struct match_key *k, int d)
{
	if (d > 0)
		return MATCH_FUZZY + d;
	return k->kind == MATCH_MENU ? MATCH_EXACT : (int)k->kind;
}

/* 1 when key k with distance d beats the best so far, b (NULL: none). */
static int
match_better(const struct match_key *k, int d, const struct match_key *b,
    int bd)
{
	if (b == NULL)
		return 1;
	if (match_rank(k, d) != match_rank(b, bd))
		return match_rank(k, d) < match_rank(b, bd);
	if (k->ulen != b->ulen)
		return k->ulen > b->ulen;
	return k->order < b->order;
}

/* 1 when the message's first word(s), cand, may be read as a typo. */
static int
match_may_typo(const struct match *m, const char *cand, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (cand[i] >= '0' && cand[i] <= '9')
			return 0;
	for (i = 0; i < m->nnot_typos; i++)
		if (strlen(m->not_typos[i]) == len &&
		    memcmp(m->not_typos[i], cand, len) == 0)
			return 0;
	return 1;
}

/*
 * The best key for the first nwords words of norm (len bytes of it), by
 * exact comparison, then (fuzzy) by distance. NULL when none.
 */
static const struct match_key *
match_prefix(const struct match *m, const char *norm, size_t len,
    size_t nwords, int fuzzy, int *dist)
{
	const struct match_key *best = NULL, *k;
	uint32_t u[MATCH_CHARS];
	char cand[TEXT_NORM_MAX];
	size_t i, nu = 0;
	int d, bd = 0;

	if (fuzzy) {
		if (!match_may_typo(m, norm, len))
			return NULL;
		memcpy(cand, norm, len);
		cand[len] = '\0';
		nu = match_decode(cand, u, MATCH_CHARS);
	}
	for (i = 0; i < m->nkeys; i++) {
		k = &m->keys[i];
		if (k->nwords != nwords)
			continue;
		if (!fuzzy) {
			if (k->len != len || memcmp(k->s, norm, len) != 0)
				continue;
			d = 0;
		} else {
			if (k->typos == 0 || nu >= MATCH_CHARS)
				continue;
			d = match_distance(k->u, k->ulen, u, nu, k->typos);
			if (d == 0 || d > k->typos)
				continue;
		}
		if (match_better(k, d, best, bd)) {
			best = k;
			bd = d;
		}
	}
	*dist = bd;
	return best;
}

int
match_text(const struct match *m, const char *text, struct match_result *out)
{
	const struct match_key *k = NULL, *b = NULL;
	char norm[TEXT_NORM_MAX];
	size_t ends[16], nw = 0, i;
	int fuzzy, d = 0, bd = 0;

	memset(out, 0, sizeof(*out));
	out->lang = -1;
	if (text_normalize(text, strlen(text), norm, sizeof(norm)) <= 0)
		return 0;
	for (i = 0; norm[i] != '\0' && nw < m->maxwords && nw < 16; i++)
		if (norm[i + 1] == ' ' || norm[i + 1] == '\0')
			ends[nw++] = i + 1;
	for (fuzzy = 0; fuzzy < 2 && b == NULL; fuzzy++)
		for (i = 0; i < nw; i++) {
			k = match_prefix(m, norm, ends[i], i + 1, fuzzy, &d);
			if (k != NULL && match_better(k, d, b, bd)) {
				b = k;
				bd = d;
			}
		}
	if (b == NULL)
		return 0;
	out->kind = bd > 0 ? MATCH_FUZZY : b->kind;
	out->target = b->target;
	out->keyword = b->keyword;
	out->lang = b->lang;
	out->distance = bd;
	out->word = b->word;
	return 1;
}
