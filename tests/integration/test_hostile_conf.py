"""Config files as bad luck or an adversary leaves them, against the real
programs and real signals: a path that is a directory, a FIFO, a device,
missing, unreadable, too large, or a file with a NUL byte, an integer out
of its range, an include of any of these. At start, each of shukherd,
shukher-web and shukherctl exits 78 and says what is wrong (never
libconfig's exit 2, never a wait on a FIFO). On SIGHUP the running daemon
keeps its configuration, logs the reason, and goes on answering texts;
a good file afterwards is taken.
"""
import os
import signal
import subprocess
import threading
import unittest

from harness import (Daemon, SimGateway, TempDir, binary, make_config,
                     wait_for)

EX_CONFIG = 78
CONF_MAX = 1024 * 1024          # shukher.conf(5): 1 MiB with includes
REPLY_HELP = "Тусламж: 102"
REPLY_NEW = "Тусламж: 102, 107"

# What root must not bypass for an unreadable file to stay unreadable.
DROP_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def as_reader(args):
    """args run so that file permissions hold: as root, without the
    capabilities that override them."""
    return DROP_DAC + args if os.geteuid() == 0 else args


def spoil(path, kind, good):
    """Turns the config at path into kind (the good text is at hand to
    build from); returns a word the error must contain."""
    if os.path.isdir(path) and not os.path.islink(path):
        os.rmdir(path)
    elif os.path.lexists(path):
        os.unlink(path)
    if kind == "directory":
        os.mkdir(path)
        return "a directory, not a file"
    if kind == "fifo":
        os.mkfifo(path)
        return "a FIFO, not a file"
    if kind == "device":
        os.symlink("/dev/zero", path)
        return "a character device, not a file"
    if kind == "missing":
        return "cannot open: No such file or directory"
    text = good.encode("utf-8")
    why = None
    if kind == "unreadable":
        why = "cannot open: Permission denied"
    elif kind == "broken":
        text = text.replace(b"reply_budget = 3;", b"reply_budget = ;")
        why = "syntax error"
    elif kind == "range":
        text = text.replace(b"reply_budget = 3;",
                            b"reply_budget = 2147483647;")
        why = ("limits.reply_budget: 2147483647 is out of range: "
               "expected a whole number from 1 to 100000")
    elif kind == "nul":
        text = text.replace("Тусламж: 102".encode(), b"Tuslamj\0 102")
        why = "a NUL byte"
    elif kind == "escape":
        text = text.replace("Тусламж: 102".encode(), b"Tuslamj\\x00 102")
        why = "\\x00 in a string"
    elif kind == "large":
        text += b"#" * (CONF_MAX + 1 - len(text) - 1) + b"\n"
        why = "too large"
    elif kind == "include":
        text += b'@include "included.d"\n'
        why = "included.d\": a directory, not a file"
    assert why is not None, kind
    with open(path, "wb") as f:
        f.write(text)
    if kind == "unreadable":
        os.chmod(path, 0)
    return why


KINDS = ("directory", "fifo", "device", "missing", "unreadable", "broken",
         "range", "nul", "escape", "large", "include")


class StartRefused(unittest.TestCase):
    """Each program, on each kind of bad config, exits 78 at once."""

    def setUp(self):
        self.tmp = TempDir()
        self.conf = self.tmp.join("shukher.conf")
        make_config(self.conf, self.tmp.join("shukher.db"),
                    {"device": "/dev/null", "connection": "none",
                     "model": "dummy"})
        with open(self.conf, encoding="utf-8") as f:
            self.good = f.read()
        os.mkdir(self.tmp.join("included.d"))

    def tearDown(self):
        self.tmp.cleanup()

    def commands(self):
        c = self.conf
        return [
            [binary("shukherd"), "-n", "-c", c],
            [binary("shukherd"), "-c", c],
            [binary("shukher-web"), "-n", "-c", c],
            [binary("shukher-web"), "-c", c],
            [binary("shukherctl"), "-c", c, "config", "check"],
            [binary("shukherctl"), "-c", c, "--json", "config", "check"],
            [binary("shukherctl"), "-c", c, "inbox"],
        ]

    def test_every_program_exits_78_with_the_reason(self):
        for kind in KINDS:
            why = spoil(self.conf, kind, self.good)
            for args in self.commands():
                with self.subTest(kind=kind, args=args[1:]):
                    # A FIFO that blocked would hit the timeout: an
                    # exception, so a failure, not a hang.
                    p = subprocess.run(as_reader(args), capture_output=True,
                                       text=True, timeout=30,
                                       stdin=subprocess.DEVNULL)
                    self.assertEqual(p.returncode, EX_CONFIG, p.stderr)
                    self.assertIn(why, p.stderr)
                    self.assertIn("shukher.conf", p.stderr)
                    self.assertNotIn("flex", p.stderr)
        spoil(self.conf, "broken", self.good)
        os.unlink(self.conf)
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(self.good)
        p = subprocess.run([binary("shukherd"), "-n", "-c", self.conf],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_config_without_keywords_is_a_warning(self):
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write('database = "%s";\n' % self.tmp.join("x.db"))
        p = subprocess.run([binary("shukherctl"), "-c", self.conf, "config",
                            "check"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("warning: no keywords", p.stdout)
        # ... and, this config having no public key, the clear reports.
        self.assertIn("warning: reports are filed in the clear", p.stdout)
        self.assertIn("2 warnings", p.stdout)
        p = subprocess.run([binary("shukherctl"), "-c", self.conf, "--json",
                            "config", "check"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('"no keywords', p.stdout)
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(self.good)
        p = subprocess.run([binary("shukherctl"), "-c", self.conf, "config",
                            "check"], capture_output=True, text=True,
                           timeout=30)
        self.assertNotIn("no keywords", p.stdout)


class ReloadSurvives(SimGateway):
    """A running daemon on the simulated modem, its config spoilt in every
    way in turn and SIGHUP sent each time."""

    def setUp(self):
        super().setUp()
        with open(self.conf, encoding="utf-8") as f:
            self.good = f.read()
        os.mkdir(self.tmp.join("included.d"))

    def start(self):
        self.daemon = ReaderDaemon(self.conf)
        self.daemon.wait_log(r"modem: connected", timeout=60)

    def refusals(self):
        return [l for l in self.daemon.lines if "reload refused" in l]

    def ask(self, number, expect, nsent):
        self.sim.inject(number, "тусламж")
        self.assertTrue(self.sim.wait_sent(nsent, 30), self.daemon.log())
        self.assertEqual(self.sim.sent[nsent - 1].number, number)
        self.assertEqual(self.sim.sent[nsent - 1].text, expect)

    def test_bad_reloads_keep_the_old_config_and_the_replies(self):
        self.start()
        self.ask("+97699120001", REPLY_HELP, 1)
        for i, kind in enumerate(KINDS):
            why = spoil(self.conf, kind, self.good)
            self.daemon.signal(signal.SIGHUP)
            wait_for(lambda: len(self.refusals()) == i + 1, 30,
                     "reload refused (%s)" % kind)
            line = self.refusals()[-1]
            self.assertIn(why, line, kind)
            self.assertIn("shukher.conf", line)
            self.assertIsNone(self.daemon.proc.poll(),
                              "the daemon died on a reload (%s)" % kind)
        # Still answering, with the old config.
        self.ask("+97699120002", REPLY_HELP, 2)
        # And a good file is taken again.
        spoil(self.conf, "missing", self.good)
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(self.good.replace(REPLY_HELP, REPLY_NEW))
        self.daemon.signal(signal.SIGHUP)
        self.daemon.wait_log(r"configuration reloaded", timeout=30)
        self.ask("+97699120003", REPLY_NEW, 3)
        self.assertEqual(len(self.refusals()), len(KINDS))


class ReaderDaemon(Daemon):
    """A Daemon for which file permissions hold, also when the tests run
    as root (see as_reader)."""

    def __init__(self, config):
        self.config = config
        self.proc = subprocess.Popen(
            as_reader([binary("shukherd"), "-c", config]),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.lines = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()


if __name__ == "__main__":
    unittest.main()
