"""The SIM's message store and the SMS commands of the simulated modem:
what the network delivers (messages, status reports, USSD answers), the
slots of the SIM, listing, reading, deleting and sending in PDU mode. A
mixin of ModemSim (modemsim.py), which holds the state it uses."""

import datetime
import os
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pdu  # noqa: E402
    from sim_base import (  # noqa: E402
        CMS_INVALID_INDEX, CMS_INVALID_PDU_PARAM, CMS_MEMORY_FULL,
        CMS_OP_NOT_ALLOWED, CMS_OP_NOT_SUPPORTED, STAT_NAMES, Sent, _Reply,
        _TZ, _is_report, _unquote)
else:
    from . import pdu
    from .sim_base import (
        CMS_INVALID_INDEX, CMS_INVALID_PDU_PARAM, CMS_MEMORY_FULL,
        CMS_OP_NOT_ALLOWED, CMS_OP_NOT_SUPPORTED, STAT_NAMES, Sent, _Reply,
        _TZ, _is_report, _unquote)


class SmsMixin:
    """ModemSim's SIM contents and SMS commands."""

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

    # ------------------------------------------------------------ SMS commands

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
