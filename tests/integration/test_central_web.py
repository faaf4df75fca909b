"""The central console: the real shukher-web with web.source = "central",
reading the test's own PostgreSQL 15 (pgserver.py) that two gateways on
simulated modems fill through their real uplinks (test_central.py's set-up),
and a third gateway registered that never calls: silent.

What a caseworker of the central team would check: both gateways' reports
on one queue with their gateway, opened with the key kept in the console's
vault; the queue filtered to one gateway; the fleet page with the silent
gateway marked; statistics per gateway and in total; a reply written in
the console leaving the right gateway's modem once, its text never in
PostgreSQL in the clear; no command at all from a session whose key is
locked, since a gateway applies only what the caseworkers' key boxed.
"""
import json
import os
import re
import subprocess
import unittest

from harness import (BUILD, ROOT, Daemon, binary, dummy_modem, make_config,
                     wait_for)
import test_browser as tb
import test_central as tc
from test_web import Client, free_port

PASSWORD = "correct horse battery"
PASSPHRASE = "caseworkers only, 2026"
REPLY = "we will call you today from the hotline"


@unittest.skipIf(tc.SKIP, tc.SKIP or "")
class CentralConsole(tc.CentralBase):
    """Two gateways with reports and keyword traffic, a silent third, and
    the console on the central team's machine."""

    GATEWAYS = ("alpha", "bravo")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gws, cls.web = {}, None
        try:
            cls.pub, cls.sec = cls.tmp.join("cw.pub"), cls.tmp.join("cw.key")
            tc.run([binary("shukherctl"), "-d", cls.tmp.join("k.db"),
                    "keygen", cls.pub, cls.sec])
            tc.run([binary("shukherctl"), "-c", cls.admin, "central",
                    "add-gateway", "charlie"])
            for name in cls.GATEWAYS:
                cls.gws[name] = tc.Gateway(cls.pg, cls.tmp, name, cls.pub,
                                           modem=True)
                cls.gws[name].start_daemon()
            for gw in cls.gws.values():
                gw.start_uplink()
            for name, gw in cls.gws.items():
                gw.sim.inject(tc.REPORTERS[name], "REPORT " + tc.TEXTS[name])
            cls.gws["bravo"].sim.inject(tc.KEYWORD_SENDER, "HELP")
            for name, gw in cls.gws.items():
                wait_for(lambda: gw.sent_to(tc.REPORTERS[name]), 60,
                         "the ack")
            for gw in cls.gws.values():
                wait_for(lambda: gw.local(
                    "SELECT count(*) FROM uplink_queue")[0][0] == 0, 30,
                    "%s's queue sent" % gw.name)
            cls.start_console()
        except BaseException:
            cls.stop_all()
            super().tearDownClass()
            raise

    @classmethod
    def start_console(cls):
        """The console's machine: its own database (accounts, the vault),
        the central group as the caseworker's role."""
        cls.db = cls.tmp.join("console.db")
        cls.conf = make_config(cls.tmp.join("console.conf"), cls.db,
                               dummy_modem(cls.tmp.join("console-dummy")))
        cls.port = free_port()
        with open(cls.conf, "a", encoding="utf-8") as f:
            f.write('reports = { public_key = "%s"; };\n' % cls.pub)
            f.write('central = { conninfo = "%s"; silent_after = 600; };\n'
                    % cls.pg.socket_conninfo(tc.CASEWORKER))
            f.write('web = { enabled = true; listen = "127.0.0.1"; '
                    'port = %d; language = "en"; source = "central"; };\n'
                    % cls.port)
        ctl = [binary("shukherctl"), "-c", cls.conf]
        tc.run(ctl + ["init"])
        p = subprocess.run(ctl + ["users", "add", tc.CASEWORKER],
                              input=PASSWORD + "\n", capture_output=True,
                              text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        p = subprocess.run(ctl + ["key", "store", cls.sec],
                              input=PASSPHRASE + "\n", capture_output=True,
                              text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        cls.web = Daemon(cls.conf, program="shukher-web")
        cls.web.wait_log(r"listening on", timeout=30)

    @classmethod
    def stop_all(cls):
        try:
            if cls.web is not None and cls.web.proc.poll() is None:
                rc = cls.web.stop(timeout=30)
                assert rc == 0, "shukher-web exit %d:\n%s" % (rc,
                                                             cls.web.log())
        finally:
            for gw in cls.gws.values():
                gw.stop()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.stop_all()
        finally:
            super().tearDownClass()

    def client(self):
        """Signed in, the reports unlocked with the vault's key."""
        c = Client(self.port)
        self.assertEqual(c.sign_in(name=tc.CASEWORKER,
                                   password=PASSWORD).status, 303)
        r = c.request("POST", "/unlock", {"csrf": c.csrf("/unlock"),
                                          "passphrase": PASSPHRASE})
        self.assertEqual(r.status, 303, r.body)
        return c

    def ref(self, name):
        return self.gws[name].local("SELECT ref FROM reports")[0][0]

    def link(self, body, name):
        """The queue's link to gateway name's report."""
        m = re.search(r'href="(/report/\d+\?gw=%s)"' % name, body)
        self.assertIsNotNone(m, body)
        return m.group(1)

    def test_1_queue_shows_both_gateways_opened(self):
        c = self.client()
        body = c.request("GET", "/queue").body
        for name in self.gws:
            self.assertIn(self.ref(name), body)
            self.assertIn('<span class="gateway">%s</span>' % name, body)
            self.assertIn(tc.TEXTS[name], body)   # opened with the key
            self.link(body, name)
        self.assertIn('<option value="charlie"', body)
        self.assertIn('id="count-open" href="/queue?status=open"', body)
        self.assertIn("Open: <b>2</b>", body)
        self.assertIn('<b id="count-unclaimed">2</b>', body)
        self.assertIn("Closed: <b>0</b>", body)
        # One gateway's queue: only its report.
        body = c.request("GET", "/queue?gw=alpha").body
        self.assertIn(self.ref("alpha"), body)
        self.assertNotIn(self.ref("bravo"), body)
        self.assertIn("Open: <b>1</b>", body)
        # A name that is not one is no filter (and is never echoed).
        body = c.request("GET", "/queue?gw=%3Cscript%3E").body
        self.assertIn(self.ref("bravo"), body)
        self.assertNotIn("<script>", body)
        # Locked: references and gateways, never the text.
        locked = Client(self.port)
        locked.sign_in(name=tc.CASEWORKER, password=PASSWORD)
        body = locked.request("GET", "/queue").body
        self.assertIn(self.ref("alpha"), body)
        for name in self.gws:
            self.assertNotIn(tc.TEXTS[name], body)

    def test_2_fleet_marks_the_silent_gateway(self):
        c = self.client()
        self.assertEqual(c.request("GET", "/status").getheader("Location"),
                         "/fleet")
        body = c.request("GET", "/fleet").body
        rows = {n: cls for cls, n in re.findall(
            r'<tr class="(silent|)" id="gw-(\w+)"', body)}
        self.assertEqual(rows, {"alpha": "", "bravo": "", "charlie":
                                "silent"})
        self.assertEqual(body.count("Silent: visit this device</span>"), 1)
        self.assertIn('<b id="silent-count">1</b>', body)
        self.assertIn("Connected", body)
        self.assertIn(" dBm", body)

    def test_3_statistics_per_gateway_and_in_total(self):
        c = self.client()
        body = c.request("GET", "/stats").body
        totals = dict(re.findall(
            r'<a href="/stats\?gw=(\w+)">\w+</a></td>'
            r'<td class="gw-total">(\d+)</td>', body))
        central = {n: int(self.pg.scalar(
            "SELECT coalesce(sum(count), 0) FROM shukher.stats WHERE "
            "gateway = '%s'" % n)) for n in ("alpha", "bravo", "charlie")}
        self.assertEqual({k: int(v) for k, v in totals.items()}, central)
        self.assertGreater(central["bravo"], central["alpha"])
        self.assertEqual(central["charlie"], 0)
        alpha = c.request("GET", "/stats?gw=alpha").body
        self.assertIn("<svg", alpha)

    def test_4_reply_leaves_the_right_gateway_once(self):
        alpha, bravo = self.gws["alpha"], self.gws["bravo"]
        reporter = tc.REPORTERS["alpha"]
        before = len(alpha.sent_to(reporter))
        others = len(bravo.sent_to(tc.REPORTERS["bravo"]))
        c = self.client()
        path = self.link(c.request("GET", "/queue").body, "alpha")
        page = c.request("GET", path).body
        self.assertIn(tc.TEXTS["alpha"], page)
        self.assertIn(reporter, page)            # opened: the number
        action = path.replace("?", "/reply?")
        r = c.request("POST", action, {"csrf": c.csrf(path),
                                       "text": REPLY})
        self.assertEqual(r.status, 303, r.body)
        self.assertIn("done=reply", r.getheader("Location"))
        rows = self.pg.psql("SELECT gateway, report_ref, action, actor "
                            "FROM shukher.commands")
        self.assertEqual(rows, [["alpha", self.ref("alpha"), "reply",
                                 tc.CASEWORKER]])
        wait_for(lambda: self.pg.psql(
            "SELECT 1 FROM shukher.commands WHERE acked_at IS NOT NULL"),
            30, "the command acked")
        sent = wait_for(lambda: alpha.sent_to(reporter)[before:], 60,
                        "the reply")
        self.assertEqual([s.text for s in sent], [REPLY])
        self.assertEqual(len(bravo.sent_to(tc.REPORTERS["bravo"])), others)
        # Neither the reply nor the number in the clear centrally.
        self.assertEqual(self.pg.scalar(
            "SELECT count(*) FROM shukher.commands WHERE position("
            "convert_to('%s', 'UTF8') IN body) > 0 OR position("
            "convert_to('%s', 'UTF8') IN body) > 0" % (REPLY, reporter)),
            "0")
        audit = [a for a in json.loads(tc.run(
            [binary("shukherctl"), "-c", self.conf, "--json",
             "audit"]).stdout) if a["action"] == "central-command"]
        self.assertEqual(len(audit), 1, audit)
        # Once the gateway has sent it back, the console shows it.
        wait_for(lambda: REPLY in c.request("GET", path).body, 30,
                 "the reply on the timeline")
        self.assertEqual(len(alpha.sent_to(reporter)[before:]), 1)

    def test_5_claim_note_close_become_commands_for_the_gateway(self):
        bravo = self.gws["bravo"]
        ref = self.ref("bravo")
        # Signed in but not unlocked: no command at all, since the
        # gateway applies only what the caseworkers' key boxed.
        locked = Client(self.port)
        self.assertEqual(locked.sign_in(name=tc.CASEWORKER,
                                        password=PASSWORD).status, 303)
        path = self.link(locked.request("GET", "/queue?gw=bravo").body,
                         "bravo")
        for what, form in (("claim", {}), ("note", {"text": "called"}),
                           ("close", {"outcome": "referred",
                                      "confirm": "1"})):
            form["csrf"] = locked.csrf(path)
            r = locked.request("POST", path.replace("?", "/%s?" % what),
                               form)
            self.assertEqual(r.status, 403, (what, r.body))
        self.assertEqual(self.count(
            "SELECT count(*) FROM shukher.commands WHERE gateway = "
            "'bravo'"), 0)
        c = self.client()
        for what, form in (("claim", {}), ("note", {"text": "called"}),
                           ("close", {"outcome": "referred",
                                      "confirm": "1"})):
            form["csrf"] = c.csrf(path)
            r = c.request("POST", path.replace("?", "/%s?" % what), form)
            self.assertEqual(r.status, 303, r.body)
        self.assertEqual(self.pg.psql(
            "SELECT action, actor FROM shukher.commands WHERE gateway = "
            "'bravo' AND report_ref = '%s' ORDER BY id" % ref),
            [["claim", tc.CASEWORKER], ["note", tc.CASEWORKER],
             ["close", tc.CASEWORKER]])
        wait_for(lambda: bravo.local("SELECT status, claimed_by FROM "
                                     "reports") ==
                 [("closed", tc.CASEWORKER)], 30, "bravo applies them")
        wait_for(lambda: self.pg.psql(
            "SELECT action, result FROM shukher.commands WHERE gateway = "
            "'bravo' ORDER BY id") ==
            [["claim", "ok"], ["note", "ok"], ["close", "ok"]], 30,
            "bravo's acknowledgements")
        self.assertEqual(bravo.local(
            "SELECT kind, actor FROM report_entries WHERE kind IN "
            "('claim', 'note', 'close') ORDER BY id"),
            [("claim", tc.CASEWORKER), ("note", tc.CASEWORKER),
             ("close", tc.CASEWORKER)])
        self.assertEqual(self.pg.scalar(
            "SELECT count(*) FROM shukher.commands WHERE position("
            "convert_to('referred', 'UTF8') IN body) > 0"), "0")
        # Back centrally: the console shows it closed, and refuses more.
        wait_for(lambda: self.pg.scalar(
            "SELECT status FROM shukher.reports WHERE gateway = 'bravo'")
            == "closed", 30, "bravo's report closed centrally")
        page = c.request("GET", path).body
        self.assertIn("Closed", page)
        self.assertIn("called", page)             # the note, opened
        r = c.request("POST", path.replace("?", "/note?"),
                      {"csrf": c.csrf(path), "text": "too late"})
        self.assertEqual(r.status, 409)
        self.assertEqual(self.count(
            "SELECT count(*) FROM shukher.commands WHERE gateway = "
            "'bravo'"), 3)
        # Centrally a report is a gateway's: the number alone, or with a
        # gateway that has no such report, is not found.
        self.assertEqual(c.request("GET", path.split("?")[0]).status, 404)
        self.assertEqual(c.request("GET", path.replace(
            "gw=bravo", "gw=charlie")).status, 404)

    def test_6_in_chromium(self):
        """The same path in Debian's Chromium: sign in, unlock, both
        gateways on the queue, the fleet with the silent one marked, a
        reply to alpha's reporter that leaves alpha's modem once.
        Screenshots: $BUILD/central-queue.png, central-fleet.png."""
        if not tb.HAVE_SELENIUM or not os.path.exists(tb.CHROMEDRIVER):
            self.skipTest("needs python3-selenium and chromium-driver")
        from selenium.webdriver.common.by import By
        shots = os.path.join(ROOT, BUILD)
        b = tb.Browser("start_browser")
        b.port, b.shots = self.port, shots
        b.start_browser()
        try:
            self.chromium_steps(b, By)
        except BaseException:
            b.driver.save_screenshot(os.path.join(shots,
                                                  "central-failure.png"))
            raise
        finally:
            b.doCleanups()

    def chromium_steps(self, b, By):
        alpha = self.gws["alpha"]
        reporter = tc.REPORTERS["alpha"]
        before = len(alpha.sent_to(reporter))
        text = "the hotline will call you at noon"
        b.url = lambda path: "http://127.0.0.1:%d%s" % (self.port, path)
        d = b.driver
        d.get(b.url("/queue"))
        b.fill("#name", tc.CASEWORKER)
        b.fill("#password", PASSWORD)
        b.one("#signin").click()
        b.wait_url(lambda u: "/queue" in u, "/queue after sign-in")
        d.get(b.url("/unlock"))
        b.fill("#passphrase", PASSPHRASE)
        b.one("#unlock").click()
        b.wait_url(lambda u: "/queue" in u, "/queue after unlock")
        d.get(b.url("/queue?status=any"))   # bravo's is closed by now
        cells = [e.text for e in b.find("table.queue td span.gateway")]
        self.assertEqual(sorted(cells), ["alpha", "bravo"])
        self.assertIn(tc.TEXTS["alpha"], d.page_source)
        b.shot("central-queue.png")
        b.one('a[href="/fleet"]').click()
        b.wait_url(lambda u: "/fleet" in u, "/fleet")
        silent = [tr.get_attribute("id") for tr in b.find("tr.silent")]
        self.assertEqual(silent, ["gw-charlie"])
        b.shot("central-fleet.png")
        d.get(b.url("/queue?gw=alpha"))
        b.one("table.queue tbody tr a").click()
        b.wait_url(lambda u: "/report/" in u and "gw=alpha" in u,
                   "alpha's report")
        b.fill("#reply", text)
        b.one("#send-reply").click()
        b.wait_url(lambda u: "done=reply" in u, "the reply queued")
        self.assertEqual(len(b.find("#queued")), 1)
        sent = wait_for(lambda: alpha.sent_to(reporter)[before:], 60,
                        "the reply from Chromium")
        self.assertEqual([s.text for s in sent], [text])
        self.assertEqual(b.dialogs, 0)


class CentralConsoleConfig(unittest.TestCase):
    """web.source: "central" needs central.conninfo; anything else than
    local or central is refused with its name (exit 78)."""

    def test_source_checked(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            conf = make_config(d + "/c.conf", d + "/c.db",
                               dummy_modem(d + "/dummy"))
            with open(conf, encoding="utf-8") as f:
                base = f.read()
            for extra, rc, said in (
                    ('web = { enabled = true; source = "central"; };',
                     78, 'web.source: "central" needs central.conninfo'),
                    ('web = { enabled = true; source = "cloud"; };',
                     78, "source"),
                    ('web = { enabled = true; source = "local"; };',
                     0, None)):
                with open(conf, "w", encoding="utf-8") as f:
                    f.write(base + extra + "\n")
                p = subprocess.run([binary("shukher-web"), "-n", "-c", conf],
                                   capture_output=True, text=True,
                                   timeout=30)
                self.assertEqual(p.returncode, rc, p.stderr)
                if said:
                    self.assertIn(said, p.stderr)
                # the daemon and config check judge the file alike, and
                # name its line
                for prog in (["shukherd", "-n", "-c", conf],
                             ["shukherctl", "-c", conf, "config", "check"]):
                    q = subprocess.run([binary(prog[0])] + prog[1:],
                                       capture_output=True, text=True,
                                       timeout=30)
                    self.assertEqual(q.returncode, rc, prog + [q.stderr])
                    if said:
                        self.assertRegex(q.stderr, r"c\.conf:\d+: .*" +
                                         re.escape(said))


if __name__ == "__main__":
    unittest.main()
