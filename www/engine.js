// Which build of the engine the page runs. scripts/build-web.sh builds the crate twice:
// pkg/ without Avro (the first load) and pkg-avro/ with it (the `avro` feature: schemas,
// Avro encoding, the schema registry). The Avro build is fetched only when a run uses a
// schema, so a page that never does never pays for it. Both builds have the same API.
import * as lean from './pkg/kafkascope.js';

export { needsAvro } from './needs-avro.js';

let leanReady = null;
let avroReady = null;

/**
 * The offline file (dist/kafkascope.html, scripts/offline.mjs) carries both builds' Wasm as
 * base64 in `window.__KAFKASCOPE_OFFLINE__`: a page opened from disk cannot fetch them.
 * Returns what the build's init takes: the bytes there, or nothing (fetch beside the module).
 */
function wasmSource(which) {
  const b64 = globalThis.__KAFKASCOPE_OFFLINE__?.wasm?.[which];
  if (!b64) return undefined;
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return { module_or_path: bytes };
}

/**
 * The engine's module ({Playground, partition_for_key, has_avro, ...}) with its Wasm
 * instantiated: the Avro build when `avro` is true, else the lean one. Each build is
 * loaded once; a failed load is tried again on the next call.
 */
export function loadEngine(avro = false) {
  if (avro) {
    avroReady ??= import('./pkg-avro/kafkascope.js')
      .then(async (m) => {
        await m.default(wasmSource('avro'));
        return m;
      })
      .catch((e) => {
        avroReady = null;
        throw e;
      });
    return avroReady;
  }
  leanReady ??= lean.default(wasmSource('lean')).then(() => lean).catch((e) => {
    leanReady = null;
    throw e;
  });
  return leanReady;
}
