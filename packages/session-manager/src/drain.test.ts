import { describe, expect, it } from 'vitest';
import { gate, sleep } from '../test/helpers.js';
import { createSessionManager } from './index.js';

describe('drain', () => {
  it('stops accepting calls and resolves true once running and queued calls have finished', async () => {
    const manager = createSessionManager({ global: 1 });
    const results: string[] = [];
    const first = manager.run(() => sleep(30).then(() => void results.push('first')));
    const second = manager.run(async () => void results.push('second'));
    const drained = manager.drain(1000);
    const late = await manager.runSettled(async () => void results.push('late'));
    expect(late).toMatchObject({
      ok: false,
      error: { code: 'queue_full', message: expect.stringContaining('draining') },
    });
    expect(await drained).toBe(true);
    await Promise.all([first, second]);
    expect(results).toEqual(['first', 'second']);
    expect(manager.metrics().draining).toBe(true);
  });

  it('resolves false at the timeout when calls are still running', async () => {
    const manager = createSessionManager();
    const stuck = gate();
    const call = manager.run(() => stuck.promise);
    const started = Date.now();
    expect(await manager.drain(40)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    stuck.open();
    await call;
    expect(await manager.drain(40)).toBe(true);
  });

  it('resolves true at once when idle', async () => {
    const manager = createSessionManager();
    await expect(manager.drain(10_000)).resolves.toBe(true);
  });
});
