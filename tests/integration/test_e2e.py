"""The whole gateway against a simulated SIM800 modem: the real shukherd
binary, libgammu's real AT driver on a pseudo-terminal, a real SQLite file,
real signals. What a person texting and a technician would check: replies
arrive, nothing is lost or handled twice, and the daemon recovers by itself.

Bounds are generous (a loaded machine must not make these flake); how fast
things are is measured by `make bench`, not here.
"""
import os
import time
import unittest

from harness import Daemon, SimGateway, ctl, wait_for

REPLY_HELP = "Тусламж: 102"
MENU = "1 Тусламж 2 Ажил 3 Мэдээлэх"



class Gateway(SimGateway):
    """A simulated modem behind a stable link, and a daemon on it."""

    limits = {}

    def inbox(self):
        return ctl(self.db, "inbox")

    def assert_private_log(self, *secrets):
        log = self.daemon.log()
        for s in secrets:
            self.assertNotIn(s, log, "the log shows a number or a text")


class Receive(Gateway):
    def test_keyword_is_answered_and_gone_from_sim(self):
        self.start_daemon()
        self.sim.inject("+97699110001", "тусламж")
        self.assertTrue(self.sim.wait_sent(1, 10), self.daemon.log())
        sent = self.sim.sent[0]
        self.assertEqual(sent.number, "+97699110001")
        self.assertEqual(sent.text, REPLY_HELP)
        self.assertEqual(sent.encoding, "ucs2")
        wait_for(lambda: not self.sim.stored(), 10, "an empty SIM")
        msgs = self.inbox()
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0]["text"], "тусламж")
        self.assertEqual(msgs[0]["keyword"], "help")
        self.assert_private_log("+97699110001", "99110001", "тусламж")

    def test_three_part_cyrillic_out_of_order_is_one_message(self):
        self.start_daemon()
        text = ("Тусламж хэрэгтэй байна. " * 7).strip()   # > 134 chars
        idx = self.sim.inject("+97699110002", text, encoding="ucs2",
                              order=[3, 1, 2])
        self.assertEqual(len(idx), 3)
        self.assertTrue(self.sim.wait_sent(1, 15), self.daemon.log())
        time.sleep(1)
        self.assertEqual(len(self.sent_to("+97699110002")), 1)
        self.assertEqual(self.sim.sent[0].text, REPLY_HELP)
        msgs = self.inbox()
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0]["text"], text)
        self.assertEqual(msgs[0]["parts"], 3)
        self.assertFalse(msgs[0]["partial"])

    def test_long_gsm7_reply_is_concatenated(self):
        self.start_daemon()
        self.sim.inject("+97699110003", "hello there")
        self.assertTrue(self.sim.wait_sent(1, 10), self.daemon.log())
        self.assertEqual(self.sim.sent[0].text, MENU)


class Partial(Gateway):
    limits = {"multipart_timeout": 3}

    def test_missing_part_is_handled_as_partial_after_timeout(self):
        self.start_daemon()
        text = "тусламж " + "хэрэгтэй " * 20
        self.sim.inject("+97699110004", text, encoding="ucs2",
                        drop_parts=(2,))
        self.assertTrue(self.sim.wait_sent(1, 20), self.daemon.log())
        self.assertEqual(self.sim.sent[0].text, REPLY_HELP)
        msgs = self.inbox()
        self.assertEqual(len(msgs), 1)
        self.assertTrue(msgs[0]["partial"])
        self.assertTrue(msgs[0]["text"].startswith("тусламж"))


class Burst(Gateway):
    limits = {"reply_budget": 5}

    def test_burst_of_50_with_sigkill_loses_nothing(self):
        self.start_daemon()
        senders = ["+9769920%04d" % i for i in range(50)]
        for s in senders:
            self.sim.inject(s, "тусламж", notify=True)
        wait_for(lambda: len(self.sim.sent) >= 5, 60, "some replies")
        self.daemon.kill()                          # SIGKILL mid-burst
        self.daemon = Daemon(self.conf)
        self.daemon.wait_log(r"modem: connected", timeout=60)
        wait_for(lambda: len({s.number for s in self.sim.sent}) >= 50,
                 240, "a reply to each of the 50 senders")
        wait_for(lambda: not self.sim.stored(), 30, "an empty SIM")
        msgs = self.inbox()
        by_sender = {}
        for m in msgs:
            by_sender.setdefault(m["sender"], []).append(m)
        self.assertEqual(sorted(by_sender), sorted(senders))
        for s, ms in by_sender.items():
            self.assertEqual(len(ms), 1, "%s stored %d times" % (s, len(ms)))
        self.assertEqual({s.number for s in self.sim.sent}, set(senders))


class Recovery(Gateway):
    def test_mute_modem_recovers_and_status_shows_outage(self):
        self.start_daemon()
        self.sim.inject("+97699110005", "тусламж")
        self.assertTrue(self.sim.wait_sent(1, 10), self.daemon.log())
        self.sim.mute(20)
        self.sim.inject("+97699110006", "тусламж", notify=False)
        outage = wait_for(lambda: (lambda st: st if st and (
            not st.get("connected") or st.get("last_error")) else None)(
                ctl(self.db, "status")), 60, "the outage in status")
        self.assertTrue(outage.get("last_error"))
        self.assertTrue(self.sim.wait_sent(2, 90), self.daemon.log())
        self.assertEqual(self.sim.sent[1].number, "+97699110006")
        wait_for(lambda: ctl(self.db, "status").get("connected"), 60,
                 "connected again")
        wait_for(lambda: not self.sim.stored(), 30, "an empty SIM")

    def test_device_vanishes_and_returns_under_new_name(self):
        self.start_daemon()
        old = os.path.realpath(self.tmp.join("gsm-modem"))
        self.sim.vanish()
        time.sleep(2)
        self.sim.reappear()
        self.assertNotEqual(os.path.realpath(self.tmp.join("gsm-modem")),
                            old)
        self.sim.inject("+97699110007", "тусламж")
        self.assertTrue(self.sim.wait_sent(1, 90), self.daemon.log())
        self.assertEqual(self.sim.sent[0].number, "+97699110007")


class Faults(Gateway):
    limits = {"send_attempts": 2, "retry_delay": 1}

    def test_send_errors_are_retried_then_failed_with_reason(self):
        self.start_daemon()
        self.sim.fail_sends(100, code=500)
        self.sim.inject("+97699110008", "тусламж")
        rows = wait_for(lambda: [r for r in ctl(self.db, "outbox")
                                 if r["state"] == "failed"], 60,
                        "the reply marked failed")
        self.assertEqual(rows[0]["attempts"], 2)
        self.assertIn("500", rows[0]["last_error"])
        self.assertEqual(len(self.inbox()), 1)
        self.sim.fail_sends(0)
        self.sim.inject("+97699110009", "тусламж")
        self.assertTrue(self.sim.wait_sent(1, 30), self.daemon.log())

    def test_garbage_lines_do_not_crash_or_lose(self):
        self.start_daemon()
        for i in range(3):
            self.sim.garbage()
            self.sim.inject("+9769911001%d" % i, "тусламж")
        self.assertTrue(self.sim.wait_sent(3, 60), self.daemon.log())
        self.assertIsNone(self.daemon.proc.poll())
        self.assertEqual(len(self.inbox()), 3)

    def test_full_sim_delivers_everything_once_space_is_freed(self):
        self.sim.set_full(True)
        for i in range(3):
            self.sim.inject("+9769911002%d" % i, "тусламж")
        self.start_daemon()
        self.sim.set_full(False)
        self.assertTrue(self.sim.wait_sent(3, 60), self.daemon.log())
        wait_for(lambda: len(self.inbox()) == 3, 30, "three stored")



class Delivery(Gateway):
    """modem.delivery_reports: the network's reports reach the outbox and
    leave the SIM, also when a modem files them as sent messages."""

    def setUp(self):
        super().setUp()
        with open(self.conf, encoding="utf-8") as f:
            text = f.read()
        text = text.replace("notifications = true;",
                            "notifications = true; delivery_reports = true;")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(text)

    def delivery_of(self, number):
        rows = [r for r in ctl(self.db, "outbox") if r["number"] == number]
        return rows[0]["delivery"] if rows else None

    def test_reports_are_matched_and_cleared(self):
        self.sim.delivery_status_for = {"+97699110021": 0x41}
        self.start_daemon()
        self.sim.inject("+97699110020", "тусламж")
        self.sim.inject("+97699110021", "тусламж")
        self.assertTrue(self.sim.wait_sent(2, 20), self.daemon.log())
        self.assertTrue(all(s.srr for s in self.sim.sent))
        wait_for(lambda: self.delivery_of("+97699110020") == "delivered",
                 30, "the first reply marked delivered")
        wait_for(lambda: self.delivery_of("+97699110021") == "failed",
                 30, "the second reply marked failed")
        wait_for(lambda: not self.sim.stored(), 30, "an empty SIM")

    def test_reports_filed_as_sent_still_leave_the_sim(self):
        self.sim.status_report_stat = 3
        self.start_daemon()
        self.sim.inject("+97699110022", "тусламж")
        self.assertTrue(self.sim.wait_sent(1, 20), self.daemon.log())
        wait_for(lambda: self.delivery_of("+97699110022") == "delivered",
                 30, "the reply marked delivered")
        wait_for(lambda: not self.sim.stored(), 30, "an empty SIM")


if __name__ == "__main__":
    unittest.main()
