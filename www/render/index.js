// Draws the view shown: each part of the picture from the engine's view, then the marks
// of what the newest sentence (or a clicked narration line) is about. A part touches the
// DOM only where what it shows changed, so drawing every frame at top speed stays cheap.
import { S, $ } from '../state.js';
import { renderBrokers } from './brokers.js';
import { renderProducers } from './producers.js';
import { renderConsumers } from './consumers.js';
import { renderZookeeper } from './zookeeper.js';
import { renderQuorum } from './quorum.js';
import { renderMetrics } from './metrics.js';
import { renderTimeline } from './timeline.js';
import { renderNetwork } from './network.js';
import { nowRefs } from './narration.js';
import { refsOf } from '../narrate.js';

let marked = [];
let markedKey = '';

/** Marks what `refs` ({nodes, tps, paths}) name with `cls`. */
function mark(refs, cls) {
  const q = [
    ...refs.nodes.map((n) => `.node[data-node="${CSS.escape(n)}"]`),
    ...refs.tps.map((x) => `.stage [data-tp="${CSS.escape(x)}"]`),
    ...refs.paths.map((p) => `#zk-tree li[data-path="${CSS.escape(p)}"]`),
  ];
  const out = q.length ? [...document.querySelectorAll(q.join(','))] : [];
  for (const e of out) e.classList.add(cls);
  return out;
}

/**
 * What the picture marks: a clicked narration line's subjects, else (when not playing fast)
 * the subjects of the step's newest sentence, so a person sees what it talks about.
 */
export function applyHighlight() {
  const sel = S.selected?.refs ?? null;
  const now = !sel && (!S.playing || S.speed <= 10) ? nowRefs() : null;
  const refs = sel ?? now;
  const key = JSON.stringify([refs, sel ? 'hl' : 'hl-now']);
  if (key === markedKey && marked.every((e) => e.isConnected)) return;
  for (const e of marked) e.classList.remove('hl', 'hl-now');
  markedKey = key;
  marked = refs ? mark(refs, sel ? 'hl' : 'hl-now') : [];
}

export function render(ctx) {
  const v = S.view;
  if (!v) return;
  renderTimeline(v);
  renderZookeeper(v);
  renderQuorum(v);
  renderBrokers(v);
  renderProducers(v);
  renderConsumers(v, ctx.bytes);
  renderNetwork(v);
  renderMetrics(S.metrics);
  ctx.afterRender?.(v);
  applyHighlight();
  ctx.wire?.watch();
  fitEmbed(ctx.wire);
}

/**
 * In an embed the picture is scaled to fit the frame (never scrolled), so every broker
 * is in view at lecture sizes. The scale is layout, not state: it only shrinks.
 */
export function fitEmbed(wire) {
  if (!S.embed) return;
  const box = $('stage-fit');
  const stage = $('stage');
  if (!box || !stage) return;
  const w = stage.scrollWidth;
  const h = stage.scrollHeight;
  const k = Math.min(1, box.clientWidth / w, box.clientHeight / h);
  const dx = Math.max(0, (box.clientWidth - w * k) / 2);
  const key = `${k.toFixed(3)} ${dx.toFixed(0)}`;
  if (stage.dataset.scale === key) return;
  stage.dataset.scale = key;
  stage.style.transform = `translate(${dx.toFixed(0)}px, 0) scale(${k})`;
  if (wire) {
    wire.scale = k;
    wire.invalidate();
  }
}

/** A clicked narration line marks what it is about; a second click (or Escape) clears it. */
export function select(li) {
  const prev = document.querySelector('#log li.selected');
  if (prev) prev.classList.remove('selected');
  if (!li || (S.selected && S.selected.li === li)) {
    S.selected = null;
  } else {
    li.classList.add('selected');
    S.selected = { li, refs: refsOf(li._line.ev) };
    const first = document.querySelector(`#zk-tree li[data-path="${CSS.escape(S.selected.refs.paths[0] ?? '')}"]`);
    first?.scrollIntoView({ block: 'nearest' });
  }
  applyHighlight();
}
