#!/usr/bin/env python3
"""make bench: shukherd and gammu-smsd side by side, same simulated modem,
same machine, same run. Prints one table (figure, shukher, gammu-smsd,
ratio) and writes it to build/bench.json. It measures; it never fails on
numbers.

gammu-smsd is set up the way a technician would: Debian's package, its SQL
service on SQLite (libdbi's sqlite3 driver), and a RunOnReceive script
(tests/bench/gammu-reply.sh) that answers keywords with gammu-smsd-inject.
Three gammu-smsd settings appear:

  defaults  nothing set: ReceiveFrequency 15 s, CommTimeout 30 s (the
            outbox is looked at 30 s after it was last found empty),
            LoopSleep 1 s, StatusFrequency 60 s, all checks on;
  fast      the fastest polling that does not busy-loop: ReceiveFrequency,
            CommTimeout and LoopSleep 1 s, StatusFrequency 0 and the
            security/battery/signal/network checks off;
  busy      as fast, but LoopSleep 0 (the manual warns it busy-loops): only
            for throughput, where LoopSleep 1 would cap gammu-smsd at one
            sent message per second.

Parts run as child processes (one simulator each, so that no two share a
Python interpreter); the long, modem-bound ones (bursts, gammu's default
latency) run in the background while the short ones run one at a time.
CPU seconds, bytes written and wake-ups are counts that do not depend on
load; times do, so read them as ratios within one run.
"""
import argparse
import glob
import json
import os
import random
import re
import shutil
import signal
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

from sim.modemsim import ModemSim                      # noqa: E402
import harness                                         # noqa: E402
import bench_table                                     # noqa: E402

BUILD = os.environ.get("BUILD", "build")
WORK = os.path.join(ROOT, BUILD, "bench-work")   # on disk: write_bytes counts
REPLY_SCRIPT = os.path.join(HERE, "gammu-reply.sh")


def env_num(name, default, kind=int):
    v = os.environ.get(name)
    return kind(v) if v else default


N_LAT = env_num("BENCH_N", 20)                  # latency samples per daemon
BURST_N = env_num("BENCH_BURST", 200)           # messages in the burst
BURST_WINDOW = 10.0                             # ... arriving within 10 s
SIM_SLOTS = 30
SEND_DELAY = env_num("BENCH_SEND_DELAY", 2.0, float)   # network s/segment
BURST_CAP = env_num("BENCH_BURST_CAP", 720.0, float)
THR_N = env_num("BENCH_THROUGHPUT", 3000)
THR_CAP = env_num("BENCH_THROUGHPUT_CAP", 150.0, float)
# The dummy SIM is kept topped up to this many messages: enough that a
# daemon reading once a second is not held back by the feeding (30 would
# make shukher's 1 s poll the limit), few enough that gammu-smsd, which
# reads all of them into memory at once, stays in memory.
THR_SLOTS = env_num("BENCH_THROUGHPUT_SLOTS", 300)
IDLE_S = env_num("BENCH_IDLE", 60.0, float)
TICK = os.sysconf("SC_CLK_TCK")

GAMMU_SETTINGS = {
    "defaults": {},
    "fast": {"ReceiveFrequency": 1, "CommTimeout": 1, "LoopSleep": 1,
             "StatusFrequency": 0, "CheckSecurity": 0, "CheckBattery": 0,
             "CheckSignal": 0, "CheckNetwork": 0},
    "busy": {"ReceiveFrequency": 0, "CommTimeout": 0, "LoopSleep": 0,
             "StatusFrequency": 0, "CheckSecurity": 0, "CheckBattery": 0,
             "CheckSignal": 0, "CheckNetwork": 0},
}

# The throughput mix: a keyword, its Latin spelling, another keyword and
# free text that gets the menu; every reply is one UCS-2 segment.
THR_TEXTS = ["тусламж", "help", "ажил", "сайн байна уу"]


def log(msg):
    print("bench: %s" % msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ /proc

def proc_stat(pid):
    """CPU seconds of the process and of its reaped children (gammu-smsd's
    RunOnReceive shells and gammu-smsd-inject are waited for, so they land
    in cutime/cstime)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + cutime + cstime) / TICK


def proc_io(pid):
    """write_bytes: bytes this process and its reaped children sent (or
    will send) to the block device."""
    out = {}
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            k, v = line.split(":")
            out[k] = int(v)
    return out


def proc_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def proc_wakeups(pid):
    """Context switches of all threads: each is the process waking up (or
    being preempted, which it cannot be when it sleeps)."""
    n = 0
    for status in glob.glob("/proc/%d/task/*/status" % pid):
        try:
            with open(status) as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches",
                                        "nonvoluntary_ctxt_switches")):
                        n += int(line.split()[1])
        except FileNotFoundError:
            pass
    return n


def snap(pid):
    return {"cpu": proc_stat(pid), "write_bytes": proc_io(pid)["write_bytes"],
            "wakeups": proc_wakeups(pid), "t": time.monotonic()}


def delta(a, b):
    return {k: b[k] - a[k] for k in a}


# ------------------------------------------------------------------ daemons

class Shukher:
    """shukherd on its test fixture's keywords (tests/data/route.conf)."""
    label = "shukher"

    def __init__(self, workdir, modem):
        os.makedirs(workdir, exist_ok=True)
        self.db = os.path.join(workdir, "shukher.db")
        self.conf = harness.make_config(
            os.path.join(workdir, "shukher.conf"), self.db, modem,
            limits={"reply_budget": 100000})
        self.daemon = None

    def start(self, timeout=120):
        self.daemon = harness.Daemon(self.conf)
        self.daemon.wait_log(r"modem: connected", timeout=timeout)
        return self

    @property
    def pid(self):
        return self.daemon.proc.pid

    def answered(self):
        c = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=5)
        try:
            return c.execute("SELECT count(*) FROM outbox "
                             "WHERE state = 'sent'").fetchone()[0]
        finally:
            c.close()

    def stop(self):
        if self.daemon and self.daemon.proc.poll() is None:
            try:
                self.daemon.stop(timeout=60)
            except subprocess.TimeoutExpired:
                pass


def gammu_schema():
    for path in ("/usr/share/doc/gammu-smsd/examples/sqlite.sql",
                 "/usr/share/doc/gammu-smsd/examples/sqlite.sql.gz"):
        if os.path.exists(path):
            if path.endswith(".gz"):
                import gzip
                with gzip.open(path, "rt") as f:
                    return f.read()
            with open(path) as f:
                return f.read()
    raise SystemExit("bench: gammu-smsd's sqlite.sql not found; "
                     "apt-get install gammu-smsd")


class Gammu:
    """gammu-smsd with the SQL service on SQLite and the reply script."""

    def __init__(self, workdir, gammu_section, setting):
        os.makedirs(workdir, exist_ok=True)
        self.label = "gammu-smsd/" + setting
        self.db = os.path.join(workdir, "smsd.db")
        c = sqlite3.connect(self.db)
        c.executescript(gammu_schema())
        c.close()
        self.rc = os.path.join(workdir, "smsdrc")
        lines = ["[gammu]"]
        lines += ["%s = %s" % kv for kv in gammu_section.items()]
        lines += ["", "[smsd]", "Service = sql", "Driver = sqlite3",
                  "DBDir = %s/" % workdir, "Database = smsd.db",
                  "LogFile = stderr",
                  "RunOnReceive = %s %s" % (REPLY_SCRIPT, self.rc)]
        lines += ["%s = %s" % kv for kv in GAMMU_SETTINGS[setting].items()]
        with open(self.rc, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None
        self.lines = []

    def start(self, timeout=120):
        self.proc = subprocess.Popen(["gammu-smsd", "-c", self.rc],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        threading.Thread(target=self._drain, daemon=True).start()
        # Ready when it has registered the phone in its database, after
        # connecting and identifying the modem.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("bench: gammu-smsd exited %d:\n%s" % (
                    self.proc.returncode, "\n".join(self.lines[-20:])))
            if self._count("phones") > 0:
                return self
            time.sleep(0.2)
        raise SystemExit("bench: gammu-smsd not ready in %d s" % timeout)

    def _drain(self):
        for raw in self.proc.stderr:
            self.lines.append(raw.decode("utf-8", "replace").rstrip())

    def _count(self, table):
        try:
            c = sqlite3.connect(self.db, timeout=5)
            try:
                return c.execute("SELECT count(*) FROM %s" %
                                 table).fetchone()[0]
            finally:
                c.close()
        except sqlite3.Error:
            return 0

    @property
    def pid(self):
        return self.proc.pid

    def answered(self):
        return self._count("sentitems")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def at_modem_shukher(sim):
    # What the shipped config gives: notifications on, a full read every 30 s.
    return {"device": sim.device, "connection": "at", "model": "",
            "poll_interval": 30, "notifications": True}


def make_daemon(kind, workdir, sim=None, dummy_dir=None):
    """kind: 'shukher' or 'gammu-<setting>'; on the simulator or on gammu's
    dummy driver."""
    if dummy_dir:
        modem = harness.dummy_modem(dummy_dir)
        if kind == "shukher":
            modem.update(poll_interval=1, notifications=False)
            return Shukher(workdir, modem)
        return Gammu(workdir, {"device": dummy_dir + "/",
                               "connection": "none", "model": "dummy"},
                     kind.split("-", 1)[1])
    if kind == "shukher":
        return Shukher(workdir, at_modem_shukher(sim))
    return Gammu(workdir, {"device": sim.device, "connection": "at",
                           "model": ""}, kind.split("-", 1)[1])


# ------------------------------------------------------------------ parts

def first_cmgs_after(sim, mark):
    for i in range(mark, len(sim.log)):
        if sim.log[i].upper().startswith("AT+CMGS="):
            return sim.log_times[i]
    return None


def part_latency(kind, workdir):
    """One message at a time, each at a random phase of the daemon's
    polling cycle: SIM + CMTI -> the first AT+CMGS of its reply."""
    gap = {"shukher": 1.0, "gammu-fast": 2.0, "gammu-defaults": 30.0}[kind]
    rng = random.Random(7)
    sim = ModemSim(link=os.path.join(workdir, "modem"),
                   sim_capacity=SIM_SLOTS).start()
    d = make_daemon(kind, workdir, sim=sim)
    out, to_sent = [], []
    try:
        d.start()
        time.sleep(1)
        for i in range(N_LAT):
            time.sleep(rng.uniform(0, gap))
            mark, nsent = len(sim.log), len(sim.sent)
            t0 = time.monotonic()
            sim.inject("+976991%05d" % i, "тусламж")
            if not sim.wait_sent(nsent + 1, 120):
                raise SystemExit("bench: %s: no reply in 120 s" % kind)
            out.append(first_cmgs_after(sim, mark) - t0)
            to_sent.append(time.monotonic() - t0)
    finally:
        d.stop()
        sim.stop()
    xs = sorted(out)
    return {"samples": out, "to_sent": to_sent,
            "median_to_sent": statistics.median(to_sent),
            "median": statistics.median(xs),
            "p95": xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]}


def part_burst(kind, workdir):
    """BURST_N messages from as many numbers within BURST_WINDOW seconds
    into a SIM_SLOTS-slot SIM, SEND_DELAY seconds per sent segment."""
    sim = ModemSim(link=os.path.join(workdir, "modem"),
                   sim_capacity=SIM_SLOTS).start()
    d = make_daemon(kind, workdir, sim=sim)
    try:
        d.start()
        time.sleep(1)
        sim.send_delay = SEND_DELAY
        sim.refused, sim.max_used = 0, len(sim.stored())
        n0, s0 = len(sim.sent), len(sim.submits)
        before = snap(d.pid)
        t0 = time.monotonic()

        def arrive():
            for i in range(BURST_N):
                wait = t0 + i * BURST_WINDOW / BURST_N - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                sim.inject("+976992%05d" % i, "тусламж")
        feeder = threading.Thread(target=arrive, daemon=True)
        feeder.start()
        done = sim.wait_sent(n0 + BURST_N, BURST_CAP)
        total = time.monotonic() - t0
        after = snap(d.pid)
        hwm = proc_hwm_kib(d.pid)
        feeder.join(5)
        answered = len({s.number for s in sim.sent[n0:]})
        segments = len(sim.submits) - s0
        dd = delta(before, after)
        return {"done": done, "total_s": total, "answered": answered,
                "refused": sim.refused, "max_used": sim.max_used,
                "segments": segments, "send_delay": SEND_DELAY,
                "ratio_to_modem": total / max(1, segments) / SEND_DELAY,
                "cpu_s_per_1000": dd["cpu"] / max(1, answered) * 1000,
                "bytes_per_msg": dd["write_bytes"] / max(1, answered),
                "hwm_kib": hwm}
    finally:
        d.stop()
        sim.stop()


def dummy_sms_file(number, text):
    """One received SMS in gammu's smsbackup format, as the dummy driver
    reads it from sms/1/<n>."""
    ucs2 = text.encode("utf-16-be").hex().upper()
    return ("[SMSBackup000]\nSMSC = \"+97699000001\"\nState = UnRead\n"
            "Number = \"%s\"\nText00 = %s\nCoding = Unicode\nFolder = 1\n"
            "Length = %d\nClass = -1\nPDU = Deliver\n"
            "DateTime = 20261129T040000\n" % (number, ucs2, len(text)))


def part_throughput(kind, workdir):
    """THR_N messages through gammu's dummy driver (no modem delays), fed
    into a THR_SLOTS-slot SIM as fast as it empties: stored = gone from the
    dummy SIM (deleted after the commit), answered = marked sent in the
    daemon's database."""
    dummy = os.path.join(workdir, "dummy")
    d = make_daemon(kind, workdir, dummy_dir=dummy)
    stage = os.path.join(workdir, "stage")
    os.makedirs(stage, exist_ok=True)
    for i in range(1, THR_N + 1):
        with open(os.path.join(stage, str(i)), "w") as f:
            f.write(dummy_sms_file("+976993%05d" % i,
                                   THR_TEXTS[i % len(THR_TEXTS)]))
    inbox = os.path.join(dummy, "sms", "1")
    try:
        d.start()
        time.sleep(1)
        before = snap(d.pid)
        t0 = time.monotonic()
        t_stored = t_answered = None
        answered, fed, last_check = 0, 0, 0.0
        while time.monotonic() - t0 < THR_CAP:
            # Keep the dummy SIM topped up to THR_SLOTS messages, as the
            # network would: the dummy driver has 10,000 slots, and
            # gammu-smsd reads them all into memory at once.
            present = len(os.listdir(inbox))
            while present < THR_SLOTS and fed < THR_N:
                fed += 1
                os.rename(os.path.join(stage, str(fed)),
                          os.path.join(inbox, str(fed)))
                present += 1
            now = time.monotonic()
            if t_stored is None and fed == THR_N and present == 0:
                t_stored = now - t0
            if now - last_check >= 1.0 or t_stored is not None:
                answered = d.answered()
                last_check = now
                if answered >= THR_N:
                    t_answered = time.monotonic() - t0
                    break
            time.sleep(0.01)
        elapsed = time.monotonic() - t0
        after = snap(d.pid)
        hwm = proc_hwm_kib(d.pid)
        stored = fed - len(os.listdir(inbox))
        dd = delta(before, after)
        return {"n": THR_N, "stored": stored, "answered": answered,
                "capped": t_answered is None, "elapsed_s": elapsed,
                "stored_per_s": stored / (t_stored or elapsed),
                "answered_per_s": answered / (t_answered or elapsed),
                "cpu_s_per_1000": dd["cpu"] / max(1, stored) * 1000,
                "bytes_per_msg": dd["write_bytes"] / max(1, stored),
                "hwm_kib": hwm}
    finally:
        d.stop()


def part_idle(kinds, workdir):
    """The daemons on their own simulated modems, nothing to do, IDLE_S
    seconds: wake-ups (context switches, all threads) and CPU per minute."""
    sims, ds = [], []
    try:
        for kind in kinds:
            w = os.path.join(workdir, kind)
            os.makedirs(w, exist_ok=True)
            sim = ModemSim(link=os.path.join(w, "modem"),
                           sim_capacity=SIM_SLOTS).start()
            sims.append(sim)
            ds.append(make_daemon(kind, w, sim=sim).start())
        time.sleep(5)
        before = [snap(d.pid) for d in ds]
        marks = [len(sim.log) for sim in sims]
        time.sleep(IDLE_S)
        after = [snap(d.pid) for d in ds]
        out = {}
        for kind, sim, a, b, mark in zip(kinds, sims, before, after, marks):
            dd = delta(a, b)
            scale = 60.0 / dd["t"]
            at = [c for c in sim.log[mark:] if c != "\x1b"]
            out[kind] = {"wakeups_per_min": dd["wakeups"] * scale,
                         "cpu_s_per_min": dd["cpu"] * scale,
                         "at_per_min": len(at) * scale,
                         "at_commands": len(sim.log)}
        return out
    finally:
        for d in ds:
            d.stop()
        for sim in sims:
            sim.stop()


def part_recovery(kind, workdir):
    """shukher on the shipped settings (poll_interval 30 s): how long a
    message whose +CMTI the modem dropped waits for its reply, while
    replies are going out (the notice lost during a send) and at rest
    (every notice lost); and how long after a SIM800's restart (boot
    lines at their real pace, "SMS Ready" last) the next reply leaves,
    the modem restarting at rest and in the middle of a send."""
    sim = ModemSim(link=os.path.join(workdir, "modem"),
                   sim_capacity=SIM_SLOTS).start()
    d = make_daemon(kind, workdir, sim=sim)

    def replied(number, timeout=120):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(s.number == number for s in sim.sent):
                return time.monotonic()
            time.sleep(0.02)
        raise SystemExit("bench: recovery: no reply to %s" % number)
    out = {}
    try:
        d.start()
        time.sleep(2)
        # at rest, notices working so far: every notice lost (found by
        # the count after poll_interval without one, at a random phase)
        sim.drop_notices = "all"
        t0 = time.monotonic()
        sim.inject("+97699400003", "тусламж")
        out["lost_idle_s"] = replied("+97699400003") - t0
        # a notice lost while a reply is being sent (2 s in the network,
        # also for the reply measured)
        sim.send_delay, sim.drop_notices = 2.0, "busy"
        mark = len(sim.log)
        sim.inject("+97699400001", "тусламж")
        sim.wait_log("<PDU", 60, mark)
        t0 = time.monotonic()
        sim.inject("+97699400002", "тусламж")
        out["lost_traffic_s"] = replied("+97699400002") - t0
        sim.send_delay, sim.drop_notices = 0.0, None
        for name, during_send in (("reset_idle_s", False),
                                  ("reset_send_s", True)):
            time.sleep(3)
            sim.sms_ready_at = None
            number = "+9769940001%d" % during_send
            sim.reset(during_send=during_send)
            # at rest it lands while the modem boots; else its reply is
            # the send the restart cuts short
            sim.inject(number, "тусламж")
            end = time.monotonic() + 60
            while sim.sms_ready_at is None and time.monotonic() < end:
                time.sleep(0.02)
            out[name] = replied(number) - sim.sms_ready_at
        out["answered_once"] = all(
            sum(s.number == n for s in sim.sent) == 1 for n in
            ("+97699400001", "+97699400002", "+97699400003",
             "+97699400010", "+97699400011"))
        return out
    finally:
        d.stop()
        sim.stop()


def stripped_size(paths, workdir):
    total = 0
    for p in paths:
        out = os.path.join(workdir, os.path.basename(p) + ".stripped")
        r = subprocess.run(["strip", "-o", out, p], capture_output=True)
        total += os.path.getsize(out if r.returncode == 0 else p)
    return total


def libgsmsd_path():
    r = subprocess.run(["ldd", shutil.which("gammu-smsd")],
                       capture_output=True, text=True)
    m = re.search(r"libgsmsd\.so\S*\s+=>\s+(\S+)", r.stdout)
    return os.path.realpath(m.group(1)) if m else None


def part_static(workdir):
    os.makedirs(workdir, exist_ok=True)
    gammu_bins = [shutil.which("gammu-smsd"), shutil.which("gammu-smsd-inject")]
    lib = libgsmsd_path()
    if lib:
        gammu_bins.append(lib)
    out = {"size_shukher": stripped_size([harness.binary("shukherd")],
                                         workdir),
           "size_gammu": stripped_size(gammu_bins, workdir),
           "size_gammu_files": gammu_bins}
    out["match_shukher_us"] = shukher_match_us()
    out["match_gammu_us"] = gammu_match_us(workdir)
    return out


def shukher_match_us():
    """From the matching micro-benchmark (tests/bench_match.c), if built."""
    rx = re.compile(r"match:\s*([0-9.]+)\s*us/message")
    micro = os.path.join(ROOT, BUILD, "bench-micro.txt")
    if os.path.exists(micro):
        with open(micro) as f:
            m = rx.search(f.read())
        if m:
            return float(m.group(1))
    exe = os.path.join(ROOT, BUILD, "tests", "bench_match")
    if os.path.exists(exe):
        r = subprocess.run([exe], capture_output=True, text=True,
                           timeout=300, cwd=ROOT)
        m = rx.search(r.stdout + r.stderr)
        if m:
            return float(m.group(1))
    return None


def gammu_match_us(workdir, n=300):
    """gammu-smsd's matcher is the RunOnReceive script: per message it forks
    and runs /bin/sh on it. Timed with the inject left out."""
    loop = ('i=0; while [ $i -lt %d ]; do /bin/sh -c "%s x 1"; '
            'i=$((i+1)); done' % (n, REPLY_SCRIPT))
    env = dict(os.environ, BENCH_MATCH_ONLY="1", SMS_MESSAGES="1",
               SMS_1_NUMBER="+97699112233", SMS_1_TEXT="сайн байна уу")
    t0 = time.perf_counter()
    subprocess.run(["/bin/sh", "-c", loop], env=env, check=True, cwd=workdir)
    return (time.perf_counter() - t0) / n * 1e6


def run_part(name, workdir):
    os.makedirs(workdir, exist_ok=True)
    what, _, kind = name.partition(":")
    if what == "latency":
        return part_latency(kind, workdir)
    if what == "burst":
        return part_burst(kind, workdir)
    if what == "throughput":
        return part_throughput(kind, workdir)
    if what == "idle":
        return part_idle(kind.split(","), workdir)
    if what == "recovery":
        return part_recovery(kind, workdir)
    if what == "static":
        return part_static(workdir)
    raise SystemExit("bench: unknown part %s" % name)


# ------------------------------------------------------------------ schedule

BACKGROUND = ["burst:shukher", "burst:gammu-defaults", "burst:gammu-fast",
              "latency:gammu-defaults", "recovery:shukher"]
FOREGROUND = ["latency:shukher", "latency:gammu-fast",
              "idle:shukher,gammu-defaults,gammu-fast",
              "throughput:shukher", "throughput:gammu-busy", "static"]


def spawn(name):
    workdir = os.path.join(WORK, re.sub(r"[^a-z0-9]+", "-", name))
    out = workdir + ".json"
    shutil.rmtree(workdir, ignore_errors=True)
    if os.path.exists(out):
        os.unlink(out)
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                          "--part", name, "--workdir", workdir, "--out", out])
    return p, out


def collect(name, p, out):
    rc = p.wait()
    if rc != 0 or not os.path.exists(out):
        log("%s failed (exit %d)" % (name, rc))
        return None
    with open(out) as f:
        return json.load(f)


def schedule():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    t0 = time.monotonic()
    results = {}
    bg = {}
    for name in BACKGROUND:
        bg[name] = spawn(name)
    log("background: %s" % ", ".join(BACKGROUND))
    # Let the bursts get past their arrival phase (the busiest seconds)
    # before timing anything in the foreground.
    time.sleep(BURST_WINDOW + 10)
    for name in FOREGROUND:
        log("%s ... (%.0f s in)" % (name, time.monotonic() - t0))
        p, out = spawn(name)
        results[name] = collect(name, p, out)
    for name, (p, out) in bg.items():
        log("waiting for %s (%.0f s in)" % (name, time.monotonic() - t0))
        results[name] = collect(name, p, out)
    log("all parts done in %.0f s" % (time.monotonic() - t0))
    return results, time.monotonic() - t0


# ------------------------------------------------------------------ table

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", help="run one part alone, e.g. "
                    "throughput:shukher (the disk bytes per message on the "
                    "dummy driver), and print its figures")
    ap.add_argument("--workdir", help="with --part (default: under %s)"
                    % os.path.relpath(WORK, ROOT))
    ap.add_argument("--out", help="with --part: write the figures here "
                    "instead of printing them")
    args = ap.parse_args()
    if args.part:
        workdir = args.workdir or os.path.join(
            WORK, re.sub(r"[^a-z0-9]+", "-", args.part))
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        res = run_part(args.part, workdir)
        if args.out:
            with open(args.out, "w") as f:
                json.dump(res, f)
        else:
            print(json.dumps(res, indent=1))
        return 0
    for tool in ("gammu-smsd", "gammu-smsd-inject"):
        if not shutil.which(tool):
            raise SystemExit("bench: %s missing (make bench installs it)" % tool)
    results, wall = schedule()
    settings = {"latency_samples": N_LAT, "throughput_slots": THR_SLOTS,
                "burst": BURST_N, "burst_window_s": BURST_WINDOW,
                "sim_slots": SIM_SLOTS, "send_delay_s": SEND_DELAY,
                "throughput": THR_N, "throughput_cap_s": THR_CAP,
                "idle_s": IDLE_S, "gammu": GAMMU_SETTINGS,
                "nproc": os.cpu_count()}
    rows = bench_table.build_rows(results, settings)
    print()
    bench_table.print_table(rows)
    doc = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "wall_s": wall,
           "settings": settings,
           "rows": [{k: v for k, v in r.items() if k != "fmt"} for r in rows],
           "raw": results}
    out = os.path.join(ROOT, BUILD, "bench.json")
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
    print("written: %s" % os.path.relpath(out, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
