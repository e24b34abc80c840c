// Guided lessons: the scenario files of www/scenarios/ played one command at a time.
// A lesson starts a fresh run from its configuration and seed; "Next" carries out its
// next command through the same path the page's own controls take (so it lands in the
// run's log and in the link), shows the lesson's notes before the commands they name,
// and asks its "what happens next?" questions before theirs, waiting for an answer.
// Every sentence is from the locale tables or the scenario file's own en/ko texts.

const BASE = new URL('./scenarios/', import.meta.url);

/**
 * A lesson file as JSON: from the offline file's own copy when the page was opened from disk
 * (dist/kafkascope.html carries www/scenarios/ in `window.__KAFKASCOPE_OFFLINE__`), else fetched.
 */
async function lessonFile(name) {
  const inlined = globalThis.__KAFKASCOPE_OFFLINE__?.scenarios;
  if (inlined) {
    if (!Object.hasOwn(inlined, name)) throw new Error(`${name}: not in this file`);
    return structuredClone(inlined[name]);
  }
  const res = await fetch(new URL(name, BASE));
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
  return res.json();
}

/** The text of a scenario's `{en, ko}` in the page's language. */
const pick = (text, lang) => (text ? text[lang] ?? text.en ?? '' : '');

/** A short, language-neutral name of a scenario command (Kafka's own vocabulary). */
function describe(c) {
  switch (c.cmd) {
    case 'run_for': return `run_for ${c.ms} ms`;
    case 'run_until': return `run_until ${c.time_ms} ms`;
    case 'run_until_quiet': return `run_until_quiet ≤ ${c.max_ms} ms`;
    case 'expect_error': return `${describe(c.command)} ⇒ ${c.contains}`;
    case 'produce': return `produce ${c.producer} → ${c.topic}${c.key !== undefined ? ` key=${c.key}` : ''} “${c.value ?? ''}”`;
    case 'create_topic': return `create_topic ${c.topic} (${c.partitions} × ${c.replication_factor})`;
    case 'stop_broker': case 'start_broker': case 'crash_broker': return `${c.cmd} ${c.cluster ? `${c.cluster}/` : ''}${c.broker}`;
    case 'add_producer': return `add_producer ${c.name}${c.config?.acks !== undefined ? ` acks=${c.config.acks}` : ''}`;
    case 'start_consumer': return `start_consumer ${c.name}${c.group ? ` (${c.group})` : ''}`;
    case 'stop_consumer': return `stop_consumer ${c.name}`;
    case 'poll': case 'commit': return `${c.cmd} ${c.consumer}`;
    case 'keep_polling': return `keep_polling ${c.consumer} ${c.every_ms ? `${c.every_ms} ms` : 'off'}`;
    case 'cut_link': case 'heal_link': return `${c.cmd} ${c.a} ⇹ ${c.b}`;
    case 'isolate': case 'heal': return `${c.cmd} ${c.node}`;
    default: return c.cmd;
  }
}

/** Carries out one command of a scenario file on the page's run, as the page's controls do. */
export function carryOut(ctx, c) {
  const pg = ctx.pg();
  if (c.cmd === 'run_for') ctx.act(() => pg.run_for(c.ms));
  else if (c.cmd === 'run_until') ctx.act(() => pg.run_for(Math.max(0, c.time_ms - ctx.view().time_ms)));
  else if (c.cmd === 'run_until_quiet') ctx.act(() => pg.run_until_quiet(c.max_ms));
  else if (c.cmd === 'expect_error') {
    // The refusal shows as any refusal does (the status line); the world is unchanged.
    const accepted = ctx.act(() => ctx.apply(c.command));
    if (accepted) ctx.sayKey('lessonNotRefused', { contains: c.contains }, true);
  } else ctx.act(() => ctx.apply(c));
}

/**
 * ctx: { $, el, t, lang(): string, start(config, commands): Promise (a fresh run from a config,
 *        on the engine build its commands need),
 *        act(fn): boolean (runs an engine action; a refusal becomes the status line),
 *        apply(cmd), pg(): Playground, view(): the view shown, sayKey(key, fields, isError) }
 */
export function createLessons(ctx) {
  const { $, el, t } = ctx;
  const L = {
    index: null, // [{file, title}]
    sc: null, // the scenario file as JSON
    file: null,
    i: 0, // the next command's index
    answers: new Map(), // question index → the choice taken
    done: false,
  };

  async function loadIndex() {
    L.index = await lessonFile('index.json');
    renderPicker();
  }

  function renderPicker() {
    const sel = $('lesson-select');
    if (!sel || !L.index) return;
    const cur = sel.value;
    const lang = ctx.lang();
    sel.replaceChildren(...L.index.map((x, n) => {
      const o = el('option', null, `${n + 1}. ${pick(x.title, lang)}`);
      o.value = x.file;
      return o;
    }));
    if (cur) sel.value = cur;
  }

  /** Starts a scenario: a fresh run from its configuration and seed, then its notes at command 0. */
  async function begin(sc, file) {
    const config = { ...(sc.config || {}) };
    if (Number.isInteger(sc.seed)) config.seed = sc.seed;
    // The commands go along so a scenario that uses a schema starts on the Avro build (engine.js).
    await ctx.start(config, sc.commands);
    L.sc = sc;
    L.file = file;
    L.i = 0;
    L.answers = new Map();
    L.done = false;
    $('lesson-body').hidden = false;
    render();
    $('lesson-next').focus();
  }

  async function openFile(file) {
    try {
      await begin(await lessonFile(file), file);
    } catch (e) {
      ctx.sayKey('lessonLoadFailed', { error: e.message || String(e) }, true);
    }
  }

  const commands = () => L.sc?.commands ?? [];
  const questionsAt = (i) => (L.sc?.guide?.questions ?? []).map((q, n) => ({ q, n })).filter(({ q }) => q.at === i);
  const notesAt = (i) => (L.sc?.guide?.notes ?? []).filter((x) => x.at === i);
  /** The question at the current command still waiting for an answer, if any. */
  const waiting = () => questionsAt(L.i).find(({ n }) => !L.answers.has(n)) ?? null;

  /** Carries out the next command as the page's own controls would. */
  function next() {
    if (!L.sc || waiting()) return;
    const list = commands();
    if (L.i >= list.length) return;
    const c = list[L.i];
    L.i += 1;
    carryOut(ctx, c);
    if (L.i >= list.length && !waiting()) L.done = true;
    render();
    const nb = $('lesson-next');
    if (nb.disabled) ($('lesson-choices').querySelector('button') || $('lesson-body')).focus();
  }

  function answer(n, choice) {
    if (L.answers.has(n)) return;
    L.answers.set(n, choice);
    if (L.i >= commands().length && !waiting()) L.done = true;
    render();
    ctx.answered?.(score());
    $('lesson-next').disabled ? $('lesson-body').focus() : $('lesson-next').focus();
  }

  /** Leaves the lesson (the run stays as it is); `focus` moves focus back to the picker. */
  function close(focus = true) {
    L.sc = null;
    L.file = null;
    $('lesson-body').hidden = true;
    if (focus) $('lesson-open').focus();
  }

  /** Draws the lesson as it stands, in the current language. */
  function render() {
    renderPicker();
    if (!L.sc) return;
    const lang = ctx.lang();
    const g = L.sc.guide || {};
    const list = commands();
    $('lesson-title').textContent = pick(g.title, lang) || L.sc.name || L.file;
    $('lesson-goal').textContent = pick(g.goal, lang);
    $('lesson-progress').textContent = L.i < list.length
      ? t('lessonProgress', { n: L.i + 1, total: list.length, cmd: describe(list[L.i]) })
      : t('lessonAllDone', { total: list.length });
    const notes = notesAt(L.i).map((x) => pick(x, lang));
    const noteBox = $('lesson-note');
    noteBox.replaceChildren(...notes.map((s) => el('p', null, s)));
    noteBox.hidden = notes.length === 0;
    // The question at this command: the unanswered one, else the last one answered.
    const qs = questionsAt(L.i);
    const shown = waiting() ?? qs[qs.length - 1] ?? null;
    const box = $('lesson-q');
    box.hidden = !shown;
    if (shown) {
      const { q, n } = shown;
      const taken = L.answers.get(n);
      $('lesson-q-text').textContent = pick(q.question, lang);
      $('lesson-choices').replaceChildren(...q.choices.map((c, k) => {
        const b = el('button', 'choice', pick(c, lang));
        b.type = 'button';
        b.dataset.choice = String(k);
        if (taken !== undefined) {
          b.disabled = true;
          if (k === q.answer) b.classList.add('right');
          if (k === taken && k !== q.answer) b.classList.add('wrong');
          b.setAttribute('aria-pressed', String(k === taken));
        }
        b.addEventListener('click', () => answer(n, k));
        return b;
      }));
      const verdict = $('lesson-verdict');
      verdict.replaceChildren();
      verdict.className = 'lesson-verdict';
      if (taken !== undefined) {
        const right = taken === q.answer;
        verdict.classList.add(right ? 'right' : 'wrong');
        verdict.append(el('strong', null, right ? t('lessonRight') : t('lessonWrong', { answer: pick(q.choices[q.answer], lang) })), document.createTextNode(' '), el('span', null, pick(q.explain, lang)));
      }
    }
    const nb = $('lesson-next');
    nb.disabled = L.done || !!waiting() || L.i >= list.length;
    nb.hidden = L.done;
    const fin = $('lesson-done');
    fin.hidden = !L.done;
    fin.textContent = L.done ? t('lessonDone', { title: pick(g.title, lang) }) : '';
    $('lesson-body').dataset.state = L.done ? 'done' : waiting() ? 'question' : 'ready';
  }

  function wire() {
    $('lesson-open').addEventListener('click', () => openFile($('lesson-select').value));
    $('lesson-next').addEventListener('click', () => next());
    $('lesson-close').addEventListener('click', () => close());
    loadIndex().catch((e) => ctx.sayKey('lessonLoadFailed', { error: e.message || String(e) }, true));
  }

  /**
   * A scenario file from disk: with a guide it is a lesson; without one, every command
   * is carried out at once (a refused one shows as any refusal does) and the page says so.
   */
  async function load(sc, name) {
    await begin(sc, name);
    if (sc.guide) return;
    while (!L.done && L.i < commands().length) next();
    L.done = true;
    render();
    if (!ctx.isError()) ctx.sayKey('scenarioLoaded', { name: sc.name || name, n: commands().length });
  }

  /**
   * Plays the open lesson from its start through to its end, answering each question right,
   * and hands `capture` each note, each question and each answer at the moment a student sees
   * it (a slide each); returns what `capture` returned, in order.
   */
  async function slides(capture) {
    if (!L.sc) return [];
    const sc = L.sc;
    await begin(sc, L.file);
    const lang = ctx.lang();
    const g = sc.guide || {};
    const title = pick(g.title, lang) || sc.name || L.file;
    const out = [];
    for (let guard = 0; guard <= commands().length; guard++) {
      for (const x of notesAt(L.i)) out.push(await capture({ kind: 'note', title, text: pick(x, lang) }));
      for (const { q, n } of questionsAt(L.i)) {
        const choices = q.choices.map((c) => pick(c, lang));
        out.push(await capture({ kind: 'question', title, text: pick(q.question, lang), choices }));
        L.answers.set(n, q.answer);
        out.push(await capture({ kind: 'answer', title, text: pick(q.question, lang), choices, answer: q.answer, explain: pick(q.explain, lang) }));
      }
      if (L.i >= commands().length) break;
      next();
    }
    L.done = true;
    render();
    return out;
  }

  /** The share of the lesson's questions answered right, from 0 to 1 (1 for a lesson without any). */
  function score() {
    const qs = L.sc?.guide?.questions ?? [];
    if (!qs.length) return L.done ? 1 : 0;
    return qs.filter((q, n) => L.answers.get(n) === q.answer).length / qs.length;
  }

  /** Where the lesson stands, for a link: only a lesson of the index can be opened again by name. */
  function position() {
    if (!L.sc) return null;
    // A lesson of the index goes by name; any other (written on the page, opened from a file) goes whole.
    if (L.index?.some((x) => x.file === L.file)) return { file: L.file, i: L.i, answers: [...L.answers] };
    return { file: L.file, lesson: L.sc, i: L.i, answers: [...L.answers] };
  }

  /**
   * Opens a lesson at a position a link names, over the run the link already replayed
   * (its commands up to `i` are in that run): nothing is carried out again.
   */
  async function resume({ file, lesson, i, answers }) {
    try {
      const sc = lesson ?? (await lessonFile(file));
      const n = sc.commands?.length ?? 0;
      if (i > n) throw new Error(`${file}: ${i} > ${n}`);
      L.sc = sc;
      L.file = file;
      L.i = i;
      L.answers = new Map(answers.filter(([q]) => q < (sc.guide?.questions?.length ?? 0)));
      L.done = i >= n && !waiting();
      if (!lesson) $('lesson-select').value = file;
      $('lesson-body').hidden = false;
      render();
    } catch (e) {
      ctx.sayKey('lessonLoadFailed', { error: e.message || String(e) }, true);
    }
  }

  return {
    wire,
    load,
    position,
    resume,
    score,
    slides,
    file: () => L.file,
    leave: () => close(false),
    render,
    openFile,
    state: () => ({ file: L.file, at: L.i, done: L.done, waiting: !!waiting() }),
  };
}
