// The engine's two builds (www/engine.js): the page's first load runs the lean Wasm
// (dist/pkg/) and fetches the Avro build (dist/pkg-avro/) only for a run that needs it.
// These tests check the choice and the loading, not the schema commands themselves: a run
// here may be refused by the engine, and the build it runs on must be the Avro one anyway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, open, produce, view, ARTIFACTS } from './harness.mjs';
import { encodeRun } from '../../www/link.js';

useBrowser();

const AVRO_PRODUCER = { cmd: 'add_producer', name: 'avro-p', config: { 'value.serializer': 'avro' } };
const engineOf = (page) => page.evaluate(() => document.body.dataset.engine);
const fetchedAvro = (requests) => requests.filter((u) => new URL(u).pathname.includes('/pkg-avro/'));
const fetchedLeanWasm = (requests) => requests.some((u) => new URL(u).pathname.endsWith('/pkg/kafkascope_bg.wasm'));

test('a plain first load runs the lean build and never requests pkg-avro/, not even for a lesson without schemas', async () => {
  const { page, problems, requests } = await open();
  assert.equal(await engineOf(page), 'lean');
  assert.ok(fetchedLeanWasm(requests), 'the lean Wasm is fetched');
  await page.waitForFunction(() => document.querySelectorAll('#lesson-select option').length > 0);
  await page.selectOption('#lesson-select', '01-partitioner.json');
  await page.click('#lesson-open');
  await page.waitForFunction(() => window.kafkascope.lesson()?.file === '01-partitioner.json');
  await page.click('#lesson-next');
  await page.waitForLoadState('networkidle');
  assert.deepEqual(fetchedAvro(requests), [], 'nothing of pkg-avro/ is requested');
  assert.equal(await engineOf(page), 'lean');
  assert.deepEqual(problems, []);
  await page.close();
});

test('needsAvro: schema commands, Avro (de)serializers in a client config, in a scenario or a link log', async () => {
  const { page, problems } = await open();
  const cases = [
    [[], false],
    [[{ cmd: 'create_topic', topic: 't', partitions: 1, replication_factor: 1 }], false],
    [[{ cmd: 'add_producer', name: 'p', config: { acks: 'all', 'value.serializer': 'string' } }], false],
    [[{ cmd: 'start_consumer', name: 'c', group: 'g', topics: ['t'], config: { 'key.deserializer': 'org.apache.kafka.common.serialization.StringDeserializer' } }], false],
    [[{ cmd: 'start_schema_registry' }], true],
    [[{ cmd: 'register_schema', subject: 's-value', schema: '"string"' }], true],
    [[{ cmd: 'set_compatibility', subject: 's-value', level: 'FULL' }], true],
    [[{ cmd: 'set_serializers', producer: 'p' }], true],
    [[{ cmd: 'create_topic', topic: 't', partitions: 1, replication_factor: 1 }, AVRO_PRODUCER], true],
    [[{ cmd: 'add_producer', name: 'p', config: { 'key.serializer': 'io.confluent.kafka.serializers.KafkaAvroSerializer' } }], true],
    [[{ cmd: 'start_consumer', name: 'c', config: { 'value.deserializer': 'io.confluent.kafka.serializers.KafkaAvroDeserializer' } }], true],
    [[{ cmd: 'start_consumer', name: 'c', config: { 'key.deserializer': 'avro' } }], true],
    [[{ cmd: 'produce', producer: 'p', topic: 't', value: 'avro' }], false],
    [[{ cmd: 'expect_error', command: { cmd: 'register_schema', subject: 's' }, contains: 'x' }], true],
    // A run's log, as a link holds it.
    [[[0, { command: { cmd: 'create_topic', topic: 't', partitions: 1, replication_factor: 1 } }], [12, { clock: 5000 }]], false],
    [[[0, { clock: 100 }], [3, { command: AVRO_PRODUCER }]], true],
    [[[0, { command: { cmd: 'set_serializers' } }]], true],
    ['not a list', false],
    [undefined, false],
  ];
  const got = await page.evaluate(async (cs) => {
    const { needsAvro } = await import('./engine.js');
    return cs.map(([items]) => needsAvro(items));
  }, cases);
  cases.forEach(([items, want], i) => assert.equal(got[i], want, JSON.stringify(items)));
  assert.deepEqual(problems, []);
  await page.close();
});

test('loadEngine: the lean build by default, the Avro build on demand, each loaded once', async () => {
  const { page, problems, requests } = await open();
  await page.waitForLoadState('networkidle');
  assert.deepEqual(fetchedAvro(requests), []);
  const r = await page.evaluate(async () => {
    const { loadEngine } = await import('./engine.js');
    const lean = await loadEngine(false);
    const avro = await loadEngine(true);
    const again = await loadEngine(true);
    // The Avro build runs a world like the lean one.
    const pg = new avro.Playground('');
    pg.run_for(100);
    pg.apply(JSON.stringify({ cmd: 'create_topic', topic: 'orders', partitions: 3, replication_factor: 3 }));
    pg.run_for(100);
    const topics = pg.view().topics.map((x) => x.name);
    pg.free();
    return {
      lean: lean.has_avro(),
      avro: avro.has_avro(),
      cached: again === avro,
      distinct: lean !== avro,
      partition: [lean.partition_for_key('user-2', 3), avro.partition_for_key('user-2', 3)],
      topics,
    };
  });
  assert.equal(r.lean, false, 'the lean build says it has no Avro');
  assert.equal(r.avro, true, 'the Avro build says it has Avro');
  assert.ok(r.cached && r.distinct, 'one module per build');
  assert.deepEqual(r.partition, [2, 2], 'both partition alike');
  assert.ok(r.topics.includes('orders'), 'the Avro build creates a topic');
  const avroFetched = fetchedAvro(requests).map((u) => new URL(u).pathname.split('/').pop());
  assert.deepEqual([...new Set(avroFetched)].sort(), ['kafkascope.js', 'kafkascope_bg.wasm']);
  assert.equal(avroFetched.filter((f) => f === 'kafkascope_bg.wasm').length, 1, 'the Avro Wasm is fetched once');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a link whose log needs Avro opens on the Avro build, without fetching the lean Wasm', async () => {
  const config = { seed: 1, clusters: [{ name: 'kafka', chroot: '', brokers: [1, 2, 3], config: {} }] };
  const code = await encodeRun({ config, log: [[0, { command: AVRO_PRODUCER }]], head: 0, step: 0, lang: 'en', speed: 5 });
  // The engine may refuse the command (then the page says the link cannot be replayed): the build is chosen before.
  const { page, problems, requests } = await open({ width: 1280, height: 800 }, { at: `#run=${code}`, cluster: false });
  assert.equal(await engineOf(page), 'avro');
  assert.equal(await page.evaluate(async () => (await (await import('./engine.js')).loadEngine(true)).has_avro()), true);
  assert.ok(fetchedAvro(requests).some((u) => u.endsWith('/pkg-avro/kafkascope_bg.wasm')), 'the Avro Wasm is fetched');
  assert.ok(!fetchedLeanWasm(requests), 'the lean Wasm is not fetched');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a scenario file that needs Avro starts on the Avro build', async () => {
  const { page, problems, requests } = await open();
  const sc = {
    name: 'avro-scenario',
    seed: 3,
    config: { clusters: [{ name: 'kafka', brokers: [1, 2, 3] }] },
    commands: [{ cmd: 'create_topic', topic: 'users', partitions: 1, replication_factor: 3 }, AVRO_PRODUCER],
  };
  const file = path.join(ARTIFACTS, 'avro-scenario.json');
  fs.writeFileSync(file, JSON.stringify(sc));
  await page.click('#files-panel > summary');
  await page.setInputFiles('#open-scenario', file);
  await page.waitForFunction(() => window.kafkascope.lesson()?.done === true);
  assert.equal(await engineOf(page), 'avro');
  assert.ok(fetchedAvro(requests).length > 0);
  assert.ok((await view(page)).topics.some((x) => x.name === 'users'), 'the run is the scenario’s, on the Avro build');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a command that needs Avro moves the run on the page to the Avro build: the same log, the same states', async () => {
  const { page, problems } = await open();
  await produce(page, { key: 'a', value: 'one' });
  await page.evaluate(() => window.kafkascope.runFor(2000));
  assert.equal(await engineOf(page), 'lean');
  const head = await page.evaluate(() => window.kafkascope.head());
  const log = await page.evaluate(() => window.kafkascope.log());
  const atHead = await view(page);
  await page.evaluate((s) => window.kafkascope.seek(s), head - 1);
  const before = await view(page);
  await page.evaluate((s) => window.kafkascope.seek(s), head);

  const accepted = await page.evaluate((cmd) => window.kafkascope.apply(cmd), AVRO_PRODUCER);
  assert.equal(await engineOf(page), 'avro');
  assert.deepEqual((await page.evaluate(() => window.kafkascope.log())).slice(0, log.length), log, 'the log came along');
  if (!accepted) assert.deepEqual(await view(page), atHead, 'a refused command leaves the run as it was');
  await page.evaluate((s) => window.kafkascope.seek(s), head - 1);
  assert.deepEqual(await view(page), before, 'an earlier step replays to the same state');
  assert.deepEqual(problems, []);
  await page.close();
});
