// Every badge comes from the one catalogue (src/badges.ts): no other file may map a status,
// outcome or severity to a colour. The rule is in test/colourMappings.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findColourMappings } from './test/colourMappings';

const SRC = dirname(fileURLToPath(import.meta.url));

// The catalogue itself, its own test, this guard and its rule (which spell mappings on purpose),
// and the generated contract.
const ALLOWED = new Set([
  'badges.ts',
  'badges.test.ts',
  'badges.guard.test.ts',
  'test/colourMappings.ts',
  'api/schema.d.ts',
]);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|tsx)$/.test(name)) out.push(p);
  }
  return out;
}

describe('badge guard rule', () => {
  it.each([
    ["const tone = { failed: 'danger', succeeded: 'success' };"],
    ["switch (outcome) {\n  case 'failed':\n    return 'red';\n}"],
    ["const c = outcome === 'failed' ? 'danger' : 'gray';"],
    ['<span className={status === "running" ? "badge badge--info" : "badge"} />'],
    ["const sev = { high: { colour: '#dc2626' } };"],
    ["if (run.outcome === 'partially_succeeded') cls = 'text-amber-700';"],
    ["const map = {\n  queued: 'bg-yellow-100',\n};"],
  ])('flags a mapping: %s', (src) => {
    expect(findColourMappings(src).length).toBeGreaterThan(0);
  });

  it.each([
    ['<Badge kind="outcome" value={run.outcome} />'],
    ["{RUN_OUTCOMES.map((o) => <option key={o}>{badgeFor('outcome', o).label}</option>)}"],
    ["const TABS = { all: 'All', active: 'Active', failed: 'Failed', partial: 'Partial' };"],
    ["refetchInterval: run.status !== 'completed' ? 1500 : false,"],
    ["// failed runs are shown in red by the catalogue\nconst x = 1;"],
    ["toasts.show({ title: `${label} queued — running in the background`, kind: 'info' });"],
    ["const b = badgeFor('severity', finding.severity);\nreturn <span className={`badge tone-${b.tone}`}>{b.label}</span>;"],
  ])('does not flag a consumer: %s', (src) => {
    expect(findColourMappings(src)).toEqual([]);
  });

  it('finds the catalogue itself (so the scan cannot pass vacuously)', () => {
    const catalogue = readFileSync(join(SRC, 'badges.ts'), 'utf8');
    expect(findColourMappings(catalogue).length).toBeGreaterThanOrEqual(10);
  });
});

describe('badge guard', () => {
  it('no file besides src/badges.ts maps a status, outcome or severity to a colour', () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(20);
    const hits: string[] = [];
    for (const f of files) {
      const rel = relative(SRC, f).split('\\').join('/');
      if (ALLOWED.has(rel)) continue;
      for (const h of findColourMappings(readFileSync(f, 'utf8'))) hits.push(`src/${rel}:${h.line}: ${h.text}`);
    }
    expect(hits, `map colours in src/badges.ts and render <Badge>:\n${hits.join('\n')}`).toEqual([]);
  });
});
