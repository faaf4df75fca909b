"""Health with several modems, end to end: two simulated SIM800s, a
process each under shukherd. Each modem's credit is read by USSD from its
own SIM with its own code and kept per modem (status --json, the text
status, selftest, the console); the low one alerts the technician naming
that modem; a modem unplugged longer than alert_after is told through
the other modem at once (not after failover_after), and its return too.

One daemon for the class (its start is the expensive part); the tests run
in order on it.
"""
import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Daemon, TempDir, binary, ctl, wait_for  # noqa: E402
from test_modems import MODEMS, modems_config  # noqa: E402

TECH = "+97688000001"            # on unitel's prefixes: off mobicom's
NAMES = [m[0] for m in MODEMS[:2]]  # mobicom (the first), unitel
CODES = {"mobicom": "*100#", "unitel": "*200#"}
CREDIT = {"mobicom": 5000, "unitel": 300}


class HealthModems(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from sim.modemsim import ModemSim
        cls.tmp = TempDir()
        cls.db = cls.tmp.join("shukher.db")
        links = [cls.tmp.join("gsm-" + n) for n in NAMES]
        cls.sims = {}
        for (name, _, op), link in zip(MODEMS, links):
            sim = ModemSim(link=link)
            sim.operator_name = op
            sim.ussd_answer = "Your balance is %d MNT" % CREDIT[name]
            sim.start()
            cls.sims[name] = sim
        cls.conf = modems_config(cls.tmp.join("shukher.conf"), cls.db,
                                 links, failover_after=300)
        with open(cls.conf, encoding="utf-8") as f:
            text = f.read()
        for name in NAMES:
            text = text.replace(
                'name = "%s";' % name,
                'name = "%s"; balance = { ussd = "%s"; pattern = '
                '"balance is ([0-9]+)"; every = 3600; low = 1000; };'
                % (name, CODES[name]))
        text = re.sub(r'(?m)^language = .*;$', 'language = "en";', text)
        text += ('technicians = [ "%s" ];\nalert_after = 10;\n'
                 'alert_every = 21600;\n' % TECH)
        with open(cls.conf, "w", encoding="utf-8") as f:
            f.write(text)
        cls.daemon = Daemon(cls.conf)
        for name in NAMES:
            cls.daemon.wait_log(r"shukherd\[%s\].*modem: connected" % name,
                                timeout=60)

    @classmethod
    def tearDownClass(cls):
        try:
            rc = cls.daemon.stop(timeout=60)
            log = cls.daemon.log()
            assert rc == 0, "shukherd exit %d:\n%s" % (rc, log)
            assert not re.search(r"ended \((exit [1-9]|signal [^9])|"
                                 r"Sanitizer|runtime error", log), log
        finally:
            for sim in cls.sims.values():
                sim.stop()
            cls.tmp.cleanup()

    def alerts(self, name):
        """The texts the technician received through modem name."""
        return [s.text for s in self.sims[name].sent if s.number == TECH]

    def credits(self):
        st = ctl(self.db, "status")
        return st, {m["name"]: m["credit"] for m in st["modems"]}

    def test_1_credit_per_modem_and_the_low_one_alerts(self):
        wait_for(lambda: self.credits()[1] == CREDIT, 40,
                 "both credits; log:\n" + self.daemon.log())
        st, _ = self.credits()
        for name in NAMES:
            self.assertEqual(self.sims[name].ussd_requests, [CODES[name]])
            m = [x for x in st["modems"] if x["name"] == name][0]
            self.assertTrue(m["credit_at"].endswith("Z"), m)
        # the top level is the first modem's, as before
        self.assertEqual(st["credit"], CREDIT["mobicom"])
        # the low one alerts, naming it, through itself (it works)
        wait_for(lambda: self.alerts("unitel"), 30, "the low alert")
        self.assertEqual(self.alerts("unitel"), [
            "shukher unitel: SIM credit is low: 300. Top up the SIM now, "
            "or replies will stop."])
        self.assertEqual(self.alerts("mobicom"), [])
        names = [c["name"] for c in ctl(self.db, "status")
                 ["open_conditions"]]
        self.assertEqual(names, ["credit_low:unitel"])
        # the text status and the self-test, each modem's own
        p = subprocess.run([binary("shukherctl"), "-c", self.conf,
                            "status"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        line = re.search(r"credit +modem mobicom: 5000 at .*", p.stdout)
        self.assertIsNotNone(line, p.stdout)
        self.assertNotIn("LOW", line.group(0))
        self.assertRegex(p.stdout, r"credit +modem unitel: 300 at .*: LOW")
        self.assertRegex(p.stdout, r"modem +unitel: connected.*, credit "
                         r"300")
        p = subprocess.run([binary("shukherctl"), "-c", self.conf,
                            "--json", "selftest"], capture_output=True,
                           text=True, timeout=60)
        lines = [x for x in json.loads(p.stdout) if x["check"] == "credit"]
        self.assertEqual([(x["result"], x["detail"].split(" ")[0])
                          for x in lines], [("PASS", "5000"),
                                            ("WARN", "300,")], lines)

    def test_2_unplugged_modem_told_through_the_other(self):
        wait_for(lambda: self.alerts("unitel"), 40, "test 1's alert")
        t0 = time.monotonic()
        self.sims["unitel"].vanish()
        wait_for(lambda: self.alerts("mobicom"), 40,
                 "the lost alert through mobicom; log:\n" +
                 self.daemon.log())
        # alert_after (10 s), not failover_after (300 s)
        self.assertLess(time.monotonic() - t0, 40)
        self.assertEqual(len(self.alerts("mobicom")), 1)
        self.assertRegex(self.alerts("mobicom")[0],
                         r"^shukher unitel: the modem was lost for 1 min\.")
        names = sorted(c["name"] for c in ctl(self.db, "status")
                       ["open_conditions"])
        self.assertEqual(names, ["credit_low:unitel", "modem_lost:unitel"])
        self.sims["unitel"].reappear()
        wait_for(lambda: [t for n in NAMES for t in self.alerts(n)
                          if "modem is back" in t], 60,
                 "the return; log:\n" + self.daemon.log())
        back = [t for n in NAMES for t in self.alerts(n)
                if "modem is back" in t]
        self.assertEqual(len(back), 1)
        self.assertTrue(back[0].startswith("shukher unitel: the modem is "
                                           "back"), back)
        wait_for(lambda: [c["name"] for c in ctl(self.db, "status")
                          ["open_conditions"]] == ["credit_low:unitel"],
                 20, "modem_lost:unitel closed")


if __name__ == "__main__":
    unittest.main()
