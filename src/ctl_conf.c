/*
 * ctl_conf: shukherctl config check.
 *
 * Reads a config with the daemon's own conf_load(), so that what it accepts
 * is exactly what the daemon will accept, and shows what a campaign team
 * checks after editing texts: each keyword group, its trigger words and
 * the languages it has replies in. The modem's PIN is never shown.
 */
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"
#include "ctl.h"
#include "exitcode.h"
#include "json.h"

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
	json_key(j, "keywords");
	json_array_begin(j);
	for (i = 0; conf != NULL && i < conf->nkeywords; i++)
		ctl_conf_keyword_json(j, &conf->keywords[i]);
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
