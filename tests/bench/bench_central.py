#!/usr/bin/env python3
"""make bench (its central part), or make bench-central: the uplink to a
real PostgreSQL 15 (tests/integration/pgserver.py, TLS with client
certificates), through a byte-counting TCP relay so that what crosses the
wire is measured as a mobile link would bill it.

Printed, and added to $BUILD/bench.json under "central":

- lag from a report stored on the gateway to its row committed centrally
  (and forgotten locally), with the link up: median and p95 of LAG_REPORTS
  reports, one at a time, each at a random moment;
- catch-up: 10,000 queued events (reports, timelines, audit rows) sent
  after the link returns, in rows per second;
- bytes over the wire per report (both directions, TLS included), and in
  an idle minute (one health snapshot, the command polls, keepalives),
  with the health snapshot's own size;
- the uplink's peak memory beside shukherd's (gammu's dummy driver).

The machine is shared: the figures are for comparison, not guarantees.
"""
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import harness                                           # noqa: E402
import pgserver                                          # noqa: E402
from test_central import Gateway, fill                   # noqa: E402

LAG_REPORTS = 40
IDLE_S = 61


class Relay:
    """127.0.0.1:port -> the server, counting the bytes both ways."""

    def __init__(self, target_port):
        self.target = target_port
        self.bytes = 0
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            s = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((c, s), (s, c)):
                threading.Thread(target=self._pipe, args=(a, b),
                                 daemon=True).start()

    def _pipe(self, a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                with self.lock:
                    self.bytes += len(data)
                b.sendall(data)
        except OSError:
            pass
        finally:
            for x in (a, b):
                try:
                    x.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def count(self):
        with self.lock:
            return self.bytes


def hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def run(args):
    subprocess.run(args, check=True, capture_output=True, timeout=120)


def queue_empty(gw):
    return gw.local("SELECT count(*) FROM uplink_queue")[0][0] == 0


def report(gw, i):
    """A report as the daemon files one (sealed-looking blob, no clear
    number or text), through the trigger that queues it."""
    c = sqlite3.connect(gw.db, timeout=30)
    try:
        c.execute("INSERT INTO reports (ref, number, text, created_at, "
                  "sealed, key_id) VALUES (?, '', '', ?, randomblob(140), "
                  "'00112233aabbccdd')", ("L%07d" % i, int(time.time())))
        c.commit()
    finally:
        c.close()


def main():
    why = pgserver.available()
    if why:
        print("bench_central: skipped: " + why)
        return 0
    tmp = harness.TempDir()
    pg = pgserver.PgServer()
    res = {}
    try:
        pg.init()
        admin = tmp.join("admin.conf")
        harness.make_config(admin, tmp.join("admin.db"),
                            harness.dummy_modem(tmp.join("admin-dummy")))
        with open(admin, "a") as f:
            f.write('central = { conninfo = "%s"; };\n' %
                    pg.socket_conninfo())
        shukherctl = harness.binary("shukherctl")
        run([shukherctl, "-c", admin, "central", "init"])
        run([shukherctl, "-c", admin, "central", "add-gateway", "bench"])
        relay = Relay(pg.port)
        real_port = pg.port
        pg.port = relay.port            # the gateway dials the relay
        gw = Gateway(pg, tmp, "bench")
        pg.port = real_port
        daemon = harness.Daemon(gw.conf)
        daemon.wait_log(r"modem: connected", timeout=60)
        up = gw.start_uplink()
        harness.wait_for(lambda: queue_empty(gw), 30, "the first sync")

        # Lag and bytes per report, one report at a time.
        lags = []
        b0 = relay.count()
        rnd = random.Random(15)
        for i in range(LAG_REPORTS):
            # At a random point of the uplink's one-second look at its
            # queue, as reports arrive in the field.
            time.sleep(rnd.random())
            report(gw, i)
            t0 = time.monotonic()
            harness.wait_for(lambda: queue_empty(gw), 30, "report %d" % i)
            lags.append(time.monotonic() - t0)
        per_report = (relay.count() - b0) / LAG_REPORTS
        n = pg.scalar("SELECT count(*) FROM shukher.reports WHERE ref "
                      "LIKE 'L%'")
        assert int(n) == LAG_REPORTS, n
        lags.sort()
        res["lag_median_s"] = statistics.median(lags)
        res["lag_p95_s"] = lags[int(0.95 * (len(lags) - 1))]
        res["bytes_per_report"] = per_report

        # An idle minute: one health snapshot, command polls, keepalives.
        b0 = relay.count()
        h0 = int(pg.scalar("SELECT count(*) FROM shukher.health"))
        time.sleep(IDLE_S)
        res["bytes_idle_minute"] = (relay.count() - b0) * 60 / IDLE_S
        res["health_snapshots_in_minute"] = int(pg.scalar(
            "SELECT count(*) FROM shukher.health")) - h0
        res["health_doc_bytes"] = int(pg.scalar(
            "SELECT octet_length(doc::text) FROM shukher.health ORDER BY "
            "id DESC LIMIT 1"))

        # Catch-up: 10,000 events queued while the uplink is stopped.
        gw.stop_uplink()
        events = fill(gw, 1000, 3, 5999)
        t0 = time.monotonic()
        up = gw.start_uplink()
        harness.wait_for(lambda: queue_empty(gw), 300, "the catch-up")
        took = time.monotonic() - t0
        res["catchup_events"] = events
        res["catchup_s"] = took
        res["catchup_rows_per_s"] = events / took

        res["uplink_hwm_kib"] = hwm_kib(up.proc.pid)
        res["daemon_hwm_kib"] = hwm_kib(daemon.proc.pid)
        gw.stop_uplink()
        daemon.stop()
    finally:
        pg.cleanup()
        tmp.cleanup()
    rows = [
        ("lag, report stored -> central row (median)",
         "%.2f s" % res["lag_median_s"]),
        ("lag, p95", "%.2f s" % res["lag_p95_s"]),
        ("catch-up of %d events" % res["catchup_events"],
         "%.1f s, %.0f rows/s" % (res["catchup_s"],
                                  res["catchup_rows_per_s"])),
        ("bytes over the wire per report (TLS)",
         "%.0f B" % res["bytes_per_report"]),
        ("bytes over the wire, idle minute",
         "%.0f B (%d health snapshot(s))" % (
             res["bytes_idle_minute"], res["health_snapshots_in_minute"])),
        ("health snapshot's own JSON", "%d B" % res["health_doc_bytes"]),
        ("shukher-uplink peak memory", "%.1f MiB" %
         (res["uplink_hwm_kib"] / 1024)),
        ("shukherd peak memory (dummy modem)", "%.1f MiB" %
         (res["daemon_hwm_kib"] / 1024)),
    ]
    print("\nthe central uplink (PostgreSQL 15 on this machine, TLS)")
    for k, v in rows:
        print("  %-44s %s" % (k, v))
    save(res)
    return 0


def save(res):
    """Adds res to $BUILD/bench.json under "central"."""
    out = os.path.join(ROOT, os.environ.get("BUILD", "build"), "bench.json")
    data = {}
    if os.path.exists(out):
        with open(out) as f:
            data = json.load(f)
    data["central"] = res
    with open(out, "w") as f:
        json.dump(data, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
