"""The simulated modem's vocabulary: the record of a sent message, result
codes, a command's reply and the parsing of an AT command line. Part of
modemsim (see its docstring); standard library only."""

import collections
import datetime
import os
import sys

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
