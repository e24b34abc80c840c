// The producers and the schema registry, in the row under the brokers. A producer's last
// failed send and the registry's last refusal are the engine's facts (view), never worked
// out here from events.
import { S, $, el, t, button, keyed, secs } from '../state.js';
import { brief, errorShort } from '../records.js';

/** A client's (de)serializers in one line when they are not Kafka's String ones, with their schemas in short. */
export function serdeLine(sd, plain, reader) {
  if (!sd) return null;
  const parts = [];
  for (const k of ['key', 'value']) {
    if (sd[k] === plain) continue;
    const schema = sd[`${k}_schema`];
    let s = `${k}: ${sd[k]}`;
    if (schema) s += ` · ${reader ? t('readerBrief', { schema: brief(schema) }) : brief(schema)}`;
    else if (reader && /Avro/.test(sd[k])) s += ` · ${t('readsWithWriter')}`;
    parts.push(s);
  }
  return parts.length ? el('div', 'serde', parts.join(' ; ')) : null;
}

/** A failure shown on a card: ✕, a few words, and the error (never by colour alone). */
export function failEl(label, error, cls = 'fail') {
  const d = el('div', cls);
  d.append(el('b', null, `✕ ${label}`), document.createTextNode(' '), el('span', null, error));
  return d;
}

function drawProducer(d, p) {
  d.dataset.node = p.name;
  d.classList.toggle('stopped', !p.running);
  const head = el('div', 'chead');
  const title = el('span', 'node-title', p.name);
  title.title = p.name;
  head.append(title);
  if (p.closing) head.append(el('span', 'badge shutting', t('producerClosing')));
  if (!p.running) head.append(el('span', 'badge stopped', t('producerStopped')));
  d.replaceChildren(head, el('div', 'node-sub', t('producerInfo', { acks: p.acks, partitioner: p.partitioner, outstanding: p.outstanding })));
  const idem = !p.idempotent ? t('producerNotIdempotent')
    : p.producer_id == null ? t('producerIdempotentWaiting')
      : t('producerIdempotent', { id: p.producer_id, epoch: p.producer_epoch });
  d.append(el('div', 'node-sub idem', idem));
  const serde = serdeLine(p.serializers, 'StringSerializer', false);
  if (serde) d.append(serde);
  const failed = p.last_failure;
  if (failed) {
    const f = d.appendChild(failEl(t('sendFailed', { topic: failed.topic, time: secs(failed.time_ms) }), errorShort(failed.error)));
    f.title = failed.error;
  }
  if (p.running) {
    // close() sends what it holds first and waits for the answers; a crash drops them.
    const btns = el('div', 'cbtns');
    for (const [act, label] of [['close', 'producerCloseLabel'], ['crash', 'producerCrashLabel']]) {
      const b = button(null, t(act));
      b.dataset.act = act;
      b.disabled = act === 'close' && p.closing;
      b.setAttribute('aria-label', `${t(act)} — ${t(label, { name: p.name })}`);
      b.title = t(label, { name: p.name });
      btns.append(b);
    }
    d.append(btns);
  }
}

function startRegistryButton() {
  const b = button('reg-start', t('startRegistry'));
  b.id = 'btn-start-registry';
  b.dataset.action = 'start-registry';
  b.title = t('startRegistryHelp');
  return b;
}

function drawRegistry(root, { r, isolated }) {
  root.dataset.node = 'schema-registry';
  const name = t('schemaRegistry');
  root.classList.toggle('isolated', isolated);
  root.classList.toggle('stopped', !r.running);
  root.setAttribute('aria-label', name);
  const head = el('div', 'bhead');
  const isoBtn = button(null, isolated ? t('heal') : t('isolate'));
  isoBtn.dataset.action = 'registry-isolate';
  isoBtn.setAttribute('aria-label', t(isolated ? 'healRegistryLabel' : 'isolateRegistryLabel'));
  const badges = [];
  if (!r.running) badges.push(el('span', 'badge stopped', t('stopped')));
  if (isolated) badges.push(el('span', 'badge isolated', t('isolated')));
  const bs = el('div', 'badges');
  bs.append(...badges);
  bs.hidden = !badges.length;
  head.append(el('div', 'node-title', name), isoBtn, bs);
  const body = el('div', 'rbody');
  body.append(el('div', 'node-sub', t('registryInfo', { level: r.global })));
  if (!r.running) body.append(startRegistryButton());
  const subjects = Object.entries(r.subjects);
  if (!subjects.length) body.append(el('div', 'empty', t('noSubjects')));
  else {
    const ul = el('ul', 'subjects');
    for (const [subject, versions] of subjects) {
      const li = el('li');
      li.dataset.subject = subject;
      const own = r.subject_levels[subject];
      li.append(el('span', 'subject', subject), document.createTextNode(' '), el('span', 'level', t(own ? 'levelOwn' : 'levelGlobal', { level: own ?? r.global })));
      const vs = el('ul', 'versions');
      for (const x of versions) {
        const vi = el('li');
        vi.dataset.id = String(x.id);
        vi.append(el('b', null, t('versionId', { version: x.version, id: x.id })), document.createTextNode(' '), el('span', 'sbrief', brief(x.schema)));
        vs.append(vi);
      }
      li.append(vs);
      ul.append(li);
    }
    body.append(ul);
  }
  const no = r.last_refusal;
  if (no) body.append(failEl(t('schemaRefused', { subject: no.subject, status: no.http_status, time: secs(no.time_ms) }), no.error, 'fail refusal'));
  root.replaceChildren(head, body);
}

function drawRegistryOff(d) {
  d.replaceChildren(el('div', 'node-title', t('schemaRegistry')), el('div', 'node-sub', t('registryNone')), startRegistryButton());
}

export function renderProducers(v) {
  const items = v.producers.map((p) => ({ k: `p:${p.name}`, p }));
  if (!v.producers.length) items.push({ k: 'none' });
  const r = v.schema_registry;
  items.push(r ? { k: 'registry', r, isolated: v.network.isolated.includes('schema-registry') } : { k: 'registry-off' });
  keyed($('producers'), items, (x) => x.k, (x) => {
    if (x.k === 'none') return el('div', 'empty');
    if (x.k === 'registry') return el('article', 'node registry');
    if (x.k === 'registry-off') return el('div', 'node registry-off');
    return el('div', 'node producer');
  }, (node, x) => {
    if (x.k === 'none') node.textContent = t('noProducers');
    else if (x.k === 'registry') drawRegistry(node, x);
    else if (x.k === 'registry-off') drawRegistryOff(node);
    else drawProducer(node, x.p);
  }, (x) => JSON.stringify([x, S.L.lang]));
}
