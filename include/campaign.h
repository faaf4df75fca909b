/*
 * campaign: opt-in series, broadcasts, surveys and sources, beside the
 * keywords.
 *
 * What the words of a message mean for the campaign (campaign_match())
 * and what an answer to a survey question is (campaign_answer()) are
 * pure functions of the conf, for the router's decide stage; the router
 * (route.h) is the one path a message takes: joining, leaving, a survey's
 * start and answers and a source's word are outcomes of its decision.
 * campaign_tick() is the daemon's scheduler: due series messages and
 * broadcasts queued (never in quiet hours, only to numbers that opted in),
 * silent survey attempts ended as partial, and the keyed hashes of
 * attempts whose window ended dropped with what still held the number.
 */
#ifndef SHUKHER_CAMPAIGN_H
#define SHUKHER_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "store.h"

enum campaign_word {
	CAMPAIGN_NONE = 0,
	CAMPAIGN_JOIN,           /* conf->campaign.series[index] */
	CAMPAIGN_LEAVE,          /* a series' leave word: every series */
	CAMPAIGN_SURVEY,         /* conf->campaign.surveys[index] */
	CAMPAIGN_SOURCE,         /* conf->campaign.sources[index] */
};

struct campaign_hit {
	enum campaign_word what;
	size_t index;
	int lang;                /* how the word was written (match.h), -1 */
};

/*
 * What campaign word text starts with (the forgiving matcher of
 * keywords: transliteration, typos; the longest word wins). Returns 1 and
 * fills hit, or 0 (hit->what CAMPAIGN_NONE). Pure.
 */
int campaign_match(const struct conf *conf, const char *text,
    struct campaign_hit *hit);

/* An answer to one question. */
struct campaign_value {
	int choice;              /* CONF_Q_CHOICE: 1-based; CONF_Q_YESNO: 1
	                            yes, 2 no */
	long number;             /* CONF_Q_NUMBER */
	const char *text;        /* CONF_Q_TEXT: borrowed, trimmed start */
};

/*
 * Reads text as an answer to q: a choice as "1", "1.", "нэг", "one",
 * "A" or (forgivingly) the option's words; a number in range; yes or no
 * in Mongolian (Cyrillic or Latin) or English; any text that is not
 * blank. Returns 1 with v filled, 0 when it is not an answer. Pure.
 */
int campaign_answer(const struct conf *conf, const struct conf_question *q,
    const char *text, struct campaign_value *v);

/* A question asked again after a wrong answer: s's hint, a space, then
 * q's text, each in lang (or conf_reply_text()'s fallback), as sent and as
 * `config check` prices it. Caller frees; NULL when out of memory or
 * either text is missing. */
char *campaign_hinted(const struct conf *conf, const struct conf_survey *s,
    const struct conf_question *q, enum lang lang);

/* The survey named name, or NULL. */
const struct conf_survey *campaign_survey(const struct conf *conf,
    const char *name, size_t *index);
/* The post survey that goes with survey pre (wave "pre"): wave "post",
 * the same questions by name. NULL when none. */
const struct conf_survey *campaign_post_of(const struct conf *conf,
    const struct conf_survey *pre);
/* The series named name, or NULL. */
const struct conf_series *campaign_series(const struct conf *conf,
    const char *name);

/*
 * When a subscriber of series s who got message number sent (1-based) at
 * time now gets the next: now + every, or the next daily time at least an
 * hour away (local time).
 */
int64_t campaign_next_at(const struct conf_series *s, int64_t now);

/*
 * The keyed hash of number for survey (32 bytes): what an attempt keeps
 * of its respondent, from the device secret (store_device_key(),
 * purpose "survey"); one per survey, so that a pre and a post attempt of
 * one person are not linked. Returns 0 or -1.
 */
int campaign_survey_hash(struct store *store, const char *survey,
    const char *number, unsigned char *hash);

/*
 * The scheduler, once per loop pass: outside quiet hours, due series
 * messages and due broadcasts queued (dated by broadcast.h); in quiet
 * hours, broadcast SMS still queued and due before their end dated again
 * for after them; always, silent attempts ended as
 * partial and finished windows forgotten. Each step in its own
 * transaction. Returns the number of messages queued, or -1 on a store
 * error (what was committed stays).
 */
int campaign_tick(struct store *store, const struct conf *conf, int64_t now);

#endif
