// A lesson as slides, for a teacher who presents from slides: the lesson is played from its
// start and, at each note, each question and each answer, the picture is taken with the
// words a student reads (in the page's language); the slides (one SVG each) download as one
// ZIP, made with `fflate` (loaded only when slides are exported).
import { S, $, el, t } from '../state.js';
import { ctx, sayKey } from '../run.js';
import { render } from '../render/index.js';
import { pictureSvg, download } from '../takeaway.js';

/** One slide: the lesson's words over a copy of the picture, as one SVG. */
async function slide(s) {
  render(ctx);
  const stage = $('stage');
  // Laid out out of sight (the wrapper is off-screen; the slide itself carries no position).
  const away = el('div');
  away.style.cssText = 'position:absolute;left:-20000px;top:0';
  const box = el('div', 'slide');
  box.style.cssText = `width:${Math.ceil(stage.getBoundingClientRect().width)}px;background:#fff;padding:12px`;
  const words = el('div', 'slide-words');
  words.append(el('h2', null, s.title));
  if (s.kind === 'note') words.append(el('p', 'lesson-note', s.text));
  else {
    const q = el('div', 'lesson-q');
    q.append(el('p', null, `${t('slideQuestion')} ${s.text}`));
    const ol = el('ol', 'slide-choices');
    s.choices.forEach((c, k) => ol.append(el('li', s.kind === 'answer' && k === s.answer ? 'right' : null, c)));
    q.append(ol);
    if (s.kind === 'answer') q.append(el('p', 'lesson-verdict right', `${t('slideAnswer', { answer: s.choices[s.answer] })} ${s.explain}`));
    words.append(q);
  }
  box.append(words, stage.cloneNode(true));
  away.append(box);
  document.body.append(away);
  try {
    return { kind: s.kind, svg: await pictureSvg(box) };
  } finally {
    away.remove();
  }
}

export async function exportSlides(lessons) {
  const file = lessons.file();
  if (!file) return;
  const shots = await lessons.slides(slide);
  const { zipSync, strToU8 } = await import('../vendor/fflate.js');
  const files = {};
  shots.forEach((x, i) => {
    files[`${String(i + 1).padStart(2, '0')}-${x.kind}.svg`] = strToU8(x.svg);
  });
  const name = `${file.replace(/\.json$/, '')}-${S.L.lang}-slides.zip`;
  download(name, new Blob([zipSync(files, { level: 9 })], { type: 'application/zip' }));
  sayKey('slidesDone', { name, n: shots.length });
}
