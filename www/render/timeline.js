// The timeline over the picture: the step shown, the clock, and where the run was forked.
import { S, $, el, t } from '../state.js';

const FORK_MARKS_MAX = 24;
let drawnKey = '';

/** Every fork of this run: those the link came with and those made since. */
export function allForks() {
  return [...new Set([...S.linkForks, ...S.forks])].sort((a, b) => a - b);
}

/** The timeline: where the step shown sits in the run, and where the run was forked. */
export function renderTimeline(v) {
  const head = S.head;
  const r = $('scrub');
  r.max = String(head);
  r.value = String(v.step);
  r.setAttribute('aria-valuetext', t('scrubValue', { step: v.step, head }));
  const clock = $('clock');
  clock.replaceChildren(el('span', null, t('clock', { step: v.step, head, time: (v.time_ms / 1000).toFixed(3) })));
  if (v.step < head) clock.append(el('span', 'tl-note', t('rewound')));
  const forks = allForks().filter((f) => f <= head).slice(-FORK_MARKS_MAX);
  if (forks.length) clock.append(el('span', 'tl-forks', t('forksAt', { steps: forks.slice(-3).join(', ') + (forks.length > 3 ? ', …' : '') })));
  const key = JSON.stringify([forks, head, S.L.lang]);
  if (key === drawnKey) return;
  drawnKey = key;
  $('fork-marks').replaceChildren(...forks.map((f) => {
    const b = el('button', 'fork-mark');
    b.type = 'button';
    b.dataset.step = String(f);
    b.style.left = `calc(8px + (100% - 16px) * ${head ? f / head : 0})`;
    b.setAttribute('aria-label', t('forkMark', { step: f }));
    b.title = t('forkMark', { step: f });
    b.append(el('span', null, '▼'));
    b.firstChild.setAttribute('aria-hidden', 'true');
    return b;
  }));
}

