"""The gateway's own health, end to end: the SIM's credit read by USSD
through libgammu from the simulated SIM800 (GSM-7 and UCS-2 answers, an
error, no answer at all), the technicians' alerts (low credit, a modem
unplugged, the rate limit, quiet hours) and the daily summary, as the
simulated phones receive them and shukherctl status shows them."""
import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Daemon, SimGateway, binary, ctl, wait_for  # noqa: E402
from test_web import NAME, PASSWORD, Client, ctlrun, free_port  # noqa: E402

TECH = "+97688000001"
TECH2 = "+97688000002"
SENDER = "+97699112233"


class HealthGateway(SimGateway):
    """A SimGateway whose config gains a balance group and the health
    settings of the class (or of the test, through configure())."""

    balance = {"ussd": "*211#", "pattern": "balance is ([0-9,.]+)",
               "every": 3600, "low": 1000}
    health = {"technicians": [TECH, TECH2], "alert_after": 600,
              "alert_every": 21600}

    def configure(self, balance=None, **health):
        b = dict(self.balance, **(balance or {}))
        h = dict(self.health, **health)
        with open(self.conf, encoding="utf-8") as f:
            text = f.read()
        group = "" if b.get("ussd") is None else \
            "balance = { %s };" % " ".join(
            '%s = %s;' % (k, '"%s"' % v.replace("\\", "\\\\")
                          if isinstance(v, str) else v)
            for k, v in b.items() if v is not None)
        text, n = re.subn(r'(?m)^(modem = \{.*?)\};[ \t]*$',
                          lambda m: m.group(1) + group + " };", text)
        self.assertEqual(n, 1)
        text = re.sub(r'(?m)^language = .*;$', 'language = "en";', text)
        for k, v in h.items():
            if isinstance(v, list):
                v = "[ %s ]" % ", ".join('"%s"' % x for x in v)
            elif isinstance(v, str):
                v = '"%s"' % v
            text += "%s = %s;\n" % (k, v)
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(text)

    def status(self):
        return ctl(self.db, "status")

    def selftest_line(self, check):
        """The self-test's line for check, as JSON."""
        p = subprocess.run([binary("shukherctl"), "-c", self.conf,
                            "--json", "selftest"], capture_output=True,
                           text=True, timeout=60)
        lines = [x for x in json.loads(p.stdout) if x["check"] == check]
        self.assertEqual(len(lines), 1, p.stdout)
        return lines[0]

    def console_page(self, path="/status"):
        """The console's page at path, signed in, on this gateway's
        database."""
        port = free_port()
        with open(self.conf, "a", encoding="utf-8") as f:
            f.write('web = { enabled = true; listen = "127.0.0.1"; '
                    'port = %d; language = "en"; };\n' % port)
        p = ctlrun(self.db, "users", "add", NAME, stdin=PASSWORD + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        web = Daemon(self.conf, program="shukher-web")
        try:
            web.wait_log(r"listening on", timeout=30)
            c = Client(port, None, None, 30)
            self.assertEqual(c.sign_in().status, 303)
            return c.request("GET", path).body
        finally:
            self.assertEqual(web.stop(), 0)

    def alerts(self, number=TECH):
        return [s.text for s in self.sent_to(number)]


class Credit(HealthGateway):
    """The credit, read by USSD in both encodings, kept and shown."""

    def check_credit(self, answer, dcs, pattern, amount):
        self.sim.ussd_answer = answer
        self.sim.ussd_dcs = dcs
        self.configure(balance={"pattern": pattern})
        d = self.start_daemon()
        d.wait_log(r"credit: %d\b" % amount, timeout=30)
        st = wait_for(lambda: (lambda s: s if s.get("credit") is not None
                               else None)(self.status()), 10, "credit")
        self.assertEqual(st["credit"], amount)
        self.assertTrue(st["credit_at"].endswith("Z"), st["credit_at"])
        self.assertEqual(self.sim.ussd_requests, ["*211#"])
        # the log names the amount, never the answer's other digits
        self.assertNotIn("2027", d.log())
        return st

    def test_gsm7_answer(self):
        st = self.check_credit(
            "Your balance is 1,234.50 MNT. Valid till 2027-01-01", 15,
            "balance is ([0-9,.]+)", 1234)
        self.assertEqual(st["open_conditions"], [])
        line = self.selftest_line("credit")
        self.assertEqual(line["result"], "PASS", line)
        self.assertTrue(line["detail"].startswith("1234 "), line)
        page = self.console_page()
        self.assertRegex(page, r"SIM credit</th><td>1234 ")

    def test_ucs2_answer(self):
        # Cyrillic: the network answers in UCS-2 (DCS 72)
        self.check_credit("Таны үлдэгдэл 850₮. Хүчинтэй 2027.01.01", 72,
                          "үлдэгдэл ([0-9]+)", 850)
        # below balance.low: WARN, with the answer to check the pattern by
        line = self.selftest_line("credit")
        self.assertEqual(line["result"], "WARN", line)
        self.assertIn("850, below 1000", line["detail"])
        self.assertIn("Таны үлдэгдэл 850₮", line["detail"])
        st = wait_for(lambda: self.status()["open_conditions"], 15,
                      "the open condition")
        self.assertEqual(st[0]["name"], "credit_low")
        self.assertEqual(st[0]["detail"], "850")
        page = self.console_page()
        self.assertIn("credit_low: 850", page)

    def test_answer_during_the_first_send(self):
        # A send right after the request: libgammu reads the SMSC before
        # a handle's first send, in another character set, which would
        # garble a GSM-7 answer that comes in after it.
        self.configure()
        ctl(self.db, "init", check=False)
        ctl(self.db, "send", SENDER, "queued before the start")
        self.sim.ussd_answer = "Your balance is 777 MNT"
        d = self.start_daemon()
        d.wait_log(r"credit: 777 \(low\)", timeout=30)
        wait_for(lambda: self.sent_to(SENDER), 30, "the queued message")



class CreditFailures(HealthGateway):
    """A USSD the modem refuses, the network refuses or never answers:
    logged without the text, kept as the error, asked again, and never in
    the way of a reply."""

    def test_default_pattern_and_error_then_answer(self):
        # a modem that refuses the request: logged, kept, retried
        self.sim.ussd_mode = "error"
        self.configure(balance={"pattern": None, "every": 10})
        d = self.start_daemon()
        d.wait_log(r"credit: USSD request.*asking again in 10 s", timeout=30)
        st = self.status()
        self.assertIsNone(st["credit"])
        self.assertIn("USSD", st["credit_error"])
        line = self.selftest_line("credit")
        self.assertEqual(line["result"], "WARN", line)
        self.assertIn("unknown: USSD request", line["detail"])
        self.sim.ussd_mode = "answer"
        self.sim.ussd_answer = "Balance: 4321 MNT, bonus 99"
        d.wait_log(r"credit: 4321\b", timeout=40)
        self.assertEqual(self.status()["credit"], 4321)

    def test_network_refuses_or_answers_without_text(self):
        # +CUSD: 4 (not supported), then +CUSD: 2 (no text): each logged
        # without a text, kept as the error, and asked again
        self.sim.ussd_mode = "refused"
        self.configure(balance={"every": 10})
        d = self.start_daemon()
        d.wait_log(r"credit: USSD: the network does not support",
                   timeout=30)
        self.sim.ussd_mode = "code"
        d.wait_log(r"credit: USSD: the network answered without text",
                   timeout=30)
        self.assertIn("without text", self.status()["credit_error"])
        self.assertIsNone(self.status()["credit"])
        self.assertEqual(self.sim.ussd_requests, ["*211#", "*211#"])

    def test_silent_network_does_not_delay_a_reply(self):
        self.sim.ussd_mode = "silent"
        self.sim.ussd_delay = 0
        self.configure()
        d = self.start_daemon()
        wait_for(lambda: self.sim.ussd_requests, 20, "the USSD request")
        self.sim.inject(SENDER, "HELP")
        wait_for(lambda: self.sent_to(SENDER), 30, "the reply")
        # the reply went out while the request still waited for an answer
        self.assertNotIn("no USSD answer", d.log())
        d.wait_log(r"credit: no USSD answer within 10 s", timeout=30)
        self.assertIsNone(self.status()["credit"])


class Alerts(HealthGateway):
    """The roster told of low credit, once, and when it clears; reminders
    no more often than alert_every; nothing in quiet hours but what is
    urgent; a modem unplugged told after it returns."""

    def test_low_credit_alerts_once_and_clears(self):
        self.sim.ussd_answer = "Your balance is 850 MNT"
        self.configure(balance={"every": 10})
        d = self.start_daemon()
        wait_for(lambda: len(self.alerts(TECH)) == 1 and
                 len(self.alerts(TECH2)) == 1, 40, "the low-credit alert")
        self.assertIn("SIM credit is low: 850", self.alerts(TECH)[0])
        self.assertIn("Top up", self.alerts(TECH)[0])
        st = self.status()
        self.assertEqual([c["name"] for c in st["open_conditions"]],
                         ["credit_low"])
        # the next check finds it still low: no second alert
        n = len(self.sim.ussd_requests)
        wait_for(lambda: len(self.sim.ussd_requests) > n, 30, "a recheck")
        d.wait_log(r"credit: 850 \(low\)", start=0)
        self.sim.ussd_answer = "Your balance is 25,000 MNT"
        wait_for(lambda: len(self.alerts(TECH)) == 2 and
                 len(self.alerts(TECH2)) == 2, 40, "the clear")
        self.assertIn("fine again: 25000", self.alerts(TECH)[1])
        self.assertEqual(self.alerts(TECH), self.alerts(TECH2))
        self.assertEqual(self.status()["open_conditions"], [])

    def test_reminder_not_before_alert_every(self):
        self.sim.ussd_answer = "Your balance is 10 MNT"
        self.configure(alert_every=12, technicians=[TECH])
        self.start_daemon()
        wait_for(lambda: len(self.alerts()) >= 1, 40, "the alert")
        t0 = time.monotonic()
        wait_for(lambda: len(self.alerts()) >= 2, 40, "the reminder")
        # a lower bound only: a slow machine makes the gap longer
        self.assertGreaterEqual(time.monotonic() - t0, 12 - 1.5)
        self.assertIn("(still)", self.alerts()[1])



class Lost(HealthGateway):
    """A modem unplugged longer than alert_after, in quiet hours: the
    urgent alert goes out (after reconnection: one modem) and its clear;
    the low credit, not urgent, waits for the morning."""

    def test_modem_unplugged_in_quiet_hours(self):
        now = time.localtime()
        self.sim.ussd_answer = "Your balance is 850 MNT"
        self.configure(alert_after=10, technicians=[TECH],
                       quiet_hours="%02d:00-%02d:00" % (
                           (now.tm_hour - 1) % 24, (now.tm_hour + 2) % 24))
        d = self.start_daemon()
        d.wait_log(r"health: credit_low started", timeout=40)
        # the alert would have been queued in the same step
        self.assertEqual([o for o in ctl(self.db, "outbox")
                          if o.get("number") == TECH], [])
        self.sim.vanish()
        d.wait_log(r"health: modem_lost alert \(started\)", timeout=40)
        self.assertEqual(sorted(c["name"] for c in
                                self.status()["open_conditions"]),
                         ["credit_low", "modem_lost"])
        self.sim.reappear()
        wait_for(lambda: len(self.alerts()) == 2, 60, "both alerts")
        self.assertIn("modem was lost for", self.alerts()[0])
        self.assertIn("modem is back", self.alerts()[1])
        self.assertEqual([c["name"] for c in
                          self.status()["open_conditions"]], ["credit_low"])
        self.assertFalse([t for t in self.alerts() if "credit" in t])


class Summary(HealthGateway):
    """The daily summary at a near time, once, also across a restart."""

    def test_summary_once(self):
        now = time.localtime()
        self.sim.ussd_answer = "Your balance is 5000 MNT"
        self.configure(daily_summary="%02d:%02d" % (now.tm_hour, now.tm_min),
                       technicians=[TECH])
        d = self.start_daemon()
        self.sim.inject(SENDER, "HELP")
        wait_for(lambda: self.alerts(), 40, "the summary")
        text = self.alerts()[0]
        self.assertTrue(text.startswith("shukher, last 24 h:"), text)
        self.assertIn("signal", text)
        self.assertEqual(self.daemon.stop(), 0)
        n = sum("daily summary queued" in l for l in d.lines)
        self.assertEqual(n, 1)
        # started again in the same minute: the day's summary went already
        d = self.start_daemon()
        d.wait_log(r"credit: 5000", timeout=30)
        d.wait_log(r"health: credit_low|daily summary|modem: connected",
                   timeout=10)
        self.assertEqual(self.status()["open_conditions"], [])
        self.assertNotIn("daily summary queued", d.log())
        self.assertEqual(len(self.alerts()), 1)


if __name__ == "__main__":
    unittest.main()
