// What a record's bytes are: the byte panel (a dialog) that shows a record's key and value
// as hex, grouped and labelled when they carry Confluent's wire format (magic byte, schema
// id, Avro body), with the writer's schema beside the reader schema of each consumer of
// the topic; and the small helpers the cards use (a schema in one line, an error in short).
// Every fact comes from the engine: Playground.record_bytes, view() and the polled records.

/** The engine's bytes (a Uint8Array) as hex pairs: [0, 0, 107] → ["00", "00", "6b"]. */
const pairs = (bytes) => Array.from(bytes ?? [], (b) => b.toString(16).padStart(2, '0'));

/** The bytes (a Uint8Array) as UTF-8 text when they are printable (tabs and newlines allowed), else null. */
export function textOf(bytes) {
  let s;
  try {
    s = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  return /[\u0000-\u0008\u000b-\u001f\u007f]/.test(s) ? null : s;
}

/** Control characters written as \xNN, so garbled text shows as garbled (every font has these glyphs). */
export const visible = (s) => (s == null ? s : String(s).replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const ORDER = ['name', 'type', 'namespace', 'doc', 'fields', 'items', 'values', 'symbols', 'default'];
/** Avro's keys in the order people write them (a field's name first, a record's type first), so two schemas compare line by line. */
function ordered(x) {
  if (Array.isArray(x)) return x.map(ordered);
  if (!x || typeof x !== 'object') return x;
  const order = ['record', 'enum', 'fixed', 'array', 'map'].includes(x.type) ? ['type', ...ORDER.filter((k) => k !== 'type')] : ORDER;
  const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.fromEntries(Object.keys(x).sort((a, b) => rank(a) - rank(b)).map((k) => [k, ordered(x[k])]));
}

/** A schema pretty-printed (two spaces), or as it came when it is not JSON. */
export function pretty(text) {
  const s = parse(text);
  return s === null ? String(text) : JSON.stringify(ordered(s), null, 2);
}

/** An Avro type in one line: `User {name: string, email: null|string = null}`. */
export function brief(text) {
  const type = (x) => {
    if (Array.isArray(x)) return x.map(type).join('|');
    if (x && typeof x === 'object') {
      if (x.type === 'record') return `${x.name} {${(x.fields || []).map((f) => `${f.name}: ${type(f.type)}${'default' in f ? ` = ${JSON.stringify(f.default)}` : ''}`).join(', ')}}`;
      if (x.type === 'array') return `${type(x.items)}[]`;
      if (x.type === 'map') return `map<${type(x.values)}>`;
      if (x.type === 'enum') return `${x.name}(${(x.symbols || []).join('|')})`;
      return x.logicalType ? `${x.type}:${x.logicalType}` : x.name || String(x.type);
    }
    return String(x);
  };
  const s = parse(text);
  return s === null ? String(text) : type(s);
}

/** An exception in short: its class and its cause in brackets at the end, if any. */
export function errorBrief(error) {
  const s = String(error);
  const cause = /\(([^()]+)\)\s*$/.exec(s);
  const name = /^[\w.]+(?=:)/.exec(s);
  return cause && name ? `${name[0]}: ${cause[1]}` : s;
}

/** A long error cut to its first two parts and its error code (the whole text is in the narration). */
export function errorShort(error) {
  const s = String(error);
  if (s.length <= 140) return s;
  const code = /error code: (\d+)\s*$/.exec(s);
  return `${s.split(': ').slice(0, 2).join(': ')}${code ? ` (error code ${code[1]})` : ''} …`;
}

/** The registry's subject and version of a schema id, or null. */
function versionOf(view, id) {
  for (const [subject, versions] of Object.entries(view.schema_registry?.subjects || {})) {
    const v = versions.find((x) => x.id === id);
    if (v) return { subject, version: v.version };
  }
  return null;
}

/** The leader's broker id of a partition of cluster `cluster` (its index), as the engine's view says, or null. */
export function leaderOf(view, cluster, topic, partition) {
  return view.partitions.find((p) => p.cluster === cluster && p.topic === topic && p.partition === partition)?.leader ?? null;
}

/**
 * ctx: { el, t, view(): the view shown, polled(): Map consumer → polled records, pg(): Playground }.
 * Returns { open(broker, topic, partition, offset, opener), bytesOf(...), groups(field) };
 * `broker` is { cluster, id }, as broker ids repeat across clusters.
 */
export function createBytes(ctx) {
  const { el, t } = ctx;

  /** The record's bytes as the engine has them on that broker's replica, or null. */
  function bytesOf(broker, topic, partition, offset) {
    try {
      return ctx.pg().record_bytes(broker.cluster, broker.id, topic, partition, offset);
    } catch {
      return null;
    }
  }

  /** A row of byte groups, each a run of hex bytes over its label. */
  function groups(field) {
    const row = el('div', 'bgroups');
    const group = (cls, hexPairs, label) => {
      const g = el('div', `bgroup ${cls}`);
      g.append(el('code', null, hexPairs.join(' ') || '—'), el('span', 'blabel', label));
      row.append(g);
    };
    const f = field.frame;
    if (f) {
      const all = pairs(field.bytes);
      group('magic', all.slice(0, 1), t('bytesMagic', { n: f.magic }));
      group('sid', all.slice(1, 5), t('bytesSchemaId', { id: f.schema_id }));
      group('body', pairs(f.body), t('bytesBody', { n: f.body.length }));
    } else {
      group('plain', pairs(field.bytes), t('bytesCount', { n: field.bytes.length }));
    }
    return row;
  }

  const schemaBox = (caption, text, extra = []) => {
    const fig = el('figure', 'bschema');
    fig.append(el('figcaption', null, caption));
    if (text !== null) fig.append(el('p', 'sbrief', brief(text)), el('pre', null, pretty(text)));
    fig.append(...extra);
    return fig;
  };

  /** One field (key or value): its bytes, grouped; then what they are and who reads them how. */
  function fieldEl(which, field, topic, partition, offset) {
    const sec = el('section', 'bfield');
    sec.dataset.field = which;
    const name = which === 'key' ? t('bytesKey') : t('bytesValue');
    sec.append(el('h3', null, field ? `${name} · ${t('bytesCount', { n: field.bytes.length })}` : `${name}: ${t('bytesNull')}`));
    if (!field) return sec;
    sec.append(groups(field));
    const view = ctx.view();
    const f = field.frame;
    if (!f) {
      const text = textOf(field.bytes);
      sec.append(el('p', 'btext', text === null ? t('bytesNotText') : t('bytesText', { text })));
    } else if (f.decoded !== null) {
      sec.append(el('p', 'btext', t('bytesDecoded', { text: f.decoded })));
    }
    // The writer's schema, then each consumer of the topic: its deserializer, its reader schema, what it got.
    const boxes = [];
    if (f) {
      const at = versionOf(view, f.schema_id);
      boxes.push(schemaBox(at ? t('writerSchemaAt', { id: f.schema_id, ...at }) : t('writerSchema', { id: f.schema_id }), f.schema));
    }
    for (const c of view.consumers) {
      if (!c.topics.includes(topic) && !c.partitions.some((p) => p.topic === topic)) continue;
      const d = c.deserializers || {};
      const cls = which === 'key' ? d.key : d.value;
      const reader = which === 'key' ? d.key_schema : d.value_schema;
      const avro = /Avro/.test(cls || '');
      const got = (ctx.polled().get(c.name) || []).find((r) => r.tp.topic === topic && r.tp.partition === partition && r.offset === offset);
      const extra = [];
      if (avro && reader === null) extra.push(el('p', 'hint', t('readerIsWriter')));
      if (got) extra.push(el('p', 'btext', t('polledAs', { text: visible(got[which]) ?? t('none') })));
      if (!f && !got) continue;
      boxes.push(schemaBox(t(avro ? 'readerSchemaOf' : 'readerOf', { name: c.name, cls }), avro ? reader : null, extra));
    }
    if (boxes.length) {
      const side = el('div', 'bschemas');
      side.append(...boxes);
      sec.append(side);
    }
    return sec;
  }

  let opener = null;

  /** Opens the byte panel on one record of one broker's replica; focus goes back to `from` on close. */
  function open(broker, topic, partition, offset, from = document.activeElement) {
    const dlg = document.getElementById('bytes');
    const rec = bytesOf(broker, topic, partition, offset);
    const body = document.getElementById('bytes-body');
    document.getElementById('bytes-h').textContent = t('bytesTitle', { tp: `${topic}-${partition}`, offset });
    const replica = ctx.view().brokers.find((b) => b.cluster === broker.cluster && b.id === broker.id)?.replicas.find((r) => r.topic === topic && r.partition === partition);
    const sub = el('p', 'hint', t('bytesWhere', { broker: broker.id, role: replica ? t(replica.role) : '' }));
    const pr = rec?.producer;
    const header = rec && el('p', 'hint batch-header', pr
      ? t('bytesBatchHeader', { id: pr.producer_id, epoch: pr.producer_epoch, first: pr.base_sequence, last: pr.last_sequence, seq: rec.sequence })
      : t('bytesNoProducer'));
    body.replaceChildren(sub, ...(rec ? [header, fieldEl('key', rec.key, topic, partition, offset), fieldEl('value', rec.value, topic, partition, offset)] : [el('p', null, t('bytesGone'))]));
    dlg.dataset.tp = `${topic}-${partition}`;
    dlg.dataset.offset = String(offset);
    opener = from;
    if (!dlg.open) dlg.showModal();
    document.getElementById('bytes-close').focus();
  }

  function wire() {
    const dlg = document.getElementById('bytes');
    document.getElementById('bytes-close').addEventListener('click', () => dlg.close());
    dlg.addEventListener('click', (e) => { if (e.target === dlg) dlg.close(); });
    dlg.addEventListener('close', () => {
      if (opener?.isConnected) opener.focus();
      opener = null;
    });
  }

  return { open, wire, bytesOf, groups };
}
