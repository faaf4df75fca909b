"""The console's pages as a caseworker in Mongolia reads them, checked
over plain HTTP against the real gateway (the browser's view of the same is
test_browser.py): a report's conversation and its timeline in sentences,
a close that asks first, the queue's counts and ISO days, times with their
zone, statistics named for people, and the banner of a gateway that files
reports unencrypted.
"""
import datetime
import re
import sqlite3
import unittest
import urllib.parse

from harness import wait_for
from test_web import ConsoleBase


def tag_texts(body, css_class, tag="span"):
    """The texts, tags stripped and entities kept, of every <tag
    class="css_class"> of body (none nest in ours)."""
    return [re.sub(r"<[^>]+>", "", m) for m in
            re.findall(r'<%s class="%s"[^>]*>(.*?)</%s>' %
                       (tag, css_class, tag), body, re.S)]


class ReportPage(ConsoleBase):
    """A report as a caseworker reads it: its messages as a conversation,
    every timeline entry as a sentence in both languages, and a close
    that asks first. The queue counts reports per status and takes days
    as ISO days only; every time names its zone; the statistics name
    their keyword groups for people and mark today as partial."""

    def closing(self, c, rid, **form):
        token = c.csrf("/report/%d" % rid)
        form["csrf"] = token
        return c.request("POST", "/report/%d/close" % rid, form)

    def test_close_asks_first(self):
        ref = self.file_report("+97699113501", "they took my passport")
        rid = self.report_id(ref)
        c = self.unlocked_client()
        page = c.request("GET", "/report/%d" % rid).body
        # The close form is the danger one, apart from the others.
        self.assertRegex(page, r'<form [^>]*class="action danger"[^>]*>'
                               r'.*id="outcome".*<button id="close" '
                               r'class="danger">')
        self.assertEqual(len(re.findall(r'class="action danger"', page)), 1)
        # Without the confirmation: a page that asks, nothing closed.
        outcome = 'Referred to 1903 <b>"now"</b>'
        for confirm in (None, "", "0", "yes", "11"):
            form = {"outcome": outcome}
            if confirm is not None:
                form["confirm"] = confirm
            r = self.closing(c, rid, **form)
            self.assertEqual(r.status, 200, confirm)
            self.assertIn("Close this report?", r.body)
            self.assertIn('id="confirm-close"', r.body)
            self.assertIn('name="confirm" value="1"', r.body)
            self.assertIn('href="/report/%d"' % rid, r.body)
            # The outcome is carried as text, never as markup.
            self.assertIn('name="outcome" value="Referred to 1903 '
                          '&lt;b&gt;&quot;now&quot;&lt;/b&gt;"', r.body)
            self.assertNotIn("<b>\"now\"", r.body)
            self.assertEqual(self.report(ref)["status"], "open", confirm)
        # Confirmed: closed, once.
        r = self.closing(c, rid, outcome=outcome, confirm="1")
        self.assertEqual(r.status, 303, r.body)
        rep = self.report(ref)
        self.assertEqual(rep["status"], "closed")
        closes = [e for e in rep["timeline"] if e["kind"] == "close"]
        self.assertEqual(len(closes), 1)
        # A closed report is not asked about again: refused.
        for confirm in (None, "1"):
            form = {"outcome": "again"}
            if confirm:
                form["confirm"] = confirm
            r = self.closing(c, rid, **form)
            self.assertEqual(r.status, 409)
            self.assertNotIn('id="confirm-close"', r.body)
        self.assertNotIn('id="close"', c.request("GET", "/report/%d" %
                                                  rid).body)

    def test_conversation_and_sentences(self):
        number = "+97699113502"
        ref = self.file_report(number, "danger they keep me in Erlian")
        rid = self.report_id(ref)
        self.sim.inject(number, "#%s they moved me today" % ref)
        wait_for(lambda: any(e["kind"] == "message" for e in
                             self.report(ref).get("timeline", [])), 30,
                 "the follow-up")
        c = self.unlocked_client()
        token = c.csrf("/report/%d" % rid)
        r = c.request("POST", "/report/%d/claim" % rid, {"csrf": token})
        self.assertEqual(r.status, 303)
        r = c.request("POST", "/report/%d/note" % rid,
                      {"csrf": token, "text": "called the hotline"})
        self.assertEqual(r.status, 303)
        r = c.request("POST", "/report/%d/reply" % rid,
                      {"csrf": token, "text": "We will call you at 18:00"})
        self.assertEqual(r.status, 303)
        page = c.request("GET", "/report/%d" % rid).body
        # The conversation: the reporter's report and follow-up, the
        # gateway's acknowledgement, the caseworker's reply, in order;
        # notes and claims are not part of it.
        conv = page.split('<ol class="conversation">', 1)[1].split(
            "</ol>", 1)[0]
        turns = re.findall(r'<li class="turn (\w+)">', conv)
        self.assertEqual(turns, ["reporter", "gateway", "reporter",
                                 "caseworker"], conv)
        self.assertIn("danger they keep me in Erlian", conv)
        self.assertIn("they moved me today", conv)
        self.assertIn("We will call you at 18:00", conv)
        self.assertNotIn("called the hotline", conv)
        self.assertIn('id="report-text"', conv)
        # The timeline: one sentence per entry, each a sentence.
        entries = len(self.report(ref)["timeline"])
        for lang in ("en", "mn"):
            c.cookies["lang"] = lang
            page = c.request("GET", "/report/%d" % rid).body
            said = tag_texts(page, "what")
            self.assertEqual(len(said), entries, lang)
            for sentence in said:
                self.assertTrue(sentence[0].isupper(), sentence)
                self.assertTrue(sentence.endswith("."), sentence)
            if lang == "en":
                self.assertIn("Alert sent by SMS to oyuna.", said)
                self.assertIn("Claimed by oyuna.", said)
                self.assertIn("Note added by oyuna.", said)
                self.assertIn("The reporter wrote again by SMS.", said)
            else:
                self.assertIn("Ажилтан oyuna хариуцсан.", said)
                self.assertTrue(any("хүлээн авагч: oyuna" in x
                                    for x in said), said)
        # The reply the conversation shows is what the phone gets.
        got = wait_for(lambda: [s for s in self.sim.sent if s.number ==
                                number and "18:00" in s.text], 60,
                       "the reply")
        self.assertEqual(got[0].text, "We will call you at 18:00")

    def test_queue_counts_per_status(self):
        refs = [self.file_report("+9769911351%d" % i,
                                 ("danger " if i % 2 else "") +
                                 "job offer %d" % i) for i in range(5)]
        c = self.unlocked_client()
        ids = [self.report_id(x) for x in refs]
        token = c.csrf("/queue")
        for rid in ids[:2]:
            c.request("POST", "/report/%d/claim" % rid, {"csrf": token})
        c.request("POST", "/report/%d/close" % ids[0],
                  {"csrf": token, "confirm": "1"})
        db = sqlite3.connect(self.db, timeout=30)
        want = {
            "open": db.execute("SELECT count(*) FROM reports WHERE "
                               "status = 'open'").fetchone()[0],
            "closed": db.execute("SELECT count(*) FROM reports WHERE "
                                 "status = 'closed'").fetchone()[0],
            "unclaimed": db.execute("SELECT count(*) FROM reports WHERE "
                                    "status = 'open' AND claimed_by IS "
                                    "NULL").fetchone()[0],
            "urgent": db.execute("SELECT count(*) FROM reports WHERE "
                                 "status = 'open' AND urgent = 1")
            .fetchone()[0],
            "urgent_closed": db.execute(
                "SELECT count(*) FROM reports WHERE status = 'closed' AND "
                "urgent = 1").fetchone()[0],
        }
        db.close()
        self.assertGreaterEqual(want["closed"], 1)

        def counts(path):
            body = c.request("GET", path).body
            got = {k: int(v) for k, v in re.findall(
                r'id="count-(\w+)"[^>]*>[^<]*<b>(\d+)</b>', body)}
            got.update({k: int(v) for k, v in re.findall(
                r'<b id="count-(\w+)">(\d+)</b>', body)})
            return got

        for path in ("/queue", "/queue?status=closed", "/queue?status=any"):
            got = counts(path)
            self.assertEqual(got, {"open": want["open"],
                                   "closed": want["closed"],
                                   "any": want["open"] + want["closed"],
                                   "unclaimed": want["unclaimed"],
                                   "urgent": want["urgent"]}, path)
        # Under the urgent filter: the urgent ones only.
        got = counts("/queue?urgent=1")
        self.assertEqual(got["open"], want["urgent"])
        self.assertEqual(got["closed"], want["urgent_closed"])
        # On a phone each value carries its label.
        body = c.request("GET", "/queue?status=any").body
        for label in ("Reference", "Received", "Status", "Claimed by"):
            self.assertEqual(body.count('<span class="lbl">%s</span>' %
                                        label),
                             want["open"] + want["closed"], label)

    def test_days_are_iso_and_times_name_their_zone(self):
        self.file_report("+97699113521", "a job offer in Seoul")
        c = self.unlocked_client()
        today = datetime.date.today()
        body = c.request("GET", "/queue?status=any").body
        field = re.search(r'<input type="text" name="since"[^>]*>', body)
        self.assertIsNotNone(field, body)
        self.assertIn('pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}"', field.group(0))
        self.assertIn('placeholder="%s"' % today.isoformat(), field.group(0))
        self.assertNotIn('type="date"', body)
        # Every time shown names its zone.
        times = re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?: [^<\s]+)?",
                           body)
        self.assertTrue(times)
        for t in times:
            self.assertRegex(t, r" (UTC([+-]\d{2}(:\d{2})?)?|[A-Za-z]+)$")
        n_all = len(tag_texts(body, "lbl"))
        # An ISO day filters; the field keeps it.
        body = c.request("GET", "/queue?status=any&since=" +
                         today.isoformat()).body
        self.assertNotIn('id="bad-day"', body)
        self.assertIn('value="%s"' % today.isoformat(), body)
        tomorrow = (today + datetime.timedelta(days=1)).isoformat()
        body = c.request("GET", "/queue?status=any&since=" + tomorrow).body
        self.assertIn("No reports.", body)
        self.assertIn('id="count-any" href="/queue?status=any&amp;since=%s"'
                      % tomorrow, body)
        # Anything else is said to be no day, kept as typed (as text),
        # and filters nothing.
        for bad in ("11/30/2026", "30.11.2026", "2026-02-30", "2026-1-5",
                    "<b>x</b>", "2026-11-30'", " "):
            body = c.request("GET", "/queue?status=any&since=" +
                             urllib.parse.quote(bad)).body
            self.assertIn('id="bad-day"', body, bad)
            self.assertIn("year-month-day, for example %s." %
                          today.isoformat(), body)
            self.assertEqual(len(tag_texts(body, "lbl")), n_all, bad)
            self.assertNotIn("<b>x</b>", body)
            self.assertNotIn("since=" + bad, body)

    def test_statistics_name_groups_and_mark_today(self):
        today = datetime.date.today()
        db = sqlite3.connect(self.db, timeout=30)
        with db:
            for i in range(5):
                day = (today - datetime.timedelta(days=i)).isoformat()
                for kw, n in (("help", 9), ("jobs", 7), ("default", 3),
                              ("lang_en", 2), ("followup", 1)):
                    db.execute("INSERT INTO stats (day, keyword, count) "
                               "VALUES (?, ?, ?) ON CONFLICT(day, keyword) "
                               "DO UPDATE SET count = count + excluded.count",
                               (day, kw, n))
        db.close()
        c = self.client()
        self.assertEqual(c.sign_in().status, 303)
        body = c.request("GET", "/stats").body
        legend = tag_texts(body, "legend", "text")
        for name in ("Help", "Jobs", "Reports filed", "No keyword matched",
                     "Language set to English", "Report follow-ups"):
            self.assertIn(name, legend)
        for ident in ("help", "jobs", "report", "default", "lang_en",
                      "followup"):
            self.assertNotIn(ident, legend)
            self.assertNotIn("<td>%s</td>" % ident, body)
        self.assertIn(">Messages a day<", body)
        days = tag_texts(body, "day", "text")
        self.assertEqual(days[0], today.isoformat(), "the last day first")
        self.assertIn(">(so far)<", body)
        self.assertIn(">today, so far<", body)
        c.cookies["lang"] = "mn"
        body = c.request("GET", "/stats").body
        legend = tag_texts(body, "legend", "text")
        self.assertIn("Тусламж", legend)
        self.assertIn("Ажил", legend)
        self.assertIn(">Өдөрт ирсэн мессеж<", body)
        self.assertIn("(одоог хүртэл)", body)


class Unsealed(ConsoleBase):
    """A gateway without reports.public_key files reports in the clear:
    every page of the console says so, in both languages."""

    sealed = False

    def test_every_page_says_reports_are_unsealed(self):
        ref = self.file_report("+97699113601", "they took my passport")
        rid = self.report_id(ref)
        c = self.client()
        pages = [c.request("GET", "/login")]
        self.assertEqual(c.sign_in().status, 303)
        token = c.csrf("/queue")
        for path in ("/queue", "/report/%d" % rid, "/status", "/stats",
                     "/audit", "/unlock", "/report/999999"):
            pages.append(c.request("GET", path))
        pages.append(c.request("POST", "/report/%d/claim" % rid, {}))
        pages.append(c.request("POST", "/report/%d/close" % rid,
                               {"csrf": token}))
        for r in pages:
            self.assertEqual(r.body.count('id="unsealed"'), 1, r.body[:300])
            banner = r.body.split('id="unsealed"', 1)[1].split("</div>")[0]
            self.assertIn('<p lang="mn">Анхаар: мэдээллүүд шифрлэгдээгүй',
                          banner)
            self.assertIn('<p lang="en">Warning: reports are stored '
                          'unencrypted', banner)
            self.assertIn("reports.public_key", banner)
        # In the clear, the report reads without a key.
        self.assertIn("they took my passport", pages[2].body)


if __name__ == "__main__":
    unittest.main()
