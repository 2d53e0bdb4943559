import { GatewayError } from '@exai/core';
import { useSimulator } from '@exai/provider-simulator/test';
import { describe, expect, it } from 'vitest';
import { createSessionManager } from '../src/index.js';
import { chat, waitFor } from './simulator-helpers.js';

describe('caller cancellation against the provider simulator', () => {
  const simulator = useSimulator();

  it('aborting a running call tears down the upstream request', async () => {
    const manager = createSessionManager({ defaultTimeoutMs: 10_000 });
    const controller = new AbortController();
    const call = manager.run(({ signal }) => chat(simulator, { signal, scenario: 'no-response' }), {
      provider: 'openai',
      signal: controller.signal,
      requestId: 'cancel-me',
    });
    await waitFor(() => simulator.sim.log.length === 1);
    const started = performance.now();
    controller.abort();
    const error = await call.catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(1_000); // no-response: only the abort ends it
    expect(GatewayError.isInstance(error) && error.code).toBe('cancelled');
    expect(manager.get('cancel-me')).toMatchObject({ status: 'cancelled' });
    const attempt = await waitFor(() => simulator.sim.log.find((row) => row.durationMs !== null));
    expect(attempt.clientHungUp).toBe(true);
  });

  it('a call cancelled while queued never reaches the provider', async () => {
    const manager = createSessionManager({ perProvider: 1, defaultTimeoutMs: 10_000 });
    const first = manager.run(
      ({ signal }) => chat(simulator, { signal, scenario: 'latency?ms=80', content: 'first' }),
      { provider: 'openai' },
    );
    const controller = new AbortController();
    const queued = manager.runSettled(({ signal }) => chat(simulator, { signal, content: 'queued' }), {
      provider: 'openai',
      signal: controller.signal,
    });
    controller.abort();
    expect(await queued).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    await first;
    const attempts = await simulator.sim.attempts();
    expect(attempts).toHaveLength(1);
  });
});
