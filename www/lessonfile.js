// A lesson file, as www/scenarios/ holds them (and `kafkascope run` runs): a configuration,
// a seed, commands, and a guide of notes and "what happens next?" questions placed before
// the command at index `at`, in English and Korean. This module checks one (naming the field
// at fault) and writes one from a run on the page and a teacher's notes at chosen steps.

export class LessonError extends Error {
  constructor(field, why) {
    super(`${field}: ${why}`);
    this.field = field;
    this.why = why;
  }
}

const isText = (x) => x && typeof x === 'object' && !Array.isArray(x) && ['en', 'ko'].some((k) => typeof x[k] === 'string' && x[k].trim())
  && Object.entries(x).every(([k, v]) => ['en', 'ko', 'at'].includes(k) && (k === 'at' || typeof v === 'string'));
const isIndex = (x, max) => Number.isInteger(x) && x >= 0 && x <= max;

/** Throws a LessonError naming the first field that is wrong; returns the lesson when it is a lesson. */
export function validateLesson(sc) {
  if (!sc || typeof sc !== 'object' || Array.isArray(sc)) throw new LessonError('(file)', 'a lesson is a JSON object');
  if (!sc.config || typeof sc.config !== 'object' || Array.isArray(sc.config)) throw new LessonError('config', 'an object with "clusters"');
  if (sc.seed !== undefined && !(Number.isSafeInteger(sc.seed) && sc.seed >= 0)) throw new LessonError('seed', 'a whole number ≥ 0');
  if (!Array.isArray(sc.commands)) throw new LessonError('commands', 'a list');
  sc.commands.forEach((c, i) => {
    if (!c || typeof c !== 'object' || typeof c.cmd !== 'string') throw new LessonError(`commands[${i}]`, 'a command with "cmd"');
  });
  const n = sc.commands.length;
  const g = sc.guide;
  if (!g || typeof g !== 'object' || Array.isArray(g)) throw new LessonError('guide', 'an object with a title, notes and questions');
  if (!isText(g.title)) throw new LessonError('guide.title', 'a text in "en" and/or "ko"');
  if (g.goal !== undefined && !isText(g.goal)) throw new LessonError('guide.goal', 'a text in "en" and/or "ko"');
  for (const [list, what] of [['notes', 'note'], ['questions', 'question']]) {
    if (g[list] !== undefined && !Array.isArray(g[list])) throw new LessonError(`guide.${list}`, 'a list');
    (g[list] ?? []).forEach((x, i) => {
      const f = `guide.${list}[${i}]`;
      if (!x || typeof x !== 'object') throw new LessonError(f, `a ${what}`);
      if (!isIndex(x.at, n)) throw new LessonError(`${f}.at`, `the index of a command, 0–${n}`);
      if (what === 'note' && !isText(x)) throw new LessonError(f, 'a text in "en" and/or "ko"');
      if (what === 'question') {
        if (!isText(x.question)) throw new LessonError(`${f}.question`, 'a text in "en" and/or "ko"');
        if (!Array.isArray(x.choices) || x.choices.length < 2) throw new LessonError(`${f}.choices`, 'a list of at least two choices');
        x.choices.forEach((c, k) => {
          if (!isText(c)) throw new LessonError(`${f}.choices[${k}]`, 'a text in "en" and/or "ko"');
        });
        if (!isIndex(x.answer, x.choices.length - 1)) throw new LessonError(`${f}.answer`, `the index of the right choice, 0–${x.choices.length - 1}`);
        if (!isText(x.explain)) throw new LessonError(`${f}.explain`, 'a text in "en" and/or "ko"');
      }
    });
  }
  return sc;
}

/** Only the languages written, trimmed. */
const text = (t) => Object.fromEntries(['en', 'ko'].filter((k) => t?.[k]?.trim()).map((k) => [k, t[k].trim()]));

/**
 * The lesson of a run and the teacher's items. `log` is the run's entry log, `head` its last
 * step and `stepTime(step)` the virtual time at a step. Each item stands at a step, before the
 * log's entry number `after` (what the run had done when the teacher wrote it); the time
 * between is `run_for`, as a scenario file says it.
 */
export function lessonOf({ name, config, log, head, headMs, stepTime, meta, items }) {
  const commands = [];
  let t = 0;
  const runTo = (ms) => {
    if (ms > t) commands.push({ cmd: 'run_for', ms: ms - t });
    t = Math.max(t, ms);
  };
  const entries = log.filter(([step]) => step <= head);
  const sorted = [...items].map((x, order) => ({ ...x, after: Math.min(x.after ?? entries.length, entries.length), order }))
    .sort((a, b) => a.after - b.after || a.step - b.step || a.order - b.order);
  const at = new Map();
  let k = 0;
  const place = (before) => {
    for (; k < sorted.length && sorted[k].after <= before; k++) {
      runTo(stepTime(sorted[k].step));
      at.set(sorted[k], commands.length);
    }
  };
  entries.forEach(([step, entry], j) => {
    place(j);
    if (entry.clock !== undefined) runTo(entry.clock);
    else if (entry.command) {
      runTo(stepTime(step));
      commands.push(entry.command);
    }
  });
  place(entries.length);
  runTo(headMs);
  const notes = [];
  const questions = [];
  for (const x of sorted) {
    if (x.kind === 'note') notes.push({ at: at.get(x), ...text(x.text) });
    else {
      questions.push({
        at: at.get(x),
        question: text(x.text),
        choices: x.choices.map(text),
        answer: x.answer,
        explain: text(x.explain),
      });
    }
  }
  const guide = { title: text(meta.title), goal: text(meta.goal), notes, questions };
  if (!Object.keys(guide.goal).length) delete guide.goal;
  const { seed, ...rest } = config;
  return validateLesson({ name, guide, seed, config: rest, commands });
}
