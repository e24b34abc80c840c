// The run on the page: the engine's Playground, moved by steps, play, skips, jumps and
// commands, and read back after each move (trace events since the cursor, the view, the
// metrics). Every move ends in `sync`, which narrates what is new and redraws from the
// engine; a jump restarts the narration from the trace, so a jump to a step and a play
// to it draw the same picture.
import { S, $, t, SPEEDS, errorText } from './state.js';
import { loadEngine, needsAvro } from './engine.js';
import { encodeLink } from './link-codec.js';
import { render } from './render/index.js';
import { consume, restart, announce, captionLines, JUMP_EVENTS } from './render/narration.js';
import { allForks } from './render/timeline.js';
import { forgetTree } from './render/zookeeper.js';

const POLLED_KEPT = 4;
/** The page's own hooks: the wire layer, the byte panel, and what to redraw beside the picture. */
export const ctx = { wire: null, bytes: null, afterRender: null };

// Kafka's default is 50 partitions for __consumer_offsets; 3 keep the picture legible (the page says so).
const OFFSETS_PARTITIONS = 3;
const INITIAL_TOPIC = { cmd: 'create_topic', topic: 'orders', partitions: 3, replication_factor: 3 };

// ---------------------------------------------------------------- the status line
/** The status line. Kept as a function of the language, so a switch re-words it. */
export function say(renderFn, isError = false) {
  S.said = renderFn ? { render: renderFn, isError } : null;
  S.saidAt = S.pg ? S.pg.step_now() : -1;
  renderStatus();
}
export const sayKey = (key, fields, isError = false) => say(() => t(key, fields), isError);
export const sayError = (e) => say(() => t('error', { error: e && e.render ? e.render() : errorText(e) }), true);

export function renderStatus() {
  const s = $('status');
  if (!s) return;
  // A sentence said at another step than the one shown is stale: it goes.
  if (S.said && S.pg && S.saidAt !== S.pg.step_now()) S.said = null;
  const parts = [];
  if (S.forkNote !== null) parts.push(t('forked', { step: S.forkNote }));
  if (S.said) parts.push(S.said.render());
  s.textContent = parts.join(' ');
  s.classList.toggle('error', !!S.said?.isError);
}

// ---------------------------------------------------------------- the engine
/** Runs on `mod` from now on, and says which build it is on the page (data-engine, for tests). */
export function useEngine(mod) {
  S.E = mod;
  document.body.dataset.engine = S.E.has_avro() ? 'avro' : 'lean';
}

/**
 * Makes sure the page runs the Avro build when `avro` is true (it never goes back: the Avro
 * build runs every run the lean one does). With `carry`, the run on the page moves to the
 * new engine: its configuration and log replayed to the same step, its fork marks kept.
 */
export async function needEngine(avro, { carry = true } = {}) {
  if (!avro || S.E.has_avro()) return;
  const next = await loadEngine(true);
  if (carry && S.pg) {
    const pg = await replayRun(next, JSON.stringify(S.pg.config()), [logJson()], S.pg.head(), S.pg.step_now());
    const forks = allForks();
    useEngine(next);
    adopt(pg, forks);
  } else {
    useEngine(next);
  }
}

/** A slice of a replay aims at this long on the main thread: well under a 50 ms long task. */
const SLICE_MS = 16;

/**
 * Gives the main thread back and goes on in a new task. A timer, not `scheduler.yield()`:
 * that one's continuations go ahead of drawing, and the progress would never be seen.
 */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Rebuilds a recorded run (its config as JSON, its log as JSON text in parts: `inParts` in
 * www/link.js) on engine build `E` a part at a time, giving the main thread back in between,
 * so that opening a 100 000-step link never freezes the page: the log goes in a part per
 * task, then the steps in slices whose length follows the last slice's measured time (the
 * run is the same however it is cut). The clock line says how far it is. Resolves to the
 * `Playground`; rejects with the engine's error naming the entry that did not replay.
 */
export async function replayRun(E, configJson, logParts, head, step) {
  const opening = E.Playground.open(configJson, head, step);
  const progress = (done) => {
    $('clock').textContent = t('opening', { percent: Math.floor(100 * done) });
  };
  // Meanwhile the page draws and scrolls, but its controls wait: no run is there to act on.
  const wasInert = document.body.inert;
  document.body.inert = true;
  try {
    for (const part of logParts) {
      opening.feed(part);
      await nextTask();
    }
    let steps = 200;
    for (;;) {
      const t0 = performance.now();
      if (opening.advance(steps)) break;
      const took = Math.max(performance.now() - t0, 0.5);
      // At most twice the last slice: the next steps may cost more (a snapshot, a burst of records).
      steps = Math.max(50, Math.min(2 * steps, Math.round((steps * SLICE_MS) / took)));
      progress(opening.steps_done() / Math.max(opening.head(), 1));
      await nextTask();
    }
    // Going to the step shown (from its snapshot) is a task of its own; so is drawing it.
    await nextTask();
    const pg = opening.finish();
    await nextTask();
    return pg;
  } finally {
    document.body.inert = wasInert;
    opening.free();
  }
}

export function configFor(seed, brokers, mode = 'zookeeper') {
  const config = {
    'offsets.topic.num.partitions': OFFSETS_PARTITIONS,
    // Kafka refuses to create __consumer_offsets with fewer live brokers than its replication factor (default 3).
    'offsets.topic.replication.factor': Math.min(3, brokers),
  };
  const cluster = { name: 'kafka', chroot: '', brokers: Array.from({ length: brokers }, (_, i) => i + 1), config };
  if (mode === 'kraft') cluster['metadata.mode'] = 'kraft';
  // Side by side: the same cluster twice in one world, one per metadata mode, stepped together.
  if (mode === 'both') return { seed, clusters: [{ ...cluster, name: 'zookeeper' }, { ...cluster, name: 'kraft', 'metadata.mode': 'kraft' }] };
  return { seed, clusters: [cluster] };
}

/** How long start-up takes before the first topic: a KRaft quorum first elects its leader (1–2 s). */
const STARTUP_MS = { zookeeper: 100, kraft: 4000, both: 4000 };

export function boot(seed, brokers, mode = 'zookeeper') {
  const pg = new S.E.Playground(JSON.stringify(configFor(seed, brokers, mode)));
  // Start-up (sessions or the quorum, registration, controller election) and a first topic
  // happen at once, so the page opens on a settled cluster; the narration still tells all of it.
  pg.run_for(STARTUP_MS[mode] ?? 100);
  const topic = { ...INITIAL_TOPIC, replication_factor: Math.min(3, brokers) };
  for (const cluster of mode === 'both' ? ['zookeeper', 'kraft'] : [null]) pg.apply(JSON.stringify(cluster ? { ...topic, cluster } : topic));
  pg.run_for(100);
  return pg;
}

/** Takes a run (new or from a link) into the page and draws it from scratch. */
export function adopt(pg, linkForks = []) {
  S.pg?.free();
  S.pg = pg;
  S.cursor = 0;
  S.forks = [];
  S.linkForks = linkForks;
  S.forkNote = null;
  sync({ jumped: true });
}

// ---------------------------------------------------------------- reading the engine
/**
 * Reads what the engine says now: new trace events (narrated and animated) when the
 * run moved forward, or, after a jump, the narration restarted from the trace up to the
 * step shown. Then redraws (at once with `now`, else on the next frame).
 */
export function sync({ animate = true, jumped = false, now = false } = {}) {
  const len = S.pg.trace_len();
  let fresh = [];
  S.head = S.pg.head();
  S.view = S.pg.view();
  if (jumped || len < S.cursor) {
    // The narration up to the step shown: the last events of the trace, none animated.
    S.cursor = len;
    ctx.wire.clear();
    forgetTree();
    // The last events first; further back only when they hold no sentence for the caption.
    for (const back of [JUMP_EVENTS, JUMP_EVENTS * 8, len]) {
      restart(S.pg.events_since(Math.max(0, len - back)), { wire: ctx.wire });
      if (captionLines(1).length || back >= len) break;
    }
    readPolled();
  } else {
    const events = S.pg.events_since(S.cursor);
    S.cursor += events.length;
    fresh = consume(events, { animate, wire: ctx.wire, now: performance.now() });
    if (events.some((e) => e.type === 'records_polled')) readPolled();
  }
  const forks = S.pg.forks();
  if (forks.length > S.forks.length) S.forkNote = forks[forks.length - 1];
  S.forks = forks;
  S.metrics = S.pg.metrics();
  announce(fresh, jumped);
  renderStatus();
  if (now) render(ctx);
  else queueRender();
  scheduleUrl();
}

function readPolled() {
  S.polled = new Map(Object.entries(S.pg.polled(POLLED_KEPT)));
}

let renderQueued = false;
export function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render(ctx);
  });
}

// ---------------------------------------------------------------- moving the run
/** Runs an action on the engine; a refusal becomes the status line. Then reads the engine. */
export function act(fn) {
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
    // A refusal said during the action belongs to the step it left the run at.
    if (S.said) S.saidAt = S.pg.step_now();
  }
}

export function apply(cmd) {
  S.pg.apply(JSON.stringify(cmd));
}

/** Applies a command as the page's controls do; one that needs Avro moves the run to the Avro build first (then it returns a promise). */
export function applyCommand(cmd) {
  if (!needsAvro([cmd]) || S.E.has_avro()) return act(() => apply(cmd));
  return needEngine(true).then(() => act(() => apply(cmd)), (e) => {
    sayError(e);
    return false;
  });
}

const lastTrace = () => S.pg.trace_len();
let lastStepEvents = [];
export const stepEvents = () => lastStepEvents;

export function stepOnce() {
  const out = S.pg.step();
  lastStepEvents = out ?? [];
  return out !== undefined;
}

/** Goes to a recorded step: the engine restores a snapshot and replays; the page redraws from it. */
export function seekTo(step, { keepPlaying = false } = {}) {
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
  sync({ jumped: true, animate: false, now: true });
  return { engineMs, totalMs: performance.now() - t0 };
}

export function stepBack() {
  if (S.pg.step_now() > 0) seekTo(S.pg.step_now() - 1);
}

export function stepForward() {
  act(() => stepOnce());
}

/** The trace events each "skip to the next …" button waits for. */
export const SKIPS = {
  // The new leader acts once its LeaderAndIsr arrived: the picture shows it leading from then on.
  leader: ['became_leader'],
  isr: ['isr_changed'],
  rebalance: ['group_state_changed'],
  // ZooKeeper mode's election, or a KRaft controller becoming active.
  controller: ['controller_elected', 'controller_activated'],
};
/** How far a skip looks ahead, in virtual time. */
const SKIP_MAX_MS = 120_000;

/**
 * Steps on until the next event of a kind, without animating the wait: a failover plays in
 * seconds. A rebalance is over when its group is stable again (group_state_changed fires
 * for every state), so that skip looks on past the other states.
 */
export function skip(which) {
  setPlaying(false);
  const kinds = SKIPS[which];
  const wanted = (e) => kinds.includes(e.type) && (which !== 'rebalance' || e.state === 'stable');
  let found = false;
  act(() => {
    const deadline = S.view.time_ms + SKIP_MAX_MS;
    for (let guard = 0; guard < 20 && !found; guard++) {
      const before = S.pg.trace_len();
      const left = deadline - S.pg.view().time_ms;
      if (left <= 0 || S.pg.skip_to(JSON.stringify(kinds), left) === 0) break;
      found = S.pg.events_since(before).some(wanted);
    }
  });
  if (!found) sayKey('skipNothing', { s: SKIP_MAX_MS / 1000 });
  return found;
}

// ---------------------------------------------------------------- playing
let lastFrame = 0;
let budget = 0;

export function setPlaying(on) {
  S.playing = on;
  const b = $('btn-play');
  if (b) {
    b.setAttribute('aria-pressed', String(on));
    b.textContent = on ? t('pause') : t('play');
  }
  lastFrame = performance.now();
  budget = 0;
  if (on) requestAnimationFrame(playFrame);
  else scheduleUrl();
}

export function togglePlay() {
  S.playTo = null;
  setPlaying(!S.playing);
}

function playFrame(now) {
  if (!S.playing) return;
  const dt = Math.min(250, now - lastFrame);
  lastFrame = now;
  budget += (dt * S.speed) / 1000;
  let n = Math.floor(budget);
  budget -= n;
  n = Math.min(n, 2000);
  if (S.playTo !== null) n = Math.min(n, Math.max(0, S.playTo - S.pg.step_now()));
  if (n > 0) {
    try {
      for (let i = 0; i < n; i++) if (!stepOnce()) { setPlaying(false); break; }
    } catch (e) {
      sayError(e);
      setPlaying(false);
    }
    sync({ now: true });
  }
  if (S.playTo !== null && S.pg.step_now() >= S.playTo) {
    S.playTo = null;
    setPlaying(false);
    return;
  }
  requestAnimationFrame(playFrame);
}

export const speedOk = (x) => SPEEDS.includes(x);

// ---------------------------------------------------------------- the run in the address
/**
 * The run's log as JSON text, kept between uses (the address after every move, the state a
 * host keeps, the move to the Avro build; a long run's log is megabytes): entries added
 * since are read from the engine and appended; after a fork, on another run, or a shorter
 * log (a run started over), it is read whole.
 */
let logText = { pg: null, forks: 0, len: 0, body: '' };
export function logJson() {
  const forks = S.pg.forks().length;
  const len = S.pg.log_len();
  if (logText.pg !== S.pg || logText.forks !== forks || len < logText.len) logText = { pg: S.pg, forks, len: 0, body: '' };
  if (len > logText.len) {
    const more = S.pg.log_json_since(logText.len).slice(1, -1);
    logText.body += logText.body ? `,${more}` : more;
    logText.len = len;
  }
  return `[${logText.body}]`;
}

/** Starts the kept log text of a run just opened from a link with the link's own log. */
export function keepLogJson(pg, text) {
  logText = { pg, forks: pg.forks().length, len: pg.log_len(), body: text.slice(1, -1) };
}

/** A link to this run, shown at `step` (and playing to `playTo`), optionally for embedding. */
export async function linkFor({ step = S.pg.step_now(), playTo = null, embed = false, speed = S.speed, lesson = null } = {}) {
  const code = await encodeLink({
    config: S.pg.config(),
    logJson: logJson(),
    head: S.pg.head(),
    step,
    forks: allForks(),
    lang: S.L.lang,
    speed,
    playTo,
    lesson,
  });
  const u = new URL(location.href);
  u.search = embed ? '?embed=1' : '';
  u.hash = `run=${code}`;
  return u.href;
}

let urlTimer = 0;
export function scheduleUrl() {
  if (S.embed || S.linkBroken || !S.pg || urlTimer) return;
  urlTimer = setTimeout(async () => {
    try {
      history.replaceState(null, '', await linkFor({ lesson: S.lesson?.position() ?? null }));
    } catch (e) {
      console.warn('the address could not be updated', e);
    } finally {
      urlTimer = 0;
    }
  }, S.playing ? 1000 : 250);
}
