"""The simulated modem against the REAL gammu CLI, and the PDU codec.

If libgammu's AT driver can identify the simulator, read, delete and send
through it, and sees its faults the way it sees a real SIM800's, then the
daemon's integration tests (which use the same simulator) exercise the code
path of the field. Most tests use connection = proxyat through socat,
which starts in under a second; one uses connection = at on the pty itself.

Skipped, with a message, when gammu (or socat, for proxyat) is missing.
"""

import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from sim import pdu  # noqa: E402
from sim.modemsim import ModemSim  # noqa: E402

GAMMU = shutil.which("gammu")
SOCAT = shutil.which("socat")
CYRILLIC = "Тусламж хэрэгтэй"
LONG_CYRILLIC = ("Хүний наймааны эсрэг тусламжийн утас 108. Гадаадад ажил "
                 "санал болгосон хүн паспортыг чинь авбал бүү өг. "
                 "Итгэлтэй хүндээ хэлээрэй, бидэнд бичээрэй.")


class _GammuCase(unittest.TestCase):
    """A fresh simulator per test and a helper that runs gammu on it."""

    connection = "proxyat"

    @classmethod
    def setUpClass(cls):
        if not GAMMU:
            raise unittest.SkipTest("gammu CLI not installed (Debian: apt-get install gammu)")
        if cls.connection == "proxyat" and not SOCAT:
            raise unittest.SkipTest("socat not installed (Debian: apt-get install socat)")

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="modemsim-")
        self.sim = self.make_sim()
        self.sim.start()

    def make_sim(self):
        return ModemSim(link=os.path.join(self.dir, "gsm-modem"))

    def tearDown(self):
        self.sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def gammu(self, *args, stdin=None, timeout=40):
        """Run gammu with a gammurc for the simulator; returns
        (exit code, stdout + stderr, seconds)."""
        rc = os.path.join(self.dir, "gammurc")
        if self.connection == "proxyat":
            device = "socat - FILE:%s,raw,echo=0" % self.sim.device
        else:
            device = self.sim.device
        with open(rc, "w") as f:
            f.write("[gammu]\ndevice = %s\nconnection = %s\n"
                    "logfile = %s\nlogformat = textall\n"
                    % (device, self.connection, os.path.join(self.dir, "gammu.log")))
        t = time.monotonic()
        p = subprocess.run([GAMMU, "-c", rc] + list(args), input=stdin,
                           capture_output=True, text=True, timeout=timeout)
        out = p.stdout + p.stderr
        return p.returncode, out, time.monotonic() - t

    def gammu_ok(self, *args, **kw):
        code, out, _ = self.gammu(*args, **kw)
        self.assertEqual(code, 0, "gammu %s failed:\n%s\nAT log: %s"
                         % (" ".join(args), out, self.sim.log[-20:]))
        return out

    def gammu_log(self):
        with open(os.path.join(self.dir, "gammu.log"), errors="replace") as f:
            return f.read()


def _messages(out):
    """gammu getallsms output -> list of dicts with number, text, udh."""
    msgs = []
    for block in re.split(r"\n(?=Location \d+, folder)", out):
        m = re.search(r'Remote number\s+: "([^"]*)"', block)
        if not m:
            continue
        # the text follows the header lines, after one blank line
        head, _, body = block.partition("\n\n")
        body = body.split("\n\n")[0]
        udh = re.search(r"User Data Header\s+: (.*)", head)
        msgs.append({"location": int(re.match(r"Location (\d+)", block).group(1)),
                     "number": m.group(1), "text": body.strip("\n"),
                     "udh": udh.group(1) if udh else None})
    return msgs


def _reports(out):
    """gammu getallsms output -> list of dicts for the status reports:
    location, state, number, ref, status (Delivered/Failed/...), details."""
    reps = []
    for block in re.split(r"\n(?=Location \d+, folder)", out):
        if "\nSMS status report\n" not in block:
            continue
        field = dict(re.findall(r"^(\w[\w ]*?)\s+: (.*)$", block, re.M))
        reps.append({"location": int(re.match(r"Location (\d+)", block).group(1)),
                     "state": field.get("Status"),
                     "number": field.get("Remote number", "").strip('"'),
                     "ref": int(field.get("Reference number", -1)),
                     "status": field.get("Delivery status"),
                     "details": field.get("Details")})
    return reps


class TestDirectAt(_GammuCase):
    """connection = at on the pty slave: the path a serial modem takes."""

    connection = "at"

    def test_identify(self):
        out = self.gammu_ok("identify")
        self.assertIn("SIMCOM_Ltd", out)
        self.assertIn("SIMCOM_SIM800L", out)
        self.assertIn(ModemSim.imei, out)
        self.assertIn(ModemSim.imsi, out)
        for cmd in ("ATE1", "AT+CMEE=1", "AT+CSCS?", "AT+CGMM", "AT+CFUN=1"):
            self.assertIn(cmd, self.sim.log)


    def test_vanish_and_reappear(self):
        old = self.sim.slave
        self.sim.vanish()
        self.assertFalse(os.path.lexists(self.sim.device))
        code, out, secs = self.gammu("identify", timeout=40)
        self.assertNotEqual(code, 0, out)
        self.assertLess(secs, 5)
        self.sim.reappear()
        self.assertNotEqual(self.sim.slave, old)
        self.assertEqual(os.readlink(self.sim.device), self.sim.slave)
        self.assertIn("SIMCOM_Ltd", self.gammu_ok("identify"))


class TestGammu(_GammuCase):

    def test_identify_proxyat(self):
        out = self.gammu_ok("identify")
        self.assertIn("SIMCOM_Ltd", out)

    def test_read_gsm7_and_ucs2(self):
        self.sim.inject("+97699112233", "Hello {help} 108")
        self.sim.inject("+97688001122", CYRILLIC)
        self.sim.inject("Unitel", "Таны данс 500₮")
        msgs = _messages(self.gammu_ok("getallsms"))
        self.assertEqual([(m["number"], m["text"]) for m in msgs],
                         [("+97699112233", "Hello {help} 108"),
                          ("+97688001122", CYRILLIC),
                          ("Unitel", "Таны данс 500₮")])
        self.assertIn("AT+CMGL=4", self.sim.log)
        self.assertEqual([d["status"] for d in self.sim.stored()], ["REC READ"] * 3)

    def test_multipart_out_of_order(self):
        text = ("Part of a long warning about fake job offers abroad. " * 7)[:380]
        idx = self.sim.inject("+97699112233", text, order=[3, 1, 2], ref=77)
        self.assertEqual(idx, [1, 2, 3])
        msgs = _messages(self.gammu_ok("getallsms"))
        self.assertEqual([m["udh"] for m in msgs],
                         ["Concatenated (linked) message, ID (8 bit) 77, part %d of 3" % i
                          for i in (3, 1, 2)])
        self.assertEqual("".join(m["text"] for m in sorted(msgs, key=lambda m: m["udh"])),
                         text)
        # geteachsms links the parts into one message again
        out = self.gammu_ok("geteachsms")
        self.assertIn(text, out.replace("\n", ""))

    def test_deleteallsms(self):
        self.sim.inject("+97699112233", "one")
        self.sim.inject("+97699112233", CYRILLIC)
        self.gammu_ok("deleteallsms", "1")
        self.assertEqual(self.sim.stored(), [])
        self.assertIn("AT+CMGD=1", self.sim.log)
        self.assertEqual(_messages(self.gammu_ok("getallsms")), [])

    def test_send_gsm7(self):
        self.gammu_ok("sendsms", "TEXT", "+97699112233", stdin="Call 108 [free] ~ hotline")
        self.assertTrue(self.sim.wait_sent(1, 5))
        s = self.sim.sent[0]
        self.assertEqual((s.number, s.text, s.parts, s.encoding),
                         ("+97699112233", "Call 108 [free] ~ hotline", 1, "gsm7"))

    def test_send_long_cyrillic(self):
        out = self.gammu_ok("sendsms", "TEXT", "+97699112233", "-unicode",
                            "-len", "400", "-text", LONG_CYRILLIC)
        self.assertIn("message reference=1", out)
        self.assertTrue(self.sim.wait_sent(1, 5))
        s = self.sim.sent[0]
        self.assertEqual((s.number, s.text, s.encoding),
                         ("+97699112233", LONG_CYRILLIC, "ucs2"))
        self.assertEqual(s.parts, 3)            # 146 characters: 67 + 67 + 12
        self.assertEqual(s.refs, [1, 2, 3])
        self.assertEqual([m["concat"][2] for m in self.sim.submits], [1, 2, 3])

    def test_delivery_reports(self):
        # -report sets TP-SRR; the simulator files an SMS-STATUS-REPORT for
        # that reference on the SIM, which libgammu reads as a report.
        self.sim.delivery_status_for = {"+97688001122": 0x41}
        out = self.gammu_ok("sendsms", "TEXT", "+97699112233", "-report", "-text", "hi")
        self.assertIn("message reference=1", out)
        out = self.gammu_ok("sendsms", "TEXT", "+97688001122", "-report", "-text", "no")
        self.assertIn("message reference=2", out)
        self.gammu_ok("sendsms", "TEXT", "+97699112233", "-text", "no report")
        self.assertEqual([(s.refs, s.srr) for s in self.sim.sent],
                         [([1], True), ([2], True), ([3], False)])
        self.assertEqual([(r["ref"], r["number"], r["status"], r["index"])
                          for r in self.sim.delivery_reports],
                         [(1, "+97699112233", 0x00, 1), (2, "+97688001122", 0x41, 2)])
        self.assertEqual(self.sim.notifications, [])     # sendsms sets no CNMI
        reps = _reports(self.gammu_ok("getallsms"))
        self.assertEqual([(r["location"], r["state"], r["number"], r["ref"], r["status"])
                          for r in reps],
                         [(1, "UnRead", "+97699112233", 1, "Delivered"),
                          (2, "UnRead", "+97688001122", 2, "Failed")])
        self.assertEqual(reps[0]["details"], "SM received by the SME")
        self.assertEqual(reps[1]["details"], "Permanent error, Incompatible destination")
        self.assertEqual([d["status"] for d in self.sim.stored()], ["REC READ"] * 2)
        self.gammu_ok("deleteallsms", "1")
        self.assertEqual(self.sim.stored(), [])

    def test_fail_sends(self):
        self.sim.fail_sends(1, code=500)
        code, out, _ = self.gammu("sendsms", "TEXT", "+97699112233", stdin="hi")
        self.assertNotEqual(code, 0, out)
        self.assertIn("error 500", out)
        self.assertEqual(self.sim.sent, [])
        # the next one goes through
        self.gammu_ok("sendsms", "TEXT", "+97699112233", stdin="hi again")
        self.assertEqual(self.sim.sent[0].text, "hi again")

    def test_mute_times_out(self):
        # AT+CMGD has gammu's shortest timeout (5 s); the modem hangs there.
        self.sim.inject("+97699112233", "x")
        self.sim.mute(8, after="AT+CMGD")
        code, out, secs = self.gammu("deleteallsms", "1")
        self.assertNotEqual(code, 0, out)
        self.assertIn("No response in specified timeout", out)
        self.assertLess(secs, 15)
        self.assertEqual(len(self.sim.stored()), 1)

    def test_cmti_reaches_libgammu(self):
        # monitor sets AT+CNMI; an SMS injected meanwhile gives +CMTI,
        # which libgammu parses as an incoming-SMS location.
        p = None
        rc = os.path.join(self.dir, "gammurc")
        self.gammu_ok("identify")       # writes the gammurc
        p = subprocess.Popen([GAMMU, "-c", rc, "monitor"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            self.assertGreaterEqual(self.sim.wait_log("AT+CNMI=2,1", 15), 0)
            idx = self.sim.inject("+97699112233", CYRILLIC)
            self.assertEqual(self.sim.notifications, ['+CMTI: "SM",%d' % idx[0]])
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if "Incoming SMS information" in self.gammu_log():
                    break
                time.sleep(0.2)
            self.assertIn('+CMTI: "SM",%d' % idx[0], self.gammu_log())
            self.assertIn("Incoming SMS information", self.gammu_log())
            # monitor asked for ds=2: a status report comes with +CDSI,
            # and gammu monitor reads it (AT+CMGR) and decodes a report.
            self.assertIn("AT+CNMI=2,1,0,2,0", self.sim.log)
            # monitor keeps one incoming SMS at a time and ignores others
            # until it has read it (AT+CMGR) and shown it: wait for the
            # command after that read.
            got = self.sim.wait_log("AT+CMGR=%d" % idx[0], 10)
            self.assertGreaterEqual(got, 0)
            self.assertGreaterEqual(self.sim.wait_log("AT", 10, got + 1), 0)
            mark = len(self.sim.log)
            rep = self.sim.inject_report("+97699112233", 9)
            self.assertEqual(self.sim.notifications[-1], '+CDSI: "SM",%d' % rep)
            self.assertGreaterEqual(self.sim.wait_log("AT+CMGR=%d" % rep, 10, mark), 0)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if "SMS MR: 0x09" in self.gammu_log():
                    break
                time.sleep(0.2)
            log = self.gammu_log()
            self.assertIn("Incoming SMS status report information", log)
            self.assertIn("SMS type: Status report", log)
            self.assertIn("SMS MR: 0x09", log)
        finally:
            p.terminate()
            p.wait(10)

    def test_no_cmti_without_cnmi(self):
        self.sim.inject("+97699112233", "quiet")
        self.assertEqual(self.sim.notifications, [])

    def test_full_sim_queues_in_network(self):
        self.sim.inject("+97699112233", "first")
        self.sim.set_full(True)
        self.assertEqual(self.sim.inject("+97699112233", "second"), [])
        self.assertEqual(self.sim.queued, 1)
        out = self.gammu_ok("monitor", "1")
        self.assertRegex(out, r"SIM SMS status\s+: 1 used, \d+ unread, 1 locations")
        self.gammu_ok("deleteallsms", "1")
        self.assertEqual([d["text"] for d in self.sim.stored()], ["second"])
        self.assertEqual(self.sim.queued, 0)

    def test_garbage_is_survived(self):
        self.sim.inject("+97699112233", "after garbage")
        self.sim.garbage()              # nobody listens: lost, as on a UART
        self.sim.garbage(after="AT+CMGL")
        msgs = _messages(self.gammu_ok("getallsms"))
        self.assertEqual([m["text"] for m in msgs], ["after garbage"])
        self.assertIsNone(self.sim._garbage_after)   # it was emitted


class TestPin(_GammuCase):

    def make_sim(self):
        return ModemSim(link=os.path.join(self.dir, "gsm-modem"), pin="1234")

    def test_pin(self):
        self.assertIn("Waiting for PIN", self.gammu_ok("getsecuritystatus"))
        code, out, _ = self.gammu("entersecuritycode", "PIN", "0000")
        self.assertNotEqual(code, 0, out)
        self.gammu_ok("entersecuritycode", "PIN", "1234")
        self.assertIn("Nothing to enter", self.gammu_ok("getsecuritystatus"))


class TestAtDialogue(unittest.TestCase):
    """The simulator's AT answers, spoken to directly on the pty (fast,
    no gammu): the details gammu's dialogue above does not reach."""

    def setUp(self):
        self.sim = ModemSim(sim_capacity=3)
        self.sim.start()
        self.fd = os.open(self.sim.device, os.O_RDWR | os.O_NOCTTY)
        self.at("ATE0")

    def tearDown(self):
        os.close(self.fd)
        self.sim.stop()

    FINAL = re.compile(rb"(OK|ERROR|\+CM[SE] ERROR: \d+)\r\n$|> $")

    def read_until(self, ends=None, timeout=3):
        buf = b""
        deadline = time.monotonic() + timeout
        while not (any(buf.endswith(e) for e in ends) if ends
                   else self.FINAL.search(buf)):
            if time.monotonic() > deadline:
                self.fail("no answer; got %r" % buf)
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if r:
                buf += os.read(self.fd, 4096)
        return buf.decode("latin-1")

    def at(self, cmd):
        os.write(self.fd, cmd.encode() + b"\r")
        return self.read_until()

    def test_echo_and_errors(self):
        self.assertEqual(self.at("AT"), "\r\nOK\r\n")
        self.assertEqual(self.at("AT+BOGUS"), "\r\nERROR\r\n")
        self.at("AT+CMEE=1")
        self.assertIn("+CMS ERROR: 321", self.at("AT+CMGR=99"))
        self.assertIn("+CMS ERROR: 321", self.at("AT+CMGD=0"))
        self.assertEqual(self.at("AT+CMGR=2"), "\r\nOK\r\n")     # empty slot
        self.assertEqual(self.at("ATE1"), "\r\nOK\r\n")
        self.assertEqual(self.at("AT+CSQ"), "AT+CSQ\r\r\n+CSQ: 18,0\r\n\r\nOK\r\n")

    def test_full_sim(self):
        self.at("AT+CMEE=1")
        self.at("AT+CNMI=2,1,0,0,0")
        self.sim.full_kills_notify = True
        self.sim.inject("+97699112233", "a")
        self.sim.set_full(True)
        self.assertIn("+CPMS: 1,1,1,1,1,1", self.at('AT+CPMS="SM","SM"'))
        self.assertIn("+CMS ERROR: 322", self.at("AT+CMGW=20"))
        self.assertEqual(self.sim.inject("+97699112233", "b"), [])
        self.at("AT+CMGD=1")
        self.assertEqual([d["text"] for d in self.sim.stored()], ["b"])
        self.assertEqual(self.sim.notifications, ['+CMTI: "SM",1'])   # b: none
        self.at("AT+CNMI=2,1,0,0,0")                   # the host re-arms it
        self.sim.set_full(False)
        self.sim.inject("+97699112233", "c")
        self.assertIn('+CMTI: "SM",2', self.read_until((b'"SM",2\r\n',)))

    def test_send_by_hand(self):
        h = pdu.encode_submit("+97699112233", "Сайн уу", "ucs2")
        self.at("AT+CMGS=%d" % pdu.tpdu_length(h))
        os.write(self.fd, h.encode() + b"\x1a")
        self.assertIn("+CMGS: 1", self.read_until())
        self.assertEqual(self.sim.sent[0].text, "Сайн уу")
        self.sim.fail_sends(1, code=38)
        self.at("AT+CMEE=1")
        self.at("AT+CMGS=%d" % pdu.tpdu_length(h))
        os.write(self.fd, h.encode() + b"\x1a")
        self.assertIn("+CMS ERROR: 38", self.read_until())

    def test_status_report_by_hand(self):
        self.at("AT+CNMI=2,1,0,2,0")
        h = pdu.encode_submit("+97699112233", "report me", srr=True)
        self.at("AT+CMGS=%d" % pdu.tpdu_length(h))
        os.write(self.fd, h.encode() + b"\x1a")
        out = self.read_until((b'"SM",1\r\n',))
        # the answer first, then the report's URC
        self.assertTrue(out.endswith('+CMGS: 1\r\n\r\nOK\r\n\r\n+CDSI: "SM",1\r\n'), out)
        self.assertTrue(self.sim.sent[0].srr)
        out = self.at("AT+CMGL=4")
        m = re.search(r"\+CMGL: 1,0,,(\d+)\r\n\s*([0-9A-F]+)\r\n", out)
        self.assertTrue(m, out)
        self.assertEqual(int(m.group(1)), pdu.tpdu_length(m.group(2)))
        d = pdu.decode_status_report(m.group(2))
        self.assertEqual((d["mr"], d["number"], d["toa"], d["status"], d["first"]),
                         (1, "+97699112233", 0x91, 0x00, 0x06))
        self.assertIn("+CMGR: 1,,25\r\n", self.at("AT+CMGR=1"))        # read now
        self.assertEqual(self.sim.stored()[0]["report"]["ref"], 1)
        # ds=0: stored, not announced; a delay; no SRR: no report
        self.at("AT+CNMI=2,1,0,0,0")
        self.sim.status_report_delay = 0.3
        self.at("AT+CMGS=%d" % pdu.tpdu_length(h))
        os.write(self.fd, h.encode() + b"\x1a")
        self.assertIn("+CMGS: 2", self.read_until())
        self.assertEqual(len(self.sim.stored()), 1)
        h2 = pdu.encode_submit("+97699112233", "no report")
        self.at("AT+CMGS=%d" % pdu.tpdu_length(h2))
        os.write(self.fd, h2.encode() + b"\x1a")
        self.assertIn("+CMGS: 3", self.read_until())
        deadline = time.monotonic() + 3
        while len(self.sim.stored()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual([d["report"]["ref"] for d in self.sim.stored()], [1, 2])
        self.assertEqual(self.sim.notifications, ['+CDSI: "SM",1'])
        self.assertEqual([s.srr for s in self.sim.sent], [True, True, False])
        # off: nothing; a full SIM: the report waits in the network
        self.sim.status_reports = False
        self.sim.status_report_delay = 0
        self.at("AT+CMGS=%d" % pdu.tpdu_length(h))
        os.write(self.fd, h.encode() + b"\x1a")
        self.assertIn("+CMGS: 4", self.read_until())
        self.sim.status_reports = True
        self.sim.inject("+97699112233", "fills the SIM")
        self.at("AT+CMGS=%d" % pdu.tpdu_length(h))
        os.write(self.fd, h.encode() + b"\x1a")
        self.assertIn("+CMGS: 5", self.read_until())
        self.at("AT")
        self.assertEqual((self.sim.queued, self.sim.delivery_reports[-1]["index"]),
                         (1, None))
        self.at("AT+CMGD=1")
        self.assertEqual((self.sim.queued, self.sim.delivery_reports[-1]["index"]),
                         (0, 1))
        self.assertEqual([r["ref"] for r in self.sim.delivery_reports], [1, 2, 5])

    def test_urc_waits_for_the_answer(self):
        self.at("AT+CNMI=2,1,0,0,0")
        os.write(self.fd, b"AT+CS")                  # a command half typed
        time.sleep(0.1)
        self.sim.inject("+97699112233", "x")
        os.write(self.fd, b"Q\r")
        out = self.read_until((b'"SM",1\r\n',))
        self.assertTrue(out.startswith("\r\n+CSQ: 18,0\r\n\r\nOK\r\n"), out)


class TestPdu(unittest.TestCase):
    """The codec alone: vectors from 3GPP 23.040 examples and gammu's
    tests/at-sms-encode data, and round trips."""

    def test_pack7_hellohello(self):
        self.assertEqual(pdu.pack7(pdu.gsm7_septets("hellohello")).hex().upper(),
                         "E8329BFD4697D9EC37")

    def test_submit_known_vectors(self):
        d = pdu.decode_submit("0011000B916407281553F80000AA0AE8329BFD4697D9EC37")
        self.assertEqual((d["smsc"], d["number"], d["text"], d["vp"]),
                         ("", "+46708251358", "hellohello", b"\xaa"))
        # gammu tests/at-sms-encode/01.dump and 03.dump
        d = pdu.decode_submit("038121431100048121430000FF0631D98C56B301")
        self.assertEqual((d["smsc"], d["number"], d["text"], d["alphabet"]),
                         ("1234", "1234", "123456", "gsm7"))
        d = pdu.decode_submit("038121431100048121430008FF0C003100320033003400350036")
        self.assertEqual((d["text"], d["alphabet"]), ("123456", "ucs2"))
        # gammu tests/at-sms-encode/09.dump: 160 septets
        d = pdu.decode_submit(
            "038121431100048121430000FFA054747A0E82CBDF6779B80D4ACF416679B90C9ABFCDF47B"
            "585EDE81F2EF3A681C7683E465727A4E97A7C5757A1994A683C26EF2EB2D07B5DFE4B4390F"
            "4AD3417537B92C07D1D16510BD2C6FCF416F33888E2E838ECE2AE8587697E56136085A17B3"
            "D36310333D2EBBE76590BD2C9FA7DF6E900C149E83E075313B3D4797C920711E4447974146"
            "79B90C9ABECD")
        self.assertTrue(d["text"].startswith("This program is free software; you can"))
        self.assertEqual(len(d["text"]), 160)

    def test_deliver_known_vector(self):
        # gammu tests/at-sms-encode/02.dump (a DELIVER with a timestamp)
        d = pdu.decode_deliver("0381214300048121430000706050316503000631D98C56B301")
        self.assertEqual((d["sender"], d["text"]), ("1234", "123456"))
        self.assertEqual(d["scts"].strftime("%Y-%m-%d %H:%M:%S"), "2007-06-05 13:56:30")

    def test_deliver_round_trips(self):
        cases = [
            ("+97699112233", "Hello {world} [x] ~ € ^ | \\", "gsm7", None),
            ("99112233", CYRILLIC + " 😀", "ucs2", None),
            ("Unitel", "Сайн уу", "ucs2", pdu.concat_udh(200, 3, 2)),
            ("+97699112233", "@£$¥ ok", "gsm7", pdu.concat_udh(1, 2, 1)),
        ]
        for sender, text, alphabet, udh in cases:
            with self.subTest(text=text):
                d = pdu.decode_deliver(pdu.encode_deliver(sender, text, alphabet, udh=udh))
                self.assertEqual((d["sender"], d["text"], d["alphabet"]),
                                 (sender, text, alphabet))
                self.assertEqual(d["concat"], pdu.parse_udh(udh)["concat"] if udh else None)
        d = pdu.decode_deliver(pdu.encode_deliver("+976991", b"\x00\xffbin", "8bit"))
        self.assertEqual((d["text"], d["data"]), (None, b"\x00\xffbin"))
        self.assertEqual(pdu.decode_deliver(pdu.encode_deliver("99112233", "x"))["toa"],
                         pdu.TOA_NATIONAL)

    def test_submit_round_trips(self):
        for text, alphabet, udh in [("Call 108 {now}", "gsm7", None),
                                    ("x" * 153, "gsm7", pdu.concat_udh(9, 2, 1)),
                                    ("Тусламж 😀" * 6, "ucs2", pdu.concat_udh(9, 2, 2))]:
            with self.subTest(text=text[:10]):
                h = pdu.encode_submit("+97699112233", text, alphabet, udh=udh, mr=5)
                d = pdu.decode_submit(h)
                self.assertEqual((d["number"], d["text"], d["mr"]),
                                 ("+97699112233", text, 5))

    def test_split(self):
        self.assertEqual(len(pdu.split_text("a" * 160, "gsm7")), 1)
        self.assertEqual([len(p) for p in pdu.split_text("a" * 161, "gsm7")], [153, 8])
        self.assertEqual(len(pdu.split_text("ж" * 70, "ucs2")), 1)
        self.assertEqual([len(p) for p in pdu.split_text("ж" * 71, "ucs2")], [67, 4])
        # an escape pair or a surrogate pair is never cut
        parts = pdu.split_text("a" * 152 + "€" + "b" * 10, "gsm7")
        self.assertEqual(parts[0], "a" * 152)
        parts = pdu.split_text("ж" * 66 + "😀" + "ж" * 10, "ucs2")
        self.assertEqual(parts[0], "ж" * 66)
        self.assertEqual(pdu.choose_alphabet("hello"), "gsm7")
        self.assertEqual(pdu.choose_alphabet(CYRILLIC), "ucs2")

    def test_status_report(self):
        # gammu tests/at-sms/34.dump: a phone's stored report (stat 3)
        d = pdu.decode_status_report(
            "07911614786007F006060B911634092142F4019071011000040190710110450400060000")
        self.assertEqual((d["smsc"], d["mr"], d["number"], d["status"]),
                         ("+61418706700", 6, "+61439012244", 0x00))
        self.assertEqual(d["scts"].strftime("%Y-%m-%d %H:%M:%S"), "2010-09-17 10:01:00")
        self.assertEqual(d["pi"], 0x06)
        when = pdu.decode_scts(pdu.encode_scts())
        h = pdu.encode_status_report(200, "99112233", 0x46, scts=when)
        d = pdu.decode_status_report(h)
        self.assertEqual((d["mr"], d["number"], d["toa"], d["status"], d["scts"], d["dt"]),
                         (200, "99112233", pdu.TOA_NATIONAL, 0x46, when, when))
        self.assertEqual(pdu.pdu_type(h), "status-report")
        self.assertEqual([pdu.status_text(s) for s in (0, 1, 0x20, 0x41, 0x60, 0x10)],
                         ["Delivered", "Delivered", "Pending", "Failed", "Failed",
                          "Unknown"])
        self.assertTrue(pdu.decode_submit(pdu.encode_submit("+976991", "x", srr=True))["srr"])
        with self.assertRaises(pdu.PduError):
            pdu.decode_status_report(pdu.encode_deliver("+976991", "x"))

    def test_malformed(self):
        for bad in ("", "zz", "0004", "00040B91"):
            with self.subTest(bad=bad):
                with self.assertRaises(pdu.PduError):
                    pdu.decode_deliver(bad)


if __name__ == "__main__":
    unittest.main()
