// Under prefers-reduced-motion the page shows messages as discrete steps: a message in
// flight stands still halfway along its way, labelled, and goes when it arrives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, open, drawn, ARTIFACTS } from './harness.mjs';

useBrowser();

const dots = (page) => page.$$eval('#wire g.msg', (gs) => gs.map((g) => ({ t: g.getAttribute('transform'), label: g.querySelector('text').textContent, o: g.style.opacity })));

test('with reduced motion a message in flight stands still, labelled, until the step that delivers it', async () => {
  const { page, problems } = await open();
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.evaluate(() => {
    const k = window.kafkascope;
    k.apply({ cmd: 'add_producer', name: 'p1', config: {} });
    k.apply({ cmd: 'produce', producer: 'p1', topic: 'orders', key: 'a', value: 'x' });
    k.runFor(200);
  });
  // Step until a Produce request is on the wire.
  for (let i = 0; i < 40; i++) {
    const on = await page.evaluate(() => window.kafkascope.view().in_flight.some((m) => m.kind === 'Produce'));
    if (on) break;
    await page.click('#btn-step');
  }
  await page.evaluate(() => window.kafkascope.apply({ cmd: 'produce', producer: 'p1', topic: 'orders', key: 'a', value: 'y' }));
  await page.click('#btn-step');
  await drawn(page, 50);
  const first = await dots(page);
  assert.ok(first.some((d) => d.label.startsWith('Produce')), `a labelled Produce message: ${JSON.stringify(first)}`);
  await page.waitForTimeout(400);
  const later = await dots(page);
  assert.deepEqual(later, first, 'nothing moved while no step was taken');
  await page.screenshot({ path: path.join(ARTIFACTS, 'reduced-motion-1280x800.png') });
  assert.deepEqual(problems, []);
});
