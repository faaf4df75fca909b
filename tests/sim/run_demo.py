#!/usr/bin/env python3
"""make run: shukherd with the example config, talking through libgammu's
real AT driver to a simulated SIM800 modem on a pseudo-terminal. Type SMS as
if from a phone and see the replies.

    python3 tests/sim/run_demo.py [--build build] [--from +97699112233]

At the prompt, a line is the text of one SMS from the current number;
"+97699001122: text" sends from another number. With stdin not a terminal,
each line is one SMS, each answered (or given up on after --wait seconds)
before the next; then the demo stops. The database and the daemon's log are
kept in build/demo/ for a look afterwards (shukherctl -d build/demo/shukher.db).
"""
import argparse
import os
import re
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from sim.modemsim import ModemSim                      # noqa: E402
import harness                                         # noqa: E402

NUMBER = re.compile(r"^\s*(\+?\d{3,20})\s*:\s*(.*)$")


def start(build, workdir):
    """The simulated modem and a daemon on it; returns (sim, daemon)."""
    os.makedirs(workdir, exist_ok=True)
    db = os.path.join(workdir, "shukher.db")
    sim = ModemSim(link=os.path.join(workdir, "gsm-modem"))
    sim.start()
    conf = harness.make_config(
        os.path.join(workdir, "shukher.conf"), db,
        {"device": sim.device, "connection": "at", "model": "",
         "poll_interval": 30, "notifications": True},
        fixture=os.path.join(ROOT, "board", "shukher.conf"))
    harness.BUILD = build
    daemon = harness.Daemon(conf)
    return sim, daemon


def wait_connected(daemon):
    print("starting: the modem's AT start-up takes a few seconds ...",
          flush=True)
    daemon.wait_log(r"modem: connected", timeout=60)
    print("ready. Type an SMS and press Enter (\"+976...: text\" to change "
          "the sender, Ctrl-D to stop).", flush=True)


def show_new(sim, seen):
    """Prints replies not yet shown; returns the new count."""
    for s in sim.sent[seen:]:
        print("  <- %s (%d part%s, %s): %s" % (
            s.number, s.parts, "" if s.parts == 1 else "s", s.encoding,
            s.text), flush=True)
    return len(sim.sent)


def converse(sim, sender, wait, interactive):
    seen = 0
    while True:
        if interactive:
            try:
                line = input("%s> " % sender)
            except EOFError:
                print()
                return
        else:
            line = sys.stdin.readline()
            if not line:
                return
            line = line.rstrip("\n")
        m = NUMBER.match(line)
        if m:
            sender, line = m.group(1), m.group(2)
        if not line.strip():
            continue
        if not interactive:
            print("%s> %s" % (sender, line), flush=True)
        sim.inject(sender, line)
        if sim.wait_sent(seen + 1, wait):
            time.sleep(0.3)     # the rest of a burst of replies
        else:
            print("  (no reply within %d s)" % wait, flush=True)
        seen = show_new(sim, seen)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--from", dest="sender", default="+97699112233")
    ap.add_argument("--wait", type=int, default=15)
    args = ap.parse_args()
    workdir = os.path.join(ROOT, args.build, "demo")
    sim, daemon = start(args.build, workdir)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        wait_connected(daemon)
        converse(sim, args.sender, args.wait, sys.stdin.isatty())
    finally:
        rc = daemon.stop()
        sim.stop()
        with open(os.path.join(workdir, "shukherd.log"), "w",
                  encoding="utf-8") as f:
            f.write(daemon.log() + "\n")
        print("stopped (shukherd exit %d). Database: %s/shukher.db, log: "
              "%s/shukherd.log" % (rc, workdir, workdir))
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
