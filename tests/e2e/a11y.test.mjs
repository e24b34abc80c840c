// Accessibility: axe-core (from node_modules, injected into the page) finds no
// violations on the main view, the share panel, the embed view and the link error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBrowser, open, produce, baseUrl, playLesson } from './harness.mjs';

useBrowser();

const AXE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/axe-core/axe.min.js');

async function violations(page) {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${n.failureSummary.split('\n').slice(1, 2).join('')}`) }));
  });
  return found;
}

const show = (vs) => vs.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n');

/** A page with something in every part: a consumer group, records, a stopped broker, a fork. */
async function busy(page) {
  await page.evaluate(() => window.kafkascope.apply({ cmd: 'start_consumer', name: 'c1', group: 'g1', topics: ['orders'], config: { 'auto.offset.reset': 'earliest' } }));
  await produce(page, { key: 'a', value: 'one' });
  await page.evaluate(() => window.kafkascope.runFor(8000));
  await page.evaluate(() => window.kafkascope.apply({ cmd: 'poll', consumer: 'c1' }));
  await page.click('button[aria-label="Stop broker 2"]');
  await page.evaluate(() => window.kafkascope.runFor(20000));
  const head = await page.evaluate(() => window.kafkascope.head());
  await page.evaluate((s) => window.kafkascope.seek(s), head - 40);
  await produce(page, { key: 'b', value: 'forked' });
  await page.evaluate(() => window.kafkascope.runFor(500));
}

test('axe finds no violations on the main view (English and Korean), with the share panel open', async () => {
  const { page, problems } = await open();
  await busy(page);
  for (const lang of ['en', 'ko']) {
    await page.selectOption('#lang', lang);
    await page.waitForTimeout(100);
    const main = await violations(page);
    assert.equal(main.length, 0, `main view (${lang}):\n${show(main)}`);
  }
  await page.click('#share > summary');
  await page.waitForFunction(() => document.getElementById('share-link').value !== '');
  const share = await violations(page);
  assert.equal(share.length, 0, `share panel:\n${show(share)}`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('axe finds no violations on the embed view and on a link error', async () => {
  const { page } = await open();
  await busy(page);
  const link = await page.evaluate(() => window.kafkascope.link({ embed: true }));
  await page.close();
  const e = await open({ width: 800, height: 450 }, { at: link.slice(baseUrl().length) });
  const embed = await violations(e.page);
  assert.equal(embed.length, 0, `embed view:\n${show(embed)}`);
  assert.deepEqual(e.problems, []);
  await e.page.close();
  const bad = await open({ width: 800, height: 450 }, { at: '#run=99.x', cluster: false });
  const err = await violations(bad.page);
  assert.equal(err.length, 0, `link error:\n${show(err)}`);
  await bad.page.close();
});

test('every control has a name and the narration has a live region', async () => {
  const { page } = await open();
  const unnamed = await page.$$eval('button, input, select, summary, textarea', (els) => els
    .filter((e) => e.offsetParent !== null || e.tagName === 'SUMMARY')
    .filter((e) => {
      const name = e.getAttribute('aria-label') || e.labels?.[0]?.textContent?.trim() || e.textContent.trim() || e.getAttribute('aria-labelledby');
      return !name;
    })
    .map((e) => e.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, []);
  assert.equal(await page.locator('.caption-panel #live[aria-live="polite"]').count(), 1);
  await page.click('#btn-step');
  await page.waitForFunction(() => document.getElementById('live').textContent.length > 0);
  await page.close();
});

test('axe finds no violations with a lesson open at its answered question, and the take-away panel and metrics shown', async () => {
  const { page, problems } = await open();
  await page.selectOption('#lesson-select', '04-failover.json');
  await page.click('#lesson-open');
  await page.waitForFunction(() => window.kafkascope.lesson()?.file === '04-failover.json');
  for (let i = 0; i < 7; i++) await page.click('#lesson-next');
  await page.locator('#lesson-q').waitFor();
  const asked = await violations(page);
  assert.equal(asked.length, 0, `lesson question:\n${show(asked)}`);
  await page.click('#lesson-choices button[data-choice="1"]');
  await page.click('#files-panel > summary');
  for (const lang of ['en', 'ko']) {
    await page.selectOption('#lang', lang);
    await page.waitForTimeout(100);
    const found = await violations(page);
    assert.equal(found.length, 0, `lesson answered (${lang}):\n${show(found)}`);
  }
  for (let i = 0; i < 3; i++) await page.click('#lesson-next');
  await page.locator('#lesson-done').waitFor();
  const done = await violations(page);
  assert.equal(done.length, 0, `lesson finished:\n${show(done)}`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('axe finds no violations with the schema registry, a poison pill, a refused schema and the byte panel open', async () => {
  const { page, problems } = await open();
  await playLesson(page, '13-poison-pill.json', 15);
  await page.locator('.pill').waitFor();
  const pill = await violations(page);
  assert.equal(pill.length, 0, `poison pill:\n${show(pill)}`);
  await playLesson(page, '14-schema-refused.json');
  await page.locator('.registry .refusal').waitFor();
  const refused = await violations(page);
  assert.equal(refused.length, 0, `refused schema:\n${show(refused)}`);
  await playLesson(page, '15-schema-evolution.json');
  await page.locator('.replica[data-tp="users-0"][data-role="leader"] .cell[data-offset="1"]').click();
  await page.locator('#bytes').waitFor();
  for (const lang of ['en', 'ko']) {
    if (lang === 'ko') {
      await page.keyboard.press('Escape');
      await page.selectOption('#lang', 'ko');
      await page.locator('.replica[data-tp="users-0"][data-role="leader"] .cell[data-offset="0"]').click();
      await page.locator('#bytes').waitFor();
    }
    const panel = await violations(page);
    assert.equal(panel.length, 0, `byte panel (${lang}):\n${show(panel)}`);
  }
  assert.deepEqual(problems, []);
  await page.close();
});
