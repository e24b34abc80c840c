// The link codec in a dedicated Worker (www/link-codec.js starts it): a long run's link is
// megabytes of JSON to write, deflate and base64 (or to read back), work that would
// otherwise hold the page's main thread for a long task after every move.
import { encodeRun, decodeRun, inParts, LinkError } from './link.js';

self.onmessage = async ({ data: { id, op, arg } }) => {
  try {
    const value = op === 'encode' ? await encodeRun(arg) : inParts(await decodeRun(arg));
    self.postMessage({ id, value });
  } catch (e) {
    self.postMessage({ id, error: e instanceof LinkError ? { key: e.key, fields: e.fields } : { message: String(e?.message ?? e) } });
  }
};
