/*
 * conf_match: the "matching" group and the "hotlines" list of shukher.conf.
 *
 *   matching = {
 *       typo_length = 4;        # words this long may have one typo
 *       typo2_length = 8;       # and two
 *       not_typos = [ "hello", "shop" ];
 *       transliteration = ( [ "ө", "oe" ], [ "х", "q" ] );
 *   };
 *
 * Kept apart from conf.c, which reads everything else, so that the
 * matcher's settings and their checks live in one place. Each
 * transliteration entry is tried on a scratch table here, so that a bad
 * one is reported with its line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf.h"
#include "conf_int.h"
#include "text.h"

/* Appends a copy of s to the list. 0, or -1 when out of memory. */
static int
conf_match_push(char ***list, size_t *n, const char *s)
{
	char **l;

	if ((l = realloc(*list, (*n + 1) * sizeof(*l))) == NULL)
		return -1;
	*list = l;
	if ((l[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

/* One entry [ "letter", "spelling", ... ] of the transliteration list. */
static int
conf_match_translit_entry(const struct conf_ctx *ctx,
    const config_setting_t *e, int i, struct text_translit *tl,
    struct conf_matching *out)
{
	const config_setting_t *x;
	const char *letter, *spell;
	char why[128];
	int j, n;

	n = config_setting_length(e);
	if ((!config_setting_is_array(e) && !config_setting_is_list(e)) ||
	    n < 2)
		return conf_fail(ctx, e, "transliteration[%d]: expected "
		    "[ \"letter\", \"spelling\", ... ]", i);
	for (j = 0; j < n; j++) {
		x = config_setting_get_elem(e, (unsigned)j);
		if (config_setting_type(x) != CONFIG_TYPE_STRING)
			return conf_fail(ctx, x, "transliteration[%d]: expected "
			    "strings", i);
	}
	letter = config_setting_get_string_elem(e, 0);
	for (j = 1; j < n; j++) {
		spell = config_setting_get_string_elem(e, j);
		if (text_translit_add(tl, letter, spell, why, sizeof(why)) == -1)
			return conf_fail(ctx, e, "transliteration[%d]: %s", i,
			    why);
		if (conf_match_push(&out->translit, &out->ntranslit,
		    letter) == -1 || conf_match_push(&out->translit,
		    &out->ntranslit, spell) == -1)
			return conf_nomem(ctx);
	}
	return 0;
}

static int
conf_match_translit(const struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_matching *out)
{
	const config_setting_t *s, *e;
	struct text_translit *tl;
	int i, rc = 0;

	if ((s = config_setting_get_member(g, "transliteration")) == NULL)
		return 0;
	if (!config_setting_is_list(s) && !config_setting_is_array(s))
		return conf_fail(ctx, s, "transliteration: expected a list "
		    "( [ \"ө\", \"oe\" ], ... )");
	if ((tl = text_translit_new()) == NULL)
		return conf_nomem(ctx);
	for (i = 0; rc == 0 &&
	    (e = config_setting_get_elem(s, (unsigned)i)) != NULL; i++)
		rc = conf_match_translit_entry(ctx, e, i, tl, out);
	text_translit_free(tl);
	return rc;
}

/*
 * Ordinary words one typo away from a usual keyword ("hello" is "helo"
 * once repeated letters go, one letter from "help"): the not_typos list
 * when the config gives none.
 */
static const char *const conf_match_not_typos_default[] = {
	"hello", "hell", "held", "helm", "hemp", "yelp", "kelp", "shop",
	"step", "stow", "stay", "start", "tops", "spot", "post", "port",
	"sport", "resort", "repeat", "jobs", "blob", "mob", NULL,
};

int
conf_matching_read(const struct conf_ctx *fctx, const config_setting_t *root,
    struct conf_matching *out)
{
	static const char *const keys[] = { "typo_length", "typo2_length",
	    "not_typos", "transliteration", NULL };
	struct conf_ctx ctx = conf_ctx_group(fctx, "matching");
	const config_setting_t *g;
	size_t i;

	for (i = 0; conf_match_not_typos_default[i] != NULL; i++)
		if (conf_match_push(&out->not_typos, &out->nnot_typos,
		    conf_match_not_typos_default[i]) == -1)
			return conf_nomem(&ctx);
	if (conf_group(fctx, root, "matching", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	/* 64: the longest word a keyword may be (text.h). */
	if (conf_keys(&ctx, g, keys) == -1 ||
	    conf_int(&ctx, g, "typo_length", 0, 64, &out->typo_length) == -1 ||
	    conf_int(&ctx, g, "typo2_length", 0, 64,
	    &out->typo2_length) == -1 ||
	    conf_strs(&ctx, g, "not_typos", 0, &out->not_typos,
	    &out->nnot_typos) == -1 ||
	    conf_match_translit(&ctx, g, out) == -1)
		return -1;
	if (out->typo2_length > 0 && out->typo2_length < out->typo_length)
		return conf_fail(&ctx, g, "typo2_length must not be below "
		    "typo_length");
	return 0;
}

void
conf_matching_free(struct conf_matching *m)
{
	size_t i;

	for (i = 0; i < m->nnot_typos; i++)
		free(m->not_typos[i]);
	free(m->not_typos);
	for (i = 0; i < m->ntranslit; i++)
		free(m->translit[i]);
	free(m->translit);
	m->not_typos = m->translit = NULL;
	m->nnot_typos = m->ntranslit = 0;
}

int
conf_hotlines_read(const struct conf_ctx *ctx, const config_setting_t *root,
    char ***out, size_t *n)
{
	const config_setting_t *g, *e;
	const char *s;
	int i;

	if ((g = config_setting_get_member(root, "hotlines")) == NULL)
		return 0;
	if (!config_setting_is_array(g) && !config_setting_is_list(g))
		return conf_fail(ctx, g, "hotlines: expected a list of numbers "
		    "[ \"102\", ... ]");
	for (i = 0; (e = config_setting_get_elem(g, (unsigned)i)) != NULL;
	    i++) {
		s = config_setting_type(e) == CONFIG_TYPE_STRING ?
		    config_setting_get_string(e) : NULL;
		if (!text_number_ok(s, 1))
			return conf_fail(ctx, e, "hotlines[%d]: expected a number "
			    "in quotes", i);
		if (conf_match_push(out, n, s) == -1)
			return conf_nomem(ctx);
	}
	return 0;
}
