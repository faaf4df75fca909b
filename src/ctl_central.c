/*
 * ctl_central: shukherctl's commands on the fleet's central PostgreSQL:
 * central init, add-gateway, add-caseworker and command (the
 * administrator's and the caseworkers'), fleet, and reports list
 * --central. They read the config's central group (conninfo and TLS
 * files) and never open the gateway's database.
 *
 * A command for a gateway is boxed with the caseworkers' secret key
 * (--key) to that gateway's own key, which its uplink registered, with
 * the report's reference, the action and its text inside (cmdbox.h): the
 * gateway applies nothing else. A reply's number is opened here from the
 * sealed report with the same key, so that the central database never
 * holds it in the clear.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "casework.h"
#include "central.h"
#include "conf.h"
#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "seal.h"

/* Loads the config and connects. Returns EXIT_OK with *c, or the exit
 * code after saying why. */
static int
ctl_central_open(struct ctl *ctl, struct central **c)
{
	char err[768];
	int rc;

	if (ctl->conf == NULL && (rc = ctl_find_db(ctl)) != EXIT_OK)
		return rc;
	if (ctl->conf == NULL && conf_load(ctl->conf_path, &ctl->conf, err,
	    sizeof(err)) == -1) {
		ctl_err("%s", err);
		return EXIT_CONFIG;
	}
	if (ctl->conf->central.conninfo == NULL) {
		ctl_err("%s: no central.conninfo: this command needs the "
		    "central database", ctl->conf_path);
		return EXIT_CONFIG;
	}
	if ((*c = central_connect(&ctl->conf->central, CENTRAL_CLIENT, err,
	    sizeof(err))) == NULL) {
		ctl_err("%s", err);
		return EXIT_TEMPFAIL;
	}
	return EXIT_OK;
}

/* Says what failed on c, closes it. Returns the exit code. */
static int
ctl_central_fail(struct central *c)
{
	ctl_err("%s", central_errmsg(c));
	central_close(c);
	return EXIT_FAIL;
}

int
ctl_central_init(struct ctl *ctl, struct ctl_args *args)
{
	struct central *c;
	int rc, from = 0;

	if ((rc = ctl_central_open(ctl, &c)) != EXIT_OK)
		return rc;
	if (central_migrate(c, &from) == -1)
		return ctl_central_fail(c);
	central_close(c);
	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_int(ctl->json, "from", from);
		json_kv_int(ctl->json, "version", central_schema_version());
		json_object_end(ctl->json);
	} else if (from == central_schema_version())
		fprintf(ctl->out, "central schema is up to date (version %d)\n",
		    from);
	else
		fprintf(ctl->out, "central schema migrated from version %d to "
		    "%d\n", from, central_schema_version());
	return EXIT_OK;
}

int
ctl_central_add_gateway(struct ctl *ctl, struct ctl_args *args)
{
	const char *name = args->rest[0];
	struct central *c;
	char role[80];
	int rc;

	if (!conf_central_name_ok(name)) {
		ctl_err("central add-gateway: not a gateway name: expected a "
		    "lower-case letter, then letters, digits or '_', at most "
		    "%d characters", CONF_CENTRAL_NAME_MAX);
		return EXIT_USAGE;
	}
	if ((rc = ctl_central_open(ctl, &c)) != EXIT_OK)
		return rc;
	if (central_add_gateway(c, name, role, sizeof(role)) == -1)
		return ctl_central_fail(c);
	central_close(c);
	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_string(ctl->json, "gateway", name);
		json_kv_string(ctl->json, "role", role);
		json_object_end(ctl->json);
		return EXIT_OK;
	}
	fprintf(ctl->out,
	    "gateway %s: database role %s\n\n"
	    "The technician installs on the gateway, readable by the shukher "
	    "user only:\n"
	    "  /etc/shukher/central.key    a new private key, made on the "
	    "gateway\n"
	    "  /etc/shukher/central.crt    its certificate, CN=%s, signed by "
	    "the\n"
	    "                              CA that pg_hba.conf's "
	    "\"hostssl ... cert\" trusts\n"
	    "  /etc/shukher/central-ca.crt the CA of the server's "
	    "certificate\n"
	    "for example:\n"
	    "  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	    "-nodes \\\n"
	    "    -keyout central.key -out central.csr -subj /CN=%s\n"
	    "and, in /etc/shukher/shukher.conf:\n"
	    "  central = {\n"
	    "    conninfo = \"host=CENTRAL-HOST dbname=DBNAME user=%s\";\n"
	    "    gateway = \"%s\";\n"
	    "    sslcert = \"/etc/shukher/central.crt\";\n"
	    "    sslkey = \"/etc/shukher/central.key\";\n"
	    "    sslrootcert = \"/etc/shukher/central-ca.crt\";\n"
	    "  };\n"
	    "then: systemctl enable --now shukher-uplink\n",
	    name, role, role, role, role, name);
	return EXIT_OK;
}

int
ctl_central_add_caseworker(struct ctl *ctl, struct ctl_args *args)
{
	struct central *c;
	int rc;

	if (!conf_central_name_ok(args->rest[0])) {
		ctl_err("central add-caseworker: not a role name: expected a "
		    "lower-case letter, then letters, digits or '_'");
		return EXIT_USAGE;
	}
	if ((rc = ctl_central_open(ctl, &c)) != EXIT_OK)
		return rc;
	if (central_add_caseworker(c, args->rest[0]) == -1)
		return ctl_central_fail(c);
	central_close(c);
	if (ctl->json == NULL)
		fprintf(ctl->out, "caseworker role %s: reads every gateway's "
		    "reports, queues commands\n", args->rest[0]);
	else {
		json_object_begin(ctl->json);
		json_kv_string(ctl->json, "caseworker", args->rest[0]);
		json_object_end(ctl->json);
	}
	return EXIT_OK;
}

/* ---- command: a caseworker's action for a gateway --------------------- */

struct ctl_central_found {
	unsigned char *sealed;
	size_t sealed_len;
	char key_id[24];
	char status[8];
	int found, claimed;
};

static int
ctl_central_found(void *arg, const struct central_report *r)
{
	struct ctl_central_found *f = arg;

	f->found = 1;
	f->claimed = r->claimed_by != NULL;
	snprintf(f->status, sizeof(f->status), "%s", r->status);
	snprintf(f->key_id, sizeof(f->key_id), "%s", r->key_id ? r->key_id :
	    "");
	if (r->sealed != NULL && (f->sealed = malloc(r->sealed_len)) != NULL) {
		memcpy(f->sealed, r->sealed, r->sealed_len);
		f->sealed_len = r->sealed_len;
	}
	return 1;
}

/*
 * The caseworkers' key into *sec (the caller wipes it): every command is
 * boxed with it, and refused here, before anything is asked of the
 * server, without it, since no gateway would apply it. Returns EXIT_OK,
 * or the exit code after saying why.
 */
static int
ctl_central_key_load(const struct ctl_args *args, const char *action,
    struct seal_sec *sec)
{
	memset(sec, 0, sizeof(*sec));
	switch (ctl_key_load(args, sec)) {
	case -1:
		return EXIT_FAIL;
	case 0:
		ctl_err("central command %s: needs the caseworkers' secret key "
		    "(--key FILE or $%s): a gateway applies only the commands "
		    "made with it", action, SEAL_KEY_ENV);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Whether sec is the key the report found was sealed to: the one its
 * gateway checks commands with. Returns 0, or -1 after saying why not. */
static int
ctl_central_key_ok(const char *action, const struct ctl_central_found *f,
    const struct seal_sec *sec)
{
	if (strcmp(f->key_id, sec->id) == 0)
		return 0;
	ctl_err("central command %s: the report was sealed to key %s, not to "
	    "this one (%s), and its gateway checks commands with that key",
	    action, f->key_id[0] != '\0' ? f->key_id : "(none: the gateway "
	    "has no reports.public_key)", sec->id);
	return -1;
}

/* The reply's "number\ntext" for the report found, its number opened with
 * the caseworkers' key (central_reply_body()). Caller frees with
 * sodium_free(). NULL after saying why. */
static char *
ctl_central_reply_body(const struct ctl_central_found *f, const char *text,
    const struct seal_sec *sec)
{
	char *body;

	body = central_reply_body(sec, f->sealed, f->sealed_len, text);
	if (body == NULL)
		ctl_err("central command reply: the report does not open with "
		    "this key");
	return body;
}

int
ctl_central_command(struct ctl *ctl, struct ctl_args *args)
{
	const char *gw = args->rest[0], *ref = args->rest[1],
	    *action = args->rest[2];
	struct ctl_central_found f;
	struct seal_sec sec;
	struct central *c;
	char *text = NULL, *plain = NULL;
	enum cw_err err;
	int64_t id = 0;
	int rc, needs = strcmp(action, "note") == 0 ||
	    strcmp(action, "reply") == 0;

	if (strcmp(action, "claim") != 0 && strcmp(action, "close") != 0 &&
	    !needs) {
		ctl_err("central command: claim, note, reply or close, not %s",
		    action);
		return EXIT_USAGE;
	}
	if (needs != (args->nrest > 3) && strcmp(action, "close") != 0) {
		ctl_err("central command %s: %s", action, needs ?
		    "the text is missing" : "takes no text");
		return EXIT_USAGE;
	}
	if ((rc = ctl_central_key_load(args, action, &sec)) != EXIT_OK)
		return rc;
	if ((rc = ctl_central_open(ctl, &c)) != EXIT_OK) {
		seal_sec_wipe(&sec);
		return rc;
	}
	memset(&f, 0, sizeof(f));
	if (central_report_find(c, gw, ref, ctl_central_found, &f) == -1) {
		seal_sec_wipe(&sec);
		return ctl_central_fail(c);
	}
	rc = EXIT_FAIL;
	if (!f.found) {
		ctl_err("no report %s on gateway %s", ref, gw);
		goto out;
	}
	if (args->nrest > 3 && (text = ctl_join(args->rest + 3,
	    args->nrest - 3)) == NULL) {
		ctl_err("out of memory");
		goto out;
	}
	/* Refused here as the gateway would refuse it, rather than queued
	 * to come back with the reason. */
	if ((err = (enum cw_err)central_command_check(f.status, f.claimed,
	    action, text, ctl->conf->limits.max_segments)) != CW_OK) {
		ctl_err("central command %s: %s", action,
		    casework_strerror(err));
		goto out;
	}
	if (ctl_central_key_ok(action, &f, &sec) == -1)
		goto out;
	if (strcmp(action, "reply") == 0 &&
	    (plain = ctl_central_reply_body(&f, text, &sec)) == NULL)
		goto out;
	if (central_command_sealed(c, gw, ref, action,
	    plain != NULL ? plain : text, &sec, &id) == -1) {
		ctl_err("%s", central_errmsg(c));
		goto out;
	}
	rc = EXIT_OK;
	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_int(ctl->json, "id", id);
		json_kv_string(ctl->json, "gateway", gw);
		json_kv_string(ctl->json, "action", action);
		json_object_end(ctl->json);
	} else
		fprintf(ctl->out, "command %lld queued for gateway %s\n",
		    (long long)id, gw);
out:
	if (plain != NULL)
		sodium_free(plain);
	seal_sec_wipe(&sec);
	free(text);
	free(f.sealed);
	central_close(c);
	return rc;
}

/* ---- fleet ----------------------------------------------------------- */

static int
ctl_fleet_row(void *arg, const struct central_gateway *g)
{
	struct ctl *ctl = arg;
	struct json *j = ctl->json;
	char seen[CTL_TIME_LEN], sig[16], sim[16], out[16], open[16];
	const char *cells[10];

	if (j != NULL) {
		json_object_begin(j);
		json_kv_string(j, "gateway", g->name);
		ctl_json_time(j, "last_seen", g->last_seen);
		if (g->connected < 0)
			json_kv_null(j, "connected");
		else
			json_kv_bool(j, "connected", g->connected);
		json_kv_string(j, "operator", g->operator_name);
		if (g->signal_dbm == 0)
			json_kv_null(j, "signal_dbm");
		else
			json_kv_int(j, "signal_dbm", g->signal_dbm);
#define CTL_KV_KNOWN(k, v) do { if ((v) < 0) json_kv_null(j, k); \
		else json_kv_int(j, k, v); } while (0)
		CTL_KV_KNOWN("sim_used", g->sim_used);
		CTL_KV_KNOWN("outbox_queued", g->outbox_queued);
		CTL_KV_KNOWN("reports_open", g->reports_open);
#undef CTL_KV_KNOWN
		json_kv_string(j, "version", g->version);
		json_kv_bool(j, "silent", g->silent);
		json_object_end(j);
		return 0;
	}
	snprintf(sig, sizeof(sig), "%d", g->signal_dbm);
	snprintf(sim, sizeof(sim), "%d", g->sim_used);
	snprintf(out, sizeof(out), "%d", g->outbox_queued);
	snprintf(open, sizeof(open), "%d", g->reports_open);
	cells[0] = g->name;
	cells[1] = g->last_seen ? ctl_time_local(g->last_seen, seen,
	    sizeof(seen)) : "never";
	cells[2] = g->connected < 0 ? "-" : g->connected ? "yes" : "NO";
	cells[3] = g->operator_name ? g->operator_name : "-";
	cells[4] = g->signal_dbm ? sig : "-";
	cells[5] = g->sim_used >= 0 ? sim : "-";
	cells[6] = g->outbox_queued >= 0 ? out : "-";
	cells[7] = g->reports_open >= 0 ? open : "-";
	cells[8] = g->version ? g->version : "-";
	cells[9] = g->silent ? "SILENT" : "";
	return ctl_list_row(ctl, cells);
}

int
ctl_fleet(struct ctl *ctl, struct ctl_args *args)
{
	static const char *const headers[] = {
		"GATEWAY", "LAST SEEN", "MODEM", "OPERATOR", "DBM", "SIM",
		"OUTBOX", "OPEN", "VERSION", "SILENT"
	};
	struct central *c;
	int rc;

	if ((rc = ctl_central_open(ctl, &c)) != EXIT_OK)
		return rc;
	if ((rc = ctl_list_begin(ctl, headers, 10)) != 0) {
		central_close(c);
		return rc;
	}
	if (central_fleet(c, ctl->conf->central.silent_after, ctl_fleet_row,
	    ctl) == -1)
		return ctl_central_fail(c);
	central_close(c);
	return ctl_list_end(ctl, 0, "no gateways");
}

/* ---- reports list --central ------------------------------------------ */

static int
ctl_central_report_row(void *arg, const struct central_report *r)
{
	struct ctl *ctl = arg;
	struct json *j = ctl->json;
	char filed[CTL_TIME_LEN];
	const char *cells[6];

	if (j != NULL) {
		json_object_begin(j);
		json_kv_string(j, "gateway", r->gateway);
		json_kv_string(j, "ref", r->ref);
		json_kv_string(j, "status", r->status);
		json_kv_bool(j, "urgent", r->urgent);
		ctl_json_time(j, "created_at", r->created_at);
		ctl_json_time(j, "closed_at", r->closed_at);
		json_kv_string(j, "claimed_by", r->claimed_by);
		ctl_json_time(j, "claimed_at", r->claimed_at);
		json_kv_bool(j, "sealed", r->sealed != NULL);
		json_object_end(j);
		return 0;
	}
	cells[0] = r->gateway;
	cells[1] = r->ref;
	cells[2] = ctl_time_local(r->created_at, filed, sizeof(filed));
	cells[3] = r->status;
	cells[4] = r->urgent ? "URGENT" : "";
	cells[5] = r->claimed_by ? r->claimed_by : "-";
	return ctl_list_row(ctl, cells);
}

int
ctl_central_reports(struct ctl *ctl, struct ctl_args *args)
{
	static const char *const headers[] = {
		"GATEWAY", "REF", "FILED", "STATUS", "URGENT", "CLAIMED BY"
	};
	struct central *c;
	int rc;

	if ((rc = ctl_central_open(ctl, &c)) != EXIT_OK)
		return rc;
	if ((rc = ctl_list_begin(ctl, headers, 6)) != 0) {
		central_close(c);
		return rc;
	}
	if (central_reports(c, args->filter.state, ctl_central_report_row,
	    ctl) == -1)
		return ctl_central_fail(c);
	central_close(c);
	return ctl_list_end(ctl, 0, "no reports");
}
