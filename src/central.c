/*
 * central: the libpq client of the fleet's central database. See
 * include/central.h for the contract; the schema and what each role may do
 * are in src/central_schema.c.
 *
 * Every statement goes through central_query() with bound parameters;
 * the server's functions (shukher.push, shukher.health, shukher.hello)
 * hold what a gateway may write, so that this side sends one statement per
 * batch: one round trip, one transaction, whatever the batch's size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "casework.h"
#include "central.h"
#include "central_int.h"
#include "cmdbox.h"
#include "conf.h"
#include "seal.h"

/* The session-level lock central_migrate() holds: one migration at a
 * time (STORE_APP_ID's number, for want of another). */
#define CENTRAL_LOCK "1397246802"

struct central {
	PGconn *conn;
	char err[512];
};

const char *
central_errmsg(const struct central *c)
{
	return c->err;
}

int
central_broken(const struct central *c)
{
	return PQstatus(c->conn) != CONNECTION_OK;
}

int
central_socket(const struct central *c)
{
	return PQsocket(c->conn);
}

/* libpq's message without its trailing newline into buf. */
static void
central_msg(char *buf, size_t len, const char *what, const char *msg)
{
	size_t n;

	snprintf(buf, len, "%s: %s", what, msg != NULL && msg[0] != '\0' ?
	    msg : "failed");
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
}

struct central *
central_connect(const struct conf_central *cc, enum central_mode mode,
    char *err, size_t errlen)
{
	const char *keys[16], *vals[16];
	struct central *c;
	int n = 0;

	if (cc->conninfo == NULL) {
		snprintf(err, errlen, "central.conninfo is not set");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* The conninfo first: what follows overrides it. */
	keys[n] = "dbname"; vals[n++] = cc->conninfo;
	keys[n] = "application_name";
	vals[n++] = mode == CENTRAL_GATEWAY ? "shukher-uplink" : "shukherctl";
	keys[n] = "connect_timeout"; vals[n++] = "10";
	if (cc->sslcert != NULL) {
		keys[n] = "sslcert"; vals[n++] = cc->sslcert;
		keys[n] = "sslkey"; vals[n++] = cc->sslkey;
	}
	if (cc->sslrootcert != NULL) {
		keys[n] = "sslrootcert"; vals[n++] = cc->sslrootcert;
	}
	if (mode == CENTRAL_GATEWAY) {
		/* A gateway talks only to the server its CA signed, under the
		 * name it dialled, and notices a dead link within a minute. */
		keys[n] = "sslmode"; vals[n++] = "verify-full";
		keys[n] = "keepalives_idle"; vals[n++] = "30";
		keys[n] = "keepalives_interval"; vals[n++] = "10";
		keys[n] = "keepalives_count"; vals[n++] = "3";
	}
	keys[n] = NULL; vals[n] = NULL;
	c->conn = PQconnectdbParams(keys, vals, 1);
	if (c->conn == NULL || PQstatus(c->conn) != CONNECTION_OK) {
		central_msg(err, errlen, "central: connect", c->conn != NULL ?
		    PQerrorMessage(c->conn) : "out of memory");
		central_close(c);
		return NULL;
	}
	return c;
}

void
central_close(struct central *c)
{
	if (c == NULL)
		return;
	PQfinish(c->conn);
	free(c);
}

/*
 * Runs sql with n text parameters (vals; a NULL is SQL NULL), or binary
 * ones where fmts says 1. Returns the result (caller PQclear()s) when its
 * status is want, else NULL with the error: the server's primary message
 * only, which holds no bound value's detail.
 */
static PGresult *
central_query(struct central *c, const char *what, const char *sql, int n,
    const char *const *vals, const int *lens, const int *fmts,
    ExecStatusType want)
{
	PGresult *res;
	const char *msg;

	res = PQexecParams(c->conn, sql, n, NULL, vals, lens, fmts, 0);
	if (res != NULL && PQresultStatus(res) == want)
		return res;
	msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) :
	    NULL;
	central_msg(c->err, sizeof(c->err), what, msg != NULL ? msg :
	    PQerrorMessage(c->conn));
	PQclear(res);
	return NULL;
}

/* Statements without parameters (several, separated by ';', in one
 * round trip: the simple query protocol). Returns 0 or -1. */
static int
central_do(struct central *c, const char *what, const char *sql)
{
	PGresult *res = PQexec(c->conn, sql);
	const char *msg;

	if (res != NULL && (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK)) {
		PQclear(res);
		return 0;
	}
	msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) :
	    NULL;
	central_msg(c->err, sizeof(c->err), what, msg != NULL ? msg :
	    PQerrorMessage(c->conn));
	PQclear(res);
	return -1;
}

static int64_t
central_int(const PGresult *res, int row, int col, int64_t null)
{
	if (PQgetisnull(res, row, col))
		return null;
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static const char *
central_str(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* ---- administration -------------------------------------------------- */

static int
central_version(struct central *c, int *out)
{
	PGresult *res;

	if (central_do(c, "schema", "CREATE SCHEMA IF NOT EXISTS shukher;"
	    "CREATE TABLE IF NOT EXISTS shukher.schema_version"
	    " (version int NOT NULL)") == -1)
		return -1;
	res = central_query(c, "schema version", "SELECT coalesce(max(version),"
	    " 0) FROM shukher.schema_version", 0, NULL, NULL, NULL,
	    PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	*out = (int)central_int(res, 0, 0, 0);
	PQclear(res);
	return 0;
}

/* The migrations from *from on, in the caller's transaction. */
static int
central_steps(struct central *c, int *from)
{
	char v[16], what[32];
	const char *vals[1] = { v };
	const char *sql;
	PGresult *res;
	int i;

	if (central_version(c, from) == -1)
		return -1;
	if (*from > central_schema_version()) {
		snprintf(c->err, sizeof(c->err), "central schema is version %d,"
		    " newer than this shukher's %d: upgrade shukher", *from,
		    central_schema_version());
		return -1;
	}
	for (i = *from; (sql = central_schema_step(i)) != NULL; i++) {
		snprintf(what, sizeof(what), "migration %d", i + 1);
		if (central_do(c, what, sql) == -1)
			return -1;
	}
	snprintf(v, sizeof(v), "%d", central_schema_version());
	if (central_do(c, "schema version",
	    "DELETE FROM shukher.schema_version") == -1)
		return -1;
	res = central_query(c, "schema version", "INSERT INTO"
	    " shukher.schema_version VALUES ($1::int)", 1, vals, NULL, NULL,
	    PGRES_COMMAND_OK);
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

int
central_migrate(struct central *c, int *from)
{
	if (central_do(c, "begin", "BEGIN; SELECT pg_advisory_xact_lock("
	    CENTRAL_LOCK ")") == -1)
		return -1;
	if (central_steps(c, from) == -1) {
		central_do(c, "rollback", "ROLLBACK");
		return -1;
	}
	return central_do(c, "commit", "COMMIT");
}

int
central_add_gateway(struct central *c, const char *name, char *role,
    size_t rolelen)
{
	const char *vals[1] = { name };
	PGresult *res;

	res = central_query(c, "add gateway", "SELECT shukher.add_gateway($1)",
	    1, vals, NULL, NULL, PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	snprintf(role, rolelen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int
central_add_caseworker(struct central *c, const char *name)
{
	const char *vals[1] = { name };
	PGresult *res;

	res = central_query(c, "add caseworker",
	    "SELECT shukher.add_caseworker($1)", 1, vals, NULL, NULL,
	    PGRES_TUPLES_OK);
	PQclear(res);
	return res != NULL ? 0 : -1;
}

/* ---- the uplink ------------------------------------------------------ */

int
central_hello(struct central *c, const char *pubkey_hex, const char *version,
    char *name, size_t namelen)
{
	const char *vals[2] = { pubkey_hex, version };
	PGresult *res;

	res = central_query(c, "hello", "SELECT shukher.hello($1, $2)", 2,
	    vals, NULL, NULL, PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	snprintf(name, namelen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int
central_push(struct central *c, const char *batch, int64_t *top)
{
	const char *vals[1] = { batch };
	PGresult *res;

	res = central_query(c, "push", "SELECT shukher.push($1::jsonb)", 1,
	    vals, NULL, NULL, PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	*top = central_int(res, 0, 0, 0);
	PQclear(res);
	return 0;
}

int
central_health(struct central *c, const char *doc)
{
	const char *vals[1] = { doc };
	PGresult *res;

	res = central_query(c, "health", "SELECT shukher.health($1::jsonb)", 1,
	    vals, NULL, NULL, PGRES_TUPLES_OK);
	PQclear(res);
	return res != NULL ? 0 : -1;
}

int
central_listen(struct central *c)
{
	return central_do(c, "listen", "LISTEN shukher_commands");
}

int
central_drain(struct central *c)
{
	PGnotify *n;
	int count = 0;

	if (!PQconsumeInput(c->conn)) {
		central_msg(c->err, sizeof(c->err), "central",
		    PQerrorMessage(c->conn));
		return -1;
	}
	while ((n = PQnotifies(c->conn)) != NULL) {
		count++;
		PQfreemem(n);
	}
	return count;
}

int
central_commands(struct central *c, struct central_command **out, size_t *n)
{
	struct central_command *cmds;
	unsigned char *raw;
	PGresult *res;
	int i, rows;

	*out = NULL;
	*n = 0;
	/* created_by: the role that inserted it, as PostgreSQL says (the
	 * client's word is not asked since central schema 2). */
	res = central_query(c, "commands", "SELECT id, report_ref, action,"
	    " created_by, body FROM shukher.commands WHERE acked_at IS NULL"
	    " AND gateway = shukher.my_gateway() ORDER BY id LIMIT 100", 0,
	    NULL, NULL, NULL, PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	if (rows == 0) {
		PQclear(res);
		return 0;
	}
	if ((cmds = calloc((size_t)rows, sizeof(*cmds))) == NULL) {
		PQclear(res);
		snprintf(c->err, sizeof(c->err), "commands: out of memory");
		return -1;
	}
	for (i = 0; i < rows; i++) {
		cmds[i].id = central_int(res, i, 0, 0);
		snprintf(cmds[i].ref, sizeof(cmds[i].ref), "%s",
		    PQgetvalue(res, i, 1));
		snprintf(cmds[i].action, sizeof(cmds[i].action), "%s",
		    PQgetvalue(res, i, 2));
		snprintf(cmds[i].actor, sizeof(cmds[i].actor), "%s",
		    PQgetvalue(res, i, 3));
		if (PQgetisnull(res, i, 4))
			continue;
		raw = PQunescapeBytea((const unsigned char *)
		    PQgetvalue(res, i, 4), &cmds[i].body_len);
		if (raw != NULL && (cmds[i].body = malloc(cmds[i].body_len +
		    1)) != NULL)
			memcpy(cmds[i].body, raw, cmds[i].body_len);
		PQfreemem(raw);
		if (cmds[i].body == NULL) {
			central_commands_free(cmds, (size_t)rows);
			PQclear(res);
			snprintf(c->err, sizeof(c->err),
			    "commands: out of memory");
			return -1;
		}
	}
	PQclear(res);
	*out = cmds;
	*n = (size_t)rows;
	return 0;
}

void
central_commands_free(struct central_command *cmds, size_t n)
{
	size_t i;

	for (i = 0; cmds != NULL && i < n; i++)
		free(cmds[i].body);
	free(cmds);
}

int
central_ack(struct central *c, int64_t id, const char *result)
{
	char v[24];
	const char *vals[2] = { v, result };
	PGresult *res;

	snprintf(v, sizeof(v), "%lld", (long long)id);
	res = central_query(c, "ack", "UPDATE shukher.commands SET"
	    " acked_at = now(), result = $2 WHERE id = $1::bigint"
	    " AND acked_at IS NULL", 2, vals, NULL, NULL, PGRES_COMMAND_OK);
	PQclear(res);
	return res != NULL ? 0 : -1;
}

/* ---- the central team ------------------------------------------------ */

int
central_fleet(struct central *c, int silent_after, central_gateway_cb cb,
    void *arg)
{
	struct central_gateway g;
	char v[16];
	const char *vals[1] = { v };
	PGresult *res;
	int i, rc = 0;

	snprintf(v, sizeof(v), "%d", silent_after);
	res = central_query(c, "fleet", "SELECT g.name,"
	    " extract(epoch FROM g.last_seen)::bigint, h.connected::int,"
	    " h.operator, h.signal_dbm, h.sim_used, h.outbox_queued,"
	    " h.reports_open, g.version, (g.last_seen IS NULL OR g.last_seen <"
	    " now() - make_interval(secs => $1::int))::int"
	    " FROM shukher.gateways g LEFT JOIN LATERAL (SELECT * FROM"
	    " shukher.health WHERE gateway = g.name ORDER BY id DESC LIMIT 1)"
	    " h ON true ORDER BY g.name", 1, vals, NULL, NULL,
	    PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res) && rc == 0; i++) {
		memset(&g, 0, sizeof(g));
		g.name = PQgetvalue(res, i, 0);
		g.last_seen = central_int(res, i, 1, 0);
		g.connected = (int)central_int(res, i, 2, -1);
		g.operator_name = central_str(res, i, 3);
		g.signal_dbm = (int)central_int(res, i, 4, 0);
		g.sim_used = (int)central_int(res, i, 5, -1);
		g.outbox_queued = (int)central_int(res, i, 6, -1);
		g.reports_open = (int)central_int(res, i, 7, -1);
		g.version = central_str(res, i, 8);
		g.silent = (int)central_int(res, i, 9, 1);
		rc = cb(arg, &g);
	}
	PQclear(res);
	return 0;
}

#define CENTRAL_REPORT_COLS \
	"gateway, ref, status, urgent::int," \
	" extract(epoch FROM created_at)::bigint," \
	" extract(epoch FROM closed_at)::bigint," \
	" extract(epoch FROM claimed_at)::bigint, claimed_by, sealed, key_id," \
	" seq"

/* Calls cb for each row of res (CENTRAL_REPORT_COLS). */
static int
central_report_rows(struct central *c, PGresult *res, central_report_cb cb,
    void *arg)
{
	struct central_report r;
	unsigned char *raw;
	int i, rc = 0;

	for (i = 0; i < PQntuples(res) && rc == 0; i++) {
		memset(&r, 0, sizeof(r));
		r.gateway = PQgetvalue(res, i, 0);
		r.ref = PQgetvalue(res, i, 1);
		r.status = PQgetvalue(res, i, 2);
		r.urgent = (int)central_int(res, i, 3, 0);
		r.created_at = central_int(res, i, 4, 0);
		r.closed_at = central_int(res, i, 5, 0);
		r.claimed_at = central_int(res, i, 6, 0);
		r.claimed_by = central_str(res, i, 7);
		r.key_id = central_str(res, i, 9);
		r.seq = central_int(res, i, 10, 0);
		raw = NULL;
		if (!PQgetisnull(res, i, 8)) {
			raw = PQunescapeBytea((const unsigned char *)
			    PQgetvalue(res, i, 8), &r.sealed_len);
			if (raw == NULL) {
				snprintf(c->err, sizeof(c->err),
				    "reports: out of memory");
				return -1;
			}
			r.sealed = raw;
		}
		rc = cb(arg, &r);
		PQfreemem(raw);
	}
	return i;
}

/* Runs sql (CENTRAL_REPORT_COLS, with n parameters vals) and calls cb for
 * each report it gives: the rows' return, or -1 when the query failed. */
static int
central_report_query(struct central *c, const char *what, const char *sql,
    int n, const char *const *vals, central_report_cb cb, void *arg)
{
	PGresult *res;
	int rc;

	res = central_query(c, what, sql, n, vals, NULL, NULL,
	    PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	rc = central_report_rows(c, res, cb, arg);
	PQclear(res);
	return rc;
}

int
central_reports(struct central *c, const char *status, central_report_cb cb,
    void *arg)
{
	const char *vals[1] = { status };
	int rc;

	rc = central_report_query(c, "reports", "SELECT " CENTRAL_REPORT_COLS
	    " FROM shukher.reports WHERE $1::text IS NULL OR status = $1"
	    " ORDER BY created_at DESC, gateway, seq DESC",
	    1, vals, cb, arg);
	return rc < 0 ? -1 : 0;
}

int
central_report_find(struct central *c, const char *gateway, const char *ref,
    central_report_cb cb, void *arg)
{
	const char *vals[2] = { gateway, ref };
	int rc;

	rc = central_report_query(c, "report", "SELECT " CENTRAL_REPORT_COLS
	    " FROM shukher.reports WHERE gateway = $1 AND ref = upper($2)"
	    " ORDER BY seq DESC LIMIT 1",
	    2, vals, cb, arg);
	return rc;
}

int
central_gateway_key(struct central *c, const char *gateway, char *hex,
    size_t hexlen)
{
	const char *vals[1] = { gateway };
	PGresult *res;
	int found;

	res = central_query(c, "gateway key", "SELECT pubkey FROM"
	    " shukher.gateways WHERE name = $1 AND pubkey IS NOT NULL", 1,
	    vals, NULL, NULL, PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	if ((found = PQntuples(res) > 0))
		snprintf(hex, hexlen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return found;
}

int
central_command_add(struct central *c, const char *gateway, const char *ref,
    const char *action, const unsigned char *body, size_t body_len,
    int64_t *id)
{
	const char *vals[4] = { gateway, ref, action, (const char *)body };
	int lens[4] = { 0, 0, 0, (int)body_len };
	int fmts[4] = { 0, 0, 0, 1 };
	PGresult *res;

	/* No author: the server's trigger writes the session's role. */
	res = central_query(c, "command", "INSERT INTO shukher.commands"
	    " (gateway, report_ref, action, body) VALUES ($1, upper($2), $3,"
	    " $4::bytea) RETURNING id", 4, vals, lens, fmts,
	    PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	*id = central_int(res, 0, 0, 0);
	PQclear(res);
	return 0;
}

/* ---- the central console (shukher-web, web.source = "central") ------- */

int
central_report_list(struct central *c, const struct central_query_filter *f,
    central_report_cb cb, void *arg)
{
	char since[24], limit[16], urgent[4];
	const char *vals[5] = { f->status, f->gateway, NULL, NULL, NULL };
	int rc;

	snprintf(since, sizeof(since), "%lld", (long long)f->since);
	snprintf(limit, sizeof(limit), "%d", f->limit);
	snprintf(urgent, sizeof(urgent), "%d", f->urgent);
	vals[2] = since;
	vals[3] = limit;
	vals[4] = urgent;
	rc = central_report_query(c, "reports", "SELECT " CENTRAL_REPORT_COLS
	    " FROM shukher.reports WHERE ($1::text IS NULL OR status = $1)"
	    " AND ($2::text IS NULL OR gateway = $2)"
	    " AND created_at >= to_timestamp($3::bigint)"
	    " AND ($5::int < 0 OR urgent = ($5::int = 1))"
	    " ORDER BY created_at DESC, gateway, seq DESC"
	    " LIMIT CASE WHEN $4::int > 0 THEN $4::int END",
	    5, vals, cb, arg);
	return rc < 0 ? -1 : 0;
}

int
central_report_counts(struct central *c, const struct central_query_filter *f,
    struct central_counts *out)
{
	char since[24], urgent[4];
	const char *vals[3] = { f->gateway, since, urgent };
	PGresult *res;

	snprintf(since, sizeof(since), "%lld", (long long)f->since);
	snprintf(urgent, sizeof(urgent), "%d", f->urgent);
	res = central_query(c, "report counts", "SELECT"
	    " count(*) FILTER (WHERE status = 'open'),"
	    " count(*) FILTER (WHERE status = 'closed'),"
	    " count(*) FILTER (WHERE status = 'open' AND claimed_by IS NULL),"
	    " count(*) FILTER (WHERE status = 'open' AND urgent)"
	    " FROM shukher.reports WHERE ($1::text IS NULL OR gateway = $1)"
	    " AND created_at >= to_timestamp($2::bigint)"
	    " AND ($3::int < 0 OR urgent = ($3::int = 1))", 3, vals, NULL,
	    NULL, PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	out->open = (int)central_int(res, 0, 0, 0);
	out->closed = (int)central_int(res, 0, 1, 0);
	out->unclaimed = (int)central_int(res, 0, 2, 0);
	out->urgent = (int)central_int(res, 0, 3, 0);
	PQclear(res);
	return 0;
}

int
central_report_get(struct central *c, const char *gateway, int64_t seq,
    central_report_cb cb, void *arg)
{
	char s[24];
	const char *vals[2] = { gateway, s };
	int rc;

	snprintf(s, sizeof(s), "%lld", (long long)seq);
	rc = central_report_query(c, "report", "SELECT " CENTRAL_REPORT_COLS
	    " FROM shukher.reports WHERE gateway = $1 AND seq = $2::bigint",
	    2, vals, cb, arg);
	return rc;
}

int
central_entries(struct central *c, const char *gateway, int64_t report_seq,
    central_entry_cb cb, void *arg)
{
	struct central_entry e;
	char s[24];
	const char *vals[2] = { gateway, s };
	unsigned char *raw;
	PGresult *res;
	int i, rc = 0;

	snprintf(s, sizeof(s), "%lld", (long long)report_seq);
	res = central_query(c, "timeline", "SELECT"
	    " extract(epoch FROM at)::bigint, kind, actor, body, key_id"
	    " FROM shukher.report_entries WHERE gateway = $1"
	    " AND report_seq = $2::bigint ORDER BY at, seq", 2, vals, NULL,
	    NULL, PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res) && rc == 0; i++) {
		memset(&e, 0, sizeof(e));
		e.at = central_int(res, i, 0, 0);
		e.kind = PQgetvalue(res, i, 1);
		e.actor = central_str(res, i, 2);
		e.key_id = central_str(res, i, 4);
		raw = NULL;
		if (!PQgetisnull(res, i, 3) && (raw = PQunescapeBytea(
		    (const unsigned char *)PQgetvalue(res, i, 3),
		    &e.body_len)) == NULL) {
			snprintf(c->err, sizeof(c->err),
			    "timeline: out of memory");
			PQclear(res);
			return -1;
		}
		e.body = raw;
		rc = cb(arg, &e);
		PQfreemem(raw);
	}
	PQclear(res);
	return 0;
}

int
central_stats(struct central *c, const char *since_day,
    const char *until_day, const char *gateway, central_stat_cb cb,
    void *arg)
{
	const char *vals[3] = { since_day, until_day, gateway };
	PGresult *res;
	int i, rc = 0;

	res = central_query(c, "statistics", "SELECT day::text, keyword,"
	    " sum(count)::bigint FROM shukher.stats"
	    " WHERE ($1::date IS NULL OR day >= $1::date)"
	    " AND ($2::date IS NULL OR day <= $2::date)"
	    " AND ($3::text IS NULL OR gateway = $3)"
	    " GROUP BY day, keyword ORDER BY day, keyword", 3, vals, NULL,
	    NULL, PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res) && rc == 0; i++)
		rc = cb(arg, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		    (int)central_int(res, i, 2, 0));
	PQclear(res);
	return 0;
}

int
central_gateway_totals(struct central *c, const char *since_day,
    const char *until_day, central_total_cb cb, void *arg)
{
	const char *vals[2] = { since_day, until_day };
	PGresult *res;
	int i, rc = 0;

	res = central_query(c, "statistics", "SELECT g.name,"
	    " coalesce(sum(s.count), 0)::bigint FROM shukher.gateways g"
	    " LEFT JOIN shukher.stats s ON s.gateway = g.name"
	    " AND ($1::date IS NULL OR s.day >= $1::date)"
	    " AND ($2::date IS NULL OR s.day <= $2::date)"
	    " GROUP BY g.name ORDER BY g.name", 2, vals, NULL, NULL,
	    PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res) && rc == 0; i++)
		rc = cb(arg, PQgetvalue(res, i, 0), central_int(res, i, 1, 0));
	PQclear(res);
	return 0;
}

int
central_command_check(const char *status, int claimed, const char *action,
    const char *text, int max_segments)
{
	if (strcmp(status, "closed") == 0)
		return CW_CLOSED;
	if (strcmp(action, "claim") == 0)
		return claimed ? CW_TAKEN : CW_OK;
	if (strcmp(action, "note") == 0)
		return text == NULL || text[0] == '\0' ? CW_EMPTY : CW_OK;
	if (strcmp(action, "reply") == 0)
		return casework_check_text(text != NULL ? text : "",
		    max_segments, NULL);
	return CW_OK;
}

char *
central_reply_body(const struct seal_sec *sec, const unsigned char *sealed,
    size_t sealed_len, const char *text)
{
	char *plain, *nl, *body;
	size_t n;

	plain = sealed == NULL || sec == NULL ? NULL : seal_open(sec, sealed,
	    sealed_len, NULL);
	if (plain == NULL || (nl = strchr(plain, '\n')) == NULL) {
		seal_free(plain);
		return NULL;
	}
	*nl = '\0';
	n = strlen(plain) + 1 + strlen(text) + 1;
	if ((body = sodium_malloc(n)) != NULL)
		snprintf(body, n, "%s\n%s", plain, text);
	seal_free(plain);
	return body;
}

int
central_command_sealed(struct central *c, const char *gateway,
    const char *ref, const char *action, const char *plain,
    const struct seal_sec *from, int64_t *id)
{
	struct seal_pub pub;
	char hex[2 * SEAL_KEY_BYTES + 8];
	unsigned char *blob;
	size_t bin = 0, len = 0;
	int rc;

	if (from == NULL) {
		snprintf(c->err, sizeof(c->err), "a command needs the "
		    "caseworkers' secret key: a gateway applies only what it "
		    "made");
		return -1;
	}
	switch (central_gateway_key(c, gateway, hex, sizeof(hex))) {
	case -1:
		return -1;
	case 0:
		snprintf(c->err, sizeof(c->err), "gateway %s has not "
		    "registered its key yet (its uplink has never "
		    "connected)", gateway);
		return -1;
	}
	memset(&pub, 0, sizeof(pub));
	if (sodium_hex2bin(pub.pk, sizeof(pub.pk), hex, strlen(hex), NULL,
	    &bin, NULL) != 0 || bin != sizeof(pub.pk)) {
		snprintf(c->err, sizeof(c->err), "gateway %s: its registered "
		    "key is damaged", gateway);
		return -1;
	}
	if ((blob = cmdbox_make(from, &pub, ref, action, plain, &len)) ==
	    NULL) {
		snprintf(c->err, sizeof(c->err), ref[0] == '\0' ||
		    strchr(ref, '\n') != NULL ?
		    "not a report reference" : "out of memory");
		return -1;
	}
	rc = central_command_add(c, gateway, ref, action, blob, len, id);
	free(blob);
	return rc;
}
