"""The caseworker's path through the console in Debian's Chromium, driven
through WebDriver (Debian's python3-selenium and chromium-driver), over
HTTPS: sign in, see the urgent report locked, unlock it with the key's
passphrase, read it (its <script> shown as text, never run), claim it,
reply, close it, look at the statistics and
the gateway page, switch language, sign out. Screenshots of the queue (also
at a phone's width), the report and the statistics go to $BUILD
(console-queue.png, console-queue-phone.png, console-report.png,
console-stats.png; console-failure.png when a step fails).

Then Python checks what the caseworker cannot see in the browser: what the
simulated phone received, and what the database and audit log hold.
"""
import datetime
import os
import shutil
import sqlite3
import unittest

from harness import BUILD, ROOT, ctl, wait_for
from test_web import (CASEWORKER, NAME, PASSPHRASE, PASSWORD, ConsoleBase)

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"

REPORTER = "+97699113355"
# A reporter writes in Mongolian Cyrillic; "АЮУЛ" (danger) makes it urgent.
# The markup must reach the caseworker as text, never run.
TEXT = ("АЮУЛ Эрээн хотын зочид буудалд паспортыг минь авчихсан "
        "<script>alert(1)</script>")
OTHER = "Дубайд ажлын санал ирсэн, сэжигтэй санагдаж байна"
REPLY = "Бид туслах болно. Аюулгүй үедээ 1800-1234 руу залгаарай."
OUTCOME = "Тусламжийн утас руу шилжүүлсэн"


@unittest.skipUnless(HAVE_SELENIUM and os.path.exists(CHROMEDRIVER) and
                     os.path.exists(CHROMIUM),
                     "needs python3-selenium, chromium-driver and chromium "
                     "(make deps)")
class Browser(ConsoleBase):
    """The caseworker's path in Chromium, over HTTPS."""

    tls = True
    # The campaign began two weeks ago: the chart runs from then to today.
    START = datetime.date.today() - datetime.timedelta(days=13)
    web = {"campaign_start": START.isoformat()}

    def file_report_mn(self, number, text):
        """Texts a report in Cyrillic from number; returns its reference."""
        before = len([s for s in self.sim.sent if s.number == number])
        self.sim.inject(number, "МЭДЭЭЛЭХ " + text)
        ack = wait_for(lambda: [s for s in self.sim.sent
                                if s.number == number][before:], 60,
                       "the acknowledgement")[0]
        return ack.text.rsplit("#", 1)[1].strip()

    def seed_history(self):
        """The counts of the campaign's first thirteen days, as the daemon
        would have kept them (statistics hold no personal data)."""
        db = sqlite3.connect(self.db, timeout=30)
        with db:
            for i in range(13):
                day = (self.START + datetime.timedelta(days=i)).isoformat()
                for kw, n in (("help", 20 + 9 * (i % 4) + i),
                              ("jobs", 8 + 5 * ((i + 2) % 3)),
                              ("report", 1 + i % 3)):
                    db.execute("INSERT INTO stats (day, keyword, count) "
                               "VALUES (?, ?, ?)", (day, kw, n))
        db.close()

    # ---- the browser ----------------------------------------------------

    def start_browser(self):
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--window-size=1100,800",
                    "--ignore-certificate-errors", "--lang=en-US"):
            opts.add_argument(arg)
        opts.set_capability("acceptInsecureCerts", True)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER),
                                       options=opts)
        self.driver.set_page_load_timeout(60)
        self.addCleanup(self.driver.quit)
        self.dialogs = 0
        self.console_errors = []

    def url(self, path):
        return "https://127.0.0.1:%d%s" % (self.port, path)

    def path(self):
        return "/" + self.driver.current_url.split("/", 3)[3].split("?")[0]

    def wait_url(self, pred, what):
        """Waits for the page after a click; counts any dialog a script
        opened (none may)."""
        self.no_dialog()
        WebDriverWait(self.driver, 30).until(
            lambda d: pred(d.current_url), "the page %s" % what)
        self.no_dialog()

    def no_dialog(self):
        try:
            alert = self.driver.switch_to.alert
        except NoAlertPresentException:
            return
        self.dialogs += 1
        alert.dismiss()

    def find(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def one(self, css):
        found = self.find(css)
        self.assertEqual(len(found), 1, "one %s on %s" % (css, self.path()))
        return found[0]

    def fill(self, css, text):
        el = self.one(css)
        el.clear()
        el.send_keys(text)

    def shot(self, name, full=True):
        """A screenshot of the whole page (the window grown to its height)."""
        d = self.driver
        if full:
            w = d.get_window_size()["width"]
            h = d.execute_script(
                "return document.documentElement.scrollHeight") or 800
            d.set_window_size(w, max(800, min(int(h) + 140, 6000)))
        path = os.path.join(self.shots, name)
        d.save_screenshot(path)
        return path

    def collect_console(self):
        for entry in self.driver.get_log("browser"):
            if entry.get("level") == "SEVERE":
                self.console_errors.append(entry.get("message", ""))

    def queue_row(self, ref):
        rows = [tr for tr in self.find("table.queue tbody tr")
                if any(a.text == ref for a in
                       tr.find_elements(By.CSS_SELECTOR, "a"))]
        self.assertEqual(len(rows), 1, "the report %s in the queue" % ref)
        return rows[0]

    # ---- the test -------------------------------------------------------

    def test_caseworker_handles_an_urgent_report(self):
        # An ordinary report first, then the urgent one: urgent goes first.
        self.file_report_mn("+97699113304", OTHER)
        ref = self.file_report_mn(REPORTER, TEXT)
        rep = self.report(ref)
        self.assertTrue(rep["urgent"])
        wait_for(lambda: [s for s in self.sim.sent
                          if s.number == CASEWORKER], 30, "the alert")
        self.seed_history()
        self.shots = os.path.join(ROOT, BUILD)
        self.start_browser()
        try:
            heading = self.caseworker_steps(ref)
        except BaseException:
            self.failure_shot()
            raise
        self.collect_console()
        csp = [m for m in self.console_errors
               if "Content Security Policy" in m]
        self.assertEqual(self.dialogs, 0, "no script ran (no dialog)")
        self.assertEqual(heading, "Мэдээллүүд")
        self.assertEqual(csp, [])

        # The reporter's phone gets the reply, from the gateway's number.
        got = wait_for(lambda: [s for s in self.sim.sent
                                if s.number == REPORTER and
                                "1800-1234" in s.text], 60, "the reply")
        self.assertEqual(got[0].text, REPLY)
        rep = self.report(ref)
        self.assertEqual(rep["status"], "closed")
        self.assertEqual(rep["claimed_by"], NAME)
        actions = {(a["action"], a["report"] if "report" in a else None)
                   for a in ctl(self.db, "audit", "--report", ref)}
        names = {a for a, _ in actions}
        for want in ("open", "claim", "reply", "close"):
            self.assertIn(want, names, actions)
        everyone = ctl(self.db, "audit")
        for want in ("signin", "unlock", "signout"):
            self.assertTrue(any(a["action"] == want and a["via"] == "web"
                                for a in everyone), want)
        for shot in ("console-queue.png", "console-stats.png",
                     "console-report.png", "console-queue-phone.png"):
            self.assertGreater(os.path.getsize(os.path.join(self.shots,
                                                            shot)), 10000)

    def failure_shot(self):
        """What the caseworker would have seen when it went wrong."""
        try:
            self.driver.save_screenshot(
                os.path.join(self.shots, "console-failure.png"))
            main = self.find("main")
            print("at %s:\n%s" % (self.driver.current_url,
                                  main[0].text if main else "(no page)"))
            print(self.web_proc.log())
        except Exception as e:       # the browser itself may be gone
            print("no failure screenshot: %s" % e)

    def caseworker_steps(self, ref):
        """The caseworker's clicks; returns the heading in Mongolian."""
        d = self.driver
        # Signed out: every page leads to the sign-in form.
        d.get(self.url("/queue"))
        self.assertEqual(self.path(), "/login")
        self.fill("#name", NAME)
        self.fill("#password", PASSWORD)
        self.one("#signin").click()
        self.wait_url(lambda u: "/queue" in u, "/queue after sign-in")

        # Locked: the queue shows reference, time, urgency, never the text.
        row = self.queue_row(ref)
        self.assertIn("urgent", row.get_attribute("class"))
        locked = row.find_element(By.CSS_SELECTOR, "td.text").text
        self.assertNotIn("паспорт", locked, "no report text while locked")
        first = self.find("table.queue tbody tr a")[0].text
        self.assertEqual(first, ref, "the urgent report first")

        # Unlock with the passphrase.
        self.one('a[href="/unlock"]').click()
        self.wait_url(lambda u: "/unlock" in u, "/unlock")
        self.fill("#passphrase", PASSPHRASE)
        self.one("#unlock").click()
        self.wait_url(lambda u: "/queue" in u, "/queue after unlock")
        text = self.queue_row(ref).find_element(By.CSS_SELECTOR,
                                                "td.text").text
        self.assertIn("паспорт", text, "the report text once unlocked")
        self.assertIn("<script>", text, "the <script> shown as text")
        self.shot("console-queue.png")

        # The report: its text and the reporter's number, its timeline.
        self.queue_row(ref).find_elements(By.CSS_SELECTOR, "a")[0].click()
        self.wait_url(lambda u: "/report/" in u, "the report")
        body = self.one("#report-text").text
        self.assertIn("<script>alert(1)</script>", body)
        self.assertIn("паспорт", body)
        self.assertEqual(len([dd for dd in self.find("dd")
                              if REPORTER in dd.text]), 1,
                         "the reporter's number once unlocked")

        self.one("#claim").click()
        self.wait_url(lambda u: "done=claim" in u, "claimed")
        self.assertEqual(len(self.find(".done")), 1, "claimed notice")
        self.assertEqual(len([dd for dd in self.find("dd")
                              if NAME in dd.text]), 1,
                         "claimed by the caseworker")

        self.fill("#reply", REPLY)
        self.one("#send-reply").click()
        self.wait_url(lambda u: "done=reply" in u, "replied")
        self.assertIn(REPLY, self.one("ol.timeline").text,
                      "the reply in the timeline")
        self.shot("console-report.png")

        self.fill("#outcome", OUTCOME)
        self.one("#close").click()
        self.wait_url(lambda u: "done=close" in u, "closed")
        self.assertEqual(len(self.find("#close")), 0,
                         "no more actions on a closed report")

        # Statistics: a chart drawn on the server, in the page, no script.
        self.one('a[href="/stats"]').click()
        self.wait_url(lambda u: u.endswith("/stats"), "/stats")
        self.assertEqual(len(self.find("svg.chart polyline")), 3,
                         "a line for each of help, jobs and report")
        self.assertEqual(len(self.find("svg.chart circle")), 3 * 14,
                         "a point for each of the campaign's fourteen days "
                         "on each line")
        self.shot("console-stats.png")

        # The gateway page and the other language.
        self.one('a[href="/status"]').click()
        self.wait_url(lambda u: u.endswith("/status"), "/status")
        self.assertGreaterEqual(len(self.find("table.outbox tbody tr")), 1,
                                "the outbox lists the reply")
        self.one("a.lang").click()
        self.wait_url(lambda u: "/queue" in u, "/queue in Mongolian")
        heading = self.one("h1").text
        d.set_window_size(390, 800)
        self.shot("console-queue-phone.png")

        self.one("#signout").click()
        self.wait_url(lambda u: "/login" in u, "/login after sign-out")
        d.get(self.url("/queue"))
        self.assertEqual(self.path(), "/login",
                         "signed out: the queue asks for sign-in again")
        return heading


if __name__ == "__main__":
    unittest.main()
