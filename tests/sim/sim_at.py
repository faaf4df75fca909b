"""The AT command parser of the simulated modem and its commands other than
SMS: identification, errors, character set, USSD, SIM PIN, signal,
network registration and the clock. A mixin of ModemSim (modemsim.py)."""

import os
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from sim_base import (  # noqa: E402
        CME_INCORRECT_PASSWORD, CME_OP_NOT_ALLOWED, CME_SIM_PIN_REQUIRED,
        CMS_SIM_PIN_REQUIRED, _NEEDS_PIN, _NEEDS_SMS, _Reply, _parse_ext,
        _split_commands, _unquote)
else:
    from .sim_base import (
        CME_INCORRECT_PASSWORD, CME_OP_NOT_ALLOWED, CME_SIM_PIN_REQUIRED,
        CMS_SIM_PIN_REQUIRED, _NEEDS_PIN, _NEEDS_SMS, _Reply, _parse_ext,
        _split_commands, _unquote)


class AtMixin:
    """ModemSim's AT parser and general commands."""

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
