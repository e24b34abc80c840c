// The Share panel: a link to this run from a chosen step (optionally playing to another,
// at a chosen speed, with the lesson at the position it stands), and the iframe snippet
// that embeds it. The link holds the whole run (link.js).
import { S, $, el, t, SPEEDS } from '../state.js';
import { linkFor } from '../run.js';

const attr = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function speedOptions() {
  const sel = $('share-speed');
  const cur = Number(sel.value) || S.speed;
  sel.replaceChildren(...SPEEDS.map((n) => {
    const o = el('option', null, t('speedUnit', { n }));
    o.value = String(n);
    o.selected = n === cur;
    return o;
  }));
}

export async function updateShare() {
  if (!$('share').open || !S.pg) return;
  const note = $('share-note');
  note.textContent = '';
  const head = S.pg.head();
  let from = Number($('share-from').value);
  if (!Number.isInteger(from) || from < 0 || from > head) {
    note.textContent = t('shareFromBad', { head });
    from = Math.min(head, Math.max(0, Number.isFinite(from) ? Math.round(from) : S.pg.step_now()));
  }
  const play = $('share-play').checked;
  $('share-to').disabled = !play;
  $('share-speed').disabled = !play;
  let to = null;
  if (play) {
    to = Number($('share-to').value);
    if (!Number.isInteger(to) || to <= from) {
      note.textContent = t('shareToBad', { from });
      to = null;
    }
  }
  const speed = play ? Number($('share-speed').value) || S.speed : S.speed;
  // The lesson's position belongs to the step shown: it goes along only from there.
  const pos = S.lesson?.position() ?? null;
  const withLesson = $('share-lesson');
  withLesson.disabled = !pos || from !== S.pg.step_now();
  const lesson = withLesson.checked && !withLesson.disabled ? pos : null;
  const opts = { step: from, playTo: to, speed, lesson };
  $('share-link').value = await linkFor(opts);
  const embed = await linkFor({ ...opts, embed: true });
  $('share-snippet').value = `<iframe src="${attr(embed)}" width="800" height="450" title="${attr(t('embedTitle'))}" style="border:0" loading="lazy"></iframe>`;
}

async function copyField(input) {
  input.focus();
  input.select();
  let ok = false;
  try {
    await navigator.clipboard.writeText(input.value);
    ok = true;
  } catch {
    ok = document.execCommand?.('copy') ?? false;
  }
  $('share-note').textContent = ok ? t('copied') : t('copyByHand');
}

export function wireShare() {
  $('share').addEventListener('toggle', () => {
    if (!$('share').open) return;
    const now = S.pg.step_now();
    $('share-from').value = String(now);
    $('share-from').max = String(S.pg.head());
    $('share-to').value = String(Math.max(now + 1, Math.min(S.pg.head(), now + 200)));
    speedOptions();
    $('share-speed').value = String(S.speed);
    updateShare();
  });
  for (const id of ['share-from', 'share-to', 'share-play', 'share-speed', 'share-lesson']) $(id).addEventListener('input', () => updateShare());
  $('copy-link').addEventListener('click', () => copyField($('share-link')));
  $('copy-snippet').addEventListener('click', () => copyField($('share-snippet')));
}

export const shareLanguage = () => {
  if ($('share-speed')) speedOptions();
  updateShare();
};
