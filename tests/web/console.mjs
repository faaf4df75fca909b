// Drives the caseworkers' console in Debian's Chromium, as a caseworker
// would: sign in, see the urgent report locked, unlock it with the key's
// passphrase, read it (its <script> shown as text, never run), claim it,
// reply, close it, look at the statistics, sign out. Screenshots of the
// queue (also on a phone's width), the report and the statistics go to
// $SHOTS.
//
// Run by tests/integration/test_web.py, which starts the gateway, the
// simulated modem and the console, and checks afterwards what the
// simulated phone received and what the database and audit log hold.
// Prints one JSON line of what it saw; exits non-zero on the first thing
// that is not as a caseworker would expect.
import { chromium } from 'playwright-core';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env('CONSOLE_URL');
const ref = env('REPORT_REF');
const shots = env('SHOTS');
const seen = { dialogs: 0, consoleErrors: [], csp: [] };

function check(cond, what) {
  if (!cond) throw new Error(`expected: ${what}`);
}

let page;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,          // the test's self-signed certificate
    viewport: { width: 1100, height: 800 },
  });
  page = await context.newPage();
  page.on('dialog', async (d) => { seen.dialogs++; await d.dismiss(); });
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    seen.consoleErrors.push(m.text());
    if (m.text().includes('Content Security Policy')) seen.csp.push(m.text());
  });

  // Signed out: every page leads to the sign-in form.
  await page.goto(`${base}/queue`);
  check(new URL(page.url()).pathname === '/login', 'redirected to /login');

  await page.fill('#name', env('CW_NAME'));
  await page.fill('#password', env('CW_PASSWORD'));
  await page.click('#signin');
  await page.waitForURL('**/queue');

  // Locked: the queue shows reference, time, urgency, never the text.
  const row = page.locator('tr', { has: page.locator(`a:text-is("${ref}")`) });
  check(await row.count() === 1, `the report ${ref} in the queue`);
  check((await row.getAttribute('class')).includes('urgent'),
    'the report marked urgent');
  const lockedText = await row.locator('td.text').innerText();
  check(!lockedText.includes('passport'), 'no report text while locked');
  const firstRef = await page.locator('table.queue tbody tr a').first()
    .innerText();
  check(firstRef === ref, `the urgent report first (got ${firstRef})`);

  // Unlock with the passphrase.
  await page.click('a[href="/unlock"]');
  await page.fill('#passphrase', env('KEY_PASSPHRASE'));
  await page.click('#unlock');
  await page.waitForURL('**/queue');
  const text = await row.locator('td.text').innerText();
  check(text.includes('passport'), `the report text once unlocked (${text})`);
  check(text.includes('<script>'), 'the <script> of the text shown as text');
  await page.screenshot({ path: `${shots}/console-queue.png`, fullPage: true });

  // The report: its text and the reporter's number, its timeline.
  await row.locator('a').first().click();
  await page.waitForURL(/\/report\/\d+$/);
  const body = await page.locator('#report-text').innerText();
  check(body.includes('<script>alert(1)</script>'),
    'the report page shows the markup as text');
  check(await page.locator('dd', { hasText: env('REPORTER') }).count() === 1,
    'the reporter\'s number once unlocked');

  await page.click('#claim');
  await page.waitForURL(/done=claim/);
  check(await page.locator('.done').count() === 1, 'claimed notice');
  check(await page.locator('dd', { hasText: env('CW_NAME') }).count() === 1,
    'claimed by the caseworker');

  await page.fill('#reply', env('REPLY_TEXT'));
  await page.click('#send-reply');
  await page.waitForURL(/done=reply/);
  check((await page.locator('ol.timeline').innerText())
    .includes(env('REPLY_TEXT')), 'the reply in the timeline');
  await page.screenshot({ path: `${shots}/console-report.png`,
    fullPage: true });

  await page.fill('#outcome', 'referred to the hotline');
  await page.click('#close');
  await page.waitForURL(/done=close/);
  check(await page.locator('#close').count() === 0,
    'no more actions on a closed report');

  // Statistics: a chart drawn on the server, in the page, no script.
  await page.click('a[href="/stats"]');
  await page.waitForURL('**/stats');
  check(await page.locator('svg.chart polyline').count() === 3,
    'a line for each of help, jobs and report');
  check(await page.locator('svg.chart circle').count() === 3 * 14,
    'a point for each of the campaign\'s fourteen days on each line');
  await page.screenshot({ path: `${shots}/console-stats.png`, fullPage: true });

  // The gateway page and the other language.
  await page.click('a[href="/status"]');
  check(await page.locator('table.outbox tbody tr').count() >= 1,
    'the outbox lists the reply');
  await page.click('a.lang');
  await page.waitForURL('**/queue');
  const heading = await page.locator('h1').innerText();
  await page.setViewportSize({ width: 390, height: 800 });
  await page.screenshot({ path: `${shots}/console-queue-phone.png`,
    fullPage: true });

  await page.click('#signout');
  await page.waitForURL('**/login');
  await page.goto(`${base}/queue`);
  check(new URL(page.url()).pathname === '/login',
    'signed out: the queue asks for sign-in again');

  check(seen.dialogs === 0, 'no script ran (no dialog)');
  console.log(JSON.stringify({ ok: true, heading, ...seen }));
} catch (e) {
  // What the caseworker would have seen when it went wrong.
  if (page) {
    console.error(`at ${page.url()}:\n${await page.locator('main').innerText()
      .catch(() => '(no page)')}`);
    await page.screenshot({ path: `${shots}/console-failure.png` })
      .catch(() => {});
  }
  throw e;
} finally {
  await browser.close();
}
