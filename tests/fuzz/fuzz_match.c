/*
 * fuzz_match: libFuzzer target for normalisation and matching.
 *
 * Any bytes go through text_normalize(), text_word_check(), the
 * transliteration of what normalisation made, and the matcher compiled
 * from the shipped config (board/shukher.conf, loaded once): none of it
 * may crash, read out of bounds or leak, whatever a sender types.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "match.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct conf *fuzz_conf;
static struct text_translit *fuzz_tl;

static int
fuzz_count(void *arg, const char *spelling)
{
	(*(size_t *)arg) += strlen(spelling) > 0;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char norm[TEXT_NORM_MAX], small[16], err[128], *s;
	struct match_result r;
	size_t n = 0;

	if (fuzz_conf == NULL) {
		if (conf_load("board/shukher.conf", &fuzz_conf, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "fuzz: %s\n", err);
			abort();
		}
		if ((fuzz_tl = text_translit_new()) == NULL)
			abort();
	}
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (text_normalize(s, size, norm, sizeof(norm)) >= 0) {
		if (strlen(norm) >= sizeof(norm))
			abort();
		text_translit_each(fuzz_tl, norm, 16, fuzz_count, &n);
	}
	text_normalize(s, size, small, sizeof(small));
	text_word_check(s, err, sizeof(err));
	text_is_cyrillic(s);
	match_text(fuzz_conf->match, s, &r);
	if (r.kind != MATCH_NONE && r.target == MATCH_KEYWORD &&
	    r.keyword >= fuzz_conf->nkeywords)
		abort();
	free(s);
	return 0;
}
