import { type Simulator, startSimulator } from '@exai/provider-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerRegistry, type RetryInfo, retry } from '../src/index.js';
import { chat, chatAttempts } from './simulator-client.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(() => sim.close());

describe('retry() against the provider simulator', () => {
  it('honours Retry-After: 2 from a 429', async () => {
    const model = 'gpt-limited';
    const registry = createBreakerRegistry();
    const breaker = registry.get(`openai/${model}`);
    sim.script(model, 'http-429?retry_after=2');
    const retries: RetryInfo[] = [];
    const answer = await retry((_attempt, signal) => breaker.execute(() => chat(sim, model, signal)), {
      baseDelayMs: 10,
      onRetry: (info) => {
        retries.push(info);
        sim.script(model, null); // only the first attempt is limited
      },
    });
    await registry.close();

    expect(answer).toContain('Simulated answer');
    expect(retries).toHaveLength(1);
    expect(retries[0]?.error).toMatchObject({ code: 'rate_limited', retryAfterMs: 2000 });
    const times = (await chatAttempts(sim, model)).map((attempt) => Date.parse(attempt.time));
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1_800);
    for (let index = 1; index < times.length; index++)
      expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(1_500);
  });
});
