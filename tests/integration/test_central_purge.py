"""What the central PostgreSQL keeps, and who can write what there: a
report the gateway purges leaves the central server too (its row, its
timeline, its commands), while a report filed after it under the same
local id arrives whole; and a command's author is the role that logged
in, whatever the caseworker's client wrote, on the central row and on the
gateway's timeline and audit; and a gateway applies only the commands the
caseworkers' key made for that report and action, each once, whatever
the central server writes.

One PostgreSQL, one gateway on a simulated modem (shukherd, its uplink),
two caseworker roles; the real shukherctl on both sides.
"""
import ctypes
import ctypes.util
import json
import os
import sqlite3
import unittest

from harness import binary, wait_for
import test_central as tc

SKIP = tc.SKIP
REPORTER = "+97699117788"
TEXT = "they took my passport at the Zamyn-Uud border crossing"
LATER = "my cousin is kept in a flat behind the Narantuul market"
OTHER = "bat"               # another caseworker, whose name is forged
STRANGER = "+97695550199"   # a number the central server would choose
LURE = "send the money to this number today"
# What the gateway acknowledges a command it refuses with (src/uplink.c).
FORGED = "refused: not made with the caseworkers' key"
MOVED = "refused: made with the caseworkers' key for another report or " \
        "action"
REPLAYED = "refused: this command was applied before"


@unittest.skipIf(SKIP, SKIP or "")
class CentralPurgeAndAuthor(tc.CentralBase):
    GATEWAYS = ("kilo", "lima")         # lima never connects

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gw = None
        try:
            tc.run([binary("shukherctl"), "-c", cls.admin, "central",
                    "add-caseworker", OTHER])
            cls.other = cls.team_conf(OTHER, OTHER)
            cls.pub = cls.tmp.join("cw.pub")
            cls.sec = cls.tmp.join("cw.key")
            tc.run([binary("shukherctl"), "-d", cls.tmp.join("k.db"),
                    "keygen", cls.pub, cls.sec])
            cls.gw = tc.Gateway(cls.pg, cls.tmp, "kilo", cls.pub,
                                modem=True)
            with open(cls.gw.conf, encoding="utf-8") as f:
                conf = f.read()
            with open(cls.gw.conf, "w", encoding="utf-8") as f:
                f.write(conf.replace('public_key = "%s"; };' % cls.pub,
                                     'public_key = "%s"; retention_days = '
                                     '30; };' % cls.pub))
            cls.gw.start_daemon()
            cls.gw.start_uplink()
            cls.file_report(TEXT)
        except BaseException:
            if cls.gw is not None:
                cls.gw.stop()
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.gw.stop()
        finally:
            super().tearDownClass()

    @classmethod
    def file_report(cls, text):
        """The reporter texts a report and gets its acknowledgement."""
        acks = len(cls.gw.sent_to(REPORTER))
        cls.gw.sim.inject(REPORTER, "REPORT " + text)
        wait_for(lambda: len(cls.gw.sent_to(REPORTER)) > acks, 60,
                 "the acknowledgement")

    def synced(self):
        wait_for(lambda: self.gw.local("SELECT count(*) FROM uplink_queue"
                                       )[0][0] == 0, 60, "the queue sent")

    def as_role(self, role, sql, check=True):
        return self.pg.psql(sql, user=role, check=check)

    def acked(self, cid):
        return wait_for(lambda: self.pg.psql(
            "SELECT result FROM shukher.commands WHERE id = %d AND "
            "acked_at IS NOT NULL" % cid), 30, "command %d acked" % cid)

    def test_0_an_existing_central_database_takes_the_author_on_upgrade(
            self):
        # Made as schema 1 made it: the client's word was the author.
        self.pg.psql(
            "DROP TRIGGER commands_author ON shukher.commands;"
            "DROP FUNCTION shukher.commands_author();"
            "GRANT INSERT ON shukher.commands TO shukher_caseworker;"
            "UPDATE shukher.schema_version SET version = 1")
        forge = ("INSERT INTO shukher.commands (gateway, report_ref, action,"
                 " actor, created_by) VALUES ('lima', 'ZZZZZZ', 'claim', "
                 "'%s', '%s') RETURNING actor, created_by" % (OTHER, OTHER))
        self.assertEqual(self.as_role(tc.CASEWORKER, forge),
                         [[OTHER, OTHER]])            # the hole, at 1
        p = tc.run([binary("shukherctl"), "-c", self.admin, "central",
                    "init"])
        self.assertIn("migrated from version 1 to 2", p.stdout)
        p = self.as_role(tc.CASEWORKER, forge, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("permission denied", p.stderr)
        self.assertEqual(self.as_role(
            tc.CASEWORKER, "INSERT INTO shukher.commands (gateway, "
            "report_ref, action, actor) VALUES ('lima', 'ZZZZZZ', 'claim', "
            "'%s') RETURNING actor, created_by" % OTHER),
            [[tc.CASEWORKER, tc.CASEWORKER]])
        self.pg.psql("DELETE FROM shukher.commands WHERE gateway = 'lima'")

    def test_1_a_command_is_the_login_roles_whatever_it_says(self):
        self.synced()
        ref = self.gw.local("SELECT ref FROM reports")[0][0]
        # Every column that names or dates an author, or acknowledges:
        # refused, or the role's own name written over the client's.
        for col, val in (("created_by", "'%s'" % OTHER),
                         ("created_at", "now() - interval '1 day'"),
                         ("acked_at", "now()"), ("result", "'ok'")):
            p = self.as_role(tc.CASEWORKER, "INSERT INTO shukher.commands "
                             "(gateway, report_ref, action, %s) VALUES "
                             "('kilo', '%s', 'claim', %s)" % (col, ref, val),
                             check=False)
            self.assertNotEqual(p.returncode, 0, col)
            self.assertIn("permission denied", p.stderr, col)
        rows = self.as_role(tc.CASEWORKER, "INSERT INTO shukher.commands "
                            "(gateway, report_ref, action, actor) VALUES "
                            "('kilo', '%s', 'claim', '%s') RETURNING id, "
                            "actor, created_by, acked_at" % (ref, OTHER))
        self.assertEqual(rows[0][1:], [tc.CASEWORKER, tc.CASEWORKER, ""])
        # (Without the caseworkers' box the gateway applies none of it.)
        self.assertEqual(self.acked(int(rows[0][0])), [[FORGED]])
        # shukherctl as each caseworker's role, its user naming the
        # other: the role is the author.
        ids = []
        for conf, user, args in ((self.team, OTHER, ["claim"]),
                                 (self.other, tc.CASEWORKER,
                                  ["note", tc.NOTE])):
            p = tc.run([binary("shukherctl"), "-c", conf, "--json",
                        "central", "command", "--key", self.sec, "kilo",
                        ref] + args, env=dict(os.environ, USER=user))
            ids.append(json.loads(p.stdout)["id"])
            self.assertEqual(self.acked(ids[-1]), [["ok"]])
        self.assertEqual(self.pg.psql(
            "SELECT actor, created_by FROM shukher.commands WHERE id IN "
            "(%d, %d) ORDER BY id" % tuple(ids)),
            [[tc.CASEWORKER, tc.CASEWORKER], [OTHER, OTHER]])
        # The gateway's own record: the true author of each.
        self.assertEqual(self.gw.local("SELECT claimed_by FROM reports"),
                         [(tc.CASEWORKER,)])
        self.assertEqual(self.gw.local(
            "SELECT kind, actor FROM report_entries WHERE kind IN "
            "('claim', 'note') ORDER BY id"),
            [("claim", tc.CASEWORKER), ("note", OTHER)])
        self.assertEqual(self.gw.local(
            "SELECT action, actor FROM audit WHERE via = 'central' AND "
            "action IN ('claim', 'note') ORDER BY id"),
            [("claim", tc.CASEWORKER), ("note", OTHER)])
        self.synced()
        self.assertEqual(self.pg.psql(
            "SELECT kind, actor FROM shukher.report_entries WHERE kind IN "
            "('claim', 'note') ORDER BY seq"),
            [["claim", tc.CASEWORKER], ["note", OTHER]])

    def test_2_a_purged_report_leaves_the_central_server(self):
        gw = self.gw
        old_id, old_ref = gw.local("SELECT id, ref FROM reports")[0]
        p = tc.run([binary("shukherctl"), "-c", self.team, "--json",
                    "central", "command", "--key", self.sec, "kilo",
                    old_ref, "close"])
        self.assertEqual(self.acked(json.loads(p.stdout)["id"]), [["ok"]])
        self.synced()
        self.assertGreater(self.count(
            "SELECT count(*) FROM shukher.report_entries WHERE gateway = "
            "'kilo'"), 0)
        # The link down: a command waits, the report is closed long ago
        # and purged, and the reporter files again, under the same id.
        gw.stop_uplink()
        waiting = int(self.as_role(tc.CASEWORKER, "INSERT INTO "
                                   "shukher.commands (gateway, report_ref,"
                                   " action, actor) VALUES ('kilo', '%s', "
                                   "'claim', 'oyuna') RETURNING id"
                                   % old_ref)[0][0])
        c = sqlite3.connect(gw.db, timeout=30)
        with c:
            c.execute("UPDATE reports SET closed_at = closed_at - 40 * "
                      "86400")
        c.close()
        p = tc.run([binary("shukherctl"), "-c", gw.conf, "--json",
                    "purge"])
        self.assertEqual(json.loads(p.stdout)["reports"], 1)
        purge_seq = gw.local("SELECT seq FROM uplink_queue WHERE kind = "
                             "'purge'")
        self.assertEqual(len(purge_seq), 1)
        self.file_report(LATER)
        new_id, new_ref, sealed = gw.local(
            "SELECT id, ref, hex(sealed) FROM reports")[0]
        self.assertEqual(new_id, old_id)        # SQLite reused it
        gw.start_uplink()
        self.synced()
        # As the central team sees it: the new report alone, whole.
        listed = self.team_json("reports", "list", "--central")
        self.assertEqual([(r["gateway"], r["ref"]) for r in listed],
                         [("kilo", new_ref)])
        rows = self.as_role(tc.CASEWORKER, "SELECT ref, local_id, "
                            "upper(encode(sealed, 'hex')), seq FROM "
                            "shukher.reports WHERE gateway = 'kilo'")
        self.assertEqual([r[:3] for r in rows],
                         [[new_ref, str(new_id), sealed]])
        seq = int(rows[0][3])
        self.assertGreater(seq, purge_seq[0][0])
        self.assertEqual(self.count(
            "SELECT count(*) FROM shukher.report_entries WHERE gateway = "
            "'kilo'"), gw.local("SELECT count(*) FROM report_entries")[0][0])
        self.assertEqual(self.count(
            "SELECT count(*) FROM shukher.report_entries WHERE gateway = "
            "'kilo' AND report_seq IS DISTINCT FROM %d" % seq), 0)
        # Its commands went with it, the waiting one never applied.
        self.assertEqual(self.count(
            "SELECT count(*) FROM shukher.commands WHERE report_ref = '%s'"
            % old_ref), 0)
        self.assertEqual(gw.local("SELECT count(*) FROM uplink_applied "
                                  "WHERE command_id = ?", waiting), [(0,)])
        # The purge sent again (its acknowledgement lost) takes nothing
        # of the report filed after it.
        crt, key = self.pg.client_cert("shukher_gw_kilo")
        p = self.pg.psql(
            "SELECT shukher.push('[{\"seq\": %d, \"k\": \"purge\", "
            "\"report\": %d}]')" % (purge_seq[0][0], old_id),
            conninfo="%s sslmode=verify-full sslrootcert=%s sslcert=%s "
            "sslkey=%s" % (self.pg.tcp_conninfo("shukher_gw_kilo"),
                           self.pg.ca, crt, key), check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.count("SELECT count(*) FROM shukher.reports "
                                    "WHERE gateway = 'kilo'"), 1)
        # Another gateway cannot purge kilo's report: its own rows only.
        crt, key = self.pg.client_cert("shukher_gw_lima")
        p = self.pg.psql(
            "DELETE FROM shukher.reports RETURNING ref",
            conninfo="%s sslmode=verify-full sslrootcert=%s sslcert=%s "
            "sslkey=%s" % (self.pg.tcp_conninfo("shukher_gw_lima"),
                           self.pg.ca, crt, key), check=False)
        self.assertEqual((p.returncode, p.stdout.strip()), (0, ""),
                         p.stderr)
        self.assertEqual(self.count("SELECT count(*) FROM shukher.reports "
                                    "WHERE gateway = 'kilo'"), 1)
        # The audit trail keeps who did what to the old reference, and
        # never a number or a text; nor does the uplink's log.
        audit = self.as_role(tc.CASEWORKER, "SELECT at, actor, via, "
                             "action, report_ref, detail FROM "
                             "shukher.audit WHERE gateway = 'kilo'")
        self.assertIn(old_ref, [a[4] for a in audit])
        flat = json.dumps(audit) + gw.uplink.log()
        for secret in (REPORTER, REPORTER.lstrip("+"), TEXT, LATER,
                       tc.NOTE, "passport", "Narantuul"):
            self.assertNotIn(secret, flat)

    def test_3_a_reply_goes_only_to_the_reporter(self):
        """The central server can seal anything to the gateway's key; a
        reply is sent only when the caseworkers' key made it for that
        report, and once, so the server can neither choose whom the
        gateway texts nor text the reporter again."""
        gw = self.gw
        ref = gw.local("SELECT ref FROM reports WHERE status = 'open'")[0][0]
        before = len(gw.sent_to(REPORTER))
        replies = gw.local("SELECT count(*) FROM report_entries WHERE "
                           "kind = 'reply'")[0][0]
        p = tc.run([binary("shukherctl"), "-c", self.team, "--json",
                    "central", "command", "--key", self.sec, "kilo", ref,
                    "reply", tc.REPLY])
        genuine = json.loads(p.stdout)["id"]
        self.assertEqual(self.acked(genuine), [["ok"]])
        got = wait_for(lambda: gw.sent_to(REPORTER)[before:], 60,
                       "the reply")
        self.assertEqual([s.text for s in got], [tc.REPLY])
        # What a server (or anyone with a caseworker's role) can make: a
        # body sealed to the gateway's key with a number of its choosing
        # (here a note's), queued as a reply; and a genuine reply's body
        # moved to another report.
        p = tc.run([binary("shukherctl"), "-c", self.team, "--json",
                    "central", "command", "--key", self.sec, "kilo", ref,
                    "note", STRANGER + "\n" + LURE])
        note = json.loads(p.stdout)["id"]
        self.assertEqual(self.acked(note), [["ok"]])
        refused = MOVED
        # And a genuine reply queued again, to its own report.
        again = REPLAYED
        for source, to, why in ((note, ref, refused),
                                (genuine, "ZZZZZZ", refused),
                                (genuine, ref.lower(), again)):
            cid = int(self.pg.scalar(
                "INSERT INTO shukher.commands (gateway, report_ref, action,"
                " body) SELECT gateway, '%s', 'reply', body FROM "
                "shukher.commands WHERE id = %d RETURNING id" % (to, source)))
            self.assertEqual(self.acked(cid), [[why]], (source, to))
        # Nothing sent to anyone, nothing on the timeline.
        self.assertEqual(self.gw.sent_to(STRANGER), [])
        self.assertEqual(len(gw.sent_to(REPORTER)[before:]), 1)
        self.assertEqual(gw.local("SELECT count(*) FROM report_entries "
                                  "WHERE kind = 'reply'")[0][0],
                         replies + 1)
        self.assertEqual(gw.local("SELECT count(*) FROM outbox WHERE "
                                  "text LIKE ? OR number = ?",
                                  "%" + LURE + "%", STRANGER), [(0,)])
        log = gw.uplink.log()
        self.assertEqual(log.count(MOVED), 2, log)
        self.assertEqual(log.count(REPLAYED), 1, log)
        for secret in (STRANGER, STRANGER.lstrip("+"), LURE, REPORTER):
            self.assertNotIn(secret, log)

    def state(self, ref):
        """What a command could change on the gateway: the report, its
        timeline, the audit trail, the outbox."""
        gw = self.gw
        return (gw.local("SELECT status, claimed_by, claimed_at, closed_at "
                         "FROM reports WHERE ref = ?", ref),
                gw.local("SELECT count(*), max(id) FROM report_entries"),
                gw.local("SELECT count(*), max(id) FROM audit"),
                gw.local("SELECT count(*), max(id) FROM outbox"))

    def queue(self, ref, action, body):
        """A row written straight into shukher.commands by the server's
        administrator (the superuser), body bytes or None."""
        return int(self.pg.scalar(
            "INSERT INTO shukher.commands (gateway, report_ref, action, "
            "body) VALUES ('kilo', '%s', '%s', %s) RETURNING id"
            % (ref, action, "NULL" if body is None else
               "decode('%s', 'hex')" % body.hex())))

    def copy(self, source, ref, action):
        """Command source's body queued again for ref and action."""
        return int(self.pg.scalar(
            "INSERT INTO shukher.commands (gateway, report_ref, action, "
            "body) SELECT gateway, '%s', '%s', body FROM shukher.commands "
            "WHERE id = %d RETURNING id" % (ref, action, source)))

    def genuine(self, ref, *args):
        p = tc.run([binary("shukherctl"), "-c", self.team, "--json",
                    "central", "command", "--key", self.sec, "kilo", ref] +
                   list(args))
        return json.loads(p.stdout)["id"]

    def test_4_every_command_only_from_the_caseworkers_key(self):
        """Whoever can write shukher.commands (the server, its
        administrator) can neither claim, annotate, close nor answer a
        report on a gateway by itself, nor move a genuine command to
        another report or action, nor apply one again."""
        gw = self.gw
        ref = gw.local("SELECT ref FROM reports WHERE status = 'open'")[0][0]
        self.assertEqual(gw.local("SELECT claimed_by FROM reports WHERE "
                                  "ref = ?", ref), [(None,)])
        logs = [gw.uplink.log()]
        gwpk = bytes.fromhex(self.pg.scalar(
            "SELECT pubkey FROM shukher.gateways WHERE name = 'kilo'"))
        stranger_pk, stranger_sk = keypair()
        before = self.state(ref)
        # The server's own: bare rows, bodies sealed to the gateway's
        # key (which anyone can do) in the very format of a genuine box,
        # and boxed from a key pair of its own.
        forged = []
        for action, content in (("claim", ""), ("note", LURE),
                                ("close", "resolved"),
                                ("reply", STRANGER + "\n" + LURE)):
            plain = command_plain(ref, action, content)
            for body in (None, sealed_to(gwpk, plain),
                         boxed(stranger_sk, gwpk, plain)):
                forged.append(self.queue(ref, action, body))
        for cid in forged:
            self.assertEqual(self.acked(cid), [[FORGED]], cid)
        self.assertEqual(self.state(ref), before)
        # Genuine ones held back by the server (the uplink down), and
        # queued instead for another action, or another report (one the
        # gateway holds not: refused for the box, not for the report).
        logs.append(gw.uplink.log())
        gw.stop_uplink()
        moved = []
        for action, args in (("claim", []), ("note", [tc.NOTE]),
                             ("close", ["referred"])):
            held = self.genuine(ref, action, *args)
            moved += [self.copy(held, ref, a) for a in
                      ("claim", "note", "reply", "close") if a != action]
            moved.append(self.copy(held, "ZZZZZZ", action))
            self.pg.psql("DELETE FROM shukher.commands WHERE id = %d"
                         % held)
        gw.start_uplink()
        for cid in moved:
            self.assertEqual(self.acked(cid), [[MOVED]], cid)
        self.assertEqual(self.state(ref), before)
        # Genuine ones, from shukherctl: applied, once each; queued
        # again as they were, refused.
        notes = "SELECT count(*) FROM report_entries WHERE kind = 'note'"
        n = gw.local(notes)[0][0]
        claim = self.genuine(ref, "claim")
        note = self.genuine(ref, "note", tc.NOTE)
        for cid in (claim, note):
            self.assertEqual(self.acked(cid), [["ok"]])
        self.assertEqual(gw.local("SELECT claimed_by, status FROM reports "
                                  "WHERE ref = ?", ref),
                         [(tc.CASEWORKER, "open")])
        self.assertEqual(gw.local(notes)[0][0], n + 1)
        before = self.state(ref)
        for cid in (self.copy(claim, ref, "claim"),
                    self.copy(note, ref.lower(), "note")):
            self.assertEqual(self.acked(cid), [[REPLAYED]], cid)
        self.assertEqual(self.state(ref), before)
        # A tool without the caseworkers' key, or with another key,
        # queues nothing.
        queued = self.count("SELECT count(*) FROM shukher.commands")
        env = {k: v for k, v in os.environ.items() if k != "SHUKHER_KEY"}
        p = tc.run([binary("shukherctl"), "-c", self.team, "central",
                    "command", "kilo", ref, "close"], env=env, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("needs the caseworkers' secret key", p.stderr)
        other_pub, other_sec = self.tmp.join("x.pub"), self.tmp.join("x.key")
        tc.run([binary("shukherctl"), "-d", self.tmp.join("x.db"),
                "keygen", other_pub, other_sec])
        p = tc.run([binary("shukherctl"), "-c", self.team, "central",
                    "command", "--key", other_sec, "kilo", ref, "close"],
                   check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("the report was sealed to key", p.stderr)
        self.assertEqual(self.count("SELECT count(*) FROM shukher.commands"),
                         queued)
        # The genuine close closes it, once; queued again, refused.
        close = self.genuine(ref, "close", "referred")
        self.assertEqual(self.acked(close), [["ok"]])
        self.assertEqual(self.acked(self.copy(close, ref, "close")),
                         [[REPLAYED]])
        self.assertEqual(gw.local("SELECT status, claimed_by FROM reports "
                                  "WHERE ref = ?", ref),
                         [("closed", tc.CASEWORKER)])
        self.assertEqual(gw.local("SELECT count(*) FROM report_entries "
                                  "WHERE kind = 'close' AND report_id = "
                                  "(SELECT id FROM reports WHERE ref = ?)",
                                  ref), [(1,)])
        # Each refusal logged once, without its text or number (the
        # uplink was restarted: its log before, and its log since).
        log = logs[1] + gw.uplink.log()
        self.assertEqual(log.count("refused:") - logs[0].count("refused:"),
                         len(forged) + len(moved) + 3, log)
        for secret in (STRANGER, STRANGER.lstrip("+"), LURE, "resolved",
                       REPORTER, tc.NOTE, "referred"):
            self.assertNotIn(secret, log)
        self.assertEqual(gw.sent_to(STRANGER), [])


def sodium():
    """Debian's libsodium, through ctypes: what anyone holding the
    gateway's public key, or a key pair of their own, can make."""
    lib = ctypes.CDLL(ctypes.util.find_library("sodium"))
    assert lib.sodium_init() >= 0
    return lib


def keypair():
    pk, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(32)
    assert sodium().crypto_box_keypair(pk, sk) == 0
    return pk.raw, sk.raw


def sealed_to(pk, msg):
    out = ctypes.create_string_buffer(len(msg) + 48)
    assert sodium().crypto_box_seal(out, msg, ctypes.c_ulonglong(len(msg)),
                                    pk) == 0
    return out.raw


def boxed(sk, pk, msg):
    nonce = os.urandom(24)
    out = ctypes.create_string_buffer(len(msg) + 16)
    assert sodium().crypto_box_easy(out, msg, ctypes.c_ulonglong(len(msg)),
                                    nonce, pk, sk) == 0
    return nonce + out.raw


def command_plain(ref, action, content):
    """A command box's plain text (include/cmdbox.h)."""
    return ("shukher-command 1\n%s\n%s\n%s" % (ref, action,
                                               content)).encode()


if __name__ == "__main__":
    unittest.main()
