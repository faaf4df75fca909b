/*
 * uplink: see include/uplink.h. The rounds, the batches, the commands.
 *
 * Exactly once, both ways:
 *  - up: the events are read in the order of their local seq and sent as
 *    one statement (shukher.push), whose rows are keyed centrally by
 *    (gateway, seq); only after it committed are they deleted here. A cut
 *    link, a killed server or a SIGKILL between the two sends the same
 *    events again, which the central keys turn into nothing.
 *  - down: a command is applied in one local transaction together with
 *    the row that remembers its id (uplink_applied), and acknowledged
 *    centrally after; when the acknowledgement is lost, the next round
 *    finds the id here and only acknowledges it again. A command is
 *    applied only when the caseworkers' key boxed it for its report and
 *    action, each box once (uplink_open()): the central server can write
 *    any row, but make no command of its own.
 *
 * Logs never hold a number or a text: a command is named by its id,
 * action and report reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <time.h>

#include <sodium.h>

#include "casework.h"
#include "central.h"
#include "cmdbox.h"
#include "conf.h"
#include "ctl.h"
#include "json.h"
#include "log.h"
#include "route.h"
#include "seal.h"
#include "store.h"
#include "store_uplink.h"
#include "uplink.h"

#ifndef SHUKHER_VERSION
#define SHUKHER_VERSION "unknown"
#endif

struct uplink {
	const struct conf *conf;
	struct store *store;
	struct central *central;     /* NULL while not connected */
	struct seal_sec key;         /* this gateway's own pair */
	char pubhex[2 * SEAL_KEY_BYTES + 1];
	int backoff;                 /* seconds; 0 after a success */
	int64_t next_connect;        /* ms */
	int64_t next_health;
	int64_t next_commands;
	int commands_due;            /* a NOTIFY came */
	struct store_uplink_state state;
	char last_logged[256];       /* the last failure logged */
};

/* The gateway's key pair from the store's 'uplink' seed. */
static int
uplink_key(struct uplink *u, char *err, size_t errlen)
{
	unsigned char seed[crypto_box_SEEDBYTES];

	if (store_secret(u->store, "uplink", seed, sizeof(seed)) == -1) {
		snprintf(err, errlen, "gateway key: %s",
		    store_errmsg(u->store));
		return -1;
	}
	crypto_box_seed_keypair(u->key.pk, u->key.sk, seed);
	sodium_memzero(seed, sizeof(seed));
	sodium_bin2hex(u->pubhex, sizeof(u->pubhex), u->key.pk,
	    sizeof(u->key.pk));
	return 0;
}

struct uplink *
uplink_new(const struct conf *conf, struct store *store, char *err,
    size_t errlen)
{
	struct uplink *u;

	if ((u = calloc(1, sizeof(*u))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	u->conf = conf;
	u->store = store;
	if (uplink_key(u, err, errlen) == -1) {
		free(u);
		return NULL;
	}
	switch (store_uplink_start(store)) {
	case -1:
		snprintf(err, errlen, "uplink queue: %s", store_errmsg(store));
		uplink_free(u);
		return NULL;
	case 1:
		log_info("uplink: first start: everything the database holds "
		    "is queued for the central server");
		break;
	}
	return u;
}

void
uplink_free(struct uplink *u)
{
	if (u == NULL)
		return;
	central_close(u->central);
	seal_sec_wipe(&u->key);
	free(u);
}

/* Writes what `shukherctl status` shows of the link. */
static void
uplink_state_save(struct uplink *u)
{
	u->state.updated_at = (int64_t)time(NULL);
	if (store_uplink_state_put(u->store, &u->state) == -1)
		log_warnx("uplink state: %s", store_errmsg(u->store));
}

/* A failure: logged once while it stays the same, the link dropped when
 * it is gone, and the next attempt put off by the backoff. why may be
 * the connection's own message, which closing it frees: copied first. */
static void
uplink_fail(struct uplink *u, int64_t now, const char *failure)
{
	char why[sizeof(u->state.last_error)];

	snprintf(why, sizeof(why), "%s", failure);
	if (strcmp(why, u->last_logged) != 0) {
		log_warnx("central: %s", why);
		snprintf(u->last_logged, sizeof(u->last_logged), "%s", why);
	}
	if (u->central != NULL && central_broken(u->central)) {
		central_close(u->central);
		u->central = NULL;
	}
	if (u->central == NULL) {
		u->backoff = u->backoff == 0 ? UPLINK_BACKOFF_MIN :
		    u->backoff * 2 > UPLINK_BACKOFF_MAX ? UPLINK_BACKOFF_MAX :
		    u->backoff * 2;
		u->next_connect = now + (int64_t)u->backoff * 1000;
	}
	u->state.connected = u->central != NULL;
	snprintf(u->state.last_error, sizeof(u->state.last_error), "%s", why);
	uplink_state_save(u);
}

/* Connects, registers the key, listens. Returns 0 or -1 (failed). */
static int
uplink_connect(struct uplink *u, int64_t now)
{
	char err[512], name[64];

	u->central = central_connect(&u->conf->central, CENTRAL_GATEWAY, err,
	    sizeof(err));
	if (u->central == NULL) {
		uplink_fail(u, now, err);
		return -1;
	}
	if (central_hello(u->central, u->pubhex, SHUKHER_VERSION, name,
	    sizeof(name)) == -1 || central_listen(u->central) == -1) {
		snprintf(err, sizeof(err), "%s", central_errmsg(u->central));
		central_close(u->central);
		u->central = NULL;
		uplink_fail(u, now, err);
		return -1;
	}
	if (strcmp(name, u->conf->central.gateway) != 0)
		log_warnx("central: this role is gateway \"%s\", not \"%s\" "
		    "as central.gateway says", name, u->conf->central.gateway);
	log_info("central: connected as gateway %s", name);
	u->backoff = 0;
	u->last_logged[0] = '\0';
	u->next_health = now;
	u->commands_due = 1;
	u->state.connected = 1;
	u->state.last_error[0] = '\0';
	uplink_state_save(u);
	return 0;
}

/* ---- up: the queued events ---------------------------------------------- */

struct uplink_batch {
	struct json *j;
	int64_t top;
	int n;
};

/* A blob as a hex string member; nothing when blob is NULL. */
static void
uplink_kv_hex(struct json *j, const char *key, const unsigned char *blob,
    size_t len)
{
	char *hex;

	if (blob == NULL)
		return;
	if ((hex = malloc(2 * len + 1)) == NULL) {
		json_kv_null(j, key);   /* the batch is refused centrally */
		return;
	}
	sodium_bin2hex(hex, 2 * len + 1, blob, len);
	json_kv_string(j, key, hex);
	free(hex);
}

static int
uplink_event(void *arg, const struct store_uplink_event *ev)
{
	struct uplink_batch *b = arg;
	struct json *j = b->j;
	int report = strcmp(ev->kind, "report") == 0 ||
	    strcmp(ev->kind, "report_state") == 0;

	b->top = ev->seq;
	b->n++;
	json_object_begin(j);
	json_kv_int(j, "seq", ev->seq);
	json_kv_string(j, "k", ev->gone ? "gone" : ev->kind);
	if (ev->gone) {
		json_object_end(j);
		return 0;
	}
	if (report) {
		json_kv_int(j, "report", ev->row_id);
		json_kv_string(j, "ref", ev->ref);
		json_kv_string(j, "status", ev->status);
		json_kv_bool(j, "urgent", ev->urgent);
		json_kv_int(j, "created", ev->created_at);
		json_kv_int(j, "closed_at", ev->closed_at);
		json_kv_int(j, "claimed_at", ev->claimed_at);
		json_kv_string(j, "claimed_by", ev->claimed_by);
		json_kv_string(j, "key_id", ev->key_id);
		uplink_kv_hex(j, "sealed", ev->sealed, ev->sealed_len);
	} else if (strcmp(ev->kind, "entry") == 0) {
		json_kv_int(j, "id", ev->row_id);
		json_kv_int(j, "report", ev->report_id);
		json_kv_int(j, "at", ev->at);
		json_kv_string(j, "kind", ev->entry_kind);
		json_kv_string(j, "actor", ev->actor);
		json_kv_string(j, "key_id", ev->body_key_id);
		uplink_kv_hex(j, "body", ev->body, ev->body_len);
	} else if (strcmp(ev->kind, "audit") == 0) {
		json_kv_int(j, "at", ev->at);
		json_kv_string(j, "actor", ev->actor);
		json_kv_string(j, "via", ev->via);
		json_kv_string(j, "action", ev->action);
		json_kv_string(j, "ref", ev->ref);
		json_kv_string(j, "detail", ev->detail);
	} else if (strcmp(ev->kind, "purge") == 0) {
		/* Only the id: the central server knows the rest. */
		json_kv_int(j, "report", ev->row_id);
	} else if (strcmp(ev->kind, "stat") == 0) {
		json_kv_string(j, "day", ev->day);
		json_kv_string(j, "keyword", ev->keyword);
		json_kv_int(j, "count", ev->count);
	}
	json_object_end(j);
	return 0;
}

/*
 * Sends one batch of queued events. Returns the events sent (0: none
 * queued), or -1 after uplink_fail().
 */
static int
uplink_push_batch(struct uplink *u, int64_t now)
{
	struct uplink_batch b = { NULL, 0, 0 };
	char *doc = NULL;
	size_t len = 0;
	int64_t top = 0;
	FILE *fp;
	int n;

	if ((fp = open_memstream(&doc, &len)) == NULL ||
	    (b.j = json_new(fp, 0)) == NULL) {
		if (fp != NULL)
			fclose(fp);
		free(doc);
		uplink_fail(u, now, "out of memory");
		return -1;
	}
	json_array_begin(b.j);
	n = store_uplink_events(u->store, 0, UPLINK_BATCH, uplink_event, &b);
	json_array_end(b.j);
	if (json_free(b.j) == -1 || fclose(fp) == EOF || n < 0) {
		uplink_fail(u, now, n < 0 ? store_errmsg(u->store) :
		    "out of memory");
		free(doc);
		return -1;
	}
	if (n == 0) {
		free(doc);
		return 0;
	}
	if (central_push(u->central, doc, &top) == -1) {
		free(doc);
		uplink_fail(u, now, central_errmsg(u->central));
		return -1;
	}
	free(doc);
	/* Committed centrally: only now forgotten here. */
	if (top != b.top)
		log_warnx("central: batch up to %lld committed as %lld",
		    (long long)b.top, (long long)top);
	if (store_uplink_done(u->store, b.top) == -1) {
		log_warnx("uplink: %s", store_errmsg(u->store));
		return -1;
	}
	u->state.last_ok = (int64_t)time(NULL);
	log_debug("central: sent %d events up to seq %lld", n,
	    (long long)b.top);
	return n;
}

/* ---- down: the commands ----------------------------------------------- */

/* The longest number a reply may go to (E.164 is 15 digits and '+'). */
#define UPLINK_NUMBER_MAX 32

/* Applies cmd, its box's content opened (never NULL, "" when none), to
 * report r in the caller's transaction. A reply goes to the number in its
 * content (the reporter's, as the caseworkers' key opened it on their
 * machine), and stays within that number's reply budget, as a
 * caseworker's reply by SMS does (route_apply.c): *held is set when the
 * budget kept it back. */
static enum cw_err
uplink_cw(struct uplink *u, struct casework *cw,
    const struct central_command *cmd, const struct store_report *r,
    const char *content, int *held)
{
	struct store_budget budget;
	char number[UPLINK_NUMBER_MAX + 1];
	const char *nl;
	enum cw_err err;
	int64_t out = 0;

	if (strcmp(cmd->action, "claim") == 0)
		return casework_claim(cw, r);
	if (strcmp(cmd->action, "note") == 0)
		return casework_note(cw, r, content);
	if (strcmp(cmd->action, "close") == 0)
		return casework_close(cw, r, content[0] != '\0' ? content :
		    NULL);
	if (strcmp(cmd->action, "reply") == 0) {
		/* The number copied out, the box's text left whole for
		 * seal_free() to wipe. */
		if ((nl = strchr(content, '\n')) == NULL || nl == content ||
		    (size_t)(nl - content) > UPLINK_NUMBER_MAX)
			return CW_NONUMBER;
		memcpy(number, content, (size_t)(nl - content));
		number[nl - content] = '\0';
		route_budget(u->conf, &budget);
		err = casework_reply_to(cw, r, number, nl + 1, &budget, &out);
		sodium_memzero(number, sizeof(number));
		*held = err == CW_OK && out == 0;
		return err;
	}
	return CW_EMPTY;
}

/* Why a command was refused before anything of it was applied. */
enum uplink_refusal {
	UPLINK_FINE = 0,
	UPLINK_NOKEY,            /* no reports.public_key to check it with */
	UPLINK_FORGED,           /* not the caseworkers' key's box */
	UPLINK_MOVED,            /* theirs, for another report or action */
	UPLINK_FORMAT,           /* theirs, from an older shukherctl */
	UPLINK_REPLAYED          /* this very box was applied before */
};

/*
 * Opens cmd's box (cmdbox.h): *raw gets what to free with seal_free(),
 * *content what to apply. Every command must be boxed from the
 * caseworkers' key (reports.public_key) for this very report and action:
 * the central server can write any row and seal anything to this
 * gateway's key, so that a sealed or bare command would claim, annotate,
 * close or answer any report under any name; and once only (its nonce
 * remembered in the caller's transaction), so that the server cannot
 * apply a genuine one again. Returns UPLINK_FINE or why it is refused;
 * -1 on a store error.
 */
static int
uplink_open(struct uplink *u, const struct central_command *cmd,
    char **raw, const char **content)
{
	*raw = NULL;
	*content = NULL;
	if (u->conf->reports.public_key == NULL)
		return UPLINK_NOKEY;
	switch (cmdbox_open(&u->key, &u->conf->reports.key, cmd->body,
	    cmd->body_len, cmd->ref, cmd->action, raw, content)) {
	case CMDBOX_OK:
		break;
	case CMDBOX_MOVED:
		return UPLINK_MOVED;
	case CMDBOX_FORMAT:
		return UPLINK_FORMAT;
	default:
		return UPLINK_FORGED;
	}
	switch (store_uplink_box_once(u->store, cmd->body,
	    CMDBOX_NONCE_BYTES)) {
	case 1:
		return UPLINK_FINE;
	case 0:
		return UPLINK_REPLAYED;
	}
	return -1;
}

/* What the central server is told of a command: uplink_open()'s refusal,
 * the budget's, or casework's word. */
static const char *
uplink_result(int refused, int held, enum cw_err err)
{
	switch (refused) {
	case UPLINK_NOKEY:
		return "refused: this gateway has no reports.public_key to "
		    "check commands with";
	case UPLINK_FORGED:
		return "refused: not made with the caseworkers' key";
	case UPLINK_MOVED:
		return "refused: made with the caseworkers' key for another "
		    "report or action";
	case UPLINK_FORMAT:
		return "refused: made by an older shukherctl or console, "
		    "queue it again";
	case UPLINK_REPLAYED:
		return "refused: this command was applied before";
	}
	if (held)
		return "not sent: the reporter's reply budget is spent, try "
		    "later";
	return err == CW_OK ? "ok" : casework_strerror(err);
}

/*
 * Applies cmd once: its result into result. Returns 0 (applied now or
 * before, or refused), or -1 when the store failed (the command stays
 * for a later round).
 */
static int
uplink_apply(struct uplink *u, const struct central_command *cmd,
    char *result, size_t resultlen)
{
	struct casework cw;
	struct store_report r;
	enum cw_err err = CW_OK;
	const char *content = NULL;
	char *raw = NULL;
	int found, held = 0, refused;

	if (store_begin(u->store) < 0)
		return -1;
	if ((found = store_uplink_applied(u->store, cmd->id, result,
	    resultlen)) != 0) {
		store_rollback(u->store);
		return found == 1 ? 0 : -1;
	}
	memset(&cw, 0, sizeof(cw));
	cw.store = u->store;
	cw.actor = cmd->actor;
	cw.via = "central";
	cw.max_segments = u->conf->limits.max_segments;
	cw.pub = u->conf->reports.public_key != NULL ? &u->conf->reports.key :
	    NULL;
	cw.in_transaction = 1;
	if ((refused = uplink_open(u, cmd, &raw, &content)) == -1)
		err = CW_DB;
	else if (refused == UPLINK_FINE &&
	    (err = casework_find(&cw, cmd->ref, &r)) == CW_OK) {
		err = uplink_cw(u, &cw, cmd, &r, content, &held);
		store_report_free(&r);
	}
	seal_free(raw);
	if (err == CW_DB || err == CW_NOMEM) {
		log_warnx("central: command %lld: %s", (long long)cmd->id,
		    err == CW_DB ? store_errmsg(u->store) : "out of memory");
		store_rollback(u->store);
		return -1;
	}
	snprintf(result, resultlen, "%s", uplink_result(refused, held, err));
	if (store_uplink_apply_mark(u->store, cmd->id, result,
	    (int64_t)time(NULL)) == -1 || store_commit(u->store) < 0) {
		log_warnx("central: command %lld: %s", (long long)cmd->id,
		    store_errmsg(u->store));
		store_rollback(u->store);
		return -1;
	}
	/* Named by id, action, reference and role: never its content. */
	if (refused != UPLINK_FINE)
		log_warnx("central: command %lld (%s of report %s by %s): %s",
		    (long long)cmd->id, cmd->action, cmd->ref, cmd->actor,
		    result);
	else
		log_info("central: command %lld (%s of report %s by %s): %s",
		    (long long)cmd->id, cmd->action, cmd->ref, cmd->actor,
		    result);
	return 0;
}

/* Pulls, applies and acknowledges this gateway's commands. Returns 0 or
 * -1 after uplink_fail(). */
static int
uplink_commands(struct uplink *u, int64_t now)
{
	struct central_command *cmds;
	char result[128];
	size_t i, n;
	int rc = 0;

	u->commands_due = 0;
	u->next_commands = now + UPLINK_COMMANDS_EVERY * 1000;
	if (central_commands(u->central, &cmds, &n) == -1) {
		uplink_fail(u, now, central_errmsg(u->central));
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (uplink_apply(u, &cmds[i], result, sizeof(result)) == -1)
			break;          /* the store: again next round */
		if (central_ack(u->central, cmds[i].id, result) == -1) {
			uplink_fail(u, now, central_errmsg(u->central));
			rc = -1;
		}
	}
	central_commands_free(cmds, n);
	return rc;
}

/* ---- health ---------------------------------------------------------- */

/* The snapshot: what `shukherctl status --json` shows (ctl_status_json),
 * and the uplink's own figures. Caller frees. NULL on failure. */
static char *
uplink_health_doc(struct uplink *u)
{
	struct store_modem_state m;
	struct store_counts c;
	struct statvfs vfs;
	struct sysinfo si;
	struct json *j;
	int64_t pending = 0;
	char *doc = NULL;
	size_t len = 0;
	struct ctl_modems ms;
	FILE *fp;
	int reported, rc;

	memset(&m, 0, sizeof(m));
	if ((reported = store_modem_state_get(u->store, &m)) == -1 ||
	    store_counts(u->store, &c) == -1 ||
	    store_uplink_pending(u->store, &pending) == -1)
		return NULL;
	if ((fp = open_memstream(&doc, &len)) == NULL)
		return NULL;
	if ((j = json_new(fp, 0)) == NULL) {
		fclose(fp);
		free(doc);
		return NULL;
	}
	json_object_begin(j);
	json_kv_int(j, "at", (int64_t)time(NULL));
	json_kv_string(j, "version", SHUKHER_VERSION);
	json_kv_int(j, "uptime", sysinfo(&si) == 0 ? (int64_t)si.uptime : -1);
	json_kv_int(j, "disk_free", statvfs(u->conf->database, &vfs) == 0 ?
	    (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize : -1);
	json_kv_int(j, "uplink_pending", pending);
	json_key(j, "status");
	if ((rc = ctl_modems_read(u->store, (int64_t)time(NULL), &ms)) == 0 &&
	    (rc = ctl_modems_credit(u->store, u->conf->modems[0].name,
	    &ms)) == 0)
		rc = ctl_status_json(j, u->store, &m, reported, &c, &ms,
		    &u->state, pending);
	ctl_modems_free(&ms);
	json_object_end(j);
	if (json_free(j) == -1 || fclose(fp) == EOF || rc < 0) {
		free(doc);
		return NULL;
	}
	return doc;
}

static int
uplink_health(struct uplink *u, int64_t now)
{
	char *doc;

	u->next_health = now + UPLINK_HEALTH_EVERY * 1000;
	if ((doc = uplink_health_doc(u)) == NULL) {
		log_warnx("uplink: health: %s", store_errmsg(u->store));
		return 0;
	}
	if (central_health(u->central, doc) == -1) {
		free(doc);
		uplink_fail(u, now, central_errmsg(u->central));
		return -1;
	}
	free(doc);
	u->state.last_ok = (int64_t)time(NULL);
	uplink_state_save(u);
	return 0;
}

/* ---- the round ------------------------------------------------------- */

/* Milliseconds from now to t, at least 0. */
static int
uplink_until(int64_t now, int64_t t)
{
	return t <= now ? 0 : t - now > 60000 ? 60000 : (int)(t - now);
}

int
uplink_run_once(struct uplink *u, int64_t now, int *fd)
{
	int n, batches, wait;

	*fd = -1;
	if (u->central == NULL) {
		if (now < u->next_connect)
			return uplink_until(now, u->next_connect);
		if (uplink_connect(u, now) == -1)
			return uplink_until(now, u->next_connect);
	}
	if ((n = central_drain(u->central)) == -1) {
		uplink_fail(u, now, central_errmsg(u->central));
		return 0;
	}
	if (n > 0 || now >= u->next_commands)
		u->commands_due = 1;
	/* A few batches a round, so that commands are not kept waiting
	 * behind a long catch-up. */
	for (batches = 0; batches < 8; batches++) {
		if ((n = uplink_push_batch(u, now)) == -1)
			return u->central == NULL ?
			    uplink_until(now, u->next_connect) : 1000;
		if (n < UPLINK_BATCH)
			break;
	}
	if (batches > 0 || n > 0)
		uplink_state_save(u);
	if (u->commands_due && uplink_commands(u, now) == -1)
		return u->central == NULL ?
		    uplink_until(now, u->next_connect) : 1000;
	if (now >= u->next_health && uplink_health(u, now) == -1)
		return u->central == NULL ?
		    uplink_until(now, u->next_connect) : 1000;
	if (n == UPLINK_BATCH)
		return 0;               /* more queued: straight on */
	*fd = central_socket(u->central);
	/* The local queue is looked at every second: the daemon cannot wake
	 * this process, and a second is the lag the team can live with. */
	wait = uplink_until(now, u->next_health);
	return wait < 1000 ? wait : 1000;
}
