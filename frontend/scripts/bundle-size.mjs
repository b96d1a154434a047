// Prints the gzip size of the JavaScript the initial route needs — the entry chunk, its static
// imports, and the chunk of the default page (/admin/operations) with its static imports — and
// fails when it is over the budget (250 KB gzip). Reads Vite's manifest (dist/.vite/manifest.json).
//
//   node scripts/bundle-size.mjs [--json]
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET = 250 * 1024;
const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'));

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry);
const pageKey = Object.keys(manifest).find((k) => k.endsWith('pages/operations/OperationsPage.tsx'));
if (!entryKey || !pageKey) {
  console.error('bundle-size: entry or operations page chunk not found in the manifest');
  process.exit(1);
}

const files = new Set();
const walk = (key) => {
  const c = manifest[key];
  if (!c || files.has(c.file)) return;
  files.add(c.file);
  for (const imp of c.imports ?? []) walk(imp);
};
walk(entryKey);
walk(pageKey);

let raw = 0;
let gz = 0;
const rows = [];
for (const f of files) {
  const buf = readFileSync(join(dist, f));
  const g = gzipSync(buf, { level: 9 }).length;
  raw += buf.length;
  gz += g;
  rows.push({ file: f, bytes: buf.length, gzip: g });
}
let allJs = 0;
for (const c of Object.values(manifest)) {
  if (c.file.endsWith('.js')) allJs += gzipSync(readFileSync(join(dist, c.file)), { level: 9 }).length;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const result = { initialRouteJsGzip: gz, initialRouteJsRaw: raw, allJsGzip: allJs, budget: BUDGET, files: rows };
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(result));
} else {
  for (const r of rows) console.log(`  ${r.file.padEnd(48)} ${kb(r.bytes).padStart(10)}  gzip ${kb(r.gzip).padStart(9)}`);
  console.log(`initial route JS (/admin/operations): ${kb(gz)} gzip (${kb(raw)} raw), budget ${kb(BUDGET)}; all JS ${kb(allJs)} gzip`);
}
if (gz > BUDGET) {
  console.error(`bundle-size: the initial route's JS is ${kb(gz)} gzip, over the ${kb(BUDGET)} budget`);
  process.exit(1);
}
