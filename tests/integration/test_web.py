"""The caseworkers' web console against the real gateway: shukherd on the
simulated modem, shukher-web on the same database, shukherctl to make the
account and keep the key. Refusals are checked with plain HTTP requests,
as an attacker on the office network would send them; the caseworker's
path in a real browser is test_browser.py.
"""
import http.client
import json
import os
import re
import socket
import sqlite3
import ssl
import subprocess
import threading
import time
import unittest
import urllib.parse

from harness import (Daemon, TempDir, binary, ctl, make_config,
                     sim_modem, wait_for)
from sim.modemsim import ModemSim

REPORTER = "+97699113355"
CASEWORKER = "+97699000001"
NAME = "oyuna"
PASSWORD = "correct horse battery"
PASSPHRASE = "caseworkers only, 2026"
TEXT = ("danger they took my passport at the Erlian hotel "
        "<script>alert(1)</script>")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ctlrun(db, *args, stdin=None, config=None):
    cmd = [binary("shukherctl"), "-d", db]
    if config is not None:
        cmd += ["-c", config]
    return subprocess.run(cmd + list(args), input=stdin,
                          capture_output=True, text=True, timeout=120)


class Client:
    """A browser-like HTTP client: keeps cookies, follows nothing. source:
    the address it connects from (any of 127.0.0.0/8 reaches the console
    on 127.0.0.1, so that tests can be several clients)."""

    def __init__(self, port, tls_ca=None, source=None, timeout=30):
        self.port = port
        self.ca = tls_ca
        self.cookies = {}
        self.source = (source, 0) if source else None
        self.timeout = timeout

    def request(self, method, path, form=None, headers=None):
        if self.ca is not None:
            ctx = ssl.create_default_context(cafile=self.ca)
            conn = http.client.HTTPSConnection(
                "127.0.0.1", self.port, context=ctx, timeout=self.timeout,
                source_address=self.source)
        else:
            conn = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout,
                source_address=self.source)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv
                                    for kv in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read().decode("utf-8", "replace")
        setc = r.headers.get_all("Set-Cookie") or []
        for c in setc:
            name, value = c.split(";", 1)[0].split("=", 1)
            if "Max-Age=0" in c:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        conn.close()
        r.body = data
        r.set_cookies = setc
        return r

    def csrf(self, path):
        m = re.search(r'name="csrf" value="([0-9a-f]+)"',
                      self.request("GET", path).body)
        return m.group(1) if m else None

    def sign_in(self, name=NAME, password=PASSWORD):
        token = self.csrf("/login")
        return self.request("POST", "/login", {"csrf": token, "name": name,
                                               "password": password})


class ConsoleBase(unittest.TestCase):
    """A gateway, a console on the same database, an account and the key
    kept in the vault. tls: serve HTTPS with a fresh self-signed
    certificate. web: extra settings of the web group. sealed: False
    files reports in the clear (no reports.public_key, no key kept)."""

    tls = False
    web = {}
    max_segments = None
    sealed = True

    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.sim = cls.daemon = cls.web_proc = None
        try:
            cls.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls):
        t = cls.tmp
        cls.db = t.join("shukher.db")
        cls.pub, cls.sec = t.join("cw.pub"), t.join("cw.key")
        p = ctlrun(cls.db, "keygen", cls.pub, cls.sec)
        assert p.returncode == 0, p.stderr
        cls.sim = ModemSim(link=t.join("gsm-modem"))
        cls.sim.start()
        cls.conf = make_config(
            t.join("shukher.conf"), cls.db,
            sim_modem(t.join("gsm-modem")))
        cls.port = free_port()
        web = {"enabled": True, "listen": "127.0.0.1", "port": cls.port,
               "language": "en"}
        web.update(cls.web)
        cls.ca = None
        if cls.tls:
            cls.ca = t.join("web.crt")
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                 "-subj", "/CN=shukher test", "-addext",
                 "subjectAltName=IP:127.0.0.1,DNS:localhost",
                 "-keyout", t.join("web.key"), "-out", cls.ca],
                check=True, capture_output=True)
            web["certificate"] = cls.ca
            web["key"] = t.join("web.key")
        items = "; ".join("%s = %s" % (k, json.dumps(v)
                                        if not isinstance(v, bool)
                                        else str(v).lower())
                          for k, v in web.items())
        if cls.max_segments is not None:
            with open(cls.conf, encoding="utf-8") as f:
                text = f.read()
            text, n = re.subn(r"(?m)^limits = \{",
                              "limits = {\n\tmax_segments = %d;" %
                              cls.max_segments, text)
            assert n == 1
            with open(cls.conf, "w", encoding="utf-8") as f:
                f.write(text)
        with open(cls.conf, "a", encoding="utf-8") as f:
            f.write('reports = { %scaseworkers = ( '
                    '{ name = "%s"; number = "%s"; } ); '
                    'fallback = [ "%s" ]; };\n' %
                    ('public_key = "%s"; ' % cls.pub if cls.sealed else "",
                     NAME, CASEWORKER, NAME))
            f.write("web = { %s; };\n" % items)
        cls.daemon = Daemon(cls.conf)
        cls.daemon.wait_log(r"modem: connected", timeout=60)
        p = ctlrun(cls.db, "users", "add", NAME, stdin=PASSWORD + "\n")
        assert p.returncode == 0, p.stdout + p.stderr
        if cls.sealed:
            p = ctlrun(cls.db, "key", "store", cls.sec,
                       stdin=PASSPHRASE + "\n", config=cls.conf)
            assert p.returncode == 0, p.stdout + p.stderr
        cls.web_proc = Daemon(cls.conf, program="shukher-web")
        cls.web_proc.wait_log(r"listening on", timeout=30)

    @classmethod
    def tearDownClass(cls):
        try:
            for proc in (cls.web_proc, cls.daemon):
                if proc is not None:
                    rc = proc.stop(timeout=60)
                    assert rc == 0, "exit %d:\n%s" % (rc, proc.log())
        finally:
            if cls.sim is not None:
                cls.sim.stop()
            cls.tmp.cleanup()

    def client(self, source=None, timeout=30):
        return Client(self.port, self.ca, source, timeout)

    def unlocked_client(self):
        """A caseworker signed in with the reports unlocked."""
        c = self.client()
        self.assertEqual(c.sign_in().status, 303)
        token = c.csrf("/unlock")
        r = c.request("POST", "/unlock", {"csrf": token,
                                          "passphrase": PASSPHRASE})
        self.assertEqual(r.status, 303, r.body)
        return c

    def audit_rows(self, prefix="signin"):
        return [a for a in ctl(self.db, "audit")
                if a["action"].startswith(prefix)]

    def file_report(self, number, text):
        """Texts a report from number; returns its reference."""
        before = len([s for s in self.sim.sent if s.number == number])
        self.sim.inject(number, "REPORT " + text)
        ack = wait_for(lambda: [s for s in self.sim.sent
                                if s.number == number][before:], 30,
                       "the acknowledgement")[0]
        return ack.text.rsplit("#", 1)[1].strip()

    def report(self, ref):
        return ctl(self.db, "reports", "show", "--key", self.sec, ref)

    def report_id(self, ref):
        return self.report(ref)["id"]


class Refusals(ConsoleBase):
    """What an attacker on the office network meets, over plain HTTP."""

    web = {"name": ["shukher.test", "console.shukher.test"]}

    def test_warns_without_tls(self):
        self.assertIn("WITHOUT TLS", self.web_proc.log())

    def test_wrong_password(self):
        c = self.client()
        r = c.sign_in(password="wrong password")
        self.assertEqual(r.status, 401)
        self.assertIn("Wrong name or password", r.body)
        self.assertNotIn("sid", c.cookies)
        # An unknown name gets the same answer as a wrong password.
        r = c.sign_in(name="nobody")
        self.assertEqual(r.status, 401)
        self.assertIn("Wrong name or password", r.body)
        audit = ctl(self.db, "audit")
        self.assertTrue(any(a["action"] == "signin-failed" and
                            a["via"] == "web" for a in audit), audit)

    def test_signin_needs_the_form_token(self):
        c = self.client()
        r = c.request("POST", "/login", {"name": NAME, "password": PASSWORD})
        self.assertEqual(r.status, 403)
        self.assertNotIn("sid", c.cookies)

    def test_session_cookie_and_headers(self):
        c = self.client()
        r = c.sign_in()
        self.assertEqual(r.status, 303)
        self.assertEqual(r.getheader("Location"), "/queue")
        sid = [h for h in r.set_cookies if h.startswith("sid=")][0]
        self.assertIn("HttpOnly", sid)
        self.assertIn("SameSite=Strict", sid)
        self.assertIn("Max-Age=", sid)
        r = c.request("GET", "/queue")
        self.assertEqual(r.status, 200)
        csp = r.getheader("Content-Security-Policy")
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff")
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertNotIn("<script", r.body)

    def test_missing_or_wrong_csrf_token_changes_nothing(self):
        ref = self.file_report("+97699113301", "a fake job offer in Seoul")
        rid = self.report_id(ref)
        c = self.client()
        c.sign_in()
        r = c.request("POST", "/report/%d/claim" % rid, {})
        self.assertEqual(r.status, 403)
        self.assertIn("did not come from this console", r.body)
        r = c.request("POST", "/report/%d/claim" % rid, {"csrf": "0" * 64})
        self.assertEqual(r.status, 403)
        # Another origin's form, even with a stolen token.
        token = c.csrf("/report/%d" % rid)
        r = c.request("POST", "/report/%d/claim" % rid, {"csrf": token},
                      headers={"Origin": "http://evil.example"})
        self.assertEqual(r.status, 403)
        self.assertIsNone(self.report(ref)["claimed_by"])
        # With the token, from here: claimed.
        r = c.request("POST", "/report/%d/claim" % rid, {"csrf": token})
        self.assertEqual(r.status, 303, r.body)
        self.assertEqual(self.report(ref)["claimed_by"], NAME)

    def test_another_host_name_is_refused(self):
        """DNS rebinding: a page of evil.example whose name now points at
        the console sends Host and Origin of evil.example, matching each
        other; neither the sign-in form nor a sign-in is served."""
        port = self.port
        for host in ("evil.example:%d" % port, "evil.example",
                     "127.0.0.1.evil.example:%d" % port,
                     "localhost.evil.example:%d" % port,
                     "shukher.test.evil.example:%d" % port,
                     "127.0.0.1:%d@evil.example" % port, ""):
            c = self.client()
            r = c.request("GET", "/login", headers={"Host": host})
            self.assertEqual(r.status, 421, host)
            self.assertNotIn('name="csrf"', r.body)
        # With a form token fetched as a browser on the real name would.
        c = self.client()
        token = c.csrf("/login")
        evil = "evil.example:%d" % port
        r = c.request("POST", "/login",
                      {"csrf": token, "name": NAME, "password": PASSWORD},
                      headers={"Host": evil, "Origin": "http://" + evil})
        self.assertEqual(r.status, 421)
        self.assertNotIn("sid", c.cookies)
        # A signed-in session's form, replayed through the other name.
        c = self.client()
        self.assertEqual(c.sign_in().status, 303)
        r = c.request("GET", "/queue", headers={"Host": evil})
        self.assertEqual(r.status, 421)
        self.assertNotIn("Report queue", r.body)

    def test_its_own_names_are_served(self):
        port = self.port
        for host in ("127.0.0.1:%d" % port, "localhost:%d" % port,
                     "shukher.test:%d" % port, "Console.Shukher.Test",
                     "shukher.test"):
            r = self.client().request("GET", "/login",
                                      headers={"Host": host})
            self.assertEqual(r.status, 200, host)
        # A sign-in through a configured name, its Origin matching.
        c = self.client()
        host = "shukher.test:%d" % port
        token = c.csrf("/login")
        r = c.request("POST", "/login",
                      {"csrf": token, "name": NAME, "password": PASSWORD},
                      headers={"Host": host, "Origin": "http://" + host})
        self.assertEqual(r.status, 303, r.body)
        # The Origin must still be the Host it came with.
        token = c.csrf("/queue")
        r = c.request("POST", "/lock", {"csrf": token},
                      headers={"Host": host,
                               "Origin": "http://127.0.0.1:%d" % port})
        self.assertEqual(r.status, 403)

    def test_no_banner_when_reports_are_sealed(self):
        c = self.client()
        pages = [c.request("GET", "/login")]
        c.sign_in()
        for path in ("/queue", "/status", "/stats", "/audit", "/x"):
            pages.append(c.request("GET", path))
        for r in pages:
            self.assertNotIn('id="unsealed"', r.body)
            self.assertNotIn("unencrypted", r.body)

    def test_report_that_does_not_exist(self):
        c = self.client()
        c.sign_in()
        r = c.request("GET", "/report/999999")
        self.assertEqual(r.status, 404)
        self.assertIn("No such report", r.body)
        token = c.csrf("/queue")
        r = c.request("POST", "/report/999999/close", {"csrf": token})
        self.assertEqual(r.status, 404)

    def test_signed_out_pages_ask_for_sign_in(self):
        c = self.client()
        r = c.request("GET", "/report/1")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.getheader("Location"), "/login")
        r = c.request("POST", "/report/1/claim", {"csrf": "x"})
        self.assertEqual(r.status, 401)

    def test_script_in_a_report_is_text(self):
        ref = self.file_report("+97699113302",
                               "help <script>alert(1)</script> "
                               "<img src=x onerror=alert(2)>")
        rid = self.report_id(ref)
        c = self.client()
        c.sign_in()
        token = c.csrf("/unlock")
        r = c.request("POST", "/unlock", {"csrf": token,
                                          "passphrase": PASSPHRASE})
        self.assertEqual(r.status, 303, r.body)
        r = c.request("GET", "/report/%d" % rid)
        self.assertEqual(r.status, 200)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", r.body)
        self.assertIn("&lt;img src=x onerror=alert(2)&gt;", r.body)
        self.assertNotIn("<script", r.body)
        self.assertNotIn("<img", r.body)

    def test_wrong_passphrase_keeps_reports_locked(self):
        ref = self.file_report("+97699113303", "my sister has not called")
        rid = self.report_id(ref)
        c = self.client()
        c.sign_in()
        token = c.csrf("/unlock")
        r = c.request("POST", "/unlock", {"csrf": token,
                                          "passphrase": "not it at all"})
        self.assertEqual(r.status, 403)
        self.assertIn("Wrong passphrase", r.body)
        r = c.request("GET", "/report/%d" % rid)
        self.assertEqual(r.status, 200)
        self.assertNotIn("sister", r.body)
        self.assertNotIn("+97699113303", r.body)
        self.assertIn(ref, r.body)

    def test_disabled_account_is_signed_out_at_once(self):
        p = ctlrun(self.db, "users", "add", "temp", stdin=PASSWORD + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        c = self.client()
        self.assertEqual(c.sign_in(name="temp").status, 303)
        self.assertEqual(c.request("GET", "/queue").status, 200)
        p = ctlrun(self.db, "users", "disable", "temp")
        self.assertEqual(p.returncode, 0, p.stderr)
        r = c.request("GET", "/queue")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.getheader("Location"), "/login")
        self.assertEqual(c.sign_in(name="temp").status, 401)

    def test_too_large_a_form(self):
        c = self.client()
        c.sign_in()
        token = c.csrf("/queue")
        r = c.request("POST", "/report/1/note", {"csrf": token,
                                                 "text": "x" * 40000})
        self.assertEqual(r.status, 413)


class RateLimit(ConsoleBase):
    def test_a_flood_from_one_address_is_slowed(self):
        c = self.client()
        codes = [c.request("GET", "/login").status for _ in range(150)]
        self.assertEqual(codes[0], 200)
        self.assertIn(429, codes)
        # The bucket refills: a browser that waits gets in again.
        time.sleep(1.5)
        self.assertEqual(c.request("GET", "/login").status, 200)


class Expiry(ConsoleBase):
    web = {"session_idle": 2, "session_max": 3600}

    def test_idle_session_expires(self):
        c = self.client()
        self.assertEqual(c.sign_in().status, 303)
        self.assertEqual(c.request("GET", "/queue").status, 200)
        token = c.csrf("/queue")
        time.sleep(3)
        r = c.request("POST", "/lock", {"csrf": token})
        self.assertEqual(r.status, 401)
        self.assertIn("session has expired", r.body)
        self.assertEqual(self.client().sign_in().status, 303)
        c2 = self.client()
        c2.sign_in()
        time.sleep(3)
        r = c2.request("GET", "/queue")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.getheader("Location"), "/login?expired=1")


class Lockout(ConsoleBase):
    """Accounts lock after wrong passwords; the answers tell an attacker
    nothing about which names exist; an address that keeps trying is
    refused. Each test signs in from addresses of its own."""

    web = {"signin_attempts": 3, "signin_lockout": 600,
           "address_attempts": 6}

    def add_user(self, name):
        p = ctlrun(self.db, "users", "add", name, stdin=PASSWORD + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)

    def user(self, name):
        return [u for u in ctl(self.db, "users", "list")
                if u["name"] == name][0]

    def test_account_locks_after_wrong_passwords(self):
        self.add_user("altan")
        c = self.client("127.0.0.11")
        for _ in range(3):
            self.assertEqual(c.sign_in("altan", "wrong one!").status, 401)
        self.assertTrue(self.user("altan")["locked"])
        # The right password now: refused, and worded exactly as an
        # unknown name is (same client, same form token).
        locked = c.sign_in("altan", PASSWORD)
        self.assertEqual(locked.status, 401)
        self.assertNotIn("sid", c.cookies)
        unknown = c.sign_in("nobody-at-all", PASSWORD)
        self.assertEqual(unknown.status, 401)
        self.assertEqual(locked.body, unknown.body)
        self.assertIn("Wrong name or password", locked.body)
        wrong = c.sign_in("altan", "another wrong one")
        self.assertEqual(wrong.body, unknown.body)
        # The audit log tells the administrator what happened.
        actions = [a["action"] for a in self.audit_rows()
                   if a["actor"] == "altan"]
        self.assertIn("signin-locked", actions)
        self.assertEqual(actions.count("signin-failed"), 3)

    def test_expired_lock_does_not_rearm_on_one_wrong_password(self):
        self.add_user("bataa")
        c = self.client("127.0.0.12")
        for _ in range(3):
            self.assertEqual(c.sign_in("bataa", "wrong one!").status, 401)
        self.assertTrue(self.user("bataa")["locked"])
        # The lock runs out (as if signin_lockout had passed).
        db = sqlite3.connect(self.db, timeout=30)
        with db:
            db.execute("UPDATE users SET locked_until = ? WHERE name = ?",
                       (int(time.time()) - 1, "bataa"))
        db.close()
        self.assertFalse(self.user("bataa")["locked"])
        c = self.client("127.0.0.13")
        # One typo after the lock: a wrong password, not a new lock.
        self.assertEqual(c.sign_in("bataa", "typo").status, 401)
        self.assertFalse(self.user("bataa")["locked"])
        self.assertEqual(c.sign_in("bataa", PASSWORD).status, 303)
        # The count starts again: the lock needs signin_attempts again.
        c = self.client("127.0.0.14")
        for i in range(3):
            self.assertFalse(self.user("bataa")["locked"], i)
            self.assertEqual(c.sign_in("bataa", "wrong one!").status, 401)
        self.assertTrue(self.user("bataa")["locked"])

    def test_tries_on_a_locked_account_count_against_the_address(self):
        self.add_user("dorj")
        c = self.client("127.0.0.15")
        for _ in range(3):
            self.assertEqual(c.sign_in("dorj", "wrong one!").status, 401)
        # Three more on the locked account: each counts for the address.
        for _ in range(3):
            self.assertEqual(c.sign_in("dorj", PASSWORD).status, 401)
        # address_attempts (6) reached: even a right password for another
        # account is refused from there...
        r = c.sign_in(NAME, PASSWORD)
        self.assertEqual(r.status, 429)
        self.assertIn("Too many attempts", r.body)
        # ...and not from elsewhere.
        self.assertEqual(self.client("127.0.0.16").sign_in().status, 303)


class SigninFlood(ConsoleBase):
    """500 wrong sign-ins from five addresses add a bounded number of
    audit rows and log lines; the count of the rest is kept."""

    ADDRS = ["127.0.0.%d" % i for i in range(31, 36)]
    EACH = 100

    def flood(self, addr, results):
        c = self.client(addr)
        token = c.csrf("/login")
        sent = 0
        while sent < self.EACH:
            r = c.request("POST", "/login",
                          {"csrf": token, "name": "guess%d" % sent,
                           "password": "password%d" % sent})
            if "Too many requests" in r.body:    # the rate limit: wait
                time.sleep(0.3)
                continue
            results.append(r.status)
            sent += 1

    def test_flood_of_wrong_signins_is_counted_not_written(self):
        start = len(self.web_proc.log().splitlines())
        results = []
        threads = [threading.Thread(target=self.flood, args=(a, results))
                   for a in self.ADDRS]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        self.assertEqual(len(results), 500)
        # 20 (address_attempts) a address reach the password check.
        self.assertEqual(results.count(401), 20 * len(self.ADDRS))
        self.assertEqual(results.count(429), 500 - 20 * len(self.ADDRS))
        rows = self.audit_rows()
        self.assertEqual(len(rows), 10, rows)       # WEB_FAIL_ROWS
        lines = self.web_proc.log().splitlines()[start:]
        self.assertLess(len([x for x in lines if "signin" in x]), 15, lines)
        # The rest is written as one row when the console stops.
        rc = self.web_proc.stop(timeout=60)
        self.assertEqual(rc, 0)
        rows = self.audit_rows()
        self.assertEqual(len(rows), 11, rows)
        summary = [a for a in rows if a["detail"]]
        self.assertEqual(len(summary), 1, rows)
        self.assertIn("490 more refused sign-ins from 5 addresses",
                      summary[0]["detail"])
        self.assertIn(summary[0]["address"], self.ADDRS)


class ReplyLimits(ConsoleBase):
    """A reply longer than limits.max_segments SMS (as the sender counts
    them) is refused before it is confirmed, by shukherctl and the
    console alike; exactly the limit goes."""

    max_segments = 4        # 612 GSM-7 or 268 UCS-2: the console's 600
                            # characters bind first for Latin text

    def outbox_to(self, number):
        """Caseworkers' replies queued to number: the acknowledgement of
        the report is another kind (and blanked only once it is sent, so
        that counting it would depend on the modem's pace)."""
        return [o for o in ctl(self.db, "outbox")
                if o["number"] == number and o["kind"] == "manual"]

    def replies(self, ref):
        rep = ctl(self.db, "reports", "show", "--key", self.sec, ref)
        return [e for e in rep.get("timeline", []) if e["kind"] == "reply"]

    def cli_reply(self, ref, text, config=True):
        return ctlrun(self.db, "reports", "reply", "--key", self.sec, ref,
                      text, config=self.conf if config else None)

    def test_cli_refuses_past_the_limit(self):
        number = "+97699113401"
        ref = self.file_report(number, "they kept my passport")
        for text in ("a" * 613, "ш" * 269, "a" * 612 + "ш", "€" * 307,
                     "😀" * 133):
            p = self.cli_reply(ref, text)
            self.assertEqual(p.returncode, 65, (len(text), p.stderr))
            self.assertIn("too long", p.stderr)
            self.assertIn("at most 4 SMS", p.stderr)
            self.assertIn("612 characters in GSM-7, 268 in UCS-2",
                          p.stderr)
        p = self.cli_reply(ref, "ш" * 269)
        self.assertIn("5 SMS (UCS-2, 269 characters)", p.stderr)
        self.assertEqual(self.outbox_to(number), [])
        # Exactly the limit: queued, and the phone gets all of it.
        p = self.cli_reply(ref, "ш" * 268)
        self.assertEqual(p.returncode, 0, p.stderr)
        got = wait_for(lambda: [s for s in self.sim.sent
                                if s.number == number and "ш" in s.text],
                       60, "the reply")
        self.assertEqual(got[0].text, "ш" * 268)

    def test_cli_without_a_config_uses_the_default_limit(self):
        number = "+97699113402"
        ref = self.file_report(number, "a job offer in Erlian")
        p = self.cli_reply(ref, "a" * 307, config=False)
        self.assertEqual(p.returncode, 65, p.stderr)
        self.assertIn("at most 2 SMS", p.stderr)
        p = self.cli_reply(ref, "a" * 306, config=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.outbox_to(number)), 1)

    def post_reply(self, c, rid, text):
        token = c.csrf("/report/%d" % rid)
        return c.request("POST", "/report/%d/reply" % rid,
                         {"csrf": token, "text": text})

    def test_console_keeps_the_text_and_says_why(self):
        number = "+97699113403"
        ref = self.file_report(number, "my sister is in Beijing")
        rid = self.report_id(ref)
        c = self.unlocked_client()
        page = c.request("GET", "/report/%d" % rid).body
        self.assertIn('maxlength="600"', page)
        self.assertIn("At most 4 SMS", page)
        cases = [("a" * 601, "601 characters, At most 600"),
                 ("ш" * 269, "5 SMS (UCS-2), At most 4 SMS"),
                 ("a" * 599 + "Ө", "9 SMS (UCS-2), At most 4 SMS"),
                 ("<b>x</b>" + "ё" * 300, "5 SMS (UCS-2)")]
        for text, why in cases:
            r = self.post_reply(c, rid, text)
            self.assertEqual(r.status, 400, text[:20])
            self.assertIn("Too long to send as SMS", r.body)
            self.assertIn(why, r.body)
            # The caseworker's text is back in the form, as text.
            m = re.search(r'<textarea name="text" id="reply"[^>]*>\n'
                          r'([^<]*)</textarea>', r.body)
            self.assertIsNotNone(m, r.body)
            self.assertEqual(m.group(1), text.replace("<", "&lt;")
                             .replace(">", "&gt;"))
        self.assertEqual(self.outbox_to(number), [])
        self.assertEqual(self.replies(ref), [])
        # Exactly the limits go: 600 characters, and 268 in Cyrillic.
        self.assertEqual(self.post_reply(c, rid, "a" * 600).status, 303)
        self.assertEqual(self.post_reply(c, rid, "ш" * 268).status, 303)
        # Line breaks as a browser sends them (CR LF) cost one character.
        self.assertEqual(self.post_reply(c, rid, "x" * 299 + "\r\n" +
                                         "y" * 300).status, 303)
        texts = sorted(o["text"] for o in self.outbox_to(number))
        self.assertEqual(texts, sorted(["a" * 600, "ш" * 268,
                                        "x" * 299 + "\n" + "y" * 300]))
        # Empty: refused in the form too.
        r = self.post_reply(c, rid, "")
        self.assertEqual(r.status, 400)
        self.assertIn("Write something first", r.body)
