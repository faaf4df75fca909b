"""Several modems on one gateway: three simulated SIM800s, one process each
under shukherd, one database. What a person and a technician would check:
a reply leaves through the SIM its message came in on; other messages go
on-net by prefix; a modem that vanishes, falls silent or refuses every
send delays nobody else, and its queue moves to another modem after
failover_after; nothing is lost or sent twice; the daily limit holds;
a process killed comes back.

Bounds are generous (a loaded machine must not make these flake); how fast
things are is measured by `make bench`.
"""
import os
import re
import signal
import subprocess
import time
import unittest

from harness import (Daemon, TempDir, binary, ctl, make_config, sim_modem,
                     wait_for)

REPLY_HELP = "Тусламж: 102"

# name, prefixes, the operator the simulated SIM says
MODEMS = (("mobicom", ["+97699", "+97695"], "Mobicom"),
          ("unitel", ["+97688", "+97686"], "Unitel"),
          ("skytel", ["+97691", "+97696"], "Skytel"))


def modems_config(path, database, links, limits=None, failover_after=3,
                  extra=None):
    """The fixture config with a modems list of the three in MODEMS on
    links; extra: per-name dicts of more settings."""
    make_config(path, database, sim_modem(links[0]), limits=limits)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    entries = []
    for (name, prefixes, _), link in zip(MODEMS, links):
        s = dict(sim_modem(link), name=name, timeout=3)
        s.update((extra or {}).get(name, {}))
        items = "; ".join(
            "%s = %s" % (k, '"%s"' % v if isinstance(v, str)
                         else str(v).lower() if isinstance(v, bool)
                         else v) for k, v in s.items())
        entries.append("{ %s; prefixes = [ %s ]; }" % (
            items, ", ".join('"%s"' % p for p in prefixes)))
    text, n = re.subn(r'(?m)^modem = \{.*?\};[ \t]*$',
                      lambda m: "failover_after = %d;\nmodems = (\n  %s\n);"
                      % (failover_after, ",\n  ".join(entries)), text)
    assert n == 1
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


class Modems(unittest.TestCase):
    """Three simulated modems and a daemon on them, per test."""

    limits = {"send_attempts": 20, "retry_delay": 1, "reply_budget": 50}
    failover_after = 3
    extra = None

    def setUp(self):
        from sim.modemsim import ModemSim
        self.tmp = TempDir()
        self.db = self.tmp.join("shukher.db")
        self.links = [self.tmp.join("gsm-" + m[0]) for m in MODEMS]
        self.sims = {}
        for (name, _, op), link in zip(MODEMS, self.links):
            sim = ModemSim(link=link)
            sim.operator_name = op
            sim.start()
            self.sims[name] = sim
        self.conf = modems_config(self.tmp.join("shukher.conf"), self.db,
                                  self.links, self.limits,
                                  self.failover_after, self.extra)
        self.daemon = None

    def tearDown(self):
        try:
            if self.daemon is not None and self.daemon.proc.poll() is None:
                rc = self.daemon.stop(timeout=60)
                self.assertEqual(rc, 0, "shukherd exit %d:\n%s" %
                                 (rc, self.daemon.log()))
            if self.daemon is not None:
                # a modem's process that failed (a sanitizer report, an
                # abort) is restarted: its end must not pass unseen
                log = self.daemon.log()
                self.assertNotRegex(log, r"ended \((exit [1-9]|signal "
                                    r"[^9])|Sanitizer|runtime error", log)
                # nor is one taken for hung: a vanished, silent or
                # failing modem is slow, never silent past the bound
                self.assertNotRegex(log, r"gave no sign of life", log)
        finally:
            for sim in self.sims.values():
                sim.stop()
            self.tmp.cleanup()

    def start_daemon(self):
        self.daemon = Daemon(self.conf)
        for name, _, _ in MODEMS:
            self.daemon.wait_log(r"shukherd\[%s\].*modem: connected" % name,
                                 timeout=60)
        return self.daemon

    def sent(self, name, number=None):
        return [s for s in self.sims[name].sent
                if number is None or s.number == number]

    def all_sent(self, number):
        return [(n, s) for n in self.sims for s in self.sent(n, number)]

    def wait_all_sent(self, numbers, timeout=30):
        wait_for(lambda: all(self.all_sent(n) for n in numbers), timeout,
                 "replies to %d numbers; log:\n%s" % (
                     len(numbers), self.daemon.log()))

    def pids(self):
        """The running process of each modem, from the supervisor's log."""
        out = {}
        for line in self.daemon.log().splitlines():
            m = re.search(r"modem (\w+): process (\d+) started", line)
            if m:
                out[m.group(1)] = int(m.group(2))
        return out

    def answers_at_once(self, name, number):
        """A message to modem name from number is answered through it
        within 10 s (a failing modem elsewhere delays nobody)."""
        t0 = time.monotonic()
        self.sims[name].inject(number, "тусламж")
        wait_for(lambda: self.sent(name, number), 15, "%s's reply" % name)
        self.assertLess(time.monotonic() - t0, 10)

    def each_once_not_through(self, numbers, name=None, timeout=40):
        """Each number got exactly one SMS, through another modem than
        name (None: any); returns the outbox rows by number."""
        self.wait_all_sent(numbers, timeout=timeout)
        time.sleep(1)
        for n in numbers:
            got = self.all_sent(n)
            self.assertEqual(len(got), 1, n)
            self.assertNotEqual(got[0][0], name)
        return {o["number"]: o for o in ctl(self.db, "outbox")}

    def send(self, number, text):
        p = subprocess.run([binary("shukherctl"), "-d", self.db, "send",
                            number, text], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)


class Arrival(Modems):
    def test_reply_leaves_through_the_sim_it_came_in_on(self):
        """Traffic on all three; each sender writes to a SIM of another
        operator than its own: the reply still goes back through the SIM
        the person used (a ported number is on no prefix)."""
        self.start_daemon()
        numbers = {}
        others = {"mobicom": "+97688", "unitel": "+97691",
                  "skytel": "+97699"}
        for i in range(4):
            for name in self.sims:
                number = "%s%06d" % (others[name], 100 + i)
                numbers[number] = name
                self.sims[name].inject(number, "тусламж")
        self.wait_all_sent(numbers)
        time.sleep(1)       # anything sent twice would show by now
        for number, name in numbers.items():
            got = self.all_sent(number)
            self.assertEqual([n for n, _ in got], [name], number)
            self.assertEqual(got[0][1].text, REPLY_HELP)
        inbox = ctl(self.db, "inbox")
        self.assertEqual(len(inbox), len(numbers))
        for m in inbox:
            self.assertEqual(m["modem"], numbers[m["sender"]])
        for o in ctl(self.db, "outbox"):
            self.assertEqual(o["state"], "sent")
            self.assertEqual(o["modem"], numbers[o["number"]])
        status = ctl(self.db, "status")
        names = sorted(m["name"] for m in status["modems"])
        self.assertEqual(names, sorted(self.sims))
        for m in status["modems"]:
            self.assertEqual(set(m), {"name", "connected", "operator",
                                      "signal_dbm", "sim_used", "sim_total",
                                      "sent_today", "last_error",
                                      "updated_at", "down_since",
                                      "credit", "credit_at"})
            self.assertTrue(m["connected"])
            self.assertEqual(m["sent_today"], 4)
        ops = {m["name"]: m["operator"] for m in status["modems"]}
        self.assertEqual(ops["unitel"], "Unitel")

    def test_status_and_selftest_per_modem(self):
        self.start_daemon()
        wait_for(lambda: len([m for m in ctl(self.db, "status")["modems"]
                              if m["operator"]]) == 3, 30,
                 "three modems' reports")
        p = subprocess.run([binary("shukherctl"), "-d", self.db, "status"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        for name, _, op in MODEMS:
            self.assertRegex(p.stdout, r"modem +%s: connected, %s, "
                             r"-\d+ dBm, SIM \d+ of \d+, 0 sent today"
                             % (name, op))
        p = subprocess.run([binary("shukherctl"), "-c", self.conf,
                            "selftest"], capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for name, _, _ in MODEMS:
            self.assertRegex(p.stdout, r"PASS +modem +answers \(modem %s, "
                             r"reported by shukherd\)" % name)
        self.assertEqual(len(re.findall(r"PASS +network +registered",
                                        p.stdout)), 3, p.stdout)

    def test_console_gateway_page_has_a_row_per_modem(self):
        from test_web import NAME, PASSWORD, Client, ctlrun, free_port
        port = free_port()
        with open(self.conf, "a", encoding="utf-8") as f:
            f.write('web = { enabled = true; listen = "127.0.0.1"; '
                    'port = %d; language = "en"; };\n' % port)
        self.start_daemon()
        wait_for(lambda: len([m for m in ctl(self.db, "status")["modems"]
                              if m["operator"]]) == 3, 30,
                 "three modems' reports")
        p = ctlrun(self.db, "users", "add", NAME, stdin=PASSWORD + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        web = Daemon(self.conf, program="shukher-web")
        try:
            web.wait_log(r"listening on", timeout=30)
            c = Client(port)
            self.assertEqual(c.sign_in().status, 303)
            r = c.request("GET", "/status")
            self.assertEqual(r.status, 200)
            table = re.search(r'<table class="modems">(.*?)</table>', r.body,
                              re.S)
            self.assertIsNotNone(table, r.body)
            rows = re.findall(r"<tr><th>(\w+)</th><td>([^<]*)</td><td>"
                              r"([^<]*)</td>", table.group(1))
            self.assertEqual(sorted(rows), sorted(
                (name, "Connected", op) for name, _, op in MODEMS))
        finally:
            self.assertEqual(web.stop(), 0, web.log())

    def test_sighup_reaches_every_modem(self):
        self.start_daemon()
        start = len(self.daemon.lines)
        self.daemon.signal(signal.SIGHUP)
        for name, _, _ in MODEMS:
            self.daemon.wait_log(r"shukherd\[%s\].*configuration reloaded"
                                 % name, timeout=20, start=start)
        self.sims["skytel"].inject("+97699000123", "тусламж")
        wait_for(lambda: self.sent("skytel", "+97699000123"), 20,
                 "a reply after the reload")
        # a reload that changes the modems restarts their processes
        with open(self.conf, encoding="utf-8") as f:
            text = f.read()
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(text.replace('name = "skytel"', 'name = "sky2"'))
        start = len(self.daemon.lines)
        self.daemon.signal(signal.SIGHUP)
        self.daemon.wait_log(r"shukherd\[sky2\].*modem: connected",
                             timeout=60, start=start)
        self.sims["skytel"].inject("+97699000124", "тусламж")
        wait_for(lambda: self.sent("skytel", "+97699000124"), 20,
                 "a reply through the renamed modem")
        inbox = [m for m in ctl(self.db, "inbox")
                 if m["sender"] == "+97699000124"]
        self.assertEqual(inbox[0]["modem"], "sky2")

    def test_message_without_a_modem_goes_on_net_else_any(self):
        self.start_daemon()
        for name, prefixes, _ in MODEMS:
            for p in prefixes:
                self.send(p + "000001", "hello")
        self.send("+97680000001", "no operator of ours")
        self.send("+15550000001", "abroad")
        wait_for(lambda: sum(len(s.sent) for s in self.sims.values()) >= 8,
                 30, "eight sends; log:\n" + self.daemon.log())
        time.sleep(1)
        for name, prefixes, _ in MODEMS:
            for p in prefixes:
                self.assertEqual([n for n, _ in self.all_sent(p + "000001")],
                                 [name])
        for number in ("+97680000001", "+15550000001"):
            self.assertEqual(len(self.all_sent(number)), 1, number)
        self.assertEqual(ctl(self.db, "status")["outbox_queued"], 0)


class Failover(Modems):
    """One modem vanishes and comes back, one falls silent, one answers
    every send with +CMS ERROR: the healthy ones answer at once, the
    failed one's queue moves after failover_after, nothing twice."""

    def test_vanished_modem_queue_moves_and_it_comes_back(self):
        self.start_daemon()
        self.sims["unitel"].vanish()
        self.daemon.wait_log(r"shukherd\[unitel\].*(failed|cannot open)",
                             timeout=30)
        numbers = ["+97688%06d" % i for i in range(3)]
        for n in numbers:
            self.send(n, "to unitel's network")
        # healthy modems answer without waiting for the failover
        self.answers_at_once("mobicom", "+97699000777")
        self.each_once_not_through(numbers, "unitel")
        start = len(self.daemon.lines)
        self.sims["unitel"].reappear()
        self.daemon.wait_log(r"shukherd\[unitel\].*modem: connected",
                             timeout=60, start=start)
        self.sims["unitel"].inject("+97699000888", "тусламж")
        wait_for(lambda: self.sent("unitel", "+97699000888"), 30,
                 "unitel's reply after it came back; log:\n" +
                 self.daemon.log())

    def test_cms_error_modem_queue_moves_healthy_answer_at_once(self):
        self.start_daemon()
        self.sims["skytel"].fail_sends(10000)
        senders = ["+97691%06d" % i for i in range(3)]
        for n in senders:
            self.sims["skytel"].inject(n, "тусламж")
        self.answers_at_once("unitel", "+97688000555")
        rows = self.each_once_not_through(senders, "skytel")
        self.assertEqual(ctl(self.db, "status")["outbox_queued"], 0)
        for n in senders:
            self.assertEqual(rows[n]["state"], "sent")
            self.assertIn(rows[n]["modem"], ("mobicom", "unitel"))
        sky = [m for m in ctl(self.db, "status")["modems"]
               if m["name"] == "skytel"][0]
        self.assertIsNotNone(sky["down_since"])
        self.assertIsNotNone(sky["last_error"])

    def test_silent_modem_delays_nobody(self):
        self.start_daemon()
        self.sims["mobicom"].mute(25)
        numbers = ["+97699%06d" % i for i in range(2)]
        for n in numbers:
            self.send(n, "to mobicom's network")
        for i in range(3):
            self.answers_at_once("skytel", "+9769100090%d" % i)
        self.each_once_not_through(numbers, timeout=50)


class Kill(Modems):
    """SIGKILL of one modem's process, and of the daemon, during traffic on
    all three: every message is stored, handled once and answered."""

    def inject_round(self, tag, count=3):
        numbers = {}
        for i in range(count):
            for name, prefixes, _ in MODEMS:
                n = "%s%02d%04d" % (prefixes[0], tag, i)
                numbers[n] = name
                self.sims[name].inject(n, "тусламж")
        return numbers

    def check(self, numbers):
        self.wait_all_sent(numbers, timeout=60)
        time.sleep(1)
        for n in numbers:
            # at least once; twice only for a send the kill cut short
            self.assertIn(len(self.all_sent(n)), (1, 2), n)
        inbox = ctl(self.db, "inbox")
        self.assertEqual(sorted(m["sender"] for m in inbox), sorted(numbers))
        self.assertTrue(all(m["handled_at"] for m in inbox))

    def test_sigkill_of_one_modems_process(self):
        self.start_daemon()
        numbers = self.inject_round(1)
        pid = self.pids()["unitel"]
        os.kill(pid, signal.SIGKILL)
        self.daemon.wait_log(r"modem unitel: process %d ended \(signal 9\)"
                             % pid, timeout=20)
        numbers.update(self.inject_round(2))
        self.daemon.wait_log(r"modem unitel: process (?!%d)\d+ started" % pid,
                             timeout=20)
        self.check(numbers)

    def test_sigkill_of_the_daemon(self):
        self.start_daemon()
        numbers = self.inject_round(3)
        kids = list(self.pids().values())
        self.daemon.kill()
        # the modems' processes end with it
        wait_for(lambda: not any(os.path.exists("/proc/%d" % p) and
                                 open("/proc/%d/stat" % p).read().split()[2]
                                 != "Z" for p in kids), 20,
                 "the modems' processes to end")
        numbers.update(self.inject_round(4))
        self.start_daemon()
        self.check(numbers)


class DailyLimit(Modems):
    extra = {"mobicom": {"daily_limit": 2}}

    def test_sim_at_its_limit_only_receives(self):
        self.start_daemon()
        numbers = ["+97699%06d" % i for i in range(5)]
        for n in numbers:
            self.send(n, "hello")
        self.wait_all_sent(numbers, timeout=30)
        time.sleep(1)
        self.assertEqual(len(self.sent("mobicom")), 2)
        for n in numbers:
            self.assertEqual(len(self.all_sent(n)), 1, n)
        st = {m["name"]: m for m in ctl(self.db, "status")["modems"]}
        self.assertEqual(st["mobicom"]["sent_today"], 2)
        # and it still receives: the reply goes out through another SIM
        self.sims["mobicom"].inject("+97699000999", "тусламж")
        wait_for(lambda: self.all_sent("+97699000999"), 30, "a reply")
        self.assertEqual(len(self.sent("mobicom")), 2)
        inbox = [m for m in ctl(self.db, "inbox")
                 if m["sender"] == "+97699000999"]
        self.assertEqual(inbox[0]["modem"], "mobicom")


class ConfigErrors(unittest.TestCase):
    """Config errors name the file and line; `shukherd -n` exits 78."""

    def setUp(self):
        self.tmp = TempDir()

    def tearDown(self):
        self.tmp.cleanup()

    def check(self, links, expect, edit=None):
        path = modems_config(self.tmp.join("c.conf"), self.tmp.join("db"),
                             links)
        if edit:
            with open(path, encoding="utf-8") as f:
                text = edit(f.read())
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        p = subprocess.run([binary("shukherd"), "-n", "-c", path],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 78, p.stderr)
        self.assertRegex(p.stderr, re.escape(path) + r":\d+: " + expect)
        return p.stderr

    def test_same_device_twice(self):
        self.check(["/dev/a", "/dev/b", "/dev/a"],
                   r"modems\[2\]\.device: already the device of modems\[0\]")

    def test_same_name_twice(self):
        self.check(["/dev/a", "/dev/b", "/dev/c"],
                   r'modems\[1\]\.name: "mobicom" is already',
                   lambda t: t.replace('name = "unitel"', 'name = "mobicom"'))

    def test_both_modem_and_modems(self):
        self.check(["/dev/a", "/dev/b", "/dev/c"], r"modems: give either",
                   lambda t: t + '\nmodem = { device = "/dev/x"; };\n')

    def test_bad_prefix_and_bad_name(self):
        self.check(["/dev/a", "/dev/b", "/dev/c"],
                   r"modems\[0\]\.prefixes\[1\]: expected digits",
                   lambda t: t.replace('"+97695"', '"+976-95"'))
        self.check(["/dev/a", "/dev/b", "/dev/c"],
                   r"modems\[2\]\.name: letters",
                   lambda t: t.replace('name = "skytel"', 'name = "sky tel"'))

    def test_single_modem_group_is_one_modem_named_modem(self):
        path = make_config(self.tmp.join("one.conf"), self.tmp.join("db"),
                           sim_modem("/dev/a"))
        p = subprocess.run([binary("shukherd"), "-n", "-c", path],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
