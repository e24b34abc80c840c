// KRaft mode on the page: the controllers' quorum where ZooKeeper stands, the metadata log as
// records, a broker fenced after its heartbeats stop, an active controller replaced; axe-core
// finds nothing; screenshots at desktop and embed sizes, in both languages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBrowser, open, ARTIFACTS } from './harness.mjs';

useBrowser();

const AXE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/axe-core/axe.min.js');
const SHOTS = path.join(ARTIFACTS, 'kraft');

const view = (page) => page.evaluate(() => window.kafkascope.view());
const runFor = (page, ms) => page.evaluate((x) => window.kafkascope.runFor(x), ms);

test('a KRaft cluster draws its controller quorum and its metadata log instead of ZooKeeper', async () => {
  const { page, problems } = await open({ width: 1280, height: 800 }, { at: '?metadata=kraft' });
  const v = await view(page);
  const q = v.clusters[0].quorum;
  assert.equal(v.clusters[0].metadata_mode, 'kraft');
  assert.equal(await page.locator('#quorum-row .controller-node').count(), 3);
  assert.equal(await page.locator('#quorum-row .controller-node.active').count(), 1);
  const active = page.locator('#quorum-row .controller-node.active');
  assert.equal(await active.getAttribute('data-controller'), String(q.active));
  assert.ok(await page.locator('#zk-row').isHidden(), 'no ZooKeeper in a KRaft cluster');
  assert.ok(await page.locator('#znodes-panel').isHidden());
  assert.ok(await page.locator('#meta-panel').isVisible());
  const records = await page.locator('#meta-records li').allTextContents();
  assert.equal(records.length, q.records.length);
  assert.ok(records.some((r) => r.includes('PartitionRecord · orders-0')), records.join('\n'));
  // Each voter's line is the view's: state, epoch, log end and high watermark.
  for (const c of q.voters) {
    const sub = await page.locator(`#quorum-row [data-node="${c.node}"] .node-sub`).textContent();
    assert.ok(sub.includes(`epoch ${c.epoch}`) && sub.includes(`log end ${c.log_end_offset}`), sub);
  }
  assert.ok(await page.locator('.broker .bmeta', { hasText: 'metadata applied to offset' }).count() >= 3);
  assert.equal(await page.locator('.tagline').textContent(), 'Apache Kafka (KRaft mode), one event at a time');
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, 'kraft-1280x800.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a crashed KRaft broker: its partition waits for the fencing, then gets a new leader', async () => {
  const { page, problems } = await open({ width: 1280, height: 800 }, { at: '?metadata=kraft' });
  const before = await view(page);
  const p = before.partitions.find((x) => x.topic === 'orders' && x.partition === 0);
  const old = p.leader;
  await page.click(`button[aria-label="Crash broker ${old}"]`);
  await runFor(page, 500);
  const waiting = await view(page);
  const off = waiting.partitions.find((x) => x.topic === 'orders' && x.partition === 0).offline;
  assert.equal(off.reason, 'not_fenced');
  assert.ok(await page.locator('.replica', { hasText: `waiting for the active controller to fence broker ${old}` }).count() >= 1);
  await runFor(page, 11000);
  const after = await view(page);
  const now = after.partitions.find((x) => x.topic === 'orders' && x.partition === 0);
  assert.ok(now.leader != null && now.leader !== old, `new leader ${now.leader}`);
  const meta = (await page.locator('#meta-records').textContent());
  assert.ok(meta.includes(`Broker ${old} · fenced`), meta);
  // Each broker's line follows the view as the run moves (not only at the first picture).
  for (const b of after.brokers.filter((x) => x.running)) {
    assert.equal(await page.locator(`.broker[data-node="${b.node}"] .bmeta`).textContent(), `metadata applied to offset ${b.kraft.metadata_offset}`);
  }
  const said = await page.locator('#log').textContent();
  assert.ok(said.includes('BrokerRegistrationChangeRecord'), 'the narration tells the fencing record');
  await page.screenshot({ path: path.join(SHOTS, 'kraft-fenced-1280x800.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('crashing the active controller: another voter takes over, shown on the stage', async () => {
  const { page, problems } = await open({ width: 1280, height: 800 }, { at: '?metadata=kraft' });
  const old = (await view(page)).clusters[0].quorum.active;
  await page.click(`button[aria-label="Crash controller ${old}"]`);
  await runFor(page, 6000);
  const q = (await view(page)).clusters[0].quorum;
  assert.ok(q.active != null && q.active !== old);
  assert.equal(await page.locator('#quorum-row .controller-node.active').getAttribute('data-controller'), String(q.active));
  assert.ok(await page.locator(`#quorum-row [data-controller="${old}"].stopped`).count() === 1);
  assert.deepEqual(problems, []);
  await page.close();
});

test('KRaft in Korean and in a 640×360 embed: axe finds nothing, the quorum is in view', async () => {
  for (const [at, size, name] of [
    ['?metadata=kraft&lang=ko', { width: 1280, height: 800 }, 'kraft-ko-1280x800.png'],
    ['?metadata=kraft&embed=1', { width: 640, height: 360 }, 'kraft-embed-640x360.png'],
    ['?metadata=kraft&embed=1&lang=ko', { width: 800, height: 450 }, 'kraft-embed-ko-800x450.png'],
  ]) {
    const { page, problems } = await open(size, { at });
    await page.addScriptTag({ path: AXE });
    const found = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => `${v.id}: ${v.help}`));
    assert.deepEqual(found, [], at);
    const box = await page.locator('#quorum-row').boundingBox();
    assert.ok(box && box.y >= 0 && box.y < size.height, `the quorum is in view at ${at}`);
    await page.screenshot({ path: path.join(SHOTS, name) });
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('side by side: the same crash, noticed by KRaft’s fencing first and by ZooKeeper’s session expiry later', async () => {
  const { page, problems } = await open({ width: 1280, height: 800 }, { at: '?metadata=both' });
  const v = await view(page);
  assert.deepEqual(v.clusters.map((c) => [c.name, c.metadata_mode ?? 'zookeeper']), [['zookeeper', 'zookeeper'], ['kraft', 'kraft']]);
  assert.equal(await page.locator('.broker').count(), 6);
  assert.equal(await page.locator('#quorum-row .controller-node').count(), 3);
  assert.ok(await page.locator('#zk-row').isVisible());
  const leaderOf = (w, ci) => w.partitions.find((p) => p.cluster === ci && p.topic === 'orders' && p.partition === 0).leader;
  const old = [leaderOf(v, 0), leaderOf(v, 1)];
  for (const [ci, cluster] of [[0, 'zookeeper'], [1, 'kraft']]) {
    await page.evaluate((c) => window.kafkascope.apply(c), { cmd: 'crash_broker', broker: old[ci], cluster });
  }
  await runFor(page, 12000);
  let w = await view(page);
  assert.ok(leaderOf(w, 1) != null && leaderOf(w, 1) !== old[1], 'KRaft fenced the broker and moved the leader');
  assert.equal(leaderOf(w, 0), null, 'ZooKeeper still waits for the session to expire');
  assert.equal(w.partitions.find((p) => p.cluster === 0 && p.topic === 'orders' && p.partition === 0).offline.reason, 'session_not_expired');
  await page.screenshot({ path: path.join(SHOTS, 'side-by-side-1280x800.png') });
  await runFor(page, 10000);
  w = await view(page);
  assert.ok(leaderOf(w, 0) != null && leaderOf(w, 0) !== old[0], 'then ZooKeeper mode moves it too');
  assert.deepEqual(problems, []);
  await page.close();
});
