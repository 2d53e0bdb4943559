import { useSimulator } from '@exai/provider-simulator/test';
import { describe, expect, it } from 'vitest';
import { createSessionManager } from '../src/index.js';
import { chat, maxServerOverlap } from './simulator-helpers.js';

describe('provider limit against the provider simulator', () => {
  const simulator = useSimulator();

  it('fifty calls with a provider limit of 4 never have more than 4 in flight at the simulator', async () => {
    const manager = createSessionManager({ perProvider: { default: 16, openai: 4 }, defaultTimeoutMs: 10_000 });
    let inFlight = 0;
    let maxInFlight = 0;
    const calls = Array.from({ length: 50 }, (_, index) =>
      manager.run(
        async ({ signal }) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          try {
            return await chat(simulator, { signal, scenario: 'latency?ms=40', content: `call ${index}` });
          } finally {
            inFlight--;
          }
        },
        { provider: 'openai' },
      ),
    );
    expect(manager.metrics().perProvider.openai).toEqual({ inFlight: 4, queued: 46 });
    const answers = await Promise.all(calls);
    expect(answers).toHaveLength(50);
    expect(maxInFlight).toBe(4);
    const attempts = await simulator.sim.attempts();
    expect(attempts.filter((attempt) => attempt.scenario?.startsWith('latency'))).toHaveLength(50);
    expect(attempts.every((attempt) => attempt.status === 200 && !attempt.clientHungUp)).toBe(true);
    // Four at once, never five: the limit is reached and held.
    expect(maxServerOverlap(attempts)).toBe(4);
  });
});
