"""The network's time for a device without internet: shukherd reads the
simulated modem's clock (AT+CCLK, which the network sets), and `shukherctl
clock` checks the system clock against it, carried forward on the boot
clock. What a technician would check: the network's time is right, and a
system clock an hour off would be set (asked with --dry-run: the test must
not move this machine's clock).
"""
import os
import sqlite3
import unittest

from harness import Daemon, TempDir, ctl, make_config, sim_modem, wait_for
from sim.modemsim import ModemSim

NTP_FLAG = "/run/systemd/timesync/synchronized"


class Clock(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.db = self.tmp.join("shukher.db")
        self.sim = ModemSim(link=self.tmp.join("gsm-modem"))
        self.sim.start()
        conf = make_config(
            self.tmp.join("shukher.conf"), self.db,
            sim_modem(self.tmp.join("gsm-modem")))
        self.daemon = Daemon(conf)

    def tearDown(self):
        try:
            self.assertEqual(self.daemon.stop(timeout=60), 0,
                             self.daemon.log())
        finally:
            self.sim.stop()
            self.tmp.cleanup()

    def test_network_time_from_the_modem(self):
        self.daemon.wait_log(r"modem: connected", timeout=60)
        got = wait_for(lambda: (lambda c: c if c["network"] else None)(
            ctl(self.db, "clock")), 60, "the network's time")
        # The simulated network's clock is the real one (in UTC+8): the
        # estimate agrees with this machine's clock to a few seconds.
        self.assertLessEqual(abs(got["offset"]), 5, got)
        self.assertEqual(got["action"], "none")

        # As if the system clock were an hour ahead of the network (the
        # daemon stopped first, so that its next save cannot undo it).
        self.assertEqual(self.daemon.stop(timeout=60), 0, self.daemon.log())
        db = sqlite3.connect(self.db, timeout=30)
        with db:
            db.execute("UPDATE modem_state SET network_time = "
                       "network_time - 3600")
        db.close()
        got = ctl(self.db, "clock", "--set", "--dry-run")
        self.assertTrue(3590 <= got["offset"] <= 3610, got)
        want = "none" if os.path.exists(NTP_FLAG) else "would set"
        self.assertEqual(got["action"], want, got)
        # Without --set nothing is proposed.
        self.assertEqual(ctl(self.db, "clock")["action"], "none")
