// Fails when src/api/schema.d.ts is not what `npm run gen:api` makes from ../openapi.yaml now:
// regenerates into a temporary file and compares.
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, defaultOut } from './gen-api.mjs';

// Regenerate into a temporary file and compare it with the committed one.
const dir = await mkdtemp(join(tmpdir(), 'check-api-'));
const tmp = join(dir, 'schema.d.ts');
await writeFile(tmp, await generate());
const fresh = await readFile(tmp, 'utf8');
await rm(dir, { recursive: true, force: true });
let committed = '';
try {
  committed = await readFile(defaultOut, 'utf8');
} catch {
  console.error(`check:api: ${defaultOut} is missing; run \`npm run gen:api\``);
  process.exit(1);
}
if (fresh === committed) {
  console.log('check:api: src/api/schema.d.ts is up to date with ../openapi.yaml');
  process.exit(0);
}
const a = committed.split('\n');
const b = fresh.split('\n');
let line = 0;
while (line < a.length && line < b.length && a[line] === b[line]) line++;
console.error(`check:api: src/api/schema.d.ts is stale (first difference at line ${line + 1}):`);
console.error(`  committed: ${JSON.stringify(a[line] ?? '<end of file>')}`);
console.error(`  generated: ${JSON.stringify(b[line] ?? '<end of file>')}`);
console.error('Run `npm run gen:api` (in frontend/) and commit the result.');
process.exit(1);
