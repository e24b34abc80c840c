// The Wasm boundary as the page meets it: what it draws from comes as JavaScript values
// (serde-wasm-bindgen), a record's bytes as a Uint8Array, and a refusal as a JS Error that
// names the argument at fault (`field`), the refused command and Kafka's exception (js-sys).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, open } from './harness.mjs';

useBrowser();

test('the view, events and a record\'s bytes cross as JavaScript values, the bytes as a Uint8Array', async () => {
  const { page, problems } = await open();
  const r = await page.evaluate(async () => {
    const { loadEngine } = await import('./engine.js');
    const E = await loadEngine(false);
    const pg = new E.Playground('{"seed":1}');
    pg.run_for(100);
    pg.apply(JSON.stringify({ cmd: 'create_topic', topic: 't', partitions: 1, replication_factor: 3 }));
    pg.apply(JSON.stringify({ cmd: 'add_producer', name: 'p' }));
    pg.apply(JSON.stringify({ cmd: 'produce', producer: 'p', topic: 't', key: 'k', value: 'hi' }));
    pg.run_for(2000);
    const v = pg.view();
    const leader = v.partitions.find((p) => p.topic === 't').leader;
    const bytes = pg.record_bytes(0, leader, 't', 0, 0);
    const events = pg.events_since(0);
    return {
      viewIsObject: typeof v === 'object' && Array.isArray(v.brokers),
      nullKept: v.brokers.every((b) => b.start_failure === null),
      firstEvent: events[0].type,
      isUint8Array: bytes.value.bytes instanceof Uint8Array,
      value: [...bytes.value.bytes],
      key: new TextDecoder().decode(bytes.key.bytes),
    };
  });
  assert.deepEqual(r, { viewIsObject: true, nullKept: true, firstEvent: 'broker_started', isUint8Array: true, value: [0x68, 0x69], key: 'k' });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a refusal is a JS Error naming the field at fault, the command and Kafka\'s exception, and changes nothing', async () => {
  const { page, problems } = await open();
  const r = await page.evaluate(async () => {
    const { loadEngine } = await import('./engine.js');
    const E = await loadEngine(false);
    const pg = new E.Playground('{"seed":1}');
    pg.run_for(100);
    const caught = (f) => {
      try {
        f();
        return null;
      } catch (e) {
        return { isError: e instanceof Error, field: e.field, command: e.command ?? null, kafka: e.kafka ?? null, message: e.message };
      }
    };
    const len = pg.trace_len();
    return {
      topic: caught(() => pg.apply(JSON.stringify({ cmd: 'create_topic', topic: 'a b', partitions: 1, replication_factor: 1 }))),
      broker: caught(() => pg.apply(JSON.stringify({ cmd: 'stop_broker', broker: 9 }))),
      text: caught(() => pg.apply('{"cmd":')),
      seek: caught(() => pg.seek(1.5)),
      run: caught(() => pg.run_for(-1)),
      config: caught(() => new E.Playground('{"seed":"x"}')),
      unchanged: pg.trace_len() === len,
    };
  });
  assert.deepEqual(r.topic, { isError: true, field: 'command', command: 'create_topic', kafka: 'InvalidTopicException', message: r.topic.message });
  assert.match(r.topic.message, /^InvalidTopicException: /);
  assert.deepEqual([r.broker.field, r.broker.command, r.broker.kafka, r.broker.message], ['command', 'stop_broker', null, 'unknown broker 9']);
  assert.deepEqual([r.text.field, r.text.command], ['command', null]);
  assert.match(r.text.message, /^command is not valid/);
  assert.equal(r.seek.field, 'seek');
  assert.equal(r.run.field, 'run_for');
  assert.equal(r.config.field, 'config');
  assert.ok(r.unchanged, 'a refused command leaves the run as it was');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a run opened a part at a time is the run itself, and an opening used wrongly says what was wrong', async () => {
  const { page, problems } = await open();
  const r = await page.evaluate(async () => {
    const { loadEngine } = await import('./engine.js');
    const E = await loadEngine(false);
    const pg = new E.Playground('{"seed":3}');
    pg.run_for(100);
    pg.apply(JSON.stringify({ cmd: 'create_topic', topic: 't', partitions: 2, replication_factor: 3 }));
    pg.apply(JSON.stringify({ cmd: 'add_producer', name: 'p' }));
    for (let i = 0; i < 5; i++) {
      pg.apply(JSON.stringify({ cmd: 'produce', producer: 'p', topic: 't', value: `v${i}` }));
      pg.run_for(300);
    }
    const log = JSON.parse(pg.log_json());
    const caught = (f) => {
      try {
        f();
        return null;
      } catch (e) {
        return { field: e.field, message: e.message };
      }
    };
    const opening = E.Playground.open(JSON.stringify(pg.config()), pg.head(), 7);
    const badPart = caught(() => opening.feed('[[0, {"command": {"cmd": "nope"}}]]'));
    for (let i = 0; i < log.length; i += 3) opening.feed(JSON.stringify(log.slice(i, i + 3)));
    let slices = 1;
    while (!opening.advance(5)) slices++;
    const lateFeed = caught(() => opening.feed('[]'));
    const copy = opening.finish();
    const again = caught(() => opening.finish());
    opening.free();
    pg.seek(7);
    const same = JSON.stringify(copy.view()) === JSON.stringify(pg.view()) && copy.head() === pg.head();
    const early = E.Playground.open(JSON.stringify(pg.config()), pg.head(), 0);
    early.feed(JSON.stringify(log));
    early.advance(1);
    const notDone = caught(() => early.finish());
    const stillGoes = early.advance(1e6);
    early.free();
    return { badPart, slices, lateFeed, again, same, notDone, stillGoes };
  });
  assert.equal(r.badPart.field, 'log');
  assert.match(r.badPart.message, /^the run's log is not valid \(from entry 1\): unknown variant `nope`/);
  assert.ok(r.slices > 10, `cut into ${r.slices} slices of 5 steps`);
  assert.deepEqual(r.lateFeed, { field: 'log', message: "the run's log was already read: it is being replayed" });
  assert.deepEqual(r.again, { field: 'open', message: 'this run was already opened' });
  assert.ok(r.same, 'the run opened in slices draws as the original at the same step');
  assert.deepEqual(r.notDone, { field: 'open', message: 'the run is not rebuilt to its last step yet' });
  assert.equal(r.stillGoes, true, 'a refused finish leaves the opening as it was');
  assert.deepEqual(problems, []);
  await page.close();
});
