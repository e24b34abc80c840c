// The brokers: one box each, with its replicas. A replica says its role and whether it is
// in its partition's ISR — the one ISR the engine's view gives per partition (the leader's,
// or ZooKeeper's when there is no leader), never what a stale follower believes. A
// partition without a leader says why and for how long. Boxes, replicas and record cells
// are kept by key and touched only when what they show changed.
import { S, $, el, t, button, keyed, tp as tpName } from '../state.js';

/** The partition facts of the view, by "topic-partition" (for one cluster). */
function partitionsOf(v, cluster) {
  const m = new Map();
  for (const p of v.partitions || []) if (p.cluster === cluster) m.set(tpName(p.topic, p.partition), p);
  return m;
}

const left = (atMs, v) => Math.max(0, (atMs - v.time_ms) / 1000).toFixed(1);

/** Why a partition has no leader, in a sentence (from the view's `offline`). */
export function leaderlessText(p, v) {
  const o = p.offline;
  if (!o) return '';
  switch (o.reason) {
    case 'session_not_expired':
      return t('noLeaderSession', { broker: o.broker, s: left(o.session_expires_at_ms, v) });
    case 'no_live_isr':
      return t('noLeaderNoIsr', { isr: `[${p.isr.join(',')}]` });
    case 'no_controller':
      return t('noLeaderNoController');
    case 'not_fenced':
      return t('noLeaderNotFenced', { broker: o.broker, s: left(o.session_expires_at_ms, v) });
    default:
      return t('noLeaderElecting');
  }
}

function registrationText(b, v) {
  const r = b.registration;
  if (!r) return '';
  if (r.reason === 'node_exists') {
    return r.owner_session_expires_at_ms == null
      ? t('cannotRegister', { id: b.id })
      : t('cannotRegisterUntil', { id: b.id, s: left(r.owner_session_expires_at_ms, v) });
  }
  if (r.reason === 'zookeeper_unreachable') return t('registerNoZk');
  if (r.reason === 'session_expired') return t('registerSessionExpired');
  return t('registerStarting');
}

/** Why a stopped broker's last start failed (`KafkaServer.startup`, NODEEXISTS), until it starts again. */
function startFailureText(b, v) {
  const f = b.start_failure;
  if (!f || b.running) return '';
  return f.owner_session_expires_at_ms == null
    ? t('startFailedExpired', { id: b.id })
    : t('startFailedUntil', { id: b.id, s: left(f.owner_session_expires_at_ms, v) });
}

function makeBox(b) {
  const root = el('article', 'node broker');
  root.dataset.node = b.node;
  const head = el('div', 'bhead');
  const title = el('div', 'node-title');
  const stopBtn = button();
  stopBtn.dataset.action = 'stop-start';
  const crashBtn = button();
  crashBtn.dataset.action = 'crash';
  const isoBtn = button();
  isoBtn.dataset.action = 'isolate-heal';
  const badges = el('div', 'badges');
  const note = el('div', 'bnote');
  const meta = el('div', 'node-sub bmeta');
  head.append(title, stopBtn, crashBtn, isoBtn, badges);
  const replicas = el('div', 'replicas');
  root.append(head, note, meta, replicas);
  root._parts = { title, stopBtn, crashBtn, isoBtn, badges, note, meta, replicas };
  return root;
}

function drawHead(root, { b, v }) {
  const { title, stopBtn, crashBtn, isoBtn, badges, note, meta } = root._parts;
  root.classList.toggle('controller', b.is_controller);
  root.classList.toggle('stopped', !b.running);
  root.classList.toggle('isolated', b.isolated);
  root.dataset.broker = String(b.id);
  // Broker ids repeat across clusters: with several, a card names its broker's cluster (a
  // badge, so the title keeps the id in sight on a narrow card).
  const cluster = v.clusters.length > 1 ? v.clusters[b.cluster].name : null;
  root.setAttribute('aria-label', cluster ? `${cluster} ${t('broker', { id: b.id })}` : t('broker', { id: b.id }));
  title.textContent = t('broker', { id: b.id });
  stopBtn.dataset.broker = String(b.id);
  isoBtn.dataset.broker = String(b.id);
  stopBtn.textContent = b.running ? t('stop') : t('start');
  stopBtn.setAttribute('aria-label', t(b.running ? 'stopLabel' : 'startLabel', { id: b.id }));
  stopBtn.title = b.running ? t('stopHelp', { id: b.id }) : '';
  stopBtn.disabled = b.shutting_down;
  // KRaft mode has no controlled shutdown here yet: a running KRaft broker can only crash.
  stopBtn.hidden = b.running && b.kraft != null;
  // A running broker can crash, even in the middle of its controlled shutdown.
  crashBtn.dataset.broker = String(b.id);
  crashBtn.hidden = !b.running;
  crashBtn.textContent = t('crash');
  crashBtn.setAttribute('aria-label', t('crashBrokerLabel', { id: b.id }));
  crashBtn.title = t(b.kraft ? 'crashBrokerHelpKraft' : 'crashBrokerHelp', { id: b.id });
  isoBtn.textContent = b.isolated ? t('heal') : t('isolate');
  isoBtn.setAttribute('aria-label', t(b.isolated ? 'healLabel' : 'isolateLabel', { id: b.id }));
  const bs = [];
  if (cluster) bs.push(el('span', 'badge cluster', cluster));
  if (b.is_controller) bs.push(el('span', 'badge controller', t('controller', { epoch: b.controller_epoch })));
  if (!b.running) bs.push(el('span', 'badge stopped', t('stopped')));
  if (b.shutting_down) bs.push(el('span', 'badge shutting', t('shuttingDown')));
  if (b.isolated) bs.push(el('span', 'badge isolated', t('isolated')));
  if (b.running && !b.registered) bs.push(el('span', 'badge unregistered', t('unregistered')));
  if (b.running && b.registered && b.kraft?.fenced) bs.push(el('span', 'badge fenced', t('fenced')));
  badges.replaceChildren(...bs);
  badges.hidden = bs.length === 0;
  const why = b.running && !b.registered ? registrationText(b, v) : startFailureText(b, v);
  note.textContent = why;
  note.hidden = !why;
  meta.textContent = b.running && b.kraft ? t('metadataOffset', { n: b.kraft.metadata_offset }) : '';
  meta.hidden = !meta.textContent;
}

/** The items of a replica's log strip: older records, the records, the HW and LEO marks. */
function cellItems(r) {
  const items = [];
  const first = r.records.length ? r.records[0].offset : r.log_end_offset;
  if (first > 0) items.push({ k: 'older', n: first });
  let hw = false;
  if (r.high_watermark < first) { items.push({ k: 'hw', n: r.high_watermark }); hw = true; }
  for (const rec of r.records) {
    if (!hw && rec.offset === r.high_watermark) { items.push({ k: 'hw', n: r.high_watermark }); hw = true; }
    items.push({ k: `r${rec.offset}`, rec, committed: rec.offset < r.high_watermark, last: rec.offset === r.log_end_offset - 1 });
  }
  if (!hw) items.push({ k: 'hw', n: r.high_watermark });
  items.push({ k: 'leo', n: r.log_end_offset });
  return items;
}

function makeCell(item) {
  if (item.k === 'older') return el('span', 'cell older');
  if (item.k === 'hw') return el('span', 'mark hw');
  if (item.k === 'leo') return el('span', 'mark leo');
  const c = button('cell');
  c.dataset.offset = String(item.rec.offset);
  return c;
}

function drawCell(c, item, r, tp) {
  if (item.k === 'older') { c.textContent = t('olderRecords', { n: item.n }); return; }
  if (item.k === 'hw') { c.textContent = t('hwMark'); c.title = t('hwTitle', { n: item.n }); return; }
  if (item.k === 'leo') { c.textContent = t('leoMark'); c.title = t('leoTitle', { n: item.n }); return; }
  const { rec } = item;
  c.className = `cell ${item.committed ? 'committed' : 'uncommitted'}`;
  c.tabIndex = item.last ? 0 : -1;
  // An Avro value's hex says little; the schema id that wrote it says which version.
  const value = rec.value_schema_id == null ? rec.value ?? '∅' : t('cellSchemaId', { id: rec.value_schema_id });
  const kv = rec.key == null ? value : `${rec.key} → ${value}`;
  c.replaceChildren(el('b', null, rec.offset), el('i', null, kv), el('span', 'sr-only', t('recordOpen', { tp })));
  const pr = rec.producer;
  c.title = t('recordTitle', { offset: rec.offset, key: rec.key ?? t('none'), value: rec.value ?? t('none'), epoch: rec.leader_epoch })
    + (pr ? t('recordProducer', { id: pr.producer_id, epoch: pr.producer_epoch, first: pr.base_sequence, last: pr.last_sequence }) : '');
}

function makeReplica({ r }) {
  const div = el('div', 'replica');
  const head = el('div', 'rhead');
  const name = el('span', 'tp');
  const role = el('span', 'role');
  const epoch = el('span', 'rmeta');
  head.append(name, role, epoch);
  const meta = el('div', 'rmeta');
  const note = el('div', 'rnote');
  const cells = el('div', 'log-cells');
  div.append(head, meta, note, cells);
  div._parts = { name, role, epoch, meta, note, cells };
  div.dataset.tp = tpName(r.topic, r.partition);
  return div;
}

function drawReplica(div, { b, r, p, v }) {
  const tp = tpName(r.topic, r.partition);
  const { name, role, epoch, meta, note, cells } = div._parts;
  const inIsr = r.in_isr;
  div.className = `replica ${r.role}${inIsr ? '' : ' out-isr'}${p?.offline ? ' leaderless' : ''}`;
  div.dataset.broker = String(b.id);
  div.dataset.cluster = String(b.cluster);
  div.dataset.role = r.role;
  div.dataset.inIsr = String(inIsr);
  div.dataset.leaderEpoch = String(r.leader_epoch);
  name.textContent = tp;
  name.title = tp;
  role.textContent = `${r.role === 'leader' ? '★ ' : ''}${t(r.role)}`;
  epoch.textContent = t('epoch', { n: r.leader_epoch });
  const bits = [`${t('leo', { n: r.log_end_offset })} · ${t('hw', { n: r.high_watermark })}`];
  meta.replaceChildren();
  if (r.role === 'leader' && p) bits.push(t('isr', { list: `[${p.isr.join(',')}]` }));
  meta.append(el('span', null, bits.join(' · ')));
  if (r.role === 'follower') meta.append(document.createTextNode(' · '), inIsr ? el('span', 'ok', t('inIsr')) : el('span', 'bad', t('outOfIsr')));
  meta.title = r.stale ? t('staleMetadata', { list: `[${(r.known_isr || []).join(',')}]` }) : '';
  const why = p?.offline ? `⊘ ${leaderlessText(p, v)}` : '';
  note.textContent = why;
  note.hidden = !why;
  keyed(cells, cellItems(r), (x) => x.k, makeCell, (c, x) => drawCell(c, x, r, tp), (x) => JSON.stringify([x, S.L.lang]));
}

/** __consumer_offsets drawn compactly: one chip per partition replica on this broker. */
function offsetsStrip(b, internal, v) {
  const div = el('div', 'offsets');
  div.append(el('span', 'olabel', t('offsetsTopic')));
  for (const r of internal) {
    const tp = tpName(r.topic, r.partition);
    const groups = v.groups.filter((g) => g.cluster === b.cluster && g.coordinator === b.id && g.offsets_partition === r.partition).map((g) => g.group_id);
    const chip = el('span', `ochip ${r.role}${r.in_isr ? '' : ' out-isr'}${groups.length ? ' coord' : ''}`);
    chip.dataset.tp = tp;
    chip.dataset.role = r.role;
    // Role and ISR membership in symbols too, never by colour alone (★ leader, ⊘ offline, ✕ out of the ISR).
    const mark = r.role === 'leader' ? '★' : r.role === 'offline' ? '⊘' : '';
    chip.append(el('b', null, `${r.partition}${mark}${r.in_isr || r.role === 'offline' ? '' : '✕'}`), el('small', null, r.log_end_offset));
    if (groups.length) chip.append(el('span', 'ogroups', `⚑${groups.join(',')}`));
    const p = v.partitions?.find((x) => x.cluster === b.cluster && x.topic === r.topic && x.partition === r.partition);
    chip.title = t('offsetsChipTitle', { p: r.partition, role: t(r.role), leo: r.log_end_offset, hw: r.high_watermark, isr: `[${(p?.isr ?? []).join(',')}]`, epoch: r.leader_epoch })
      + (groups.length ? ` · ${t('coordinates', { groups: groups.join(', ') })}` : '');
    for (const c of chip.children) c.setAttribute('aria-hidden', 'true');
    chip.append(el('span', 'sr-only', chip.title));
    div.append(chip);
  }
  return div;
}

function drawReplicas(box, { b, v, parts }) {
  const container = box._parts.replicas;
  const own = b.replicas.filter((r) => !r.internal);
  const internal = b.replicas.filter((r) => r.internal);
  const items = own.map((r) => {
    const p = parts.get(tpName(r.topic, r.partition));
    // A leaderless partition's countdown is part of what it shows.
    const wait = p?.offline?.session_expires_at_ms != null ? left(p.offline.session_expires_at_ms, v) : null;
    return { k: tpName(r.topic, r.partition), b, r, p, v, sig: JSON.stringify([r, p, wait, S.L.lang]) };
  });
  if (internal.length) {
    const sig = JSON.stringify([internal, v.groups.filter((g) => g.cluster === b.cluster && g.coordinator === b.id).map((g) => [g.group_id, g.offsets_partition]), internal.map((r) => parts.get(tpName(r.topic, r.partition))?.isr), S.L.lang]);
    items.push({ k: '__offsets', b, internal, v, sig });
  }
  if (!items.length) items.push({ k: '__empty', sig: S.L.lang });
  keyed(container, items, (x) => x.k, (x) => {
    if (x.k === '__empty') return el('div', 'empty');
    if (x.k === '__offsets') return el('div', 'offsets-wrap');
    return makeReplica(x);
  }, (node, x) => {
    if (x.k === '__empty') node.textContent = t('noReplicas');
    else if (x.k === '__offsets') node.replaceChildren(offsetsStrip(x.b, x.internal, x.v));
    else drawReplica(node, x);
  }, (x) => x.sig);
}

export function renderBrokers(v) {
  // A record cell that has focus keeps it when its replica is redrawn.
  const byCluster = new Map();
  const items = v.brokers.map((b) => {
    if (!byCluster.has(b.cluster)) byCluster.set(b.cluster, partitionsOf(v, b.cluster));
    const registrationWait = b.registration?.owner_session_expires_at_ms != null ? left(b.registration.owner_session_expires_at_ms, v) : null;
    return { b, v, parts: byCluster.get(b.cluster), headSig: JSON.stringify([b.id, b.node, b.running, b.isolated, b.registered, b.is_controller, b.controller_epoch, b.registration, registrationWait, b.shutting_down, b.kraft, b.start_failure, S.L.lang]) };
  });
  keyed($('brokers'), items, (x) => x.b.node, (x) => makeBox(x.b), (box, x) => {
    drawHead(box, x);
  }, (x) => x.headSig);
  for (const x of items) drawReplicas($('brokers')._keyed.get(x.b.node).node, x);
}
