// Guided lessons in the page: every lesson of www/scenarios/index.json opens, steps
// to its question, takes the right answer, and reaches its end, with no console error.
// Also: Kafka's metrics beside the picture follow the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBrowser, open, ARTIFACTS } from './harness.mjs';

useBrowser();

/** Whether `selector` is shown within 5 s: the lesson's state can be read a frame before it is drawn. */
const shown = (page, selector) => page.locator(selector).waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false);

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCEN = path.join(ROOT, 'www/scenarios');
const index = JSON.parse(fs.readFileSync(path.join(SCEN, 'index.json'), 'utf8'));
const drawn = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/** Plays a lesson through with the keyboard-reachable controls; returns what it saw. */
async function playLesson(page, file, lang = 'en') {
  const sc = JSON.parse(fs.readFileSync(path.join(SCEN, file), 'utf8'));
  const g = sc.guide;
  await page.selectOption('#lesson-select', file);
  await page.click('#lesson-open');
  // At its start: opening the lesson that is open again restarts it once its file is loaded.
  await page.waitForFunction((f) => window.kafkascope.lesson()?.file === f && window.kafkascope.lesson().at === 0, file);
  assert.equal(await page.locator('#lesson-title').innerText(), g.title[lang], `${file}: title`);
  assert.equal(await page.locator('#lesson-goal').innerText(), g.goal[lang], `${file}: goal`);
  const seen = { notes: 0, questions: 0, refusals: 0 };
  for (let guard = 0; guard < 200; guard++) {
    const st = await page.evaluate(() => window.kafkascope.lesson());
    for (const n of g.notes.filter((x) => x.at === st.at)) {
      assert.ok((await page.locator('#lesson-note').innerText()).includes(n[lang]), `${file}: note at ${st.at}`);
      if (!seen[`note${n.at}`]) { seen[`note${n.at}`] = true; seen.notes++; }
    }
    if (st.waiting) {
      const q = g.questions.find((x) => x.at === st.at);
      assert.ok(await shown(page, '#lesson-q'), `${file}: question shown`);
      assert.equal(await page.locator('#lesson-q-text').innerText(), q.question[lang]);
      assert.equal(await page.locator('#lesson-choices button').count(), q.choices.length);
      assert.ok(await page.locator('#lesson-next').isDisabled(), `${file}: Next waits for an answer`);
      // Keyboard: Next gave way to the choices, the first one focused; Tab to the right one and press Enter.
      assert.equal(await page.evaluate(() => document.activeElement?.dataset.choice), '0', `${file}: focus on the first choice`);
      for (let k = 0; k < q.answer; k++) await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => !window.kafkascope.lesson().waiting);
      const verdict = await page.locator('#lesson-verdict').innerText();
      assert.match(verdict, lang === 'en' ? /^Right\./ : /정답/, `${file}: verdict`);
      assert.ok(verdict.includes(q.explain[lang]), `${file}: explanation`);
      seen.questions++;
      continue;
    }
    if (st.done) break;
    const cmd = sc.commands[st.at];
    await page.click('#lesson-next');
    await page.waitForFunction((a) => window.kafkascope.lesson().at === a + 1, st.at);
    if (cmd.cmd === 'expect_error') {
      await drawn(page);
      const status = await page.locator('#status').innerText();
      assert.ok(status.includes(cmd.contains), `${file}: the refusal shows (${status})`);
      assert.ok(await page.locator('#status.error').count(), `${file}: as an error`);
      seen.refusals++;
    }
  }
  const st = await page.evaluate(() => window.kafkascope.lesson());
  assert.ok(st.done, `${file}: finished`);
  assert.equal(st.at, sc.commands.length);
  assert.ok(await shown(page, '#lesson-done'), `${file}: says it is finished`);
  assert.equal(seen.questions, g.questions.length, `${file}: every question asked`);
  assert.equal(seen.notes, new Set(g.notes.map((n) => n.at)).size, `${file}: every note shown`);
  // The lesson's commands are in the run's log (so a link holds them).
  const log = await page.evaluate(() => window.kafkascope.log());
  const applied = sc.commands.filter((c) => !c.cmd.startsWith('run_') && c.cmd !== 'expect_error').length;
  assert.equal(log.filter(([, e]) => e.command).length, applied, `${file}: commands in the log`);
  return { sc, seen };
}

test('every lesson opens, asks its question, takes the right answer and finishes, with no console error', async () => {
  const { page, problems } = await open({ width: 1280, height: 900 });
  // The list arrives with scenarios/index.json, after the page is ready.
  await page.waitForFunction((n) => document.querySelectorAll('#lesson-select option').length >= n, index.length);
  const opts = await page.locator('#lesson-select option').allInnerTexts();
  assert.equal(opts.length, index.length);
  index.forEach((x, i) => assert.ok(opts[i].includes(x.title.en), x.file));
  let refusals = 0;
  for (const { file } of index) {
    const { seen } = await playLesson(page, file);
    refusals += seen.refusals;
    if (file.startsWith('04')) {
      await drawn(page);
      await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-04-done-1280x900.png') });
    }
  }
  assert.ok(refusals >= 1, 'expect_error refusals were shown');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a lesson in Korean: titles, question and verdict from the file’s ko texts', async () => {
  const { page, problems } = await open({ width: 1280, height: 900 }, { at: '?lang=ko' });
  await page.waitForFunction((n) => document.querySelectorAll('#lesson-select option').length >= n, index.length);
  const opts = await page.locator('#lesson-select option').allInnerTexts();
  assert.ok(opts[3].includes(index[3].title.ko));
  const sc = JSON.parse(fs.readFileSync(path.join(SCEN, '04-failover.json'), 'utf8'));
  await page.selectOption('#lesson-select', '04-failover.json');
  await page.click('#lesson-open');
  for (let i = 0; i < sc.guide.questions[0].at; i++) await page.click('#lesson-next');
  await page.locator('#lesson-q').waitFor();
  await drawn(page);
  await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-question-ko-1280x900.png') });
  await playLesson(page, '04-failover.json', 'ko'); // from the start again, in Korean
  assert.deepEqual(problems, []);
  await page.close();
});

test('a wrong answer says so and gives the right one with the explanation', async () => {
  const { page, problems } = await open({ width: 1280, height: 900 });
  const sc = JSON.parse(fs.readFileSync(path.join(SCEN, '03-placement.json'), 'utf8'));
  const q = sc.guide.questions[0];
  await page.selectOption('#lesson-select', '03-placement.json');
  await page.click('#lesson-open');
  for (let i = 0; i < q.at; i++) await page.click('#lesson-next');
  const wrong = (q.answer + 1) % q.choices.length;
  await page.click(`#lesson-choices button[data-choice="${wrong}"]`);
  const verdict = await page.locator('#lesson-verdict').innerText();
  assert.ok(verdict.includes(`Not quite: the answer is “${q.choices[q.answer].en}”`), verdict);
  assert.ok(verdict.includes(q.explain.en));
  assert.ok(await page.locator('#lesson-next').isEnabled());
  await drawn(page);
  await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-wrong-1280x900.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('metrics: a stopped broker shows as UnderReplicatedPartitions > 0 after the session timeout', async () => {
  const { page, problems } = await open({ width: 1280, height: 900 });
  const urp = () => page.evaluate(() => [...document.querySelectorAll('#metrics td[data-metric="UnderReplicatedPartitions"]')].reduce((a, td) => a + Number(td.dataset.value), 0));
  await drawn(page);
  assert.equal(await urp(), 0, 'healthy at first');
  assert.equal(await page.locator('#metrics .mclusters td[data-metric="ActiveControllerCount"]').innerText(), '1');
  await page.click('button[aria-label="Stop broker 2"]');
  await page.fill('#run-secs', '25');
  await page.click('#btn-run');
  await drawn(page);
  assert.ok((await urp()) > 0, 'UnderReplicatedPartitions > 0 once the controller shrank the ISR');
  const shrinks = await page.evaluate(() => [...document.querySelectorAll('#metrics td[data-metric="IsrShrinksPerSec"]')].reduce((a, td) => a + Number(td.dataset.value), 0));
  assert.ok(shrinks >= 0);
  for (const name of ['UnderReplicatedPartitions', 'OfflinePartitionsCount', 'ActiveControllerCount', 'IsrShrinksPerSec', 'IsrExpandsPerSec', 'FailedProduceRequestsPerSec']) {
    assert.ok((await page.locator('#metrics').innerText()).includes(name), name);
  }
  await page.locator('#metrics').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, 'metrics-1280x900.png') });
  // Rewinding shows the metrics of the step shown.
  await page.evaluate(() => window.kafkascope.seek(0));
  await drawn(page);
  assert.equal(await urp(), 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('take it away: the trace as JSON lines, and the run as a scenario file that loads back to the same state', async () => {
  const { page, problems } = await open({ width: 1280, height: 900 });
  // A run with commands, clock jumps and single steps.
  await page.evaluate(() => window.kafkascope.apply({ cmd: 'start_consumer', name: 'c1', group: 'g1', topics: ['orders'], config: { 'auto.offset.reset': 'earliest' } }));
  await page.fill('#p-key', 'k1');
  await page.click('#form-produce button[type=submit]');
  await page.fill('#run-secs', '6');
  await page.click('#btn-run');
  await page.evaluate(() => window.kafkascope.apply({ cmd: 'poll', consumer: 'c1' }));
  await page.click('button[aria-label="Stop broker 2"]');
  await page.fill('#run-secs', '25');
  await page.click('#btn-run');
  await drawn(page);
  await page.click('#files-panel > summary');

  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#dl-trace')]);
  assert.match(dl.suggestedFilename(), /\.jsonl$/);
  const lines = fs.readFileSync(await dl.path(), 'utf8').trim().split('\n');
  const trace = await page.evaluate(() => window.kafkascope.events(0));
  assert.equal(lines.length, trace.length, 'one line per trace record');
  assert.deepEqual(lines.map((l) => JSON.parse(l)), trace);
  assert.ok(trace.every((r) => Number.isInteger(r.step) && Number.isInteger(r.time_ms) && typeof r.type === 'string'));

  const [ds] = await Promise.all([page.waitForEvent('download'), page.click('#dl-scenario')]);
  const file = path.join(ARTIFACTS, 'roundtrip-scenario.json');
  fs.copyFileSync(await ds.path(), file);
  const sc = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.ok(sc.commands.some((c) => c.cmd === 'run_for'), 'clock jumps as run_for');
  assert.ok(sc.commands.some((c) => c.cmd === 'stop_broker'));
  const want = await page.evaluate(() => window.kafkascope.view());

  // Load it back from disk: the same state, step for step.
  await page.reload();
  await page.waitForFunction(() => window.kafkascope?.ready === true);
  await page.click('#files-panel > summary');
  await page.setInputFiles('#open-scenario', file);
  await page.waitForFunction(() => window.kafkascope.lesson()?.done === true);
  await drawn(page);
  const got = await page.evaluate(() => window.kafkascope.view());
  assert.deepEqual(got, want, 'the scenario file replays to the same state');
  assert.match(await page.locator('#status').innerText(), /Ran kafkascope-run/);

  // The CLI runs it too (when the release binary is built).
  // (Skipped when the binary is older than the page's engine: it may not know the page's config keys.)
  const bin = path.join(ROOT, 'target/release/kafkascope');
  const wasm = path.join(ROOT, 'dist/pkg/kafkascope_bg.wasm');
  if (fs.existsSync(bin) && fs.statSync(bin).mtimeMs >= fs.statSync(wasm).mtimeMs) {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(bin, ['run', file], { encoding: 'utf8', maxBuffer: 1 << 28 }).trim().split('\n');
    const cliTrace = out.slice(0, trace.length).map((l) => JSON.parse(l));
    assert.deepEqual(cliTrace, trace, 'the CLI prints the same trace');
  } else {
    console.log('# target/release/kafkascope is missing or older than the Wasm: the CLI check is skipped');
  }

  // A file that is not a scenario is refused, and the run stays.
  const bad = path.join(ARTIFACTS, 'not-a-scenario.json');
  fs.writeFileSync(bad, '[1, 2]');
  await page.setInputFiles('#open-scenario', bad);
  await page.locator('#status.error', { hasText: 'not a scenario' }).waitFor();
  assert.deepEqual(await page.evaluate(() => window.kafkascope.view()), want);

  const [dv] = await Promise.all([page.waitForEvent('download'), page.click('#dl-svg')]);
  const svg = fs.readFileSync(await dv.path(), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.includes('Broker 1'));
  fs.copyFileSync(await dv.path(), path.join(ARTIFACTS, 'picture.svg'));
  const [dp] = await Promise.all([page.waitForEvent('download'), page.click('#dl-png')]);
  const png = fs.readFileSync(await dp.path());
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file');
  fs.copyFileSync(await dp.path(), path.join(ARTIFACTS, 'picture.png'));
  assert.deepEqual(problems, []);
  await page.close();
});
