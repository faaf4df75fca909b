/*
 * campaign_words: the campaign's words compiled with the keywords'
 * forgiving matcher (match.h), and what a survey answer says.
 *
 * match_new() compiles the keywords of a struct conf; each set of
 * campaign words (the join and leave words of the series, the start words
 * of the surveys, the words of the sources; the options of one choice
 * question; yes and no) is handed to it as the keyword groups of a conf
 * made for the purpose, with the real conf's matching settings. The
 * compiled keys point at the words, which the conf owns: the conf made
 * for the purpose goes once compiled.
 *
 * A choice's option i (1-based) is also its digit, its Mongolian and
 * English number word and its Latin letter ("1", "нэг", "one", "A"): added
 * to the option's words at load, so that they are the conf's to own.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "conf.h"
#include "conf_int.h"
#include "match.h"

/* What each compiled group of the campaign matcher stands for. */
struct campaign_target {
	enum campaign_word what;
	size_t index;
};

struct campaign_words {
	struct match *match;
	struct campaign_target *targets;
	size_t ntargets;
};

static const char *const campaign_digit[] = { "1", "2", "3", "4", "5", "6",
    "7", "8", "9" };
static const char *const campaign_mn[] = { "нэг", "хоёр", "гурав", "дөрөв",
    "тав", "зургаа", "долоо", "найм", "ес" };
static const char *const campaign_en[] = { "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine" };
static const char *const campaign_letter[] = { "a", "b", "c", "d", "e", "f",
    "g", "h", "i" };

/* Yes and no, in Mongolian (Cyrillic; the Latin spellings come from the
 * transliteration) and English. */
static char *campaign_yes[] = { "тийм", "тиймээ", "за", "yes", "y", "ok",
    NULL };
static char *campaign_no[] = { "үгүй", "угуй", "биш", "no", "n", "ugui",
    "ugu", NULL };

void
campaign_words_free(struct campaign_words *w)
{
	if (w == NULL)
		return;
	match_free(w->match);
	free(w->targets);
	free(w);
}

/* Compiles the n groups in kw with conf's matching settings. */
static struct match *
campaign_compile(const struct conf *conf, struct conf_keyword *kw, size_t n,
    char *err, size_t errlen)
{
	struct conf fake;

	memset(&fake, 0, sizeof(fake));
	fake.matching = conf->matching;
	fake.keywords = kw;
	fake.nkeywords = n;
	return match_new(&fake, err, errlen);
}

/* Adds group words[0..n) standing for (what, index) to kw and t. */
static void
campaign_group(struct conf_keyword *kw, struct campaign_target *t,
    size_t *n, char **words, size_t nwords, enum campaign_word what,
    size_t index)
{
	if (nwords == 0)
		return;
	kw[*n].words = words;
	kw[*n].nwords = nwords;
	kw[*n].language = -1;
	t[*n].what = what;
	t[*n].index = index;
	(*n)++;
}

/* The campaign matcher: series, surveys and sources. */
static int
campaign_compile_words(struct conf *conf, char *err, size_t errlen)
{
	struct conf_campaign *c = &conf->campaign;
	struct campaign_words *w;
	struct conf_keyword *kw;
	size_t i, n = 0, max = 2 * c->nseries + c->nsurveys + c->nsources;

	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->targets = calloc(max + 1, sizeof(*w->targets))) == NULL ||
	    (kw = calloc(max + 1, sizeof(*kw))) == NULL) {
		campaign_words_free(w);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < c->nseries; i++) {
		campaign_group(kw, w->targets, &n, c->series[i].words,
		    c->series[i].nwords, CAMPAIGN_JOIN, i);
		campaign_group(kw, w->targets, &n, c->series[i].leave_words,
		    c->series[i].nleave_words, CAMPAIGN_LEAVE, i);
	}
	for (i = 0; i < c->nsurveys; i++)
		campaign_group(kw, w->targets, &n, c->surveys[i].words,
		    c->surveys[i].nwords, CAMPAIGN_SURVEY, i);
	for (i = 0; i < c->nsources; i++)
		campaign_group(kw, w->targets, &n, c->sources[i].words,
		    c->sources[i].nwords, CAMPAIGN_SOURCE, i);
	w->ntargets = n;
	w->match = campaign_compile(conf, kw, n, err, errlen);
	free(kw);
	if (w->match == NULL) {
		campaign_words_free(w);
		return -1;
	}
	c->words = w;
	return 0;
}

/* Option i (0-based) of q gets its digit, number words and letter. */
static int
campaign_option_words(struct conf_option *o, size_t i)
{
	const char *add[] = { campaign_digit[i], campaign_mn[i],
	    campaign_en[i], campaign_letter[i], i == 0 ? "а" : i == 1 ? "б" :
	    NULL };
	size_t k, n = sizeof(add) / sizeof(add[0]);
	char **words;

	if ((words = realloc(o->words, (o->nwords + n + 1) *
	    sizeof(*words))) == NULL)
		return -1;
	o->words = words;
	for (k = 0; k < n && add[k] != NULL; k++) {
		if ((words[o->nwords] = strdup(add[k])) == NULL)
			return -1;
		words[++o->nwords] = NULL;
	}
	return 0;
}

/* A choice question's matcher: its options with their added words. */
static int
campaign_compile_choice(const struct conf *conf, struct conf_question *q,
    char *err, size_t errlen)
{
	struct conf_keyword *kw;
	size_t i;

	if ((kw = calloc(q->noptions, sizeof(*kw))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < q->noptions; i++) {
		if (campaign_option_words(&q->options[i], i) == -1) {
			free(kw);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		kw[i].words = q->options[i].words;
		kw[i].nwords = q->options[i].nwords;
		kw[i].language = -1;
	}
	q->match = campaign_compile(conf, kw, q->noptions, err, errlen);
	free(kw);
	return q->match != NULL ? 0 : -1;
}

int
conf_campaign_compile(struct conf *conf, char *err, size_t errlen)
{
	struct conf_campaign *c = &conf->campaign;
	struct conf_keyword kw[2];
	size_t i, k;

	memset(kw, 0, sizeof(kw));
	kw[0].words = campaign_yes;
	kw[0].nwords = sizeof(campaign_yes) / sizeof(campaign_yes[0]) - 1;
	kw[1].words = campaign_no;
	kw[1].nwords = sizeof(campaign_no) / sizeof(campaign_no[0]) - 1;
	if ((c->yesno = campaign_compile(conf, kw, 2, err, errlen)) == NULL ||
	    campaign_compile_words(conf, err, errlen) == -1)
		return -1;
	for (i = 0; i < c->nsurveys; i++)
		for (k = 0; k < c->surveys[i].nquestions; k++)
			if (c->surveys[i].questions[k].type == CONF_Q_CHOICE &&
			    campaign_compile_choice(conf,
			    &c->surveys[i].questions[k], err, errlen) == -1)
				return -1;
	return 0;
}

int
campaign_match(const struct conf *conf, const char *text,
    struct campaign_hit *hit)
{
	const struct campaign_words *w = conf->campaign.words;
	struct match_result m;

	memset(hit, 0, sizeof(*hit));
	hit->lang = -1;
	if (w == NULL || w->ntargets == 0 || !match_text(w->match, text, &m) ||
	    m.keyword >= w->ntargets)
		return 0;
	hit->what = w->targets[m.keyword].what;
	hit->index = w->targets[m.keyword].index;
	hit->lang = m.lang;
	return 1;
}

/* A whole number at the start of text (after spaces), followed by
 * nothing, a space or punctuation. Returns 1 with *out, else 0. */
static int
campaign_number(const char *text, long *out)
{
	const char *p = text;
	long v = 0;
	int neg = 0, digits = 0;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; *p >= '0' && *p <= '9' && digits < 9; p++, digits++)
		v = v * 10 + (*p - '0');
	if (digits == 0 || (*p >= '0' && *p <= '9') ||
	    isalpha((unsigned char)*p))
		return 0;
	*out = neg ? -v : v;
	return 1;
}

int
campaign_answer(const struct conf *conf, const struct conf_question *q,
    const char *text, struct campaign_value *v)
{
	struct match_result m;
	const char *p;

	memset(v, 0, sizeof(*v));
	switch (q->type) {
	case CONF_Q_CHOICE:
		if (q->match == NULL || !match_text(q->match, text, &m) ||
		    m.keyword >= q->noptions)
			return 0;
		v->choice = (int)m.keyword + 1;
		return 1;
	case CONF_Q_YESNO:
		if (conf->campaign.yesno == NULL ||
		    !match_text(conf->campaign.yesno, text, &m))
			return 0;
		v->choice = (int)m.keyword + 1;
		return 1;
	case CONF_Q_NUMBER:
		if (!campaign_number(text, &v->number))
			return 0;
		return v->number >= q->min && v->number <= q->max;
	case CONF_Q_TEXT:
		for (p = text; *p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n'; p++)
			;
		v->text = p;
		return *p != '\0';
	}
	return 0;
}

const struct conf_survey *
campaign_survey(const struct conf *conf, const char *name, size_t *index)
{
	size_t i;

	for (i = 0; i < conf->campaign.nsurveys; i++)
		if (strcmp(conf->campaign.surveys[i].name, name) == 0) {
			if (index != NULL)
				*index = i;
			return &conf->campaign.surveys[i];
		}
	return NULL;
}

const struct conf_series *
campaign_series(const struct conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->campaign.nseries; i++)
		if (strcmp(conf->campaign.series[i].name, name) == 0)
			return &conf->campaign.series[i];
	return NULL;
}

const struct conf_survey *
campaign_post_of(const struct conf *conf, const struct conf_survey *pre)
{
	const struct conf_survey *s;
	size_t i, k;

	if (pre->wave == NULL || strcmp(pre->wave, "pre") != 0)
		return NULL;
	for (i = 0; i < conf->campaign.nsurveys; i++) {
		s = &conf->campaign.surveys[i];
		if (s->wave == NULL || strcmp(s->wave, "post") != 0 ||
		    s->nquestions != pre->nquestions)
			continue;
		for (k = 0; k < s->nquestions && strcmp(s->questions[k].name,
		    pre->questions[k].name) == 0; k++)
			;
		if (k == s->nquestions)
			return s;
	}
	return NULL;
}
