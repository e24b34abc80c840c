// Browser tests of the built page (dist/): Chromium through playwright-core, a
// static server on a random local port (harness.mjs). Run: node --test tests/e2e/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, open, produce, view, replicasOf, ARTIFACTS } from './harness.mjs';

useBrowser();

test('the page loads, draws the cluster and logs no errors', async () => {
  const { page, problems, loadMs } = await open();
  const v = await view(page);
  assert.equal(v.brokers.length, 3);
  assert.equal(await page.locator('.broker').count(), 3);
  assert.equal(await page.locator('.broker.controller').count(), 1, 'the controller is marked');
  assert.match(await page.locator('.broker.controller .badge.controller').innerText(), /epoch 1/);
  assert.ok(await page.locator('#zk-tree li.ephemeral[data-path="/controller"]').count() === 1, '/controller is shown as ephemeral');
  assert.ok(await page.locator('#log li').count() > 10, 'start-up is narrated');
  console.log(`# first drawn cluster after ${loadMs} ms (navigation included)`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'start-1280x800.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a keyed record lands in the partition Kafka’s partitioner picks', async () => {
  const { page, problems } = await open();
  for (const [key, partition] of [['hello', 0], ['user-2', 2], ['a', 1]]) {
    assert.equal(await page.evaluate(([k]) => window.kafkascope.partitionForKey(k, 3), [key]), partition);
    await produce(page, { key, value: `value-of-${key}` });
    await page.click('#btn-run1');
    const v = await view(page);
    for (const r of replicasOf(v, 'orders', partition)) {
      assert.ok(r.records.some((x) => x.key === key && x.value === `value-of-${key}`), `${key} on broker ${r.broker} partition ${partition}`);
    }
    for (const p of [0, 1, 2].filter((p) => p !== partition)) {
      assert.ok(replicasOf(v, 'orders', p).every((r) => !r.records.some((x) => x.key === key)), `${key} not in partition ${p}`);
    }
    const cells = page.locator(`.replica[data-tp="orders-${partition}"][data-role="leader"] .cell.committed`);
    assert.ok((await cells.allInnerTexts()).some((s) => s.includes(`value-of-${key}`)), 'drawn as a committed cell on the leader');
  }
  assert.match(await page.locator('#log').innerText(), /ACK for orders-0: offset 0/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'produced-1280x800.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('stopping a leader elects a new leader from the ISR with a higher leader epoch', async () => {
  const { page, problems } = await open();
  const before = await view(page);
  const leader = replicasOf(before, 'orders', 0).find((r) => r.role === 'leader');
  assert.ok(leader, 'orders-0 has a leader');
  // Stop is a controlled shutdown: the broker goes once the controller has moved its leaderships.
  await page.click(`button[aria-label="Stop broker ${leader.broker}"]`);
  await page.fill('#run-secs', '20');
  await page.click('#btn-run');
  await page.locator(`.broker[data-node="broker-${leader.broker}"].stopped`).waitFor();
  const after = await view(page);
  const now = replicasOf(after, 'orders', 0).find((r) => r.role === 'leader');
  assert.ok(now, 'orders-0 has a new leader');
  assert.notEqual(now.broker, leader.broker);
  // The partition's one ISR, as the engine's view gives it (the leader's).
  const isrOf = (v) => v.partitions.find((p) => p.topic === 'orders' && p.partition === 0).isr;
  assert.ok(isrOf(before).includes(now.broker), 'the new leader was in the ISR');
  assert.ok(now.leader_epoch > leader.leader_epoch, `leader epoch raised (${leader.leader_epoch} → ${now.leader_epoch})`);
  assert.ok(!isrOf(after).includes(leader.broker), 'the stopped broker left the ISR');
  const drawn = page.locator(`.broker[data-node="broker-${now.broker}"] .replica[data-tp="orders-0"]`);
  assert.equal(await drawn.getAttribute('data-role'), 'leader');
  assert.equal(await drawn.getAttribute('data-leader-epoch'), String(now.leader_epoch));
  assert.match(await page.locator('#log').innerText(), /orders-0: leader broker \d → broker \d, leader epoch \d+/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'failover-1280x800.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('stepping shows each hop of an acks=all produce, one event at a time', async () => {
  const { page, problems } = await open();
  // A first record, so the producer already knows the leaders.
  await produce(page, { key: 'hello', value: 'first' });
  await page.click('#btn-run1');
  const v = await view(page);
  const leader = replicasOf(v, 'orders', 0).find((r) => r.role === 'leader').broker;
  const followers = replicasOf(v, 'orders', 0).map((r) => r.broker).filter((b) => b !== leader);
  const producer = v.producers[0].name;

  await produce(page, { key: 'hello', value: 'second' });
  const hops = [];
  for (let i = 0; i < 200; i++) {
    await page.click('#btn-step');
    const events = await page.evaluate(() => window.kafkascope.lastStepEvents());
    const delivered = events.filter((e) => e.type === 'message_delivered' || e.type === 'message_dropped');
    assert.ok(delivered.length <= 1, 'one step delivers at most one message');
    hops.push(...delivered.map((e) => `${e.kind} ${e.from}→${e.to}`));
    if (events.some((e) => e.type === 'produce_acknowledged' && e.producer === producer)) break;
  }
  const at = (hop, from = 0) => {
    const i = hops.indexOf(hop, from);
    assert.ok(i >= 0, `missing hop "${hop}" in:\n${hops.join('\n')}`);
    return i;
  };
  const produceAt = at(`Produce ${producer}→broker-${leader}`);
  for (const f of followers) {
    const fetchResp = at(`FetchResponse broker-${leader}→broker-${f}`, produceAt);
    at(`Fetch broker-${f}→broker-${leader}`, fetchResp);
  }
  const ack = at(`ProduceResponse broker-${leader}→${producer}`, produceAt);
  assert.equal(ack, hops.length - 1, 'the ACK is the last hop');
  const after = await view(page);
  assert.ok(replicasOf(after, 'orders', 0).every((r) => r.log_end_offset === 2));
  assert.match(await page.locator('#log').innerText(), /ACK for orders-0: offset 1/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a value with HTML in it is shown as text', async () => {
  const { page, problems } = await open();
  const evil = '<img src=x onerror=alert(1)>';
  await produce(page, { key: 'a', value: evil });
  await page.click('#btn-run1');
  assert.equal(await page.locator('main img').count(), 0, 'no <img> element was made');
  const cell = page.locator('.replica[data-tp="orders-1"][data-role="leader"] .cell i').last();
  assert.equal(await cell.innerText(), `a → ${evil}`);
  assert.ok((await page.locator('#log').innerText()).includes(evil), 'the narration quotes it as text');
  assert.deepEqual(problems, [], 'no alert, no errors');
  await page.close();
});

test('errors are shown as readable refusals and leave the world unchanged', async () => {
  const { page, problems } = await open();
  const before = await view(page);
  await page.fill('#t-name', 'too-wide');
  await page.fill('#t-rf', '5');
  await page.click('#form-topic button[type=submit]');
  await page.locator('#status.error').waitFor();
  assert.match(await page.locator('#status').innerText(), /replication factor/i);
  const after = await view(page);
  assert.equal(after.topics.length, before.topics.length);
  assert.deepEqual(problems, []);
  await page.close();
});

test('screenshots at 1280×800 and 800×600, in English and Korean', async () => {
  for (const [w, h] of [[1280, 800], [800, 600]]) {
    const { page, problems } = await open({ width: w, height: h });
    await produce(page, { key: 'user-2', value: 'clicked' });
    await page.click('#btn-run1');
    // Something in flight, to show the wire.
    await produce(page, { key: 'hello', value: 'on the way' });
    for (let i = 0; i < 3; i++) await page.click('#btn-step');
    // The log scrolls inside its own column: bring the line into view, then click it.
    await page.locator('#log li:not([hidden]) button').last().evaluate((b) => { b.scrollIntoView({ block: 'nearest' }); b.click(); });
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(ARTIFACTS, `page-${w}x${h}.png`) });
    await page.screenshot({ path: path.join(ARTIFACTS, `page-${w}x${h}-full.png`), fullPage: true });
    await page.selectOption('#lang', 'ko');
    await page.locator('#btn-step', { hasText: '한 단계' }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, `page-${w}x${h}-ko.png`) });
    assert.deepEqual(problems, []);
    await page.close();
  }
});
