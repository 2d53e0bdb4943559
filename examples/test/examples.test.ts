import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Runs every example against the provider simulator it starts (never the network); the README
// snippets are copied from these files (scripts/sync-snippets.mjs, checked by test/snippets.test.ts).

const sourceDir = join(import.meta.dirname, '..', 'src');
const examples = readdirSync(sourceDir).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));

describe('examples', () => {
  afterEach(() => vi.restoreAllMocks());

  it('there is one per package README', () => {
    expect(examples.length).toBeGreaterThanOrEqual(12);
  });

  it.each(examples)('%s runs against the simulator', async (name) => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const example = (await import(join(sourceDir, name))) as { main: () => Promise<void> };
    await example.main();
  });
});
