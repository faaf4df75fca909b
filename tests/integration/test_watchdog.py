"""One modem, one process: systemd's watchdog is its watchdog.

shukherd is started as systemd would start it (NOTIFY_SOCKET, and
WATCHDOG_USEC as WatchdogSec sets it), on a datagram socket of the
test's. It says READY and keeps the watchdog fed; when the unit's
WatchdogSec is shorter than the longest modem call and a pass's other
work (3 * modem.timeout + 10 s), it raises it (WATCHDOG_USEC=), so that
a slow modem never gets the daemon killed; a longer one is left alone.
"""
import os
import socket

from harness import Daemon, SimGateway, wait_for

TIMEOUT = 10                      # sim_modem()'s modem.timeout
NEED_USEC = (3 * TIMEOUT + 10) * 1000000


class SystemdWatchdog(SimGateway):

    def start_notified(self, watchdog_usec):
        path = self.tmp.join("notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.said = []
        saved = dict(os.environ)
        os.environ["NOTIFY_SOCKET"] = path
        os.environ["WATCHDOG_USEC"] = str(watchdog_usec)
        os.environ.pop("WATCHDOG_PID", None)
        try:
            self.daemon = Daemon(self.conf)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.daemon.wait_log(r"modem: connected", timeout=60)

    def tearDown(self):
        try:
            super().tearDown()
        finally:
            if getattr(self, "sock", None) is not None:
                self.sock.close()

    def heard(self, what):
        """The datagrams so far that carry the line what."""
        while True:
            try:
                self.said.append(self.sock.recv(4096).decode())
            except socket.timeout:
                break
        return [d for d in self.said if what in d.split("\n")]

    def test_short_watchdog_is_raised_and_fed(self):
        self.start_notified(5000000)
        wait_for(lambda: len(self.heard("WATCHDOG=1")) >= 3, 30,
                 "three WATCHDOG=1; heard: %r" % self.said)
        self.assertTrue(self.heard("READY=1"), self.said)
        self.assertEqual(len(self.heard("WATCHDOG_USEC=%d" % NEED_USEC)), 1,
                         self.said)
        self.assertRegex(self.daemon.log(), r"watchdog: %d s, longer than "
                         r"the unit's 5 s" % (NEED_USEC // 1000000))
        # a message still goes through, the watchdog fed meanwhile
        self.sim.inject("+97699000123", "тусламж")
        wait_for(lambda: self.sent_to("+97699000123"), 30, "the reply")

    def test_long_enough_watchdog_is_left_alone(self):
        self.start_notified(NEED_USEC + 20000000)
        wait_for(lambda: len(self.heard("WATCHDOG=1")) >= 2, 30,
                 "two WATCHDOG=1; heard: %r" % self.said)
        self.assertFalse([d for d in self.said if "WATCHDOG_USEC" in d],
                         self.said)
        self.assertNotRegex(self.daemon.log(), r"watchdog:")
