import { useSimulator } from '@exai/provider-simulator/test';
import { describe, expect, it } from 'vitest';
import { createSessionManager } from '../src/index.js';
import { chat, maxServerOverlap, userText } from './simulator-helpers.js';

describe('per-conversation order against the provider simulator', () => {
  const simulator = useSimulator();

  it('calls of one conversation reach the simulator in submission order, one at a time', async () => {
    const manager = createSessionManager({ perProvider: 8, defaultTimeoutMs: 10_000 });
    const calls: Array<Promise<unknown>> = [];
    for (let turn = 0; turn < 8; turn++) {
      for (const conversation of ['a', 'b', 'c']) {
        // Uneven latencies: a later call would overtake an earlier one if order were not kept.
        const scenario = `latency?ms=${((turn * 13) % 5) * 6 + 5}`;
        calls.push(
          manager.run(({ signal }) => chat(simulator, { signal, scenario, content: `${conversation}:${turn}` }), {
            provider: 'openai',
            conversationId: conversation,
          }),
        );
      }
    }
    await Promise.all(calls);
    const attempts = await simulator.sim.attempts();
    expect(attempts).toHaveLength(24);
    for (const conversation of ['a', 'b', 'c']) {
      const mine = attempts.filter((attempt) => userText(attempt)?.startsWith(`${conversation}:`));
      expect(mine.map(userText)).toEqual([...Array(8).keys()].map((turn) => `${conversation}:${turn}`));
      expect(maxServerOverlap(mine)).toBe(1);
    }
    // The three conversations did run side by side.
    expect(maxServerOverlap(attempts)).toBeGreaterThan(1);
  });
});
