"""SMS PDU encoding and decoding for the simulated modem (3GPP TS 23.040, 23.038).

What the simulator needs and no more: it builds the SMS-DELIVER and
SMS-STATUS-REPORT PDUs that a modem would hand to the host (+CMGL, +CMGR),
and decodes the SMS-SUBMIT PDUs that the host (libgammu) hands to AT+CMGS
(and the other two, for tests). The decoders return plain dicts so
that tests can assert on every field. Standard library only.

Hex strings in and out are upper case, and every full PDU starts with the
SMSC address field, exactly as modems show them in PDU mode (AT+CMGF=0).
"""

import datetime

# GSM 03.38 default alphabet, index = septet value.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
assert len(GSM7_BASIC) == 128
# Extension table, reached through the escape septet 0x1B.
GSM7_EXT = {
    0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\",
    0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€",
}
_BASIC_REV = {c: i for i, c in enumerate(GSM7_BASIC) if i != 0x1B}
_EXT_REV = {c: i for i, c in GSM7_EXT.items()}

ESC = 0x1B
PID_TYPE0 = 0x40            # TP-PID of a "type 0" SMS (23.040 9.2.3.9)
CONCAT_GSM7_SEPTETS = 153   # per part of a long message, after the 6-octet UDH
CONCAT_UCS2_UNITS = 67      # UTF-16 code units per part
SINGLE_GSM7_SEPTETS = 160
SINGLE_UCS2_UNITS = 70


class PduError(ValueError):
    """A PDU that cannot be decoded; the message says where and why."""


# ---------------------------------------------------------------- GSM-7

def gsm7_encodable(text):
    """True if every character of text is in the default alphabet or its
    extension table."""
    return all(c in _BASIC_REV or c in _EXT_REV for c in text)


def gsm7_septets(text):
    """Text as a list of septet values (extension characters take two).
    Raises PduError for a character outside the GSM alphabet."""
    out = []
    for c in text:
        if c in _BASIC_REV:
            out.append(_BASIC_REV[c])
        elif c in _EXT_REV:
            out.extend((ESC, _EXT_REV[c]))
        else:
            raise PduError("character %r is not in the GSM-7 alphabet" % c)
    return out


def gsm7_decode_septets(septets):
    """Septet values back to text; an unknown escape gives the basic
    character, as 23.038 says a receiver should."""
    out = []
    it = iter(septets)
    for s in it:
        if s == ESC:
            nxt = next(it, None)
            if nxt is None:
                break
            out.append(GSM7_EXT.get(nxt, GSM7_BASIC[nxt] if nxt != ESC else " "))
        else:
            out.append(GSM7_BASIC[s])
    return "".join(out)


def pack7(septets, fill_bits=0):
    """Pack septets LSB first into octets, after fill_bits zero bits (used to
    align text behind a user data header)."""
    acc = 0
    nbits = fill_bits
    out = bytearray()
    for s in septets:
        acc |= (s & 0x7F) << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        out.append(acc & 0xFF)
    return bytes(out)


def unpack7(data, count, fill_bits=0):
    """Unpack count septets from data, skipping fill_bits leading bits."""
    bits = int.from_bytes(bytes(data), "little")
    bits >>= fill_bits
    avail = (len(data) * 8 - fill_bits) // 7
    if count > avail:
        raise PduError("user data holds %d septets, header says %d" % (avail, count))
    return [(bits >> (7 * i)) & 0x7F for i in range(count)]


# ---------------------------------------------------------------- addresses

TOA_INTERNATIONAL = 0x91
TOA_NATIONAL = 0xA1
TOA_UNKNOWN = 0x81
TOA_ALPHANUMERIC = 0xD0


def _swap_digits(digits):
    if len(digits) % 2:
        digits += "F"
    return bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, len(digits), 2))


def _unswap_digits(data, ndigits):
    s = "".join("%X%X" % (b & 0x0F, b >> 4) for b in data)
    s = s[:ndigits]
    # 23.040 semi-octets: A=*, B=#, C=a, D=b, E=c
    return s.translate(str.maketrans("ABCDE", "*#abc"))


def address_toa(number):
    """The type of address a network would use for this sender."""
    if number.startswith("+"):
        return TOA_INTERNATIONAL
    if number and all(c in "0123456789*#" for c in number):
        return TOA_NATIONAL
    return TOA_ALPHANUMERIC


def encode_address(number, toa=None):
    """TP-OA / TP-DA field: length (semi-octets), type, value."""
    if toa is None:
        toa = address_toa(number)
    if (toa & 0x70) == 0x50:
        sept = gsm7_septets(number)
        packed = pack7(sept)
        nsemi = (len(sept) * 7 + 3) // 4
        return bytes([nsemi, toa]) + packed
    digits = number.lstrip("+").translate(str.maketrans("*#abc", "ABCDE"))
    return bytes([len(digits), toa]) + _swap_digits(digits)


def decode_address(data, pos):
    """Decode TP-OA/TP-DA at data[pos]; returns (number, toa, next_pos)."""
    if pos + 2 > len(data):
        raise PduError("address truncated at octet %d" % pos)
    ndigits, toa = data[pos], data[pos + 1]
    nbytes = (ndigits + 1) // 2
    raw = data[pos + 2:pos + 2 + nbytes]
    if len(raw) < nbytes:
        raise PduError("address truncated at octet %d" % pos)
    if (toa & 0x70) == 0x50:
        number = gsm7_decode_septets(unpack7(raw, ndigits * 4 // 7))
    else:
        number = _unswap_digits(raw, ndigits)
        if (toa & 0x70) == 0x10:
            number = "+" + number
    return number, toa, pos + 2 + nbytes


def encode_smsc(number):
    """The SMSC field in front of a PDU: length in octets, type, digits.
    An empty number gives the single octet 00 (use the default SMSC)."""
    if not number:
        return b"\x00"
    toa = TOA_INTERNATIONAL if number.startswith("+") else TOA_UNKNOWN
    body = bytes([toa]) + _swap_digits(number.lstrip("+"))
    return bytes([len(body)]) + body


def decode_smsc(data):
    """Returns (number, next_pos)."""
    if not data:
        raise PduError("empty PDU")
    n = data[0]
    if n == 0:
        return "", 1
    if 1 + n > len(data):
        raise PduError("SMSC field longer than the PDU")
    toa = data[1]
    number = _unswap_digits(data[2:1 + n], (n - 1) * 2).rstrip("F")
    if (toa & 0x70) == 0x10:
        number = "+" + number
    return number, 1 + n


# ---------------------------------------------------------------- timestamps

def encode_scts(when=None):
    """TP-SCTS: seven swapped semi-octet pairs, the last the offset from UTC
    in quarters of an hour. A naive datetime is taken as UTC+8 (Mongolia)."""
    if when is None:
        when = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8)))
    off = when.utcoffset()
    quarters = 32 if off is None else int(off.total_seconds() // 900)
    fields = [when.year % 100, when.month, when.day, when.hour, when.minute, when.second]
    out = bytearray(_swap_digits("%02d" % v)[0] for v in fields)
    tz = _swap_digits("%02d" % abs(quarters))[0]
    if quarters < 0:
        tz |= 0x08
    out.append(tz)
    return bytes(out)


def decode_scts(data):
    """TP-SCTS to an aware datetime (None if the digits are nonsense)."""
    digits = []
    for b in data[:6]:
        digits.append((b & 0x0F) * 10 + (b >> 4))
    tzb = data[6]
    quarters = ((tzb & 0x07) * 10) + (tzb >> 4)
    if tzb & 0x08:
        quarters = -quarters
    try:
        return datetime.datetime(2000 + digits[0], digits[1], digits[2], digits[3],
                                 digits[4], digits[5],
                                 tzinfo=datetime.timezone(datetime.timedelta(minutes=15 * quarters)))
    except ValueError:
        return None


# ---------------------------------------------------------------- DCS, UDH

def dcs_alphabet(dcs):
    """'gsm7', '8bit' or 'ucs2' for a TP-DCS value (23.038 section 4)."""
    group = dcs >> 4
    if group <= 0x07:               # general data coding (incl. auto-delete)
        if dcs & 0x20:
            return "8bit"           # compressed: treat as opaque
        return {0: "gsm7", 1: "8bit", 2: "ucs2", 3: "gsm7"}[(dcs >> 2) & 3]
    if group in (0x0C, 0x0D):
        return "gsm7"
    if group == 0x0E:
        return "ucs2"
    if group == 0x0F:
        return "8bit" if dcs & 0x04 else "gsm7"
    return "8bit"


def concat_udh(ref, total, seq):
    """A user data header with one 8-bit-reference concatenation element."""
    return bytes([0x00, 3, ref & 0xFF, total, seq])


def parse_udh(udh):
    """Information elements of a UDH (without its length octet).
    Returns {'elements': [(iei, bytes)], 'concat': (ref, total, seq) or None}."""
    elements = []
    concat = None
    i = 0
    while i + 2 <= len(udh):
        iei, ln = udh[i], udh[i + 1]
        val = bytes(udh[i + 2:i + 2 + ln])
        if len(val) < ln:
            raise PduError("UDH element 0x%02X truncated" % iei)
        elements.append((iei, val))
        if iei == 0x00 and ln == 3:
            concat = (val[0], val[1], val[2])
        elif iei == 0x08 and ln == 4:
            concat = ((val[0] << 8) | val[1], val[2], val[3])
        i += 2 + ln
    return {"elements": elements, "concat": concat}


def _encode_ud(payload, alphabet, udh):
    """Returns (udl, ud bytes) for text (str) or data (bytes)."""
    hdr = b""
    if udh:
        hdr = bytes([len(udh)]) + udh
    if alphabet == "gsm7":
        sept = gsm7_septets(payload)
        hdr_bits = len(hdr) * 8
        fill = (7 - hdr_bits % 7) % 7
        udl = (hdr_bits + fill) // 7 + len(sept)
        return udl, hdr + pack7(sept, fill)
    if alphabet == "ucs2":
        body = payload.encode("utf-16-be") if isinstance(payload, str) else bytes(payload)
    else:
        body = bytes(payload) if not isinstance(payload, str) else payload.encode("latin-1")
    return len(hdr) + len(body), hdr + body


def _decode_ud(data, pos, udl, alphabet, udhi):
    """Decode user data; returns (text or None, data bytes, udh bytes or None)."""
    rest = bytes(data[pos:])
    udh = None
    if alphabet == "gsm7":
        nbytes = (udl * 7 + 7) // 8
        ud = rest[:nbytes]
        if len(ud) < nbytes:
            raise PduError("user data shorter than TP-UDL %d septets" % udl)
        skip_sept = 0
        fill = 0
        if udhi:
            if not ud:
                raise PduError("UDHI set but no user data")
            udhl = ud[0]
            udh = ud[1:1 + udhl]
            hdr_bits = (udhl + 1) * 8
            skip_sept = (hdr_bits + 6) // 7
            fill = skip_sept * 7 - hdr_bits
            sept = unpack7(ud[udhl + 1:], udl - skip_sept, fill) if udl > skip_sept else []
        else:
            sept = unpack7(ud, udl)
        return gsm7_decode_septets(sept), ud, udh
    ud = rest[:udl]
    if len(ud) < udl:
        raise PduError("user data shorter than TP-UDL %d octets" % udl)
    body = ud
    if udhi:
        if not ud:
            raise PduError("UDHI set but no user data")
        udhl = ud[0]
        udh = ud[1:1 + udhl]
        body = ud[1 + udhl:]
    if alphabet == "ucs2":
        if len(body) % 2:
            raise PduError("odd number of octets in UCS-2 user data")
        return body.decode("utf-16-be", errors="replace"), body, udh
    return None, body, udh


# ---------------------------------------------------------------- splitting

def choose_alphabet(text, encoding="auto"):
    if encoding == "auto":
        return "gsm7" if gsm7_encodable(text) else "ucs2"
    if encoding not in ("gsm7", "ucs2"):
        raise ValueError("encoding must be auto, gsm7 or ucs2")
    return encoding


def split_text(text, alphabet):
    """Split text into the parts a phone would send: one part if it fits in
    160 septets / 70 UCS-2 units, else 153 septets / 67 units per part. An
    escape pair or a surrogate pair is never cut in two."""
    if alphabet == "gsm7":
        def cost(c):
            return 2 if c in _EXT_REV else 1
        single, per = SINGLE_GSM7_SEPTETS, CONCAT_GSM7_SEPTETS
    else:
        def cost(c):
            return 2 if ord(c) > 0xFFFF else 1
        single, per = SINGLE_UCS2_UNITS, CONCAT_UCS2_UNITS
    if sum(cost(c) for c in text) <= single:
        return [text]
    parts, cur, used = [], [], 0
    for c in text:
        if used + cost(c) > per:
            parts.append("".join(cur))
            cur, used = [], 0
        cur.append(c)
        used += cost(c)
    if cur:
        parts.append("".join(cur))
    return parts


# ---------------------------------------------------------------- DELIVER

def encode_deliver(sender, payload, alphabet="gsm7", when=None, udh=None,
                   smsc="+97699000001", toa=None, dcs=None, pid=0):
    """One SMS-DELIVER PDU as hex, SMSC field first.

    payload is a str for gsm7/ucs2 and bytes for 8bit. udh is the header
    without its length octet (see concat_udh). dcs overrides the coding
    octet (its alphabet must agree with the alphabet argument)."""
    if dcs is None:
        dcs = {"gsm7": 0x00, "8bit": 0x04, "ucs2": 0x08}[alphabet]
    first = 0x04                        # SMS-DELIVER, no more messages
    if udh:
        first |= 0x40
    udl, ud = _encode_ud(payload, alphabet, udh)
    tpdu = (bytes([first]) + encode_address(sender, toa) + bytes([pid, dcs])
            + encode_scts(when) + bytes([udl]) + ud)
    return (encode_smsc(smsc) + tpdu).hex().upper()


def deliver_offsets(hexpdu):
    """Where each field of a well-formed SMS-DELIVER (SMSC field first)
    starts: a dict of octet offsets first, oa, pid, dcs, scts, udl, ud."""
    data = bytes.fromhex(hexpdu)
    first = 1 + data[0]
    oa = first + 1
    pid = oa + 2 + (data[oa] + 1) // 2
    return {"first": first, "oa": oa, "pid": pid, "dcs": pid + 1,
            "scts": pid + 2, "udl": pid + 9, "ud": pid + 10}


# The ways a record can lie about itself (issue 12: one such record must
# cost only itself): each length field pointing past the data, records cut
# short, the reserved message type, and a zero TP-UDL with data behind it.
HOSTILE_KINDS = ("udl_past", "address_past", "udh_past", "truncated_header",
                 "truncated_ud", "reserved_type", "udl_zero_with_data")

_HOSTILE_PAYLOAD = {"gsm7": "hello there", "ucs2": "сайн уу",
                    "8bit": b"\x01\x02hostile"}


def hostile_deliver(kind, alphabet, sender="+97699000666", when=None,
                    smsc="+97699000001"):
    """An SMS-DELIVER (hex, SMSC field first) in alphabet (gsm7, ucs2,
    8bit) that breaks one rule, kind from HOSTILE_KINDS:

    udl_past            TP-UDL 40 more than the user data holds
    address_past        the sender's length 0xFF (128 octets, past the end)
    udh_past            TP-UDHI set, the header's length 0x7F
    truncated_header    cut inside TP-SCTS
    truncated_ud        cut in the middle of the user data
    reserved_type       TP-MTI 3
    udl_zero_with_data  TP-UDL 0, the user data still there
    """
    udh = concat_udh(0x42, 2, 1) if kind == "udh_past" else None
    good = encode_deliver(sender, _HOSTILE_PAYLOAD[alphabet], alphabet,
                          when=when, udh=udh, smsc=smsc)
    off = deliver_offsets(good)
    b = bytearray(bytes.fromhex(good))
    if kind == "udl_past":
        b[off["udl"]] = min(255, b[off["udl"]] + 40)
    elif kind == "address_past":
        b[off["oa"]] = 0xFF
    elif kind == "udh_past":
        b[off["ud"]] = 0x7F
    elif kind == "truncated_header":
        b = b[:off["scts"] + 3]
    elif kind == "truncated_ud":
        b = b[:off["ud"] + (len(b) - off["ud"]) // 2]
    elif kind == "reserved_type":
        b[off["first"]] |= 0x03
    elif kind == "udl_zero_with_data":
        b[off["udl"]] = 0
    else:
        raise ValueError("unknown kind %r" % kind)
    return bytes(b).hex().upper()


def tpdu_length(hexpdu):
    """Octets after the SMSC field: the <length> of +CMGL, +CMGR, +CMGS."""
    data = bytes.fromhex(hexpdu)
    if not data:
        return 0
    return max(0, len(data) - 1 - data[0])


def _finish(d, text, body, udh):
    d["text"] = text
    d["data"] = body
    d["udh"] = udh
    d["concat"] = parse_udh(udh)["concat"] if udh else None
    return d


def decode_deliver(hexpdu):
    """Decode an SMS-DELIVER PDU (with SMSC field). Raises PduError."""
    try:
        data = bytes.fromhex(hexpdu)
    except ValueError as e:
        raise PduError("not hex: %s" % e)
    smsc, pos = decode_smsc(data)
    if pos >= len(data):
        raise PduError("no TPDU after the SMSC field")
    first = data[pos]
    if first & 0x03 != 0x00:
        raise PduError("not an SMS-DELIVER (MTI %d)" % (first & 3))
    sender, toa, pos = decode_address(data, pos + 1)
    if pos + 10 > len(data):
        raise PduError("DELIVER truncated after the sender")
    pid, dcs = data[pos], data[pos + 1]
    when = decode_scts(data[pos + 2:pos + 9])
    udl = data[pos + 9]
    alphabet = dcs_alphabet(dcs)
    text, body, udh = _decode_ud(data, pos + 10, udl, alphabet, first & 0x40)
    return _finish({"type": "deliver", "smsc": smsc, "sender": sender, "toa": toa,
                    "pid": pid, "dcs": dcs, "alphabet": alphabet, "scts": when,
                    "udl": udl}, text, body, udh)


# ---------------------------------------------------------------- SUBMIT

def decode_submit(hexpdu, has_smsc=True):
    """Decode an SMS-SUBMIT PDU as a host gives it to AT+CMGS.

    Returns a dict: smsc, mr, number, toa, pid, dcs, alphabet, vp (raw bytes
    or None), srr, text (None for 8-bit), data, udh, concat (ref, total, seq)
    or None. Raises PduError."""
    try:
        data = bytes.fromhex(hexpdu)
    except ValueError as e:
        raise PduError("not hex: %s" % e)
    smsc, pos = decode_smsc(data) if has_smsc else ("", 0)
    if pos + 2 > len(data):
        raise PduError("SUBMIT truncated")
    first = data[pos]
    if first & 0x03 != 0x01:
        raise PduError("not an SMS-SUBMIT (MTI %d)" % (first & 3))
    mr = data[pos + 1]
    number, toa, pos = decode_address(data, pos + 2)
    if pos + 2 > len(data):
        raise PduError("SUBMIT truncated after the destination")
    pid, dcs = data[pos], data[pos + 1]
    pos += 2
    vpf = (first >> 3) & 3
    vp = None
    if vpf == 2:
        vp = data[pos:pos + 1]
        pos += 1
    elif vpf in (1, 3):
        vp = data[pos:pos + 7]
        pos += 7
    if pos >= len(data):
        raise PduError("SUBMIT has no TP-UDL")
    udl = data[pos]
    alphabet = dcs_alphabet(dcs)
    text, body, udh = _decode_ud(data, pos + 1, udl, alphabet, first & 0x40)
    return _finish({"type": "submit", "smsc": smsc, "mr": mr, "number": number,
                    "toa": toa, "pid": pid, "dcs": dcs, "alphabet": alphabet,
                    "vp": vp, "srr": bool(first & 0x20), "udl": udl}, text, body, udh)


def encode_submit(number, payload, alphabet="gsm7", udh=None, mr=0, smsc="",
                  vp=0xFF, srr=False):
    """An SMS-SUBMIT PDU as hex (for tests of decode_submit and of hosts);
    srr sets TP-SRR (a status report is requested)."""
    dcs = {"gsm7": 0x00, "8bit": 0x04, "ucs2": 0x08}[alphabet]
    first = 0x01 | (0x10 if vp is not None else 0) | (0x20 if srr else 0)
    if udh:
        first |= 0x40
    udl, ud = _encode_ud(payload, alphabet, udh)
    tpdu = bytes([first, mr]) + encode_address(number) + bytes([0, dcs])
    if vp is not None:
        tpdu += bytes([vp])
    tpdu += bytes([udl]) + ud
    return (encode_smsc(smsc) + tpdu).hex().upper()


# ---------------------------------------------------------------- STATUS-REPORT

# TP-ST values (23.040 9.2.3.15) worth naming in tests.
ST_DELIVERED = 0x00                 # short message received by the SME
ST_FORWARDED_UNCONFIRMED = 0x01
ST_TEMP_CONGESTION = 0x20           # SC still trying
ST_PERM_INCOMPATIBLE = 0x41         # permanent error, SC gave up
ST_PERM_EXPIRED = 0x46              # validity period expired
ST_TEMP_FINAL_CONGESTION = 0x60     # temporary error, SC gave up


def encode_status_report(mr, recipient, status=ST_DELIVERED, scts=None,
                         dt=None, smsc="+97699000001", toa=None):
    """One SMS-STATUS-REPORT PDU as hex, SMSC field first, as a SIM800
    stores it with AT+CNMI ds=2: first octet 06 (MTI 10, no more
    messages, TP-SRQ 0: the report of a SUBMIT), TP-MR, TP-RA (the
    recipient, type toa or chosen from the number), TP-SCTS (when the
    SC took the SUBMIT), TP-DT (when it was delivered or given up) and
    TP-ST; no TP-PI and no user data. Naive datetimes are UTC+8."""
    tpdu = (bytes([0x06, mr & 0xFF]) + encode_address(recipient, toa)
            + encode_scts(scts) + encode_scts(dt if dt is not None else scts)
            + bytes([status & 0xFF]))
    return (encode_smsc(smsc) + tpdu).hex().upper()


def pdu_type(hexpdu, has_smsc=True):
    """'deliver', 'submit' or 'status-report' from TP-MTI (direction is
    not known from the PDU alone: MTI 0 is taken as DELIVER, 1 as SUBMIT,
    2 as STATUS-REPORT). Raises PduError for MTI 3 or a PDU too short."""
    try:
        data = bytes.fromhex(hexpdu)
    except ValueError as e:
        raise PduError("not hex: %s" % e)
    pos = decode_smsc(data)[1] if has_smsc else 0
    if pos >= len(data):
        raise PduError("no TPDU after the SMSC field")
    mti = data[pos] & 0x03
    if mti == 3:
        raise PduError("reserved message type (MTI 3)")
    return ("deliver", "submit", "status-report")[mti]


def decode_status_report(hexpdu):
    """Decode an SMS-STATUS-REPORT PDU (with SMSC field). Returns a dict:
    smsc, first, mr, number (TP-RA), toa, scts, dt (aware datetimes),
    status (TP-ST), srq (bool), pi (TP-PI or None). Raises PduError."""
    try:
        data = bytes.fromhex(hexpdu)
    except ValueError as e:
        raise PduError("not hex: %s" % e)
    smsc, pos = decode_smsc(data)
    if pos + 2 > len(data):
        raise PduError("STATUS-REPORT truncated")
    first = data[pos]
    if first & 0x03 != 0x02:
        raise PduError("not an SMS-STATUS-REPORT (MTI %d)" % (first & 3))
    mr = data[pos + 1]
    number, toa, pos = decode_address(data, pos + 2)
    if pos + 15 > len(data):
        raise PduError("STATUS-REPORT truncated after the recipient")
    scts = decode_scts(data[pos:pos + 7])
    dt = decode_scts(data[pos + 7:pos + 14])
    status = data[pos + 14]
    pi = data[pos + 15] if pos + 15 < len(data) else None
    return {"type": "status-report", "smsc": smsc, "first": first, "mr": mr,
            "number": number, "toa": toa, "scts": scts, "dt": dt,
            "status": status, "srq": bool(first & 0x20), "pi": pi}


def status_text(status):
    """What gammu shows as "Delivery status" for a TP-ST value:
    Delivered, Pending, Failed or Unknown (libgammu's own grouping)."""
    if status < 0x03:
        return "Delivered"
    if status & 0x40:
        return "Failed"
    if status & 0x20:
        return "Pending"
    return "Unknown"
