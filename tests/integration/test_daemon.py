"""shukherd as an operator meets it: config checks with clear errors and
exit codes, a database it refuses to destroy, SIGHUP reloads that keep the
old config when the new one is broken, and a clean stop on SIGTERM.

The modem is gammu's dummy driver: the modem is not the point here.
"""
import os
import signal
import subprocess
import unittest

from harness import (ROOT, Daemon, TempDir, binary, dummy_modem,
                     make_config)

EX_USAGE, EX_IOERR, EX_CONFIG = 64, 74, 78


def run(*args):
    return subprocess.run([binary("shukherd")] + list(args),
                          capture_output=True, text=True, timeout=30)


class ConfigCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = self.tmp.join(name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_example_config_is_valid(self):
        p = run("-n", "-c", os.path.join(ROOT, "board", "shukher.conf"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("ok", p.stdout)

    def test_syntax_error_names_file_and_line(self):
        path = self.write("bad.conf", 'database = "/tmp/x.db";\n'
                          'language = "mn";\nlimits = { reply_budget = ; };\n')
        p = run("-n", "-c", path)
        self.assertEqual(p.returncode, EX_CONFIG)
        self.assertRegex(p.stderr, r"bad\.conf:3")

    def test_wrong_type_names_file_and_line(self):
        path = self.write("type.conf", 'database = "/tmp/x.db";\n\n'
                          'limits = { reply_budget = "ten"; };\n')
        p = run("-n", "-c", path)
        self.assertEqual(p.returncode, EX_CONFIG)
        self.assertRegex(p.stderr, r"type\.conf:3")
        self.assertIn("reply_budget", p.stderr)

    def test_empty_reply_names_file_and_line(self):
        path = self.write("empty.conf", 'database = "/tmp/x.db";\n'
                          'keywords = (\n'
                          '  { name = "help"; words = [ "HELP" ];\n'
                          '    reply = { mn = ""; }; }\n'
                          ');\n')
        p = run("-n", "-c", path)
        self.assertEqual(p.returncode, EX_CONFIG)
        self.assertRegex(p.stderr, r"empty\.conf:[34]")

    def test_missing_config_is_a_config_error(self):
        p = run("-n", "-c", self.tmp.join("nowhere.conf"))
        self.assertEqual(p.returncode, EX_CONFIG)
        self.assertIn("nowhere.conf", p.stderr)

    def test_unknown_option_is_a_usage_error(self):
        p = run("-x")
        self.assertEqual(p.returncode, EX_USAGE)
        self.assertIn("usage", p.stderr)


class Lifecycle(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.db = self.tmp.join("shukher.db")
        self.modem = dummy_modem(self.tmp.join("dummy"))
        self.conf = make_config(self.tmp.join("shukher.conf"), self.db,
                                self.modem)

    def tearDown(self):
        self.tmp.cleanup()

    def test_corrupt_database_is_refused_and_left_alone(self):
        garbage = b"this is not a database\n" * 100
        with open(self.db, "wb") as f:
            f.write(garbage)
        p = run("-c", self.conf)
        self.assertEqual(p.returncode, EX_IOERR, p.stderr)
        self.assertIn(self.db, p.stderr)
        with open(self.db, "rb") as f:
            self.assertEqual(f.read(), garbage)

    def test_reload_keeps_old_config_when_new_is_broken(self):
        d = Daemon(self.conf)
        try:
            d.wait_log(r"running")
            good = open(self.conf, encoding="utf-8").read()
            with open(self.conf, "w", encoding="utf-8") as f:
                f.write(good.replace("reply_budget = 3;",
                                     "reply_budget = ;"))
            d.signal(signal.SIGHUP)
            line = d.wait_log(r"reload refused")
            self.assertIn("shukher.conf:", line)
            self.assertIsNone(d.proc.poll(), "daemon died on a bad reload")
            with open(self.conf, "w", encoding="utf-8") as f:
                f.write(good)
            d.signal(signal.SIGHUP)
            d.wait_log(r"configuration reloaded")
        finally:
            rc = d.stop()
        self.assertEqual(rc, 0, d.log())

    def test_sigterm_stops_cleanly(self):
        d = Daemon(self.conf)
        d.wait_log(r"running")
        rc = d.stop()
        self.assertEqual(rc, 0, d.log())
        self.assertIn("stopping", d.log())


if __name__ == "__main__":
    unittest.main()
