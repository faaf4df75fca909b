"""A modem's process that hangs is restarted; a slow one is not.

Three simulated SIM800s under one shukherd, a process each. The
supervisor restarts a process that gave no sign of life for longer than
failover_after and its longest modem call (gateway_hung_after(): here
2 + 3 * 3 = 11 s): one stopped with SIGSTOP is stopped and started again,
and the SMS that arrived on its SIM meanwhile are answered, each once. A
process whose modem answers every command slowly (its open taking most
of its three timeouts), and whose first pass (open, status, a full read,
a read and a delete per message) takes longer than its bound
(2 + 3 * 6 = 20 s),
gives its signs of life between calls and is never restarted.

One daemon for the class: the slow modem is slow from its start, and
the stopped one is another; the hung one's test runs first, while the
slow one's first pass goes on.
"""
import os
import re
import signal
import time
import unittest

from harness import Daemon, TempDir, ctl, wait_for
from test_modems import MODEMS, REPLY_HELP, modems_config

FAILOVER_AFTER = 2
HUNG_AFTER = FAILOVER_AFTER + 3 * 3     # timeout = 3 in modems_config
SLOW = "skytel"
SLOW_TIMEOUT = 6
SLOW_HUNG_AFTER = FAILOVER_AFTER + 3 * SLOW_TIMEOUT
STOPPED = "unitel"
SLOW_DELAY = 0.4                        # seconds before each answer: its
                                        # open takes about 14 s of 18
SLOW_WAITING = 14                       # SMS on the slow SIM at its start


class Hang(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        from sim.modemsim import ModemSim
        cls.tmp = TempDir()
        cls.db = cls.tmp.join("shukher.db")
        links = [cls.tmp.join("gsm-" + m[0]) for m in MODEMS]
        cls.sims = {}
        for (name, _, op), link in zip(MODEMS, links):
            sim = ModemSim(link=link)
            sim.operator_name = op
            sim.start()
            cls.sims[name] = sim
        slow = cls.sims[SLOW]
        slow.answer_delay = SLOW_DELAY
        cls.waiting = ["+97691%06d" % i for i in range(SLOW_WAITING)]
        for n in cls.waiting:
            slow.inject(n, "тусламж")
        conf = modems_config(cls.tmp.join("shukher.conf"), cls.db, links,
                             {"send_attempts": 20, "retry_delay": 1,
                              "reply_budget": 50}, FAILOVER_AFTER,
                             {SLOW: {"timeout": SLOW_TIMEOUT}})
        cls.started = time.monotonic()
        cls.daemon = Daemon(conf)
        try:
            for name, _, _ in MODEMS:
                cls.daemon.wait_log(r"shukherd\[%s\].*modem: connected"
                                    % name, timeout=60)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            rc = cls.daemon.stop(timeout=60)
            log = cls.daemon.log()
            if rc != 0:
                raise AssertionError("shukherd exit %d:\n%s" % (rc, log))
            if re.search(r"ended \((exit [1-9]|signal [^9])|Sanitizer|"
                         r"runtime error", log):
                raise AssertionError("a modem's process failed:\n" + log)
        finally:
            for sim in cls.sims.values():
                sim.stop()
            cls.tmp.cleanup()

    def log(self):
        return self.daemon.log()

    def started_pids(self, name):
        return [int(p) for p in re.findall(
            r"modem %s: process (\d+) started" % name, self.log())]

    def all_sent(self, number):
        return [(n, s) for n, sim in self.sims.items() for s in sim.sent
                if s.number == number]

    def answered_once(self, numbers, timeout):
        wait_for(lambda: all(self.all_sent(n) for n in numbers), timeout,
                 "replies to %d numbers; log:\n%s" % (len(numbers),
                                                      self.log()))
        time.sleep(1)       # anything sent twice would show by now
        for n in numbers:
            got = self.all_sent(n)
            self.assertEqual(len(got), 1, n)
            self.assertEqual(got[0][1].text, REPLY_HELP)
        inbox = [m for m in ctl(self.db, "inbox") if m["sender"] in numbers]
        self.assertEqual(sorted(m["sender"] for m in inbox), sorted(numbers))
        self.assertTrue(all(m["handled_at"] for m in inbox))
        return inbox

    def deletes(self):
        """When the slow modem was asked to delete each SMS."""
        sim = self.sims[SLOW]
        return [t for t, e in zip(list(sim.log_times), list(sim.log))
                if e.startswith("AT+CMGD")]

    def test_slow_modem_is_not_restarted(self):
        inbox = self.answered_once(self.waiting, 90)
        self.assertTrue(all(m["modem"] == SLOW for m in inbox))
        wait_for(lambda: len(self.deletes()) >= SLOW_WAITING, 60,
                 "the slow modem's deletes; log:\n" + self.log())
        # its first pass (open, a read and a delete per SMS) outlasted
        # the bound: a sign of life per pass alone would get it killed
        self.assertGreater(self.deletes()[SLOW_WAITING - 1] - self.started,
                           SLOW_HUNG_AFTER + 3)
        self.assertNotRegex(self.log(), r"modem %s: process \d+ (gave no "
                            r"sign|ended)" % SLOW)
        self.assertEqual(len(self.started_pids(SLOW)), 1, self.log())

    def test_hung_process_is_restarted(self):
        pid = self.started_pids(STOPPED)[-1]
        os.kill(pid, signal.SIGSTOP)
        start = len(self.daemon.lines)
        t0 = time.monotonic()
        on_stopped = ["+97688%06d" % i for i in range(3)]
        for n in on_stopped:
            self.sims[STOPPED].inject(n, "тусламж")
        # the others answer meanwhile
        healthy = "+97699000321"
        self.sims["mobicom"].inject(healthy, "тусламж")
        self.answered_once([healthy], 15)
        line = self.daemon.wait_log(r"modem %s: process %d gave no sign of "
                                    r"life for \d+ s" % (STOPPED, pid),
                                    timeout=HUNG_AFTER + 20, start=start)
        self.assertGreaterEqual(time.monotonic() - t0, HUNG_AFTER)
        self.assertNotRegex(line, r"\+976|тусламж")
        self.daemon.wait_log(r"modem %s: process %d ended \((exit 0|signal "
                             r"9)\)" % (STOPPED, pid), timeout=30,
                             start=start)
        self.daemon.wait_log(r"modem %s: process (?!%d)\d+ started"
                             % (STOPPED, pid), timeout=30, start=start)
        inbox = self.answered_once(on_stopped, 60)
        self.assertTrue(all(m["modem"] == STOPPED for m in inbox))
        st = {m["name"]: m for m in ctl(self.db, "status")["modems"]}
        self.assertTrue(st[STOPPED]["connected"])
        self.assertFalse(os.path.exists("/proc/%d" % pid) and
                         open("/proc/%d/stat" % pid).read().split()[2]
                         != "Z")


if __name__ == "__main__":
    unittest.main()
