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

The simulator is split by subject: sim_base.py (the Sent record, result
codes, the parsing of a command line), sim_at.py (the AT parser and the
general commands), sim_sms.py (the SIM's message store and the SMS
commands), sim_cli.py (the program); this module holds the state, the
lifecycle, the faults and the pty loop, and is what tests import.

Standard library only. Not a full 27.005 implementation: text mode
(AT+CMGF=1), ME storage and +CMT direct delivery are not simulated.
"""

import collections
import os
import select
import sys
import threading
import time
import tty

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pdu  # noqa: E402,F401
    from sim_base import *  # noqa: E402,F401,F403
    from sim_base import (  # noqa: E402
        CMS_OP_NOT_ALLOWED, CTRL_Z, ESC, _Reply)
    from sim_at import AtMixin  # noqa: E402
    from sim_sms import SmsMixin  # noqa: E402
else:
    from . import pdu  # noqa: F401
    from .sim_base import *  # noqa: F401,F403
    from .sim_base import CMS_OP_NOT_ALLOWED, CTRL_Z, ESC, _Reply
    from .sim_at import AtMixin
    from .sim_sms import SmsMixin


class ModemSim(AtMixin, SmsMixin):
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
        # A slow modem (a busy SIM800, a congested UART): seconds before
        # every command line is executed and answered; input is not read
        # meanwhile, held notices come out after the answer.
        self.answer_delay = 0.0
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
                    if self.answer_delay:
                        self._lock.release()
                        try:
                            self._stop.wait(self.answer_delay)
                        finally:
                            self._lock.acquire()
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


def main(argv=None):
    """The program: see sim_cli.py."""
    if __package__ in (None, ""):
        import sim_cli
    else:
        from . import sim_cli
    return sim_cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
