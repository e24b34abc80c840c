// A teacher writes a lesson in the page: two questions and a note from scratch, exported as
// a lesson file the CLI runs, opened back for editing, and played as a student from its link;
// a broken lesson file is refused with the field at fault; axe finds nothing on the editor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { useBrowser, open, produce, drawn, ARTIFACTS, baseUrl } from './harness.mjs';
import { ROOT } from './serve.mjs';

useBrowser();

const AXE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/axe-core/axe.min.js');
// `cargo test` builds the CLI before the browser tests run (scripts/test.sh).
const CLI = path.join(ROOT, 'target/debug/kafkascope');

/** Fills the fields of the last item in the editor. */
async function fillLast(page, values) {
  const item = page.locator('#a-items li.a-item').last();
  for (const [label, value] of values) await item.getByLabel(label, { exact: true }).fill(value);
}

test('a teacher writes a two-question lesson, exports it, the CLI runs it, it opens back, and a student plays it', { timeout: 180_000 }, async () => {
  const { page, problems } = await open();
  await page.click('#author-panel > summary');
  await page.getByLabel('Title (English)', { exact: true }).fill('Where does my record go?');
  await page.getByLabel('Title (Korean)', { exact: true }).fill('내 레코드는 어디로 갈까?');
  await page.click('#a-add-note');
  await fillLast(page, [['Text (English)', 'We send one record with the key user-1.'], ['Text (Korean)', '키 user-1로 레코드 하나를 보냅니다.']]);
  await page.click('#a-add-question');
  await fillLast(page, [
    ['What happens next? (English)', 'Which partition does user-1 go to?'],
    ['Choices, one per line (English)', 'orders-0\norders-1\norders-2'],
    ['Right choice (its number)', String(1 + (await page.evaluate(() => window.kafkascope.partitionForKey('user-1', 3))))],
    ['Why (English)', 'murmur2 of the key, modulo 3.'],
  ]);
  await produce(page, { key: 'user-1', value: 'hello' });
  await page.evaluate(() => window.kafkascope.runFor(1000));
  await page.click('#a-add-question');
  await fillLast(page, [
    ['What happens next? (English)', 'Is the record acknowledged?'],
    ['Choices, one per line (English)', 'Yes, with an offset\nNo'],
    ['Right choice (its number)', '1'],
    ['Why (English)', 'acks=all: the ISR has it.'],
  ]);
  await drawn(page);
  const found = await (async () => {
    await page.addScriptTag({ path: AXE });
    return page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
  })();
  assert.deepEqual(found, [], 'axe on the editor');
  await page.screenshot({ path: path.join(ARTIFACTS, 'author-1280x800.png'), fullPage: true });

  // Export: a lesson file, in the format of www/scenarios/.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#a-export')]);
  const file = path.join(ARTIFACTS, dl.suggestedFilename());
  await dl.saveAs(file);
  const sc = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(sc.guide.title.en, 'Where does my record go?');
  assert.equal(sc.guide.questions.length, 2);
  assert.equal(sc.guide.notes.length, 1);
  assert.ok(sc.commands.some((c) => c.cmd === 'produce' && c.key === 'user-1'), 'the run\'s commands are in it');
  assert.ok(sc.guide.questions[0].at <= sc.commands.findIndex((c) => c.cmd === 'produce'), 'the first question comes before the send');
  assert.ok(sc.guide.questions[1].at > sc.commands.findIndex((c) => c.cmd === 'produce'), 'the second after it');
  // The CLI runs it.
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: cargo test builds it`);
  const out = execFileSync(CLI, ['run', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.match(out, /"type":"produce_acknowledged"/);

  // Opened back for editing: the same notes and questions.
  await page.setInputFiles('#a-open', file);
  await page.waitForFunction(() => document.querySelectorAll('#a-items li.a-item').length === 3);
  assert.match(await page.textContent('#status'), /Opened/);

  // A student plays it from its link.
  await page.click('#a-link');
  // The link is compressed asynchronously (CompressionStream): wait until it is written.
  await page.waitForFunction(() => document.getElementById('a-link-out').value.includes('#run='));
  const link = await page.inputValue('#a-link-out');
  const student = await open({ width: 1280, height: 800 }, { at: link.slice(baseUrl().length) });
  await student.page.waitForFunction(() => window.kafkascope.lesson()?.file?.endsWith('.json'));
  assert.equal(await student.page.textContent('#lesson-title'), 'Where does my record go?');
  for (let guard = 0; guard < 40; guard++) {
    const st = await student.page.evaluate(() => window.kafkascope.lesson());
    if (st.done) break;
    if (st.waiting) {
      const q = sc.guide.questions.find((x) => x.at === st.at && !x.asked);
      q.asked = true;
      await student.page.click(`#lesson-choices button[data-choice="${q.answer}"]`);
    } else await student.page.click('#lesson-next');
  }
  const st = await student.page.evaluate(() => window.kafkascope.lesson());
  assert.equal(st.done, true);
  assert.equal(await student.page.locator('.lesson-verdict.right').count(), 1);
  assert.deepEqual(problems, []);
  assert.deepEqual(student.problems, []);
});

test('a lesson file with a wrong field is refused, naming the field, and the editor is unchanged', async () => {
  const { page, problems } = await open();
  const bad = path.join(ARTIFACTS, 'bad-lesson.json');
  const sc = JSON.parse(fs.readFileSync(path.join(ROOT, 'www/scenarios/01-partitioner.json'), 'utf8'));
  sc.guide.questions[0].answer = 9;
  fs.writeFileSync(bad, JSON.stringify(sc));
  await page.click('#author-panel > summary');
  await page.setInputFiles('#a-open', bad);
  await page.waitForFunction(() => /guide\.questions\[0\]\.answer/.test(document.getElementById('status').textContent));
  assert.equal(await page.locator('#a-items li.a-item').count(), 0);
  assert.deepEqual(problems, []);
});
