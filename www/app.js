// The page's entry: it loads the engine (Rust → Wasm, engine.js), opens the run of the link
// or a fresh cluster, and wires the parts together. Nothing here simulates Kafka and nothing
// here draws: state.js holds the run's state, run.js moves the run and reads the engine,
// render/ draws the engine's view, controls/ listens to the person.
import { S, $, el, t, SPEEDS, errorText } from './state.js';
import en from './locales/en.js';
import { loadEngine, needsAvro } from './engine.js';
import { LinkError, joinParts } from './link.js';
import { decodeLink } from './link-codec.js';
import { createLessons } from './lessons.js';
import { createBytes } from './records.js';
import { Wire } from './render/wire.js';
import { render, fitEmbed } from './render/index.js';
import { reword, wireLog } from './render/narration.js';
import { forgetConsumers } from './render/consumers.js';
import { forget } from './state.js';
import { ctx, act, apply, applyCommand, adopt, boot, seekTo, linkFor, needEngine, useEngine, replayRun, keepLogJson, say, sayKey, sayError, setPlaying, stepOnce, stepEvents, renderStatus, scheduleUrl } from './run.js';
import { wireForms, renderTopicsSelect, updatePreview, serdeFields } from './controls/forms.js';
import { wireCluster } from './controls/cluster.js';
import { wireTimeline, renderSkips } from './controls/timeline.js';
import { wireShare, shareLanguage } from './controls/share.js';
import { wireFiles, scenarioText } from './controls/files.js';
import { wireSplice } from './controls/splice.js';
import { exportSlides } from './controls/slides.js';
import { wireAuthor, authorLanguage } from './controls/author.js';

const LOCALES = { en: () => Promise.resolve(en), ko: () => import('./locales/ko.js').then((m) => m.default) };
/** The learning system's side of the page when it is embedded (controls/splice.js). */
let splice = null;

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
  renderSkips();
}

/** A fresh run from a scenario's configuration (a lesson's start), on the Avro build if its `commands` need it. */
async function startFrom(config, commands) {
  setPlaying(false);
  await needEngine(needsAvro(commands), { carry: false });
  const pg = new S.E.Playground(JSON.stringify(config));
  const n = config.clusters?.[0]?.brokers?.length;
  if (Number.isInteger(config.seed)) $('seed').value = String(config.seed);
  if (Number.isInteger(n) && n >= 1 && n <= 6) $('broker-count').value = String(n);
  adopt(pg);
  say(null);
}

function wireLessons() {
  const lessons = createLessons({
    $, el, t,
    lang: () => S.L.lang,
    start: startFrom,
    act,
    apply,
    pg: () => S.pg,
    view: () => S.view,
    sayKey,
    isError: () => !!S.said?.isError,
    answered: (score) => splice?.report(score),
  });
  lessons.wire();
  return lessons;
}

async function setLang(lang) {
  if (!LOCALES[lang]) lang = 'en';
  S.L = await LOCALES[lang]();
  if ($('lang')) $('lang').value = lang;
  applyI18n();
  reword();
  forget($('brokers'));
  for (const box of $('brokers')?.children ?? []) forget(box._parts?.replicas);
  forget($('producers'));
  forgetConsumers();
  renderStatus();
  if (S.view) render(ctx);
  S.lesson?.render();
  shareLanguage();
  authorLanguage();
  scheduleUrl();
}

/** ?lang= first, then the link's language, then the browser's. */
function pickLang(query, fromLink) {
  const known = (x) => (x && LOCALES[x] ? x : null);
  const nav = String(navigator.language || '').toLowerCase().split('-')[0];
  return known(query) || known(fromLink) || known(nav) || 'en';
}

/** Shows why a link cannot be opened, and nothing else; the way back keeps ?embed and ?lang. */
function showLinkError(err) {
  S.linkBroken = true;
  const message = () => (err instanceof LinkError ? t(err.key, err.fields) : t('linkNotJson'));
  document.querySelector('header.top')?.remove();
  document.querySelector('main.layout')?.remove();
  const main = el('main', 'link-error');
  main.id = 'link-error';
  const box = el('div', 'panel');
  box.setAttribute('role', 'alert');
  const fresh = el('a', null, t('linkErrorFresh'));
  const keep = new URLSearchParams();
  if (S.embed) keep.set('embed', '1');
  keep.set('lang', S.L.lang);
  fresh.href = `${location.pathname}?${keep}`;
  box.append(el('h1', null, t('linkErrorTitle')), el('p', 'link-error-msg', message()), el('p', null));
  box.lastChild.append(fresh);
  main.append(box);
  document.body.append(main);
  document.title = `${t('linkErrorTitle')} · Kafkascope`;
  window.kafkascope = { ready: true, linkError: message() };
  document.body.dataset.ready = 'true';
}

/**
 * What the picture shows, as text: every element's own text and data attributes under the
 * stage, the znode tree, the metrics and the clock (not the moving messages, not classes
 * used for animation). Two pictures of one step must give the same facts.
 */
function facts() {
  const out = [];
  const walk = (node, depth) => {
    if (node.nodeType !== 1 || node.tagName === 'svg' || node.hidden) return;
    const own = [...node.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).filter(Boolean).join(' ');
    const data = Object.entries(node.dataset).filter(([k]) => k !== 'scale').map(([k, v]) => `${k}=${v}`).join(',');
    if (own || data) out.push(`${depth}|${node.tagName.toLowerCase()}|${data}|${own}|${node.title || ''}`);
    for (const c of node.children) walk(c, depth + 1);
  };
  for (const id of ['stage', 'zk-tree', 'metrics', 'clock']) walk($(id), 0);
  return out.join('\n');
}

/** For tests and the curious: the engine's state, and a few of the page's actions. */
function expose() {
  window.kafkascope = {
    view: () => S.pg.view(),
    events: (cursor = 0) => S.pg.events_since(cursor),
    lastStepEvents: () => stepEvents(),
    apply: (cmd) => applyCommand(cmd),
    step: () => act(() => stepOnce()),
    runFor: (ms) => act(() => S.pg.run_for(ms)),
    seek: (step) => seekTo(step),
    head: () => S.pg.head(),
    stepNow: () => S.pg.step_now(),
    forks: () => [...new Set([...S.linkForks, ...S.forks])].sort((a, b) => a - b),
    log: () => JSON.parse(S.pg.log_json()),
    link: (opts) => linkFor(opts),
    partitionForKey: (key, n) => S.E.partition_for_key(key, n),
    metrics: () => S.pg.metrics(),
    recordBytes: (broker, topic, partition, offset, cluster = 0) => S.pg.record_bytes(cluster, broker, topic, partition, offset),
    lesson: () => S.lesson?.state(),
    scenario: () => scenarioText(),
    /** Draws the step shown now (not on the next frame), then says what the picture shows. */
    facts: () => {
      render(ctx);
      return facts();
    },
    ready: true,
  };
  document.body.dataset.ready = 'true';
}

/**
 * Opens a decoded run (a link's, or a state a learning system gave back): replayed on the
 * engine build it needs, shown at its step, its lesson at its position. A run that does not
 * replay shows the link error page (or, `quiet`, changes nothing); the result says whether it opened.
 */
async function openRun(run, { quiet = false } = {}) {
  setPlaying(false);
  let pg;
  try {
    await needEngine(run.avro || needsAvro(run.lesson?.lesson?.commands), { carry: false });
    pg = await replayRun(S.E, JSON.stringify(run.config), run.logParts, run.head, run.step);
  } catch (e) {
    // A state from a learning system that does not replay is ignored; a link says why.
    if (!quiet) showLinkError(new LinkError('linkReplay', { error: errorText(e) }));
    return false;
  }
  if (SPEEDS.includes(run.speed)) S.speed = run.speed;
  applyI18n();
  const cfg = run.config;
  if (Number.isInteger(cfg.seed)) $('seed').value = String(cfg.seed);
  const n = cfg.clusters?.[0]?.brokers?.length;
  if (Number.isInteger(n) && n >= 1 && n <= 6) $('broker-count').value = String(n);
  adopt(pg, run.forks.filter((f) => f <= run.head));
  // The address about to be rewritten holds this very log: its text need not be read back.
  if (pg.log_len() === run.logLength) keepLogJson(pg, joinParts(run.logParts));
  S.playTo = run.playTo;
  if (run.lesson) await S.lesson.resume(run.lesson);
  else S.lesson?.leave();
  return true;
}

function wireAll() {
  ctx.bytes = createBytes({ el, t, view: () => S.view, polled: () => S.polled, pg: () => S.pg });
  ctx.bytes.wire();
  ctx.afterRender = (v) => {
    renderTopicsSelect(v);
    updatePreview();
    serdeFields();
  };
  S.lesson = wireLessons();
  wireForms({ lessons: S.lesson });
  wireCluster({ bytes: ctx.bytes });
  wireTimeline();
  wireLog();
  wireShare();
  wireFiles({ lessons: S.lesson });
  $('lang').addEventListener('change', async (e) => setLang(e.target.value));
  $('lesson-slides').addEventListener('click', () => exportSlides(S.lesson).catch((e) => sayError(e)));
  wireAuthor({ start: startFrom });
  if (S.embed) new ResizeObserver(() => fitEmbed(ctx.wire)).observe($('stage-fit'));
}

/** Starts the learning-system protocol once the page is drawn (a state it gets back reopens the run). */
function wireHost() {
  splice = wireSplice({
    restore: async (run) => {
      const ok = await openRun(run, { quiet: true });
      if (ok) render(ctx);
      return ok;
    },
  });
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
  // Without a link the page runs the lean build: its Wasm loads while the language does.
  const engine = code === null ? loadEngine(false) : null;
  let run = null;
  let linkError = null;
  if (code !== null) {
    try {
      run = await decodeLink(code);
    } catch (e) {
      linkError = e;
    }
  }
  await setLang(pickLang(params.get('lang'), run?.lang));
  $('clock').textContent = t('loading');
  if (linkError) { showLinkError(linkError); return; }
  ctx.wire = new Wire($('wire'), $('stage'), (kind) => kind);
  // A link whose run uses a schema opens on the Avro build (the lean Wasm is then never fetched).
  useEngine(await (engine ?? loadEngine(!!run?.avro)));
  if (run) {
    wireAll();
    if (!(await openRun(run))) return;
  } else {
    const seed = Number(params.get('seed') ?? 1);
    const brokers = Number(params.get('brokers') ?? 3);
    $('seed').value = String(Number.isInteger(seed) && seed >= 0 && seed <= 4294967295 ? seed : 1);
    $('broker-count').value = String(Number.isInteger(brokers) && brokers >= 1 && brokers <= 6 ? brokers : 3);
    // `?metadata=kraft` opens a KRaft cluster, `both` the two side by side; anything else, the
    // source text's ZooKeeper.
    $('metadata-mode').value = ['kraft', 'both'].includes(params.get('metadata')) ? params.get('metadata') : 'zookeeper';
    wireAll();
    adopt(boot(Number($('seed').value), Number($('broker-count').value), $('metadata-mode').value));
  }
  render(ctx);
  expose();
  wireHost();
  if (S.playTo !== null) setPlaying(true);
}

main().catch((e) => {
  console.error(e);
  const c = document.getElementById('clock');
  if (c) c.textContent = t('loadFailed', { error: errorText(e) });
});
