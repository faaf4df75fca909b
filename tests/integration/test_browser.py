"""The caseworker's path through the console in Debian's Chromium, driven
through WebDriver (Debian's python3-selenium and chromium-driver), over
HTTPS: sign in, see the urgent report locked, unlock it with the key's
passphrase, read it (its <script> shown as text, never run), claim it,
reply, close it, look at the statistics and
the gateway page, switch language, sign out. On the way it checks what a
caseworker in Mongolia reads: days in ISO form whatever the browser's
locale, the report's messages as a conversation and its timeline in
sentences, a close that asks first and looks unlike the other actions,
statistics with a named y axis, labelled days and today marked as partial,
and on a phone 360 px wide a header of two rows and labelled cards.
Screenshots of the queue (also at a phone's width, and at 360 px), the
report, the close confirmation and the statistics go to $BUILD
(console-queue.png, console-queue-phone.png, console-queue-360.png,
console-report.png, console-close.png, console-stats.png;
console-failure.png when a step fails).

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

    def phone_shot(self, width, name):
        """The page as a phone width px wide shows it (Chromium's device
        emulation: a desktop window cannot be made that narrow), the whole
        page in the screenshot."""
        d = self.driver
        metrics = {"width": width, "height": 800, "deviceScaleFactor": 1,
                   "mobile": True}
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        d.refresh()
        self.assertEqual(d.execute_script("return window.innerWidth"), width)
        metrics["height"] = max(800, min(int(d.execute_script(
            "return document.documentElement.scrollHeight")), 6000))
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        path = os.path.join(self.shots, name)
        d.save_screenshot(path)
        return path

    def header_rows(self):
        """The header's height, its rows (its links, buttons and name
        grouped by their top, 12 px apart at least), and whether anything
        in it is cut off."""
        return self.driver.execute_script("""
            const h = document.querySelector('header');
            const tops = [];
            for (const e of h.querySelectorAll('a, button, .who')) {
                const r = e.getBoundingClientRect();
                if (r.width > 0 && !tops.some(t => Math.abs(t - r.top) < 12))
                    tops.push(r.top);
            }
            let cut = h.scrollWidth > h.clientWidth;
            for (const e of h.children)
                cut = cut || e.scrollWidth > e.clientWidth;
            return [h.getBoundingClientRect().height, tops.length, cut];
        """)

    def sentences(self):
        return [e.text for e in self.find("ol.timeline .what")]

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
                     "console-report.png", "console-queue-phone.png",
                     "console-queue-360.png", "console-close.png"):
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

        # The "since" filter takes and shows an ISO day in a US-English
        # browser (a date field would show mm/dd/yyyy).
        today = datetime.date.today().isoformat()
        since = self.one("#since")
        self.assertEqual(since.get_attribute("type"), "text")
        self.assertEqual(since.get_attribute("placeholder"), today)
        since.send_keys(today)
        self.one("form.filters button").click()
        self.wait_url(lambda u: "since=" + today in u, "the queue since today")
        self.assertEqual(self.one("#since").get_attribute("value"), today)
        self.assertEqual(len(self.find("#bad-day")), 0)
        self.queue_row(ref)
        self.assertRegex(self.queue_row(ref).find_elements(
            By.CSS_SELECTOR, "td")[1].text, r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} "
            r"\S+$", "the time with its zone")
        counts = self.one("nav.counts").text
        self.assertRegex(counts, r"Open: \d+", "reports per status")
        self.assertRegex(counts, r"Closed: \d+")
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

        # The report's first message is the reporter's first turn.
        first = self.find("ol.conversation li.turn")[0]
        self.assertIn("reporter", first.get_attribute("class"))
        self.assertIn("паспорт", first.text)
        # Closing is set apart and coloured unlike the ordinary actions.
        colour = {el: self.one(el).value_of_css_property(prop)
                  for el, prop in (("#close", "color"),
                                   ("#claim", "background-color"),
                                   ("#send-reply", "background-color"))}
        self.assertEqual(colour["#claim"], colour["#send-reply"])
        self.assertNotEqual(colour["#close"], colour["#claim"])
        ordinary = [f for f in self.find("form.action")
                    if "danger" not in f.get_attribute("class")]
        self.assertEqual(len(ordinary), 3, "claim, note, reply")
        self.assertNotEqual(self.one("form.danger").value_of_css_property(
            "border-top-color"), ordinary[0].value_of_css_property(
            "border-top-color"))

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
        # The reply is the caseworker's turn in the conversation.
        turns = self.find("ol.conversation li.turn")
        self.assertIn("caseworker", turns[-1].get_attribute("class"))
        self.assertIn(REPLY, turns[-1].text)
        self.assertIn(NAME, turns[-1].text)
        # Every timeline entry is a sentence; who was alerted, by what.
        said = self.sentences()
        self.assertGreaterEqual(len(said), 5)
        for sentence in said:
            self.assertTrue(sentence[0].isupper() and sentence.endswith("."),
                            sentence)
        for want in ("Report filed from the reporter's SMS.",
                     "Alert sent by SMS to %s." % NAME,
                     "Claimed by %s." % NAME):
            self.assertIn(want, said)
        self.shot("console-report.png")

        # Closing asks first, on a page of its own.
        self.fill("#outcome", OUTCOME)
        self.one("#close").click()
        self.wait_url(lambda u: u.endswith("/close"), "the close to confirm")
        self.assertEqual(self.report(ref)["status"], "open",
                         "nothing closed before the confirmation")
        self.assertIn(OUTCOME, self.one("dl.report").text)
        self.shot("console-close.png")
        self.one("#confirm-close").click()
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
        # Today is partial: dashed into it, and said so under its day,
        # which is labelled, as ISO days are at a regular step.
        self.assertEqual(len(self.find("svg.chart line.so-far")), 3)
        days = [t.text for t in self.find("svg.chart text.day")]
        self.assertEqual(days[0], today)
        self.assertEqual(self.one("svg.chart text.so-far").text, "(so far)")
        self.assertEqual(self.one("svg.chart text.axis-title").text,
                         "Messages a day")
        legend = [t.text for t in self.find("svg.chart text.legend")]
        self.assertEqual(sorted(legend), ["Help", "Jobs", "Reports filed"])
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

        # A phone 360 px wide: the header in two rows at most, nothing in
        # it cut off; each card's values labelled.
        self.phone_shot(360, "console-queue-360.png")
        height, rows, cut = self.header_rows()
        self.assertLessEqual(rows, 2, "header rows at 360 px")
        self.assertLess(height, 100, "header height at 360 px")
        self.assertFalse(cut, "nothing in the header cut off at 360 px")
        cards = self.find("table.queue tbody tr")   # the open report
        self.assertEqual(len(cards), 1)
        card = cards[0].text
        for label in ("Код", "Ирсэн", "Төлөв", "Хариуцагч"):
            self.assertIn(label, card, "the card's labels on a phone")
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

        self.one("#signout").click()
        self.wait_url(lambda u: "/login" in u, "/login after sign-out")
        d.get(self.url("/queue"))
        self.assertEqual(self.path(), "/login",
                         "signed out: the queue asks for sign-in again")
        return heading


if __name__ == "__main__":
    unittest.main()
