// The timeline's controls and the keyboard: step, step back, play and its speed, the
// scrubber and fork marks, and "skip to the next …" (a leader change, an ISR change, a
// rebalance, a controller election), so a wait of tens of virtual seconds plays in one click.
import { S, $, t, el } from '../state.js';
import { seekTo, stepBack, stepForward, togglePlay, skip, scheduleUrl, ctx, SKIPS } from '../run.js';
import { select } from '../render/index.js';
import { showHousekeeping } from '../render/narration.js';

const isTyping = (target) => !!target.closest?.('input:not([type=range]):not([type=checkbox]), select, textarea, [contenteditable="true"]');

/** The skip buttons, one per kind of event (their words are the locale's). */
export function renderSkips() {
  const box = $('skips');
  if (!box) return;
  if (box.dataset.lang === S.L.lang) return;
  box.dataset.lang = S.L.lang;
  box.replaceChildren(el('span', 'skip-label', t('skipTo')), ...Object.keys(SKIPS).map((k) => {
    const b = el('button', null, t(`skip_${k}`));
    b.type = 'button';
    b.dataset.skip = k;
    b.title = t('skipHelp', { what: t(`skip_${k}`) });
    return b;
  }));
}

export function wireTimeline() {
  $('btn-step').addEventListener('click', () => stepForward());
  $('btn-back').addEventListener('click', () => stepBack());
  $('btn-play').addEventListener('click', () => togglePlay());
  $('skips').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-skip]');
    if (b) skip(b.dataset.skip);
  });
  $('speed').addEventListener('change', (e) => {
    S.speed = Number(e.target.value);
    ctx.wire.travelMs = Math.max(120, Math.min(600, 2500 / S.speed));
    scheduleUrl();
  });
  let pending = 0;
  let queued = false;
  $('scrub').addEventListener('input', (e) => {
    pending = Number(e.target.value);
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      seekTo(pending);
    });
  });
  $('fork-marks').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-step]');
    if (b) seekTo(Number(b.dataset.step));
  });
  $('show-housekeeping').addEventListener('change', () => showHousekeeping());
  $('log').addEventListener('click', (e) => {
    const li = e.target.closest('li');
    if (li) select(li);
  });
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || $('bytes').open) return;
    if (e.key === 'Escape') {
      if ($('share')?.open) { $('share').open = false; $('share').querySelector('summary').focus(); } else select(null);
      return;
    }
    if (isTyping(e.target)) return;
    const onRange = e.target.id === 'scrub';
    if (e.key === ' ' || e.key === 'Spacebar') {
      // A focused button, link or checkbox keeps its own meaning of Space.
      if (e.target.closest('button, summary, a, input[type=checkbox]')) return;
      e.preventDefault();
      togglePlay();
    } else if (e.key === 'ArrowLeft' && !onRange) { e.preventDefault(); stepBack(); }
    else if (e.key === 'ArrowRight' && !onRange) { e.preventDefault(); stepForward(); }
    else if (e.key === 'n') { e.preventDefault(); stepForward(); }
    else if (e.key === 'p') { e.preventDefault(); togglePlay(); }
  });
  window.addEventListener('resize', () => ctx.wire.invalidate());
}
