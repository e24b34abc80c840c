// The page's figures, in headless Chromium (playwright-core, /usr/bin/chromium, the
// flags of tests/e2e) over dist/ served on 127.0.0.1: the first load's weight, the
// time to the first drawn cluster, frame work while playing at top speed, what the
// Avro build (dist/pkg-avro/, loaded when a run uses a schema) adds, and the long tasks
// of opening a link of a long run and of jumping within it.
// Everything is measured in the page by scripts injected before load; www/ is untouched.
// Run alone: node tests/bench/page.mjs; prints JSON.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DIST, launchChromium, serveDist } from '../e2e/serve.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN;
};

/** gzip -9 of a file, in bytes, as the command counts it. */
export const gzipSize = (file) => execFileSync('gzip', ['-9', '-c', file], { maxBuffer: 64 << 20 }).length;

// Injected before any of the page's scripts: when the broker boxes are in the DOM, and
// when that frame has been painted (a message posted from the next animation frame runs
// after the frame's rendering steps).
const FIRST_DRAW = `(() => {
  const want = Number(new URLSearchParams(location.search).get('brokers') || 3);
  const obs = new MutationObserver(() => {
    if (window.__firstDraw || document.querySelectorAll('.broker').length < want) return;
    obs.disconnect();
    const fd = (window.__firstDraw = { dom: performance.now(), painted: null });
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => { fd.painted = performance.now(); };
      ch.port2.postMessage(0);
    });
  });
  obs.observe(document, { childList: true, subtree: true });
})();`;

// Injected before load: every requestAnimationFrame callback is timed; callbacks of one
// frame (same timestamp) are added up. 'paintMs' is from the frame's first callback to a
// message posted then, which runs after style, layout and paint of that frame.
const FRAME_WORK = `(() => {
  const raf = window.requestAnimationFrame.bind(window);
  const B = (window.__bench = { measuring: false, frames: new Map(), paint: [], longtasks: [], from: 0, to: 0 });
  window.requestAnimationFrame = (cb) => raf((ts) => {
    const start = performance.now();
    const first = B.measuring && !B.frames.has(ts);
    if (first) {
      B.frames.set(ts, 0);
      const ch = new MessageChannel();
      ch.port1.onmessage = () => B.paint.push(performance.now() - start);
      ch.port2.postMessage(0);
    }
    try { cb(ts); } finally {
      if (B.measuring && B.frames.has(ts)) B.frames.set(ts, B.frames.get(ts) + performance.now() - start);
    }
  });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) B.longtasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
})();`;

export async function withPage(fn) {
  const { server, base } = await serveDist();
  const { browser, home } = await launchChromium('kafkascope-bench-');
  try {
    return await fn({ browser, base });
  } finally {
    await browser.close();
    await new Promise((r) => server.close(r));
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Opens the page in a fresh context (nothing cached), with the given scripts injected. */
async function openFresh(browser, url, scripts) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  for (const s of scripts) await context.addInitScript({ content: s });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  const fetched = [];
  page.on('requestfinished', (r) => fetched.push(r.url()));
  await page.goto(url);
  await page.waitForFunction(() => window.kafkascope?.ready === true, null, { timeout: 30000 });
  return { context, page, fetched, problems };
}

/** The files of dist/ that the page fetched (gzip -9 each), largest first. */
function fetchedFiles(base, urls) {
  const files = [];
  for (const u of new Set(urls)) {
    if (!u.startsWith(base)) continue;
    let rel = decodeURIComponent(new URL(u).pathname).slice(1);
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.join(DIST, rel);
    files.push({ file: rel, bytes: fs.statSync(file).size, gzip: gzipSize(file) });
  }
  return files.sort((a, b) => b.gzip - a.gzip);
}

/** First load: what it fetches (gzip -9 each), and load → first drawn cluster, median of `loads`. */
export async function firstLoad({ browser, base }, { loads = 5, log = () => {} } = {}) {
  const times = [];
  const doms = [];
  let files = null;
  for (let i = 0; i < loads; i++) {
    const { context, page, fetched, problems } = await openFresh(browser, base, [FIRST_DRAW]);
    await page.waitForFunction(() => window.__firstDraw?.painted != null, null, { timeout: 30000 });
    const fd = await page.evaluate(() => window.__firstDraw);
    if (problems.length) throw new Error(`page errors: ${problems.join('; ')}`);
    log(`  load ${i + 1}: broker boxes in the DOM at ${fd.dom.toFixed(1)} ms, painted at ${fd.painted.toFixed(1)} ms`);
    times.push(fd.painted);
    doms.push(fd.dom);
    if (!files) files = fetchedFiles(base, fetched);
    await context.close();
  }
  return { files, total_gzip: files.reduce((s, f) => s + f.gzip, 0), painted_ms: times, dom_ms: doms, median_painted_ms: median(times), median_dom_ms: median(doms) };
}

/**
 * The Avro build's extra weight: after a first load, the page's own loader (www/engine.js)
 * is asked for the Avro build, as a run that uses a schema does; what that fetches is the extra.
 */
export async function avroBuild({ browser, base }) {
  const { context, page, fetched, problems } = await openFresh(browser, base, []);
  await page.waitForLoadState('networkidle');
  const before = fetched.length;
  const hasAvro = await page.evaluate(async () => (await (await import('./engine.js')).loadEngine(true)).has_avro());
  await page.waitForLoadState('networkidle');
  if (!hasAvro) throw new Error('the Avro build says it has no Avro');
  if (problems.length) throw new Error(`page errors: ${problems.join('; ')}`);
  const files = fetchedFiles(base, fetched.slice(before));
  await context.close();
  return { files, extra_gzip: files.reduce((s, f) => s + f.gzip, 0) };
}

/**
 * Frame work at top speed: 5 brokers, topics of 3 + 9 partitions at RF 3 (36 replicas),
 * 4 consumers in a group, 600 records produced up front; play at the top speed, time
 * `seconds` of frames after a 1 s warm-up.
 */
export async function frameWork({ browser, base }, { seconds = 5, log = () => {} } = {}) {
  const { context, page, problems } = await openFresh(browser, `${base}?brokers=5`, [FRAME_WORK]);
  const setup = await page.evaluate(() => {
    const k = window.kafkascope;
    const ok = [];
    ok.push(k.apply({ cmd: 'create_topic', topic: 'load', partitions: 9, replication_factor: 3 }));
    ok.push(k.runFor(200));
    for (let i = 1; i <= 4; i++) ok.push(k.apply({ cmd: 'start_consumer', name: `c${i}`, group: 'g1', topics: ['orders', 'load'], config: { 'auto.offset.reset': 'earliest' } }));
    ok.push(k.apply({ cmd: 'add_producer', name: 'bench', config: { acks: 'all', 'linger.ms': 5 } }));
    for (let i = 0; i < 600; i++) ok.push(k.apply({ cmd: 'produce', producer: 'bench', topic: i % 4 ? 'load' : 'orders', value: `r${i}-${'x'.repeat(90)}` }));
    const v = k.view();
    const replicas = v.brokers.reduce((s, b) => s + b.replicas.filter((r) => !r.topic.startsWith('__')).length, 0);
    return { ok: ok.every((x) => x !== false), brokers: v.brokers.length, replicas, consumers: v.consumers.length, step: v.step, time_ms: v.time_ms };
  });
  if (!setup.ok) throw new Error('frame-work set-up was refused');
  const speeds = await page.$$eval('#speed option', (os) => os.map((o) => Number(o.value)));
  const top = Math.max(...speeds);
  await page.selectOption('#speed', String(top));
  await page.click('#btn-play');
  await page.waitForTimeout(1000);
  const v0 = await page.evaluate(() => { const B = window.__bench; B.measuring = true; B.from = performance.now(); const v = window.kafkascope.view(); return { step: v.step, time_ms: v.time_ms }; });
  await page.waitForTimeout(seconds * 1000);
  const r = await page.evaluate(() => {
    const B = window.__bench;
    B.measuring = false;
    B.to = performance.now();
    const v = window.kafkascope.view();
    return { frames: [...B.frames.values()], paint: B.paint, longtasks: B.longtasks.filter((t) => t.start >= B.from && t.start < B.to), wall_ms: B.to - B.from, step: v.step, time_ms: v.time_ms, dom_nodes: document.getElementsByTagName('*').length };
  });
  await page.click('#btn-play');
  if (problems.length) throw new Error(`page errors: ${problems.join('; ')}`);
  await context.close();
  const out = {
    setup,
    speed: top,
    frames: r.frames.length,
    fps: (r.frames.length * 1000) / r.wall_ms,
    p50_ms: quantile(r.frames, 0.5),
    p95_ms: quantile(r.frames, 0.95),
    max_ms: Math.max(...r.frames),
    p95_with_rendering_ms: quantile(r.paint, 0.95),
    longtasks: r.longtasks.length,
    longtask_ms: r.longtasks.map((t) => Math.round(t.duration)),
    steps_per_s: ((r.step - v0.step) * 1000) / r.wall_ms,
    virtual_ms_per_s: ((r.time_ms - v0.time_ms) * 1000) / r.wall_ms,
    dom_nodes: r.dom_nodes,
  };
  log(`  frames: ${out.frames} in ${(r.wall_ms / 1000).toFixed(1)} s; per frame p50 ${out.p50_ms.toFixed(2)} ms, p95 ${out.p95_ms.toFixed(2)} ms, max ${out.max_ms.toFixed(2)} ms; with style/layout/paint p95 ${out.p95_with_rendering_ms.toFixed(2)} ms; ${out.longtasks} long tasks; ${Math.round(out.steps_per_s)} steps/s`);
  return out;
}

/** Long tasks (> 50 ms, PerformanceObserver 'longtask') since `from`, rounded, in ms. */
const LONG_TASKS_SINCE = (from) => window.__bench.longtasks.filter((t) => t.start >= from).map((t) => Math.round(t.duration));

/**
 * A long run: a consumer group and a producer sending all along, run until the trace holds
 * `steps` steps. Then jumps to five places in it, each timed with its long tasks; then its
 * link (the run as the page shares it) opened in a fresh context, with the long tasks from
 * navigation until the page is ready and has drawn.
 */
export async function longRun({ browser, base }, { steps = 100_000, log = () => {} } = {}) {
  const { context, page, problems } = await openFresh(browser, base, [FRAME_WORK]);
  const built = await page.evaluate((steps) => {
    const k = window.kafkascope;
    k.apply({ cmd: 'start_consumer', name: 'c1', group: 'g1', topics: ['orders'], config: { 'auto.offset.reset': 'earliest' } });
    k.apply({ cmd: 'add_producer', name: 'p', config: { 'linger.ms': 5 } });
    let sent = 0;
    while (k.head() < steps && sent < 1_000_000) {
      for (let j = 0; j < 50; j++) k.apply({ cmd: 'produce', producer: 'p', topic: 'orders', value: `r${sent++}` });
      k.runFor(2000);
    }
    return { head: k.head(), commands: k.log().length, sent };
  }, steps);
  log(`  long run: ${built.head} steps from ${built.commands} commands (${built.sent} records)`);
  // The address update the build leaves behind is not a jump's: the page reads the whole
  // log once for it (a run built at once through the hook; a person's run grows entry by entry).
  await page.waitForTimeout(3000);
  const jumps = [];
  for (const f of [0.5, 0.1, 0.9, 0.25, 0.75]) {
    const from = await page.evaluate(() => performance.now());
    const r = await page.evaluate((f) => window.kafkascope.seek(Math.round(window.kafkascope.head() * f)), f);
    await page.waitForTimeout(200);
    const longtasks = await page.evaluate(LONG_TASKS_SINCE, from);
    jumps.push({ at: f, engine_ms: r.engineMs, total_ms: r.totalMs, longtasks });
    log(`  jump to ${Math.round(f * 100)}%: ${r.totalMs.toFixed(0)} ms (engine ${r.engineMs.toFixed(0)} ms); long tasks ${longtasks.join(', ') || 'none'}`);
  }
  const url = await page.evaluate(() => window.kafkascope.link({ step: Math.round(window.kafkascope.head() / 2) }));
  if (problems.length) throw new Error(`page errors: ${problems.join('; ')}`);
  await context.close();
  const t0 = performance.now();
  const opened = await openFresh(browser, url, [FRAME_WORK]);
  const openMs = performance.now() - t0;
  await opened.page.waitForTimeout(500);
  const open = await opened.page.evaluate(() => ({ step: window.kafkascope.stepNow(), head: window.kafkascope.head() }));
  open.ms = openMs;
  open.longtasks = await opened.page.evaluate(LONG_TASKS_SINCE, 0);
  if (opened.problems.length) throw new Error(`page errors: ${opened.problems.join('; ')}`);
  await opened.context.close();
  log(`  link of ${url.length} characters opened at step ${open.step} of ${open.head} in ${open.ms.toFixed(0)} ms; long tasks ${open.longtasks.join(', ') || 'none'}`);
  const worst = (xs) => (xs.length ? Math.max(...xs) : 0);
  const jumpTasks = jumps.flatMap((j) => j.longtasks);
  return {
    built,
    link_chars: url.length,
    jumps,
    jump_longtasks: jumpTasks.length,
    jump_worst_ms: worst(jumpTasks),
    open_longtasks: open.longtasks.length,
    open_worst_ms: worst(open.longtasks),
    open_at_step: open.step,
    open_ms: open.ms,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const log = (s) => console.error(s);
  const out = await withPage(async (ctx) => ({ load: await firstLoad(ctx, { log }), avro: await avroBuild(ctx), frames: await frameWork(ctx, { log }), long: await longRun(ctx, { log }) }));
  console.log(JSON.stringify(out));
}
