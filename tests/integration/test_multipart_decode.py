"""A long message is decoded as a whole (issue 12, item 2): the real
shukherd on the simulated modem, libgammu's real AT driver reading PDUs
built here unit by unit, the way a phone splits a long message wherever a
part is full: between the two halves of a surrogate pair, inside a UTF-8
sequence of 8-bit data. What a reporter and a caseworker would check: the
report is filed (`shukherctl reports list`), the reporter gets the
acknowledgement with its reference, a keyword gets its reply; and what the
inbox holds (U+FFFD for a unit nothing can read, never a text cut short).
"""
import subprocess
import unittest

from harness import (Daemon, TempDir, binary, ctl, make_config, sim_modem,
                     wait_for)
from sim import pdu
from sim.modemsim import ModemSim

EMOJI = "\U0001F600"            # D83D DE00 in UTF-16
FFFD = "\uFFFD"
HELP_MN = "Тусламж: 102"        # the fixture's help reply, in Mongolian
HELP_EN = "Help: 102"
ACK = "Received"                # the fixture's report reply (en)
ACK_MN = "Хүлээн авлаа"


def utf16(text):
    return text.encode("utf-16-be")


def split_at_unit(data, unit):
    """UTF-16 bytes cut after unit units: maybe inside a pair."""
    return [data[:2 * unit], data[2 * unit:]]


class MultipartDecode(unittest.TestCase):
    """One daemon for the class (AT init costs seconds); every test texts
    from numbers of its own, so the reply budget never mixes them."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.db = cls.tmp.join("shukher.db")
        cls.sim = ModemSim(link=cls.tmp.join("gsm-modem"))
        cls.sim.start()
        cls.conf = make_config(cls.tmp.join("shukher.conf"), cls.db,
                               sim_modem(cls.tmp.join("gsm-modem")))
        cls.daemon = Daemon(cls.conf)
        cls.daemon.wait_log(r"modem: connected", timeout=60)

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.daemon.proc.poll() is None:
                assert cls.daemon.stop(timeout=60) == 0, cls.daemon.log()
        finally:
            cls.sim.stop()
            cls.tmp.cleanup()

    # ---- helpers --------------------------------------------------------

    def inject_parts(self, sender, payloads, alphabet, ref, order=None):
        """Delivers the parts (user data bytes each, without the UDH) of
        one concatenated message, in the order given (1-based)."""
        total = len(payloads)
        pdus = [pdu.encode_deliver(sender, data, alphabet,
                                   udh=pdu.concat_udh(ref, total, seq),
                                   smsc=self.sim.smsc)
                for seq, data in enumerate(payloads, 1)]
        for seq in order or range(1, total + 1):
            self.sim.inject_pdu(pdus[seq - 1])

    def inject_single(self, sender, data, alphabet="ucs2"):
        self.sim.inject_pdu(pdu.encode_deliver(sender, data, alphabet,
                                               smsc=self.sim.smsc))

    def sent_to(self, number):
        return [s for s in self.sim.sent if s.number == number]

    def reply(self, number, what="the reply"):
        return wait_for(lambda: self.sent_to(number), 60,
                        "%s to %s" % (what, number))[0].text

    def handled(self, number):
        """The inbox rows from number once all are handled (a report's
        own row is blanked: look for it in the reports)."""
        def done():
            rows = [m for m in ctl(self.db, "inbox")
                    if m["sender"] == number]
            return rows if rows and all(m["handled_at"] for m in rows) \
                else None
        return wait_for(done, 60, "the messages from %s handled" % number)

    def report_of(self, number):
        """The one report filed from number, after its acknowledgement."""
        ack = self.reply(number, "the acknowledgement")
        self.assertIn("#", ack)
        ref = ack.rsplit("#", 1)[1].strip()
        reports = [r for r in ctl(self.db, "reports", "list")
                   if r["number"] == number]
        self.assertEqual(len(reports), 1, reports)
        self.assertEqual(reports[0]["ref"], ref)
        return ack, reports[0]

    # ---- surrogate pairs ------------------------------------------------

    def test_emoji_split_between_parts_in_a_report_both_orders(self):
        text = ("REPORT " + "они паспорт авсан " * 3 + EMOJI +
                " Эрээн хотын зочид буудалд " * 2 + EMOJI)
        data = utf16(text)
        cut = text.index(EMOJI) + 1       # after the high surrogate
        self.assertEqual(data[2 * cut - 2:2 * cut], b"\xd8\x3d")
        parts = split_at_unit(data, cut)
        for number, order in (("+97699200001", [1, 2]),
                              ("+97699200002", [2, 1])):
            self.inject_parts(number, parts, "ucs2", ref=0x41,
                              order=order)
        for number in ("+97699200001", "+97699200002"):
            ack, report = self.report_of(number)
            self.assertIn(ack.split(" #")[0], (ACK, ACK_MN))
            self.assertEqual(report["text"], text)
            self.assertNotIn(FFFD, report["text"])

    def test_keyword_with_an_emoji_gets_its_reply(self):
        # one SMS, and a long one whose emoji straddles the parts
        self.sim.inject("+97699200011", "тусламж " + EMOJI + EMOJI)
        text = "тусламж " + "х" * 58 + EMOJI + " баярлалаа " + EMOJI
        self.inject_parts("+97699200012",
                          split_at_unit(utf16(text), text.index(EMOJI) + 1),
                          "ucs2", ref=0x42, order=[2, 1])
        for number in ("+97699200011", "+97699200012"):
            self.assertEqual(self.reply(number), HELP_MN)
        rows = self.handled("+97699200012")
        self.assertEqual([(m["text"], m["malformed"], m["parts"])
                          for m in rows], [(text, False, 2)])

    def test_lone_surrogates_and_nul_in_a_single_sms(self):
        cases = {
            # a high surrogate at the end, a low one at the start
            "+97699200021": (utf16("HELP ") + b"\xd8\x3d",
                             "HELP " + FFFD, HELP_EN),
            "+97699200022": (b"\xdc\x01" + utf16(" тусламж"),
                             FFFD + " тусламж", HELP_MN),
            # U+0000 in the middle: the rest is there
            "+97699200023": (utf16("тусламж") + b"\x00\x00" +
                             utf16(" хэрэгтэй байна"),
                             "тусламж" + FFFD + " хэрэгтэй байна", HELP_MN),
        }
        for number, (data, _, _) in cases.items():
            self.inject_single(number, data)
        for number, (_, text, answer) in cases.items():
            self.assertEqual(self.reply(number), answer)
            rows = self.handled(number)
            self.assertEqual([(m["text"], m["malformed"]) for m in rows],
                             [(text, False)])

    def test_tilde_arrives_as_sent(self):
        # libgammu writes each "~" of a UCS-2 text as two; read as sent
        text = "тусламж ~ 50%~~ ~"
        self.sim.inject("+97699200031", text)
        self.assertEqual(self.reply("+97699200031"), HELP_MN)
        self.assertEqual([m["text"] for m in self.handled("+97699200031")],
                         [text])

    # ---- 8-bit, invalid units, malformed --------------------------------

    def test_utf8_sequences_split_in_8bit_parts(self):
        text = "REPORT 5000 € for a job in Erlian " + EMOJI + " help us"
        data = text.encode("utf-8")
        euro = data.index("€".encode()) + 2        # 2 of its 3 bytes
        emoji = data.index(EMOJI.encode()) + 1     # 1 of its 4 bytes
        parts = [data[:euro], data[euro:emoji], data[emoji:]]
        self.inject_parts("+97699200041", parts, "8bit", ref=0x43,
                          order=[3, 1, 2])
        ack, report = self.report_of("+97699200041")
        self.assertTrue(ack.startswith(ACK), ack)
        self.assertEqual(report["text"], text)

    def test_invalid_unit_in_a_long_report(self):
        head = "МЭДЭЭЛЭХ " + "охидыг хилээр гаргаж байна " * 3
        tail = " Замын-Үүд " * 3
        data = utf16(head) + b"\xdc\x00" + utf16(tail)
        self.inject_parts("+97699200051", split_at_unit(data, 67),
                          "ucs2", ref=0x44, order=[2, 1])
        ack, report = self.report_of("+97699200051")
        self.assertTrue(ack.startswith(ACK_MN), ack)
        self.assertEqual(report["text"], head + FFFD + tail)

    def test_malformed_message_starting_as_a_report_is_filed(self):
        # part 2 is binary 8-bit data: the message stays malformed (its
        # hex is kept), and its start is a report
        number = "+97699200061"
        head = "REPORT they keep three girls in the Nomad hotel "
        junk = bytes([0xff, 0x00, 0x01, 0xc3, 0x02, 0x03])
        for seq, data, alphabet in ((2, junk, "8bit"),
                                    (1, utf16(head), "ucs2")):
            self.sim.inject_pdu(pdu.encode_deliver(
                number, data, alphabet, udh=pdu.concat_udh(0x45, 2, seq),
                smsc=self.sim.smsc))
        ack, report = self.report_of(number)
        self.assertTrue(ack.startswith(ACK), ack)
        self.assertEqual(report["text"], head + junk.hex().upper())
        p = subprocess.run([binary("shukherctl"), "-d", self.db,
                            "reports", "list"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(report["ref"], p.stdout)
        malformed = [m for m in ctl(self.db, "inbox")
                     if m["id"] == report["message_id"]]
        self.assertEqual([m["malformed"] for m in malformed], [True])

if __name__ == "__main__":
    unittest.main()
