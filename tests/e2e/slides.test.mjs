// A lesson exported as slides: one SVG per note, question and answer, in the page's
// language, downloaded as one ZIP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { useBrowser, open, ARTIFACTS } from './harness.mjs';
import { ROOT } from './serve.mjs';

useBrowser();

test('a lesson exported as slides gives one picture per note, question and answer, in Korean', async () => {
  const { page, problems } = await open({ width: 1280, height: 800 }, { at: '?lang=ko' });
  const sc = JSON.parse(fs.readFileSync(path.join(ROOT, 'www/scenarios/04-failover.json'), 'utf8'));
  await page.waitForFunction(() => document.querySelectorAll('#lesson-select option').length >= 15);
  await page.selectOption('#lesson-select', '04-failover.json');
  await page.click('#lesson-open');
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.click('#lesson-slides')]);
  assert.equal(dl.suggestedFilename(), '04-failover-ko-slides.zip');
  const file = path.join(ARTIFACTS, dl.suggestedFilename());
  await dl.saveAs(file);
  const files = unzipSync(fs.readFileSync(file));
  const names = Object.keys(files).sort();
  const want = sc.guide.notes.length + 2 * sc.guide.questions.length;
  assert.equal(names.length, want, names.join(', '));
  const notes = names.filter((n) => n.endsWith('-note.svg')).map((n) => strFromU8(files[n]));
  for (const n of sc.guide.notes) assert.ok(notes.some((svg) => svg.includes(n.ko.slice(0, 12))), `a slide has: ${n.ko.slice(0, 30)}`);
  const answer = strFromU8(files[names.find((n) => n.endsWith('-answer.svg'))]);
  assert.match(answer, /정답/);
  assert.match(answer, /<svg[^>]+width="\d+"/);
  assert.match(answer, /data-node="broker-3"/, 'the picture is in the slide');
  assert.match(await page.textContent('#status'), /슬라이드/);
  assert.deepEqual(problems, []);
});
