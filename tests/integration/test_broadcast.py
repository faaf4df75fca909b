"""A broadcast spread over time and over two modems (src/broadcast.c):
the real shukherd with a process per simulated SIM800, the real
shukherctl. What the campaign team would check: every subscriber gets
the broadcast once, also across a SIGKILL of the daemon; the SIM with a
small daily_limit sends no more than it; the SMS fall due at the
configured broadcast_rate per modem (the outbox's next_at), and none
leaves before its time; `shukherctl broadcasts list` counts them. When
quiet hours begin while a broadcast is going out, what is left waits for
their end.

One daemon per class; subscriptions are written straight into the
database (joining by SMS would spend the small SIM's limit on the
confirmations). Bounds are generous; nothing waits a fixed time.
"""
import re
import signal
import sqlite3
import time
import unittest

from harness import Daemon, TempDir, ctl, make_config, sim_modem, wait_for

RATE = 60               # SMS per minute per modem: a slot a second
LIMIT = 5               # the small SIM's daily_limit
N = 30                  # subscribers
TEXT = "Hotline 1903"

SERIES = """
broadcast_rate = %d;
series = ( {
	name = "tips"; words = [ "TIPS" ]; every = 86400;
	confirm = { mn = "Элслээ"; en = "Joined"; };
	messages = ( { mn = "Зөвлөгөө 1"; en = "Tip 1"; },
	             { mn = "Зөвлөгөө 2"; en = "Tip 2"; } );
} );
"""

# name, prefixes, daily_limit (0: none)
MODEMS = (("small", ["+97699"], LIMIT), ("big", ["+97688"], 0))


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def two_modems_config(path, database, links, rate):
    make_config(path, database, sim_modem(links[0]),
                limits={"reply_budget": 50})
    with open(path, encoding="utf-8") as f:
        text = f.read()
    entries = []
    for (name, prefixes, limit), link in zip(MODEMS, links):
        s = dict(sim_modem(link), name=name, timeout=3, daily_limit=limit)
        items = "; ".join("%s = %s" % (k, '"%s"' % v if isinstance(v, str)
                                       else str(v).lower()
                                       if isinstance(v, bool) else v)
                          for k, v in s.items())
        entries.append("{ %s; prefixes = [ %s ]; }" % (
            items, ", ".join('"%s"' % p for p in prefixes)))
    text, n = re.subn(r'(?m)^modem = \{.*?\};[ \t]*$',
                      lambda m: "modems = (\n  %s\n);" % ",\n  ".join(entries),
                      text)
    assert n == 1
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + SERIES % rate)
    return path


class TwoModems(unittest.TestCase):
    """Two simulated modems and a daemon on them, for the class."""
    rate = RATE

    @classmethod
    def setUpClass(cls):
        from sim.modemsim import ModemSim
        cls.tmp = TempDir()
        cls.db = cls.tmp.join("shukher.db")
        links = [cls.tmp.join("gsm-" + m[0]) for m in MODEMS]
        cls.sims = {}
        for (name, _, _), link in zip(MODEMS, links):
            cls.sims[name] = ModemSim(link=link)
            cls.sims[name].start()
        cls.conf = two_modems_config(cls.tmp.join("shukher.conf"), cls.db,
                                     links, cls.rate)
        cls.daemon = None

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.daemon is not None and cls.daemon.proc.poll() is None:
                cls.daemon.stop(timeout=60)
        finally:
            for sim in cls.sims.values():
                sim.stop()
            cls.tmp.cleanup()

    def start_daemon(self):
        cls = type(self)
        cls.daemon = Daemon(self.conf)
        for name, _, _ in MODEMS:
            cls.daemon.wait_log(r"shukherd\[%s\].*modem: connected" % name,
                                timeout=60)

    def rows(self, sql, *params):
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True,
                              timeout=30)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def subscribe(self, numbers):
        """Subscribers who got message 1 and wait a day for message 2."""
        con = sqlite3.connect(self.db, timeout=30)
        try:
            with con:
                now = int(time.time())
                con.executemany(
                    "INSERT INTO subscriptions (number, series, lang, sent,"
                    " next_at, joined_at) VALUES (?, 'tips', 1, 1, ?, ?)",
                    [(n, now + 86400, now) for n in numbers])
        finally:
            con.close()

    def received(self, number):
        return sum(s.text == TEXT for sim in self.sims.values()
                   for s in sim.sent if s.number == number)

    def slots(self, state="queued"):
        return sorted(r[0] for r in self.rows(
            "SELECT o.next_at FROM outbox o JOIN broadcast_recipients r"
            " ON r.outbox_id = o.id WHERE o.state = ?", state))


class Spread(TwoModems):
    """30 subscribers, two modems, one of them limited to 5 a day."""

    def test_spread_within_limits_once_across_sigkill(self):
        numbers = ["%s%06d" % (MODEMS[i % 2][1][0], i) for i in range(N)]
        self.start_daemon()
        self.subscribe(numbers)
        out = ctl(self.db, "broadcast", "tips", *TEXT.split())
        self.assertTrue(out)
        # All queued at once, each dated by the schedule.
        wait_for(lambda: self.rows("SELECT count(*) FROM"
                                   " broadcast_recipients")[0][0] == N, 30,
                 "the broadcast queued")
        slots = sorted(r[0] for r in self.rows(
            "SELECT o.next_at FROM outbox o JOIN broadcast_recipients r"
            " ON r.outbox_id = o.id"))
        t0 = slots[0]
        # A slot a second on each modem until the small one has sent its
        # LIMIT, then the big one's alone: nothing sent yet today.
        want = sorted([t0 + i for i in range(LIMIT)] +
                      [t0 + i for i in range(N - LIMIT)])
        self.assertEqual(slots, want)
        # The daemon killed once a few have gone out.
        wait_for(lambda: sum(len(s.sent) for s in self.sims.values()) >= 6,
                 60, "the first broadcast SMS out; log:\n%s" %
                 self.daemon.log())
        kids = [int(m) for m in re.findall(r"modem \w+: process (\d+) started",
                                           self.daemon.log())]
        self.daemon.kill()
        # the modems' processes end with it
        wait_for(lambda: not any(alive(p) for p in kids), 20,
                 "the modems' processes to end")
        self.start_daemon()
        wait_for(lambda: all(self.received(n) for n in numbers), 120,
                 "every subscriber reached; log:\n%s" % self.daemon.log())
        wait_for(lambda: not self.rows(
            "SELECT 1 FROM outbox WHERE state = 'queued'"), 60,
            "the queue drained")
        # Queued once per subscriber; received once, but for a send the
        # kill may have cut short (one per modem, at least once on the
        # wire: gateway_send.c).
        self.assertEqual(self.rows(
            "SELECT count(*), count(DISTINCT o.number_hash) FROM outbox o"
            " JOIN broadcast_recipients r ON r.outbox_id = o.id"), [(N, N)])
        counts = [self.received(n) for n in numbers]
        self.assertTrue(all(c >= 1 for c in counts), counts)
        self.assertLessEqual(sum(counts) - N, len(MODEMS), counts)
        # The small SIM no further than its daily limit.
        self.assertLessEqual(len(self.sims["small"].sent), LIMIT)
        self.assertLessEqual(self.rows(
            "SELECT count(*) FROM outbox WHERE modem = 'small' AND"
            " state = 'sent'")[0][0], LIMIT)
        # None went before its slot.
        early = self.rows("SELECT count(*) FROM outbox WHERE sent_at <"
                          " next_at AND state = 'sent'")
        self.assertEqual(early, [(0,)])
        b = ctl(self.db, "broadcasts", "list")
        self.assertEqual([(x["series"], x["recipients"], x["sent"],
                           x["failed"]) for x in b], [("tips", N, N, 0)])


class QuietHours(TwoModems):
    """Quiet hours begin while a broadcast goes out: the rest waits."""
    rate = 15           # a slot each 4 s per modem

    def test_rest_waits_for_the_end_of_quiet_hours(self):
        numbers = ["+97688%06d" % i for i in range(8)]
        self.start_daemon()
        self.subscribe(numbers)
        ctl(self.db, "broadcast", "tips", *TEXT.split())
        wait_for(lambda: len(self.slots("queued")) + len(self.slots("sent"))
                 == len(numbers), 30, "the broadcast queued")
        last = max(self.slots("queued") + self.slots("sent"))
        # quiet_hours from two minutes ago to ten minutes from now, local
        a = time.localtime(time.time() - 120)
        b = time.localtime(time.time() + 600)
        end = int(time.mktime(b[:5] + (0,) + b[6:]))
        with open(self.conf, "a", encoding="utf-8") as f:
            f.write('quiet_hours = "%02d:%02d-%02d:%02d";\n' % (
                a.tm_hour, a.tm_min, b.tm_hour, b.tm_min))
        mark = len(self.daemon.lines)
        self.daemon.signal(signal.SIGHUP)
        self.daemon.wait_log(r"configuration reloaded", start=mark)
        wait_for(lambda: all(t >= end for t in self.slots("queued")), 30,
                 "the rest dated after quiet hours")
        sent = sum(self.received(n) for n in numbers)
        # Past every slot the broadcast had: nothing more went out but
        # what was on the wire as quiet hours began (one per modem).
        wait_for(lambda: time.time() > last + 2 * 4, 60,
                 "the broadcast's last slot passed")
        now_sent = sum(self.received(n) for n in numbers)
        self.assertLessEqual(now_sent - sent, len(MODEMS))
        held = self.slots("queued")
        self.assertTrue(held, "all sent before quiet hours began")
        self.assertTrue(all(t >= end for t in held), held)
        self.assertEqual(len(held) + now_sent, len(numbers))
        b = ctl(self.db, "broadcasts", "list")
        self.assertEqual([(x["recipients"], x["sent"]) for x in b],
                         [(len(numbers), now_sent)])


if __name__ == "__main__":
    unittest.main()
