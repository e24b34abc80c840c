// The Korean narration of every lesson's full run, with the engine's real values (issue #21).
// No browser: the engine's Wasm build runs in node (dist/pkg/, or dist/pkg-avro/ for a lesson
// that uses a schema, as www/engine.js picks), each lesson of www/scenarios/index.json is
// played to its end as www/lessons.js plays it, and every trace event is narrated in Korean
// through the template and fields narrate itself uses (sentenceParts). Each sentence must
// have no fallback particle form, no placeholder or marker left, no "undefined"/"NaN", and
// after each value the particle josa's rule gives for that value: the one a `{field}{a/b}`
// marker picks, and also a particle written bare after a value. The English sentence of the
// same event must have no placeholder left either.
// Needs dist/ (scripts/build-web.sh). Run: node --test tests/e2e/narration-ko.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import en from '../../www/locales/en.js';
import ko from '../../www/locales/ko.js';
import { fill, inCluster, narrate, sentenceParts } from '../../www/narrate.js';
import { PAIRS, pairOf, pickParticle } from '../../www/josa.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCENARIOS = path.join(ROOT, 'www/scenarios');
const index = JSON.parse(fs.readFileSync(path.join(SCENARIOS, 'index.json'), 'utf8'));

// ------------------------------------------------------------------ the engine
const builds = {};
/** The engine's module, its Wasm instantiated: `avro` for dist/pkg-avro/, else dist/pkg/. */
async function engine(avro) {
  const dir = path.join(ROOT, avro ? 'dist/pkg-avro' : 'dist/pkg');
  if (!builds[dir]) {
    const mod = await import(pathToFileURL(path.join(dir, 'kafkascope.js')).href);
    mod.initSync({ module: fs.readFileSync(path.join(dir, 'kafkascope_bg.wasm')) });
    builds[dir] = mod;
  }
  return builds[dir];
}

// As www/engine.js decides which build a lesson starts on.
const AVRO_COMMANDS = new Set(['start_schema_registry', 'register_schema', 'set_compatibility', 'set_serializers']);
const SERDE_KEYS = ['key.serializer', 'value.serializer', 'key.deserializer', 'value.deserializer'];
const avroSerde = (config) => !!config && typeof config === 'object'
  && SERDE_KEYS.some((k) => typeof config[k] === 'string' && (config[k] === 'avro' || config[k].includes('KafkaAvro')));
function commandNeedsAvro(c) {
  if (!c || typeof c !== 'object') return false;
  if (AVRO_COMMANDS.has(c.cmd)) return true;
  if ((c.cmd === 'add_producer' || c.cmd === 'start_consumer') && avroSerde(c.config)) return true;
  return c.cmd === 'expect_error' && commandNeedsAvro(c.command);
}

/** A lesson played to its end as www/lessons.js plays it; its trace events. */
async function playLesson(sc) {
  const config = { ...(sc.config || {}) };
  if (Number.isInteger(sc.seed)) config.seed = sc.seed;
  const E = await engine(sc.commands.some(commandNeedsAvro));
  const pg = new E.Playground(JSON.stringify(config));
  try {
    for (const [i, c] of sc.commands.entries()) {
      const where = `${sc.name}, command ${i} (${c.cmd})`;
      if (c.cmd === 'run_for') pg.run_for(c.ms);
      else if (c.cmd === 'run_until') pg.run_for(Math.max(0, c.time_ms - pg.view().time_ms));
      else if (c.cmd === 'run_until_quiet') pg.run_until_quiet(c.max_ms);
      else if (c.cmd === 'expect_error') {
        assert.throws(() => pg.apply(JSON.stringify(c.command)), (e) => String(e?.message ?? e).includes(c.contains), `${where}: refused with “${c.contains}”`);
      } else pg.apply(JSON.stringify(c));
    }
    return pg.events_since(0);
  } finally {
    pg.free();
  }
}

// ------------------------------------------------------------------ the checks
const FALLBACK = /\((?:이|가|을|를|은|는|과|와|으|으로|로)\)/;
// A placeholder or a particle marker left (a value may itself hold braces: a JSON key of _schemas).
const RAW = /\{\w+\}|\{[가-힣]+\/[가-힣]+\}/;
const BROKEN = /undefined|NaN|\[object/;
// A value, the closing quotes or brackets after it, and optionally a particle marker (as narrate.js).
const PLACEHOLDER = /\{(\w+)\}([”’)\]]*)(?:\{([가-힣]+)\/([가-힣]+)\})?/g;

// Particles written bare right after a value that alternate with how the value is read:
// the longest form first, each with what may not follow it (so 이제, 이전, 로그 are words, not particles).
const BARE = PAIRS.flatMap((pair) => pair.map((form) => ({ form, pair })))
  .sort((x, y) => y.form.length - x.form.length);
const NOT_AFTER = { 이: /^[가-힣]/, 로: /^[그드]/, 아: /^[가-힣]/, 야: /^[가-힣]/ };
function bareParticle(rest) {
  for (const { form, pair } of BARE) {
    if (!rest.startsWith(form)) continue;
    const stop = NOT_AFTER[form];
    if (stop && stop.test(rest.slice(form.length))) continue;
    return { form, pair };
  }
  return null;
}

/**
 * Checks one Korean sentence: `template` filled with `fields` is `s`. Walks the template's
 * placeholders in order, each value as it lands in the sentence; returns the problems.
 */
function particleProblems(template, fields, s) {
  const problems = [];
  let expected = '';
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const [whole, k, close, a, b] = m;
    expected += template.slice(last, m.index);
    last = m.index + whole.length;
    if (!(k in fields)) {
      problems.push(`{${k}} has no value`);
      expected += whole;
      continue;
    }
    const value = String(fields[k]);
    if (a !== undefined) {
      const pair = pairOf(a, b);
      if (!pair) {
        problems.push(`{${a}/${b}} is no particle pair`);
        expected += whole;
        continue;
      }
      const want = pickParticle(value, pair);
      expected += value + close + want;
    } else {
      expected += value + close;
      const bare = bareParticle(template.slice(last));
      if (bare && value !== '') {
        const want = pickParticle(value, bare.pair);
        if (bare.form !== want) problems.push(`“${value}${close}${bare.form}” (bare after {${k}}): josa gives “${value}${close}${want}”`);
      }
    }
  }
  expected += template.slice(last);
  if (expected !== s) problems.push(`the sentence is “${s}”, the values with josa's particles give “${expected}”`);
  return problems;
}

function checkEvent(ev, where) {
  const [key, fields] = sentenceParts(ko, ev);
  assert.notEqual(key, 'unknown', `${where}: no Korean sentence for event kind ${ev.type}`);
  const template = ko.events[key];
  assert.equal(typeof template, 'string', `${where}: ko.events.${key}`);
  const s = fill(template, fields);
  assert.equal(inCluster(ev, s), narrate(ko, ev), `${where}: narrate fills what sentenceParts gives`);
  assert.doesNotMatch(s, FALLBACK, `${where} (${key}): a fallback particle form: ${s}`);
  assert.doesNotMatch(s, RAW, `${where} (${key}): a placeholder or marker left: ${s}`);
  assert.doesNotMatch(s, BROKEN, `${where} (${key}): ${s}`);
  const problems = particleProblems(template, fields, s);
  assert.deepEqual(problems, [], `${where} (${key}): ${template} → ${s}`);

  const e = narrate(en, ev);
  assert.doesNotMatch(e, RAW, `${where}: English: a placeholder left: ${e}`);
  assert.doesNotMatch(e, BROKEN, `${where}: English: ${e}`);
  return { key, template };
}

// ------------------------------------------------------------------ the tests
let lines = 0;
let done = 0;
const templatesSeen = new Set();

test('the particle check itself: it refuses a bare particle that does not fit the value, and a wrong pick', () => {
  assert.deepEqual(particleProblems('브로커 {broker}{이/가} 시작됩니다.', { broker: 3 }, '브로커 3이 시작됩니다.'), []);
  assert.deepEqual(particleProblems('{tp}{을/를} 읽습니다.', { tp: 'orders-0' }, 'orders-0을 읽습니다.'), []);
  assert.equal(particleProblems('브로커 {broker}가 시작됩니다.', { broker: 1 }, '브로커 1가 시작됩니다.').length, 1);
  assert.equal(particleProblems('{tp}을 읽습니다.', { tp: 'orders-2' }, 'orders-2을 읽습니다.').length, 1);
  assert.equal(particleProblems('{x}로 갑니다.', { x: 'topic' }, 'topic로 갑니다.').length, 1);
  assert.deepEqual(particleProblems('{x}로그', { x: 'a' }, 'a로그'), [], '로그 after a value is a word');
  assert.deepEqual(particleProblems('{n} 이전', { n: 3 }, '3 이전'), []);
  assert.ok(particleProblems('브로커 {broker}{이/가} 시작됩니다.', { broker: 3 }, '브로커 3가 시작됩니다.').length, 'a wrong pick in the sentence');
});

for (const { file } of index) {
  test(`${file}: every event of the full run, narrated in Korean, with the right particles`, async (t) => {
    const sc = JSON.parse(fs.readFileSync(path.join(SCENARIOS, file), 'utf8'));
    const events = await playLesson(sc);
    assert.ok(events.length > 0, `${file}: no trace`);
    for (const [i, ev] of events.entries()) {
      const { key } = checkEvent(ev, `${file}, event ${i} (${ev.type})`);
      templatesSeen.add(key);
    }
    lines += events.length;
    done += 1;
    t.diagnostic(`${file}: ${events.length} narrated lines checked`);
  });
}

test('the count: every lesson narrated', (t) => {
  assert.equal(done, index.length, 'every lesson above passed');
  const msg = `${lines} Korean narrated lines checked (and the same events in English), ${templatesSeen.size} templates used`;
  t.diagnostic(msg);
  console.log(`narration-ko: ${msg}`);
});
