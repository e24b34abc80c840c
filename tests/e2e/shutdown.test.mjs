// A broker's two ways to stop, as buttons: Stop is a controlled shutdown (leadership moves
// before the broker goes), Crash is the process dying (nothing moves until the ZooKeeper
// session expires). Both are commands in the run's log, narrated in both languages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, open, drawn, view, ARTIFACTS } from './harness.mjs';

useBrowser();

const leaderOf = (v, p) => v.partitions.find((x) => x.topic === 'orders' && x.partition === p);

test('Stop moves a broker\'s leaderships at once and shows it shutting down; Crash leaves them leaderless until the session expires', async () => {
  const { page, problems } = await open();
  const v0 = await view(page);
  const led = v0.partitions.filter((p) => p.topic === 'orders' && p.leader === 2).map((p) => p.partition);
  assert.ok(led.length > 0, 'broker 2 leads something');
  await page.click('button[aria-label="Stop broker 2"]');
  // Step until broker 2 is down: its leaderships moved before it went.
  let sawShutting = false;
  for (let i = 0; i < 40; i++) {
    const v = await view(page);
    if (v.brokers.find((b) => b.id === 2).shutting_down) {
      sawShutting = true;
      assert.equal(await page.locator('.broker[data-node="broker-2"] .badge.shutting').count(), 1);
    }
    if (!v.brokers.find((b) => b.id === 2).running) break;
    await page.click('#btn-step');
  }
  assert.ok(sawShutting, 'the page showed broker 2 shutting down');
  await drawn(page);
  const v1 = await view(page);
  for (const p of led) assert.ok(![null, 2].includes(leaderOf(v1, p).leader), `orders-${p} has a new leader`);
  assert.ok(v1.time_ms - v0.time_ms < 1000, 'within a second, not a session timeout');
  assert.equal(await page.locator('.replica.leaderless').count(), 0, 'no partition waits');
  assert.match(await page.textContent('#log'), /controlled shutdown/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'controlled-shutdown-1280x800.png') });
  const log = await page.evaluate(() => window.kafkascope.log());
  assert.ok(log.some(([, e]) => e.command?.cmd === 'stop_broker' && e.command.mode === 'controlled'), 'the log says how it stopped');

  // Restart, then crash it: its partitions wait for the session.
  await page.click('button[aria-label="Restart broker 2"]');
  await page.evaluate(() => window.kafkascope.runFor(15000));
  await page.evaluate(() => window.kafkascope.apply({ cmd: 'elect_preferred_leaders' }));
  await page.evaluate(() => window.kafkascope.runFor(1000));
  const v2 = await view(page);
  const ledAgain = v2.partitions.filter((p) => p.topic === 'orders' && p.leader === 2).map((p) => p.partition);
  assert.ok(ledAgain.length > 0, 'broker 2 leads again');
  await page.click('button[aria-label="Crash broker 2"]');
  await page.evaluate(() => window.kafkascope.runFor(1000));
  await drawn(page);
  for (const p of ledAgain) assert.equal(leaderOf(await view(page), p).offline?.reason, 'session_not_expired');
  assert.ok(await page.locator('.replica.leaderless').count() > 0);
  assert.match(await page.textContent('#log'), /crashes/);
  assert.deepEqual(problems, []);
});

test('a producer\'s Close sends what it holds and waits; its Crash drops it; the form then sends with a new one', async () => {
  const { page, problems } = await open();
  await page.evaluate(() => {
    const k = window.kafkascope;
    k.apply({ cmd: 'add_producer', name: 'p-close', config: { 'linger.ms': 5000 } });
    k.apply({ cmd: 'add_producer', name: 'p-crash', config: { 'linger.ms': 5000 } });
    k.apply({ cmd: 'produce', producer: 'p-close', topic: 'orders', key: 'a', value: 'kept' });
    k.apply({ cmd: 'produce', producer: 'p-crash', topic: 'orders', key: 'a', value: 'lost' });
  });
  await drawn(page);
  await page.click('.producer[data-node="p-close"] button[data-act="close"]');
  await page.click('.producer[data-node="p-crash"] button[data-act="crash"]');
  await page.evaluate(() => window.kafkascope.runFor(2000));
  await drawn(page);
  const v = await view(page);
  const values = v.brokers.flatMap((b) => b.replicas.flatMap((r) => r.records.map((x) => x.value)));
  assert.ok(values.includes('kept'), 'close() sent the record it held (linger.ms did not wait)');
  assert.ok(!values.includes('lost'), 'the crash lost it');
  for (const name of ['p-close', 'p-crash']) {
    assert.equal(v.producers.find((p) => p.name === name).running, false);
    assert.equal(await page.locator(`.producer[data-node="${name}"] .badge.stopped`).count(), 1);
  }
  assert.deepEqual(problems, []);
});
