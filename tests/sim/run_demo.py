#!/usr/bin/env python3
"""make run: shukherd with the example config, talking through libgammu's
real AT driver to a simulated SIM800 modem on a pseudo-terminal. Type SMS as
if from a phone and see the replies.

    python3 tests/sim/run_demo.py [--build build] [--from +97699112233]
                                  [--console PORT]

With --console (make run-console), the caseworkers' web console runs too,
on http://127.0.0.1:PORT/, with a demo account and the demo key kept in the
vault: sign in, unlock, and watch the reports you text arrive.

At the prompt, a line is the text of one SMS from the current number;
"+97699001122: text" sends from another number. With --modems N (make run
MODEMS=3), N simulated modems (a SIM each of mobicom, unitel, skytel,
gmobile, ondo, with their prefixes) run under one shukherd, a process
each; "@unitel" (or "@2") picks the SIM the next SMS arrive on, and each
reply shows the SIM it left through. With stdin not a terminal,
each line is one SMS, each answered (or given up on after --wait seconds)
before the next; then the demo stops. The database and the daemon's log are
kept in build/demo/ for a look afterwards (shukherctl -d build/demo/shukher.db;
reports are sealed to the demo key pair there: `reports show --key
build/demo/cw.key REF` opens one).
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from sim.modemsim import ModemSim                      # noqa: E402
import harness                                         # noqa: E402

NUMBER = re.compile(r"^\s*(\+?\d{3,20})\s*:\s*(.*)$")
PICK = re.compile(r"^\s*@(\w+)\s*(.*)$")
# --modems: the SIMs, as in board/shukher.conf's table (a few prefixes each)
OPERATORS = (("mobicom", ["+97699", "+97695", "+97694", "+97685"]),
             ("unitel", ["+97688", "+97689", "+97686", "+97680"]),
             ("skytel", ["+97691", "+97690", "+97696", "+97669"]),
             ("gmobile", ["+97698", "+97697", "+97693", "+97683"]),
             ("ondo", ["+97660", "+97666", "+97681"]))


DEMO_USER = "demo"
DEMO_PASSWORD = "demo-password"
DEMO_PASSPHRASE = "demo-passphrase"


def ctl(build, db, *args, stdin=None, config=None):
    cmd = [os.path.join(ROOT, build, "shukherctl"), "-d", db]
    if config is not None:
        cmd += ["-c", config]
    p = subprocess.run(cmd + list(args), input=stdin, text=True,
                       capture_output=True)
    if p.returncode != 0:
        raise SystemExit("shukherctl %s: %s" % (" ".join(args), p.stderr))


def modems_conf(conf, sims):
    """Replaces the config's modem group with a modems list on sims."""
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    entries = ['{ name = "%s"; device = "%s"; connection = "at"; '
               'poll_interval = 30; prefixes = [ %s ]; }' % (
                   name, sim.device, ", ".join('"%s"' % p for p in prefixes))
               for (name, prefixes), sim in zip(OPERATORS, sims)]
    text, n = re.subn(r"(?m)^modem = \{.*?\};[ \t]*$",
                      lambda m: "modems = (\n  %s\n);" %
                      ",\n  ".join(entries), text)
    assert n == 1, "a modem group in the config"
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)


def start(build, workdir, console=0, modems=1):
    """The simulated modem and a daemon on it; returns (sim, daemon, conf).
    Reports are sealed, as a gateway in the field must seal them: a demo
    key pair is made in workdir (cw.pub in the config, cw.key for
    `shukherctl reports show --key`). console: a port for the web console
    (0: none); its account and vault are made fresh in workdir."""
    if console and os.path.isdir(workdir):
        shutil.rmtree(workdir)
    os.makedirs(workdir, exist_ok=True)
    db = os.path.join(workdir, "shukher.db")
    sims = []
    for i in range(modems):
        sim = ModemSim(link=os.path.join(
            workdir, "gsm-modem" if modems == 1 else "gsm-" + OPERATORS[i][0]))
        sim.operator_name = OPERATORS[i][0].capitalize()
        sim.start()
        sims.append(sim)
    sim = sims[0]
    conf = harness.make_config(
        os.path.join(workdir, "shukher.conf"), db,
        {"device": sim.device, "connection": "at", "model": "",
         "poll_interval": 30, "notifications": True},
        fixture=os.path.join(ROOT, "board", "shukher.conf"))
    harness.BUILD = build
    pub = os.path.join(workdir, "cw.pub")
    if not (os.path.exists(pub) and
            os.path.exists(os.path.join(workdir, "cw.key"))):
        ctl(build, db, "keygen", pub, os.path.join(workdir, "cw.key"))
    # The example's own groups, with the demo key (and console) in.
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    text, n1 = re.subn(r"(?m)^reports = \{", lambda m: m.group(0) +
                       '\n\tpublic_key = "%s";' % pub, text)
    assert n1 == 1, "a reports group in the example"
    if console:
        text, n2 = re.subn(r"(?ms)^web = \{.*?^\};",
                           'web = { enabled = true; listen = "127.0.0.1"; '
                           'port = %d; language = "en"; };' % console, text)
        assert n2 == 1, "a web group in the example"
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)
    if modems > 1:
        modems_conf(conf, sims)
    daemon = harness.Daemon(conf)
    return sims, daemon, conf


def start_console(build, workdir, conf, port):
    """The account, the key in the vault, and shukher-web."""
    db = os.path.join(workdir, "shukher.db")
    ctl(build, db, "users", "add", DEMO_USER, stdin=DEMO_PASSWORD + "\n")
    ctl(build, db, "key", "store", os.path.join(workdir, "cw.key"),
        stdin=DEMO_PASSPHRASE + "\n", config=conf)
    web = harness.Daemon(conf, program="shukher-web")
    web.wait_log(r"listening on", timeout=30)
    print("console: http://127.0.0.1:%d/  name %s, password %s; "
          "Unlock reports with the passphrase %s" % (
              port, DEMO_USER, DEMO_PASSWORD, DEMO_PASSPHRASE), flush=True)
    return web


def wait_connected(daemon, modems=1):
    print("starting: the modem's AT start-up takes a few seconds ...",
          flush=True)
    if modems == 1:
        daemon.wait_log(r"modem: connected", timeout=60)
    for name, _ in OPERATORS[:modems if modems > 1 else 0]:
        daemon.wait_log(r"shukherd\[%s\].*modem: connected" % name,
                        timeout=60)
    print("ready. Type an SMS and press Enter (\"+976...: text\" to change "
          "the sender, %sCtrl-D to stop)." % (
              "\"@unitel\" or \"@2\" to pick the SIM it arrives on, "
              if modems > 1 else ""), flush=True)


def show_new(sims, seen):
    """Prints replies not yet shown (with their SIM when there are several);
    returns the new counts."""
    for i, sim in enumerate(sims):
        for s in sim.sent[seen[i]:]:
            print("  <- %s%s (%d part%s, %s): %s" % (
                s.number, " via " + OPERATORS[i][0] if len(sims) > 1 else "",
                s.parts, "" if s.parts == 1 else "s", s.encoding,
                s.text), flush=True)
    return [len(sim.sent) for sim in sims]


def pick(sims, name):
    """The index of the SIM named (or numbered from 1) name, or None."""
    for i in range(len(sims)):
        if name in (OPERATORS[i][0], str(i + 1)):
            return i
    return None


def converse(sims, sender, wait, interactive):
    seen = [0] * len(sims)
    cur = 0
    while True:
        where = "@%s " % OPERATORS[cur][0] if len(sims) > 1 else ""
        if interactive:
            try:
                line = input("%s%s> " % (where, sender))
            except EOFError:
                print()
                return
        else:
            line = sys.stdin.readline()
            if not line:
                return
            line = line.rstrip("\n")
        m = PICK.match(line) if len(sims) > 1 else None
        if m:
            i = pick(sims, m.group(1))
            if i is None:
                print("  (no SIM %s: %s)" % (m.group(1), ", ".join(
                    o for o, _ in OPERATORS[:len(sims)])), flush=True)
                continue
            cur, line = i, m.group(2)
            where = "@%s " % OPERATORS[cur][0]
        m = NUMBER.match(line)
        if m:
            sender, line = m.group(1), m.group(2)
        if not line.strip():
            continue
        if not interactive:
            print("%s%s> %s" % (where, sender, line), flush=True)
        sims[cur].inject(sender, line)
        deadline = time.monotonic() + wait
        while (sum(len(s.sent) for s in sims) <= sum(seen) and
               time.monotonic() < deadline):
            time.sleep(0.05)
        if sum(len(s.sent) for s in sims) > sum(seen):
            time.sleep(0.3)     # the rest of a burst of replies
        else:
            print("  (no reply within %d s)" % wait, flush=True)
        seen = show_new(sims, seen)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--from", dest="sender", default="+97699112233")
    ap.add_argument("--wait", type=int, default=15)
    ap.add_argument("--console", type=int, default=0, metavar="PORT")
    ap.add_argument("--modems", type=int, default=1,
                    choices=range(1, len(OPERATORS) + 1))
    args = ap.parse_args()
    workdir = os.path.join(ROOT, args.build, "demo")
    sims, daemon, conf = start(args.build, workdir, args.console,
                               args.modems)
    web = None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        wait_connected(daemon, args.modems)
        if args.console:
            web = start_console(args.build, workdir, conf, args.console)
        converse(sims, args.sender, args.wait, sys.stdin.isatty())
    finally:
        if web is not None:
            web.stop()
        rc = daemon.stop()
        for sim in sims:
            sim.stop()
        with open(os.path.join(workdir, "shukherd.log"), "w",
                  encoding="utf-8") as f:
            f.write(daemon.log() + "\n")
        print("stopped (shukherd exit %d). Database: %s/shukher.db, log: "
              "%s/shukherd.log" % (rc, workdir, workdir))
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
