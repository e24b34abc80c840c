// Rewind, fork, links and embedding in the page: the engine holds the run (a timeline);
// the page redraws from it at any step, and a link replays it exactly elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, open, produce, view, baseUrl, ARTIFACTS } from './harness.mjs';
import { encodeRun, decodeRun } from '../../www/link.js';

useBrowser();

/** Waits until the page drew what the last action changed (it redraws on the next animation frame). */
const drawn = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const stepNow = (page) => page.evaluate(() => window.kafkascope.stepNow());
const headOf = (page) => page.evaluate(() => window.kafkascope.head());
const viewJson = async (page) => JSON.stringify(await view(page));

async function runSeconds(page, s) {
  await page.fill('#run-secs', String(s));
  await page.click('#btn-run');
  await drawn(page);
}

/** A run with some history: records, a consumer group, a broker stopped and started. */
async function busyRun(page) {
  await page.evaluate(() => window.kafkascope.apply({ cmd: 'start_consumer', name: 'c1', group: 'g1', topics: ['orders'], config: { 'auto.offset.reset': 'earliest' } }));
  for (const [key, value] of [['a', 'one'], ['b', 'two'], ['c', 'three']]) await produce(page, { key, value });
  await runSeconds(page, 8);
  await page.evaluate(() => window.kafkascope.apply({ cmd: 'poll', consumer: 'c1' }));
  await page.click('button[aria-label="Stop broker 2"]');
  await produce(page, { key: 'd', value: 'four' });
  await runSeconds(page, 20);
  await page.click('button[aria-label="Restart broker 2"]');
  await runSeconds(page, 5);
}

/** Moves the range input as a person does (keyboard on the focused slider). */
async function scrubTo(page, step) {
  await page.$eval('#scrub', (r, s) => { r.value = String(s); r.dispatchEvent(new Event('input', { bubbles: true })); }, step);
  await page.waitForFunction((s) => window.kafkascope.stepNow() === s, step);
  await drawn(page);
}

test('scrubbing back and forward lands on identical engine states, and the picture follows', async () => {
  const { page, problems } = await open();
  await busyRun(page);
  const head = await headOf(page);
  const atHead = await viewJson(page);
  assert.ok(head > 300, `a run with history (${head} steps)`);
  // Walk forward one step at a time from a middle step, keeping each state.
  const from = Math.floor(head / 2);
  await scrubTo(page, from);
  const seen = new Map([[from, await viewJson(page)]]);
  await page.locator('#btn-play').focus();
  for (let i = 1; i <= 12; i++) {
    await page.keyboard.press('ArrowRight');
    assert.equal(await stepNow(page), from + i, '→ steps forward along the recorded run');
    seen.set(from + i, await viewJson(page));
  }
  // …then back with ←: every state is the one seen on the way forward.
  for (let i = 11; i >= 0; i--) {
    await page.keyboard.press('ArrowLeft');
    assert.equal(await stepNow(page), from + i);
    assert.equal(await viewJson(page), seen.get(from + i), `step ${from + i} after stepping back`);
  }
  // Scrub far away and back, in a jumbled order.
  for (const s of [3, head - 1, 0, from + 7, Math.floor(head / 3), from + 3, head]) {
    await scrubTo(page, s);
    const v = await view(page);
    assert.equal(v.step, s);
    if (seen.has(s)) assert.equal(JSON.stringify(v), seen.get(s), `step ${s} after scrubbing`);
    assert.equal(await page.$eval('#scrub', (r) => Number(r.value)), s, 'the slider shows the step');
    const shown = await page.$$eval('.broker', (els) => els.length);
    assert.equal(shown, v.brokers.length);
  }
  assert.equal(await viewJson(page), atHead, 'back at the last step, the run is as it was');
  // At step 0 the picture is the one before anything happened: no topic drawn, no records.
  await scrubTo(page, 0);
  assert.equal(await page.locator('.replica').count(), 0, 'at step 0 no replica is drawn');
  assert.match(await page.locator('#clock').innerText(), /step 0 \/ \d+/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('acting at an earlier step forks the run there, and the timeline marks it', async () => {
  const { page, problems } = await open();
  await busyRun(page);
  const head = await headOf(page);
  const at = Math.floor(head / 3);
  await scrubTo(page, at);
  assert.match(await page.locator('#clock').innerText(), /acting here forks it/);
  await produce(page, { key: 'fork', value: 'a new future' });
  await drawn(page);
  assert.equal(await headOf(page), at, 'the old future is gone');
  assert.deepEqual(await page.evaluate(() => window.kafkascope.forks()), [at]);
  assert.match(await page.locator('#status').innerText(), new RegExp(`forked at step ${at}`));
  assert.equal(await page.locator(`#fork-marks button[data-step="${at}"]`).count(), 1, 'a fork mark');
  await runSeconds(page, 2);
  const v = await view(page);
  assert.ok(v.brokers.some((b) => b.replicas.some((r) => r.records.some((x) => x.value === 'a new future'))), 'the new record is in the new future');
  assert.ok(v.step > at);
  // The fork mark takes you back there.
  await page.locator(`#fork-marks button[data-step="${at}"]`).click();
  await page.waitForFunction((s) => window.kafkascope.stepNow() === s, at);
  assert.deepEqual(problems, []);
  await page.close();
});

test('Space plays and pauses; the keys leave text fields alone', async () => {
  const { page, problems } = await open();
  await page.locator('#scrub').focus();
  await page.keyboard.press('Space');
  assert.equal(await page.getAttribute('#btn-play', 'aria-pressed'), 'true');
  await page.waitForTimeout(400);
  await page.keyboard.press('Space');
  assert.equal(await page.getAttribute('#btn-play', 'aria-pressed'), 'false');
  const before = await stepNow(page);
  await page.locator('#p-value').focus();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Space');
  assert.equal(await stepNow(page), before, 'typing in a field does not step or play');
  assert.equal(await page.getAttribute('#btn-play', 'aria-pressed'), 'false');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a link copied mid-run opens in a fresh browser context on the same engine state', async () => {
  const { page, problems } = await open();
  await busyRun(page);
  await page.selectOption('#lang', 'ko');
  await page.selectOption('#speed', '30');
  const head = await headOf(page);
  const mid = Math.floor((head * 2) / 3);
  await scrubTo(page, mid);
  await page.click('#share > summary');
  await page.waitForFunction(() => document.getElementById('share-link').value.includes('#run=1.'));
  const link = await page.inputValue('#share-link');
  const snippet = await page.inputValue('#share-snippet');
  assert.match(snippet, /^<iframe src="[^"]+\?embed=1#run=1\.[A-Za-z0-9_-]+" width="800" height="450" title="[^"]+" style="border:0" loading="lazy"><\/iframe>$/);
  const want = { view: await viewJson(page), log: await page.evaluate(() => JSON.stringify(window.kafkascope.log())) };
  console.log(`# a link to a ${head}-step run: ${link.length} characters`);

  const fresh = await open({ width: 1280, height: 800 }, { at: link.slice(baseUrl().length) });
  assert.equal(await stepNow(fresh.page), mid);
  assert.equal(await headOf(fresh.page), head, 'the future after the step shown is there too');
  assert.equal(await viewJson(fresh.page), want.view, 'the same engine state');
  assert.equal(await fresh.page.evaluate(() => JSON.stringify(window.kafkascope.log())), want.log, 'the same log');
  assert.equal(await fresh.page.getAttribute('html', 'lang'), 'ko', 'the language came along');
  assert.equal(await fresh.page.inputValue('#speed'), '30', 'the speed came along');
  // Both go on identically.
  for (const p of [page, fresh.page]) await p.evaluate((s) => window.kafkascope.seek(s), head - 5);
  assert.equal(await viewJson(fresh.page), await viewJson(page));
  // The address bar holds the run too (kept up to date as the run moves).
  await fresh.page.waitForFunction(() => location.hash.startsWith('#run=1.'));
  assert.deepEqual(problems, []);
  assert.deepEqual(fresh.problems, []);
  await page.close();
  await fresh.page.close();
});

test('a long link is replayed a part at a time: the clock line counts up, the controls wait, the run is the same', async () => {
  const { page, problems } = await open();
  const built = await page.evaluate(() => {
    const k = window.kafkascope;
    k.apply({ cmd: 'start_consumer', name: 'c1', group: 'g1', topics: ['orders'], config: { 'auto.offset.reset': 'earliest' } });
    k.apply({ cmd: 'add_producer', name: 'p', config: { 'linger.ms': 5 } });
    for (let sent = 0; k.head() < 20_000; ) {
      for (let j = 0; j < 20; j++) k.apply({ cmd: 'produce', producer: 'p', topic: 'orders', value: `r${sent++}` });
      k.runFor(2000);
    }
    return { head: k.head(), log: JSON.stringify(k.log()) };
  });
  const link = await page.evaluate((head) => window.kafkascope.link({ step: Math.floor(head / 2) }), built.head);
  const want = await page.evaluate(async (step) => {
    window.kafkascope.seek(step);
    return JSON.stringify(window.kafkascope.view());
  }, Math.floor(built.head / 2));
  // What the clock line said while the run was replayed, and whether the page was inert then.
  await page.addInitScript(() => {
    window.__opening = [];
    new MutationObserver(() => {
      const clock = document.getElementById('clock');
      const text = clock?.textContent ?? '';
      if (text.startsWith('Replaying') && text !== window.__opening.at(-1)?.[0]) window.__opening.push([text, document.body.inert]);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto('about:blank');
  await page.goto(link);
  await page.waitForFunction(() => window.kafkascope?.ready === true, null, { timeout: 60000 });
  const seen = await page.evaluate(() => window.__opening);
  // Slices grow at most twofold from 200 steps: a 20 000-step run takes several, whatever the machine.
  assert.ok(seen.length >= 5, `progress said ${seen.length} times`);
  const percents = seen.map(([text]) => Number(/(\d+)%/.exec(text)[1]));
  assert.deepEqual(percents, [...percents].sort((a, b) => a - b), 'it only counts up');
  assert.ok(seen.every(([, inert]) => inert), 'the controls wait while the run is replayed');
  assert.equal(await page.evaluate(() => document.body.inert), false, 'and act again once it is open');
  assert.equal(await viewJson(page), want, 'the same engine state as the run the link was made from');
  assert.equal(await page.evaluate(() => JSON.stringify(window.kafkascope.log())), built.log, 'the same log');
  // The address is rewritten after each move from the log text the link brought along.
  await page.evaluate(() => window.kafkascope.seek(window.kafkascope.head()));
  let address;
  for (let i = 0; i < 100 && address?.step !== built.head; i++) {
    await page.waitForTimeout(100);
    address = await decodeRun(new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get('run'));
  }
  assert.equal(address.step, built.head, 'the address follows the step shown');
  assert.equal(JSON.stringify(address.log), built.log, 'the address holds the same log');
  assert.deepEqual(problems, []);
  await page.close();
});

test('an embed link starts at its step and plays to the step it names', async () => {
  const { page } = await open();
  await busyRun(page);
  await page.selectOption('#speed', '30');
  const link = await page.evaluate(() => window.kafkascope.link({ step: 200, playTo: 260, embed: true }));
  const e = await open({ width: 800, height: 450 }, { at: link.slice(baseUrl().length) });
  await e.page.waitForFunction(() => window.kafkascope.stepNow() === 260 && document.getElementById('btn-play').getAttribute('aria-pressed') === 'false', null, { timeout: 20000 });
  assert.deepEqual(e.problems, []);
  await e.page.close();
  await page.close();
});

test('a link with an unknown format version, or one that cannot be replayed, says so and shows nothing else', async () => {
  const cases = [
    ['#run=99.abcdef', /format version 99.*format version 1 only/],
    ['#run=1.!!not-base64!!', /not base64url/],
    ['#run=1.AAAA', /cannot be unpacked|not valid JSON/],
    ['#run=oops', /#run=<version>\.<data>/],
  ];
  // A well-formed link whose log holds a command the engine refuses.
  const config = { seed: 1, clusters: [{ name: 'kafka', chroot: '', brokers: [1, 2, 3], config: {} }] };
  const refused = await encodeRun({ config, log: [[0, { command: { cmd: 'produce', producer: 'nobody', topic: 'orders', value: 'x' } }]], head: 0, step: 0, lang: 'en', speed: 5 });
  cases.push([`#run=${refused}`, /cannot be replayed: entry 1 of the log \(step 0\) is refused/]);
  const beyond = await encodeRun({ config, log: [], head: 10_000_000, step: 0, lang: 'en', speed: 5 });
  cases.push([`#run=${beyond}`, /cannot be replayed: the run's last step \(10000000\) must be at or after its last entry \(step 0\) and at most 5000000/]);
  const badField = await encodeRun({ config, log: 'nope', head: 0, step: 0 });
  cases.push([`#run=${badField}`, /field “l” is missing or wrong/]);
  for (const [at, message] of cases) {
    const { page, problems } = await open({ width: 1280, height: 800 }, { at, cluster: false });
    const alert = page.locator('#link-error [role=alert]');
    assert.match(await alert.innerText(), /This link cannot be opened/, at);
    assert.match(await alert.innerText(), message, at);
    assert.equal(await page.locator('.broker, header.top, main.layout').count(), 0, `${at}: nothing else is shown`);
    assert.deepEqual(problems, [], at);
    if (at.startsWith('#run=99')) await page.screenshot({ path: path.join(ARTIFACTS, 'link-error-1280x800.png') });
    await page.close();
  }
  // Bad query input is never a crash: it falls back to defaults.
  const { page, problems } = await open({ width: 1280, height: 800 }, { at: '?seed=abc&brokers=99&lang=xx&embed=2' });
  assert.equal((await view(page)).brokers.length, 3);
  assert.deepEqual(problems, []);
  await page.close();
});

test('language: ?lang= first, else the browser’s; a switch re-words the status line', async () => {
  const ko = await open({ width: 1280, height: 800 }, { locale: 'ko-KR' });
  assert.equal(await ko.page.getAttribute('html', 'lang'), 'ko', 'navigator.language ko-KR → Korean');
  await ko.page.close();
  const en = await open({ width: 1280, height: 800 }, { at: '?lang=en', locale: 'ko-KR' });
  assert.equal(await en.page.getAttribute('html', 'lang'), 'en', '?lang wins');
  await produce(en.page, { value: 'hi' });
  assert.match(await en.page.locator('#status').innerText(), /sends “hi” to orders/);
  await en.page.selectOption('#lang', 'ko');
  await en.page.locator('#btn-step', { hasText: '한 단계' }).waitFor();
  assert.match(await en.page.locator('#status').innerText(), /보냅니다/, 'the status line is in Korean now');
  assert.match(await en.page.locator('#clock').innerText(), /단계 \d+ \/ \d+/);
  assert.deepEqual(en.problems, []);
  await en.page.close();
});

test('screenshots: ?embed=1 at 800×450, ?lang=ko at 1280×800', async () => {
  const { page } = await open();
  await busyRun(page);
  const head = await headOf(page);
  await scrubTo(page, Math.floor(head * 0.8));
  await produce(page, { key: 'x', value: 'forked' });
  await runSeconds(page, 1);
  const link = await page.evaluate(() => window.kafkascope.link({ embed: true }));
  const e = await open({ width: 800, height: 450 }, { at: link.slice(baseUrl().length) });
  for (let i = 0; i < 3; i++) await e.page.click('#btn-step');
  await e.page.waitForTimeout(300);
  await e.page.screenshot({ path: path.join(ARTIFACTS, 'embed-800x450.png') });
  assert.equal(await e.page.locator('#form-produce').isVisible(), false, 'no forms in an embed');
  assert.ok(await e.page.locator('#scrub').isVisible());
  assert.ok(await e.page.locator('#caption').isVisible(), 'the caption of the current sentence');
  assert.deepEqual(e.problems, []);
  await e.page.close();
  const linkKo = await page.evaluate(() => window.kafkascope.link());
  const ko = await open({ width: 1280, height: 800 }, { at: `?lang=ko${linkKo.slice(linkKo.indexOf('#'))}` });
  await ko.page.waitForTimeout(300);
  await ko.page.screenshot({ path: path.join(ARTIFACTS, 'ko-1280x800.png') });
  await ko.page.click('#share > summary');
  await ko.page.waitForFunction(() => document.getElementById('share-link').value.includes('#run='));
  await ko.page.screenshot({ path: path.join(ARTIFACTS, 'share-ko-1280x800.png') });
  assert.deepEqual(ko.problems, []);
  await ko.page.close();
  await page.close();
});

test('rewind speed on a long run (figures only)', async () => {
  const { page, problems } = await open();
  await page.evaluate(() => window.kafkascope.apply({ cmd: 'start_consumer', name: 'c1', group: 'g1', topics: ['orders'], config: { 'auto.offset.reset': 'earliest' } }));
  // Ten minutes of virtual time with a record every second.
  await page.evaluate(() => {
    window.kafkascope.apply({ cmd: 'add_producer', name: 'p', config: { acks: 'all' } });
    for (let i = 0; i < 600; i++) {
      window.kafkascope.apply({ cmd: 'produce', producer: 'p', topic: 'orders', key: `k${i}`, value: `v${i}` });
      if (i % 10 === 0) window.kafkascope.apply({ cmd: 'poll', consumer: 'c1' });
      window.kafkascope.runFor(1000);
    }
  });
  const head = await headOf(page);
  const trace = (await view(page)).trace_len;
  const targets = [Math.floor(head / 2), 10, head - 1, Math.floor(head / 4), Math.floor((3 * head) / 4), 0, head, Math.floor(head / 2) + 999];
  const out = [];
  for (const s of targets) out.push(await page.evaluate((x) => window.kafkascope.seek(x), s));
  const eng = out.map((x) => x.engineMs);
  const tot = out.map((x) => x.totalMs);
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(`# seek on a ${head}-step run (${trace} trace records): engine median ${med(eng).toFixed(1)} ms, max ${Math.max(...eng).toFixed(1)} ms; with view + narration rebuild + redraw median ${med(tot).toFixed(1)} ms, max ${Math.max(...tot).toFixed(1)} ms`);
  assert.deepEqual(problems, []);
  await page.close();
});
