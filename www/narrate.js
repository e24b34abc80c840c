// Turns trace events into one plain sentence each, from the locale table, and
// says what each event is about (nodes, partitions, znodes) for highlighting.
// Every event kind has a template in every locale (tests/e2e/locales.test.mjs checks).

import { pairOf, pickParticle } from './josa.js';

// A Korean particle after a value is marked `{field}{이/가}` (either order, any pair
// www/josa.js knows), also after a closing quote or bracket: `“{field}”{을/를}`. fill
// writes the value and the one particle that fits how the value is read aloud
// (브로커 3이, orders를, producer-1로). Templates without markers, like every English
// one, fill as plain `{field}` placeholders.
const PLACEHOLDER = /\{(\w+)\}(?:([”’)\]]*)\{([가-힣]+)\/([가-힣]+)\})?/g;

export function fill(template, fields) {
  return String(template).replace(PLACEHOLDER, (m, k, close, a, b) => {
    if (!(k in fields)) return m;
    const value = String(fields[k]);
    if (a === undefined) return value;
    const pair = pairOf(a, b);
    return pair ? value + close + pickParticle(value, pair) : m;
  });
}

export function nodeName(L, node, atStart = false) {
  if (node === 'zookeeper') return L.nodes.zookeeper;
  if (node === 'schema-registry') return atStart ? L.nodes.schemaRegistryStart : L.nodes.schemaRegistry;
  // `broker-1`, or `cluster-b/broker-1` in a world of several clusters (ids repeat across them);
  // a KRaft controller is `controller-3000`.
  const m = /^(?:([^/]+)\/)?(broker|controller)-(\d+)$/.exec(node);
  if (!m) return node;
  const [plain, start] = m[2] === 'broker' ? [L.nodes.broker, L.nodes.brokerStart] : [L.nodes.controller, L.nodes.controllerStart];
  const name = fill(atStart && !m[1] ? start || plain : plain, { id: m[3] });
  return m[1] ? `${m[1]} ${name}` : name;
}

export const tpName = (tp) => (tp ? `${tp.topic}-${tp.partition}` : '');

/**
 * A message's summary from its parts (src/protocol/summary.rs `Message::summary`): values as they are,
 * words from the locale's `summaryWords` (the English word where a locale has none).
 */
export function summaryText(L, parts) {
  if (!Array.isArray(parts)) return String(parts ?? '');
  const words = L.summaryWords ?? {};
  return parts.map((p) => (p && typeof p === 'object' ? words[p.w] ?? p.w.replace(/_/g, ' ') : String(p)))
    .join(' ')
    .replace(/ ([,:])/g, '$1');
}
const list = (xs) => `[${(xs || []).join(', ')}]`;
const orNone = (L, x) => (x === null || x === undefined ? L.ui.none : x);
/** A group member id is `<client>-<8 hex digits>`: the client it belongs to. */
export const clientOfMember = (member) => String(member || '').replace(/-[0-9a-f]{8}$/, '');
const POLLED_SHOWN = 4;

/** A metadata record as the narration names it: Kafka's record type and what it is about. */
function metadataRecordParts(rec, h) {
  const broker = (id) => h.n(`broker-${id}`);
  const about = {
    RegisterBroker: () => broker(rec.broker_id),
    BrokerRegistrationChange: () => `${broker(rec.broker_id)}: ${rec.fenced == null ? '' : rec.fenced ? h.L.ui.fenced : h.L.ui.unfenced}`,
    Topic: () => rec.name,
    Partition: () => `${tpName(rec.tp)}, ${fill(h.L.ui.leaderIs, { id: orNone(h.L, rec.leader) })}, ISR ${list(rec.isr)}`,
    PartitionChange: () => [tpName(rec.tp), rec.leader !== undefined ? fill(h.L.ui.leaderIs, { id: orNone(h.L, rec.leader) }) : null, rec.isr ? `ISR ${list(rec.isr)}` : null].filter(Boolean).join(', '),
    ProducerIds: () => broker(rec.broker_id),
  }[rec.type];
  return { type: `${rec.type}Record`, about: about ? about() : '' };
}

/** A broker id of an event, as a node name: scoped by the event's cluster when it has one. */
const brokerNode = (ev, id) => (ev.cluster ? `${ev.cluster}/broker-${id}` : `broker-${id}`);

/** What an event is about: node names, "topic-partition"s and znode paths. */
export function refsOf(ev) {
  const nodes = new Set();
  const tps = new Set();
  const paths = new Set();
  for (const k of ['from', 'to', 'node', 'a', 'b', 'owner', 'watcher']) {
    if (typeof ev[k] === 'string') nodes.add(ev[k]);
  }
  if (typeof ev.broker === 'number') nodes.add(brokerNode(ev, ev.broker));
  // A KRaft controller's own events name it by `controller` (ZooKeeper mode's name a broker so).
  if (typeof ev.controller === 'number' && /^controller_|^metadata_record/.test(ev.type)) nodes.add(`${ev.cluster ? `${ev.cluster}/` : ''}controller-${ev.controller}`);
  for (const k of ['producer', 'client', 'consumer']) if (typeof ev[k] === 'string') nodes.add(ev[k]);
  if (typeof ev.member === 'string') nodes.add(clientOfMember(ev.member));
  if (ev.tp) tps.add(tpName(ev.tp));
  for (const tp of ev.partitions || []) if (tp && tp.topic) tps.add(tpName(tp));
  for (const r of ev.records || []) if (r && r.tp) tps.add(tpName(r.tp));
  for (const o of ev.offsets || []) if (Array.isArray(o)) tps.add(tpName(o[0]));
  if (ev.type === 'coordinator_loaded') tps.add(`__consumer_offsets-${ev.partition}`);
  if (ev.type === 'topic_created') (ev.assignment || []).forEach((_, p) => tps.add(`${ev.topic}-${p}`));
  if (typeof ev.path === 'string') paths.add(ev.path);
  if (ev.type === 'leader_changed') {
    if (ev.old != null) nodes.add(brokerNode(ev, ev.old));
    if (ev.new != null) nodes.add(brokerNode(ev, ev.new));
  }
  return { nodes: [...nodes], tps: [...tps], paths: [...paths] };
}

// Per event kind: the fields its template needs, or [template key, fields] when the
// sentence depends on the event (an empty list, a crash vs. a close, …).
const FIELDS = {
  message_sent: (ev, h) => ({ from: h.n0(ev.from), to: h.n(ev.to), kind: h.kind(ev.kind), summary: summaryText(h.L, ev.summary) }),
  message_delivered: (ev, h) => ({ from: h.n(ev.from), to: h.n0(ev.to), kind: h.kind(ev.kind) }),
  message_dropped: (ev, h) => ({ from: h.n(ev.from), to: h.n(ev.to), kind: h.kind(ev.kind), reason: h.L.reasons[ev.reason] || ev.reason }),
  broker_started: (ev) => ({ broker: ev.broker }),
  broker_start_failed: (ev) => (ev.owner_session_expires_at_ms == null
    ? ['broker_start_failed_no_expiry', { broker: ev.broker }]
    : { broker: ev.broker, s: (Math.max(0, ev.owner_session_expires_at_ms - (ev.time_ms || 0)) / 1000).toFixed(1) }),
  broker_stopped: (ev) => [ev.kraft ? 'broker_stopped_kraft' : 'broker_stopped', { broker: ev.broker }],
  broker_shut_down: (ev) => [ev.controlled ? 'broker_shut_down' : 'broker_shut_down_unclean', { broker: ev.broker }],
  controlled_shutdown_requested: (ev) => ({ broker: ev.broker, controller: ev.controller, attempt: ev.attempt }),
  controlled_shutdown_completed: (ev) => [ev.remaining.length ? 'controlled_shutdown_completed_remaining' : 'controlled_shutdown_completed', { broker: ev.broker, remaining: list(ev.remaining.map(tpName)) }],
  controlled_shutdown_failed: (ev, h) => [ev.retrying ? 'controlled_shutdown_failed' : 'controlled_shutdown_failed_last', { broker: ev.broker, attempt: ev.attempt, reason: h.L.reasons[ev.reason] || ev.reason }],
  broker_registered: (ev) => [ev.kraft ? 'broker_registered_kraft' : 'broker_registered', { broker: ev.broker }],
  node_isolated: (ev, h) => ({ node: h.n0(ev.node) }),
  node_healed: (ev, h) => ({ node: h.n0(ev.node) }),
  link_cut: (ev, h) => ({ a: h.n(ev.a), b: h.n(ev.b) }),
  link_healed: (ev, h) => ({ a: h.n(ev.a), b: h.n(ev.b) }),
  link_slowed: (ev, h) => ({ a: h.n(ev.a), b: h.n(ev.b), ms: ev.extra_ms }),
  zk_session_created: (ev, h) => ({ session: `0x${ev.session_id.toString(16)}`, owner: h.n(ev.owner), timeout: ev.timeout_ms / 1000 }),
  zk_session_expired: (ev, h) => ({ owner: h.n(ev.owner) }),
  zk_session_closed: (ev, h) => ({ owner: h.n(ev.owner) }),
  znode_created: (ev, h) => ({ path: ev.path, ephemeral: ev.ephemeral ? h.E.znode_created_ephemeral : '' }),
  znode_changed: (ev) => ({ path: ev.path, version: ev.version }),
  znode_deleted: (ev) => ({ path: ev.path }),
  watch_fired: (ev, h) => ({ path: ev.path, watcher: h.n(ev.watcher) }),
  controller_elected: (ev) => ({ broker: ev.broker, epoch: ev.epoch }),
  controller_resigned: (ev) => ({ broker: ev.broker, epoch: ev.epoch }),
  topic_created: (ev) => ({ topic: ev.topic, n: ev.assignment.length }),
  leader_changed: (ev, h) => ({ tp: tpName(ev.tp), old: h.b(ev.old), new: h.b(ev.new), epoch: ev.leader_epoch, isr: list(ev.isr), reason: h.L.elections[ev.reason] || ev.reason }),
  isr_changed: (ev) => ({ tp: tpName(ev.tp), old: list(ev.old), new: list(ev.new) }),
  became_leader: (ev) => ({ broker: ev.broker, tp: tpName(ev.tp), epoch: ev.leader_epoch }),
  became_follower: (ev, h) => ({ broker: ev.broker, tp: tpName(ev.tp), leader: h.b(ev.leader), epoch: ev.leader_epoch }),
  replica_stopped: (ev) => ({ broker: ev.broker, tp: tpName(ev.tp) }),
  records_appended: (ev) => ({ broker: ev.broker, tp: tpName(ev.tp), count: ev.count, offset: ev.base_offset, leo: ev.log_end_offset }),
  duplicate_batch_dropped: (ev) => ({ broker: ev.broker, tp: tpName(ev.tp), id: ev.producer_id, first: ev.base_sequence, last: ev.last_sequence, offset: ev.base_offset }),
  producer_ids_allocated: (ev) => [ev.kraft ? 'producer_ids_allocated_kraft' : 'producer_ids_allocated', { controller: ev.controller, broker: ev.broker, first: ev.first, last: ev.last }],

  // KRaft: the controllers' quorum and the metadata log.
  controller_started: (ev) => ({ controller: ev.controller }),
  controller_stopped: (ev) => ({ controller: ev.controller }),
  controller_activated: (ev) => ({ controller: ev.controller, epoch: ev.epoch }),
  quorum_state_changed: (ev, h) => [h.L.events[`quorum_${ev.state}`] ? `quorum_${ev.state}` : 'quorum_state_changed', {
    node: h.n0(ev.node), epoch: ev.epoch, leader: orNone(h.L, ev.leader), state: h.L.quorumStates[ev.state] ?? ev.state,
  }],
  quorum_vote_granted: (ev, h) => [ev.pre_vote ? 'quorum_prevote_granted' : 'quorum_vote_granted', { node: h.n0(ev.node), candidate: ev.candidate, epoch: ev.epoch }],
  metadata_record_written: (ev, h) => ({ controller: ev.controller, offset: ev.offset, ...metadataRecordParts(ev.record, h) }),
  metadata_committed: (ev, h) => ({ node: h.n0(ev.node), hw: ev.high_watermark }),
  metadata_truncated: (ev, h) => ({ node: h.n0(ev.node), offset: ev.end_offset, n: ev.removed }),
  broker_fencing_changed: (ev) => [ev.fenced ? 'broker_fencing_changed' : 'broker_unfenced', { broker: ev.broker }],
  high_watermark_advanced: (ev) => ({ broker: ev.broker, tp: tpName(ev.tp), old: ev.old, new: ev.new }),
  log_truncated: (ev) => ({ broker: ev.broker, tp: tpName(ev.tp), leo: ev.new_log_end_offset, lost: ev.lost }),
  isr_shrink_proposed: (ev) => ({ broker: ev.broker, tp: tpName(ev.tp), replicas: list(ev.out_of_sync) }),
  isr_expand_proposed: (ev) => ({ broker: ev.broker, tp: tpName(ev.tp), replica: ev.caught_up }),
  alter_partition_refused: (ev) => ({ broker: ev.broker, tp: tpName(ev.tp), error: ev.error }),
  stale_controller_request_refused: (ev) => ({ broker: ev.broker, controller: ev.controller, api: ev.api, epoch: ev.controller_epoch, latest: ev.latest_epoch }),
  controller_request_failed: (ev) => ({ controller: ev.controller, broker: ev.broker, api: ev.api, error: ev.error }),
  produce_queued: (ev, h) => ({ producer: ev.producer, tp: tpName(ev.tp), seq: ev.seq, key: orNone(h.L, ev.key), value: orNone(h.L, ev.value) }),
  produce_acknowledged: (ev) => (ev.base_offset === null || ev.base_offset === undefined
    ? ['produce_acknowledged_none', { producer: ev.producer, tp: tpName(ev.tp) }]
    : { producer: ev.producer, tp: tpName(ev.tp), offset: ev.base_offset }),
  produce_refused: (ev, h) => ({ producer: ev.producer, tp: tpName(ev.tp), error: ev.error, retry: ev.retrying ? h.E.produce_retrying : '' }),
  produce_failed: (ev) => ({ producer: ev.producer, topic: ev.topic, error: ev.error }),
  producer_closing: (ev) => ({ producer: ev.producer, n: ev.outstanding }),
  producer_stopped: (ev) => [ev.crashed ? 'producer_stopped_crashed' : ev.unfinished ? 'producer_stopped_aborted' : 'producer_stopped', { producer: ev.producer, n: ev.unfinished }],
  producer_id_received: (ev) => ({ producer: ev.producer, broker: ev.broker, id: ev.producer_id, epoch: ev.producer_epoch }),
  producer_epoch_bumped: (ev) => ({ producer: ev.producer, epoch: ev.producer_epoch, tp: tpName(ev.tp) }),
  metadata_updated: (ev, h) => ({ client: ev.client, topic: ev.topic, leaders: list(ev.leaders.map((l) => orNone(h.L, l))) }),

  // The group coordinator.
  coordinator_loaded: (ev) => (ev.groups.length
    ? { broker: ev.broker, partition: ev.partition, groups: ev.groups.join(', ') }
    : ['coordinator_loaded_none', { broker: ev.broker, partition: ev.partition }]),
  group_member_added: (ev, h) => ({ group: ev.group, member: ev.member, client: h.n0(ev.client) }),
  group_member_removed: (ev, h) => ({ group: ev.group, member: ev.member, reason: h.why(ev.reason) }),
  rebalance_started: (ev, h) => ({ group: ev.group, generation: ev.generation, reason: h.why(ev.reason) }),
  group_state_changed: (ev, h) => ({
    group: ev.group,
    state: h.L.groupStates[ev.state] || ev.state,
    generation: ev.generation,
    leader: ev.leader ? fill(h.E.group_state_leader, { leader: ev.leader }) : '',
    protocol: ev.protocol ? fill(h.E.group_state_protocol, { protocol: ev.protocol }) : '',
  }),

  // Consumers.
  consumer_started: (ev) => (ev.group ? { consumer: ev.consumer, group: ev.group } : ['consumer_started_nogroup', { consumer: ev.consumer }]),
  consumer_stopped: (ev) => [ev.left_group ? 'consumer_stopped_left' : 'consumer_stopped', { consumer: ev.consumer }],
  coordinator_found: (ev) => ({ consumer: ev.consumer, broker: ev.broker }),
  assignment_received: (ev, h) => [ev.partitions.length ? 'assignment_received' : 'assignment_received_none', {
    consumer: ev.consumer, group: ev.group, generation: ev.generation, member: ev.member,
    partitions: list(ev.partitions.map(tpName)), leader: ev.leader ? h.E.assignment_leader : '',
  }],
  partitions_revoked: (ev) => ({ consumer: ev.consumer, partitions: list(ev.partitions.map(tpName)) }),
  position_set: (ev, h) => ({ consumer: ev.consumer, tp: tpName(ev.tp), offset: ev.offset, from: h.L.positionSources[ev.from] || ev.from }),
  records_polled: (ev, h) => {
    if (!ev.records.length) return ['records_polled_none', { consumer: ev.consumer }];
    const shown = ev.records.slice(0, POLLED_SHOWN).map((r) => fill(h.E.polled_record, { tp: tpName(r.tp), offset: r.offset, key: orNone(h.L, r.key), value: orNone(h.L, r.value) }));
    if (ev.records.length > POLLED_SHOWN) shown.push('…');
    return { consumer: ev.consumer, n: ev.records.length, records: shown.join(', ') };
  },
  offsets_committed: (ev, h) => ({
    consumer: ev.consumer, group: ev.group, auto: ev.auto ? h.E.offsets_committed_auto : '',
    offsets: ev.offsets.map(([tp, o]) => `${tpName(tp)} → ${o}`).join(', '),
  }),
  offset_commit_failed: (ev) => ({ consumer: ev.consumer, group: ev.group, error: ev.error }),
  poll_loop_changed: (ev) => [ev.every_ms == null ? 'poll_loop_stopped' : 'poll_loop_changed', { consumer: ev.consumer, ms: ev.every_ms }],
  poll_interval_exceeded: (ev) => ({ consumer: ev.consumer, ms: ev.max_poll_interval_ms }),
  poll_failed: (ev) => ({ consumer: ev.consumer, tp: tpName(ev.tp), offset: ev.offset, error: ev.error }),
  schema_registry_started: (ev) => ({ topic: ev.topic }),
  schema_registry_ready: (ev) => ({ schemas: ev.schemas }),
  schema_registry_stopped: () => ({}),
  schema_registered: (ev) => ({ subject: ev.subject, version: ev.version, id: ev.id }),
  schema_refused: (ev) => ({ subject: ev.subject, status: ev.http_status, error: ev.error }),
  compatibility_set: (ev) => [ev.subject === null ? 'compatibility_set_global' : 'compatibility_set', { subject: ev.subject, level: ev.level }],
};

/** The event kinds narrated (for tests). */
export const NARRATED = Object.keys(FIELDS);

/**
 * The template key and the fields of one trace event's sentence: [key, fields], the key
 * one of L.events (`unknown` for a kind without a template). `narrate` fills exactly these;
 * tests check the particles of the real values against them.
 */
export function sentenceParts(L, ev) {
  const E = L.events;
  const h = {
    L,
    E,
    n: (x) => nodeName(L, x),
    n0: (x) => nodeName(L, x, true),
    b: (id) => (id === null || id === undefined ? L.ui.none : fill(L.nodes.broker, { id })),
    kind: (k) => L.kinds[k] || k,
    why: (r) => (L.groupReasons && L.groupReasons[r]) || r,
  };
  const f = FIELDS[ev.type];
  if (!f) return ['unknown', { type: ev.type }];
  const out = f(ev, h);
  const [key, fields] = Array.isArray(out) ? out : [ev.type, out];
  return [key in E ? key : 'unknown', { type: ev.type, ...fields }];
}

/**
 * An event's sentence with the cluster it happened in, when the world holds several (their
 * broker ids repeat), unless the sentence names it already.
 */
export const inCluster = (ev, s) => (ev.cluster && !s.includes(`${ev.cluster} `) ? `${ev.cluster}: ${s}` : s);

/** One sentence for one trace event. */
export function narrate(L, ev) {
  const [key, fields] = sentenceParts(L, ev);
  return inCluster(ev, fill(L.events[key], fields));
}
