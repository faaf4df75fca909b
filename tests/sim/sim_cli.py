"""modemsim as a program: a simulated modem driven from stdin (see _HELP)."""

import os
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pdu  # noqa: E402
    from modemsim import ModemSim  # noqa: E402
else:
    from . import pdu
    from .modemsim import ModemSim


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
