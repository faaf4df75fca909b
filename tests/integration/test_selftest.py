"""shukherctl selftest, as a field technician runs it: against the real
shukherd on a simulated SIM800 modem, and without a daemon, when the
self-test opens the modem itself. What is checked is what a technician
reads: the PASS/WARN/FAIL line of each check and the exit code.
"""
import json
import os
import subprocess
import unittest

from harness import Daemon, TempDir, binary, ctl, make_config, wait_for
from sim.modemsim import ModemSim

NUMBER = "+97699110042"



class Selftest(unittest.TestCase):
    pin = None          # the SIM's PIN (ModemSim)
    conf_pin = None     # the PIN in shukher.conf
    sealed = True       # reports.public_key set, as a site's config has it

    def setUp(self):
        self.tmp = TempDir()
        self.db = self.tmp.join("shukher.db")
        self.link = self.tmp.join("gsm-modem")
        self.sim = ModemSim(link=self.link, pin=self.pin)
        self.sim.start()
        modem = {"device": self.link, "connection": "at", "model": "",
                 "timeout": 10, "poll_interval": 5, "notifications": True}
        if self.conf_pin is not None:
            modem["pin"] = self.conf_pin
        self.conf = make_config(self.tmp.join("shukher.conf"), self.db,
                                modem)
        if self.sealed:
            pub = self.tmp.join("cw.pub")
            p = subprocess.run([binary("shukherctl"), "keygen", pub,
                                self.tmp.join("cw.key")],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(self.conf, "a", encoding="utf-8") as f:
                f.write('reports = { public_key = "%s"; };\n' % pub)
        self.daemon = None

    def tearDown(self):
        try:
            if self.daemon is not None and self.daemon.proc.poll() is None:
                rc = self.daemon.stop(timeout=60)
                self.assertEqual(rc, 0, "shukherd exit %d:\n%s" %
                                 (rc, self.daemon.log()))
        finally:
            self.sim.stop()
            self.tmp.cleanup()

    def start_daemon(self, connected=True):
        self.daemon = Daemon(self.conf)
        if connected:
            self.daemon.wait_log(r"modem: connected", timeout=60)
            # The first report with the operator and the signal.
            wait_for(lambda: (ctl(self.db, "status") or {}).get(
                "operator_name"), 60, "the daemon's modem report")
        return self.daemon

    def selftest(self, *args, timeout=120):
        p = subprocess.run([binary("shukherctl"), "-c", self.conf,
                            "selftest"] + list(args),
                           capture_output=True, text=True, timeout=timeout)
        self.assertNotIn("runtime error", p.stderr)
        self.assertNotIn("AddressSanitizer", p.stderr)
        return p

    def lines(self, p):
        """{check: (result, detail)} from the self-test's output."""
        out = {}
        for line in p.stdout.splitlines():
            parts = line.split(None, 2)
            if len(parts) == 3 and parts[0] in ("PASS", "WARN", "FAIL"):
                out[parts[1]] = (parts[0], parts[2])
        return out

    def assert_check(self, p, check, result, contains=None):
        got = self.lines(p)
        self.assertIn(check, got, p.stdout + p.stderr)
        self.assertEqual(got[check][0], result, p.stdout)
        if contains is not None:
            self.assertIn(contains, got[check][1], p.stdout)


class WithDaemon(Selftest):
    def test_all_pass_on_a_working_device(self):
        self.start_daemon()
        p = self.selftest()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for check in ("config", "database", "service", "modem", "sim",
                      "network", "clock", "disk", "storage"):
            self.assert_check(p, check, "PASS")
        self.assert_check(p, "network", "PASS", "Unitel")
        # rssi 18 is -77 dBm
        self.assert_check(p, "signal", "PASS", "-77 dBm, good")
        self.assert_check(p, "modem", "PASS", "reported by shukherd")
        self.assertTrue(p.stdout.rstrip().endswith("OK: 0 failed, 0 warnings"),
                        p.stdout)

    def test_reports_sealed(self):
        self.start_daemon()
        self.assert_check(self.selftest(), "reports", "PASS", "sealed to")

    def test_json_has_one_object_per_check(self):
        self.start_daemon()
        p = subprocess.run([binary("shukherctl"), "-c", self.conf, "--json",
                            "selftest"], capture_output=True, text=True,
                           timeout=120)
        checks = {c["check"]: c["result"] for c in json.loads(p.stdout)}
        self.assertEqual(checks["modem"], "PASS")
        self.assertEqual(checks["service"], "PASS")
        self.assertEqual(p.returncode, 0)

    def test_unplugged_modem_fails(self):
        self.start_daemon()
        self.sim.vanish()
        wait_for(lambda: ctl(self.db, "status").get("connected") is False,
                 90, "the daemon to see the modem gone")
        p = self.selftest()
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assert_check(p, "modem", "FAIL", "does not answer")
        self.assert_check(p, "service", "PASS")

    def test_poor_signal_fails(self):
        self.sim.signal = 4          # -105 dBm
        self.start_daemon()
        p = self.selftest()
        self.assert_check(p, "signal", "FAIL", "-105 dBm, poor")
        self.assertEqual(p.returncode, 1)

    def test_sms_round_trip(self):
        self.start_daemon()
        proc = subprocess.Popen([binary("shukherctl"), "-c", self.conf,
                                 "selftest", "--sms", NUMBER],
                                stdout=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: [s for s in self.sim.sent
                              if s.number == NUMBER], 120,
                     "the test SMS on the simulated network")
            self.sim.inject(NUMBER, "ok")
            out, _ = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn("the round trip works", out)


class PinWanted(Selftest):
    pin = "1234"

    def test_sim_wanting_a_pin_fails_with_daemon(self):
        self.start_daemon(connected=False)
        wait_for(lambda: ctl(self.db, "status").get("last_error")
                 if os.path.exists(self.db) else None, 90,
                 "the daemon to report the PIN")
        p = self.selftest()
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assert_check(p, "sim", "FAIL", "the SIM wants a PIN")
        self.assertNotIn("1234", p.stdout)

    def test_sim_wanting_a_pin_fails_without_daemon(self):
        p = self.selftest()
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assert_check(p, "service", "FAIL", "not running")
        self.assert_check(p, "sim", "FAIL", "the SIM wants a PIN")


class PinGiven(Selftest):
    pin = "1234"
    conf_pin = "1234"

    def test_without_daemon_opens_the_modem_itself(self):
        # No daemon and no database yet: a device before its first start.
        p = self.selftest()
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assert_check(p, "service", "FAIL", "not running")
        self.assert_check(p, "database", "FAIL")
        self.assert_check(p, "modem", "PASS", "opened by the self-test")
        self.assert_check(p, "sim", "PASS")
        self.assert_check(p, "network", "PASS", "Unitel")
        self.assert_check(p, "disk", "PASS")
        self.assertNotIn("1234", p.stdout)


class Unsealed(Selftest):
    """A config without reports.public_key: reports would be filed in the
    clear, and the technician is told so, as a warning."""
    sealed = False

    def test_unsealed_reports_warn(self):
        self.start_daemon()
        p = self.selftest()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assert_check(p, "reports", "WARN", "filed in the clear")
        self.assertIn("OK: 0 failed, 1 warning\n", p.stdout)
        self.assertIn("reports are filed in the clear", self.daemon.log())


if __name__ == "__main__":
    unittest.main()
