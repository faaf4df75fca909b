#!/usr/bin/env python3
"""make bench (its last part), or make bench-web: the caseworkers' console
measured beside the daemon, in one run, on gammu's dummy driver.

REPORTS sealed reports are filed through the real daemon, then the console
serves them. Printed, and added to $BUILD/bench.json under "web":

- sign-in and unlock: the Argon2id costs a caseworker waits for once;
- the queue page locked and unlocked, as a ratio: what opening every sealed
  report on the page costs;
- a report page (opened, with its timeline), the statistics page;
- shukher-web's peak memory beside shukherd's.

Medians of repeated requests; the machine is shared, so the ratios are the
figures to compare, not the milliseconds.
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import harness                                           # noqa: E402
from bench import dummy_sms_file                         # noqa: E402
from test_web import Client, free_port, ctlrun          # noqa: E402

REPORTS = 200
REPEAT = 15
PASSWORD = "bench password 1234"
PASSPHRASE = "bench passphrase 1234"


def hwm_kib(pid, field="VmHWM:"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def reports_filed(db):
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM reports").fetchone()[0]
    finally:
        con.close()


# The console allows an address 10 requests a second (a burst of 60): the
# bench keeps under that pace, so that it measures pages, never the limit.
PACE_S = 0.12


def timed(fn, n=REPEAT):
    times = []
    for _ in range(n):
        time.sleep(PACE_S)
        t0 = time.perf_counter()
        r = fn()
        times.append(time.perf_counter() - t0)
        assert r.status in (200, 303), (r.status, r.body[:300])
    return statistics.median(times)


def main():
    tmp = harness.TempDir()
    db = tmp.join("shukher.db")
    pub, sec = tmp.join("cw.pub"), tmp.join("cw.key")
    assert ctlrun(db, "keygen", pub, sec).returncode == 0
    dummy = tmp.join("dummy")
    conf = harness.make_config(tmp.join("shukher.conf"), db,
                               harness.dummy_modem(dummy))
    port = free_port()
    with open(conf, "a", encoding="utf-8") as f:
        f.write('reports = { public_key = "%s"; };\n' % pub)
        f.write('web = { enabled = true; port = %d; language = "en"; };\n'
                % port)
    daemon = harness.Daemon(conf)
    web = None
    res = {"reports": REPORTS}
    try:
        daemon.wait_log(r"modem: connected", timeout=60)
        inbox = os.path.join(dummy, "sms", "1")
        print("bench-web: filing %d sealed reports through shukherd ..."
              % REPORTS, flush=True)
        fed = 0
        t0 = time.monotonic()
        while fed < REPORTS and time.monotonic() - t0 < 600:
            while len(os.listdir(inbox)) < 20 and fed < REPORTS:
                fed += 1
                text = "REPORT a job offer abroad, number %d%s" % (
                    fed, ", danger" if fed % 10 == 0 else "")
                with open(os.path.join(inbox, str(fed)), "w") as f:
                    f.write(dummy_sms_file("+976994%05d" % fed, text))
            time.sleep(0.2)
        harness.wait_for(lambda: reports_filed(db) >= REPORTS, 600,
                         "every report filed")
        assert ctlrun(db, "users", "add", "bench",
                      stdin=PASSWORD + "\n").returncode == 0
        assert ctlrun(db, "key", "store", sec, stdin=PASSPHRASE + "\n",
                      config=conf).returncode == 0
        web = harness.Daemon(conf, program="shukher-web")
        web.wait_log(r"listening on", timeout=30)
        c = Client(port)

        def sign_in():
            c.cookies.clear()
            return c.sign_in("bench", PASSWORD)
        res["signin_s"] = timed(sign_in, 5)
        res["queue_locked_s"] = timed(lambda: c.request("GET", "/queue"))
        token = c.csrf("/unlock")
        res["unlock_s"] = timed(lambda: c.request(
            "POST", "/unlock", {"csrf": token, "passphrase": PASSPHRASE}), 3)
        page = c.request("GET", "/queue").body
        assert "job offer abroad" in page, "unlocked queue shows texts"
        res["queue_unlocked_s"] = timed(lambda: c.request("GET", "/queue"))
        res["report_page_s"] = timed(lambda: c.request("GET", "/report/7"))
        res["stats_page_s"] = timed(lambda: c.request("GET", "/stats"))
        res["unlock_cost_ratio"] = (res["queue_unlocked_s"] /
                                    res["queue_locked_s"])
        res["web_hwm_kib"] = hwm_kib(web.proc.pid)
        res["web_rss_kib"] = hwm_kib(web.proc.pid, "VmRSS:")
        res["daemon_hwm_kib"] = hwm_kib(daemon.proc.pid)
        res["web_to_daemon_memory"] = (res["web_hwm_kib"] /
                                       res["daemon_hwm_kib"])
    except BaseException as e:
        # What was measured before the failure is kept, and marked.
        res["error"] = "%s: %s" % (type(e).__name__, e)
        save(res)
        raise
    finally:
        if web is not None:
            web.stop()
        daemon.stop()
        tmp.cleanup()

    rows = [
        ("sign-in (Argon2id verify)", "%.0f ms" % (res["signin_s"] * 1000)),
        ("unlock the key (Argon2id + secretbox)",
         "%.0f ms" % (res["unlock_s"] * 1000)),
        ("queue page, %d reports, locked" % min(REPORTS, 200),
         "%.1f ms" % (res["queue_locked_s"] * 1000)),
        ("queue page, unlocked (each text opened)",
         "%.1f ms (%.1fx locked)" % (res["queue_unlocked_s"] * 1000,
                                     res["unlock_cost_ratio"])),
        ("report page with timeline", "%.1f ms" %
         (res["report_page_s"] * 1000)),
        ("statistics page (SVG)", "%.1f ms" % (res["stats_page_s"] * 1000)),
        ("peak memory shukher-web / shukherd",
         "%.1f / %.1f MiB (%.2fx)" % (res["web_hwm_kib"] / 1024,
                                      res["daemon_hwm_kib"] / 1024,
                                      res["web_to_daemon_memory"])),
        ("shukher-web memory after the run", "%.1f MiB" %
         (res["web_rss_kib"] / 1024)),
    ]
    print("\nthe web console (medians; %d sealed reports)" % REPORTS)
    for k, v in rows:
        print("  %-42s %s" % (k, v))
    save(res)
    return 0


def save(res):
    """Adds res to $BUILD/bench.json under "web", keeping the other parts."""
    out = os.path.join(ROOT, os.environ.get("BUILD", "build"), "bench.json")
    data = {}
    if os.path.exists(out):
        with open(out) as f:
            data = json.load(f)
    data["web"] = res
    with open(out, "w") as f:
        json.dump(data, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
