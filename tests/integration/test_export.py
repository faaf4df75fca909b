"""Exports and retention, through the real binaries: shukherd on the
simulated modem fills the database, shukherctl exports it (CSV and JSON,
with and without the caseworkers' key) and purges it. What a caseworker or
an auditor would check: every report of the range once, opened only with
the right key; a dry run that changes nothing; after the purge, the old
texts gone from the raw bytes of the database and its WAL, open reports
and the daily counts still there. Old rows are made old by moving their
times back in the database, as the passing of days would. A reporter's
escape sequences and bidi controls reach no terminal (a pty as stdout),
while a CSV written to a file keeps them as data.
"""
import csv
import datetime
import io
import json
import os
import pty
import re
import sqlite3
import subprocess
import time
import unittest

from harness import (Daemon, TempDir, binary, make_config, raw_db,
                     sim_modem, wait_for)
from sim.modemsim import ModemSim

REPORTER = "+97699113344"
REPORTER2 = "+97699115566"
ASKER = "+97699117788"
TEXT = 'a man, "Bat", keeps our passports\nin the Erlian hotel'
TEXT2 = "they took my phone at the border"
QUESTION = "help where is the office ZORIGTBAATAR street"
# A report keeps the whole message, keyword and all.
FILED = "REPORT " + TEXT
FILED2 = "REPORT " + TEXT2
DAY = 86400



class ExportBase(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.db = self.tmp.join("shukher.db")
        self.pub = self.tmp.join("cw.pub")
        self.sec = self.tmp.join("cw.key")
        p = self.ctl("keygen", self.pub, self.sec, conf=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.sim = ModemSim(link=self.tmp.join("gsm-modem"))
        self.sim.start()
        self.conf = make_config(
            self.tmp.join("shukher.conf"), self.db,
            sim_modem(self.tmp.join("gsm-modem")))
        with open(self.conf, "a", encoding="utf-8") as f:
            f.write('reports = { public_key = "%s"; retention_days = 30; '
                    'inbox_retention_days = 10; '
                    'outbox_retention_days = 10; };\n' % self.pub)
        self.daemon = Daemon(self.conf)
        self.daemon.wait_log(r"modem: connected", timeout=60)

    def tearDown(self):
        try:
            if self.daemon.proc.poll() is None:
                self.assertEqual(self.daemon.stop(timeout=60), 0,
                                 self.daemon.log())
        finally:
            self.sim.stop()
            self.tmp.cleanup()

    def ctl(self, *args, conf=True, key_env=None):
        env = dict(os.environ)
        env.pop("SHUKHER_KEY", None)
        if key_env:
            env["SHUKHER_KEY"] = key_env
        head = ["-c", self.conf] if conf else ["-d", self.db]
        return subprocess.run([binary("shukherctl")] + head + list(args),
                              capture_output=True, text=True, timeout=60,
                              env=env)

    def ok(self, *args, **kw):
        p = self.ctl(*args, **kw)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def sent_to(self, number):
        return [s for s in self.sim.sent if s.number == number]

    def report(self, number, text):
        """Texts a report; returns its reference from the ack."""
        before = len(self.sent_to(number))
        self.sim.inject(number, "REPORT " + text)
        ack = wait_for(lambda: self.sent_to(number)[before:], 30,
                       "the ack")[0]
        return ack.text.rsplit("#", 1)[1].strip()

    def ask(self):
        """An ordinary question, answered (and the answer recorded sent)."""
        self.sim.inject(ASKER, QUESTION)
        wait_for(lambda: [m for m in json.loads(self.ok(
            "--json", "outbox", "--state", "sent").stdout)
            if m["number"] == ASKER], 30, "the answer recorded as sent")

    def raw(self):
        return raw_db(self.db)

    def age(self, days_handled, days_closed):
        """Moves the times of every handled message and finished outbox
        row days_handled back, and of every closed report days_closed."""
        db = sqlite3.connect(self.db, timeout=30)
        with db:
            db.execute("UPDATE messages SET received_at = received_at - ?,"
                       " handled_at = handled_at - ?"
                       " WHERE handled_at IS NOT NULL",
                       (days_handled * DAY, days_handled * DAY))
            db.execute("UPDATE outbox SET created_at = created_at - ?,"
                       " sent_at = max(sent_at - ?, 0)"
                       " WHERE state != 'queued'",
                       (days_handled * DAY, days_handled * DAY))
            db.execute("UPDATE reports SET closed_at = closed_at - ?"
                       " WHERE status = 'closed'", (days_closed * DAY,))
        db.close()


class Export(ExportBase):
    def setUp(self):
        super().setUp()
        self.ref = self.report(REPORTER, TEXT)
        self.ref2 = self.report(REPORTER2, TEXT2)
        self.ok("reports", "close", "--key", self.sec, self.ref,
                "--outcome", "safe, with her family")

    def export(self, *args, **kw):
        return self.ok("reports", "export", *args, **kw)

    def test_csv_with_key_is_rfc4180_and_opened(self):
        p = self.export("--format", "csv", "--key", self.sec)
        # Line ends are CRLF; a text with a line break stays one field.
        self.assertTrue(p.stdout.startswith("id,ref,status,urgent,"))
        rows = list(csv.DictReader(io.StringIO(p.stdout, newline="")))
        self.assertEqual(sorted(r["ref"] for r in rows),
                         sorted([self.ref, self.ref2]))
        byref = {r["ref"]: r for r in rows}
        r = byref[self.ref]
        self.assertEqual(r["text"], FILED)
        self.assertEqual(r["number"], REPORTER)
        self.assertEqual(r["status"], "closed")
        self.assertEqual(r["outcome"], "safe, with her family")
        self.assertNotEqual(r["closed_at"], "")
        self.assertEqual(byref[self.ref2]["status"], "open")
        self.assertEqual(byref[self.ref2]["text"], FILED2)
        self.assertEqual(byref[self.ref2]["closed_at"], "")
        with subprocess.Popen([binary("shukherctl"), "-c", self.conf,
                               "reports", "export", "--key", self.sec],
                              stdout=subprocess.PIPE) as proc:
            raw = proc.stdout.read()
        self.assertIn(b'"REPORT a man, ""Bat"", keeps our passports\nin the',
                      raw)
        self.assertEqual(raw.count(b"\r\n"), 3)   # header and two rows

    def test_json_with_key_through_environment(self):
        p = self.export("--format", "json", key_env=self.sec)
        rows = json.loads(p.stdout)
        byref = {r["ref"]: r for r in rows}
        self.assertEqual(set(byref), {self.ref, self.ref2})
        self.assertEqual(byref[self.ref]["text"], FILED)
        self.assertEqual(byref[self.ref]["number"], REPORTER)
        self.assertEqual(byref[self.ref]["outcome"], "safe, with her family")
        self.assertIsNone(byref[self.ref2]["closed_at"])
        self.assertTrue(byref[self.ref2]["created_at"].endswith("Z"))

    def test_without_key_metadata_only(self):
        for fmt in ("csv", "json"):
            p = self.export("--format", fmt)
            self.assertIn("sealed", p.stderr)
            for secret in ("passports", "border", REPORTER, REPORTER2,
                           "her family"):
                self.assertNotIn(secret, p.stdout)
            self.assertIn(self.ref, p.stdout)
            self.assertIn(self.ref2, p.stdout)
        rows = json.loads(self.export("--format", "json").stdout)
        self.assertEqual({r["status"] for r in rows}, {"open", "closed"})
        self.assertTrue(all(r["text"] is None and r["sealed"]
                            for r in rows))

    def test_wrong_key_exits_1_and_writes_nothing(self):
        other_pub = self.tmp.join("other.pub")
        other = self.tmp.join("other.key")
        self.ok("keygen", other_pub, other, conf=False)
        for key in (other, other_pub):
            p = self.ctl("reports", "export", "--format", "csv", "--key",
                         key)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertEqual(p.stdout, "")
            self.assertIn("key", p.stderr)

    def test_date_range_inclusive(self):
        today = datetime.date.today()
        day = datetime.timedelta(days=1)
        rows = lambda *a: json.loads(self.export("--format", "json",
                                                 *a).stdout)
        self.assertEqual(len(rows("--since", str(today), "--until",
                                  str(today))), 2)
        self.assertEqual(rows("--since", str(today + day)), [])
        self.assertEqual(rows("--until", str(today - day)), [])
        p = self.export("--until", str(today - day))
        self.assertEqual(p.stdout.splitlines(),
                         ["id,ref,status,urgent,created_at,claimed_by,"
                          "claimed_at,closed_at,outcome,number,text,sealed"])

    def test_bad_arguments_exit_64(self):
        for args in (["--since", "2026-13-01"], ["--until", "yesterday"],
                     ["--format", "xml"],
                     ["--since", "2026-05-02", "--until", "2026-05-01"],
                     ["extra"]):
            p = self.ctl("reports", "export", *args)
            self.assertEqual(p.returncode, 64, args)
            self.assertEqual(p.stdout, "")


class Purge(ExportBase):
    def fill(self):
        self.closed = self.report(REPORTER, TEXT)
        self.open = self.report(REPORTER2, TEXT2)
        self.ok("reports", "close", "--key", self.sec, self.closed,
                "--outcome", "safe")
        self.ask()

    def counts(self, *extra):
        return json.loads(self.ok("--json", "purge", *extra).stdout)

    def test_dry_run_then_purge_forgets(self):
        self.fill()
        stats = self.ok("--json", "stats").stdout
        self.age(20, 40)
        self.assertIn(b"ZORIGTBAATAR", self.raw())

        dry = self.counts("--dry-run")
        self.assertEqual((dry["reports"], dry["messages"], dry["outbox"]),
                         (1, 1, 1))
        self.assertTrue(dry["dry_run"])
        # Nothing changed.
        self.assertIn(b"ZORIGTBAATAR", self.raw())
        self.ok("reports", "show", "--key", self.sec, self.closed)
        text = self.ok("purge", "--dry-run").stdout
        self.assertIn("dry run", text)

        done = self.counts()
        self.assertEqual((done["reports"], done["messages"], done["outbox"]),
                         (1, 1, 1))
        self.assertTrue(done["wal_truncated"])
        self.assertNotIn(b"ZORIGTBAATAR", self.raw())
        self.assertNotIn(b"where is the office", self.raw())
        inbox = json.loads(self.ok("--json", "inbox").stdout)
        self.assertFalse([m for m in inbox if m["sender"] == ASKER])
        outbox = json.loads(self.ok("--json", "outbox").stdout)
        self.assertFalse([m for m in outbox if m["number"] == ASKER])
        # The closed report went; the open one and the counts stayed.
        p = self.ctl("reports", "show", "--key", self.sec, self.closed)
        self.assertEqual(p.returncode, 1)
        shown = json.loads(self.ok("--json", "reports", "show", "--key",
                                   self.sec, self.open).stdout)
        self.assertEqual(shown["text"], FILED2)
        self.assertEqual(self.ok("--json", "stats").stdout, stats)
        again = self.counts()
        self.assertEqual(again["reports"] + again["messages"] +
                         again["outbox"], 0)

    def test_daemon_purges_on_its_own(self):
        self.fill()
        self.assertEqual(self.daemon.stop(timeout=60), 0)
        self.age(20, 40)
        self.assertIn(b"ZORIGTBAATAR", self.raw())
        self.daemon = Daemon(self.conf)
        self.daemon.wait_log(r"retention: purged 1 closed report\(s\), "
                             r"1 inbox and 1 outbox", timeout=60)
        wait_for(lambda: b"ZORIGTBAATAR" not in self.raw(), 30,
                 "the old question gone from the DB and WAL")
        p = self.ctl("reports", "show", "--key", self.sec, self.closed)
        self.assertEqual(p.returncode, 1)
        self.ok("reports", "show", "--key", self.sec, self.open)
        self.assertNotIn("ZORIGTBAATAR", self.daemon.log())
        self.assertNotIn(ASKER, self.daemon.log())


# What a reporter can text to a caseworker's terminal (UCS-2 carries it
# all): an OSC 52 clipboard write ended by BEL, a CSI that clears the
# screen, the C1 CSI, the bidi controls RLO, LRI, RLM, ALM, and DEL; with
# a comma and quotes, so that CSV must quote it.
HOSTILE = ('x\x1b]52;c;SGVsbG8=\x07, "y" \x1b[2J \u009b31m '
           '\u202eevil\u2066 \u200f\u061c\x7f end')
# C0 but tab and line breaks, DEL, C1, the bidi controls: as UTF-8 bytes.
RAW = re.compile(rb'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|'
                 rb'\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]|'
                 rb'\xd8\x9c')


class Terminal(ExportBase):
    """A report with escape sequences and bidi controls, shown on a
    terminal (a pty as stdout) and written to a file."""

    def setUp(self):
        super().setUp()
        before = len(self.sent_to(REPORTER))
        self.sim.inject(REPORTER, "REPORT " + HOSTILE, encoding="ucs2")
        ack = wait_for(lambda: self.sent_to(REPORTER)[before:], 30,
                       "the ack")[0]
        self.ref = ack.text.rsplit("#", 1)[1].strip()
        # And one that is no report: the inbox keeps its text.
        self.sim.inject(ASKER, HOSTILE, encoding="ucs2")
        wait_for(lambda: self.sent_to(ASKER), 30, "the answer")

    def on_terminal(self, *args):
        """shukherctl args with a pty as stdout; what the terminal got."""
        master, slave = pty.openpty()
        proc = subprocess.Popen(
            [binary("shukherctl"), "-c", self.conf] + list(args),
            stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:          # EIO: the other end is closed
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        self.assertEqual(proc.wait(timeout=60), 0, proc.stderr.read())
        proc.stderr.close()
        return out

    def assert_nothing_raw(self, out, what):
        m = RAW.search(out)
        self.assertIsNone(m, "%s: %r reached the terminal in %r" %
                          (what, m and m.group(), out[:400]))

    def test_csv_to_a_terminal_is_shown_escaped(self):
        out = self.on_terminal("reports", "export", "--key", self.sec)
        self.assert_nothing_raw(out, "export")
        self.assertIn(b"\\x1b]52;c;SGVsbG8=\\x07", out)
        self.assertIn(b"\\u009b31m \\u202eevil\\u2066 \\u200f\\u061c\\x7f",
                      out)
        self.assertIn(self.ref.encode(), out)

    def test_csv_to_a_file_is_the_data(self):
        path = self.tmp.join("export.csv")
        with open(path, "wb") as f:
            p = subprocess.run([binary("shukherctl"), "-c", self.conf,
                                "reports", "export", "--key", self.sec],
                               stdout=f, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(path, "rb") as f:
            raw = f.read()
        # Quoted, quotes doubled, every byte as the reporter sent it.
        self.assertIn(b'"REPORT ' + HOSTILE.replace('"', '""').encode() +
                      b'"', raw)
        rows = list(csv.DictReader(io.StringIO(raw.decode(), newline="")))
        self.assertEqual(rows[0]["text"], "REPORT " + HOSTILE)
        # A pipe is not a terminal either.
        p = self.ok("reports", "export", "--key", self.sec)
        self.assertIn(HOSTILE.replace('"', '""'), p.stdout)

    def test_json_has_no_raw_controls_and_decodes_whole(self):
        out = self.on_terminal("--json", "reports", "export", "--key",
                               self.sec)
        self.assert_nothing_raw(out, "--json export")
        rows = json.loads(out.decode())
        self.assertEqual(rows[0]["text"], "REPORT " + HOSTILE)
        p = self.ok("--json", "reports", "export", "--key", self.sec)
        self.assert_nothing_raw(p.stdout.encode(), "--json to a pipe")

    def test_every_listing_on_a_terminal(self):
        for args in (("inbox",), ("reports", "list", "--key", self.sec),
                     ("reports", "show", "--key", self.sec, self.ref),
                     ("--json", "inbox"), ("--json", "reports", "show",
                                           "--key", self.sec, self.ref)):
            out = self.on_terminal(*args)
            self.assert_nothing_raw(out, " ".join(args))
            if "--json" not in args:
                self.assertIn(b"\\x1b]52", out, args)
        out = self.on_terminal("reports", "show", "--key", self.sec,
                               self.ref)
        self.assertIn(b"\\u202eevil", out)


if __name__ == "__main__":
    unittest.main()
