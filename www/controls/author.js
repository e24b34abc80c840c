// Writing a lesson in the page: a teacher plays a run (or opens a lesson file), and at chosen
// steps adds notes and "what happens next?" questions (choices, the right one, why), in
// English, Korean or both; edits and reorders them; previews the lesson as a student sees
// it (a link that opens it); and exports it as a lesson file like www/scenarios/' (the CLI
// runs it) or as that link. A lesson file opened here comes back for editing.
import { S, $, el, t, button } from '../state.js';
import { act, sayKey } from '../run.js';
import { encodeLink } from '../link-codec.js';
import { carryOut } from '../lessons.js';
import { lessonOf, validateLesson } from '../lessonfile.js';
import { download, stepTimes } from '../takeaway.js';

const A = { title: { en: '', ko: '' }, goal: { en: '', ko: '' }, items: [] };
const LANGS = ['en', 'ko'];
const lines = (s) => String(s ?? '').split('\n').map((x) => x.trim()).filter(Boolean);

/** How many of the log's entries the run had carried out at `step` (all of them at the last step). */
function entriesAt(step) {
  const log = JSON.parse(S.pg.log_json());
  return step >= S.pg.head() ? log.length : log.filter(([at]) => at <= step).length;
}

function newItem(kind) {
  const step = S.pg.step_now();
  const after = entriesAt(step);
  if (kind === 'note') return { kind, step, after, text: { en: '', ko: '' } };
  return { kind, step, after, text: { en: '', ko: '' }, choices: { en: '', ko: '' }, answer: 0, explain: { en: '', ko: '' } };
}

/** A labelled field bound to `obj[key]` (a textarea for long texts). */
function field(label, obj, key, { area = false, lang } = {}) {
  const l = el('label', 'a-field');
  const input = el(area ? 'textarea' : 'input');
  if (area) input.rows = 2;
  if (lang) input.lang = lang;
  input.value = obj[key] ?? '';
  input.addEventListener('input', () => { obj[key] = input.value; });
  l.append(el('span', null, label), input);
  return l;
}

const langName = (lang) => t(lang === 'en' ? 'authorEn' : 'authorKo');

function itemEl(x, i) {
  const li = el('li', `a-item ${x.kind}`);
  li.dataset.index = String(i);
  const head = el('div', 'a-item-head');
  const stepIn = el('input');
  stepIn.type = 'number';
  stepIn.min = '0';
  stepIn.value = String(x.step);
  stepIn.setAttribute('aria-label', t('authorStep'));
  stepIn.addEventListener('change', () => {
    const n = Number(stepIn.value);
    if (Number.isInteger(n) && n >= 0 && n <= S.pg.head()) {
      x.step = n;
      x.after = entriesAt(n);
    } else stepIn.value = String(x.step);
    draw();
  });
  const kind = el('b', null, t(x.kind === 'note' ? 'authorNote' : 'authorQuestion'));
  const stepLabel = el('label', 'inline');
  stepLabel.append(el('span', null, t('authorStep')), stepIn);
  const up = button(null, '↑');
  up.setAttribute('aria-label', t('authorUp'));
  up.dataset.move = '-1';
  const down = button(null, '↓');
  down.setAttribute('aria-label', t('authorDown'));
  down.dataset.move = '1';
  const del = button(null, '✕');
  del.setAttribute('aria-label', t('authorDelete'));
  del.dataset.remove = '1';
  head.append(kind, stepLabel, up, down, del);
  li.append(head);
  for (const lang of LANGS) li.append(field(`${t(x.kind === 'note' ? 'authorNoteText' : 'authorQuestionText')} (${langName(lang)})`, x.text, lang, { area: true, lang }));
  if (x.kind === 'question') {
    for (const lang of LANGS) li.append(field(`${t('authorChoices')} (${langName(lang)})`, x.choices, lang, { area: true, lang }));
    const ans = el('label', 'a-field');
    const num = el('input');
    num.type = 'number';
    num.min = '1';
    num.value = String(x.answer + 1);
    num.addEventListener('input', () => { x.answer = Number(num.value) - 1; });
    ans.append(el('span', null, t('authorAnswer')), num);
    li.append(ans);
    for (const lang of LANGS) li.append(field(`${t('authorExplain')} (${langName(lang)})`, x.explain, lang, { area: true, lang }));
  }
  return li;
}

function draw() {
  const ol = $('a-items');
  ol.replaceChildren(...A.items.map(itemEl));
  $('a-empty').hidden = A.items.length > 0;
}

/** The lesson as written, checked: a lesson file's object, or a refusal naming the field. */
function lesson() {
  const records = S.pg.events_since(0);
  const stepTime = stepTimes(records);
  const head = S.pg.head();
  const items = A.items.map((x) => (x.kind === 'note' ? x : {
    ...x,
    choices: (() => {
      const [en, ko] = [lines(x.choices.en), lines(x.choices.ko)];
      return Array.from({ length: Math.max(en.length, ko.length) }, (_, k) => ({ en: en[k] ?? '', ko: ko[k] ?? '' }));
    })(),
  }));
  return lessonOf({
    name: fileName().replace(/\.json$/, ''),
    config: S.pg.config(),
    log: JSON.parse(S.pg.log_json()),
    head,
    headMs: stepTime(head),
    stepTime,
    meta: A,
    items,
  });
}

const fileName = () => `${(A.title.en || A.title.ko || 'lesson').toLowerCase().replace(/[^a-z0-9가-힣]+/g, '-').replace(/^-+|-+$/g, '') || 'lesson'}.json`;

/** The link that opens the lesson from its start, as a student sees it. */
async function lessonLink(sc) {
  const { seed, config } = sc;
  const code = await encodeLink({
    config: { ...config, seed }, log: [], head: 0, step: 0, lang: S.L.lang, speed: S.speed,
    lesson: { file: `${sc.name}.json`, lesson: sc, i: 0, answers: [] },
  });
  const u = new URL(location.href);
  u.search = '';
  u.hash = `run=${code}`;
  return u.href;
}

function withLesson(then) {
  let sc;
  try {
    sc = lesson();
  } catch (e) {
    sayKey('authorBad', { field: e.field ?? '', why: e.why ?? e.message }, true);
    return;
  }
  return then(sc);
}

/** A lesson file back into the editor: its run is played to find the step of each note and question. */
async function open(sc, start) {
  validateLesson(sc);
  await start({ ...sc.config, ...(Number.isInteger(sc.seed) ? { seed: sc.seed } : {}) }, sc.commands);
  const stepAt = [];
  const afterAt = [];
  const ctx = { pg: () => S.pg, view: () => S.view, act, apply: (c) => S.pg.apply(JSON.stringify(c)), sayKey };
  const mark = () => {
    stepAt.push(S.pg.step_now());
    afterAt.push(JSON.parse(S.pg.log_json()).length);
  };
  sc.commands.forEach((c) => {
    mark();
    carryOut(ctx, c);
  });
  mark();
  const g = sc.guide;
  const pair = (x) => ({ en: x?.en ?? '', ko: x?.ko ?? '' });
  A.title = pair(g.title);
  A.goal = pair(g.goal);
  A.items = [
    ...(g.notes ?? []).map((n) => ({ kind: 'note', step: stepAt[n.at], after: afterAt[n.at], text: pair(n) })),
    ...(g.questions ?? []).map((q) => ({
      kind: 'question', step: stepAt[q.at], after: afterAt[q.at], text: pair(q.question), answer: q.answer, explain: pair(q.explain),
      choices: { en: q.choices.map((c) => c.en ?? '').join('\n'), ko: q.choices.map((c) => c.ko ?? '').join('\n') },
    })),
  ].sort((a, b) => a.after - b.after || a.step - b.step);
  drawMeta();
  draw();
  $('author-panel').open = true;
}

function drawMeta() {
  const box = $('a-meta');
  box.replaceChildren(...LANGS.map((lang) => field(`${t('authorLessonTitle')} (${langName(lang)})`, A.title, lang, { lang })),
    ...LANGS.map((lang) => field(`${t('authorGoal')} (${langName(lang)})`, A.goal, lang, { area: true, lang })));
}

export function wireAuthor({ start }) {
  drawMeta();
  draw();
  $('a-add-note').addEventListener('click', () => { A.items.push(newItem('note')); draw(); });
  $('a-add-question').addEventListener('click', () => { A.items.push(newItem('question')); draw(); });
  $('a-items').addEventListener('click', (e) => {
    const b = e.target.closest('button');
    const li = e.target.closest('li.a-item');
    if (!b || !li) return;
    const i = Number(li.dataset.index);
    if (b.dataset.remove) A.items.splice(i, 1);
    if (b.dataset.move) {
      const j = i + Number(b.dataset.move);
      if (j < 0 || j >= A.items.length) return;
      [A.items[i], A.items[j]] = [A.items[j], A.items[i]];
      // Order follows the steps: an item moved past one at another step takes that step.
      if (A.items[i].step > A.items[j].step === j > i) {
        A.items[j].step = A.items[i].step;
        A.items[j].after = A.items[i].after;
      }
    }
    draw();
  });
  $('a-export').addEventListener('click', () => withLesson((sc) => {
    download(fileName(), `${JSON.stringify(sc, null, 1)}\n`);
    sayKey('downloaded', { name: fileName() });
  }));
  $('a-link').addEventListener('click', () => withLesson(async (sc) => {
    $('a-link-out').value = await lessonLink(sc);
    $('a-link-out').hidden = false;
  }));
  $('a-preview').addEventListener('click', () => withLesson(async (sc) => {
    const link = await lessonLink(sc);
    $('a-link-out').value = link;
    $('a-link-out').hidden = false;
    window.open(link, '_blank', 'noopener');
  }));
  $('a-open').addEventListener('change', async (e) => {
    const f = e.target.files?.[0];
    e.target.value = '';
    if (!f) return;
    try {
      await open(JSON.parse(await f.text()), start);
      sayKey('authorOpened', { name: f.name, n: A.items.length });
    } catch (err) {
      sayKey('authorBad', { field: err.field ?? f.name, why: err.why ?? err.message }, true);
    }
  });
}

/** Words the editor again (the language changed). */
export function authorLanguage() {
  if (!$('a-items')) return;
  drawMeta();
  draw();
}
