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
