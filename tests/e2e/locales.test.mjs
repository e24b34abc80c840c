// Narration and labels without a browser: every trace event kind the engine can emit
// (read from src/trace.rs) has a sentence in every locale, and the locales agree on keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import en from '../../www/locales/en.js';
import ko from '../../www/locales/ko.js';
import { narrate, NARRATED } from '../../www/narrate.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const snake = (s) => s.replace(/[A-Z]/g, (c, i) => (i ? '_' : '') + c.toLowerCase());

/** The variants of `enum Event` in src/trace.rs, in serde's snake_case. */
function eventKinds() {
  const src = fs.readFileSync(path.join(ROOT, 'src/trace.rs'), 'utf8');
  const body = src.slice(src.indexOf('pub enum Event {'));
  const block = body.slice(0, body.indexOf('\n}\n'));
  return [...block.matchAll(/^\s{4}([A-Z]\w*)\s*[{,(]/gm)].map((m) => snake(m[1]));
}

/** The message kinds of `Message::kind` in src/protocol/message.rs. */
function messageKinds() {
  const src = fs.readFileSync(path.join(ROOT, 'src/protocol/message.rs'), 'utf8');
  const body = src.slice(src.indexOf('pub fn kind(&self)'));
  return [...body.slice(0, body.indexOf('\n    }\n')).matchAll(/=> "(\w+)"/g)].map((m) => m[1]);
}

test('every trace event kind is narrated, with a template in every locale', () => {
  const kinds = eventKinds();
  assert.ok(kinds.length >= 45, `found ${kinds.length} kinds`);
  for (const k of kinds) {
    assert.ok(NARRATED.includes(k), `narrate.js has no fields for ${k}`);
    for (const L of [en, ko]) assert.equal(typeof L.events[k], 'string', `${L.lang} has no sentence for ${k}`);
  }
});

test('every message kind has a name in every locale', () => {
  for (const k of messageKinds()) for (const L of [en, ko]) assert.ok(L.kinds[k], `${L.lang}.kinds.${k}`);
});

test('both locales have the same keys', () => {
  for (const table of ['ui', 'nodes', 'kinds', 'reasons', 'elections', 'events', 'groupStates', 'groupReasons', 'positionSources']) {
    assert.deepEqual(Object.keys(ko[table]).sort(), Object.keys(en[table]).sort(), table);
  }
});

test('the consumer events read as sentences, not field dumps', () => {
  const tp = { topic: 'orders', partition: 1 };
  const events = [
    { type: 'coordinator_loaded', broker: 2, partition: 1, groups: [] },
    { type: 'coordinator_loaded', broker: 2, partition: 1, groups: ['g1'] },
    { type: 'group_member_added', group: 'g1', member: 'c1-0a1b2c3d', client: 'c1' },
    { type: 'group_member_removed', group: 'g1', member: 'c1-0a1b2c3d', reason: 'session timeout' },
    { type: 'rebalance_started', group: 'g1', generation: 1, reason: 'new member joined' },
    { type: 'group_state_changed', group: 'g1', state: 'stable', generation: 2, leader: 'c1-0a1b2c3d', protocol: 'range' },
    { type: 'group_state_changed', group: 'g1', state: 'empty', generation: 3, leader: null, protocol: null },
    { type: 'consumer_started', consumer: 'c1', group: 'g1' },
    { type: 'consumer_started', consumer: 'c1', group: null },
    { type: 'consumer_stopped', consumer: 'c1', left_group: false },
    { type: 'consumer_stopped', consumer: 'c1', left_group: true },
    { type: 'coordinator_found', consumer: 'c1', broker: 2 },
    { type: 'assignment_received', consumer: 'c1', group: 'g1', generation: 2, member: 'c1-0a1b2c3d', partitions: [tp], leader: true },
    { type: 'assignment_received', consumer: 'c4', group: 'g1', generation: 2, member: 'c4-0a1b2c3d', partitions: [], leader: false },
    { type: 'partitions_revoked', consumer: 'c1', partitions: [tp] },
    { type: 'position_set', consumer: 'c1', tp, offset: 0, from: 'reset_earliest' },
    { type: 'records_polled', consumer: 'c1', records: [{ tp, offset: 0, key: 'k', value: 'v' }] },
    { type: 'records_polled', consumer: 'c1', records: [] },
    { type: 'offsets_committed', consumer: 'c1', group: 'g1', offsets: [[tp, 1]], auto: true },
    { type: 'offset_commit_failed', consumer: 'c1', group: 'g1', error: 'REBALANCE_IN_PROGRESS' },
  ];
  for (const L of [en, ko]) {
    for (const ev of events) {
      const s = narrate(L, ev);
      assert.doesNotMatch(s, /\{\w+\}|\w+: \{|undefined|null|\[object/, `${L.lang} ${ev.type}: ${s}`);
    }
  }
  assert.equal(narrate(en, events[16]), 'c1 polls 1 record(s): orders-1@0 k→v.');
  assert.match(narrate(ko, events[13]), /유휴/);
});
