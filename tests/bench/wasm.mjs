// The engine's figures in its Wasm build (dist/pkg, as the page loads it), under node:
// the throughput workload of benches/engine.rs driven through the Playground API
// (commands as JSON, run_for, poll), and the memory after a 100 000-event run.
// Run alone: node tests/bench/wasm.mjs [--records N] [--runs N]; prints JSON.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PKG = path.join(ROOT, 'dist/pkg');

// Kept in step with benches/engine.rs.
const BURST = 1000;
const TICK_MS = 10;
const TOPIC = 'bench';
const CONFIG = '{"seed":1,"clusters":[{"name":"kafka","chroot":"","brokers":[1,2,3],"config":{"min.insync.replicas":2,"offsets.topic.num.partitions":3}}]}';
const SETUP = [
  '{"cmd":"create_topic","topic":"bench","partitions":3,"replication_factor":3}',
  '{"cmd":"add_producer","name":"p1","config":{"acks":"all","batch.size":16384,"linger.ms":5}}',
  '{"cmd":"start_consumer","name":"c1","group":"g1","topics":["bench"],"config":{"auto.offset.reset":"earliest","max.poll.records":5000}}',
];
const POLL = '{"cmd":"poll","consumer":"c1"}';
const MEMORY_EVENTS = 100_000;

function produceJson(n) {
  let v = `v${n}-`;
  v += 'x'.repeat(Math.max(0, 100 - v.length));
  return `{"cmd":"produce","producer":"p1","topic":"${TOPIC}","value":"${v}"}`;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

let mod;
let wasm;
async function load() {
  if (mod) return;
  mod = await import(path.join(PKG, 'kafkascope.js'));
  wasm = mod.initSync({ module: fs.readFileSync(path.join(PKG, 'kafkascope_bg.wasm')) });
}

function setup() {
  const pg = new mod.Playground(CONFIG);
  pg.run_for(100);
  for (const c of SETUP) pg.apply(c);
  pg.run_for(5000);
  return pg;
}

function consumed(pg) {
  const v = pg.view();
  let n = 0;
  for (const c of v.consumers) for (const p of c.partitions) if (p.topic === TOPIC) n += p.position ?? 0;
  return n;
}

/** As `workload` in benches/engine.rs. */
function workload(pg, n, stopAtEvents) {
  const commands = stopAtEvents === undefined ? Array.from({ length: n }, (_, i) => produceJson(i)) : [];
  const t0 = performance.now();
  const done = (len) => stopAtEvents !== undefined && len >= stopAtEvents;
  let len = pg.trace_len();
  run: {
    for (let start = 0; start < n; start += BURST) {
      const end = Math.min(n, start + BURST);
      for (let i = start; i < end; i++) pg.apply(commands[i] ?? produceJson(i));
      pg.run_for(TICK_MS);
      pg.apply(POLL);
      len = pg.trace_len();
      if (done(len)) break run;
    }
    // Only the tail checks for the end, through view() (native reads the positions directly).
    let ticks = 0;
    while (consumed(pg) < n) {
      pg.run_for(TICK_MS);
      pg.apply(POLL);
      len = pg.trace_len();
      if (done(len)) break;
      if (++ticks > 100_000) throw new Error('the consumer never caught up');
    }
  }
  return { secs: (performance.now() - t0) / 1000, traceLen: pg.trace_len() };
}

/** Memory first, on a fresh instance: the module's memory only grows, so this is its high-water mark. */
export async function wasmMemory() {
  await load();
  const before = wasm.memory.buffer.byteLength;
  const pg = setup();
  const o = workload(pg, 10 * MEMORY_EVENTS, MEMORY_EVENTS);
  const after = wasm.memory.buffer.byteLength;
  pg.free();
  return { events: o.traceLen, memory_bytes_before: before, memory_bytes: after };
}

export async function wasmThroughput({ records = 100_000, runs = 7, log = () => {} } = {}) {
  await load();
  const rates = [];
  let traceLen = 0;
  for (let i = 0; i < runs; i++) {
    const pg = setup();
    const o = workload(pg, records);
    const got = consumed(pg);
    if (got !== records) throw new Error(`consumed ${got} of ${records}`);
    const rate = records / o.secs;
    log(`  wasm throughput run ${i + 1}: ${records} records in ${o.secs.toFixed(3)} s wall (${Math.round(rate)} records/s; ${o.traceLen} trace events)`);
    rates.push(rate);
    traceLen = o.traceLen;
    pg.free();
  }
  return { records, runs, median_records_per_s: median(rates), rates, trace_len: traceLen, memory_bytes_end: wasm.memory.buffer.byteLength };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, d) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : d;
  };
  const log = (s) => console.error(s);
  const memory = await wasmMemory();
  log(`  wasm memory: ${memory.events} events, WebAssembly.Memory ${memory.memory_bytes} B`);
  const throughput = await wasmThroughput({ records: arg('--records', 100_000), runs: arg('--runs', 7), log });
  console.log(JSON.stringify({ memory, throughput }));
}
