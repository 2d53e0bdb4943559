import { GatewayError } from '@exai/core';
import { useSimulator } from '@exai/provider-simulator/test';
import { describe, expect, it } from 'vitest';
import { createSessionManager } from '../src/index.js';
import { chat } from './simulator-helpers.js';

describe('queue_full against the provider simulator', () => {
  const simulator = useSimulator();

  it('past the queue bound a call fails at once and never reaches the provider', async () => {
    const manager = createSessionManager({ perProvider: 2, maxQueue: 3, defaultTimeoutMs: 10_000 });
    const accepted = Array.from({ length: 5 }, (_, index) =>
      manager.run(
        ({ signal }) => chat(simulator, { signal, scenario: 'latency?ms=200', content: `accepted ${index}` }),
        { provider: 'openai' },
      ),
    );
    const started = performance.now();
    const error = await manager
      .run(({ signal }) => chat(simulator, { signal, content: 'one too many' }), { provider: 'openai' })
      .catch((caught: unknown) => caught);
    const elapsed = performance.now() - started;
    expect(GatewayError.isInstance(error) && error.code).toBe('queue_full');
    expect((error as GatewayError).provider).toBe('openai');
    expect(elapsed).toBeLessThan(150); // queued, it would wait for the 200 ms calls
    await Promise.all(accepted);
    const attempts = await simulator.sim.attempts();
    expect(attempts).toHaveLength(5);
    expect(attempts.some((attempt) => JSON.stringify(attempt.body).includes('one too many'))).toBe(false);
  });
});
