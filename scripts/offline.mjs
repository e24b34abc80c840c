// Writes dist/kafkascope.html: the whole playground in one file that works when opened
// from disk (file://) with no network, for a teacher to upload to a learning system or a
// shared drive. A page opened from disk can neither import modules nor fetch files, so:
// esbuild bundles the page's modules (dynamic imports included) into one inline module;
// the stylesheet goes inline; both engine builds' Wasm and every lesson file go into
// `window.__KAFKASCOPE_OFFLINE__`, which www/engine.js and www/lessons.js read first.
// Usage: node scripts/offline.mjs [DIST]   (run by scripts/build-web.sh after the site)
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const dist = path.resolve(process.argv[2] ?? 'dist');
const read = (rel) => fs.readFileSync(path.join(dist, rel));

const bundle = await build({
  entryPoints: [path.join(dist, 'app.js')],
  bundle: true,
  format: 'esm',
  splitting: false,
  minify: true,
  target: 'es2022',
  write: false,
  logLevel: 'warning',
});
const js = bundle.outputFiles[0].text;

const scenarios = {};
for (const f of fs.readdirSync(path.join(dist, 'scenarios')).filter((x) => x.endsWith('.json')).sort()) {
  scenarios[f] = JSON.parse(read(path.join('scenarios', f)).toString('utf8'));
}
const offline = {
  wasm: { lean: read('pkg/kafkascope_bg.wasm').toString('base64'), avro: read('pkg-avro/kafkascope_bg.wasm').toString('base64') },
  scenarios,
};

/** Text safe inside a <script> or <style> element. */
const inert = (s) => s.replace(/<\/(script|style)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');

let html = read('index.html').toString('utf8');
const before = html;
html = html
  .replace(/<link rel="(modulepreload|preload)"[^>]*>\n?/g, '')
  .replace('<link rel="stylesheet" href="style.css">', () => `<style>\n${inert(read('style.css').toString('utf8'))}\n</style>`)
  .replace('<script type="module" src="app.js"></script>', () => `<script>window.__KAFKASCOPE_OFFLINE__ = ${inert(JSON.stringify(offline))};</script>\n<script type="module">\n${inert(js)}\n</script>`);
if (html === before || /src="app\.js"|href="style\.css"/.test(html)) {
  console.error('offline: dist/index.html no longer has the stylesheet link or the app.js script this script replaces');
  process.exit(1);
}
const out = path.join(dist, 'kafkascope.html');
fs.writeFileSync(out, html);
console.log(`offline: ${path.relative(process.cwd(), out)} (${(fs.statSync(out).size / 1048576).toFixed(1)} MB, lessons and both engine builds inside)`);
