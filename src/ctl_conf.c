/*
 * ctl_conf: shukherctl config check.
 *
 * Reads a config with the daemon's own conf_load(), so that what it accepts
 * is exactly what the daemon will accept, and shows what a campaign team
 * checks after editing texts: each keyword group, its trigger words and
 * the languages it has replies in, and what each reply costs: its
 * characters, encoding and SMS segments (sms.h, the daemon's own
 * calculator), with a warning for each reply over limits.max_segments,
 * each hotline missing from the help reply, and a config without any
 * keywords. The modem's PIN is never shown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "conf.h"
#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "route.h"
#include "sms.h"
#include "store.h"

/* A reference as the store draws them (STORE_REF_LEN characters of its
 * GSM-7 alphabet), for pricing an acknowledgement the way the daemon
 * builds it: route_ack_text(), the one builder. */
#define CTL_CONF_REF "ABCDEFGHJKLMNPQRSTUVWXYZ"

/* One reply text, priced. */
struct ctl_conf_cost {
	const char *group;
	enum lang lang;
	struct sms_info sms;
	int ref;                 /* 1: a report reference is appended */
	const char *missing;     /* a hotline the help text lacks, or NULL */
};

/* The question asked again after a wrong answer, with the hint before it
 * (campaign_hinted(), as it is sent), priced as "GROUP+hint". */
static void
ctl_conf_hinted(const struct conf *conf, const char *group,
    const struct conf_survey *su, const struct conf_question *q,
    void (*fn)(void *, const struct conf *, const char *,
    const struct conf_reply *, int), void *arg)
{
	struct conf_reply r;
	char g[176];
	int l;

	memset(&r, 0, sizeof(r));
	for (l = 0; l < LANG_COUNT; l++)
		if (q->text.text[l] != NULL)
			r.text[l] = campaign_hinted(conf, su, q, (enum lang)l);
	snprintf(g, sizeof(g), "%s+hint", group);
	fn(arg, conf, g, &r, 0);
	for (l = 0; l < LANG_COUNT; l++)
		free(r.text[l]);
}

/* Calls fn for each text of the campaign: series confirmations and
 * messages, survey texts and questions ("series.tips[3]"). */
static void
ctl_conf_each_campaign(const struct conf *conf,
    void (*fn)(void *, const struct conf *, const char *,
    const struct conf_reply *, int), void *arg)
{
	const struct conf_campaign *c = &conf->campaign;
	const struct conf_series *se;
	const struct conf_survey *su;
	char g[160];
	size_t i, k;

	for (i = 0; i < c->nseries; i++) {
		se = &c->series[i];
		snprintf(g, sizeof(g), "series.%s.confirm", se->name);
		fn(arg, conf, g, &se->confirm, 0);
		snprintf(g, sizeof(g), "series.%s.left", se->name);
		fn(arg, conf, g, &se->left, 0);
		for (k = 0; k < se->nmessages; k++) {
			snprintf(g, sizeof(g), "series.%s[%zu]", se->name,
			    k + 1);
			fn(arg, conf, g, &se->messages[k], 0);
		}
	}
	for (i = 0; i < c->nsurveys; i++) {
		su = &c->surveys[i];
		snprintf(g, sizeof(g), "surveys.%s.consent", su->name);
		fn(arg, conf, g, &su->consent, 0);
		snprintf(g, sizeof(g), "surveys.%s.done", su->name);
		fn(arg, conf, g, &su->done, 0);
		snprintf(g, sizeof(g), "surveys.%s.repeat", su->name);
		fn(arg, conf, g, &su->repeat, 0);
		for (k = 0; k < su->nquestions; k++) {
			snprintf(g, sizeof(g), "surveys.%s.%s", su->name,
			    su->questions[k].name);
			fn(arg, conf, g, &su->questions[k].text, 0);
			ctl_conf_hinted(conf, g, su, &su->questions[k], fn,
			    arg);
		}
	}
}

/*
 * The first language the default reply has that a campaign text lacks
 * (its group's name starts "series." or "surveys."), or NULL: a person
 * who joined in that language would get another.
 */
static const char *
ctl_conf_missing_lang(const struct conf *conf, const char *group,
    const struct conf_reply *reply)
{
	int l;

	if (strncmp(group, "series.", 7) != 0 &&
	    strncmp(group, "surveys.", 8) != 0)
		return NULL;
	for (l = 0; l < LANG_COUNT; l++)
		if (conf->default_reply.text[l] != NULL &&
		    reply->text[l] == NULL)
			return lang_name((enum lang)l);
	return NULL;
}

/* Calls fn for each reply text of conf: groups, default, stop, start. */
static void
ctl_conf_each_reply(const struct conf *conf,
    void (*fn)(void *, const struct conf *, const char *,
    const struct conf_reply *, int), void *arg)
{
	size_t i;

	for (i = 0; i < conf->nkeywords; i++)
		fn(arg, conf, conf->keywords[i].name, &conf->keywords[i].reply,
		    conf->keywords[i].report);
	fn(arg, conf, "default", &conf->default_reply, 0);
	fn(arg, conf, "stop", &conf->stop_reply, 0);
	fn(arg, conf, "start", &conf->start_reply, 0);
	ctl_conf_each_campaign(conf, fn, arg);
}

/* Prices text in lang for group into c. */
static void
ctl_conf_price(const struct conf *conf, const char *group,
    const char *text, enum lang lang, int ref, struct ctl_conf_cost *c)
{
	char sample[STORE_REF_LEN + 1], *buf;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->group = group;
	c->lang = lang;
	c->ref = ref;
	memcpy(sample, CTL_CONF_REF, STORE_REF_LEN);
	sample[STORE_REF_LEN] = '\0';
	if ((buf = route_ack_text(text, ref ? sample : NULL)) != NULL) {
		sms_measure(buf, &c->sms);
		free(buf);
	}
	if (strcmp(group, "help") != 0)
		return;
	for (i = 0; i < conf->nhotlines && c->missing == NULL; i++)
		if (strstr(text, conf->hotlines[i]) == NULL)
			c->missing = conf->hotlines[i];
}

static void
ctl_conf_cost_json(void *arg, const struct conf *conf, const char *group,
    const struct conf_reply *reply, int ref)
{
	struct json *j = arg;
	struct ctl_conf_cost c;
	const char *missing = ctl_conf_missing_lang(conf, group, reply);
	int l;

	for (l = 0; l < LANG_COUNT; l++) {
		if (reply->text[l] == NULL)
			continue;
		ctl_conf_price(conf, group, reply->text[l], (enum lang)l, ref,
		    &c);
		json_object_begin(j);
		json_kv_string(j, "group", group);
		json_kv_string(j, "language", lang_name((enum lang)l));
		json_kv_int(j, "characters", (int64_t)c.sms.chars);
		json_kv_string(j, "encoding", sms_encoding_name(c.sms.encoding));
		json_kv_int(j, "segments", c.sms.segments);
		json_kv_bool(j, "with_reference", ref);
		json_kv_bool(j, "over_max_segments",
		    c.sms.segments > conf->limits.max_segments);
		json_kv_string(j, "missing_hotline", c.missing);
		json_kv_string(j, "missing_language", missing);
		json_object_end(j);
	}
}

/* Counts the warnings a printed table gave; width: of its first column,
 * the longest group's name ("series.tips.confirm"), measured first. */
struct ctl_conf_print {
	FILE *fp;
	int warnings;
	int width;
};

static void
ctl_conf_cost_width(void *arg, const struct conf *conf, const char *group,
    const struct conf_reply *reply, int ref)
{
	struct ctl_conf_print *p = arg;
	int n = (int)strlen(group);

	(void)conf;
	(void)reply;
	(void)ref;
	if (n > p->width)
		p->width = n;
}

static void
ctl_conf_cost_print(void *arg, const struct conf *conf, const char *group,
    const struct conf_reply *reply, int ref)
{
	struct ctl_conf_print *p = arg;
	struct ctl_conf_cost c;
	const char *missing = ctl_conf_missing_lang(conf, group, reply);
	int l;

	if (missing != NULL) {
		fprintf(p->fp, "  warning: %s has no %s text\n", group,
		    missing);
		p->warnings++;
	}

	for (l = 0; l < LANG_COUNT; l++) {
		if (reply->text[l] == NULL)
			continue;
		ctl_conf_price(conf, group, reply->text[l], (enum lang)l, ref,
		    &c);
		fprintf(p->fp, "  %-*s %-8s %5zu%s %-6s %d\n", p->width,
		    group, lang_name((enum lang)l), c.sms.chars, ref ? "+ref" : "    ",
		    sms_encoding_name(c.sms.encoding), c.sms.segments);
		if (c.sms.segments > conf->limits.max_segments) {
			fprintf(p->fp, "  warning: %s.%s takes %d segments, "
			    "more than max_segments %d\n", group,
			    lang_name((enum lang)l), c.sms.segments,
			    conf->limits.max_segments);
			p->warnings++;
		}
		if (c.missing != NULL) {
			fprintf(p->fp, "  warning: %s.%s does not give the "
			    "hotline %s\n", group, lang_name((enum lang)l),
			    c.missing);
			p->warnings++;
		}
	}
}

/*
 * What is wrong with the config as a whole rather than with one reply: a
 * config without keywords loads (the daemon answers STOP, START and the
 * default reply), but is most likely a mistake. NULL when nothing is.
 */
static const char *
ctl_conf_no_keywords(const struct conf *conf)
{
	if (conf->nkeywords > 0)
		return NULL;
	if (conf_reply_text(conf, &conf->default_reply, conf->language) ==
	    NULL)
		return "no keywords and no default_reply: nothing but stop "
		    "and start words is answered";
	return "no keywords: every text gets only the default_reply";
}

/* The reply table of the text output, and its warnings. */
static void
ctl_conf_print_costs(FILE *fp, const struct conf *conf)
{
	struct ctl_conf_print p = { fp, 0, 12 };
	const char *w;

	ctl_conf_each_reply(conf, ctl_conf_cost_width, &p);
	fprintf(fp, "\nreplies    (at most %d segments each)\n",
	    conf->limits.max_segments);
	fprintf(fp, "  %-*s %-8s %-9s %-6s %s\n", p.width, "group",
	    "language", "chars", "enc", "segments");
	ctl_conf_each_reply(conf, ctl_conf_cost_print, &p);
	if ((w = ctl_conf_no_keywords(conf)) != NULL) {
		fprintf(fp, "  warning: %s\n", w);
		p.warnings++;
	}
	if ((w = conf_unsealed(conf)) != NULL) {
		fprintf(fp, "  warning: %s\n", w);
		p.warnings++;
	}
	fprintf(fp, "  %d warning%s\n", p.warnings, p.warnings == 1 ? "" :
	    "s");
}

static void
ctl_conf_keyword_json(struct json *j, const struct conf_keyword *k)
{
	size_t w;
	int l;

	json_object_begin(j);
	json_kv_string(j, "name", k->name);
	json_key(j, "words");
	json_array_begin(j);
	for (w = 0; w < k->nwords; w++)
		json_string(j, k->words[w]);
	json_array_end(j);
	json_key(j, "languages");
	json_array_begin(j);
	for (l = 0; l < LANG_COUNT; l++)
		if (k->reply.text[l] != NULL)
			json_string(j, lang_name((enum lang)l));
	json_array_end(j);
	json_kv_bool(j, "report", k->report);
	json_object_end(j);
}

static void
ctl_conf_json(struct json *j, const char *path, const struct conf *conf,
    const char *err)
{
	size_t i;

	json_object_begin(j);
	json_kv_string(j, "path", path);
	json_kv_bool(j, "ok", conf != NULL);
	json_kv_string(j, "error", conf == NULL ? err : NULL);
	json_kv_string(j, "database", conf != NULL ? conf->database : NULL);
	json_kv_bool(j, "sealed", conf != NULL && conf_unsealed(conf) == NULL);
	json_key(j, "keywords");
	json_array_begin(j);
	for (i = 0; conf != NULL && i < conf->nkeywords; i++)
		ctl_conf_keyword_json(j, &conf->keywords[i]);
	json_array_end(j);
	json_key(j, "replies");
	json_array_begin(j);
	if (conf != NULL)
		ctl_conf_each_reply(conf, ctl_conf_cost_json, j);
	json_array_end(j);
	/* Beyond the replies' own (over_max_segments, missing_hotline). */
	json_key(j, "warnings");
	json_array_begin(j);
	if (conf != NULL && ctl_conf_no_keywords(conf) != NULL)
		json_string(j, ctl_conf_no_keywords(conf));
	if (conf != NULL && conf_unsealed(conf) != NULL)
		json_string(j, conf_unsealed(conf));
	json_array_end(j);
	json_object_end(j);
}

/* Prints the NULL-free list of n strings, cleaned, joined by ", ". */
static void
ctl_conf_print_list(FILE *fp, char *const *items, size_t n)
{
	char *s;
	size_t i;

	for (i = 0; i < n; i++) {
		s = ctl_clean(items[i], 0);
		fprintf(fp, "%s%s", i > 0 ? ", " : "", s != NULL ? s : "?");
		free(s);
	}
}

static void
ctl_conf_print(FILE *fp, const struct conf *conf)
{
	const struct conf_keyword *k;
	size_t i;
	int l, any;

	fprintf(fp, "%s: ok\n", conf->path);
	fprintf(fp, "database   %s\n", conf->database);
	fprintf(fp, "language   %s\n", lang_name(conf->language));
	fprintf(fp, "keywords   %zu\n", conf->nkeywords);
	for (i = 0; i < conf->nkeywords; i++) {
		k = &conf->keywords[i];
		fprintf(fp, "\n  %s%s\n    words:   ", k->name,
		    k->report ? " (files a report)" : "");
		ctl_conf_print_list(fp, k->words, k->nwords);
		fprintf(fp, "\n    replies:");
		for (l = 0, any = 0; l < LANG_COUNT; l++)
			if (k->reply.text[l] != NULL) {
				fprintf(fp, "%s%s", any ? ", " : " ",
				    lang_name((enum lang)l));
				any = 1;
			}
		fprintf(fp, "%s\n", any ? "" : " none");
	}
	if (conf->nstop_words > 0) {
		fprintf(fp, "\n  stop words: ");
		ctl_conf_print_list(fp, conf->stop_words, conf->nstop_words);
		fprintf(fp, "\n");
	}
	ctl_conf_print_costs(fp, conf);
}

int
ctl_config_check(struct ctl *ctl, struct ctl_args *args)
{
	struct conf *conf = NULL;
	char err[512];

	if (conf_load(ctl->conf_path, &conf, err, sizeof(err)) == -1) {
		if (ctl->json != NULL)
			ctl_conf_json(ctl->json, ctl->conf_path, NULL, err);
		ctl_err("%s", err);
		return EXIT_CONFIG;
	}
	if (ctl->json != NULL)
		ctl_conf_json(ctl->json, ctl->conf_path, conf, NULL);
	else
		ctl_conf_print(ctl->out, conf);
	conf_free(conf);
	return EXIT_OK;
}
