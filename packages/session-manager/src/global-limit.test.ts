import { describe, expect, it } from 'vitest';
import { overlapCounter } from '../test/helpers.js';
import { createSessionManager } from './index.js';

describe('global limit', () => {
  it('never runs more than `global` calls at once, across providers', async () => {
    const manager = createSessionManager({ global: 3, perProvider: 10 });
    const counter = overlapCounter();
    const providers = ['openai', 'glm', 'kimi', 'minimax'];
    const calls = Array.from({ length: 20 }, (_, index) =>
      manager.run(counter.task(10), { provider: providers[index % 4] }),
    );
    expect(manager.metrics()).toMatchObject({ inFlight: 3, queued: 17 });
    await Promise.all(calls);
    expect(counter.max).toBe(3);
    expect(manager.metrics()).toMatchObject({ inFlight: 0, queued: 0, totals: { completed: 20 } });
  });

  it('applies to calls with no provider too', async () => {
    const manager = createSessionManager({ global: 2 });
    const counter = overlapCounter();
    await Promise.all(Array.from({ length: 8 }, () => manager.run(counter.task(5))));
    expect(counter.max).toBe(2);
  });
});
