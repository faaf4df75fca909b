/*
 * bench_match: how long matching takes, and what each reply costs.
 *
 * Matches every message of tests/data/messages.tsv against the shipped
 * config over and over and prints "match: N.NN us/message" (another
 * benchmark table parses that line), then the segments of every reply of
 * the shipped config. Figures only; never a pass or fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "match.h"
#include "sms.h"

#define SHIPPED "board/shukher.conf"
#define TABLE "tests/data/messages.tsv"
#define MAXMSG 512
#define ROUNDS 2000

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads the messages of the table into msgs; returns how many. */
static size_t
bench_read(char msgs[][128], size_t max)
{
	char line[128], *tab;
	size_t n = 0;
	FILE *fp;

	if ((fp = fopen(TABLE, "r")) == NULL)
		return 0;
	while (n < max && fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || (tab = strrchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		snprintf(msgs[n++], sizeof(msgs[0]), "%s", line);
	}
	fclose(fp);
	return n;
}

static void
bench_reply(const struct conf *conf, const char *group,
    const struct conf_reply *reply)
{
	struct sms_info info;
	int l;

	for (l = 0; l < LANG_COUNT; l++) {
		if (reply->text[l] == NULL || sms_measure(reply->text[l],
		    &info) == -1)
			continue;
		printf("  %-10s %-8s %5zu  %s  %d%s\n", group,
		    lang_name((enum lang)l), info.chars,
		    sms_encoding_name(info.encoding), info.segments,
		    info.segments > conf->limits.max_segments ? "  OVER" : "");
	}
}

int
main(void)
{
	static char msgs[MAXMSG][128];
	struct match_result r;
	struct conf *conf;
	char err[512];
	double t0, t1;
	size_t n, i, k, hits = 0;

	if (conf_load(SHIPPED, &conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if ((n = bench_read(msgs, MAXMSG)) == 0) {
		fprintf(stderr, "%s: no messages\n", TABLE);
		return 1;
	}
	t0 = bench_now();
	for (k = 0; k < ROUNDS; k++)
		for (i = 0; i < n; i++)
			hits += (size_t)match_text(conf->match, msgs[i], &r);
	t1 = bench_now();
	printf("match: %.2f us/message (%zu messages x %d, %zu spellings "
	    "compiled, %zu matched)\n", (t1 - t0) * 1e6 / (double)(n * ROUNDS),
	    n, ROUNDS, match_size(conf->match), hits / ROUNDS);
	printf("segments per reply (%s, max_segments %d):\n", SHIPPED,
	    conf->limits.max_segments);
	printf("  %-10s %-8s %5s  %-5s  %s\n", "group", "language", "chars",
	    "enc", "segments");
	for (i = 0; i < conf->nkeywords; i++)
		bench_reply(conf, conf->keywords[i].name,
		    &conf->keywords[i].reply);
	bench_reply(conf, "default", &conf->default_reply);
	bench_reply(conf, "stop", &conf->stop_reply);
	bench_reply(conf, "start", &conf->start_reply);
	conf_free(conf);
	return 0;
}
