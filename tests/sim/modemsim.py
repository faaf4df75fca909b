#!/usr/bin/env python3
"""A simulated SIM800-class GSM modem on a pseudo-terminal: shukher's test bench.

The simulator owns the master side of a pty and answers AT commands in PDU
mode the way a SIMCom SIM800 does, so that libgammu's real AT driver (and
therefore the real daemon) can be tested without hardware: identification,
SIM status, signal and network, SMS storage on the SIM ("SM" only), listing,
reading, deleting, sending (AT+CMGS with the "> " prompt and Ctrl-Z) and
new-message notifications (+CMTI) once the host has asked for them with
AT+CNMI, and delivery (status) reports: a SUBMIT with TP-SRR set gets an
SMS-STATUS-REPORT stored on the SIM, announced with +CDSI when AT+CNMI
has ds=2. Faults are injected from the test: silence, +CMS ERROR on sends, a
full SIM, garbage lines, the device vanishing and coming back.

Use it in-process (a worker thread):

    sim = ModemSim(link="/tmp/gsm-modem")
    sim.start()
    sim.inject("+97699112233", "Тусламж хэрэгтэй")
    ... run gammu or shukherd against sim.device ...
    sim.wait_sent(1, timeout=10); sim.sent[0].text
    sim.stop()

or as a program: python3 tests/sim/modemsim.py --link /tmp/gsm-modem
(type "help" on its stdin).

Standard library only. Not a full 27.005 implementation: text mode
(AT+CMGF=1), ME storage and +CMT direct delivery are not simulated.
"""

import collections
import datetime
import os
import select
import sys
import threading
import time
import tty

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pdu  # noqa: E402
else:
    from . import pdu

Sent = collections.namedtuple("Sent", "number text parts refs encoding srr",
                              defaults=(False,))
Sent.__doc__ = """A message the host sent, reassembled from its submitted parts.
number: destination as given (international with "+"); text: the whole text
(None for 8-bit data); parts: how many SMS parts; refs: the +CMGS message
references of the parts in part order; encoding: 'gsm7', 'ucs2' or '8bit';
srr: True if a part had TP-SRR set (the host asked for a status report)."""

STAT_NAMES = {0: "REC UNREAD", 1: "REC READ", 2: "STO UNSENT", 3: "STO SENT"}

_TZ = datetime.timezone(datetime.timedelta(hours=8))     # the network's clock


def _is_report(hexpdu):
    """True for an SMS-STATUS-REPORT (TP-MTI 10); False for anything else,
    malformed PDUs included."""
    try:
        return pdu.pdu_type(hexpdu) == "status-report"
    except (pdu.PduError, IndexError, ValueError):
        return False

# +CMS ERROR codes (27.005 3.2.5) and +CME ERROR codes (27.007 9.2) we use.
CMS_OP_NOT_ALLOWED = 302
CMS_OP_NOT_SUPPORTED = 303
CMS_INVALID_PDU_PARAM = 304
CMS_SIM_PIN_REQUIRED = 311
CMS_INVALID_INDEX = 321
CMS_MEMORY_FULL = 322
CME_SIM_PIN_REQUIRED = 11
CME_INCORRECT_PASSWORD = 16
CME_OP_NOT_ALLOWED = 3

CTRL_Z = 0x1A
ESC = 0x1B


class _Reply:
    """What one command produced: information lines and a final result."""

    def __init__(self, lines=(), final="OK"):
        self.lines = list(lines)
        self.final = final


class ModemSim:
    """A SIM800-like modem on a pty. Thread-safe; see the module docstring."""

    manufacturer = "SIMCOM_Ltd"
    model = "SIMCOM_SIM800L"
    revision = "Revision:1418B04SIM800L24"
    imei = "867856030123456"
    imsi = "428880123456789"
    operator_name = "Unitel"
    operator_code = "42888"

    def __init__(self, link=None, sim_capacity=30, pin=None,
                 smsc="+97699000001"):
        self.link = link
        self.capacity = sim_capacity
        self.pin = pin
        self.smsc = smsc
        self.signal = 18              # AT+CSQ rssi, 0..31 (99 unknown)
        self.registered = 1           # +CREG stat: 1 home, 5 roaming, 0/2/3 not
        self.send_delay = 0.0         # seconds before +CMGS answers
        # Delivery reports: a SUBMIT with TP-SRR set gets an SMS-STATUS-
        # REPORT on the SIM (stat REC UNREAD, then REC READ once listed,
        # as a SIM800 stores them with AT+CNMI ds=2), status_report_delay
        # seconds after +CMGS answered, with TP-ST delivery_status, or
        # delivery_status_for[number] for that destination (as submitted,
        # "+976..."): 0x00 delivered, 0x20.. pending, 0x40.. failed.
        self.status_reports = True
        self.status_report_delay = 0.0
        self.delivery_status = 0x00
        self.delivery_status_for = {}
        # The <stat> a stored report gets: 0 (REC UNREAD, then REC READ once
        # listed or read) as on a SIM800; some phones file them as 3 (STO
        # SENT: gammu's tests/at-sms/34.dump, 36.dump), which libgammu
        # passes on as State SMS_Sent.
        self.status_report_stat = 0
        self.on_sent = None           # callable(Sent), called in the worker
        # Some modems stop sending +CMTI once the SIM has been full, even
        # after space is freed, until the host sets AT+CNMI again.
        self.full_kills_notify = False
        # USSD (AT+CUSD): the network's answer to a request, as a SIM800
        # gives it, ussd_delay seconds after the command's OK, in an
        # unsolicited "+CUSD: m,"str",dcs" line. ussd_dcs 15 is GSM-7 (str
        # in the host's character set: UCS-2 hex after AT+CSCS="UCS2", as
        # libgammu asks before a request, else plain), 72 is UCS-2 (str
        # always hex). ussd_mode: "answer"; "error" (the command answers
        # ERROR); "silent" (OK, then nothing: the network never answered);
        # "refused" (+CUSD: 4, the network does not support the request);
        # "code" (+CUSD: 2, a status without text). ussd_answer may be a
        # dict, code -> text, to answer each code its own way.
        self.ussd_mode = "answer"
        self.ussd_answer = "Your balance is 1234.50 MNT. Valid till 2027-01-01"
        self.ussd_dcs = 15
        self.ussd_delay = 0.3
        self.ussd_requests = []       # the codes asked for, decoded
        self._pending_ussd = []       # (due monotonic, mode, text, dcs)
        self.sent = []
        self.submits = []             # every decoded SUBMIT PDU, in order
        # Every status report the network sent back, in order: dicts with
        # ref (TP-MR), number, status (TP-ST), index (on the SIM; None
        # while it waits in the network for space) and pdu.
        self.delivery_reports = []
        self.log = []
        self.notifications = []       # every URC line emitted, for tests
        # For benchmarks: when each log entry arrived (time.monotonic(),
        # parallel to log), the most messages ever on the SIM at once, and
        # how many deliveries found the SIM full and had to wait in the
        # network (a real network retries later, or gives up).
        self.log_times = []
        self.max_used = 0
        self.refused = 0

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._master = None
        self._slave_name = None
        self._thread = None
        self._stop = threading.Event()
        self._wake_r, self._wake_w = None, None
        self._control = collections.deque()

        self._reset_settings()
        self._pin_ok = pin is None
        self._store = {}              # index -> {"pdu": hex, "stat": int}
        self._network_queue = []      # PDUs waiting for space on the SIM
        self._pending_reports = []    # (due monotonic, ref, number, toa, scts)
        self._notify_lost = False     # see full_kills_notify
        self._full = False
        self._full_total = None
        self._mr = 0
        self._concat_ref = 0x40
        self._partial = {}            # (number, ref, total) -> {seq: submit}
        self._mute_until = 0.0
        self._mute_after = None       # (command prefix, seconds)
        self._garbage_after = None    # (command prefix, line)
        self._fail_sends = 0
        self._fail_code = 500
        self._refuse_delete = {}      # index -> +CMS ERROR code
        # Lost notices: None (every +CMTI/+CDSI goes out), "all" (none
        # does) or "busy" (those that arrive while a command is typed or
        # runs, which a SIM800 would hold, are dropped, as some modems
        # do); dropped_notices counts them.
        self.drop_notices = None
        self.dropped_notices = 0
        # Resets (SIM800: the supply dips during a transmission): the boot
        # lines and when each comes, in seconds after the restart, as a
        # SIM800 at a fixed baud rate prints them (times scaled by
        # boot_scale); until "SMS Ready", SMS commands answer ERROR.
        self.boot_lines = (("RDY", 0.2), ("+CFUN: 1", 1.6),
                           ("+CPIN: READY", 2.0), ("Call Ready", 6.0),
                           ("SMS Ready", 8.0))
        self.boot_scale = 1.0
        self.resets = 0               # restarts so far
        self.sms_ready_at = None      # time.monotonic() of the last SMS Ready
        self._boot = []               # (due monotonic, line) still to print
        self._sms_ready = True
        self._reset_on_send = 0       # restart at the next n sends' Ctrl-Z

        self._mode = "cmd"            # "cmd" or "pdu" (after the > prompt)
        self._pdu_cmd = None
        self._line = bytearray()
        self._busy = False            # a command is executing
        self._held_urcs = []

    def _reset_settings(self):
        self.echo = True
        self.cmee = 0
        self.cscs = "IRA"
        self.cmgf = 0
        self.cnmi = [0, 0, 0, 0, 0]
        self.creg_n = 0
        self.cgreg_n = 0
        self.cops_format = 0

    # ------------------------------------------------------------ lifecycle

    @property
    def device(self):
        """The path to give the host: the stable link if any, else the slave."""
        return self.link or self._slave_name

    @property
    def slave(self):
        """The current pty slave path (changes after reappear())."""
        return self._slave_name

    def start(self):
        """Open the pty (and the link) and start the worker thread."""
        self._open_pty()
        self._wake_r, self._wake_w = os.pipe()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="modemsim",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop the worker, close the pty and remove the link."""
        self._stop.set()
        if self._wake_w is not None:
            os.write(self._wake_w, b"x")
        if self._thread:
            self._thread.join(5)
        with self._lock:
            self._close_pty()
            self._cond.notify_all()
        for fd in (self._wake_r, self._wake_w):
            if fd is not None:
                os.close(fd)
        self._wake_r = self._wake_w = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _open_pty(self, avoid=None):
        master, slave = os.openpty()
        if avoid and os.ttyname(slave) == avoid:
            # The kernel reuses a freed pts number; a modem that comes back
            # should show up under a new name, like ttyUSB0 -> ttyUSB1.
            spare = (master, slave)
            master, slave = os.openpty()
            os.close(spare[0])
            os.close(spare[1])
        tty.setraw(slave)
        self._slave_name = os.ttyname(slave)
        # The slave is closed so that the host is the only one holding it:
        # when the host closes the port, we see the hang-up, as a modem
        # would see DTR drop. The pty itself lives as long as the master.
        os.close(slave)
        os.set_blocking(master, False)
        with self._lock:
            self._master = master
            self._mode = "cmd"
            self._line = bytearray()
        if self.link:
            tmp = "%s.tmp%d" % (self.link, os.getpid())
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            os.symlink(self._slave_name, tmp)
            os.replace(tmp, self.link)

    def _close_pty(self):
        if self._master is not None:
            os.close(self._master)
            self._master = None
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)

    # ------------------------------------------------------------ faults

    def mute(self, seconds, after=None):
        """Answer nothing (and echo nothing) for that long; input that
        arrives meanwhile is dropped. With after (a command prefix such as
        "AT+CMGL"), stay normal until such a command arrives, then go
        silent from that command on (it gets no answer): the way a SIM800
        or a Huawei stick hangs after a listing command."""
        with self._lock:
            if after:
                self._mute_after = (after.upper(), seconds)
                return
            self._mute_after = None
            self._mute_until = time.monotonic() + seconds
            self._line = bytearray()
            self._mode = "cmd"

    def fail_sends(self, count, code=500):
        """The next count AT+CMGS answer +CMS ERROR: code (500 = unknown)."""
        with self._lock:
            self._fail_sends = count
            self._fail_code = code

    def refuse_delete(self, index, code=CMS_OP_NOT_ALLOWED):
        """AT+CMGD=index answers +CMS ERROR: code (None: deletes again),
        as a SIM with a damaged record may; the record stays."""
        with self._lock:
            if code is None:
                self._refuse_delete.pop(index, None)
            else:
                self._refuse_delete[index] = code

    def set_full(self, full=True):
        """Make the SIM full (used == total) or give the space back. While it
        is full, injected messages wait in the network's queue; they are
        delivered (with +CMTI) as soon as there is space again."""
        with self._lock:
            self._full = bool(full)
            self._full_total = len(self._store) if full else None
            self._drain_network_queue()

    def garbage(self, line=b"\x00\xff~~garbage", after=None):
        """Emit an unsolicited line of garbage: now (lost if no host has the
        port open), or, with after (a command prefix), once, just before
        the answer to the next such command."""
        with self._lock:
            if after:
                self._garbage_after = (after.upper(), line)
                return
        self._write(line + b"\r\n")

    def reset(self, during_send=False):
        """Restart as a SIM800 does when its supply dips: settings back
        at defaults (echo on, AT+CNMI off, AT+CMGF=0, AT+CMEE=0), a SIM
        PIN asked again, what was typed or held lost, then the boot lines
        at their times (boot_lines). The SIM keeps its messages. With
        during_send, the restart comes at the next AT+CMGS's Ctrl-Z,
        before the network took the message: it is not sent."""
        if during_send:
            with self._lock:
                self._reset_on_send += 1
            return
        self._in_worker(self._restart)

    def _restart(self):
        """The restart itself (worker, locked)."""
        self.resets += 1
        self._reset_settings()
        self._pin_ok = self.pin is None
        self._mode = "cmd"
        self._pdu_cmd = None
        self._line = bytearray()
        self._held_urcs = []
        self._sms_ready = False
        now = time.monotonic()
        self._boot = [(now + t * self.boot_scale, line)
                      for line, t in self.boot_lines]
        self._due_boot(now)

    def _due_boot(self, now=None):
        """Print the boot lines whose time has come (worker, locked)."""
        now = time.monotonic() if now is None else now
        while self._boot and self._boot[0][0] <= now:
            _, line = self._boot.pop(0)
            self._write(b"\r\n" + line.encode() + b"\r\n")
            if line == "SMS Ready":
                self._sms_ready = True
                self.sms_ready_at = time.monotonic()

    def vanish(self):
        """Close the pty: the host sees the device disappear (EIO/hang-up);
        the link, if any, is removed."""
        self._in_worker(self._close_pty)

    def reappear(self):
        """A new pty (a new slave name), the link re-pointed to it. The SIM
        and its messages are kept; AT settings are back to defaults."""
        def again():
            old = self._slave_name
            self._close_pty()
            self._reset_settings()
            self._open_pty(avoid=old)
        self._in_worker(again)

    def _in_worker(self, fn):
        """Run fn in the worker thread (which owns the fd) and wait for it."""
        if not self._thread or not self._thread.is_alive():
            with self._lock:
                fn()
            return
        done = threading.Event()
        self._control.append((fn, done))
        os.write(self._wake_w, b"x")
        done.wait(5)

    # ------------------------------------------------------------ SIM contents

    def inject(self, sender, text, encoding="auto", order=None, drop_parts=(),
               notify=True, ref=None, when=None):
        """Deliver text from sender as a phone would send it: one SMS, or
        concatenated parts (8-bit reference UDH) if it does not fit.

        order: part numbers (1-based) in the order they reach the SIM, e.g.
        [3, 1, 2]; drop_parts: part numbers that never arrive. Each stored
        part gets +CMTI when the host enabled notifications and notify is
        True. Returns the SIM indexes used, in arrival order; parts that
        wait for space on a full SIM have no index yet and are left out."""
        alphabet = pdu.choose_alphabet(text, encoding)
        chunks = pdu.split_text(text, alphabet)
        total = len(chunks)
        with self._lock:
            if total > 1 and ref is None:
                ref = self._concat_ref
                self._concat_ref = (self._concat_ref + 1) & 0xFF
        pdus = []
        for seq, chunk in enumerate(chunks, 1):
            udh = pdu.concat_udh(ref, total, seq) if total > 1 else None
            pdus.append(pdu.encode_deliver(sender, chunk, alphabet, when=when,
                                           udh=udh, smsc=self.smsc))
        seqs = list(order) if order else list(range(1, total + 1))
        if sorted(seqs) != list(range(1, total + 1)):
            raise ValueError("order must be a permutation of 1..%d" % total)
        indexes = []
        for seq in seqs:
            if seq in drop_parts:
                continue
            idx = self._deliver(pdus[seq - 1], notify)
            if idx is not None:
                indexes.append(idx)
        return indexes

    def inject_pdu(self, hexpdu, notify=True):
        """Store a raw SMS-DELIVER PDU (hex, starting with the SMSC field)
        as is, malformed or not. Returns its index, or None if queued."""
        bytes.fromhex(hexpdu)  # must at least be hex
        return self._deliver(hexpdu.upper(), notify)

    def inject_report(self, number, ref, status=None, notify=True, when=None,
                      toa=None):
        """The network reports back on message reference ref sent to number:
        store an SMS-STATUS-REPORT on the SIM (TP-ST status, by default
        delivery_status_for.get(number, delivery_status)), announced with
        +CDSI: "SM",<index> if the host set AT+CNMI ds=2 and notify is
        True. when: the SUBMIT's TP-SCTS (default now; TP-DT is now).
        Returns the SIM index, or None if it waits for space."""
        with self._lock:
            return self._report(ref, number, status, toa, when, notify)

    def _report(self, ref, number, status, toa, scts, notify=True):
        if status is None:
            status = self.delivery_status_for.get(number, self.delivery_status)
        now = datetime.datetime.now(_TZ)
        hexpdu = pdu.encode_status_report(ref, number, status,
                                          scts=scts or now, dt=now,
                                          smsc=self.smsc, toa=toa)
        rec = {"ref": ref & 0xFF, "number": number, "status": status,
               "index": None, "pdu": hexpdu}
        self.delivery_reports.append(rec)
        rec["index"] = self._deliver(hexpdu, notify, self.status_report_stat)
        return rec["index"]

    def _due_reports(self, now=None):
        """Store the status reports whose delay has passed (worker, locked)."""
        if not self._pending_reports:
            return
        now = time.monotonic() if now is None else now
        while self._pending_reports and self._pending_reports[0][0] <= now:
            _, ref, number, toa, scts = self._pending_reports.pop(0)
            self._report(ref, number, None, toa, scts)

    def _due_ussd(self, now=None):
        """Emit the +CUSD lines whose delay has passed (worker, locked)."""
        now = time.monotonic() if now is None else now
        while self._pending_ussd and self._pending_ussd[0][0] <= now:
            _, mode, text, dcs = self._pending_ussd.pop(0)
            if mode == "refused":
                self._urc("+CUSD: 4")
            elif mode == "code":
                self._urc("+CUSD: 2")
            else:
                self._urc('+CUSD: 0,"%s",%d' % (self._ussd_text(text, dcs),
                                                 dcs))

    def _deliver(self, hexpdu, notify, stat=0):
        with self._lock:
            idx = self._free_index()
            if idx is None:
                self._network_queue.append((hexpdu, notify, stat))
                self.refused += 1
                if self.full_kills_notify:
                    self._notify_lost = True
                return None
            self._store[idx] = {"pdu": hexpdu, "stat": stat}
            self.max_used = max(self.max_used, len(self._store))
            if notify:
                self._notify_new(idx)
            return idx

    def _total(self):
        if self._full and self._full_total is not None:
            return self._full_total
        return self.capacity

    def _free_index(self):
        if len(self._store) >= self._total():
            return None
        for i in range(1, self.capacity + 1):
            if i not in self._store:
                return i
        return None

    def _drain_network_queue(self):
        while self._network_queue:
            idx = self._free_index()
            if idx is None:
                return
            hexpdu, notify, stat = self._network_queue.pop(0)
            self._store[idx] = {"pdu": hexpdu, "stat": stat}
            self.max_used = max(self.max_used, len(self._store))
            for rec in self.delivery_reports:
                if rec["index"] is None and rec["pdu"] is hexpdu:
                    rec["index"] = idx
                    break
            if notify:
                self._notify_new(idx)

    def _notify_new(self, idx):
        if self._notify_lost:
            return
        if _is_report(self._store[idx]["pdu"]):
            # 27.005 +CNMI <ds>: 2 = stored, announced with +CDSI. (ds=1,
            # +CDS with the PDU itself, is not simulated: stored silently.)
            if self.cnmi[0] != 0 and self.cnmi[3] == 2:
                self._urc('+CDSI: "SM",%d' % idx)
            return
        if self.cnmi[0] != 0 and self.cnmi[1] in (1, 2, 3):
            self._urc('+CMTI: "SM",%d' % idx)

    def stored(self):
        """What is on the SIM, by index: a list of dicts with index, status,
        sender, text, encoding, part ((ref, total, seq) or None), pdu,
        error (why the PDU did not decode, else None) and report: None, or
        for an SMS-STATUS-REPORT {"ref", "status", "scts", "dt"} (its
        sender is the recipient of the reported message; text None)."""
        out = []
        with self._lock:
            items = sorted(self._store.items())
        for idx, rec in items:
            d = {"index": idx, "status": STAT_NAMES[rec["stat"]], "pdu": rec["pdu"],
                 "sender": None, "text": None, "encoding": None, "part": None,
                 "error": None, "report": None}
            try:
                if _is_report(rec["pdu"]):
                    m = pdu.decode_status_report(rec["pdu"])
                    d["sender"] = m["number"]
                    d["report"] = {"ref": m["mr"], "status": m["status"],
                                   "scts": m["scts"], "dt": m["dt"]}
                else:
                    if rec["stat"] in (0, 1):
                        m = pdu.decode_deliver(rec["pdu"])
                        d["sender"] = m["sender"]
                    else:
                        m = pdu.decode_submit(rec["pdu"])
                        d["sender"] = m["number"]
                    d.update(text=m["text"], encoding=m["alphabet"],
                             part=m["concat"])
            except (pdu.PduError, IndexError, KeyError, ValueError) as e:
                d["error"] = str(e)
            out.append(d)
        return out

    @property
    def queued(self):
        """How many injected PDUs wait in the network for space on the SIM."""
        with self._lock:
            return len(self._network_queue)

    def wait_sent(self, n, timeout):
        """Wait until at least n messages are in sent; False on timeout."""
        end = time.monotonic() + timeout
        with self._cond:
            while len(self.sent) < n:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def wait_log(self, prefix, timeout, start=0):
        """Wait until a logged command starts with prefix (case-insensitive),
        looking from log index start; returns its index or -1."""
        end = time.monotonic() + timeout
        prefix = prefix.upper()
        with self._cond:
            while True:
                for i in range(start, len(self.log)):
                    if self.log[i].upper().startswith(prefix):
                        return i
                left = end - time.monotonic()
                if left <= 0:
                    return -1
                self._cond.wait(left)

    # ------------------------------------------------------------ I/O

    def _host_absent(self):
        """True when nobody has the slave open (the master polls HUP). A
        modem's output is lost then, as on a serial line nobody listens
        to; a pty would keep it for the next opener instead."""
        p = select.poll()
        p.register(self._master, select.POLLOUT)
        return any(ev & select.POLLHUP for _, ev in p.poll(0))

    def _write(self, data):
        with self._lock:
            if self._master is None or self._host_absent():
                return
            try:
                view = memoryview(data)
                deadline = time.monotonic() + 2
                while view:
                    try:
                        n = os.write(self._master, view)
                        view = view[n:]
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            return      # nobody reads: drop, as a UART would
                        time.sleep(0.005)
            except OSError:
                pass

    def _urc(self, line):
        """Emit an unsolicited result code. Like a SIM800, hold it while a
        command line is being typed or executed, and send it afterwards."""
        with self._lock:
            self.notifications.append(line)
            if time.monotonic() < self._mute_until:
                return
            busy = self._busy or self._line or self._mode == "pdu"
            if self.drop_notices == "all" or (busy and
                                              self.drop_notices == "busy"):
                self.dropped_notices += 1
                return
            if busy:
                self._held_urcs.append(line)
                return
        self._write(b"\r\n" + line.encode() + b"\r\n")

    def _flush_urcs(self):
        while self._held_urcs and not self._busy and not self._line \
                and self._mode == "cmd":
            line = self._held_urcs.pop(0)
            self._write(b"\r\n" + line.encode() + b"\r\n")

    def _run(self):
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        registered = None
        while not self._stop.is_set():
            while self._control:
                fn, done = self._control.popleft()
                with self._lock:
                    try:
                        fn()
                    finally:
                        done.set()
            fd = self._master
            if fd != registered:
                if registered is not None:
                    try:
                        poller.unregister(registered)
                    except (KeyError, ValueError):
                        pass
                if fd is not None:
                    poller.register(fd, select.POLLIN)
                registered = fd
            if self._pending_reports or self._pending_ussd or self._boot:
                with self._lock:
                    self._due_boot()
                    self._due_reports()
                    self._due_ussd()
                    self._flush_urcs()
            events = poller.poll(50)
            hup = False
            for efd, ev in events:
                if efd == self._wake_r:
                    os.read(self._wake_r, 64)
                    continue
                if ev & select.POLLIN:
                    try:
                        data = os.read(efd, 4096)
                    except BlockingIOError:
                        continue
                    except OSError:
                        hup = True        # EIO: no one has the slave open
                        continue
                    if data:
                        self._feed(data)
                elif ev & (select.POLLHUP | select.POLLERR):
                    hup = True
            if hup:
                time.sleep(0.02)          # host closed the port; poll again later

    def _feed(self, data):
        with self._lock:
            if time.monotonic() < self._mute_until:
                return
            for b in data:
                if self._mode == "pdu":
                    self._feed_pdu(b)
                else:
                    self._feed_cmd(b)
            if self._mode == "cmd" and not self._busy:
                self._due_reports()
            self._flush_urcs()

    def _feed_cmd(self, b):
        if self.echo:
            self._write(bytes([b]))
        if b == 0x0D:
            line = self._line.decode("latin-1").strip()
            self._line = bytearray()
            if line:
                self._busy = True
                try:
                    self._command_line(line)
                finally:
                    self._busy = False
        elif b == 0x0A:
            pass
        elif b in (0x08, 0x7F):
            self._line = self._line[:-1]
        elif len(self._line) < 2048:
            self._line.append(b)

    def _feed_pdu(self, b):
        if b == CTRL_Z:
            if self.echo:
                self._write(bytes([b]))
            text = self._line.decode("latin-1").strip()
            self._line = bytearray()
            self._mode = "cmd"
            cmd, self._pdu_cmd = self._pdu_cmd, None
            self._log("<PDU %s>" % text)
            self._busy = True
            try:
                self._finish_pdu(cmd, text)
            finally:
                self._busy = False
        elif b == ESC:
            self._line = bytearray()
            self._mode = "cmd"
            self._pdu_cmd = None
            self._log("<ESC>")
            self._respond(_Reply())
        else:
            if self.echo:
                self._write(bytes([b]))
            if b not in (0x0D, 0x0A) and len(self._line) < 4096:
                self._line.append(b)

    def _log(self, entry):
        with self._cond:
            self.log.append(entry)
            self.log_times.append(time.monotonic())
            self._cond.notify_all()

    def _respond(self, reply):
        out = b""
        for line in reply.lines:
            out += b"\r\n" + line.encode("latin-1") + b"\r\n"
        if reply.final is not None:
            out += b"\r\n" + reply.final.encode() + b"\r\n"
        self._write(out)

    # ------------------------------------------------------------ AT parser

    def _command_line(self, line):
        self._log(line)
        if self._mute_after and line.upper().startswith(self._mute_after[0]):
            self._mute_until = time.monotonic() + self._mute_after[1]
            self._mute_after = None
            return
        if self._garbage_after and line.upper().startswith(self._garbage_after[0]):
            self._write(self._garbage_after[1] + b"\r\n")
            self._garbage_after = None
        if line.upper() == "A/":
            return
        if not line[:2].upper() == "AT":
            return                        # not a command: a modem ignores it
        body = line[2:]
        reply = _Reply()
        for cmd in _split_commands(body):
            r = self._dispatch(cmd)
            if r is None:                 # the command went to the > prompt
                return
            reply.lines.extend(r.lines)
            reply.final = r.final
            if r.final != "OK":
                break
        self._respond(reply)

    def _error(self, kind, code):
        if self.cmee == 0:
            return _Reply(final="ERROR")
        return _Reply(final="+%s ERROR: %d" % (kind, code))

    def _cme(self, code):
        return self._error("CME", code)

    def _cms(self, code):
        return self._error("CMS", code)

    def _dispatch(self, cmd):
        """One command without the AT prefix: 'E1', '+CMGL=4', '&F'.
        Returns a _Reply, or None when it switched to the PDU prompt."""
        up = cmd.upper()
        if not up:
            return _Reply()
        if up[0] not in "+^$*%#":
            return self._basic(up)
        name, op, arg = _parse_ext(cmd)
        handler = getattr(self, "_at_" + name[1:].replace("^", "_").lower(), None)
        if handler is None or not name[1:].isalnum():
            return _Reply(final="ERROR")
        if not self._sms_ready and name in _NEEDS_SMS:
            return _Reply(final="ERROR")
        if self.pin is not None and not self._pin_ok and name in _NEEDS_PIN:
            return self._cms(CMS_SIM_PIN_REQUIRED) if name.startswith("+CMG") \
                or name == "+CPMS" else self._cme(CME_SIM_PIN_REQUIRED)
        try:
            return handler(op, arg)
        except (ValueError, IndexError):
            return _Reply(final="ERROR")

    def _basic(self, up):
        """Basic commands: E, V, Q, Z, &F, I, H and friends, possibly
        several in a row ('E0V1')."""
        i = 0
        lines = []
        while i < len(up):
            c = up[i]
            j = i + 1
            if c == "&":
                j += 1
            while j < len(up) and up[j].isdigit():
                j += 1
            tok, num = up[i:j], up[i + 1:j]
            i = j
            if tok.startswith("E"):
                self.echo = num != "0"
            elif tok[0] == "Z" or tok.startswith("&F"):
                self._reset_settings()
            elif tok[0] in "VQHLMX" or tok[:2] in ("&W", "&D", "&C"):
                pass
            elif tok[0] == "I":
                lines.append("SIM800 R14.18")
            else:
                return _Reply(final="ERROR")
        return _Reply(lines)

    # Each _at_<name>(op, arg): op is "" (action), "?" (read), "=?" (test)
    # or "=" (set) with arg the raw text after "=".

    def _ident(self, value):
        def handler(op, arg):
            if op == "=?":
                return _Reply()
            if op:
                return _Reply(final="ERROR")
            return _Reply([value])
        return handler

    def _at_cgmi(self, op, arg):
        return self._ident(self.manufacturer)(op, arg)

    def _at_cgmm(self, op, arg):
        return self._ident(self.model)(op, arg)

    def _at_cgmr(self, op, arg):
        return self._ident(self.revision)(op, arg)

    def _at_cgsn(self, op, arg):
        return self._ident(self.imei)(op, arg)

    _at_gmi, _at_gmm, _at_gmr, _at_gsn = _at_cgmi, _at_cgmm, _at_cgmr, _at_cgsn

    def _at_cimi(self, op, arg):
        if self.pin is not None and not self._pin_ok:
            return self._cme(CME_SIM_PIN_REQUIRED)
        return self._ident(self.imsi)(op, arg)

    def _at_cmee(self, op, arg):
        if op == "?":
            return _Reply(["+CMEE: %d" % self.cmee])
        if op == "=?":
            return _Reply(["+CMEE: (0-2)"])
        if op == "=" and arg.strip() in ("0", "1", "2"):
            self.cmee = int(arg)
            return _Reply()
        return _Reply(final="ERROR")

    _CHARSETS = ("IRA", "GSM", "UCS2", "HEX", "PCCP", "PCDN", "8859-1")

    def _at_cscs(self, op, arg):
        if op == "?":
            return _Reply(['+CSCS: "%s"' % self.cscs])
        if op == "=?":
            return _Reply(["+CSCS: (%s)" % ",".join('"%s"' % c for c in self._CHARSETS)])
        if op == "=":
            val = _unquote(arg).upper()
            if val == "00470053004D":       # "GSM" written in UCS-2 hex
                val = "GSM"
            if val in self._CHARSETS:
                self.cscs = val
                return _Reply()
        return _Reply(final="ERROR")

    def _ussd_text(self, text, dcs):
        """text as a +CUSD line's <str>: UCS-2 hex for dcs 72; for GSM-7,
        in the host's character set, as a SIM800 gives it ("HEX": each
        character's GSM 7-bit code as two hex digits, unpacked)."""
        if dcs == 72 or self.cscs == "UCS2":
            return text.encode("utf-16-be").hex().upper()
        if self.cscs == "HEX":
            return text.encode("ascii", "replace").hex().upper()
        return text

    def _at_cusd(self, op, arg):
        if op == "?":
            return _Reply(["+CUSD: %d" % getattr(self, "_cusd_n", 0)])
        if op == "=?":
            return _Reply(["+CUSD: (0,1,2)"])
        if op != "=":
            return _Reply(final="ERROR")
        fields = arg.split(",")
        n = fields[0].strip()
        if n not in ("0", "1", "2"):
            return _Reply(final="ERROR")
        self._cusd_n = int(n)
        if len(fields) < 2:
            return _Reply()
        code = _unquote(fields[1])
        if self.cscs == "UCS2":
            try:
                code = bytes.fromhex(code).decode("utf-16-be")
            except ValueError:
                return _Reply(final="ERROR")
        self.ussd_requests.append(code)
        mode = self.ussd_mode
        if mode == "error":
            return self._cme(100)
        if mode == "silent":
            return _Reply()
        text = self.ussd_answer
        if isinstance(text, dict):
            text = text.get(code, "Unknown request")
        # The line is made when it goes out, in the character set the host
        # has set by then, as a modem does.
        self._pending_ussd.append((time.monotonic() + self.ussd_delay,
                                   mode, text, self.ussd_dcs))
        self._pending_ussd.sort(key=lambda e: e[0])
        self._wake()
        return _Reply()

    def _wake(self):
        if self._wake_w is not None:
            try:
                os.write(self._wake_w, b"u")
            except OSError:
                pass

    def _at_cfun(self, op, arg):
        if op == "?":
            return _Reply(["+CFUN: 1"])
        if op == "=?":
            return _Reply(["+CFUN: (0,1,4),(0,1)"])
        if op == "=":
            fun = arg.split(",")[0].strip()
            if fun in ("0", "1", "4"):
                return _Reply()
        return _Reply(final="ERROR")

    def _at_cpin(self, op, arg):
        if op == "?":
            state = "READY" if self._pin_ok else "SIM PIN"
            return _Reply(["+CPIN: %s" % state])
        if op == "=?":
            return _Reply()
        if op == "=":
            code = _unquote(arg.split(",")[0])
            if self._pin_ok:
                return self._cme(CME_OP_NOT_ALLOWED)
            if code == self.pin:
                self._pin_ok = True
                return _Reply()
            return self._cme(CME_INCORRECT_PASSWORD)
        return _Reply(final="ERROR")

    def _at_csq(self, op, arg):
        if op == "=?":
            return _Reply(["+CSQ: (0-31,99),(0-7,99)"])
        return _Reply(["+CSQ: %d,0" % self.signal])

    def _at_cops(self, op, arg):
        if op == "?":
            if self.registered not in (1, 5):
                return _Reply(["+COPS: 0"])
            name = self.operator_code if self.cops_format == 2 else self.operator_name
            return _Reply(['+COPS: 0,%d,"%s"' % (self.cops_format, name)])
        if op == "=?":
            return _Reply(['+COPS: (2,"%s","%s","%s"),,(0-4),(0-2)'
                           % (self.operator_name, self.operator_name, self.operator_code)])
        if op == "=":
            parts = arg.split(",")
            if parts[0].strip() == "3" and len(parts) > 1:
                self.cops_format = int(parts[1])
            return _Reply()
        return _Reply(final="ERROR")

    def _reg(self, which, op, arg):
        attr = "creg_n" if which == "CREG" else "cgreg_n"
        if op == "?":
            n = getattr(self, attr)
            if n == 2:
                return _Reply(['+%s: 2,%d,"1A2B","00C3"' % (which, self.registered)])
            return _Reply(["+%s: %d,%d" % (which, n, self.registered)])
        if op == "=?":
            return _Reply(["+%s: (0-2)" % which])
        if op == "=" and arg.strip() in ("0", "1", "2"):
            setattr(self, attr, int(arg))
            return _Reply()
        return _Reply(final="ERROR")

    def _at_creg(self, op, arg):
        return self._reg("CREG", op, arg)

    def _at_cgreg(self, op, arg):
        return self._reg("CGREG", op, arg)

    def _at_cgatt(self, op, arg):
        if op == "?":
            return _Reply(["+CGATT: 1"])
        return _Reply()

    def _at_cbc(self, op, arg):
        return _Reply(["+CBC: 0,87,4112"])

    def _at_cclk(self, op, arg):
        if op == "?":
            t = time.gmtime(time.time() + 8 * 3600)
            return _Reply([time.strftime('+CCLK: "%y/%m/%d,%H:%M:%S+32"', t)])
        return _Reply()

    def _ok(self, op, arg):
        return _Reply()

    # Settings a SIM800 accepts and that do not change what we simulate.
    _at_clip = _at_crc = _at_ccwa = _at_csmp = _at_csdh = _at_cmms = _ok
    _at_cscb = _at_cnma = _ok

    def _at_cmgf(self, op, arg):
        if op == "?":
            return _Reply(["+CMGF: %d" % self.cmgf])
        if op == "=?":
            return _Reply(["+CMGF: (0)"])
        if op == "=" and arg.strip() == "0":
            self.cmgf = 0
            return _Reply()
        return self._cms(CMS_OP_NOT_SUPPORTED)    # text mode is not simulated

    def _at_cnmi(self, op, arg):
        if op == "?":
            return _Reply(["+CNMI: %s" % ",".join(map(str, self.cnmi))])
        if op == "=?":
            return _Reply(["+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)"])
        if op == "=":
            vals = [v.strip() for v in arg.split(",")]
            new = list(self.cnmi)
            for i, v in enumerate(vals[:5]):
                if v:
                    new[i] = int(v)
            self.cnmi = new
            self._notify_lost = False
            return _Reply()
        return _Reply(final="ERROR")

    def _at_csca(self, op, arg):
        if op == "?":
            toa = 145 if self.smsc.startswith("+") else 129
            return _Reply(['+CSCA: "%s",%d' % (self.smsc, toa)])
        if op == "=":
            self.smsc = _unquote(arg.split(",")[0])
            return _Reply()
        return _Reply()

    def _at_cpms(self, op, arg):
        used, total = len(self._store), self._total()
        if op == "=?":
            return _Reply(['+CPMS: ("SM"),("SM"),("SM")'])
        if op == "?":
            return _Reply(['+CPMS: "SM",%d,%d,"SM",%d,%d,"SM",%d,%d'
                           % ((used, total) * 3)])
        if op == "=":
            mems = [_unquote(m).upper() for m in arg.split(",") if m.strip()]
            if not mems or any(m != "SM" for m in mems):
                return self._cms(CMS_OP_NOT_SUPPORTED)
            return _Reply(["+CPMS: %d,%d,%d,%d,%d,%d" % ((used, total) * 3)])
        return _Reply(final="ERROR")

    def _pdu_entry(self, head, idx, rec):
        h = rec["pdu"]
        return [head % idx + "%d,,%d" % (rec["stat"], pdu.tpdu_length(h)), h]

    def _at_cmgl(self, op, arg):
        if op == "=?":
            return _Reply(["+CMGL: (0-4)"])
        stat = 0 if op == "" else int(arg.strip())
        if stat not in (0, 1, 2, 3, 4):
            return self._cms(CMS_OP_NOT_ALLOWED)
        lines = []
        for idx in sorted(self._store):
            rec = self._store[idx]
            if stat == 4 or rec["stat"] == stat:
                lines.append("+CMGL: %d,%d,,%d" % (idx, rec["stat"], pdu.tpdu_length(rec["pdu"])))
                lines.append(rec["pdu"])
                if rec["stat"] == 0:
                    rec["stat"] = 1
        return _Reply(lines)

    def _index(self, arg):
        idx = int(arg.split(",")[0].strip())
        if not 1 <= idx <= self.capacity:
            raise LookupError(idx)
        return idx

    def _at_cmgr(self, op, arg):
        if op == "=?":
            return _Reply()
        if op != "=":
            return _Reply(final="ERROR")
        try:
            idx = self._index(arg)
        except LookupError:
            return self._cms(CMS_INVALID_INDEX)
        rec = self._store.get(idx)
        if rec is None:
            return _Reply()                   # SIM800: an empty slot is just OK
        lines = ["+CMGR: %d,,%d" % (rec["stat"], pdu.tpdu_length(rec["pdu"])), rec["pdu"]]
        if rec["stat"] == 0:
            rec["stat"] = 1
        return _Reply(lines)

    def _at_cmgd(self, op, arg):
        if op == "=?":
            return _Reply(["+CMGD: (%s),(0-4)" % ",".join(
                str(i) for i in sorted(self._store)) if self._store else "+CMGD: (),(0-4)"])
        if op != "=":
            return _Reply(final="ERROR")
        parts = [p.strip() for p in arg.split(",")]
        flag = int(parts[1]) if len(parts) > 1 and parts[1] else 0
        try:
            idx = self._index(parts[0])
        except LookupError:
            if flag == 0:
                return self._cms(CMS_INVALID_INDEX)
            idx = None
        if flag == 0 and idx in self._refuse_delete and idx in self._store:
            return self._cms(self._refuse_delete[idx])
        if flag == 0:
            self._store.pop(idx, None)
        else:
            # 1: read, 2: read+sent, 3: read+sent+unsent, 4: all
            drop = {1: {1}, 2: {1, 3}, 3: {1, 2, 3}, 4: {0, 1, 2, 3}}.get(flag)
            if drop is None:
                return self._cms(CMS_OP_NOT_ALLOWED)
            for i in [i for i, r in self._store.items() if r["stat"] in drop]:
                del self._store[i]
        self._drain_network_queue()
        return _Reply()

    def _at_cmgs(self, op, arg):
        if op == "=?":
            return _Reply()
        if op != "=":
            return _Reply(final="ERROR")
        length = int(arg.split(",")[0].strip())
        if not 7 <= length <= 164:
            return self._cms(CMS_INVALID_PDU_PARAM)
        self._mode = "pdu"
        self._pdu_cmd = ("CMGS", length)
        self._line = bytearray()
        self._write(b"\r\n> ")
        return None

    def _at_cmgw(self, op, arg):
        if op == "=?":
            return _Reply()
        if op != "=":
            return _Reply(final="ERROR")
        vals = arg.split(",")
        length = int(vals[0].strip())
        stat = int(vals[1].strip()) if len(vals) > 1 and vals[1].strip() else 2
        if self._free_index() is None:
            return self._cms(CMS_MEMORY_FULL)
        self._mode = "pdu"
        self._pdu_cmd = ("CMGW", length, stat)
        self._line = bytearray()
        self._write(b"\r\n> ")
        return None

    def _at_cmss(self, op, arg):
        if op != "=":
            return _Reply(final="ERROR")
        try:
            idx = self._index(arg)
        except LookupError:
            return self._cms(CMS_INVALID_INDEX)
        rec = self._store.get(idx)
        if rec is None:
            return self._cms(CMS_INVALID_INDEX)
        reply = self._submit(rec["pdu"], "CMSS")
        if reply.final == "OK":
            rec["stat"] = 3
        return reply

    def _finish_pdu(self, cmd, text):
        if cmd is None:
            return
        if cmd[0] == "CMGW":
            idx = self._free_index()
            if idx is None:
                self._respond(self._cms(CMS_MEMORY_FULL))
                return
            self._store[idx] = {"pdu": text.upper(), "stat": cmd[2]}
            self._respond(_Reply(["+CMGW: %d" % idx]))
            return
        # CMGS: the host's length counts the TPDU, without the SMSC field.
        try:
            if pdu.tpdu_length(text) != cmd[1]:
                self._respond(self._cms(CMS_INVALID_PDU_PARAM))
                return
        except ValueError:
            self._respond(self._cms(CMS_INVALID_PDU_PARAM))
            return
        if self._reset_on_send > 0:
            self._reset_on_send -= 1
            self._restart()
            return
        if self.send_delay:
            # The network takes its time; commands are not read meanwhile,
            # but URCs from injections may still come out, as on a modem.
            self._lock.release()
            try:
                self._stop.wait(self.send_delay)
            finally:
                self._lock.acquire()
        self._respond(self._submit(text, "CMGS"))

    def _submit(self, hexpdu, verb):
        """The network's side of a send: decode, record, assign a reference."""
        if self._fail_sends > 0:
            self._fail_sends -= 1
            return self._cms(self._fail_code)
        try:
            m = pdu.decode_submit(hexpdu)
        except (pdu.PduError, IndexError, ValueError):
            return self._cms(CMS_INVALID_PDU_PARAM)
        self._mr = (self._mr + 1) & 0xFF
        m["ref"] = self._mr
        m["pdu"] = hexpdu
        self.submits.append(m)
        self._collect(m)
        if m["srr"] and self.status_reports:
            # Stored after the answer: _feed and the worker loop call
            # _due_reports once the command is done.
            due = time.monotonic() + max(0.0, self.status_report_delay)
            self._pending_reports.append(
                (due, m["ref"], m["number"], m["toa"],
                 datetime.datetime.now(_TZ)))
            self._pending_reports.sort(key=lambda r: r[0])
        return _Reply(["+%s: %d" % (verb, self._mr)])

    def _collect(self, m):
        done = None
        if m["concat"] is None or m["concat"][1] <= 1:
            done = Sent(m["number"], m["text"], 1, [m["ref"]], m["alphabet"],
                        m["srr"])
        else:
            ref, total, seq = m["concat"]
            key = (m["number"], ref, total)
            parts = self._partial.setdefault(key, {})
            parts[seq] = m
            if len(parts) == total and set(parts) == set(range(1, total + 1)):
                del self._partial[key]
                ordered = [parts[i] for i in range(1, total + 1)]
                text = None
                if all(p["text"] is not None for p in ordered):
                    text = "".join(p["text"] for p in ordered)
                done = Sent(m["number"], text, total, [p["ref"] for p in ordered],
                            ordered[0]["alphabet"], any(p["srr"] for p in ordered))
        if done is not None:
            with self._cond:
                self.sent.append(done)
                self._cond.notify_all()
            if self.on_sent:
                self.on_sent(done)


# Commands refused with a PIN error while the SIM is locked.
_NEEDS_PIN = {"+CMGL", "+CMGR", "+CMGD", "+CMGS", "+CMGW", "+CMSS", "+CPMS",
              "+CSCA", "+CNMI", "+CIMI", "+COPS"}


def _split_commands(body):
    """'E1;+CMGF=0;+CNMI=2,1' -> ['E1', '+CMGF=0', '+CNMI=2,1']. A basic
    command may run straight into an extended one ('E0+CMEE=1')."""
    out, cur, quoted = [], "", False
    for c in body:
        if c == '"':
            quoted = not quoted
        if c == ";" and not quoted:
            out.append(cur)
            cur = ""
            continue
        if c in "+^" and not quoted and cur and cur[0] not in "+^$*%#":
            out.append(cur)
            cur = ""
        cur += c
    out.append(cur)
    return [c.strip() for c in out if c.strip()]


def _parse_ext(cmd):
    """'+CMGL=4' -> ('+CMGL', '=', '4'); '+CSCS?' -> ('+CSCS', '?', '');
    '+CSCS=?' -> ('+CSCS', '=?', ''); '+CGMI' -> ('+CGMI', '', '')."""
    i = 1
    while i < len(cmd) and (cmd[i].isalnum() or cmd[i] == "_"):
        i += 1
    name, rest = cmd[:i].upper(), cmd[i:]
    if rest.startswith("=?"):
        return name, "=?", rest[2:]
    if rest.startswith("?"):
        return name, "?", rest[1:]
    if rest.startswith("="):
        return name, "=", rest[1:]
    return name, "", rest


def _unquote(s):
    s = s.strip()
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        return s[1:-1]
    return s


# Commands a booting SIM800 refuses until it printed "SMS Ready".
_NEEDS_SMS = {"+CMGL", "+CMGR", "+CMGD", "+CMGS", "+CMGW", "+CMSS", "+CPMS",
              "+CSCA", "+CNMI", "+CSMP"}


# ------------------------------------------------------------------ program

_HELP = """commands:
  sms <number> <text...>     inject a message (GSM-7 or UCS-2 as needed)
  pdu <hex>                  inject a raw SMS-DELIVER PDU (with SMSC field)
  report <number> <ref> [st] a status report for message reference ref
                             (TP-ST st, hex, default 00 = delivered)
  list                       what is on the SIM
  full on|off                SIM storage full
  mute <seconds>             answer nothing for that long
  fail <count> [code]        next sends answer +CMS ERROR
  garbage                    emit a garbage line
  vanish | reappear          the device goes away / comes back
  reset [send]               restart (boot lines, settings lost), now or
                             at the next send
  drop all|busy|none         lose +CMTI notices (all, or while busy)
  log                        AT commands received so far
  quit"""


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="Simulated SIM800 modem on a pty.")
    ap.add_argument("--link", help="stable symlink to the pty slave")
    ap.add_argument("--capacity", type=int, default=30, help="SIM slots")
    ap.add_argument("--pin", help="SIM PIN (default: none)")
    ap.add_argument("--verbose", "-v", action="store_true",
                    help="print every AT command to stderr")
    args = ap.parse_args(argv)

    sim = ModemSim(link=args.link, sim_capacity=args.capacity, pin=args.pin)

    def on_sent(s):
        print("SENT %s %s" % (s.number, s.text), flush=True)
    sim.on_sent = on_sent
    sim.start()
    print("DEVICE %s" % sim.device, flush=True)
    seen = 0
    try:
        for raw in sys.stdin:
            if args.verbose:
                for entry in sim.log[seen:]:
                    print("AT %s" % entry, file=sys.stderr)
                seen = len(sim.log)
            words = raw.strip().split(None, 2)
            if not words:
                continue
            cmd = words[0].lower()
            try:
                if cmd == "sms" and len(words) == 3:
                    print("STORED %s" % sim.inject(words[1], words[2]), flush=True)
                elif cmd == "report" and len(words) == 3:
                    ref, _, st = words[2].partition(" ")
                    st = int(st, 16) if st.strip() else None
                    print("STORED %s" % sim.inject_report(words[1], int(ref), st),
                          flush=True)
                elif cmd == "pdu" and len(words) == 2:
                    print("STORED %s" % sim.inject_pdu(words[1]), flush=True)
                elif cmd == "list":
                    for d in sim.stored():
                        print("%d %s %s %r %s" % (d["index"], d["status"], d["sender"],
                                                  d["text"], d["part"] or ""), flush=True)
                elif cmd == "full" and len(words) == 2:
                    sim.set_full(words[1] == "on")
                elif cmd == "mute" and len(words) == 2:
                    sim.mute(float(words[1]))
                elif cmd == "fail":
                    code = int(words[2]) if len(words) > 2 else 500
                    sim.fail_sends(int(words[1]) if len(words) > 1 else 1, code)
                elif cmd == "garbage":
                    sim.garbage()
                elif cmd == "vanish":
                    sim.vanish()
                elif cmd == "reappear":
                    sim.reappear()
                    print("DEVICE %s" % sim.device, flush=True)
                elif cmd == "reset":
                    sim.reset(during_send=len(words) > 1)
                elif cmd == "drop" and len(words) == 2:
                    sim.drop_notices = None if words[1] == "none" else words[1]
                elif cmd == "log":
                    for entry in sim.log:
                        print("AT %s" % entry, flush=True)
                elif cmd in ("quit", "exit"):
                    break
                else:
                    print(_HELP, flush=True)
            except (ValueError, pdu.PduError) as e:
                print("error: %s" % e, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
