"""The web console's accounts, the locked key and the audit log, through
the real shukherctl on a database the real shukherd created. What an
administrator would check: a password piped in is accepted when long
enough and refused (nothing created) when short; the account list never
shows a hash; a disabled account is shown disabled; the secret key is
stored only when it is the pair of the configured public key, and never
in the clear; `reports show` leaves a row in the audit log naming who
opened which report.
"""
import json
import os
import sqlite3
import subprocess
import time
import unittest

from harness import Daemon, TempDir, binary, dummy_modem, make_config, raw_db

PASSWORD = "correct horse battery"
PASSPHRASE = "umbrella over Darkhan"


class UsersBase(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.db = self.tmp.join("shukher.db")
        self.pub = self.tmp.join("cw.pub")
        self.sec = self.tmp.join("cw.key")
        p = self.run_ctl("keygen", self.pub, self.sec)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.conf = make_config(self.tmp.join("shukher.conf"), self.db,
                                dummy_modem(self.tmp.join("dummy")))
        with open(self.conf, "a", encoding="utf-8") as f:
            f.write('reports = { public_key = "%s"; };\n' % self.pub)
        # The daemon makes the database, as on a device.
        d = Daemon(self.conf)
        d.wait_log(r"running")
        self.assertEqual(d.stop(), 0, d.log())

    def tearDown(self):
        self.tmp.cleanup()

    def run_ctl(self, *args, stdin="", env=None, conf=None):
        where = ["-c", conf] if conf else ["-d", self.db]
        return subprocess.run([binary("shukherctl")] + where + list(args),
                              input=stdin, capture_output=True, text=True,
                              timeout=60, env=env)

    def raw(self):
        return raw_db(self.db)

    def users(self):
        p = self.run_ctl("--json", "users", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        return {u["name"]: u for u in json.loads(p.stdout)}, p.stdout

    def audit(self, *args):
        p = self.run_ctl("--json", "audit", *args)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)


class Users(UsersBase):
    def test_add_from_stdin_list_disable(self):
        env = dict(os.environ, USER="admin")
        p = self.run_ctl("users", "add", "oyuna", stdin=PASSWORD + "\n",
                         env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(PASSWORD, p.stdout + p.stderr)
        users, out = self.users()
        self.assertEqual(set(users), {"oyuna"})
        u = users["oyuna"]
        self.assertFalse(u["disabled"])
        self.assertEqual(u["failures"], 0)
        self.assertFalse(u["locked"])
        self.assertIsNotNone(u["created_at"])
        self.assertIsNone(u["last_signin_at"])
        # Never the hash, under any name; never the password.
        self.assertNotIn("argon2", out)
        self.assertNotIn("hash", out)
        self.assertNotIn(PASSWORD, out)
        p = self.run_ctl("users", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("oyuna", p.stdout)
        self.assertNotIn("argon2", p.stdout)
        # Stored as an Argon2id hash, the password nowhere on disk.
        with sqlite3.connect(self.db) as c:
            (h,) = c.execute("SELECT pwhash FROM users WHERE name = "
                             "'oyuna'").fetchone()
        self.assertTrue(h.startswith("$argon2id$"), h)
        self.assertNotIn(PASSWORD.encode(), self.raw())

        # The same name again: refused; another case is another name.
        p = self.run_ctl("users", "add", "oyuna", stdin=PASSWORD + "\n")
        self.assertEqual(p.returncode, 1)
        self.assertIn("exists", p.stderr)

        p = self.run_ctl("users", "disable", "oyuna", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(self.users()[0]["oyuna"]["disabled"])
        p = self.run_ctl("users", "enable", "oyuna", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(self.users()[0]["oyuna"]["disabled"])
        p = self.run_ctl("users", "disable", "nobody")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no user nobody", p.stderr)

        # Each change is in the audit log, by whom, on which account.
        rows = [(r["actor"], r["via"], r["action"], r["detail"])
                for r in self.audit()]
        self.assertEqual(rows, [("admin", "cli", "user-enable", "oyuna"),
                                ("admin", "cli", "user-disable", "oyuna"),
                                ("admin", "cli", "user-add", "oyuna")])

    def test_short_password_refused_nothing_created(self):
        p = self.run_ctl("users", "add", "tuya", stdin="123456789\n")
        self.assertEqual(p.returncode, 65)
        self.assertIn("at least 10 characters", p.stderr)
        self.assertNotIn("123456789", p.stdout + p.stderr)
        self.assertEqual(self.users()[0], {})
        p = self.run_ctl("users", "add", "tuya", stdin="")
        self.assertEqual(p.returncode, 65)
        self.assertEqual(self.users()[0], {})
        p = self.run_ctl("users", "add", "two words", stdin=PASSWORD + "\n")
        self.assertEqual(p.returncode, 65)
        self.assertEqual(self.users()[0], {})

    def test_passwd_changes_the_hash(self):
        self.run_ctl("users", "add", "oyuna", stdin=PASSWORD + "\n")
        with sqlite3.connect(self.db) as c:
            (before,) = c.execute("SELECT pwhash FROM users").fetchone()
        p = self.run_ctl("users", "passwd", "oyuna",
                         stdin="a whole new password\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        with sqlite3.connect(self.db) as c:
            (after,) = c.execute("SELECT pwhash FROM users").fetchone()
        self.assertNotEqual(before, after)
        p = self.run_ctl("users", "passwd", "nobody", stdin=PASSWORD + "\n")
        self.assertEqual(p.returncode, 1)


class KeyVault(UsersBase):
    def test_key_store_checks_the_configured_key(self):
        other_pub = self.tmp.join("b.pub")
        p = self.run_ctl("keygen", other_pub, self.tmp.join("b.key"))
        self.assertEqual(p.returncode, 0, p.stderr)
        wrong = self.tmp.join("wrong.conf")
        with open(self.conf, encoding="utf-8") as f:
            text = f.read()
        with open(wrong, "w", encoding="utf-8") as f:
            f.write(text.replace(self.pub, other_pub))

        # The key is not the pair of the configured public key: refused.
        p = self.run_ctl("key", "store", self.sec, stdin=PASSPHRASE + "\n",
                         conf=wrong)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not the pair", p.stderr)
        # The public key by mistake: refused, named.
        p = self.run_ctl("key", "store", self.pub, stdin=PASSPHRASE + "\n",
                         conf=self.conf)
        self.assertEqual(p.returncode, 1)
        self.assertIn("public key", p.stderr)
        # A short passphrase: refused.
        p = self.run_ctl("key", "store", self.sec, stdin="short pass\n",
                         conf=self.conf)
        self.assertEqual(p.returncode, 65)
        self.assertIn("at least 12 characters", p.stderr)
        with sqlite3.connect(self.db) as c:
            self.assertEqual(c.execute("SELECT count(*) FROM vault")
                             .fetchone()[0], 0)

        p = self.run_ctl("key", "store", self.sec, stdin=PASSPHRASE + "\n",
                         conf=self.conf)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("no longer needed", p.stdout)
        self.assertIn(self.sec, p.stdout)
        self.assertNotIn(PASSPHRASE, p.stdout + p.stderr)
        with open(self.sec, encoding="utf-8") as f:
            secret_hex = f.read().split()[1]
        with open(self.pub, encoding="utf-8") as f:
            public_hex = f.read().split()[1]
        with sqlite3.connect(self.db) as c:
            rows = c.execute("SELECT key_id, blob FROM vault").fetchall()
        self.assertEqual(len(rows), 1)
        # Neither the key nor the passphrase on disk in the clear.
        raw = self.raw()
        self.assertNotIn(secret_hex.encode(), raw)
        self.assertNotIn(bytes.fromhex(secret_hex), raw)
        self.assertNotIn(PASSPHRASE.encode(), raw)
        self.assertNotEqual(secret_hex, public_hex)
        self.assertIn("key-store", [r["action"] for r in self.audit()])

        p = self.run_ctl("key", "remove")
        self.assertEqual(p.returncode, 0, p.stderr)
        with sqlite3.connect(self.db) as c:
            self.assertEqual(c.execute("SELECT count(*) FROM vault")
                             .fetchone()[0], 0)
        p = self.run_ctl("key", "remove")
        self.assertEqual(p.returncode, 1)


class Audit(UsersBase):
    def file_report(self, ref, text):
        """A clear report, as intake files one without a public key (how
        it got there is test_reports's business, not this test's)."""
        with sqlite3.connect(self.db) as c:
            c.execute("INSERT INTO reports (ref, number, text, created_at)"
                      " VALUES (?, '+97699113344', ?, ?)",
                      (ref, text, int(time.time())))
            return c.execute("SELECT id FROM reports WHERE ref = ?",
                             (ref,)).fetchone()[0]

    def test_reports_show_is_audited(self):
        rid = self.file_report("K7Q2", "they took my passport")
        other = self.file_report("M3X9", "a job offer in Erlian")
        env = dict(os.environ, USER="tuya")
        env.pop("SHUKHER_KEY", None)
        self.assertEqual(self.audit(), [])
        p = self.run_ctl("reports", "show", "k7q2", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("they took my passport", p.stdout)
        # A list is the queue, not a reading: no row.
        p = self.run_ctl("reports", "list", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.run_ctl("reports", "claim", "M3X9", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)

        rows = self.audit()
        self.assertEqual([(r["actor"], r["via"], r["action"],
                           r["report_ref"], r["report_id"], r["address"])
                          for r in rows],
                         [("tuya", "cli", "claim", "M3X9", other, None),
                          ("tuya", "cli", "open", "K7Q2", rid, None)])
        # No text and no number in the log.
        self.assertNotIn("passport", json.dumps(rows))
        self.assertNotIn("97699113344", json.dumps(rows))
        self.assertEqual([r["action"] for r in
                          self.audit("--report", "K7Q2")], ["open"])
        self.assertEqual([r["action"] for r in
                          self.audit("--report", str(other))], ["claim"])
        self.assertEqual(len(self.audit("--limit", "1")), 1)
        p = self.run_ctl("audit")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("K7Q2", p.stdout)
        self.assertIn("tuya", p.stdout)
        # An export, a copy leaving the device, is in the log too.
        p = self.run_ctl("reports", "export", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([(r["actor"], r["action"], r["report_id"])
                          for r in self.audit("--limit", "1")],
                         [("tuya", "export", None)])
        p = self.run_ctl("audit", "--report", "NOPE")
        self.assertEqual(p.returncode, 1)
        p = self.run_ctl("audit", "--limit", "0")
        self.assertEqual(p.returncode, 64)


if __name__ == "__main__":
    unittest.main()
