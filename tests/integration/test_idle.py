"""A quiet idle, lost notices and a modem that restarts (issue 17): the real
shukherd on libgammu's AT driver and the simulated SIM800.

Idle, the daemon counts the SIM's messages (one AT+CPMS?) once per
poll_interval and does nothing else until the ten-minute refresh; it reads
the SIM when a +CMTI says a message came, or when a count finds more than
the last read left (a lost notice), and counts after every send. A read
that finds messages no notice announced switches that modem to counting
every few seconds until notices are seen working again. A modem that
restarts (its boot lines, its settings back at defaults) is reopened as
soon as it says SMS Ready; the message it was sending is sent again, once.

Each class shares one simulator and one daemon across its tests; the
bounds on waiting are generous (a loaded machine must not fail them), and
what is asserted is counts: commands per pass, replies per number, log
lines. The real times are in make bench.
"""
import re
import time
import unittest

from harness import Daemon, TempDir, make_config, wait_for
from sim.modemsim import ModemSim

KEYWORD = "тусламж"


class _Idle(unittest.TestCase):
    """One simulator and one daemon for the class; modem settings from
    the class."""

    poll_interval = 5
    boot_scale = 1.0

    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.sim = ModemSim(link=cls.tmp.join("gsm-modem"), sim_capacity=30)
        cls.sim.boot_scale = cls.boot_scale
        cls.sim.start()
        cls.conf = make_config(
            cls.tmp.join("shukher.conf"), cls.tmp.join("shukher.db"),
            {"device": cls.sim.device, "connection": "at", "model": "",
             "timeout": 10, "poll_interval": cls.poll_interval,
             "notifications": True})
        cls.daemon = Daemon(cls.conf, verbose=True)
        try:
            cls.daemon.wait_log(r"modem: connected", timeout=60)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.daemon.proc.poll() is None:
                rc = cls.daemon.stop(timeout=60)
                assert rc == 0, "shukherd exit %d (a sanitizer report?):" \
                    "\n%s" % (rc, cls.daemon.log())
        finally:
            cls.sim.stop()
            cls.tmp.cleanup()

    def replies_to(self, number):
        return [s for s in self.sim.sent if s.number == number]

    def answered(self, number, timeout=30):
        """Waits for number's reply; returns the seconds it took."""
        t0 = time.monotonic()
        wait_for(lambda: self.replies_to(number), timeout,
                 "a reply to %s" % number)
        return time.monotonic() - t0

    def log_count(self, pattern):
        return len(re.findall(pattern, self.daemon.log()))

    def commands_since(self, mark):
        return [c for c in self.sim.log[mark:] if c != "\x1b"]


class QuietIdle(_Idle):
    """poll_interval 2 s: the idle schedule is seen in seconds."""

    poll_interval = 2

    def test_idle_pass_is_one_count(self):
        """Between two counts of an idle daemon nothing else is said to
        the modem: one AT+CPMS? per poll_interval, no listing, no status
        queries (those come every ten minutes, the operator hourly)."""
        mark = len(self.sim.log)
        wait_for(lambda: sum(c == "AT+CPMS?" for c in
                             self.sim.log[mark:]) >= 5, 60, "five counts")
        cmds = self.commands_since(mark)
        first = cmds.index("AT+CPMS?")
        last = len(cmds) - 1 - cmds[::-1].index("AT+CPMS?")
        self.assertEqual(cmds[first:last + 1],
                         ["AT+CPMS?"] * cmds[first:last + 1].count(
                             "AT+CPMS?"), cmds)
        self.assertEqual(self.log_count(r"notices are unreliable"), 0)

    def test_notice_reads_and_stays_quiet(self):
        """A message announced by +CMTI is read and answered at once; the
        modem stays on one count per interval (no switch to polling)."""
        self.sim.inject("+97699170001", KEYWORD)
        self.answered("+97699170001")
        self.assertEqual(len(self.replies_to("+97699170001")), 1)
        self.assertEqual(self.log_count(r"notices are unreliable"), 0)
        self.assertEqual(self.log_count(r"modem: connected"), 1)


class LostNoticeDuringTraffic(_Idle):
    """poll_interval 120 s: only the count after a send can find a message
    whose notice the modem dropped while it was sending."""

    poll_interval = 120

    def test_dropped_notice_answered_after_the_send(self):
        self.sim.send_delay = 2.0
        self.sim.drop_notices = "busy"
        try:
            mark = len(self.sim.log)
            self.sim.inject("+97699170101", KEYWORD)
            # the reply's PDU is in; the network takes 2 s to accept it
            self.assertGreaterEqual(self.sim.wait_log("<PDU", 30, mark), 0)
            self.sim.inject("+97699170102", KEYWORD)
            took = self.answered("+97699170102", timeout=60)
        finally:
            self.sim.drop_notices = None
            self.sim.send_delay = 0.0
        self.assertEqual(self.sim.dropped_notices, 1)
        self.assertLess(took, self.poll_interval / 2)
        for number in ("+97699170101", "+97699170102"):
            self.assertEqual(len(self.replies_to(number)), 1, number)


class UnreliableNotices(_Idle):
    """A modem that drops every notice: found by the periodic count, then
    polled every few seconds; back to quiet once notices work again."""

    poll_interval = 6

    def started_and_idle(self):
        """The start's read of the SIM is done and the daemon counts: a
        message injected earlier would be found by that read, not by a
        count, and would prove nothing about notices."""
        log = list(self.sim.log)
        reads = [i for i, c in enumerate(log) if c.startswith("AT+CMGL")]
        return bool(reads) and "AT+CPMS?" in log[reads[-1] + 1:]

    def test_switch_on_and_back_off(self):
        wait_for(self.started_and_idle, 60, "the first count after the "
                 "start's read")
        self.sim.drop_notices = "all"
        try:
            self.sim.inject("+97699170201", KEYWORD)
            self.answered("+97699170201", timeout=60)
            self.daemon.wait_log(r"notices are unreliable", timeout=10)
            # polling now: counts come every 3 s, not every 6
            mark = len(self.sim.log)
            wait_for(lambda: sum(c == "AT+CPMS?" for c in
                                 self.sim.log[mark:]) >= 3, 30, "counts")
            for i in range(3):
                number = "+9769917021%d" % i
                self.sim.inject(number, KEYWORD)
                self.answered(number, timeout=30)
        finally:
            self.sim.drop_notices = None
        self.assertEqual(self.log_count(r"notices are unreliable"), 1)
        self.assertEqual(self.log_count(r"modem: notices work again"), 0,
                         self.daemon.log())
        for i in range(4):
            number = "+9769917022%d" % i
            self.sim.inject(number, KEYWORD)
            self.answered(number, timeout=30)
        self.daemon.wait_log(r"modem: notices work again", timeout=10)
        self.assertEqual(self.log_count(r"modem: notices work again"), 1)
        self.assertEqual(self.log_count(r"notices are unreliable"), 1)
        for number in (["+97699170201"] +
                       ["+9769917021%d" % i for i in range(3)] +
                       ["+9769917022%d" % i for i in range(4)]):
            self.assertEqual(len(self.replies_to(number)), 1, number)


class Resets(_Idle):
    """A SIM800 that restarts: boot lines at a quarter of their real pace."""

    boot_scale = 0.25

    def ready_then_reply(self, number):
        """Waits for the restart's SMS Ready, then for number's reply;
        returns the seconds between the two."""
        wait_for(lambda: self.sim.sms_ready_at, 60, "SMS Ready")
        wait_for(lambda: self.replies_to(number), 60, "a reply to " + number)
        return time.monotonic() - self.sim.sms_ready_at

    def test_reset_while_idle(self):
        connected = self.log_count(r"modem: connected")
        resets = self.sim.resets
        self.sim.sms_ready_at = None
        self.sim.reset()
        # a message that lands while it boots: no notice (CNMI is off)
        self.sim.inject("+97699170301", KEYWORD)
        self.ready_then_reply("+97699170301")
        self.daemon.wait_log(r"it restarted", timeout=10)
        wait_for(lambda: self.log_count(r"modem: connected") == connected + 1,
                 30, "the reopen")
        self.assertEqual(self.sim.resets, resets + 1)
        # notices are on again: the next message is announced and answered
        self.sim.inject("+97699170302", KEYWORD)
        self.answered("+97699170302")
        self.assertEqual(self.sim.cnmi[1], 1)
        for number in ("+97699170301", "+97699170302"):
            self.assertEqual(len(self.replies_to(number)), 1, number)

    def test_reset_during_a_send(self):
        resets = self.sim.resets
        self.sim.sms_ready_at = None
        self.sim.reset(during_send=True)
        self.sim.inject("+97699170311", KEYWORD)
        wait_for(lambda: self.sim.resets == resets + 1, 60, "the restart")
        self.sim.inject("+97699170312", KEYWORD)
        self.ready_then_reply("+97699170311")
        self.answered("+97699170312")
        # the count after that send: a second reply would have gone first
        self.assertGreaterEqual(self.sim.wait_log("AT+CPMS?", 30,
                                                  len(self.sim.log)), 0)
        for number in ("+97699170311", "+97699170312"):
            self.assertEqual(len(self.replies_to(number)), 1, number)
        self.assertGreaterEqual(self.log_count(r"it restarted"), 1)


if __name__ == "__main__":
    unittest.main()
