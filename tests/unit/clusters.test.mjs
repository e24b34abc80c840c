// Several clusters on one ZooKeeper repeat broker ids (each cluster has a broker 1): the
// narration and the highlighting name a broker by its cluster and id, in both languages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import en from '../../www/locales/en.js';
import ko from '../../www/locales/ko.js';
import { narrate, nodeName, refsOf } from '../../www/narrate.js';

test('a broker of a world with several clusters is named with its cluster', () => {
  assert.equal(nodeName(en, 'cluster-b/broker-1'), 'cluster-b broker 1');
  assert.equal(nodeName(ko, 'cluster-b/broker-1'), 'cluster-b 브로커 1');
  assert.equal(nodeName(en, 'broker-1'), 'broker 1');
  assert.equal(narrate(ko, { type: 'link_cut', a: 'cluster-b/broker-1', b: 'zookeeper' }).includes('cluster-b 브로커 1과'), true);
});

test('an event of one of several clusters says which cluster it happened in, once', () => {
  assert.equal(narrate(en, { type: 'broker_started', broker: 1, cluster: 'cluster-b' }), 'cluster-b: Broker 1 starts.');
  assert.equal(narrate(en, { type: 'broker_started', broker: 1 }), 'Broker 1 starts.');
  const s = narrate(en, { type: 'link_cut', a: 'cluster-b/broker-1', b: 'zookeeper', cluster: 'cluster-b' });
  assert.equal(s, 'The link between cluster-b broker 1 and ZooKeeper is cut.');
  assert.match(narrate(ko, { type: 'broker_started', broker: 1, cluster: 'cluster-b' }), /^cluster-b: 브로커 1/);
});

test('what an event is about names the broker of its own cluster', () => {
  const ev = { type: 'leader_changed', cluster: 'cluster-b', tp: { topic: 'orders', partition: 0 }, old: 1, new: 2, broker: 3 };
  assert.deepEqual(refsOf(ev).nodes.sort(), ['cluster-b/broker-1', 'cluster-b/broker-2', 'cluster-b/broker-3']);
  assert.deepEqual(refsOf({ type: 'broker_started', broker: 1 }).nodes, ['broker-1']);
});
