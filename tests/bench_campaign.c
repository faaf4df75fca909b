/*
 * bench_campaign: what the campaign costs.
 *
 * 1. The router's decision (route_decide(), pure) for a message inside an
 *    open survey attempt, beside the same decision for a keyword message:
 *    "survey decide: N.NN us/message", "keyword decide: N.NN us/message".
 *    (Both include campaign_match(), gather's share, as measured alone:
 *    "campaign words alone: N.NN us/message".)
 * 2. A broadcast to 1,000 subscribers of the shipped config's series, in a
 *    database file on disk: "broadcast 1000: N ms to queue" (the
 *    scheduler's batches, each a transaction that records the recipients
 *    with their SMS).
 * 3. When the last of those 1,000 SMS falls due by the broadcast's
 *    schedule (broadcast.h): "broadcast 1000 over M modem(s) at R a
 *    minute each: the last due after N min", for the shipped config's
 *    modems and for two and four modems without a daily limit: the
 *    floor the spreading sets, above the network's ~2 s per SMS.
 * Figures only; never a pass or fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "broadcast.h"
#include "campaign.h"
#include "conf.h"
#include "route.h"
#include "store.h"
#include "store_campaign.h"

#define SHIPPED "board/shukher.conf"
#define ROUNDS 20000
#define SUBSCRIBERS 1000

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Answers as people send them, with the question they answer. */
static const struct { int q; const char *text; } bench_answers[] = {
	{ 0, "2" }, { 0, "2." }, { 0, "хоёр" }, { 0, "ersdel" },
	{ 0, "risk" }, { 0, "B" }, { 1, "1903" }, { 1, "hoyor" },
	{ 2, "тийм" }, { 2, "tiim" }, { 2, "no" }, { 3, "tsagdaa" },
	{ 3, "1" }, { 4, "22" }, { 4, "22 nastai" }, { 0, "maybe later" },
};

static const char *const bench_keywords[] = { "тусламж", "tuslamj",
    "job offer", "2", "мэдээлэх", "hello there", "ажил байна уу", "help",
    "gadaadad", "abroad safe", "1", "сайн уу", "english", "tuslamj darkhan",
    "zovlogoo", "what is this" };

static double
bench_decide(const struct conf *conf, int survey)
{
	struct route_facts f;
	struct route_plan p;
	size_t n = survey ? sizeof(bench_answers) / sizeof(bench_answers[0]) :
	    sizeof(bench_keywords) / sizeof(bench_keywords[0]);
	size_t i, r;
	double t0;

	t0 = bench_now();
	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < n; i++) {
			memset(&f, 0, sizeof(f));
			f.sender = "+97699117788";
			f.text = survey ? bench_answers[i].text :
			    bench_keywords[i];
			f.contact.lang = -1;
			f.link_lang = -1;
			campaign_match(conf, f.text, &f.camp.hit);
			if (survey) {
				f.camp.in_survey = 1;
				f.camp.attempt.question = bench_answers[i].q;
				f.camp.attempt.lang = LANG_MN;
				strcpy(f.camp.attempt.state, "open");
			}
			route_decide(conf, &f, &p);
		}
	return (bench_now() - t0) * 1e6 / (double)(ROUNDS * n);
}

/* campaign_match() alone (gather's share) over the keyword messages. */
static double
bench_words(const struct conf *conf)
{
	struct campaign_hit hit;
	size_t n = sizeof(bench_keywords) / sizeof(bench_keywords[0]), i, r;
	double t0 = bench_now();

	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < n; i++)
			campaign_match(conf, bench_keywords[i], &hit);
	return (bench_now() - t0) * 1e6 / (double)(ROUNDS * n);
}

static int
bench_broadcast(const struct conf *conf)
{
	char path[] = "/tmp/bench_campaign_XXXXXX", side[64], number[32];
	char err[256];
	struct store *store;
	double t0;
	int fd, i, n;
	int64_t now = (int64_t)time(NULL);

	if ((fd = mkstemp(path)) < 0)
		return -1;
	close(fd);
	unlink(path);
	if ((store = store_open(path, 1, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench: %s\n", err);
		return -1;
	}
	store_begin(store);
	for (i = 0; i < SUBSCRIBERS; i++) {
		snprintf(number, sizeof(number), "+9769900%04d", i);
		if (store_sub_join(store, number, "tips", LANG_MN, 1,
		    now + 86400, now) < 0)
			return -1;
	}
	store_commit(store);
	if (store_broadcast_add(store, "tips", "Шүхэр: 1903 утас 24 цаг "
	    "ажиллана.", now, now) < 0)
		return -1;
	t0 = bench_now();
	n = 0;
	for (i = 0; i < 10 && n < SUBSCRIBERS; i++)
		n += campaign_tick(store, conf, now);
	printf("broadcast %d: %.0f ms to queue %d SMS (%d scheduler "
	    "pass%s)\n", SUBSCRIBERS, (bench_now() - t0) * 1e3, n, i,
	    i == 1 ? "" : "es");
	store_close(store);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	return 0;
}

static void
bench_spread(const struct conf *conf, size_t nmodems)
{
	struct broadcast_plan p;
	int limits[BROADCAST_MODEMS_MAX] = { 0 }, sent[BROADCAST_MODEMS_MAX];
	int64_t start = 1795000000, last = start;
	size_t i;

	memset(sent, 0, sizeof(sent));
	for (i = 0; i < nmodems && i < conf->nmodems; i++)
		limits[i] = conf->modems[i].daily_limit;
	broadcast_plan_init(&p, start, start, conf->campaign.broadcast_rate,
	    -1, -1, nmodems, limits, sent);
	for (i = 0; i < SUBSCRIBERS; i++)
		last = broadcast_next(&p);
	printf("broadcast %d over %zu modem%s at %d a minute each: the last "
	    "due after %.1f min\n", SUBSCRIBERS, nmodems, nmodems == 1 ? "" :
	    "s", conf->campaign.broadcast_rate, (double)(last - start) / 60);
}

int
main(void)
{
	struct conf *conf;
	char err[512];

	if (conf_load(SHIPPED, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	/* The figures, whatever the hour: no quiet hours here. */
	conf->health.quiet_from = conf->health.quiet_to = -1;
	printf("keyword decide: %.2f us/message\n", bench_decide(conf, 0));
	printf("survey decide: %.2f us/message\n", bench_decide(conf, 1));
	printf("campaign words alone: %.2f us/message\n", bench_words(conf));
	if (bench_broadcast(conf) < 0)
		fprintf(stderr, "bench: the broadcast failed\n");
	bench_spread(conf, conf->nmodems);
	if (conf->nmodems < 2)
		bench_spread(conf, 2);
	bench_spread(conf, 4);
	conf_free(conf);
	return 0;
}
