import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, spawnApp } from './helpers.js';

/**
 * EXAI_HEAP_GROWTH_PERCENT (issue 15, memory): exai-http sets V8's heap growing factor at start; a value it
 * cannot use is refused at start with the variable named, never ignored.
 */
describe('EXAI_HEAP_GROWTH_PERCENT', () => {
  const config = { providers: {} };

  it('refuses a value outside 0..1000 at start, naming the variable', async () => {
    await expect(spawnApp({ config, env: { EXAI_HEAP_GROWTH_PERCENT: '-5' } })).rejects.toThrow(
      /exited with 2[\s\S]*EXAI_HEAP_GROWTH_PERCENT/,
    );
    await expect(spawnApp({ config, env: { EXAI_HEAP_GROWTH_PERCENT: 'lots' } })).rejects.toThrow(
      /EXAI_HEAP_GROWTH_PERCENT/,
    );
  });

  it('starts and serves with a value, and with 0 (V8 decides)', async () => {
    for (const value of ['20', '0']) {
      const app = await spawnApp({ config, env: { EXAI_HEAP_GROWTH_PERCENT: value } });
      try {
        const response = await fetch(`${app.url}/healthz`);
        expect(response.status).toBe(200);
      } finally {
        app.child.kill('SIGTERM');
        await app.exit;
      }
    }
  });
});

/**
 * Allocation-site pretenuring (decision 0034, addendum): exai-http turns it off at start, unless node was given
 * the flag. V8's `--trace-pretenuring-statistics` prints a `=> tenure` line for every site it pretenures, so a
 * served process shows none, and one started with `--allocation-site-pretenuring` shows them.
 */
describe('V8 allocation-site pretenuring', () => {
  async function tenureDecisions(nodeFlags: string[]): Promise<number> {
    const dir = mkdtempSync(join(tmpdir(), 'exai-http-pretenure-'));
    const file = join(dir, 'gateway.json');
    writeFileSync(file, JSON.stringify({ providers: {} }));
    const child = spawn(
      process.execPath,
      ['--trace-pretenuring-statistics', ...nodeFlags, CLI, '--port', '0', '--config', file],
      {
        env: { PATH: process.env.PATH ?? '', EXAI_DATA_DIR: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (data) => {
      stdout += String(data);
    });
    const exit = once(child, 'exit');
    try {
      const deadline = Date.now() + 30_000;
      const listening = () => /^http:\/\/127\.0\.0\.1:\d+$/m.exec(stdout)?.[0];
      while (!listening() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const url = listening();
      expect(url, stdout.slice(-500)).toBeDefined();
      // A few hundred calls through the first-run simulator: the request path's allocation sites get feedback.
      for (let index = 0; index < 200; index++) {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `hello ${index}` }] }),
        });
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
    } finally {
      child.kill('SIGTERM');
      await exit;
    }
    return stdout.split('\n').filter((line) => line.includes('pretenuring:') && line.includes('=> tenure')).length;
  }

  it('is off in a served process, and on where node was given --allocation-site-pretenuring', async () => {
    expect(await tenureDecisions([])).toBe(0);
    expect(await tenureDecisions(['--allocation-site-pretenuring'])).toBeGreaterThan(0);
  }, 90_000);
});
