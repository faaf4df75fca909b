/*
 * match: which keyword group a message is, the way people really type.
 *
 * A matcher is compiled once from a struct conf (conf_load() builds one
 * and keeps it in conf->match) and then answers in microseconds. A group
 * matches when the message's first word or words, or all of it, equal one
 * of its words after text_normalize(), or
 *   - a Latin spelling of a Cyrillic word (the transliteration table:
 *     "tuslamj", "tuslamzh" for "тусламж"),
 *   - that or the word with a typo: edit distance (with transpositions) 1
 *     for words of typo_length letters, 2 for typo2_length, never for a
 *     word on the not_typos list, never for stop and start words,
 *   - a menu choice: a word of digits ("1", "2.", "#3", "３").
 * Ties are resolved the same way every time: exact (and menu) before
 * transliterated before fuzzy (fewer typos first), then the longer
 * keyword, then stop, start and the groups in config order.
 */
#ifndef SHUKHER_MATCH_H
#define SHUKHER_MATCH_H

#include <stddef.h>

#include "conf.h"

enum match_kind {
	MATCH_NONE = 0,
	MATCH_EXACT,             /* a word as the config writes it */
	MATCH_MENU,              /* a word of digits: a menu choice */
	MATCH_TRANSLIT,          /* a Latin spelling of a Cyrillic word */
	MATCH_FUZZY,             /* either of these with typos */
};

enum match_target {
	MATCH_KEYWORD = 0,       /* conf->keywords[keyword] */
	MATCH_STOP,
	MATCH_START,
};

struct match_result {
	enum match_kind kind;    /* MATCH_NONE: nothing matched */
	enum match_target target;
	size_t keyword;          /* index into conf->keywords */
	int lang;                /* how the matched word was written:
	                            LANG_MN (Cyrillic), LANG_MN_LATN (Latin
	                            Mongolian), LANG_EN (another Latin word),
	                            -1 when it tells nothing (digits) */
	int distance;            /* typos, for MATCH_FUZZY */
	const char *word;        /* the config's word; owned by the conf */
};

struct match;

/*
 * Compiles the matcher for conf's words, stop and start words and its
 * matching settings. The conf must outlive it. Returns NULL with a reason
 * in err (a bad transliteration entry, out of memory). Caller frees with
 * match_free().
 */
struct match *match_new(const struct conf *conf, char *err, size_t errlen);
void match_free(struct match *m);

/*
 * Matches the UTF-8 text. Returns 1 and fills out, or 0 (out->kind
 * MATCH_NONE) when nothing matches or text is not valid UTF-8.
 */
int match_text(const struct match *m, const char *text,
    struct match_result *out);

/* The number of spellings compiled in: for benchmarks and checks. */
size_t match_size(const struct match *m);

/* "exact", "menu", "translit", "fuzzy" or "none". */
const char *match_kind_name(enum match_kind kind);

#endif
