// The forms: produce, create a topic, start a consumer, start a fresh cluster. A value a
// form cannot use is refused in the page's own words, naming the field (the forms do not
// rely on the browser's bubbles); what the engine refuses is said the same way.
import { S, $, el, t, POLL_LOOP_MS } from '../state.js';
import { act, apply, applyCommand, needEngine, say, sayKey, sayError, setPlaying, boot, adopt } from '../run.js';
import { needsAvro } from '../engine.js';

/** A form field's label, as the person reads it. */
const labelOf = (input) => input.labels?.[0]?.querySelector('span')?.textContent?.trim() || input.getAttribute('aria-label') || input.id;

/** An error that names a field and says why, in the page's language. */
export function fieldError(input, key, fields = {}) {
  const e = new Error(`${input.id}: ${key}`);
  e.render = () => t(key, { field: labelOf(input), ...fields });
  e.input = input;
  return e;
}

/** A whole number from a field, within lo..hi, or a refusal naming the field. */
export function intIn(input, lo, hi) {
  const text = input.value.trim();
  const n = Number(text);
  if (text === '' || !Number.isInteger(n) || n < lo || n > hi) throw fieldError(input, 'fieldRange', { lo, hi });
  return n;
}

function textIn(input) {
  const v = input.value.trim();
  if (!v) throw fieldError(input, 'fieldEmpty');
  return v;
}

/** Says a refusal (status line and the field itself) and puts the cursor in the field. */
function refuse(e) {
  sayError(e);
  if (e.input) {
    e.input.setAttribute('aria-invalid', 'true');
    e.input.focus();
  }
}

/**
 * A schema typed in a textarea, as JSON: the parsed value, null when empty and optional, or
 * undefined after saying (in the status line, naming the field) why it cannot be used.
 */
function schemaIn(area, required) {
  const text = area.value.trim();
  const field = labelOf(area);
  if (!text) {
    if (!required) return null;
    sayKey('schemaEmpty', { field }, true);
    area.focus();
    return undefined;
  }
  try {
    const v = JSON.parse(text);
    if (v === null || typeof v === 'number' || typeof v === 'boolean') throw new Error(t('schemaNotSchema'));
    return v;
  } catch (e) {
    sayKey('schemaBad', { field, error: e.message }, true);
    area.focus();
    return undefined;
  }
}

function producerName(acks, partitioner) {
  return `producer-acks${acks === 'all' ? 'all' : acks}-${partitioner}`;
}

/** A schema in a canonical text (object keys sorted), to tell whether two schemas are the same. */
function canonical(x) {
  const sort = (v) => (Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])])) : v);
  return JSON.stringify(sort(x));
}

function sameSchema(text, schema) {
  if (text == null) return false;
  try {
    return canonical(JSON.parse(text)) === canonical(schema);
  } catch {
    return canonical(text) === canonical(schema);
  }
}

/** The form's producer: its name and the add_producer command that makes it. */
function producerFor({ acks, partitioner, serializer = 'string', schema = null, idempotence = 'default' }) {
  const idem = idempotence === 'default' ? '' : idempotence === 'true' ? '-idempotent' : '-not-idempotent';
  const name = producerName(acks, partitioner) + idem + (serializer === 'string' ? '' : `-${serializer}`);
  const config = { acks, partitioner };
  if (idempotence !== 'default') config['enable.idempotence'] = idempotence === 'true';
  if (serializer !== 'string') config['value.serializer'] = serializer;
  if (schema !== null) config['value.schema'] = schema;
  return { name, add: { cmd: 'add_producer', name, config } };
}

function produce(args) {
  const { topic, key, value, schema = null } = args;
  const made = producerFor(args);
  // A closed or crashed producer keeps its name: the form's next send gets a new one.
  let name = made.name;
  for (let n = 2; S.view.producers.some((p) => p.name === name && !p.running); n++) name = `${made.name}-${n}`;
  const add = { ...made.add, name };
  const have = S.view.producers.find((p) => p.name === name);
  if (!have) apply(add);
  else if (schema !== null && !sameSchema(have.serializers?.value_schema, schema)) {
    // The same producer with another schema: redeployed with it, as an application would be.
    apply({ cmd: 'set_serializers', client: name, value: add.config['value.serializer'], value_schema: schema });
  }
  const cmd = { cmd: 'produce', producer: name, topic, value };
  if (key !== '' && key !== null && key !== undefined) cmd.key = key;
  apply(cmd);
  return name;
}

function nextConsumerName(name) {
  const m = /^(.*?)(\d+)$/.exec(name);
  const taken = new Set((S.view?.consumers || []).map((c) => c.name).concat(name));
  let n = m ? Number(m[2]) + 1 : 2;
  const stem = m ? m[1] : name;
  while (taken.has(`${stem}${n}`)) n++;
  return `${stem}${n}`;
}

/** Shows a schema's textarea only for Avro, and says what the producer's serializer does. */
export function serdeFields() {
  const ser = $('p-vser').value;
  $('p-schema-wrap').hidden = ser !== 'avro';
  $('c-schema-wrap').hidden = $('c-vdeser').value !== 'avro';
  const hint = { avro: 'serHintAvro', json: 'serHintJson', integer: 'serHintNumber', long: 'serHintNumber' }[ser];
  const topic = $('p-topic').value;
  $('p-ser-hint').textContent = hint ? t(hint, { subject: `${topic || '<topic>'}-value` }) : '';
}

/** The topics one can produce to, in the produce form's list. */
export function renderTopicsSelect(v) {
  const sel = $('p-topic');
  const names = v.topics.filter((x) => !x.internal).map((x) => x.name);
  const have = [...sel.options].map((o) => o.value);
  if (names.length === have.length && names.every((n, i) => n === have[i])) return;
  const cur = sel.value;
  sel.replaceChildren(...names.map((n) => {
    const o = el('option', null, n);
    o.value = n;
    return o;
  }));
  if (!names.length) {
    const o = el('option', null, t('noTopics'));
    o.value = '';
    sel.append(o);
  }
  if (names.includes(cur)) sel.value = cur;
}

/** Which partition the typed key goes to, as Kafka's partitioner picks it (the engine's own function). */
export function updatePreview() {
  const topic = S.view?.topics.find((x) => x.name === $('p-topic').value);
  const key = $('p-key').value;
  const out = $('p-preview');
  if (!topic) { out.textContent = ''; return; }
  if (key === '') { out.textContent = t('noKeyPreview'); return; }
  const n = topic.assignment.length;
  out.textContent = t('keyPreview', { key, partition: S.E.partition_for_key(key, n), n });
}

export function wireForms({ lessons }) {
  for (const f of document.querySelectorAll('form')) {
    // The page says every refusal itself, in its language; the browser's bubbles would not.
    f.noValidate = true;
    f.addEventListener('input', (e) => e.target.removeAttribute?.('aria-invalid'));
  }
  $('form-consumer').addEventListener('submit', async (e) => {
    e.preventDefault();
    let cmd;
    try {
      const name = textIn($('c-name'));
      const group = $('c-group').value.trim();
      const topics = $('c-topics').value.split(',').map((x) => x.trim()).filter(Boolean);
      if (!topics.length) throw fieldError($('c-topics'), 'fieldEmpty');
      cmd = { cmd: 'start_consumer', name, group, topics, config: { 'auto.offset.reset': $('c-reset').value, 'enable.auto.commit': $('c-autocommit').checked } };
      if ($('c-keep').checked) cmd.keep_polling_ms = POLL_LOOP_MS;
    } catch (err) {
      refuse(err);
      return;
    }
    const deser = $('c-vdeser').value;
    if (deser !== 'string') cmd.config['value.deserializer'] = deser;
    if (deser === 'avro') {
      const reader = schemaIn($('c-schema'), false);
      if (reader === undefined) return;
      if (reader !== null) cmd.config['value.reader.schema'] = reader;
    }
    if (await applyCommand(cmd)) {
      sayKey('consumerStarting', { name: cmd.name, group: cmd.group });
      $('c-name').value = nextConsumerName(cmd.name);
    }
  });
  $('c-vdeser').addEventListener('change', () => serdeFields());
  $('form-reset').addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      const seed = intIn($('seed'), 0, 4294967295);
      const brokers = intIn($('broker-count'), 1, 6);
      setPlaying(false);
      lessons?.leave(); // a new run is no longer the lesson's
      adopt(boot(seed, brokers, $('metadata-mode').value));
      say(null);
    } catch (err) {
      refuse(err);
    }
  });
  $('form-produce').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!$('p-topic').value) {
      refuse(fieldError($('p-topic'), 'fieldEmpty'));
      return;
    }
    const args = { topic: $('p-topic').value, key: $('p-key').value, value: $('p-value').value, acks: $('p-acks').value, partitioner: $('p-partitioner').value, serializer: $('p-vser').value, idempotence: $('p-idem').value };
    if (args.serializer === 'avro') {
      args.schema = schemaIn($('p-schema'), true);
      if (args.schema === undefined) return;
    }
    // An Avro producer needs the Avro build: the run moves over first (engine.js).
    if (needsAvro([producerFor(args).add])) {
      try {
        await needEngine(true);
      } catch (err) {
        sayError(err);
        return;
      }
    }
    let name;
    if (act(() => { name = produce(args); })) sayKey('sent', { producer: name, value: args.value, topic: args.topic });
  });
  $('p-key').addEventListener('input', updatePreview);
  $('p-topic').addEventListener('change', updatePreview);
  $('p-vser').addEventListener('change', () => serdeFields());
  serdeFields();
  $('form-topic').addEventListener('submit', (e) => {
    e.preventDefault();
    let cmd;
    try {
      cmd = { cmd: 'create_topic', topic: textIn($('t-name')), partitions: intIn($('t-partitions'), 1, 12), replication_factor: intIn($('t-rf'), 1, 6) };
    } catch (err) {
      refuse(err);
      return;
    }
    if (act(() => apply(cmd))) sayKey('created', { topic: cmd.topic });
    else $('t-name').setAttribute('aria-invalid', 'true');
  });
  $('btn-run1').addEventListener('click', () => act(() => S.pg.run_for(1000)));
  $('btn-run').addEventListener('click', () => {
    let ms;
    try {
      ms = intIn($('run-secs'), 1, 3600) * 1000;
    } catch (err) {
      refuse(err);
      return;
    }
    act(() => S.pg.run_for(ms));
  });
}
