"""The central fleet end to end: a real PostgreSQL 15 (pgserver.py, TLS
with client certificates), the real shukher-uplink beside the real
shukherd on simulated modems, the real shukherctl as the central team.

What the campaign's central team would check: every report, timeline
entry, audit row and day's count of each gateway centrally exactly once,
whatever happens to the link; a caseworker's command applied once on the
right gateway (the reply leaves that gateway's modem once) even when its
acknowledgement is lost; one gateway's credentials never reading or
writing another's rows; and no reporter's number or text in the central
server's files.
"""
import json
import os
import signal
import sqlite3
import subprocess
import time
import unittest

from harness import (Daemon, TempDir, binary, dummy_modem, make_config,
                     sim_modem, wait_for)
import pgserver

SKIP = pgserver.available()

REPORTERS = {"alpha": "+97699113344", "bravo": "+97688225566"}
TEXTS = {"alpha": "danger a man keeps our passports in Erlian hotel",
         "bravo": "my sister was promised work in Macau and is gone"}
KEYWORD_SENDER = "+97695550101"
NOTE = "called the hotline about it, waiting"
REPLY = "we are calling you today, stay safe"
CASEWORKER = "oyuna"


def run(args, env=None, check=True):
    p = subprocess.run(args, capture_output=True, text=True, timeout=120,
                       env=env)
    if check and p.returncode != 0:
        raise AssertionError("%s: exit %d: %s" % (" ".join(args),
                                                   p.returncode, p.stderr))
    return p


class Gateway:
    """One gateway: its database and config with the central group, a
    simulated modem with shukherd when modem is set, and its uplink."""

    def __init__(self, pg, tmp, name, pub=None, modem=False):
        self.pg, self.name = pg, name
        d = tmp.join(name)
        os.makedirs(d)
        self.db = os.path.join(d, "shukher.db")
        self.conf = os.path.join(d, "shukher.conf")
        self.sim = self.daemon = self.uplink = None
        if modem:
            from sim.modemsim import ModemSim
            link = os.path.join(d, "gsm-modem")
            self.sim = ModemSim(link=link)
            self.sim.start()
            settings = sim_modem(link)
        else:
            settings = dummy_modem(os.path.join(d, "dummy"))
        make_config(self.conf, self.db, settings,
                    limits={"reply_budget": 20})
        crt, key = pg.client_cert("shukher_gw_" + name)
        with open(self.conf, "a", encoding="utf-8") as f:
            if pub is not None:
                f.write('reports = { public_key = "%s"; };\n' % pub)
            f.write('central = { conninfo = "%s"; gateway = "%s"; '
                    'sslcert = "%s"; sslkey = "%s"; sslrootcert = "%s"; };\n'
                    % (pg.tcp_conninfo("shukher_gw_" + name), name, crt,
                       key, pg.ca))
        if not modem:
            run([binary("shukherctl"), "-c", self.conf, "init"])

    def start_daemon(self):
        self.daemon = Daemon(self.conf)
        self.daemon.wait_log(r"modem: connected", timeout=60)

    def start_uplink(self):
        self.uplink = Daemon(self.conf, verbose=True,
                             program="shukher-uplink")
        self.uplink.wait_log(r"central: connected as gateway", timeout=30)
        return self.uplink

    def stop_uplink(self):
        rc = self.uplink.stop(timeout=30)
        assert rc == 0, "shukher-uplink exit %d:\n%s" % (rc,
                                                         self.uplink.log())

    def stop(self):
        try:
            for d in (self.uplink, self.daemon):
                if d is not None and d.proc.poll() is None:
                    rc = d.stop(timeout=60)
                    assert rc == 0, "exit %d:\n%s" % (rc, d.log())
        finally:
            if self.sim is not None:
                self.sim.stop()

    def local(self, sql, *params):
        c = sqlite3.connect(self.db, timeout=30)
        try:
            return c.execute(sql, params).fetchall()
        finally:
            c.close()

    def status(self):
        p = run([binary("shukherctl"), "-c", self.conf, "--json",
                 "status"])
        return json.loads(p.stdout)

    def sent_to(self, number):
        return [s for s in self.sim.sent if s.number == number]


class CentralBase(unittest.TestCase):
    """One PostgreSQL per class, its schema made by `shukherctl central
    init`, a caseworker role, and the central team's config."""

    GATEWAYS = ()

    @classmethod
    def setUpClass(cls):
        if SKIP:
            raise unittest.SkipTest(SKIP)
        cls.tmp = TempDir()
        cls.pg = pgserver.PgServer()
        try:
            cls.pg.init()
            cls.admin = cls.team_conf("admin", "postgres")
            for _ in range(2):      # the second finds it up to date
                run([binary("shukherctl"), "-c", cls.admin, "central",
                     "init"])
            run([binary("shukherctl"), "-c", cls.admin, "central",
                 "add-caseworker", CASEWORKER])
            cls.team = cls.team_conf("team", CASEWORKER)
            for name in cls.GATEWAYS:
                run([binary("shukherctl"), "-c", cls.admin, "central",
                     "add-gateway", name])
        except BaseException:
            cls.pg.cleanup()
            cls.tmp.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.pg.cleanup()
        cls.tmp.cleanup()

    @classmethod
    def team_conf(cls, name, role):
        """A config on the central team's machine: the central group
        only matters (over the Unix socket: the test's shortcut)."""
        path = cls.tmp.join(name + ".conf")
        make_config(path, cls.tmp.join(name + ".db"),
                    dummy_modem(cls.tmp.join(name + "-dummy")))
        with open(path, "a", encoding="utf-8") as f:
            f.write('central = { conninfo = "%s"; silent_after = 600; };\n'
                    % cls.pg.socket_conninfo(role))
        return path

    def team_json(self, *args, env=None):
        p = run([binary("shukherctl"), "-c", self.team, "--json"] +
                list(args), env=env)
        return json.loads(p.stdout)

    def central(self, sql):
        return self.pg.psql(sql)

    def count(self, sql):
        return int(self.pg.scalar(sql))


@unittest.skipIf(SKIP, SKIP or "")
class CentralFleet(CentralBase):
    """Two gateways on simulated modems, sealed reports, a caseworker's
    commands."""

    GATEWAYS = ("alpha", "bravo")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gws = {}
        try:
            cls.pub = cls.tmp.join("cw.pub")
            cls.sec = cls.tmp.join("cw.key")
            run([binary("shukherctl"), "-d", cls.tmp.join("k.db"),
                 "keygen", cls.pub, cls.sec])
            # "charlie" is registered but never connects: silent.
            run([binary("shukherctl"), "-c", cls.admin, "central",
                 "add-gateway", "charlie"])
            for name in cls.GATEWAYS:
                cls.gws[name] = Gateway(cls.pg, cls.tmp, name, cls.pub,
                                        modem=True)
                cls.gws[name].start_daemon()
            # After the daemons: the first health shows the modem up.
            for gw in cls.gws.values():
                gw.start_uplink()
            cls.traffic()
        except BaseException:
            cls.stop_all()
            super().tearDownClass()
            raise

    @classmethod
    def traffic(cls):
        """Each gateway gets a report and keyword messages, and answers
        them all."""
        alpha, bravo = cls.gws["alpha"], cls.gws["bravo"]
        for name, gw in cls.gws.items():
            gw.sim.inject(REPORTERS[name], "REPORT " + TEXTS[name])
        alpha.sim.inject(KEYWORD_SENDER, "HELP")
        bravo.sim.inject(KEYWORD_SENDER, "JOB OFFER")
        bravo.sim.inject(KEYWORD_SENDER, "HELP")
        for name, gw in cls.gws.items():
            wait_for(lambda: gw.sent_to(REPORTERS[name]), 60, "the ack")
        wait_for(lambda: len(alpha.sent_to(KEYWORD_SENDER)) >= 1, 60,
                 "alpha's answer")
        wait_for(lambda: len(bravo.sent_to(KEYWORD_SENDER)) >= 2, 60,
                 "bravo's answers")

    @classmethod
    def stop_all(cls):
        for gw in cls.gws.values():
            gw.stop()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.stop_all()
        finally:
            super().tearDownClass()

    def synced(self, gw):
        """Waits until the gateway's queue is empty centrally."""
        wait_for(lambda: gw.local("SELECT count(*) FROM uplink_queue")[0][0]
                 == 0, 30, "%s's queue sent" % gw.name)

    def ref(self, name):
        return self.gws[name].local("SELECT ref FROM reports")[0][0]

    def test_1_both_gateways_centrally_exactly_once(self):
        for name, gw in self.gws.items():
            self.synced(gw)
            where = "WHERE gateway = '%s'" % name
            local_reports = gw.local("SELECT ref FROM reports")
            self.assertEqual(len(local_reports), 1)
            self.assertEqual(self.pg.psql(
                "SELECT ref FROM shukher.reports " + where),
                [[local_reports[0][0]]])
            # The sealed blob as the gateway holds it.
            blob = gw.local("SELECT hex(sealed) FROM reports")[0][0]
            self.assertEqual(self.pg.scalar(
                "SELECT upper(encode(sealed, 'hex')) FROM shukher.reports "
                + where), blob)
            for table, local in (
                    ("report_entries", "SELECT count(*) FROM report_entries"),
                    ("audit", "SELECT count(*) FROM audit")):
                self.assertEqual(
                    self.count("SELECT count(*) FROM shukher.%s %s" %
                               (table, where)),
                    gw.local(local)[0][0], table)
            self.assertEqual(self.count(
                "SELECT count(*) FROM shukher.report_entries %s AND "
                "report_seq IS NULL" % where), 0)
            stats = sorted([list(map(str, r)) for r in gw.local(
                "SELECT day, keyword, count FROM stats")])
            self.assertEqual(sorted(self.pg.psql(
                "SELECT day, keyword, count FROM shukher.stats " + where)),
                stats)
            self.assertIn("help", [s[1] for s in stats])
        listed = self.team_json("reports", "list", "--central")
        self.assertEqual(sorted((r["gateway"], r["ref"]) for r in listed),
                         sorted((n, self.ref(n)) for n in self.gws))
        for r in listed:
            self.assertTrue(r["sealed"])
            self.assertNotIn("number", r)
            self.assertNotIn("text", r)

    def command(self, *args):
        env = dict(os.environ, USER=CASEWORKER)
        p = run([binary("shukherctl"), "-c", self.team, "--json",
                 "central", "command", "--key", self.sec] + list(args),
                env=env)
        return json.loads(p.stdout)["id"]

    def acked(self, cid):
        return wait_for(lambda: self.pg.psql(
            "SELECT result FROM shukher.commands WHERE id = %d AND "
            "acked_at IS NOT NULL" % cid), 30, "command %d acked" % cid)

    def test_2_commands_applied_once_on_the_right_gateway(self):
        alpha, bravo = self.gws["alpha"], self.gws["bravo"]
        ref = self.ref("alpha")
        reporter = REPORTERS["alpha"]
        before = len(alpha.sent_to(reporter))
        ids = [self.command("alpha", ref, "claim"),
               self.command("alpha", ref, "note", NOTE),
               self.command("alpha", ref, "reply", REPLY)]
        for cid in ids:
            self.assertEqual(self.acked(cid), [["ok"]])
        got = wait_for(lambda: [s for s in alpha.sent_to(reporter)[before:]
                                if REPLY in s.text], 60, "the reply")
        self.assertEqual(len(got), 1)
        self.assertFalse([s for s in bravo.sim.sent if REPLY in s.text])
        self.assertEqual(alpha.local("SELECT claimed_by FROM reports"),
                         [(CASEWORKER,)])
        self.assertEqual(bravo.local("SELECT claimed_by FROM reports"),
                         [(None,)])
        # The reply's acknowledgement lost: the uplink restarts, finds the
        # command unacknowledged, and only acknowledges it again.
        self.pg.psql("UPDATE shukher.commands SET acked_at = NULL, "
                     "result = NULL WHERE id = %d" % ids[2])
        alpha.stop_uplink()
        # ...and restarts with a reply budget of 2, which the reporter's
        # acknowledgement and the reply have spent.
        with open(alpha.conf, encoding="utf-8") as f:
            conf = f.read()
        with open(alpha.conf, "w", encoding="utf-8") as f:
            f.write(conf.replace("reply_budget = 20;", "reply_budget = 2;"))
        alpha.start_uplink()
        self.assertEqual(self.acked(ids[2]), [["ok"]])
        # A reply the central server asks for stays within the reporter's
        # budget: acknowledged as held back, nothing queued.
        self.assertEqual(self.acked(self.command("alpha", ref, "reply",
                                                 REPLY + " again")),
                         [["not sent: the reporter's reply budget is "
                           "spent, try later"]])
        self.assertEqual(alpha.local(
            "SELECT count(*) FROM report_entries WHERE kind = 'reply'"),
            [(1,)])
        self.assertEqual(alpha.local(
            "SELECT count(*) FROM outbox WHERE kind = 1"), [(1,)])
        self.assertEqual(alpha.local(
            "SELECT count(*) FROM uplink_applied"), [(4,)])
        self.assertEqual(len([s for s in alpha.sent_to(reporter)
                              if REPLY in s.text]), 1)
        # The caseworkers' key opens the note and the reply locally.
        show = json.loads(run([binary("shukherctl"), "-d", alpha.db,
                               "--json", "reports", "show", "--key",
                               self.sec, ref]).stdout)
        texts = [e.get("text") for e in show["timeline"]]
        self.assertIn(NOTE, texts)
        self.assertIn(REPLY, texts)
        # Close: the report closes locally and centrally.
        self.assertEqual(self.acked(self.command("alpha", ref, "close",
                                                 "referred")), [["ok"]])
        self.assertEqual(alpha.local("SELECT status FROM reports"),
                         [("closed",)])
        wait_for(lambda: self.pg.psql(
            "SELECT status, claimed_by FROM shukher.reports WHERE gateway ="
            " 'alpha'") == [["closed", CASEWORKER]], 30,
            "the report closed centrally")
        self.synced(alpha)
        self.assertEqual(self.count(
            "SELECT count(*) FROM shukher.report_entries WHERE gateway = "
            "'alpha' AND kind = 'reply'"), 1)
        # The other gateway's report: claimed there, and only there.
        cid = self.command("bravo", self.ref("bravo"), "claim")
        self.assertEqual(self.acked(cid), [["ok"]])
        self.assertEqual(bravo.local("SELECT claimed_by FROM reports"),
                         [(CASEWORKER,)])
        # A command the server writes itself, for a report the gateway
        # does not hold or one already closed: acknowledged as refused
        # (not the caseworkers' key's), applied never
        # (test_central_purge.py tries every kind of it).
        for gw, r in (("bravo", "ZZZZZZ"), ("alpha", ref)):
            cid = int(self.pg.scalar(
                "INSERT INTO shukher.commands (gateway, report_ref, "
                "action, actor) VALUES ('%s', '%s', 'claim', 'oyuna') "
                "RETURNING id" % (gw, r)))
            self.assertEqual(self.acked(cid), [[
                "refused: not made with the caseworkers' key"]])
        # shukherctl refuses what the gateway would, before queueing it:
        # a closed report, a reply longer than limits.max_segments.
        queued = self.count("SELECT count(*) FROM shukher.commands")
        env = dict(os.environ, USER=CASEWORKER)
        for args, why in (
                ([ref, "note", NOTE], "report is closed"),
                ([self.ref("bravo"), "reply", "x" * 2000],
                 "text is too long")):
            p = run([binary("shukherctl"), "-c", self.team, "central",
                     "command", "--key", self.sec,
                     "alpha" if args[0] == ref else "bravo"] + args,
                    env=env, check=False)
            self.assertNotEqual(p.returncode, 0, p.stdout)
            self.assertIn(why, p.stderr)
        self.assertEqual(self.count("SELECT count(*) FROM shukher.commands"),
                         queued)

    def test_3_fleet_and_status(self):
        fleet = {g["gateway"]: g for g in self.team_json("fleet")}
        self.assertEqual(sorted(fleet), ["alpha", "bravo", "charlie"])
        for name in ("alpha", "bravo"):
            g = fleet[name]
            self.assertIs(g["connected"], True, g)
            self.assertIsNotNone(g["operator"])
            self.assertIsInstance(g["signal_dbm"], int)
            self.assertIsInstance(g["sim_used"], int)
            self.assertIsInstance(g["outbox_queued"], int)
            self.assertIsInstance(g["reports_open"], int)
            self.assertIsNotNone(g["version"])
            self.assertIsNotNone(g["last_seen"])
            self.assertIs(g["silent"], False)
        self.assertIs(fleet["charlie"]["silent"], True)
        self.assertIsNone(fleet["charlie"]["last_seen"])
        text = run([binary("shukherctl"), "-c", self.team, "fleet"]).stdout
        self.assertIn("SILENT", text)
        self.synced(self.gws["bravo"])
        st = self.gws["bravo"].status()
        self.assertIs(st["uplink_connected"], True)
        self.assertEqual(st["uplink_pending"], 0)
        self.assertIsNotNone(st["uplink_last_ok"])
        text = run([binary("shukherctl"), "-c", self.gws["bravo"].conf,
                    "status"]).stdout
        self.assertIn("uplink     connected, 0 events pending", text)

    def test_9_no_number_or_text_centrally(self):
        for gw in self.gws.values():
            self.synced(gw)
        self.pg.psql("CHECKPOINT")
        raw = self.pg.raw_files()
        self.assertIn(b"shukher_gw_alpha", raw)     # the scan sees data
        for secret in list(REPORTERS.values()) + list(TEXTS.values()) + [
                KEYWORD_SENDER, NOTE, REPLY, "passports", "Macau"]:
            for form in (secret, secret.lstrip("+")):
                self.assertNotIn(form.encode(), raw, form)
        for gw in self.gws.values():
            log = gw.uplink.log()
            for secret in list(REPORTERS.values()) + [NOTE, REPLY]:
                self.assertNotIn(secret, log)


def fill(gw, reports, entries_each, audits, day="2026-11-30"):
    """Queues events on gw's database directly (the triggers do the
    queueing): reports with sealed-looking blobs, their timelines, audit
    rows and a day's counts. Returns the events queued."""
    c = sqlite3.connect(gw.db, timeout=30)
    try:
        first = c.execute("SELECT coalesce(max(id), 0) FROM reports"
                          ).fetchone()[0]
        for i in range(reports):
            cur = c.execute(
                "INSERT INTO reports (ref, number, text, created_at, sealed,"
                " key_id) VALUES (?, '', '', ?, randomblob(120), "
                "'00112233aabbccdd')", ("T%07d" % (first + i + 1),
                                        1764460800 + i))
            for j in range(entries_each):
                c.execute("INSERT INTO report_entries (report_id, at, kind,"
                          " actor, body, key_id) VALUES (?, ?, 'note', "
                          "'oyuna', randomblob(80), '00112233aabbccdd')",
                          (cur.lastrowid, 1764460800 + i))
        c.executemany("INSERT INTO audit (at, actor, via, action) VALUES "
                      "(?, 'oyuna', 'cli', 'open')",
                      [(1764460800 + i,) for i in range(audits)])
        c.execute("INSERT INTO stats (day, keyword, count) VALUES (?, "
                  "'help', 1) ON CONFLICT (day, keyword) DO UPDATE SET "
                  "count = count + 1", (day,))
        c.commit()
    finally:
        c.close()
    return reports * (1 + entries_each) + audits + 1


@unittest.skipIf(SKIP, SKIP or "")
class CentralFaults(CentralBase):
    """Gateways without modems: their queues filled directly, the link
    broken in every way that matters, and the count checked afterwards."""

    GATEWAYS = ("delta", "echo", "foxtrot", "golf", "hotel")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gws = {}
        try:
            for name in cls.GATEWAYS:
                cls.gws[name] = Gateway(cls.pg, cls.tmp, name)
        except BaseException:
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            for gw in cls.gws.values():
                gw.stop()
        finally:
            super().tearDownClass()

    def central_counts(self, name):
        return tuple(self.count(
            "SELECT count(*) FROM shukher.%s WHERE gateway = '%s'" %
            (t, name)) for t in ("reports", "report_entries", "audit"))

    def local_counts(self, gw):
        return tuple(gw.local("SELECT count(*) FROM %s" % t)[0][0]
                     for t in ("reports", "report_entries", "audit"))

    def all_there(self, gw, timeout=120):
        """Waits until the central server holds exactly the gateway's
        rows, and its queue is empty."""
        wait_for(lambda: gw.local("SELECT count(*) FROM uplink_queue"
                                  )[0][0] == 0 and
                 self.central_counts(gw.name) == self.local_counts(gw),
                 timeout, "%s's %s centrally" % (gw.name,
                                                 self.local_counts(gw)))
        self.assertEqual(self.count(
            "SELECT count(*) FROM shukher.report_entries WHERE gateway = "
            "'%s' AND report_seq IS NULL" % gw.name), 0)
        self.assertEqual(self.count(
            "SELECT coalesce(sum(count), 0) FROM shukher.stats WHERE "
            "gateway = '%s'" % gw.name),
            gw.local("SELECT coalesce(sum(count), 0) FROM stats")[0][0])

    def test_server_stopped_then_started(self):
        gw = self.gws["delta"]
        fill(gw, 5, 2, 20)
        gw.start_uplink()
        try:
            self.all_there(gw)
            self.pg.stop()
            fill(gw, 5, 2, 20)
            wait_for(lambda: gw.status()["uplink_connected"] is False, 60,
                     "the uplink to notice")
            self.assertGreater(gw.status()["uplink_pending"], 0)
            self.pg.start()
            self.all_there(gw)
            self.assertIs(gw.status()["uplink_connected"], True)
        finally:
            if self.pg._run("pg_ctl", "-D", self.pg.data, "status",
                            check=False).returncode != 0:
                self.pg.start()
            gw.stop_uplink()

    def test_connection_killed_mid_batch(self):
        gw = self.gws["foxtrot"]
        fill(gw, 1000, 3, 6000)             # 10,000 events, 20 batches
        gw.start_uplink()
        kills = 0
        deadline = time.monotonic() + 120
        while (gw.local("SELECT count(*) FROM uplink_queue")[0][0] > 0 and
               time.monotonic() < deadline and kills < 5):
            rows = self.pg.psql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE usename = 'shukher_gw_foxtrot' AND state = 'active'")
            kills += len(rows)
        self.all_there(gw)
        log = gw.uplink.log()
        gw.stop_uplink()
        self.assertGreater(kills, 0, "no batch was caught in flight")
        self.assertGreaterEqual(log.count("connected as gateway"), 2, log)

    def test_uplink_sigkilled_mid_batch(self):
        gw = self.gws["golf"]
        fill(gw, 1000, 3, 6000)
        gw.start_uplink()
        wait_for(lambda: self.central_counts("golf")[2] > 0, 60,
                 "the first batches")
        gw.uplink.kill()                    # SIGKILL, whatever it was doing
        self.assertEqual(gw.uplink.proc.returncode, -signal.SIGKILL)
        self.assertGreater(gw.local("SELECT count(*) FROM uplink_queue"
                                    )[0][0], 0, "killed too late")
        gw.start_uplink()
        self.all_there(gw)
        gw.stop_uplink()

    def test_catch_up_10000_events_in_order(self):
        gw = self.gws["echo"]
        n = fill(gw, 1000, 3, 5999)
        self.assertEqual(n, 10000)
        t0 = time.monotonic()
        gw.start_uplink()
        self.all_there(gw)
        took = time.monotonic() - t0
        gw.stop_uplink()
        print("\n  catch-up: %d events in %.1f s (%.0f/s)" %
              (n, took, n / took), end=" ", flush=True)
        # In order: the reports in the order filed, each timeline entry
        # after its report, the audit rows in their order.
        self.assertEqual(self.count(
            "SELECT count(*) FROM (SELECT local_id, lag(local_id) OVER "
            "(ORDER BY seq) AS prev FROM shukher.reports WHERE gateway = "
            "'echo') x WHERE prev >= local_id"), 0)
        self.assertEqual(self.count(
            "SELECT count(*) FROM shukher.report_entries WHERE gateway = "
            "'echo' AND report_seq >= seq"), 0)
        self.assertEqual(self.count(
            "SELECT count(*) FROM (SELECT at, lag(at) OVER (ORDER BY seq) "
            "AS prev FROM shukher.audit WHERE gateway = 'echo') x "
            "WHERE prev > at"), 0)

    def test_clock_jumps_change_nothing(self):
        """The gateway's clock jumping back three days and forward a year
        between events: the keys are the gateway's sequence, never a time,
        so every row arrives once, in the order it happened."""
        gw = self.gws["delta"]
        c = sqlite3.connect(gw.db, timeout=30)
        try:
            for at in (1764460800, 1764460800 - 3 * 86400,
                       1764460800 + 365 * 86400, 1764460800 - 3 * 86400):
                c.execute("INSERT INTO reports (ref, number, text, "
                          "created_at, sealed, key_id) VALUES ('J' || "
                          "hex(randomblob(4)), '', '', ?, randomblob(60), "
                          "'00112233aabbccdd')", (at,))
                c.execute("INSERT INTO audit (at, actor, via, action) "
                          "VALUES (?, 'oyuna', 'cli', 'jump')", (at,))
            c.commit()
        finally:
            c.close()
        gw.start_uplink()
        try:
            self.all_there(gw)
        finally:
            gw.stop_uplink()
        rows = self.pg.psql(
            "SELECT extract(epoch FROM at)::bigint FROM shukher.audit "
            "WHERE gateway = 'delta' AND action = 'jump' ORDER BY seq")
        self.assertEqual([int(r[0]) for r in rows], [
            1764460800, 1764460800 - 3 * 86400, 1764460800 + 365 * 86400,
            1764460800 - 3 * 86400])

    # ---- row-level security and TLS ----------------------------------
    def as_gateway(self, name, sql, ca="ca", cert=True, sslmode="verify-full"):
        conninfo = "%s sslmode=%s sslrootcert=%s" % (
            self.pg.tcp_conninfo("shukher_gw_" + name), sslmode, self.pg.ca)
        if cert:
            crt, key = self.pg.client_cert("shukher_gw_" + name, ca=ca)
            conninfo += " sslcert=%s sslkey=%s" % (crt, key)
        return self.pg.psql(sql, conninfo=conninfo, check=False)

    def test_rls_one_gateway_cannot_touch_another(self):
        CLOSED_DELTA = ("SELECT count(*) FROM shukher.reports WHERE "
                        "gateway = 'delta' AND status = 'closed'")
        delta = self.gws["delta"]
        if self.central_counts("delta")[2] == 0:
            fill(delta, 2, 1, 3)
            delta.start_uplink()
            self.all_there(delta)
            delta.stop_uplink()
        self.pg.psql("INSERT INTO shukher.commands (gateway, report_ref, "
                     "action, actor) VALUES ('delta', 'T0000001', 'claim', "
                     "'oyuna')")
        # Reads: none of delta's rows or commands.
        for table in ("reports", "report_entries", "audit", "stats",
                      "health", "commands"):
            p = self.as_gateway("hotel", "SELECT count(*) FROM shukher.%s "
                                "WHERE gateway <> 'hotel'" % table)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.strip(), "0", table)
        # Writes as another: refused by the policy.
        p = self.as_gateway("hotel", "INSERT INTO shukher.audit (gateway, "
                            "seq, at, actor, via, action) VALUES ('delta', "
                            "999999, now(), 'x', 'cli', 'open')")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("row-level security", p.stderr)
        p = self.as_gateway("hotel", "UPDATE shukher.commands SET acked_at "
                            "= now(), result = 'ok' RETURNING id")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "")
        self.assertEqual(self.count(
            "SELECT count(*) FROM shukher.commands WHERE gateway = 'delta' "
            "AND acked_at IS NULL"), 1)
        # Not the gateways table, nor commands of its own making, nor
        # another's name through push(). Each statement prints a row when
        # it succeeds (psql -q prints nothing for a bare INSERT).
        closed = self.count(CLOSED_DELTA)
        for sql in ("SELECT * FROM shukher.gateways",
                    "INSERT INTO shukher.commands (gateway, report_ref, "
                    "action, actor) VALUES ('hotel', 'X', 'claim', 'me') "
                    "RETURNING id",
                    "UPDATE shukher.reports SET status = 'closed' WHERE "
                    "gateway = 'delta' RETURNING 1"):
            p = self.as_gateway("hotel", sql)
            self.assertTrue(p.returncode != 0 or p.stdout.strip() == "",
                            sql)
        self.assertEqual(self.count("SELECT count(*) FROM shukher.commands "
                                    "WHERE actor = 'me'"), 0)
        self.assertEqual(self.count(CLOSED_DELTA), closed)
        p = self.as_gateway("hotel", "SELECT shukher.push('[{\"seq\": 1, "
                            "\"k\": \"audit\", \"gateway\": \"delta\", "
                            "\"at\": 1, \"actor\": \"x\", \"via\": \"cli\", "
                            "\"action\": \"forged\"}]')")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.pg.psql("SELECT gateway FROM shukher.audit "
                                      "WHERE action = 'forged'"),
                         [["hotel"]])
        # The caseworkers read all, write no gateway rows.
        self.assertGreater(self.count("SELECT count(*) FROM shukher.audit "
                                      "WHERE gateway = 'delta'"), 0)
        p = self.pg.psql("SELECT count(*) FROM shukher.audit WHERE gateway "
                         "= 'delta'", user=CASEWORKER, check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertGreater(int(p.stdout.strip()), 0)
        p = self.pg.psql("INSERT INTO shukher.audit (gateway, seq, at, "
                         "actor, via, action) VALUES ('delta', 1000000, "
                         "now(), 'x', 'cli', 'open')", user=CASEWORKER,
                         check=False)
        self.assertNotEqual(p.returncode, 0)

    def test_tls_client_certificate_required(self):
        ok = self.as_gateway("hotel", "SELECT 1")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        # each refused by the server for the reason named, not by chance
        for kw, why in (({"cert": False}, "requires a valid client "
                         "certificate"),
                        ({"ca": "rogue"}, "unknown ca"),
                        ({"cert": False, "sslmode": "disable"},
                         "no encryption")):
            p = self.as_gateway("hotel", "SELECT 1", **kw)
            self.assertNotEqual(p.returncode, 0, kw)
            self.assertIn(why, p.stderr, kw)
        # Another gateway's certificate does not log in as this one.
        crt, key = self.pg.client_cert("shukher_gw_delta")
        p = self.pg.psql("SELECT 1", conninfo="%s sslmode=verify-full "
                         "sslrootcert=%s sslcert=%s sslkey=%s" % (
                             self.pg.tcp_conninfo("shukher_gw_hotel"),
                             self.pg.ca, crt, key), check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("certificate", p.stderr)


class CentralConfig(unittest.TestCase):
    """The central group as every program reads it: a wrong setting stops
    shukherd -n, shukher-uplink -n and `shukherctl config check` with the
    file, the line and the reason (exit 78); the uplink is off without
    conninfo (exit 1 from -n) and on with it (0). No server needed."""

    def setUp(self):
        self.tmp = TempDir()
        self.key = self.tmp.join("k.pem")
        with open(self.key, "w") as f:
            f.write("x\n")
        os.chmod(self.key, 0o600)

    def tearDown(self):
        self.tmp.cleanup()

    def conf(self, central):
        path = self.tmp.join("shukher.conf")
        make_config(path, self.tmp.join("shukher.db"),
                    dummy_modem(self.tmp.join("dummy")))
        with open(path, "a", encoding="utf-8") as f:
            f.write("\n" + central + "\n")
        with open(path, encoding="utf-8") as f:
            line = len(f.read().splitlines())
        return path, line

    def programs(self, path):
        return ([binary("shukherd"), "-n", "-c", path],
                [binary("shukher-uplink"), "-n", "-c", path],
                [binary("shukherctl"), "-c", path, "config", "check"])

    def test_wrong_settings_name_file_and_line(self):
        k = self.key
        cases = [
            ('central = { conninfo = "host=x"; gateway = "a"; port = 5; };',
             'central: unknown setting "port"'),
            ('central = { conninfo = 5; };', "central.conninfo: expected"),
            ('central = { conninfo = ""; };', "central.conninfo: expected"),
            ('central = { conninfo = "host=x"; gateway = "Darkhan 1"; };',
             "central.gateway: expected a lower-case name"),
            ('central = { conninfo = "host=x"; gateway = "%s"; };' %
             ("a" * 33), "central.gateway: expected a lower-case name"),
            ('central = { conninfo = "host=x"; sslcert = "%s"; };' % k,
             "sslcert and sslkey go together"),
            ('central = { conninfo = "host=x"; sslrootcert = "%s"; };' %
             self.tmp.join("missing.pem"), "central.sslrootcert: cannot "
             "read"),
            ('central = { conninfo = "host=x"; silent_after = 5; };',
             "central.silent_after"),
            ('central = { gateway = "a"; };', "central.conninfo: missing"),
            ('central = "host=x";', "central: expected a group"),
        ]
        for text, reason in cases:
            path, line = self.conf(text)
            for args in self.programs(path):
                p = subprocess.run(args, capture_output=True, text=True,
                                   timeout=30)
                self.assertEqual(p.returncode, 78, (text, args, p.stderr))
                self.assertIn("%s:%d" % (path, line), p.stderr,
                              (text, args))
                self.assertIn(reason, p.stderr, (text, args))

    def test_uplink_off_without_conninfo(self):
        path, _ = self.conf("")
        p = subprocess.run([binary("shukher-uplink"), "-n", "-c", path],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("the uplink is off", p.stderr)
        p = subprocess.run([binary("shukher-uplink"), "-c", path],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        path, _ = self.conf('central = { conninfo = "host=x"; gateway = '
                            '"a"; sslcert = "%s"; sslkey = "%s"; '
                            'sslrootcert = "%s"; silent_after = 60; };' %
                            (self.key, self.key, self.key))
        for args in self.programs(path):
            p = subprocess.run(args, capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(p.returncode, 0, (args, p.stderr))

    def test_uplink_stops_while_waiting_for_the_database(self):
        # The database cannot be opened yet (its directory is missing):
        # the uplink retries, and SIGTERM still stops it at once.
        path = self.tmp.join("shukher.conf")
        make_config(path, self.tmp.join("missing", "shukher.db"),
                    dummy_modem(self.tmp.join("dummy")))
        with open(path, "a", encoding="utf-8") as f:
            f.write('central = { conninfo = "host=x"; gateway = "a"; };\n')
        d = Daemon(path, program="shukher-uplink")
        d.wait_log(r"database: .*retrying in 1 s", timeout=10)
        d.wait_log(r"retrying in 2 s", timeout=10)
        self.assertEqual(d.stop(timeout=3), 0, d.log())


if __name__ == "__main__":
    unittest.main()
