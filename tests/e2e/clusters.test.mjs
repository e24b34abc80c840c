// Two clusters on one ZooKeeper (lesson 11) both have brokers 1, 2 and 3: the page names each
// broker by its cluster and id, and a button on cluster B's broker 1 acts on that broker only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, open, playLesson, drawn, view, ARTIFACTS } from './harness.mjs';

useBrowser();

test('both clusters\' broker 1 have their own card, and Crash on cluster B\'s stops only that one', async () => {
  const { page, problems } = await open();
  await playLesson(page, '11-chroot.json', 4);
  for (const c of ['cluster-a', 'cluster-b']) {
    const card = page.locator(`.broker[data-node="${c}/broker-1"]`);
    assert.equal(await card.getAttribute('aria-label'), `${c} Broker 1`);
    assert.equal(await card.locator('.badge.cluster').textContent(), c);
  }
  await page.screenshot({ path: path.join(ARTIFACTS, 'two-clusters-1280x800.png') });
  await page.click('.broker[data-node="cluster-b/broker-1"] button[data-action="crash"]');
  await drawn(page);
  const v = await view(page);
  const b1 = (name) => v.brokers.find((b) => b.node === name);
  assert.equal(b1('cluster-b/broker-1').running, false);
  assert.equal(b1('cluster-a/broker-1').running, true, 'cluster A\'s broker 1 is another process');
  const log = await page.evaluate(() => window.kafkascope.log());
  assert.ok(log.some(([, e]) => e.command?.cmd === 'crash_broker' && e.command.broker === 1 && e.command.cluster === 'cluster-b'), 'the command names the cluster');
  assert.match(await page.textContent('#log'), /cluster-b: Broker 1/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the Korean page names cluster B\'s broker 1 with its cluster too', async () => {
  const { page, problems } = await open({ width: 640, height: 360 }, { locale: 'ko-KR' });
  await playLesson(page, '11-chroot.json', 4);
  assert.equal(await page.locator('.broker[data-node="cluster-b/broker-1"]').getAttribute('aria-label'), 'cluster-b 브로커 1');
  assert.match(await page.textContent('#lesson-body'), /stop_broker cluster-a\/1/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'two-clusters-ko-640x360.png') });
  assert.deepEqual(problems, []);
  await page.close();
});
