"""What the campaign never sends (issue 18), end to end: the real shukherd
on the simulated modem, the real shukherctl.

A series message the scheduler queued while the network refused to send
waits in the outbox. The subscriber who then texts STOP (or the series'
leave word) never receives it: shukherctl shows it failed, with the
reason, and the answer to the STOP still comes. A series message queued
right before quiet hours is not sent until they end, while replies to
people's own SMS go all night.

One daemon plays the three people side by side, so that the set-up is
paid once; nothing waits a fixed time: what should not arrive is checked
once what came after it has arrived.
"""
import signal
import time
import unittest

from harness import ctl, wait_for
from test_campaign import SERIES, Campaign

A, C, D = "+97699150001", "+97699150003", "+97699150004"


def quiet_until_soon(after):
    """quiet_hours from two minutes ago to the first minute boundary a
    few seconds past both now and after, in the daemon's local time (the
    test's TZ), and when they end (epoch seconds)."""
    now = time.time()
    end = (int(max(now + 5, after + 3)) // 60 + 1) * 60
    a, b = time.localtime(now - 120), time.localtime(end)
    return ("%02d:%02d-%02d:%02d" % (a.tm_hour, a.tm_min, b.tm_hour,
                                     b.tm_min), end)


class SeriesNeverUnasked(Campaign):
    """STOP and the leave word fail a series message still queued; quiet
    hours hold one queued before them."""
    limits = {"reply_budget": 50, "retry_delay": 1, "send_attempts": 30}
    extra = SERIES

    def series_row(self, number):
        """The newest outbox row tied to number's series: (id, state,
        last_error, next_at, sent_at, attempts, text)."""
        rows = self.db_rows(
            "SELECT o.id, o.state, o.last_error, o.next_at, o.sent_at,"
            " o.attempts, o.text FROM outbox o JOIN series_outbox s ON"
            " s.outbox_id = o.id WHERE o.number = ? AND s.scheduled = 1"
            " ORDER BY o.id DESC LIMIT 1", number)
        return rows[0] if rows else None

    def reload(self, quiet):
        with open(self.conf, encoding="utf-8") as f:
            text = f.read()
        text = "\n".join(l for l in text.split("\n")
                         if not l.startswith("quiet_hours"))
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(text + '\nquiet_hours = "%s";\n' % quiet)
        mark = len(self.daemon.lines)
        self.daemon.signal(signal.SIGHUP)
        self.daemon.wait_log(r"configuration reloaded", start=mark)

    def row(self, id):
        return self.db_rows("SELECT id, state, last_error, next_at,"
                            " sent_at, attempts, text FROM outbox"
                            " WHERE id = ?", id)[0]

    def test_stop_and_quiet_hours_hold_a_queued_series_message(self):
        arrived = []        # (number, text, when the phone had it)
        self.sim.on_sent = lambda s: arrived.append((s.number, s.text,
                                                     time.time()))
        self.start_daemon()
        for who in (A, C, D):
            self.sim.inject(who, "tips")
        for who in (A, C, D):
            self.assertEqual(self.wait_texts(who, 2)[:2],
                             ["Joined. Stop: STOP", "Tip 1"])
        # The network refuses: each one's message 2 is queued, tried and
        # waits for a retry (the next waits behind it).
        self.sim.fail_sends(100000)
        for who in (A, C, D):
            wait_for(lambda who=who: (self.series_row(who) or
                                      (0,) * 6)[5] >= 1, 30,
                     "%s's message 2 refused; log:\n%s" %
                     (who, self.daemon.log()))
        held = {who: self.series_row(who)[0] for who in (A, C, D)}
        # A texts STOP, C the leave word: their message 2 fails at once.
        self.sim.inject(A, "STOP")
        self.sim.inject(C, "tips off")
        wait_for(lambda: self.series_row(A)[1] == "failed" and
                 self.series_row(C)[1] == "failed", 30,
                 "the queued message 2 failed")
        out = {o["id"]: o for o in ctl(self.db, "outbox", "--state",
                                       "failed")}
        self.assertEqual(out[held[A]]["last_error"], "stopped")
        self.assertEqual(out[held[C]]["last_error"],
                         "the number left the series")
        self.assertEqual(out[held[A]]["text"], "Tip 2")
        # Quiet hours begin with D's message 2 still queued, ending after
        # its retry was due: it is dated for their end; then the network
        # takes SMS again.
        quiet, end = quiet_until_soon(self.row(held[D])[3])
        self.reload(quiet)
        wait_for(lambda: self.row(held[D])[3] >= end, 30,
                 "D's message 2 held; log:\n%s" % self.daemon.log())
        self.sim.fail_sends(0)
        # Replies go in quiet hours: the answers to the STOP and to the
        # leave word arrive.
        self.assertEqual(self.wait_texts(A, 3)[2:], ["Stopped"])
        self.assertEqual(
            self.wait_texts(C, 3)[2:],
            ["You have left the series. No more messages will come."])
        # D's message 2 comes at the end of quiet hours, not before.
        self.assertEqual(self.wait_texts(D, 3, timeout=120)[2], "Tip 2")
        when = [t for n, text, t in arrived if n == D and text == "Tip 2"]
        self.assertEqual(len(when), 1)
        self.assertGreaterEqual(when[0], end)
        wait_for(lambda: self.row(held[D])[1] == "sent", 30,
                 "D's message 2 recorded as sent")
        self.assertGreaterEqual(self.row(held[D])[4], end)
        # ...and D's message 3 after it, from the scheduler: it ran, yet
        # A and C received nothing more.
        self.assertEqual(self.wait_texts(D, 4)[3], "Tip 3")
        self.assertEqual(self.texts(A), ["Joined. Stop: STOP", "Tip 1",
                                         "Stopped"])
        self.assertEqual(len(self.texts(C)), 3, self.texts(C))
        self.assertEqual(self.series_row(A)[:2], (held[A], "failed"))
        self.assertEqual(self.series_row(C)[:2], (held[C], "failed"))
        self.assertFalse([x for x in arrived if x[0] in (A, C) and
                          x[1].startswith("Tip ") and x[1] != "Tip 1"])


if __name__ == "__main__":
    unittest.main()
