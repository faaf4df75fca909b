#!/usr/bin/env python3
"""make bench, end to end: shukherd on the simulated modem through
libgammu's real AT driver. Prints figures, asserts nothing.

- reply latency: from the SMS landing on the SIM (and +CMTI) to the reply's
  last part reaching the modem, for single-part replies; with new-message
  notifications, and without them (periodic full read only), side by side
  in one run, as a ratio;
- a burst of 50 messages from 50 numbers: time until each has its reply;
- the daemon's peak resident memory (VmHWM) after the burst.

Machines here are shared and noisy: compare the figures within one run.
"""
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from sim.modemsim import ModemSim                      # noqa: E402
import harness                                         # noqa: E402


def gateway(tmp, name, notifications, poll_interval):
    sim = ModemSim(link=tmp.join(name + "-modem"))
    sim.start()
    conf = harness.make_config(
        tmp.join(name + ".conf"), tmp.join(name + ".db"),
        {"device": sim.device, "connection": "at", "model": "",
         "poll_interval": poll_interval, "notifications": notifications},
        limits={"reply_budget": 1000})
    t0 = time.monotonic()
    daemon = harness.Daemon(conf)
    daemon.wait_log(r"modem: connected", timeout=60)
    return sim, daemon, time.monotonic() - t0


def latencies(sim, n, text="тусламж"):
    out = []
    for i in range(n):
        seen = len(sim.sent)
        t0 = time.monotonic()
        sim.inject("+976991%05d" % i, text)
        if not sim.wait_sent(seen + 1, 60):
            raise SystemExit("no reply within 60 s")
        out.append(time.monotonic() - t0)
    return out


def vmhwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def burst(sim, n=50):
    start = len(sim.sent)
    t0 = time.monotonic()
    for i in range(n):
        sim.inject("+976992%05d" % i, "тусламж")
    if not sim.wait_sent(start + n, 600):
        raise SystemExit("burst: not every sender answered in 600 s")
    return time.monotonic() - t0


def describe(xs):
    xs = sorted(xs)
    return "median %.2f s, p90 %.2f s, min %.2f s, max %.2f s (n=%d)" % (
        statistics.median(xs), xs[int(0.9 * (len(xs) - 1))], xs[0], xs[-1],
        len(xs))


def main():
    n = int(os.environ.get("BENCH_N", "10"))
    tmp = harness.TempDir()
    try:
        sim, d, init = gateway(tmp, "notify", True, 30)
        lat_notify = latencies(sim, n)
        burst_s = burst(sim)
        hwm = vmhwm_kib(d.proc.pid)
        d.stop()
        sim.stop()
        sim2, d2, _ = gateway(tmp, "poll", False, 5)
        lat_poll = latencies(sim2, max(3, n // 3))
        d2.stop()
        sim2.stop()
    finally:
        tmp.cleanup()
    print("AT start-up to 'connected': %.2f s" % init)
    print("reply latency, +CMTI notifications: %s" % describe(lat_notify))
    print("reply latency, full read every 5 s: %s" % describe(lat_poll))
    print("ratio poll/notify (median): %.1fx" %
          (statistics.median(lat_poll) / statistics.median(lat_notify)))
    print("burst of 50 from 50 numbers: %.1f s, %.2f s per message" %
          (burst_s, burst_s / 50))
    print("shukherd peak RSS after the burst: %.1f MiB" % (hwm / 1024.0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
