// Browser tests of serializers and schemas in the page, played through the Lessons panel:
// the schema registry drawn as a node with its subjects, a record's bytes with the wire
// format's parts labelled, a poison pill and the seek past it, a refused schema (409),
// and the writer's schema beside each reader's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, open, view, ARTIFACTS, drawn, playLesson } from './harness.mjs';

useBrowser();

const SHOTS = path.join(ARTIFACTS, 'schemas');
fs.mkdirSync(SHOTS, { recursive: true });
const shot = (name) => path.join(SHOTS, name);

const consumer = (page, name) => page.locator(`.consumer[data-node="${name}"]`);

test('a poison pill: the card shows the error and the record’s bytes, and offers the seek past it', async () => {
  const { page, problems } = await open();
  // Up to the lesson's own seek (command 15): two polls have failed at users-0 offset 1.
  await playLesson(page, '13-poison-pill.json', 15);
  const card = consumer(page, 'int-consumer');
  const pill = card.locator('.pill');
  await pill.waitFor();
  assert.equal(await pill.getAttribute('data-offset'), '1');
  const text = await pill.innerText();
  assert.match(text, /poll fails at users-0 offset 1/);
  assert.match(text, /RecordDeserializationException: SerializationException: Size of data received by IntegerDeserializer is not 4/);
  assert.equal(await pill.locator('.bgroup code').innerText(), '68 65 6c 6c 6f', 'the skipped record’s bytes');
  assert.match(text, /5 bytes/);
  assert.match(text, /“hello”/);
  assert.match(await card.locator('.serde').innerText(), /value: IntegerDeserializer/);
  await card.evaluate((e) => e.scrollIntoView({ block: 'center' }));
  await drawn(page, 500);
  await page.screenshot({ path: shot('poison-pill-1280x800.png') });

  // The record's bytes in the byte panel, from the card; Escape closes it and focus comes back.
  await pill.locator('button[data-act="bytes"]').click();
  const dlg = page.locator('#bytes');
  await dlg.waitFor();
  assert.equal(await dlg.getAttribute('data-offset'), '1');
  assert.match(await dlg.locator('[data-field="value"]').innerText(), /Value · 5 bytes[\s\S]*68 65 6c 6c 6f[\s\S]*As UTF-8 text: “hello”/);
  assert.match(await dlg.locator('[data-field="key"]').innerText(), /Key: null/);
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.getElementById('bytes').open);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.act), 'bytes', 'focus back on the button that opened it');

  // Seek past it: through the page's command path, so it is in the run's log (and its link).
  const seek = pill.locator('button[data-act="seek-past"]');
  assert.equal(await seek.innerText(), 'Seek past offset 1');
  await seek.click();
  await drawn(page);
  const log = await page.evaluate(() => window.kafkascope.log());
  assert.deepEqual(log.at(-1)[1].command, { cmd: 'seek', consumer: 'int-consumer', topic: 'users', partition: 0, offset: 2 });
  let v = await view(page);
  assert.equal(v.consumers.find((c) => c.name === 'int-consumer').partitions[0].position, 2, 'the consumer moved past');
  assert.equal(await pill.count(), 0, 'no poison pill any more');
  assert.match(await card.locator('.skipped').innerText(), /users-0@1 skipped: seek\(\) to offset 2/);
  assert.match(await page.locator('#status').innerText(), /int-consumer seeks users-0 to offset 2/);

  // The next poll (once the consumer fetched from there) returns the next record: 8 at offset 2.
  await page.click('#btn-run1');
  await card.locator('button[data-act="poll"]').click();
  await drawn(page, 500);
  const polled = await card.locator('.polled li').allInnerTexts();
  assert.equal(polled.at(-1), 'users-0@2 ∅→8', polled.join('\n'));
  v = await view(page);
  assert.equal(v.consumers.find((c) => c.name === 'int-consumer').partitions[0].position, 3);
  await card.evaluate((e) => e.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: shot('poison-pill-skipped-1280x800.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a refused schema: the registry shows its subject and the 409, the producer its failed send', async () => {
  const { page, problems } = await open();
  await playLesson(page, '14-schema-refused.json');
  const reg = page.locator('.registry[data-node="schema-registry"]');
  await reg.waitFor();
  const subject = reg.locator('li[data-subject="users-value"]');
  assert.match(await subject.innerText(), /users-value\s+BACKWARD \(global\)/);
  assert.deepEqual(await subject.locator('.versions li b').allInnerTexts(), ['v1 · id 1']);
  assert.match(await subject.locator('.versions li').innerText(), /User \{name: string\}/);
  const refusal = reg.locator('.refusal');
  assert.match(await refusal.innerText(), /✕ refused a schema for users-value: HTTP 409/);
  // Java Avro's SchemaCompatibility names the incompatibility, its path and the field (Confluent's 409 details).
  assert.match(await refusal.innerText(), /errorType:'READER_FIELD_MISSING_DEFAULT_VALUE'.*'\/fields\/1'.*additionalInfo:'age'/);
  const p2 = page.locator('.producer[data-node="app-v2"]');
  assert.match(await p2.locator('.fail').innerText(), /✕ send to users failed \(2\.103 s\):\s+SerializationException: Error registering Avro schema \(error code 409\)/);
  assert.match(await p2.locator('.serde').innerText(), /value: KafkaAvroSerializer · User \{name: string, age: int\}/);
  assert.equal(await page.locator('.producer[data-node="app-v1"] .fail').count(), 0, 'app-v1’s sends went through');
  // Only app-v1's record reached the topic.
  const v = await view(page);
  assert.equal(v.brokers[0].replicas.find((r) => r.topic === 'users').log_end_offset, 1);
  await reg.evaluate((e) => e.scrollIntoView({ block: 'center' }));
  await drawn(page, 500);
  await page.screenshot({ path: shot('schema-refused-1280x800.png') });

  // The registry can be isolated like any node, and shows it.
  await reg.locator('button', { hasText: 'Isolate' }).click();
  await drawn(page);
  assert.ok(await reg.evaluate((e) => e.classList.contains('isolated')));
  assert.equal(await reg.locator('.badge.isolated').innerText(), 'isolated');
  assert.ok((await view(page)).network.isolated.includes('schema-registry'));
  assert.ok(await page.locator('#net-node option[value="schema-registry"]').count(), 'the network panel names it');
  await reg.locator('button', { hasText: 'Heal' }).click();
  await drawn(page);
  assert.ok(!(await reg.evaluate((e) => e.classList.contains('isolated'))));
  assert.deepEqual(problems, []);
  await page.close();
});

/** Opens the byte panel of one record of users-0 on its leader, with the keyboard. */
async function openRecord(page, offset) {
  const cell = page.locator(`.replica[data-tp="users-0"][data-role="leader"] .cell[data-offset="${offset}"]`);
  await page.locator('.replica[data-tp="users-0"][data-role="leader"] .cell[tabindex="0"]').focus();
  for (let i = 0; i < 4 && !(await cell.evaluate((e) => e === document.activeElement)); i++) await page.keyboard.press('ArrowLeft');
  assert.ok(await cell.evaluate((e) => e === document.activeElement), `cell ${offset} focused with the arrows`);
  await page.keyboard.press('Enter');
  await page.locator('#bytes').waitFor();
  await drawn(page);
}

test('schema evolution: a record’s bytes with magic byte, schema id and Avro body labelled, writer and reader schemas side by side', async () => {
  const { page, problems } = await open();
  await playLesson(page, '15-schema-evolution.json');
  const reg = page.locator('.registry[data-node="schema-registry"]');
  assert.deepEqual(await reg.locator('li[data-subject="users-value"] .versions li b').allInnerTexts(), ['v1 · id 1', 'v2 · id 2']);
  assert.match(await reg.locator('.node-sub').innerText(), /global compatibility BACKWARD/);
  assert.equal(await reg.locator('.refusal').count(), 0);
  assert.match(await consumer(page, 'reader-v2').locator('.serde').innerText(), /value: KafkaAvroDeserializer · reader schema User \{name: string, email: null\|string = null\}/);
  await drawn(page, 500);
  await page.screenshot({ path: shot('evolution-registry-1280x800.png') });

  // lee's record, written with v2 (schema id 2).
  await openRecord(page, 1);
  const dlg = page.locator('#bytes');
  assert.equal(await page.locator('#bytes-h').innerText(), 'Record users-0 @ offset 1');
  const value = dlg.locator('[data-field="value"]');
  const groups = await value.locator('.bgroup').evaluateAll((gs) => gs.map((g) => [g.className, g.querySelector('code').textContent, g.querySelector('.blabel').textContent]));
  assert.deepEqual(groups.map((g) => g[0]), ['bgroup magic', 'bgroup sid', 'bgroup body']);
  assert.deepEqual(groups[0].slice(1), ['00', 'magic byte 0']);
  assert.deepEqual(groups[1].slice(1), ['00 00 00 02', 'schema id 2 (4 bytes, big-endian)']);
  assert.match(groups[2][2], /^Avro body · 21 bytes$/);
  assert.ok(groups[2][1].startsWith('06 6c 65 65'), groups[2][1]);
  assert.match(await value.innerText(), /read with the writer’s schema: \{"email":"lee@example.com","name":"lee"\}/);
  const boxes = await value.locator('.bschema').evaluateAll((fs) => fs.map((f) => f.innerText));
  assert.equal(boxes.length, 3, 'the writer’s schema and two readers’');
  assert.match(boxes[0], /^Writer schema: id 2 = users-value v2/);
  assert.match(boxes[0], /"email"/);
  assert.match(boxes[1], /^Reader schema of reader-v1 \(KafkaAvroDeserializer\)/);
  assert.doesNotMatch(boxes[1], /"email"/, 'reader-v1’s schema has no email');
  assert.match(boxes[1], /Its poll returned: \{"name":"lee"\}/);
  assert.match(boxes[2], /^Reader schema of reader-v2/);
  assert.match(boxes[2], /Its poll returned: \{"email":"lee@example.com","name":"lee"\}/);
  await page.screenshot({ path: shot('bytes-avro-1280x800.png') });
  await page.click('#bytes-close');

  // kim's record, written with v1: id 1; reader-v2 fills email with its default.
  await openRecord(page, 0);
  assert.equal(await value.locator('.bgroup.sid code').innerText(), '00 00 00 01');
  assert.match(await value.locator('.bgroup.sid .blabel').innerText(), /schema id 1/);
  assert.match(await value.locator('.bschema').first().innerText(), /^Writer schema: id 1 = users-value v1/);
  assert.match(await value.locator('.bschema').nth(2).innerText(), /Its poll returned: \{"email":null,"name":"kim"\}/);
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => document.activeElement?.closest('.cell')?.dataset.offset), '0', 'focus back on the record');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the byte panel and the registry at 800×600, in Korean, and the embed view', async () => {
  const { page, problems } = await open({ width: 800, height: 600 });
  await playLesson(page, '15-schema-evolution.json');
  await page.locator('.registry').evaluate((e) => e.scrollIntoView({ block: 'center' }));
  await drawn(page, 500);
  await page.screenshot({ path: shot('registry-800x600.png') });
  await openRecord(page, 1);
  await page.screenshot({ path: shot('bytes-avro-800x600.png') });
  await page.keyboard.press('Escape');
  await page.selectOption('#lang', 'ko');
  await drawn(page);
  const reg = page.locator('.registry');
  assert.match(await reg.locator('.node-title').innerText(), /스키마 레지스트리/);
  assert.match(await reg.innerText(), /v2 · ID 2/);
  await openRecord(page, 0);
  assert.match(await page.locator('#bytes .bgroup.magic .blabel').innerText(), /매직 바이트 0/);
  await page.screenshot({ path: shot('bytes-avro-ko-800x600.png') });
  await page.keyboard.press('Escape');
  const link = await page.evaluate(() => window.kafkascope.link({ embed: true }));
  assert.deepEqual(problems, []);
  await page.close();

  const e = await open({ width: 800, height: 450 }, { at: link.slice(link.indexOf('?')) });
  await e.page.locator('.registry').waitFor();
  await drawn(e.page, 500);
  assert.equal(await e.page.locator('.registry button').isVisible(), false, 'no controls in an embed');
  await e.page.screenshot({ path: shot('embed-evolution-800x450.png') });
  assert.deepEqual(e.problems, []);
  await e.page.close();
});

test('garbled: Integers read as Strings show their control bytes, and the byte panel says what was written', async () => {
  const { page, problems } = await open();
  await playLesson(page, '12-serializers-garbled.json');
  const polled = await consumer(page, 'text-consumer').locator('.polled li').allInnerTexts();
  assert.deepEqual(polled, ['users-0@0 ∅→\\x00\\x00\\x00A', 'users-0@1 ∅→\\x00\\x00\\x03�']);
  assert.match(await page.locator('.producer[data-node="int-producer"] .serde').innerText(), /value: IntegerSerializer/);
  await openRecord(page, 0);
  const value = page.locator('#bytes [data-field="value"]');
  assert.equal(await value.locator('.bgroup.plain code').innerText(), '00 00 00 41');
  assert.equal(await value.locator('.bgroup').count(), 1, 'no wire format: one run of bytes');
  assert.match(await value.innerText(), /Not printable as UTF-8 text/);
  assert.match(await value.locator('.bschema').innerText(), /text-consumer reads it with StringDeserializer\s+Its poll returned: \\x00\\x00\\x00A/);
  await page.screenshot({ path: shot('bytes-garbled-1280x800.png') });
  assert.deepEqual(problems, []);
  await page.close();
});
