// Browser tests of the page's own controls for schemas: the button that starts the schema
// registry, the producer's value.serializer and value.schema, the consumer's
// value.deserializer and reader schema, and what the page says when one cannot be used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, open, view, ARTIFACTS, drawn } from './harness.mjs';

useBrowser();

const SHOTS = path.join(ARTIFACTS, 'schema-forms');
fs.mkdirSync(SHOTS, { recursive: true });
const shot = (name) => path.join(SHOTS, name);

const run = async (page) => {
  await page.click('#btn-run');
  await drawn(page);
};

test('the registry from its button, an Avro producer and consumer from the forms', async () => {
  const { page, problems } = await open();
  assert.equal(await page.evaluate(() => document.body.dataset.engine), 'lean');
  // Where the registry would stand: a quiet box with its button, no registry in the view.
  const off = page.locator('.registry-off');
  await off.waitFor();
  assert.match(await off.innerText(), /Schema registry\s+not running/);
  assert.equal((await view(page)).schema_registry, null);
  await off.evaluate((e) => e.scrollIntoView({ block: 'center' }));
  await drawn(page, 300);
  await page.screenshot({ path: shot('registry-button-1280x800.png') });
  await page.click('#btn-start-registry');
  const reg = page.locator('.registry[data-node="schema-registry"]');
  await reg.waitFor();
  assert.equal(await page.evaluate(() => document.body.dataset.engine), 'avro', 'the run moved to the Avro build');
  assert.equal(await off.count(), 0, 'the button is gone once a registry runs');
  assert.match(await page.locator('#status').innerText(), /The schema registry starts/);
  assert.equal((await page.evaluate(() => window.kafkascope.log())).at(-1)[1].command.cmd, 'start_schema_registry');

  // A topic, then the clock so the registry creates _schemas and serves.
  await page.fill('#t-name', 'users');
  await page.fill('#t-partitions', '1');
  await page.fill('#t-rf', '3');
  await page.click('#form-topic button[type=submit]');
  await run(page);
  assert.ok((await view(page)).schema_registry.ready, 'the registry serves');

  // An Avro producer with the form's example schema, and a record as JSON.
  await page.selectOption('#p-topic', 'users');
  assert.ok(await page.locator('#p-schema').isHidden(), 'no schema field for String');
  await page.selectOption('#p-vser', 'avro');
  assert.ok(await page.locator('#p-schema').isVisible());
  assert.deepEqual(JSON.parse(await page.inputValue('#p-schema')), { type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }] });
  assert.match(await page.locator('#p-ser-hint').innerText(), /users-value/);
  await page.fill('#p-value', '{"name": "kim"}');
  await page.click('#form-produce button[type=submit]');
  await drawn(page);
  assert.doesNotMatch(await page.locator('#status').innerText(), /Refused/);
  const log = (await page.evaluate(() => window.kafkascope.log())).map((e) => e[1].command).filter(Boolean);
  const add = log.at(-2);
  assert.equal(add.cmd, 'add_producer');
  assert.equal(add.name, 'producer-acksall-uniform-sticky-avro');
  assert.equal(add.config['value.serializer'], 'avro');
  assert.deepEqual(add.config['value.schema'], { type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }] });
  await run(page);

  const subject = reg.locator('li[data-subject="users-value"]');
  await subject.waitFor();
  assert.deepEqual(await subject.locator('.versions li b').allInnerTexts(), ['v1 · id 1']);
  const cell = page.locator('.replica[data-tp="users-0"][data-role="leader"] .cell[data-offset="0"]');
  assert.equal(await cell.locator('i').innerText(), 'id 1', 'the record cell shows the schema id');
  assert.match(await page.locator('.producer[data-node="producer-acksall-uniform-sticky-avro"] .serde').innerText(), /value: KafkaAvroSerializer · User \{name: string\}/);

  // An Avro consumer from the form (no reader schema: it reads with the writer's).
  await page.fill('#c-name', 'c1');
  await page.fill('#c-group', 'g1');
  await page.fill('#c-topics', 'users');
  await page.selectOption('#c-reset', 'earliest');
  assert.ok(await page.locator('#c-schema').isHidden());
  await page.selectOption('#c-vdeser', 'avro');
  assert.ok(await page.locator('#c-schema').isVisible());
  await page.click('#form-consumer button[type=submit]');
  await drawn(page);
  const started = (await page.evaluate(() => window.kafkascope.log())).at(-1)[1].command;
  assert.equal(started.config['value.deserializer'], 'avro');
  assert.equal(started.config['value.reader.schema'], undefined, 'no reader schema: the writer’s');
  await run(page);
  const card = page.locator('.consumer[data-node="c1"]');
  await card.locator('button[data-act="poll"]').click();
  await run(page);
  await card.locator('button[data-act="poll"]').click();
  await drawn(page, 300);
  const polled = await card.locator('.polled li').allInnerTexts();
  assert.ok(polled.some((x) => x.includes('{"name":"kim"}')), polled.join('\n'));
  assert.match(await card.locator('.serde').innerText(), /value: KafkaAvroDeserializer · reads with the writer’s schema/);
  await page.evaluate(() => window.scrollTo(0, 0));
  await drawn(page, 600);
  await page.screenshot({ path: shot('avro-forms-1280x800.png') });
  await card.evaluate((e) => e.scrollIntoView({ block: 'center' }));
  await drawn(page, 300);
  await page.screenshot({ path: shot('avro-consumer-1280x800.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a schema that is not JSON is refused by the page; Avro without a registry by the engine', async () => {
  const { page, problems } = await open();
  const before = await page.evaluate(() => window.kafkascope.log().length);
  await page.selectOption('#p-vser', 'avro');
  await page.fill('#p-schema', '{"type": "record", "name": ');
  await page.click('#form-produce button[type=submit]');
  await drawn(page);
  const status = page.locator('#status');
  assert.match(await status.innerText(), /^value\.schema \(Avro\): not a valid JSON schema \(.+\)\. Nothing was changed\.$/);
  assert.ok(await status.evaluate((e) => e.classList.contains('error')));
  assert.equal(await page.evaluate(() => window.kafkascope.log().length), before, 'no command went to the engine');
  assert.deepEqual((await view(page)).producers, [], 'no producer');
  assert.equal(await page.evaluate(() => document.body.dataset.engine), 'lean', 'nor did the run move to the Avro build');

  // A consumer's reader schema likewise.
  await page.selectOption('#c-vdeser', 'avro');
  await page.fill('#c-schema', 'not json');
  await page.click('#form-consumer button[type=submit]');
  await drawn(page);
  assert.match(await status.innerText(), /^value\.reader\.schema: not a valid JSON schema/);
  assert.deepEqual((await view(page)).consumers, []);

  // A good schema but no registry: the engine's refusal, shown as the page shows refusals.
  await page.fill('#p-schema', '{"type":"record","name":"User","fields":[{"name":"name","type":"string"}]}');
  await page.fill('#p-value', '{"name": "kim"}');
  await page.click('#form-produce button[type=submit]');
  await page.waitForFunction(() => /^Refused: /.test(document.getElementById('status').textContent));
  assert.match(await status.innerText(), /schema registry/);
  assert.match(await status.innerText(), /start_schema_registry/);
  assert.deepEqual((await view(page)).producers, []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('embed mode hides the registry button and the serializer fields', async () => {
  const { page, problems } = await open({ width: 800, height: 450 }, { at: '?embed=1' });
  assert.equal(await page.locator('.registry-off').isVisible(), false);
  assert.equal(await page.locator('#p-vser').isVisible(), false);
  assert.equal(await page.locator('#c-vdeser').isVisible(), false);
  assert.deepEqual(problems, []);
  await page.close();
});
