/*
 * text: what a message says, reduced to the form keywords are compared in.
 *
 * People type the same word many ways: "Тусламж!", "ТУСЛАМЖ", "тусламжжж",
 * "tuslamj", "ＴＵＳＬＡＭＪ". text_normalize() makes one form of them all
 * with libunistring (NFKC, Unicode case folding, Ө ө Ү ү included), reads
 * every Unicode decimal digit as an ASCII digit, drops punctuation, symbols
 * and emoji, squeezes runs of one letter into one ("тусламжжж" and
 * "medeeleh"/"medeleh" become one) and leaves single spaces between words.
 *
 * The transliteration table says how Mongolians type each Cyrillic letter
 * in Latin letters (ж as j or zh, ө as o, u, v or ö, ...): data, extensible
 * from the config, used to spell a Cyrillic keyword every way it can be
 * texted. Also here: where UTF-8 may be cut without splitting a character,
 * and what a phone number looks like. The library never logs.
 */
#ifndef SHUKHER_TEXT_H
#define SHUKHER_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of normalised text that are ever worth keeping: keywords are at
 * most 64 characters, and matching looks at the first words only. */
#define TEXT_NORM_MAX 512

/*
 * Normalises s[0..len) into out (outlen bytes, NUL-terminated): see above.
 * Only the start of a long text is read; when the result does not fit,
 * the words that do are kept and the cut one dropped. Returns the length
 * of out (0 for a text without letters or digits), or -1 when s is not
 * valid UTF-8 or out is smaller than 8 bytes.
 */
int text_normalize(const char *s, size_t len, char *out, size_t outlen);

/*
 * Whether word can stand as a trigger word in the config: after
 * normalisation it is not empty, it is at most 64 characters, and it was
 * written as letters, digits and single spaces only (a word with
 * punctuation or edge spaces would suggest these matter, which they
 * never do). Returns 0, or -1 with the reason in err ("" when none fits).
 */
int text_word_check(const char *word, char *err, size_t errlen);

/*
 * How many bytes of s[0..len) to keep so that they hold at most max bytes
 * and max_chars characters and end where a character ends (SIZE_MAX: no
 * limit): the one way a text is cut to fit. A byte that begins no
 * well-formed UTF-8 character counts as one character of its own, so that
 * anything can be cut. Returns a count <= len.
 */
size_t text_utf8_cut(const char *s, size_t len, size_t max,
    size_t max_chars);

/*
 * Copies the UTF-8 string src into out (outlen bytes, NUL-terminated when
 * outlen > 0), cut by text_utf8_cut() to fit. Returns the bytes copied.
 */
size_t text_utf8_copy(char *out, size_t outlen, const char *src);

/* The most digits a phone number has: what an SMS address holds
 * (3GPP TS 23.040 9.1.2.5). */
#define TEXT_NUMBER_DIGITS_MAX 20

/*
 * 1 when s is a phone number, else 0: an optional "+", then at least
 * min_digits and at most TEXT_NUMBER_DIGITS_MAX ASCII digits, nothing
 * else. The one check of a number wherever one comes in (the modem, the
 * CLI, the config); a NULL s is not a number.
 */
int text_number_ok(const char *s, size_t min_digits);

/* 1 when s (UTF-8) holds a Cyrillic letter, else 0. */
int text_is_cyrillic(const char *s);

/* 1 when s holds no letter outside ASCII a-z/A-Z, and a letter at all. */
int text_is_latin(const char *s);

/* The transliteration table: a letter and the Latin spellings of it. */
struct text_translit;

/*
 * A new table holding the built-in Mongolian spellings (text.c lists
 * them). Returns NULL when out of memory. Caller frees with
 * text_translit_free().
 */
struct text_translit *text_translit_new(void);
void text_translit_free(struct text_translit *t);

/*
 * Adds latin (letters only, "" for a letter that may be left out) as one
 * more spelling of letter (one character, any case). Returns 0, or -1 with
 * a reason in err when either is unusable or the table is full.
 */
int text_translit_add(struct text_translit *t, const char *letter,
    const char *latin, char *err, size_t errlen);

/*
 * Calls fn(arg, spelling) for each Latin spelling of the normalised text
 * norm (as text_normalize() writes it), each normalised in turn and each
 * given once, at most max of them. Letters the table does not know are
 * kept as they are; a norm without a known letter yields nothing.
 * Returns the number of spellings given, or -1 when fn returned -1 or
 * memory ran out.
 */
int text_translit_each(const struct text_translit *t, const char *norm,
    size_t max, int (*fn)(void *arg, const char *spelling), void *arg);

/*
 * Writes the table as "а=a ж=j|zh ..." lines, one letter per line, into
 * fn: what the documentation and shukherctl show. Returns 0.
 */
int text_translit_dump(const struct text_translit *t,
    void (*fn)(void *arg, const char *letter, const char *const *latin,
    size_t n), void *arg);

#endif
