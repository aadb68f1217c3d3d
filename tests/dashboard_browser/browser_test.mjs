// The dashboard in Debian's chromium, driven by playwright-core (run.sh sets
// it up: DASH_URL is a serve on 127.0.0.1, PUSH_WEIGHT a script that pushes
// a status commit setting test/podinfo's weight, ARTIFACTS the screenshot
// directory). Checks, each reported on one line:
//   - the overview table shows test/podinfo;
//   - a pushed status commit changes its weight on the page within 5 s, with
//     no reload (window.__loadId, set once per load, is unchanged);
//   - the canary named <script>alert(1)</script> is shown as that text, and
//     no dialog opens, on the overview and on its own page;
//   - the canary page shows the chart, the decisions and operator commands;
//   - without EventSource the page falls back to polling and still follows;
//   - every request the page makes goes to 127.0.0.1 (all are intercepted
//     and logged; any other host is aborted and fails the test);
//   - no Content-Security-Policy violation or script error.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.GITCANARY_TEST_PLAYWRIGHT);
const base = process.env.DASH_URL;
const artifacts = process.env.ARTIFACTS;
const XSS = '<script>alert(1)</script>';

const failures = [];
function check(ok, what) {
  console.log((ok ? 'ok    ' : 'FAIL  ') + what);
  if (!ok) failures.push(what);
}

const browser = await chromium.launch({
  executablePath: process.env.GITCANARY_TEST_CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const requests = [], outside = [], dialogs = [], problems = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    if (new URL(url).hostname !== '127.0.0.1') {
      outside.push(url);
      return route.abort();
    }
    return route.continue();
  });
  const page = await context.newPage();
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });

  // Overview.
  await page.goto(base + '/');
  await page.waitForSelector('table.canaries tbody tr', { timeout: 10000 });
  const ids = await page.$$eval('table.canaries tbody tr', (rows) => rows.map((r) => r.dataset.id));
  check(ids.includes('test/podinfo'), 'the overview table shows test/podinfo (rows: ' + JSON.stringify(ids) + ')');
  const names = await page.$$eval('td.name a', (as) => as.map((a) => a.textContent));
  check(names.includes(XSS), 'the canary named ' + XSS + ' is shown as that text');
  check(await page.$$eval('script', (s) => s.length) === 1, 'the page holds only its own script element');
  await page.screenshot({ path: path.join(artifacts, 'overview.png'), fullPage: true });

  // Live update: push a status commit, wait for the new weight without a reload.
  const loadId = await page.evaluate(() => window.__loadId);
  const weightOf = () => page.$eval('tr[data-id="test/podinfo"] .weight', (e) => e.textContent);
  const before = await weightOf();
  execFileSync(process.env.PUSH_WEIGHT, ['30'], { stdio: 'inherit' });
  const pushed = Date.now();
  let seen = false;
  try {
    await page.waitForFunction(() => {
      const w = document.querySelector('tr[data-id="test/podinfo"] .weight');
      return w && w.textContent === '30%';
    }, null, { timeout: 5000, polling: 50 });
    seen = true;
  } catch (e) { /* reported below */ }
  const took = Date.now() - pushed;
  check(seen, `the pushed weight (${before} -> 30%) shows within 5 s (${took} ms)`);
  check(await page.evaluate(() => window.__loadId) === loadId, 'no reload: window.__loadId is unchanged');
  await page.screenshot({ path: path.join(artifacts, 'overview-after-push.png'), fullPage: true });

  // The canary page.
  await page.click('tr[data-id="test/podinfo"] td.name a');
  await page.waitForSelector('table.decisions tbody tr', { timeout: 10000 });
  check((await page.textContent('h1')) === 'test/podinfo', 'the canary page is test/podinfo');
  const commands = await page.$$eval('pre.command', (p) => p.map((e) => e.textContent));
  check(commands.some((c) => c.startsWith('gitcanary abort test/podinfo --repo ')),
    'the operator commands for Progressing are shown: ' + JSON.stringify(commands));
  const decisions = await page.$$eval('table.decisions tbody tr', (rows) => rows.length);
  check(decisions >= 3, `the decisions are listed (${decisions} rows)`);
  const firstWeight = await page.$eval('table.decisions tbody tr td.num', (e) => e.textContent);
  check(firstWeight === '30%', 'newest decision first (weight ' + firstWeight + ')');
  const links = await page.$$eval('table.decisions a', (as) => as.map((a) => a.href));
  check(links.length > 0 && links.every((h) => /^https:\/\/git\.example\.com\/org\/repo\/commit\/[0-9a-f]{40}$/.test(h)),
    'commits are linked through --commit-url (' + links.length + ' links)');
  await page.waitForFunction(() => { const i = document.querySelector('img.chart'); return i && i.complete && i.naturalWidth > 0; },
    null, { timeout: 5000 });
  check(true, 'the timeline chart is shown');
  await page.screenshot({ path: path.join(artifacts, 'canary.png'), fullPage: true });

  // The canary with the script name, on its own page.
  await page.goto(base + '/canary/test/' + encodeURIComponent(XSS));
  await page.waitForSelector('h1', { timeout: 10000 });
  await page.waitForFunction(() => document.querySelector('h1').textContent.startsWith('test/'), null, { timeout: 5000 });
  check((await page.textContent('h1')) === 'test/' + XSS, 'its page title is the literal text');
  await page.screenshot({ path: path.join(artifacts, 'canary-script-name.png'), fullPage: true });

  // Without EventSource the page polls, and still follows a push.
  const polling = await context.newPage();
  polling.on('pageerror', (e) => problems.push('page error (polling): ' + e.message));
  await polling.addInitScript(() => { delete window.EventSource; });
  await polling.goto(base + '/');
  await polling.waitForSelector('tr[data-id="test/podinfo"] .weight', { timeout: 10000 });
  check((await polling.textContent('#live')) === 'live (polling)', 'without EventSource the page polls');
  execFileSync(process.env.PUSH_WEIGHT, ['40'], { stdio: 'inherit' });
  const polled = Date.now();
  let followed = false;
  try {
    await polling.waitForFunction(() => {
      const w = document.querySelector('tr[data-id="test/podinfo"] .weight');
      return w && w.textContent === '40%';
    }, null, { timeout: 5000, polling: 50 });
    followed = true;
  } catch (e) { /* reported below */ }
  check(followed, `polling, the pushed weight 40% shows within 5 s (${Date.now() - polled} ms)`);
  await polling.close();

  check(dialogs.length === 0, 'no dialog opened ' + JSON.stringify(dialogs));
  check(outside.length === 0, `no request outside 127.0.0.1 (${requests.length} requests, outside: ${JSON.stringify(outside)})`);
  check(requests.every((u) => new URL(u).host === new URL(base).host), 'every request went to the dashboard itself');
  check(problems.length === 0, 'no script error or CSP violation ' + JSON.stringify(problems));
} finally {
  await browser.close();
}
if (failures.length) {
  console.log(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('all checks passed; screenshots in ' + artifacts);
