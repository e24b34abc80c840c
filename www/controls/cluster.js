// What a person does on the picture itself: stop, start or isolate a broker, act for a
// consumer (poll, commit, crash, close, seek past a poison pill), open a record's bytes,
// start or isolate the schema registry, and the network panel. Each is a command like any
// other, so it lands in the run's log and in its link.
import { S, $ } from '../state.js';
import { act, apply, applyCommand, sayKey } from '../run.js';

/** Moves the one tab stop of a replica's log to `cell`, and focus with it. */
function rove(cell) {
  for (const c of cell.parentNode.querySelectorAll('.cell[data-offset]')) c.tabIndex = c === cell ? 0 : -1;
  cell.focus();
}

function startRegistry() {
  Promise.resolve(applyCommand({ cmd: 'start_schema_registry' })).then((ok) => {
    if (ok) sayKey('registryStarting');
  });
}

export function wireCluster({ bytes }) {
  $('brokers').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action]');
    if (b) {
      const cur = S.view.brokers.find((x) => x.node === b.closest('[data-node]')?.dataset.node);
      if (!cur) return;
      // Broker ids repeat across clusters: with several, a command names the broker's.
      const id = S.view.clusters.length > 1 ? { broker: cur.id, cluster: S.view.clusters[cur.cluster].name } : { broker: cur.id };
      // Stop is what an operator does (a controlled shutdown); Crash is the process dying.
      if (b.dataset.action === 'stop-start') act(() => apply(cur.running ? { cmd: 'stop_broker', ...id, mode: 'controlled' } : { cmd: 'start_broker', ...id }));
      else if (b.dataset.action === 'crash') act(() => apply({ cmd: 'crash_broker', ...id }));
      else act(() => apply({ cmd: cur.isolated ? 'heal' : 'isolate', node: cur.node }));
      return;
    }
    // A record in a replica's log opens its bytes; arrows, Home and End move along the log.
    const cell = e.target.closest('.cell[data-offset]');
    if (!cell) return;
    const r = cell.closest('.replica');
    const [, topic, partition] = /^(.*)-(\d+)$/.exec(r.dataset.tp);
    bytes.open({ cluster: Number(r.dataset.cluster), id: Number(r.dataset.broker) }, topic, Number(partition), Number(cell.dataset.offset), cell);
  });
  $('brokers').addEventListener('keydown', (e) => {
    const cell = e.target.closest?.('.cell[data-offset]');
    if (!cell || e.ctrlKey || e.metaKey || e.altKey) return;
    const all = [...cell.parentNode.querySelectorAll('.cell[data-offset]')];
    const i = all.indexOf(cell);
    const to = { ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: all.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    e.stopPropagation(); // the arrows step the run elsewhere on the page
    if (all[to]) rove(all[to]);
  });
  $('quorum-row').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action]');
    const box = b?.closest('[data-controller]');
    if (!box) return;
    const c = S.view.clusters[Number(box.dataset.cluster)];
    const voter = c?.quorum?.voters.find((x) => x.node === box.dataset.node);
    if (!voter) return;
    const id = S.view.clusters.length > 1 ? { controller: voter.id, cluster: c.name } : { controller: voter.id };
    if (b.dataset.action === 'controller-crash-start') act(() => apply({ cmd: voter.running ? 'crash_controller' : 'start_controller', ...id }));
    else act(() => apply({ cmd: voter.isolated ? 'heal' : 'isolate', node: voter.node }));
  });
  $('producers').addEventListener('click', (e) => {
    const p = e.target.closest('button[data-act]');
    if (p) {
      const producer = p.closest('[data-node]').dataset.node;
      act(() => apply(p.dataset.act === 'close' ? { cmd: 'close_producer', producer } : { cmd: 'crash_producer', producer }));
      return;
    }
    const b = e.target.closest('button[data-action]');
    if (!b) return;
    if (b.dataset.action === 'start-registry') startRegistry();
    if (b.dataset.action === 'registry-isolate') {
      const iso = S.view.network.isolated.includes('schema-registry');
      act(() => apply({ cmd: iso ? 'heal' : 'isolate', node: 'schema-registry' }));
    }
  });
  $('groups').addEventListener('click', (e) => {
    const btn = e.target.closest('button[data-act]');
    if (!btn) return;
    const name = btn.closest('[data-node]').dataset.node;
    const { topic, partition, offset, broker, cluster } = btn.dataset;
    if (btn.dataset.act === 'bytes') return bytes.open({ cluster: Number(cluster), id: Number(broker) }, topic, Number(partition), Number(offset), btn);
    if (btn.dataset.act === 'seek-past') {
      // Through the page's command path, so the seek lands in the run's log and its link.
      const ok = act(() => apply({ cmd: 'seek', consumer: name, topic, partition: Number(partition), offset: Number(offset) + 1 }));
      if (ok) sayKey('seeked', { name, tp: `${topic}-${partition}`, offset: Number(offset) + 1 });
      return;
    }
    const cmds = {
      loop: { cmd: 'keep_polling', consumer: name, every_ms: btn.dataset.every ? Number(btn.dataset.every) : null },
      poll: { cmd: 'poll', consumer: name },
      commit: { cmd: 'commit', consumer: name },
      crash: { cmd: 'stop_consumer', name, leave_group: false },
      close: { cmd: 'stop_consumer', name, leave_group: true },
      restart: { cmd: 'start_consumer', name },
    };
    act(() => apply(cmds[btn.dataset.act]));
  });
  $('btn-cut').addEventListener('click', () => act(() => apply({ cmd: 'cut_link', a: $('net-a').value, b: $('net-b').value })));
  $('btn-heal-link').addEventListener('click', () => act(() => apply({ cmd: 'heal_link', a: $('net-a').value, b: $('net-b').value })));
  $('btn-isolate-node').addEventListener('click', () => act(() => apply({ cmd: 'isolate', node: $('net-node').value })));
  $('btn-heal-node').addEventListener('click', () => act(() => apply({ cmd: 'heal', node: $('net-node').value })));
  $('btn-preferred').addEventListener('click', () => act(() => apply({ cmd: 'elect_preferred_leaders' })));
}
