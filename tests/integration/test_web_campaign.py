"""The console's survey page against the real shukher-web: a bar chart per
question, the pre survey and its post survey side by side, counted as the
database holds them, a free-text question counted but never shown, and
the messages per source; only for a signed-in caseworker.
"""
import json
import os
import re
import sqlite3
import subprocess
import unittest

from harness import BUILD, ROOT, Daemon, binary
from test_web import NAME, PASSWORD, ConsoleBase

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"

QUESTIONS = """
	questions = (
	  { name = "fake_job"; type = "choice";
	    text = { mn = "А1"; en = "Q1 fake job?"; };
	    options = ( [ "боломж", "chance" ], [ "эрсдэл", "risk" ], [ "мэдэхгүй", "dont know" ] ); },
	  { name = "police"; type = "yesno"; text = { mn = "А2"; en = "Q2 102?"; }; },
	  { name = "age"; type = "number"; min = 14; max = 60; text = { mn = "А3"; en = "Q3 age?"; }; },
	  { name = "where"; type = "text"; text = { mn = "А4"; en = "Q4 where?"; }; }
	);
"""
CAMPAIGN = """
surveys = (
  { name = "know_pre"; wave = "pre"; words = [ "SURVEY" ]; %s },
  { name = "know_post"; wave = "post"; words = [ "SURVEY 2" ]; %s }
);
sources = ( { name = "darkhan_poster"; words = [ "HELP DARKHAN" ]; },
            { name = "tv_spot"; words = [ "HELP TV" ]; } );
""" % (QUESTIONS, QUESTIONS)

# (survey, state, answers: question index -> (choice, number, text))
ATTEMPTS = [
    ("know_pre", "complete", {0: (1, None, None), 1: (2, None, None),
                              2: (None, 19, None), 3: (None, None, "x1")}),
    ("know_pre", "complete", {0: (1, None, None), 1: (1, None, None),
                              2: (None, 22, None), 3: (None, None, "x2")}),
    ("know_pre", "partial", {0: (3, None, None)}),
    ("know_post", "complete", {0: (2, None, None), 1: (1, None, None),
                               2: (None, 22, None),
                               3: (None, None, "the police <b>")}),
]


class SurveyPage(ConsoleBase):
    @classmethod
    def start(cls):
        super().start()
        with open(cls.conf, "a", encoding="utf-8") as f:
            f.write(CAMPAIGN)
        rc = cls.web_proc.stop(timeout=60)
        assert rc == 0, cls.web_proc.log()
        cls.web_proc = Daemon(cls.conf, program="shukher-web")
        cls.web_proc.wait_log(r"listening on", timeout=30)
        db = sqlite3.connect(cls.db, timeout=30)
        with db:
            for survey, state, answers in ATTEMPTS:
                cur = db.execute(
                    "INSERT INTO survey_attempts (survey, wave, state, lang,"
                    " started_at, last_at, forget_at) VALUES"
                    " (?, ?, ?, 1, 1, 1, 1)", (survey, survey[5:], state))
                for q, (choice, number, text) in answers.items():
                    db.execute("INSERT INTO survey_answers VALUES"
                               " (?, ?, ?, ?, ?)",
                               (cur.lastrowid, q, choice, number, text))
            db.execute("INSERT INTO source_stats VALUES"
                       " ('2026-11-01', 'darkhan_poster', 5),"
                       " ('2026-11-02', 'darkhan_poster', 2),"
                       " ('2026-11-02', 'tv_spot', 4)")
        db.close()

    def test_bars_side_by_side(self):
        anon = self.client()
        self.assertNotEqual(anon.request("GET", "/surveys").status, 200)
        c = self.client()
        self.assertEqual(c.sign_in().status, 303)
        r = c.request("GET", "/surveys")
        self.assertEqual(r.status, 200, r.body)
        body = r.body
        self.assertIn('<a href="/surveys">Surveys and sources</a>',
                      c.request("GET", "/stats").body)
        self.assertIn("know_pre (pre): 2 complete, 1 partial, 0 open", body)
        self.assertIn("know_post (post): 1 complete, 0 partial, 0 open",
                      body)
        # One section for the pair; a chart for each question but the
        # free text, and one for the sources.
        self.assertEqual(body.count('<section class="survey">'), 1)
        charts = re.findall(r'<svg class="bars".*?</svg>', body, re.S)
        self.assertEqual(len(charts), 4)

        def bars(svg):
            """{label: (pre, post)} of a chart."""
            out = {}
            for m in re.finditer(
                    r'<text class="option"[^>]*>([^<]*)</text>'
                    r'<rect class="bar w0"[^>]*/><text class="n"[^>]*>'
                    r'(\d+)(?: \(\d+%\))?</text>(?:<rect class="bar w1"'
                    r'[^>]*/><text class="n"[^>]*>(\d+) \(\d+%\)</text>)?',
                    svg):
                out[m.group(1)] = (int(m.group(2)),
                                   int(m.group(3)) if m.group(3) else None)
            return out
        self.assertEqual(bars(charts[0]), {"1 chance": (2, 0),
                                           "2 risk": (0, 1),
                                           "3 dont know": (1, 0)})
        self.assertEqual(bars(charts[1]), {"Yes": (1, 1), "No": (1, 0)})
        self.assertEqual(bars(charts[2]), {"19": (1, 0), "22": (1, 1)})
        self.assertEqual(bars(charts[3]), {"darkhan_poster": (7, None),
                                           "tv_spot": (4, None)})
        # Pre and post as shares of their own respondents.
        self.assertIn(">2 (67%)<", charts[0])
        self.assertIn(">1 (100%)<", charts[0])
        # Free text: counted, not shown.
        self.assertIn("2 / 1 free-text answers", body)
        for t in ("x1", "x2", "the police"):
            self.assertNotIn(t, body)
        c.cookies["lang"] = "mn"
        body = c.request("GET", "/surveys").body
        self.assertIn("Судалгаа ба эх сурвалж", body)
        self.assertIn("2 бүрэн, 1 дутуу", body)

    def test_many_free_text_answers_counted(self):
        """Each distinct free text is a row of the store: 600 of them are
        all counted, and the questions around them still charted."""
        db = sqlite3.connect(self.db, timeout=30)
        ids = []
        try:
            with db:
                for i in range(600):
                    cur = db.execute(
                        "INSERT INTO survey_attempts (survey, wave, state,"
                        " lang, started_at, last_at, forget_at) VALUES"
                        " ('know_post', 'post', 'partial', 1, 1, 1, 1)")
                    ids.append(cur.lastrowid)
                    db.execute("INSERT INTO survey_answers VALUES"
                               " (?, 3, NULL, NULL, ?)",
                               (cur.lastrowid, "place %d" % i))
            c = self.client()
            self.assertEqual(c.sign_in().status, 303)
            body = c.request("GET", "/surveys").body
            self.assertIn("2 / 601 free-text answers", body)
            self.assertEqual(len(re.findall(r'<svg class="bars"', body)), 4)
        finally:
            with db:
                for table, key in (("survey_answers", "attempt_id"),
                                   ("survey_attempts", "id")):
                    db.executemany("DELETE FROM %s WHERE %s = ?"
                                   % (table, key), [(i,) for i in ids])
            db.close()

    def results(self, *args):
        p = subprocess.run([binary("shukherctl"), "-c", self.conf,
                            "surveys", "results"] + list(args),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_results_pre_against_post(self):
        """shukherctl surveys results: the pre survey beside its post
        survey, per answer, and the numbers summed up, in JSON, CSV and
        text."""
        r = json.loads(subprocess.run(
            [binary("shukherctl"), "-c", self.conf, "--json", "surveys",
             "results", "know_pre"], capture_output=True, text=True,
            timeout=60).stdout)
        self.assertEqual((r["complete"], r["partial"], r["post"]["complete"]),
                         (2, 1, 1))
        got = {(a["question"], a["answer"]): (a["count"], a["post_count"])
               for a in r["answers"]}
        self.assertEqual(got[("fake_job", "1 боломж")], (2, 0))
        self.assertEqual(got[("fake_job", "2 эрсдэл")], (0, 1))
        self.assertEqual(got[("police", "yes")], (1, 1))
        self.assertEqual(got[("age", "22")], (1, 1))
        self.assertEqual(got[("where", "the police <b>")], (0, 1))
        self.assertEqual(r["numbers"], [{"question": "age", "index": 3,
                                         "n": 2, "sum": 41, "min": 19,
                                         "max": 22}])
        csv = self.results("--csv", "know_pre").splitlines()
        self.assertEqual(csv[0], 'question,answer,"know_pre","know_post"')
        self.assertIn('"fake_job","2 эрсдэл",0,1', csv)
        text = self.results("know_pre")
        self.assertIn("survey know_post, wave post: 1 complete", text)
        self.assertIn("age (know_pre): 2 answers, mean 20.5, 19 to 22",
                      text)
        self.assertNotIn("+976", text)

    @unittest.skipUnless(HAVE_SELENIUM and os.path.exists(CHROMEDRIVER) and
                         os.path.exists(CHROMIUM),
                         "needs python3-selenium, chromium-driver and "
                         "chromium (make deps)")
    def test_in_chromium(self):
        """The page as Chromium draws it: the bars have the widths of
        their counts, nothing errs in the console; a screenshot
        (console-surveys.png in $BUILD)."""
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--window-size=1100,800",
                    "--lang=en-US"):
            opts.add_argument(arg)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        self.addCleanup(d.quit)
        d.set_page_load_timeout(60)
        base = "http://127.0.0.1:%d" % self.port
        d.get(base + "/surveys")
        d.find_element(By.CSS_SELECTOR, "#name").send_keys(NAME)
        d.find_element(By.CSS_SELECTOR, "#password").send_keys(PASSWORD)
        d.find_element(By.CSS_SELECTOR, "#signin").click()
        WebDriverWait(d, 30).until(lambda x: "/queue" in x.current_url)
        d.find_element(By.CSS_SELECTOR, 'a[href="/stats"]').click()
        WebDriverWait(d, 30).until(lambda x: "/stats" in x.current_url)
        d.find_element(By.CSS_SELECTOR, 'a[href="/surveys"]').click()
        WebDriverWait(d, 30).until(lambda x: "/surveys" in x.current_url)
        charts = d.find_elements(By.CSS_SELECTOR, "svg.bars")
        self.assertEqual(len(charts), 4)
        # The first question: pre 2, 0, 1 of 3 and post 0, 1, 0 of 1:
        # drawn as shares, 67%, 0, 33% and 0, 100%, 0.
        pre = [r.size["width"] for r in
               charts[0].find_elements(By.CSS_SELECTOR, "rect.w0")]
        post = [r.size["width"] for r in
                charts[0].find_elements(By.CSS_SELECTOR, "rect.w1")]
        self.assertEqual(len(pre), 3)
        self.assertGreater(pre[0], 0)
        self.assertAlmostEqual(pre[2] * 2, pre[0], delta=2)
        self.assertEqual(pre[1], 0)
        self.assertAlmostEqual(post[1], pre[2] * 3, delta=3)
        self.assertTrue(charts[0].is_displayed())
        h = d.execute_script("return document.documentElement.scrollHeight")
        d.set_window_size(1100, max(800, min(int(h) + 140, 6000)))
        d.save_screenshot(os.path.join(ROOT, BUILD, "console-surveys.png"))
        severe = [e for e in d.get_log("browser")
                  if e.get("level") == "SEVERE" and
                  "favicon.ico" not in e.get("message", "")]
        self.assertEqual(severe, [])


if __name__ == "__main__":
    unittest.main()
