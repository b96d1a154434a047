// Run type labels are the server's: every run carries its `type_label` ("Unknown operation" for a
// type the registry does not know) and GET /api/v1/operation-types lists the label of each type.
// No application file may derive a label itself, and run type keys are spelled in one place only
// (src/api/operationTypes.ts), for links to a filtered run list.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BACKUP_SCHEDULE_RUN_TYPE } from './api/operationTypes';
import { stripComments } from './test/colourMappings';

const SRC = dirname(fileURLToPath(import.meta.url));
const KEYS_MODULE = 'api/operationTypes.ts';

// The server registry's type keys.
const TYPE_KEYS = [
  'inventory_sync',
  'entra_group_sync',
  'drift_generate_findings',
  'backup_schedule_run',
  'backup_schedule_retention',
  'backup_schedule_purge',
];
const TYPE_KEY_LITERAL = new RegExp(`(['"\`])(?:${TYPE_KEYS.join('|')})\\1`);
const UNKNOWN_LABEL = /Unknown operation/;
const LABEL_BY_KNOWN_TYPE = /known_type\s*\?/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) && !p.includes(join('src', 'test')) ? [p] : [];
  });
}

function violations(src: string, rel: string): string[] {
  const hits: string[] = [];
  stripComments(src)
    .split('\n')
    .forEach((line, i) => {
      const at = `src/${rel}:${i + 1}: ${line.trim()}`;
      if (UNKNOWN_LABEL.test(line)) hits.push(`${at} (the server labels unknown types)`);
      if (LABEL_BY_KNOWN_TYPE.test(line)) hits.push(`${at} (show run.type_label)`);
      if (rel !== KEYS_MODULE && TYPE_KEY_LITERAL.test(line)) hits.push(`${at} (type keys live in src/${KEYS_MODULE})`);
    });
  return hits;
}

describe('run type guard rule', () => {
  it.each([
    ["{run.known_type ? run.type_label : 'Unknown operation'}"],
    ["const label = r.known_type ? r.type_label : humanizeKey(r.type);"],
    ["if (run.type === 'backup_schedule_run') showSets();"],
    ['const LABELS = { inventory_sync: "Inventory sync", "entra_group_sync": "Entra group sync" };'],
  ])('flags %s', (src) => {
    expect(violations(src, 'pages/x.tsx').length).toBeGreaterThan(0);
  });

  it.each([
    ['{run.type_label}'],
    ['{!run.known_type && <code>{run.type}</code>}'],
    ['const last = k?.last_inventory_sync ?? null;'],
    ["// backup_schedule_run runs are listed by backup_schedule_id\nconst x = 1;"],
  ])('does not flag %s', (src) => {
    expect(violations(src, 'pages/x.tsx')).toEqual([]);
  });

  it('the keys module spells the keys the SPA links to', () => {
    expect(TYPE_KEYS).toContain(BACKUP_SCHEDULE_RUN_TYPE);
    expect(violations(readFileSync(join(SRC, KEYS_MODULE), 'utf8'), KEYS_MODULE)).toEqual([]);
  });
});

describe('run type guard', () => {
  it('no application file derives a run type label or spells a type key outside src/api/operationTypes.ts', () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(20);
    const hits: string[] = [];
    for (const f of files) {
      const rel = relative(SRC, f).split('\\').join('/');
      if (rel === 'api/schema.d.ts') continue; // the contract describes the labels
      hits.push(...violations(readFileSync(f, 'utf8'), rel));
    }
    expect(hits, hits.join('\n')).toEqual([]);
  });
});
