"""Slow clients against the console: each request is cut at its deadline
(web.request_timeout), and a caseworker still signs in while they hold
the connections.
"""
import select
import socket
import time
import unittest
import urllib.parse

from test_web import NAME, PASSWORD, ConsoleBase


def trickle_sockets(port, addrs, per_addr, seconds, request, prefix=b"",
                    on_tick=None):
    """Slow clients: per_addr connections from each of addrs, each sending
    prefix at once and then request one byte a second; a connection the
    console closes is opened again at the next second (an attacker keeps
    trying). on_tick(n) is called at each second n. Returns (lifetimes of
    the connections the console closed, ages of those still open at the
    end, most bytes of request any of them got to send)."""
    conns = {}          # socket -> [opened at, bytes of request sent, addr]
    closed, most_sent, again = [], 0, []

    def open_one(addr):
        s = socket.socket()
        s.bind((addr, 0))
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        if prefix:
            s.sendall(prefix)
        s.setblocking(False)
        conns[s] = [time.monotonic(), 0, addr]

    for a in addrs:
        for _ in range(per_addr):
            open_one(a)
    end = time.monotonic() + seconds
    next_byte, tick = time.monotonic(), 0
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_byte:
            next_byte = now + 1.0
            for addr in again:
                try:
                    open_one(addr)
                except OSError:
                    pass        # refused at once: try next second
            again = []
            for s, st in list(conns.items()):
                if st[1] >= len(request):
                    continue
                try:
                    st[1] += s.send(request[st[1]:st[1] + 1])
                except OSError:
                    pass        # found closed below
            if on_tick is not None:
                on_tick(tick)
            tick += 1
        ready, _, _ = select.select(list(conns), [], [], 0.1)
        for s in ready:
            try:
                data = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                continue        # an answer: the request went through
            st = conns.pop(s)
            s.close()
            closed.append(time.monotonic() - st[0])
            most_sent = max(most_sent, st[1])
            again.append(st[2])
    ages = [time.monotonic() - st[0] for st in conns.values()]
    most_sent = max([most_sent] + [st[1] for st in conns.values()])
    for s in conns:
        s.close()
    return closed, ages, most_sent


class SlowClients(ConsoleBase):
    """Slow clients from a few addresses, more than the console's
    connections, each trickling its request a byte a second: each request
    is cut at its deadline, and a caseworker still signs in."""

    web = {"request_timeout": 3}
    SLACK = 4       # the sweep runs once a second; a loaded test machine

    def test_slow_headers_cannot_keep_a_caseworker_out(self):
        start = len(self.web_proc.log().splitlines())
        request = (b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"X-Slow: " + b"a" * 60 + b"\r\n\r\n")
        signins = []

        def sign_in(tick):
            # While the slow clients hold the console: a caseworker signs
            # in, each request answered within the deadline.
            if 2 <= tick < 6:
                c = self.client("127.0.0.1", timeout=3)
                try:
                    signins.append(c.sign_in().status)
                except OSError as e:
                    signins.append(repr(e))

        # 5 addresses x 16 (the per-address limit) = 80 > 64 connections.
        addrs = ["127.0.0.%d" % i for i in range(41, 46)]
        closed, ages, most = trickle_sockets(self.port, addrs, 16, 14,
                                             request, on_tick=sign_in)
        self.assertEqual(signins, [303] * 4)
        # No slow request outlived its deadline, and none got through.
        limit = self.web["request_timeout"] + self.SLACK
        self.assertGreater(len(closed), 80)
        self.assertLessEqual(max(closed), limit, sorted(closed)[-5:])
        self.assertLessEqual(max(ages + [0]), limit)
        self.assertLess(most, len(request))
        # The log says so in a few lines, not a line a connection.
        lines = self.web_proc.log().splitlines()[start:]
        self.assertLess(len(lines), 40, "\n".join(lines))

    def test_slow_header_is_cut_at_the_deadline_not_before(self):
        request = (b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"X-Slow: " + b"a" * 60 + b"\r\n\r\n")
        closed, ages, most = trickle_sockets(
            self.port, ["127.0.0.53", "127.0.0.54"], 2, 10, request)
        deadline = self.web["request_timeout"]
        self.assertGreaterEqual(len(closed), 4)
        self.assertGreaterEqual(min(closed), deadline)
        self.assertLessEqual(max(closed), deadline + self.SLACK)
        self.assertLessEqual(max(ages + [0]), deadline + self.SLACK)

    def test_slow_body_is_cut_at_the_deadline(self):
        c = self.client("127.0.0.51")
        token = c.csrf("/login")
        body = urllib.parse.urlencode({"csrf": token, "name": NAME,
                                       "password": PASSWORD}).encode()
        head = ("POST /login HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                "Cookie: pre=%s\r\nContent-Type: "
                "application/x-www-form-urlencoded\r\n"
                "Content-Length: %d\r\n\r\n" %
                (self.port, c.cookies["pre"], len(body))).encode()
        before = len(self.audit_rows("signin"))
        closed, ages, most = trickle_sockets(
            self.port, ["127.0.0.52"], 1, 12, body, prefix=head)
        limit = self.web["request_timeout"] + self.SLACK
        self.assertTrue(closed)
        self.assertLessEqual(max(closed), limit)
        self.assertLessEqual(max(ages + [0]), limit)
        self.assertLess(most, len(body))
        # Nothing of it was taken as a sign-in.
        self.assertEqual(len(self.audit_rows("signin")), before)


if __name__ == "__main__":
    unittest.main()
