// Browser tests of the consume side: consumer groups, idle members, poll/commit and
// lag, a crash and the rebalance after session.timeout.ms, network controls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, open, produce, view, ARTIFACTS } from './harness.mjs';

useBrowser();

async function startConsumer(page, { name, group = 'g1', topics = 'orders', reset = 'earliest', autoCommit = true }) {
  await page.fill('#c-name', name);
  await page.fill('#c-group', group);
  await page.fill('#c-topics', topics);
  await page.selectOption('#c-reset', reset);
  await page.setChecked('#c-autocommit', autoCommit);
  await page.click('#form-consumer button[type=submit]');
  await page.locator(`.consumer[data-node="${name}"]`).waitFor();
}

/** Waits until the page drew what the last action changed (it redraws on the next animation frame). */
const drawn = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

async function runSeconds(page, s) {
  await page.fill('#run-secs', String(s));
  await page.click('#btn-run');
  await drawn(page);
}

async function press(page, name, act) {
  await consumerBox(page, name).locator(`button[data-act="${act}"]`).click();
  await drawn(page);
}

const consumerBox = (page, name) => page.locator(`.consumer[data-node="${name}"]`);
const groupOf = (v, id) => v.groups.find((g) => g.group_id === id);

/** Every narration line (shown or not) comes from a template: none is a raw field dump. */
async function assertNarrated(page) {
  const lines = await page.$$eval('#log li', (lis) => lis.map((li) => li.textContent));
  assert.ok(lines.length > 0);
  const raw = lines.filter((s) => /\b[a-z_]+: \{|\{[a-z_]+\}|undefined|\[object/.test(s));
  assert.deepEqual(raw, [], 'lines not from a template');
}

test('two consumers share a 3-partition topic; a third and fourth leave one member idle', async () => {
  const { page, problems } = await open();
  await startConsumer(page, { name: 'c1' });
  await startConsumer(page, { name: 'c2' });
  // group.initial.rebalance.delay.ms (3 s), then JoinGroup and SyncGroup.
  await runSeconds(page, 10);
  let v = await view(page);
  let g = groupOf(v, 'g1');
  assert.equal(g.state, 'stable');
  assert.equal(g.members.length, 2);
  const card = page.locator('.group[data-group="g1"]');
  assert.equal(await card.getAttribute('data-state'), 'stable');
  assert.match(await card.locator('.ghead').innerText(), new RegExp(`generation ${g.generation}\\b`));
  assert.match(await card.locator('.ghead').innerText(), /Stable/);
  const owned = [];
  for (const c of ['c1', 'c2']) {
    const tps = await consumerBox(page, c).locator('.cparts tr[data-tp]').evaluateAll((trs) => trs.map((tr) => tr.dataset.tp));
    assert.ok(tps.length >= 1, `${c} owns a partition`);
    owned.push(...tps);
  }
  assert.deepEqual(owned.sort(), ['orders-0', 'orders-1', 'orders-2']);
  assert.equal(await page.locator('.consumer.leader').count(), 1, 'one group leader is marked');
  // The coordinator's __consumer_offsets partition is drawn compactly, marked with the group.
  assert.equal(await page.locator(`.broker[data-node="broker-${g.coordinator}"] .ochip.coord[data-tp="__consumer_offsets-${g.offsets_partition}"]`).count(), 1);
  assert.match(await page.locator('#offsets-note').innerText(), /3 partitions.*default 50/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'group-2-1280x800.png'), fullPage: true });

  await startConsumer(page, { name: 'c3' });
  await startConsumer(page, { name: 'c4' });
  await runSeconds(page, 10);
  v = await view(page);
  g = groupOf(v, 'g1');
  assert.equal(g.members.length, 4);
  assert.equal(g.state, 'stable');
  const idle = v.consumers.filter((c) => c.idle);
  assert.equal(idle.length, 1, 'exactly one idle member');
  const idleBox = consumerBox(page, idle[0].name);
  assert.equal(await idleBox.getAttribute('data-idle'), 'true');
  assert.match(await idleBox.innerText(), /idle: no partition assigned/);
  assert.equal(await idleBox.locator('.cparts').count(), 0);
  assert.equal(await page.locator('.consumer.idle').count(), 1);
  assert.match(await page.locator('.group[data-group="g1"] .ghead').innerText(), new RegExp(`generation ${g.generation}\\b`));
  await page.screenshot({ path: path.join(ARTIFACTS, 'group-idle-1280x800.png'), fullPage: true });
  await assertNarrated(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test('produce, poll and commit: the lag shown goes to 0', async () => {
  const { page, problems } = await open();
  await startConsumer(page, { name: 'c1', autoCommit: false });
  await runSeconds(page, 10);
  // A first commit of the starting positions (0), so the lag is defined.
  await press(page, 'c1', 'commit');
  await runSeconds(page, 1);
  for (const [key, value] of [['hello', 'h'], ['user-2', 'u'], ['a', 'x'], ['a', 'y']]) await produce(page, { key, value });
  await runSeconds(page, 1);
  const lags = () => consumerBox(page, 'c1').locator('.cparts td.lag').allInnerTexts();
  assert.deepEqual((await lags()).map(Number).reduce((a, b) => a + b, 0), 4, 'four records not yet committed');
  assert.ok(await page.locator('.cparts td.lag.behind').count() > 0, 'lag drawn as behind');

  await press(page, 'c1', 'poll');
  const polled = await consumerBox(page, 'c1').locator('.polled li').allInnerTexts();
  assert.equal(polled.length, 4, 'the last polled records are shown as text');
  assert.ok(polled.some((s) => s.includes('hello→h')), polled.join('\n'));
  assert.match(await page.locator('#log').innerText(), /c1 polls 4 record\(s\)/);
  assert.equal((await lags()).map(Number).reduce((a, b) => a + b, 0), 4, 'polled but not committed: still lagging');

  await press(page, 'c1', 'commit');
  await runSeconds(page, 1);
  assert.deepEqual(await lags(), ['0', '0', '0']);
  const v = await view(page);
  assert.ok(groupOf(v, 'g1').offsets.every((o) => o.lag === 0));
  assert.match(await page.locator('.group[data-group="g1"] .ghead').innerText(), /lag 0/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'lag-zero-1280x800.png'), fullPage: true });
  await assertNarrated(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a crashed consumer is removed after session.timeout.ms and the group rebalances; a restart resumes from the commit', async () => {
  const { page, problems } = await open();
  await startConsumer(page, { name: 'c1' });
  await startConsumer(page, { name: 'c2' });
  await runSeconds(page, 10);
  const before = groupOf(await view(page), 'g1');
  await press(page, 'c2', 'crash');
  await page.locator('.consumer[data-node="c2"].stopped').waitFor();
  assert.match(await page.locator('#log').innerText(), /c2 crashes/);
  let g = groupOf(await view(page), 'g1');
  assert.equal(g.members.length, 2, 'the coordinator has not noticed yet');
  assert.match(await consumerBox(page, 'c2').locator('.ghost-text').innerText(), /still counts it as a member owning orders-\d.*session\.timeout\.ms \(45 s\)/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'crashed-1280x800.png'), fullPage: true });
  // session.timeout.ms is Kafka's default 45 s.
  await runSeconds(page, 50);
  g = groupOf(await view(page), 'g1');
  assert.equal(g.members.length, 1);
  assert.ok(g.generation > before.generation);
  assert.equal(g.state, 'stable');
  assert.equal(await consumerBox(page, 'c1').locator('.cparts tr[data-tp]').count(), 3, 'c1 now owns every partition');
  assert.match(await page.locator('.group[data-group="g1"] .ghead').innerText(), new RegExp(`generation ${g.generation}\\b`));
  assert.match(await page.locator('#log').innerText(), /removes member c2-[0-9a-f]{8}: no heartbeat within session\.timeout\.ms/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'crash-rebalanced-1280x800.png'), fullPage: true });

  await press(page, 'c2', 'restart');
  await runSeconds(page, 10);
  g = groupOf(await view(page), 'g1');
  assert.equal(g.members.length, 2, 'c2 rejoined');
  assert.ok((await view(page)).consumers.find((c) => c.name === 'c2').partitions.length >= 1);
  await assertNarrated(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test('network controls: cut and heal a link, isolate and heal a node, preferred leader election', async () => {
  const { page, problems } = await open();
  await page.click('#net-panel summary');
  await page.selectOption('#net-a', 'broker-1');
  await page.selectOption('#net-b', 'broker-2');
  await page.click('#btn-cut');
  await drawn(page);
  assert.match(await page.locator('#net-state').innerText(), /broker 1 ⇹ broker 2/);
  assert.deepEqual((await view(page)).network.cut_links, [['broker-1', 'broker-2']]);
  await page.click('#btn-heal-link');
  await drawn(page);
  assert.deepEqual((await view(page)).network.cut_links, []);
  await page.selectOption('#net-node', 'broker-3');
  await page.click('#btn-isolate-node');
  await page.locator('.broker[data-node="broker-3"].isolated').waitFor();
  await page.click('#btn-heal-node');
  assert.deepEqual((await view(page)).network.isolated, []);
  await page.click('#btn-preferred');
  await runSeconds(page, 1);
  const log = await page.locator('#log').innerText();
  assert.match(log, /The link between broker 1 and broker 2 is cut/);
  assert.match(log, /Broker 3 is back on the network/);
  assert.doesNotMatch(await page.locator('#status').innerText(), /Refused/);
  await assertNarrated(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test('consumer screenshots at 1280×800 and 800×600, in English and Korean', async () => {
  for (const [w, h] of [[1280, 800], [800, 600]]) {
    const { page, problems } = await open({ width: w, height: h });
    for (const name of ['c1', 'c2', 'c3', 'c4']) await startConsumer(page, { name });
    await runSeconds(page, 10);
    await produce(page, { key: 'hello', value: 'hi' });
    await produce(page, { key: 'user-2', value: 'clicked' });
    await runSeconds(page, 1);
    for (const name of ['c1', 'c2', 'c3']) await press(page, name, 'poll');
    await press(page, 'c1', 'commit');
    for (let i = 0; i < 3; i++) await page.click('#btn-step');
    await page.waitForTimeout(300);
    await page.locator('.consumers-area').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, `consumers-${w}x${h}.png`) });
    await page.screenshot({ path: path.join(ARTIFACTS, `consumers-${w}x${h}-full.png`), fullPage: true });
    await page.selectOption('#lang', 'ko');
    await page.locator('#btn-step', { hasText: '한 단계' }).waitFor();
    await page.locator('.consumers-area').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, `consumers-${w}x${h}-ko.png`) });
    await assertNarrated(page);
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('a consumer started from the page polls in a loop; stopped, it joins a rebalance only when Poll is clicked', async () => {
  const { page, problems } = await open();
  await startConsumer(page, { name: 'c1' });
  await runSeconds(page, 10);
  let v = await view(page);
  assert.equal(v.consumers.find((c) => c.name === 'c1').keep_polling_ms, 100);
  assert.match(await consumerBox(page, 'c1').locator('.loop-text').innerText(), /polls every 100 ms/);
  // The application stops its loop: the card says so, and a newcomer's rebalance waits for c1's poll.
  await press(page, 'c1', 'loop');
  v = await view(page);
  assert.equal(v.consumers.find((c) => c.name === 'c1').keep_polling_ms, null);
  assert.match(await consumerBox(page, 'c1').locator('.loop-text').innerText(), /polls only when you click Poll/);
  await startConsumer(page, { name: 'c2' });
  await runSeconds(page, 5);
  v = await view(page);
  assert.equal(v.consumers.find((c) => c.name === 'c1').next_poll, 'rejoin');
  assert.match(await consumerBox(page, 'c1').locator('.loop-text').innerText(), /a rebalance waits for its next poll/);
  assert.equal(groupOf(v, 'g1').state, 'preparing_rebalance');
  await page.screenshot({ path: path.join(ARTIFACTS, 'poll-loop-stopped-1280x800.png'), fullPage: false });
  // Each click of Poll moves c1 on: it rejoins, takes the answer, applies its assignment.
  for (let i = 0; i < 4; i++) {
    await press(page, 'c1', 'poll');
    await runSeconds(page, 1);
  }
  v = await view(page);
  assert.equal(groupOf(v, 'g1').state, 'stable');
  assert.equal(v.consumers.find((c) => c.name === 'c1').next_poll, null);
  // The Loop button starts the loop again.
  await press(page, 'c1', 'loop');
  v = await view(page);
  assert.equal(v.consumers.find((c) => c.name === 'c1').keep_polling_ms, 100);
  assert.deepEqual(problems, []);
});
