/*
 * ctl_user: shukherctl users (the web console's accounts), key store and
 * key remove (the caseworkers' secret key in the vault) and audit.
 *
 * Passwords and passphrases are read from the terminal without echo, asked
 * twice so that a typo does not lock anyone out, or, when standard input
 * is not a terminal, as one line from it, so that a script can pipe one in.
 * They never stand on a command line (ps, shell history) and are never
 * printed; only a crypto_pwhash_str hash or a seal_lock() blob is stored.
 * Every change here is written to the audit log as the user running
 * shukherctl, through "cli".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <unistr.h>

#include "conf.h"
#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "report.h"
#include "seal.h"
#include "store.h"

#define CTL_PASSWORD_MIN 10      /* an account's password */
#define CTL_PASSPHRASE_MIN 12    /* the vault's passphrase: guards the key */
#define CTL_SECRET_MAX 512

/* See ctl.h. */
int
ctl_secret_line(const char *prompt, int tty, char *buf, size_t len)
{
	struct termios old, quiet;
	size_t n;
	int ok;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == -1)
			tty = 0;
	}
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	ok = fgets(buf, (int)len, stdin) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (!ok)
		return -1;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == len - 1)
		return -2;
	buf[n] = '\0';
	return (int)n;
}

/*
 * Reads a new password or passphrase (what names it) of at least min
 * characters into buf (CTL_SECRET_MAX + 2 bytes): twice from a terminal,
 * once from a pipe. Returns EXIT_OK, or the exit code after saying why;
 * buf is wiped then.
 */
static int
ctl_secret_read(const char *cmd, const char *what, size_t min, char *buf,
    size_t len)
{
	char again[CTL_SECRET_MAX + 2], prompt[80];
	int tty = isatty(STDIN_FILENO), n, rc = EXIT_OK;

	snprintf(prompt, sizeof(prompt), "New %s: ", what);
	n = ctl_secret_line(prompt, tty, buf, len);
	if (n == -1) {
		ctl_err("%s: no %s on standard input", cmd, what);
		rc = EXIT_DATAERR;
	} else if (n == -2) {
		ctl_err("%s: the %s is longer than %d characters", cmd, what,
		    CTL_SECRET_MAX);
		rc = EXIT_DATAERR;
	} else if ((size_t)n < min) {
		ctl_err("%s: the %s is too short: at least %zu characters",
		    cmd, what, min);
		rc = EXIT_DATAERR;
	} else if (tty) {
		snprintf(prompt, sizeof(prompt), "Again: ");
		if (ctl_secret_line(prompt, tty, again, sizeof(again)) < 0 ||
		    strcmp(again, buf) != 0) {
			ctl_err("%s: the two %ss differ; nothing changed", cmd,
			    what);
			rc = EXIT_DATAERR;
		}
		sodium_memzero(again, sizeof(again));
	}
	if (rc != EXIT_OK)
		sodium_memzero(buf, len);
	return rc;
}

/*
 * Whether name may be an account: 1 to 63 bytes of UTF-8, no space, no
 * control character (C0, DEL, C1) and no bidi control: it is typed at
 * sign-in and shown in the console and the audit log, where it must read
 * as what it is.
 */
static int
ctl_user_name_ok(const char *cmd, const char *name)
{
	const unsigned char *p;
	size_t n = strlen(name);

	if (u8_check((const uint8_t *)name, n) != NULL) {
		ctl_err("%s: the name is not valid UTF-8", cmd);
		return 0;
	}
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f)
			break;
	if (n == 0 || n > 63 || *p != '\0' || !ctl_plain(name)) {
		ctl_err("%s: a name is 1 to 63 characters, without spaces or "
		    "control characters", cmd);
		return 0;
	}
	return 1;
}

/* An audit row for a cli action; detail names the account, or NULL. */
static int
ctl_user_audit(struct ctl *ctl, const char *action, const char *detail,
    int64_t now)
{
	struct store_audit a;

	memset(&a, 0, sizeof(a));
	a.at = now;
	a.actor = ctl_actor();
	a.via = "cli";
	a.action = action;
	a.detail = detail;
	return store_audit_add(ctl->store, &a) < 0 ? -1 : 0;
}

/* Prints what was done: a line, or one JSON object. */
static void
ctl_user_done(struct ctl *ctl, const char *name, const char *done)
{
	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_string(ctl->json, "name", name);
		json_kv_string(ctl->json, "done", done);
		json_object_end(ctl->json);
	} else {
		char *clean = ctl_clean(name, 0);

		fprintf(ctl->out, "user %s %s\n", clean != NULL ? clean : "?",
		    done);
		free(clean);
	}
}

/*
 * Ends the transaction of a change to account name: n is what the store
 * call returned (1 done, 0 no such account or name taken, -1 error); when
 * done, the audit row for action joins it before the commit. Returns n,
 * or -1 when the audit or the commit failed (rolled back).
 */
static int
ctl_user_commit(struct ctl *ctl, int64_t n, const char *action,
    const char *name, int64_t now)
{
	if (n > 0 && (ctl_user_audit(ctl, action, name, now) == -1 ||
	    store_commit(ctl->store) < 0))
		n = -1;
	if (n <= 0)
		store_rollback(ctl->store);
	return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/* users add NAME and users passwd NAME: a password read, hashed, stored. */
static int
ctl_user_password(struct ctl *ctl, struct ctl_args *args, int add)
{
	const char *cmd = add ? "users add" : "users passwd";
	const char *name = args->rest[0];
	char pw[CTL_SECRET_MAX + 2], hash[crypto_pwhash_STRBYTES];
	struct store_user u;
	int64_t now = (int64_t)time(NULL), n;
	int rc;

	if (!ctl_user_name_ok(cmd, name))
		return EXIT_DATAERR;
	/* Said before the password is asked for, not after. */
	if ((rc = store_user_get(ctl->store, name, &u)) < 0)
		return ctl_db_error(ctl);
	if (add && rc == 1) {
		ctl_err("%s: user %s exists (users passwd changes a password)",
		    cmd, name);
		return EXIT_FAIL;
	}
	if (!add && rc == 0) {
		ctl_err("%s: no user %s", cmd, name);
		return EXIT_FAIL;
	}
	sodium_memzero(u.pwhash, sizeof(u.pwhash));
	if ((rc = ctl_secret_read(cmd, "password", CTL_PASSWORD_MIN, pw,
	    sizeof(pw))) != EXIT_OK)
		return rc;
	rc = seal_password_hash(pw, hash, sizeof(hash));
	sodium_memzero(pw, sizeof(pw));
	if (rc == -1) {
		ctl_err("%s: out of memory", cmd);
		return EXIT_OSERR;
	}
	if (store_begin(ctl->store) < 0)
		return ctl_db_error(ctl);
	n = ctl_user_commit(ctl, add ? store_user_add(ctl->store, name, hash,
	    now) : store_user_passwd(ctl->store, name, hash), add ?
	    "user-add" : "user-passwd", name, now);
	if (n < 0)
		return ctl_db_error(ctl);
	if (n == 0) {                /* taken or gone meanwhile */
		ctl_err("%s: user %s %s", cmd, name, add ? "exists" :
		    "does not exist");
		return EXIT_FAIL;
	}
	ctl_user_done(ctl, name, add ? "added" : "password changed");
	return EXIT_OK;
}

int
ctl_users_add(struct ctl *ctl, struct ctl_args *args)
{
	return ctl_user_password(ctl, args, 1);
}

int
ctl_users_passwd(struct ctl *ctl, struct ctl_args *args)
{
	return ctl_user_password(ctl, args, 0);
}

/* users disable NAME and users enable NAME. */
static int
ctl_user_disable(struct ctl *ctl, struct ctl_args *args, int disabled)
{
	const char *name = args->rest[0];
	int n;

	if (store_begin(ctl->store) < 0)
		return ctl_db_error(ctl);
	n = ctl_user_commit(ctl, store_user_disable(ctl->store, name,
	    disabled), disabled ? "user-disable" : "user-enable", name,
	    (int64_t)time(NULL));
	if (n < 0)
		return ctl_db_error(ctl);
	if (n == 0) {
		ctl_err("users %s: no user %s", disabled ? "disable" :
		    "enable", name);
		return EXIT_FAIL;
	}
	ctl_user_done(ctl, name, disabled ? "disabled" : "enabled");
	return EXIT_OK;
}

int
ctl_users_disable(struct ctl *ctl, struct ctl_args *args)
{
	return ctl_user_disable(ctl, args, 1);
}

int
ctl_users_enable(struct ctl *ctl, struct ctl_args *args)
{
	return ctl_user_disable(ctl, args, 0);
}

/* One account: never its hash. */
static int
ctl_user_row(void *arg, const struct store_user *u)
{
	struct ctl *ctl = arg;
	char failures[16], locked[CTL_TIME_LEN + 8], created[CTL_TIME_LEN];
	char last[CTL_TIME_LEN], at[CTL_TIME_LEN];
	const char *cells[6];
	int is_locked = u->locked_until > (int64_t)time(NULL);

	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_string(ctl->json, "name", u->name);
		json_kv_bool(ctl->json, "disabled", u->disabled);
		json_kv_int(ctl->json, "failures", u->failures);
		json_kv_bool(ctl->json, "locked", is_locked);
		ctl_json_time(ctl->json, "locked_until", is_locked ?
		    u->locked_until : 0);
		ctl_json_time(ctl->json, "created_at", u->created_at);
		ctl_json_time(ctl->json, "last_signin_at", u->last_signin_at);
		json_object_end(ctl->json);
		return 0;
	}
	snprintf(failures, sizeof(failures), "%d", u->failures);
	if (is_locked)
		snprintf(locked, sizeof(locked), "until %s",
		    ctl_time_local(u->locked_until, at, sizeof(at)));
	else
		snprintf(locked, sizeof(locked), "no");
	cells[0] = u->name;
	cells[1] = u->disabled ? "yes" : "no";
	cells[2] = failures;
	cells[3] = locked;
	cells[4] = ctl_time_local(u->created_at, created, sizeof(created));
	cells[5] = ctl_time_local(u->last_signin_at, last, sizeof(last));
	return ctl_list_row(ctl, cells);
}

int
ctl_users_list(struct ctl *ctl, struct ctl_args *args)
{
	static const char *const headers[] = {
		"NAME", "DISABLED", "FAILURES", "LOCKED", "CREATED",
		"LAST SIGN-IN"
	};
	int rc;

	if ((rc = ctl_list_begin(ctl, headers, 6)) != 0)
		return rc;
	rc = store_list_users(ctl->store, ctl_user_row, ctl);
	return ctl_list_end(ctl, rc, "no users (shukherctl users add NAME)");
}

/*
 * The config, for reports.public_key: already loaded, or read now when -d
 * named the database. Returns EXIT_OK, or the exit code after saying why.
 */
static int
ctl_key_conf(struct ctl *ctl)
{
	char err[512];

	if (ctl->conf != NULL)
		return EXIT_OK;
	if (conf_load(ctl->conf_path, &ctl->conf, err, sizeof(err)) == -1) {
		ctl_err("key store: the config is needed to check the key "
		    "against reports.public_key: %s", err);
		return EXIT_CONFIG;
	}
	return EXIT_OK;
}

/*
 * key store SECFILE: the caseworkers' secret key, checked to be the pair
 * of reports.public_key, locked with a passphrase into the vault.
 */
int
ctl_key_store(struct ctl *ctl, struct ctl_args *args)
{
	const char *path = args->rest[0];
	char pass[CTL_SECRET_MAX + 2], err[512];
	struct seal_sec sec;
	unsigned char *blob;
	size_t len;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if ((rc = ctl_key_conf(ctl)) != EXIT_OK)
		return rc;
	if (ctl->conf->reports.public_key == NULL) {
		ctl_err("key store: reports.public_key is not set in %s: "
		    "reports are not sealed, so there is no key to keep",
		    ctl->conf_path);
		return EXIT_FAIL;
	}
	if (seal_load_secret(path, &sec, err, sizeof(err)) == -1) {
		ctl_err("key store: %s", err);
		return EXIT_FAIL;
	}
	if (strcmp(sec.id, ctl->conf->reports.key.id) != 0) {
		ctl_err("key store: %s is key %s, but reports.public_key (%s) "
		    "is key %s: not the pair the reports are sealed to", path,
		    sec.id, ctl->conf->reports.public_key,
		    ctl->conf->reports.key.id);
		seal_sec_wipe(&sec);
		return EXIT_FAIL;
	}
	if ((rc = ctl_secret_read("key store", "passphrase",
	    CTL_PASSPHRASE_MIN, pass, sizeof(pass))) != EXIT_OK) {
		seal_sec_wipe(&sec);
		return rc;
	}
	blob = seal_lock(&sec, pass, &len, err, sizeof(err));
	sodium_memzero(pass, sizeof(pass));
	seal_sec_wipe(&sec);
	if (blob == NULL) {
		ctl_err("key store: %s", err);
		return EXIT_OSERR;
	}
	rc = store_begin(ctl->store);
	if (rc == 0)
		rc = store_vault_put(ctl->store, ctl->conf->reports.key.id,
		    blob, len, now);
	if (rc == 0)
		rc = ctl_user_audit(ctl, "key-store", NULL, now);
	if (rc == 0)
		rc = store_commit(ctl->store);
	free(blob);
	if (rc < 0) {
		store_rollback(ctl->store);
		return ctl_db_error(ctl);
	}
	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_string(ctl->json, "key_id", ctl->conf->reports.key.id);
		json_kv_string(ctl->json, "done", "stored");
		json_object_end(ctl->json);
	} else
		fprintf(ctl->out, "key %s stored in the vault, locked with "
		    "the passphrase.\n%s is no longer needed on this device: "
		    "keep a copy offline, then remove it here\n(shred -u %s).\n",
		    ctl->conf->reports.key.id, path, path);
	return EXIT_OK;
}

/* key remove: the vault emptied; the console can no longer open reports. */
int
ctl_key_remove(struct ctl *ctl, struct ctl_args *args)
{
	int n;

	if (store_begin(ctl->store) < 0)
		return ctl_db_error(ctl);
	n = store_vault_remove(ctl->store, NULL);
	if (n > 0 && ctl_user_audit(ctl, "key-remove", NULL,
	    (int64_t)time(NULL)) == -1)
		n = -1;
	if (n > 0 && store_commit(ctl->store) < 0)
		n = -1;
	if (n <= 0)
		store_rollback(ctl->store);
	if (n < 0)
		return ctl_db_error(ctl);
	if (n == 0) {
		ctl_err("key remove: the vault holds no key");
		return EXIT_FAIL;
	}
	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_int(ctl->json, "removed", n);
		json_object_end(ctl->json);
	} else
		fprintf(ctl->out, "%d key%s removed from the vault\n", n,
		    n == 1 ? "" : "s");
	return EXIT_OK;
}

/* One audit row: a JSON object, or a table row. */
static int
ctl_audit_row(void *arg, const struct store_audit *a)
{
	struct ctl *ctl = arg;
	char at[CTL_TIME_LEN], action[160], report[40];
	const char *cells[6];

	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		ctl_json_time(ctl->json, "at", a->at);
		json_kv_string(ctl->json, "actor", a->actor);
		json_kv_string(ctl->json, "via", a->via);
		json_kv_string(ctl->json, "action", a->action);
		if (a->report_id > 0)
			json_kv_int(ctl->json, "report_id", a->report_id);
		else
			json_kv_null(ctl->json, "report_id");
		json_kv_string(ctl->json, "report_ref", a->report_ref);
		json_kv_string(ctl->json, "address", a->addr);
		json_kv_string(ctl->json, "detail", a->detail);
		json_object_end(ctl->json);
		return 0;
	}
	snprintf(action, sizeof(action), "%s%s%s", a->action,
	    a->detail != NULL ? " " : "", a->detail != NULL ? a->detail : "");
	if (a->report_id > 0 && a->report_ref != NULL)
		snprintf(report, sizeof(report), "%s (%lld)", a->report_ref,
		    (long long)a->report_id);
	else if (a->report_id > 0)
		snprintf(report, sizeof(report), "%lld",
		    (long long)a->report_id);
	else
		report[0] = '\0';
	cells[0] = ctl_time_local(a->at, at, sizeof(at));
	cells[1] = a->actor;
	cells[2] = a->via;
	cells[3] = action;
	cells[4] = report[0] != '\0' ? report : NULL;
	cells[5] = a->addr;
	return ctl_list_row(ctl, cells);
}

/*
 * The report --report names: its id, also for a report retention has
 * deleted when given by number. Returns EXIT_OK, or the exit code.
 */
static int
ctl_audit_report(struct ctl *ctl, const char *key, int64_t *id)
{
	struct store_report r;
	char *end;
	long long n;

	switch (store_report_find(ctl->store, key, &r)) {
	case 1:
		*id = r.id;
		store_report_free(&r);
		return EXIT_OK;
	case -1:
		return ctl_db_error(ctl);
	}
	n = strtoll(key, &end, 10);
	if (end != key && *end == '\0' && n > 0) {
		*id = (int64_t)n;
		return EXIT_OK;
	}
	ctl_err("audit: no report %s", key);
	return EXIT_FAIL;
}

int
ctl_audit(struct ctl *ctl, struct ctl_args *args)
{
	static const char *const headers[] = {
		"AT", "ACTOR", "VIA", "ACTION", "REPORT", "ADDRESS"
	};
	int64_t id = 0;
	int rc;

	if (args->report != NULL &&
	    (rc = ctl_audit_report(ctl, args->report, &id)) != EXIT_OK)
		return rc;
	if ((rc = ctl_list_begin(ctl, headers, 6)) != 0)
		return rc;
	rc = store_list_audit(ctl->store, id, args->filter.limit,
	    ctl_audit_row, ctl);
	return ctl_list_end(ctl, rc, "nothing in the audit log");
}
