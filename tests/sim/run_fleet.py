#!/usr/bin/env python3
"""make run-fleet: the central fleet on this machine. A PostgreSQL 15 in
build/fleet/pg (TLS, client certificates; tests/integration/pgserver.py),
its schema made by `shukherctl central init`, and two gateways, alpha and
bravo, each shukherd on a simulated SIM800 with its shukher-uplink, and
the central console (shukher-web with web.source = "central") on
http://127.0.0.1:8081/. Type SMS to either gateway and watch them arrive
centrally, in the console or with shukherctl.

    python3 tests/sim/run_fleet.py [--build build]

At the prompt, "alpha +97699112233: text" (or bravo) is one SMS to that
gateway. Ctrl-D stops everything; build/fleet keeps the gateways' databases
and logs.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

PORT = 8081
CASEWORKER = "demo"
PASSWORD = "demo-password"
PASSPHRASE = "demo-passphrase"
LINE = re.compile(r"^\s*(alpha|bravo)\s+(\+?\d{3,20})\s*:\s*(.*)$")


class Dir:
    """harness.TempDir's interface on a directory that stays."""

    def __init__(self, path):
        self.path = path

    def join(self, *parts):
        return os.path.join(self.path, *parts)


def start_console(pg, d, ctl, admin):
    """The central team's console: a machine of its own (its database
    holds the accounts and the caseworkers' key in its vault), reading the
    central PostgreSQL as the caseworker role."""
    import harness
    from test_central import run
    run([ctl, "-c", admin, "central", "add-caseworker", CASEWORKER])
    conf = d.join("console.conf")
    harness.make_config(conf, d.join("console.db"),
                        harness.dummy_modem(d.join("console-dummy")))
    with open(conf, "a", encoding="utf-8") as f:
        f.write('reports = { public_key = "%s"; };\n' % d.join("cw.pub"))
        f.write('central = { conninfo = "%s"; silent_after = 120; };\n'
                % pg.socket_conninfo(CASEWORKER))
        f.write('web = { enabled = true; listen = "127.0.0.1"; port = %d; '
                'source = "central"; };\n' % PORT)
    run([ctl, "-c", conf, "init"])
    for args, answer in ((["users", "add", CASEWORKER], PASSWORD),
                         (["key", "store", d.join("cw.key")], PASSPHRASE)):
        p = subprocess.run([ctl, "-c", conf] + args, input=answer + "\n",
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise SystemExit("run-fleet: %s: %s" % (" ".join(args),
                                                    p.stderr))
    web = harness.Daemon(conf, program="shukher-web")
    web.wait_log(r"listening on", timeout=30)
    print("central console: http://127.0.0.1:%d/  name %s, password %s; "
          "Unlock reports with the passphrase %s" % (
              PORT, CASEWORKER, PASSWORD, PASSPHRASE), flush=True)
    return web


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    os.environ["BUILD"] = args.build
    import harness
    import pgserver
    from test_central import Gateway, run
    why = pgserver.available()
    if why:
        sys.exit("run-fleet: " + why)
    base = os.path.join(ROOT, args.build, "fleet")
    shutil.rmtree(base, ignore_errors=True)
    pg = pgserver.PgServer(os.path.join(base, "pg"))
    gws, web = [], None
    try:
        pg.init()
        d = Dir(base)
        ctl = harness.binary("shukherctl")
        admin = d.join("admin.conf")
        harness.make_config(admin, d.join("admin.db"),
                            harness.dummy_modem(d.join("admin-dummy")))
        with open(admin, "a") as f:
            f.write('central = { conninfo = "%s"; silent_after = 120; };\n'
                    % pg.socket_conninfo())
        run([ctl, "-c", admin, "central", "init"])
        run([ctl, "-d", d.join("k.db"), "keygen", d.join("cw.pub"),
             d.join("cw.key")])
        for name in ("alpha", "bravo"):
            run([ctl, "-c", admin, "central", "add-gateway", name])
            gw = Gateway(pg, d, name, d.join("cw.pub"), modem=True)
            gws.append(gw)
            gw.start_daemon()
            gw.start_uplink()
        web = start_console(pg, d, ctl, admin)
        print("\nThe fleet runs: PostgreSQL on 127.0.0.1:%d (data in %s)."
              % (pg.port, pg.data))
        print("Try, in another terminal:\n"
              "  %s -c %s fleet\n"
              "  %s -c %s reports list --central\n"
              "  %s -c %s central command --key %s alpha REF reply "
              "some text\n"
              "  %s -c %s status     (a gateway's own view)\n" % (
                  ctl, admin, ctl, admin, ctl, admin, d.join("cw.key"),
                  ctl, gws[0].conf))
        print('Type "alpha +97699112233: REPORT text" (or bravo); Ctrl-D '
              'stops.')
        seen = {gw.name: 0 for gw in gws}
        for line in sys.stdin:
            m = LINE.match(line)
            if not m:
                print('  as: alpha +97699112233: text')
                continue
            gw = gws[0] if m.group(1) == "alpha" else gws[1]
            gw.sim.inject(m.group(2), m.group(3))
            try:
                harness.wait_for(lambda: len(gw.sim.sent) > seen[gw.name],
                                 30, "the answer")
            except AssertionError:
                print("  (no answer within 30 s)")
            for s in gw.sim.sent[seen[gw.name]:]:
                print("  <- %s %s: %s" % (gw.name, s.number, s.text))
            seen[gw.name] = len(gw.sim.sent)
    except KeyboardInterrupt:
        pass
    finally:
        if web is not None:
            web.stop(timeout=30)
        for gw in gws:
            try:
                gw.stop()
            except AssertionError as e:
                print(e)
        pg.cleanup(keep=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
