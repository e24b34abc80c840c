// `npm run bench` (scripts/bench.sh) ends here: reads the native figures that
// `cargo bench --bench engine` wrote, measures the Wasm build under node and the
// page in headless Chromium, and prints one table, each figure beside its target.
// Figures only: nothing here passes or fails on time.
// Usage: node tests/bench/run.mjs NATIVE.json [LOG] [TWIGGY.json]
import fs from 'node:fs';
import { wasmMemory, wasmThroughput } from './wasm.mjs';
import { withPage, firstLoad, avroBuild, frameWork, longRun } from './page.mjs';

const [nativeFile, logFile, twiggyFile] = process.argv.slice(2);
if (!nativeFile) {
  console.error('usage: node tests/bench/run.mjs NATIVE.json [LOG] [TWIGGY.json]');
  process.exit(2);
}
const lines = fs.readFileSync(nativeFile, 'utf8').trim().split('\n');
const native = JSON.parse(lines[lines.length - 1]);
const logLines = [];
const log = (s) => {
  logLines.push(s);
  if (logFile) fs.appendFileSync(logFile, `${s}\n`);
};
const step = (s) => console.error(`bench: ${s}`);

step('Wasm build under node: memory, then throughput (1 warm-up run + 7)');
const wmem = await wasmMemory();
await wasmThroughput({ records: native.throughput.records, runs: 1, log: (s) => log(`${s} (warm-up)`) });
const wtp = await wasmThroughput({ records: native.throughput.records, runs: native.throughput.runs, log });
step('headless Chromium: first load ×5, the Avro build, then frame work at top speed');
const page = await withPage(async (ctx) => ({ load: await firstLoad(ctx, { loads: 5, log }), avro: await avroBuild(ctx), frames: await frameWork(ctx, { seconds: 5, log }), long: await longRun(ctx, { log }) }));

// ------------------------------------------------------------ the table
const KB = (b) => `${(b / 1024).toFixed(1)} KB`;
const MB = (b) => `${(b / 1048576).toFixed(1)} MB`;
const int = (n) => Math.round(n).toLocaleString('en-US').replace(/,/g, ' ');
const met = (ok) => (ok ? 'met' : '**missed**');
const rows = [];
const row = (figure, how, measured, target, verdict) => rows.push([figure, how, measured, target, verdict]);

const L = page.load;
for (const f of L.files) row('page weight', `first load: ${f.file} (${KB(f.bytes)} raw)`, `${KB(f.gzip)} gz`, '', '');
row('page weight', `first load, total (${L.files.length} files, gzip -9)`, `**${KB(L.total_gzip)}**`, '≤ 150 KB', met(L.total_gzip <= 150 * 1024));
const A = page.avro;
row('page weight', `Avro build, fetched when a run first needs Avro: ${A.files.map((f) => `${f.file} ${KB(f.gzip)} gz`).join(', ')}; first load + it: ${KB(L.total_gzip + A.extra_gzip)}`, `+${KB(A.extra_gzip)} gz`, '≤ 150 KB', met(A.extra_gzip <= 150 * 1024));
row('load to first drawn cluster', `navigation start → 3 broker boxes painted, median of ${L.painted_ms.length} (in the DOM: ${L.median_dom_ms.toFixed(0)} ms; all: ${L.painted_ms.map((x) => x.toFixed(0)).join(', ')} ms)`, `**${L.median_painted_ms.toFixed(0)} ms**`, '≤ 300 ms', met(L.median_painted_ms <= 300));
const nt = native.throughput;
row('engine throughput, native', `${int(nt.records)} records, 3 brokers, RF 3, acks=all, batch.size 16384, linger.ms 5, consumed by a group; median of ${nt.runs} (min ${int(Math.min(...nt.rates))}, max ${int(Math.max(...nt.rates))})`, `**${int(nt.median_records_per_s)} records/s**`, '≥ 1 000 000 records/s', met(nt.median_records_per_s >= 1e6));
// The Wasm Playground holds its run in a Timeline (log, trace, snapshots): its ratio is to the
// same Timeline natively; the ratio to the bare World is printed beside it.
const tt = native.timeline_throughput;
row('engine throughput, native, through a Timeline', `the same workload as the Playground holds a run (every command logged, the trace kept, a snapshot every 1 000 steps); median of ${tt.runs}`, `${int(tt.median_records_per_s)} records/s`, '', '');
const ratio = wtp.median_records_per_s / tt.median_records_per_s;
const same = wtp.trace_len === tt.trace_len ? 'same trace length as native' : `trace length ${wtp.trace_len} ≠ native ${tt.trace_len}`;
row('engine throughput, Wasm', `the same workload through Playground (JSON commands, run_for), node ${process.version}, median of ${wtp.runs} after a warm-up; ${same}; to the bare World natively ${(wtp.median_records_per_s / nt.median_records_per_s).toFixed(2)}`, `${int(wtp.median_records_per_s)} records/s, **ratio ${ratio.toFixed(2)}** to the Timeline natively`, 'ratio ≥ 0.6', met(ratio >= 0.6));
const sim = native.sim;
const simDesc = sim.runs.map((r) => `seed ${r.seed}: ${r.sim_s.toFixed(0)} s in ${r.wall_s.toFixed(2)} s (check ${r.check_s.toFixed(2)} s), ${r.violations} violations`).join('; ');
row('simulation speed', `fault_run (safe) + 1 000 records/s for its faulty 120 s, checker on; median of ${sim.runs.length} seeds (${simDesc})`, `**${int(sim.median_speed)}×**`, '≥ 1 000×', met(sim.median_speed >= 1000));
const F = page.frames;
row('frame work', `playing at ${F.speed} steps/s, ${F.setup.brokers} brokers, ${F.setup.replicas} topic replicas, ${F.setup.consumers} consumers; ${F.frames} frames in 5 s (${F.fps.toFixed(0)} fps), rAF callbacks per frame p50 ${F.p50_ms.toFixed(1)} ms, max ${F.max_ms.toFixed(1)} ms; with style/layout/paint p95 ${F.p95_with_rendering_ms.toFixed(1)} ms`, `**p95 ${F.p95_ms.toFixed(1)} ms**`, '≤ 8 ms', met(F.p95_ms <= 8));
row('frame work', `long tasks (PerformanceObserver 'longtask') in those 5 s${F.longtasks ? `: ${F.longtask_ms.join(', ')} ms` : ''}`, `**${F.longtasks}**`, '0', met(F.longtasks === 0));
const R = page.long;
row('long run: jumps', `${int(R.built.head)}-step run (${int(R.built.commands)} commands); jumps to 50, 10, 90, 25, 75 %: ${R.jumps.map((j) => `${j.total_ms.toFixed(0)} ms`).join(', ')}; long tasks (worst ${R.jump_worst_ms} ms)`, `**${R.jump_longtasks}**`, '0', met(R.jump_longtasks === 0));
row('long run: opening its link', `a link of ${int(R.link_chars)} characters, opened at step ${int(R.open_at_step)} in ${int(R.open_ms)} ms (navigation to ready, the replay in slices between frames); long tasks from navigation until drawn (worst ${R.open_worst_ms} ms)`, `**${R.open_longtasks}**`, '0', met(R.open_longtasks === 0));
const m = native.memory;
row('memory, native', `engine heap after a ${int(m.events)}-event run (live bytes, counting allocator; peak ${MB(m.peak_bytes)})`, MB(m.live_bytes), 'report', '');
row('memory, Wasm', `WebAssembly.Memory after the same run (${int(wmem.events)} events; ${MB(wmem.memory_bytes_before)} before)`, MB(wmem.memory_bytes), 'report', '');

const esc = (s) => String(s).replace(/\|/g, '\\|');
const out = ['', `Kafkascope bench — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${(await import('node:os')).default.cpus().length} cores, load average ${(await import('node:os')).default.loadavg().map((x) => x.toFixed(1)).join(' ')}`, '', '| figure | how | measured | target | |', '|---|---|---|---|---|'];
for (const r of rows) out.push(`| ${r.map(esc).join(' | ')} |`);
if (twiggyFile && fs.existsSync(twiggyFile)) out.push(...wasmProfile(JSON.parse(fs.readFileSync(twiggyFile, 'utf8'))));
console.log(out.join('\n'));
if (logFile) fs.appendFileSync(logFile, `${JSON.stringify({ native, wasm: { memory: wmem, throughput: wtp }, page })}\n`);

/**
 * Where the lean Wasm's bytes are, from `twiggy top` (scripts/bench.sh): its largest items,
 * then the items summed by owner. Custom sections (names, wasm-bindgen's) are left out: the
 * page's Wasm does not carry them.
 */
function wasmProfile(items) {
  const shipped = items.filter((i) => !/^custom section|subsection$/.test(i.name));
  const total = shipped.reduce((n, i) => n + i.shallow_size, 0);
  const pct = (b) => `${((100 * b) / total).toFixed(1)} %`;
  const owner = (name) => {
    if (name.startsWith('data segment')) return 'data segments (strings, tables)';
    if (name.includes('serde_json')) return 'serde_json';
    if (name.includes('serde_wasm_bindgen')) return 'serde-wasm-bindgen';
    if (name.includes('serde')) return 'serde derives (Serialize, Deserialize)';
    if (/wbindgen|^export /.test(name)) return 'wasm-bindgen glue (mostly describe functions wasm-bindgen removes)';
    if (/^(playground|opening)_\w+_[0-9a-f]+$/.test(name)) return 'kafkascope::wasm (exported methods)';
    const own = /kafkascope::(\w+)/.exec(name);
    if (own && !/^(alloc|core|std)::/.test(name.replace(/^</, ''))) return `kafkascope::${own[1]}`;
    const crate = /^<?(?:&(?:mut )?)?([A-Za-z_]\w*)(?:\[[0-9a-f]+\])?::/.exec(name);
    if (!crate) return 'unnamed code';
    return { alloc: 'alloc (collections, strings, sorting)', core: 'core (generic code)' }[crate[1]] ?? crate[1];
  };
  const byOwner = new Map();
  for (const i of shipped) byOwner.set(owner(i.name), (byOwner.get(owner(i.name)) ?? 0) + i.shallow_size);
  const lines = ['', `Where the lean Wasm's ${KB(total)} are (twiggy top over the lean build, wasm-opt -Oz with names kept; custom sections left out)`, '', '| largest items | bytes | share |', '|---|---|---|'];
  for (const i of shipped.slice(0, 15)) lines.push(`| ${esc(i.name.replace(/::h[0-9a-f]{16}$/, ''))} | ${int(i.shallow_size)} | ${pct(i.shallow_size)} |`);
  lines.push('', '| by owner | bytes | share |', '|---|---|---|');
  for (const [o, b] of [...byOwner].sort((x, y) => y[1] - x[1]).slice(0, 15)) lines.push(`| ${esc(o)} | ${int(b)} | ${pct(b)} |`);
  return lines;
}
