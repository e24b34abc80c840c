// Turns trace events into one plain sentence each, from the locale table, and
// says what each event is about (nodes, partitions, znodes) for highlighting.

export function fill(template, fields) {
  return String(template).replace(/\{(\w+)\}/g, (m, k) => (k in fields ? String(fields[k]) : m));
}

export function nodeName(L, node, atStart = false) {
  if (node === 'zookeeper') return L.nodes.zookeeper;
  const m = /^broker-(\d+)$/.exec(node);
  if (m) return fill(atStart ? L.nodes.brokerStart || L.nodes.broker : L.nodes.broker, { id: m[1] });
  return node;
}

const tpName = (tp) => (tp ? `${tp.topic}-${tp.partition}` : '');
const list = (xs) => `[${(xs || []).join(', ')}]`;
const orNone = (L, x) => (x === null || x === undefined ? L.ui.none : x);

/** Heartbeats and fetches that carry no records: shown faintly, hidden from the log by default. */
export function isHousekeeping(ev) {
  if (ev.type !== 'message_sent') return false;
  if (ev.kind === 'ZkPing' || ev.kind === 'ZkPingResponse' || ev.kind === 'Fetch') return true;
  // A FetchResponse whose partitions all carry ×0 records and no error.
  if (ev.kind === 'FetchResponse') return !/×[1-9]/.test(ev.summary) && !/[A-Z]{3,}_[A-Z]/.test(ev.summary);
  return false;
}

/** What an event is about: node names, "topic-partition"s and znode paths. */
export function refsOf(ev) {
  const nodes = new Set();
  const tps = new Set();
  const paths = new Set();
  for (const k of ['from', 'to', 'node', 'a', 'b', 'owner', 'watcher']) {
    if (typeof ev[k] === 'string') nodes.add(ev[k]);
  }
  if (typeof ev.broker === 'number') nodes.add(`broker-${ev.broker}`);
  for (const k of ['producer', 'client', 'consumer']) if (typeof ev[k] === 'string') nodes.add(ev[k]);
  if (ev.tp) tps.add(tpName(ev.tp));
  if (ev.type === 'topic_created') (ev.assignment || []).forEach((_, p) => tps.add(`${ev.topic}-${p}`));
  if (typeof ev.path === 'string') paths.add(ev.path);
  if (ev.type === 'leader_changed') {
    if (ev.old != null) nodes.add(`broker-${ev.old}`);
    if (ev.new != null) nodes.add(`broker-${ev.new}`);
  }
  return { nodes: [...nodes], tps: [...tps], paths: [...paths] };
}

/** One sentence for one trace event. */
export function narrate(L, ev) {
  const E = L.events;
  const n = (x) => nodeName(L, x);
  const n0 = (x) => nodeName(L, x, true);
  const b = (id) => (id === null || id === undefined ? L.ui.none : fill(L.nodes.broker, { id }));
  const kind = (k) => L.kinds[k] || k;
  switch (ev.type) {
    case 'message_sent':
      return fill(E.message_sent, { from: n0(ev.from), to: n(ev.to), kind: kind(ev.kind), summary: ev.summary });
    case 'message_delivered':
      return fill(E.message_delivered, { from: n(ev.from), to: n0(ev.to), kind: kind(ev.kind) });
    case 'message_dropped':
      return fill(E.message_dropped, { from: n(ev.from), to: n(ev.to), kind: kind(ev.kind), reason: L.reasons[ev.reason] || ev.reason });
    case 'broker_started':
    case 'broker_stopped':
    case 'broker_registered':
      return fill(E[ev.type], { broker: ev.broker });
    case 'node_isolated':
    case 'node_healed':
      return fill(E[ev.type], { node: n0(ev.node) });
    case 'link_cut':
    case 'link_healed':
      return fill(E[ev.type], { a: n(ev.a), b: n(ev.b) });
    case 'zk_session_created':
      return fill(E.zk_session_created, { session: `0x${ev.session_id.toString(16)}`, owner: n(ev.owner), timeout: ev.timeout_ms / 1000 });
    case 'zk_session_expired':
      return fill(E.zk_session_expired, { owner: n(ev.owner) });
    case 'znode_created':
      return fill(E.znode_created, { path: ev.path, ephemeral: ev.ephemeral ? E.znode_created_ephemeral : '' });
    case 'znode_changed':
      return fill(E.znode_changed, { path: ev.path, version: ev.version });
    case 'znode_deleted':
      return fill(E.znode_deleted, { path: ev.path });
    case 'watch_fired':
      return fill(E.watch_fired, { path: ev.path, watcher: n(ev.watcher) });
    case 'controller_elected':
    case 'controller_resigned':
      return fill(E[ev.type], { broker: ev.broker, epoch: ev.epoch });
    case 'topic_created':
      return fill(E.topic_created, { topic: ev.topic, n: ev.assignment.length });
    case 'leader_changed':
      return fill(E.leader_changed, {
        tp: tpName(ev.tp), old: b(ev.old), new: b(ev.new), epoch: ev.leader_epoch, isr: list(ev.isr), reason: L.elections[ev.reason] || ev.reason,
      });
    case 'isr_changed':
      return fill(E.isr_changed, { tp: tpName(ev.tp), old: list(ev.old), new: list(ev.new) });
    case 'became_leader':
      return fill(E.became_leader, { broker: ev.broker, tp: tpName(ev.tp), epoch: ev.leader_epoch });
    case 'became_follower':
      return fill(E.became_follower, { broker: ev.broker, tp: tpName(ev.tp), leader: b(ev.leader), epoch: ev.leader_epoch });
    case 'records_appended':
      return fill(E.records_appended, { broker: ev.broker, tp: tpName(ev.tp), count: ev.count, offset: ev.base_offset, leo: ev.log_end_offset });
    case 'high_watermark_advanced':
      return fill(E.high_watermark_advanced, { broker: ev.broker, tp: tpName(ev.tp), old: ev.old, new: ev.new });
    case 'log_truncated':
      return fill(E.log_truncated, { broker: ev.broker, tp: tpName(ev.tp), leo: ev.new_log_end_offset, lost: ev.lost });
    case 'isr_shrink_proposed':
      return fill(E.isr_shrink_proposed, { broker: ev.broker, tp: tpName(ev.tp), replicas: list(ev.out_of_sync) });
    case 'isr_expand_proposed':
      return fill(E.isr_expand_proposed, { broker: ev.broker, tp: tpName(ev.tp), replica: ev.caught_up });
    case 'alter_partition_refused':
      return fill(E.alter_partition_refused, { broker: ev.broker, tp: tpName(ev.tp), error: ev.error });
    case 'produce_queued':
      return fill(E.produce_queued, { producer: ev.producer, tp: tpName(ev.tp), seq: ev.seq, key: orNone(L, ev.key), value: orNone(L, ev.value) });
    case 'produce_acknowledged':
      if (ev.base_offset === null || ev.base_offset === undefined) return fill(E.produce_acknowledged_none, { producer: ev.producer, tp: tpName(ev.tp) });
      return fill(E.produce_acknowledged, { producer: ev.producer, tp: tpName(ev.tp), offset: ev.base_offset });
    case 'produce_refused':
      return fill(E.produce_refused, { producer: ev.producer, tp: tpName(ev.tp), error: ev.error, retry: ev.retrying ? E.produce_retrying : '' });
    case 'produce_failed':
      return fill(E.produce_failed, { producer: ev.producer, topic: ev.topic, error: ev.error });
    case 'metadata_updated':
      return fill(E.metadata_updated, { client: ev.client, topic: ev.topic, leaders: list(ev.leaders.map((l) => orNone(L, l))) });
    default: {
      // Events this locale has no sentence for yet: name and fields, as plain text.
      if (E[ev.type]) return fill(E[ev.type], ev);
      const { step, time_ms, type, ...rest } = ev;
      return `${type}: ${JSON.stringify(rest)}`;
    }
  }
}
