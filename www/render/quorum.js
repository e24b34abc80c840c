// KRaft: the controllers' quorum on the stage (one box per voter: its Raft state, epoch, log
// end and high watermark; the active controller marked) and the `__cluster_metadata` log as
// records, committed or not yet. Every fact is the view's `clusters[].quorum`. A world with no
// ZooKeeper-mode cluster hides ZooKeeper's line and znode tree.
import { S, $, el, t, button, keyed } from '../state.js';

/** A metadata record in a line: its type and its values (src/protocol/metadata_record.rs). */
export function recordText(r) {
  if (r.leader_change != null) return t('leaderChangeRecord', { leader: r.leader_change });
  const rec = r.record;
  switch (rec.type) {
    case 'RegisterBroker':
      return `RegisterBrokerRecord · ${t('broker', { id: rec.broker_id })}`;
    case 'BrokerRegistrationChange': {
      const what = [];
      if (rec.fenced != null) what.push(rec.fenced ? t('fenced') : t('unfenced'));
      if (rec.in_controlled_shutdown != null) what.push(t('shuttingDown'));
      return `BrokerRegistrationChangeRecord · ${t('broker', { id: rec.broker_id })} · ${what.join(', ')}`;
    }
    case 'Topic':
      return `TopicRecord · ${rec.name}`;
    case 'Partition':
      return `PartitionRecord · ${rec.tp.topic}-${rec.tp.partition} · ${t('leaderIs', { id: rec.leader ?? '–' })} · ISR [${rec.isr.join(',')}]`;
    case 'PartitionChange': {
      const what = [];
      if (rec.leader !== undefined) what.push(t('leaderIs', { id: rec.leader ?? '–' }));
      if (rec.isr) what.push(`ISR [${rec.isr.join(',')}]`);
      return `PartitionChangeRecord · ${rec.tp.topic}-${rec.tp.partition} · ${what.join(' · ')}`;
    }
    case 'ProducerIds':
      return `ProducerIdsRecord · ${t('broker', { id: rec.broker_id })} · ${rec.next_producer_id}`;
    default:
      return rec.type;
  }
}

function makeVoter() {
  const root = el('article', 'node controller-node');
  const head = el('div', 'bhead');
  const title = el('div', 'node-title');
  const crashBtn = button();
  crashBtn.dataset.action = 'controller-crash-start';
  const isoBtn = button();
  isoBtn.dataset.action = 'controller-isolate-heal';
  const badges = el('div', 'badges');
  head.append(title, crashBtn, isoBtn, badges);
  const sub = el('div', 'node-sub');
  root.append(head, sub);
  root._parts = { title, crashBtn, isoBtn, badges, sub };
  return root;
}

function drawVoter(root, { voter: c, active, cluster }) {
  const { title, crashBtn, isoBtn, badges, sub } = root._parts;
  root.dataset.node = c.node;
  root.dataset.controller = String(c.id);
  root.dataset.cluster = String(cluster);
  root.classList.toggle('stopped', !c.running);
  root.classList.toggle('isolated', c.isolated);
  root.classList.toggle('active', active);
  root.setAttribute('aria-label', t('controllerNode', { id: c.id }));
  title.textContent = t('controllerNode', { id: c.id });
  crashBtn.textContent = c.running ? t('crash') : t('start');
  crashBtn.setAttribute('aria-label', t(c.running ? 'crashControllerLabel' : 'startControllerLabel', { id: c.id }));
  isoBtn.textContent = c.isolated ? t('heal') : t('isolate');
  isoBtn.setAttribute('aria-label', t(c.isolated ? 'healNodeLabel' : 'isolateNodeLabel', { node: t('controllerNode', { id: c.id }) }));
  const bs = [];
  // With several clusters, a controller names its cluster, as a broker does.
  if (S.view.clusters.length > 1) bs.push(el('span', 'badge cluster', S.view.clusters[cluster].name));
  if (active) bs.push(el('span', 'badge controller', t('activeController')));
  if (!c.running) bs.push(el('span', 'badge stopped', t('stopped')));
  if (c.isolated) bs.push(el('span', 'badge isolated', t('isolated')));
  badges.replaceChildren(...bs);
  badges.hidden = bs.length === 0;
  const lines = [];
  if (c.running) {
    const state = S.L.quorumStates[c.state] ?? c.state;
    const who = c.state === 'follower' && c.leader != null ? ` → ${c.leader}` : '';
    lines.push(`${state}${who} · ${t('quorumEpoch', { epoch: c.epoch })}`);
  }
  lines.push(t('metadataEnds', { leo: c.log_end_offset, hw: c.high_watermark ?? '–' }));
  sub.textContent = lines.join(' · ');
}

function drawRecord(li, r) {
  li.className = r.committed ? 'meta-record' : 'meta-record uncommitted';
  li.replaceChildren(el('span', 'moff', `#${r.offset}`), el('span', 'mepoch', `e${r.epoch}`), el('span', 'mtext', recordText(r)));
  if (!r.committed) li.append(el('span', 'eph', t('notCommitted')));
}

export function renderQuorum(v) {
  const kraft = v.clusters.filter((c) => c.quorum);
  // The header names the Kafka the run shows.
  const tagline = document.querySelector('.tagline');
  const key = !kraft.length ? 'tagline' : kraft.length === v.clusters.length ? 'taglineKraft' : 'taglineBoth';
  if (tagline && (tagline.dataset.i18n !== key || tagline.textContent !== t(key))) {
    tagline.dataset.i18n = key;
    tagline.textContent = t(key);
  }
  $('zk-row').hidden = kraft.length === v.clusters.length;
  $('znodes-panel').hidden = kraft.length === v.clusters.length;
  $('quorum-row').hidden = kraft.length === 0;
  $('meta-panel').hidden = kraft.length === 0;
  if (!kraft.length) return;
  const voters = kraft.flatMap((c) => c.quorum.voters.map((voter) => ({ voter, active: c.quorum.active === voter.id, cluster: c.index, lang: S.L.lang })));
  keyed($('quorum-row'), voters, (x) => x.voter.node, makeVoter, drawVoter);
  // The metadata log of the first KRaft cluster (a world of several shows the first's).
  const q = kraft[0].quorum;
  $('meta-sub').textContent = t('metadataSub', { hw: q.high_watermark, active: q.active ?? '–' });
  keyed($('meta-records'), q.records.map((r) => ({ ...r, lang: S.L.lang })), (r) => `${r.offset}:${r.epoch}`, () => el('li'), drawRecord);
}
