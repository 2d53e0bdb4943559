import { type Simulator, startSimulator } from '@exai/provider-simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BreakerRegistry } from '../src/index.js';
import { isCircuitOpen, registriesPerTest, rejection, sleep } from './helpers.js';
import { chat, chatAttempts } from './simulator-client.js';

const options = { rollingWindowMs: 5_000, volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: 300 };
let sim: Simulator;
const newRegistry = registriesPerTest();
let registry: BreakerRegistry;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(() => sim.close());
afterEach(() => sim.reset());

describe('breaker against the provider simulator', () => {
  it('opens on persistent 503s, fails fast without reaching the simulator, probes once, and closes on recovery', async () => {
    registry = newRegistry({ defaults: options });
    const model = 'gpt-down';
    const breaker = registry.get(`openai/${model}`);
    sim.script(model, 'http-503');

    for (let call = 0; call < options.volumeThreshold; call++) {
      expect(await rejection(breaker.execute(() => chat(sim, model)))).toMatchObject({
        code: 'overloaded',
        statusCode: 503,
      });
    }
    expect(breaker.state).toBe('open');
    expect(await chatAttempts(sim, model)).toHaveLength(5);

    for (let call = 0; call < 5; call++) {
      const refused = await rejection(breaker.execute(() => chat(sim, model)));
      expect(isCircuitOpen(refused)).toBe(true);
    }
    expect(await chatAttempts(sim, model)).toHaveLength(5); // nothing reached the simulator

    // Still down: five concurrent callers, one probe reaches it, the breaker opens again.
    await sleep(options.resetTimeoutMs + 50);
    let results = await Promise.allSettled(Array.from({ length: 5 }, () => breaker.execute(() => chat(sim, model))));
    expect(await chatAttempts(sim, model)).toHaveLength(6);
    expect(results.filter((result) => result.status === 'rejected' && isCircuitOpen(result.reason))).toHaveLength(4);
    expect(breaker.state).toBe('open');

    // Recovered: again exactly one probe, it succeeds, the breaker closes and traffic flows.
    sim.script(model, null);
    await sleep(options.resetTimeoutMs + 50);
    results = await Promise.allSettled(Array.from({ length: 5 }, () => breaker.execute(() => chat(sim, model))));
    expect(await chatAttempts(sim, model)).toHaveLength(7);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(breaker.state).toBe('closed');

    const answers = await Promise.all(Array.from({ length: 5 }, () => breaker.execute(() => chat(sim, model))));
    expect(answers.every((answer) => answer.startsWith('Simulated answer to: hello'))).toBe(true);
    expect(await chatAttempts(sim, model)).toHaveLength(12);
  });

  it('never trips on a 400 context-length error', async () => {
    registry = newRegistry({ defaults: options });
    const model = 'gpt-small-context';
    const breaker = registry.get(`openai/${model}`);
    sim.script(model, 'context-length');
    for (let call = 0; call < 10; call++) {
      expect(await rejection(breaker.execute(() => chat(sim, model)))).toMatchObject({
        code: 'context_length',
        statusCode: 400,
      });
    }
    expect(breaker.state).toBe('closed');
    expect(await chatAttempts(sim, model)).toHaveLength(10);
    expect(registry.snapshot()[0]).toMatchObject({ calls: 10, failures: 0, rejections: 0 });
  });
});
