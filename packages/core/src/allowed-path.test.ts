import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPathInside, resolveAllowedPath, resolveAllowedRoots } from './allowed-path.js';

describe('resolveAllowedPath', () => {
  const base = mkdtempSync(join(tmpdir(), 'exai-allowed-'));
  const root = join(base, 'root');
  mkdirSync(root);
  writeFileSync(join(root, 'inside.txt'), 'in');
  writeFileSync(join(base, 'outside.txt'), 'out');
  symlinkSync(join(base, 'outside.txt'), join(root, 'escape.txt'));

  it('allows a file under a root, relative or absolute', async () => {
    const roots = await resolveAllowedRoots([root]);
    expect(await resolveAllowedPath('inside.txt', roots)).toMatchObject({ ok: true });
    expect(await resolveAllowedPath(join(root, 'inside.txt'), roots)).toMatchObject({ ok: true });
  });

  it('refuses a path outside as written, a symlink out, and names a missing file', async () => {
    const roots = await resolveAllowedRoots([root]);
    expect(await resolveAllowedPath('../outside.txt', roots)).toEqual({ ok: false, reason: 'outside_roots' });
    expect(await resolveAllowedPath('escape.txt', roots)).toEqual({ ok: false, reason: 'outside_roots' });
    expect(await resolveAllowedPath('missing.txt', roots)).toEqual({ ok: false, reason: 'not_found' });
  });

  it('compares whole path segments', () => {
    expect(isPathInside('/a/b', '/a')).toBe(true);
    expect(isPathInside('/a', '/a')).toBe(true);
    expect(isPathInside('/ab', '/a')).toBe(false);
    expect(isPathInside('/a/../b', '/a')).toBe(false);
  });
});
