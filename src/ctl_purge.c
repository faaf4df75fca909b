/*
 * ctl_purge: shukherctl purge, retention on demand.
 *
 * The config says how long each kind of personal data may stay on the
 * device (reports.retention_days, inbox_retention_days,
 * outbox_retention_days; 0 keeps it). purge counts, or removes, what is
 * older: one transaction through store_purge(), then the WAL is emptied so
 * that the old page images leave the disk too. The daemon runs the same
 * store_purge() once a day; this command is for a technician who wants it
 * now, or wants to see first (--dry-run) what would go.
 */
#include <stdio.h>
#include <time.h>

#include "conf.h"
#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "store.h"

#define CTL_PURGE_TRIES 50          /* WAL truncation attempts, 100 ms apart */

/*
 * Loads the config when -d kept shukherctl.c from doing so: the
 * retention settings live there. Returns 0, or the exit code after
 * saying why.
 */
static int
ctl_purge_conf(struct ctl *ctl)
{
	char err[512];

	if (ctl->conf != NULL)
		return 0;
	if (conf_load(ctl->conf_path, &ctl->conf, err, sizeof(err)) == -1) {
		ctl_err("purge needs the config for its retention settings: "
		    "%s", err);
		return EXIT_CONFIG;
	}
	return 0;
}

/*
 * Empties the WAL, waiting a little for a reader (the daemon) to finish.
 * Returns 1 when done, 0 when readers kept it (the daemon's next pass
 * does it), -1 on a database error.
 */
static int
ctl_purge_wal(struct store *store)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int i, rc;

	for (i = 0; i < CTL_PURGE_TRIES; i++) {
		if ((rc = store_wal_truncate(store)) != 1)
			return rc == 0 ? 1 : -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* One line of the text output: a kind, its count, its setting. */
static void
ctl_purge_line(FILE *fp, const char *what, int n, const char *key, int days)
{
	if (days > 0)
		fprintf(fp, "%-16s %6d  (reports.%s = %d days)\n", what, n,
		    key, days);
	else
		fprintf(fp, "%-16s %6s  (reports.%s = 0: kept)\n", what, "-",
		    key);
}

static void
ctl_purge_print(struct ctl *ctl, const struct store_purged *p, int dry_run,
    int wal)
{
	const struct conf_reports *r = &ctl->conf->reports;

	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_bool(ctl->json, "dry_run", dry_run);
		json_kv_int(ctl->json, "reports", p->reports);
		json_kv_int(ctl->json, "messages", p->messages);
		json_kv_int(ctl->json, "outbox", p->outbox);
		json_kv_bool(ctl->json, "wal_truncated", wal == 1);
		json_object_end(ctl->json);
		return;
	}
	fprintf(ctl->out, "%s\n", dry_run ? "would go (dry run, nothing "
	    "changed):" : "purged:");
	ctl_purge_line(ctl->out, "closed reports", p->reports,
	    "retention_days", r->retention_days);
	ctl_purge_line(ctl->out, "inbox messages", p->messages,
	    "inbox_retention_days", r->inbox_retention_days);
	ctl_purge_line(ctl->out, "outbox messages", p->outbox,
	    "outbox_retention_days", r->outbox_retention_days);
}

int
ctl_purge(struct ctl *ctl, struct ctl_args *args)
{
	const struct conf_reports *r;
	struct store_retention ret;
	struct store_purged p;
	int rc, wal = 0;

	if ((rc = ctl_purge_conf(ctl)) != 0)
		return rc;
	r = &ctl->conf->reports;
	store_retention_days(&ret, r->retention_days, r->inbox_retention_days,
	    r->outbox_retention_days, (int64_t)time(NULL));
	if (store_purge(ctl->store, &ret, args->dry_run, &p) == -1)
		return ctl_db_error(ctl);
	if (!args->dry_run && (wal = ctl_purge_wal(ctl->store)) == -1)
		return ctl_db_error(ctl);
	ctl_purge_print(ctl, &p, args->dry_run, wal);
	if (!args->dry_run && wal == 0)
		ctl_err("purge: the WAL is in use; the daemon empties it at "
		    "its next pass");
	return EXIT_OK;
}
