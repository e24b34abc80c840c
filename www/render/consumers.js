// Consumer groups: one card per group as its coordinator holds it, a box per consumer with
// its partitions, positions, commits and lag, a poison pill it stands at, the record a seek
// skipped, and why a consumer waits without a coordinator. Every fact is the engine's view.
import { S, $, el, t, button, keyed, forget, POLL_LOOP_MS } from '../state.js';
import { tpName } from '../narrate.js';
import { errorBrief, leaderOf, textOf, visible } from '../records.js';
import { serdeLine, failEl } from './producers.js';

const off = (x) => (x === null || x === undefined ? t('unknownOffset') : String(x));

/** Why a consumer has no coordinator to talk to (the view's `waiting`). */
function waitingText(w) {
  switch (w.reason) {
    case 'offsets_topic_replication': return t('waitOffsetsRf', { needed: w.needed, alive: w.alive });
    case 'coordinator_not_available': return t('waitCoordinatorLeaderless', { p: w.partition });
    case 'coordinator_loading': return t('waitCoordinatorLoading', { broker: w.broker, p: w.partition });
    default: return t('waitFindingCoordinator');
  }
}

/**
 * A poison pill: the consumer's last poll failed at an offset it still stands at. The card
 * says so, shows the record's bytes (from the partition's leader) and offers the seek past
 * it. Once a seek moved it past, a line says which record was skipped.
 */
function poisonEls(c, bytes) {
  const fail = c.poll_failure;
  if (!fail) {
    const s = c.skipped;
    return s ? [el('div', 'skipped', t('skippedBySeek', { tp: `${s.topic}-${s.partition}`, offset: s.offset, to: s.to }))] : [];
  }
  const { topic, partition } = fail.tp;
  const tp = tpName(fail.tp);
  const box = el('div', 'pill');
  box.dataset.offset = String(fail.offset);
  box.append(failEl(t('pollFails', { tp, offset: fail.offset }), errorBrief(fail.error)));
  const leader = leaderOf(S.view, c.cluster, topic, partition);
  const rec = leader === null ? null : bytes.bytesOf({ cluster: c.cluster, id: leader }, topic, partition, fail.offset);
  const btn = (act, text, label) => {
    const b = button(null, text);
    b.dataset.act = act;
    b.dataset.topic = topic;
    b.dataset.partition = String(partition);
    b.dataset.offset = String(fail.offset);
    if (label) b.setAttribute('aria-label', label);
    return b;
  };
  if (rec?.value) {
    box.append(bytes.groups(rec.value));
    const text = rec.value.frame ? null : textOf(rec.value.bytes);
    if (text) box.append(el('div', 'btext', t('bytesText', { text })));
  }
  const row = el('div', 'pill-btns');
  row.append(btn('seek-past', t('seekPast', { offset: fail.offset }), `${t('seekPast', { offset: fail.offset })} — ${t('seekPastLabel', { name: c.name, tp, to: fail.offset + 1 })}`));
  if (rec && leader !== null) {
    const b = btn('bytes', t('showBytes'), `${t('showBytes')} — ${t('bytesTitle', { tp, offset: fail.offset })}`);
    b.dataset.broker = String(leader);
    b.dataset.cluster = String(c.cluster);
    row.append(b);
  }
  box.append(row);
  return [box];
}

function drawConsumer(d, { c, g, isolated, polled }, bytes) {
  const stable = c.running && c.phase === 'stable';
  const cls = ['node', 'consumer'];
  if (!c.running) cls.push('stopped');
  if (c.idle) cls.push('idle');
  if (c.is_leader) cls.push('leader');
  if (isolated) cls.push('isolated');
  d.className = cls.join(' ');
  d.dataset.node = c.name;
  d.dataset.phase = c.phase;
  if (c.idle) d.dataset.idle = 'true';
  else delete d.dataset.idle;
  const parts = [];
  const head = el('div', 'chead');
  const name = el('span', 'node-title', c.name);
  name.title = c.name;
  head.append(name);
  if (c.is_leader) {
    const b = el('span', 'badge gleader', t('groupLeader'));
    b.title = t('groupLeaderTitle');
    head.append(b);
  }
  if (c.idle) {
    const b = el('span', 'badge idle', t('idle'));
    b.title = t('idleTitle');
    head.append(b);
  }
  if (!c.running) head.append(el('span', 'badge stopped', t('consumerStopped')));
  if (isolated) head.append(el('span', 'badge isolated', t('isolated')));
  parts.push(head);
  if (c.running) {
    const sub = [c.member_id ? t('memberInfo', { member: c.member_id, generation: c.generation }) : t('notMember')];
    if (!stable) sub.push(t(`phase_${c.phase}`));
    parts.push(el('div', 'node-sub', sub.join(' · ')));
    if (c.waiting) parts.push(el('div', 'wait-text', `⏳ ${waitingText(c.waiting)}`));
    const loop = c.keep_polling_ms ? t('pollLoopOn', { ms: c.keep_polling_ms }) : t('pollLoopOff');
    const next = c.next_poll ? ` · ${t(`nextPoll_${c.next_poll}`)}` : '';
    parts.push(el('div', `loop-text${c.next_poll && !c.keep_polling_ms ? ' waits' : ''}`, loop + next));
  }
  const ghost = !c.running && g ? g.members.find((m) => m.client === c.name) : null;
  if (ghost) {
    // A crash sends no LeaveGroup: the coordinator keeps the member until its session times out.
    const ps = ghost.assignment.map((p) => `${p.topic}-${p.partition}`).join(', ') || t('nothing');
    parts.push(el('div', 'ghost-text', t('ghostMember', { partitions: ps, s: c.session_timeout_ms / 1000 })));
  }
  if (!c.running) {
    // A stopped consumer reads nothing: its old assignment is not drawn as its own.
  } else if (c.idle) {
    parts.push(el('div', 'idle-text', t('idleText')));
  } else if (c.partitions.length) {
    const tbl = el('table', 'cparts');
    const hr = el('tr');
    for (const [k, title] of [['colPartition'], ['colPosition', 'colPositionTitle'], ['colCommitted', 'colCommittedTitle'], ['colLag', 'colLagTitle']]) {
      // The first column's header is read, not shown: the partitions name themselves.
      const th = el('th', null, k === 'colPartition' ? null : t(k));
      if (k === 'colPartition') th.append(el('span', 'sr-only', t('colPartitionSr')));
      if (title) th.title = t(title);
      hr.append(th);
    }
    tbl.append(hr);
    for (const p of c.partitions) {
      const tr = el('tr');
      tr.dataset.tp = `${p.topic}-${p.partition}`;
      const lag = el('td', `lag${p.lag ? ' behind' : ''}`, off(p.lag));
      tr.append(el('td', 'tp', `${p.topic}-${p.partition}`), el('td', null, off(p.position)), el('td', null, off(p.committed)), lag);
      tbl.append(tr);
    }
    parts.push(tbl);
  }
  const serde = serdeLine(c.deserializers, 'StringDeserializer', true);
  if (serde) parts.push(serde);
  if (c.running) parts.push(...poisonEls(c, bytes));
  if (polled.length) {
    const ol = el('ol', 'polled');
    ol.setAttribute('aria-label', t('polled'));
    for (const r of polled) {
      const li = el('li', null, t('polledRecord', { tp: tpName(r.tp), offset: r.offset, key: visible(r.key) ?? '∅', value: visible(r.value) ?? '∅' }));
      li.title = li.textContent;
      ol.append(li);
    }
    parts.push(ol);
  }
  const btns = el('div', 'cbtns');
  const btn = (act, label) => {
    const b = button(null, t(act));
    b.dataset.act = act;
    // The accessible name starts with the visible word (WCAG 2.5.3), then says what it does.
    b.setAttribute('aria-label', `${t(act)} — ${t(label, { name: c.name })}`);
    b.title = t(label, { name: c.name });
    return b;
  };
  if (c.running) {
    const loop = btn(c.keep_polling_ms ? 'stopLoop' : 'startLoop', c.keep_polling_ms ? 'stopLoopLabel' : 'startLoopLabel');
    loop.dataset.act = 'loop';
    if (!c.keep_polling_ms) loop.dataset.every = String(POLL_LOOP_MS);
    btns.append(loop, btn('poll', 'pollLabel'), btn('commit', 'commitLabel'), btn('crash', 'crashLabel'), btn('close', 'closeLabel'));
  }
  else btns.append(btn('restart', 'restartLabel'));
  parts.push(btns);
  d.replaceChildren(...parts);
}

function drawGroupHead(head, { id, g }) {
  const bits = [];
  const name = el('span', 'gname', id ? t('group', { group: id }) : t('noGroup'));
  const out = [name];
  if (g) {
    out.push(el('span', `badge gstate ${g.state}`, S.L.groupStates[g.state] || g.state));
    bits.push(t('generation', { n: g.generation }));
    if (g.protocol) bits.push(t('assignor', { name: g.protocol }));
    bits.push(t('coordinatorIs', { broker: g.coordinator, p: g.offsets_partition }));
    bits.push(t('groupLag', { n: g.offsets.reduce((a, o) => a + (o.lag ?? 0), 0) }));
    out.push(el('span', 'gmeta', bits.join(' · ')));
  } else if (id) {
    out.push(el('span', 'gmeta', t('coordinatorUnknown')));
  }
  head.replaceChildren(...out);
}

export function renderConsumers(v, bytes) {
  const cl = v.clusters[0];
  $('offsets-note').textContent = cl ? t('offsetsNote', { n: cl.offsets_topic_num_partitions, rf: cl.offsets_topic_replication_factor }) : '';
  const root = $('groups');
  if (!v.consumers.length) {
    keyed(root, [{ k: 'none' }], (x) => x.k, () => el('div', 'empty'), (n) => { n.textContent = t('noConsumers'); }, () => S.L.lang);
    return;
  }
  const isolated = new Set(v.network.isolated);
  // One card per group (as its coordinator holds it), with its consumers in member order.
  const ids = [...new Set(v.consumers.map((c) => c.group ?? ''))];
  const cards = ids.map((id) => {
    const g = v.groups.find((x) => x.group_id === id) ?? null;
    // By name, so a rebalance does not shuffle the boxes; the leader is marked instead.
    const members = v.consumers.filter((c) => (c.group ?? '') === id).sort((x, y) => x.name.localeCompare(y.name, 'en', { numeric: true }))
      .map((c) => ({ k: c.name, c, g, isolated: isolated.has(c.name), polled: S.polled.get(c.name) || [] }));
    return { k: `g:${id}`, id, g, members };
  });
  keyed(root, cards, (x) => x.k, (x) => {
    const card = el('section', 'group');
    card.dataset.group = x.id;
    const head = el('div', 'ghead');
    const row = el('div', 'members');
    card.append(head, row);
    return card;
  }, (card, x) => {
    if (x.g) {
      card.dataset.state = x.g.state;
      card.dataset.generation = String(x.g.generation);
    } else {
      delete card.dataset.state;
      delete card.dataset.generation;
    }
    const [head, row] = card.children;
    drawGroupHead(head, x);
    keyed(row, x.members, (m) => m.k, () => el('article', 'node consumer'), (d, m) => drawConsumer(d, m, bytes), (m) => JSON.stringify([m, S.L.lang]));
  }, (x) => JSON.stringify([x, S.L.lang]));
}

export const forgetConsumers = () => {
  forget($('groups'));
  for (const card of $('groups').children) forget(card.children[1]);
};
