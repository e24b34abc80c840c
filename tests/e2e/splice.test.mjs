// A learning system's page embeds the playground in an iframe and speaks the SPLICE iframe
// protocol with it: it receives SPLICE.reportScoreAndState when a student answers a lesson's
// question, gives a stored state back to SPLICE.getState (the playground reopens that run and
// lesson), and resizes the frame on lti.frameResize. Junk messages change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, open, baseUrl, ARTIFACTS } from './harness.mjs';
import { ROOT } from './serve.mjs';

useBrowser();

/** A host page (the learning system) around the playground; `stored` is the state it answers getState with. */
const HOST = (src, stored) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Course</title><link rel="icon" href="data:,"></head>
<body><h1>Week 3: replication</h1>
<iframe id="f" src="${src}" width="1280" height="400" title="Kafkascope" style="border:0"></iframe>
<script>
  window.received = [];
  const frame = document.getElementById('f');
  window.addEventListener('message', (e) => {
    if (e.source !== frame.contentWindow) return;
    const m = e.data;
    window.received.push(m);
    if (m.subject === 'SPLICE.getState') {
      frame.contentWindow.postMessage({ subject: 'SPLICE.getState.response', message_id: m.message_id, state: ${JSON.stringify(stored)} }, '*');
    }
    if (m.subject === 'lti.frameResize' && Number.isFinite(m.height)) frame.height = String(Math.min(m.height, 3000));
  });
</script></body></html>`;

const lessonFile = JSON.parse(fs.readFileSync(path.join(ROOT, 'www/scenarios/01-partitioner.json'), 'utf8'));

test('SPLICE: a score and state after an answer, the state restored by getState, the frame resized, junk ignored', async () => {
  const { page, problems } = await open({ width: 1400, height: 900 }, { cluster: false });
  await page.setContent(HOST(baseUrl(), null));
  const frame = page.frameLocator('#f');
  const inner = () => page.mainFrame().childFrames()[0];
  await page.waitForFunction(() => window.received.some((m) => m.subject === 'SPLICE.getState'));
  await page.waitForFunction(() => window.received.some((m) => m.subject === 'lti.frameResize' && m.height > 400));
  assert.ok(Number(await page.getAttribute('#f', 'height')) > 400, 'the host resized the frame to the content');
  // The student opens lesson 1 and answers its first question right.
  await inner().waitForFunction(() => document.querySelectorAll('#lesson-select option').length >= 15);
  await frame.locator('#lesson-select').selectOption('01-partitioner.json');
  await frame.locator('#lesson-open').click();
  const q = lessonFile.guide.questions[0];
  for (let guard = 0; guard < 30; guard++) {
    const st = await inner().evaluate(() => window.kafkascope.lesson());
    if (st.waiting) break;
    await frame.locator('#lesson-next').click();
  }
  await frame.locator(`#lesson-choices button[data-choice="${q.answer}"]`).click();
  await page.waitForFunction(() => window.received.some((m) => m.subject === 'SPLICE.reportScoreAndState'));
  const report = await page.evaluate(() => window.received.find((m) => m.subject === 'SPLICE.reportScoreAndState'));
  assert.equal(typeof report.message_id, 'string');
  assert.equal(report.score, 1 / lessonFile.guide.questions.length);
  assert.equal(report.state.kafkascope, 1);
  assert.match(report.state.run, /^1\./);
  const at = await inner().evaluate(() => ({ step: window.kafkascope.stepNow(), lesson: window.kafkascope.lesson() }));
  await page.screenshot({ path: path.join(ARTIFACTS, 'splice-host.png') });

  // Junk from the host, or from anywhere, changes nothing.
  await page.evaluate(() => {
    const w = document.getElementById('f').contentWindow;
    for (const m of [null, 'x', 42, [], { subject: 'SPLICE.getState.response', message_id: 'wrong', state: {} },
      { subject: 'SPLICE.getState.response', message_id: 'wrong' }, { subject: 'other' }]) w.postMessage(m, '*');
  });
  await page.waitForTimeout(200);
  assert.deepEqual(await inner().evaluate(() => ({ step: window.kafkascope.stepNow(), lesson: window.kafkascope.lesson() })), at);

  // Another visit: the host gives the stored state back, and the student is where they were.
  const again = await open({ width: 1400, height: 900 }, { cluster: false });
  await again.page.setContent(HOST(baseUrl(), report.state));
  const frame2 = () => again.page.mainFrame().childFrames()[0];
  await again.page.waitForFunction(() => window.received.some((m) => m.subject === 'SPLICE.getState'));
  await frame2().waitForFunction((file) => window.kafkascope?.lesson?.()?.file === file, '01-partitioner.json');
  const restored = await frame2().evaluate(() => ({ step: window.kafkascope.stepNow(), lesson: window.kafkascope.lesson() }));
  assert.deepEqual(restored, at);
  assert.deepEqual(problems, []);
  assert.deepEqual(again.problems, []);
});

test('a state the playground cannot read is ignored: the page stays as it opened', async () => {
  const { page, problems } = await open({ width: 1400, height: 900 }, { cluster: false });
  await page.setContent(HOST(baseUrl(), { kafkascope: 1, run: '1.not-a-run' }));
  const inner = () => page.mainFrame().childFrames()[0];
  await page.waitForFunction(() => window.received.some((m) => m.subject === 'SPLICE.getState'));
  await inner().waitForFunction(() => window.kafkascope?.ready === true);
  await page.waitForTimeout(300);
  assert.equal(await inner().locator('.broker').count(), 3, 'the fresh cluster is still drawn');
  assert.equal(await inner().locator('#link-error').count(), 0);
  assert.deepEqual(problems, []);
});
