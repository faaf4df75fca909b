"""The campaign end to end: the real shukherd on the simulated modem, the
real shukherctl. What a subscriber, a survey respondent and the campaign
team would check: the series arrives one message at a time, never in
quiet hours, and nothing after STOP; a broadcast reaches every subscriber
once, across a SIGKILL; a survey answered every way a person texts counts
right, an abandoned one counts as partial, a repeat is refused; and once
an attempt's window has passed, the database's bytes hold no respondent's
number.

Each class starts one daemon and plays several people at once, so that
the set-up is paid once. Bounds are generous; nothing waits a fixed time
but where absence is the point, and then only a few schedule periods.
"""
import signal
import sqlite3
import time
import unittest

from harness import Daemon, SimGateway, ctl, raw_db, wait_for

EVERY = 2       # seconds between series messages in these tests

NTIPS = 20
SERIES = """
broadcast_rate = 60;
series = ( {
	name = "tips"; words = [ "ЗӨВЛӨГӨӨ", "TIPS" ]; leave_words = [ "TIPS OFF" ];
	every = %d;
	confirm = { mn = "Элслээ. Зогсоох: ЗОГС"; en = "Joined. Stop: STOP"; };
	messages = ( %s );
} );
""" % (EVERY, ",\n\t".join('{ mn = "Зөвлөгөө %d"; en = "Tip %d"; }' % (i, i)
                            for i in range(1, NTIPS + 1)))

SURVEY = """
surveys = ( {
	name = "know_pre"; wave = "pre"; words = [ "СУДАЛГАА", "SURVEY" ];
	timeout = 15; window = 8;
	consent = { mn = "Нэргүй судалгаа"; en = "Anonymous survey"; };
	hint = { mn = "Дахин:"; en = "Again:"; };
	done = { mn = "Баярлалаа"; en = "Thanks"; };
	repeat = { mn = "Та хариулсан"; en = "Already answered"; };
	questions = (
	  { name = "fake_job"; type = "choice";
	    text = { mn = "А1: 1 хуурамч 2 жинхэнэ 3 мэдэхгүй"; en = "Q1: 1 fake 2 real 3 dont know"; };
	    options = ( [ "хуурамч", "fake" ], [ "жинхэнэ", "real" ], [ "мэдэхгүй", "dont know" ] ); },
	  { name = "age"; type = "number"; min = 18; max = 27;
	    text = { mn = "А2: нас?"; en = "Q2: age?"; }; },
	  { name = "knows_1903"; type = "yesno";
	    text = { mn = "А3: 1903 мэдэх үү?"; en = "Q3: know 1903?"; }; },
	  { name = "where"; type = "text";
	    text = { mn = "А4: хаана мэдээлэх вэ?"; en = "Q4: where to report?"; }; }
	);
} );
sources = ( { name = "darkhan_poster"; words = [ "ТУСЛАМЖ ДАРХАН", "HELP DARKHAN" ]; } );
"""


def quiet_now():
    """quiet_hours covering the next 10 minutes, in the daemon's local
    time (the test's TZ)."""
    t = time.localtime(time.time() - 120)
    u = time.localtime(time.time() + 600)
    return "%02d:%02d-%02d:%02d" % (t.tm_hour, t.tm_min, u.tm_hour, u.tm_min)


class Campaign(SimGateway):
    limits = {"reply_budget": 50}
    extra = ""

    def setUp(self):
        super().setUp()
        with open(self.conf, "a", encoding="utf-8") as f:
            f.write(self.extra)

    def texts(self, number):
        return [s.text for s in self.sent_to(number)]

    def db_rows(self, sql, *params):
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True,
                              timeout=30)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def wait_texts(self, number, n, timeout=30):
        wait_for(lambda: len(self.texts(number)) >= n, timeout,
                 "%d messages to %s; log:\n%s" % (n, number,
                                                   self.daemon.log()))
        return self.texts(number)


class Series(Campaign):
    """Join, 1..3 on schedule, quiet hours, STOP; a broadcast across a
    SIGKILL."""
    extra = SERIES

    def set_quiet(self, value, reload=False):
        with open(self.conf, encoding="utf-8") as f:
            text = f.read()
        text = "\n".join(l for l in text.split("\n")
                         if not l.startswith("quiet_hours"))
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(text + '\nquiet_hours = "%s";\n' % value)

    def test_series_quiet_hours_stop_and_broadcast(self):
        A, B = "+97699120001", "+97699120002"
        C, D, E = "+97699120003", "+97699120004", "+97699120005"
        self.set_quiet(quiet_now())
        self.start_daemon()
        # Joining in quiet hours: the answer comes (the person asked),
        # the next message waits for the morning.
        self.sim.inject(A, "зөвлөгөө")
        self.sim.inject(B, "tips")
        self.assertEqual(self.wait_texts(A, 2)[:2],
                         ["Элслээ. Зогсоох: ЗОГС", "Зөвлөгөө 1"])
        self.assertEqual(self.wait_texts(B, 2)[:2], ["Joined. Stop: STOP",
                                                     "Tip 1"])
        due = self.db_rows("SELECT max(next_at) FROM subscriptions")[0][0]
        wait_for(lambda: time.time() > due + 2 * EVERY + 1, 30,
                 "two periods past the due time")
        self.assertEqual(len(self.texts(A)), 2, "sent in quiet hours")
        self.assertEqual(self.db_rows("SELECT sent FROM subscriptions"
                                      " ORDER BY id"), [(1,), (1,)])
        # Morning: 2 and 3 arrive, one at a time.
        self.set_quiet("")
        mark = len(self.daemon.lines)
        self.daemon.signal(signal.SIGHUP)
        self.daemon.wait_log(r"configuration reloaded", start=mark)
        self.assertEqual(self.wait_texts(A, 4)[2:4],
                         ["Зөвлөгөө 2", "Зөвлөгөө 3"])
        self.sim.inject(A, "ЗОГС")
        wait_for(lambda: not self.db_rows(
            "SELECT 1 FROM subscriptions WHERE number = ?", A), 30,
            "A's subscription gone")
        wait_for(lambda: "Зогслоо" in self.texts(A), 30, "the STOP reply")
        after_stop = len(self.texts(A))
        # B goes on: two more of B's prove the scheduler ran meanwhile.
        n = len(self.texts(B))
        self.wait_texts(B, n + 2)
        self.assertEqual(len(self.texts(A)), after_stop, self.texts(A))
        tips_after = [t for t in self.texts(A)[after_stop - 1:]
                      if t.startswith("Зөвлөгөө")]
        self.assertEqual(tips_after, [], "a tip after STOP")
        # A number that said STOP is enrolled by nothing.
        self.sim.inject(A, "зөвлөгөө")
        self.sim.inject(C, "tips")
        self.sim.inject(D, "tips")
        self.sim.inject(E, "ЗӨВЛӨГӨӨ")
        for who in (C, D, E):
            self.wait_texts(who, 2)
        self.assertFalse(self.db_rows(
            "SELECT 1 FROM subscriptions WHERE number = ?", A))
        series = ctl(self.db, "series", "list")
        self.assertEqual(sum(r["subscribers"] for r in series), 4, series)
        self.assertNotIn("+976", repr(series))
        # A broadcast, the daemon killed as the first one goes out.
        before = {w: len(self.texts(w)) for w in (A, B, C, D, E)}
        ctl(self.db, "broadcast", "tips", "Hotline", "1903")
        wait_for(lambda: any("Hotline 1903" in self.texts(w)
                             for w in (B, C, D, E)), 30, "a broadcast out")
        self.daemon.proc.kill()
        self.daemon.proc.wait(timeout=10)
        self.daemon = Daemon(self.conf)
        self.daemon.wait_log(r"modem: connected", timeout=60)
        for w in (B, C, D, E):
            wait_for(lambda w=w: "Hotline 1903" in self.texts(w), 40,
                     "the broadcast to %s" % w)
        # Once each: let the queue drain, then count.
        wait_for(lambda: not self.db_rows(
            "SELECT 1 FROM outbox o JOIN broadcast_recipients r ON"
            " r.outbox_id = o.id WHERE o.state = 'queued'"), 30,
            "the broadcast sent")
        # Queued once per subscriber, whatever the kill interrupted...
        self.assertEqual(self.db_rows(
            "SELECT count(*), count(DISTINCT o.number_hash) FROM outbox o"
            " JOIN broadcast_recipients r ON r.outbox_id = o.id"), [(4, 4)])
        # ...and received once each, but for the one SMS that may have
        # been on the wire at the kill: the outbox sends it again, as it
        # does any message whose send was not recorded (at least once on
        # the wire, gateway_send.c).
        counts = [self.texts(w).count("Hotline 1903") for w in (B, C, D, E)]
        self.assertTrue(all(c >= 1 for c in counts), counts)
        self.assertLessEqual(sum(counts) - 4, 1, counts)
        self.assertNotIn("Hotline 1903", self.texts(A)[before[A]:])
        self.assertEqual(self.db_rows("SELECT count(*) FROM"
                                      " broadcast_recipients"), [(4,)])
        b = ctl(self.db, "broadcasts", "list")
        self.assertEqual([(x["series"], x["recipients"], x["sent"])
                          for x in b], [("tips", 4, 4)])


class Survey(Campaign):
    """A survey answered every way a person texts, one abandoned, one
    repeated; results; no respondent's number left after the window; a
    source counted."""
    extra = SURVEY

    def converse(self, scripts):
        """Plays each number's script (texts sent one at a time, each
        after the answer to the one before) side by side."""
        step = 0
        while any(step < len(s) for s in scripts.values()):
            want = {}
            for who, script in scripts.items():
                if step < len(script):
                    want[who] = len(self.texts(who)) + 1
                    self.sim.inject(who, script[step])
            for who, n in want.items():
                self.wait_texts(who, n)
            step += 1

    def test_survey_answers_results_and_forgetting(self):
        P1, P2, P3, P4 = ("+97699130001", "+97699130002", "+97699130003",
                          "+97699130004")
        self.start_daemon()
        self.sim.inject(P1, "судалгаа")
        self.wait_texts(P1, 2)
        # While the attempt runs, the questions' outbox rows hold it.
        self.assertTrue(P1[4:].encode() in raw_db(self.db),
                        "the number is where the test looks")
        self.converse({
            # Digits with a dot, a number, Cyrillic yes, free text; then
            # the start word again: a repeat within the window, refused.
            P1: ["1.", "22", "тийм", "1903 руу утасдана", "СУДАЛГАА"],
            # A typo of an option word, a wrong answer (hint), English no.
            P2: ["survey", "fkae", "maybe", "25", "no", "police 102"],
            # Latin Mongolian; out of range twice (hint, then on without
            # it); Latin yes; then silence: partial.
            P3: ["sudalgaa", "huuramch", "30", "40", "tiim"],
            # A letter, a number, Latin no, text.
            P4: ["SURVEY", "b", "19", "ugui", "at the police"],
        })
        t1 = self.texts(P1)
        self.assertEqual(t1[0], "Нэргүй судалгаа")
        self.assertTrue(t1[1].startswith("А1"))
        self.assertEqual(t1[-2:], ["Баярлалаа", "Та хариулсан"])
        t2 = self.texts(P2)
        self.assertEqual(t2[3], "Again: Q2: age?")
        self.assertEqual(t2[-1], "Thanks")
        # A source: counted, answered as the keyword it contains.
        self.sim.inject("+97699130009", "help darkhan")
        self.assertEqual(self.wait_texts("+97699130009", 1)[0], "Help: 102")
        by = ctl(self.db, "stats", "--by", "source")
        self.assertEqual([(r["source"], r["count"]) for r in by],
                         [("darkhan_poster", 1)])
        # P3 fell silent: partial after the timeout.
        wait_for(lambda: ctl(self.db, "surveys", "results",
                             "know_pre")["partial"] == 1, 30, "a partial")
        r = ctl(self.db, "surveys", "results", "know_pre")
        self.assertEqual((r["complete"], r["partial"], r["open"]), (3, 1, 0))
        got = {}
        for a in r["answers"]:
            key = a.get("choice", a.get("number"))
            got.setdefault(a["index"], {})[key if "text" not in a
                                           else a["text"]] = a["count"]
        self.assertEqual(got[1], {1: 3, 2: 1})
        self.assertEqual(got[2], {22: 1, 25: 1, 19: 1})
        self.assertEqual(got[3], {1: 2, 2: 2})
        self.assertEqual(sorted(got[4]), sorted(["1903 руу утасдана",
                                                 "police 102",
                                                 "at the police"]))
        # Once every attempt's window has passed, no respondent's number
        # is left anywhere in the database or its WAL.
        wait_for(lambda: not self.db_rows("SELECT 1 FROM survey_attempts"
                                          " WHERE hash IS NOT NULL"), 40,
                 "every attempt forgotten")

        def clean():
            data = raw_db(self.db)
            return not any(p[4:].encode() in data for p in (P1, P2, P3, P4))
        wait_for(clean, 30, "no respondent's number in the database")
        # A start word after the window: a new attempt (the hash that
        # would have told the repeat is gone).
        self.sim.inject(P1, "СУДАЛГАА")
        self.assertEqual(self.wait_texts(P1, len(t1) + 2)[-2],
                         "Нэргүй судалгаа")
        self.assertTrue(self.db_rows("SELECT count(*) FROM survey_answers"
                                     )[0][0] >= 13)


if __name__ == "__main__":
    unittest.main()
