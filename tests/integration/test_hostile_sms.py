"""Hostile and odd SMS records on the SIM (issue 12, items 1 and 12): the
real shukherd on libgammu's AT driver (connection = at) and the simulated
SIM800, as in the field.

One record that libgammu cannot decode must cost only itself: every other
record is read, stored, answered and deleted; the bad one is kept raw (the
hex of its PDU, marked malformed, in `shukherctl inbox --state malformed`)
and deleted once stored; the modem is never reopened for it. A "type 0"
SMS (TP-PID 0x40, the network testing that a phone is there) is stored,
deleted and never answered.
"""
import re
import shutil
import unittest

from harness import SimGateway, ctl, make_config, sim_modem, wait_for
from sim import pdu

REPLY_HELP = "Тусламж: 102"
HOSTILE = "+97699000666"
ALPHABETS = ("gsm7", "ucs2", "8bit")
# What the daemon logs when a modem problem makes it close or reopen.
REOPEN = re.compile(r"closing after|cannot open|read failed")


class HostileGateway(SimGateway):
    """A simulated SIM800 behind a stable link, and shukherd on it."""

    capacity = 40

    def deletes(self):
        return [e for e in self.sim.log if e.upper().startswith("AT+CMGD=")]

    def log_count(self, pattern):
        return len(re.findall(pattern, self.daemon.log()))

    def assert_never_reopened(self):
        self.assertIsNone(REOPEN.search(self.daemon.log()),
                          self.daemon.log())
        self.assertEqual(self.log_count(r"modem: connected"), 1)


class BadRecords(HostileGateway):
    def test_each_bad_record_costs_only_itself(self):
        """Every kind of lying record in every alphabet, between good
        ones, all on the SIM before the first read."""
        bad = {}
        good = []
        n = 0
        for alphabet in ALPHABETS:
            for kind in pdu.HOSTILE_KINDS:
                if n % 7 == 0:
                    number = "+976991100%02d" % len(good)
                    self.sim.inject(number, "тусламж")
                    good.append(number)
                hexpdu = pdu.hostile_deliver(kind, alphabet, sender=HOSTILE)
                bad[self.sim.inject_pdu(hexpdu)] = hexpdu
                n += 1
        self.assertEqual(len(bad), 21)
        self.assertEqual(len(good), 3)
        self.start_daemon()
        self.assertTrue(self.sim.wait_sent(len(good), 30), self.daemon.log())
        wait_for(lambda: not self.sim.stored(), 20, "an empty SIM")
        for number in good:
            sent = self.sent_to(number)
            self.assertEqual(len(sent), 1, number)
            self.assertEqual(sent[0].text, REPLY_HELP)
        self.assertEqual(self.sent_to(HOSTILE), [])
        self.assertEqual(len(self.sim.sent), len(good))
        inbox = ctl(self.db, "inbox")
        self.assertEqual(len(inbox), len(good) + len(bad))
        malformed = ctl(self.db, "inbox", "--state", "malformed")
        self.assertEqual(sorted(m["text"] for m in malformed),
                         sorted(bad.values()))
        self.assertTrue(all(m["malformed"] for m in malformed))
        self.assertTrue(all(m["handled_at"] for m in malformed))
        # each bad record was deleted, and only once it was stored
        self.assertEqual(len(set(self.deletes())), len(good) + len(bad))
        self.assertEqual(self.log_count(
            r"stored an SMS the modem could not decode"), len(bad))
        self.assert_never_reopened()
        self.assertNotIn(HOSTILE, self.daemon.log())

    def test_bad_record_arriving_later_does_not_stop_receiving(self):
        """With the daemon running: +CMTI for a bad record, then more
        good messages, each read in a pass of its own."""
        self.start_daemon()
        for i, kind in enumerate(pdu.HOSTILE_KINDS):
            self.sim.inject_pdu(pdu.hostile_deliver(
                kind, ALPHABETS[i % 3], sender=HOSTILE))
            self.sim.inject("+9769912000%d" % i, "тусламж")
            self.assertTrue(self.sim.wait_sent(i + 1, 30), self.daemon.log())
        wait_for(lambda: not self.sim.stored(), 20, "an empty SIM")
        self.assertEqual(len(self.sim.sent), len(pdu.HOSTILE_KINDS))
        malformed = ctl(self.db, "inbox", "--state", "malformed")
        self.assertEqual(len(malformed), len(pdu.HOSTILE_KINDS))
        self.assert_never_reopened()

    def test_record_that_cannot_be_deleted_is_stored_once(self):
        """A bad record the SIM refuses to delete stays there; later
        passes neither store it again nor stop answering the others."""
        hexpdu = pdu.hostile_deliver("reserved_type", "gsm7", sender=HOSTILE)
        idx = self.sim.inject_pdu(hexpdu)
        self.sim.refuse_delete(idx)
        self.start_daemon()
        for i in range(3):
            self.sim.inject("+9769913000%d" % i, "тусламж")
            self.assertTrue(self.sim.wait_sent(i + 1, 30), self.daemon.log())
        wait_for(lambda: len(self.sim.stored()) == 1, 20,
                 "only the refused record on the SIM")
        self.assertEqual(self.sim.stored()[0]["pdu"], hexpdu)
        refused = [e for e in self.deletes() if e == "AT+CMGD=%d" % idx]
        self.assertGreaterEqual(len(refused), 2, "one delete per pass")
        malformed = ctl(self.db, "inbox", "--state", "malformed")
        self.assertEqual([m["text"] for m in malformed], [hexpdu])
        self.assertEqual(len(ctl(self.db, "inbox")), 4)
        self.assertGreaterEqual(self.log_count(r"stays on the SIM"), 2)
        self.assert_never_reopened()
        # once the SIM lets go, the next pass deletes it
        self.sim.refuse_delete(idx, None)
        self.sim.inject("+97699130009", "тусламж")
        self.assertTrue(self.sim.wait_sent(4, 30), self.daemon.log())
        wait_for(lambda: not self.sim.stored(), 20, "an empty SIM")
        self.assertEqual(len(ctl(self.db, "inbox", "--state", "malformed")),
                         1)


@unittest.skipUnless(shutil.which("socat"), "socat is missing")
class NoLineOfOurOwn(HostileGateway):
    """connection = proxyat: libgammu talks through socat's pipes, so the
    daemon has no line for commands of its own. A bad record is neither
    stored nor deleted (nothing is deleted that was not stored), never
    blocks the others, and is logged once, not at every read."""

    def setUp(self):
        super().setUp()
        modem = sim_modem(self.tmp.join("gsm-modem"))
        modem.update(connection="proxyat", device="socat - FILE:%s,raw,"
                     "echo=0" % self.tmp.join("gsm-modem"))
        make_config(self.conf, self.db, modem)

    def test_bad_record_stays_and_the_rest_is_answered(self):
        self.sim.inject("+97699150001", "тусламж")
        hexpdu = pdu.hostile_deliver("udl_zero_with_data", "ucs2",
                                     sender=HOSTILE)
        idx = self.sim.inject_pdu(hexpdu)
        self.sim.inject("+97699150002", "тусламж")
        self.start_daemon()
        self.assertTrue(self.sim.wait_sent(2, 30), self.daemon.log())
        for i in range(3, 5):               # two more read passes
            self.sim.inject("+9769915000%d" % i, "тусламж")
            self.assertTrue(self.sim.wait_sent(i, 30), self.daemon.log())
        wait_for(lambda: len(self.sim.stored()) == 1, 20,
                 "only the bad record on the SIM")
        self.assertEqual(self.sim.stored()[0]["index"], idx)
        self.assertNotIn("AT+CMGD=%d" % idx, self.deletes())
        self.assertEqual(len(ctl(self.db, "inbox")), 4)
        self.assertEqual(ctl(self.db, "inbox", "--state", "malformed"), [])
        self.assertEqual(self.log_count(r"cannot fetch it raw"), 1)
        self.assert_never_reopened()


class Probes(HostileGateway):
    def test_type0_sms_is_stored_deleted_never_answered(self):
        """TP-PID 0x40, empty and with a keyword, in GSM-7 and UCS-2: no
        reply, no keyword hit; the message after them is answered."""
        self.start_daemon()
        probes = [("+97699140001", "", "gsm7"),
                  ("+97699140002", "тусламж", "ucs2"),
                  ("+97699140003", "help", "gsm7")]
        for number, text, alphabet in probes:
            self.sim.inject_pdu(pdu.encode_deliver(number, text, alphabet,
                                                   pid=pdu.PID_TYPE0))
        self.sim.inject("+97699140009", "тусламж")
        self.assertTrue(self.sim.wait_sent(1, 30), self.daemon.log())
        wait_for(lambda: not self.sim.stored(), 20, "an empty SIM")
        wait_for(lambda: len(ctl(self.db, "inbox", "--state", "handled"))
                 == 4, 20, "four handled messages")
        self.assertEqual([s.number for s in self.sim.sent], ["+97699140009"])
        inbox = ctl(self.db, "inbox")
        got = sorted((m["sender"], m["text"], m["keyword"]) for m in inbox
                     if m["keyword"] == "probe")
        self.assertEqual(got, sorted((n, t, "probe") for n, t, _ in probes))
        stats = ctl(self.db, "stats")
        hits = sum(r["count"] for r in stats if r["keyword"] == "help")
        self.assertEqual(hits, 1, stats)
        self.assertFalse(any(r["keyword"] == "probe" for r in stats))
        self.assertEqual(len(self.deletes()), 4)
        self.assertEqual(self.log_count(r"type 0 SMS"), len(probes))
        self.assert_never_reopened()


if __name__ == "__main__":
    unittest.main()
