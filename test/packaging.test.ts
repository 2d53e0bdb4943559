import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every publishable package is packed as npm would publish it, installed into an empty
// directory and imported by name: the interfaces are checked against the built output.

const root = join(import.meta.dirname, '..');
const packageDirs = ['packages', 'apps']
  .flatMap((folder) => {
    try {
      return readdirSync(join(root, folder)).map((name) => join(root, folder, name));
    } catch {
      return [];
    }
  })
  .filter((dir) => {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      return !manifest.private;
    } catch {
      return false;
    }
  });

const pnpm = (args: string[], cwd: string) => {
  const execPath = process.env.npm_execpath;
  return execPath && /pnpm/.test(execPath)
    ? execFileSync(process.execPath, [execPath, ...args], { cwd, encoding: 'utf8' })
    : execFileSync('pnpm', args, { cwd, encoding: 'utf8' });
};

describe('published packages', () => {
  const out = mkdtempSync(join(tmpdir(), 'exai-pack-'));
  const tarballs = new Map<string, string>();

  it('pack to dist, README, LICENSE and package.json only', () => {
    expect(packageDirs.length).toBeGreaterThan(0);
    for (const dir of packageDirs) {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const before = new Set(readdirSync(out));
      pnpm(['pack', '--pack-destination', out], dir);
      const tarball = readdirSync(out).find((name) => !before.has(name) && name.endsWith('.tgz'));
      expect(tarball, `${manifest.name} produced a tarball`).toBeDefined();
      tarballs.set(manifest.name, join(out, tarball!));
      const files = execFileSync('tar', ['-tzf', join(out, tarball!)], { encoding: 'utf8' })
        .trim()
        .split('\n');
      const unexpected = files.filter((file) => !/^package\/(dist\/.+|README\.md|LICENSE|package\.json)$/.test(file));
      expect(unexpected, `${manifest.name} packs only dist, README, LICENSE, package.json`).toEqual([]);
      expect(files).toContain('package/dist/index.js');
      expect(files).toContain('package/dist/index.d.ts');
      expect(files).toContain('package/README.md');
      const packed = JSON.parse(
        execFileSync('tar', ['-xOzf', join(out, tarball!), 'package/package.json'], { encoding: 'utf8' }),
      );
      expect(JSON.stringify(packed.dependencies ?? {}), 'no workspace: ranges leak into the tarball').not.toContain(
        'workspace:',
      );
      expect(packed.engines?.node).toBe('>=20');
    }
  }, 120_000);

  it('install into an empty directory and import by name', () => {
    const project = join(out, 'consumer');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs.values()],
      {
        cwd: project,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    for (const name of tarballs.keys()) {
      const output = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(name)}); console.log(Object.keys(m).length);`,
        ],
        { cwd: project, encoding: 'utf8' },
      );
      expect(Number(output.trim()), `${name} exports something`).toBeGreaterThan(0);
    }
  }, 300_000);
});
