"""Shared pieces of the integration tests: paths of the real binaries, a
config built from the test fixture, and a running shukherd that a test can
signal, read the log of, and stop.

Everything here drives real processes, real SQLite files and real signals.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", "build")
FIXTURE = os.path.join(ROOT, "tests", "data", "route.conf")


def wait_for(predicate, timeout, what):
    """Polls predicate until it returns something true, and returns that;
    fails the test after timeout seconds, naming what it waited for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out after %s s waiting for %s" %
                         (timeout, what))


def binary(name):
    return os.path.join(ROOT, BUILD, name)


def make_config(path, database, modem, limits=None, fixture=FIXTURE):
    """Writes the fixture config to path with its database and modem
    settings replaced. modem is a dict of gammu settings; limits, a dict of
    limit overrides."""
    with open(fixture, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r'(?m)^database = .*;$',
                  lambda m: 'database = %s;' % json.dumps(database), text)
    items = "; ".join("%s = %s" % (k, json.dumps(v) if isinstance(v, str)
                                    else str(v).lower() if isinstance(v, bool)
                                    else v) for k, v in modem.items())
    # the group ends at a "};" of its own line (a commented group inside
    # it, "# };", does not end it), or on its first line when it is one
    text, n = re.subn(r'(?ms)^modem = \{(?:[^\n]*\};|.*?^\};)[ \t]*$',
                      lambda m: 'modem = { %s; };' % items, text)
    assert n == 1, "no modem block in %s" % fixture
    for k, v in (limits or {}).items():
        text, n = re.subn(r'(?m)^(\s*%s = )\d+;' % k, r'\g<1>%d;' % v, text)
        assert n == 1, k
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def sim_modem(link):
    """libgammu's AT driver on the simulated modem behind link, with short
    timeouts and +CMTI notices: the settings every gateway test uses."""
    return {"device": link, "connection": "at", "model": "", "timeout": 10,
            "poll_interval": 5, "notifications": True}


def raw_db(path):
    """The bytes of the database and its WAL: what a seized card holds."""
    data = b""
    for suffix in ("", "-wal"):
        if os.path.exists(path + suffix):
            with open(path + suffix, "rb") as f:
                data += f.read()
    return data


def dummy_modem(directory):
    """gammu's dummy driver on a directory of its own."""
    for folder in range(1, 6):
        os.makedirs(os.path.join(directory, "sms", str(folder)),
                    exist_ok=True)
    return {"device": directory, "connection": "none", "model": "dummy"}


def ctl(db, *args, check=True):
    """Runs shukherctl -d db --json args; returns the parsed JSON."""
    p = subprocess.run([binary("shukherctl"), "-d", db, "--json"] +
                       list(args), capture_output=True, text=True,
                       timeout=60)
    if check and p.returncode != 0:
        raise AssertionError("shukherctl %s: exit %d: %s" %
                             (" ".join(args), p.returncode, p.stderr))
    return json.loads(p.stdout) if p.stdout.strip() else None


class Daemon:
    """A shukherd process (or another of ours, such as shukher-web) on a
    config; its stderr is collected."""

    def __init__(self, config, verbose=False, program="shukherd"):
        self.config = config
        args = [binary(program), "-c", config]
        if verbose:
            args.append("-v")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.lines = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stderr:
            with self.lock:
                self.lines.append(raw.decode("utf-8", "replace").rstrip())

    def log(self):
        with self.lock:
            return "\n".join(self.lines)

    def wait_log(self, pattern, timeout=20, start=0):
        """Waits for a log line matching pattern; returns it."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while time.monotonic() < deadline:
            with self.lock:
                for line in self.lines[start:]:
                    if rx.search(line):
                        return line
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("no log line matching %r within %s s; log:\n%s"
                             % (pattern, timeout, self.log()))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.reader.join(timeout=5)

    def stop(self, timeout=20):
        """SIGTERM; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        self.reader.join(timeout=5)
        return rc


class TempDir:
    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="shukher-test-")

    def join(self, *parts):
        return os.path.join(self.path, *parts)

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


class SimGateway(unittest.TestCase):
    """A test of the whole gateway: its own temporary directory, a simulated
    SIM800 behind a stable link, a config for shukherd on it (limits and
    the SIM's capacity from the class), and the daemon, started by
    start_daemon() and stopped after the test, which must then exit 0 (a
    sanitizer report makes it fail)."""

    limits = {}
    capacity = 30

    def setUp(self):
        from sim.modemsim import ModemSim
        self.tmp = TempDir()
        self.db = self.tmp.join("shukher.db")
        self.sim = ModemSim(link=self.tmp.join("gsm-modem"),
                            sim_capacity=self.capacity)
        self.sim.start()
        self.conf = make_config(
            self.tmp.join("shukher.conf"), self.db,
            sim_modem(self.tmp.join("gsm-modem")), limits=self.limits)
        self.daemon = None

    def tearDown(self):
        try:
            if self.daemon is not None and self.daemon.proc.poll() is None:
                rc = self.daemon.stop(timeout=60)
                self.assertEqual(rc, 0, "shukherd exit %d (a sanitizer "
                                 "report?):\n%s" % (rc, self.daemon.log()))
        finally:
            self.sim.stop()
            self.tmp.cleanup()

    def start_daemon(self):
        self.daemon = Daemon(self.conf)
        self.daemon.wait_log(r"modem: connected", timeout=60)
        return self.daemon

    def sent_to(self, number):
        """What the simulated phone at number received."""
        return [s for s in self.sim.sent if s.number == number]
