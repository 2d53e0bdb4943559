import { describe, expect, it } from 'vitest';
import { gate, overlapCounter } from '../test/helpers.js';
import { createSessionManager } from './index.js';

describe('per-provider limit', () => {
  it('never runs more than `perProvider` calls of one provider at once', async () => {
    const manager = createSessionManager({ perProvider: 2 });
    const counter = overlapCounter();
    const calls = Array.from({ length: 10 }, () => manager.run(counter.task(5), { provider: 'openai' }));
    expect(manager.metrics().perProvider.openai).toEqual({ inFlight: 2, queued: 8 });
    await Promise.all(calls);
    expect(counter.max).toBe(2);
  });

  it('takes per-provider numbers from a record, with `default` for the others', async () => {
    const manager = createSessionManager({ perProvider: { default: 1, openai: 3 } });
    const openai = overlapCounter();
    const glm = overlapCounter();
    await Promise.all([
      ...Array.from({ length: 9 }, () => manager.run(openai.task(5), { provider: 'openai' })),
      ...Array.from({ length: 4 }, () => manager.run(glm.task(5), { provider: 'glm' })),
    ]);
    expect(openai.max).toBe(3);
    expect(glm.max).toBe(1);
  });

  it('a saturated provider does not hold up another provider (no head-of-line blocking)', async () => {
    const manager = createSessionManager({ global: 4, perProvider: 2 });
    const stuck = gate();
    // Ten slow calls to openai: two run, eight wait — and none of the waiting ones hold a global slot.
    const slow = Array.from({ length: 10 }, () => manager.run(() => stuck.promise, { provider: 'openai' }));
    const started = Date.now();
    const fast = await Promise.all(
      Array.from({ length: 2 }, (_, index) => manager.run(async () => index, { provider: 'glm' })),
    );
    expect(fast).toEqual([0, 1]);
    expect(Date.now() - started).toBeLessThan(1_000); // the openai calls never end on their own
    expect(manager.metrics().perProvider.openai).toEqual({ inFlight: 2, queued: 8 });
    stuck.open();
    await Promise.all(slow);
  });
});
