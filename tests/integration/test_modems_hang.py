"""A modem's process that hangs is restarted; a slow one is not.

Three simulated SIM800s under one shukherd, a process each. The
supervisor restarts a process that gave no sign of life for longer than
failover_after and its longest modem call (gateway_hung_after(): here
2 + 3 * 3 = 11 s): one stopped with SIGSTOP ends on SIGTERM and SIGCONT
and is started again; one that cannot end on SIGTERM (held in a ptrace
stop, as a deadlock would hold it) is killed with SIGKILL three timeouts
later; the SMS that came on their SIMs meanwhile are answered, each
once. A process whose modem answers every command slowly (its open
taking most of its three timeouts), and whose first pass (open, status,
a read and a delete per message) takes longer than its bound
(2 + 3 * 6 = 20 s), gives its signs of life between calls and is never
restarted.

One daemon for the class. The slow modem is slow for its first pass
(enough to prove the point), then answers at the usual pace, so that its
replies do not make the class long; the hung ones' test runs meanwhile.
"""
import ctypes
import os
import re
import signal
import threading
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
STUCK = "mobicom"
PTRACE_ATTACH = 16
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
        cls.pass_over = threading.Event()
        threading.Thread(target=cls.quicken, daemon=True).start()
        try:
            # not the slow one: its first pass goes on during the tests
            for name in (STOPPED, STUCK):
                cls.daemon.wait_log(r"shukherd\[%s\].*modem: connected"
                                    % name, timeout=60)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def quicken(cls):
        """Once its first pass has deleted every SMS, the slow modem is
        slow no more: its replies then go out at the usual pace."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if len(cls.deletes()) >= SLOW_WAITING:
                cls.sims[SLOW].answer_delay = 0
                break
            time.sleep(0.1)
        cls.pass_over.set()

    @classmethod
    def deletes(cls):
        """When the slow modem was asked to delete each SMS."""
        sim = cls.sims[SLOW]
        return [t for t, e in zip(list(sim.log_times), list(sim.log))
                if e.startswith("AT+CMGD")]

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

    def test_slow_modem_is_not_restarted(self):
        self.assertTrue(self.pass_over.wait(120))
        self.assertGreaterEqual(len(self.deletes()), SLOW_WAITING,
                                self.log())
        inbox = self.answered_once(self.waiting, 90)
        self.assertTrue(all(m["modem"] == SLOW for m in inbox))
        # its first pass (open, a read and a delete per SMS) outlasted
        # the bound: a sign of life per pass alone would get it killed
        self.assertGreater(self.deletes()[SLOW_WAITING - 1] - self.started,
                           SLOW_HUNG_AFTER + 3)
        self.assertNotRegex(self.log(), r"modem %s: process \d+ (gave no "
                            r"sign|ended)" % SLOW)
        self.assertEqual(len(self.started_pids(SLOW)), 1, self.log())

    def ptrace_stop(self, pid):
        """Holds pid in a ptrace stop, as a deadlock would hold it: it can
        neither run nor end on SIGTERM and SIGCONT, only on SIGKILL.
        False where ptrace is refused."""
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.ptrace(PTRACE_ATTACH, pid, None, None) != 0:
            self.ptrace_error = os.strerror(ctypes.get_errno())
            return False

        def tracer():       # collects the stops, never lets one go on
            while True:
                _, st = os.waitpid(pid, 0)
                if not os.WIFSTOPPED(st):
                    return
        threading.Thread(target=tracer, daemon=True).start()
        return True

    def test_hung_processes_are_restarted(self):
        """One process stopped (SIGSTOP), one held where SIGTERM cannot
        reach it, at once: each is restarted, and the SMS that came on its
        SIM meanwhile are answered, each once."""
        stopped = self.started_pids(STOPPED)[-1]
        stuck = self.started_pids(STUCK)[-1]
        start = len(self.daemon.lines)
        os.kill(stopped, signal.SIGSTOP)
        held = self.ptrace_stop(stuck)
        on_stopped = ["+97688%06d" % i for i in range(3)]
        for n in on_stopped:
            self.sims[STOPPED].inject(n, "тусламж")
        on_stuck = ["+97699000432"]
        self.sims[STUCK].inject(on_stuck[0], "тусламж")

        line = self.daemon.wait_log(r"modem %s: process %d gave no sign of "
                                    r"life for \d+ s" % (STOPPED, stopped),
                                    timeout=HUNG_AFTER + 20, start=start)
        silent = int(re.search(r"for (\d+) s", line).group(1))
        self.assertGreater(silent, HUNG_AFTER)      # never before its time
        self.assertLessEqual(silent, HUNG_AFTER + 10, line)
        self.assertNotRegex(line, r"\+976|тусламж")
        self.daemon.wait_log(r"modem %s: process %d ended \((exit 0|signal "
                             r"9)\)" % (STOPPED, stopped), timeout=30,
                             start=start)
        self.daemon.wait_log(r"modem %s: process (?!%d)\d+ started"
                             % (STOPPED, stopped), timeout=30, start=start)
        inbox = self.answered_once(on_stopped, 60)
        self.assertTrue(all(m["modem"] == STOPPED for m in inbox))
        st = {m["name"]: m for m in ctl(self.db, "status")["modems"]}
        self.assertTrue(st[STOPPED]["connected"])
        self.assertFalse(os.path.exists("/proc/%d" % stopped) and
                         open("/proc/%d/stat" % stopped).read().split()[2]
                         != "Z")

        with self.subTest("deaf to SIGTERM: SIGKILL"):
            if not held:
                self.skipTest("ptrace refused here: " + self.ptrace_error)
            for what in (r"gave no sign of life", r"does not stop; killing "
                         r"it", r"ended \(signal 9\)"):
                self.daemon.wait_log(r"modem %s: process %d %s"
                                     % (STUCK, stuck, what), timeout=30,
                                     start=start)
            self.daemon.wait_log(r"modem %s: process (?!%d)\d+ started"
                                 % (STUCK, stuck), timeout=20, start=start)
            inbox = self.answered_once(on_stuck, 60)
            self.assertEqual(inbox[0]["modem"], STUCK)

if __name__ == "__main__":
    unittest.main()
