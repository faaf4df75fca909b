/*
 * central_schema: the schema of the central fleet's PostgreSQL database, as
 * the numbered migrations that build it (as store_schema.c does for a
 * gateway's SQLite), and central_migrate(), which `shukherctl central init`
 * runs as the database's administrator.
 *
 * Everything lives in the schema "shukher". Each row a gateway sends is
 * keyed by (gateway, seq), seq being the gateway's own uplink sequence, so
 * that a batch sent twice inserts nothing the second time. Reports and
 * timeline entries hold the sealed blobs as the gateway holds them: the
 * central server never holds a reporter's number or text in the clear.
 *
 * Who may do what is PostgreSQL's to enforce, with row-level security:
 *
 *   shukher_gateway      the group of the gateways' roles (shukher_gw_NAME,
 *                        one per gateway, which log in with a client
 *                        certificate). Each inserts rows with its own name
 *                        only, reads only its own rows and its own
 *                        commands, and may mark only those acknowledged.
 *   shukher_caseworker   the group of the caseworkers' (and the console's)
 *                        roles: reads every gateway's rows, the gateways
 *                        and their health, and inserts commands.
 *
 * A gateway knows its name by its login role (shukher.my_gateway()), never
 * by what it claims; a command's author is the role that inserted it
 * (migration 2), never what the client wrote. The version is
 * shukher.schema_version's one row.
 */
#include <stddef.h>

#include "central.h"
#include "central_int.h"

/* The timestamps gateways send are Unix seconds; 0 or null is none. */
#define CENTRAL_TS(x) \
	"CASE WHEN coalesce((" x ")::bigint, 0) = 0 THEN NULL" \
	" ELSE to_timestamp((" x ")::bigint) END"

/* Row-level security on table t: a gateway's own rows; caseworkers read
 * all. */
#define CENTRAL_RLS(t) \
	"ALTER TABLE shukher." t " ENABLE ROW LEVEL SECURITY;" \
	"CREATE POLICY " t "_gateway ON shukher." t " TO shukher_gateway" \
	" USING (gateway = shukher.my_gateway())" \
	" WITH CHECK (gateway = shukher.my_gateway());" \
	"CREATE POLICY " t "_caseworker ON shukher." t \
	" FOR SELECT TO shukher_caseworker USING (true);" \
	"GRANT SELECT, INSERT ON shukher." t " TO shukher_gateway;" \
	"GRANT SELECT ON shukher." t " TO shukher_caseworker;"

static const char *const central_migrations[] = {
	/* 1: the first schema. */
	"DO $$ BEGIN"
	" IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shukher_gateway')"
	" THEN CREATE ROLE shukher_gateway NOLOGIN; END IF;"
	" IF NOT EXISTS (SELECT FROM pg_roles"
	"  WHERE rolname = 'shukher_caseworker')"
	" THEN CREATE ROLE shukher_caseworker NOLOGIN; END IF;"
	" END $$;"
	"GRANT USAGE ON SCHEMA shukher TO shukher_gateway, shukher_caseworker;"
	"CREATE TABLE shukher.gateways ("
	" name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,31}$'),"
	" role name NOT NULL UNIQUE,"
	" pubkey text,"			/* hex of its X25519 public key */
	" version text,"
	" created_at timestamptz NOT NULL DEFAULT now(),"
	" last_seen timestamptz);"
	"GRANT SELECT ON shukher.gateways TO shukher_caseworker;"
	/* The gateway of the session's login role; NULL for any other. */
	"CREATE FUNCTION shukher.my_gateway() RETURNS text"
	" LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog"
	" AS $$ SELECT name FROM shukher.gateways"
	" WHERE role = session_user $$;"
	"REVOKE ALL ON FUNCTION shukher.my_gateway() FROM PUBLIC;"
	"GRANT EXECUTE ON FUNCTION shukher.my_gateway()"
	" TO shukher_gateway, shukher_caseworker;"
	/* A gateway's contact: last_seen, and its key and version when
	 * given. The only write a gateway may make to gateways. */
	"CREATE FUNCTION shukher.hello(key text, ver text) RETURNS text"
	" LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog"
	" AS $$ DECLARE gw text; BEGIN"
	" UPDATE shukher.gateways SET last_seen = now(),"
	"  pubkey = coalesce(key, pubkey), version = coalesce(ver, version)"
	"  WHERE role = session_user RETURNING name INTO gw;"
	" IF gw IS NULL THEN RAISE EXCEPTION"
	"  'shukher: role % is not a registered gateway', session_user"
	"  USING ERRCODE = 'insufficient_privilege'; END IF;"
	" RETURN gw; END $$;"
	"REVOKE ALL ON FUNCTION shukher.hello(text, text) FROM PUBLIC;"
	"GRANT EXECUTE ON FUNCTION shukher.hello(text, text)"
	" TO shukher_gateway;"
	"CREATE TABLE shukher.reports ("
	" gateway text NOT NULL REFERENCES shukher.gateways(name),"
	" seq bigint NOT NULL,"
	" local_id bigint NOT NULL,"		/* the gateway's reports.id */
	" ref text NOT NULL,"
	" urgent boolean NOT NULL,"
	" created_at timestamptz NOT NULL,"
	" sealed bytea,"			/* "number\\ntext", sealed */
	" key_id text,"
	" status text NOT NULL CHECK (status IN ('open', 'closed')),"
	" claimed_by text,"
	" claimed_at timestamptz,"
	" closed_at timestamptz,"
	" PRIMARY KEY (gateway, seq));"
	"CREATE INDEX reports_local ON shukher.reports (gateway, local_id, seq);"
	"CREATE INDEX reports_ref ON shukher.reports (ref);"
	"CREATE INDEX reports_status ON shukher.reports (status, created_at);"
	CENTRAL_RLS("reports")
	"GRANT UPDATE (status, claimed_by, claimed_at, closed_at)"
	" ON shukher.reports TO shukher_gateway;"
	"CREATE TABLE shukher.report_entries ("
	" gateway text NOT NULL REFERENCES shukher.gateways(name),"
	" seq bigint NOT NULL,"
	" local_id bigint NOT NULL,"
	" report_seq bigint,"			/* its report's seq */
	" at timestamptz NOT NULL,"
	" kind text NOT NULL,"
	" actor text,"
	" body bytea,"				/* sealed; NULL: none or clear */
	" key_id text,"
	" PRIMARY KEY (gateway, seq));"
	"CREATE INDEX report_entries_report"
	" ON shukher.report_entries (gateway, report_seq, seq);"
	CENTRAL_RLS("report_entries")
	"CREATE TABLE shukher.audit ("
	" gateway text NOT NULL REFERENCES shukher.gateways(name),"
	" seq bigint NOT NULL,"
	" at timestamptz NOT NULL,"
	" actor text NOT NULL,"
	" via text NOT NULL,"
	" action text NOT NULL,"
	" report_ref text,"
	" detail text,"
	" PRIMARY KEY (gateway, seq));"
	CENTRAL_RLS("audit")
	"CREATE TABLE shukher.stats ("
	" gateway text NOT NULL REFERENCES shukher.gateways(name),"
	" day date NOT NULL,"
	" keyword text NOT NULL,"
	" count bigint NOT NULL,"
	" PRIMARY KEY (gateway, day, keyword));"
	CENTRAL_RLS("stats")
	"GRANT UPDATE (count) ON shukher.stats TO shukher_gateway;"
	"CREATE TABLE shukher.health ("
	" id bigserial PRIMARY KEY,"
	" gateway text NOT NULL REFERENCES shukher.gateways(name),"
	" received_at timestamptz NOT NULL DEFAULT now(),"
	" at timestamptz,"			/* the gateway's clock */
	" connected boolean,"
	" operator text,"
	" signal_dbm int,"
	" sim_used int,"
	" sim_total int,"
	" outbox_queued int,"
	" reports_open int,"
	" uplink_pending bigint,"
	" version text,"
	" uptime bigint,"
	" disk_free bigint,"
	" doc jsonb NOT NULL);"		/* all of it, as the gateway sent it */
	"CREATE INDEX health_gateway ON shukher.health (gateway, id);"
	CENTRAL_RLS("health")
	"GRANT USAGE ON SEQUENCE shukher.health_id_seq TO shukher_gateway;"
	/*
	 * Commands for a gateway, from the caseworkers: claim, note, reply,
	 * close of one of its reports. body is sealed to the gateway's own
	 * key: a note's text, a reply's "number\ntext", a close's outcome.
	 * The gateway applies each once and sets acked_at and result.
	 */
	"CREATE TABLE shukher.commands ("
	" id bigserial PRIMARY KEY,"
	" gateway text NOT NULL REFERENCES shukher.gateways(name),"
	" report_ref text NOT NULL,"
	" action text NOT NULL CHECK (action IN"
	"  ('claim', 'note', 'reply', 'close')),"
	" actor text NOT NULL,"
	" body bytea,"
	" created_at timestamptz NOT NULL DEFAULT now(),"
	" created_by name NOT NULL DEFAULT session_user,"
	" acked_at timestamptz,"
	" result text);"
	"CREATE INDEX commands_pending ON shukher.commands (gateway, id)"
	" WHERE acked_at IS NULL;"
	"ALTER TABLE shukher.commands ENABLE ROW LEVEL SECURITY;"
	"CREATE POLICY commands_gateway ON shukher.commands TO shukher_gateway"
	" USING (gateway = shukher.my_gateway());"
	"CREATE POLICY commands_caseworker ON shukher.commands"
	" TO shukher_caseworker USING (true) WITH CHECK (true);"
	"GRANT SELECT, UPDATE (acked_at, result) ON shukher.commands"
	" TO shukher_gateway;"
	"GRANT SELECT, INSERT ON shukher.commands TO shukher_caseworker;"
	"GRANT USAGE ON SEQUENCE shukher.commands_id_seq"
	" TO shukher_caseworker;"
	/* Wakes the gateway's uplink (LISTEN shukher_commands). */
	"CREATE FUNCTION shukher.commands_notify() RETURNS trigger"
	" LANGUAGE plpgsql AS $$ BEGIN"
	" PERFORM pg_notify('shukher_commands', NEW.gateway);"
	" RETURN NULL; END $$;"
	"CREATE TRIGGER commands_notify AFTER INSERT ON shukher.commands"
	" FOR EACH ROW EXECUTE FUNCTION shukher.commands_notify();"
	/*
	 * A batch from a gateway's uplink, one statement and so one
	 * transaction: a JSON array of events in the gateway's order. Runs
	 * as the gateway (row-level security applies); an event already
	 * stored is skipped. A state change or a timeline entry belongs to
	 * the newest report of that local id filed before it (a gateway may
	 * reuse the id of a report it purged). Returns the highest seq.
	 */
	"CREATE FUNCTION shukher.push(batch jsonb) RETURNS bigint"
	" LANGUAGE plpgsql SET search_path = pg_catalog AS $$"
	" DECLARE gw text := shukher.my_gateway(); e jsonb;"
	"  s bigint; top bigint := 0; rs bigint;"
	" BEGIN"
	" IF gw IS NULL THEN RAISE EXCEPTION"
	"  'shukher: role % is not a registered gateway', session_user"
	"  USING ERRCODE = 'insufficient_privilege'; END IF;"
	" FOR e IN SELECT value FROM jsonb_array_elements(batch) LOOP"
	"  s := (e->>'seq')::bigint; top := greatest(top, s);"
	"  IF e->>'k' IN ('report_state', 'entry') THEN"
	"   SELECT max(r.seq) INTO rs FROM shukher.reports r"
	"    WHERE r.gateway = gw AND r.local_id = (e->>'report')::bigint"
	"    AND r.seq < s;"
	"  END IF;"
	"  CASE e->>'k'"
	"  WHEN 'report' THEN"
	"   INSERT INTO shukher.reports (gateway, seq, local_id, ref, urgent,"
	"    created_at, sealed, key_id, status, claimed_by, claimed_at,"
	"    closed_at) VALUES (gw, s, (e->>'report')::bigint, e->>'ref',"
	"    (e->>'urgent')::boolean, to_timestamp((e->>'created')::bigint),"
	"    decode(e->>'sealed', 'hex'), e->>'key_id', e->>'status',"
	"    e->>'claimed_by', " CENTRAL_TS("e->>'claimed_at'") ","
	"    " CENTRAL_TS("e->>'closed_at'") ") ON CONFLICT DO NOTHING;"
	"  WHEN 'report_state' THEN"
	"   UPDATE shukher.reports SET status = e->>'status',"
	"    claimed_by = e->>'claimed_by',"
	"    claimed_at = " CENTRAL_TS("e->>'claimed_at'") ","
	"    closed_at = " CENTRAL_TS("e->>'closed_at'")
	"    WHERE gateway = gw AND seq = rs;"
	"  WHEN 'entry' THEN"
	"   INSERT INTO shukher.report_entries (gateway, seq, local_id,"
	"    report_seq, at, kind, actor, body, key_id) VALUES (gw, s,"
	"    (e->>'id')::bigint, rs, to_timestamp((e->>'at')::bigint),"
	"    e->>'kind', e->>'actor', decode(e->>'body', 'hex'),"
	"    e->>'key_id') ON CONFLICT DO NOTHING;"
	"  WHEN 'audit' THEN"
	"   INSERT INTO shukher.audit (gateway, seq, at, actor, via, action,"
	"    report_ref, detail) VALUES (gw, s,"
	"    to_timestamp((e->>'at')::bigint), e->>'actor', e->>'via',"
	"    e->>'action', e->>'ref', e->>'detail') ON CONFLICT DO NOTHING;"
	"  WHEN 'stat' THEN"
	"   INSERT INTO shukher.stats AS t (gateway, day, keyword, count)"
	"    VALUES (gw, (e->>'day')::date, e->>'keyword',"
	"    (e->>'count')::bigint) ON CONFLICT (gateway, day, keyword)"
	"    DO UPDATE SET count = greatest(t.count, EXCLUDED.count);"
	"  WHEN 'gone' THEN NULL;"		/* purged before it was sent */
	"  ELSE RAISE EXCEPTION 'shukher: unknown event %', e->>'k';"
	"  END CASE;"
	" END LOOP;"
	" PERFORM shukher.hello(NULL, NULL);"
	" RETURN top; END $$;"
	"REVOKE ALL ON FUNCTION shukher.push(jsonb) FROM PUBLIC;"
	"GRANT EXECUTE ON FUNCTION shukher.push(jsonb) TO shukher_gateway;"
	/* A health snapshot: what `shukherctl status --json` shows, and the
	 * uplink's own figures. */
	"CREATE FUNCTION shukher.health(doc jsonb) RETURNS void"
	" LANGUAGE plpgsql SET search_path = pg_catalog AS $$"
	" DECLARE gw text := shukher.hello(NULL, doc->>'version'); BEGIN"
	" INSERT INTO shukher.health (gateway, at, connected, operator,"
	"  signal_dbm, sim_used, sim_total, outbox_queued, reports_open,"
	"  uplink_pending, version, uptime, disk_free, doc) VALUES (gw,"
	"  " CENTRAL_TS("doc->>'at'") ","
	"  (doc->'status'->>'connected')::boolean,"
	"  doc->'status'->>'operator_name',"
	"  (doc->'status'->>'signal_dbm')::int,"
	"  (doc->'status'->>'sim_used')::int,"
	"  (doc->'status'->>'sim_total')::int,"
	"  (doc->'status'->>'outbox_queued')::int,"
	"  (doc->'status'->>'reports_open')::int,"
	"  (doc->>'uplink_pending')::bigint, doc->>'version',"
	"  (doc->>'uptime')::bigint, (doc->>'disk_free')::bigint, doc);"
	" END $$;"
	"REVOKE ALL ON FUNCTION shukher.health(jsonb) FROM PUBLIC;"
	"GRANT EXECUTE ON FUNCTION shukher.health(jsonb) TO shukher_gateway;"
	/* The administrator's: a gateway's role and row. */
	"CREATE FUNCTION shukher.add_gateway(gw text) RETURNS name"
	" LANGUAGE plpgsql SET search_path = pg_catalog AS $$"
	" DECLARE r name := 'shukher_gw_' || gw; BEGIN"
	" IF gw !~ '^[a-z][a-z0-9_]{0,31}$' THEN RAISE EXCEPTION"
	"  'shukher: not a gateway name: %', gw; END IF;"
	" IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN"
	"  EXECUTE format('CREATE ROLE %I LOGIN IN ROLE shukher_gateway', r);"
	" END IF;"
	" INSERT INTO shukher.gateways (name, role) VALUES (gw, r)"
	"  ON CONFLICT (name) DO NOTHING;"
	" RETURN r; END $$;"
	"REVOKE ALL ON FUNCTION shukher.add_gateway(text) FROM PUBLIC;"
	"CREATE FUNCTION shukher.add_caseworker(who text) RETURNS name"
	" LANGUAGE plpgsql SET search_path = pg_catalog AS $$ BEGIN"
	" IF who !~ '^[a-z][a-z0-9_]{0,31}$' THEN RAISE EXCEPTION"
	"  'shukher: not a caseworker name: %', who; END IF;"
	" IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = who) THEN"
	"  EXECUTE format('CREATE ROLE %I LOGIN IN ROLE shukher_caseworker',"
	"  who);"
	" ELSE EXECUTE format('GRANT shukher_caseworker TO %I', who);"
	" END IF;"
	" RETURN who; END $$;"
	"REVOKE ALL ON FUNCTION shukher.add_caseworker(text) FROM PUBLIC;",

	/*
	 * 2: a purged report leaves the central server, and a command's
	 * author is PostgreSQL's to say.
	 *
	 * A gateway that deletes a report (retention) sends a 'purge' of its
	 * local id, in its order with the rest; the report of that id it
	 * sent before the purge goes, with its timeline and the commands
	 * for it, acknowledged or not (a reply's body is sealed to the
	 * gateway's key, which a thief of the gateway holds). A report the
	 * gateway filed after the purge under the same id has a higher seq
	 * and stays; one of before, purged when purges were not sent yet,
	 * goes with it. The audit trail stays: it holds no text and no
	 * number, and names the report by its reference only. The gateway
	 * deletes through row-level security, its own rows only.
	 *
	 * A command's actor and created_by are the login role that inserted
	 * it (session_user, which SET ROLE does not change), whatever the
	 * client wrote: the gateway records it as the author on the
	 * report's timeline. Nor can a client date a command or mark it
	 * acknowledged. Clients may still name actor (older shukherctl and
	 * consoles do), not created_by.
	 */
	"GRANT DELETE ON shukher.reports, shukher.report_entries,"
	" shukher.commands TO shukher_gateway;"
	"CREATE OR REPLACE FUNCTION shukher.push(batch jsonb) RETURNS bigint"
	" LANGUAGE plpgsql SET search_path = pg_catalog AS $$"
	" DECLARE gw text := shukher.my_gateway(); e jsonb;"
	"  s bigint; top bigint := 0; rs bigint; lid bigint;"
	" BEGIN"
	" IF gw IS NULL THEN RAISE EXCEPTION"
	"  'shukher: role % is not a registered gateway', session_user"
	"  USING ERRCODE = 'insufficient_privilege'; END IF;"
	" FOR e IN SELECT value FROM jsonb_array_elements(batch) LOOP"
	"  s := (e->>'seq')::bigint; top := greatest(top, s);"
	"  lid := (e->>'report')::bigint;"
	"  IF e->>'k' IN ('report_state', 'entry') THEN"
	"   SELECT max(r.seq) INTO rs FROM shukher.reports r"
	"    WHERE r.gateway = gw AND r.local_id = lid AND r.seq < s;"
	"  END IF;"
	"  CASE e->>'k'"
	"  WHEN 'report' THEN"
	"   INSERT INTO shukher.reports (gateway, seq, local_id, ref, urgent,"
	"    created_at, sealed, key_id, status, claimed_by, claimed_at,"
	"    closed_at) VALUES (gw, s, lid, e->>'ref',"
	"    (e->>'urgent')::boolean, to_timestamp((e->>'created')::bigint),"
	"    decode(e->>'sealed', 'hex'), e->>'key_id', e->>'status',"
	"    e->>'claimed_by', " CENTRAL_TS("e->>'claimed_at'") ","
	"    " CENTRAL_TS("e->>'closed_at'") ") ON CONFLICT DO NOTHING;"
	"  WHEN 'report_state' THEN"
	"   UPDATE shukher.reports SET status = e->>'status',"
	"    claimed_by = e->>'claimed_by',"
	"    claimed_at = " CENTRAL_TS("e->>'claimed_at'") ","
	"    closed_at = " CENTRAL_TS("e->>'closed_at'")
	"    WHERE gateway = gw AND seq = rs;"
	"  WHEN 'entry' THEN"
	"   INSERT INTO shukher.report_entries (gateway, seq, local_id,"
	"    report_seq, at, kind, actor, body, key_id) VALUES (gw, s,"
	"    (e->>'id')::bigint, rs, to_timestamp((e->>'at')::bigint),"
	"    e->>'kind', e->>'actor', decode(e->>'body', 'hex'),"
	"    e->>'key_id') ON CONFLICT DO NOTHING;"
	"  WHEN 'purge' THEN"
	"   DELETE FROM shukher.commands c USING shukher.reports r"
	"    WHERE r.gateway = gw AND r.local_id = lid AND r.seq < s"
	"    AND c.gateway = gw AND c.report_ref = r.ref;"
	"   DELETE FROM shukher.report_entries x USING shukher.reports r"
	"    WHERE r.gateway = gw AND r.local_id = lid AND r.seq < s"
	"    AND x.gateway = gw AND x.report_seq = r.seq;"
	"   DELETE FROM shukher.reports"
	"    WHERE gateway = gw AND local_id = lid AND seq < s;"
	"  WHEN 'audit' THEN"
	"   INSERT INTO shukher.audit (gateway, seq, at, actor, via, action,"
	"    report_ref, detail) VALUES (gw, s,"
	"    to_timestamp((e->>'at')::bigint), e->>'actor', e->>'via',"
	"    e->>'action', e->>'ref', e->>'detail') ON CONFLICT DO NOTHING;"
	"  WHEN 'stat' THEN"
	"   INSERT INTO shukher.stats AS t (gateway, day, keyword, count)"
	"    VALUES (gw, (e->>'day')::date, e->>'keyword',"
	"    (e->>'count')::bigint) ON CONFLICT (gateway, day, keyword)"
	"    DO UPDATE SET count = greatest(t.count, EXCLUDED.count);"
	"  WHEN 'gone' THEN NULL;"		/* purged before it was sent */
	"  ELSE RAISE EXCEPTION 'shukher: unknown event %', e->>'k';"
	"  END CASE;"
	" END LOOP;"
	" PERFORM shukher.hello(NULL, NULL);"
	" RETURN top; END $$;"
	"CREATE FUNCTION shukher.commands_author() RETURNS trigger"
	" LANGUAGE plpgsql SET search_path = pg_catalog AS $$ BEGIN"
	" NEW.actor := session_user; NEW.created_by := session_user;"
	" NEW.created_at := now(); NEW.acked_at := NULL; NEW.result := NULL;"
	" RETURN NEW; END $$;"
	"CREATE TRIGGER commands_author BEFORE INSERT ON shukher.commands"
	" FOR EACH ROW EXECUTE FUNCTION shukher.commands_author();"
	"REVOKE INSERT ON shukher.commands FROM shukher_caseworker;"
	"GRANT INSERT (gateway, report_ref, action, actor, body)"
	" ON shukher.commands TO shukher_caseworker;",
};

#define CENTRAL_NMIGRATIONS \
	((int)(sizeof(central_migrations) / sizeof(central_migrations[0])))

int
central_schema_version(void)
{
	return CENTRAL_NMIGRATIONS;
}

const char *
central_schema_step(int from)
{
	if (from < 0 || from >= CENTRAL_NMIGRATIONS)
		return NULL;
	return central_migrations[from];
}
