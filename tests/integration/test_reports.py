"""Reports end to end: the real shukherd on the simulated modem, the real
shukherctl with a real key pair. What a caseworker and a reporter would
check: the acknowledgement with its reference, the urgent alert on the
caseworker's phone, a reply from the gateway's number that joins the
report, and that neither the database nor its WAL holds the report's text
or the reporter's number in the clear.
"""
import os
import subprocess
import time
import unittest

from harness import Daemon, TempDir, binary, make_config
from sim.modemsim import ModemSim

REPORTER = "+97699113344"
CASEWORKER = "+97699000001"
TEXT = "danger a man keeps our passports in Erlian hotel"


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out after %s s waiting for %s" %
                         (timeout, what))


def ctlrun(db, *args, env=None):
    return subprocess.run([binary("shukherctl"), "-d", db] + list(args),
                          capture_output=True, text=True, timeout=60,
                          env=env)


class Reports(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.db = self.tmp.join("shukher.db")
        self.pub = self.tmp.join("cw.pub")
        self.sec = self.tmp.join("cw.key")
        p = ctlrun(self.db, "keygen", self.pub, self.sec)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.sim = ModemSim(link=self.tmp.join("gsm-modem"))
        self.sim.start()
        self.conf = make_config(
            self.tmp.join("shukher.conf"), self.db,
            {"device": self.tmp.join("gsm-modem"), "connection": "at",
             "model": "", "timeout": 10, "poll_interval": 5,
             "notifications": True})
        with open(self.conf, "a", encoding="utf-8") as f:
            f.write('reports = { public_key = "%s"; caseworkers = ( '
                    '{ name = "oyuna"; number = "%s"; } ); '
                    'fallback = [ "oyuna" ]; };\n' % (self.pub, CASEWORKER))
        self.daemon = Daemon(self.conf)
        self.daemon.wait_log(r"modem: connected", timeout=60)

    def tearDown(self):
        try:
            if self.daemon.proc.poll() is None:
                self.assertEqual(self.daemon.stop(timeout=60), 0,
                                 self.daemon.log())
        finally:
            self.sim.stop()
            self.tmp.cleanup()

    def sent_to(self, number):
        return [s for s in self.sim.sent if s.number == number]

    def raw(self):
        data = b""
        for suffix in ("", "-wal"):
            if os.path.exists(self.db + suffix):
                with open(self.db + suffix, "rb") as f:
                    data += f.read()
        return data

    def test_urgent_report_cycle_sealed(self):
        self.sim.inject(REPORTER, "REPORT " + TEXT)
        ack = wait_for(lambda: self.sent_to(REPORTER), 30, "the ack")[0]
        self.assertIn("#", ack.text)
        ref = ack.text.rsplit("#", 1)[1].strip()
        alert = wait_for(lambda: self.sent_to(CASEWORKER), 30, "the alert")
        self.assertIn("#" + ref, alert[0].text)
        self.assertIn("passports", alert[0].text)

        # Without the key: a clear error, never the text.
        env = dict(os.environ)
        env.pop("SHUKHER_KEY", None)
        p = ctlrun(self.db, "reports", "show", ref, env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--key", p.stderr)
        self.assertNotIn("passports", p.stdout)
        p = ctlrun(self.db, "reports", "show", "--key", self.pub, ref)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("public key", p.stderr)

        p = ctlrun(self.db, "--json", "reports", "show", "--key", self.sec,
                   ref)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(TEXT, p.stdout)
        self.assertIn(REPORTER, p.stdout)

        p = ctlrun(self.db, "reports", "reply", "--key", self.sec, ref,
                   "We", "can", "help.", "Call", "1800")
        self.assertEqual(p.returncode, 0, p.stderr)
        wait_for(lambda: [s for s in self.sent_to(REPORTER)
                          if "1800" in s.text], 30, "the relayed reply")

        # The reporter's answer joins the report (by its reference).
        self.sim.inject(REPORTER, ref + " thank you, tomorrow at noon")
        wait_for(lambda: b"noon" not in self.raw() and
                 ctlrun(self.db, "inbox").stdout.count("\n") >= 3, 30,
                 "the answer handled")

        def clean():
            data = self.raw()
            return (TEXT.encode() not in data and
                    REPORTER.encode() not in data and
                    b"passports" not in data)
        try:
            wait_for(clean, 30, "DB and WAL without the text and the number")
        except AssertionError:
            data = self.raw()
            dump = subprocess.run(["sqlite3", self.db, ".dump"],
                                  capture_output=True, text=True).stdout
            raise AssertionError("in the clear: text %s, number %s, "
                                 "wal %d bytes; dump lines: %s" % (
                                     TEXT.encode() in data,
                                     REPORTER.encode() in data,
                                     os.path.getsize(self.db + "-wal")
                                     if os.path.exists(self.db + "-wal")
                                     else -1,
                                     [l for l in dump.splitlines()
                                      if REPORTER in l or "passports" in l]))
        self.assertNotIn(REPORTER, self.daemon.log())
        self.assertNotIn("passports", self.daemon.log())


if __name__ == "__main__":
    unittest.main()
