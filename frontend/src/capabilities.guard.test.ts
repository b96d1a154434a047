// Capabilities, never role strings, decide what the UI enables: no application file may compare a
// role or spell a role name (owner, manager, operator, readonly) as a string.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stripComments } from './test/colourMappings';

const SRC = dirname(fileURLToPath(import.meta.url));
const ROLE_LITERAL = /(['"`])(owner|manager|operator|readonly)\1/;
const ROLE_COMPARE = /\.role\s*(===|!==|==|!=)|(===|!==|==|!=)\s*[\w.?]*\.role\b/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) && !p.includes(`${join('src', 'test')}`) ? [p] : [];
  });
}

describe('capability guard', () => {
  it('detects a role check', () => {
    expect(ROLE_LITERAL.test("if (tenant.role === 'owner') enable();")).toBe(true);
    expect(ROLE_COMPARE.test('if (t.role !== x) return;')).toBe(true);
    expect(ROLE_COMPARE.test("me.can(tenantId, 'tenant.inventory.sync')")).toBe(false);
  });

  it('no application file decides by role', () => {
    const hits: string[] = [];
    for (const f of sources(SRC)) {
      const rel = relative(SRC, f).split('\\').join('/');
      if (rel === 'api/schema.d.ts') continue; // the contract lists the roles
      stripComments(readFileSync(f, 'utf8'))
        .split('\n')
        .forEach((line, i) => {
          if (ROLE_LITERAL.test(line) || ROLE_COMPARE.test(line)) hits.push(`src/${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(hits, hits.join('\n')).toEqual([]);
  });
});
