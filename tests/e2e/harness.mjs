// The browser tests' harness: the built page (dist/) served on a random local port,
// and Chromium through playwright-core. Each test file calls useBrowser() once.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DIST, ROOT, launchChromium, serveDist } from './serve.mjs';

export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

let server;
let base;
let browser;
let home;

export function useBrowser() {
  before(async () => {
    assert.ok(fs.existsSync(path.join(DIST, 'index.html')), 'dist/ is missing: run scripts/build-web.sh first');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    ({ server, base } = await serveDist());
    ({ browser, home } = await launchChromium('kafkascope-e2e-'));
  });

  after(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r) ?? r());
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });
}

/** The served page's address (after useBrowser's before hook ran). */
export const baseUrl = () => base;

/**
 * Opens the page in a fresh browser context (no storage shared with any other page);
 * `at` is appended to the page's address (a query and/or a #run= link). Collects
 * console errors, page errors and dialogs. With `cluster: false` it waits only for the
 * page to be ready (a link that cannot be opened draws no cluster). `requests` lists the
 * address of every request the page made, from the first on.
 */
export async function open(viewport = { width: 1280, height: 800 }, { at = '', cluster = true, locale } = {}) {
  const page = await browser.newPage({ viewport, ...(locale ? { locale } : {}) });
  const problems = [];
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  const t0 = Date.now();
  await page.goto(base + at);
  await page.waitForFunction(() => window.kafkascope?.ready === true, null, { timeout: 30000 });
  if (cluster) await page.locator('.broker').first().waitFor();
  return { page, problems, requests, loadMs: Date.now() - t0 };
}

export async function produce(page, { topic = 'orders', key = '', value, acks = 'all' }) {
  await page.selectOption('#p-topic', topic);
  await page.fill('#p-key', key);
  await page.fill('#p-value', value);
  await page.selectOption('#p-acks', acks);
  await page.click('#form-produce button[type=submit]');
}

export const view = (page) => page.evaluate(() => window.kafkascope.view());
export const replicasOf = (v, topic, partition) => v.brokers.flatMap((b) => b.replicas.map((r) => ({ ...r, broker: b.id, running: b.running }))).filter((r) => r.topic === topic && r.partition === partition);

/** Waits until the page drew what the last action changed (after `ms` more, for fading dots). */
export const drawn = (page, ms = 0) => page.evaluate((wait) => new Promise((r) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(r)), wait)), ms);

/** Opens a lesson and presses Next (answering each question right) until command `upTo` is next, or the end. */
export async function playLesson(page, file, upTo = Infinity) {
  const sc = JSON.parse(fs.readFileSync(path.join(ROOT, 'www/scenarios', file), 'utf8'));
  await page.waitForFunction(() => document.querySelectorAll('#lesson-select option').length >= 15);
  await page.selectOption('#lesson-select', file);
  await page.click('#lesson-open');
  await page.waitForFunction((f) => window.kafkascope.lesson()?.file === f, file);
  for (let guard = 0; guard < 100; guard++) {
    const st = await page.evaluate(() => window.kafkascope.lesson());
    if (st.waiting) {
      const q = sc.guide.questions.find((x) => x.at === st.at);
      await page.click(`#lesson-choices button[data-choice="${q.answer}"]`);
      continue;
    }
    if (st.done || st.at >= upTo) break;
    await page.click('#lesson-next');
    await page.waitForFunction((a) => window.kafkascope.lesson().at === a + 1, st.at);
  }
  await drawn(page);
  return sc;
}
