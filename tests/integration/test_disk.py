"""The database's disk as bad luck has it: full, remounted read-only, the
file deleted or replaced under the daemon, locked by another process,
unreadable for the service's user, empty, or not a database at all.

What a technician would check, counted: SIM reads (AT+CMGL in the
simulator's log) and log lines while the disk fails, replies that were
queued before it failed still going out once, every SMS answered exactly
once when space returns, the exit code and the message of each failure,
and that nothing is ever created in place of a database that was there.

We run as root here (as in CI), so the tests mount a small tmpfs or an ext4
image of their own, and run a binary as `nobody` where permissions matter
(root ignores them). What the machine cannot do is skipped, saying why.
"""
import errno
import os
import shutil
import sqlite3
import subprocess
import time
import unittest

from harness import (Daemon, TempDir, binary, ctl, dummy_modem, make_config,
                     sim_modem, wait_for)
from sim.modemsim import ModemSim

EX_FAIL, EX_NOINPUT, EX_IOERR, EX_TEMPFAIL, EX_NOPERM = 1, 66, 74, 75, 77
REPLY_HELP = "Тусламж: 102"
WINDOW = 25                   # seconds of failure the counts are taken over


def run(*args, user=None, timeout=60):
    """One of our programs (shukherd, shukherctl) as root or as user."""
    cmd = [binary(args[0])] + list(args[1:])
    if user is not None:
        cmd = ["setpriv", "--reuid=" + user, "--regid=nogroup",
               "--clear-groups"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout)


def sh(*cmd):
    return subprocess.run(list(cmd), capture_output=True, text=True,
                          timeout=60)


class Mounted(unittest.TestCase):
    """A test directory with a file system of its own mounted in it."""

    def setUp(self):
        self.tmp = TempDir()
        os.chmod(self.tmp.path, 0o755)
        self.mnt = self.tmp.join("data")
        os.mkdir(self.mnt)
        self.mounted = False
        self.daemon = None

    def tearDown(self):
        try:
            if self.daemon is not None and self.daemon.proc.poll() is None:
                self.daemon.stop(timeout=60)
        finally:
            if self.mounted:
                if sh("umount", self.mnt).returncode != 0:
                    sh("umount", "-l", self.mnt)
            self.tmp.cleanup()

    def mount_tmpfs(self, size):
        if os.geteuid() != 0:
            self.skipTest("mounting a tmpfs needs root")
        p = sh("mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size,
               "tmpfs", self.mnt)
        if p.returncode != 0:
            self.skipTest("cannot mount a tmpfs: %s" % p.stderr.strip())
        self.mounted = True

    def mount_ext4(self, size="16M"):
        """An ext4 image that goes read-only on an error, as a card's root
        does; returns its sysfs trigger_fs_error file."""
        if os.geteuid() != 0:
            self.skipTest("mounting an ext4 image needs root")
        if shutil.which("mkfs.ext4") is None:
            self.skipTest("no mkfs.ext4 (e2fsprogs)")
        img = self.tmp.join("ext4.img")
        for cmd in (("truncate", "-s", size, img),
                    ("mkfs.ext4", "-q", "-F", img),
                    ("mount", "-o", "loop,errors=remount-ro", img,
                     self.mnt)):
            p = sh(*cmd)
            if p.returncode != 0:
                self.skipTest("%s: %s" % (cmd[0], p.stderr.strip()))
        self.mounted = True
        dev = sh("findmnt", "-no", "SOURCE", self.mnt).stdout.strip()
        trigger = "/sys/fs/ext4/%s/trigger_fs_error" % os.path.basename(dev)
        if not os.path.exists(trigger):
            self.skipTest("no %s in this kernel" % trigger)
        return trigger


class FailingDisk(Mounted):
    """The daemon on a simulated modem, its database on a small file system
    that fails under it."""

    limits = {"retry_delay": 3, "send_attempts": 10}

    def start(self):
        self.db = os.path.join(self.mnt, "shukher.db")
        self.sim = ModemSim(link=self.tmp.join("gsm-modem"))
        self.sim.start()
        self.addCleanup(self.sim.stop)
        self.conf = make_config(self.tmp.join("shukher.conf"), self.db,
                                sim_modem(self.tmp.join("gsm-modem")),
                                limits=self.limits)
        self.daemon = Daemon(self.conf)
        self.daemon.wait_log(r"modem: connected", timeout=60)

    def sent_to(self, number):
        return [s for s in self.sim.sent if s.number == number]

    def queue_unsent(self, numbers):
        """SMS from numbers, answered but not sent yet: the network refuses
        the replies for now, so they wait in the outbox for a retry."""
        self.sim.fail_sends(1000)
        for n in numbers:
            self.sim.inject(n, "тусламж")
        wait_for(lambda: len([o for o in ctl(self.db, "outbox")
                              if o["attempts"] >= 1]) == len(numbers),
                 60, "the replies queued after a refused send")

    def fail_and_count(self, fail, numbers_queued, numbers_new):
        """Makes the disk fail (fail()), sends SMS from numbers_new, and
        checks for WINDOW seconds: the queued replies go out once, the new
        SMS stay on the SIM, the SIM is not read over and over, the failure
        is logged once. Returns when the window is over."""
        log0, at0 = len(self.daemon.lines), len(self.sim.log)
        fail()
        start = time.monotonic()
        self.sim.fail_sends(0)
        for n in numbers_new:
            self.sim.inject(n, "тусламж")
        for n in numbers_queued:
            wait_for(lambda: self.sent_to(n), 60,
                     "the reply queued before the disk failed")
        time.sleep(max(0, WINDOW - (time.monotonic() - start)))
        elapsed = time.monotonic() - start
        reads = [c for c in self.sim.log[at0:]
                 if c.upper().startswith("AT+CMGL")]
        store_lines = [l for l in self.daemon.lines[log0:] if "store:" in l]
        self.assertIsNone(self.daemon.proc.poll(), self.daemon.log())
        # Before: 10,000 reads and log lines in 22 s. Now the read that
        # met the failure, and at most one more; one line, then one a
        # minute.
        self.assertLessEqual(len(reads), 2, self.daemon.log())
        self.assertGreaterEqual(len(store_lines), 1, self.daemon.log())
        self.assertLessEqual(len(store_lines), 1 + int(elapsed) // 60,
                             "\n".join(store_lines))
        self.assertIn("SMS stay on the SIM", store_lines[0])
        on_sim = sorted(m["sender"] for m in self.sim.stored())
        self.assertEqual(on_sim, sorted(numbers_new))
        for n in numbers_queued:
            self.assertEqual(len(self.sent_to(n)), 1)
        for n in numbers_new:
            self.assertEqual(self.sent_to(n), [])

    def test_full_disk_waits_keeps_sending_and_recovers(self):
        self.mount_tmpfs("3m")
        self.start()
        queued = ["+97699140001", "+97699140002"]
        new = ["+97699140003", "+97699140004", "+97699140005"]
        self.queue_unsent(queued)
        filler = os.path.join(self.mnt, "filler")

        def fill():
            with open(filler, "wb", buffering=0) as f:
                try:
                    while True:
                        f.write(b"\0" * 65536)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise

        self.fail_and_count(fill, queued, new)
        os.unlink(filler)       # space returns
        for n in new:
            wait_for(lambda: self.sent_to(n), 120,
                     "the answer once space returned")
        wait_for(lambda: not self.sim.stored(), 30, "an empty SIM")
        wait_for(lambda: all(o["state"] == "sent"
                             for o in ctl(self.db, "outbox")), 30,
                 "every send recorded")
        time.sleep(3)           # nothing more goes out
        for n in queued + new:
            self.assertEqual(len(self.sent_to(n)), 1, n)
            self.assertEqual(self.sent_to(n)[0].text, REPLY_HELP)
        out = ctl(self.db, "outbox")
        self.assertEqual(len(out), 5)
        self.assertEqual(len(ctl(self.db, "inbox")), 5)
        self.assertIn("writes work again", self.daemon.log())
        self.assertEqual(self.daemon.stop(), 0, self.daemon.log())

    def test_remounted_read_only_waits_and_keeps_sending(self):
        trigger = self.mount_ext4()
        self.start()
        queued = ["+97699140011", "+97699140012"]
        new = ["+97699140013", "+97699140014"]
        self.queue_unsent(queued)

        def remount_ro():
            with open(trigger, "w") as f:
                f.write("1")
            wait_for(lambda: sh("touch", os.path.join(self.mnt, "probe"))
                     .returncode != 0, 10, "the file system read-only")

        self.fail_and_count(remount_ro, queued, new)
        # A file system gone read-only stays so until a reboot: the daemon
        # waits, and stops cleanly, saying what it could not record.
        self.assertEqual(self.daemon.stop(), 0, self.daemon.log())
        self.assertIn("could not be recorded", self.daemon.log())


class Vanished(unittest.TestCase):
    """The database file deleted or replaced: noticed, never recreated."""

    def setUp(self):
        self.tmp = TempDir()
        self.state = self.tmp.join("state")
        os.mkdir(self.state)
        self.db = os.path.join(self.state, "shukher.db")
        self.sim = ModemSim(link=self.tmp.join("gsm-modem"))
        self.sim.start()
        self.conf = make_config(self.tmp.join("shukher.conf"), self.db,
                                sim_modem(self.tmp.join("gsm-modem")))
        self.daemon = None

    def tearDown(self):
        try:
            if self.daemon is not None and self.daemon.proc.poll() is None:
                self.daemon.stop(timeout=60)
        finally:
            self.sim.stop()
            self.tmp.cleanup()

    def start(self):
        self.daemon = Daemon(self.conf)
        self.daemon.wait_log(r"modem: connected", timeout=60)
        return self.daemon

    def assert_stops_and_keeps_sms(self, change):
        """First start in an empty state directory; then change() the file
        under the running daemon: it stops with 74, the SMS that came
        after stays on the SIM, and a restart does not make a new
        database."""
        self.start()
        self.assertIn("created", self.daemon.log())
        self.sim.inject("+97699150001", "тусламж")
        self.assertTrue(self.sim.wait_sent(1, 30), self.daemon.log())
        wait_for(lambda: not self.sim.stored(), 30, "an empty SIM")
        change()
        self.sim.inject("+97699150002", "тусламж")
        rc = self.daemon.proc.wait(timeout=60)
        self.assertEqual(rc, EX_IOERR, self.daemon.log())
        self.assertRegex(self.daemon.log(), r"error: .*no SMS is deleted")
        senders = [m["sender"] for m in self.sim.stored()]
        self.assertEqual(senders, ["+97699150002"])
        self.assertEqual(len(self.sim.sent), 1)

    def test_deleted_database_stops_the_daemon_and_is_not_recreated(self):
        self.assert_stops_and_keeps_sms(lambda: os.unlink(self.db))
        # The restart systemd would do: a clear failure, no empty file.
        p = run("shukherd", "-c", self.conf)
        self.assertEqual(p.returncode, EX_IOERR, p.stderr)
        self.assertIn("vanished", p.stderr)
        self.assertIn("shukherctl init", p.stderr)
        self.assertFalse(os.path.exists(self.db))
        p = run("shukherctl", "-d", self.db, "status")
        self.assertEqual(p.returncode, EX_NOINPUT, p.stderr)
        # Starting afresh is a deliberate act.
        p = run("shukherctl", "-d", self.db, "--json", "init")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('"created": true', p.stdout)
        self.start()
        wait_for(lambda: self.sim.wait_sent(2, 1), 60,
                 "the SMS kept on the SIM answered")
        wait_for(lambda: not self.sim.stored(), 30, "an empty SIM")

    def test_replaced_database_stops_the_daemon(self):
        backup = self.tmp.join("backup.db")

        def replace():
            shutil.copyfile(self.db, backup)
            os.rename(backup, self.db)

        self.assert_stops_and_keeps_sms(replace)
        # The replacement is a database: the restart uses it.
        self.start()
        self.assertTrue(self.sim.wait_sent(2, 60), self.daemon.log())

    def test_first_start_creates_and_init_refuses_to_replace(self):
        p = run("shukherctl", "-d", self.db, "status")
        self.assertEqual(p.returncode, EX_NOINPUT, p.stderr)
        self.assertIn("first start", p.stderr)
        self.start()
        self.daemon.stop()
        self.assertTrue(os.path.exists(self.db + ".created"))
        size = os.path.getsize(self.db)
        p = run("shukherctl", "-d", self.db, "init")
        self.assertEqual(p.returncode, EX_FAIL, p.stderr)
        self.assertIn("exists", p.stderr)
        self.assertEqual(os.path.getsize(self.db), size)


class OpenErrors(Mounted):
    """Each reason a database cannot be opened, told as what it is, with
    its own exit code, by shukherd and shukherctl alike; never "reflash"
    material, and the file never touched."""

    def setUp(self):
        super().setUp()
        self.db = os.path.join(self.mnt, "shukher.db")
        self.conf = make_config(self.tmp.join("shukher.conf"), self.db,
                                dummy_modem(self.tmp.join("dummy")))
        os.chmod(self.conf, 0o644)

    def init(self):
        p = run("shukherctl", "-d", self.db, "init")
        self.assertEqual(p.returncode, 0, p.stderr)

    def assert_refused(self, code, words, user=None):
        """shukherd and shukherctl refuse the database with code, saying
        words; the file is as it was."""
        before = open(self.db, "rb").read() if os.path.exists(self.db) \
            else None
        for prog in (("shukherd", "-c", self.conf),
                     ("shukherctl", "-d", self.db, "status")):
            with self.subTest(prog=prog[0]):
                p = run(*prog, user=user)
                self.assertEqual(p.returncode, code, p.stderr)
                for w in words:
                    self.assertIn(w, p.stderr)
                self.assertIn(self.db, p.stderr)
                self.assertNotIn("reflash", p.stderr)
        after = open(self.db, "rb").read() if os.path.exists(self.db) \
            else None
        self.assertEqual(before, after)

    def test_zero_length_file(self):
        open(self.db, "wb").close()
        self.assert_refused(EX_IOERR, ["empty file (0 bytes)",
                                       "shukherctl init"])
        self.assertFalse(os.path.exists(self.db + ".created"))

    def test_not_sqlite(self):
        with open(self.db, "wb") as f:
            f.write(b"this is not a database\n" * 100)
        self.assert_refused(EX_IOERR, ["not a shukher database",
                                       "not an SQLite file"])

    def test_another_programs_database(self):
        c = sqlite3.connect(self.db)
        c.execute("CREATE TABLE notes (x)")
        c.commit()
        c.close()
        self.assert_refused(EX_IOERR, ["not a shukher database",
                                       "another program"])

    def test_file_without_read_permission(self):
        self.init()
        os.chmod(self.db, 0o600)     # root's; the service runs as nobody
        self.assert_refused(EX_NOPERM, ["permission denied", "user nobody",
                                        "read and write the file"],
                            user="nobody")

    def test_directory_the_service_cannot_write(self):
        self.init()
        os.chown(self.db, 65534, -1)  # the file is nobody's, its dir not
        os.chmod(self.mnt, 0o755)
        self.assert_refused(EX_NOPERM, ["permission denied", "user nobody",
                                        "may not create files in " +
                                        self.mnt], user="nobody")

    def test_read_only_file_system(self):
        self.mount_tmpfs("4m")
        self.init()
        p = sh("mount", "-o", "remount,ro", self.mnt)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_refused(EX_IOERR, ["read-only file system",
                                       "not damaged"])

    def hold(self, exclusive_mode):
        """Another process's write transaction, held until released: in
        WAL mode BEGIN EXCLUSIVE keeps writers out; with locking_mode
        EXCLUSIVE, readers too."""
        c = sqlite3.connect(self.db, isolation_level=None, timeout=0)
        if exclusive_mode:
            c.execute("PRAGMA locking_mode = EXCLUSIVE")
        c.execute("BEGIN EXCLUSIVE")
        c.execute("INSERT INTO stats VALUES ('2026-01-01', 'x', 1)")
        return c

    def assert_waits_for_lock(self, exclusive_mode):
        self.init()
        c = self.hold(exclusive_mode)
        try:
            p = run("shukherctl", "-d", self.db, "status")
            if exclusive_mode:
                self.assertEqual(p.returncode, EX_TEMPFAIL, p.stderr)
                self.assertIn("locked by another process", p.stderr)
                self.assertIn("not damaged", p.stderr)
            else:   # a reader is not kept out by a writer
                self.assertEqual(p.returncode, 0, p.stderr)
            self.daemon = Daemon(self.conf)
            self.daemon.wait_log(r"locked by another process.*waiting",
                                 timeout=30)
            time.sleep(2)
            self.assertIsNone(self.daemon.proc.poll(), self.daemon.log())
            self.assertNotIn("running", self.daemon.log())
        finally:
            c.execute("COMMIT")
            c.close()
        self.daemon.wait_log(r"info: running", timeout=60)
        self.assertEqual(self.daemon.log().count("locked by another"), 1)
        self.assertEqual(self.daemon.stop(), 0, self.daemon.log())
        self.assertEqual(len(ctl(self.db, "stats")), 1)

    def test_locked_for_readers_at_start(self):
        self.assert_waits_for_lock(True)

    def test_locked_for_writers_at_start(self):
        self.assert_waits_for_lock(False)

    def test_write_command_while_another_writes(self):
        """A caseworker's write while another process holds the write
        lock past the busy timeout: told to try again (75), not an I/O
        error, and nothing queued."""
        self.init()
        c = self.hold(False)
        try:
            p = run("shukherctl", "-d", self.db, "send", "+97699110001",
                    "test")
        finally:
            c.execute("ROLLBACK")
            c.close()
        self.assertEqual(p.returncode, EX_TEMPFAIL, p.stderr)
        self.assertIn("locked by another process", p.stderr)
        self.assertIn("try again", p.stderr)
        self.assertEqual(ctl(self.db, "outbox"), [])


if __name__ == "__main__":
    unittest.main()
