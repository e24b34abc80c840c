// Bundles the served page's modules (dist/app.js and all it imports) into one minified
// dist/app.js, with a chunk for each module imported only when needed (the Korean locale,
// the zip library): some forty module requests become one, and the JavaScript shrinks.
// The engine's glue (pkg/, pkg-avro/) stays apart, as its Wasm is found beside it. The
// separate modules stay in dist/ too: the link worker imports them, and so do the tests.
// index.html keeps the preload hints only for what the page now fetches at first.
// Usage: node scripts/bundle.mjs [DIST]   (run by scripts/build-web.sh)
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const dist = path.resolve(process.argv[2] ?? 'dist');
const result = await build({
  entryPoints: [path.join(dist, 'app.js')],
  bundle: true,
  format: 'esm',
  splitting: true,
  minify: true,
  target: 'es2022',
  outdir: dist,
  chunkNames: 'chunk-[name]-[hash]',
  external: ['./pkg/kafkascope.js', './pkg-avro/kafkascope.js'],
  allowOverwrite: true,
  write: false,
  logLevel: 'warning',
});
// Read everything first, then write: app.js is both the entry and the output.
for (const f of result.outputFiles) fs.writeFileSync(f.path, f.contents);

const KEEP = new Set(['app.js', 'pkg/kafkascope.js']);
const index = path.join(dist, 'index.html');
const html = fs.readFileSync(index, 'utf8');
const lean = html.replace(/<link rel="modulepreload" href="([^"]+)">\n/g, (line, href) => (KEEP.has(href) ? line : ''));
if (lean === html) {
  console.error('bundle: dist/index.html has no module preload hints left to trim');
  process.exit(1);
}
fs.writeFileSync(index, lean);
const out = result.outputFiles.map((f) => `${path.relative(dist, f.path)} ${(f.contents.length / 1024).toFixed(1)} KB`);
console.log(`bundle: ${out.join(', ')}`);
