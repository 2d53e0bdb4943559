import { describe, expect, it } from 'vitest';
import { spawnApp } from './helpers.js';

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
  async function tenureDecisions(nodeArgs: string[]): Promise<number> {
    const app = await spawnApp({
      config: { providers: {} },
      nodeArgs: ['--trace-pretenuring-statistics', ...nodeArgs],
    });
    try {
      // A few hundred calls through the first-run simulator: the request path's allocation sites get feedback.
      for (let index = 0; index < 200; index++) {
        const response = await fetch(`${app.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `hello ${index}` }] }),
        });
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
    } finally {
      app.child.kill('SIGTERM');
      await app.exit;
    }
    return app
      .stdout()
      .split('\n')
      .filter((line) => line.includes('pretenuring:') && line.includes('=> tenure')).length;
  }

  it('is off in a served process, and on where node was given --allocation-site-pretenuring', async () => {
    expect(await tenureDecisions([])).toBe(0);
    expect(await tenureDecisions(['--allocation-site-pretenuring'])).toBeGreaterThan(0);
  }, 90_000);
});
