// Where the page writes and reads links: in a dedicated Worker (www/link-worker.js), so that
// a long run's link never holds the main thread; on the main thread where a Worker cannot
// start (the one-file offline page opened from disk) or has failed. The same functions
// (www/link.js) run either way, so a link is the same wherever it was made.
import { encodeRun, decodeRun, inParts, LinkError } from './link.js';

const LOCAL = { encode: encodeRun, decode: async (text) => inParts(await decodeRun(text)) };
let worker = null;
let failed = !!globalThis.__KAFKASCOPE_OFFLINE__;
let nextId = 0;
const waiting = new Map();

function start() {
  if (failed) return null;
  if (worker) return worker;
  try {
    worker = new Worker(new URL('./link-worker.js', import.meta.url), { type: 'module' });
  } catch {
    failed = true;
    return null;
  }
  worker.onmessage = ({ data }) => {
    const w = waiting.get(data.id);
    if (!w) return;
    waiting.delete(data.id);
    if (!data.error) w.resolve(data.value);
    else if (data.error.key) w.reject(new LinkError(data.error.key, data.error.fields));
    else w.reject(new Error(data.error.message));
  };
  // A worker that cannot load: what it was asked is done here, and so is everything after.
  worker.onerror = (e) => {
    e.preventDefault?.();
    failed = true;
    worker = null;
    for (const w of waiting.values()) w.local();
    waiting.clear();
  };
  return worker;
}

function call(op, arg) {
  const w = start();
  if (!w) return LOCAL[op](arg);
  return new Promise((resolve, reject) => {
    const id = ++nextId;
    waiting.set(id, { resolve, reject, local: () => LOCAL[op](arg).then(resolve, reject) });
    w.postMessage({ id, op, arg });
  });
}

/** `encodeRun` (www/link.js), off the main thread. */
export const encodeLink = (run) => call('encode', run);
/** `decodeRun` (www/link.js) off the main thread, the log in parts (`inParts`); rejects with the same LinkError. */
export const decodeLink = (text) => call('decode', text);
