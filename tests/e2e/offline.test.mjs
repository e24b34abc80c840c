// dist/kafkascope.html, the one-file playground (scripts/offline.mjs), opened from disk
// with every network request blocked: it draws the cluster, plays a lesson (one that needs
// the Avro build too), takes ?lang= and opens a #run= link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, ROOT, launchChromium } from './serve.mjs';

const FILE = path.join(DIST, 'kafkascope.html');
let browser;
let home;

before(async () => {
  assert.ok(fs.existsSync(FILE), 'dist/kafkascope.html is missing: run scripts/build-web.sh first');
  ({ browser, home } = await launchChromium('kafkascope-offline-'));
});
after(async () => {
  await browser?.close();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

/** Opens the file with `at` (a query and/or hash) appended, every request not for that file refused. */
async function openFile(at = '') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  const refused = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(pathToFileURL(FILE).href)) return route.continue();
    refused.push(url);
    return route.abort();
  });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(pathToFileURL(FILE).href + at);
  await page.waitForFunction(() => window.kafkascope?.ready === true, null, { timeout: 30000 });
  return { context, page, problems, refused };
}

test('opened from disk with no network, the one file draws the cluster and plays a lesson through', async () => {
  const { context, page, problems, refused } = await openFile('?lang=ko');
  await page.locator('.broker').first().waitFor();
  assert.equal(await page.locator('.broker').count(), 3);
  assert.equal(await page.getAttribute('html', 'lang'), 'ko');
  await page.waitForFunction(() => document.querySelectorAll('#lesson-select option').length >= 15);
  const sc = JSON.parse(fs.readFileSync(path.join(ROOT, 'www/scenarios/04-failover.json'), 'utf8'));
  await page.selectOption('#lesson-select', '04-failover.json');
  await page.click('#lesson-open');
  for (let guard = 0; guard < 40; guard++) {
    const st = await page.evaluate(() => window.kafkascope.lesson());
    if (st.done) break;
    if (st.waiting) {
      const q = sc.guide.questions.find((x) => x.at === st.at);
      await page.click(`#lesson-choices button[data-choice="${q.answer}"]`);
    } else {
      await page.click('#lesson-next');
    }
  }
  assert.equal((await page.evaluate(() => window.kafkascope.lesson())).done, true, 'the lesson finished');
  const v = await page.evaluate(() => window.kafkascope.view());
  assert.equal(v.partitions.find((p) => p.topic === 'orders' && p.partition === 0).leader, 3);
  assert.deepEqual(refused, [], 'nothing was fetched from anywhere');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the one file runs a lesson that needs the Avro build, and opens a #run= link of it', async () => {
  const { context, page, problems, refused } = await openFile();
  await page.waitForFunction(() => document.querySelectorAll('#lesson-select option').length >= 15);
  await page.selectOption('#lesson-select', '14-schema-refused.json');
  await page.click('#lesson-open');
  for (let guard = 0; guard < 40; guard++) {
    const st = await page.evaluate(() => window.kafkascope.lesson());
    if (st.done) break;
    if (st.waiting) await page.click('#lesson-choices button[data-choice="0"]');
    else await page.click('#lesson-next');
  }
  await page.locator('.registry .refusal').waitFor();
  assert.equal(await page.getAttribute('body', 'data-engine'), 'avro');
  const link = await page.evaluate(() => window.kafkascope.link());
  assert.ok(link.startsWith('file:'), link);
  await context.close();
  const again = await openFile(link.slice(link.indexOf('#')));
  await again.page.locator('.registry .refusal').waitFor();
  assert.deepEqual([...refused, ...again.refused], []);
  assert.deepEqual([...problems, ...again.problems], []);
  await again.context.close();
});
