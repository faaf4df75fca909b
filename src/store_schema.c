/*
 * store_schema: the schema of shukher.db, as the numbered migrations that
 * build it. Entry i of store_migrations brings a database from
 * user_version i to i + 1; store_migrate() (store.c) applies each in its
 * own transaction. The queries on the tables live in the store_*.c file
 * that owns each table.
 */
#include <stddef.h>

#include "store.h"
#include "store_int.h"

/* A trigger (schema 9) that counts a blanking in wal_scrub. */
#define STORE_SCRUB_ON(name, when) \
	"CREATE TRIGGER " name " AFTER " when \
	" BEGIN UPDATE wal_scrub SET blanked = blanked + 1; END;"

/* Schema 10: the uplink's triggers fire once it has started... */
#define STORE_UPLINK_ON \
	" WHEN EXISTS (SELECT 1 FROM uplink_state) BEGIN"
/* ...and a day's count of a keyword is queued once, at the end. */
#define STORE_UPLINK_STAT \
	" DELETE FROM uplink_queue WHERE kind = 'stat' AND day = new.day" \
	" AND keyword = new.keyword;" \
	" INSERT INTO uplink_queue (kind, day, keyword)" \
	" VALUES ('stat', new.day, new.keyword); END;"

/*
 * The migrations. Entry i brings user_version from i to i + 1 and sets it
 * itself (a PRAGMA takes no bound parameter, and a literal keeps SQL out of
 * printf). Never edit an entry that has shipped: append a new one.
 */
static const char *const store_migrations[] = {
	/* 1: the first schema. */
	"PRAGMA application_id = 1397246802;"	/* STORE_APP_ID */
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY,"
	" sender TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" sent_at INTEGER NOT NULL DEFAULT 0,"
	" received_at INTEGER NOT NULL,"
	" handled_at INTEGER,"			/* NULL until handled */
	" keyword TEXT,"
	" parts INTEGER NOT NULL DEFAULT 1,"
	" partial INTEGER NOT NULL DEFAULT 0,"
	" malformed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX messages_unhandled ON messages(id)"
	" WHERE handled_at IS NULL;"
	"CREATE INDEX messages_received ON messages(received_at);"
	"CREATE TABLE parts ("
	" id INTEGER PRIMARY KEY,"
	" sender TEXT NOT NULL,"
	" sent_at INTEGER NOT NULL,"
	" concat_ref INTEGER NOT NULL,"
	" part_no INTEGER NOT NULL,"
	" part_count INTEGER NOT NULL,"
	" text TEXT NOT NULL,"
	" coding INTEGER NOT NULL DEFAULT 0,"
	" malformed INTEGER NOT NULL DEFAULT 0,"
	" received_at INTEGER NOT NULL,"
	" message_id INTEGER REFERENCES messages(id));"
	"CREATE UNIQUE INDEX parts_unique ON parts"
	" (sender, sent_at, concat_ref, part_no, part_count, text);"
	"CREATE INDEX parts_pending ON parts(sender, concat_ref, part_count)"
	" WHERE message_id IS NULL;"
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" number TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'queued'"
	"  CHECK (state IN ('queued', 'sent', 'failed')),"
	" kind INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL,"
	" next_at INTEGER NOT NULL,"
	" sent_at INTEGER NOT NULL DEFAULT 0,"
	" msgref TEXT,"
	" last_error TEXT,"
	" in_reply_to INTEGER);"
	"CREATE INDEX outbox_due ON outbox(next_at) WHERE state = 'queued';"
	"CREATE INDEX outbox_replies ON outbox(number, created_at)"
	" WHERE kind = 0;"
	"CREATE INDEX outbox_created ON outbox(created_at);"
	"CREATE TABLE reports ("
	" id INTEGER PRIMARY KEY,"
	" ref TEXT NOT NULL UNIQUE,"
	" number TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'open'"
	"  CHECK (status IN ('open', 'closed')),"
	" urgent INTEGER NOT NULL DEFAULT 0,"
	" message_id INTEGER,"
	" created_at INTEGER NOT NULL,"
	" closed_at INTEGER NOT NULL DEFAULT 0,"
	" outcome TEXT);"
	"CREATE INDEX reports_status ON reports(status, urgent, created_at);"
	"CREATE INDEX reports_created ON reports(created_at);"
	"CREATE TABLE contacts ("
	" number TEXT PRIMARY KEY,"
	" opted_out INTEGER NOT NULL DEFAULT 0,"
	" lang INTEGER NOT NULL DEFAULT -1,"
	" state TEXT NOT NULL DEFAULT '',"
	" state_at INTEGER NOT NULL DEFAULT 0,"
	" updated_at INTEGER NOT NULL);"
	"CREATE TABLE stats ("
	" day TEXT NOT NULL,"
	" keyword TEXT NOT NULL,"
	" count INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (day, keyword)) WITHOUT ROWID;"
	"CREATE TABLE modem_state ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" connected INTEGER NOT NULL,"
	" since INTEGER NOT NULL,"
	" operator_name TEXT NOT NULL,"
	" signal_dbm INTEGER NOT NULL,"
	" signal_percent INTEGER NOT NULL,"
	" sim_used INTEGER NOT NULL,"
	" sim_total INTEGER NOT NULL,"
	" last_error TEXT NOT NULL,"
	" last_error_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL);"
	"PRAGMA user_version = 1;",
	/*
	 * 2: reports sealed to the caseworkers' key, their timeline, the
	 * windows in which a number's next message belongs to a report (keyed
	 * by a hash of the number, never the number), the device secret for
	 * those hashes and for the short-lived relay copy of a number, and
	 * the caseworkers' wrong PINs.
	 */
	"ALTER TABLE reports ADD COLUMN sealed BLOB;"
	"ALTER TABLE reports ADD COLUMN key_id TEXT;"
	"ALTER TABLE reports ADD COLUMN claimed_by TEXT;"
	"ALTER TABLE reports ADD COLUMN claimed_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE reports ADD COLUMN alert_level INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE reports ADD COLUMN alerted_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE reports ADD COLUMN relay BLOB;"
	"ALTER TABLE reports ADD COLUMN relay_until INTEGER NOT NULL"
	" DEFAULT 0;"
	"CREATE INDEX reports_escalate ON reports(alerted_at)"
	" WHERE status = 'open' AND urgent = 1 AND claimed_at = 0;"
	"CREATE TABLE report_entries ("
	" id INTEGER PRIMARY KEY,"
	" report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	" at INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" actor TEXT,"
	" body BLOB,"				/* sealed when key_id is set */
	" key_id TEXT,"
	" outbox_id INTEGER);"
	"CREATE INDEX report_entries_report ON report_entries(report_id, id);"
	"CREATE INDEX report_entries_outbox ON report_entries(outbox_id)"
	" WHERE outbox_id IS NOT NULL;"
	"CREATE TABLE report_links ("
	" hash BLOB PRIMARY KEY,"
	" report_id INTEGER REFERENCES reports(id) ON DELETE CASCADE,"
	" state TEXT NOT NULL,"
	" lang INTEGER NOT NULL DEFAULT -1,"
	" expires_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE secrets ("
	" name TEXT PRIMARY KEY,"
	" value BLOB NOT NULL) WITHOUT ROWID;"
	"INSERT INTO secrets VALUES ('device', randomblob(32));"
	"CREATE TABLE pin_failures ("
	" name TEXT PRIMARY KEY,"
	" failures INTEGER NOT NULL,"
	" locked_until INTEGER NOT NULL) WITHOUT ROWID;"
	"PRAGMA user_version = 2;",
	/*
	 * 3: a part read twice is recognised by a keyed digest (device
	 * secret) of sender, timestamp, reference, numbers and text, which
	 * stays when a report's text and number are blanked; the text is no
	 * longer part of what makes a part unique. Parts stored before keep
	 * a NULL digest and are matched by their columns (parts_legacy).
	 */
	"ALTER TABLE parts ADD COLUMN digest BLOB;"
	"DROP INDEX parts_unique;"
	"CREATE UNIQUE INDEX parts_digest ON parts(digest);"
	"CREATE INDEX parts_legacy ON parts"
	" (sender, sent_at, concat_ref, part_no, part_count)"
	" WHERE digest IS NULL;"
	"PRAGMA user_version = 3;",
	/*
	 * 4: delivery reports. What the network said of a sent message:
	 * NULL until a report comes, then 'delivered' or 'failed' (a failed
	 * part makes the message failed).
	 */
	"ALTER TABLE outbox ADD COLUMN delivery TEXT"
	"  CHECK (delivery IN ('delivered', 'failed'));"
	"ALTER TABLE outbox ADD COLUMN delivered_at INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX outbox_sent ON outbox(sent_at) WHERE state = 'sent';"
	"PRAGMA user_version = 4;",
	/*
	 * 5: the web console. Caseworkers' accounts (a crypto_pwhash_str
	 * hash, never a password; names compared case-sensitively, as typed
	 * at sign-in), the audit log (who did what to which report, through
	 * what, from where: no text and no number; report_ref is copied so
	 * that a row still names its report once retention has deleted it,
	 * hence no foreign key), and the vault: the caseworkers' secret key
	 * encrypted with a passphrase (seal_lock()), by key id.
	 */
	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE"
	"  CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 63),"
	" pwhash TEXT NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0,"
	" failures INTEGER NOT NULL DEFAULT 0,"
	" locked_until INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL,"
	" last_signin_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE audit ("
	" id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" via TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" report_id INTEGER,"			/* NULL: none */
	" report_ref TEXT,"
	" addr TEXT,"				/* NULL: from the cli */
	" detail TEXT);"			/* the account of a users action */
	"CREATE INDEX audit_report ON audit(report_id, id)"
	" WHERE report_id IS NOT NULL;"
	"CREATE TABLE vault ("
	" key_id TEXT PRIMARY KEY,"
	" blob BLOB NOT NULL,"
	" created_at INTEGER NOT NULL);"
	"PRAGMA user_version = 5;",
	/*
	 * 6: the network's time as the modem last told it, with the boot and
	 * the CLOCK_BOOTTIME second it was read at, so that `shukherctl clock`
	 * can carry it forward to now without trusting the system clock (which
	 * is what it is there to check).
	 */
	"ALTER TABLE modem_state ADD COLUMN network_time INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE modem_state ADD COLUMN network_boottime INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE modem_state ADD COLUMN boot_id TEXT NOT NULL DEFAULT '';"
	"PRAGMA user_version = 6;",
	/*
	 * 7: a part waiting for the rest of its message keeps its user data
	 * as it came (UCS-2 units or 8-bit bytes), so that a character split
	 * between two parts is joined before it is decoded; the data goes
	 * when the message is made. form 1 marks the parts stored so (data
	 * NULL: the text is all there is); 0 those stored before, whose text
	 * is UTF-8 as it was decoded then, or the hex of the data when
	 * malformed.
	 */
	"ALTER TABLE parts ADD COLUMN data BLOB;"
	"ALTER TABLE parts ADD COLUMN form INTEGER NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 7;",
	/*
	 * 8: every outgoing message counts in its recipient's reply budget by
	 * a keyed hash of the number (device secret, as report windows), so
	 * that it still counts once the number is blanked; rows whose number
	 * is still there get theirs now. Caseworkers' wrong-PIN answers are
	 * rate-limited (quiet_until) and the warning that a PIN is being
	 * guessed goes once a streak (warned). A window remembers when its
	 * number last alerted the roster.
	 */
	"ALTER TABLE outbox ADD COLUMN number_hash BLOB;"
	"UPDATE outbox SET number_hash = shukher_number_hash("
	" (SELECT value FROM secrets WHERE name = 'device'), number)"
	" WHERE number <> '';"
	"DROP INDEX outbox_replies;"
	"CREATE INDEX outbox_budget ON outbox(number_hash, created_at)"
	" WHERE number_hash IS NOT NULL;"
	"ALTER TABLE pin_failures ADD COLUMN quiet_until INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE pin_failures ADD COLUMN warned INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE report_links ADD COLUMN alerted_at INTEGER NOT NULL"
	" DEFAULT 0;"
	"PRAGMA user_version = 8;",
	/*
	 * 9: the parts of an outgoing message the network accepted, a row
	 * each (its reference, and when it went), so that a delivery report
	 * finds its message by equality; the comma-separated references of
	 * outbox.msgref move there, and outbox_sent (which served the old
	 * match) goes. And wal_scrub, which counts what was blanked or
	 * deleted of personal data since the WAL was last emptied: the
	 * triggers below bump it in the transaction that blanks, whichever
	 * program blanks, so that the WAL is emptied only then
	 * (store_wal_truncate()). It starts at 1: the first pass empties it.
	 */
	"CREATE TABLE sent_parts ("
	" outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,"
	" part_no INTEGER NOT NULL,"		/* 1-based */
	" ref INTEGER NOT NULL,"		/* the network's, 0..255 */
	" sent_at INTEGER NOT NULL,"
	" PRIMARY KEY (outbox_id, part_no)) WITHOUT ROWID;"
	"CREATE INDEX sent_parts_ref ON sent_parts(ref, sent_at);"
	"WITH RECURSIVE split(outbox_id, part_no, ref, rest, sent_at) AS ("
	" SELECT id, 0, NULL, msgref || ',',"
	"  CASE WHEN sent_at > 0 THEN sent_at ELSE created_at END"
	"  FROM outbox WHERE msgref IS NOT NULL AND msgref <> ''"
	" UNION ALL SELECT outbox_id, part_no + 1,"
	"  substr(rest, 1, instr(rest, ',') - 1),"
	"  substr(rest, instr(rest, ',') + 1), sent_at"
	"  FROM split WHERE rest <> '')"
	"INSERT INTO sent_parts (outbox_id, part_no, ref, sent_at)"
	" SELECT outbox_id, part_no, CAST(trim(ref) AS INTEGER), sent_at"
	" FROM split WHERE part_no > 0;"
	"DROP INDEX outbox_sent;"
	"ALTER TABLE outbox DROP COLUMN msgref;"
	"CREATE TABLE wal_scrub ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" blanked INTEGER NOT NULL);"
	"INSERT INTO wal_scrub VALUES (1, 1);"
	STORE_SCRUB_ON("messages_blanked", "UPDATE OF sender, text ON messages"
	    " WHEN (old.sender <> '' AND new.sender = '')"
	    " OR (old.text <> '' AND new.text = '')")
	STORE_SCRUB_ON("messages_deleted", "DELETE ON messages")
	STORE_SCRUB_ON("parts_blanked", "UPDATE OF sender, text ON parts"
	    " WHEN (old.sender <> '' AND new.sender = '')"
	    " OR (old.text <> '' AND new.text = '')")
	STORE_SCRUB_ON("parts_deleted", "DELETE ON parts")
	STORE_SCRUB_ON("outbox_blanked", "UPDATE OF number, text, number_hash"
	    " ON outbox WHEN (old.number <> '' AND new.number = '')"
	    " OR (old.text <> '' AND new.text = '')"
	    " OR (old.number_hash IS NOT NULL AND new.number_hash IS NULL"
	    " AND new.number = '')")
	STORE_SCRUB_ON("outbox_deleted", "DELETE ON outbox")
	STORE_SCRUB_ON("reports_blanked", "UPDATE OF number, text, relay"
	    " ON reports WHEN (old.number <> '' AND new.number = '')"
	    " OR (old.text <> '' AND new.text = '')"
	    " OR (old.relay IS NOT NULL AND new.relay IS NULL)")
	STORE_SCRUB_ON("reports_deleted", "DELETE ON reports")
	STORE_SCRUB_ON("report_entries_deleted", "DELETE ON report_entries")
	STORE_SCRUB_ON("report_links_deleted", "DELETE ON report_links")
	STORE_SCRUB_ON("vault_deleted", "DELETE ON vault")
	STORE_SCRUB_ON("users_changed", "UPDATE OF pwhash ON users")
	STORE_SCRUB_ON("users_deleted", "DELETE ON users")
	"PRAGMA user_version = 9;",

	/* 10: the gateway's health (store_health.c): a SIM's credit as the
	 * last USSD answer gave it, and each health condition's state, so
	 * that a restart neither forgets an open condition nor alerts it
	 * again. The row "summary" keeps when the daily summary went. */
	"CREATE TABLE credit ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" amount INTEGER,"			/* NULL: never read */
	" at INTEGER NOT NULL DEFAULT 0,"	/* when amount was read */
	" answer TEXT NOT NULL DEFAULT '',"	/* the USSD answer it came in */
	" checked_at INTEGER NOT NULL DEFAULT 0,"	/* the last attempt */
	" error TEXT NOT NULL DEFAULT '');"	/* its failure, '' when none */
	"CREATE TABLE health ("
	" name TEXT PRIMARY KEY,"
	" open INTEGER NOT NULL DEFAULT 0,"
	" since INTEGER NOT NULL DEFAULT 0,"
	" alerted_at INTEGER NOT NULL DEFAULT 0,"
	" told INTEGER NOT NULL DEFAULT 0,"
	" detail TEXT NOT NULL DEFAULT '') WITHOUT ROWID;"
	"PRAGMA user_version = 10;",

	/*
	 * 11: the campaign (src/store_campaign.c). Subscriptions to opt-in
	 * series, with the number (the scheduler sends to it) until the
	 * person leaves or the series ends: then the row goes. Broadcasts and
	 * who each was queued to, so that a crash queues nobody twice.
	 * Survey attempts keep a keyed hash of the number per survey, never
	 * the number, dropped (NULL) with the attempt's window; answers point
	 * to their attempt; survey_outbox ties the questions sent to their
	 * attempt, so that their numbers are blanked with the hash. And the
	 * messages counted per source and day.
	 */
	"CREATE TABLE subscriptions ("
	" id INTEGER PRIMARY KEY,"
	" number TEXT NOT NULL,"
	" series TEXT NOT NULL,"
	" lang INTEGER NOT NULL,"
	" sent INTEGER NOT NULL DEFAULT 0,"	/* messages sent so far */
	" next_at INTEGER NOT NULL,"
	" joined_at INTEGER NOT NULL,"
	" UNIQUE (number, series));"
	"CREATE INDEX subscriptions_due ON subscriptions(next_at);"
	"CREATE TABLE broadcasts ("
	" id INTEGER PRIMARY KEY,"
	" series TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" at INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" queued_at INTEGER);"			/* NULL until all are queued */
	"CREATE TABLE broadcast_recipients ("
	" broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id)"
	"  ON DELETE CASCADE,"
	" subscription_id INTEGER NOT NULL,"
	" outbox_id INTEGER NOT NULL,"
	" PRIMARY KEY (broadcast_id, subscription_id)) WITHOUT ROWID;"
	"CREATE TABLE survey_attempts ("
	" id INTEGER PRIMARY KEY,"
	" survey TEXT NOT NULL,"
	" wave TEXT,"
	" hash BLOB,"				/* NULL once forgotten */
	" state TEXT NOT NULL,"			/* open, complete, partial */
	" question INTEGER NOT NULL DEFAULT 0,"	/* the one asked, 0-based */
	" hinted INTEGER NOT NULL DEFAULT 0,"
	" lang INTEGER NOT NULL,"
	" started_at INTEGER NOT NULL,"
	" last_at INTEGER NOT NULL,"
	" forget_at INTEGER NOT NULL);"
	"CREATE INDEX survey_attempts_hash ON survey_attempts(hash)"
	" WHERE hash IS NOT NULL;"
	"CREATE TABLE survey_answers ("
	" attempt_id INTEGER NOT NULL REFERENCES survey_attempts(id)"
	"  ON DELETE CASCADE,"
	" question INTEGER NOT NULL,"
	" choice INTEGER,"
	" number INTEGER,"
	" text TEXT,"
	" PRIMARY KEY (attempt_id, question)) WITHOUT ROWID;"
	"CREATE TABLE survey_outbox ("
	" outbox_id INTEGER PRIMARY KEY,"
	" attempt_id INTEGER NOT NULL);"
	"CREATE INDEX survey_outbox_attempt ON survey_outbox(attempt_id);"
	"CREATE TABLE source_stats ("
	" day TEXT NOT NULL,"
	" source TEXT NOT NULL,"
	" count INTEGER NOT NULL,"
	" PRIMARY KEY (day, source)) WITHOUT ROWID;"
	STORE_SCRUB_ON("subscriptions_deleted", "DELETE ON subscriptions")
	STORE_SCRUB_ON("survey_hash_dropped", "UPDATE OF hash ON"
	    " survey_attempts WHEN old.hash IS NOT NULL AND new.hash IS NULL")
	"PRAGMA user_version = 11;",

	/*
	 * 12: the uplink to the central fleet (shukher-uplink). Triggers put
	 * every change the central server is told of in uplink_queue, in the
	 * order it happened, under a sequence number that is never reused
	 * (AUTOINCREMENT: a deleted row's id may be, a seq may not); the
	 * uplink deletes what the central server committed. A new report, a
	 * change of its state, a timeline entry, an audit row: their ids; a
	 * day's count of a keyword: its day and keyword, once (a new count
	 * moves it to the end: the count is read when it is sent). Nothing of
	 * a message or a number goes in: the uplink reads the sealed rows
	 * when it sends. The triggers fire only once the uplink has started
	 * (uplink_state has its row: store_uplink_start() queues what was
	 * there before), so that a gateway without a central server queues
	 * nothing. uplink_applied remembers the central commands applied
	 * here, in the transaction that applied each, so that a command whose
	 * acknowledgement was lost is never applied twice. uplink_state is
	 * what the uplink last knew of its link, for `shukherctl status`.
	 * The 'uplink' secret is the seed of the gateway's own key pair, to
	 * which the central server seals a reply's number and text.
	 */
	"CREATE TABLE uplink_queue ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" kind TEXT NOT NULL,"
	" row_id INTEGER,"
	" day TEXT,"
	" keyword TEXT);"
	"CREATE INDEX uplink_queue_stat ON uplink_queue(day, keyword)"
	" WHERE kind = 'stat';"
	"CREATE TABLE uplink_applied ("
	" command_id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" result TEXT NOT NULL);"
	"CREATE TABLE uplink_state ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" connected INTEGER NOT NULL,"
	" last_ok INTEGER NOT NULL,"
	" last_error TEXT NOT NULL,"
	" updated_at INTEGER NOT NULL);"
	"CREATE TRIGGER uplink_report AFTER INSERT ON reports"
	STORE_UPLINK_ON
	" INSERT INTO uplink_queue (kind, row_id) VALUES ('report', new.id);"
	" END;"
	"CREATE TRIGGER uplink_report_state AFTER UPDATE OF status, claimed_by,"
	" closed_at ON reports" STORE_UPLINK_ON
	" INSERT INTO uplink_queue (kind, row_id)"
	" VALUES ('report_state', new.id); END;"
	"CREATE TRIGGER uplink_entry AFTER INSERT ON report_entries"
	STORE_UPLINK_ON
	" INSERT INTO uplink_queue (kind, row_id) VALUES ('entry', new.id);"
	" END;"
	"CREATE TRIGGER uplink_audit AFTER INSERT ON audit" STORE_UPLINK_ON
	" INSERT INTO uplink_queue (kind, row_id) VALUES ('audit', new.id);"
	" END;"
	"CREATE TRIGGER uplink_stat_new AFTER INSERT ON stats" STORE_UPLINK_ON
	STORE_UPLINK_STAT
	"CREATE TRIGGER uplink_stat AFTER UPDATE OF count ON stats"
	STORE_UPLINK_ON STORE_UPLINK_STAT
	"INSERT INTO secrets VALUES ('uplink', randomblob(32));"
	"PRAGMA user_version = 12;",

	/*
	 * 13: several modems on one gateway (src/store_modem.c). Every part,
	 * message and outbox row names its modem (NULL: from before, or not
	 * yet chosen); a message takes the modem of its parts as they are
	 * linked to it (the trigger), so that each path that makes a message
	 * carries it. modems holds each modem's state, as modem_state holds
	 * the first's, and since when it has been down (0: working), which
	 * decides when another modem takes its queued messages. The index
	 * counts a modem's sends of a day (daily_limit).
	 */
	"ALTER TABLE parts ADD COLUMN modem TEXT;"
	"ALTER TABLE messages ADD COLUMN modem TEXT;"
	"ALTER TABLE outbox ADD COLUMN modem TEXT;"
	"CREATE TRIGGER parts_modem AFTER UPDATE OF message_id ON parts"
	" WHEN new.message_id IS NOT NULL AND new.modem IS NOT NULL"
	" BEGIN UPDATE messages SET modem = new.modem"
	" WHERE id = new.message_id; END;"
	"CREATE INDEX outbox_modem_sent ON outbox(modem, sent_at)"
	" WHERE state = 'sent';"
	"CREATE TABLE modems ("
	" name TEXT PRIMARY KEY,"
	" connected INTEGER NOT NULL,"
	" since INTEGER NOT NULL,"
	" operator_name TEXT NOT NULL,"
	" signal_dbm INTEGER NOT NULL,"
	" signal_percent INTEGER NOT NULL,"
	" sim_used INTEGER NOT NULL,"
	" sim_total INTEGER NOT NULL,"
	" last_error TEXT NOT NULL,"
	" last_error_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" down_since INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"PRAGMA user_version = 13;",

	/*
	 * 14: the credit per modem (store_health.c): each modem's process
	 * asks its own SIM's. first marks the first modem's row, which
	 * status shows at its top level without the conf. The row of before
	 * (the first modem's, whose name the database does not know) is
	 * kept as modem '', first, read as the first's until it writes its
	 * own.
	 */
	"CREATE TABLE credit_modem ("
	" modem TEXT PRIMARY KEY,"
	" amount INTEGER,"			/* NULL: never read */
	" at INTEGER NOT NULL DEFAULT 0,"	/* when amount was read */
	" answer TEXT NOT NULL DEFAULT '',"
	" checked_at INTEGER NOT NULL DEFAULT 0,"
	" error TEXT NOT NULL DEFAULT '',"
	" first INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"INSERT INTO credit_modem SELECT '', amount, at, answer, checked_at,"
	" error, 1 FROM credit;"
	"DROP TABLE credit;"
	"ALTER TABLE credit_modem RENAME TO credit;"
	"PRAGMA user_version = 14;",

	/*
	 * 15: no index on a modem's sends. It cost a page written to the SD
	 * card with every send (make bench: 34 against 29 kB per message),
	 * to count a modem's sends of a day (daily_limit, status), which a
	 * scan of the outbox does well enough: retention keeps it small, and
	 * one gateway sends thousands a day, not millions.
	 */
	"DROP INDEX outbox_modem_sent;"
	"PRAGMA user_version = 15;",

	/*
	 * 16: a modem's claim on a row it sends (src/gateway_modems.c) in a
	 * column of its own: until when no other modem may take it. The
	 * claim dated next_at before, and so lost the time the row was due
	 * (a broadcast's slot, a retry's backoff) the moment it was taken.
	 */
	"ALTER TABLE outbox ADD COLUMN taken_until INTEGER NOT NULL"
	" DEFAULT 0;"
	"PRAGMA user_version = 16;",

	/*
	 * 17: a purged report leaves the central server too, and a central
	 * reply is sent once. Deleting a
	 * report (retention) queues a 'purge' of its id, which the central
	 * server applies to the report of that id it received before the
	 * purge (a later report may take the same id: SQLite reuses the
	 * highest rowid), with its timeline and commands. The events of the
	 * report and of its timeline not sent yet are dropped with it: a
	 * later row taking the same id must not be read in their place. The
	 * index finds them (a purge of 1,000 reports with 15,000 events
	 * queued took 10 s without it); a day's counts, the events of every
	 * keyword message, have no row id and stay out of it.
	 */
	"CREATE INDEX uplink_queue_row ON uplink_queue(row_id)"
	" WHERE row_id IS NOT NULL;"
	"CREATE TRIGGER uplink_report_purged AFTER DELETE ON reports"
	STORE_UPLINK_ON
	" DELETE FROM uplink_queue WHERE row_id = old.id"
	"  AND kind IN ('report', 'report_state');"
	" INSERT INTO uplink_queue (kind, row_id) VALUES ('purge', old.id);"
	" END;"
	"CREATE TRIGGER uplink_entry_purged AFTER DELETE ON report_entries"
	STORE_UPLINK_ON
	" DELETE FROM uplink_queue WHERE row_id = old.id AND kind = 'entry';"
	" END;"
	/* And the nonce of each central reply sent, so that the same reply
	 * queued again is refused (src/uplink.c): random bytes, nothing of
	 * a number or a text. */
	"CREATE TABLE uplink_replies ("
	" nonce BLOB PRIMARY KEY) WITHOUT ROWID;"
	"PRAGMA user_version = 17;",

	/*
	 * 18: series_outbox ties each series SMS to its subscription, as
	 * broadcast_recipients ties a broadcast's (src/store_campaign.c):
	 * STOP or a leave word fails those still queued, quiet hours hold
	 * those the scheduler queued (scheduled = 1; a join's answers are
	 * replies and go), and a subscription waits while its last SMS is
	 * queued. The series SMS queued before are tied here: the scheduler
	 * alone queued replies (kind 0) without in_reply_to. The index finds
	 * a broadcast's SMS from its outbox row, for the same reads.
	 */
	"CREATE TABLE series_outbox ("
	" outbox_id INTEGER PRIMARY KEY,"
	" subscription_id INTEGER NOT NULL,"
	" scheduled INTEGER NOT NULL);"
	"CREATE INDEX series_outbox_sub ON series_outbox(subscription_id);"
	"CREATE INDEX broadcast_recipients_outbox ON"
	" broadcast_recipients(outbox_id);"
	"INSERT INTO series_outbox SELECT o.id, coalesce((SELECT min(s.id)"
	" FROM subscriptions s WHERE s.number = o.number), 0), 1 FROM outbox o"
	" WHERE o.state = 'queued' AND o.kind = 0 AND o.in_reply_to IS NULL;"
	"PRAGMA user_version = 18;",
};

#define STORE_NMIGRATIONS \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

int
store_schema_version(void)
{
	return STORE_NMIGRATIONS;
}

const char *
store_schema_step(int from)
{
	if (from < 0 || from >= STORE_NMIGRATIONS)
		return NULL;
	return store_migrations[from];
}
