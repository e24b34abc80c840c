// The page: drives the engine (Rust → Wasm) and draws what it says. Nothing here
// simulates Kafka: every fact comes from the engine's view() and trace events.
// The engine holds the whole run (a timeline): the page can step back, scrub to any
// step and fork, and it always redraws from the engine at the step shown, never from
// pictures it kept. The address holds the run (link.js), so a link replays it exactly.
// The engine comes in two builds (engine.js): lean, and with Avro for runs that use a schema.
import { loadEngine, needsAvro } from './engine.js';
import en from './locales/en.js';
import { narrate, refsOf, fill, nodeName, tpName } from './narrate.js';
import { Wire } from './wire.js';
import { encodeRun, decodeRun, LinkError } from './link.js';
import { createLessons } from './lessons.js';
import { download, traceLines, scenarioOf, stepTimes, pictureSvg, picturePng } from './takeaway.js';
import { createBytes, brief, errorBrief, errorShort, visible, leaderOf, textOf } from './records.js';

const $ = (id) => document.getElementById(id);
const LOCALES = { en: () => Promise.resolve(en), ko: () => import('./locales/ko.js').then((m) => m.default) };
const SPEEDS = [1, 2, 5, 10, 30, 100, 1000];
const LOG_MAX = 600;
const INITIAL_TOPIC = { cmd: 'create_topic', topic: 'orders', partitions: 3, replication_factor: 3 };
// Kafka's default is 50 partitions for __consumer_offsets; 3 keep the picture legible (the page says so).
const OFFSETS_PARTITIONS = 3;
const POLLED_KEPT = 4;
const FORK_MARKS_MAX = 24;

const S = {
  L: en,
  pg: null,
  view: null,
  cursor: 0,
  head: 0,
  forks: [], // where the engine forked this run
  linkForks: [], // forks recorded in the link this run was opened from
  playing: false,
  playTo: null, // a step to pause at (a link's "play from A to B")
  speed: 5,
  lastFrame: 0,
  budget: 0,
  selected: null, // { refs, li }
  housekeepingIds: new Set(),
  znodeVersions: new Map(),
  brokerBoxes: new Map(),
  renderQueued: false,
  lastStepEvents: [],
  polled: new Map(), // consumer → its last few polled records, as the engine's trace tells
  consumersKey: '',
  netKey: '',
  forksKey: '',
  said: null, // () => the status line, in the current language
  forkNote: null, // the step the last action forked the run at
  embed: false,
  linkBroken: false,
  urlTimer: 0,
  liveAt: 0,
  seekQueued: false,
  pendingSeek: 0,
  lastSeekMs: null,
  metrics: null, // Kafka's metrics at the step shown (src/metrics.rs)
  metricsKey: '',
  // The latest of some events, read from the trace (for the cards): a consumer's failed poll,
  // its seek, a producer's failed send (until it is acknowledged again), the registry's refusal.
  pollFailed: new Map(),
  seeks: new Map(),
  sendFailed: new Map(),
  refused: null,
  producersKey: '',
  registry: null, // the schema registry's box, when the run has one
  registryOff: null, // where it would stand, with a button that starts one, when the run has none
  registryOffLang: '',
};
let lessons = null;
let bytes = null;
/** The engine's module the page runs: the lean build, or the Avro build once a run needs it (engine.js). */
let E = null;

// ---------------------------------------------------------------- text helpers
function t(key, fields) {
  const s = S.L.ui[key] ?? en.ui[key] ?? key;
  return fields ? fill(s, fields) : s;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function applyI18n() {
  document.documentElement.lang = S.L.lang;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-title]')) e.title = t(e.dataset.i18nTitle);
  for (const e of document.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = t(e.dataset.i18nPlaceholder);
  for (const e of document.querySelectorAll('[data-i18n-aria-label]')) e.setAttribute('aria-label', t(e.dataset.i18nAriaLabel));
  const play = $('btn-play');
  if (play) play.textContent = S.playing ? t('pause') : t('play');
  const speed = $('speed');
  if (speed) {
    speed.replaceChildren(...SPEEDS.map((n) => {
      const o = el('option', null, t('speedUnit', { n }));
      o.value = String(n);
      o.selected = n === S.speed;
      return o;
    }));
  }
}

/** The status line. Kept as a function of the language, so a switch re-words it. */
function say(render, isError = false) {
  S.said = render ? { render, isError } : null;
  renderStatus();
}
const sayKey = (key, fields, isError = false) => say(() => t(key, fields), isError);
const sayError = (e) => say(() => t('error', { error: e && e.render ? e.render() : errorText(e) }), true);

function renderStatus() {
  const s = $('status');
  if (!s) return;
  const parts = [];
  if (S.forkNote !== null) parts.push(t('forked', { step: S.forkNote }));
  if (S.said) parts.push(S.said.render());
  s.textContent = parts.join(' ');
  s.classList.toggle('error', !!S.said?.isError);
}

function errorText(e) {
  return e && e.message ? e.message : String(e);
}

// ---------------------------------------------------------------- engine
/** Runs on `mod` from now on, and says which build it is on the page (data-engine, for tests). */
function useEngine(mod) {
  E = mod;
  document.body.dataset.engine = E.has_avro() ? 'avro' : 'lean';
}

/**
 * Makes sure the page runs the Avro build when `avro` is true (it never goes back: the Avro
 * build runs every run the lean one does). With `carry`, the run on the page moves to the
 * new engine: its configuration and log replayed to the same step, its fork marks kept.
 */
async function needEngine(avro, { carry = true } = {}) {
  if (!avro || E.has_avro()) return;
  const next = await loadEngine(true);
  if (carry && S.pg) {
    const pg = next.Playground.replay(S.pg.config(), S.pg.log_json(), S.pg.head(), S.pg.step_now());
    const forks = allForks();
    useEngine(next);
    adopt(pg, forks);
  } else {
    useEngine(next);
  }
}

/** Applies a command as the page's controls do; one that needs Avro moves the run to the Avro build first (then it returns a promise). */
function applyCommand(cmd) {
  if (!needsAvro([cmd]) || E.has_avro()) return act(() => apply(cmd));
  return needEngine(true).then(() => act(() => apply(cmd)), (e) => {
    sayError(e);
    return false;
  });
}

function configFor(seed, brokers) {
  const config = {
    'offsets.topic.num.partitions': OFFSETS_PARTITIONS,
    // Kafka refuses to create __consumer_offsets with fewer live brokers than its replication factor (default 3).
    'offsets.topic.replication.factor': Math.min(3, brokers),
  };
  return { seed, clusters: [{ name: 'kafka', chroot: '', brokers: Array.from({ length: brokers }, (_, i) => i + 1), config }] };
}

function boot(seed, brokers) {
  const pg = new E.Playground(JSON.stringify(configFor(seed, brokers)));
  // Start-up (sessions, registration, controller election) and a first topic happen at once,
  // so the page opens on a settled cluster; the narration still tells all of it.
  pg.run_for(100);
  const rf = Math.min(3, brokers);
  pg.apply(JSON.stringify({ ...INITIAL_TOPIC, replication_factor: rf }));
  pg.run_for(100);
  return pg;
}

/** Takes a run (new or from a link) into the page and draws it from scratch. */
function adopt(pg, linkForks = []) {
  S.pg?.free();
  S.pg = pg;
  S.cursor = 0;
  S.forks = [];
  S.linkForks = linkForks;
  S.forkNote = null;
  S.consumersKey = '';
  S.netKey = '';
  S.forksKey = '';
  S.producersKey = '';
  if (S.registry) S.registry.key = '';
  for (const box of S.brokerBoxes.values()) box.root.remove();
  S.brokerBoxes.clear();
  sync({ jumped: true });
}

function reset(seed, brokers) {
  adopt(boot(seed, brokers));
}

/**
 * Reads what the engine says now: new trace events (narrated and animated) when the
 * run moved forward, or, after a jump (a seek, a new run), the log rebuilt from the
 * trace up to the step shown. Then redraws.
 */
function sync({ animate = true, jumped = false } = {}) {
  const len = S.pg.trace_len();
  let fresh = [];
  if (jumped || len < S.cursor) {
    rebuildLog(len);
  } else {
    const events = JSON.parse(S.pg.events_since(S.cursor));
    S.cursor += events.length;
    fresh = consume(events, animate);
    if (events.some((e) => e.type === 'records_polled')) readPolled();
  }
  const forks = JSON.parse(S.pg.forks());
  if (forks.length > S.forks.length) S.forkNote = forks[forks.length - 1];
  S.forks = forks;
  S.head = S.pg.head();
  S.view = JSON.parse(S.pg.view());
  S.metrics = JSON.parse(S.pg.metrics());
  announce(fresh, jumped);
  renderStatus();
  queueRender();
  scheduleUrl();
}

function readPolled() {
  S.polled = new Map(Object.entries(JSON.parse(S.pg.polled(POLLED_KEPT))));
}

/** The narration up to the step shown: the last events of the trace, none animated. */
function rebuildLog(len) {
  const from = Math.max(0, len - LOG_MAX * 3);
  const events = JSON.parse(S.pg.events_since(from));
  S.cursor = len;
  S.housekeepingIds.clear();
  S.znodeVersions.clear();
  S.pollFailed.clear();
  S.seeks.clear();
  S.sendFailed.clear();
  S.refused = null;
  wire.clear();
  S.selected = null;
  $('log').replaceChildren();
  consume(events, false, false);
  readPolled();
  const log = $('log');
  log.scrollTop = log.scrollHeight;
}

/** Narrates events into the log (the last LOG_MAX of them); returns the sentences that are not housekeeping. */
function consume(events, animate, markFresh = true) {
  const now = performance.now();
  // When a long run produced many events, only the last few are animated.
  const animateFrom = animate ? Math.max(0, events.length - 60) : events.length;
  const lineFrom = Math.max(0, events.length - LOG_MAX);
  const frag = document.createDocumentFragment();
  const showHk = $('show-housekeeping').checked;
  const said = [];
  events.forEach((ev, i) => {
    remember(ev);
    let hk = false;
    if (ev.type === 'message_sent') {
      hk = ev.background === true;
      if (hk) S.housekeepingIds.add(ev.id);
      if (i >= animateFrom) wire.sent(ev, hk, now);
    } else if (ev.type === 'message_delivered' || ev.type === 'message_dropped') {
      hk = S.housekeepingIds.has(ev.id) && ev.type === 'message_delivered';
      S.housekeepingIds.delete(ev.id);
      if (animate) wire.finished(ev.id, ev.type === 'message_dropped', now);
    }
    if (i < lineFrom) return;
    const li = logLine(ev, hk, showHk, markFresh);
    if (!hk) said.push(li);
    frag.append(li);
  });
  const log = $('log');
  for (const li of log.querySelectorAll('li.fresh')) li.classList.remove('fresh');
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 30;
  log.append(frag);
  while (log.childElementCount > LOG_MAX) log.firstElementChild.remove();
  if (atBottom) log.scrollTop = log.scrollHeight;
  return said;
}

/** Keeps the latest events the cards show beside the engine's view (see S.pollFailed). */
function remember(ev) {
  if (ev.type === 'poll_failed') S.pollFailed.set(ev.consumer, ev);
  else if (ev.type === 'position_set' && ev.from === 'seek') S.seeks.set(ev.consumer, ev);
  else if (ev.type === 'produce_failed') S.sendFailed.set(ev.producer, ev);
  else if (ev.type === 'produce_acknowledged') S.sendFailed.delete(ev.producer);
  else if (ev.type === 'schema_refused') S.refused = ev;
}

function logLine(ev, hk, showHk, markFresh = true) {
  const li = el('li', [hk ? 'hk' : '', markFresh ? 'fresh' : ''].filter(Boolean).join(' '));
  li.hidden = hk && !showHk;
  li.dataset.type = ev.type;
  li._ev = ev;
  const b = el('button');
  b.type = 'button';
  b.append(el('span', 't', `${(ev.time_ms / 1000).toFixed(3)}s`), document.createTextNode(narrate(S.L, ev)));
  li.append(b);
  return li;
}

/** The aria-live narration: the newest sentences after a step, or where a jump landed. Calm while playing. */
function announce(freshLines, jumped) {
  const live = $('live');
  if (!live) return;
  const now = performance.now();
  if (S.playing && now - S.liveAt < 2500) return;
  let text;
  if (jumped) {
    const last = [...$('log').querySelectorAll('li:not(.hk)')].pop();
    text = [t('atStep', { step: S.pg.step_now(), head: S.pg.head() }), last ? narrate(S.L, last._ev) : ''].join(' ');
  } else {
    if (!freshLines.length) return;
    text = freshLines.slice(-3).map((li) => narrate(S.L, li._ev)).join(' ');
  }
  S.liveAt = now;
  live.textContent = text;
}

// ---------------------------------------------------------------- actions
/** Runs an action on the engine; a refusal becomes the status line. Then reads the engine. */
function act(fn) {
  S.forkNote = null;
  try {
    fn();
    if (S.said?.isError) say(null);
    return true;
  } catch (e) {
    sayError(e);
    return false;
  } finally {
    sync();
  }
}

function apply(cmd) {
  S.pg.apply(JSON.stringify(cmd));
}

function stepOnce() {
  const out = S.pg.step();
  S.lastStepEvents = out === undefined ? [] : JSON.parse(out);
  return out !== undefined;
}

/** Goes to a recorded step: the engine restores a snapshot and replays; the page redraws from it. */
function seekTo(step, { keepPlaying = false } = {}) {
  const target = Math.max(0, Math.min(S.head, Math.round(step)));
  if (!keepPlaying) setPlaying(false);
  const t0 = performance.now();
  try {
    S.pg.seek(target);
  } catch (e) {
    sayError(e);
  }
  const engineMs = performance.now() - t0;
  S.forkNote = null;
  sync({ jumped: true, animate: false });
  render();
  S.lastSeekMs = { engineMs, totalMs: performance.now() - t0 };
  return S.lastSeekMs;
}

function stepBack() {
  if (S.pg.step_now() > 0) seekTo(S.pg.step_now() - 1);
}

function stepForward() {
  act(() => stepOnce());
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
function producerFor({ acks, partitioner, serializer = 'string', schema = null }) {
  const name = producerName(acks, partitioner) + (serializer === 'string' ? '' : `-${serializer}`);
  const config = { acks, partitioner };
  if (serializer !== 'string') config['value.serializer'] = serializer;
  if (schema !== null) config['value.schema'] = schema;
  return { name, add: { cmd: 'add_producer', name, config } };
}

function produce(args) {
  const { topic, key, value, schema = null } = args;
  const { name, add } = producerFor(args);
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

function setPlaying(on) {
  S.playing = on;
  const b = $('btn-play');
  b.setAttribute('aria-pressed', String(on));
  b.textContent = on ? t('pause') : t('play');
  S.lastFrame = performance.now();
  S.budget = 0;
  if (on) requestAnimationFrame(playFrame);
  else scheduleUrl();
}

function togglePlay() {
  S.playTo = null;
  setPlaying(!S.playing);
}

function playFrame(now) {
  if (!S.playing) return;
  const dt = Math.min(250, now - S.lastFrame);
  S.lastFrame = now;
  S.budget += (dt * S.speed) / 1000;
  let n = Math.floor(S.budget);
  S.budget -= n;
  n = Math.min(n, 2000);
  if (S.playTo !== null) n = Math.min(n, Math.max(0, S.playTo - S.pg.step_now()));
  if (n > 0) {
    try {
      for (let i = 0; i < n; i++) if (!stepOnce()) { setPlaying(false); break; }
    } catch (e) {
      sayError(e);
      setPlaying(false);
    }
    sync();
  }
  if (S.playTo !== null && S.pg.step_now() >= S.playTo) {
    S.playTo = null;
    setPlaying(false);
    return;
  }
  requestAnimationFrame(playFrame);
}

// ---------------------------------------------------------------- the run in the address
function allForks() {
  return [...new Set([...S.linkForks, ...S.forks])].sort((a, b) => a - b);
}

/** A link to this run, shown at `step` (and playing to `playTo`), optionally for embedding. */
async function linkFor({ step = S.pg.step_now(), playTo = null, embed = false } = {}) {
  const code = await encodeRun({
    config: JSON.parse(S.pg.config()),
    log: JSON.parse(S.pg.log_json()),
    head: S.pg.head(),
    step,
    forks: allForks(),
    lang: S.L.lang,
    speed: S.speed,
    playTo,
  });
  const u = new URL(location.href);
  u.search = embed ? '?embed=1' : '';
  u.hash = `run=${code}`;
  return u.href;
}

function scheduleUrl() {
  if (S.embed || S.linkBroken || !S.pg || S.urlTimer) return;
  S.urlTimer = setTimeout(async () => {
    try {
      history.replaceState(null, '', await linkFor());
    } catch (e) {
      console.warn('the address could not be updated', e);
    } finally {
      S.urlTimer = 0;
    }
  }, S.playing ? 1000 : 250);
}

/** Shows why a link cannot be opened, and nothing else. */
function showLinkError(err) {
  S.linkBroken = true;
  setPlaying(false);
  const message = () => (err instanceof LinkError ? t(err.key, err.fields) : t('linkNotJson'));
  document.querySelector('header.top')?.remove();
  document.querySelector('main.layout')?.remove();
  const main = el('main', 'link-error');
  main.id = 'link-error';
  const box = el('div', 'panel');
  box.setAttribute('role', 'alert');
  const fresh = el('a', null, t('linkErrorFresh'));
  fresh.href = location.pathname;
  box.append(el('h1', null, t('linkErrorTitle')), el('p', 'link-error-msg', message()), el('p', null));
  box.lastChild.append(fresh);
  main.append(box);
  document.body.append(main);
  document.title = `${t('linkErrorTitle')} · Kafkascope`;
  window.kafkascope = { ready: true, linkError: message() };
  document.body.dataset.ready = 'true';
}

// ---------------------------------------------------------------- share
const attr = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

async function updateShare() {
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
  let to = null;
  if (play) {
    to = Number($('share-to').value);
    if (!Number.isInteger(to) || to <= from) {
      note.textContent = t('shareToBad', { from });
      to = null;
    }
  }
  const link = await linkFor({ step: from, playTo: to });
  const embed = await linkFor({ step: from, playTo: to, embed: true });
  $('share-link').value = link;
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

// ---------------------------------------------------------------- drawing
function queueRender() {
  if (S.renderQueued) return;
  S.renderQueued = true;
  requestAnimationFrame(() => {
    S.renderQueued = false;
    render();
  });
}

function render() {
  const v = S.view;
  if (!v) return;
  renderTimeline(v);
  const zkSessions = new Set(v.znodes.filter((z) => z.ephemeral).map((z) => z.owner)).size;
  const cl = v.clusters[0];
  $('zk-sub').textContent = [t('zkSessions', { n: zkSessions }), cl && cl.controller != null ? `/controller → ${nodeName(S.L, `broker-${cl.controller}`)}` : ''].filter(Boolean).join(' · ');
  renderBrokers(v);
  renderProducers(v);
  renderRegistry(v);
  renderConsumers(v);
  renderNetwork(v);
  renderTree(v);
  renderMetrics(S.metrics);
  renderTopicsSelect(v);
  updatePreview();
  serdeFields();
  applyHighlight();
  wire.invalidate();
}

const rate = (x) => (x ? x.toFixed(2) : '0');

/** Kafka's metrics at the step shown, under Kafka's names (computed by the engine, src/metrics.rs). */
function renderMetrics(m) {
  const root = $('metrics');
  if (!m || !root) return;
  const key = JSON.stringify([m, S.L.lang]);
  if (key === S.metricsKey) return;
  S.metricsKey = key;
  const table = (headers, rows, cls) => {
    const tbl = el('table', `mtable ${cls}`);
    const hr = el('tr');
    for (const h of headers) {
      const th = el('th', null, h);
      th.scope = 'col';
      hr.append(th);
    }
    tbl.append(hr);
    for (const r of rows) {
      const tr = el('tr');
      r.forEach((cell, i) => {
        const td = el(i === 0 ? 'th' : 'td', cell.bad ? 'bad' : null, cell.text);
        if (i === 0) td.scope = 'row';
        if (cell.metric) td.dataset.metric = cell.metric;
        if (cell.metric) td.dataset.value = String(cell.value);
        tr.append(td);
      });
      tbl.append(tr);
    }
    return tbl;
  };
  const cell = (metric, value, text = String(value), bad = false) => ({ metric, value, text, bad });
  const clusters = table([t('metricsCluster'), 'OfflinePartitionsCount', 'ActiveControllerCount'], m.clusters.map((c) => [
    { text: S.view?.clusters?.[c.cluster]?.name ?? String(c.cluster) },
    cell('OfflinePartitionsCount', c.OfflinePartitionsCount, undefined, c.OfflinePartitionsCount > 0),
    cell('ActiveControllerCount', c.ActiveControllerCount, undefined, c.ActiveControllerCount !== 1),
  ]), 'mclusters');
  const brokers = table([t('metricsBroker'), 'UnderReplicatedPartitions', 'ActiveControllerCount', 'LeaderCount', 'IsrShrinksPerSec', 'IsrExpandsPerSec', 'FailedProduceRequestsPerSec'], m.brokers.map((b) => [
    { text: String(b.broker) },
    cell('UnderReplicatedPartitions', b.UnderReplicatedPartitions, undefined, b.UnderReplicatedPartitions > 0),
    cell('ActiveControllerCount', b.ActiveControllerCount),
    cell('LeaderCount', b.LeaderCount),
    cell('IsrShrinksPerSec', b.IsrShrinksPerSec, rate(b.IsrShrinksPerSec), b.IsrShrinksPerSec > 0),
    cell('IsrExpandsPerSec', b.IsrExpandsPerSec, rate(b.IsrExpandsPerSec)),
    cell('FailedProduceRequestsPerSec', b.FailedProduceRequestsPerSec, rate(b.FailedProduceRequestsPerSec), b.FailedProduceRequestsPerSec > 0),
  ]), 'mbrokers');
  brokers.querySelectorAll('tr').forEach((tr) => {
    const th = tr.firstElementChild;
    if (th.scope === 'row') tr.dataset.broker = th.textContent;
  });
  const parts = [clusters, brokers];
  if (m.consumers.length) {
    const consumers = table([t('metricsConsumer'), 'records-lag-max'], m.consumers.map((c) => [
      { text: c.consumer },
      cell('records-lag-max', c['records-lag-max'], undefined, c['records-lag-max'] > 0),
    ]), 'mconsumers');
    parts.push(consumers);
  } else {
    parts.push(el('p', 'hint', t('metricsNoConsumers')));
  }
  parts.push(el('p', 'hint', t('metricsRateNote')));
  root.replaceChildren(...parts);
}

/** The timeline under the picture: where the step shown sits in the run, and where the run was forked. */
function renderTimeline(v) {
  const head = S.head;
  const r = $('scrub');
  r.max = String(head);
  r.value = String(v.step);
  r.setAttribute('aria-valuetext', t('scrubValue', { step: v.step, head }));
  const clock = $('clock');
  clock.replaceChildren(el('span', null, t('clock', { step: v.step, head, time: (v.time_ms / 1000).toFixed(3) })));
  if (v.step < head) clock.append(el('span', 'tl-note', t('rewound')));
  const forks = allForks().filter((f) => f <= head).slice(-FORK_MARKS_MAX);
  if (forks.length) clock.append(el('span', 'tl-forks', t('forksAt', { steps: forks.slice(-3).join(', ') + (forks.length > 3 ? ', …' : '') })));
  const key = JSON.stringify([forks, head, S.L.lang]);
  if (key === S.forksKey) return;
  S.forksKey = key;
  $('fork-marks').replaceChildren(...forks.map((f) => {
    const b = el('button', 'fork-mark');
    b.type = 'button';
    b.dataset.step = String(f);
    b.style.left = `calc(8px + (100% - 16px) * ${head ? f / head : 0})`;
    b.setAttribute('aria-label', t('forkMark', { step: f }));
    b.title = t('forkMark', { step: f });
    b.append(el('span', null, '▼'));
    b.firstChild.setAttribute('aria-hidden', 'true');
    return b;
  }));
}

function brokerBox(b) {
  let box = S.brokerBoxes.get(b.id);
  if (box) return box;
  const root = el('article', 'node broker');
  root.dataset.node = b.node;
  root.setAttribute('aria-label', t('broker', { id: b.id }));
  const head = el('div', 'bhead');
  const title = el('div', 'node-title');
  const stopBtn = el('button');
  stopBtn.type = 'button';
  stopBtn.dataset.action = 'stop-start';
  const isoBtn = el('button');
  isoBtn.type = 'button';
  isoBtn.dataset.action = 'isolate-heal';
  const badges = el('div', 'badges');
  head.append(title, stopBtn, isoBtn, badges);
  const replicas = el('div', 'replicas');
  root.append(head, replicas);
  stopBtn.addEventListener('click', () => {
    const cur = S.view.brokers.find((x) => x.id === b.id);
    act(() => apply(cur.running ? { cmd: 'stop_broker', broker: b.id } : { cmd: 'start_broker', broker: b.id }));
  });
  isoBtn.addEventListener('click', () => {
    const cur = S.view.brokers.find((x) => x.id === b.id);
    act(() => apply({ cmd: cur.isolated ? 'heal' : 'isolate', node: b.node }));
  });
  box = { root, title, stopBtn, isoBtn, badges, replicas, key: '' };
  S.brokerBoxes.set(b.id, box);
  $('brokers').append(root);
  return box;
}

function renderBrokers(v) {
  // A record cell that has focus keeps it when its broker is redrawn.
  const f = document.activeElement?.closest?.('.broker .cell[data-offset]');
  const at = f && [f.closest('.replica').dataset.broker, f.closest('.replica').dataset.tp, f.dataset.offset];
  for (const b of v.brokers) {
    const box = brokerBox(b);
    const coordinated = v.groups.filter((g) => g.coordinator === b.id).map((g) => `${g.group_id}:${g.offsets_partition}`);
    const key = JSON.stringify(b) + coordinated.join() + S.L.lang;
    if (box.key === key) continue;
    box.key = key;
    box.root.classList.toggle('controller', b.is_controller);
    box.root.classList.toggle('stopped', !b.running);
    box.root.classList.toggle('isolated', b.isolated);
    box.root.setAttribute('aria-label', t('broker', { id: b.id }));
    box.title.textContent = t('broker', { id: b.id });
    box.stopBtn.textContent = b.running ? t('stop') : t('start');
    box.stopBtn.setAttribute('aria-label', t(b.running ? 'stopLabel' : 'startLabel', { id: b.id }));
    box.isoBtn.textContent = b.isolated ? t('heal') : t('isolate');
    box.isoBtn.setAttribute('aria-label', t(b.isolated ? 'healLabel' : 'isolateLabel', { id: b.id }));
    const badges = [];
    if (b.is_controller) badges.push(el('span', 'badge controller', t('controller', { epoch: b.controller_epoch })));
    if (!b.running) badges.push(el('span', 'badge stopped', t('stopped')));
    if (b.isolated) badges.push(el('span', 'badge isolated', t('isolated')));
    if (b.running && !b.registered) badges.push(el('span', 'badge unregistered', t('unregistered')));
    box.badges.replaceChildren(...badges);
    box.badges.hidden = badges.length === 0;
    const own = b.replicas.filter((r) => !r.internal);
    const internal = b.replicas.filter((r) => r.internal);
    const parts = own.map((r) => replicaEl(b, r));
    if (internal.length) parts.push(offsetsStrip(b, internal, v));
    box.replicas.replaceChildren(...(parts.length ? parts : [el('div', 'empty', t('noReplicas'))]));
  }
  if (at && !f.isConnected) {
    const again = document.querySelector(`.replica[data-broker="${at[0]}"][data-tp="${CSS.escape(at[1])}"] .cell[data-offset="${at[2]}"]`);
    if (again) rove(again);
  }
}

/** Moves the one tab stop of a replica's log to `cell`, and focus with it. */
function rove(cell) {
  for (const c of cell.parentNode.querySelectorAll('.cell[data-offset]')) c.tabIndex = c === cell ? 0 : -1;
  cell.focus();
}

function replicaEl(b, r) {
  const tp = `${r.topic}-${r.partition}`;
  const div = el('div', `replica ${r.role}${r.in_isr ? '' : ' out-isr'}`);
  div.dataset.tp = tp;
  div.dataset.broker = String(b.id);
  div.dataset.role = r.role;
  div.dataset.leaderEpoch = String(r.leader_epoch);
  const head = el('div', 'rhead');
  head.append(el('span', 'tp', tp), el('span', 'role', `${r.role === 'leader' ? '★ ' : ''}${t(r.role)}`), el('span', 'rmeta', t('epoch', { n: r.leader_epoch })));
  const meta = el('div', 'rmeta');
  meta.append(
    el('span', null, `${t('leo', { n: r.log_end_offset })} · ${t('hw', { n: r.high_watermark })} · ${t('isr', { list: `[${r.isr.join(',')}]` })}`),
  );
  if (!r.in_isr && r.role !== 'offline') meta.append(document.createTextNode(' · '), el('span', 'bad', t('outOfIsr')));
  const cells = el('div', 'log-cells');
  const first = r.records.length ? r.records[0].offset : r.log_end_offset;
  if (first > 0) cells.append(el('span', 'cell older', t('olderRecords', { n: first })));
  let hwDrawn = false;
  const hwMark = () => {
    const m = el('span', 'mark hw', t('hwMark'));
    m.title = t('hwTitle', { n: r.high_watermark });
    hwDrawn = true;
    return m;
  };
  if (r.high_watermark < first) cells.append(hwMark());
  // Each record opens its bytes (the byte panel); the log is one tab stop, arrows move along it.
  r.records.forEach((rec, i) => {
    if (!hwDrawn && rec.offset === r.high_watermark) cells.append(hwMark());
    const c = el('button', `cell ${rec.offset < r.high_watermark ? 'committed' : 'uncommitted'}`);
    c.type = 'button';
    c.tabIndex = i === r.records.length - 1 ? 0 : -1;
    c.dataset.offset = String(rec.offset);
    // An Avro value's hex says little; the schema id that wrote it says which version.
    const shown = rec.value_schema_id == null ? rec.value ?? '∅' : t('cellSchemaId', { id: rec.value_schema_id });
    c.append(el('b', null, rec.offset), document.createTextNode(' '), el('i', null, shown), el('span', 'sr-only', t('recordOpen', { tp })));
    c.title = t('recordTitle', { offset: rec.offset, key: rec.key ?? t('none'), value: rec.value ?? t('none'), epoch: rec.leader_epoch });
    cells.append(c);
  });
  if (!hwDrawn) cells.append(hwMark());
  const leo = el('span', 'mark leo', t('leoMark'));
  leo.title = t('leoTitle', { n: r.log_end_offset });
  cells.append(leo);
  div.append(head, meta, cells);
  return div;
}

const secs = (ms) => (ms / 1000).toFixed(3);

/** A client's (de)serializers in one line when they are not Kafka's String ones, with their schemas in short. */
function serdeLine(sd, plain, reader) {
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
function failEl(label, error, cls = 'fail') {
  const d = el('div', cls);
  d.append(el('b', null, `✕ ${label}`), document.createTextNode(' '), el('span', null, error));
  return d;
}

function renderProducers(v) {
  const row = $('producers');
  const key = JSON.stringify([v.producers, [...S.sendFailed], S.L.lang]);
  if (key === S.producersKey) return;
  S.producersKey = key;
  // The registry's box stays where it is (it has a button that may have focus).
  for (const c of [...row.children]) if (c !== S.registry?.root && c !== S.registryOff) c.remove();
  if (!v.producers.length) {
    row.prepend(el('div', 'empty', t('noProducers')));
    return;
  }
  row.prepend(...v.producers.map((p) => {
    const d = el('div', 'node producer');
    d.dataset.node = p.name;
    d.append(el('div', 'node-title', p.name), el('div', 'node-sub', t('producerInfo', { acks: p.acks, partitioner: p.partitioner, outstanding: p.outstanding })));
    const serde = serdeLine(p.serializers, 'StringSerializer', false);
    if (serde) d.append(serde);
    const failed = S.sendFailed.get(p.name);
    if (failed) {
      const f = d.appendChild(failEl(t('sendFailed', { topic: failed.topic, time: secs(failed.time_ms) }), errorShort(failed.error)));
      f.title = failed.error;
    }
    return d;
  }));
}

/** The schema registry's box, made once per run that has one. */
function registryBox() {
  if (S.registry) return S.registry;
  const root = el('article', 'node registry');
  root.dataset.node = 'schema-registry';
  const head = el('div', 'bhead');
  const title = el('div', 'node-title');
  const isoBtn = el('button');
  isoBtn.type = 'button';
  const badges = el('div', 'badges');
  head.append(title, isoBtn, badges);
  const body = el('div', 'rbody');
  root.append(head, body);
  isoBtn.addEventListener('click', () => {
    const iso = S.view.network.isolated.includes('schema-registry');
    act(() => apply({ cmd: iso ? 'heal' : 'isolate', node: 'schema-registry' }));
  });
  S.registry = { root, title, isoBtn, badges, body, key: '' };
  return S.registry;
}

/** The registry beside the producers: its subjects, their versions and ids, their compatibility level, its last refusal. */
function renderRegistry(v) {
  const r = v.schema_registry;
  if (!r) {
    S.registry?.root.remove();
    S.registry = null;
    registryOff();
    return;
  }
  S.registryOff?.remove();
  S.registryOff = null;
  const box = registryBox();
  if (!box.root.isConnected) $('producers').append(box.root);
  const isolated = v.network.isolated.includes('schema-registry');
  const key = JSON.stringify([r, isolated, S.refused, S.L.lang]);
  if (key === box.key) return;
  box.key = key;
  const name = t('schemaRegistry');
  box.root.classList.toggle('isolated', isolated);
  box.root.classList.toggle('stopped', !r.running);
  box.root.setAttribute('aria-label', name);
  box.title.textContent = name;
  box.isoBtn.textContent = isolated ? t('heal') : t('isolate');
  box.isoBtn.setAttribute('aria-label', t(isolated ? 'healRegistryLabel' : 'isolateRegistryLabel'));
  const badges = [];
  if (!r.running) badges.push(el('span', 'badge stopped', t('stopped')));
  if (isolated) badges.push(el('span', 'badge isolated', t('isolated')));
  box.badges.replaceChildren(...badges);
  box.badges.hidden = !badges.length;
  const parts = [el('div', 'node-sub', t('registryInfo', { level: r.global }))];
  if (!r.running) parts.push(startRegistryButton());
  const subjects = Object.entries(r.subjects);
  if (!subjects.length) parts.push(el('div', 'empty', t('noSubjects')));
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
    parts.push(ul);
  }
  const no = S.refused;
  if (no) parts.push(failEl(t('schemaRefused', { subject: no.subject, status: no.http_status, time: secs(no.time_ms) }), no.error, 'fail refusal'));
  box.body.replaceChildren(...parts);
}

function startRegistryButton() {
  const b = el('button', 'reg-start', t('startRegistry'));
  b.type = 'button';
  b.id = 'btn-start-registry';
  b.title = t('startRegistryHelp');
  b.addEventListener('click', startRegistry);
  return b;
}

/** Where the registry would stand: a quiet box that starts one (only when no run has one). */
function registryOff() {
  if (!S.registryOff) {
    const d = el('div', 'node registry-off');
    d.append(el('div', 'node-title', t('schemaRegistry')), el('div', 'node-sub', t('registryNone')), startRegistryButton());
    S.registryOff = d;
    S.registryOffLang = S.L.lang;
  } else if (S.registryOffLang !== S.L.lang) {
    const [title, sub, btn] = S.registryOff.children;
    title.textContent = t('schemaRegistry');
    sub.textContent = t('registryNone');
    btn.textContent = t('startRegistry');
    btn.title = t('startRegistryHelp');
    S.registryOffLang = S.L.lang;
  }
  if (!S.registryOff.isConnected) $('producers').append(S.registryOff);
}

/** __consumer_offsets drawn compactly: one chip per partition replica on this broker. */
function offsetsStrip(b, internal, v) {
  const div = el('div', 'offsets');
  div.append(el('span', 'olabel', t('offsetsTopic')));
  for (const r of internal) {
    const tp = `${r.topic}-${r.partition}`;
    const groups = v.groups.filter((g) => g.coordinator === b.id && g.offsets_partition === r.partition).map((g) => g.group_id);
    const chip = el('span', `ochip ${r.role}${r.in_isr ? '' : ' out-isr'}${groups.length ? ' coord' : ''}`);
    chip.dataset.tp = tp;
    chip.dataset.role = r.role;
    // Role and ISR membership in symbols too, never by colour alone (★ leader, ⊘ offline, ✕ out of the ISR).
    const mark = r.role === 'leader' ? '★' : r.role === 'offline' ? '⊘' : '';
    chip.append(el('b', null, `${r.partition}${mark}${r.in_isr || r.role === 'offline' ? '' : '✕'}`), el('small', null, r.log_end_offset));
    if (groups.length) chip.append(el('span', 'ogroups', `⚑${groups.join(',')}`));
    chip.title = t('offsetsChipTitle', { p: r.partition, role: t(r.role), leo: r.log_end_offset, hw: r.high_watermark, isr: `[${r.isr.join(',')}]`, epoch: r.leader_epoch })
      + (groups.length ? ` · ${t('coordinates', { groups: groups.join(', ') })}` : '');
    for (const c of chip.children) c.setAttribute('aria-hidden', 'true');
    chip.append(el('span', 'sr-only', chip.title));
    div.append(chip);
  }
  return div;
}

function nextConsumerName(name) {
  const m = /^(.*?)(\d+)$/.exec(name);
  const taken = new Set((S.view?.consumers || []).map((c) => c.name).concat(name));
  let n = m ? Number(m[2]) + 1 : 2;
  const stem = m ? m[1] : name;
  while (taken.has(`${stem}${n}`)) n++;
  return `${stem}${n}`;
}

const off = (x) => (x === null || x === undefined ? t('unknownOffset') : String(x));

function consumerEl(c, g, isolated) {
  const stable = c.running && c.phase === 'stable';
  const cls = ['node', 'consumer'];
  if (!c.running) cls.push('stopped');
  if (c.idle) cls.push('idle');
  if (c.is_leader) cls.push('leader');
  if (isolated) cls.push('isolated');
  const d = el('article', cls.join(' '));
  d.dataset.node = c.name;
  d.dataset.phase = c.phase;
  if (c.idle) d.dataset.idle = 'true';
  const head = el('div', 'chead');
  head.append(el('span', 'node-title', c.name));
  if (c.is_leader) {
    const b = el('span', 'badge gleader', t('groupLeader'));
    b.title = t('groupLeaderTitle');
    head.append(b);
  }
  if (c.idle) {
    const b = el('span', 'badge idle', t('idle'));
    b.title = t('idleTitle');
    head.append(b);
  }
  if (!c.running) head.append(el('span', 'badge stopped', t('consumerStopped')));
  if (isolated) head.append(el('span', 'badge isolated', t('isolated')));
  d.append(head);
  if (c.running) {
    const sub = [c.member_id ? t('memberInfo', { member: c.member_id, generation: c.generation }) : t('notMember')];
    if (!stable) sub.push(t(`phase_${c.phase}`));
    d.append(el('div', 'node-sub', sub.join(' · ')));
  }
  const ghost = !c.running && g ? g.members.find((m) => m.client === c.name) : null;
  if (ghost) {
    // A crash sends no LeaveGroup: the coordinator keeps the member until its session times out.
    const parts = ghost.assignment.map((p) => `${p.topic}-${p.partition}`).join(', ') || t('nothing');
    d.append(el('div', 'ghost-text', t('ghostMember', { partitions: parts, s: c.session_timeout_ms / 1000 })));
  }
  if (!c.running) {
    // A stopped consumer reads nothing: its old assignment is not drawn as its own.
  } else if (c.idle) {
    d.append(el('div', 'idle-text', t('idleText')));
  } else if (c.partitions.length) {
    const tbl = el('table', 'cparts');
    const hr = el('tr');
    for (const [k, title] of [['colPartition'], ['colPosition', 'colPositionTitle'], ['colCommitted', 'colCommittedTitle'], ['colLag', 'colLagTitle']]) {
      // The first column's header is read, not shown: the partitions name themselves.
      const th = el('th', null, k === 'colPartition' ? null : t(k));
      if (k === 'colPartition') th.append(el('span', 'sr-only', t('colPartitionSr')));
      if (title) th.title = t(title);
      hr.append(th);
    }
    tbl.append(hr);
    for (const p of c.partitions) {
      const tr = el('tr');
      tr.dataset.tp = `${p.topic}-${p.partition}`;
      const lag = el('td', `lag${p.lag ? ' behind' : ''}`, off(p.lag));
      tr.append(el('td', 'tp', `${p.topic}-${p.partition}`), el('td', null, off(p.position)), el('td', null, off(p.committed)), lag);
      tbl.append(tr);
    }
    d.append(tbl);
  }
  const serde = serdeLine(c.deserializers, 'StringDeserializer', true);
  if (serde) d.append(serde);
  if (c.running) d.append(...poisonEls(c));
  const polled = S.polled.get(c.name) || [];
  if (polled.length) {
    const ol = el('ol', 'polled');
    ol.setAttribute('aria-label', t('polled'));
    for (const r of polled) {
      const li = el('li', null, t('polledRecord', { tp: tpName(r.tp), offset: r.offset, key: visible(r.key) ?? '∅', value: visible(r.value) ?? '∅' }));
      li.title = li.textContent;
      ol.append(li);
    }
    d.append(ol);
  }
  const btns = el('div', 'cbtns');
  const btn = (act, label) => {
    const b = el('button', null, t(act));
    b.type = 'button';
    b.dataset.act = act;
    // The accessible name starts with the visible word (WCAG 2.5.3), then says what it does.
    b.setAttribute('aria-label', `${t(act)} — ${t(label, { name: c.name })}`);
    b.title = t(label, { name: c.name });
    return b;
  };
  if (c.running) btns.append(btn('poll', 'pollLabel'), btn('commit', 'commitLabel'), btn('crash', 'crashLabel'), btn('close', 'closeLabel'));
  else btns.append(btn('restart', 'restartLabel'));
  d.append(btns);
  return d;
}

/**
 * A poison pill: the consumer's last poll failed at an offset it still stands at. The card
 * says so, shows the record's bytes (from the partition's leader) and offers the seek past
 * it. Once a seek moved it past, a line says which record was skipped.
 */
function poisonEls(c) {
  // The engine's view says whether the consumer still stands at the record it could not read.
  const fail = c.poll_failure;
  if (!fail) {
    const last = S.pollFailed.get(c.name);
    const seek = S.seeks.get(c.name);
    const skipped = last && seek && seek.step >= last.step && tpName(seek.tp) === tpName(last.tp) && seek.offset > last.offset;
    return skipped ? [el('div', 'skipped', t('skippedBySeek', { tp: tpName(last.tp), offset: last.offset, to: seek.offset }))] : [];
  }
  const { topic, partition } = fail.tp;
  const tp = tpName(fail.tp);
  const box = el('div', 'pill');
  box.dataset.offset = String(fail.offset);
  box.append(failEl(t('pollFails', { tp, offset: fail.offset }), errorBrief(fail.error)));
  const leader = leaderOf(S.view, topic, partition);
  const rec = leader === null ? null : bytes.bytesOf(leader, topic, partition, fail.offset);
  const btn = (act, text, label) => {
    const b = el('button', null, text);
    b.type = 'button';
    b.dataset.act = act;
    b.dataset.topic = topic;
    b.dataset.partition = String(partition);
    b.dataset.offset = String(fail.offset);
    if (label) b.setAttribute('aria-label', label);
    return b;
  };
  if (rec?.value) {
    box.append(bytes.groups(rec.value));
    const text = rec.value.frame ? null : textOf(rec.value.hex);
    if (text) box.append(el('div', 'btext', t('bytesText', { text })));
  }
  const row = el('div', 'pill-btns');
  row.append(btn('seek-past', t('seekPast', { offset: fail.offset }), `${t('seekPast', { offset: fail.offset })} — ${t('seekPastLabel', { name: c.name, tp, to: fail.offset + 1 })}`));
  if (rec && leader !== null) {
    const b = btn('bytes', t('showBytes'), `${t('showBytes')} — ${t('bytesTitle', { tp, offset: fail.offset })}`);
    b.dataset.broker = String(leader);
    row.append(b);
  }
  box.append(row);
  return [box];
}

function renderConsumers(v) {
  const cl = v.clusters[0];
  const note = cl ? t('offsetsNote', { n: cl.offsets_topic_num_partitions, rf: cl.offsets_topic_replication_factor }) : '';
  const key = JSON.stringify([v.consumers, v.groups, v.network.isolated, [...S.polled], [...S.pollFailed], [...S.seeks], note, S.L.lang]);
  if (key === S.consumersKey) return;
  S.consumersKey = key;
  $('offsets-note').textContent = note;
  const root = $('groups');
  if (!v.consumers.length) {
    root.replaceChildren(el('div', 'empty', t('noConsumers')));
    return;
  }
  const isolated = new Set(v.network.isolated);
  // One card per group (as its coordinator holds it), with its consumers in member order.
  const ids = [...new Set(v.consumers.map((c) => c.group ?? ''))];
  const cards = ids.map((id) => {
    const g = v.groups.find((x) => x.group_id === id);
    const card = el('section', 'group');
    card.dataset.group = id;
    const head = el('div', 'ghead');
    head.append(el('span', 'gname', id ? t('group', { group: id }) : t('noGroup')));
    if (g) {
      card.dataset.state = g.state;
      card.dataset.generation = String(g.generation);
      head.append(el('span', `badge gstate ${g.state}`, S.L.groupStates[g.state] || g.state));
      const bits = [t('generation', { n: g.generation })];
      if (g.protocol) bits.push(t('assignor', { name: g.protocol }));
      bits.push(t('coordinatorIs', { broker: g.coordinator, p: g.offsets_partition }));
      const lag = g.offsets.reduce((a, o) => a + (o.lag ?? 0), 0);
      bits.push(t('groupLag', { n: lag }));
      head.append(el('span', 'gmeta', bits.join(' · ')));
    } else if (id) {
      head.append(el('span', 'gmeta', t('coordinatorUnknown')));
    }
    // By name, so a rebalance does not shuffle the boxes; the leader is marked instead.
    const members = v.consumers.filter((c) => (c.group ?? '') === id).sort((x, y) => x.name.localeCompare(y.name, 'en', { numeric: true }));
    const row = el('div', 'members');
    row.append(...members.map((c) => consumerEl(c, g, isolated.has(c.name))));
    card.append(head, row);
    return card;
  });
  root.replaceChildren(...cards);
}

function renderNetwork(v) {
  const nodes = ['zookeeper', ...v.brokers.map((b) => b.node), ...(v.schema_registry ? ['schema-registry'] : []), ...v.producers.map((p) => p.name), ...v.consumers.map((c) => c.name)];
  const key = JSON.stringify([nodes, v.network, S.L.lang]);
  if (key === S.netKey) return;
  S.netKey = key;
  const fillSel = (sel, pick) => {
    const cur = sel.value;
    sel.replaceChildren(...nodes.map((n) => {
      const o = el('option', null, nodeName(S.L, n, true));
      o.value = n;
      return o;
    }));
    sel.value = nodes.includes(cur) ? cur : nodes[Math.min(pick, nodes.length - 1)];
  };
  fillSel($('net-a'), 1);
  fillSel($('net-b'), 2);
  fillSel($('net-node'), 1);
  const links = v.network.cut_links.map(([a, b]) => `${nodeName(S.L, a)} ⇹ ${nodeName(S.L, b)}`).join(', ') || t('nothing');
  const iso = v.network.isolated.map((n) => nodeName(S.L, n)).join(', ') || t('nothing');
  $('net-state').textContent = t('netState', { links, nodes: iso });
}

function renderTree(v) {
  const ul = $('zk-tree');
  const seen = new Map();
  const items = v.znodes.filter((z) => z.path !== '/').map((z) => {
    const li = el('li', z.ephemeral ? 'ephemeral' : '');
    li.dataset.path = z.path;
    const depth = z.path.split('/').length - 2;
    const name = el('span', 'zpath', `${'  '.repeat(depth)}/${z.path.split('/').pop()}`);
    name.style.paddingLeft = `${depth * 12}px`;
    name.textContent = `/${z.path.split('/').pop()}`;
    li.title = z.path;
    li.append(name);
    if (z.ephemeral) li.append(el('span', 'eph', t('ephemeral')));
    if (z.ephemeral) li.title = `${z.path} — ${t('ephemeralOf', { owner: z.owner ?? '?' })}`;
    if (z.data) li.append(el('span', 'zdata', z.data));
    const sig = `${z.czxid}:${z.version}`;
    const before = S.znodeVersions.get(z.path);
    if (before !== undefined && before !== sig) li.classList.add('changed');
    if (before === undefined && S.znodeVersions.size > 0) li.classList.add('changed');
    seen.set(z.path, sig);
    return li;
  });
  const initial = S.znodeVersions.size === 0;
  S.znodeVersions = seen;
  if (initial) items.forEach((li) => li.classList.remove('changed'));
  // Keep rows that did not change, so their highlight animations are not restarted.
  const old = new Map([...ul.children].map((li) => [li.dataset.path, li]));
  const next = items.map((li) => {
    const prev = old.get(li.dataset.path);
    if (prev && !li.classList.contains('changed') && prev.textContent === li.textContent && prev.title === li.title) return prev;
    return li;
  });
  if (next.length !== ul.children.length || next.some((li, i) => ul.children[i] !== li)) ul.replaceChildren(...next);
}

function renderTopicsSelect(v) {
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

function updatePreview() {
  const topic = S.view?.topics.find((x) => x.name === $('p-topic').value);
  const key = $('p-key').value;
  const out = $('p-preview');
  if (!topic) { out.textContent = ''; return; }
  if (key === '') { out.textContent = t('noKeyPreview'); return; }
  const n = topic.assignment.length;
  out.textContent = t('keyPreview', { key, partition: E.partition_for_key(key, n), n });
}

// ---------------------------------------------------------------- highlight
function applyHighlight() {
  for (const e of document.querySelectorAll('.hl')) e.classList.remove('hl');
  if (!S.selected) return;
  const { nodes, tps, paths } = S.selected.refs;
  const q = [
    ...nodes.map((n) => `.node[data-node="${CSS.escape(n)}"]`),
    ...tps.map((x) => `[data-tp="${CSS.escape(x)}"]`),
    ...paths.map((p) => `#zk-tree li[data-path="${CSS.escape(p)}"]`),
  ];
  if (q.length) for (const e of document.querySelectorAll(q.join(','))) e.classList.add('hl');
}

function select(li) {
  const prev = document.querySelector('#log li.selected');
  if (prev) prev.classList.remove('selected');
  if (!li || (S.selected && S.selected.li === li)) {
    S.selected = null;
  } else {
    li.classList.add('selected');
    S.selected = { li, refs: refsOf(li._ev) };
    const first = document.querySelector(`#zk-tree li[data-path="${CSS.escape(S.selected.refs.paths[0] ?? '')}"]`);
    first?.scrollIntoView({ block: 'nearest' });
  }
  applyHighlight();
}

// ---------------------------------------------------------------- wiring
let wire;

function intIn(input, lo, hi) {
  const n = Number(input.value);
  if (!Number.isInteger(n) || n < lo || n > hi) {
    const e = new Error(`${input.id}: ${lo}–${hi}`);
    e.render = () => `${input.labels?.[0]?.textContent?.trim() || input.getAttribute('aria-label') || input.id}: ${lo}–${hi}`;
    throw e;
  }
  return n;
}

const isTyping = (target) => !!target.closest?.('input:not([type=range]):not([type=checkbox]), select, textarea, [contenteditable="true"]');

/** A fresh run from a scenario's configuration (a lesson's start), on the Avro build if its `commands` need it. */
async function startFrom(config, commands) {
  setPlaying(false);
  await needEngine(needsAvro(commands), { carry: false });
  const pg = new E.Playground(JSON.stringify(config));
  const n = config.clusters?.[0]?.brokers?.length;
  if (Number.isInteger(config.seed)) $('seed').value = String(config.seed);
  if (Number.isInteger(n) && n >= 1 && n <= 6) $('broker-count').value = String(n);
  adopt(pg);
  say(null);
}

function wireLessons() {
  lessons = createLessons({
    $, el, t,
    lang: () => S.L.lang,
    start: startFrom,
    act,
    apply,
    pg: () => S.pg,
    view: () => S.view,
    sayKey,
    isError: () => !!S.said?.isError,
  });
  lessons.wire();
}

/** The run up to the step shown, as a scenario file `kafkascope run` replays. */
function scenarioText() {
  const records = JSON.parse(S.pg.events_since(0));
  return scenarioOf({
    config: JSON.parse(S.pg.config()),
    log: JSON.parse(S.pg.log_json()),
    step: S.pg.step_now(),
    nowMs: S.view.time_ms,
    stepTime: stepTimes(records),
  });
}

function wireFiles() {
  const stamp = () => `seed${JSON.parse(S.pg.config()).seed ?? ''}-step${S.pg.step_now()}`;
  const done = (name) => sayKey('downloaded', { name });
  $('dl-trace').addEventListener('click', () => {
    const name = `kafkascope-trace-${stamp()}.jsonl`;
    download(name, traceLines(JSON.parse(S.pg.events_since(0))), 'application/x-ndjson');
    done(name);
  });
  $('dl-scenario').addEventListener('click', () => {
    const name = `kafkascope-scenario-${stamp()}.json`;
    download(name, scenarioText());
    done(name);
  });
  $('dl-svg').addEventListener('click', async () => {
    const name = `kafkascope-${stamp()}.svg`;
    download(name, await pictureSvg($('stage')), 'image/svg+xml');
    done(name);
  });
  $('dl-png').addEventListener('click', async () => {
    const name = `kafkascope-${stamp()}.png`;
    try {
      download(name, await picturePng(await pictureSvg($('stage'))));
      done(name);
    } catch (e) {
      sayKey('pngFailed', { error: errorText(e) }, true);
    }
  });
  $('open-scenario').addEventListener('change', async (e) => {
    const f = e.target.files?.[0];
    if (!f) return;
    let sc;
    try {
      sc = JSON.parse(await f.text());
      if (!sc || typeof sc !== 'object' || Array.isArray(sc)) throw new Error('a scenario is a JSON object with "config" and "commands"');
      if (sc.commands !== undefined && !Array.isArray(sc.commands)) throw new Error('commands: expected a list');
      if (!(sc.commands ?? []).every((c) => c && typeof c.cmd === 'string')) throw new Error('every command needs "cmd"');
    } catch (err) {
      sayKey('scenarioBad', { error: errorText(err) }, true);
      return;
    } finally {
      e.target.value = '';
    }
    lessons.load(sc, f.name).catch((err) => sayError(err));
  });
}

/**
 * A schema typed in a textarea, as JSON: the parsed value, null when empty and optional, or
 * undefined after saying (in the status line, naming the field) why it cannot be used.
 */
function schemaIn(area, required) {
  const text = area.value.trim();
  const field = area.labels?.[0]?.querySelector('span')?.textContent?.trim() || area.id;
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
    sayKey('schemaBad', { field, error: errorText(e) }, true);
    area.focus();
    return undefined;
  }
}

/** Shows a schema's textarea only for Avro, and says what the producer's serializer does. */
function serdeFields() {
  const ser = $('p-vser').value;
  $('p-schema-wrap').hidden = ser !== 'avro';
  $('c-schema-wrap').hidden = $('c-vdeser').value !== 'avro';
  const hint = { avro: 'serHintAvro', json: 'serHintJson', integer: 'serHintNumber', long: 'serHintNumber' }[ser];
  const topic = $('p-topic').value;
  $('p-ser-hint').textContent = hint ? t(hint, { subject: `${topic || '<topic>'}-value` }) : '';
}

function startRegistry() {
  Promise.resolve(applyCommand({ cmd: 'start_schema_registry' })).then((ok) => {
    if (ok) sayKey('registryStarting');
  });
}

function wireControls() {
  bytes = createBytes({ el, t, view: () => S.view, polled: () => S.polled, pg: () => S.pg });
  bytes.wire();
  wireLessons();
  wireFiles();
  $('btn-step').addEventListener('click', () => stepForward());
  $('btn-back').addEventListener('click', () => stepBack());
  $('btn-play').addEventListener('click', () => togglePlay());
  $('speed').addEventListener('change', (e) => {
    S.speed = Number(e.target.value);
    wire.travelMs = Math.max(120, Math.min(600, 2500 / S.speed));
    scheduleUrl();
  });
  $('scrub').addEventListener('input', (e) => {
    S.pendingSeek = Number(e.target.value);
    if (S.seekQueued) return;
    S.seekQueued = true;
    requestAnimationFrame(() => {
      S.seekQueued = false;
      seekTo(S.pendingSeek);
    });
  });
  $('fork-marks').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-step]');
    if (b) seekTo(Number(b.dataset.step));
  });
  $('btn-run1').addEventListener('click', () => act(() => S.pg.run_for(1000)));
  $('btn-run').addEventListener('click', () => act(() => S.pg.run_for(intIn($('run-secs'), 1, 3600) * 1000)));
  $('form-consumer').addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = $('c-name').value.trim();
    const group = $('c-group').value.trim();
    const topics = $('c-topics').value.split(',').map((x) => x.trim()).filter(Boolean);
    const cmd = { cmd: 'start_consumer', name, group, topics, config: { 'auto.offset.reset': $('c-reset').value, 'enable.auto.commit': $('c-autocommit').checked } };
    const deser = $('c-vdeser').value;
    if (deser !== 'string') cmd.config['value.deserializer'] = deser;
    if (deser === 'avro') {
      const reader = schemaIn($('c-schema'), false);
      if (reader === undefined) return;
      if (reader !== null) cmd.config['value.reader.schema'] = reader;
    }
    if (await applyCommand(cmd)) {
      sayKey('consumerStarting', { name, group });
      $('c-name').value = nextConsumerName(name);
    }
  });
  $('c-vdeser').addEventListener('change', () => serdeFields());
  $('groups').addEventListener('click', (e) => {
    const btn = e.target.closest('button[data-act]');
    if (!btn) return;
    const name = btn.closest('[data-node]').dataset.node;
    const { topic, partition, offset, broker } = btn.dataset;
    if (btn.dataset.act === 'bytes') return bytes.open(Number(broker), topic, Number(partition), Number(offset), btn);
    if (btn.dataset.act === 'seek-past') {
      // Through the page's command path, so the seek lands in the run's log and its link.
      const ok = act(() => apply({ cmd: 'seek', consumer: name, topic, partition: Number(partition), offset: Number(offset) + 1 }));
      if (ok) sayKey('seeked', { name, tp: `${topic}-${partition}`, offset: Number(offset) + 1 });
      return;
    }
    const cmds = {
      poll: { cmd: 'poll', consumer: name },
      commit: { cmd: 'commit', consumer: name },
      crash: { cmd: 'stop_consumer', name, leave_group: false },
      close: { cmd: 'stop_consumer', name, leave_group: true },
      restart: { cmd: 'start_consumer', name },
    };
    act(() => apply(cmds[btn.dataset.act]));
  });
  // A record in a replica's log opens its bytes; arrows, Home and End move along the log.
  $('brokers').addEventListener('click', (e) => {
    const cell = e.target.closest('.cell[data-offset]');
    if (!cell) return;
    const r = cell.closest('.replica');
    const [, topic, partition] = /^(.*)-(\d+)$/.exec(r.dataset.tp);
    bytes.open(Number(r.dataset.broker), topic, Number(partition), Number(cell.dataset.offset), cell);
  });
  $('brokers').addEventListener('keydown', (e) => {
    const cell = e.target.closest?.('.cell[data-offset]');
    if (!cell || e.ctrlKey || e.metaKey || e.altKey) return;
    const all = [...cell.parentNode.querySelectorAll('.cell[data-offset]')];
    const i = all.indexOf(cell);
    const to = { ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: all.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    e.stopPropagation(); // the arrows step the run elsewhere on the page
    if (all[to]) rove(all[to]);
  });
  $('btn-cut').addEventListener('click', () => act(() => apply({ cmd: 'cut_link', a: $('net-a').value, b: $('net-b').value })));
  $('btn-heal-link').addEventListener('click', () => act(() => apply({ cmd: 'heal_link', a: $('net-a').value, b: $('net-b').value })));
  $('btn-isolate-node').addEventListener('click', () => act(() => apply({ cmd: 'isolate', node: $('net-node').value })));
  $('btn-heal-node').addEventListener('click', () => act(() => apply({ cmd: 'heal', node: $('net-node').value })));
  $('btn-preferred').addEventListener('click', () => act(() => apply({ cmd: 'elect_preferred_leaders' })));
  $('form-reset').addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      const seed = intIn($('seed'), 0, 4294967295);
      const brokers = intIn($('broker-count'), 1, 6);
      setPlaying(false);
      lessons?.leave(); // a new run is no longer the lesson's
      reset(seed, brokers);
      say(null);
    } catch (err) {
      sayError(err);
    }
  });
  $('lang').addEventListener('change', async (e) => setLang(e.target.value));
  $('form-produce').addEventListener('submit', async (e) => {
    e.preventDefault();
    const args = { topic: $('p-topic').value, key: $('p-key').value, value: $('p-value').value, acks: $('p-acks').value, partitioner: $('p-partitioner').value, serializer: $('p-vser').value };
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
    const ok = act(() => {
      cmd = { cmd: 'create_topic', topic: $('t-name').value.trim(), partitions: intIn($('t-partitions'), 1, 12), replication_factor: intIn($('t-rf'), 1, 6) };
      apply(cmd);
    });
    if (ok) sayKey('created', { topic: cmd.topic });
  });
  $('show-housekeeping').addEventListener('change', (e) => {
    for (const li of document.querySelectorAll('#log li.hk')) li.hidden = !e.target.checked;
  });
  $('log').addEventListener('click', (e) => {
    const li = e.target.closest('li');
    if (li) select(li);
  });
  $('share').addEventListener('toggle', () => {
    if (!$('share').open) return;
    const now = S.pg.step_now();
    $('share-from').value = String(now);
    $('share-from').max = String(S.pg.head());
    $('share-to').value = String(Math.max(now + 1, Math.min(S.pg.head(), now + 200)));
    updateShare();
  });
  for (const id of ['share-from', 'share-to', 'share-play']) $(id).addEventListener('input', () => updateShare());
  $('copy-link').addEventListener('click', () => copyField($('share-link')));
  $('copy-snippet').addEventListener('click', () => copyField($('share-snippet')));
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
  window.addEventListener('resize', () => wire.invalidate());
}

async function setLang(lang) {
  if (!LOCALES[lang]) lang = 'en';
  S.L = await LOCALES[lang]();
  if ($('lang')) $('lang').value = lang;
  applyI18n();
  // Re-narrate the log in the new language.
  for (const li of document.querySelectorAll('#log li')) {
    const b = li.firstElementChild;
    b.replaceChildren(el('span', 't', `${(li._ev.time_ms / 1000).toFixed(3)}s`), document.createTextNode(narrate(S.L, li._ev)));
  }
  for (const box of S.brokerBoxes.values()) box.key = '';
  S.consumersKey = '';
  S.netKey = '';
  S.forksKey = '';
  S.producersKey = '';
  if (S.registry) S.registry.key = '';
  renderStatus();
  render();
  lessons?.render();
  updateShare();
  scheduleUrl();
}

/** ?lang= first, then the link's language, then the browser's. */
function pickLang(query, fromLink) {
  const known = (x) => (x && LOCALES[x] ? x : null);
  const nav = String(navigator.language || '').toLowerCase().split('-')[0];
  return known(query) || known(fromLink) || known(nav) || 'en';
}

/** For tests and the curious: the engine's state, and a few of the page's actions. */
function expose() {
  window.kafkascope = {
    view: () => JSON.parse(S.pg.view()),
    events: (cursor = 0) => JSON.parse(S.pg.events_since(cursor)),
    lastStepEvents: () => S.lastStepEvents,
    apply: (cmd) => applyCommand(cmd),
    step: () => act(() => stepOnce()),
    runFor: (ms) => act(() => S.pg.run_for(ms)),
    seek: (step) => seekTo(step),
    head: () => S.pg.head(),
    stepNow: () => S.pg.step_now(),
    forks: () => allForks(),
    log: () => JSON.parse(S.pg.log_json()),
    link: (opts) => linkFor(opts),
    partitionForKey: (key, n) => E.partition_for_key(key, n),
    metrics: () => JSON.parse(S.pg.metrics()),
    recordBytes: (broker, topic, partition, offset) => JSON.parse(S.pg.record_bytes(broker, topic, partition, offset)),
    lesson: () => lessons?.state(),
    scenario: () => scenarioText(),
    ready: true,
  };
  document.body.dataset.ready = 'true';
}

async function main() {
  const params = new URLSearchParams(location.search);
  S.embed = params.get('embed') === '1';
  document.documentElement.classList.toggle('embed', S.embed);
  if (S.embed) {
    // The header is not shown in an embed; its heading still names the page.
    const h1 = el('h1', 'sr-only');
    h1.dataset.i18n = 'title';
    document.querySelector('main.layout')?.prepend(h1);
  }
  const code = new URLSearchParams(location.hash.slice(1)).get('run');
  let run = null;
  let linkError = null;
  if (code !== null) {
    try {
      run = await decodeRun(code);
    } catch (e) {
      linkError = e;
    }
  }
  await setLang(pickLang(params.get('lang'), run?.lang));
  $('clock').textContent = t('loading');
  if (linkError) { showLinkError(linkError); return; }
  wire = new Wire($('wire'), $('stage'), (kind) => kind);
  // A link whose run uses a schema opens on the Avro build (the lean Wasm is then never fetched).
  useEngine(await loadEngine(needsAvro(run?.log)));
  if (run) {
    let pg;
    try {
      pg = E.Playground.replay(JSON.stringify(run.config), JSON.stringify(run.log), run.head, run.step);
    } catch (e) {
      showLinkError(new LinkError('linkReplay', { error: errorText(e) }));
      return;
    }
    if (SPEEDS.includes(run.speed)) S.speed = run.speed;
    applyI18n();
    const cfg = run.config;
    if (Number.isInteger(cfg.seed)) $('seed').value = String(cfg.seed);
    const n = cfg.clusters?.[0]?.brokers?.length;
    if (Number.isInteger(n) && n >= 1 && n <= 6) $('broker-count').value = String(n);
    wireControls();
    adopt(pg, run.forks.filter((f) => f <= run.head));
    S.playTo = run.playTo;
  } else {
    const seed = Number(params.get('seed') ?? 1);
    const brokers = Number(params.get('brokers') ?? 3);
    $('seed').value = String(Number.isInteger(seed) && seed >= 0 && seed <= 4294967295 ? seed : 1);
    $('broker-count').value = String(Number.isInteger(brokers) && brokers >= 1 && brokers <= 6 ? brokers : 3);
    wireControls();
    reset(Number($('seed').value), Number($('broker-count').value));
  }
  render();
  expose();
  if (S.playTo !== null) setPlaying(true);
}

main().catch((e) => {
  console.error(e);
  const c = document.getElementById('clock');
  if (c) c.textContent = t('loadFailed', { error: errorText(e) });
});
