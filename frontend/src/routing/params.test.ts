import { describe, expect, it } from 'vitest';
import { parseId, parseLoginSearch, safeRedirect } from './params';

describe('URL parameters', () => {
  it('parseId reads positive integers only', () => {
    expect(parseId('42')).toBe(42);
    for (const v of [undefined, '', '0', '007', '-1', '1.5', 'abc', '1e3', '9'.repeat(19)]) expect(parseId(v)).toBeNull();
  });

  it('a sign-in redirect stays inside /admin', () => {
    expect(safeRedirect('/admin/operations?tab=failed')).toBe('/admin/operations?tab=failed');
    for (const v of ['//evil.example/admin', 'https://evil.example/admin', '/login', 42, undefined]) expect(safeRedirect(v)).toBeUndefined();
    expect(parseLoginSearch({ redirect: '/admin/t/1/drift' })).toEqual({ redirect: '/admin/t/1/drift' });
    expect(parseLoginSearch({ redirect: 'https://evil.example' })).toEqual({});
  });
});
