"""The caseworkers' web console against the real gateway: shukherd on the
simulated modem, shukher-web on the same database, shukherctl to make the
account and keep the key, and a real browser (Debian's Chromium driven by
playwright-core) for the caseworker's path. Refusals are checked with
plain HTTP requests, as an attacker on the office network would send them.
"""
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import time
import unittest
import urllib.parse

from harness import (Daemon, TempDir, binary, ctl, make_config, sim_modem,
                     wait_for)
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
    """A browser-like HTTP client: keeps cookies, follows nothing."""

    def __init__(self, port, tls_ca=None):
        self.port = port
        self.ca = tls_ca
        self.cookies = {}

    def request(self, method, path, form=None, headers=None):
        if self.ca is not None:
            ctx = ssl.create_default_context(cafile=self.ca)
            conn = http.client.HTTPSConnection("127.0.0.1", self.port,
                                               context=ctx, timeout=30)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                              timeout=30)
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
    certificate. web: extra settings of the web group."""

    tls = False
    web = {}

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
        with open(cls.conf, "a", encoding="utf-8") as f:
            f.write('reports = { public_key = "%s"; caseworkers = ( '
                    '{ name = "%s"; number = "%s"; } ); '
                    'fallback = [ "%s" ]; };\n' % (cls.pub, NAME, CASEWORKER,
                                                   NAME))
            f.write("web = { %s; };\n" % items)
        cls.daemon = Daemon(cls.conf)
        cls.daemon.wait_log(r"modem: connected", timeout=60)
        p = ctlrun(cls.db, "users", "add", NAME, stdin=PASSWORD + "\n")
        assert p.returncode == 0, p.stdout + p.stderr
        p = ctlrun(cls.db, "key", "store", cls.sec, stdin=PASSPHRASE + "\n",
                   config=cls.conf)
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

    def client(self):
        return Client(self.port, self.ca)

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
    web = {"signin_attempts": 3, "signin_lockout": 600}

    def test_account_locks_after_wrong_passwords(self):
        c = self.client()
        for _ in range(3):
            self.assertEqual(c.sign_in(password="wrong one!").status, 401)
        r = c.sign_in()
        self.assertEqual(r.status, 429)
        self.assertNotIn("sid", c.cookies)
        users = ctl(self.db, "users", "list")
        self.assertTrue(users[0]["locked"], users)
